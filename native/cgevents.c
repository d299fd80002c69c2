/* Freezer and OOM events of the container cgroup, for the monitor's epoll
 * loop. The freezer is v2's cgroup.freeze when the container has a v2
 * cgroup (its completion is an inotify event on cgroup.events), else v1's
 * freezer.state (its completion is polled: v1 sends no event). OOM kills
 * are counted from v1 memory.oom_control (an eventfd registered through
 * cgroup.event_control wakes us) or v2 memory.events (inotify). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroup-priv.h"
#include "cgroup.h"
#include "cleanup.h"
#include "cmdsock.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

/* A v1 OOM notification comes before the kill is counted: look again for this long. */
#define OOM_RECHECK_MS 500

static long long now_ms(void)
{
	return ctr_monotonic_us() / 1000;
}

static int watch_fd(struct ctr_monitor *m, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int add_inotify(struct ctr_monitor *m, const char *dir, const char *file)
{
	char path[PATH_MAX];
	int wd;

	if (m->cg_events_fd < 0) {
		m->cg_events_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (m->cg_events_fd < 0)
			return -errno;
		if (watch_fd(m, m->cg_events_fd) < 0)
			return -errno;
	}
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	wd = inotify_add_watch(m->cg_events_fd, path, IN_MODIFY);
	return wd < 0 ? -errno : wd;
}

static int read_oom_count(struct ctr_cgroups *cg, unsigned long long *out)
{
	const struct cg_dir *d = &cg->dirs[cg->oom];
	char buf[1024];
	ssize_t n;

	n = cg_read(d->path, d->version == 1 ? "memory.oom_control" : "memory.events", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return cg_keyed(buf, "oom_kill", out);
}

/* v1: an eventfd the kernel signals on every OOM in the cgroup (or above). */
static int setup_v1_oom(struct ctr_monitor *m, const struct cg_dir *d)
{
	_cleanup_close_ int ctl = -EBADF;
	char path[PATH_MAX], line[64];
	int ret;

	if (snprintf(path, sizeof(path), "%s/memory.oom_control", d->path) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* Needed only while registering: the kernel checks it names this cgroup's file. */
	ctl = open(path, O_RDONLY | O_CLOEXEC);
	if (ctl < 0)
		return errno == ENOENT ? 0 : -errno;
	m->oom_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->oom_fd < 0)
		return -errno;
	(void)snprintf(line, sizeof(line), "%d %d", m->oom_fd, ctl);
	ret = cg_write(d->path, "cgroup.event_control", line);
	if (ret < 0)
		return ret;
	return watch_fd(m, m->oom_fd);
}

static void pick_sources(struct ctr_cgroups *cg)
{
	char buf[16];

	for (size_t i = 0; i < cg->nhier; i++) {
		int limit = cg->limit_of[i], leaf = cg->leaf_of[i];
		const struct cg_dir *d = &cg->dirs[limit];
		if (d->version == 2) {
			if (cg_read(d->path, "cgroup.freeze", buf, sizeof(buf)) >= 0)
				cg->fz = limit;
			if (cg->oom < 0 && cg_read(d->path, "memory.events", buf, sizeof(buf)) >= 0)
				cg->oom = limit;
		} else {
			if (cg->fz < 0 && cg_list_has(d->id, "freezer"))
				cg->fz = limit;
			/* v1 counts kills in the victim's own cgroup: read where init lives. */
			if (cg_list_has(d->id, "memory"))
				cg->oom = leaf;
		}
	}
}

int cg_events_setup(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;
	const struct cg_dir *d;
	int ret = 0;

	pick_sources(cg);
	if (cg->fz >= 0 && cg->dirs[cg->fz].version == 2) {
		cg->fz_wd = add_inotify(m, cg->dirs[cg->fz].path, "cgroup.events");
		if (cg->fz_wd < 0)
			ret = cg->fz_wd;
	}
	if (ret == 0 && cg->oom >= 0) {
		d = &cg->dirs[cg->oom];
		cg->oom_counter = read_oom_count(cg, &cg->oom_base) == 0;
		if (d->version == 1) {
			ret = setup_v1_oom(m, d);
		} else {
			cg->oom_wd = add_inotify(m, d->path, "memory.events");
			ret = cg->oom_wd < 0 ? cg->oom_wd : 0;
		}
	}
	/* Not fatal: the freezer is then polled, and OOM kills are still
	 * counted when the container stops (v1 cgroup.event_control is gone
	 * from kernels built without CONFIG_MEMCG_V1). */
	if (ret < 0) {
		errno = -ret;
		log_syserr("Failed to watch the container cgroup for events");
		if (m->oom_fd >= 0)
			(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->oom_fd, NULL);
		ctr_closep(&m->oom_fd);
	}
	return 0;
}

void cg_events_close(struct ctr_monitor *m)
{
	if (m->oom_fd >= 0)
		(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->oom_fd, NULL);
	if (m->cg_events_fd >= 0)
		(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->cg_events_fd, NULL);
	/* The fds stay open until the monitor exits: closing an inotify
	 * instance waits for an SRCU grace period (fsnotify_destroy_group,
	 * ~15 ms here), which `ctr stop` would wait for too. */
}

static void report_oom(struct ctr_monitor *m, int kills)
{
	char line[64];

	m->oom_kills = kills;
	log_warn("The OOM killer killed %d processes in the container so far", kills);
	(void)snprintf(line, sizeof(line), "oom %d\n", kills);
	ctr_cmdsock_broadcast(m, line);
	if (ctr_state_write(m) < 0)
		log_syserr("Failed to write state.json");
}

bool ctr_cgroup_check_oom(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;
	unsigned long long count;

	if (!cg || cg->oom < 0 || !cg->oom_counter || read_oom_count(cg, &count) < 0)
		return false;
	if (count < cg->oom_base || (long long)(count - cg->oom_base) <= m->oom_kills)
		return false;
	report_oom(m, (int)(count - cg->oom_base));
	return true;
}

/* ---- freezer ----------------------------------------------------------- */

static bool is_frozen(struct ctr_cgroups *cg)
{
	const struct cg_dir *d = &cg->dirs[cg->fz];
	unsigned long long v = 0;
	char buf[256];

	if (d->version == 2)
		return cg_read(d->path, "cgroup.events", buf, sizeof(buf)) >= 0 && cg_keyed(buf, "frozen", &v) == 0 && v == 1;
	return cg_read(d->path, "freezer.state", buf, sizeof(buf)) >= 0 && strncmp(buf, "FROZEN", 6) == 0;
}

/* Whether anyone asked for the cgroup to be frozen (complete or not). */
static bool freeze_requested(struct ctr_cgroups *cg)
{
	const struct cg_dir *d = &cg->dirs[cg->fz];
	char buf[32];

	if (d->version == 2)
		return cg_read(d->path, "cgroup.freeze", buf, sizeof(buf)) >= 0 && buf[0] == '1';
	return cg_read(d->path, "freezer.state", buf, sizeof(buf)) >= 0 && strncmp(buf, "THAWED", 6) != 0;
}

static void poll_frozen(struct ctr_monitor *m)
{
	if (m->state == CTR_FREEZING && is_frozen(m->cg))
		ctr_monitor_set_state(m, CTR_FROZEN);
}

static int write_freezer(struct ctr_cgroups *cg, bool freeze)
{
	const struct cg_dir *d = &cg->dirs[cg->fz];

	if (d->version == 2)
		return cg_write(d->path, "cgroup.freeze", freeze ? "1" : "0");
	return cg_write(d->path, "freezer.state", freeze ? "FROZEN" : "THAWED");
}

int ctr_cgroup_freeze(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;
	int ret;

	if (m->state == CTR_FREEZING || m->state == CTR_FROZEN)
		return 0;
	if (m->state != CTR_RUNNING)
		return -EBUSY;
	if (!cg || cg->fz < 0)
		return -EOPNOTSUPP;
	ret = write_freezer(cg, true);
	if (ret < 0) {
		errno = -ret;
		log_syserr("Failed to freeze %s", cg->dirs[cg->fz].path);
		return ret;
	}
	cg->freeze_started = true;
	return 0;
}

int ctr_cgroup_thaw(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;
	bool frozen = m->state == CTR_FREEZING || m->state == CTR_FROZEN;
	int ret;

	if (!cg || cg->fz < 0)
		return frozen ? -EOPNOTSUPP : 0;
	/* Nothing to do for a running container (halt and kill call this). */
	if (!frozen && !freeze_requested(cg))
		return 0;
	ret = write_freezer(cg, false);
	if (ret < 0) {
		errno = -ret;
		log_syserr("Failed to thaw %s", cg->dirs[cg->fz].path);
		return ret;
	}
	cg->freeze_started = false;
	cg->thawed = frozen;
	return 0;
}

void ctr_cgroup_settle(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;

	if (!cg)
		return;
	if (cg->thawed) {
		/* docs/lxc-contract.md §4.1: THAWED is announced, the stored state is RUNNING. */
		cg->thawed = false;
		ctr_cmdsock_broadcast(m, "state THAWED\n");
		ctr_monitor_set_state(m, CTR_RUNNING);
	}
	if (cg->freeze_started) {
		cg->freeze_started = false;
		if (m->state == CTR_RUNNING)
			ctr_monitor_set_state(m, CTR_FREEZING);
		poll_frozen(m);
	}
}

/* ---- the epoll loop's side --------------------------------------------- */

void ctr_cgroup_event(struct ctr_monitor *m, int fd)
{
	struct ctr_cgroups *cg = m->cg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	uint64_t count;

	if (!cg)
		return;
	if (fd == m->oom_fd) {
		if (read(fd, &count, sizeof(count)) != (ssize_t)sizeof(count))
			return;
		if (!cg->oom_counter)
			report_oom(m, m->oom_kills + (int)count);
		else if (!ctr_cgroup_check_oom(m))
			cg->oom_recheck_until = now_ms() + OOM_RECHECK_MS;
		return;
	}
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (cg->oom >= 0 && cg->dirs[cg->oom].version == 2)
		(void)ctr_cgroup_check_oom(m);
	if (cg->fz >= 0)
		poll_frozen(m);
}

int ctr_cgroup_timeout_ms(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;
	int timeout = -1;

	if (!cg)
		return -1;
	if (m->state == CTR_FREEZING && cg->fz >= 0)
		timeout = cg->dirs[cg->fz].version == 1 ? 10 : 100;
	if (cg->oom_recheck_until && (timeout < 0 || timeout > 20))
		timeout = 20;
	return timeout;
}

void ctr_cgroup_tick(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;

	if (!cg)
		return;
	if (m->state == CTR_FREEZING && cg->fz >= 0)
		poll_frozen(m);
	if (cg->oom_recheck_until && (ctr_cgroup_check_oom(m) || now_ms() >= cg->oom_recheck_until))
		cg->oom_recheck_until = 0;
}
