/* Running LXC's hooks (docs/lxc-contract.md §8, docs/monitor-protocol.md
 * §2.3 and §5.5). Each hook runs as LXC runs it: `/bin/sh -c "exec SCRIPT
 * NAME lxc TYPE [ARGS]"` (lxc.hook.version 0) or `/bin/sh -c "exec SCRIPT
 * [ARGS]"` with LXC_HOOK_TYPE and LXC_HOOK_SECTION (version 1), cwd `/`,
 * stdout and stderr on pipes (logged at DEBUG, the end of stderr kept for
 * the error report), in a process group of its own that is killed when the
 * hook outlives its timeout.
 *
 * pre-start, start-host, stop and post-stop run from the monitor, in the
 * host's namespaces; pre-mount, mount, autodev and start run from the setup
 * child, in the container's namespaces. The child may not allocate: every
 * argv and environment it needs is built by ctr_hooks_prepare before clone. */
#ifndef CTR_HOOKS_H
#define CTR_HOOKS_H

#include <stdbool.h>
#include <sys/types.h>

#include "hookspec.h"
#include "isolation.h"

struct ctr_monitor;

/* Bytes of a failed hook's stderr kept for the error report. */
#define CTR_HOOK_TAIL 512
#define CTR_HOOK_TEXT 1024

enum ctr_hook_outcome { CTR_HOOK_OK, CTR_HOOK_EXIT, CTR_HOOK_SIGNAL, CTR_HOOK_TIMEOUT, CTR_HOOK_ERROR };

/* A setup-channel message about container-side hooks (monitor.h
 * CTR_MSG_HOOK_*): output to log, a failure, or the start-host barrier. */
struct ctr_hook_msg {
	int step;
	int hook;  /* index into spec->hooks.hooks */
	int kind;  /* OUTPUT: 1 stdout, 2 stderr; FAILED: enum ctr_hook_outcome */
	int value; /* exit status, signal, timeout in seconds or errno */
	unsigned int len;
	char text[CTR_HOOK_TEXT];
};

/* Monitor, before clone: the commands and environments of the
 * container-side hooks. Once; 0 or -errno. */
int ctr_hooks_prepare(struct ctr_monitor *m);
void ctr_hooks_free(struct ctr_monitor *m);

/* Child: whether hooks run before pivot_root (the child then joins its
 * cgroups and cgroup namespace before them, as LXC's child has). */
bool ctr_hooks_child_early_cgroups(const struct ctr_monitor *m);
/* Child: runs the hooks of `type`; a failure is reported and `fail`ed with
 * CTR_STEP_HOOK. */
void ctr_hooks_child_run(struct ctr_monitor *m, int type, int chan, ctr_fail_fn fail);
/* Child: whether hooks are placed before filesystem operation `index`,
 * and running them. */
bool ctr_hooks_child_has_at(const struct ctr_monitor *m, size_t index);
void ctr_hooks_child_at(struct ctr_monitor *m, size_t index, int chan, ctr_fail_fn fail);
/* Child, after the start hooks: with start-host hooks, asks the monitor to
 * run them and waits for its go. */
void ctr_hooks_child_start_host(struct ctr_monitor *m, int chan);

/* Monitor: handles a hook message read from the setup channel. 1 handled,
 * 0 not a hook message, -1 a start-host hook failed (start_error is set). */
int ctr_hooks_chan_message(struct ctr_monitor *m, const void *buf, size_t len);

/* Monitor: runs the host-side hooks of `type`. pre-start and start-host
 * failures return -1 with start_error set; stop and post-stop failures are
 * logged (post-stop returns -1 so that a reboot becomes a stop, as in LXC). */
int ctr_hooks_run_host(struct ctr_monitor *m, int type);
/* Monitor: pins init's namespaces for the stop hooks ("mnt:/proc/MON/fd/N"):
 * right after clone (`late` false), and the cgroup namespace once init set
 * it up (`late` true). No-op without stop or post-stop hooks. */
void ctr_hooks_pin_namespaces(struct ctr_monitor *m, bool late);
/* Monitor: a new init is about to be cloned (start or reboot). */
void ctr_hooks_reset(struct ctr_monitor *m);
/* Monitor: stop hooks then (by the caller, later) post-stop hooks, once per
 * init; `reboot` sets LXC_TARGET. */
void ctr_hooks_stop(struct ctr_monitor *m, bool reboot);
int ctr_hooks_post_stop(struct ctr_monitor *m, bool reboot);

/* The detail of a CTR_STEP_HOOK error line: "TYPE KIND VALUE SCRIPT STDERR",
 * SCRIPT and STDERR escaped (docs/monitor-protocol.md §3). */
const char *ctr_hooks_failure_detail(struct ctr_monitor *m);

#endif
