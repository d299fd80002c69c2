#define _GNU_SOURCE
#include "fsops.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"

static int proc_pidns_fd = -EBADF;
/* With a shared pid namespace, /proc/self does not resolve once the
 * container's /proc (of that namespace, where we have no pid yet) is
 * mounted: mount(2) paths then name our fds relative to our own fd
 * directory in the host's proc, opened before, as the working directory. */
static int self_dir = -EBADF, fd_dir = -EBADF;

void ctr_fsops_set_proc_pidns(int fd)
{
	proc_pidns_fd = fd;
}

int ctr_fsops_pin_self(void)
{
	self_dir = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (self_dir < 0)
		return -errno;
	fd_dir = openat(self_dir, "fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd_dir < 0 ? -errno : 0;
}

int ctr_fsops_self_dir(void)
{
	return self_dir;
}

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

static int mkdir_in(int rootfd, const char *path, unsigned int mode, unsigned long long resolve);

static const char *skip_slashes(const char *p)
{
	while (*p == '/')
		p++;
	return p;
}

/* resolve: extra RESOLVE_* flags; RESOLVE_NO_SYMLINKS for the automounts
 * (CTR_MNT_NO_SYMLINKS), which LXC never mounts through a symlink. */
static int open_in(int rootfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
	};
	const char *rel = skip_slashes(path);
	int fd;

	fd = sys_openat2(rootfd, *rel ? rel : ".", &how);
	return fd < 0 ? -errno : fd;
}

static unsigned long long resolve_of(unsigned int opts)
{
	return (opts & CTR_MNT_NO_SYMLINKS) ? RESOLVE_NO_SYMLINKS : 0;
}

int ctr_open_in_root(int rootfd, const char *path, int flags)
{
	return open_in(rootfd, path, flags, 0);
}

int ctr_mkdir_in_root(int rootfd, const char *path, unsigned int mode)
{
	return mkdir_in(rootfd, path, mode, 0);
}

static int mkdir_in(int rootfd, const char *path, unsigned int mode, unsigned long long resolve)
{
	char buf[PATH_MAX];
	const char *rel = skip_slashes(path);
	size_t len = strlen(rel);
	int ret;

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, rel, len + 1);
	while (len > 0 && buf[len - 1] == '/')
		buf[--len] = '\0';
	for (char *p = buf;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (*buf) {
			_cleanup_close_ int fd = open_in(rootfd, buf, O_PATH | O_DIRECTORY, resolve);
			if (fd == -ENOENT) {
				/* Create the last component under its parent, both resolved in the root. */
				char *slash = strrchr(buf, '/');
				_cleanup_close_ int parent = -EBADF;
				const char *leaf = buf;
				if (slash) {
					*slash = '\0';
					parent = open_in(rootfd, buf, O_PATH | O_DIRECTORY, resolve);
					*slash = '/';
					leaf = slash + 1;
				} else {
					parent = open_in(rootfd, ".", O_PATH | O_DIRECTORY, resolve);
				}
				if (parent < 0)
					return parent;
				ret = mkdirat(parent, leaf, mode);
				if (ret < 0 && errno != EEXIST)
					return -errno;
			} else if (fd < 0) {
				return fd;
			}
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	return 0;
}

/* Opens the parent directory of path inside the root (creating it first
 * when mkdir_mode is not 0) and points *leaf at path's last component.
 * Returns the O_PATH fd or -errno. */
static int open_parent_in_root(int rootfd, const char *path, unsigned int mkdir_mode, const char **leaf,
			       unsigned long long resolve)
{
	char parent[PATH_MAX];
	const char *rel = skip_slashes(path), *slash = strrchr(rel, '/');
	size_t n;
	int ret;

	if (!slash) {
		*leaf = rel;
		return open_in(rootfd, ".", O_PATH | O_DIRECTORY, resolve);
	}
	n = (size_t)(slash - rel);
	if (n >= sizeof(parent))
		return -ENAMETOOLONG;
	memcpy(parent, rel, n);
	parent[n] = '\0';
	if (mkdir_mode) {
		ret = mkdir_in(rootfd, parent, mkdir_mode, resolve);
		if (ret < 0)
			return ret;
	}
	*leaf = slash + 1;
	return open_in(rootfd, parent, O_PATH | O_DIRECTORY, resolve);
}

/* Creates an empty file at path inside the root (the parent is created too). */
static int create_file_in_root(int rootfd, const char *path, unsigned long long resolve)
{
	_cleanup_close_ int pfd = -EBADF, fd = -EBADF;
	const char *leaf;

	pfd = open_parent_in_root(rootfd, path, 0755, &leaf, resolve);
	if (pfd < 0)
		return pfd;
	/* O_NOFOLLOW|O_EXCL-free: an existing file is fine, a symlink is not followed. */
	fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
	if (fd < 0 && errno != EEXIST && errno != ENXIO && errno != EISDIR)
		return -errno;
	return 0;
}

/* "/proc/self/fd/N" without snprintf: this runs between clone and exec.
 * With a pinned fd directory (ctr_fsops_pin_self), "N" relative to it. */
static void fd_path(char *buf, size_t size, int fd)
{
	const char *prefix = "/proc/self/fd/";
	char digits[16];
	size_t n = 0, o;

	if (fd_dir >= 0) {
		prefix = "";
		if (fchdir(fd_dir) < 0) {
			buf[0] = '\0';
			return;
		}
	}
	o = strlen(prefix);

	do {
		digits[n++] = (char)('0' + fd % 10);
		fd /= 10;
	} while (fd > 0 && n < sizeof(digits));
	if (o + n + 1 > size) {
		buf[0] = '\0';
		return;
	}
	memcpy(buf, prefix, o);
	while (n > 0)
		buf[o++] = digits[--n];
	buf[o] = '\0';
}

/* A bind remount replaces the mount's flags: keep the ones it has (nosuid,
 * nodev, noexec, atime), which a user namespace may even have locked. */
unsigned long ctr_mount_flags_of(const char *path)
{
	struct statvfs sv;
	unsigned long flags = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		flags |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		flags |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		flags |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		flags |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		flags |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		flags |= MS_RELATIME;
	return flags;
}

/* The MS_* flags a new mount takes as MOUNT_ATTR_* (fsmount). */
static unsigned int mount_attrs(unsigned long flags)
{
	unsigned int attrs = 0;

	if (flags & MS_RDONLY)
		attrs |= MOUNT_ATTR_RDONLY;
	if (flags & MS_NOSUID)
		attrs |= MOUNT_ATTR_NOSUID;
	if (flags & MS_NODEV)
		attrs |= MOUNT_ATTR_NODEV;
	if (flags & MS_NOEXEC)
		attrs |= MOUNT_ATTR_NOEXEC;
	if (flags & MS_NOATIME)
		attrs |= MOUNT_ATTR_NOATIME;
	else if (flags & MS_STRICTATIME)
		attrs |= MOUNT_ATTR_STRICTATIME;
	if (flags & MS_NODIRATIME)
		attrs |= MOUNT_ATTR_NODIRATIME;
	return attrs;
}

/* Passes "a=b,c" mount data to fsconfig, one option at a time, without
 * allocating (this runs between clone and exec). */
static int fsconfig_data(int fs, const char *data)
{
	char buf[512], *opt, *next;

	if (!data || !*data)
		return 0;
	if (strlen(data) >= sizeof(buf))
		return -E2BIG;
	strcpy(buf, data);
	for (opt = buf; opt; opt = next) {
		char *eq;
		long ret;
		next = strchr(opt, ',');
		if (next)
			*next++ = '\0';
		if (!*opt)
			continue;
		eq = strchr(opt, '=');
		if (eq) {
			*eq = '\0';
			ret = syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, opt, eq + 1, 0);
		} else {
			ret = syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, opt, NULL, 0);
		}
		if (ret < 0)
			return -errno;
	}
	return 0;
}

/* A proc instance for the shared pid namespace (ctr_fsops_set_proc_pidns),
 * mounted on the O_PATH target. */
static int mount_proc_pidns(int tfd, const struct ctr_mount *m)
{
	_cleanup_close_ int fs = -EBADF, mnt = -EBADF;
	int ret;

	fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "pidns", NULL, proc_pidns_fd) < 0)
		return errno == EINVAL ? -EOPNOTSUPP : -errno;
	ret = fsconfig_data(fs, m->data);
	if (ret < 0)
		return ret;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, mount_attrs(m->flags));
	if (mnt < 0)
		return -errno;
	if (syscall(SYS_move_mount, mnt, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static int apply_mount(int rootfd, const struct ctr_mount *m)
{
	_cleanup_close_ int tfd = -EBADF, sfd = -EBADF;
	char tpath[64], spath[64];
	const char *source = m->source;
	unsigned long flags = m->flags;
	unsigned long long resolve = resolve_of(m->opts);
	int ret;

	if (m->opts & CTR_MNT_CREATE_DIR) {
		ret = mkdir_in(rootfd, m->target, 0755, resolve);
		if (ret < 0)
			return ret;
	}
	if (m->opts & CTR_MNT_CREATE_FILE) {
		ret = create_file_in_root(rootfd, m->target, resolve);
		if (ret < 0)
			return ret;
	}
	tfd = open_in(rootfd, m->target, O_PATH, resolve);
	if (tfd < 0)
		return tfd;
	fd_path(tpath, sizeof(tpath), tfd);
	if (source && (m->opts & CTR_MNT_SRC_IN_ROOT)) {
		sfd = open_in(rootfd, source, O_PATH, resolve);
		if (sfd < 0)
			return sfd;
		fd_path(spath, sizeof(spath), sfd);
		source = spath;
	}
	if (flags & MS_REMOUNT) {
		if (flags & MS_BIND)
			flags |= ctr_mount_flags_of(tpath);
		ret = mount(source, tpath, m->fstype, flags, m->data);
		return ret < 0 ? -errno : 0;
	}
	if (proc_pidns_fd >= 0 && m->fstype && strcmp(m->fstype, "proc") == 0)
		return mount_proc_pidns(tfd, m);
	if (flags & MS_BIND) {
		/* A bind ignores most flags; apply them with a remount of the new mount. */
		ret = mount(source, tpath, NULL, MS_BIND | (flags & MS_REC), NULL);
		if (ret < 0)
			return -errno;
		if (m->opts & CTR_MNT_RO_REMOUNT || (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC))) {
			unsigned long rflags = MS_REMOUNT | MS_BIND | (flags & ~(MS_REC | MS_BIND));
			if (m->opts & CTR_MNT_RO_REMOUNT)
				rflags |= MS_RDONLY;
			/* Reopen: the O_PATH fd still points at the covered directory. */
			_cleanup_close_ int nfd = open_in(rootfd, m->target, O_PATH, resolve);
			if (nfd < 0)
				return nfd;
			fd_path(tpath, sizeof(tpath), nfd);
			ret = mount(NULL, tpath, NULL, rflags | ctr_mount_flags_of(tpath), NULL);
			if (ret < 0)
				return -errno;
		}
		return 0;
	}
	ret = mount(source, tpath, m->fstype, flags, m->data);
	return ret < 0 ? -errno : 0;
}

int ctr_bind_fd_in_root(int rootfd, int srcfd, const char *path)
{
	_cleanup_close_ int pfd = -EBADF, tfd = -EBADF;
	char spath[64], tpath[64];
	const char *leaf;
	struct stat st;

	pfd = open_parent_in_root(rootfd, path, 0755, &leaf, resolve_of(0));
	if (pfd < 0)
		return pfd;
	/* Never opened: the target may be a device node of the rootfs (a real
	 * /dev/tty1 without autodev), which must not be touched, only covered. */
	if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT || (mknodat(pfd, leaf, S_IFREG | 0000, 0) < 0 && errno != EEXIST))
			return -errno;
	} else if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
		return S_ISLNK(st.st_mode) ? -ELOOP : -EISDIR;
	}
	tfd = openat(pfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (tfd < 0)
		return -errno;
	fd_path(spath, sizeof(spath), srcfd);
	fd_path(tpath, sizeof(tpath), tfd);
	return mount(spath, tpath, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
}

/* A user namespace's root cannot make device nodes (or only unusable ones
 * on a filesystem it mounted): it gets the host's node bound instead, as
 * LXC does. Such a node belongs to a uid it does not map, so it can neither
 * chown nor chmod it. A privileged container never gets a host node: it
 * could change the host's. */
static bool in_userns;

void ctr_fsops_set_userns(bool userns)
{
	in_userns = userns;
}

static int bind_host_node(int rootfd, const char *rel, unsigned int opts)
{
	struct ctr_mount bind = {.flags = MS_BIND, .opts = CTR_MNT_CREATE_FILE | (opts & CTR_MNT_NO_SYMLINKS)};
	char host[PATH_MAX];
	size_t n = strlen(rel);

	/* The host path is the same as the container path. */
	if (n + 2 > sizeof(host))
		return -ENAMETOOLONG;
	host[0] = '/';
	memcpy(host + 1, rel, n + 1);
	bind.source = host;
	bind.target = rel;
	return apply_mount(rootfd, &bind);
}

/* Whether a node we made can be opened: one in a user namespace's tmpfs
 * exists but refuses every open (the mount is nodev for it). */
static bool node_usable(int pfd, const char *leaf)
{
	_cleanup_close_ int fd = openat(pfd, leaf, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);

	return fd >= 0 || (errno != EACCES && errno != EPERM);
}

static int apply_mknod(int rootfd, const struct ctr_fsop *op)
{
	const char *rel = skip_slashes(op->m.target), *leaf;
	_cleanup_close_ int pfd = -EBADF;
	int ret;

	pfd = open_parent_in_root(rootfd, rel, 0, &leaf, resolve_of(op->m.opts));
	if (pfd < 0)
		return pfd;
	ret = mknodat(pfd, leaf, op->mode, (dev_t)op->dev);
	if (ret < 0 && errno != EEXIST && (!in_userns || (errno != EPERM && errno != EACCES)))
		return -errno;
	if (!in_userns || (ret == 0 && node_usable(pfd, leaf)) || (ret < 0 && errno == EEXIST))
		return 0;
	return bind_host_node(rootfd, rel, op->m.opts);
}

static int apply_symlink(int rootfd, const struct ctr_fsop *op)
{
	_cleanup_close_ int pfd = -EBADF;
	const char *leaf;

	pfd = open_parent_in_root(rootfd, op->m.target, 0, &leaf, resolve_of(op->m.opts));
	if (pfd < 0)
		return pfd;
	if (symlinkat(op->m.source, pfd, leaf) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int apply_umount(int rootfd, const struct ctr_fsop *op)
{
	_cleanup_close_ int fd = open_in(rootfd, op->m.target, O_PATH, resolve_of(op->m.opts));
	char path[64];

	if (fd < 0)
		return fd;
	fd_path(path, sizeof(path), fd);
	return umount2(path, MNT_DETACH) < 0 ? -errno : 0;
}

int ctr_fsop_apply(int rootfd, const struct ctr_fsop *op)
{
	int ret = ctr_fsop_apply_one(rootfd, op);

	if (ret == -ENOENT && (op->m.opts & CTR_MNT_SKIP_ENOENT))
		return 0;
	return ret;
}

int ctr_fsop_apply_one(int rootfd, const struct ctr_fsop *op)
{
	switch (op->kind) {
	case CTR_FSOP_UMOUNT:
		return apply_umount(rootfd, op);
	case CTR_FSOP_MOUNT:
		return apply_mount(rootfd, &op->m);
	case CTR_FSOP_MKNOD:
		return apply_mknod(rootfd, op);
	case CTR_FSOP_SYMLINK:
		return apply_symlink(rootfd, op);
	case CTR_FSOP_MKDIR:
		return mkdir_in(rootfd, op->m.target, op->mode, resolve_of(op->m.opts));
	}
	return -EINVAL;
}
