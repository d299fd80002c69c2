/* Container states (LXC's names and numbers, docs/lxc-contract.md §4.1) and the files
 * the monitor owns in the run dir: state.json, monitor.pid and, after the
 * container stops, the last-exit record. The monitor is their only writer. */
#ifndef CTR_STATE_H
#define CTR_STATE_H

#include <stdbool.h>
#include <sys/types.h>

enum ctr_state {
	CTR_STOPPED = 0,
	CTR_STARTING,
	CTR_RUNNING,
	CTR_STOPPING,
	CTR_ABORTING,
	CTR_FREEZING,
	CTR_FROZEN,
	CTR_THAWED,
	CTR_NSTATES,
};

const char *ctr_state_name(int state);
/* Parses "RUNNING|STOPPED" into a bit mask (1 << state). -EINVAL if a name is unknown. */
int ctr_state_mask(const char *spec, unsigned int *mask);

struct ctr_monitor;

/* Rewrites state.json from the monitor's current fields. 0 or -errno. */
int ctr_state_write(struct ctr_monitor *m);
/* Writes the last-exit record if the spec names one: atomically, but not
 * yet durably, so that STOPPED is not held up by fsync. */
void ctr_state_write_exit(struct ctr_monitor *m, const char *reason);
/* Makes the last-exit record durable (after watchers have been told). */
void ctr_state_sync_exit(struct ctr_monitor *m);

#endif
