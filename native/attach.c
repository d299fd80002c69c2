/* Attach sessions in the monitor (attach.h; the protocol is
 * docs/monitor-protocol.md §4.6): reading a request, planning the helper
 * (attach-child.c) from the running container, following the helper and
 * the attached process, forwarding the client's signals, reporting. */
#define _GNU_SOURCE
#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

/* Sessions at once: each holds up to three fds while running (a client can
 * always open more command connections; those are bounded in cmdsock.c). */
#define MAX_SESSIONS 64
#define REQUEST_MAX (4u << 20)
#define HEADER_MAX 24
#define ALL_NS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME)

struct request {
	const char **argv, **envp;
	size_t argc, envc;
	const char *cwd;
	long long uid, gid;  /* -1: the default */
	long long ns;        /* -1: every namespace of init */
	long long elevate;
	long long personality; /* -1: the container's */
	long long stdio;     /* mask of the fds passed */
	long long rows, cols;
	bool remount, failpoint;
};

struct session {
	int fd;   /* the client's connection; -EBADF once it left */
	int chan; /* the monitor's end of the helper's channel; -EBADF after EOF */
	bool running;
	char *buf; /* the request while it arrives */
	size_t len, cap, hdr, want;
	int fds[3];
	int nfds;
	char line[128]; /* a client line while running */
	size_t linelen;
	pid_t helper, pid;
	int pidfd;
	unsigned long long pending; /* signals asked for before the pid was known */
	struct ctr_child_error err; /* the helper's setup failure, step 0 if none */
	int exec_err;
	char argv0[256];
	struct session *next;
};

static struct session *sessions;

static const char *step_name(int step)
{
	switch (step) {
	case CTR_ATTACH_STEP_PTY:
		return "pty";
	case CTR_ATTACH_STEP_REMOUNT:
		return "remount";
	case CTR_ATTACH_STEP_SHELL:
		return "shell";
	case CTR_ATTACH_STEP_GO:
		return "sync";
	default:
		return ctr_step_name(step);
	}
}

/* Replies are short lines on a local socket; a client that does not read
 * them is dropped rather than allowed to stall the monitor. */
static void client_close(struct ctr_monitor *m, struct session *s)
{
	if (s->fd < 0)
		return;
	(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	ctr_closep(&s->fd);
}

static void client_send(struct ctr_monitor *m, struct session *s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void client_send(struct ctr_monitor *m, struct session *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (s->fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)strlen(line);
	if (send(s->fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
		client_close(m, s);
}

static void session_free(struct ctr_monitor *m, struct session *s)
{
	struct session **pp = &sessions;

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	client_close(m, s);
	if (s->chan >= 0)
		(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, s->chan, NULL);
	ctr_closep(&s->chan);
	ctr_closep(&s->pidfd);
	for (int i = 0; i < s->nfds; i++)
		ctr_closep(&s->fds[i]);
	free(s->buf);
	free(s);
}

static size_t count_sessions(void)
{
	size_t n = 0;

	for (struct session *s = sessions; s; s = s->next)
		n++;
	return n;
}

void ctr_attach_begin(struct ctr_monitor *m, int fd)
{
	struct session *s = NULL;

	if (count_sessions() < MAX_SESSIONS)
		s = calloc(1, sizeof(*s));
	if (!s) {
		(void)send(fd, "err EBUSY\n", 10, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, fd, NULL);
		(void)close(fd);
		return;
	}
	s->fd = fd;
	s->chan = s->pidfd = -EBADF;
	s->next = sessions;
	sessions = s;
	client_send(m, s, "ok\n");
	if (s->fd < 0)
		session_free(m, s);
}

/* Request parsing (docs/monitor-protocol.md §4.6): records of NUL-terminated
 * tokens, like the spec's. Pointers go into s->buf. */

static int push(const char ***arr, size_t *n, const char *tok)
{
	const char **p = realloc(*arr, (*n + 2) * sizeof(**arr));

	if (!p)
		return -ENOMEM;
	p[(*n)++] = tok;
	p[*n] = NULL;
	*arr = p;
	return 0;
}

static int number(const char *tok, long long min, long long max, long long *out)
{
	char *end;

	if (!tok || !*tok)
		return -EINVAL;
	errno = 0;
	*out = strtoll(tok, &end, 10);
	return (errno || *end || *out < min || *out > max) ? -EINVAL : 0;
}

static int parse_record(struct request *r, const char *name, const char **tok)
{
	if (strcmp(name, "arg") == 0)
		return tok[0] ? push(&r->argv, &r->argc, tok[0]) : -EINVAL;
	if (strcmp(name, "env") == 0)
		return tok[0] && strchr(tok[0], '=') ? push(&r->envp, &r->envc, tok[0]) : -EINVAL;
	if (strcmp(name, "cwd") == 0)
		return (r->cwd = tok[0]) ? 0 : -EINVAL;
	if (strcmp(name, "uid") == 0)
		return number(tok[0], 0, 0xfffffffeLL, &r->uid);
	if (strcmp(name, "gid") == 0)
		return number(tok[0], 0, 0xfffffffeLL, &r->gid);
	if (strcmp(name, "ns") == 0)
		return number(tok[0], 0, ALL_NS, &r->ns);
	if (strcmp(name, "elevate") == 0)
		return number(tok[0], 0, 7, &r->elevate);
	if (strcmp(name, "personality") == 0)
		return number(tok[0], 0, 0xffffffffLL, &r->personality);
	if (strcmp(name, "stdio") == 0)
		return number(tok[0], 0, 7, &r->stdio);
	if (strcmp(name, "remount") == 0)
		return (r->remount = true), 0;
	if (strcmp(name, "failpoint") == 0)
		return (r->failpoint = true), 0;
	if (strcmp(name, "winsize") == 0) {
		int ret = number(tok[0], 0, 65535, &r->rows);
		return ret < 0 ? ret : number(tok[1], 0, 65535, &r->cols);
	}
	return -EINVAL;
}

static int arity(const char *name)
{
	if (strcmp(name, "winsize") == 0)
		return 2;
	if (strcmp(name, "remount") == 0 || strcmp(name, "failpoint") == 0 || strcmp(name, "end") == 0)
		return 0;
	return 1;
}

static int parse_request(char *body, size_t len, struct request *r)
{
	char *p = body, *end = body + len;
	const char *tok[2];

	*r = (struct request){.uid = -1, .gid = -1, .ns = -1, .personality = -1, .stdio = -1};
	for (;;) {
		const char *name = p < end && memchr(p, '\0', (size_t)(end - p)) ? p : NULL;
		int ret, n;
		if (!name)
			return -EINVAL;
		p += strlen(name) + 1;
		if (strcmp(name, "end") == 0)
			break;
		n = arity(name);
		for (int i = 0; i < 2; i++) {
			tok[i] = NULL;
			if (i >= n)
				continue;
			if (p >= end || !memchr(p, '\0', (size_t)(end - p)))
				return -EINVAL;
			tok[i] = p;
			p += strlen(p) + 1;
		}
		ret = parse_record(r, name, tok);
		if (ret < 0) {
			log_error("Invalid attach request record \"%s\"", name);
			return ret;
		}
	}
	if (r->stdio < 0 || !r->envp)
		return -EINVAL;
	return 0;
}

static void free_request(struct request *r)
{
	free(r->argv);
	free(r->envp);
}

/* The container as attach sees it now. */

/* init's bounding set now (lxc-attach reads it too): it may have dropped
 * more than the config says since it started. */
static unsigned long long init_capbnd(struct ctr_monitor *m)
{
	_cleanup_fclose_ FILE *f = NULL;
	char path[64], line[256];
	unsigned long long mask;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)m->init_pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapBnd: %llx", &mask) == 1)
			return mask;
	return ~0ULL;
}

/* The namespaces init is in that we are not (setns into one's own user
 * namespace fails; joining the same one of the others is a no-op). */
static int differing_namespaces(struct ctr_monitor *m)
{
	static const struct {
		const char *name;
		int flag;
	} ns[] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS}, {"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS},
		  {"ipc", CLONE_NEWIPC}, {"net", CLONE_NEWNET}, {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}};
	int flags = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		char ours[64], theirs[64];
		struct stat a, b;
		(void)snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns[i].name);
		(void)snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)m->init_pid, ns[i].name);
		if (stat(ours, &a) < 0 || stat(theirs, &b) < 0)
			continue;
		if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
			flags |= ns[i].flag;
	}
	return flags;
}

/* Whether id 0 of the container's user namespace is mapped (a map's text:
 * "NSID HOSTID RANGE" lines). */
static bool maps_zero(const char *map)
{
	for (const char *p = map; p && *p;) {
		unsigned long long nsid, range;
		if (sscanf(p, "%llu %*u %llu", &nsid, &range) == 2 && nsid == 0 && range > 0)
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

static const char *env_path(const struct request *r)
{
	for (size_t i = 0; i < r->envc; i++)
		if (strncmp(r->envp[i], "PATH=", 5) == 0)
			return r->envp[i] + 5;
	return NULL;
}

/* Fills the parts of the plan that come from the container and the request. */
static void plan_confinement(struct ctr_monitor *m, const struct request *r, struct ctr_attach_plan *p)
{
	const struct ctr_spec *spec = m->spec;
	int join = differing_namespaces(m);
	bool userns;

	p->confine = *spec;
	p->confine.cap_keep = (spec->has_caps ? spec->cap_keep : ~0ULL) & init_capbnd(m);
	p->confine.has_caps = true;
	p->elevate = (unsigned int)r->elevate;
	/* lxc-attach loads the seccomp policy only unless LSM is elevated. */
	if (p->elevate & CTR_ATTACH_ELEVATE_LSM)
		p->confine.seccomp_len = 0;
	if (r->ns >= 0)
		join &= (int)r->ns;
	else if (p->elevate & CTR_ATTACH_ELEVATE_CGROUP)
		join &= ~CLONE_NEWCGROUP; /* its cgroup namespace without its cgroup is nonsense (LXC) */
	p->ns_flags = join;
	userns = join & CLONE_NEWUSER;
	p->userns_root = userns && maps_zero(spec->uid_map) && maps_zero(spec->gid_map);
	/* lxc-attach's default ids: root of the container, or init's ids in a
	 * user namespace that does not map root. */
	p->uid = r->uid >= 0 ? (uid_t)r->uid : (userns && !p->userns_root ? spec->uid : 0);
	p->gid = r->gid >= 0 ? (gid_t)r->gid : (userns && !p->userns_root ? spec->gid : 0);
	p->remount = r->remount && !(join & CLONE_NEWNS);
	p->personality = r->personality >= 0 ? (long)r->personality : spec->personality;
	p->pdeath_signal = spec->pdeath_signal;
	p->monitor_pid = m->self_pid;
	p->failpoint_exec = r->failpoint;
	p->argv = r->argc ? (char *const *)r->argv : NULL;
	p->envp = (char *const *)r->envp;
	p->path = env_path(r);
	p->cwd = r->cwd;
	p->stdio_mask = (unsigned int)r->stdio;
	p->rows = (unsigned short)r->rows;
	p->cols = (unsigned short)r->cols;
}

/* The fds the helper takes along, opened by the monitor. 0 or -errno. */
static int plan_fds(struct ctr_monitor *m, struct session *s, struct ctr_attach_plan *p, int chan[2])
{
	int one = 1, k = 0;

	p->init_pidfd = m->init_pidfd;
	p->pidns_fd = p->devnull = -EBADF;
	for (int i = 0; i < 3; i++)
		p->stdio_fds[i] = (p->stdio_mask & (1u << i)) ? s->fds[k++] : -EBADF;
	if (p->remount && (p->ns_flags & CLONE_NEWPID)) {
		char path[64];
		(void)snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)m->init_pid);
		p->pidns_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (p->pidns_fd < 0)
			return -errno;
	}
	p->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (p->devnull < 0)
		return -errno;
	if (!(p->elevate & CTR_ATTACH_ELEVATE_CGROUP)) {
		int ret = ctr_cgroup_open_self_attach(m);
		if (ret < 0)
			return ret;
		for (int i = 0; i < m->ncg_tasks_fds; i++)
			p->tasks_fds[p->ntasks++] = m->cg_tasks_fds[i];
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0)
		return -errno;
	/* Every message then says who sent it (the kernel's word, not the
	 * sender's): the helper, or the attached process once visible. */
	if (setsockopt(chan[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return -errno;
	p->chan = chan[1];
	return 0;
}

static void close_plan_fds(struct ctr_monitor *m, struct ctr_attach_plan *p)
{
	ctr_cgroup_close_self_attach(m);
	ctr_closep(&p->pidns_fd);
	ctr_closep(&p->devnull);
	ctr_closep(&p->chan);
}

/* Into init's v2 cgroup at birth when possible; the caller places it
 * otherwise (`placed` false). */
static pid_t clone_helper(struct ctr_monitor *m, const struct ctr_attach_plan *p, bool *placed)
{
	struct clone_args args = {.exit_signal = SIGCHLD};
	pid_t pid;

	if (!(p->elevate & CTR_ATTACH_ELEVATE_CGROUP) && m->cg_v2_dirfd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)m->cg_v2_dirfd;
	}
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == EBUSY && (args.flags & CLONE_INTO_CGROUP)) {
		args.flags &= ~(unsigned long long)CLONE_INTO_CGROUP;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	}
	*placed = args.flags & CLONE_INTO_CGROUP;
	return pid;
}

/* The request was refused: one line, then the connection closes. */
static void refuse(struct ctr_monitor *m, struct session *s, const char *step, int err, const char *detail)
{
	log_warn("Refused an attach request: %s: %s", step, strerror(err));
	client_send(m, s, "err %s %d %s\n", step, err, detail);
	session_free(m, s);
}

static int state_error(int state)
{
	switch (state) {
	case CTR_RUNNING:
		return 0;
	case CTR_FREEZING:
	case CTR_FROZEN:
		return EBUSY; /* the helper would freeze in its cgroup */
	case CTR_STARTING:
		return EAGAIN;
	default:
		return ESRCH;
	}
}

/* Forks the helper with the plan; the session follows it from now on. */
static int launch(struct ctr_monitor *m, struct session *s, struct ctr_attach_plan *p)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int chan[2] = {-EBADF, -EBADF}, ret;
	bool placed;
	pid_t pid;

	ret = plan_fds(m, s, p, chan);
	if (ret == 0) {
		pid = clone_helper(m, p, &placed);
		if (pid == 0) {
			(void)close(chan[0]);
			ctr_attach_helper(p);
		}
		ret = pid < 0 ? -errno : 0;
		if (pid > 0 && !placed && !(p->elevate & CTR_ATTACH_ELEVATE_CGROUP))
			ret = ctr_cgroup_attach(m, pid);
		if (pid > 0)
			s->helper = pid;
	}
	close_plan_fds(m, p);
	for (int i = 0; i < s->nfds; i++)
		ctr_closep(&s->fds[i]);
	s->nfds = 0;
	s->chan = chan[0];
	if (ret == 0 && s->chan >= 0) {
		ev.data.fd = s->chan;
		ret = epoll_ctl(m->epfd, EPOLL_CTL_ADD, s->chan, &ev) < 0 ? -errno : 0;
	}
	/* The helper's go-ahead; without it (a failure above) it exits. */
	if (ret == 0 && RETRY_EINTR(send(s->chan, "g", 1, MSG_NOSIGNAL)) != 1)
		ret = -errno;
	return ret;
}

static void session_start(struct ctr_monitor *m, struct session *s)
{
	struct ctr_attach_plan plan;
	struct request r;
	int ret, err;

	memset(&plan, 0, sizeof(plan));
	ret = parse_request(s->buf + s->hdr, s->want, &r);
	if (ret == 0 && __builtin_popcount((unsigned int)r.stdio) != s->nfds)
		ret = -EINVAL;
	if (ret < 0) {
		free_request(&r);
		refuse(m, s, "request", EINVAL, "");
		return;
	}
	err = state_error(m->state);
	if (err) {
		free_request(&r);
		refuse(m, s, "state", err, ctr_state_name(m->state));
		return;
	}
	(void)snprintf(s->argv0, sizeof(s->argv0), "%s", r.argc ? r.argv[0] : "");
	plan_confinement(m, &r, &plan);
	ret = launch(m, s, &plan);
	free_request(&r);
	free(s->buf);
	s->buf = NULL;
	s->running = true;
	if (ret < 0) {
		log_error("Failed to start an attached process: %s", strerror(-ret));
		if (s->helper <= 0) {
			refuse(m, s, "clone", -ret, "");
			return;
		}
		/* Without its go-ahead the helper exits (EOF on its channel);
		 * the failure is reported once it is reaped. */
		s->err = (struct ctr_child_error){.step = CTR_STEP_CGROUP, .err = -ret, .index = -1};
		if (s->chan >= 0)
			(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, s->chan, NULL);
		ctr_closep(&s->chan);
	}
}

/* Reading the request: "<length>\n", then that many bytes, the stdio fds
 * riding along (SCM_RIGHTS) with the first of them. */

/* Takes the fds of one message; more than three in all is a protocol error. */
static int take_fds(struct session *s, struct msghdr *msg)
{
	int err = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t count;
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			/* The helper puts /dev/null on 0-2 first: never lose one there. */
			if (fd >= 0 && fd < 3) {
				int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
				(void)close(fd);
				fd = moved;
			}
			if (fd < 0 || s->nfds == 3) {
				if (fd >= 0)
					(void)close(fd);
				err = -EINVAL;
				continue;
			}
			s->fds[s->nfds++] = fd;
		}
	}
	if (msg->msg_flags & MSG_CTRUNC)
		err = -EINVAL;
	return err;
}

/* Parses "<length>\n" once it is there: 0 when parsed or not complete yet. */
static int parse_header(struct session *s)
{
	char *nl = memchr(s->buf, '\n', s->len);
	unsigned long long want;

	if (s->hdr)
		return 0;
	if (!nl)
		return s->len > HEADER_MAX ? -EINVAL : 0;
	*nl = '\0';
	if (ctr_parse_ull(s->buf, &want) < 0 || want == 0 || want > REQUEST_MAX)
		return -EINVAL;
	s->hdr = (size_t)(nl - s->buf) + 1;
	s->want = (size_t)want;
	return 0;
}

static int grow_buffer(struct session *s)
{
	size_t need = s->hdr ? s->hdr + s->want : HEADER_MAX + 1;
	char *p;

	if (s->cap >= need || s->cap - s->len >= 4096)
		return 0;
	need = need < s->cap * 2 ? need : s->cap * 2;
	if (need < 4096)
		need = 4096;
	p = realloc(s->buf, need);
	if (!p)
		return -ENOMEM;
	s->buf = p;
	s->cap = need;
	return 0;
}

/* 1: the request is complete; 0: more to come; -errno: drop the session. */
static int read_request(struct session *s)
{
	for (;;) {
		union {
			char buf[CMSG_SPACE(3 * sizeof(int))];
			struct cmsghdr align;
		} control;
		struct iovec iov;
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
		size_t limit;
		ssize_t n;
		int ret = grow_buffer(s);
		if (ret < 0)
			return ret;
		/* Never read past the request: the client's next lines follow it. */
		limit = s->hdr ? s->hdr + s->want - s->len : (size_t)HEADER_MAX + 1 - s->len;
		iov.iov_base = s->buf + s->len;
		iov.iov_len = limit < s->cap - s->len ? limit : s->cap - s->len;
		n = recvmsg(s->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		ret = take_fds(s, &msg);
		if (ret < 0 || n == 0)
			return ret < 0 ? ret : -EPIPE;
		s->len += (size_t)n;
		ret = parse_header(s);
		if (ret < 0)
			return ret;
		if (s->hdr && s->len >= s->hdr + s->want)
			return 1;
	}
}

/* The helper's channel: its pty, its handover, its failure; the attached
 * process's exec failure and test failpoint. Only the helper's own pid may
 * hand over a pid or a pty (SCM_CREDENTIALS): the attached process is
 * visible in the container before its exec, and anything it says could be
 * forged by whoever traces it, so from it only an exec failure is taken. */

static ssize_t chan_recv(struct session *s, struct ctr_child_error *e, int *fd, pid_t *sender)
{
	union {
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = e, .iov_len = sizeof(*e)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	ssize_t n = recvmsg(s->chan, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	*fd = -EBADF;
	*sender = 0;
	for (struct cmsghdr *c = n < 0 ? NULL : CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			*sender = cred.pid;
		} else if (c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < count; i++) {
				int got;
				memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (*fd < 0)
					*fd = got;
				else
					(void)close(got);
			}
		}
	}
	return n;
}

/* The pty's master goes to the client (SCM_RIGHTS), before the pid. */
static void pass_master(struct ctr_monitor *m, struct session *s, int master)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = (void *)"pty\n", .iov_len = 4};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	if (s->fd < 0)
		return;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (sendmsg(s->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) != 4)
		client_close(m, s);
}

static void deliver_pending(struct session *s)
{
	for (int sig = 1; sig < 65 && s->pending; sig++) {
		if (!(s->pending & (1ULL << (sig - 1))))
			continue;
		s->pending &= ~(1ULL << (sig - 1));
		(void)ctr_pidfd_send_signal(s->pidfd, sig);
	}
}

/* The helper forked the attached process (our child, CLONE_PARENT): unreaped,
 * its pid cannot have been recycled before pidfd_open. */
static void handover(struct ctr_monitor *m, struct session *s, pid_t pid)
{
	if (s->pid > 0 || pid <= 0 || pid == s->helper || !ctr_monitor_is_child(m, pid)) {
		log_warn("Ignoring an unexpected attach handover to pid %d", (int)pid);
		return;
	}
	s->pid = pid;
	s->pidfd = ctr_pidfd_open(pid);
	if (s->pidfd < 0)
		log_syserr("Failed to open a pidfd for attached process %d", (int)pid);
	client_send(m, s, "pid %d\n", (int)pid);
	deliver_pending(s);
	log_info("Attached process %d runs %s", (int)pid, s->argv0[0] ? s->argv0 : "the login shell");
}

static void failpoint(struct ctr_monitor *m, struct session *s)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "attach-exec %d\n", (int)s->pid);

	if (ctr_atomic_write(m->spec->rundir, "failpoint", line, (size_t)n, 0600, false) < 0)
		log_syserr("Failed to write the failpoint file");
}

static void chan_message(struct ctr_monitor *m, struct session *s, const struct ctr_child_error *e, int fd, pid_t sender)
{
	bool from_helper = sender > 0 && sender == s->helper;
	bool from_process = sender > 0 && sender == s->pid;

	if (e->step == CTR_ATTACH_MSG_PTY && from_helper && fd >= 0)
		pass_master(m, s, fd);
	else if (e->step == CTR_MSG_HANDOVER && from_helper)
		handover(m, s, (pid_t)e->index);
	else if (e->step == CTR_MSG_FAILPOINT && from_process)
		failpoint(m, s);
	else if (e->step == CTR_STEP_EXEC && from_process)
		s->exec_err = e->err;
	else if (from_helper && ((e->step > 0 && e->step < CTR_STEP_NSTEPS) || (e->step >= CTR_ATTACH_STEP_PTY && e->step <= CTR_ATTACH_STEP_GO)))
		s->err = *e;
	else
		log_warn("Ignoring an attach channel message %d from pid %d", e->step, (int)sender);
	if (fd >= 0)
		(void)close(fd);
}

/* Reads every message waiting; closes the channel at EOF. */
static void chan_drain(struct ctr_monitor *m, struct session *s)
{
	while (s->chan >= 0) {
		struct ctr_child_error e;
		pid_t sender;
		int fd;
		ssize_t n = chan_recv(s, &e, &fd, &sender);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n == (ssize_t)sizeof(e)) {
			chan_message(m, s, &e, fd, sender);
			continue;
		}
		if (fd >= 0)
			(void)close(fd);
		(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, s->chan, NULL);
		ctr_closep(&s->chan);
	}
}

/* Reaping: the monitor reaps every child of its own (attached processes are,
 * through CLONE_PARENT) and tells us. */

static struct session *find_pid(pid_t pid)
{
	for (struct session *s = sessions; s; s = s->next)
		if ((s->helper > 0 && s->helper == pid) || (s->pid > 0 && s->pid == pid))
			return s;
	return NULL;
}

static const char *error_detail(const struct session *s, const struct ctr_child_error *e)
{
	switch (e->step) {
	case CTR_STEP_EXEC:
		return s->argv0;
	case CTR_STEP_SETNS:
		return "init's namespaces";
	case CTR_ATTACH_STEP_PTY:
		return "/dev/ptmx";
	default:
		return "";
	}
}

/* The helper is gone. Before its handover, that is the attach's failure. */
static void helper_reaped(struct ctr_monitor *m, struct session *s, int status)
{
	s->helper = 0;
	if (s->pid > 0)
		return;
	if (!s->err.step) {
		/* Killed without a word (the cgroup's pids limit, SIGKILL). */
		s->err.step = CTR_STEP_CLONE;
		s->err.err = WIFSIGNALED(status) ? EINTR : ECHILD;
	}
	log_error("Failed to attach: %s: %s", step_name(s->err.step), strerror(s->err.err));
	client_send(m, s, "err %s %d %s\n", step_name(s->err.step), s->err.err, error_detail(s, &s->err));
	session_free(m, s);
}

static void process_reaped(struct ctr_monitor *m, struct session *s, int status)
{
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int code = sig ? 128 + sig : WEXITSTATUS(status);

	log_info("Attached process %d exited with status %d", (int)s->pid, code);
	client_send(m, s, "exit %d %d %d\n", code, sig, s->exec_err);
	session_free(m, s);
}

bool ctr_attach_reaped(struct ctr_monitor *m, pid_t pid, int status)
{
	struct session *s = find_pid(pid);

	/* A handover still in a channel: the process may exit before we read it. */
	if (!s) {
		for (struct session *t = sessions; t; t = t->next)
			if (t->helper > 0 && t->pid <= 0)
				chan_drain(m, t);
		s = find_pid(pid);
	}
	if (!s)
		return false;
	chan_drain(m, s);
	if (pid == s->helper)
		helper_reaped(m, s, status);
	else
		process_reaped(m, s, status);
	return true;
}

/* Client lines while the process runs: `signal N`. */
static void client_line(struct session *s, const char *line)
{
	int sig;

	if (strncmp(line, "signal ", 7) != 0 || ctr_parse_int(line + 7, &sig) < 0 || sig < 1 || sig > 64)
		return;
	if (s->pidfd >= 0)
		(void)ctr_pidfd_send_signal(s->pidfd, sig);
	else if (s->pid <= 0)
		s->pending |= 1ULL << (sig - 1);
}

static void feed_lines(struct session *s, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] != '\n') {
			if (s->linelen + 1 < sizeof(s->line))
				s->line[s->linelen++] = data[i];
			continue;
		}
		s->line[s->linelen] = '\0';
		client_line(s, s->line);
		s->linelen = 0;
	}
}

/* The client left: the process goes on, as it does when lxc-attach dies. */
static void client_event(struct ctr_monitor *m, struct session *s, unsigned int events)
{
	char buf[256];
	ssize_t n;

	if (!s->running) {
		int ret = read_request(s);
		if (ret < 0) {
			session_free(m, s);
			return;
		}
		if (ret == 0)
			return;
		feed_lines(s, s->buf + s->hdr + s->want, s->len - s->hdr - s->want);
		session_start(m, s);
		return;
	}
	n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n > 0) {
		feed_lines(s, buf, (size_t)n);
		return;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR) || (events & (EPOLLHUP | EPOLLERR)))
		client_close(m, s);
}

bool ctr_attach_event(struct ctr_monitor *m, int fd, unsigned int events)
{
	for (struct session *s = sessions; s; s = s->next) {
		if (fd == s->chan) {
			chan_drain(m, s);
			return true;
		}
		if (fd == s->fd) {
			client_event(m, s, events);
			return true;
		}
	}
	return false;
}

void ctr_attach_close_all(struct ctr_monitor *m)
{
	while (sessions)
		session_free(m, sessions);
}
