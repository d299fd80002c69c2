/* The two processes that enter a container for `ctr attach`
 * (docs/architecture.md §13).
 *
 * The helper is forked by the monitor (which runs a sealed copy of its
 * binary: docs/architecture.md §11.1) into init's cgroup. It keeps only the
 * fds it needs, joins init's namespaces through init's pidfd, allocates the
 * terminal inside the container, takes the stdio the process will have,
 * and drops to what init has: the bounding set init has now, no_new_privs
 * and the seccomp filter, the ids. Until then it is in no pid namespace of
 * the container (setns(pid) only affects children) and not dumpable, so
 * nothing in the container can see or trace it. Only then does it fork the
 * attached process into the container's pid namespace, as the monitor's
 * child (CLONE_PARENT), hand its pid to the monitor and exit; the process
 * waits for that handover, then execs. From its fork on, the attached
 * process holds nothing of the host's: no fd but its stdio and the
 * O_CLOEXEC channel, the container's root and working directory, and no
 * privilege init lacks.
 *
 * spawn.c's rules hold: no allocation and no stdio after the fork; every
 * failure goes back as {step, errno, index} on the channel. */
#define _GNU_SOURCE
#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "exec.h"
#include "fsops.h"
#include "isolation.h"
#include "monitor.h"

static __attribute__((noreturn)) void fail(int chan, int step, int err, int index)
{
	struct ctr_child_error e = {.step = step, .err = err < 0 ? -err : err, .index = index};

	(void)!write(chan, &e, sizeof(e));
	_exit(127);
}

/* Closes every fd from 3 up but the n in keep (at most 48). */
static void close_all_except(const int *keep, int n)
{
	int sorted[48], count = 0;
	unsigned int from = 3;

	for (int i = 0; i < n && count < (int)ARRAY_SIZE(sorted); i++) {
		int fd = keep[i], j;
		if (fd < 3)
			continue;
		for (j = count; j > 0 && sorted[j - 1] > fd; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = fd;
		count++;
	}
	for (int i = 0; i < count; i++) {
		if ((unsigned int)sorted[i] > from)
			(void)syscall(SYS_close_range, from, (unsigned int)sorted[i] - 1, 0);
		from = (unsigned int)sorted[i] + 1;
	}
	(void)syscall(SYS_close_range, from, ~0U, 0);
}

/* The monitor's own stdio (a foreground ctr's terminal) must not come
 * along: /dev/null until the process's own stdio is in place, then every
 * fd the helper does not need closed. */
static void keep_only_what_is_needed(struct ctr_attach_plan *p)
{
	int keep[48], n = 0;

	for (int fd = 0; fd < 3; fd++)
		if (dup2(p->devnull, fd) < 0)
			fail(p->chan, CTR_STEP_STDIO, errno, fd);
	keep[n++] = p->devnull;
	keep[n++] = p->chan;
	keep[n++] = p->init_pidfd;
	keep[n++] = p->pidns_fd;
	for (int i = 0; i < 3; i++)
		if (p->stdio_mask & (1u << i))
			keep[n++] = p->stdio_fds[i];
	for (int i = 0; i < p->ntasks; i++)
		keep[n++] = p->tasks_fds[i];
	close_all_except(keep, n);
}

/* Into init's v1 cgroups, moving ourselves (cgroup.h: the fast way); v2
 * placed us at clone time. The monitor's go-ahead comes first: it may have
 * had to move us into v2 itself. */
static void enter_cgroups(struct ctr_attach_plan *p)
{
	char go;

	if (RETRY_EINTR(read(p->chan, &go, 1)) != 1)
		_exit(127);
	for (int i = 0; i < p->ntasks; i++) {
		if (write(p->tasks_fds[i], "0", 1) != 1)
			fail(p->chan, CTR_STEP_CGROUP, errno, i);
		ctr_closep(&p->tasks_fds[i]);
	}
}

/* lxc.proc.* (oom_score_adj, ...) on ourselves, inherited by the process,
 * before the host's /proc goes away with the mount namespace; and the
 * container's rlimits (LXC applies both to attached processes too). */
static void apply_proc_and_limits(struct ctr_attach_plan *p)
{
	struct ctr_spec only = p->confine;

	only.nsysctls = 0; /* the container's sysctls were set at start, in its namespaces */
	ctr_isolation_pre_exec(&only, p->chan, fail);
}

static void join_namespaces(struct ctr_attach_plan *p)
{
	if (p->ns_flags && setns(p->init_pidfd, p->ns_flags) < 0)
		fail(p->chan, CTR_STEP_SETNS, errno, -1);
	ctr_closep(&p->init_pidfd);
	/* In a user namespace of the container, we are nobody until we are its root. */
	if ((p->ns_flags & CLONE_NEWUSER) && p->userns_root &&
	    (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		fail(p->chan, CTR_STEP_USERNS_IDS, errno, -1);
}

/* -R (lxc-attach's): a private mount namespace with a /proc of the pid
 * namespace the process will be in and a /sys of its network namespace.
 * proc normally shows the mounter's own pid namespace; ours is still the
 * host's, hence proc's pidns= option (fsops.c). */
static void remount_proc_sys(struct ctr_attach_plan *p)
{
	const struct ctr_fsop proc = {
		.kind = CTR_FSOP_MOUNT, .m = {.source = "proc", .target = "/proc", .fstype = "proc"}};
	_cleanup_close_ int root = -EBADF;
	int ret;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		fail(p->chan, CTR_ATTACH_STEP_REMOUNT, errno, 0);
	if (umount2("/proc", MNT_DETACH) < 0 && errno != EINVAL)
		fail(p->chan, CTR_ATTACH_STEP_REMOUNT, errno, 1);
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		fail(p->chan, CTR_ATTACH_STEP_REMOUNT, errno, 1);
	ctr_fsops_set_proc_pidns(p->pidns_fd);
	ret = ctr_fsop_apply_one(root, &proc);
	if (ret < 0)
		fail(p->chan, CTR_ATTACH_STEP_REMOUNT, ret, 1);
	ctr_closep(&p->pidns_fd);
	/* /sys only if it was a mount point (LXC's rule). */
	ret = umount2("/sys", MNT_DETACH);
	if (ret < 0 && errno != EINVAL)
		fail(p->chan, CTR_ATTACH_STEP_REMOUNT, errno, 2);
	if (ret == 0 && mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
		fail(p->chan, CTR_ATTACH_STEP_REMOUNT, errno, 2);
}

/* The caller's working directory when it exists in the container, else its
 * root (LXC); a failure is not an error. */
static void enter_cwd(struct ctr_attach_plan *p)
{
	if (p->cwd && chdir(p->cwd) == 0)
		return;
	if (chdir("/") < 0)
		fail(p->chan, CTR_STEP_CWD, errno, -1);
}

/* A pty from the container's own /dev/ptmx (its devpts instance), the slave
 * taken through the master (TIOCGPTPEER: no path in the container can
 * redirect it). O_NONBLOCK: a FIFO planted there never blocks us. */
static int open_pty(struct ctr_attach_plan *p, int *slave)
{
	_cleanup_close_ int master = -EBADF;
	struct winsize ws = {.ws_row = p->rows, .ws_col = p->cols};
	struct stat st;
	int unlock = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (master < 0)
		return -errno;
	if (fstat(master, &st) < 0)
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return -errno;
	*slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0)
		return -errno;
	if (ws.ws_row && ws.ws_col)
		(void)ioctl(master, TIOCSWINSZ, &ws);
	return move_fd(master);
}

/* Sends the master to the monitor, which passes it to the client. */
static void send_master(int chan, int master)
{
	struct ctr_child_error e = {.step = CTR_ATTACH_MSG_PTY};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = &e, .iov_len = sizeof(e)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (RETRY_EINTR(sendmsg(chan, &msg, MSG_NOSIGNAL)) < 0)
		fail(chan, CTR_ATTACH_STEP_PTY, errno, -1);
}

/* Before joining the mount namespace: a pty of the host's devpts, for a
 * container without one of its own (lxc.pty.max = 0: no devpts instance),
 * as lxc-attach falls back to openpty() on the host. Only its slave reaches
 * the process, as its stdio. */
static void open_host_pty(struct ctr_attach_plan *p)
{
	p->host_master = p->host_slave = -EBADF;
	if (p->stdio_mask == 7)
		return;
	p->host_master = open_pty(p, &p->host_slave);
	if (p->host_master < 0)
		p->host_master = p->host_slave = -EBADF;
}

/* The process's fds 0-2: what the client passed, or the pty's slave where
 * the client has a terminal (lxc-attach: only the fds that are terminals). */
static void install_stdio(struct ctr_attach_plan *p)
{
	_cleanup_close_ int master = -EBADF, slave = -EBADF;

	if (p->stdio_mask != 7) {
		bool host = false;
		master = open_pty(p, &slave);
		if (master < 0 && p->host_master >= 0) {
			host = true;
			master = move_fd(p->host_master);
			slave = move_fd(p->host_slave);
		}
		if (master < 0)
			fail(p->chan, CTR_ATTACH_STEP_PTY, master, -1);
		/* Owned by the user it is for, as a login's terminal (best effort
		 * on the host's devpts). */
		if ((fchown(slave, p->uid, (gid_t)-1) < 0 || fchmod(slave, 0620) < 0) && !host)
			fail(p->chan, CTR_ATTACH_STEP_PTY, errno, 1);
		ctr_closep(&p->host_master);
		ctr_closep(&p->host_slave);
		send_master(p->chan, master);
	}
	for (int fd = 0; fd < 3; fd++) {
		int src = (p->stdio_mask & (1u << fd)) ? p->stdio_fds[fd] : slave;
		if (dup2(src, fd) < 0)
			fail(p->chan, CTR_STEP_STDIO, errno, fd);
	}
	for (int fd = 0; fd < 3; fd++)
		if (p->stdio_mask & (1u << fd))
			ctr_closep(&p->stdio_fds[fd]);
	ctr_closep(&p->devnull);
}

static void switch_ids(struct ctr_attach_plan *p)
{
	if (p->uid == (uid_t)-1)
		fail(p->chan, CTR_STEP_SETUID, EINVAL, -1);
	if (p->gid == (gid_t)-1)
		fail(p->chan, CTR_STEP_SETGID, EINVAL, -1);
	/* A user namespace with setgroups denied has no groups to drop. */
	if (setgroups(0, NULL) < 0 && !((p->ns_flags & CLONE_NEWUSER) && errno == EPERM))
		fail(p->chan, CTR_STEP_SETGROUPS, errno, -1);
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		fail(p->chan, CTR_STEP_SETGID, errno, -1);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		fail(p->chan, CTR_STEP_SETUID, errno, -1);
}

/* Confined like init (LXC's order: capabilities, no_new_privs and seccomp
 * while still root, then the ids), unless -e elevates that part. */
static void drop_privileges(struct ctr_attach_plan *p)
{
	if (p->personality >= 0 && personality((unsigned long)p->personality) < 0)
		fail(p->chan, CTR_STEP_PERSONALITY, errno, -1);
	if (!(p->elevate & CTR_ATTACH_ELEVATE_CAP)) {
		ctr_isolation_caps(&p->confine, p->chan, fail);
		ctr_isolation_caps_current(&p->confine, p->chan, fail);
	}
	ctr_isolation_final(&p->confine, p->chan, fail);
	switch_ids(p);
}

/* One /etc/passwd line (name:password:uid:gid:gecos:home:shell): true, with
 * its shell copied into shell, when it is uid's and names one. */
static bool passwd_shell(const char *line, uid_t uid, char *shell, size_t size)
{
	const char *field[7];
	unsigned long long id = 0;
	size_t len;
	int n = 1;

	field[0] = line;
	for (const char *c = line; *c; c++) {
		if (*c != ':')
			continue;
		if (n == 7)
			return false;
		field[n++] = c + 1;
	}
	if (n != 7 || field[2][0] == ':')
		return false;
	for (const char *c = field[2]; *c != ':'; c++) {
		if (*c < '0' || *c > '9' || id > 0xffffffffULL / 10)
			return false;
		id = id * 10 + (unsigned long long)(*c - '0');
	}
	len = strlen(field[6]);
	if (id != uid || len == 0 || len >= size)
		return false;
	memcpy(shell, field[6], len + 1);
	return true;
}

/* The login shell of uid in the container's /etc/passwd (the files a
 * login reads; no NSS modules are loaded), else "/bin/sh", into shell. */
static void login_shell(uid_t uid, char *shell, size_t size)
{
	_cleanup_close_ int fd = -EBADF;
	char buf[4096], line[1024];
	size_t len = 0, total = 0;
	bool skip = false;
	struct stat st;
	ssize_t n;

	memcpy(shell, "/bin/sh", sizeof("/bin/sh"));
	fd = open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	while (total < (1u << 20) && (n = RETRY_EINTR(read(fd, buf, sizeof(buf)))) > 0) {
		total += (size_t)n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (len + 1 < sizeof(line))
					line[len++] = buf[i];
				else
					skip = true;
				continue;
			}
			line[len] = '\0';
			if (!skip && passwd_shell(line, uid, shell, size))
				return;
			len = 0;
			skip = false;
		}
	}
}

/* Tests only: report reaching the exec and wait until killed, as the
 * setup child does at a failpoint (docs/monitor-protocol.md §5.4). */
static void failpoint(struct ctr_attach_plan *p)
{
	struct ctr_child_error e = {.step = CTR_MSG_FAILPOINT, .index = CTR_STEP_EXEC};
	struct pollfd pfd = {.fd = p->chan, .events = 0};

	if (!p->failpoint_exec)
		return;
	(void)!write(p->chan, &e, sizeof(e));
	for (;;)
		if (RETRY_EINTR(poll(&pfd, 1, -1)) > 0 && (pfd.revents & (POLLHUP | POLLERR)))
			_exit(127);
}

/* lxc-attach's exit statuses for a command that cannot run. */
static int exec_status(int err)
{
	if (err == EACCES || err == ENOEXEC)
		return 126;
	return err == ENOENT ? 127 : 255;
}

/* The attached process: waits until the helper has handed its pid to the
 * monitor, then execs. A session of its own; with a pty, that is its
 * controlling terminal. */
static __attribute__((noreturn)) void process_main(struct ctr_attach_plan *p, int go, char *const *argv)
{
	struct ctr_child_error e = {.step = CTR_STEP_EXEC, .index = -1};
	sigset_t none;
	char byte;
	int ret;

	if (RETRY_EINTR(read(go, &byte, 1)) != 1)
		_exit(127);
	ctr_closep(&go);
	(void)setsid();
	for (int fd = 0; fd < 3; fd++) {
		if (!(p->stdio_mask & (1u << fd))) {
			(void)ioctl(fd, TIOCSCTTY, 0);
			break;
		}
	}
	/* Credential changes cleared it: the process dies with the monitor,
	 * as init does. */
	if (p->pdeath_signal)
		(void)prctl(PR_SET_PDEATHSIG, p->pdeath_signal, 0, 0, 0);
	failpoint(p);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	ret = ctr_execvpe(argv[0], argv, p->envp, p->path);
	/* A login shell that cannot run falls back to /bin/sh (lxc-attach). */
	if (!p->argv && strcmp(argv[0], "/bin/sh") != 0) {
		char *const sh[] = {(char *)"/bin/sh", NULL};
		ret = ctr_execvpe(sh[0], sh, p->envp, p->path);
	}
	e.err = -ret;
	(void)!write(p->chan, &e, sizeof(e));
	_exit(exec_status(-ret));
}

/* Forks the attached process into the container's pid namespace as the
 * monitor's child, hands its pid over, then lets it exec. */
static __attribute__((noreturn)) void fork_process(struct ctr_attach_plan *p, char *const *argv)
{
	struct clone_args args = {.flags = CLONE_PARENT};
	struct ctr_child_error e = {.step = CTR_MSG_HANDOVER};
	int go[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		fail(p->chan, CTR_ATTACH_STEP_GO, errno, -1);
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	/* A seccomp policy may refuse clone3 (some return ENOSYS for it). */
	if (pid < 0)
		pid = (pid_t)syscall(SYS_clone, CLONE_PARENT, 0, NULL, NULL, 0);
	if (pid < 0)
		fail(p->chan, CTR_STEP_CLONE, errno, -1);
	if (pid == 0) {
		(void)close(go[1]);
		process_main(p, go[0], argv);
	}
	(void)close(go[0]);
	e.index = (int)pid;
	if (RETRY_EINTR(write(p->chan, &e, sizeof(e))) != (ssize_t)sizeof(e))
		_exit(127);
	(void)!write(go[1], "g", 1);
	_exit(0);
}

void ctr_attach_helper(struct ctr_attach_plan *p)
{
	char shell[4096];
	char *shell_argv[] = {shell, NULL};

	(void)prctl(PR_SET_NAME, "ctr-attach", 0, 0, 0);
	/* Not dumpable: nobody may open our fds or memory while we hold the
	 * host's (the monitor's copy, CVE-2019-5736 and CVE-2024-21626 class). */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != p->monitor_pid)
		_exit(127);
	keep_only_what_is_needed(p);
	enter_cgroups(p);
	apply_proc_and_limits(p);
	open_host_pty(p);
	join_namespaces(p);
	if (p->remount)
		remount_proc_sys(p);
	ctr_closep(&p->pidns_fd);
	enter_cwd(p);
	install_stdio(p);
	drop_privileges(p);
	if (!p->argv)
		login_shell(p->uid, shell, sizeof(shell));
	fork_process(p, p->argv ? p->argv : shell_argv);
}
