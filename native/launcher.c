/* The launcher: a fork server for monitors (docs/monitor-protocol.md §8,
 * docs/architecture.md §2.5).
 *
 * A program that starts many containers (the library, `ctr start --many`)
 * would otherwise fork its whole Node process per container, then exec the
 * monitor, which re-executes itself from its sealed copy (sealed.c) before
 * it reads its spec. The launcher does that exec and that re-exec once: it
 * is spawned once per Node process, seals itself, and for each framed spec
 * it reads on fd 3 forks a child that continues exactly as `ctr-monitor
 * start` does after reading its spec (ctr_start_monitor): the fork of a
 * small static process instead of Node's, and the sealed image inherited.
 *
 * Each child reports on a socketpair of its own (its fd 3, as a spawned
 * monitor's); the launcher relays what comes on it to ctr, tagged with the
 * spec's id, and says when it closed. It ends at EOF on fd 3 (ctr closed
 * it or died: the kernel closes a dead process's end) and, should that
 * be missed, when its parent dies (PR_SET_PDEATHSIG). It leads a session
 * of its own without a terminal, so the monitors it forks are daemons
 * without the fork a spawned monitor makes to leave ctr's session (they
 * take a process group of their own). They are its children until it
 * exits (the kernel reaps them: SIGCHLD is ignored) and outlive it, as
 * spawned monitors outlive ctr. */
#define _GNU_SOURCE
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "monitor.h"
#include "sealed.h"
#include "util.h"

#define CHANNEL_FD 3
/* A frame's header line: "start ID CWDLEN ENVLEN SPECLEN\n". */
#define HEADER_MAX 128
/* The spec's own bound (spec.c) plus its header; the cwd and environment
 * get the same bound: a frame beyond it is a ctr bug, not a start. */
#define PART_MAX ((16u << 20) + 32)

extern char **environ;

/* Padding ctr puts in the launcher's environment: room for its children's
 * titles (set_title). */
#define ROOM_ENV "CTR_LAUNCHER_ROOM"

int ctr_start_monitor(int ret, struct ctr_spec *spec, long long spec_us, bool launched)
{
	if (ret < 0) {
		char line[sizeof(spec->error) + 32];
		int n = snprintf(line, sizeof(line), "error spec %d %s\n", -ret, spec->error);
		if (n > 0)
			(void)!write(CHANNEL_FD, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		return 1;
	}
	/* A log that cannot be opened is an error the caller hears about, not
	 * a run whose log silently goes nowhere. */
	ret = ctr_log_open(spec->logfile, spec->loglevel, spec->name);
	if (ret < 0) {
		char line[PATH_MAX + 64];
		int n = snprintf(line, sizeof(line), "error log %d %s\n", -ret, spec->logfile);
		if (n > 0)
			(void)!write(CHANNEL_FD, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		ctr_spec_free(spec);
		return 1;
	}
	ret = ctr_monitor_run(spec, CHANNEL_FD, spec_us, launched);
	ctr_spec_free(spec);
	ctr_log_close();
	return ret;
}

/* One line to ctr; the launcher has nothing left to do once ctr is gone. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = ctr_send_linev(CHANNEL_FD, line, sizeof(line), fmt, ap);
	va_end(ap);
	if (ret < 0 && ret != -EINVAL)
		_exit(0);
}

/* `data ID LEN\n` and the bytes, in one go. */
static void relay_data(unsigned long long id, const char *buf, size_t len)
{
	char head[64];
	int n = snprintf(head, sizeof(head), "data %llu %zu\n", id, len);
	struct iovec iov[2] = {{head, (size_t)n}, {(void *)buf, len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

	while (msg.msg_iovlen > 0) {
		ssize_t w = sendmsg(CHANNEL_FD, &msg, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(0);
		while (msg.msg_iovlen > 0 && (size_t)w >= msg.msg_iov[0].iov_len) {
			w -= (ssize_t)msg.msg_iov[0].iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen > 0) {
			msg.msg_iov[0].iov_base = (char *)msg.msg_iov[0].iov_base + w;
			msg.msg_iov[0].iov_len -= (size_t)w;
		}
	}
}

/* Where a child writes its title: the launcher's argument strings and the
 * environment strings right after them, as the kernel laid them out at
 * exec (measured at start-up, before anything moved). */
static char *title_at;
static size_t title_room, title_args;

/* How much room there is from argv[0] on: the argument strings, then the
 * environment strings as long as each starts where the previous ended. ctr
 * adds a long CTR_LAUNCHER_ROOM variable so that there is room enough. */
static void measure_title_room(int argc, char **argv)
{
	char *end = argv[0];

	for (int i = 0; i < argc; i++) {
		if (argv[i] != end)
			return;
		end = argv[i] + strlen(argv[i]) + 1;
	}
	title_at = argv[0];
	title_args = (size_t)(end - argv[0]);
	for (char **e = environ; *e && *e == end; e++)
		end = *e + strlen(*e) + 1;
	title_room = (size_t)(end - argv[0]);
	/* /proc/PID/cmdline shows at most one page of an overwritten title. */
	if (title_room > 4096)
		title_room = 4096;
}

/* Makes /proc/PID/cmdline read "ARGV0 start --name NAME --lxcpath PATH",
 * what a spawned monitor shows, so that ps tells which container a monitor
 * belongs to (docs/monitor-protocol.md §1). The kernel's setproctitle
 * convention: when the last byte of the argument strings is not a NUL, it
 * shows the string from the first argument on, into the environment
 * strings (fs/proc/base.c get_mm_cmdline), so the title is one string: the
 * same text, with spaces where a spawned monitor's arguments have NULs.
 * (PR_SET_MM_ARG_START would keep the NULs but needs CAP_SYS_RESOURCE,
 * which root may lack.) Nothing reads the old strings any more: the child
 * has the environment ctr sent. */
static void set_title(const char *argv0, const char *name, const char *lxcpath)
{
	char title[4096];
	int n;

	if (!title_at || title_room < 2)
		return;
	n = snprintf(title, sizeof(title), "%s start --name %s --lxcpath %s", argv0, name, lxcpath);
	if (n < 0)
		return;
	if ((size_t)n > title_room - 1)
		n = (int)(title_room - 1);
	/* Shorter than the launcher's own arguments: spaces up to their end,
	 * so that their last byte is not a NUL. */
	while ((size_t)n < title_args && (size_t)n < sizeof(title) - 1)
		title[n++] = ' ';
	memset(title_at, 0, title_room);
	memcpy(title_at, title, (size_t)n);
}

/* The forked child: from here on it is `ctr-monitor start` having read its
 * spec, with `syncfd` as its fd 3. */
static void __attribute__((noreturn)) run_child(int syncfd, const char *argv0, const char *cwd, char *env, size_t envlen,
						const char *spec_data, size_t speclen)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	struct ctr_spec spec;
	long long spec_us;
	sigset_t all;
	char **envp;
	size_t nenv = 0, k = 0;
	int ret;

	/* As cmd_start: every signal blocked (the monitor reads them from a
	 * signalfd), the launcher's own dispositions undone. */
	sigfillset(&all);
	(void)sigprocmask(SIG_BLOCK, &all, NULL);
	(void)sigaction(SIGCHLD, &dfl, NULL);
	(void)sigaction(SIGPIPE, &dfl, NULL);
	(void)prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	if (dup2(syncfd, CHANNEL_FD) < 0)
		_exit(127);
	/* Nothing of the launcher's: not ctr's channel, not the other
	 * monitors' report sockets. */
	(void)syscall(SYS_close_range, CHANNEL_FD + 1, ~0U, 0);
	/* The environment and working directory ctr has now, as a spawned
	 * monitor would have had them. */
	for (size_t i = 0; i < envlen; i++)
		if (env[i] == '\0')
			nenv++;
	envp = calloc(nenv + 1, sizeof(*envp));
	if (!envp)
		_exit(127);
	for (size_t i = 0; i < envlen; i += strlen(env + i) + 1)
		envp[k++] = env + i;
	environ = envp;
	if (chdir(cwd) < 0)
		(void)!chdir("/");
	ret = ctr_spec_parse(spec_data, speclen, &spec);
	/* startupUs counts from here, as in cmd_start. */
	spec_us = ctr_monotonic_us();
	if (ret == 0)
		set_title(argv0, spec.name, spec.lxcpath);
	exit(ctr_start_monitor(ret, &spec, spec_us, true));
}

struct relay {
	unsigned long long id;
	int fd;
};

struct launcher {
	const char *argv0;
	char *in;
	size_t inlen, incap;
	struct relay *relays;
	size_t nrelays, relaycap;
};

static int parse_size(const char *s, size_t max, size_t *out)
{
	unsigned long long v;

	if (ctr_parse_ull(s, &v) < 0 || v > max)
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

static void launch(struct launcher *l, unsigned long long id, const char *cwd, char *env, size_t envlen, const char *spec, size_t speclen)
{
	int sv[2];
	pid_t pid;

	if (l->nrelays == l->relaycap) {
		size_t cap = l->relaycap ? l->relaycap * 2 : 16;
		struct relay *r = realloc(l->relays, cap * sizeof(*r));
		if (!r) {
			say("fail %llu %d\n", id, ENOMEM);
			return;
		}
		l->relays = r;
		l->relaycap = cap;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		say("fail %llu %d\n", id, errno);
		return;
	}
	pid = fork();
	if (pid < 0) {
		int err = errno;
		(void)close(sv[0]);
		(void)close(sv[1]);
		say("fail %llu %d\n", id, err);
		return;
	}
	if (pid == 0)
		run_child(sv[1], l->argv0, cwd, env, envlen, spec, speclen);
	(void)close(sv[1]);
	l->relays[l->nrelays++] = (struct relay){id, sv[0]};
}

/* Every complete frame in the input: a child each. A malformed header is
 * a ctr bug that leaves no way to find the next frame: fatal. */
static void serve_frames(struct launcher *l)
{
	size_t used = 0;

	for (;;) {
		char *p = l->in + used, *nl, *f[6];
		size_t avail = l->inlen - used, cwdlen, envlen, speclen, hlen;
		unsigned long long id;
		int nf = 0;

		nl = memchr(p, '\n', avail < HEADER_MAX ? avail : HEADER_MAX);
		if (!nl) {
			if (avail >= HEADER_MAX) {
				say("fatal frame %d a frame header without a newline\n", EINVAL);
				_exit(1);
			}
			break;
		}
		hlen = (size_t)(nl - p) + 1;
		if (avail < hlen)
			break;
		*nl = '\0';
		for (char *save = NULL, *t = strtok_r(p, " ", &save); t && nf < 6; t = strtok_r(NULL, " ", &save))
			f[nf++] = t;
		if (nf != 5 || strcmp(f[0], "start") != 0 || ctr_parse_ull(f[1], &id) < 0 || parse_size(f[2], PATH_MAX, &cwdlen) < 0 ||
		    parse_size(f[3], PART_MAX, &envlen) < 0 || parse_size(f[4], PART_MAX, &speclen) < 0 || cwdlen == 0) {
			say("fatal frame %d a malformed frame header\n", EINVAL);
			_exit(1);
		}
		if (avail - hlen < cwdlen + envlen + speclen) {
			*nl = '\n';
			break;
		}
		p += hlen;
		/* The cwd and every environment entry end with a NUL. */
		if (p[cwdlen - 1] != '\0' || (envlen > 0 && p[cwdlen + envlen - 1] != '\0')) {
			say("fatal frame %d a cwd or environment without its NUL\n", EINVAL);
			_exit(1);
		}
		launch(l, id, p, p + cwdlen, envlen, p + cwdlen + envlen, speclen);
		used += hlen + cwdlen + envlen + speclen;
	}
	if (used > 0) {
		memmove(l->in, l->in + used, l->inlen - used);
		l->inlen -= used;
	}
}

/* Reads what ctr wrote; false at EOF. */
static bool read_channel(struct launcher *l)
{
	ssize_t n;

	if (l->incap - l->inlen < 65536) {
		size_t cap = l->incap ? l->incap * 2 : 131072;
		char *in = realloc(l->in, cap);
		if (!in) {
			say("fatal frame %d out of memory\n", ENOMEM);
			_exit(1);
		}
		l->in = in;
		l->incap = cap;
	}
	n = read(CHANNEL_FD, l->in + l->inlen, l->incap - l->inlen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	l->inlen += (size_t)n;
	serve_frames(l);
	/* A big spec grew the buffer: give the memory back once it is served. */
	if (l->inlen == 0 && l->incap > 131072) {
		free(l->in);
		l->in = NULL;
		l->incap = 0;
	}
	return true;
}

/* A child's report socket is readable: relay it, or say it closed. */
static bool pump_relay(struct relay *r)
{
	char buf[4096];
	ssize_t n = read(r->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n > 0) {
		relay_data(r->id, buf, (size_t)n);
		return true;
	}
	(void)close(r->fd);
	say("eof %llu\n", r->id);
	return false;
}

int ctr_launcher_main(int argc, char **argv)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	struct launcher l = {.argv0 = argv[0]};
	struct pollfd *pfds = NULL;
	size_t pcap = 0;
	int parent = 0, ret;

	/* First, as cmd_start: every monitor it forks runs the sealed copy. */
	ret = ctr_reexec_sealed(argv);
	if (ret < 0) {
		say("fatal seal %d the ctr-monitor binary\n", -ret);
		return 1;
	}
	if (argc != 4 || strcmp(argv[2], "--parent") != 0 || ctr_parse_int(argv[3], &parent) < 0 || parent <= 0) {
		say("fatal usage %d ctr-monitor launcher --parent PID\n", EINVAL);
		return 1;
	}
	/* Gone with ctr, even if EOF on the channel were missed. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		return 0;
	/* A session of its own, without a terminal (it never opens one): no
	 * signal from ctr's terminal reaches it, and the monitors it forks
	 * are daemons in it without a fork of their own (monitor.c daemonize). */
	if (setsid() < 0) {
		say("fatal setsid %d cannot leave ctr's session\n", errno);
		return 1;
	}
	measure_title_room(argc, argv);
	(void)unsetenv(ROOM_ENV);
	/* Its children are reaped by the kernel (they exit at once once the
	 * monitor has daemonized); a gone ctr is an EPIPE, not a signal. */
	(void)sigaction(SIGCHLD, &ign, NULL);
	(void)sigaction(SIGPIPE, &ign, NULL);
	/* Nothing of ctr's cwd stays pinned (a mount could not be detached). */
	(void)!chdir("/");
	say("ready %d\n", (int)getpid());

	for (;;) {
		size_t np = l.nrelays + 1, keep = 0;
		if (np > pcap) {
			struct pollfd *p = realloc(pfds, np * 2 * sizeof(*p));
			if (!p) {
				say("fatal frame %d out of memory\n", ENOMEM);
				return 1;
			}
			pfds = p;
			pcap = np * 2;
		}
		pfds[0] = (struct pollfd){.fd = CHANNEL_FD, .events = POLLIN};
		for (size_t i = 0; i < l.nrelays; i++)
			pfds[i + 1] = (struct pollfd){.fd = l.relays[i].fd, .events = POLLIN};
		if (poll(pfds, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		/* Reports first: they belong to children already forked. */
		for (size_t i = 0; i < l.nrelays; i++) {
			if (pfds[i + 1].revents && !pump_relay(&l.relays[i]))
				continue;
			l.relays[keep++] = l.relays[i];
		}
		l.nrelays = keep;
		if (pfds[0].revents && !read_channel(&l))
			return 0;
	}
}
