/* Reading the network records of the start spec (native/netspec.h). */
#define _GNU_SOURCE
#include "netspec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "util.h"

static const struct {
	const char *name;
	int arity;
} records[] = {
	{"net", 8}, {"netmode", 7}, {"netaddr", 5}, {"netroute", 4}, {"netgw", 4},
	{"nettag", 2}, {"netscript", 3}, {"netenv", 1}, {"nethooks", 1},
};

int ctr_netspec_arity(const char *rec)
{
	for (size_t i = 0; i < ARRAY_SIZE(records); i++)
		if (strcmp(records[i].name, rec) == 0)
			return records[i].arity;
	return -1;
}

static void *grow(void *arr, size_t *n, size_t elem)
{
	char *p = realloc(arr, (*n + 1) * elem);

	if (!p)
		return NULL;
	memset(p + *n * elem, 0, elem);
	(*n)++;
	return p;
}

static int lookup(const char *s, const char *const *names, const int *values, size_t n, int *out)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = values[i];
			return 0;
		}
	return -EINVAL;
}

static int parse_type(const char *s, int *out)
{
	static const char *const names[] = {"empty", "veth", "macvlan", "ipvlan", "phys", "vlan", "none"};
	static const int values[] = {CTR_NET_EMPTY, CTR_NET_VETH, CTR_NET_MACVLAN, CTR_NET_IPVLAN,
				     CTR_NET_PHYS, CTR_NET_VLAN, CTR_NET_NONE};

	return lookup(s, names, values, ARRAY_SIZE(names), out);
}

/* "aa:bb:cc:dd:ee:ff" exactly (the planner canonicalised it). */
static int parse_mac(const char *s, unsigned char mac[6])
{
	for (int i = 0; i < 6; i++) {
		char byte[3] = {s[0], s[0] ? s[1] : '\0', '\0'};
		char *end;
		if (!s[0] || !s[1] || (i < 5 && s[2] != ':') || (i == 5 && s[2] != '\0'))
			return -EINVAL;
		mac[i] = (unsigned char)strtoul(byte, &end, 16);
		if (*end)
			return -EINVAL;
		s += 3;
	}
	return 0;
}

static int parse_name(const char *s)
{
	return strlen(s) < IFNAMSIZ ? 0 : -EINVAL;
}

static struct ctr_netdev *dev_at(struct ctr_netspec *net, const char *field, int *index)
{
	if (ctr_parse_int(field, index) < 0 || *index < 0 || (size_t)*index >= net->ndevs)
		return NULL;
	return &net->devs[*index];
}

static int add_dev(struct ctr_netspec *net, const char **f)
{
	struct ctr_netdev *d = grow(net->devs, &net->ndevs, sizeof(*d));
	int ret, mtu;

	if (!d)
		return -ENOMEM;
	net->devs = d;
	d = &net->devs[net->ndevs - 1];
	d->vlan_id = CTR_VLAN_UNSET;
	ret = ctr_parse_int(f[0], &d->index);
	if (ret == 0)
		ret = parse_type(f[1], &d->type);
	d->up = strcmp(f[2], "1") == 0;
	d->l2proxy = strcmp(f[3], "1") == 0;
	d->link = f[4];
	d->name = f[5];
	if (ret == 0 && (parse_name(d->link) < 0 || parse_name(d->name) < 0))
		ret = -EINVAL;
	if (ret == 0 && *f[6]) {
		d->has_hwaddr = true;
		ret = parse_mac(f[6], d->hwaddr);
	}
	if (ret == 0 && *f[7]) {
		ret = ctr_parse_int(f[7], &mtu);
		if (ret == 0 && mtu <= 0)
			ret = -EINVAL;
		d->mtu = (unsigned int)mtu;
	}
	return ret;
}

static int parse_mode(struct ctr_netdev *d, const char *mode, const char *isolation)
{
	static const char *const names[] = {"bridge", "router", "private", "vepa", "passthru", "l2", "l3", "l3s"};
	static const int veth[] = {0, CTR_VETH_ROUTER, -1, -1, -1, -1, -1, -1};
	static const int macvlan[] = {MACVLAN_MODE_BRIDGE, -1, MACVLAN_MODE_PRIVATE, MACVLAN_MODE_VEPA,
				      MACVLAN_MODE_PASSTHRU, -1, -1, -1};
	static const int ipvlan[] = {-1, -1, -1, -1, -1, IPVLAN_MODE_L2, IPVLAN_MODE_L3, IPVLAN_MODE_L3S};
	static const char *const isolations[] = {"bridge", "private", "vepa"};
	static const int flags[] = {0, IPVLAN_F_PRIVATE, IPVLAN_F_VEPA};
	const int *table = d->type == CTR_NET_VETH ? veth : d->type == CTR_NET_MACVLAN ? macvlan : ipvlan;
	int ret;

	if (*mode) {
		ret = lookup(mode, names, table, ARRAY_SIZE(names), &d->mode);
		if (ret < 0 || d->mode < 0)
			return -EINVAL;
	}
	if (*isolation)
		return lookup(isolation, isolations, flags, ARRAY_SIZE(isolations), &d->isolation);
	return 0;
}

static int set_mode(struct ctr_netspec *net, const char **f)
{
	struct ctr_netdev *d;
	int i, ret;

	d = dev_at(net, f[0], &i);
	if (!d)
		return -EINVAL;
	ret = parse_mode(d, f[1], f[2]);
	if (ret == 0 && *f[3])
		ret = ctr_parse_int(f[3], &d->vlan_id);
	d->pair = f[4];
	if (ret == 0 && parse_name(d->pair) < 0)
		ret = -EINVAL;
	if (ret == 0 && *f[5])
		ret = ctr_parse_int(f[5], &d->rx_queues);
	if (ret == 0 && *f[6])
		ret = ctr_parse_int(f[6], &d->tx_queues);
	return ret;
}

static int parse_family(const char *s, int *family)
{
	if (strcmp(s, "4") == 0)
		*family = AF_INET;
	else if (strcmp(s, "6") == 0)
		*family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

static int add_addr(struct ctr_netspec *net, const char **f, bool route)
{
	struct ctr_netaddr *a = grow(net->addrs, &net->naddrs, sizeof(*a));
	int ret;

	if (!a)
		return -ENOMEM;
	net->addrs = a;
	a = &net->addrs[net->naddrs - 1];
	a->route = route;
	if (!dev_at(net, f[0], &a->dev))
		return -EINVAL;
	ret = parse_family(f[1], &a->family);
	if (ret == 0 && inet_pton(a->family, f[2], a->addr) != 1)
		ret = -EINVAL;
	if (ret == 0)
		ret = ctr_parse_int(f[3], &a->prefix);
	if (ret == 0 && (a->prefix < 0 || a->prefix > (a->family == AF_INET ? 32 : 128)))
		ret = -EINVAL;
	if (ret == 0 && !route && a->family == AF_INET && inet_pton(AF_INET, f[4], a->bcast) != 1)
		ret = -EINVAL;
	return ret;
}

static int set_gateway(struct ctr_netspec *net, const char **f)
{
	static const char *const kinds[] = {"address", "auto", "dev"};
	static const int values[] = {CTR_GW_ADDRESS, CTR_GW_AUTO, CTR_GW_DEV};
	struct ctr_netdev *d;
	struct ctr_gateway *gw;
	int i, family, ret;

	d = dev_at(net, f[0], &i);
	if (!d || parse_family(f[1], &family) < 0)
		return -EINVAL;
	gw = family == AF_INET ? &d->gw4 : &d->gw6;
	ret = lookup(f[2], kinds, values, ARRAY_SIZE(kinds), &gw->kind);
	if (ret == 0 && gw->kind == CTR_GW_ADDRESS && inet_pton(family, f[3], &gw->v6) != 1)
		ret = -EINVAL;
	return ret;
}

static int add_tag(struct ctr_netspec *net, const char **f)
{
	struct ctr_nettag *t = grow(net->tags, &net->ntags, sizeof(*t));

	if (!t)
		return -ENOMEM;
	net->tags = t;
	t = &net->tags[net->ntags - 1];
	if (!dev_at(net, f[0], &t->dev) || ctr_parse_int(f[1], &t->vid) < 0 || t->vid < 1 || t->vid > 4094)
		return -EINVAL;
	return 0;
}

static int set_script(struct ctr_netspec *net, const char **f)
{
	struct ctr_netdev *d;
	int i;

	d = dev_at(net, f[0], &i);
	if (!d)
		return -EINVAL;
	if (strcmp(f[1], "up") == 0)
		d->script_up = f[2];
	else if (strcmp(f[1], "down") == 0)
		d->script_down = f[2];
	else
		return -EINVAL;
	return 0;
}

static int add_env(struct ctr_netspec *net, const char *entry)
{
	const char **p = realloc(net->env, (net->nenv + 2) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	if (!strchr(entry, '='))
		return -EINVAL;
	p[net->nenv++] = entry;
	p[net->nenv] = NULL;
	net->env = p;
	return 0;
}

int ctr_netspec_record(struct ctr_netspec *net, const char *rec, const char **f)
{
	if (strcmp(rec, "net") == 0)
		return add_dev(net, f);
	if (strcmp(rec, "netmode") == 0)
		return set_mode(net, f);
	if (strcmp(rec, "netaddr") == 0)
		return add_addr(net, f, false);
	if (strcmp(rec, "netroute") == 0)
		return add_addr(net, f, true);
	if (strcmp(rec, "netgw") == 0)
		return set_gateway(net, f);
	if (strcmp(rec, "nettag") == 0)
		return add_tag(net, f);
	if (strcmp(rec, "netscript") == 0)
		return set_script(net, f);
	if (strcmp(rec, "netenv") == 0)
		return add_env(net, f[0]);
	if (strcmp(rec, "nethooks") == 0)
		return ctr_parse_int(f[0], &net->hook_version);
	return -ENOENT;
}

void ctr_netspec_free(struct ctr_netspec *net)
{
	free(net->devs);
	free(net->addrs);
	free(net->tags);
	free(net->env);
	memset(net, 0, sizeof(*net));
}
