/* Internals shared by network.c (setup and teardown), netlink-level link
 * operations (netops.c), the run-dir record (netrecord.c) and the
 * scripts (netscript.c). Not for the rest of the monitor. */
#ifndef CTR_NETPRIV_H
#define CTR_NETPRIV_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "netspec.h"

struct ctr_monitor;

/* What the monitor made or moved for one lxc.net.N, for teardown and the record. */
struct ctr_netrt {
	char host[IFNAMSIZ]; /* veth: the host side */
	int host_ifindex;
	char inside[IFNAMSIZ]; /* the name inside the container, once known */
	int inside_ifindex;
	int link_ifindex; /* the link in the monitor's namespace, 0 if none */
	unsigned int link_mtu;
	bool link_ovs;  /* the link is an Open vSwitch bridge */
	int link_vlan_filtering, link_pvid; /* a bridge link's VLAN settings, -1 if unknown */
	bool created;     /* a device exists that teardown handles */
	bool inside_up;   /* the device inside is already up */
	bool moved;       /* phys: the device is in the container */
	bool mtu_changed; /* phys: its MTU was set before the move */
	bool ovs_port;    /* the host veth is a port of the OVS bridge */
	bool proxied;     /* l2proxy entries were added */
	bool configured;  /* the host side and script.up succeeded: script.down runs at teardown */
	/* phys: how the device was before it moved in. */
	char orig_name[IFNAMSIZ];
	unsigned int orig_mtu;
	unsigned char orig_mac[6];
	bool orig_up;
	/* Gateways with `auto` resolved. */
	struct ctr_gateway gw4, gw6;
};

struct ctr_net {
	int host_ns, cont_ns; /* network namespace fds: the monitor's, the container's */
	int host_nl, cont_nl; /* rtnetlink sockets in each */
	bool pinned;          /* <rundir>/netns and netns.host are mounted */
	bool lo_up;
	char *record;      /* what <rundir>/network holds (ctr_netrecord_write), or NULL */
	size_t record_len;
	size_t n;
	struct ctr_netrt rt[]; /* one per spec->net.devs */
};

/* Link facts from RTM_GETLINK. */
struct ctr_linkinfo {
	int ifindex;
	unsigned int mtu;
	unsigned int flags;
	unsigned char mac[6];
	char name[IFNAMSIZ];
	char kind[16]; /* IFLA_INFO_KIND: "bridge", "openvswitch", "veth", ... or "" */
	int vlan_filtering; /* bridges: IFLA_BR_VLAN_FILTERING, else -1 */
	int default_pvid;   /* bridges: IFLA_BR_VLAN_DEFAULT_PVID, else -1 */
};

/* netops.c: one rtnetlink operation each; 0 or -errno. */
int ctr_netop_get_link(int nl, const char *name, int ifindex, struct ctr_linkinfo *out);
int ctr_netop_first_addr(int nl, int ifindex, int family, void *addr);
int ctr_netop_set_link(int nl, int ifindex, const char *name, unsigned int mtu, const unsigned char *mac,
		       int up, int netns_fd);
int ctr_netop_del_link(int nl, int ifindex);
int ctr_netop_add_addr(int nl, int ifindex, const struct ctr_netaddr *a);
/* A route through ifindex: default (prefix 0 and dst NULL) via gw (may be
 * NULL: a device route), or dst/prefix with link scope. add false deletes. */
int ctr_netop_route(int nl, bool add, int family, int ifindex, const void *dst, int prefix, const void *gw);
int ctr_netop_neigh_proxy(int nl, bool add, int family, int ifindex, const void *addr);
int ctr_netop_bridge_vlan(int nl, bool add, int ifindex, int vid, bool tagged);
/* A phys device that came back under the name `now`: its name, MTU, MAC
 * and up state as they were before it moved in. 0 or -errno. */
int ctr_netop_restore_phys(int nl, const char *now, const char *name, unsigned int mtu, const unsigned char *mac,
			   bool up);
/* "/proc/sys/net/ipv{4,6}/conf/IF/KEY": write "1", or check it reads "1" (0, -EPERM if not). */
int ctr_netop_sysctl_on(int family, const char *ifname, const char *key);
int ctr_netop_sysctl_is_on(int family, const char *ifname, const char *key);
/* prefix + 6 random [0-9a-zA-Z], as LXC names its interfaces (vethXXXXXX). */
void ctr_netop_random_name(char out[IFNAMSIZ], const char *prefix);
void ctr_netop_random_bytes(void *buf, size_t len);

/* netscript.c */
/* script.up / script.down of devs[i] with LXC's arguments and environment:
 * `/bin/sh -c "exec SCRIPT NAME net up|down TYPE [LINK [PEER]]"` (hook
 * version 0) or `exec SCRIPT TYPE [LINK [PEER]]` (version 1). 0, or -errno
 * (-ECHILD: the script failed; the detail is set). */
int ctr_netscript_run(struct ctr_monitor *m, size_t i, bool up);
/* ovs-vsctl ARGS..., found on PATH. 0, or -errno (-ECHILD: it failed). */
int ctr_netscript_ovs(const char *const *args, char *out, size_t outlen);

/* netrecord.c */
int ctr_netrecord_write(struct ctr_monitor *m);
int ctr_netrecord_pin(struct ctr_monitor *m);
void ctr_netrecord_remove(struct ctr_monitor *m);

/* network.c: sets the error detail; returns err (a -errno). */
int ctr_net_fail(int index, int err, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
