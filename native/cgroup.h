/* The container's cgroup: one directory per mounted hierarchy (cgroup v1
 * controllers, the v2 unified tree, or both on hybrid hosts), as planned by
 * src/core/cgroup/plan.ts and passed in the spec's cghier/cgset records.
 *
 * Lifecycle, all in the monitor:
 *   ctr_cgroup_setup     before clone: remove a dead monitor's leftovers (the
 *                        run dir's `cgroups` record), record what we are about
 *                        to create, create it (cpuset copied down on v1,
 *                        controllers enabled on v2), write the limits, open
 *                        the v2 directory for CLONE_INTO_CGROUP and the OOM
 *                        and freezer event fds
 *   ctr_cgroup_attach    during the child's barrier: init joins every v1
 *                        hierarchy (and v2 when clone3 could not place it)
 *   ctr_cgroup_kill_all  at teardown: kill everything left in the cgroup
 *   ctr_cgroup_remove    then remove every directory, deepest first, and the
 *                        record
 * The monitor itself never joins the container's cgroup.
 *
 * The run dir record (`<rundir>/cgroups`, one line per directory, tab
 * separated: role version id hierarchy-path directory) lets
 * `ctr-monitor cleanup` and the next monitor remove the cgroups of a monitor
 * that died, and src/sys/cgroup-stats.ts find the directories to read. */
#ifndef CTR_CGROUP_H
#define CTR_CGROUP_H

#include <stdbool.h>

struct ctr_monitor;

/* Creates the container cgroup and applies the limits, before init is
 * cloned. 0, or -errno with ctr_cgroup_error_detail() saying what failed.
 * Without cgroups in the spec it only cleans up leftovers and returns 0. */
int ctr_cgroup_setup(struct ctr_monitor *m);
/* Opens the `tasks` file of the container's cgroup in every v1 hierarchy,
 * before clone. The child writes "0" to each itself: a single thread moving
 * itself skips the kernel's threadgroup lock, which costs a whole RCU grace
 * period (10-20 ms here) when the monitor writes init's pid to
 * cgroup.procs. Permission is checked against the opener (the monitor), so
 * this works from inside a new user namespace too (Linux >= 5.16). */
int ctr_cgroup_open_self_attach(struct ctr_monitor *m);
void ctr_cgroup_close_self_attach(struct ctr_monitor *m);
/* Moves pid into the container cgroup of every hierarchy it did not join
 * itself: v1 through the tasks fds, v2 with CLONE_INTO_CGROUP (clone3
 * falls back without it on EBUSY). 0 or -errno. */
int ctr_cgroup_attach(struct ctr_monitor *m, int pid);
/* Kills every process left in the container cgroup and waits (bounded)
 * until it is empty. Records a last OOM kill first. */
void ctr_cgroup_kill_all(struct ctr_monitor *m);
/* Removes the container cgroup directories and, when all are gone, the
 * record; closes the cgroup fds. */
void ctr_cgroup_remove(struct ctr_monitor *m);

/* Freezer. ctr_cgroup_freeze asks the kernel to freeze (0, -EBUSY unless
 * RUNNING, -EOPNOTSUPP without a freezer); ctr_cgroup_thaw to thaw (0 or
 * -errno; a no-op on a container that is not frozen). Neither changes the
 * state: ctr_cgroup_settle does, after the command's reply was sent
 * (FREEZING then FROZEN, or THAWED broadcast then RUNNING), so that a
 * watcher always reads its reply before the events it caused. */
int ctr_cgroup_freeze(struct ctr_monitor *m);
int ctr_cgroup_thaw(struct ctr_monitor *m);
void ctr_cgroup_settle(struct ctr_monitor *m);

/* Event handling for the epoll loop: fd (m->oom_fd or m->cg_events_fd) is
 * readable. Updates m->oom_kills (broadcasting `oom N`) and the freezer state. */
void ctr_cgroup_event(struct ctr_monitor *m, int fd);
/* epoll_wait timeout while something needs polling (v1 freezer, a v1 OOM
 * kill not counted yet), else -1; ctr_cgroup_tick does that polling. */
int ctr_cgroup_timeout_ms(struct ctr_monitor *m);
void ctr_cgroup_tick(struct ctr_monitor *m);
/* Re-reads the OOM kill counter; true if it grew (then broadcast and saved). */
bool ctr_cgroup_check_oom(struct ctr_monitor *m);

/* What the last failed setup or attach step was about (file, value). */
const char *ctr_cgroup_error_detail(void);

/* Kills what is left in the cgroups a dead monitor recorded in rundir and
 * removes them and the record. The caller holds the run dir lock. 0 (also
 * when there is no record), or -errno when something could not be removed
 * (the record is kept for the next attempt). */
int ctr_cgroup_cleanup_rundir(const char *rundir);

#endif
