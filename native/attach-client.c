/* `ctr-monitor attach --rundir DIR [--pty-log FILE]`: the client side of an
 * attach session (docs/monitor-protocol.md §4.6), run by `ctr attach`
 * (src/sys/attach.ts) in a session of its own, with the user's stdio as its
 * own. Node cannot pass file descriptors over a unix socket; this small
 * program can, so the attached process writes straight to the caller's
 * files and pipes, as lxc-attach's does.
 *
 * fd 3 carries ctr's request in ("<length>\n", then records without the
 * closing `end`) and this tool's report lines out:
 *     pid N                the attached process's host pid
 *     exit S SIG ERRNO     its exit status (128 + SIG if killed; ERRNO: a failed exec's)
 *     err STEP ERRNO DETAIL  the attach failed (STEP: docs/monitor-protocol.md §4.6)
 * Exit status: S, or 1 when the attach failed.
 *
 * With a terminal on any of fds 0-2 (lxc-attach's rule), the process gets a
 * pty of the container's on those fds instead, and this program proxies it:
 * the terminal in raw mode (the settings lxc_setup_tios gives), window sizes
 * as they change (ctr forwards SIGWINCH), the output to the terminal and to
 * the -L log, and the terminal restored on every way out but SIGKILL. ctr
 * forwards the signals it gets (SIGINT, SIGTERM, SIGHUP, ...): they go to
 * the attached process through the monitor. */
#define _GNU_SOURCE
#include "attach-client.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

#define REPORT_FD 3
#define REQUEST_MAX (4u << 20)
/* The signal the kernel sends us when ctr dies (PR_SET_PDEATHSIG); ctr
 * forwards none in the real-time range. */
#define PARENT_DIED (SIGRTMAX)

struct client {
	int conn, sigfd, master, log_fd;
	int in_fd;   /* the terminal typed into (stdin), or -1 */
	int out_fd;  /* where the pty's output goes, or -1 */
	int size_fd; /* the terminal whose window size the pty gets, or -1 */
	bool raw;
	struct termios saved;
	char line[1024];
	size_t linelen;
	char pending[4096]; /* typed, not yet taken by the pty */
	size_t npending;
	bool done;
	int status;
};

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void report(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	/* ctr may be gone: never die of SIGPIPE. */
	va_start(ap, fmt);
	(void)ctr_send_linev(REPORT_FD, line, sizeof(line), fmt, ap);
	va_end(ap);
}

static int fail(const char *step, int err, const char *detail)
{
	report("err %s %d %s\n", step, err < 0 ? -err : err, detail ? detail : "");
	return 1;
}

/* Writes everything, waiting while a non-blocking fd is full. */
static int write_fully(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};
			(void)RETRY_EINTR(poll(&pfd, 1, -1));
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void restore_terminal(struct client *c)
{
	if (!c->raw)
		return;
	(void)tcsetattr(c->in_fd, TCSADRAIN, &c->saved);
	c->raw = false;
}

/* lxc_setup_tios's settings (ssh's): no echo, no line editing, no
 * signals from keys, output post-processing kept. */
static void enter_raw_mode(struct client *c)
{
	struct termios t;

	if (c->in_fd < 0 || tcgetattr(c->in_fd, &c->saved) < 0)
		return;
	t = c->saved;
	t.c_iflag |= IGNPAR;
	t.c_iflag &= ~(tcflag_t)(ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXANY | IXOFF | IUCLC);
	t.c_lflag &= ~(tcflag_t)(TOSTOP | ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL | IEXTEN);
	t.c_oflag |= OPOST | ONLCR;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(c->in_fd, TCSAFLUSH, &t) == 0)
		c->raw = true;
}

static void copy_window_size(struct client *c)
{
	struct winsize ws;

	if (c->master >= 0 && c->size_fd >= 0 && ioctl(c->size_fd, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(c->master, TIOCSWINSZ, &ws);
}

/* The pty's output to the terminal and the log. false at EIO: every
 * holder of the pty's other side has closed it. */
static bool pump_output(struct client *c)
{
	char buf[8192];
	ssize_t n = read(c->master, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	if (c->out_fd >= 0)
		(void)write_fully(c->out_fd, buf, (size_t)n);
	if (c->log_fd >= 0)
		(void)write_fully(c->log_fd, buf, (size_t)n);
	return true;
}

static void close_master(struct client *c)
{
	ctr_closep(&c->master);
	c->npending = 0;
}

/* Typed input to the pty; what it cannot take now waits. A terminal that
 * hung up ends the session as lxc-attach's does: the pty closes, and the
 * kernel hangs up the attached process's terminal (SIGHUP). */
static void pump_input(struct client *c)
{
	ssize_t n;

	if (c->npending == 0) {
		n = read(c->in_fd, c->pending, sizeof(c->pending));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			c->in_fd = -1;
			close_master(c);
			return;
		}
		c->npending = (size_t)n;
	}
	n = write(c->master, c->pending, c->npending);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		close_master(c);
		return;
	}
	memmove(c->pending, c->pending + n, c->npending - (size_t)n);
	c->npending -= (size_t)n;
}

/* What is left in the pty once the process exited (a read flushes what the
 * process wrote before it exited), without waiting for anything it left
 * running in the background. */
static void drain_output(struct client *c)
{
	int flags;

	if (c->master < 0)
		return;
	flags = fcntl(c->master, F_GETFL);
	if (flags >= 0)
		(void)fcntl(c->master, F_SETFL, flags | O_NONBLOCK);
	for (int i = 0; i < 4096; i++) {
		char buf[8192];
		ssize_t n = read(c->master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (c->out_fd >= 0)
			(void)write_fully(c->out_fd, buf, (size_t)n);
		if (c->log_fd >= 0)
			(void)write_fully(c->log_fd, buf, (size_t)n);
	}
}

static void take_master(struct client *c, int fd)
{
	if (c->master >= 0 || fd < 0) {
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	c->master = fd;
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	copy_window_size(c);
	enter_raw_mode(c);
}

static void monitor_line(struct client *c, char *line)
{
	int a, b, e;

	if (strncmp(line, "pid ", 4) == 0) {
		report("%s\n", line);
	} else if (sscanf(line, "exit %d %d %d", &a, &b, &e) == 3) {
		drain_output(c);
		report("%s\n", line);
		c->status = a;
		c->done = true;
	} else if (strncmp(line, "err ", 4) == 0) {
		report("%s\n", line);
		c->status = 1;
		c->done = true;
	}
}

/* Lines from the monitor; a pty's master rides along with "pty". */
static void read_monitor(struct client *c)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	char buf[512];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	ssize_t n = recvmsg(c->conn, &msg, MSG_CMSG_CLOEXEC);
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;

	if (n < 0 && errno == EINTR)
		return;
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
		int fd;
		memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
		take_master(c, fd);
	}
	if (n <= 0) {
		/* The monitor went away without a word: it crashed or was killed. */
		report("err monitor %d \n", EPIPE);
		c->status = 1;
		c->done = true;
		return;
	}
	for (ssize_t i = 0; i < n && !c->done; i++) {
		if (buf[i] != '\n') {
			if (c->linelen + 1 < sizeof(c->line))
				c->line[c->linelen++] = buf[i];
			continue;
		}
		c->line[c->linelen] = '\0';
		c->linelen = 0;
		if (strcmp(c->line, "pty") != 0)
			monitor_line(c, c->line);
	}
}

/* ctr's forwarded signals go to the attached process; SIGWINCH is the
 * terminal's new size; ctr's death detaches (the process goes on, as when
 * lxc-attach dies; its terminal hangs up). */
static void read_signals(struct client *c)
{
	struct signalfd_siginfo si;

	while (read(c->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		char line[32];
		int n;
		if (si.ssi_signo == SIGWINCH) {
			copy_window_size(c);
			continue;
		}
		if ((int)si.ssi_signo == PARENT_DIED) {
			c->status = 1;
			c->done = true;
			return;
		}
		n = snprintf(line, sizeof(line), "signal %u\n", si.ssi_signo);
		(void)send(c->conn, line, (size_t)n, MSG_NOSIGNAL);
	}
}

static int run_session(struct client *c)
{
	while (!c->done) {
		struct pollfd pfd[4] = {
			{.fd = c->conn, .events = POLLIN},
			{.fd = c->sigfd, .events = POLLIN},
			{.fd = c->master, .events = (short)(POLLIN | (c->npending ? POLLOUT : 0))},
			{.fd = c->master >= 0 && !c->npending ? c->in_fd : -1, .events = POLLIN},
		};
		if (RETRY_EINTR(poll(pfd, ARRAY_SIZE(pfd), -1)) < 0)
			return -errno;
		if (pfd[1].revents)
			read_signals(c);
		if (c->done)
			break;
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
			if (!pump_output(c))
				close_master(c);
		if (c->master >= 0 && ((pfd[2].revents & POLLOUT) || (pfd[3].revents & (POLLIN | POLLHUP | POLLERR))))
			pump_input(c);
		if (pfd[0].revents)
			read_monitor(c);
	}
	return 0;
}

/* ctr's request on fd 3: "<length>\n" and that many bytes. */
static int read_request(char **body, size_t *len)
{
	char header[24];
	size_t n = 0;
	unsigned long long want;
	ssize_t got;

	for (;;) {
		if (n + 1 >= sizeof(header) || RETRY_EINTR(read(REPORT_FD, header + n, 1)) != 1)
			return -EINVAL;
		if (header[n] == '\n')
			break;
		n++;
	}
	header[n] = '\0';
	if (ctr_parse_ull(header, &want) < 0 || want == 0 || want > REQUEST_MAX)
		return -EINVAL;
	*body = malloc(want + 64);
	if (!*body)
		return -ENOMEM;
	got = ctr_read_all(REPORT_FD, *body, want);
	if (got != (ssize_t)want)
		return got < 0 ? (int)got : -EPIPE;
	*len = want;
	return 0;
}

/* The request as the monitor takes it: ctr's records, then which of our
 * fds are passed (the others become the pty), the window size, `end`. */
static int send_request(struct client *c, char *body, size_t len, unsigned int mask, int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} control;
	char header[24], extra[64];
	struct winsize ws = {0};
	struct iovec iov[3];
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 3};
	int n, m;

	if (c->size_fd >= 0)
		(void)ioctl(c->size_fd, TIOCGWINSZ, &ws);
	m = snprintf(extra, sizeof(extra), "stdio%c%u%cwinsize%c%u%c%u%cend%c", 0, mask, 0, 0, ws.ws_row, 0, ws.ws_col, 0, 0);
	n = snprintf(header, sizeof(header), "%zu\n", len + (size_t)m);
	iov[0] = (struct iovec){.iov_base = header, .iov_len = (size_t)n};
	iov[1] = (struct iovec){.iov_base = body, .iov_len = len};
	iov[2] = (struct iovec){.iov_base = extra, .iov_len = (size_t)m};
	if (nfds > 0) {
		struct cmsghdr *cm;
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	/* A blocking stream socket: sendmsg sends it all (the fds go with the
	 * first bytes). */
	return RETRY_EINTR(sendmsg(c->conn, &msg, MSG_NOSIGNAL)) == (ssize_t)((size_t)n + len + (size_t)m) ? 0 : -EIO;
}

/* Connects and asks for an attach session: `ok`, or the monitor's `err`. */
static int open_session(const char *rundir)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -EBADF;
	char reply[64];
	size_t n = 0;

	if ((size_t)snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/command.sock", rundir) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (RETRY_EINTR(connect(fd, (struct sockaddr *)&addr, sizeof(addr))) < 0)
		return errno == ENOENT || errno == ECONNREFUSED ? -ESRCH : -errno;
	if (RETRY_EINTR(send(fd, "attach\n", 7, MSG_NOSIGNAL)) != 7)
		return -ESRCH;
	for (;;) {
		if (n + 1 >= sizeof(reply) || RETRY_EINTR(read(fd, reply + n, 1)) != 1)
			return -ESRCH; /* the monitor is stopping */
		if (reply[n] == '\n')
			break;
		n++;
	}
	reply[n] = '\0';
	if (strcmp(reply, "ok") != 0)
		return strcmp(reply, "err EBUSY") == 0 ? -EBUSY : -EPROTO;
	return move_fd(fd);
}

/* Which fds are terminals: those get the pty; the rest go as they are. */
static unsigned int pick_stdio(struct client *c, int *fds, int *nfds)
{
	unsigned int mask = 0;
	bool tty[3];

	*nfds = 0;
	for (int fd = 0; fd < 3; fd++) {
		tty[fd] = isatty(fd);
		if (tty[fd])
			continue;
		mask |= 1u << fd;
		/* A closed std fd (ctr run with <&-) gets /dev/null. */
		fds[(*nfds)++] = fcntl(fd, F_GETFD) < 0 ? open("/dev/null", O_RDWR | O_CLOEXEC) : fd;
	}
	c->in_fd = tty[0] ? 0 : -1;
	c->out_fd = tty[1] ? 1 : tty[2] ? 2 : tty[0] ? 0 : -1;
	c->size_fd = tty[0] ? 0 : tty[1] ? 1 : tty[2] ? 2 : -1;
	return mask;
}

static int open_log(const char *path)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int err = errno ? -errno : -EINVAL;
		(void)close(fd);
		return S_ISREG(st.st_mode) ? err : -EINVAL;
	}
	return fd;
}

static int setup_signals(struct client *c)
{
	static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGCONT, SIGTSTP, SIGPWR, SIGWINCH};
	sigset_t mask;

	sigemptyset(&mask);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	sigaddset(&mask, PARENT_DIED);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	(void)signal(SIGPIPE, SIG_IGN);
	c->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (c->sigfd < 0)
		return -errno;
	/* Detach if ctr dies; it may already have. */
	if (prctl(PR_SET_PDEATHSIG, PARENT_DIED, 0, 0, 0) < 0 || getppid() == 1)
		return -ESRCH;
	return 0;
}

struct options {
	const char *rundir, *pty_log;
	int parent;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{"rundir", required_argument, NULL, 'r'},
		{"pty-log", required_argument, NULL, 'L'},
		{"parent", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'r')
			o->rundir = optarg;
		else if (ch == 'L')
			o->pty_log = optarg;
		else if (ch != 'p' || ctr_parse_int(optarg, &o->parent) < 0)
			return -EINVAL;
	}
	return o->rundir && o->parent > 0 && optind == argc ? 0 : -EINVAL;
}

/* Everything up to the session: a number of failures, each reported. */
static int start(struct client *c, const struct options *o)
{
	_cleanup_free_ char *body = NULL;
	int fds[3], nfds, ret;
	unsigned int mask;
	size_t len = 0;

	ret = setup_signals(c);
	if (ret < 0 || getppid() != o->parent)
		return fail("session", ret < 0 ? ret : -ESRCH, "");
	ret = read_request(&body, &len);
	if (ret < 0)
		return fail("request", ret, "");
	if (o->pty_log) {
		c->log_fd = open_log(o->pty_log);
		if (c->log_fd < 0)
			return fail("pty-log", c->log_fd, o->pty_log);
	}
	mask = pick_stdio(c, fds, &nfds);
	c->conn = open_session(o->rundir);
	if (c->conn < 0)
		ret = c->conn;
	else
		ret = send_request(c, body, len, mask, fds, nfds);
	for (int i = 0; i < nfds; i++)
		if (fds[i] > 2)
			(void)close(fds[i]);
	if (ret < 0)
		return fail(ret == -ESRCH ? "state" : "session", ret, ret == -ESRCH ? "STOPPED" : "");
	return 0;
}

int ctr_tool_attach(int argc, char **argv)
{
	struct client c = {.conn = -EBADF, .sigfd = -EBADF, .master = -EBADF, .log_fd = -EBADF, .in_fd = -1, .out_fd = -1, .size_fd = -1};
	struct options o;
	int ret;

	if (parse_options(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: ctr-monitor attach --rundir DIR --parent PID [--pty-log FILE]\n");
		return 1;
	}
	/* We hold the user's terminal and the pty: nobody opens our fds. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	ret = start(&c, &o);
	if (ret == 0 && run_session(&c) < 0) {
		(void)fail("session", errno, "");
		c.status = 1;
	}
	restore_terminal(&c);
	close_master(&c);
	ctr_closep(&c.conn);
	ctr_closep(&c.log_fd);
	ctr_closep(&c.sigfd);
	return ret ? ret : c.status;
}
