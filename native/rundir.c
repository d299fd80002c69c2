#define _GNU_SOURCE
#include "rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

static const char *const owned_files[] = {"state.json", "monitor.pid", "command.sock", ".command.sock.tmp", "failpoint"};

/* The run dir's parent (the base), if it exists: trusted (util.h). */
static int base_trusted(const char *rundir)
{
	char base[PATH_MAX], *slash;

	if (strlen(rundir) >= sizeof(base))
		return -ENAMETOOLONG;
	strcpy(base, rundir);
	slash = strrchr(base, '/');
	if (!slash || slash == base)
		return 0;
	*slash = '\0';
	if (access(base, F_OK) < 0)
		return errno == ENOENT ? 0 : -errno;
	return ctr_dir_trusted(base);
}

int ctr_rundir_lock(struct ctr_monitor *m)
{
	char path[PATH_MAX];
	int n, ret;

	n = snprintf(path, sizeof(path), "%s/lock", m->spec->rundir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	/* A finishing monitor removes the run dir: retry when our lock file
	 * turns out to be one it already unlinked. */
	for (int attempt = 0; attempt < 50; attempt++) {
		_cleanup_close_ int fd = -EBADF;
		struct stat a, b;

		/* Nothing is created under a base someone else controls. */
		ret = base_trusted(m->spec->rundir);
		if (ret < 0)
			return ret;
		ret = ctr_mkdir_p(m->spec->rundir, 0700);
		if (ret < 0)
			return ret;
		/* Root acts on what the run dir says (pids to signal, cgroups
		 * to kill): refuse one another user could have planted. */
		ret = ctr_dir_trusted(m->spec->rundir);
		if (ret < 0)
			return ret;
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0)
			return errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (fstat(fd, &a) < 0)
			return -errno;
		if (stat(path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			continue;
		m->lockfd = move_fd(fd);
		return 0;
	}
	return -EAGAIN;
}

int ctr_rundir_write_pids(struct ctr_monitor *m, int *which)
{
	char pid[32], dir[PATH_MAX], *slash;
	int n, ret;

	*which = CTR_PIDFILE_RUNDIR;
	n = snprintf(pid, sizeof(pid), "%d", (int)m->self_pid);
	ret = ctr_atomic_write(m->spec->rundir, "monitor.pid", pid, (size_t)n, 0600, false);
	if (ret < 0 || !m->spec->pidfile)
		return ret;
	*which = CTR_PIDFILE_USER;
	if (strlen(m->spec->pidfile) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, m->spec->pidfile);
	slash = strrchr(dir, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	/* A user's pidfile is read by service managers after we report: make
	 * it durable, and never a half-written number. */
	return ctr_atomic_write(*dir ? dir : "/", slash + 1, pid, (size_t)n, 0600, true);
}

void ctr_rundir_remove(struct ctr_monitor *m)
{
	char path[PATH_MAX];

	if (m->spec->pidfile)
		(void)unlink(m->spec->pidfile);
	for (size_t i = 0; i < ARRAY_SIZE(owned_files); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", m->spec->rundir, owned_files[i]);
		(void)unlink(path);
	}
	/* The staging directory of an overlay rootfs (mounted only in the
	 * container's mount namespace, so empty here). */
	(void)snprintf(path, sizeof(path), "%s/rootfs", m->spec->rundir);
	(void)rmdir(path);
	if (m->lockfd >= 0) {
		(void)snprintf(path, sizeof(path), "%s/lock", m->spec->rundir);
		(void)unlink(path);
		/* Fails harmlessly if a new monitor already put its lock file here. */
		(void)rmdir(m->spec->rundir);
		ctr_closep(&m->lockfd);
	}
}
