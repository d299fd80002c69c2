/* The container's cgroup (one directory per mounted hierarchy: cgroup v1
 * controllers, the v2 unified tree, or both on hybrid hosts). */
#ifndef CTR_CGROUP_H
#define CTR_CGROUP_H

struct ctr_monitor;

/* Creates the container cgroup and applies limits, before init is cloned. */
int ctr_cgroup_setup(struct ctr_monitor *m);
/* Moves init into every v1 hierarchy (v2 uses CLONE_INTO_CGROUP). */
int ctr_cgroup_attach(struct ctr_monitor *m, int pid);
/* Kills every process left in the container cgroup and waits until it is empty. */
void ctr_cgroup_kill_all(struct ctr_monitor *m);
/* Removes the container cgroup directories. */
void ctr_cgroup_remove(struct ctr_monitor *m);
int ctr_cgroup_freeze(struct ctr_monitor *m);
int ctr_cgroup_thaw(struct ctr_monitor *m);
/* Reads OOM events when the oom fd is readable; returns the new kill count. */
int ctr_cgroup_oom_event(struct ctr_monitor *m);

#endif
