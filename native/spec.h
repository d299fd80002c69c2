/* The resolved container spec that `ctr start` hands to the monitor.
 *
 * Wire format (written by src/core/monitor-spec.ts; docs/monitor-protocol.md §2): a sequence of records,
 * each a record name followed by a fixed number of fields, every token
 * NUL-terminated; the record `end` closes the spec. NUL termination means
 * paths and arguments need no escaping, and the monitor needs no JSON parser.
 * All policy (which namespaces, which mounts, in what order) is decided in
 * TypeScript; the monitor executes the spec. */
#ifndef CTR_SPEC_H
#define CTR_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hookspec.h"
#include "netspec.h"

/* ctr_mount.opts */
#define CTR_MNT_CREATE_DIR (1u << 0)  /* mkdir -p the target inside the root first */
#define CTR_MNT_CREATE_FILE (1u << 1) /* create an empty target file first */
#define CTR_MNT_OPTIONAL (1u << 2)    /* failures are logged and ignored */
#define CTR_MNT_SRC_IN_ROOT (1u << 3) /* resolve the source inside the rootfs too */
#define CTR_MNT_RO_REMOUNT (1u << 4)  /* bind mounts: remount read-only afterwards */
#define CTR_MNT_AFTER_PIVOT (1u << 5) /* run after pivot_root (paths in the new root) */
#define CTR_MNT_SKIP_ENOENT (1u << 6) /* a missing source or target skips the op (lxc.mount.auto) */
#define CTR_MNT_NO_SYMLINKS (1u << 7) /* no symlink on the way (ELOOP): proc, sys and dev automounts, as LXC */

struct ctr_mount {
	const char *source;
	const char *target;
	const char *fstype;
	const char *data;
	unsigned long flags;
	unsigned int opts;
};

/* Other filesystem operations run with the mounts, in spec order. */
enum ctr_fsop_kind {
	CTR_FSOP_MOUNT,
	CTR_FSOP_MKNOD,   /* path, mode, dev: a device node (bind from the host if mknod is refused) */
	CTR_FSOP_SYMLINK, /* target, path */
	CTR_FSOP_MKDIR,   /* path, mode */
	CTR_FSOP_UMOUNT,  /* path: detach whatever is mounted there */
};

struct ctr_fsop {
	enum ctr_fsop_kind kind;
	struct ctr_mount m; /* for MOUNT; for others: source=target-of-link, target=path */
	unsigned int mode;
	unsigned long long dev;
};

struct ctr_share {
	int nstype;       /* CLONE_NEW* */
	const char *path; /* /proc/PID/ns/X or any namespace file */
	pid_t pid;        /* >0: verify this pid's start time before and after opening */
	unsigned long long starttime;
};

struct ctr_rlimit {
	int resource;
	unsigned long long soft, hard; /* RLIM_INFINITY = ~0ULL */
};

struct ctr_kv {
	const char *key;
	const char *value;
};

/* "cghier VERSION ID BASEDIR BASEPATH SELFDIR ENABLE": one cgroup hierarchy. */
struct ctr_cghier {
	int version;             /* 1 or 2 */
	const char *id;          /* v1: the controller field of /proc/self/cgroup ("cpu,cpuacct", "name=systemd"); v2: "" */
	const char *base_dir;    /* absolute directory the container's cgroups are created under */
	const char *base_path;   /* the same directory as a hierarchy path ("/", "/a/b"), as /proc/PID/cgroup shows it */
	const char *self_dir;    /* the monitor's own cgroup directory here, or "" */
	const char *enable;      /* v2: comma-separated controllers to enable on the way down, or "" */
};

/* "cgset INDEX FILE VALUE": write VALUE to FILE in the container cgroup of hierarchy INDEX. */
struct ctr_cgset {
	int hier;
	const char *file;
	const char *value;
};

/* The console and ttys (lxc.console.*, lxc.tty.*, docs/monitor-protocol.md
 * §2.2): native/tty.c makes them in the child, native/console.c serves them
 * in the monitor. */
struct ctr_ttyspec {
	bool console;               /* a console pty, bound on /dev/console, init's stdio unless inherited */
	const char *console_devpts; /* mount data of a private devpts the console comes from; NULL: dev/pts */
	bool hold;                  /* read nothing from the console until a client attaches (start -F on a terminal) */
	const char *peer;           /* lxc.console.path: a host terminal the console is proxied to, or NULL */
	const char *logfile;        /* lxc.console.logfile, or NULL */
	unsigned long long log_size; /* lxc.console.size: 0 = unlimited */
	bool log_rotate;            /* lxc.console.rotate: keep one old log (<logfile>.1) */
	unsigned long long buffer_size; /* lxc.console.buffer.size: ring buffer bytes, 0 = none */
	int tty_max;                /* lxc.tty.max: ttys from dev/pts, 1..tty_max */
	const char *tty_dir;        /* lxc.tty.dir: bind under /dev/<dir> and link /dev/ttyN there; NULL: none */
	bool bind_ttys;             /* bind the ttys on /dev/ttyN (a rootfs; LXC binds nothing on the host root) */
};

struct ctr_spec {
	char *buf; /* owns every string below */
	size_t buflen;

	const char *name, *lxcpath, *rundir, *exitfile, *pidfile, *logfile, *config_path;
	int loglevel;
	bool foreground;
	bool stdio_inherit; /* foreground with no console: init uses our stdio */

	const char **argv; /* NULL-terminated */
	size_t argc;
	const char **envp; /* NULL-terminated */
	size_t envc;
	const char *path_search; /* PATH used to find argv[0] when it has no slash */
	/* Exec'd by the monitor once the container has stopped and the run dir
	 * is gone (an ephemeral container's removal, docs/architecture.md). */
	const char **onexit_argv; /* NULL-terminated */
	size_t onexit_argc;
	bool execute; /* ctr execute: init is this binary's `init` mode (argv), from its sealed copy */
	/* ctr checkpoint -r: init is restored by this criu command, run as the
	 * monitor's child (docs/monitor-protocol.md §5.6), not cloned; criu
	 * writes the restored init's pid to restore_pidfile. */
	const char **restore_argv; /* NULL-terminated; NULL: a normal start */
	size_t restore_argc;
	const char *restore_pidfile;

	const char *hostname;
	bool new_keyring; /* lxc.keyring.session: a fresh session keyring for init */
	unsigned long long clone_flags;
	struct ctr_share *shares;
	size_t nshares;

	const char *rootfs;    /* NULL: keep the host root; else the directory to pivot into */
	bool rootfs_readonly;
	/* How the rootfs is mounted on `rootfs`: fstype NULL binds the path onto
	 * itself (dir:), else mount(source, rootfs, fstype, flags, data), e.g.
	 * an overlay. rootfs_flags also apply to the bind (nosuid, nodev...). */
	const char *rootfs_fstype, *rootfs_source, *rootfs_data;
	unsigned long rootfs_flags;
	struct ctr_ttyspec tty;
	bool boot_id;     /* autodev: a fresh /proc/sys/kernel/random/boot_id per start, as LXC gives */
	bool root_shared; /* make the new root's mounts shared after pivot_root, as LXC does (systemd relies on it) */
	struct ctr_fsop *fsops;
	size_t nfsops;

	const char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	bool set_groups; /* lxc.init.groups given (else setgroups(0) when switching ids) */

	int halt_signal; /* 0: SIGPWR, or SIGRTMIN+3 when init blocks it */
	int reboot_signal;
	int stop_signal;
	int pdeath_signal; /* 0: survive the monitor */

	/* Isolation (lxc.cap.*, lxc.no_new_privs, lxc.prlimit.*, lxc.sysctl.*, lxc.proc.*, lxc.idmap, seccomp). */
	bool has_caps;
	unsigned long long cap_keep; /* bounding/effective/permitted set to keep */
	bool no_new_privs;
	struct ctr_rlimit *rlimits;
	size_t nrlimits;
	struct ctr_kv *sysctls;
	size_t nsysctls;
	struct ctr_kv *procs;
	size_t nprocs;
	const char *uid_map, *gid_map; /* text for /proc/PID/{u,g}id_map */
	unsigned char *seccomp_filter; /* struct sock_filter[], decoded from the spec's hex */
	size_t seccomp_len;            /* bytes */
	long personality;              /* -1: unchanged */

	/* Cgroups (lxc.cgroup.*, lxc.cgroup2.*, lxc.cgroup.dir*), planned by
	 * src/core/cgroup/plan.ts: one hierarchy record per mounted hierarchy,
	 * the same relative paths under each hierarchy's base. */
	const char *cgroup_limit;  /* "cgroup": the container cgroup (limits go here), relative to each base */
	const char *cgroup_inner;  /* "cgroup_inner": one directory below it where init goes, or NULL */
	const char *cgroup_monitor; /* "cgroup_monitor": the monitor's own cgroup (lxc.cgroup.dir.monitor), or NULL */
	const char *cgroup_pivot;  /* "cgroup_pivot": where the monitor moves before removing it, or NULL */
	struct ctr_cghier *cghiers;
	size_t ncghiers;
	struct ctr_cgset *cgsets; /* limits, in the order they are written */
	size_t ncgsets;
	/* "cgdevices INDEX HEX": the BPF device program (struct bpf_insn[])
	 * for the container cgroup of the cgroup2 hierarchy INDEX. */
	int cgdevices_hier;
	unsigned char *cgdevices_prog;
	size_t cgdevices_len; /* bytes; 0: none */

	/* lxc.hook.* (native/hookspec.h), planned by src/core/hook-plan.ts. */
	struct ctr_hookspec hooks;
	/* lxc.net.* (native/netspec.h), planned by src/core/net-plan.ts. */
	struct ctr_netspec net;

	char error[256]; /* why ctr_spec_read refused the spec */
};

/* Reads a spec from fd until the `end` record (docs/monitor-protocol.md §2).
 * Returns 0, or -EINVAL for a malformed spec (a bad header, an unknown,
 * truncated or out-of-range record, a missing name/lxcpath/rundir/arg),
 * -EPIPE when fd ends early, -ENOMEM or another -errno. On failure nothing
 * stays allocated and spec->error says why, naming the record and field. */
int ctr_spec_read(int fd, struct ctr_spec *spec);

/* The same from memory: `data` holds the spec as it would arrive on fd 3,
 * "<length>\n" and the body (bytes after it are ignored); the body is
 * copied. For the launcher (native/launcher.c). Same results. */
int ctr_spec_parse(const char *data, size_t size, struct ctr_spec *spec);
void ctr_spec_free(struct ctr_spec *spec);

#endif
