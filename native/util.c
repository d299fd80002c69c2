#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

int ctr_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctr_send_linev(int fd, char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);
	size_t len, off = 0;

	if (n < 0 || size == 0)
		return -EINVAL;
	len = (size_t)n < size ? (size_t)n : size - 1;
	while (off < len) {
		ssize_t w = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == ENOTSOCK)
			return ctr_write_all(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EPIPE;
		off += (size_t)w;
	}
	return 0;
}

int ctr_send_line(int fd, char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = ctr_send_linev(fd, buf, size, fmt, ap);
	va_end(ap);
	return ret;
}

ssize_t ctr_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* A sibling temp file nobody could have planted: an unpredictable name
 * created with O_EXCL|O_NOFOLLOW, so a FIFO, a symlink or a file another
 * user made in a shared directory (/tmp) is never opened (mkostemp's
 * guarantee, with the name kept next to the target). */
static int open_unique_tmp(int dfd, const char *name, mode_t mode, char *tmp, size_t size)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		unsigned long long r;
		int fd, n;
		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return -EIO;
		n = snprintf(tmp, size, ".%s.%016llx.tmp", name, r);
		if (n < 0 || (size_t)n >= size)
			return -ENAMETOOLONG;
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* Puts the file tmp under name, as renameat does, for a name that may exist.
 * renameat over an existing file makes ext4 (auto_da_alloc) start writeback
 * of the new file there and then, 0.2-0.3 ms per write on the critical path of
 * every start and stop when the runtime directory is on ext4; exchanging the
 * two names and unlinking the old file does not (docs/monitor-protocol.md
 * §6). Readers of name see the old file or the new one, never
 * neither. What renameat would refuse (a directory at name) is swapped back
 * and left to renameat, so the errors stay renameat's. */
static int replace_at(int dfd, const char *tmp, const char *name)
{
	if (renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST && renameat2(dfd, tmp, dfd, name, RENAME_EXCHANGE) == 0) {
		if (unlinkat(dfd, tmp, 0) == 0)
			return 0;
		/* Not a file we may replace: put it back. */
		if (renameat2(dfd, tmp, dfd, name, RENAME_EXCHANGE) < 0)
			return -errno;
	}
	return renameat(dfd, tmp, dfd, name) < 0 ? -errno : 0;
}

int ctr_atomic_write(const char *dir, const char *name, const char *data, size_t len, mode_t mode, bool durable)
{
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	char tmp[NAME_MAX + 1];
	int ret;

	dfd = open(dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = open_unique_tmp(dfd, name, mode, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	ret = ctr_write_all(fd, data, len);
	if (ret == 0 && fchmod(fd, mode) < 0)
		ret = -errno;
	if (ret == 0 && durable && fsync(fd) < 0)
		ret = -errno;
	if (ret == 0)
		ret = durable ? (renameat(dfd, tmp, dfd, name) < 0 ? -errno : 0) : replace_at(dfd, tmp, name);
	if (ret < 0) {
		(void)unlinkat(dfd, tmp, 0);
		return ret;
	}
	if (durable) {
		_cleanup_close_ int syncfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		if (syncfd >= 0)
			(void)fsync(syncfd);
	}
	return 0;
}

void ctr_fsync_path(const char *dir, const char *name)
{
	_cleanup_close_ int dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int fd = -EBADF;

	if (dfd < 0)
		return;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0)
		(void)fsync(fd);
	(void)fsync(dfd);
}

int ctr_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0) {
		struct stat st;
		if (errno != EEXIST)
			return -errno;
		/* Like mkdir -p: what exists must be a directory (or a link to one). */
		if (stat(buf, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	return 0;
}

unsigned long long ctr_proc_starttime(pid_t pid, char *state)
{
	_cleanup_close_ int fd = -EBADF;
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int field;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = ctr_read_all(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may contain spaces and parentheses: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	if (state)
		*state = *p;
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		start = strtoull(p, NULL, 10);
	return start;
}

int ctr_proc_comm(pid_t pid, char *comm, size_t size, char *state)
{
	_cleanup_close_ int fd = -EBADF;
	char path[64], buf[512], *open_paren, *close_paren;
	ssize_t n;
	size_t len;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = ctr_read_all(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? (int)n : -ESRCH;
	buf[n] = '\0';
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ')
		return -EINVAL;
	len = (size_t)(close_paren - open_paren - 1);
	if (len >= size)
		len = size - 1;
	memcpy(comm, open_paren + 1, len);
	comm[len] = '\0';
	if (state)
		*state = close_paren[2];
	return 0;
}

int ctr_parse_int(const char *s, int *out)
{
	char *end;
	long v;

	/* strtol would skip leading space and take a '+': the whole string is a
	 * decimal, with at most a leading '-'. */
	if (!s || (*s != '-' && (*s < '0' || *s > '9')))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < INT_MIN || v > INT_MAX)
		return errno == ERANGE || v < INT_MIN || v > INT_MAX ? -ERANGE : -EINVAL;
	*out = (int)v;
	return 0;
}

int ctr_parse_ull(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

long long ctr_monotonic_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long ctr_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ctr_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int ctr_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int ctr_pidfd_open_checked(pid_t pid, unsigned long long starttime)
{
	_cleanup_close_ int pidfd = -EBADF;
	char state = 0;

	pidfd = ctr_pidfd_open(pid);
	if (pidfd < 0)
		return -errno;
	/* The pidfd pins the process: if the start time matches now, the pidfd
	 * refers to the process that was recorded, not a recycled pid. */
	if (starttime && ctr_proc_starttime(pid, &state) != starttime)
		return -ESRCH;
	if (state == 'Z' || state == 'X')
		return -ESRCH;
	return move_fd(pidfd);
}

void ctr_json_escape(char *buf, size_t size, const char *s)
{
	size_t o = 0;

	if (size == 0)
		return;
	for (; *s && o + 7 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(buf + o, size - o, "\\u%04x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = '\0';
}

/* May we trust the directory entry `st`, found in a directory `dir`? The
 * entry must belong to us or root, and only they may rename or replace it:
 * the directory is theirs too and not writable by others, unless it is
 * sticky (/tmp), where only the entry's owner can. */
static bool entry_trusted(const struct stat *dir, const struct stat *st)
{
	uid_t me = geteuid();

	if ((st->st_uid != 0 && st->st_uid != me) || (dir->st_uid != 0 && dir->st_uid != me))
		return false;
	return (dir->st_mode & (S_IWGRP | S_IWOTH)) == 0 || (dir->st_mode & S_ISVTX);
}

/* Checks every component of an absolute path (as lstat sees it, symlinks
 * included as entries of their directory). *canonical (when not NULL) says
 * whether the path is already what realpath would return: no symlink, no
 * ".", "..", or empty component. */
static int components_trusted(const char *path, bool *canonical)
{
	char buf[PATH_MAX];
	struct stat parent, st;
	size_t len = strlen(path);
	const char *name = NULL;

	if (path[0] != '/' || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, len + 1);
	if (canonical)
		*canonical = len == 1 || path[len - 1] != '/';
	if (lstat("/", &parent) < 0)
		return -errno;
	name = buf + 1;
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (canonical && p > buf + 1 &&
		    (p == name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
			*canonical = false;
		if (p > buf + 1 && p[-1] != '/') {
			if (lstat(buf, &st) < 0)
				return -errno;
			if (!entry_trusted(&parent, &st))
				return -EPERM;
			if (canonical && !S_ISDIR(st.st_mode))
				*canonical = false;
			parent = st;
		}
		*p = saved;
		name = p + 1;
		if (saved == '\0')
			return 0;
	}
}

int ctr_dir_trusted(const char *path)
{
	char real[PATH_MAX];
	struct stat st;
	bool canonical = false;
	int ret;

	ret = components_trusted(path, &canonical);
	if (ret < 0)
		return ret;
	/* A path without symlinks or dot components is its own realpath: the
	 * second pass would lstat the same entries again (about 15 syscalls per
	 * run-dir check at every start). */
	if (canonical) {
		if (strlen(path) >= sizeof(real))
			return -ENAMETOOLONG;
		strcpy(real, path);
	} else {
		if (!realpath(path, real))
			return -errno;
		ret = components_trusted(real, NULL);
		if (ret < 0)
			return ret;
	}
	if (lstat(real, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return 0;
}

/* Appends s to a NULL-terminated string array (argv, envp) of *n entries. */
int ctr_strv_push(const char ***arr, size_t *n, const char *s)
{
	/* Keep a NULL terminator after the last element for execve. */
	const char **p = realloc(*arr, (*n + 2) * sizeof(**arr));
	if (!p)
		return -ENOMEM;
	p[*n] = s;
	p[*n + 1] = NULL;
	*arr = p;
	(*n)++;
	return 0;
}
