#define _GNU_SOURCE
#include "spec.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

/* One record being applied: its name and fields, and which field failed. */
struct rec {
	const char *name;
	const char **f;
	int bad; /* index of the field that did not parse, for the message */
};

/* Field i as a decimal in [0, max]. 0, -EINVAL (not a number) or -ERANGE. */
static int field_uint(struct rec *r, int i, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;
	int ret = ctr_parse_ull(r->f[i], &v);

	if (ret == 0 && v > max)
		ret = -ERANGE;
	if (ret < 0) {
		r->bad = i;
		return ret;
	}
	*out = v;
	return 0;
}

/* Field i as a decimal int in [min, max]. */
static int field_int(struct rec *r, int i, int min, int max, int *out)
{
	int v = 0, ret = ctr_parse_int(r->f[i], &v);

	if (ret == 0 && (v < min || v > max))
		ret = -ERANGE;
	if (ret < 0) {
		r->bad = i;
		return ret;
	}
	*out = v;
	return 0;
}

/* Field i as a flag: exactly "0" or "1". */
static int field_flag(struct rec *r, int i, bool *out)
{
	if (strcmp(r->f[i], "0") != 0 && strcmp(r->f[i], "1") != 0) {
		r->bad = i;
		return -EINVAL;
	}
	*out = r->f[i][0] == '1';
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Field i as 1 to 16 hex digits, nothing else (no sign, space or 0x). */
static int field_hex(struct rec *r, int i, unsigned long long *out)
{
	const char *s = r->f[i];
	unsigned long long v = 0;
	size_t len = strlen(s);

	if (len == 0 || len > 16) {
		r->bad = i;
		return len ? -ERANGE : -EINVAL;
	}
	for (size_t k = 0; k < len; k++) {
		int d = hex_digit(s[k]);
		if (d < 0) {
			r->bad = i;
			return -EINVAL;
		}
		v = v << 4 | (unsigned long long)d;
	}
	*out = v;
	return 0;
}

/* A uid or gid: (uid_t)-1 means "unchanged" to the kernel, so it is refused. */
#define ID_MAX 4294967294ULL

static int field_mount_opts(struct rec *r, int i, unsigned int *out)
{
	unsigned long long v;
	int ret = field_uint(r, i, UINT_MAX, &v);

	if (ret == 0)
		*out = (unsigned int)v;
	return ret;
}

static int fsop_mount(struct rec *r, struct ctr_fsop *op)
{
	unsigned long long flags;
	int ret;

	ret = field_uint(r, 3, ULONG_MAX, &flags);
	if (ret == 0)
		ret = field_mount_opts(r, 5, &op->m.opts);
	if (ret < 0)
		return ret;
	op->kind = CTR_FSOP_MOUNT;
	op->m.source = *r->f[0] ? r->f[0] : NULL;
	op->m.target = r->f[1];
	op->m.fstype = *r->f[2] ? r->f[2] : NULL;
	op->m.flags = (unsigned long)flags;
	op->m.data = *r->f[4] ? r->f[4] : NULL;
	return 0;
}

/* mknod PATH MODE DEV OPTS: MODE is a file type and permissions (S_IFMT | 07777). */
static int fsop_mknod(struct rec *r, struct ctr_fsop *op)
{
	unsigned long long mode;
	int ret;

	ret = field_uint(r, 1, S_IFMT | 07777, &mode);
	if (ret == 0)
		ret = field_uint(r, 2, ULLONG_MAX, &op->dev);
	if (ret == 0)
		ret = field_mount_opts(r, 3, &op->m.opts);
	if (ret < 0)
		return ret;
	op->kind = CTR_FSOP_MKNOD;
	op->m.target = r->f[0];
	op->mode = (unsigned int)mode;
	return 0;
}

static int fsop_mkdir(struct rec *r, struct ctr_fsop *op)
{
	unsigned long long mode;
	int ret;

	ret = field_uint(r, 1, 07777, &mode);
	if (ret == 0)
		ret = field_mount_opts(r, 2, &op->m.opts);
	if (ret < 0)
		return ret;
	op->kind = CTR_FSOP_MKDIR;
	op->m.target = r->f[0];
	op->mode = (unsigned int)mode;
	return 0;
}

static int add_fsop(struct ctr_spec *spec, struct rec *r)
{
	struct ctr_fsop *op = PUSH(spec->fsops, spec->nfsops);

	if (!op)
		return -ENOMEM;
	if (strcmp(r->name, "mount") == 0)
		return fsop_mount(r, op);
	if (strcmp(r->name, "mknod") == 0)
		return fsop_mknod(r, op);
	if (strcmp(r->name, "mkdir") == 0)
		return fsop_mkdir(r, op);
	if (strcmp(r->name, "symlink") == 0) {
		op->kind = CTR_FSOP_SYMLINK;
		op->m.source = r->f[0];
		op->m.target = r->f[1];
		return field_mount_opts(r, 2, &op->m.opts);
	}
	op->kind = CTR_FSOP_UMOUNT;
	op->m.target = r->f[0];
	return field_mount_opts(r, 1, &op->m.opts);
}

/* BPF programs arrive as hex in field i: 8 bytes per instruction, 1 to
 * max_insns of them. */
static int decode_hex_insns(struct rec *r, int i, size_t max_insns, unsigned char **prog, size_t *bytes)
{
	const char *hex = r->f[i];
	size_t len = strlen(hex);
	unsigned char *out;

	r->bad = i;
	if (len == 0 || len % 16 != 0)
		return -EINVAL;
	if (len / 16 > max_insns)
		return -ERANGE;
	out = malloc(len / 2);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(out);
			return -EINVAL;
		}
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	free(*prog);
	*prog = out;
	*bytes = len / 2;
	return 0;
}

static int decode_filter(struct ctr_spec *spec, struct rec *r)
{
	return decode_hex_insns(r, 0, 4096, &spec->seccomp_filter, &spec->seccomp_len);
}

/* "cgdevices INDEX HEX": the hierarchy must be a cgroup2 one listed before. */
static int add_cgdevices(struct ctr_spec *spec, struct rec *r)
{
	int ret = field_int(r, 0, 0, INT_MAX, &spec->cgdevices_hier);

	if (ret == 0 && ((size_t)spec->cgdevices_hier >= spec->ncghiers ||
			 spec->cghiers[spec->cgdevices_hier].version != 2)) {
		r->bad = 0;
		ret = -EINVAL;
	}
	if (ret == 0)
		ret = decode_hex_insns(r, 1, 65536, &spec->cgdevices_prog, &spec->cgdevices_len);
	return ret;
}

static int add_kv(struct ctr_kv **arr, size_t *n, struct rec *r)
{
	struct ctr_kv *kv = PUSH(*arr, *n);

	if (!kv)
		return -ENOMEM;
	kv->key = r->f[0];
	kv->value = r->f[1];
	return 0;
}

static bool is_clone_ns(int nstype)
{
	static const int types[] = {CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWNET,
				    CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWUTS};

	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (nstype == types[i])
			return true;
	return false;
}

/* share NSTYPE PATH PID STARTTIME */
static int add_share(struct ctr_spec *spec, struct rec *r)
{
	struct ctr_share *s = PUSH(spec->shares, spec->nshares);
	int ret;

	if (!s)
		return -ENOMEM;
	ret = field_int(r, 0, 1, INT_MAX, &s->nstype);
	if (ret == 0 && !is_clone_ns(s->nstype)) {
		r->bad = 0;
		ret = -EINVAL;
	}
	if (ret == 0)
		ret = field_int(r, 2, 0, INT_MAX, &s->pid);
	if (ret == 0)
		ret = field_uint(r, 3, ULLONG_MAX, &s->starttime);
	s->path = r->f[1];
	return ret;
}

static int add_rlimit(struct ctr_spec *spec, struct rec *r)
{
	struct ctr_rlimit *rl = PUSH(spec->rlimits, spec->nrlimits);
	int ret;

	if (!rl)
		return -ENOMEM;
	ret = field_int(r, 0, 0, RLIM_NLIMITS - 1, &rl->resource);
	if (ret == 0)
		ret = field_uint(r, 1, ULLONG_MAX, &rl->soft);
	if (ret == 0)
		ret = field_uint(r, 2, ULLONG_MAX, &rl->hard);
	return ret;
}

static int add_group(struct ctr_spec *spec, struct rec *r)
{
	gid_t *g = PUSH(spec->groups, spec->ngroups);
	unsigned long long v;
	int ret;

	if (!g)
		return -ENOMEM;
	ret = field_uint(r, 0, ID_MAX, &v);
	*g = ret == 0 ? (gid_t)v : 0;
	spec->set_groups = true;
	return ret;
}

static int add_cghier(struct ctr_spec *spec, struct rec *r)
{
	struct ctr_cghier *h = PUSH(spec->cghiers, spec->ncghiers);
	const char **f = r->f;
	int ret;

	if (!h)
		return -ENOMEM;
	ret = field_int(r, 0, 1, 2, &h->version);
	/* The cgroup code builds paths from these: absolute, or nothing. */
	if (ret == 0 && (f[2][0] != '/' || f[3][0] != '/' || (f[4][0] && f[4][0] != '/'))) {
		r->bad = f[2][0] != '/' ? 2 : f[3][0] != '/' ? 3 : 4;
		ret = -EINVAL;
	}
	h->id = f[1];
	h->base_dir = f[2];
	h->base_path = f[3];
	h->self_dir = f[4];
	h->enable = f[5];
	return ret;
}

static int add_cgset(struct ctr_spec *spec, struct rec *r)
{
	struct ctr_cgset *s = PUSH(spec->cgsets, spec->ncgsets);
	int ret;

	if (!s)
		return -ENOMEM;
	/* The hierarchy comes first: an index into the cghier records so far. */
	if (spec->ncghiers == 0 || spec->ncghiers > INT_MAX)
		return -ERANGE;
	ret = field_int(r, 0, 0, (int)spec->ncghiers - 1, &s->hier);
	s->file = r->f[1];
	s->value = r->f[2];
	return ret;
}

static int set_id(struct rec *r, unsigned int *out)
{
	unsigned long long v;
	int ret = field_uint(r, 0, ID_MAX, &v);

	if (ret == 0)
		*out = (unsigned int)v;
	return ret;
}

static int set_stdio(struct ctr_spec *spec, struct rec *r)
{
	if (strcmp(r->f[0], "inherit") != 0 && strcmp(r->f[0], "null") != 0)
		return -EINVAL;
	spec->stdio_inherit = r->f[0][0] == 'i';
	return 0;
}

static int set_rootfs_fs(struct ctr_spec *spec, struct rec *r)
{
	unsigned long long flags;
	int ret = field_uint(r, 3, ULONG_MAX, &flags);

	if (ret < 0)
		return ret;
	spec->rootfs_fstype = *r->f[0] ? r->f[0] : NULL;
	spec->rootfs_source = r->f[1];
	spec->rootfs_data = *r->f[2] ? r->f[2] : NULL;
	spec->rootfs_flags = (unsigned long)flags;
	return 0;
}

/* lxc.console.* and lxc.tty.* (native/console.c checks the values it
 * bounds); a flag is exactly "0" or "1", as everywhere else. */
static int set_tty(struct ctr_spec *spec, struct rec *r)
{
	static const char *const flags[] = {"console", "console_hold", "console_rotate", "tty_bind"};
	bool unused;

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (strcmp(r->name, flags[i]) == 0 && field_flag(r, 0, &unused) < 0)
			return -EINVAL;
	r->bad = 0;
	return ctr_ttyspec_record(&spec->tty, r->name, r->f[0]);
}

static int set_personality(struct ctr_spec *spec, struct rec *r)
{
	int v;
	int ret = field_int(r, 0, 0, INT_MAX, &v);

	if (ret == 0)
		spec->personality = v;
	return ret;
}

/* Records with one string field, stored as is. */
static const char **string_field(struct ctr_spec *spec, const char *name)
{
	static const struct {
		const char *name;
		size_t offset;
	} table[] = {
		{"name", offsetof(struct ctr_spec, name)},
		{"lxcpath", offsetof(struct ctr_spec, lxcpath)},
		{"rundir", offsetof(struct ctr_spec, rundir)},
		{"exitfile", offsetof(struct ctr_spec, exitfile)},
		{"pidfile", offsetof(struct ctr_spec, pidfile)},
		{"logfile", offsetof(struct ctr_spec, logfile)},
		{"config", offsetof(struct ctr_spec, config_path)},
		{"path", offsetof(struct ctr_spec, path_search)},
		{"hostname", offsetof(struct ctr_spec, hostname)},
		{"rootfs", offsetof(struct ctr_spec, rootfs)},
		{"cwd", offsetof(struct ctr_spec, cwd)},
		{"uidmap", offsetof(struct ctr_spec, uid_map)},
		{"gidmap", offsetof(struct ctr_spec, gid_map)},
		{"cgroup", offsetof(struct ctr_spec, cgroup_limit)},
		{"cgroup_inner", offsetof(struct ctr_spec, cgroup_inner)},
		{"cgroup_monitor", offsetof(struct ctr_spec, cgroup_monitor)},
		{"cgroup_pivot", offsetof(struct ctr_spec, cgroup_pivot)},
		{"restore_pidfile", offsetof(struct ctr_spec, restore_pidfile)},
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (strcmp(table[i].name, name) == 0)
			return (const char **)((char *)spec + table[i].offset);
	return NULL;
}

/* Records with one flag field. */
static bool *flag_field(struct ctr_spec *spec, const char *name)
{
	if (strcmp(name, "foreground") == 0)
		return &spec->foreground;
	if (strcmp(name, "keyring") == 0)
		return &spec->new_keyring;
	if (strcmp(name, "execute") == 0)
		return &spec->execute;
	if (strcmp(name, "rootfs_ro") == 0)
		return &spec->rootfs_readonly;
	if (strcmp(name, "boot_id") == 0)
		return &spec->boot_id;
	if (strcmp(name, "root_shared") == 0)
		return &spec->root_shared;
	if (strcmp(name, "set_groups") == 0)
		return &spec->set_groups;
	if (strcmp(name, "nnp") == 0)
		return &spec->no_new_privs;
	return NULL;
}

/* Records with one int field: signals (any int, as LXC accepts; 0 has a
 * meaning for halt and pdeath) and the log level. */
static int *int_field(struct ctr_spec *spec, const char *name, int *min, int *max)
{
	*min = 0;
	*max = INT_MAX;
	if (strcmp(name, "halt") == 0)
		return &spec->halt_signal;
	if (strcmp(name, "reboot") == 0)
		return &spec->reboot_signal;
	if (strcmp(name, "stopsig") == 0)
		return &spec->stop_signal;
	if (strcmp(name, "pdeath") == 0)
		return &spec->pdeath_signal;
	*max = 8;
	return strcmp(name, "loglevel") == 0 ? &spec->loglevel : NULL;
}

static int apply_list_record(struct ctr_spec *spec, struct rec *r)
{
	const char *n = r->name;

	if (strcmp(n, "arg") == 0)
		return ctr_strv_push(&spec->argv, &spec->argc, r->f[0]);
	if (strcmp(n, "env") == 0)
		return ctr_strv_push(&spec->envp, &spec->envc, r->f[0]);
	if (strcmp(n, "onexit") == 0) {
		/* The exit command (§5.3): no empty element, argv[0] absolute. */
		if (!r->f[0][0] || (spec->onexit_argc == 0 && r->f[0][0] != '/')) {
			r->bad = 0;
			return -EINVAL;
		}
		return ctr_strv_push(&spec->onexit_argv, &spec->onexit_argc, r->f[0]);
	}
	if (strcmp(n, "restore_arg") == 0) {
		/* criu's argv (§5.6): no empty element, argv[0] absolute. */
		if (!r->f[0][0] || (spec->restore_argc == 0 && r->f[0][0] != '/')) {
			r->bad = 0;
			return -EINVAL;
		}
		return ctr_strv_push(&spec->restore_argv, &spec->restore_argc, r->f[0]);
	}
	if (strcmp(n, "share") == 0)
		return add_share(spec, r);
	if (strcmp(n, "mount") == 0 || strcmp(n, "mknod") == 0 || strcmp(n, "symlink") == 0 ||
	    strcmp(n, "mkdir") == 0 || strcmp(n, "umount") == 0)
		return add_fsop(spec, r);
	if (strcmp(n, "group") == 0)
		return add_group(spec, r);
	if (strcmp(n, "rlimit") == 0)
		return add_rlimit(spec, r);
	if (strcmp(n, "sysctl") == 0)
		return add_kv(&spec->sysctls, &spec->nsysctls, r);
	if (strcmp(n, "proc") == 0)
		return add_kv(&spec->procs, &spec->nprocs, r);
	if (strcmp(n, "cghier") == 0)
		return add_cghier(spec, r);
	if (strcmp(n, "cgset") == 0)
		return add_cgset(spec, r);
	if (strcmp(n, "cgdevices") == 0)
		return add_cgdevices(spec, r);
	/* lxc.hook.* (native/hookspec.c), lxc.net.* (native/netspec.c);
	 * -ENOENT if not one of those either. */
	if (ctr_hookspec_arity(n) >= 0)
		return ctr_hookspec_record(&spec->hooks, n, r->f);
	return ctr_netspec_record(&spec->net, n, r->f);
}

/* Applies one record. 0, -EINVAL/-ERANGE (r->bad names the field),
 * -ENOMEM, or -ENOENT for an unknown record. Nothing is stored from a field
 * that did not parse. */
static int apply_record(struct ctr_spec *spec, struct rec *r)
{
	const char *n = r->name;
	const char **str;
	bool *flag;
	int *num, min, max;

	if ((str = string_field(spec, n))) {
		*str = r->f[0];
		return 0;
	}
	if ((flag = flag_field(spec, n)))
		return field_flag(r, 0, flag);
	if ((num = int_field(spec, n, &min, &max)))
		return field_int(r, 0, min, max, num);
	if (strcmp(n, "stdio") == 0)
		return set_stdio(spec, r);
	if (strcmp(n, "clone") == 0)
		return field_uint(r, 0, ULLONG_MAX, &spec->clone_flags);
	if (strcmp(n, "rootfs_fs") == 0)
		return set_rootfs_fs(spec, r);
	if (strcmp(n, "uid") == 0)
		return set_id(r, &spec->uid);
	if (strcmp(n, "gid") == 0)
		return set_id(r, &spec->gid);
	if (strcmp(n, "caps") == 0) {
		spec->has_caps = true;
		return field_hex(r, 0, &spec->cap_keep);
	}
	if (strcmp(n, "seccomp") == 0)
		return decode_filter(spec, r);
	if (strcmp(n, "personality") == 0)
		return set_personality(spec, r);
	if (strncmp(n, "console", 7) == 0 || strncmp(n, "tty_", 4) == 0)
		return set_tty(spec, r);
	return apply_list_record(spec, r);
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

static int spec_fail(struct ctr_spec *spec, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records why the spec was refused (ctr_spec_read's contract) and logs it. */
static int spec_fail(struct ctr_spec *spec, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(spec->error, sizeof(spec->error), fmt, ap);
	va_end(ap);
	/* It travels as one line on the sync channel (docs/monitor-protocol.md §3). */
	for (char *p = spec->error; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	log_error("Invalid monitor spec: %s", spec->error);
	return err;
}

static const char *reason(int err)
{
	return err == -ERANGE ? "out of range" : err == -ENOENT ? "unknown record" : "not a valid value";
}

/* The records the monitor cannot run without. */
static int check_required(struct ctr_spec *spec)
{
	if (!spec->name || !*spec->name)
		return spec_fail(spec, -EINVAL, "record \"name\" is missing");
	if (!spec->lxcpath)
		return spec_fail(spec, -EINVAL, "record \"lxcpath\" is missing");
	if (!spec->rundir || spec->rundir[0] != '/')
		return spec_fail(spec, -EINVAL, "record \"rundir\" is missing or not absolute");
	if (spec->argc == 0 || !*spec->argv[0])
		return spec_fail(spec, -EINVAL, "record \"arg\" is missing");
	if (spec->restore_argc > 0 && (!spec->restore_pidfile || spec->restore_pidfile[0] != '/'))
		return spec_fail(spec, -EINVAL, "record \"restore_pidfile\" is missing or not absolute");
	return 0;
}

static int parse_records(struct ctr_spec *spec)
{
	struct cursor c = {spec->buf, spec->buf + spec->buflen};
	const char *name, *fields[8];
	int ret;

	while ((name = next_token(&c))) {
		struct rec r = {.name = name, .f = fields, .bad = 0};
		int arity = record_arity(name);
		if (arity == 0)
			return check_required(spec);
		for (int i = 0; i < arity; i++) {
			fields[i] = next_token(&c);
			if (!fields[i])
				return spec_fail(spec, -EINVAL, "record \"%.64s\" is truncated", name);
		}
		ret = apply_record(spec, &r);
		if (ret == -ENOMEM)
			return spec_fail(spec, ret, "out of memory at record \"%.64s\"", name);
		if (ret < 0)
			return spec_fail(spec, -EINVAL, "record \"%.64s\" field %d (\"%.64s\"): %s", name, r.bad + 1,
					 fields[r.bad], reason(ret));
	}
	return spec_fail(spec, -EINVAL, "no \"end\" record");
}

/* Reads the "<length>\n" header byte by byte, so nothing after it is consumed. */
static int read_length(int fd, size_t *out)
{
	char hdr[24];
	size_t i = 0;
	unsigned long long v = 0;

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

static int read_body(int fd, struct ctr_spec *spec)
{
	size_t len = 0;
	ssize_t got;
	int ret;

	ret = read_length(fd, &len);
	if (ret == -EINVAL)
		return spec_fail(spec, ret, "bad length header (a decimal from 1 to %u, then a newline)", SPEC_MAX_BYTES);
	if (ret < 0)
		return spec_fail(spec, ret, "cannot read the length header: %s", strerror(-ret));
	spec->buf = malloc(len);
	if (!spec->buf)
		return spec_fail(spec, -ENOMEM, "out of memory for %zu bytes", len);
	got = ctr_read_all(fd, spec->buf, len);
	if (got < 0)
		return spec_fail(spec, (int)got, "cannot read the body: %s", strerror((int)-got));
	if ((size_t)got != len)
		return spec_fail(spec, -EPIPE, "body truncated: %zd of %zu bytes", got, len);
	spec->buflen = len;
	return 0;
}

/* The spec as the launcher got it, header and body in memory
 * (docs/monitor-protocol.md §8): the same checks as reading it from fd 3. */
static int copy_body(const char *data, size_t size, struct ctr_spec *spec)
{
	char hdr[24];
	size_t i = 0, len;
	unsigned long long v = 0;

	while (i < size && i < sizeof(hdr) - 1 && data[i] != '\n') {
		hdr[i] = data[i];
		i++;
	}
	if (i == size)
		return spec_fail(spec, -EPIPE, "cannot read the length header: %s", strerror(EPIPE));
	hdr[i] = '\0';
	if (data[i] != '\n' || ctr_parse_ull(hdr, &v) < 0 || v == 0 || v > SPEC_MAX_BYTES)
		return spec_fail(spec, -EINVAL, "bad length header (a decimal from 1 to %u, then a newline)", SPEC_MAX_BYTES);
	len = (size_t)v;
	if (size - i - 1 < len)
		return spec_fail(spec, -EPIPE, "body truncated: %zu of %zu bytes", size - i - 1, len);
	spec->buf = malloc(len);
	if (!spec->buf)
		return spec_fail(spec, -ENOMEM, "out of memory for %zu bytes", len);
	memcpy(spec->buf, data + i + 1, len);
	spec->buflen = len;
	return 0;
}

static int spec_load(int fd, const char *data, size_t size, struct ctr_spec *spec)
{
	char error[sizeof(spec->error)];
	int ret;

	memset(spec, 0, sizeof(*spec));
	spec->personality = -1;
	spec->reboot_signal = SIGINT;
	spec->stop_signal = SIGKILL;
	spec->pdeath_signal = SIGKILL;
	ret = data ? copy_body(data, size, spec) : read_body(fd, spec);
	if (ret == 0)
		ret = parse_records(spec);
	if (ret < 0) {
		/* Nothing stays allocated after a failure; only the reason does. */
		memcpy(error, spec->error, sizeof(error));
		ctr_spec_free(spec);
		memcpy(spec->error, error, sizeof(error));
	}
	return ret;
}

int ctr_spec_read(int fd, struct ctr_spec *spec)
{
	return spec_load(fd, NULL, 0, spec);
}

int ctr_spec_parse(const char *data, size_t size, struct ctr_spec *spec)
{
	return spec_load(-1, data, size, spec);
}

void ctr_spec_free(struct ctr_spec *spec)
{
	free(spec->argv);
	free(spec->envp);
	free(spec->onexit_argv);
	free(spec->restore_argv);
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
