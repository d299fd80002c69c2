/* Setting up and tearing down the container's interfaces (native/network.h).
 * The semantics follow LXC 5.0.2's src/lxc/network.c (docs/networking.md):
 * per interface in config order, the host side first (l2proxy entries, the
 * device, its bridge or OVS port and VLANs, host routes, router-mode
 * proxies, script.up), then inside the container the interfaces that have a
 * name of their own before those the kernel names eth%d: rename, MAC,
 * addresses, up (and lo with the first), gateways. Where LXC makes a device
 * on the host and then moves it, the monitor creates it inside the
 * container's namespace directly (one request instead of three). */
#define _GNU_SOURCE
#include "network.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "monitor.h"
#include "netlink.h"
#include "netpriv.h"

/* Random names collide only by bad luck: try a few before giving up. */
#define NAME_ATTEMPTS 8

static char detail[512];

const char *ctr_net_error_detail(void)
{
	return detail;
}

int ctr_net_fail(int index, int err, const char *code, const char *fmt, ...)
{
	char text[400];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (index < 0)
		(void)snprintf(detail, sizeof(detail), "- %s %s", code, text);
	else
		(void)snprintf(detail, sizeof(detail), "%d %s %s", index, code, text);
	log_error("Network %d: %s: %s", index, text, strerror(err < 0 ? -err : err));
	return err;
}

/* "TEXT: the kernel's reason" when it gave one, for the error detail. */
static const char *why(void)
{
	static char buf[300];
	const char *k = ctr_nl_last_error();

	(void)snprintf(buf, sizeof(buf), "%s%s", *k ? " (" : "", *k ? k : "");
	if (*k)
		(void)strncat(buf, ")", sizeof(buf) - strlen(buf) - 1);
	return buf;
}

static bool has_own_name(const struct ctr_netdev *d)
{
	return d->type == CTR_NET_EMPTY || (*d->name && strcmp(d->name, "eth%d") != 0);
}

static bool is_bridged(const struct ctr_netdev *d)
{
	return d->type == CTR_NET_VETH && *d->link && d->mode != CTR_VETH_ROUTER;
}

static bool has_vlans(const struct ctr_monitor *m, size_t i)
{
	const struct ctr_netspec *ns = &m->spec->net;

	if (ns->devs[i].vlan_id != CTR_VLAN_UNSET)
		return true;
	for (size_t t = 0; t < ns->ntags; t++)
		if ((size_t)ns->tags[t].dev == i)
			return true;
	return false;
}

static int net_open(struct ctr_monitor *m)
{
	size_t n = m->spec->net.ndevs;
	struct ctr_net *net;
	char path[64];

	net = calloc(1, sizeof(*net) + n * sizeof(net->rt[0]));
	if (!net)
		return ctr_net_fail(-1, -ENOMEM, "netns", "Out of memory");
	net->n = n;
	net->host_nl = net->cont_nl = net->cont_ns = -EBADF;
	m->net = net;
	net->host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (net->host_ns < 0)
		return ctr_net_fail(-1, -errno, "netns", "Failed to open the monitor's network namespace");
	(void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)m->init_pid);
	net->cont_ns = open(path, O_RDONLY | O_CLOEXEC);
	if (net->cont_ns < 0)
		return ctr_net_fail(-1, -errno, "netns", "Failed to open the container's network namespace");
	net->host_nl = ctr_nl_open();
	if (net->host_nl < 0)
		return ctr_net_fail(-1, net->host_nl, "netns", "Failed to open a netlink socket");
	net->cont_nl = ctr_nl_open_in(net->cont_ns, net->host_ns);
	if (net->cont_nl < 0)
		return ctr_net_fail(-1, net->cont_nl, "netns", "Failed to open a netlink socket in the container");
	return 0;
}

/* The link (bridge, parent or phys device) in the monitor's namespace. */
static int plan_link(struct ctr_monitor *m, size_t i, struct ctr_linkinfo *li)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	int ret;

	memset(li, 0, sizeof(*li));
	if (!*d->link || d->type == CTR_NET_EMPTY || d->type == CTR_NET_NONE)
		return 0;
	ret = ctr_netop_get_link(m->net->host_nl, d->link, 0, li);
	/* LXC: a router-mode veth only borrows the link's MTU, if it exists. */
	if (ret == -ENODEV && d->type == CTR_NET_VETH && !is_bridged(d) && !d->l2proxy &&
	    d->gw4.kind != CTR_GW_AUTO && d->gw6.kind != CTR_GW_AUTO)
		return 0;
	if (ret == -ENODEV)
		return ctr_net_fail(d->index, ret, "nolink", "%s", d->link);
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "netlink", "Failed to look up %s%s", d->link, why());
	rt->link_ifindex = li->ifindex;
	rt->link_mtu = li->mtu;
	rt->link_ovs = strcmp(li->kind, "openvswitch") == 0;
	rt->link_vlan_filtering = li->vlan_filtering;
	rt->link_pvid = li->default_pvid;
	if (is_bridged(d) && !rt->link_ovs && strcmp(li->kind, "bridge") != 0)
		return ctr_net_fail(d->index, -EINVAL, "notbridge", "%s %s", d->link, *li->kind ? li->kind : "device");
	return 0;
}

/* gateway = auto: the link's first address of that family (LXC). */
static int resolve_gateway(struct ctr_monitor *m, size_t i, int family)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	struct ctr_gateway *gw = family == AF_INET ? &rt->gw4 : &rt->gw6;
	int ret;

	*gw = family == AF_INET ? d->gw4 : d->gw6;
	if (gw->kind != CTR_GW_AUTO)
		return 0;
	if (!rt->link_ifindex)
		return ctr_net_fail(d->index, -EINVAL, "gateway", "ipv%d.gateway = auto needs a link", family == AF_INET ? 4 : 6);
	ret = ctr_netop_first_addr(m->net->host_nl, rt->link_ifindex, family, &gw->v6);
	if (ret == -EADDRNOTAVAIL)
		return ctr_net_fail(d->index, ret, "gateway", "ipv%d.gateway = auto: %s has no IPv%d address",
				    family == AF_INET ? 4 : 6, d->link, family == AF_INET ? 4 : 6);
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "netlink", "Failed to read the addresses of %s%s", d->link, why());
	gw->kind = CTR_GW_ADDRESS;
	return 0;
}

/* Everything that can be known before anything changes: the links, the
 * gateways, a phys device's state, the names. */
static int plan_dev(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	struct ctr_linkinfo li;
	int ret;

	ret = plan_link(m, i, &li);
	if (ret == 0)
		ret = resolve_gateway(m, i, AF_INET);
	if (ret == 0)
		ret = resolve_gateway(m, i, AF_INET6);
	if (ret < 0)
		return ret;
	if (d->type == CTR_NET_PHYS) {
		/* Known before the move, for a cleanup after a crash in between. */
		if (has_own_name(d))
			(void)snprintf(rt->inside, sizeof(rt->inside), "%s", d->name);
		(void)snprintf(rt->orig_name, sizeof(rt->orig_name), "%s", li.name);
		rt->orig_mtu = li.mtu;
		memcpy(rt->orig_mac, li.mac, 6);
		rt->orig_up = li.flags & IFF_UP;
	}
	if (d->type == CTR_NET_VETH) {
		if (*d->pair)
			(void)snprintf(rt->host, sizeof(rt->host), "%s", d->pair);
		else
			ctr_netop_random_name(rt->host, "veth");
	}
	if (d->type == CTR_NET_EMPTY) {
		(void)snprintf(rt->inside, sizeof(rt->inside), "lo");
		rt->inside_ifindex = 1;
	}
	return 0;
}

/* The name a device gets when it is made: its own, or a transient one
 * (LXC's templates) that the second pass renames to eth%d. */
static void first_name(const struct ctr_netdev *d, char out[IFNAMSIZ])
{
	static const char *const prefix[] = {
		[CTR_NET_VETH] = "veth", [CTR_NET_MACVLAN] = "macv", [CTR_NET_IPVLAN] = "ipvl",
		[CTR_NET_VLAN] = "vlan", [CTR_NET_PHYS] = "phys",
	};

	if (has_own_name(d))
		(void)snprintf(out, IFNAMSIZ, "%s", d->name);
	else
		ctr_netop_random_name(out, prefix[d->type] ? prefix[d->type] : "net");
}

/* The peer cannot be set up here: veth_open refuses (ENOTCONN) until both
 * ends exist, so it goes up with the other interfaces inside. */
static void put_peer(struct ctr_nlmsg *msg, struct ctr_monitor *m, const struct ctr_netdev *d, const char *name,
		     unsigned int mtu)
{
	struct ifinfomsg peer = {.ifi_family = AF_UNSPEC};
	size_t li, data, p;

	li = ctr_nl_nest_begin(msg, IFLA_LINKINFO);
	ctr_nl_put_str(msg, IFLA_INFO_KIND, "veth");
	data = ctr_nl_nest_begin(msg, IFLA_INFO_DATA);
	p = ctr_nl_nest_begin(msg, VETH_INFO_PEER);
	ctr_nl_append(msg, &peer, sizeof(peer));
	ctr_nl_put_str(msg, IFLA_IFNAME, name);
	if (d->has_hwaddr)
		ctr_nl_put(msg, IFLA_ADDRESS, d->hwaddr, 6);
	ctr_nl_put_u32(msg, IFLA_MTU, mtu);
	ctr_nl_put_u32(msg, IFLA_NET_NS_FD, (unsigned int)m->net->cont_ns);
	if (d->rx_queues)
		ctr_nl_put_u32(msg, IFLA_NUM_RX_QUEUES, (unsigned int)d->rx_queues);
	if (d->tx_queues)
		ctr_nl_put_u32(msg, IFLA_NUM_TX_QUEUES, (unsigned int)d->tx_queues);
	ctr_nl_nest_end(msg, p);
	ctr_nl_nest_end(msg, data);
	ctr_nl_nest_end(msg, li);
}

/* One request: the host side (its MAC, MTU, bridge, up) and the peer made
 * inside the container's namespace with its name, MAC and MTU. */
static int create_veth(struct ctr_monitor *m, size_t i, const char *peer, bool host_up)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	/* LXC: the link's MTU unless one is given, 1500 without a link. */
	unsigned int mtu = d->mtu ? d->mtu : rt->link_mtu ? rt->link_mtu : 1500;
	unsigned char mac[6];
	struct ctr_nlmsg msg;

	if (host_up)
		ifi.ifi_flags = ifi.ifi_change = IFF_UP;
	/* LXC: the host side's first byte is 0xfe, so that a bridge (which
	 * takes the lowest address of its ports) keeps its own. */
	ctr_netop_random_bytes(mac, sizeof(mac));
	mac[0] = 0xfe;
	ctr_nl_init(&msg, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	ctr_nl_put_str(&msg, IFLA_IFNAME, rt->host);
	ctr_nl_put(&msg, IFLA_ADDRESS, mac, sizeof(mac));
	ctr_nl_put_u32(&msg, IFLA_MTU, mtu);
	if (is_bridged(d) && !rt->link_ovs)
		ctr_nl_put_u32(&msg, IFLA_MASTER, (unsigned int)rt->link_ifindex);
	/* LXC gives the host side the queue counts the other way round. */
	if (d->tx_queues)
		ctr_nl_put_u32(&msg, IFLA_NUM_RX_QUEUES, (unsigned int)d->tx_queues);
	if (d->rx_queues)
		ctr_nl_put_u32(&msg, IFLA_NUM_TX_QUEUES, (unsigned int)d->rx_queues);
	put_peer(&msg, m, d, peer, mtu);
	return ctr_nl_transact(m->net->host_nl, &msg);
}

/* The created device's index inside the container (and the host side's). */
static int learn_indexes(struct ctr_monitor *m, size_t i, const char *inside)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	struct ctr_linkinfo li;
	int ret;

	if (*rt->host) {
		ret = ctr_netop_get_link(m->net->host_nl, rt->host, 0, &li);
		if (ret < 0)
			return ctr_net_fail(d->index, ret, "netlink", "Failed to look up %s%s", rt->host, why());
		rt->host_ifindex = li.ifindex;
	}
	ret = ctr_netop_get_link(m->net->cont_nl, inside, 0, &li);
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "netlink", "Failed to look up %s in the container%s", inside, why());
	rt->inside_ifindex = li.ifindex;
	(void)snprintf(rt->inside, sizeof(rt->inside), "%s", li.name);
	return 0;
}

static int host_veth_create(struct ctr_monitor *m, size_t i, bool *host_up)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	char peer[IFNAMSIZ];
	int ret = -EEXIST;

	/* An OVS port and bridge VLANs are set up before the port goes up. */
	*host_up = !(is_bridged(d) && (rt->link_ovs || has_vlans(m, i)));
	first_name(d, peer);
	for (int attempt = 0; attempt < NAME_ATTEMPTS && ret == -EEXIST; attempt++) {
		if (attempt > 0 && !*d->pair)
			ctr_netop_random_name(rt->host, "veth");
		if (attempt > 0 && !has_own_name(d))
			first_name(d, peer);
		ret = create_veth(m, i, peer, *host_up);
		if (ret == -EEXIST && *d->pair)
			break;
	}
	if (ret == -EEXIST)
		return ctr_net_fail(d->index, ret, "exists", "%s", *d->pair ? d->pair : has_own_name(d) ? d->name : rt->host);
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "netlink", "Failed to create the veth pair %s%s", rt->host, why());
	rt->created = true;
	return learn_indexes(m, i, peer);
}

/* LXC's setup_veth_ovs_bridge_vlan: vlan_mode access/trunk/native-untagged. */
static int veth_ovs_vlans(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netspec *ns = &m->spec->net;
	const struct ctr_netdev *d = &ns->devs[i];
	char tag[16] = "", trunks[256] = "", out[256];
	const char *args[8] = {"set", "port", m->net->rt[i].host, NULL};
	size_t n = 3;
	int ret;

	for (size_t t = 0; t < ns->ntags; t++) {
		size_t len = strlen(trunks);
		if ((size_t)ns->tags[t].dev == i)
			(void)snprintf(trunks + len, sizeof(trunks) - len, "%s%d", len ? "," : "trunks=", ns->tags[t].vid);
	}
	if (d->vlan_id == CTR_VLAN_NONE && !*trunks)
		return ctr_net_fail(d->index, -EINVAL, "ovs", "veth.vlan.id = none needs veth.vlan.tagged.id on an Open vSwitch bridge");
	if (d->vlan_id >= 0)
		(void)snprintf(tag, sizeof(tag), "tag=%d", d->vlan_id);
	args[n++] = *trunks ? (d->vlan_id >= 0 ? "vlan_mode=native-untagged" : "vlan_mode=trunk") : "vlan_mode=access";
	if (*tag)
		args[n++] = tag;
	if (*trunks)
		args[n++] = trunks;
	args[n] = NULL;
	ret = ctr_netscript_ovs(args, out, sizeof(out));
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "ovs", "ovs-vsctl set port %s failed: %s", m->net->rt[i].host, out);
	return 0;
}

static int veth_ovs(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	const char *args[] = {"add-port", d->link, rt->host, NULL};
	char out[256];
	int ret;

	ret = ctr_netscript_ovs(args, out, sizeof(out));
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "ovs", "ovs-vsctl add-port %s %s failed: %s", d->link, rt->host, out);
	rt->ovs_port = true;
	return has_vlans(m, i) ? veth_ovs_vlans(m, i) : 0;
}

/* LXC's setup_veth_native_bridge_vlan: the port's untagged VLAN replaces the
 * bridge's default PVID, tagged VLANs are added. */
static int veth_bridge_vlans(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netspec *ns = &m->spec->net;
	const struct ctr_netdev *d = &ns->devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	int ret = 0;

	if (rt->link_vlan_filtering != 1)
		return ctr_net_fail(d->index, -EPERM, "vlanfilter", "%s", d->link);
	if (d->vlan_id != CTR_VLAN_UNSET && rt->link_pvid > 0 && rt->link_pvid != d->vlan_id)
		ret = ctr_netop_bridge_vlan(m->net->host_nl, false, rt->host_ifindex, rt->link_pvid, false);
	if (ret == 0 && d->vlan_id >= 0)
		ret = ctr_netop_bridge_vlan(m->net->host_nl, true, rt->host_ifindex, d->vlan_id, false);
	for (size_t t = 0; ret == 0 && t < ns->ntags; t++)
		if ((size_t)ns->tags[t].dev == i)
			ret = ctr_netop_bridge_vlan(m->net->host_nl, true, rt->host_ifindex, ns->tags[t].vid, true);
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "netlink", "Failed to set the VLANs of %s on %s%s", rt->host, d->link, why());
	return 0;
}

/* veth.ipv4.route / veth.ipv6.route: routes to the container via its host side. */
static int veth_routes(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netspec *ns = &m->spec->net;
	struct ctr_netrt *rt = &m->net->rt[i];
	int ret;

	for (size_t a = 0; a < ns->naddrs; a++) {
		const struct ctr_netaddr *r = &ns->addrs[a];
		if ((size_t)r->dev != i || !r->route)
			continue;
		ret = ctr_netop_route(m->net->host_nl, true, r->family, rt->host_ifindex, r->addr, r->prefix, NULL);
		if (ret < 0)
			return ctr_net_fail(ns->devs[i].index, ret, "netlink", "Failed to add a route through %s%s", rt->host, why());
	}
	return 0;
}

/* Router mode: the host side answers for the gateway (proxy ARP/NDP) and
 * routes each container address to it (LXC netdev_configure_server_veth). */
static int veth_router_gw(struct ctr_monitor *m, size_t i, int family)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	const struct ctr_gateway *gw = family == AF_INET ? &rt->gw4 : &rt->gw6;
	int ret;

	if (gw->kind != CTR_GW_ADDRESS)
		return 0;
	if (family == AF_INET6 && ctr_netop_sysctl_is_on(AF_INET6, "all", "forwarding") < 0)
		return ctr_net_fail(d->index, -EPERM, "sysctl", "net.ipv6.conf.all.forwarding=1");
	ret = ctr_netop_sysctl_on(family, rt->host, "forwarding");
	if (ret == 0 && family == AF_INET6)
		ret = ctr_netop_sysctl_on(family, rt->host, "proxy_ndp");
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "netlink", "Failed to enable forwarding on %s", rt->host);
	ret = ctr_netop_neigh_proxy(m->net->host_nl, true, family, rt->host_ifindex, &gw->v6);
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "netlink", "Failed to proxy the gateway on %s%s", rt->host, why());
	return 0;
}

static int veth_router(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netspec *ns = &m->spec->net;
	struct ctr_netrt *rt = &m->net->rt[i];
	int ret;

	ret = veth_router_gw(m, i, AF_INET);
	if (ret == 0)
		ret = veth_router_gw(m, i, AF_INET6);
	for (size_t a = 0; ret == 0 && a < ns->naddrs; a++) {
		const struct ctr_netaddr *r = &ns->addrs[a];
		if ((size_t)r->dev != i || r->route)
			continue;
		ret = ctr_netop_route(m->net->host_nl, true, r->family, rt->host_ifindex, r->addr,
				      r->family == AF_INET ? 32 : 128, NULL);
		if (ret < 0)
			return ctr_net_fail(ns->devs[i].index, ret, "netlink", "Failed to route an address to %s%s", rt->host, why());
	}
	return ret;
}

static int host_veth(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	bool host_up;
	int ret;

	ret = host_veth_create(m, i, &host_up);
	if (ret == 0 && is_bridged(d) && rt->link_ovs)
		ret = veth_ovs(m, i);
	else if (ret == 0 && is_bridged(d) && has_vlans(m, i))
		ret = veth_bridge_vlans(m, i);
	if (ret == 0 && !host_up) {
		ret = ctr_netop_set_link(m->net->host_nl, rt->host_ifindex, NULL, 0, NULL, 1, -1);
		if (ret < 0)
			return ctr_net_fail(d->index, ret, "netlink", "Failed to set %s up%s", rt->host, why());
	}
	if (ret == 0)
		ret = veth_routes(m, i);
	if (ret == 0 && d->mode == CTR_VETH_ROUTER)
		ret = veth_router(m, i);
	return ret;
}

/* macvlan, ipvlan, vlan: made on the link, inside the container's namespace. */
static int create_child(struct ctr_monitor *m, size_t i, const char *name, bool up)
{
	static const char *const kinds[] = {[CTR_NET_MACVLAN] = "macvlan", [CTR_NET_IPVLAN] = "ipvlan", [CTR_NET_VLAN] = "vlan"};
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct ctr_nlmsg msg;
	size_t li, data;

	if (up)
		ifi.ifi_flags = ifi.ifi_change = IFF_UP;
	ctr_nl_init(&msg, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	ctr_nl_put_str(&msg, IFLA_IFNAME, name);
	ctr_nl_put_u32(&msg, IFLA_LINK, (unsigned int)m->net->rt[i].link_ifindex);
	ctr_nl_put_u32(&msg, IFLA_NET_NS_FD, (unsigned int)m->net->cont_ns);
	if (d->mtu)
		ctr_nl_put_u32(&msg, IFLA_MTU, d->mtu);
	if (d->has_hwaddr)
		ctr_nl_put(&msg, IFLA_ADDRESS, d->hwaddr, 6);
	li = ctr_nl_nest_begin(&msg, IFLA_LINKINFO);
	ctr_nl_put_str(&msg, IFLA_INFO_KIND, kinds[d->type]);
	data = ctr_nl_nest_begin(&msg, IFLA_INFO_DATA);
	if (d->type == CTR_NET_MACVLAN)
		ctr_nl_put_u32(&msg, IFLA_MACVLAN_MODE, (unsigned int)d->mode);
	if (d->type == CTR_NET_IPVLAN)
		ctr_nl_put_u16(&msg, IFLA_IPVLAN_MODE, (unsigned short)d->mode);
	/* LXC sends the isolation only when it is not bridge (0). */
	if (d->type == CTR_NET_IPVLAN && d->isolation)
		ctr_nl_put_u16(&msg, IFLA_IPVLAN_FLAGS, (unsigned short)d->isolation);
	if (d->type == CTR_NET_VLAN)
		ctr_nl_put_u16(&msg, IFLA_VLAN_ID, (unsigned short)d->vlan_id);
	ctr_nl_nest_end(&msg, data);
	ctr_nl_nest_end(&msg, li);
	return ctr_nl_transact(m->net->host_nl, &msg);
}

static int host_child(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	bool up = d->up && has_own_name(d);
	char name[IFNAMSIZ];
	int ret = -EEXIST;

	for (int attempt = 0; attempt < NAME_ATTEMPTS && ret == -EEXIST; attempt++) {
		first_name(d, name);
		ret = create_child(m, i, name, up);
		if (ret == -EEXIST && has_own_name(d))
			return ctr_net_fail(d->index, ret, "exists", "%s", name);
	}
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "netlink", "Failed to create the %s interface on %s%s",
				    d->type == CTR_NET_MACVLAN ? "macvlan" : d->type == CTR_NET_IPVLAN ? "ipvlan" : "vlan",
				    d->link, why());
	rt->created = true;
	rt->inside_up = up;
	return learn_indexes(m, i, name);
}

/* phys: the device itself moves in (its MTU set before, as LXC does). */
static int host_phys(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	char name[IFNAMSIZ];
	int ret;

	if (d->mtu) {
		ret = ctr_netop_set_link(m->net->host_nl, rt->link_ifindex, NULL, d->mtu, NULL, -1, -1);
		if (ret < 0)
			return ctr_net_fail(d->index, ret, "netlink", "Failed to set the MTU of %s%s", d->link, why());
		rt->mtu_changed = true;
	}
	first_name(d, name);
	ret = ctr_netop_set_link(m->net->host_nl, rt->link_ifindex, name, 0, NULL, -1, m->net->cont_ns);
	if (ret == -EEXIST)
		return ctr_net_fail(d->index, ret, "exists", "%s", name);
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "netlink", "Failed to move %s into the container%s", d->link, why());
	rt->moved = rt->created = true;
	return learn_indexes(m, i, name);
}

/* l2proxy (LXC lxc_setup_l2proxy): the link answers ARP/NDP for the
 * container's addresses; an ipvlan needs a route to lo for that too. */
static int l2proxy_check(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netspec *ns = &m->spec->net;
	const struct ctr_netdev *d = &ns->devs[i];
	bool v4 = false, v6 = false;

	for (size_t a = 0; a < ns->naddrs; a++) {
		if ((size_t)ns->addrs[a].dev != i || ns->addrs[a].route)
			continue;
		v4 |= ns->addrs[a].family == AF_INET;
		v6 |= ns->addrs[a].family == AF_INET6;
	}
	if (v4 && ctr_netop_sysctl_is_on(AF_INET, d->link, "forwarding") < 0)
		return ctr_net_fail(d->index, -EPERM, "sysctl", "net.ipv4.conf.%s.forwarding=1", d->link);
	if (v6 && ctr_netop_sysctl_is_on(AF_INET6, d->link, "proxy_ndp") < 0)
		return ctr_net_fail(d->index, -EPERM, "sysctl", "net.ipv6.conf.%s.proxy_ndp=1", d->link);
	if (v6 && ctr_netop_sysctl_is_on(AF_INET6, d->link, "forwarding") < 0)
		return ctr_net_fail(d->index, -EPERM, "sysctl", "net.ipv6.conf.%s.forwarding=1", d->link);
	return 0;
}

static int l2proxy_each(struct ctr_monitor *m, size_t i, bool add)
{
	const struct ctr_netspec *ns = &m->spec->net;
	const struct ctr_netdev *d = &ns->devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	int first = 0;

	for (size_t a = 0; a < ns->naddrs; a++) {
		const struct ctr_netaddr *x = &ns->addrs[a];
		int ret;
		if ((size_t)x->dev != i || x->route)
			continue;
		ret = ctr_netop_neigh_proxy(m->net->host_nl, add, x->family, rt->link_ifindex, x->addr);
		/* The loopback device is always ifindex 1. */
		if (ret == 0 && d->type == CTR_NET_IPVLAN)
			ret = ctr_netop_route(m->net->host_nl, add, x->family, 1, x->addr, x->family == AF_INET ? 32 : 128, NULL);
		if (ret < 0 && add)
			return ctr_net_fail(d->index, ret, "netlink", "Failed to add an l2proxy entry on %s%s", d->link, why());
		if (ret < 0 && !first)
			first = ret;
	}
	return first;
}

static int l2proxy_setup(struct ctr_monitor *m, size_t i)
{
	int ret = l2proxy_check(m, i);

	if (ret < 0)
		return ret;
	m->net->rt[i].proxied = true;
	return l2proxy_each(m, i, true);
}

static int host_side(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	int ret = 0;

	if (d->type == CTR_NET_NONE)
		return 0;
	if (d->l2proxy && *d->link)
		ret = l2proxy_setup(m, i);
	if (ret < 0)
		return ret;
	if (d->type == CTR_NET_VETH)
		ret = host_veth(m, i);
	else if (d->type == CTR_NET_PHYS)
		ret = host_phys(m, i);
	else if (d->type == CTR_NET_EMPTY)
		rt->created = true;
	else
		ret = host_child(m, i);
	if (ret == 0 && d->script_up)
		ret = ctr_netscript_run(m, i, true);
	if (ret == 0)
		rt->configured = true;
	return ret;
}

/* LXC: a gateway outside the container's subnets gets a route to itself first. */
static int add_gateway(struct ctr_monitor *m, size_t i, int family)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	const struct ctr_gateway *gw = family == AF_INET ? &rt->gw4 : &rt->gw6;
	int nl = m->net->cont_nl, ret;

	if (gw->kind == CTR_GW_NONE)
		return 0;
	if (gw->kind == CTR_GW_DEV)
		ret = ctr_netop_route(nl, true, family, rt->inside_ifindex, NULL, 0, NULL);
	else {
		ret = ctr_netop_route(nl, true, family, rt->inside_ifindex, NULL, 0, &gw->v6);
		if (ret < 0 && ret != -EEXIST &&
		    ctr_netop_route(nl, true, family, rt->inside_ifindex, &gw->v6, family == AF_INET ? 32 : 128, NULL) == 0)
			ret = ctr_netop_route(nl, true, family, rt->inside_ifindex, NULL, 0, &gw->v6);
	}
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "gateway", "Failed to add the default IPv%d route of %s%s",
				    family == AF_INET ? 4 : 6, rt->inside, why());
	return 0;
}

static int inside_addresses(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netspec *ns = &m->spec->net;
	struct ctr_netrt *rt = &m->net->rt[i];
	int ret;

	for (size_t a = 0; a < ns->naddrs; a++) {
		if ((size_t)ns->addrs[a].dev != i || ns->addrs[a].route)
			continue;
		ret = ctr_netop_add_addr(m->net->cont_nl, rt->inside_ifindex, &ns->addrs[a]);
		if (ret < 0)
			return ctr_net_fail(ns->devs[i].index, ret, "netlink", "Failed to add an address to %s%s", rt->inside, why());
	}
	return 0;
}

static int inside_rename(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	struct ctr_linkinfo li;
	int ret;

	ret = ctr_netop_set_link(m->net->cont_nl, rt->inside_ifindex, "eth%d", 0, NULL, -1, -1);
	if (ret == 0)
		ret = ctr_netop_get_link(m->net->cont_nl, NULL, rt->inside_ifindex, &li);
	if (ret < 0)
		return ctr_net_fail(d->index, ret, "netlink", "Failed to rename %s to eth%%d%s", rt->inside, why());
	(void)snprintf(rt->inside, sizeof(rt->inside), "%s", li.name);
	return 0;
}

/* LXC lxc_network_setup_in_child_namespaces_common, from the monitor. */
static int inside_dev(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	struct ctr_net *net = m->net;
	int ret = 0;

	if (!has_own_name(d))
		ret = inside_rename(m, i);
	if (ret == 0 && d->has_hwaddr && (d->type == CTR_NET_PHYS || d->type == CTR_NET_EMPTY)) {
		ret = ctr_netop_set_link(net->cont_nl, rt->inside_ifindex, NULL, 0, d->hwaddr, -1, -1);
		if (ret < 0)
			return ctr_net_fail(d->index, ret, "netlink", "Failed to set the MAC address of %s%s", rt->inside, why());
	}
	if (ret == 0)
		ret = inside_addresses(m, i);
	if (ret == 0 && d->up && !rt->inside_up) {
		ret = ctr_netop_set_link(net->cont_nl, rt->inside_ifindex, NULL, 0, NULL, 1, -1);
		rt->inside_up = ret == 0;
	}
	/* LXC: the network is up, so is the loopback device. */
	if (ret == 0 && d->up && !net->lo_up) {
		ret = ctr_netop_set_link(net->cont_nl, 1, NULL, 0, NULL, 1, -1);
		net->lo_up = ret == 0;
	}
	if (ret < 0 && !*detail)
		return ctr_net_fail(d->index, ret, "netlink", "Failed to set %s up%s", rt->inside, why());
	if (ret == 0)
		ret = add_gateway(m, i, AF_INET);
	if (ret == 0)
		ret = add_gateway(m, i, AF_INET6);
	return ret;
}

/* Interfaces with a name of their own first, then those the kernel names
 * (LXC lxc_setup_network_in_child_namespaces): eth%d never takes a name
 * that a later interface asks for. */
static int inside(struct ctr_monitor *m)
{
	const struct ctr_netspec *ns = &m->spec->net;
	int ret;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ns->ndevs; i++) {
			if (ns->devs[i].type == CTR_NET_NONE || has_own_name(&ns->devs[i]) != (pass == 0))
				continue;
			ret = inside_dev(m, i);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static bool needs_pin(const struct ctr_netspec *ns)
{
	for (size_t i = 0; i < ns->ndevs; i++)
		if (ns->devs[i].type == CTR_NET_PHYS)
			return true;
	return false;
}

int ctr_net_prepare(struct ctr_monitor *m)
{
	const struct ctr_netspec *ns = &m->spec->net;
	int ret;

	detail[0] = '\0';
	if (!ns->ndevs || !(m->spec->clone_flags & CLONE_NEWNET))
		return 0;
	ret = net_open(m);
	for (size_t i = 0; ret == 0 && i < ns->ndevs; i++)
		ret = plan_dev(m, i);
	if (ret == 0 && needs_pin(ns))
		ret = ctr_netrecord_pin(m);
	/* Recorded before anything changes, for a cleanup after a crash. */
	if (ret == 0)
		ret = ctr_netrecord_write(m);
	return ret;
}

int ctr_net_setup(struct ctr_monitor *m)
{
	const struct ctr_netspec *ns = &m->spec->net;
	int ret = 0;

	if (!m->net)
		return 0;
	for (size_t i = 0; ret == 0 && i < ns->ndevs; i++)
		ret = host_side(m, i);
	if (ret == 0)
		ret = inside(m);
	if (ret == 0)
		ret = ctr_netrecord_write(m);
	return ret;
}

/* A phys device leaves the container under a transient name (the host may
 * have a device of its own name meanwhile), then gets back its name, MTU,
 * MAC and state. */
static void give_back(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	char transient[IFNAMSIZ];
	int ret = -EEXIST;

	for (int attempt = 0; attempt < NAME_ATTEMPTS && ret == -EEXIST; attempt++) {
		ctr_netop_random_name(transient, "phys");
		ret = ctr_netop_set_link(m->net->cont_nl, rt->inside_ifindex, transient, 0, NULL, -1, m->net->host_ns);
	}
	if (ret < 0) {
		log_error("Network %d: failed to move %s back to %s: %s%s", d->index, rt->inside, rt->orig_name,
			  strerror(-ret), why());
		return;
	}
	rt->moved = false;
	ret = ctr_netop_restore_phys(m->net->host_nl, transient, rt->orig_name, rt->orig_mtu, rt->orig_mac, rt->orig_up);
	if (ret < 0)
		log_error("Network %d: %s is back as %s, but restoring it failed: %s%s", d->index, rt->orig_name,
			  transient, strerror(-ret), why());
}

static void remove_host_side(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];
	char out[256];
	int ret = 0;

	if (rt->ovs_port) {
		const char *args[] = {"--if-exists", "del-port", d->link, rt->host, NULL};
		if (ctr_netscript_ovs(args, out, sizeof(out)) < 0)
			log_error("Network %d: ovs-vsctl del-port %s %s failed: %s", d->index, d->link, rt->host, out);
	}
	/* Deleting one end of a veth pair deletes both; the other kinds are
	 * deleted at once too, not whenever the namespace is freed. */
	if (d->type == CTR_NET_VETH && rt->host_ifindex)
		ret = ctr_netop_del_link(m->net->host_nl, rt->host_ifindex);
	else if ((d->type == CTR_NET_MACVLAN || d->type == CTR_NET_IPVLAN || d->type == CTR_NET_VLAN) && rt->inside_ifindex)
		ret = ctr_netop_del_link(m->net->cont_nl, rt->inside_ifindex);
	if (ret < 0 && ret != -ENODEV)
		log_error("Network %d: failed to delete %s: %s", d->index, *rt->host ? rt->host : rt->inside, strerror(-ret));
}

/* LXC lxc_delete_network_priv, per interface: proxies, the phys device
 * given back, script.down, the host side. */
static void teardown_dev(struct ctr_monitor *m, size_t i)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	struct ctr_netrt *rt = &m->net->rt[i];

	if (rt->proxied && l2proxy_each(m, i, false) < 0)
		log_error("Network %d: failed to remove every l2proxy entry on %s", d->index, d->link);
	if (d->type == CTR_NET_PHYS && rt->moved)
		give_back(m, i);
	else if (d->type == CTR_NET_PHYS && rt->mtu_changed &&
		 ctr_netop_set_link(m->net->host_nl, rt->link_ifindex, NULL, rt->orig_mtu, NULL, -1, -1) < 0)
		log_error("Network %d: failed to restore the MTU of %s", d->index, d->link);
	if (rt->configured && d->script_down && ctr_netscript_run(m, i, false) < 0)
		log_warn("Network %d: script.down failed: %s", d->index, detail);
	if (rt->created)
		remove_host_side(m, i);
}

void ctr_net_teardown(struct ctr_monitor *m)
{
	struct ctr_net *net = m->net;

	if (!net)
		return;
	for (size_t i = 0; i < net->n; i++)
		teardown_dev(m, i);
	ctr_netrecord_remove(m);
	ctr_closep(&net->cont_nl);
	ctr_closep(&net->host_nl);
	ctr_closep(&net->cont_ns);
	ctr_closep(&net->host_ns);
	free(net->record);
	free(net);
	m->net = NULL;
}
