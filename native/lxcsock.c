/* LXC's command socket: the name, the monitor's side and the client
 * (lxcsock.h). The wire format is LXC's src/lxc/commands.c. */
#define _GNU_SOURCE
#include "lxcsock.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

/* struct lxc_cmd_req / lxc_cmd_rsp of a 64-bit LXC: int, int, void *. */
struct lxc_req {
	int32_t cmd;
	int32_t datalen;
	uint64_t data;
};

struct lxc_rsp {
	int32_t ret;
	int32_t datalen;
	uint64_t data;
};

_Static_assert(sizeof(struct lxc_req) == 16 && sizeof(struct lxc_rsp) == 16, "LXC's 64-bit command layout");

/* LXC_CMD_DATA_MAX: PATH_MAX * 2. A request announcing more is dropped. */
#define LXC_CMD_DATA_MAX 8192
/* How long the monitor waits for a connected root client's request. */
#define SERVE_WAIT_MS 100

static uint64_t fnv1a64_step(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

int ctr_lxc_sock_name(char *buf, size_t size, const char *lxcpath, const char *name)
{
	/* sun_path minus the leading NUL and a trailing one: LXC hashes what
	 * does not fit in that. */
	const size_t room = sizeof(((struct sockaddr_un *)0)->sun_path) - 2;
	uint64_t h = 0xcbf29ce484222325ULL;
	int n;

	n = snprintf(buf, size, "%s/%s/command", lxcpath, name);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < room && (size_t)n < size)
		return 0;
	h = fnv1a64_step(fnv1a64_step(fnv1a64_step(h, lxcpath), "/"), name);
	n = snprintf(buf, size, "lxc/%016llx/command", (unsigned long long)h);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int lxc_addr(struct sockaddr_un *addr, socklen_t *len, const char *lxcpath, const char *name)
{
	char path[sizeof(addr->sun_path)];
	size_t n;
	int ret;

	ret = ctr_lxc_sock_name(path, sizeof(path), lxcpath, name);
	if (ret < 0)
		return ret;
	n = strlen(path);
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	/* Abstract: a leading NUL, and no trailing one in the length (LXC's). */
	memcpy(addr->sun_path + 1, path, n);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	return 0;
}

/* Reads exactly size bytes within timeout_ms. size, 0 at EOF, or -errno. */
static ssize_t read_within(int fd, void *buf, size_t size, int timeout_ms)
{
	long long deadline = ctr_monotonic_us() + (long long)timeout_ms * 1000;
	size_t got = 0;

	while (got < size) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long long left = (deadline - ctr_monotonic_us()) / 1000;
		ssize_t n;
		if (left <= 0 || RETRY_EINTR(poll(&p, 1, (int)left)) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, (char *)buf + got, size - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static bool trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static void fill_peer(int fd, struct ctr_lxc_peer *peer)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char state;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return;
	peer->pid = cred.pid;
	peer->uid = cred.uid;
	if (ctr_proc_comm(cred.pid, peer->comm, sizeof(peer->comm), &state) < 0)
		peer->comm[0] = '\0';
}

/* One request on a new connection, as LXC's clients do. */
static int exchange(const struct sockaddr_un *addr, socklen_t alen, int cmd, int timeout_ms, struct ctr_lxc_peer *peer,
		    uint64_t *data)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct lxc_req req = {.cmd = cmd};
	struct lxc_rsp rsp;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (RETRY_EINTR(connect(fd, (const struct sockaddr *)addr, alen)) < 0)
		return -errno;
	fill_peer(fd, peer);
	if (!trusted(peer->uid))
		return -EPERM;
	if (RETRY_EINTR(send(fd, &req, sizeof(req), MSG_NOSIGNAL)) != (ssize_t)sizeof(req))
		return -EIO;
	n = read_within(fd, &rsp, sizeof(rsp), timeout_ms);
	if (n < 0)
		return (int)n;
	if (n != (ssize_t)sizeof(rsp))
		return -ECONNRESET; /* LXC's "stopped before sending its state" */
	if (rsp.ret < 0)
		return rsp.ret;
	*data = rsp.data;
	return 0;
}

int ctr_lxcsock_query(const char *lxcpath, const char *name, int timeout_ms, struct ctr_lxc_peer *peer)
{
	struct sockaddr_un addr;
	socklen_t alen;
	uint64_t data = 0;
	int ret;

	memset(peer, 0, sizeof(*peer));
	peer->uid = (uid_t)-1;
	ret = lxc_addr(&addr, &alen, lxcpath, name);
	if (ret < 0)
		return ret;
	ret = exchange(&addr, alen, CTR_LXC_CMD_GET_STATE, timeout_ms, peer, &data);
	if (ret < 0)
		return ret;
	/* The state and pid travel in the data pointer (INT_TO_PTR, PID_TO_PTR). */
	peer->state = (int)(int64_t)data;
	ret = exchange(&addr, alen, CTR_LXC_CMD_GET_INIT_PID, timeout_ms, peer, &data);
	if (ret == 0 && (int64_t)data > 0)
		peer->init_pid = (pid_t)(int64_t)data;
	return 0;
}

/* The name is taken: by LXC running the container (refuse), or by someone
 * who cannot be (go on without it). -EAGAIN: it was released meanwhile. */
static int name_taken(struct ctr_monitor *m, const char *shown, bool retry)
{
	struct ctr_lxc_peer peer;
	int ret;

	ret = ctr_lxcsock_query(m->spec->lxcpath, m->spec->name, 1000, &peer);
	if (ret == -ECONNREFUSED && retry)
		return -EAGAIN;
	if (ret == -EPERM || ret == -ECONNREFUSED) {
		log_warn("LXC's command socket @%s is held by pid %d (uid %d, %s), which cannot be LXC running this container; starting without LXC's lock",
			 shown, (int)peer.pid, (int)peer.uid, peer.comm);
		return 0;
	}
	log_error("LXC's command socket @%s is held by pid %d (%s, state %s): the container is already running under LXC", shown,
		  (int)peer.pid, peer.comm, ret == 0 ? ctr_state_name(peer.state) : "unknown");
	return -EADDRINUSE;
}

int ctr_lxcsock_listen(struct ctr_monitor *m)
{
	struct epoll_event ev = {.events = EPOLLIN};
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_un addr;
	socklen_t alen;
	int ret;

	m->lxcfd = -EBADF;
	ret = lxc_addr(&addr, &alen, m->spec->lxcpath, m->spec->name);
	if (ret < 0)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	for (int attempt = 0; bind(fd, (struct sockaddr *)&addr, alen) < 0; attempt++) {
		if (errno != EADDRINUSE)
			return -errno;
		ret = name_taken(m, addr.sun_path + 1, attempt == 0);
		if (ret != -EAGAIN)
			return ret;
	}
	if (listen(fd, 16) < 0)
		return -errno;
	ev.data.fd = fd;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	log_debug("Listening on LXC's command socket @%s", addr.sun_path + 1);
	m->lxcfd = move_fd(fd);
	return 0;
}

static void answer(int fd, const struct lxc_rsp *rsp)
{
	(void)RETRY_EINTR(send(fd, rsp, sizeof(*rsp), MSG_NOSIGNAL | MSG_DONTWAIT));
}

/* One client: root or our user (LXC lets no one else in either), one
 * request, one answer. GET_STATE and GET_INIT_PID are served; anything
 * else gets LXC's answer to an unknown command, -ENOSYS. */
static void serve(struct ctr_monitor *m, int fd)
{
	struct ctr_lxc_peer peer = {.uid = (uid_t)-1};
	struct lxc_rsp rsp = {0};
	struct lxc_req req;
	char sink[512];

	fill_peer(fd, &peer);
	if (!trusted(peer.uid)) {
		rsp.ret = -EPERM;
		answer(fd, &rsp);
		return;
	}
	if (read_within(fd, &req, sizeof(req), SERVE_WAIT_MS) != (ssize_t)sizeof(req))
		return;
	if (req.datalen < 0 || req.datalen > LXC_CMD_DATA_MAX)
		return;
	for (int32_t left = req.datalen; left > 0;) {
		ssize_t n = read_within(fd, sink, (size_t)(left < (int32_t)sizeof(sink) ? left : (int32_t)sizeof(sink)), SERVE_WAIT_MS);
		if (n <= 0)
			return;
		left -= (int32_t)n;
	}
	if (req.cmd == CTR_LXC_CMD_GET_STATE)
		rsp.data = (uint64_t)(int64_t)m->state;
	else if (req.cmd == CTR_LXC_CMD_GET_INIT_PID)
		rsp.data = (uint64_t)(int64_t)(m->init_pid > 0 ? m->init_pid : -1);
	else
		rsp.ret = -ENOSYS;
	answer(fd, &rsp);
}

void ctr_lxcsock_accept(struct ctr_monitor *m)
{
	/* Bounded: the epoll loop comes back for the rest. */
	for (int i = 0; i < 16; i++) {
		_cleanup_close_ int fd = accept4(m->lxcfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return;
		serve(m, fd);
	}
}

void ctr_lxcsock_close(struct ctr_monitor *m)
{
	if (m->lxcfd >= 0) {
		(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->lxcfd, NULL);
		ctr_closep(&m->lxcfd);
	}
}
