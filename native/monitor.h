/* The monitor: one per running container (docs/architecture.md §2,
 * docs/monitor-protocol.md §5). */
#ifndef CTR_MONITOR_H
#define CTR_MONITOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"
#include "state.h"

struct ctr_client;
struct ctr_cgroups;
struct ctr_hooks;
struct ctr_net;
struct ctr_console;

/* Why the start failed: the child reports {step, errno, index} before exec. */
enum ctr_step {
	CTR_STEP_NONE = 0,
	CTR_STEP_SYNC,
	CTR_STEP_PDEATH,
	CTR_STEP_SETNS,
	CTR_STEP_USERNS_IDS,
	CTR_STEP_PROPAGATION,
	CTR_STEP_ROOTFS_BIND,
	CTR_STEP_ROOTFS_OPEN,
	CTR_STEP_FSOP,
	CTR_STEP_PIVOT,
	CTR_STEP_OLDROOT,
	CTR_STEP_ROOTFS_RO,
	CTR_STEP_HOSTNAME,
	CTR_STEP_SYSCTL,
	CTR_STEP_PROCFILE,
	CTR_STEP_RLIMIT,
	CTR_STEP_CWD,
	CTR_STEP_SETGROUPS,
	CTR_STEP_SETGID,
	CTR_STEP_SETUID,
	CTR_STEP_CAPS,
	CTR_STEP_NNP,
	CTR_STEP_SECCOMP,
	CTR_STEP_PERSONALITY,
	CTR_STEP_STDIO,
	CTR_STEP_EXEC,
	CTR_STEP_CGROUPNS,
	CTR_STEP_KEYRING,
	CTR_STEP_CONSOLE,
	/* Monitor-side steps (before or around clone). */
	CTR_STEP_LOCK,
	CTR_STEP_RUNDIR,
	CTR_STEP_SOCKET,
	CTR_STEP_SHARE,
	CTR_STEP_CGROUP,
	CTR_STEP_CLONE,
	CTR_STEP_IDMAP,
	CTR_STEP_PIDFILE,
	CTR_STEP_SECCOMP_LOAD,
	CTR_STEP_SEAL,
	CTR_STEP_CLONE_INIT, /* shared pid namespace: the intermediate forks init */
	CTR_STEP_HOOK,       /* an lxc.hook.* script failed (native/hooks.h) */
	CTR_STEP_NETWORK,
	CTR_STEP_LXC_LOCK,   /* LXC's command socket name (lxcsock.h): LXC runs the container */
	CTR_STEP_TTY,        /* lxc.tty.max: allocating or binding a tty (index: its number) */
	CTR_STEP_RESTORE,    /* ctr checkpoint -r: criu restore failed (restore.c) */
	CTR_STEP_NSTEPS,
	/* Channel messages that are not errors (index carries the payload). */
	CTR_MSG_HANDOVER = 1000, /* index: init's pid, forked into a shared pid namespace */
	CTR_MSG_FAILPOINT,       /* index: the step a test failpoint stopped at */
	CTR_MSG_HOOK_OUTPUT,     /* struct ctr_hook_msg: a container-side hook's output */
	CTR_MSG_HOOK_FAILED,     /* struct ctr_hook_msg: a container-side hook failed */
	CTR_MSG_START_HOST,      /* the child waits while the monitor runs start-host hooks */
	CTR_MSG_TTY,             /* index: a terminal (0 console, N ttyN); its master and slave ride along (SCM_RIGHTS) */
};

struct ctr_child_error {
	int step;
	int err;   /* positive errno */
	int index; /* fsop / share / rlimit index, or -1 */
};

/* A page shared with the setup child: the step it is at, so that a child
 * killed before its exec is reported with the step it died in. */
struct ctr_progress {
	volatile int step;
};

/* CTR_TEST_FAILPOINT=kill:STEP|pause:STEP (tests only): the child reports
 * reaching STEP and waits; the monitor kills it, or records where it waits
 * in <rundir>/failpoint and leaves it there. */
enum ctr_failpoint_mode { CTR_FP_NONE, CTR_FP_KILL, CTR_FP_PAUSE };

#define CTR_MAX_SELF_ATTACH 32

struct ctr_monitor {
	struct ctr_spec *spec;
	int state;
	int epfd, sigfd, listenfd, syncfd, lockfd, chanfd;
	int lxcfd; /* LXC's command socket (lxcsock.h), or -EBADF */
	pid_t self_pid;
	unsigned long long self_starttime;
	pid_t init_pid;
	int init_pidfd;
	unsigned long long init_starttime;
	long long started_at, updated_at;
	/* Monotonic µs when ctr-monitor had read the spec, and how long from there until RUNNING. */
	long long spec_us, startup_us;
	bool reboot_requested;
	bool stop_requested; /* a hard stop is under way: do not restart */
	bool have_status;
	int exit_status; /* WEXITSTATUS, or 128 + signal */
	int exit_signal; /* 0 if it exited */
	int oom_kills;
	struct ctr_child_error start_error;
	int start_signal; /* the setup child died of this signal before exec */
	struct ctr_progress *progress;
	char setup_comm[16]; /* the child's name until its exec renames it */
	int late_pidns_fd;   /* a shared pid namespace, joined after pivot_root (or -EBADF) */
	bool handed_over;    /* the intermediate reported init's pid (late_pidns_fd) */
	enum ctr_failpoint_mode fp_mode;
	int fp_step;
	struct ctr_client *clients;
	int *share_fds; /* one per spec share, opened before clone */
	/* Cgroups (cgroup.c): the container's directories and the fds the
	 * epoll loop watches for OOM kills and freezer changes. */
	struct ctr_cgroups *cg;
	int cg_v2_dirfd;   /* the v2 cgroup init is cloned into (CLONE_INTO_CGROUP), or -EBADF */
	int oom_fd;        /* v1: eventfd on memory.oom_control; v2: inotify on memory.events */
	int cg_events_fd;  /* v2: inotify on cgroup.events (frozen), or -EBADF */
	/* v1 `tasks` files init writes "0" to (cgroup.h), open only around clone. */
	int cg_tasks_fds[CTR_MAX_SELF_ATTACH];
	int ncg_tasks_fds;
	bool cg_v1_self_attach; /* init joins its v1 cgroups itself */
	struct ctr_hooks *hooks; /* lxc.hook.* at run time (hooks.c), or NULL */
	struct ctr_net *net;    /* the interfaces made for the container (network.h) */
	struct ctr_console *console; /* the console and ttys (console.h), or NULL */
	pid_t setup_pid;             /* the child cloned for this start: only it may hand over ptys */
	/* ctr checkpoint -s (cmdsock.c `checkpoint`): the client whose dump
	 * will end in init's death, which is then recorded as "checkpointed";
	 * -EBADF when none. */
	int checkpoint_fd;
};

const char *ctr_step_name(int step);
/* Human detail for a failed step: the path, namespace or argument involved. */
const char *ctr_step_detail(struct ctr_monitor *m, const struct ctr_child_error *e);

/* spawn.c: opens shared namespaces and clones init. 0 or -errno (start_error set). */
int ctr_spawn_init(struct ctr_monitor *m);
/* spawn.c: reads CTR_TEST_FAILPOINT and maps the shared progress page (once). */
int ctr_spawn_prepare(struct ctr_monitor *m);
/* Step number of a step name, or -1. */
int ctr_step_by_name(const char *name);
void ctr_close_shares(struct ctr_monitor *m);

/* restore.c: runs the spec's criu restore as our child; on success the
 * restored init is our child too, and init_pid/init_pidfd/init_starttime
 * are set. 0 or -errno (start_error set). */
int ctr_restore_init(struct ctr_monitor *m);
/* restore.c: criu's last error line, for the failure report. */
const char *ctr_restore_error_detail(void);

/* monitor.c: the whole daemon/foreground lifecycle after the spec was read.
 * `launched`: this process was forked by the launcher, whose session it is
 * in already (docs/monitor-protocol.md §8): daemonizing then needs no
 * setsid and no fork. Returns the process exit status. */
int ctr_monitor_run(struct ctr_spec *spec, int syncfd, long long spec_us, bool launched);

/* Broadcasts a state change to clients and rewrites state.json. */
/* Whether pid is a child of the monitor (its /proc/PID/stat parent). */
bool ctr_monitor_is_child(struct ctr_monitor *m, pid_t pid);
void ctr_monitor_set_state(struct ctr_monitor *m, int state);

#endif
