#define _GNU_SOURCE
#include "cgroup.h"

#include <errno.h>

#include "monitor.h"

int ctr_cgroup_setup(struct ctr_monitor *m)
{
	m->cg_v2_dirfd = -EBADF;
	m->oom_fd = -EBADF;
	return 0;
}

int ctr_cgroup_attach(struct ctr_monitor *m, int pid)
{
	(void)m;
	(void)pid;
	return 0;
}

void ctr_cgroup_kill_all(struct ctr_monitor *m)
{
	(void)m;
}

void ctr_cgroup_remove(struct ctr_monitor *m)
{
	(void)m;
}

int ctr_cgroup_freeze(struct ctr_monitor *m)
{
	(void)m;
	return -EOPNOTSUPP;
}

int ctr_cgroup_thaw(struct ctr_monitor *m)
{
	(void)m;
	return -EOPNOTSUPP;
}

int ctr_cgroup_oom_event(struct ctr_monitor *m)
{
	return m->oom_kills;
}
