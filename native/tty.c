/* The console and ttys, child side: see tty.h. Paths are built by hand
 * (no snprintf between clone and exec). */
#define _GNU_SOURCE
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsops.h"
#include "monitor.h"
#include "util.h"

/* The console's slave, kept for init's stdio; whether it is on /dev/console. */
static int console_pty = -EBADF;
static bool console_bound;

/* dst = a + b + c (each may be ""), NUL-terminated; -ENAMETOOLONG if it does not fit. */
static int join3(char *dst, size_t size, const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);

	if (la + lb + lc + 1 > size)
		return -ENAMETOOLONG;
	memcpy(dst, a, la);
	memcpy(dst + la, b, lb);
	memcpy(dst + la + lb, c, lc + 1);
	return 0;
}

static void uint_str(char *buf, unsigned int v)
{
	char tmp[12];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0)
		*buf++ = tmp[--n];
	*buf = '\0';
}

/* A new pty pair from the devpts instance on dev/pts: its ptmx opened
 * inside the root, the slave through TIOCGPTPEER (no path lookup that the
 * rootfs could redirect). 0 or -errno. */
static int alloc_pty(int rootfd, int *ptx, int *pty)
{
	int unlock = 0;

	*ptx = ctr_open_in_root(rootfd, "dev/pts/ptmx", O_RDWR | O_NOCTTY);
	if (*ptx < 0)
		return *ptx;
	if (ioctl(*ptx, TIOCSPTLCK, &unlock) < 0)
		return -errno;
	*pty = ioctl(*ptx, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return *pty < 0 ? -errno : 0;
}

/* Hands a pair to the monitor (SCM_RIGHTS); the monitor checks that it
 * comes from this process (SCM_CREDENTIALS). */
static int send_pair(int chan, int index, int ptx, int pty)
{
	struct ctr_child_error e = {.step = CTR_MSG_TTY, .index = index};
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = &e, .iov_len = sizeof(e)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *c;
	int fds[2] = {ptx, pty};

	memset(control.buf, 0, sizeof(control.buf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	return sendmsg(chan, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Binds pty on dev/<dir>/<leaf> (dir set) and, for the console, on
 * dev/console too; a tty gets a dev/ttyN link into the directory instead. */
static int bind_terminal(int rootfd, int pty, const char *dir, const char *leaf, bool console)
{
	char path[256], link[256];
	_cleanup_close_ int devfd = -EBADF;
	int ret;

	if (!dir) {
		ret = join3(path, sizeof(path), "dev/", leaf, "");
		return ret < 0 ? ret : ctr_bind_fd_in_root(rootfd, pty, path);
	}
	ret = join3(link, sizeof(link), dir, "/", leaf);
	if (ret == 0)
		ret = join3(path, sizeof(path), "dev/", link, "");
	if (ret == 0)
		ret = ctr_bind_fd_in_root(rootfd, pty, path);
	if (ret < 0)
		return ret;
	if (console)
		return ctr_bind_fd_in_root(rootfd, pty, "dev/console");
	/* LXC's layout: /dev/ttyN -> <dir>/ttyN, replacing what was there. */
	devfd = ctr_open_in_root(rootfd, "dev", O_PATH | O_DIRECTORY);
	if (devfd < 0)
		return devfd;
	if (unlinkat(devfd, leaf, 0) < 0 && errno != ENOENT)
		return -errno;
	return symlinkat(link, devfd, leaf) < 0 ? -errno : 0;
}

/* The private devpts instance a console comes from when the container has
 * none of its own to spare (LXC takes the host's then): mounted on dev/pts
 * while the pty is made, detached again once it is bound. */
static int private_devpts(int rootfd, const char *data, bool mount_it)
{
	struct ctr_fsop op = {.kind = CTR_FSOP_UMOUNT, .m = {.target = "dev/pts"}};

	if (mount_it) {
		op.kind = CTR_FSOP_MOUNT;
		op.m = (struct ctr_mount){
			.source = "devpts", .target = "dev/pts", .fstype = "devpts",
			.data = data, .flags = MS_NOSUID | MS_NOEXEC, .opts = CTR_MNT_CREATE_DIR,
		};
	}
	return ctr_fsop_apply(rootfd, &op);
}

void ctr_tty_setup_console(const struct ctr_spec *spec, int rootfd, int chan, ctr_fail_fn fail)
{
	const struct ctr_ttyspec *t = &spec->tty;
	_cleanup_close_ int ptx = -EBADF, pty = -EBADF;
	int ret;

	if (!t->console)
		return;
	if (t->console_devpts) {
		ret = private_devpts(rootfd, t->console_devpts, true);
		if (ret < 0)
			fail(chan, CTR_STEP_CONSOLE, ret, 0);
	}
	ret = alloc_pty(rootfd, &ptx, &pty);
	/* LXC's mode for the console: rw for its owner, writable by the tty group. */
	if (ret == 0 && fchmod(pty, 0620) < 0)
		ret = -errno;
	if (ret == 0)
		ret = bind_terminal(rootfd, pty, t->tty_dir, "console", true);
	if (ret == 0 && t->console_devpts)
		ret = private_devpts(rootfd, NULL, false);
	if (ret == 0)
		ret = send_pair(chan, 0, ptx, pty);
	if (ret < 0)
		fail(chan, CTR_STEP_CONSOLE, ret, 0);
	console_pty = move_fd(pty);
	console_bound = true;
}

void ctr_tty_setup_ttys(const struct ctr_spec *spec, int rootfd, int chan, ctr_fail_fn fail)
{
	const struct ctr_ttyspec *t = &spec->tty;

	for (int i = 1; i <= t->tty_max; i++) {
		_cleanup_close_ int ptx = -EBADF, pty = -EBADF;
		char leaf[16] = "tty";
		int ret;

		uint_str(leaf + 3, (unsigned int)i);
		ret = alloc_pty(rootfd, &ptx, &pty);
		if (ret == 0 && t->bind_ttys)
			ret = bind_terminal(rootfd, pty, t->tty_dir, leaf, false);
		if (ret == 0)
			ret = send_pair(chan, i, ptx, pty);
		if (ret < 0)
			fail(chan, CTR_STEP_TTY, ret, i);
	}
}

int ctr_tty_console_stdio(void)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat a, b;
	int use = console_pty;

	if (console_pty < 0)
		return -EBADF;
	if (console_bound) {
		fd = open("/dev/console", O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
		/* Only our own bind: the same pty as the slave we hold. */
		if (fd >= 0 && fstat(fd, &a) == 0 && fstat(console_pty, &b) == 0 && a.st_rdev == b.st_rdev && a.st_ino == b.st_ino)
			use = fd;
	}
	for (int i = 0; i < 3; i++)
		if (dup2(use, i) < 0)
			return -errno;
	return 0;
}
