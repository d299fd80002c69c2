#define _GNU_SOURCE
#include "spec.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "console.h"
#include "log.h"
#include "util.h"

#define SPEC_MAX_BYTES (16u << 20)

struct cursor {
	char *p, *end;
};

static const char *next_token(struct cursor *c)
{
	char *nul;

	if (c->p >= c->end)
		return NULL;
	nul = memchr(c->p, '\0', (size_t)(c->end - c->p));
	if (!nul)
		return NULL;
	const char *tok = c->p;
	c->p = nul + 1;
	return tok;
}

/* Appends one element to a dynamic array; the arrays stay small (tens of
 * entries), so growing by one is fine. */
static int grow(void **arr, size_t *n, size_t elem)
{
	void *p = realloc(*arr, (*n + 1) * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	memset((char *)p + *n * elem, 0, elem);
	(*n)++;
	return 0;
}

#define PUSH(arr, n) \
	({ int __r = grow((void **)&(arr), &(n), sizeof(*(arr))); __r < 0 ? NULL : &(arr)[(n) - 1]; })

static int push_str(const char ***arr, size_t *n, const char *s)
{
	/* Keep a NULL terminator after the last element for execve. */
	const char **p = realloc(*arr, (*n + 2) * sizeof(**arr));
	if (!p)
		return -ENOMEM;
	p[*n] = s;
	p[*n + 1] = NULL;
	*arr = p;
	(*n)++;
	return 0;
}

static int num_int(const char *s, int *out)
{
	return ctr_parse_int(s, out);
}

static int num_ull(const char *s, unsigned long long *out)
{
	return ctr_parse_ull(s, out);
}

static int parse_hex(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 16);
	return (errno || !*s || *end) ? -EINVAL : 0;
}

static int add_fsop(struct ctr_spec *spec, const char *rec, const char **f)
{
	struct ctr_fsop *op = PUSH(spec->fsops, spec->nfsops);
	unsigned long long v;
	int ret = 0;

	if (!op)
		return -ENOMEM;
	if (strcmp(rec, "mount") == 0) {
		op->kind = CTR_FSOP_MOUNT;
		op->m.source = *f[0] ? f[0] : NULL;
		op->m.target = f[1];
		op->m.fstype = *f[2] ? f[2] : NULL;
		op->m.data = *f[4] ? f[4] : NULL;
		ret = num_ull(f[3], &v);
		op->m.flags = (unsigned long)v;
		if (ret == 0)
			ret = num_ull(f[5], &v);
		op->m.opts = (unsigned int)v;
	} else if (strcmp(rec, "mknod") == 0) {
		op->kind = CTR_FSOP_MKNOD;
		op->m.target = f[0];
		ret = num_ull(f[1], &v);
		op->mode = (unsigned int)v;
		if (ret == 0)
			ret = num_ull(f[2], &op->dev);
		if (ret == 0)
			ret = num_ull(f[3], &v);
		op->m.opts = (unsigned int)v;
	} else if (strcmp(rec, "symlink") == 0) {
		op->kind = CTR_FSOP_SYMLINK;
		op->m.source = f[0];
		op->m.target = f[1];
		ret = num_ull(f[2], &v);
		op->m.opts = (unsigned int)v;
	} else if (strcmp(rec, "umount") == 0) {
		op->kind = CTR_FSOP_UMOUNT;
		op->m.target = f[0];
		ret = num_ull(f[1], &v);
		op->m.opts = (unsigned int)v;
	} else {
		op->kind = CTR_FSOP_MKDIR;
		op->m.target = f[0];
		ret = num_ull(f[1], &v);
		op->mode = (unsigned int)v;
		if (ret == 0)
			ret = num_ull(f[2], &v);
		op->m.opts = (unsigned int)v;
	}
	return ret;
}

/* BPF programs arrive as hex: 8 bytes per instruction, 1 to max_insns of them. */
static int decode_hex_insns(const char *hex, size_t max_insns, unsigned char **prog, size_t *bytes)
{
	size_t len = strlen(hex);
	unsigned char *out;

	if (len == 0 || len % 16 != 0 || len / 16 > max_insns)
		return -EINVAL;
	out = malloc(len / 2);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len / 2; i++) {
		char byte[3] = {hex[2 * i], hex[2 * i + 1], '\0'};
		char *end;
		out[i] = (unsigned char)strtoul(byte, &end, 16);
		if (*end) {
			free(out);
			return -EINVAL;
		}
	}
	free(*prog);
	*prog = out;
	*bytes = len / 2;
	return 0;
}

static int decode_filter(struct ctr_spec *spec, const char *hex)
{
	return decode_hex_insns(hex, 4096, &spec->seccomp_filter, &spec->seccomp_len);
}

/* "cgdevices INDEX HEX": the hierarchy must be a cgroup2 one listed before. */
static int add_cgdevices(struct ctr_spec *spec, const char **f)
{
	int ret = num_int(f[0], &spec->cgdevices_hier);

	if (ret == 0 && (spec->cgdevices_hier < 0 || (size_t)spec->cgdevices_hier >= spec->ncghiers ||
			 spec->cghiers[spec->cgdevices_hier].version != 2))
		ret = -EINVAL;
	if (ret == 0)
		ret = decode_hex_insns(f[1], 65536, &spec->cgdevices_prog, &spec->cgdevices_len);
	return ret;
}

static int add_kv(struct ctr_kv **arr, size_t *n, const char **f)
{
	struct ctr_kv *kv = PUSH(*arr, *n);
	if (!kv)
		return -ENOMEM;
	kv->key = f[0];
	kv->value = f[1];
	return 0;
}

static int add_cghier(struct ctr_spec *spec, const char **f)
{
	struct ctr_cghier *h = PUSH(spec->cghiers, spec->ncghiers);
	int ret;

	if (!h)
		return -ENOMEM;
	ret = num_int(f[0], &h->version);
	if (ret == 0 && h->version != 1 && h->version != 2)
		ret = -EINVAL;
	/* The cgroup code builds paths from these: absolute, or nothing. */
	if (ret == 0 && (f[2][0] != '/' || f[3][0] != '/' || (f[4][0] && f[4][0] != '/')))
		ret = -EINVAL;
	h->id = f[1];
	h->base_dir = f[2];
	h->base_path = f[3];
	h->self_dir = f[4];
	h->enable = f[5];
	return ret;
}

static int add_cgset(struct ctr_spec *spec, const char **f)
{
	struct ctr_cgset *s = PUSH(spec->cgsets, spec->ncgsets);
	int ret;

	if (!s)
		return -ENOMEM;
	ret = num_int(f[0], &s->hier);
	if (ret == 0 && (s->hier < 0 || (size_t)s->hier >= spec->ncghiers))
		ret = -EINVAL;
	s->file = f[1];
	s->value = f[2];
	return ret;
}

static int apply_record(struct ctr_spec *spec, const char *rec, const char **f)
{
	unsigned long long v;
	int ret = 0, i;

	if (strcmp(rec, "name") == 0) spec->name = f[0];
	else if (strcmp(rec, "lxcpath") == 0) spec->lxcpath = f[0];
	else if (strcmp(rec, "rundir") == 0) spec->rundir = f[0];
	else if (strcmp(rec, "exitfile") == 0) spec->exitfile = f[0];
	else if (strcmp(rec, "pidfile") == 0) spec->pidfile = f[0];
	else if (strcmp(rec, "logfile") == 0) spec->logfile = f[0];
	else if (strcmp(rec, "config") == 0) spec->config_path = f[0];
	else if (strcmp(rec, "loglevel") == 0) ret = num_int(f[0], &spec->loglevel);
	else if (strcmp(rec, "foreground") == 0) spec->foreground = strcmp(f[0], "1") == 0;
	else if (strcmp(rec, "stdio") == 0) spec->stdio_inherit = strcmp(f[0], "inherit") == 0;
	else if (strcmp(rec, "arg") == 0) ret = push_str(&spec->argv, &spec->argc, f[0]);
	else if (strcmp(rec, "env") == 0) ret = push_str(&spec->envp, &spec->envc, f[0]);
	else if (strcmp(rec, "onexit") == 0) ret = f[0][0] ? push_str(&spec->onexit_argv, &spec->onexit_argc, f[0]) : -EINVAL;
	else if (strcmp(rec, "path") == 0) spec->path_search = f[0];
	else if (strcmp(rec, "execute") == 0) spec->execute = strcmp(f[0], "1") == 0;
	else if (strcmp(rec, "hostname") == 0) spec->hostname = f[0];
	else if (strcmp(rec, "keyring") == 0) spec->new_keyring = strcmp(f[0], "1") == 0;
	else if (strcmp(rec, "clone") == 0) ret = num_ull(f[0], &spec->clone_flags);
	else if (strcmp(rec, "share") == 0) {
		struct ctr_share *s = PUSH(spec->shares, spec->nshares);
		if (!s)
			return -ENOMEM;
		ret = num_int(f[0], &s->nstype);
		s->path = f[1];
		if (ret == 0)
			ret = num_int(f[2], &i);
		s->pid = (pid_t)i;
		if (ret == 0)
			ret = num_ull(f[3], &s->starttime);
	} else if (strcmp(rec, "rootfs") == 0) spec->rootfs = f[0];
	else if (strcmp(rec, "rootfs_ro") == 0) spec->rootfs_readonly = strcmp(f[0], "1") == 0;
	else if (strcmp(rec, "rootfs_fs") == 0) {
		spec->rootfs_fstype = *f[0] ? f[0] : NULL;
		spec->rootfs_source = f[1];
		spec->rootfs_data = *f[2] ? f[2] : NULL;
		ret = num_ull(f[3], &v);
		spec->rootfs_flags = (unsigned long)v;
	} else if (strncmp(rec, "console", 7) == 0 || strncmp(rec, "tty_", 4) == 0) ret = ctr_ttyspec_record(&spec->tty, rec, f[0]);
	else if (strcmp(rec, "boot_id") == 0) spec->boot_id = strcmp(f[0], "1") == 0;
	else if (strcmp(rec, "root_shared") == 0) spec->root_shared = strcmp(f[0], "1") == 0;
	else if (strcmp(rec, "mount") == 0 || strcmp(rec, "mknod") == 0 || strcmp(rec, "symlink") == 0 ||
		 strcmp(rec, "mkdir") == 0 || strcmp(rec, "umount") == 0)
		ret = add_fsop(spec, rec, f);
	else if (strcmp(rec, "cwd") == 0) spec->cwd = f[0];
	else if (strcmp(rec, "uid") == 0) { ret = num_ull(f[0], &v); spec->uid = (uid_t)v; }
	else if (strcmp(rec, "gid") == 0) { ret = num_ull(f[0], &v); spec->gid = (gid_t)v; }
	else if (strcmp(rec, "group") == 0) {
		gid_t *g = PUSH(spec->groups, spec->ngroups);
		if (!g)
			return -ENOMEM;
		ret = num_ull(f[0], &v);
		*g = (gid_t)v;
		spec->set_groups = true;
	} else if (strcmp(rec, "set_groups") == 0) spec->set_groups = strcmp(f[0], "1") == 0;
	else if (strcmp(rec, "halt") == 0) ret = num_int(f[0], &spec->halt_signal);
	else if (strcmp(rec, "reboot") == 0) ret = num_int(f[0], &spec->reboot_signal);
	else if (strcmp(rec, "stopsig") == 0) ret = num_int(f[0], &spec->stop_signal);
	else if (strcmp(rec, "pdeath") == 0) ret = num_int(f[0], &spec->pdeath_signal);
	else if (strcmp(rec, "caps") == 0) { spec->has_caps = true; ret = parse_hex(f[0], &spec->cap_keep); }
	else if (strcmp(rec, "nnp") == 0) spec->no_new_privs = strcmp(f[0], "1") == 0;
	else if (strcmp(rec, "rlimit") == 0) {
		struct ctr_rlimit *r = PUSH(spec->rlimits, spec->nrlimits);
		if (!r)
			return -ENOMEM;
		ret = num_int(f[0], &r->resource);
		if (ret == 0)
			ret = num_ull(f[1], &r->soft);
		if (ret == 0)
			ret = num_ull(f[2], &r->hard);
	} else if (strcmp(rec, "sysctl") == 0) ret = add_kv(&spec->sysctls, &spec->nsysctls, f);
	else if (strcmp(rec, "proc") == 0) ret = add_kv(&spec->procs, &spec->nprocs, f);
	else if (strcmp(rec, "uidmap") == 0) spec->uid_map = f[0];
	else if (strcmp(rec, "gidmap") == 0) spec->gid_map = f[0];
	else if (strcmp(rec, "seccomp") == 0) ret = decode_filter(spec, f[0]);
	else if (strcmp(rec, "personality") == 0) { ret = num_int(f[0], &i); spec->personality = i; }
	else if (strcmp(rec, "cgroup") == 0) spec->cgroup_limit = f[0];
	else if (strcmp(rec, "cgroup_inner") == 0) spec->cgroup_inner = f[0];
	else if (strcmp(rec, "cgroup_monitor") == 0) spec->cgroup_monitor = f[0];
	else if (strcmp(rec, "cgroup_pivot") == 0) spec->cgroup_pivot = f[0];
	else if (strcmp(rec, "cghier") == 0) ret = add_cghier(spec, f);
	else if (strcmp(rec, "cgset") == 0) ret = add_cgset(spec, f);
	else if (strcmp(rec, "cgdevices") == 0) ret = add_cgdevices(spec, f);
	else if (ctr_hookspec_arity(rec) >= 0)
		return ctr_hookspec_record(&spec->hooks, rec, f);
	else
		return ctr_netspec_record(&spec->net, rec, f);
	return ret;
}

static int record_arity(const char *rec)
{
	static const struct {
		const char *name;
		int arity;
	} table[] = {
		{"mount", 6}, {"share", 4}, {"mknod", 4}, {"rootfs_fs", 4}, {"rlimit", 3}, {"symlink", 3}, {"mkdir", 3},
		{"sysctl", 2}, {"proc", 2}, {"umount", 2}, {"cghier", 6}, {"cgset", 3}, {"cgdevices", 2}, {"end", 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (strcmp(table[i].name, rec) == 0)
			return table[i].arity;
	if (ctr_hookspec_arity(rec) >= 0)
		return ctr_hookspec_arity(rec);
	if (ctr_netspec_arity(rec) >= 0)
		return ctr_netspec_arity(rec);
	return 1;
}

static int parse_records(struct ctr_spec *spec)
{
	struct cursor c = {spec->buf, spec->buf + spec->buflen};
	const char *rec, *fields[8];
	int ret;

	while ((rec = next_token(&c))) {
		int arity = record_arity(rec);
		if (arity == 0)
			return 0; /* end */
		for (int i = 0; i < arity; i++) {
			fields[i] = next_token(&c);
			if (!fields[i]) {
				log_error("Truncated spec record \"%s\"", rec);
				return -EINVAL;
			}
		}
		ret = apply_record(spec, rec, fields);
		if (ret < 0) {
			log_error("Invalid spec record \"%s\" (\"%s\"): %s", rec, fields[0], strerror(-ret));
			return -EINVAL;
		}
	}
	log_error("Spec has no end record");
	return -EINVAL;
}

/* Reads the "<length>\n" header byte by byte, so nothing after it is consumed. */
static int read_length(int fd, size_t *out)
{
	char hdr[24];
	size_t i = 0;
	unsigned long long v;

	for (;;) {
		ssize_t n = RETRY_EINTR(read(fd, hdr + i, 1));
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		if (hdr[i] == '\n')
			break;
		if (++i == sizeof(hdr) - 1)
			return -EINVAL;
	}
	hdr[i] = '\0';
	if (ctr_parse_ull(hdr, &v) < 0 || v == 0 || v > SPEC_MAX_BYTES)
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

int ctr_spec_read(int fd, struct ctr_spec *spec)
{
	size_t len = 0;
	ssize_t got;
	char *buf;
	int ret;

	memset(spec, 0, sizeof(*spec));
	spec->personality = -1;
	spec->reboot_signal = SIGINT;
	spec->stop_signal = SIGKILL;
	spec->pdeath_signal = SIGKILL;
	ret = read_length(fd, &len);
	if (ret < 0)
		return ret;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	got = ctr_read_all(fd, buf, len);
	if (got < 0 || (size_t)got != len) {
		free(buf);
		return got < 0 ? (int)got : -EPIPE;
	}
	spec->buf = buf;
	spec->buflen = len;
	return parse_records(spec);
}

void ctr_spec_free(struct ctr_spec *spec)
{
	free(spec->argv);
	free(spec->envp);
	free(spec->onexit_argv);
	free(spec->shares);
	free(spec->fsops);
	free(spec->groups);
	free(spec->rlimits);
	free(spec->sysctls);
	free(spec->procs);
	free(spec->cghiers);
	free(spec->cgsets);
	free(spec->seccomp_filter);
	ctr_hookspec_free(&spec->hooks);
	ctr_netspec_free(&spec->net);
	free(spec->cgdevices_prog);
	free(spec->buf);
	memset(spec, 0, sizeof(*spec));
}
