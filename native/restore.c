/* ctr checkpoint -r: init restored by CRIU instead of cloned
 * (docs/monitor-protocol.md §5.6). The monitor forks; the child enters a
 * mount namespace of its own, makes the container's rootfs a mount of its
 * own (CRIU's --root must be one, as LXC's do_restore binds it), and execs
 * the spec's criu command: `criu restore ... --restore-detached
 * --restore-sibling --pidfile P`. With --restore-sibling criu forks the
 * restored init as a sibling of itself, so it is the monitor's child, as a
 * cloned init is; --restore-detached lets criu exit once the tree runs.
 * The monitor then reads init's pid from P, checks that it is its child and
 * holds it by a pidfd like any init. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

/* The end of criu's output, kept for the failure report. */
static char criu_output[4096];
static size_t criu_output_len;
static char error_detail[512];

const char *ctr_restore_error_detail(void)
{
	return error_detail;
}

static void keep_output(const char *buf, size_t n)
{
	/* The last bytes count: criu prints its error last. */
	if (n >= sizeof(criu_output) - 1) {
		buf += n - (sizeof(criu_output) - 1);
		n = sizeof(criu_output) - 1;
	}
	if (criu_output_len + n >= sizeof(criu_output)) {
		size_t drop = criu_output_len + n - (sizeof(criu_output) - 1);
		memmove(criu_output, criu_output + drop, criu_output_len - drop);
		criu_output_len -= drop;
	}
	memcpy(criu_output + criu_output_len, buf, n);
	criu_output_len += n;
	criu_output[criu_output_len] = '\0';
}

/* The last "Error (...): " line of criu's output, without its location,
 * else the last line, else how criu ended. */
static void set_detail(int status)
{
	char *best = NULL, *last = NULL;

	for (char *line = strtok(criu_output, "\n"); line; line = strtok(NULL, "\n")) {
		char *e = strstr(line, "Error (");
		if (*line)
			last = line;
		if (e && (e = strstr(e, "): ")))
			best = e + 3;
	}
	if (best || last)
		(void)snprintf(error_detail, sizeof(error_detail), "%s", best ? best : last);
	else if (WIFSIGNALED(status))
		(void)snprintf(error_detail, sizeof(error_detail), "criu was killed by signal %d", WTERMSIG(status));
	else
		(void)snprintf(error_detail, sizeof(error_detail), "criu exited with status %d", WEXITSTATUS(status));
}

/* The child: a mount namespace of its own with the rootfs mounted on
 * itself, stdio on the output pipe, no signal blocked, criu. Never returns. */
static void exec_criu(struct ctr_monitor *m, int out)
{
	const struct ctr_spec *s = m->spec;
	sigset_t none;
	int devnull;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0) {
		dprintf(out, "Error (ctr-monitor): a mount namespace for criu: %s\n", strerror(errno));
		_exit(126);
	}
	if (s->rootfs) {
		int ret = s->rootfs_fstype ? mount(s->rootfs_source, s->rootfs, s->rootfs_fstype, s->rootfs_flags, s->rootfs_data)
					   : mount(s->rootfs, s->rootfs, NULL, MS_BIND | MS_REC, NULL);
		if (ret < 0) {
			dprintf(out, "Error (ctr-monitor): mounting the rootfs %s for criu: %s\n", s->rootfs, strerror(errno));
			_exit(126);
		}
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
		_exit(126);
	/* Nothing of the monitor's reaches criu or the restored tree. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		_exit(126);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	execv(s->restore_argv[0], (char *const *)s->restore_argv);
	dprintf(STDERR_FILENO, "Error (ctr-monitor): exec %s: %s\n", s->restore_argv[0], strerror(errno));
	_exit(127);
}

/* How long a restore may take before criu is killed: a bound for a hang, as
 * a hook's (hooks.c, the same default), not for speed. */
#define RESTORE_TIMEOUT_S 300

/* Reads criu's output until it exits (woken by its pidfd, so no polling),
 * then drains what it wrote; kills it at the deadline. Returns its wait
 * status, or -errno (-ETIMEDOUT for the deadline). */
static int wait_criu(pid_t pid, int out)
{
	_cleanup_close_ int pidfd = ctr_pidfd_open(pid);
	long long deadline = ctr_monotonic_us() + RESTORE_TIMEOUT_S * 1000000LL;
	struct pollfd p[2] = {{.fd = out, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
	bool timed_out = false;
	char buf[1024];
	int status;

	if (pidfd < 0)
		p[1].fd = -1; /* no pidfd: the pipe's end (criu's exit) wakes us */
	while (p[1].fd >= 0 || p[0].fd >= 0) {
		long long left = deadline - ctr_monotonic_us();
		int n;
		if (left <= 0) {
			(void)kill(pid, SIGKILL);
			timed_out = true;
			break;
		}
		n = poll(p, 2, (int)(left / 1000 + 1 > 60000 ? 60000 : left / 1000 + 1));
		if (n <= 0) {
			if (n < 0 && errno != EINTR)
				break;
			continue;
		}
		if (p[0].fd >= 0 && p[0].revents) {
			ssize_t k = read(out, buf, sizeof(buf));
			if (k > 0)
				keep_output(buf, (size_t)k);
			else if (k == 0 || errno != EINTR)
				p[0].fd = -1;
		}
		if (p[1].fd >= 0 && p[1].revents)
			break; /* criu exited: drain below */
	}
	/* What it wrote before it exited (the restored tree must not hold the
	 * pipe; if it does, this stops at what is there now). */
	(void)fcntl(out, F_SETFL, O_NONBLOCK);
	for (ssize_t k; (k = read(out, buf, sizeof(buf))) > 0;)
		keep_output(buf, (size_t)k);
	/* Bounded: it exited, or it was killed above. */
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return timed_out ? -ETIMEDOUT : status;
}

static int read_pidfile(const char *path, pid_t *pid)
{
	char buf[32];
	/* The run dir is the monitor's (docs/architecture.md §11.3); even so,
	 * only a regular file is read, and never through a link or a FIFO. */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	ssize_t n;
	int v;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -EINVAL;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (ctr_parse_int(buf, &v) < 0 || v <= 0)
		return -EINVAL;
	*pid = v;
	return 0;
}

int ctr_restore_init(struct ctr_monitor *m)
{
	int pipefd[2], status, ret;
	pid_t pid, init = 0;

	criu_output_len = 0;
	criu_output[0] = '\0';
	error_detail[0] = '\0';
	(void)unlink(m->spec->restore_pidfile);
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		ret = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		(void)close(pipefd[0]);
		(void)close(pipefd[1]);
		goto fail;
	}
	if (pid == 0) {
		(void)close(pipefd[0]);
		exec_criu(m, pipefd[1]);
	}
	(void)close(pipefd[1]);
	log_info("Restoring with %s (pid %d)", m->spec->restore_argv[0], (int)pid);
	status = wait_criu(pid, pipefd[0]);
	(void)close(pipefd[0]);
	if (status < 0) {
		if (status == -ETIMEDOUT)
			(void)snprintf(error_detail, sizeof(error_detail), "criu restore did not finish within %d s and was killed", RESTORE_TIMEOUT_S);
		ret = status;
		goto fail;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_error("criu restore failed; its output:\n%s", criu_output);
		set_detail(status);
		ret = -EIO;
		goto fail;
	}
	ret = read_pidfile(m->spec->restore_pidfile, &init);
	(void)unlink(m->spec->restore_pidfile);
	if (ret < 0) {
		(void)snprintf(error_detail, sizeof(error_detail), "criu wrote no pid to %s", m->spec->restore_pidfile);
		goto fail;
	}
	/* --restore-sibling: the restored init is ours, or this is not it. */
	if (!ctr_monitor_is_child(m, init)) {
		(void)snprintf(error_detail, sizeof(error_detail), "the restored init %d is not the monitor's child", (int)init);
		ret = -ECHILD;
		goto fail;
	}
	m->init_pid = init;
	m->init_starttime = ctr_proc_starttime(init, NULL);
	m->init_pidfd = ctr_pidfd_open_checked(init, m->init_starttime);
	if (m->init_pidfd < 0) {
		ret = m->init_pidfd;
		m->init_pidfd = -EBADF;
		(void)snprintf(error_detail, sizeof(error_detail), "the restored init %d is gone", (int)init);
		goto fail;
	}
	log_info("Restored init %d", (int)init);
	return 0;
fail:
	m->start_error = (struct ctr_child_error){CTR_STEP_RESTORE, ret < 0 ? -ret : EIO, -1};
	return ret < 0 ? ret : -EIO;
}
