/* The run dir (/run/ctr/<hash>/, mode 0700) and the container lock.
 *
 * The lock is an flock on <rundir>/lock held by the monitor for its whole
 * life: the kernel drops it when the monitor dies, even by SIGKILL, so there
 * is never a stale lock to time out (unlike a lock directory). Whoever holds
 * it owns every file in the run dir. */
#ifndef CTR_RUNDIR_H
#define CTR_RUNDIR_H

struct ctr_monitor;

/* Creates the run dir and takes the lock without blocking. 0, -EBUSY when
 * another monitor holds it, or -errno. */
int ctr_rundir_lock(struct ctr_monitor *m);
/* Writes monitor.pid in the run dir, then the -p pidfile if there is one
 * (mode 0600, no newline, like LXC). On failure *which says which of the
 * two failed, so that the error blames the right file (steps.c). */
enum { CTR_PIDFILE_RUNDIR = 0, CTR_PIDFILE_USER = 1 };
int ctr_rundir_write_pids(struct ctr_monitor *m, int *which);
/* Removes every file the monitor owns, the run dir itself, then drops the lock. */
void ctr_rundir_remove(struct ctr_monitor *m);

#endif
