/* The network part of the start spec: one record per lxc.net.N interface
 * and its addresses, gateways, routes, VLANs and scripts, planned and
 * validated by src/core/net-plan.ts (docs/networking.md). Records:
 *
 *   net      N TYPE UP L2PROXY LINK NAME HWADDR MTU
 *   netmode  N MODE ISOLATION VLANID PAIR RXQUEUES TXQUEUES
 *   netaddr  N FAMILY ADDRESS PREFIX BROADCAST      (inside the container)
 *   netroute N FAMILY ADDRESS PREFIX                (veth.ipvX.route, on the host)
 *   netgw    N FAMILY KIND ADDRESS                  (KIND: address, auto, dev)
 *   nettag   N VID                                  (veth.vlan.tagged.id)
 *   netscript N up|down COMMAND
 *   netenv   NAME=VALUE                             (for the scripts)
 *   nethooks VERSION                                (lxc.hook.version)
 *
 * In `net`, N is the N of lxc.net.N; every other record names its NIC by
 * its position among the `net` records (0, 1, ...), which come first.
 * Empty strings stand for unset values. */
#ifndef CTR_NETSPEC_H
#define CTR_NETSPEC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

enum ctr_net_type {
	CTR_NET_EMPTY,
	CTR_NET_VETH,
	CTR_NET_MACVLAN,
	CTR_NET_IPVLAN,
	CTR_NET_PHYS,
	CTR_NET_VLAN,
	CTR_NET_NONE,
};

enum ctr_gw_kind {
	CTR_GW_NONE,
	CTR_GW_ADDRESS,
	CTR_GW_AUTO, /* the link's first address of that family (LXC: veth and macvlan) */
	CTR_GW_DEV,  /* a default route through the device, no gateway */
};

#define CTR_VETH_ROUTER 1       /* netdev.mode for veth: 0 bridge, 1 router */
#define CTR_VLAN_UNSET (-2)     /* veth.vlan.id not given */
#define CTR_VLAN_NONE (-1)      /* veth.vlan.id = none */

struct ctr_gateway {
	int kind;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

struct ctr_netdev {
	int index; /* N of lxc.net.N, for messages and the run-dir record */
	int type;
	bool up;
	bool l2proxy;
	const char *link; /* "" if unset */
	const char *name; /* "" if unset: the kernel's eth%d */
	bool has_hwaddr;
	unsigned char hwaddr[6];
	unsigned int mtu; /* 0 if unset */
	/* veth: 0 bridge or CTR_VETH_ROUTER; macvlan: MACVLAN_MODE_*; ipvlan: IPVLAN_MODE_*. */
	int mode;
	int isolation; /* ipvlan: 0 (bridge), IPVLAN_F_PRIVATE or IPVLAN_F_VEPA */
	int vlan_id;   /* vlan: the id; veth: CTR_VLAN_UNSET, CTR_VLAN_NONE or 0..4094 */
	const char *pair; /* veth.pair, "" if unset */
	int rx_queues, tx_queues; /* 0 if unset */
	const char *script_up, *script_down; /* NULL if unset */
	struct ctr_gateway gw4, gw6;
};

/* An address inside the container (ROUTE false) or a veth.ipvX.route on
 * the host side (ROUTE true). */
struct ctr_netaddr {
	int dev; /* index into devs */
	int family;
	bool route;
	int prefix;
	unsigned char addr[16];
	unsigned char bcast[4];
};

struct ctr_nettag {
	int dev;
	int vid;
};

struct ctr_netspec {
	struct ctr_netdev *devs;
	size_t ndevs;
	struct ctr_netaddr *addrs;
	size_t naddrs;
	struct ctr_nettag *tags;
	size_t ntags;
	const char **env; /* NULL-terminated */
	size_t nenv;
	int hook_version;
};

/* The number of fields of a net* record, or -1 when rec is not one. */
int ctr_netspec_arity(const char *rec);
/* Applies one net* record. 0, -ENOENT if rec is not a net record, or
 * -EINVAL/-ENOMEM. */
int ctr_netspec_record(struct ctr_netspec *net, const char *rec, const char **f);
void ctr_netspec_free(struct ctr_netspec *net);

#endif
