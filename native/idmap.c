#define _GNU_SOURCE
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

int ctr_idmap_write_text(int fd, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;

	/* The kernel wants the whole map in a single write: a retry of the
	 * rest would be refused (EPERM), so a short write is a failure. */
	n = write(fd, text, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

static int write_map(pid_t pid, const char *file, const char *text)
{
	char path[64];
	_cleanup_close_ int fd = -EBADF;

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return ctr_idmap_write_text(fd, text);
}

int ctr_idmap_write(struct ctr_monitor *m)
{
	int ret;

	if (!(m->spec->clone_flags & CLONE_NEWUSER))
		return 0;
	if (m->spec->gid_map) {
		ret = write_map(m->init_pid, "gid_map", m->spec->gid_map);
		if (ret < 0) {
			m->start_error = (struct ctr_child_error){CTR_STEP_IDMAP, -ret, 1};
			return ret;
		}
	}
	if (m->spec->uid_map) {
		ret = write_map(m->init_pid, "uid_map", m->spec->uid_map);
		if (ret < 0) {
			m->start_error = (struct ctr_child_error){CTR_STEP_IDMAP, -ret, 0};
			return ret;
		}
	}
	log_info("Wrote id maps for init %d", (int)m->init_pid);
	return 0;
}
