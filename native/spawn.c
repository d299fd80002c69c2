/* Cloning the container init and everything it does before exec.
 *
 * Between clone and exec the child does no allocation and no stdio: argv,
 * envp, paths and namespace fds are all prepared before clone, and errors go
 * back as a struct ctr_child_error on the O_CLOEXEC channel. EOF on that
 * channel means exec succeeded. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bootid.h"
#include "cgroup.h"
#include "cleanup.h"
#include "exec.h"
#include "fsops.h"
#include "hooks.h"
#include "isolation.h"
#include "log.h"
#include "monitor.h"
#include "tty.h"
#include "util.h"

/* What the child needs from the monitor beyond the spec, set before clone
 * (the child has its own copy). */
static struct {
	struct ctr_progress *progress;
	int fp_step; /* CTR_TEST_FAILPOINT's step, or -1 */
	bool cgroups_joined;
	int exe_fd;  /* ctr execute: the monitor's own (sealed) binary, or -EBADF */
} ctl = {.fp_step = -1, .exe_fd = -EBADF};

static __attribute__((noreturn)) void child_fail(int chan, int step, int err, int index)
{
	struct ctr_child_error e = {.step = step, .err = err < 0 ? -err : err, .index = index};

	(void)!write(chan, &e, sizeof(e));
	_exit(127);
}

/* Records the step the child is at, for a report if it dies here. At a
 * test failpoint it tells the monitor and waits, without consuming the
 * monitor's barrier bytes, until it is killed or the monitor goes away. */
static void step(int chan, int s)
{
	struct ctr_child_error e = {.step = CTR_MSG_FAILPOINT, .index = s};
	struct pollfd pfd = {.fd = chan, .events = 0};

	ctl.progress->step = s;
	if (s != ctl.fp_step)
		return;
	(void)!write(chan, &e, sizeof(e));
	for (;;) {
		if (RETRY_EINTR(poll(&pfd, 1, -1)) > 0 && (pfd.revents & (POLLHUP | POLLERR)))
			_exit(127);
	}
}

static void join_shares(struct ctr_monitor *m, int chan)
{
	const struct ctr_spec *spec = m->spec;

	/* The user namespace first: the others may be owned by it. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < spec->nshares; i++) {
			int type = spec->shares[i].nstype;
			if ((pass == 0) != (type == CLONE_NEWUSER))
				continue;
			/* pid and time apply to children: the monitor joined them before clone. */
			if (type == CLONE_NEWPID || type == CLONE_NEWTIME)
				continue;
			step(chan, CTR_STEP_SETNS);
			if (setns(m->share_fds[i], type) < 0)
				child_fail(chan, CTR_STEP_SETNS, errno, (int)i);
		}
	}
}

/* The second barrier: the monitor puts us in the container's cgroups while
 * we set up the root filesystem (a v1 cgroup.procs write waits for an RCU
 * grace period: doing both at once saves that wait). Then the cgroup
 * namespace, so that its root is the container's cgroup in every hierarchy;
 * the cgroup automounts (after pivot_root) see it. */
static void join_cgroups(const struct ctr_spec *spec, int chan)
{
	char go;

	if (ctl.cgroups_joined)
		return;
	ctl.cgroups_joined = true;
	if (RETRY_EINTR(read(chan, &go, 1)) != 1)
		_exit(127);
	step(chan, CTR_STEP_CGROUPNS);
	if ((spec->clone_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		child_fail(chan, CTR_STEP_CGROUPNS, errno, -1);
}

/* The rootfs mount: a recursive bind of the directory onto itself (dir:),
 * or a filesystem such as an overlay mounted on the staging directory. */
static void mount_rootfs(const struct ctr_spec *spec, int chan)
{
	unsigned long flags = spec->rootfs_flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME);

	if (spec->rootfs_fstype) {
		if (mkdir(spec->rootfs, 0755) < 0 && errno != EEXIST)
			child_fail(chan, CTR_STEP_ROOTFS_BIND, errno, -1);
		if (mount(spec->rootfs_source, spec->rootfs, spec->rootfs_fstype, spec->rootfs_flags & ~MS_RDONLY,
			  spec->rootfs_data) < 0)
			child_fail(chan, CTR_STEP_ROOTFS_BIND, errno, -1);
		return;
	}
	if (mount(spec->rootfs, spec->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		child_fail(chan, CTR_STEP_ROOTFS_BIND, errno, -1);
	if (flags) {
		if (mount(NULL, spec->rootfs, NULL, MS_REMOUNT | MS_BIND | flags | ctr_mount_flags_of(spec->rootfs), NULL) < 0)
			child_fail(chan, CTR_STEP_ROOTFS_BIND, errno, -1);
	}
}

/* Container-side hooks (hooks.h): pre-mount, mount and autodev before
 * pivot_root, start just before the switch to init's ids. */
static void run_hooks(struct ctr_monitor *m, int chan, int type)
{
	if (!ctr_hookspec_has(&m->spec->hooks, type))
		return;
	step(chan, CTR_STEP_HOOK);
	ctr_hooks_child_run(m, type, chan, child_fail);
}

static void run_hooks_at(struct ctr_monitor *m, int chan, size_t index)
{
	if (!ctr_hooks_child_has_at(m, index))
		return;
	step(chan, CTR_STEP_HOOK);
	ctr_hooks_child_at(m, index, chan, child_fail);
}

static void run_start_hooks(struct ctr_monitor *m, int chan)
{
	run_hooks(m, chan, CTR_HOOK_START);
	if (ctr_hookspec_has(&m->spec->hooks, CTR_HOOK_START_HOST)) {
		step(chan, CTR_STEP_HOOK);
		ctr_hooks_child_start_host(m, chan);
	}
}

static void setup_rootfs(struct ctr_monitor *m, int chan)
{
	const struct ctr_spec *spec = m->spec;
	_cleanup_close_ int rootfd = -EBADF;
	int ret;

	/* Nodes and directories get exactly the spec's modes (LXC clears the
	 * umask while filling /dev); init gets the caller's umask back below. */
	mode_t saved_umask = umask(0);

	/* Nothing we mount may propagate back to the host. */
	step(chan, CTR_STEP_PROPAGATION);
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		child_fail(chan, CTR_STEP_PROPAGATION, errno, -1);
	/* LXC's child runs its hooks in its own cgroups and cgroup namespace. */
	if (ctr_hooks_child_early_cgroups(m))
		join_cgroups(spec, chan);
	run_hooks(m, chan, CTR_HOOK_PRE_MOUNT);
	if (spec->rootfs) {
		step(chan, CTR_STEP_ROOTFS_BIND);
		mount_rootfs(spec, chan);
		rootfd = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else {
		rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (rootfd < 0)
		child_fail(chan, CTR_STEP_ROOTFS_OPEN, errno, -1);

	for (size_t i = 0; i < spec->nfsops; i++) {
		const struct ctr_fsop *op = &spec->fsops[i];
		run_hooks_at(m, chan, i);
		if (op->m.opts & CTR_MNT_AFTER_PIVOT)
			continue;
		step(chan, CTR_STEP_FSOP);
		ret = ctr_fsop_apply(rootfd, op);
		if (ret < 0 && !(op->m.opts & CTR_MNT_OPTIONAL))
			child_fail(chan, CTR_STEP_FSOP, ret, (int)i);
	}
	run_hooks_at(m, chan, spec->nfsops);

	/* The console and ttys, as LXC sets them up after the mounts. */
	if (spec->tty.console) {
		step(chan, CTR_STEP_CONSOLE);
		ctr_tty_setup_console(spec, rootfd, chan, child_fail);
	}
	if (spec->tty.tty_max > 0) {
		step(chan, CTR_STEP_TTY);
		ctr_tty_setup_ttys(spec, rootfd, chan, child_fail);
	}

	if (spec->rootfs) {
		/* pivot_root(".", "."): the old root ends up stacked on the new
		 * one and is detached at once, leaving no path to the host. */
		step(chan, CTR_STEP_PIVOT);
		if (fchdir(rootfd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
			child_fail(chan, CTR_STEP_PIVOT, errno, -1);
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2(".", MNT_DETACH) < 0)
			child_fail(chan, CTR_STEP_OLDROOT, errno, -1);
		if (chdir("/") < 0)
			child_fail(chan, CTR_STEP_OLDROOT, errno, -1);
		/* LXC makes the new root a peer group of its own: systemd and
		 * its services expect shared mounts. Still slaves of the host's,
		 * so nothing propagates back. */
		step(chan, CTR_STEP_PROPAGATION);
		if (spec->root_shared && mount(NULL, "/", NULL, MS_SHARED | MS_REC, NULL) < 0)
			child_fail(chan, CTR_STEP_PROPAGATION, errno, -1);
		ctr_closep(&rootfd);
		rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			child_fail(chan, CTR_STEP_ROOTFS_OPEN, errno, -1);
	}

	join_cgroups(spec, chan);

	for (size_t i = 0; i < spec->nfsops; i++) {
		const struct ctr_fsop *op = &spec->fsops[i];
		if (!(op->m.opts & CTR_MNT_AFTER_PIVOT))
			continue;
		step(chan, CTR_STEP_FSOP);
		ret = ctr_fsop_apply(rootfd, op);
		if (ret < 0 && !(op->m.opts & CTR_MNT_OPTIONAL))
			child_fail(chan, CTR_STEP_FSOP, ret, (int)i);
	}

	if (spec->boot_id)
		ctr_boot_id_setup(rootfd);
	step(chan, CTR_STEP_ROOTFS_RO);
	if (spec->rootfs && spec->rootfs_readonly &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | ctr_mount_flags_of("/"), NULL) < 0)
		child_fail(chan, CTR_STEP_ROOTFS_RO, errno, -1);
	/* Mounts may leave the working directory in our pinned fd directory
	 * (fsops.h): never let init start out there. */
	if (chdir("/") < 0)
		child_fail(chan, CTR_STEP_OLDROOT, errno, -1);
	(void)umask(saved_umask);
}

static void switch_ids(const struct ctr_spec *spec, int chan)
{
	bool in_userns = spec->clone_flags & CLONE_NEWUSER;

	/* (uid_t)-1 means "unchanged" to setresuid: init would stay root. ctr
	 * refuses it in the config; never trust that here. */
	if (spec->uid == (uid_t)-1)
		child_fail(chan, CTR_STEP_SETUID, EINVAL, -1);
	if (spec->gid == (gid_t)-1)
		child_fail(chan, CTR_STEP_SETGID, EINVAL, -1);
	step(chan, CTR_STEP_SETGROUPS);
	if (spec->set_groups) {
		if (setgroups(spec->ngroups, spec->groups) < 0)
			child_fail(chan, CTR_STEP_SETGROUPS, errno, -1);
	} else if (setgroups(0, NULL) < 0 && !(in_userns && errno == EPERM)) {
		/* Drop the monitor's supplementary groups; a user namespace with
		 * setgroups denied has none to drop. */
		child_fail(chan, CTR_STEP_SETGROUPS, errno, -1);
	}
	step(chan, CTR_STEP_SETGID);
	if (setresgid(spec->gid, spec->gid, spec->gid) < 0)
		child_fail(chan, CTR_STEP_SETGID, errno, -1);
	step(chan, CTR_STEP_SETUID);
	if (setresuid(spec->uid, spec->uid, spec->uid) < 0)
		child_fail(chan, CTR_STEP_SETUID, errno, -1);
}

static void arm_pdeath(const struct ctr_spec *spec, int chan)
{
	struct pollfd pfd = {.fd = chan, .events = POLLIN};

	if (!spec->pdeath_signal)
		return;
	if (prctl(PR_SET_PDEATHSIG, spec->pdeath_signal, 0, 0, 0) < 0)
		child_fail(chan, CTR_STEP_PDEATH, errno, -1);
	/* The monitor may have died before the signal was armed: its end of the
	 * channel is then closed. */
	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR)))
		_exit(127);
}

/* Up to the root filesystem: the barrier while the monitor writes the id
 * maps, the v1 cgroups, the shared namespaces and root in a new user
 * namespace. */
static void child_enter(struct ctr_monitor *m, int chan)
{
	const struct ctr_spec *spec = m->spec;
	char go;

	/* Our name until exec renames us: how the monitor tells a child that
	 * died before its exec from a payload that exited at once. */
	(void)prctl(PR_SET_NAME, m->setup_comm, 0, 0, 0);
	/* Not dumpable while we hold host references (CVE-2019-5736 class):
	 * nothing in the container can open /proc/1/exe or /proc/1/fd yet. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	step(chan, CTR_STEP_PDEATH);
	arm_pdeath(spec, chan);
	if (m->late_pidns_fd >= 0 && ctr_fsops_pin_self() < 0)
		child_fail(chan, CTR_STEP_ROOTFS_OPEN, errno, -1);
	/* The first barrier: the monitor writes the id maps meanwhile. */
	step(chan, CTR_STEP_SYNC);
	if (RETRY_EINTR(read(chan, &go, 1)) != 1)
		_exit(127);
	/* Into the container's v1 cgroups, moving ourselves (see cgroup.h). */
	step(chan, CTR_STEP_CGROUP);
	for (int i = 0; i < m->ncg_tasks_fds; i++)
		if (write(m->cg_tasks_fds[i], "0", 1) != 1)
			child_fail(chan, CTR_STEP_CGROUP, errno, i);
	join_shares(m, chan);
	if (spec->clone_flags & CLONE_NEWUSER) {
		step(chan, CTR_STEP_USERNS_IDS);
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			child_fail(chan, CTR_STEP_USERNS_IDS, errno, -1);
	}
}

/* Hostname, keyring, sysctls, proc files, rlimits, cwd, personality, stdio. */
static void child_process(struct ctr_monitor *m, int chan, int devnull)
{
	const struct ctr_spec *spec = m->spec;

	step(chan, CTR_STEP_HOSTNAME);
	if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		child_fail(chan, CTR_STEP_HOSTNAME, errno, -1);
	/* A new session keyring keeps the host's keys out of reach, as LXC does;
	 * a kernel without keyrings (or a seccomp-blocked keyctl) is fine. */
	step(chan, CTR_STEP_KEYRING);
	if (spec->new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0) < 0 &&
	    errno != ENOSYS && errno != EACCES && errno != EPERM && errno != EDQUOT)
		child_fail(chan, CTR_STEP_KEYRING, errno, -1);
	step(chan, CTR_STEP_SYSCTL);
	ctr_isolation_pre_exec(spec, chan, child_fail);

	step(chan, CTR_STEP_CWD);
	if (spec->cwd) {
		if (chdir(spec->cwd) < 0) {
			_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (errno != ENOENT || rootfd < 0 || ctr_mkdir_in_root(rootfd, spec->cwd, 0755) < 0 ||
			    chdir(spec->cwd) < 0)
				child_fail(chan, CTR_STEP_CWD, errno, -1);
		}
	}
	step(chan, CTR_STEP_PERSONALITY);
	if (spec->personality >= 0 && personality((unsigned long)spec->personality) < 0)
		child_fail(chan, CTR_STEP_PERSONALITY, errno, -1);
	step(chan, CTR_STEP_STDIO);
	if (!spec->stdio_inherit) {
		/* The console when there is one (LXC), else /dev/null. */
		int ret = ctr_tty_console_stdio();
		if (ret < 0 && ret != -EBADF)
			child_fail(chan, CTR_STEP_STDIO, ret, -1);
		for (int fd = 0; fd < 3 && ret == -EBADF; fd++)
			if (dup2(devnull, fd) < 0)
				child_fail(chan, CTR_STEP_STDIO, errno, -1);
	}
	/* Every other fd closes at exec; the channel must stay open until then. */
	(void)syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
}

/* LXC's order: capabilities, no_new_privs and seccomp while still root,
 * then the switch to lxc.init.uid/gid. With a shared pid namespace, join
 * it first (for our children: setns needs the privileges dropped below). */
static void child_privileges(struct ctr_monitor *m, int chan)
{
	const struct ctr_spec *spec = m->spec;

	if (m->late_pidns_fd >= 0) {
		step(chan, CTR_STEP_SETNS);
		if (setns(m->late_pidns_fd, CLONE_NEWPID) < 0)
			child_fail(chan, CTR_STEP_SETNS, errno, -1);
	}
	step(chan, CTR_STEP_CAPS);
	ctr_isolation_caps(spec, chan, child_fail);
	step(chan, CTR_STEP_SECCOMP);
	ctr_isolation_final(spec, chan, child_fail);
	/* LXC's order: start hooks inside the container, as root, then the
	 * monitor's start-host hooks, then init's ids and exec. In a shared
	 * pid namespace they wait for child_fork_init. */
	if (m->late_pidns_fd < 0)
		run_start_hooks(m, chan);
	switch_ids(spec, chan);
}

/* Closes every fd from 3 up but a and b (b may be negative). */
static void close_all_but(int a, int b)
{
	int lo = b >= 0 && b < a ? b : a, hi = b >= 0 && b > a ? b : a;

	if (lo > 3)
		(void)syscall(SYS_close_range, 3, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		(void)syscall(SYS_close_range, (unsigned)lo + 1, (unsigned)hi - 1, 0);
	(void)syscall(SYS_close_range, (unsigned)hi + 1, ~0U, 0);
}

/* `ctr execute`'s init is this binary (init.c), executed through the fd
 * the monitor opened on its sealed copy before clone: the container's root
 * has no path to it (docs/architecture.md §14). */
static int exec_init(const struct ctr_spec *spec)
{
	if (ctl.exe_fd < 0)
		return ctr_execvpe(spec->argv[0], (char *const *)spec->argv, (char *const *)spec->envp, spec->path_search);
	(void)syscall(SYS_execveat, ctl.exe_fd, "", (char *const *)spec->argv, (char *const *)spec->envp, AT_EMPTY_PATH);
	return -errno;
}

/* A shared pid namespace (docs/architecture.md §11.2):
 * everything so far ran outside it, invisible to the processes in it. Now,
 * in the container's root, with the capabilities, seccomp filter and ids
 * init will have, and no fd but stdio and the channel, fork init into it as
 * the monitor's child, hand its pid over, and leave. */
static void child_fork_init(struct ctr_monitor *m, int chan)
{
	struct clone_args args = {.flags = CLONE_PARENT};
	struct ctr_child_error e = {.step = CTR_MSG_HANDOVER};
	pid_t pid;

	step(chan, CTR_STEP_CLONE_INIT);
	ctr_isolation_caps_current(m->spec, chan, child_fail);
	close_all_but(chan, ctl.exe_fd);
	/* A start hook forked here is in the shared pid namespace too: only
	 * now does it inherit nothing of the host (it runs as init's ids). */
	run_start_hooks(m, chan);
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	/* A seccomp policy may refuse clone3 (some return ENOSYS for it). */
	if (pid < 0)
		pid = (pid_t)syscall(SYS_clone, CLONE_PARENT, 0, NULL, NULL, 0);
	if (pid < 0)
		child_fail(chan, CTR_STEP_CLONE_INIT, errno, -1);
	if (pid > 0) {
		e.index = (int)pid;
		(void)!write(chan, &e, sizeof(e));
		_exit(0);
	}
}

static __attribute__((noreturn)) void child_main(struct ctr_monitor *m, int chan, int devnull)
{
	const struct ctr_spec *spec = m->spec;
	sigset_t empty;
	int ret;

	child_enter(m, chan);
	if (spec->clone_flags & CLONE_NEWNS)
		setup_rootfs(m, chan);
	else
		join_cgroups(spec, chan);
	child_process(m, chan, devnull);
	child_privileges(m, chan);
	if (m->late_pidns_fd >= 0)
		child_fork_init(m, chan);
	/* Credential changes clear the parent-death signal (and a forked init
	 * never had it): arm it again. */
	arm_pdeath(spec, chan);

	/* A session of its own, as LXC's init has; no controlling terminal,
	 * as a kernel-started init has none. */
	(void)setsid();
	sigemptyset(&empty);
	(void)sigprocmask(SIG_SETMASK, &empty, NULL);
	step(chan, CTR_STEP_EXEC);
	ret = exec_init(spec);
	child_fail(chan, CTR_STEP_EXEC, ret, -1);
}

/* Opens every shared namespace before clone. A pid given with a start time
 * is pinned with a pidfd and checked, so a recycled pid is never joined. */
static int open_shares(struct ctr_monitor *m)
{
	const struct ctr_spec *spec = m->spec;

	if (!spec->nshares)
		return 0;
	if (!m->share_fds) {
		m->share_fds = calloc(spec->nshares, sizeof(int));
		if (!m->share_fds)
			return -ENOMEM;
		for (size_t i = 0; i < spec->nshares; i++)
			m->share_fds[i] = -EBADF;
	}
	for (size_t i = 0; i < spec->nshares; i++) {
		const struct ctr_share *s = &spec->shares[i];
		_cleanup_close_ int pidfd = -EBADF;
		if (m->share_fds[i] >= 0)
			continue;
		if (s->pid > 0) {
			pidfd = ctr_pidfd_open_checked(s->pid, s->starttime);
			if (pidfd < 0) {
				m->start_error = (struct ctr_child_error){CTR_STEP_SHARE, -pidfd, (int)i};
				return pidfd;
			}
		}
		m->share_fds[i] = open(s->path, O_RDONLY | O_CLOEXEC);
		if (m->share_fds[i] < 0) {
			m->start_error = (struct ctr_child_error){CTR_STEP_SHARE, errno, (int)i};
			return -m->start_error.err;
		}
		if (s->pid > 0 && ctr_proc_starttime(s->pid, NULL) != s->starttime) {
			m->start_error = (struct ctr_child_error){CTR_STEP_SHARE, ESRCH, (int)i};
			return -ESRCH;
		}
		if (s->nstype == CLONE_NEWTIME && setns(m->share_fds[i], s->nstype) < 0) {
			m->start_error = (struct ctr_child_error){CTR_STEP_SHARE, errno, (int)i};
			return -m->start_error.err;
		}
	}
	/* A shared pid namespace is joined by the child once it has pivoted
	 * and dropped its privileges (child_privileges): joining it here would
	 * put the child there while it still has the host's root. */
	for (size_t i = 0; i < spec->nshares; i++)
		if (spec->shares[i].nstype == CLONE_NEWPID)
			m->late_pidns_fd = m->share_fds[i];
	return 0;
}

void ctr_close_shares(struct ctr_monitor *m)
{
	m->late_pidns_fd = -EBADF;
	if (!m->share_fds)
		return;
	for (size_t i = 0; i < m->spec->nshares; i++)
		ctr_closep(&m->share_fds[i]);
	free(m->share_fds);
	m->share_fds = NULL;
}

static pid_t do_clone(struct ctr_monitor *m, int *pidfd)
{
	struct clone_args args = {
		.flags = (m->spec->clone_flags & ~(unsigned long long)(CSIGNAL | CLONE_NEWCGROUP)) | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};

	if (m->cg_v2_dirfd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)m->cg_v2_dirfd;
	}
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == EBUSY && (args.flags & CLONE_INTO_CGROUP)) {
		/* A v2 cgroup with controllers in a "domain invalid" state: fall
		 * back to clone3 and attach the pid afterwards. */
		args.flags &= ~CLONE_INTO_CGROUP;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	}
	return pid;
}

int ctr_spawn_prepare(struct ctr_monitor *m)
{
	const char *fp = getenv("CTR_TEST_FAILPOINT");

	m->fp_step = -1;
	if (fp && (strncmp(fp, "kill:", 5) == 0 || strncmp(fp, "pause:", 6) == 0)) {
		m->fp_mode = fp[0] == 'k' ? CTR_FP_KILL : CTR_FP_PAUSE;
		m->fp_step = ctr_step_by_name(strchr(fp, ':') + 1);
		if (m->fp_step < 0)
			m->fp_mode = CTR_FP_NONE;
	}
	if (m->progress)
		return 0;
	m->progress = mmap(NULL, sizeof(*m->progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m->progress == MAP_FAILED) {
		m->progress = NULL;
		return -errno;
	}
	return 0;
}

/* Whether init runs in a user namespace: its own, or a shared one. */
static bool in_user_namespace(const struct ctr_spec *spec)
{
	if (spec->clone_flags & CLONE_NEWUSER)
		return true;
	for (size_t i = 0; i < spec->nshares; i++)
		if (spec->shares[i].nstype == CLONE_NEWUSER)
			return true;
	return false;
}

/* The child's name until its exec: one the payload's own name cannot be. */
static void pick_setup_comm(struct ctr_monitor *m)
{
	const char *argv0 = m->spec->argv && m->spec->argv[0] ? m->spec->argv[0] : "";
	const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	const char *name = strncmp(base, "ctr-setup", 15) == 0 ? "ctr-setup-init" : "ctr-setup";

	(void)snprintf(m->setup_comm, sizeof(m->setup_comm), "%s", name);
}

int ctr_spawn_init(struct ctr_monitor *m)
{
	_cleanup_close_ int devnull = -EBADF;
	int chan[2], pidfd = -EBADF, ret;
	pid_t pid;

	ret = open_shares(m);
	if (ret < 0)
		return ret;
	ret = ctr_hooks_prepare(m);
	if (ret < 0) {
		m->start_error = (struct ctr_child_error){CTR_STEP_CLONE, -ret, -1};
		return ret;
	}
	ret = ctr_cgroup_open_self_attach(m);
	if (ret < 0) {
		m->start_error = (struct ctr_child_error){CTR_STEP_CGROUP, -ret, -1};
		return ret;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		m->start_error = (struct ctr_child_error){CTR_STEP_CLONE, errno, -1};
		return -m->start_error.err;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0) {
		m->start_error = (struct ctr_child_error){CTR_STEP_CLONE, errno, -1};
		return -m->start_error.err;
	}
	/* Every message then carries its sender's pid: ptys are taken only
	 * from the child cloned here (monitor.c). */
	(void)setsockopt(chan[0], SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int));
	pick_setup_comm(m);
	ctr_hooks_reset(m);
	m->progress->step = CTR_STEP_NONE;
	ctl.progress = m->progress;
	ctl.fp_step = m->fp_mode == CTR_FP_NONE ? -1 : m->fp_step;
	if (m->spec->execute) {
		ctl.exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
		if (ctl.exe_fd < 0) {
			m->start_error = (struct ctr_child_error){CTR_STEP_EXEC, errno, -1};
			(void)close(chan[0]);
			(void)close(chan[1]);
			return -m->start_error.err;
		}
	}
	ctr_fsops_set_proc_pidns(m->late_pidns_fd);
	ctr_fsops_set_userns(in_user_namespace(m->spec));
	pid = do_clone(m, &pidfd);
	if (pid < 0) {
		m->start_error = (struct ctr_child_error){CTR_STEP_CLONE, errno, -1};
		ctr_closep(&ctl.exe_fd);
		(void)close(chan[0]);
		(void)close(chan[1]);
		return -m->start_error.err;
	}
	if (pid == 0) {
		(void)close(chan[0]);
		child_main(m, chan[1], devnull);
	}
	(void)close(chan[1]);
	ctr_closep(&ctl.exe_fd);
	ctr_cgroup_close_self_attach(m);
	m->init_pid = pid;
	m->setup_pid = pid;
	m->init_pidfd = pidfd;
	m->chanfd = chan[0];
	m->init_starttime = ctr_proc_starttime(pid, NULL);
	ctr_hooks_pin_namespaces(m, false);
	log_info("Cloned init %d with flags 0x%llx", (int)pid, m->spec->clone_flags);
	return 0;
}
