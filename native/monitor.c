/* The monitor lifecycle: daemonize (or stay attached with -F), take the
 * container lock, clone init, then one epoll loop over the signalfd, the
 * command socket, the child's error channel, the sync fd and OOM events.
 * When init exits: kill what is left, record the exit status, remove the
 * cgroup and every run-dir file, notify watchers, exit. */
#define _GNU_SOURCE
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "cgroup.h"
#include "cleanup.h"
#include "cmdsock.h"
#include "hooks.h"
#include "console.h"
#include "idmap.h"
#include "log.h"
#include "network.h"
#include "lxcsock.h"
#include "pidlist.h"
#include "rundir.h"
#include "util.h"

static void sync_send(struct ctr_monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sync_send(struct ctr_monitor *m, const char *fmt, ...)
{
	char line[2600];
	va_list ap;

	if (m->syncfd < 0)
		return;
	/* ctr may be gone (Ctrl-C during start): never die of SIGPIPE. */
	va_start(ap, fmt);
	(void)ctr_send_linev(m->syncfd, line, sizeof(line), fmt, ap);
	va_end(ap);
}

void ctr_monitor_set_state(struct ctr_monitor *m, int state)
{
	char line[64];
	int ret;

	m->state = state;
	m->updated_at = ctr_now_ms();
	ret = ctr_state_write(m);
	if (ret == -EMFILE || ret == -ENFILE) {
		/* A connection flood took every fd: the record matters more. */
		ctr_cmdsock_release_record_fds();
		ret = ctr_state_write(m);
		ctr_cmdsock_rearm_record_fds();
	}
	if (ret < 0) {
		/* A state.json that says the old state would make info and ls
		 * lie (the run dir's filesystem is full): remove it, so that
		 * readers ask us instead (docs/monitor-protocol.md §7.1). */
		char path[PATH_MAX];
		errno = -ret;
		log_syserr("Failed to write state.json; removing the stale one");
		(void)snprintf(path, sizeof(path), "%s/state.json", m->spec->rundir);
		(void)unlink(path);
	}
	(void)snprintf(line, sizeof(line), "state %s\n", ctr_state_name(state));
	ctr_cmdsock_broadcast(m, line);
	log_info("State is now %s", ctr_state_name(state));
}

/* Blocks every signal we may receive, to read them from a signalfd. The
 * faults stay deliverable so a bug still crashes loudly. */
static int setup_signals(struct ctr_monitor *m)
{
	struct epoll_event ev = {.events = EPOLLIN};
	sigset_t mask;

	sigfillset(&mask);
	sigdelset(&mask, SIGBUS);
	sigdelset(&mask, SIGILL);
	sigdelset(&mask, SIGSEGV);
	sigdelset(&mask, SIGFPE);
	sigdelset(&mask, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	m->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (m->sigfd < 0)
		return -errno;
	ev.data.fd = m->sigfd;
	return epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->sigfd, &ev) < 0 ? -errno : 0;
}

/* Reaps exited children until none is left or `deadline_us` (monotonic)
 * passes: a child stuck in uninterruptible sleep must not hang the monitor.
 * SIGCHLD is blocked and read from the signalfd, so wait on that. Returns
 * true when no child is left. */
static bool reap_until(struct ctr_monitor *m, long long deadline_us)
{
	for (;;) {
		struct pollfd pfd = {.fd = m->sigfd, .events = POLLIN};
		struct signalfd_siginfo si;
		long long left;
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			(void)ctr_attach_reaped(m, pid, status);
			continue;
		}
		if (pid < 0)
			return errno == ECHILD;
		left = deadline_us - ctr_monotonic_us();
		if (left <= 0 || m->sigfd < 0)
			return false;
		if (RETRY_EINTR(poll(&pfd, 1, (int)((left + 999) / 1000))) <= 0)
			return false;
		/* Other signals read here are moot: the container is going away. */
		while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
	}
}

/* SIGKILLs every child listed in /proc/self/task/<us>/children; returns how
 * many. Nothing is reaped between reading the list and the kills, and an
 * unreaped child's pid cannot be recycled, so every pid killed is ours. The
 * list is parsed across reads (native/pidlist.c): a long one never yields a
 * truncated pid, nor an overlong number a wrapped one. */
static int kill_listed_children(struct ctr_monitor *m)
{
	_cleanup_close_ int fd = -EBADF;
	struct ctr_pidlist list = CTR_PIDLIST_INIT;
	char path[64], buf[4096];
	int found = 0;
	pid_t pid;
	ssize_t n;

	(void)snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)m->self_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while ((n = RETRY_EINTR(read(fd, buf, sizeof(buf)))) > 0)
		for (size_t off = 0; (pid = ctr_pidlist_next(&list, buf, (size_t)n, &off)) > 0;)
			found += kill(pid, SIGKILL) == 0;
	pid = ctr_pidlist_end(&list);
	if (pid > 0)
		found += kill(pid, SIGKILL) == 0;
	return found;
}

/* Kills our remaining children until none is left. Without a pid namespace
 * of its own, a container's orphans are reparented to us (subreaper). Gives
 * up after a few seconds on children that do not die (D state). */
static void kill_children(struct ctr_monitor *m)
{
	long long deadline = ctr_monotonic_us() + 5 * 1000000LL;

	for (int round = 0; round < 1000; round++) {
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			(void)ctr_attach_reaped(m, pid, status);
		if (!kill_listed_children(m))
			return;
		if (!reap_until(m, deadline) && ctr_monotonic_us() >= deadline) {
			log_warn("Children of the monitor did not exit within 5 s of SIGKILL; going on without them");
			return;
		}
	}
}

static void close_chan(struct ctr_monitor *m)
{
	if (m->chanfd >= 0) {
		(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->chanfd, NULL);
		ctr_closep(&m->chanfd);
	}
}

/* Clones init and lets it run past the barrier. */
static int start_init(struct ctr_monitor *m)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int ret;

	memset(&m->start_error, 0, sizeof(m->start_error));
	m->handed_over = false;
	ret = ctr_spawn_init(m);
	if (ret < 0)
		return ret;
	sync_send(m, "init %d\n", (int)m->init_pid);
	ret = ctr_idmap_write(m);
	if (ret < 0)
		return ret;
	ret = ctr_net_prepare(m);
	if (ret < 0) {
		m->start_error = (struct ctr_child_error){CTR_STEP_NETWORK, -ret, -1};
		return ret;
	}
	/* Two barriers: the child sets up its root filesystem while we attach it
	 * to its cgroups (slow on v1), and waits for the second one before it
	 * unshares its cgroup namespace. */
	if (RETRY_EINTR(send(m->chanfd, "g", 1, MSG_NOSIGNAL)) != 1) {
		m->start_error = (struct ctr_child_error){CTR_STEP_SYNC, errno, -1};
		return -m->start_error.err;
	}
	ret = ctr_cgroup_attach(m, m->init_pid);
	if (ret < 0) {
		if (!m->start_error.step)
			m->start_error = (struct ctr_child_error){CTR_STEP_CGROUP, -ret, -1};
		return ret;
	}
	/* The interfaces exist before init runs: it waits for "c". */
	ret = ctr_net_setup(m);
	if (ret < 0) {
		m->start_error = (struct ctr_child_error){CTR_STEP_NETWORK, -ret, -1};
		return ret;
	}
	/* A child that failed meanwhile has closed its end: its error report
	 * is on the channel, read below. */
	(void)RETRY_EINTR(send(m->chanfd, "c", 1, MSG_NOSIGNAL));
	ev.data.fd = m->chanfd;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->chanfd, &ev) < 0)
		return -errno;
	return 0;
}

static void report_start_error(struct ctr_monitor *m)
{
	const struct ctr_child_error *e = &m->start_error;
	char detail[2048];
	const char *d = ctr_step_detail(m, e);

	/* One line on the sync fd: no newlines inside the detail. */
	(void)snprintf(detail, sizeof(detail), "%s", d ? d : "");
	for (char *p = detail; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (m->start_signal) {
		log_error("Failed to start: init was killed by signal %d at step %s", m->start_signal, ctr_step_name(e->step));
		sync_send(m, "killed %s %d %s\n", ctr_step_name(e->step), m->start_signal, detail);
		return;
	}
	log_error("Failed to start: step %s: %s (%s)", ctr_step_name(e->step), strerror(e->err), detail);
	sync_send(m, "error %s %d %s\n", ctr_step_name(e->step), e->err, detail);
}

/* Init exec'd: RUNNING, reported to ctr start. */
static void init_running(struct ctr_monitor *m)
{
	m->started_at = ctr_now_ms();
	ctr_hooks_pin_namespaces(m, true);
	/* The container-side start time: from having the spec to init's exec. */
	if (!m->startup_us)
		m->startup_us = ctr_monotonic_us() - m->spec_us;
	ctr_monitor_set_state(m, CTR_RUNNING);
	sync_send(m, "running %d %llu %lld\n", (int)m->init_pid, m->init_starttime, m->startup_us);
	if (!m->spec->foreground) {
		/* The daemon's report is complete; ctr start exits now. */
		ctr_closep(&m->syncfd);
	}
}

/* The channel hit EOF: every copy of the child's end is closed, at its exec
 * (O_CLOEXEC) or at its death. It exec'd only if it reached the exec step
 * and its name is no longer the setup name (exec renames it; the name stays
 * readable while it is a zombie). The rename follows the close of O_CLOEXEC
 * fds within execve, hence the short, bounded wait for it. */
static bool exec_confirmed(struct ctr_monitor *m)
{
	long long deadline = ctr_monotonic_us() + 200000;

	if (m->progress->step != CTR_STEP_EXEC)
		return false;
	for (;;) {
		struct timespec pause = {.tv_nsec = 100000};
		char comm[32], state = 0;
		if (ctr_proc_comm(m->init_pid, comm, sizeof(comm), &state) < 0)
			return false;
		if (strcmp(comm, m->setup_comm) != 0)
			return true;
		if (state == 'Z' || state == 'X')
			return false;
		if (ctr_monotonic_us() >= deadline) {
			log_warn("Init %d is still inside execve after 200 ms; counting it as started", (int)m->init_pid);
			return true;
		}
		(void)nanosleep(&pause, NULL);
	}
}

/* Whether pid is a child of ours (field 4 of /proc/PID/stat). */
bool ctr_monitor_is_child(struct ctr_monitor *m, pid_t pid)
{
	char path[64], buf[512], *p;
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = ctr_read_all(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] && p[3] == ' ' && strtol(p + 4, NULL, 10) == (long)m->self_pid;
}

/* The intermediate of a shared pid namespace forked init (spawn.c): follow
 * the new process. Once init exists, processes of the namespace it joined
 * can see it and could forge messages with its channel (ptrace): accept one
 * handover only, from before it, naming a child of ours (CLONE_PARENT) other
 * than the intermediate. Unreaped, that pid cannot have been recycled
 * before pidfd_open. */
static void handover(struct ctr_monitor *m, pid_t pid)
{
	int pidfd;

	if (m->late_pidns_fd < 0 || m->handed_over || pid <= 0 || pid == m->init_pid || !ctr_monitor_is_child(m, pid)) {
		log_warn("Ignoring an unexpected handover to pid %d", (int)pid);
		return;
	}
	m->handed_over = true;
	pidfd = ctr_pidfd_open(pid);
	if (pidfd < 0) {
		log_syserr("Failed to open a pidfd for init %d", (int)pid);
		(void)kill(pid, SIGKILL);
		return;
	}
	ctr_closep(&m->init_pidfd);
	m->init_pid = pid;
	m->init_pidfd = pidfd;
	m->init_starttime = ctr_proc_starttime(pid, NULL);
	sync_send(m, "init %d\n", (int)pid);
	log_info("Init %d forked into the shared pid namespace", (int)pid);
}

/* A test failpoint (CTR_TEST_FAILPOINT) stopped the child at `step`. */
static void failpoint(struct ctr_monitor *m, int step)
{
	char line[96];
	int n;

	if (m->fp_mode == CTR_FP_NONE)
		return;
	if (m->fp_mode == CTR_FP_KILL) {
		(void)ctr_pidfd_send_signal(m->init_pidfd, SIGKILL);
		return;
	}
	n = snprintf(line, sizeof(line), "%s %d\n", ctr_step_name(step), (int)m->init_pid);
	if (ctr_atomic_write(m->spec->rundir, "failpoint", line, (size_t)n, 0600, false) < 0)
		log_syserr("Failed to write the failpoint file");
}

static void start_failed(struct ctr_monitor *m, const struct ctr_child_error *e)
{
	m->start_error = *e;
	m->stop_requested = true;
	ctr_monitor_set_state(m, CTR_ABORTING);
	report_start_error(m);
}

/* One message of the setup channel, with the fds and the sender's pid that
 * ride along (SO_PASSCRED is on). Returns recvmsg's result; *nfds fds are
 * the caller's to close. */
static ssize_t chan_recv(struct ctr_monitor *m, void *buf, size_t len, int fds[2], int *nfds, pid_t *sender)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	ssize_t n = recvmsg(m->chanfd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	*nfds = 0;
	*sender = 0;
	for (struct cmsghdr *c = n < 0 ? NULL : CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			*sender = cred.pid;
		} else if (c->cmsg_type == SCM_RIGHTS) {
			size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int got[2];
			memcpy(got, CMSG_DATA(c), (count < 2 ? count : 2) * sizeof(int));
			for (size_t i = 0; i < count && i < 2; i++)
				fds[(*nfds)++] = got[i];
		}
	}
	return n;
}

/* A pty pair from the setup child (native/tty.c). Only the child cloned for
 * this start sends them, before its exec: with a shared pid namespace, init
 * could be made to forge messages once it exists (handover), never as that
 * child. */
static void tty_handover(struct ctr_monitor *m, const struct ctr_child_error *e, int fds[2], int nfds, pid_t sender)
{
	if (nfds == 2 && sender == m->setup_pid && m->state == CTR_STARTING && !m->handed_over) {
		ctr_console_take(m, e->index, fds[0], fds[1]);
		return;
	}
	log_warn("Ignoring a pty from pid %d", (int)sender);
	for (int i = 0; i < nfds; i++)
		(void)close(fds[i]);
}

/* Reads what the child sent: errors, a handover, a failpoint, its ptys;
 * and at EOF, whether it exec'd. A child that died before its exec is
 * reported when its exit status (the signal) is known, in init_exited. */
static void chan_event(struct ctr_monitor *m)
{
	union {
		struct ctr_child_error e;
		struct ctr_hook_msg hook;
	} buf;
	struct ctr_child_error e;

	for (;;) {
		int fds[2], nfds, ret;
		pid_t sender;
		ssize_t n = chan_recv(m, &buf, sizeof(buf), fds, &nfds, &sender);
		/* A child that dies with our barrier byte unread makes the
		 * socket report ECONNRESET once, before the messages it queued
		 * (its error report among them): read on. */
		if (n < 0 && (errno == EINTR || errno == ECONNRESET))
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n == (ssize_t)sizeof(e) && buf.e.step == CTR_MSG_TTY) {
			e = buf.e;
			tty_handover(m, &e, fds, nfds, sender);
			continue;
		}
		for (int i = 0; i < nfds; i++)
			(void)close(fds[i]);
		ret = n > 0 ? ctr_hooks_chan_message(m, &buf, (size_t)n) : 0;
		if (ret > 0)
			continue;
		if (ret < 0) {
			/* A start-host hook failed: the child waits for us; kill it. */
			e = m->start_error;
			start_failed(m, &e);
			if (m->init_pidfd >= 0)
				(void)ctr_pidfd_send_signal(m->init_pidfd, SIGKILL);
			close_chan(m);
			return;
		}
		e = buf.e;
		if (n == (ssize_t)sizeof(e) && e.step == CTR_MSG_HANDOVER) {
			handover(m, (pid_t)e.index);
			continue;
		}
		if (n == (ssize_t)sizeof(e) && e.step == CTR_MSG_FAILPOINT) {
			failpoint(m, e.index);
			continue;
		}
		close_chan(m);
		if (n == (ssize_t)sizeof(e))
			start_failed(m, &e);
		else if (exec_confirmed(m))
			init_running(m);
		return;
	}
}

static void finish(struct ctr_monitor *m, const char *reason)
{
	ctr_monitor_set_state(m, CTR_STOPPING);
	ctr_cgroup_kill_all(m);
	kill_children(m);
	ctr_net_teardown(m);
	/* LXC's lxc_end: stop hooks before the cgroups go, post-stop hooks
	 * after STOPPED; both on a failed start too. Ours hold the lock. */
	ctr_hooks_stop(m, false);
	ctr_cgroup_remove(m);
	ctr_state_write_exit(m, reason);
	ctr_monitor_set_state(m, CTR_STOPPED);
	if (m->have_status) {
		char line[96];
		(void)snprintf(line, sizeof(line), "exit %d %d %s\n", m->exit_status, m->exit_signal, reason);
		ctr_cmdsock_broadcast(m, line);
	}
	(void)ctr_hooks_post_stop(m, false);
	/* Release the lock before watchers see EOF, so that a `ctr start` run
	 * right after `ctr stop` returns never finds the lock still held. */
	ctr_lxcsock_close(m);
	ctr_rundir_remove(m);
	ctr_console_close(m);
	ctr_attach_close_all(m);
	ctr_cmdsock_close_all(m);
	/* A crash before this leaves at worst an empty record, which readers
	 * treat as no record; nobody waits on the fsync any more. */
	ctr_state_sync_exit(m);
}

/*
 * After the container stopped and the run dir (and with it the lock) is
 * gone: become the spec's exit command, if it has one (`ctr destroy` of an
 * ephemeral container, docs/architecture.md §12). Its output goes where the
 * monitor's went; it runs with no signal blocked. Returns only on failure.
 */
static void exec_onexit(struct ctr_monitor *m)
{
	sigset_t none;

	if (m->spec->onexit_argc == 0 || m->spec->onexit_argv[0][0] != '/')
		return;
	log_info("Running the exit command %s", m->spec->onexit_argv[0]);
	ctr_closep(&m->syncfd);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	execv(m->spec->onexit_argv[0], (char *const *)m->spec->onexit_argv);
	log_syserr("Failed to run the exit command %s", m->spec->onexit_argv[0]);
}

/* reboot(2) in a pid namespace kills its init with SIGINT for a halt or a
 * power-off (SIGHUP for a reboot): a clean stop, exit status 0, as LXC
 * records it (its exit status is WEXITSTATUS of the wait status). */
static bool halted(struct ctr_monitor *m, int status)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGINT && (m->spec->clone_flags & CLONE_NEWPID);
}

static bool wants_reboot(struct ctr_monitor *m, int status)
{
	if (m->stop_requested)
		return false;
	/* reboot(2) in a pid namespace kills its init with SIGHUP (halt: SIGINT). */
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP && (m->spec->clone_flags & CLONE_NEWPID))
		return true;
	return m->reboot_requested;
}

/* init is gone: restart it in place for a reboot, else tear down. Returns
 * true when the monitor should exit. */
static bool init_exited(struct ctr_monitor *m, int status)
{
	char line[64];

	m->have_status = true;
	m->exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	m->exit_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	ctr_closep(&m->init_pidfd);
	close_chan(m);
	log_info("Init %d exited with status %d", (int)m->init_pid, m->exit_status);

	if (m->state == CTR_STARTING) {
		/* It died before its exec without reporting an error: killed
		 * (or crashed) during setup, at the step it last recorded. */
		m->start_error = (struct ctr_child_error){m->progress->step, 0, -1};
		m->start_signal = m->exit_signal ? m->exit_signal : SIGKILL;
		m->stop_requested = true;
		ctr_monitor_set_state(m, CTR_ABORTING);
		report_start_error(m);
		finish(m, "start-failed");
		return true;
	}
	if (m->checkpoint_fd >= 0 && m->state != CTR_ABORTING) {
		/* ctr checkpoint -s: criu killed the tree once it was dumped. A
		 * stop on purpose, recorded as such (status 0, no signal). */
		log_info("Init %d was checkpointed", (int)m->init_pid);
		m->exit_status = 0;
		m->exit_signal = 0;
		finish(m, "checkpointed");
		return true;
	}
	if (m->state != CTR_ABORTING && wants_reboot(m, status)) {
		m->reboot_requested = false;
		ctr_monitor_set_state(m, CTR_STOPPING);
		ctr_cgroup_kill_all(m);
		kill_children(m);
		ctr_net_teardown(m);
		ctr_hooks_stop(m, true);
		/* Console clients stay attached: the next init's console is theirs. */
		ctr_console_release(m);
		/* LXC sends STOPPED as a message on reboot; the socket stays open. */
		(void)snprintf(line, sizeof(line), "state STOPPED\n");
		ctr_cmdsock_broadcast(m, line);
		/* A failing post-stop hook turns the reboot into a stop (LXC). */
		if (ctr_hooks_post_stop(m, true) < 0) {
			finish(m, m->exit_signal ? "killed" : "exited");
			return true;
		}
		ctr_monitor_set_state(m, CTR_STARTING);
		if (ctr_hooks_run_host(m, CTR_HOOK_PRE_START) == 0 && start_init(m) == 0)
			return false;
		report_start_error(m);
		finish(m, "start-failed");
		return true;
	}
	if (m->state != CTR_ABORTING && halted(m, status)) {
		m->exit_status = 0;
		m->exit_signal = 0;
		finish(m, "halted");
		return true;
	}
	finish(m, m->state == CTR_ABORTING ? "start-failed" : (m->exit_signal ? "killed" : "exited"));
	return true;
}

static void forward_signal(struct ctr_monitor *m, const struct signalfd_siginfo *si)
{
	int sig = (int)si->ssi_signo;

	/* A hung-up terminal means "stop": LXC turns SIGHUP into SIGTERM. */
	if (sig == SIGHUP)
		sig = SIGTERM;
	if (m->init_pidfd >= 0 && ctr_pidfd_send_signal(m->init_pidfd, sig) < 0)
		log_syserr("Failed to forward signal %d to init", sig);
}

/* Returns true when init exited and the monitor is done. */
static bool signal_event(struct ctr_monitor *m)
{
	struct signalfd_siginfo si;
	bool done = false;

	while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGCHLD) {
			forward_signal(m, &si);
			continue;
		}
		for (;;) {
			siginfo_t info = {0};
			int status;
			/* Peek first: while init is a zombie its name still tells
			 * whether it exec'd, and the channel may hold its last report
			 * (a setup failure, a handover, the EOF of its exec). */
			if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0)
				break;
			if (info.si_pid == m->init_pid && m->chanfd >= 0)
				chan_event(m);
			if (waitpid(info.si_pid, &status, WNOHANG) != info.si_pid)
				break;
			if (info.si_pid == m->init_pid && !done)
				done = init_exited(m, status);
			else if (info.si_pid != m->init_pid)
				(void)ctr_attach_reaped(m, info.si_pid, status);
		}
	}
	return done;
}

static int run_loop(struct ctr_monitor *m)
{
	struct epoll_event events[16];

	for (;;) {
		/* Finite only while the cgroup needs polling (a v1 freeze). */
		int n = epoll_wait(m->epfd, events, ARRAY_SIZE(events), ctr_cgroup_timeout_ms(m));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ctr_cgroup_tick(m);
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;
			if (fd == m->sigfd) {
				if (signal_event(m))
					return 0;
			} else if (fd == m->listenfd) {
				ctr_cmdsock_accept(m);
			} else if (fd == m->lxcfd) {
				ctr_lxcsock_accept(m);
			} else if (fd == m->chanfd) {
				chan_event(m);
			} else if (fd == m->syncfd) {
				/* Foreground: ctr is gone, and the container goes with it,
				 * as it would with lxc-start -F. */
				log_warn("ctr exited: killing the container");
				(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->syncfd, NULL);
				ctr_closep(&m->syncfd);
				m->stop_requested = true;
				/* A frozen init cannot die until it is thawed. */
				if (ctr_cgroup_thaw(m) == 0)
					ctr_cgroup_settle(m);
				if (m->init_pidfd >= 0)
					(void)ctr_pidfd_send_signal(m->init_pidfd, SIGKILL);
			} else if (fd == m->oom_fd || fd == m->cg_events_fd) {
				ctr_cgroup_event(m, fd);
			} else if (ctr_console_event(m, fd, events[i].events)) {
				/* a pty or a console client */
			} else if (ctr_attach_event(m, fd, events[i].events)) {
				/* an attach session or its helper's channel */
			} else {
				ctr_cmdsock_client_event(m, fd, events[i].events);
			}
		}
	}
}

/* Closes every fd from 3 up except the (up to three) given ones. */
static void close_all_but(int a, int b, int c)
{
	int keep[3] = {a, b, c}, from = 3;

	/* Sort the three so the gaps between them are in order. */
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (keep[j] < keep[i]) {
				int t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (int i = 0; i < 3; i++) {
		if (keep[i] < from)
			continue;
		if (keep[i] > from)
			(void)syscall(SYS_close_range, (unsigned)from, (unsigned)keep[i] - 1, 0);
		from = keep[i] + 1;
	}
	(void)syscall(SYS_close_range, (unsigned)from, ~0U, 0);
}

/* setsid, fork: the child is the monitor, in a session of its own that it
 * does not lead (so it can never acquire a controlling terminal), and
 * reparented away from ctr once the original process exits; ctr reads the
 * outcome on the sync fd. One fork, not the classic two: the spawned process
 * is not a process group leader, so it can call setsid itself, and the
 * monitor starts one process creation sooner on every start. A process
 * that leads its group already (a $CTR_MONITOR wrapper may spawn it so)
 * cannot: then fork, setsid, fork as before, the first child reaped by the
 * original process, which exits with its status. */
static int daemonize(struct ctr_monitor *m, bool launched)
{
	_cleanup_close_ int devnull = -EBADF;
	pid_t pid;

	/* Forked by the launcher, which leads a session of its own that has no
	 * terminal (docs/monitor-protocol.md §8): this process cannot acquire
	 * one either, not leading that session. A process group of its own,
	 * as setsid would give it, and no fork. */
	if (launched) {
		if (setpgid(0, 0) < 0)
			return -errno;
		goto detached;
	}
	if (setsid() < 0) {
		pid = fork();
		if (pid < 0)
			return -errno;
		if (pid > 0) {
			int status;
			(void)waitpid(pid, &status, 0);
			_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
		}
		if (setsid() < 0)
			_exit(1);
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
detached:
	if (chdir("/") < 0)
		return -errno;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		return -errno;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(devnull, fd) < 0)
			return -errno;
	/* Only the sync fd and the log survive: close everything else, in as
	 * few close_range calls as there are gaps between the fds we keep. */
	close_all_but(m->syncfd, ctr_log_fd(), devnull);
	return 0;
}

static void init_monitor(struct ctr_monitor *m, struct ctr_spec *spec, int syncfd)
{
	memset(m, 0, sizeof(*m));
	m->spec = spec;
	m->epfd = m->sigfd = m->listenfd = m->lockfd = m->chanfd = m->lxcfd = -EBADF;
	m->init_pidfd = m->cg_v2_dirfd = m->oom_fd = m->cg_events_fd = -EBADF;
	m->late_pidns_fd = m->checkpoint_fd = -EBADF;
	m->syncfd = syncfd;
	m->state = CTR_STARTING;
}

static int fail_early(struct ctr_monitor *m, int step, int err)
{
	m->start_error = (struct ctr_child_error){step, err < 0 ? -err : err, -1};
	report_start_error(m);
	return 1;
}

int ctr_monitor_run(struct ctr_spec *spec, int syncfd, long long spec_us, bool launched)
{
	struct ctr_monitor mon, *m = &mon;
	int ret, which;

	init_monitor(m, spec, syncfd);
	m->spec_us = spec_us;
	if (!spec->foreground) {
		ret = daemonize(m, launched);
		if (ret < 0)
			return fail_early(m, CTR_STEP_RUNDIR, ret);
	}
	m->self_pid = getpid();
	m->self_starttime = ctr_proc_starttime(m->self_pid, NULL);
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	ret = ctr_rundir_lock(m);
	if (ret == -EBUSY) {
		sync_send(m, "busy\n");
		return 0;
	}
	if (ret < 0)
		return fail_early(m, CTR_STEP_LOCK, ret);
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epfd < 0 || (ret = setup_signals(m)) < 0) {
		ctr_rundir_remove(m);
		return fail_early(m, CTR_STEP_RUNDIR, m->epfd < 0 ? errno : ret);
	}
	ret = ctr_rundir_write_pids(m, &which);
	if (ret < 0) {
		ctr_rundir_remove(m);
		m->start_error = (struct ctr_child_error){CTR_STEP_PIDFILE, -ret, which};
		report_start_error(m);
		return 1;
	}
	sync_send(m, "monitor %d\n", (int)m->self_pid);
	ret = ctr_cmdsock_listen(m);
	if (ret < 0) {
		ctr_rundir_remove(m);
		return fail_early(m, CTR_STEP_SOCKET, ret);
	}
	/* LXC's lock too: LXC's tools see the container and never start it twice. */
	ret = ctr_lxcsock_listen(m);
	if (ret < 0) {
		ctr_rundir_remove(m);
		return fail_early(m, CTR_STEP_LXC_LOCK, ret);
	}
	ctr_monitor_set_state(m, CTR_STARTING);

	ret = ctr_spawn_prepare(m);
	if (ret < 0) {
		ctr_rundir_remove(m);
		return fail_early(m, CTR_STEP_CLONE, ret);
	}
	/* A dead monitor's interfaces first (its cgroups: ctr_cgroup_setup). */
	(void)ctr_net_cleanup_rundir(spec->rundir);
	/* pre-start hooks: host namespaces, before anything of the container
	 * exists (LXC's lxc_init). */
	ret = ctr_hooks_prepare(m);
	if (ret == 0)
		ret = ctr_hooks_run_host(m, CTR_HOOK_PRE_START);
	if (ret == 0)
		ret = ctr_console_prepare(m);
	if (ret == 0)
		ret = ctr_cgroup_setup(m);
	if (ret == 0 && spec->restore_argc > 0) {
		/* ctr checkpoint -r: criu restores init as our child (restore.c). */
		ret = ctr_restore_init(m);
		if (ret == 0) {
			sync_send(m, "init %d\n", (int)m->init_pid);
			init_running(m);
		}
	} else if (ret == 0) {
		ret = start_init(m);
	}
	if (ret < 0) {
		if (!m->start_error.step)
			m->start_error = (struct ctr_child_error){CTR_STEP_CGROUP, -ret, -1};
		m->stop_requested = true;
		ctr_monitor_set_state(m, CTR_ABORTING);
		report_start_error(m);
		if (m->init_pid > 0) {
			if (m->init_pidfd >= 0)
				(void)ctr_pidfd_send_signal(m->init_pidfd, SIGKILL);
			(void)reap_until(m, ctr_monotonic_us() + 5 * 1000000LL);
		}
		finish(m, "start-failed");
		exec_onexit(m);
		return 1;
	}
	if (spec->foreground && m->syncfd >= 0) {
		struct epoll_event ev = {.events = EPOLLRDHUP | EPOLLHUP, .data.fd = m->syncfd};
		(void)epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->syncfd, &ev);
	}

	ret = run_loop(m);
	ctr_close_shares(m);
	ctr_hooks_free(m);
	if (ret < 0)
		log_error("Monitor loop failed: %s", strerror(-ret));
	if (m->start_error.step) {
		exec_onexit(m);
		return 1;
	}
	if (spec->foreground)
		sync_send(m, "exit %d\n", m->exit_status);
	exec_onexit(m);
	return spec->foreground ? m->exit_status : 0;
}
