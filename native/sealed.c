/* Running ctr-monitor from a copy of itself that nobody can write.
 *
 * Every process ctr-monitor forks (the container's init before its exec,
 * attached processes) has /proc/PID/exe pointing at the binary it runs. A
 * process in a container that can see one of them (a shared pid namespace)
 * could open that link and, once the host's monitors have exited, rewrite
 * the host binary through it (CVE-2019-5736). So `ctr-monitor start` first
 * re-executes itself from a file that cannot be opened for writing:
 *
 * 1. A read-only overlayfs mount that is never attached to any directory
 *    (fsopen/fsmount), whose top layer is the binary's own directory, as
 *    runc does. It costs no copy: the pages are the binary's page cache.
 *    Opening the file for writing fails with EROFS, whatever the caller's
 *    privileges, and nothing else of that mount can be reached.
 * 2. Where overlayfs cannot be used: a sealed memfd copy (F_SEAL_WRITE and
 *    friends: writing fails with EPERM).
 *
 * docs/architecture.md §11.1 describes the guarantee. */
#define _GNU_SOURCE
#include "sealed.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* Set in the re-executed process's environment, and removed at once. */
#define SEALED_ENV "CTR_MONITOR_SEALED"

extern char **environ;

/* overlayfs refuses layers where one contains the other; the second
 * (empty-looking) layer only has to exist and be unrelated to the binary's
 * directory: the binary's layer is on top, so nothing below can mask it. */
static const char *second_layer(const char *bindir)
{
	static const char *const candidates[] = {"/dev", "/run", "/tmp"};
	size_t blen = strlen(bindir);

	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		const char *c = candidates[i];
		size_t clen = strlen(c);
		size_t n = clen < blen ? clen : blen;
		/* Overlapping means one is a path prefix of the other. */
		if (strncmp(c, bindir, n) == 0 && (bindir[n] == '/' || bindir[n] == '\0' || c[n] == '/' || c[n] == '\0'))
			continue;
		return c;
	}
	return NULL;
}

static int fsconfig_str(int fs, const char *key, const char *value)
{
	return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0);
}

/* An O_PATH fd of the binary seen through a detached read-only overlayfs. */
static int open_overlay_copy(const char *exe)
{
	_cleanup_close_ int fs = -EBADF, mnt = -EBADF;
	char dir[PATH_MAX], lower[PATH_MAX * 2 + 2];
	const char *slash = strrchr(exe, '/'), *second;
	int fd;

	if (!slash || slash == exe || (size_t)(slash - exe) >= sizeof(dir))
		return -EINVAL;
	memcpy(dir, exe, (size_t)(slash - exe));
	dir[slash - exe] = '\0';
	/* ':' and '\' separate and escape lowerdir entries. */
	if (strpbrk(dir, ":\\,"))
		return -EINVAL;
	second = second_layer(dir);
	if (!second)
		return -EINVAL;
	(void)snprintf(lower, sizeof(lower), "%s:%s", dir, second);
	fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (fsconfig_str(fs, "lowerdir", lower) < 0)
		return -errno;
	/* xino is irrelevant here and only adds kernel log noise when the
	 * layers are on different filesystems. */
	(void)fsconfig_str(fs, "xino", "off");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt < 0)
		return -errno;
	fd = openat(mnt, slash + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* A memfd holding a copy of the binary, sealed against every change. */
static int open_memfd_copy(const char *exe)
{
	_cleanup_close_ int src = -EBADF, fd = -EBADF;
	struct stat st;
	off_t off = 0;

	src = open(exe, O_RDONLY | O_CLOEXEC);
	if (src < 0 || fstat(src, &st) < 0)
		return -errno;
	fd = (int)syscall(SYS_memfd_create, "ctr-monitor", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(SYS_memfd_create, "ctr-monitor", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	while (off < st.st_size) {
		ssize_t n = sendfile(fd, src, &off, (size_t)(st.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return -errno;
	return move_fd(fd);
}

int ctr_reexec_sealed(char **argv)
{
	_cleanup_close_ int fd = -EBADF;
	char exe[PATH_MAX];
	const char *sealed = getenv(SEALED_ENV);
	ssize_t n;
	int ret;

	if (sealed && strcmp(sealed, "1") == 0) {
		(void)unsetenv(SEALED_ENV);
		/* execveat(fd, "") names the process after the fd number. */
		(void)prctl(PR_SET_NAME, "ctr-monitor", 0, 0, 0);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	ret = open_overlay_copy(exe);
	if (ret < 0)
		ret = open_memfd_copy("/proc/self/exe");
	if (ret < 0)
		return ret;
	fd = ret;
	if (setenv(SEALED_ENV, "1", 1) < 0)
		return -errno;
	(void)syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	ret = -errno;
	(void)unsetenv(SEALED_ENV);
	return ret;
}
