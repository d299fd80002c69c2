/* `ctr attach` in the monitor (docs/architecture.md §13, the protocol in
 * docs/monitor-protocol.md §4.6).
 *
 * A command connection whose line is `attach` becomes an attach session:
 * the client sends a request (the command, its environment and options)
 * with the stdio it wants the process to have (SCM_RIGHTS); the monitor
 * forks a helper that enters the container as init is confined and forks
 * the attached process as the monitor's own child; the monitor reports its
 * pid, passes a pty's master back when the client asked for a terminal,
 * forwards the client's signals to it through a pidfd, and reports its exit
 * status, which the kernel gives the monitor and no one in the container
 * can forge. */
#ifndef CTR_ATTACH_H
#define CTR_ATTACH_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"

struct ctr_monitor;

/* cmdsock.c hands the connection over after its `attach` line; the `ok`
 * reply is sent here. The fd stays registered in the epoll set. */
void ctr_attach_begin(struct ctr_monitor *m, int fd);
/* An epoll event on an attach connection or a helper's channel: true if
 * fd is one of ours (handled), false otherwise. */
bool ctr_attach_event(struct ctr_monitor *m, int fd, unsigned int events);
/* A child of the monitor was reaped (status as waitpid gives it): true if
 * it was a helper or an attached process, whose session reports it. */
bool ctr_attach_reaped(struct ctr_monitor *m, pid_t pid, int status);
/* Teardown, once every attached process is dead and reaped: closes every
 * session (clients see EOF after their exit line). */
void ctr_attach_close_all(struct ctr_monitor *m);

/* Between attach.c and attach-child.c only. */

/* Channel messages beyond struct ctr_child_error's setup steps. */
#define CTR_ATTACH_MSG_PTY 1100 /* the helper's pty master rides along (SCM_RIGHTS) */
/* Setup steps of their own (the rest are ctr_step names). */
enum {
	CTR_ATTACH_STEP_PTY = 1110,   /* allocating the terminal in the container */
	CTR_ATTACH_STEP_REMOUNT,      /* -R: a private /proc and /sys */
	CTR_ATTACH_STEP_SHELL,        /* no command: the login shell */
	CTR_ATTACH_STEP_GO,           /* the monitor's go-ahead, or the helper's to the process */
};

#define CTR_ATTACH_ELEVATE_CAP 1u
#define CTR_ATTACH_ELEVATE_CGROUP 2u
#define CTR_ATTACH_ELEVATE_LSM 4u

#define CTR_ATTACH_MAX_TASKS 32

/* Everything the helper needs, prepared by the monitor before fork: the
 * helper and the attached process allocate nothing (spawn.c's rule). */
struct ctr_attach_plan {
	struct ctr_spec confine;  /* the container's spec, caps cut to init's bounding set now */
	char *const *argv;        /* NULL: the user's login shell */
	char *const *envp;
	const char *path;         /* PATH to search argv[0] in */
	const char *cwd;          /* the caller's cwd, tried inside (LXC) */
	int ns_flags;             /* CLONE_NEW* to join through init's pidfd */
	unsigned int elevate;     /* CTR_ATTACH_ELEVATE_* */
	bool remount;             /* -R */
	long personality;         /* -1: unchanged */
	uid_t uid;
	gid_t gid;
	bool userns_root;         /* joining a user namespace that maps 0: become its root first */
	unsigned int stdio_mask;  /* bit i: fd i is stdio_fds[i]; clear: the pty's slave */
	int stdio_fds[3];
	int host_master, host_slave; /* the fallback pty of the host's devpts, or -EBADF */
	unsigned short rows, cols;
	int init_pidfd;
	int pidns_fd;             /* -R with the pid namespace joined: proc shows it, or -EBADF */
	int devnull;
	int chan;                 /* the helper's end of the setup channel */
	int tasks_fds[CTR_ATTACH_MAX_TASKS];
	int ntasks;
	int pdeath_signal;
	pid_t monitor_pid;
	bool failpoint_exec;      /* tests: stop before exec (docs/monitor-protocol.md §5.4) */
};

/* The helper: runs in the monitor's fork, never returns. */
__attribute__((noreturn)) void ctr_attach_helper(struct ctr_attach_plan *p);

#endif
