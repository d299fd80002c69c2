/* One rtnetlink operation per function, for network.c and netrecord.c
 * (native/netpriv.h). The message layouts follow what `ip` sends. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cleanup.h"
#include "netlink.h"
#include "netpriv.h"
#include "util.h"

/* A link's description with its statistics fits easily; they are skipped anyway. */
static char reply[8192] __attribute__((aligned(8)));

static void copy_str(char *dst, size_t size, const struct nlattr *a)
{
	size_t n = ctr_nl_len(a);

	if (n >= size)
		n = size - 1;
	memcpy(dst, ctr_nl_data(a), n);
	dst[n] = '\0';
}

static void parse_bridge(const struct nlattr *data, struct ctr_linkinfo *out)
{
	const struct nlattr *a;

	a = ctr_nl_nested(data, IFLA_BR_VLAN_FILTERING);
	if (a && ctr_nl_len(a) >= 1)
		out->vlan_filtering = *(const unsigned char *)ctr_nl_data(a);
	a = ctr_nl_nested(data, IFLA_BR_VLAN_DEFAULT_PVID);
	if (a && ctr_nl_len(a) >= 2)
		out->default_pvid = *(const unsigned short *)ctr_nl_data(a);
}

static void parse_link(const struct nlmsghdr *h, struct ctr_linkinfo *out)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct nlattr *a, *info;

	memset(out, 0, sizeof(*out));
	out->vlan_filtering = out->default_pvid = -1;
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	if ((a = ctr_nl_attr(h, sizeof(*ifi), IFLA_MTU)) && ctr_nl_len(a) >= 4)
		out->mtu = *(const unsigned int *)ctr_nl_data(a);
	if ((a = ctr_nl_attr(h, sizeof(*ifi), IFLA_ADDRESS)) && ctr_nl_len(a) == 6)
		memcpy(out->mac, ctr_nl_data(a), 6);
	if ((a = ctr_nl_attr(h, sizeof(*ifi), IFLA_IFNAME)))
		copy_str(out->name, sizeof(out->name), a);
	info = ctr_nl_attr(h, sizeof(*ifi), IFLA_LINKINFO);
	if (!info)
		return;
	if ((a = ctr_nl_nested(info, IFLA_INFO_KIND)))
		copy_str(out->kind, sizeof(out->kind), a);
	if (strcmp(out->kind, "bridge") == 0 && (a = ctr_nl_nested(info, IFLA_INFO_DATA)))
		parse_bridge(a, out);
}

int ctr_netop_get_link(int nl, const char *name, int ifindex, struct ctr_linkinfo *out)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct ctr_nlmsg msg;
	int ret;

	ctr_nl_init(&msg, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	if (!ifindex)
		ctr_nl_put_str(&msg, IFLA_IFNAME, name);
	ctr_nl_put_u32(&msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	ret = ctr_nl_get(nl, &msg, reply, sizeof(reply));
	if (ret < 0)
		return ret;
	if (((struct nlmsghdr *)reply)->nlmsg_type != RTM_NEWLINK)
		return -EIO;
	parse_link((struct nlmsghdr *)reply, out);
	return 0;
}

struct first_addr {
	int ifindex;
	int family;
	void *addr;
	bool found;
};

static int first_addr_cb(const struct nlmsghdr *h, void *data)
{
	struct first_addr *f = data;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	size_t len = f->family == AF_INET ? 4 : 16;
	const struct nlattr *a;

	if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != f->family || (int)ifa->ifa_index != f->ifindex)
		return 0;
	/* LXC takes IFA_LOCAL, else IFA_ADDRESS, of the first address listed. */
	a = ctr_nl_attr(h, sizeof(*ifa), IFA_LOCAL);
	if (!a)
		a = ctr_nl_attr(h, sizeof(*ifa), IFA_ADDRESS);
	if (!a || ctr_nl_len(a) != len)
		return 0;
	memcpy(f->addr, ctr_nl_data(a), len);
	f->found = true;
	return 1;
}

int ctr_netop_first_addr(int nl, int ifindex, int family, void *addr)
{
	struct ifaddrmsg ifa = {.ifa_family = (unsigned char)family};
	struct first_addr f = {ifindex, family, addr, false};
	struct ctr_nlmsg msg;
	int ret;

	ctr_nl_init(&msg, RTM_GETADDR, 0, &ifa, sizeof(ifa));
	ret = ctr_nl_dump(nl, &msg, first_addr_cb, &f);
	if (ret < 0)
		return ret;
	return f.found ? 0 : -EADDRNOTAVAIL;
}

int ctr_netop_set_link(int nl, int ifindex, const char *name, unsigned int mtu, const unsigned char *mac,
		       int up, int netns_fd)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct ctr_nlmsg msg;

	if (up >= 0) {
		ifi.ifi_change = IFF_UP;
		ifi.ifi_flags = up ? IFF_UP : 0;
	}
	ctr_nl_init(&msg, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (netns_fd >= 0)
		ctr_nl_put_u32(&msg, IFLA_NET_NS_FD, (unsigned int)netns_fd);
	if (name)
		ctr_nl_put_str(&msg, IFLA_IFNAME, name);
	if (mtu)
		ctr_nl_put_u32(&msg, IFLA_MTU, mtu);
	if (mac)
		ctr_nl_put(&msg, IFLA_ADDRESS, mac, 6);
	return ctr_nl_transact(nl, &msg);
}

int ctr_netop_del_link(int nl, int ifindex)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct ctr_nlmsg msg;

	ctr_nl_init(&msg, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	return ctr_nl_transact(nl, &msg);
}

int ctr_netop_add_addr(int nl, int ifindex, const struct ctr_netaddr *a)
{
	struct ifaddrmsg ifa = {
		.ifa_family = (unsigned char)a->family,
		.ifa_prefixlen = (unsigned char)a->prefix,
		.ifa_index = (unsigned int)ifindex,
	};
	size_t len = a->family == AF_INET ? 4 : 16;
	struct ctr_nlmsg msg;

	ctr_nl_init(&msg, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	ctr_nl_put(&msg, IFA_LOCAL, a->addr, len);
	ctr_nl_put(&msg, IFA_ADDRESS, a->addr, len);
	if (a->family == AF_INET)
		ctr_nl_put(&msg, IFA_BROADCAST, a->bcast, 4);
	return ctr_nl_transact(nl, &msg);
}

int ctr_netop_route(int nl, bool add, int family, int ifindex, const void *dst, int prefix, const void *gw)
{
	struct rtmsg rt = {
		.rtm_family = (unsigned char)family,
		.rtm_dst_len = (unsigned char)prefix,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = RTPROT_BOOT,
		/* LXC: routes to a destination are link-scoped, default routes universe. */
		.rtm_scope = dst ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
	};
	size_t len = family == AF_INET ? 4 : 16;
	struct ctr_nlmsg msg;

	ctr_nl_init(&msg, add ? RTM_NEWROUTE : RTM_DELROUTE, add ? NLM_F_CREATE | NLM_F_EXCL : 0, &rt, sizeof(rt));
	if (dst)
		ctr_nl_put(&msg, RTA_DST, dst, len);
	if (gw)
		ctr_nl_put(&msg, RTA_GATEWAY, gw, len);
	ctr_nl_put_u32(&msg, RTA_OIF, (unsigned int)ifindex);
	return ctr_nl_transact(nl, &msg);
}

int ctr_netop_neigh_proxy(int nl, bool add, int family, int ifindex, const void *addr)
{
	struct ndmsg nd = {
		.ndm_family = (unsigned char)family,
		.ndm_ifindex = ifindex,
		.ndm_flags = NTF_PROXY,
		.ndm_type = RTN_UNICAST,
	};
	struct ctr_nlmsg msg;

	ctr_nl_init(&msg, add ? RTM_NEWNEIGH : RTM_DELNEIGH, add ? NLM_F_CREATE | NLM_F_EXCL : 0, &nd, sizeof(nd));
	ctr_nl_put(&msg, NDA_DST, addr, family == AF_INET ? 4 : 16);
	return ctr_nl_transact(nl, &msg);
}

int ctr_netop_bridge_vlan(int nl, bool add, int ifindex, int vid, bool tagged)
{
	struct ifinfomsg ifi = {.ifi_family = AF_BRIDGE, .ifi_index = ifindex};
	struct bridge_vlan_info info = {.vid = (unsigned short)vid};
	struct ctr_nlmsg msg;
	size_t nest;

	if (!tagged)
		info.flags = BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED;
	ctr_nl_init(&msg, add ? RTM_SETLINK : RTM_DELLINK, 0, &ifi, sizeof(ifi));
	nest = ctr_nl_nest_begin(&msg, IFLA_AF_SPEC);
	ctr_nl_put_u16(&msg, IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_MASTER);
	ctr_nl_put(&msg, IFLA_BRIDGE_VLAN_INFO, &info, sizeof(info));
	ctr_nl_nest_end(&msg, nest);
	return ctr_nl_transact(nl, &msg);
}

static int sysctl_path(char *path, size_t size, int family, const char *ifname, const char *key)
{
	int n = snprintf(path, size, "/proc/sys/net/%s/conf/%s/%s", family == AF_INET ? "ipv4" : "ipv6", ifname, key);

	return n < 0 || (size_t)n >= size || strchr(ifname, '/') ? -EINVAL : 0;
}

int ctr_netop_sysctl_on(int family, const char *ifname, const char *key)
{
	_cleanup_close_ int fd = -EBADF;
	char path[128];
	int ret;

	ret = sysctl_path(path, sizeof(path), family, ifname, key);
	if (ret < 0)
		return ret;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	return ctr_write_all(fd, "1", 1);
}

int ctr_netop_sysctl_is_on(int family, const char *ifname, const char *key)
{
	_cleanup_close_ int fd = -EBADF;
	char path[128], buf[4] = "";
	ssize_t n;
	int ret;

	ret = sysctl_path(path, sizeof(path), family, ifname, key);
	if (ret < 0)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = ctr_read_all(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return (int)n;
	return buf[0] == '1' ? 0 : -EPERM;
}

void ctr_netop_random_bytes(void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom((char *)buf + got, len - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* No entropy source at all: still unique enough per process. */
			for (; got < len; got++)
				((unsigned char *)buf)[got] = (unsigned char)(ctr_monotonic_us() >> (got % 8));
			return;
		}
		got += (size_t)n;
	}
}

void ctr_netop_random_name(char out[IFNAMSIZ], const char *prefix)
{
	static const char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	unsigned char r[6];
	size_t n = strlen(prefix);

	if (n > IFNAMSIZ - 7)
		n = IFNAMSIZ - 7;
	memcpy(out, prefix, n);
	ctr_netop_random_bytes(r, sizeof(r));
	for (size_t i = 0; i < sizeof(r); i++)
		out[n + i] = alnum[r[i] % (sizeof(alnum) - 1)];
	out[n + sizeof(r)] = '\0';
}

int ctr_netop_restore_phys(int nl, const char *now, const char *name, unsigned int mtu, const unsigned char *mac,
			   bool up)
{
	static const unsigned char zero[6];
	struct ctr_linkinfo li;
	bool same_mac;
	int ret;

	ret = ctr_netop_get_link(nl, now, 0, &li);
	if (ret < 0)
		return ret;
	/* Only what changed: a device may refuse to set even its own MAC. */
	same_mac = memcmp(mac, zero, 6) == 0 || memcmp(mac, li.mac, 6) == 0;
	ret = ctr_netop_set_link(nl, li.ifindex, strcmp(now, name) ? name : NULL, mtu != li.mtu ? mtu : 0,
				 same_mac ? NULL : mac, -1, -1);
	if (ret == 0 && up)
		ret = ctr_netop_set_link(nl, li.ifindex, NULL, 0, NULL, 1, -1);
	return ret;
}
