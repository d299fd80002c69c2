/* Shared between cgroup.c (directories, limits, kill, removal, record) and
 * cgevents.c (freezer and OOM events). Not for the rest of the monitor. */
#ifndef CTR_CGROUP_PRIV_H
#define CTR_CGROUP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ctr_monitor;

/* What a directory is to the container (the record's first field). */
enum cg_role {
	CG_DIR = 'd',     /* an intermediate directory we created (lxc.cgroup.dir) */
	CG_LIMIT = 'l',   /* the container cgroup: limits, stats, freezer, kill */
	CG_INNER = 'i',   /* lxc.cgroup.dir.container.inner: where init lives */
	CG_MONITOR = 'm', /* lxc.cgroup.dir.monitor: where the monitor lives */
};

struct cg_dir {
	char role;     /* enum cg_role */
	int version;   /* 1 or 2 */
	int hier;      /* index of the spec's cghier record, -1 when read from a record */
	bool created;  /* made by us: only those are removed */
	char *id;      /* v1: the controller field of /proc/PID/cgroup; v2: "" */
	char *hpath;   /* the hierarchy path, as /proc/PID/cgroup shows it */
	char *path;    /* the absolute directory */
};

struct ctr_cgroups {
	struct cg_dir *dirs; /* in creation order */
	size_t ndirs;
	int *limit_of;       /* per spec hierarchy: index of its CG_LIMIT dir */
	int *leaf_of;        /* per spec hierarchy: where init goes (CG_INNER or CG_LIMIT) */
	size_t nhier;
	/* Freezer: the dir it acts on (v2 cgroup.freeze, else v1 freezer.state). */
	int fz;
	bool freeze_started, thawed;
	/* OOM: the file counting kills (v1 memory.oom_control, v2 memory.events). */
	int oom;
	unsigned long long oom_base;
	bool oom_counter;    /* the file has an oom_kill line (kernel >= 4.13) */
	long long oom_recheck_until; /* v1: poll the counter until then (monotonic ms) after an event not counted yet */
	int fz_wd, oom_wd;   /* v2: inotify watches on cgroup.events, memory.events */
	bool monitor_moved;
};

/* Writes val to dir/file in one write(2), as cgroup files need. 0 or -errno. */
int cg_write(const char *dir, const char *file, const char *val);
/* Reads dir/file into buf (NUL-terminated, truncated). Bytes read or -errno. */
ssize_t cg_read(const char *dir, const char *file, char *buf, size_t size);
/* The value of `key N` in a flat keyed file's text. 0 or -ENOENT. */
int cg_keyed(const char *text, const char *key, unsigned long long *out);
/* Whether the comma-separated list holds name. */
bool cg_list_has(const char *list, const char *name);

/* cgevents.c: picks the freezer and OOM sources and opens their fds; 0
 * (what it cannot watch is logged: freezing is then polled, OOM kills
 * are counted when the container stops). */
int cg_events_setup(struct ctr_monitor *m);
void cg_events_close(struct ctr_monitor *m);

#endif
