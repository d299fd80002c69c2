/* The run-dir record of the container's network and the namespace pins
 * (native/network.h). `<rundir>/network`, one fact per line, fields
 * separated by tabs (interface names cannot hold whitespace), `-` for none:
 *
 *   nic    N TYPE LINK HOST HOST_IFINDEX INSIDE INSIDE_IFINDEX
 *   phys   N ORIG_NAME ORIG_MTU ORIG_MAC ORIG_UP MOVED
 *   proxy  N FAMILY ADDRESS LINK_IFINDEX LO_ROUTE
 *   ovs    N BRIDGE PORT
 *
 * src/sys/network.ts reads the nic lines for `ctr info`; the rest is for
 * ctr_net_cleanup_rundir after a monitor died. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "monitor.h"
#include "netlink.h"
#include "netpriv.h"
#include "network.h"
#include "util.h"

#define RECORD "network"
#define PIN_CONTAINER "netns"
#define PIN_HOST "netns.host"
#define RECORD_MAX (256 * 1024)

static const char *const types[] = {"empty", "veth", "macvlan", "ipvlan", "phys", "vlan", "none"};

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

struct text {
	char *buf;
	size_t len, size;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!t->buf)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->size - t->len) {
		free(t->buf);
		t->buf = NULL;
		return;
	}
	t->len += (size_t)n;
}

static void add_dev(struct text *t, struct ctr_monitor *m, size_t i)
{
	const struct ctr_netspec *ns = &m->spec->net;
	const struct ctr_netdev *d = &ns->devs[i];
	const struct ctr_netrt *rt = &m->net->rt[i];
	const unsigned char *mac = rt->orig_mac;
	char addr[INET6_ADDRSTRLEN];

	add(t, "nic\t%d\t%s\t%s\t%s\t%d\t%s\t%d\n", d->index, types[d->type], or_dash(d->link), or_dash(rt->host),
	    rt->host_ifindex, or_dash(rt->inside), rt->inside_ifindex);
	if (d->type == CTR_NET_PHYS)
		add(t, "phys\t%d\t%s\t%u\t%02x:%02x:%02x:%02x:%02x:%02x\t%d\t%d\n", d->index, or_dash(rt->orig_name),
		    rt->orig_mtu, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], rt->orig_up, rt->moved);
	if (d->type == CTR_NET_VETH && rt->link_ovs && *d->link && d->mode != CTR_VETH_ROUTER)
		add(t, "ovs\t%d\t%s\t%s\n", d->index, d->link, rt->host);
	for (size_t a = 0; d->l2proxy && rt->link_ifindex && a < ns->naddrs; a++) {
		const struct ctr_netaddr *x = &ns->addrs[a];
		if ((size_t)x->dev != i || x->route || !inet_ntop(x->family, x->addr, addr, sizeof(addr)))
			continue;
		add(t, "proxy\t%d\t%d\t%s\t%d\t%d\n", d->index, x->family == AF_INET ? 4 : 6, addr, rt->link_ifindex,
		    d->type == CTR_NET_IPVLAN);
	}
}

int ctr_netrecord_write(struct ctr_monitor *m)
{
	const struct ctr_netspec *ns = &m->spec->net;
	struct text t = {.size = 512 + ns->ndevs * 256 + ns->naddrs * 96};
	int ret;

	t.buf = malloc(t.size);
	for (size_t i = 0; i < ns->ndevs; i++)
		add_dev(&t, m, i);
	if (!t.buf)
		return ctr_net_fail(-1, -ENOMEM, "record", "The network record does not fit");
	/* Unchanged since the last write (setup made nothing on the host, as
	 * with empty or none): the file already says it. */
	if (m->net->record && m->net->record_len == t.len && memcmp(m->net->record, t.buf, t.len) == 0) {
		free(t.buf);
		return 0;
	}
	ret = ctr_atomic_write(m->spec->rundir, RECORD, t.buf, t.len, 0600, false);
	free(m->net->record);
	m->net->record = NULL;
	if (ret < 0) {
		free(t.buf);
		return ctr_net_fail(-1, ret, "record", "Failed to write %s/%s", m->spec->rundir, RECORD);
	}
	m->net->record = t.buf;
	m->net->record_len = t.len;
	return 0;
}

static int pin_one(const char *rundir, const char *name, int nsfd)
{
	_cleanup_close_ int fd = -EBADF;
	char path[PATH_MAX], src[64];

	if (snprintf(path, sizeof(path), "%s/%s", rundir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	(void)snprintf(src, sizeof(src), "/proc/self/fd/%d", nsfd);
	if (mount(src, path, NULL, MS_BIND, NULL) < 0) {
		int err = -errno;
		(void)unlink(path);
		return err;
	}
	return 0;
}

static void unpin(const char *rundir, const char *name)
{
	char path[PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s/%s", rundir, name);
	(void)umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	(void)unlink(path);
}

int ctr_netrecord_pin(struct ctr_monitor *m)
{
	int ret;

	ret = pin_one(m->spec->rundir, PIN_CONTAINER, m->net->cont_ns);
	if (ret < 0)
		return ctr_net_fail(-1, ret, "record", "Failed to pin the container's network namespace at %s/%s",
				    m->spec->rundir, PIN_CONTAINER);
	m->net->pinned = true;
	ret = pin_one(m->spec->rundir, PIN_HOST, m->net->host_ns);
	if (ret < 0)
		return ctr_net_fail(-1, ret, "record", "Failed to pin the monitor's network namespace at %s/%s",
				    m->spec->rundir, PIN_HOST);
	return 0;
}

void ctr_netrecord_remove(struct ctr_monitor *m)
{
	char path[PATH_MAX];

	if (m->net->pinned) {
		unpin(m->spec->rundir, PIN_CONTAINER);
		unpin(m->spec->rundir, PIN_HOST);
		m->net->pinned = false;
	}
	(void)snprintf(path, sizeof(path), "%s/%s", m->spec->rundir, RECORD);
	(void)unlink(path);
	free(m->net->record);
	m->net->record = NULL;
}

/* After a crash: what the record says, undone in the namespaces it names. */
struct cleanup {
	const char *rundir;
	int self_ns, host_ns, cont_ns;
	int host_nl, cont_nl;
	int inside_ifindex; /* of the last nic line */
	char inside[IFNAMSIZ];
	int first_error;
};

static void note(struct cleanup *c, int ret, const char *what)
{
	if (ret >= 0 || ret == -ENODEV || ret == -ENOENT || ret == -ESRCH)
		return;
	log_error("Network cleanup in %s: %s: %s", c->rundir, what, strerror(-ret));
	if (!c->first_error)
		c->first_error = ret;
}

/* A host veth, deleted only if the index still has the recorded name. */
static void clean_nic(struct cleanup *c, char **f, int nf)
{
	struct ctr_linkinfo li;
	int host_ifindex;

	if (nf < 8)
		return;
	c->inside_ifindex = atoi(f[7]);
	(void)snprintf(c->inside, sizeof(c->inside), "%s", strcmp(f[6], "-") ? f[6] : "");
	host_ifindex = atoi(f[5]);
	if (strcmp(f[2], "veth") == 0 && host_ifindex > 0 && c->host_nl >= 0 &&
	    ctr_netop_get_link(c->host_nl, NULL, host_ifindex, &li) == 0 && strcmp(li.name, f[4]) == 0)
		note(c, ctr_netop_del_link(c->host_nl, host_ifindex), f[4]);
}

static int parse_mac6(const char *s, unsigned char mac[6])
{
	unsigned int b[6];

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)b[i];
	return 0;
}

/* A phys device still in the pinned namespace goes back and is restored. */
static void clean_phys(struct cleanup *c, char **f, int nf)
{
	unsigned char mac[6] = {0};
	char transient[IFNAMSIZ];
	struct ctr_linkinfo li;
	int ifindex = c->inside_ifindex, ret;

	if (nf < 7 || c->cont_nl < 0 || strcmp(f[2], "-") == 0)
		return;
	if (ifindex <= 0 && *c->inside && ctr_netop_get_link(c->cont_nl, c->inside, 0, &li) == 0)
		ifindex = li.ifindex;
	if (ifindex <= 0)
		return;
	(void)parse_mac6(f[4], mac);
	ret = -EEXIST;
	for (int attempt = 0; attempt < 8 && ret == -EEXIST; attempt++) {
		ctr_netop_random_name(transient, "phys");
		ret = ctr_netop_set_link(c->cont_nl, ifindex, transient, 0, NULL, -1, c->host_ns);
	}
	note(c, ret, f[2]);
	if (ret == 0)
		note(c, ctr_netop_restore_phys(c->host_nl, transient, f[2], (unsigned int)atoi(f[3]), mac, atoi(f[5]) == 1),
		     f[2]);
}

static void clean_proxy(struct cleanup *c, char **f, int nf)
{
	unsigned char addr[16];
	int family;

	if (nf < 6 || c->host_nl < 0)
		return;
	family = strcmp(f[2], "6") == 0 ? AF_INET6 : AF_INET;
	if (inet_pton(family, f[3], addr) != 1)
		return;
	note(c, ctr_netop_neigh_proxy(c->host_nl, false, family, atoi(f[4]), addr), f[3]);
	if (atoi(f[5]) == 1)
		note(c, ctr_netop_route(c->host_nl, false, family, 1, addr, family == AF_INET ? 32 : 128, NULL), f[3]);
}

static void clean_ovs(struct cleanup *c, char **f, int nf)
{
	const char *args[] = {"--if-exists", "del-port", nf > 3 ? f[2] : "", nf > 3 ? f[3] : "", NULL};
	char out[256];

	if (nf < 4)
		return;
	note(c, ctr_netscript_ovs(args, out, sizeof(out)), out);
}

static void clean_line(struct cleanup *c, char *line)
{
	char *f[10];
	int nf = 0;

	for (char *p = line; p && nf < 10; nf++) {
		f[nf] = p;
		p = strchr(p, '\t');
		if (p)
			*p++ = '\0';
	}
	if (nf < 2)
		return;
	if (strcmp(f[0], "nic") == 0)
		clean_nic(c, f, nf);
	else if (strcmp(f[0], "phys") == 0)
		clean_phys(c, f, nf);
	else if (strcmp(f[0], "proxy") == 0)
		clean_proxy(c, f, nf);
	else if (strcmp(f[0], "ovs") == 0)
		clean_ovs(c, f, nf);
}

static int open_pin(const char *rundir, const char *name)
{
	char path[PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s/%s", rundir, name);
	return open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

static char *read_record(const char *rundir)
{
	_cleanup_close_ int fd = -EBADF;
	char path[PATH_MAX], *buf;
	ssize_t n;

	(void)snprintf(path, sizeof(path), "%s/%s", rundir, RECORD);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	buf = malloc(RECORD_MAX + 1);
	if (!buf)
		return NULL;
	n = ctr_read_all(fd, buf, RECORD_MAX);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void cleanup_close(struct cleanup *c)
{
	ctr_closep(&c->host_nl);
	ctr_closep(&c->cont_nl);
	ctr_closep(&c->host_ns);
	ctr_closep(&c->cont_ns);
	ctr_closep(&c->self_ns);
}

int ctr_net_cleanup_rundir(const char *rundir)
{
	struct cleanup c = {.rundir = rundir, .host_nl = -EBADF, .cont_nl = -EBADF, .self_ns = -EBADF};
	_cleanup_free_ char *record = read_record(rundir);
	char path[PATH_MAX];

	/* The common case, at every start: nothing was left. */
	(void)snprintf(path, sizeof(path), "%s/%s", rundir, PIN_CONTAINER);
	if (!record && access(path, F_OK) < 0)
		return 0;
	c.self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	/* The monitor's namespace as it pinned it, else ours (no phys: no pins). */
	c.host_ns = open_pin(rundir, PIN_HOST);
	if (c.host_ns < 0)
		c.host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	c.cont_ns = open_pin(rundir, PIN_CONTAINER);
	if (record && c.self_ns >= 0 && c.host_ns >= 0) {
		c.host_nl = ctr_nl_open_in(c.host_ns, c.self_ns);
		if (c.cont_ns >= 0)
			c.cont_nl = ctr_nl_open_in(c.cont_ns, c.self_ns);
		for (char *line = record, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			clean_line(&c, line);
		}
	}
	cleanup_close(&c);
	unpin(rundir, PIN_CONTAINER);
	unpin(rundir, PIN_HOST);
	(void)snprintf(path, sizeof(path), "%s/%s", rundir, RECORD);
	(void)unlink(path);
	return c.first_error;
}
