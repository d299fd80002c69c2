/* The container's cgroup directories: creation, limits, attaching init,
 * killing what is left, removal, and the run dir record that lets a later
 * process clean up after a monitor that died (see cgroup.h). */
#define _GNU_SOURCE
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-priv.h"
#include "cleanup.h"
#include "devices.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

#define RECORD_NAME "cgroups"
#define KILL_TIMEOUT_MS 10000
#define RMDIR_TIMEOUT_MS 2000
#define MAX_DEPTH 32

static char detail[768];

static void set_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void set_detail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
}

const char *ctr_cgroup_error_detail(void)
{
	return detail;
}

/* ---- small file helpers ------------------------------------------------ */

static int join(char *buf, size_t size, const char *dir, const char *file)
{
	int n = snprintf(buf, size, "%s/%s", dir, file);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int cg_write(const char *dir, const char *file, const char *val)
{
	_cleanup_close_ int fd = -EBADF;
	char path[PATH_MAX];
	size_t len = strlen(val);
	ssize_t n;
	int ret;

	ret = join(path, sizeof(path), dir, file);
	if (ret < 0)
		return ret;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = RETRY_EINTR(write(fd, val, len));
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

ssize_t cg_read(const char *dir, const char *file, char *buf, size_t size)
{
	_cleanup_close_ int fd = -EBADF;
	char path[PATH_MAX];
	ssize_t n;
	int ret;

	ret = join(path, sizeof(path), dir, file);
	if (ret < 0)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = ctr_read_all(fd, buf, size - 1);
	if (n < 0)
		return n;
	buf[n] = '\0';
	return n;
}

int cg_keyed(const char *text, const char *key, unsigned long long *out)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			*out = strtoull(p + klen + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

bool cg_list_has(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *end = strchrnul(p, ',');
		if ((size_t)(end - p) == len && strncmp(p, name, len) == 0)
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

static long long now_ms(void)
{
	return ctr_monotonic_us() / 1000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	(void)nanosleep(&ts, NULL);
}

/* ---- the directory list ------------------------------------------------ */

static void free_dirs(struct cg_dir *dirs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(dirs[i].id);
		free(dirs[i].hpath);
		free(dirs[i].path);
	}
	free(dirs);
}

static int push_dir(struct cg_dir **dirs, size_t *n, struct cg_dir d)
{
	struct cg_dir *p = realloc(*dirs, (*n + 1) * sizeof(**dirs));

	if (!p)
		return -ENOMEM;
	*dirs = p;
	p[(*n)++] = d;
	return 0;
}

/* Adds base/rel of hierarchy h with the given role. */
static int add_dir(struct ctr_cgroups *cg, const struct ctr_cghier *h, int hier, char role, const char *rel)
{
	bool root = strcmp(h->base_path, "/") == 0;
	struct cg_dir d = {.role = role, .version = h->version, .hier = hier};
	int ret;

	d.id = strdup(h->id);
	if (asprintf(&d.path, "%s/%s", h->base_dir, rel) < 0)
		d.path = NULL;
	if (asprintf(&d.hpath, "%s/%s", root ? "" : h->base_path, rel) < 0)
		d.hpath = NULL;
	ret = d.id && d.path && d.hpath ? push_dir(&cg->dirs, &cg->ndirs, d) : -ENOMEM;
	if (ret < 0) {
		free(d.id);
		free(d.path);
		free(d.hpath);
	}
	return ret;
}

static bool planned(const struct ctr_cgroups *cg, const char *path)
{
	for (size_t i = 0; i < cg->ndirs; i++)
		if (strcmp(cg->dirs[i].path, path) == 0)
			return true;
	return false;
}

/* The components of rel under h's base: the ones that do not exist yet as
 * CG_DIR, the last one with `role`. Existing parents are not ours. */
static int plan_path(struct ctr_cgroups *cg, const struct ctr_cghier *h, int hier, const char *rel, char role)
{
	char buf[PATH_MAX], full[PATH_MAX];
	int ret;

	if (strlen(rel) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, rel);
	for (char *p = buf;; p++) {
		bool last = !*p;
		if (*p && *p != '/')
			continue;
		*p = '\0';
		ret = join(full, sizeof(full), h->base_dir, buf);
		if (ret < 0)
			return ret;
		/* Never record a directory that is not ours: the record's cleanup
		 * would remove it. */
		if (last && access(full, F_OK) == 0) {
			set_detail("the cgroup %s already exists", full);
			return -EEXIST;
		}
		if (last || (access(full, F_OK) < 0 && !planned(cg, full))) {
			ret = add_dir(cg, h, hier, last ? role : CG_DIR, buf);
			if (ret < 0)
				return ret;
		}
		if (last)
			return 0;
		*p = '/';
	}
}

/* A relative path of plain components: never above or outside a base. */
static bool safe_rel(const char *rel, bool one_component)
{
	if (!rel || !*rel || *rel == '/')
		return false;
	for (const char *p = rel; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (p[len] == '/' && one_component)
			return false;
		p += len + (p[len] == '/');
	}
	return true;
}

static int plan(struct ctr_monitor *m, struct ctr_cgroups *cg)
{
	const struct ctr_spec *s = m->spec;
	char inner[PATH_MAX];
	int ret;

	if (!safe_rel(s->cgroup_limit, false) || (s->cgroup_inner && !safe_rel(s->cgroup_inner, true)) ||
	    (s->cgroup_monitor && !safe_rel(s->cgroup_monitor, false)) || (s->cgroup_pivot && !safe_rel(s->cgroup_pivot, false))) {
		set_detail("invalid cgroup path in the spec");
		return -EINVAL;
	}

	cg->nhier = s->ncghiers;
	cg->limit_of = calloc(s->ncghiers, sizeof(int));
	cg->leaf_of = calloc(s->ncghiers, sizeof(int));
	if (!cg->limit_of || !cg->leaf_of)
		return -ENOMEM;
	for (size_t i = 0; i < s->ncghiers; i++) {
		const struct ctr_cghier *h = &s->cghiers[i];
		ret = plan_path(cg, h, (int)i, s->cgroup_limit, CG_LIMIT);
		if (ret < 0)
			return ret;
		cg->limit_of[i] = cg->leaf_of[i] = (int)cg->ndirs - 1;
		if (s->cgroup_inner) {
			if (snprintf(inner, sizeof(inner), "%s/%s", s->cgroup_limit, s->cgroup_inner) >= (int)sizeof(inner))
				return -ENAMETOOLONG;
			ret = add_dir(cg, h, (int)i, CG_INNER, inner);
			if (ret < 0)
				return ret;
			cg->leaf_of[i] = (int)cg->ndirs - 1;
		}
		if (s->cgroup_monitor) {
			ret = plan_path(cg, h, (int)i, s->cgroup_monitor, CG_MONITOR);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

/* ---- the run dir record ------------------------------------------------ */

static const char *role_name(char role)
{
	switch (role) {
	case CG_LIMIT:
		return "limit";
	case CG_INNER:
		return "inner";
	case CG_MONITOR:
		return "monitor";
	default:
		return "dir";
	}
}

/* One line per directory: role, version, id ("-" if none), hierarchy path,
 * directory; tab-separated (the planner refuses tabs and newlines). */
static int record_write(const char *rundir, const struct cg_dir *dirs, size_t n)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 64, len = 0;
	int ret;

	for (size_t i = 0; i < n; i++)
		size += strlen(dirs[i].id) + strlen(dirs[i].hpath) + strlen(dirs[i].path) + 24;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct cg_dir *d = &dirs[i];
		ret = snprintf(buf + len, size - len, "%s\t%d\t%s\t%s\t%s\n", role_name(d->role), d->version,
			       *d->id ? d->id : "-", d->hpath, d->path);
		if (ret < 0 || (size_t)ret >= size - len)
			return -ENAMETOOLONG;
		len += (size_t)ret;
	}
	return ctr_atomic_write(rundir, RECORD_NAME, buf, len, 0600, false);
}

/* A record names directories root will kill processes in and remove: only
 * ever a directory of a cgroup filesystem, named without "." or ".."
 * components (the run dir is trusted, native/util.c ctr_dir_trusted; this
 * is the second line of defence). A directory already gone is fine. */
static bool is_cgroup_path(const char *path)
{
	struct statfs sf;

	for (const char *p = path; (p = strstr(p, "/.")); p++)
		if (p[2] == '/' || p[2] == '\0' || (p[2] == '.' && (p[3] == '/' || p[3] == '\0')))
			return false;
	if (statfs(path, &sf) < 0)
		return errno == ENOENT;
	return sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC;
}

static int parse_record_line(char *line, struct cg_dir *d)
{
	char *f[5];

	for (int i = 0; i < 5; i++) {
		f[i] = strsep(&line, "\t");
		if (!f[i])
			return -EINVAL;
	}
	if (f[4][0] != '/' || f[3][0] != '/' || !is_cgroup_path(f[4]))
		return -EINVAL;
	*d = (struct cg_dir){.version = f[1][0] == '2' ? 2 : 1, .hier = -1, .created = true};
	d->role = strcmp(f[0], "limit") == 0 ? CG_LIMIT : strcmp(f[0], "inner") == 0 ? CG_INNER
						     : strcmp(f[0], "monitor") == 0 ? CG_MONITOR : CG_DIR;
	d->id = strdup(strcmp(f[2], "-") == 0 ? "" : f[2]);
	d->hpath = strdup(f[3]);
	d->path = strdup(f[4]);
	return d->id && d->hpath && d->path ? 0 : -ENOMEM;
}

static int record_read(const char *rundir, struct cg_dir **dirs, size_t *n)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	char path[PATH_MAX];
	size_t cap = 0;
	int ret;

	ret = join(path, sizeof(path), rundir, RECORD_NAME);
	if (ret < 0)
		return ret;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (getline(&line, &cap, f) > 0) {
		struct cg_dir d = {0};
		line[strcspn(line, "\n")] = '\0';
		ret = parse_record_line(line, &d);
		if (ret == 0)
			ret = push_dir(dirs, n, d);
		if (ret < 0) {
			free(d.id);
			free(d.hpath);
			free(d.path);
			if (ret == -ENOMEM)
				return ret;
			log_warn("Ignoring a malformed line in %s", path);
		}
	}
	return 1;
}

/* ---- killing ----------------------------------------------------------- */

/* Whether /proc/PID/cgroup puts pid at or below d in d's hierarchy. */
static bool pid_in_dir(pid_t pid, const struct cg_dir *d)
{
	_cleanup_fclose_ FILE *f = NULL;
	char path[64], line[PATH_MAX + 128];
	size_t hlen = strlen(d->hpath);

	(void)snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *ctrl = strchr(line, ':'), *cgpath;
		if (!ctrl)
			continue;
		cgpath = strchr(++ctrl, ':');
		if (!cgpath)
			continue;
		*cgpath++ = '\0';
		cgpath[strcspn(cgpath, "\n")] = '\0';
		if (d->version == 2 ? (strncmp(line, "0:", 2) != 0 || *ctrl) : strcmp(ctrl, d->id) != 0)
			continue;
		return strncmp(cgpath, d->hpath, hlen) == 0 && (cgpath[hlen] == '\0' || cgpath[hlen] == '/');
	}
	return false;
}

/* SIGKILL pid through a pidfd once it is known to be in d: the pidfd pins
 * the process, and a pidfd that is not readable yet (alive) proves the
 * /proc lookup in between saw that same process, not a recycled pid. */
static void kill_member(pid_t pid, const struct cg_dir *d)
{
	_cleanup_close_ int pidfd = ctr_pidfd_open(pid);
	struct pollfd pfd = {.events = POLLIN};

	if (pidfd < 0 || !pid_in_dir(pid, d))
		return;
	pfd.fd = pidfd;
	if (poll(&pfd, 1, 0) != 0)
		return;
	if (ctr_pidfd_send_signal(pidfd, SIGKILL) < 0 && errno != ESRCH)
		log_syserr("Failed to kill %d in %s", (int)pid, d->path);
}

/* Whether dir certainly has no subdirectory: cgroupfs (kernfs) keeps a
 * directory's link count at 2 + its subdirectories, so 2 means no child
 * cgroup, one stat instead of an open, two getdents and a close per
 * hierarchy at every stop. Any other count (1 on a filesystem that does not
 * count) means: list it. */
static bool no_subdirs(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_nlink == 2;
}

/* Counts (and with `kill`, kills) the processes in dir and below. */
static int walk_procs(const struct cg_dir *d, const char *dir, bool kill, int depth)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_closedir_ DIR *dp = NULL;
	char path[PATH_MAX];
	struct dirent *de;
	int count = 0;
	long pid;

	if (depth > MAX_DEPTH || join(path, sizeof(path), dir, "cgroup.procs") < 0)
		return 0;
	f = fopen(path, "re");
	while (f && fscanf(f, "%ld", &pid) == 1) {
		count++;
		if (kill)
			kill_member((pid_t)pid, d);
	}
	if (no_subdirs(dir))
		return count;
	dp = opendir(dir);
	while (dp && (de = readdir(dp))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (join(path, sizeof(path), dir, de->d_name) == 0)
			count += walk_procs(d, path, kill, depth + 1);
	}
	return count;
}

static bool v2_populated(const struct cg_dir *d)
{
	unsigned long long v = 1;
	char buf[256];

	if (cg_read(d->path, "cgroup.events", buf, sizeof(buf)) < 0)
		return false;
	return cg_keyed(buf, "populated", &v) < 0 || v != 0;
}

static void v1_freeze(const struct cg_dir *fz, bool freeze)
{
	char state[32];

	if (!fz || cg_write(fz->path, "freezer.state", freeze ? "FROZEN" : "THAWED") < 0 || !freeze)
		return;
	/* Frozen tasks cannot fork or exit, so the pids we read stay valid. */
	for (int i = 0; i < 100; i++) {
		if (cg_read(fz->path, "freezer.state", state, sizeof(state)) < 0 || strncmp(state, "FROZEN", 6) == 0)
			return;
		sleep_ms(1);
	}
}

/* One pass over every container cgroup: returns how many processes were
 * still there (and were sent SIGKILL). v2 first: cgroup.kill takes the
 * whole tree at once; v1 trees are frozen, killed by pid, thawed. */
static int kill_round(struct cg_dir *dirs, size_t n)
{
	const struct cg_dir *fz = NULL;
	int found = 0;

	for (size_t i = 0; i < n; i++) {
		struct cg_dir *d = &dirs[i];
		if (d->role != CG_LIMIT || d->version != 2 || !v2_populated(d))
			continue;
		found++;
		/* cgroup.kill: Linux 5.14 and later. */
		if (cg_write(d->path, "cgroup.kill", "1") < 0)
			(void)walk_procs(d, d->path, true, 0);
	}
	if (found)
		return found;
	for (size_t i = 0; i < n; i++)
		if (dirs[i].role == CG_LIMIT && dirs[i].version == 1) {
			found += walk_procs(&dirs[i], dirs[i].path, false, 0);
			if (cg_list_has(dirs[i].id, "freezer"))
				fz = &dirs[i];
		}
	if (!found)
		return 0;
	v1_freeze(fz, true);
	for (size_t i = 0; i < n; i++)
		if (dirs[i].role == CG_LIMIT && dirs[i].version == 1)
			(void)walk_procs(&dirs[i], dirs[i].path, true, 0);
	v1_freeze(fz, false);
	return found;
}

/* Kills until every container cgroup is empty or the timeout passed.
 * Returns 0 or -EBUSY. Reaps our own children on the way (the monitor is
 * the subreaper of what escaped the pid namespace). */
static int kill_dirs(struct cg_dir *dirs, size_t n, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int delay = 1;

	for (;;) {
		int found = kill_round(dirs, n);
		if (!found)
			return 0;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (now_ms() >= deadline) {
			log_error("%d processes are still in the container cgroup after %d ms", found, timeout_ms);
			return -EBUSY;
		}
		sleep_ms(delay);
		delay = delay < 32 ? delay * 2 : delay;
	}
}

/* ---- removal ----------------------------------------------------------- */

/* rmdir dir after its subdirectories (cgroups the container made). A
 * cgroup whose last task is still exiting reports EBUSY for a moment. */
static int rmdir_tree(const char *dir, int depth, long long deadline)
{
	_cleanup_closedir_ DIR *dp = NULL;
	char path[PATH_MAX];
	struct dirent *de;
	int ret = 0;

	if (depth > MAX_DEPTH)
		return -ELOOP;
	/* An empty cgroup without children (every one, after a clean stop) goes
	 * at once; one that is busy or has children (EBUSY) is walked first. */
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	dp = opendir(dir);
	if (!dp)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dp))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (join(path, sizeof(path), dir, de->d_name) == 0) {
			int r = rmdir_tree(path, depth + 1, deadline);
			ret = ret ? ret : r;
		}
	}
	for (int delay = 1;; delay = delay < 32 ? delay * 2 : delay) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return ret;
		if (errno != EBUSY || now_ms() >= deadline)
			return -errno;
		sleep_ms(delay);
	}
}

/* Removes what we created, last first. Intermediate directories may be
 * shared with other containers: busy ones are left alone. */
static int remove_dirs(struct cg_dir *dirs, size_t n)
{
	long long deadline = now_ms() + RMDIR_TIMEOUT_MS;
	int ret = 0;

	for (size_t i = n; i-- > 0;) {
		struct cg_dir *d = &dirs[i];
		int r;
		if (!d->created)
			continue;
		if (d->role == CG_DIR) {
			if (rmdir(d->path) < 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
				log_syserr("Failed to remove the cgroup %s", d->path);
			continue;
		}
		r = rmdir_tree(d->path, 0, deadline);
		if (r < 0) {
			errno = -r;
			log_syserr("Failed to remove the cgroup %s", d->path);
			ret = ret ? ret : r;
		} else {
			d->created = false;
		}
	}
	return ret;
}

static void record_remove(const char *rundir)
{
	char path[PATH_MAX];

	if (join(path, sizeof(path), rundir, RECORD_NAME) == 0 && unlink(path) < 0 && errno != ENOENT)
		log_syserr("Failed to remove %s", path);
}

int ctr_cgroup_cleanup_rundir(const char *rundir)
{
	struct cg_dir *dirs = NULL;
	size_t n = 0;
	int ret;

	ret = record_read(rundir, &dirs, &n);
	if (ret <= 0) {
		free_dirs(dirs, n);
		return ret;
	}
	log_info("Removing the %zu cgroups a previous monitor left behind", n);
	ret = kill_dirs(dirs, n, KILL_TIMEOUT_MS);
	if (ret == 0)
		ret = remove_dirs(dirs, n);
	for (size_t i = 0; ret < 0 && i < n; i++)
		if (dirs[i].created && access(dirs[i].path, F_OK) == 0)
			set_detail("%s", dirs[i].path);
	if (ret == 0)
		record_remove(rundir);
	free_dirs(dirs, n);
	return ret;
}

/* ---- creation ---------------------------------------------------------- */

/* The v1 cpuset controller starts a new cgroup with no cpus and no memory
 * nodes, where no task may run: copy the parent's (LXC's cpuset1_initialize). */
static int cpuset_init(const char *dir)
{
	char parent[PATH_MAX], buf[4096];
	char *slash;
	static const char *const files[][2] = {{"cpuset.cpus", "cpuset.effective_cpus"}, {"cpuset.mems", "cpuset.effective_mems"}};

	if (strlen(dir) >= sizeof(parent))
		return -ENAMETOOLONG;
	strcpy(parent, dir);
	slash = strrchr(parent, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		ssize_t n = cg_read(dir, files[i][0], buf, sizeof(buf));
		if (n > 0 && buf[0] != '\n')
			continue;
		/* Effective lists leave out offline cpus, which may not be written. */
		n = cg_read(parent, files[i][1], buf, sizeof(buf));
		if (n <= 0 || buf[0] == '\n')
			n = cg_read(parent, files[i][0], buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		buf[strcspn(buf, "\n")] = '\0';
		n = cg_write(dir, files[i][0], buf);
		if (n < 0) {
			set_detail("%s = %s in %s", files[i][0], buf, dir);
			return (int)n;
		}
	}
	return 0;
}

static int make_dir(struct cg_dir *d)
{
	if (mkdir(d->path, 0755) < 0) {
		if (errno == EEXIST && d->role == CG_DIR)
			return 0;
		set_detail(errno == EEXIST ? "the cgroup %s already exists" : "mkdir %s", d->path);
		return -errno;
	}
	d->created = true;
	if (d->version == 1 && cg_list_has(d->id, "cpuset"))
		return cpuset_init(d->path);
	return 0;
}

/* v2: a controller must be enabled in every parent's cgroup.subtree_control
 * for its files to appear below. One write per controller, so that one the
 * kernel refuses (EBUSY: the parent holds processes) does not stop the
 * others; a limit needing it then fails with a clear message. */
static void enable_controllers(const char *dir, const char *list)
{
	char current[512], word[64];

	if (!*list || cg_read(dir, "cgroup.subtree_control", current, sizeof(current)) < 0)
		return;
	for (const char *p = list; *p;) {
		const char *end = strchrnul(p, ',');
		size_t len = (size_t)(end - p);
		if (len > 0 && len < sizeof(word) - 1) {
			(void)snprintf(word, sizeof(word), "+%.*s", (int)len, p);
			current[strcspn(current, "\n")] = '\0';
			for (char *c = current; *c; c++)
				if (*c == ' ')
					*c = ',';
			if (!cg_list_has(current, word + 1) && cg_write(dir, "cgroup.subtree_control", word) < 0)
				log_warn("Failed to enable the %s controller in %s: %m", word + 1, dir);
		}
		p = *end ? end + 1 : end;
	}
}

/* From the base down to the container cgroup's parent (and into it when
 * init lives in an inner cgroup below). */
static void enable_path(struct ctr_monitor *m, const struct ctr_cghier *h)
{
	char dir[PATH_MAX];
	const char *rel = m->spec->cgroup_limit;

	if (h->version != 2 || !*h->enable || snprintf(dir, sizeof(dir), "%s", h->base_dir) >= (int)sizeof(dir))
		return;
	enable_controllers(dir, h->enable);
	for (const char *p = rel; *p;) {
		const char *end = strchrnul(p, '/');
		size_t len = strlen(dir);
		if (!*end && !m->spec->cgroup_inner)
			break;
		if (len + 1 + (size_t)(end - p) >= sizeof(dir))
			return;
		(void)snprintf(dir + len, sizeof(dir) - len, "/%.*s", (int)(end - p), p);
		enable_controllers(dir, h->enable);
		p = *end ? end + 1 : end;
	}
}

static int apply_limits(struct ctr_monitor *m)
{
	const struct ctr_spec *s = m->spec;
	struct ctr_cgroups *cg = m->cg;

	for (size_t i = 0; i < s->ncgsets; i++) {
		const struct ctr_cgset *set = &s->cgsets[i];
		const struct cg_dir *d = &cg->dirs[cg->limit_of[set->hier]];
		int ret;
		/* The planner validated the name; never leave the directory anyway. */
		if (!*set->file || set->file[0] == '.' || strchr(set->file, '/')) {
			set_detail("invalid cgroup file name \"%s\"", set->file);
			return -EINVAL;
		}
		ret = cg_write(d->path, set->file, set->value);
		if (ret < 0) {
			set_detail("%s = %s in %s", set->file, set->value, d->path);
			return ret;
		}
		log_debug("Set %s/%s to %s", d->path, set->file, set->value);
	}
	return 0;
}

/* lxc.cgroup2.devices.*: the BPF program goes on the container cgroup
 * (init's inner cgroup below it inherits it), before init exists. */
static int attach_devices(struct ctr_monitor *m)
{
	const struct ctr_spec *s = m->spec;
	const struct cg_dir *d;
	int ret;

	if (!s->cgdevices_len)
		return 0;
	d = &m->cg->dirs[m->cg->limit_of[s->cgdevices_hier]];
	ret = ctr_devices_attach(d->path, s->cgdevices_prog, s->cgdevices_len);
	if (ret < 0)
		set_detail("the device program (lxc.cgroup2.devices) on %s", d->path);
	return ret;
}

/* lxc.cgroup.dir.monitor: the monitor moves into its own cgroup. */
static int move_monitor(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;
	char pid[32];
	int ret;

	(void)snprintf(pid, sizeof(pid), "%d", (int)getpid());
	for (size_t i = 0; i < cg->ndirs; i++) {
		struct cg_dir *d = &cg->dirs[i];
		if (d->role != CG_MONITOR)
			continue;
		ret = cg_write(d->path, "cgroup.procs", pid);
		if (ret < 0) {
			set_detail("moving the monitor into %s", d->path);
			return ret;
		}
		cg->monitor_moved = true;
	}
	return 0;
}

/* Back to where the monitor came from (or lxc.cgroup.dir.monitor.pivot),
 * so that its own cgroup can be removed. */
static void unmove_monitor(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;
	char pid[32], dir[PATH_MAX];

	if (!cg->monitor_moved)
		return;
	(void)snprintf(pid, sizeof(pid), "%d", (int)getpid());
	for (size_t i = 0; i < cg->ndirs; i++) {
		const struct cg_dir *d = &cg->dirs[i];
		const struct ctr_cghier *h;
		if (d->role != CG_MONITOR || d->hier < 0)
			continue;
		h = &m->spec->cghiers[d->hier];
		if (m->spec->cgroup_pivot) {
			(void)snprintf(dir, sizeof(dir), "%s/%s", h->base_dir, m->spec->cgroup_pivot);
			(void)ctr_mkdir_p(dir, 0755);
		} else {
			(void)snprintf(dir, sizeof(dir), "%s", *h->self_dir ? h->self_dir : h->base_dir);
		}
		if (cg_write(dir, "cgroup.procs", pid) < 0)
			log_syserr("Failed to move the monitor to %s", dir);
	}
	cg->monitor_moved = false;
}

static int create_all(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;
	int ret;

	for (size_t i = 0; i < cg->ndirs; i++) {
		if (cg->dirs[i].role == CG_INNER)
			continue;
		ret = make_dir(&cg->dirs[i]);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < m->spec->ncghiers; i++)
		enable_path(m, &m->spec->cghiers[i]);
	ret = apply_limits(m);
	if (ret < 0)
		return ret;
	ret = attach_devices(m);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < cg->ndirs; i++) {
		if (cg->dirs[i].role != CG_INNER)
			continue;
		ret = make_dir(&cg->dirs[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int open_v2_leaf(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;

	for (size_t i = 0; i < cg->nhier; i++) {
		const struct cg_dir *d = &cg->dirs[cg->leaf_of[i]];
		if (d->version != 2)
			continue;
		m->cg_v2_dirfd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (m->cg_v2_dirfd < 0) {
			set_detail("open %s", d->path);
			return -errno;
		}
	}
	return 0;
}

int ctr_cgroup_setup(struct ctr_monitor *m)
{
	const struct ctr_spec *s = m->spec;
	struct ctr_cgroups *cg;
	int ret;

	m->cg_v2_dirfd = m->oom_fd = m->cg_events_fd = -EBADF;
	detail[0] = '\0';
	/* A monitor that died (SIGKILL, OOM) left its cgroups: ours now. */
	ret = ctr_cgroup_cleanup_rundir(s->rundir);
	if (ret < 0) {
		char busy[sizeof(detail)];
		(void)snprintf(busy, sizeof(busy), "%s", detail);
		set_detail("a previous run's cgroup %s could not be removed", busy);
		return ret;
	}
	if (!s->cgroup_limit || !s->ncghiers)
		return 0;
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return -ENOMEM;
	cg->fz = cg->oom = cg->fz_wd = cg->oom_wd = -1;
	m->cg = cg;
	ret = plan(m, cg);
	/* Recorded before anything exists, so that a crash at any later point
	 * leaves nothing the next start or stop cannot find. */
	if (ret == 0)
		ret = record_write(s->rundir, cg->dirs, cg->ndirs);
	if (ret < 0) {
		if (!detail[0])
			set_detail("the cgroup record in %s", s->rundir);
		return ret;
	}
	ret = create_all(m);
	if (ret == 0)
		ret = open_v2_leaf(m);
	if (ret == 0)
		ret = cg_events_setup(m);
	if (ret == 0)
		ret = move_monitor(m);
	if (ret == 0)
		log_info("The container cgroup is %s (%zu directories)", s->cgroup_limit, cg->ndirs);
	return ret;
}

int ctr_cgroup_open_self_attach(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;

	ctr_cgroup_close_self_attach(m);
	m->cg_v1_self_attach = false;
	if (!cg)
		return 0;
	for (size_t i = 0; i < cg->nhier; i++) {
		const struct cg_dir *d = &cg->dirs[cg->leaf_of[i]];
		char path[PATH_MAX];
		int fd;
		if (d->version != 1)
			continue;
		if (m->ncg_tasks_fds == CTR_MAX_SELF_ATTACH)
			return 0; /* more v1 hierarchies than fds: the monitor attaches */
		(void)snprintf(path, sizeof(path), "%s/tasks", d->path);
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			int err = -errno;
			set_detail("%s", path);
			ctr_cgroup_close_self_attach(m);
			return err;
		}
		m->cg_tasks_fds[m->ncg_tasks_fds++] = fd;
	}
	m->cg_v1_self_attach = true;
	return 0;
}

void ctr_cgroup_close_self_attach(struct ctr_monitor *m)
{
	for (int i = 0; i < m->ncg_tasks_fds; i++)
		ctr_closep(&m->cg_tasks_fds[i]);
	m->ncg_tasks_fds = 0;
}

int ctr_cgroup_attach(struct ctr_monitor *m, int pid)
{
	struct ctr_cgroups *cg = m->cg;
	char buf[32];
	int ret;

	if (!cg)
		return 0;
	(void)snprintf(buf, sizeof(buf), "%d", pid);
	for (size_t i = 0; i < cg->nhier; i++) {
		const struct cg_dir *d = &cg->dirs[cg->leaf_of[i]];
		/* Every write to cgroup.procs takes the kernel's threadgroup rwsem
		 * for writing, a whole RCU grace period (~10-30 ms here): skip v2
		 * when CLONE_INTO_CGROUP already placed init (clone3 falls back
		 * without it on EBUSY). v1 has no such way around. */
		if (d->version == 2 && pid_in_dir(pid, d))
			continue;
		/* v1: init moved itself through the tasks fds (see cgroup.h). */
		if (d->version == 1 && m->cg_v1_self_attach)
			continue;
		ret = cg_write(d->path, "cgroup.procs", buf);
		if (ret < 0) {
			set_detail("%s/cgroup.procs", d->path);
			return ret;
		}
	}
	return 0;
}

void ctr_cgroup_kill_all(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;

	if (!cg)
		return;
	(void)ctr_cgroup_check_oom(m);
	(void)kill_dirs(cg->dirs, cg->ndirs, KILL_TIMEOUT_MS);
}

void ctr_cgroup_remove(struct ctr_monitor *m)
{
	struct ctr_cgroups *cg = m->cg;

	if (!cg)
		return;
	cg_events_close(m);
	ctr_closep(&m->cg_v2_dirfd);
	unmove_monitor(m);
	/* A kill_all that timed out leaves busy cgroups: try once more. */
	if (remove_dirs(cg->dirs, cg->ndirs) == 0)
		record_remove(m->spec->rundir);
	else
		log_error("Some cgroups could not be removed; `ctr stop` or the next start retries");
	free_dirs(cg->dirs, cg->ndirs);
	free(cg->limit_of);
	free(cg->leaf_of);
	free(cg);
	m->cg = NULL;
}
