#define _GNU_SOURCE
#include "cmdsock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "cgroup.h"
#include "cleanup.h"
#include "console.h"
#include "linebuf.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

/* Bounds against a connection flood (only root and our own uid may connect,
 * but a runaway script must not take the monitor down): at most MAX_CLIENTS
 * connections, of which at most MAX_WATCHERS subscribed to events, so that
 * a command such as `kill` always finds a slot; when full, the longest
 * connected client that is not a watcher makes room. */
#define MAX_CLIENTS 256
#define MAX_WATCHERS 192

struct ctr_client {
	int fd;
	bool watch;
	struct ctr_linebuf in;
	struct ctr_client *next;
};

/* An fd kept open to accept-and-close with when we are out of fds: a
 * pending connection on the level-triggered listening socket would
 * otherwise wake epoll forever (EMFILE). */
static int reserve_fd = -EBADF;
/* Two more, given up to record a state when a connection flood took every
 * other fd: state.json is what info, ls and wait -t 0 read. */
static int record_fds[2] = {-EBADF, -EBADF};

/* State events a command caused, held until its reply has been sent: the
 * reply comes first on the requester's connection (docs/monitor-protocol.md
 * §7.1), but the state is recorded before the reply tells anyone. At most a
 * few lines (THAWED, RUNNING, FREEZING, FROZEN). */
static char held[512];
static size_t held_len;
static bool holding;

static void reserve_open(void)
{
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; i < 2; i++)
		if (record_fds[i] < 0)
			record_fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void ctr_cmdsock_release_record_fds(void)
{
	ctr_closep(&record_fds[0]);
	ctr_closep(&record_fds[1]);
}

void ctr_cmdsock_rearm_record_fds(void)
{
	reserve_open();
}

static int count_clients(struct ctr_monitor *m, int *watchers)
{
	int n = 0;

	*watchers = 0;
	for (struct ctr_client *c = m->clients; c; c = c->next) {
		n++;
		if (c->watch)
			(*watchers)++;
	}
	return n;
}

int ctr_cmdsock_listen(struct ctr_monitor *m)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char final[sizeof(addr.sun_path)];
	_cleanup_close_ int fd = -EBADF;
	struct epoll_event ev = {.events = EPOLLIN};
	int n;

	n = snprintf(final, sizeof(final), "%s/command.sock", m->spec->rundir);
	if (n < 0 || (size_t)n >= sizeof(final))
		return -ENAMETOOLONG;
	n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/.command.sock.tmp", m->spec->rundir);
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Bind and listen under a temporary name, then rename: command.sock
	 * appears only once it accepts connections, so a client woken by its
	 * creation (ctr wait watches the run dir) never sees ECONNREFUSED from
	 * a live monitor. We hold the container lock, so any file already
	 * under either name is a dead monitor's. */
	(void)unlink(addr.sun_path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -errno;
	if (listen(fd, 128) < 0 || rename(addr.sun_path, final) < 0) {
		int err = -errno;
		(void)unlink(addr.sun_path);
		return err;
	}
	ev.data.fd = fd;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	reserve_open();
	m->listenfd = move_fd(fd);
	return 0;
}

/* The client that armed a checkpoint stop is gone: disarm, unless init
 * has already died (criu killed it after the dump and its SIGCHLD is still
 * in the queue), which is then the checkpoint's stop. */
static void checkpoint_disarm(struct ctr_monitor *m, int fd)
{
	siginfo_t info = {0};

	if (m->checkpoint_fd != fd || fd < 0)
		return;
	if (m->init_pid > 0 && waitid(P_PID, (id_t)m->init_pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == m->init_pid)
		return;
	m->checkpoint_fd = -EBADF;
}

static void client_remove(struct ctr_monitor *m, struct ctr_client *c)
{
	struct ctr_client **pp = &m->clients;

	checkpoint_disarm(m, c->fd);
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	(void)close(c->fd);
	free(c);
}

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

/* Out of fds: take the pending connection with the reserve fd and drop it. */
static void shed_connection(struct ctr_monitor *m)
{
	int fd;

	ctr_closep(&reserve_fd);
	fd = accept4(m->listenfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		(void)close(fd);
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Full: evict the oldest client that is not a watcher (the list is newest
 * first). Returns false when every client watches. */
static bool make_room(struct ctr_monitor *m)
{
	struct ctr_client *victim = NULL;

	for (struct ctr_client *c = m->clients; c; c = c->next)
		if (!c->watch)
			victim = c;
	if (!victim)
		return false;
	log_warn("Too many command connections: dropping the oldest idle one");
	client_remove(m, victim);
	return true;
}

void ctr_cmdsock_accept(struct ctr_monitor *m)
{
	for (;;) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};
		struct ctr_client *c;
		int watchers;
		int fd = accept4(m->listenfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* Out of fds: make room by dropping the oldest idle client,
			 * else take the connection with the reserve fd and drop it. */
			if (errno == EMFILE || errno == ENFILE) {
				if (make_room(m))
					continue;
				if (reserve_fd >= 0) {
					shed_connection(m);
					continue;
				}
			}
			if (errno != EAGAIN)
				log_syserr("Failed to accept a command connection");
			return;
		}
		if (!peer_allowed(fd) || (count_clients(m, &watchers) >= MAX_CLIENTS && !make_room(m))) {
			(void)close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			(void)close(fd);
			continue;
		}
		c->fd = fd;
		ev.data.fd = fd;
		if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			(void)close(fd);
			free(c);
			continue;
		}
		c->next = m->clients;
		m->clients = c;
	}
}

static struct ctr_client *find_client(struct ctr_monitor *m, int fd)
{
	for (struct ctr_client *c = m->clients; c; c = c->next)
		if (c->fd == fd)
			return c;
	return NULL;
}

bool ctr_cmdsock_is_client(struct ctr_monitor *m, int fd)
{
	return find_client(m, fd) != NULL;
}

/* Replies are a few bytes on a local socket; a client that does not read
 * them is dropped instead of blocking the monitor. */
static bool client_send(struct ctr_client *c, const char *line)
{
	size_t len = strlen(line);
	ssize_t n = send(c->fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	return n == (ssize_t)len;
}

static int send_signal(struct ctr_monitor *m, int sig)
{
	if (m->init_pidfd < 0)
		return -ESRCH;
	if (ctr_pidfd_send_signal(m->init_pidfd, sig) < 0)
		return -errno;
	log_info("Sent signal %d to init %d", sig, (int)m->init_pid);
	return 0;
}

/* SIGPWR unless init blocks SIGRTMIN+3, which is how systemd announces that
 * it wants SIGRTMIN+3 for a clean shutdown (LXC does the same:
 * docs/lxc-contract.md §6.1). */
static int halt_signal(struct ctr_monitor *m)
{
	char path[64], line[256];
	_cleanup_fclose_ FILE *f = NULL;
	int rtmin3 = SIGRTMIN + 3;

	if (m->spec->halt_signal)
		return m->spec->halt_signal;
	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)m->init_pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long mask;
		if (sscanf(line, "SigBlk: %llx", &mask) == 1)
			return (mask & (1ULL << (rtmin3 - 1))) ? rtmin3 : SIGPWR;
	}
	return SIGPWR;
}

/* `resize N ROWS COLS`: a console client's window size changed. */
static int resize_command(struct ctr_monitor *m, const char *args)
{
	int n, rows, cols, used = 0;

	if (sscanf(args, "%d %d %d%n", &n, &rows, &cols, &used) != 3 || args[used])
		return -EINVAL;
	return ctr_console_resize(m, n, rows, cols);
}

/* `console N ROWS COLS`: from the `ok N` reply on, this connection is a
 * byte stream to terminal N (console.h), which takes it over with whatever
 * the client sent after the line. Returns false when the connection is no
 * longer ours. */
static bool console_command(struct ctr_monitor *m, struct ctr_client *c, const char *args, const char *rest, size_t nrest)
{
	struct ctr_client **pp = &m->clients;
	char reply[64];
	int n, rows = 0, cols = 0, used = 0, ret = -EINVAL;

	if (sscanf(args, "%d %d %d%n", &n, &rows, &cols, &used) == 3 && !args[used] && !c->watch)
		ret = ctr_console_resolve(m, n);
	if (ret < 0)
		(void)snprintf(reply, sizeof(reply), "err %s\n", strerrorname_np(-ret) ?: "EINVAL");
	else
		(void)snprintf(reply, sizeof(reply), "ok %d\n", ret);
	if (!client_send(c, reply)) {
		client_remove(m, c);
		return false;
	}
	if (ret < 0)
		return true;
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	/* No longer a command connection: a checkpoint it armed is forgotten. */
	if (m->checkpoint_fd == c->fd)
		m->checkpoint_fd = -EBADF;
	(void)ctr_console_attach(m, c->fd, ret, rows, cols, rest, nrest);
	free(c);
	return false;
}

/* `attach`: the connection becomes an attach session (attach.h), which
 * sends the `ok` and reads the request. The client waits for that reply
 * before it sends the request and its fds: bytes already buffered here would
 * have lost them. */
static void attach_command(struct ctr_monitor *m, struct ctr_client *c, size_t rest)
{
	struct ctr_client **pp = &m->clients;

	if (rest > 0 || c->watch) {
		(void)client_send(c, "err EINVAL\n");
		client_remove(m, c);
		return;
	}
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	if (m->checkpoint_fd == c->fd)
		m->checkpoint_fd = -EBADF;
	ctr_attach_begin(m, c->fd);
	free(c);
}

static void handle_command(struct ctr_monitor *m, struct ctr_client *c, char *cmd)
{
	char reply[256];
	int ret = 0, sig = 0;

	if (strcmp(cmd, "state") == 0) {
		(void)snprintf(reply, sizeof(reply), "ok %s\n", ctr_state_name(m->state));
	} else if (strcmp(cmd, "info") == 0) {
		(void)snprintf(reply, sizeof(reply),
			       "ok state=%s pid=%d starttime=%llu monitor=%d started=%lld oom=%d name=%s\n",
			       ctr_state_name(m->state), m->state == CTR_STOPPED ? 0 : (int)m->init_pid,
			       m->init_starttime, (int)m->self_pid, m->started_at, m->oom_kills,
			       m->spec->name ? m->spec->name : "");
	} else if (strcmp(cmd, "watch") == 0) {
		int watchers;
		(void)count_clients(m, &watchers);
		if (!c->watch && watchers >= MAX_WATCHERS) {
			ret = -EBUSY;
		} else {
			c->watch = true;
			(void)snprintf(reply, sizeof(reply), "ok %s\n", ctr_state_name(m->state));
		}
	} else if (strncmp(cmd, "signal ", 7) == 0) {
		ret = ctr_parse_int(cmd + 7, &sig);
		if (ret == 0 && (sig <= 0 || sig >= 65))
			ret = -EINVAL;
		if (ret == 0)
			ret = send_signal(m, sig);
	} else if (strcmp(cmd, "halt") == 0) {
		/* A frozen init cannot shut down: thaw it rather than wait out the
		 * whole stop timeout (an LXC pain point, docs/lxc-contract.md §6.1). */
		sig = halt_signal(m);
		ret = ctr_cgroup_thaw(m);
		if (ret == 0)
			ret = send_signal(m, sig);
	} else if (strcmp(cmd, "reboot") == 0) {
		sig = m->spec->reboot_signal;
		m->reboot_requested = true;
		ret = ctr_cgroup_thaw(m);
		if (ret == 0)
			ret = send_signal(m, sig);
	} else if (strcmp(cmd, "kill") == 0) {
		sig = m->spec->stop_signal;
		m->stop_requested = true;
		m->reboot_requested = false;
		/* A frozen init cannot die until it is thawed. */
		(void)ctr_cgroup_thaw(m);
		ret = send_signal(m, sig);
	} else if (strcmp(cmd, "checkpoint") == 0) {
		/* ctr checkpoint -s (docs/monitor-protocol.md §4.3): while this
		 * connection lasts, init's death is the checkpoint's stop. */
		if (m->init_pidfd < 0 || (m->state != CTR_RUNNING && m->state != CTR_FROZEN && m->state != CTR_FREEZING))
			ret = m->init_pidfd < 0 ? -ESRCH : -EBUSY;
		else if (m->checkpoint_fd >= 0 && m->checkpoint_fd != c->fd)
			ret = -EBUSY;
		else
			m->checkpoint_fd = c->fd;
		if (ret == 0)
			(void)snprintf(reply, sizeof(reply), "ok %s\n", ctr_state_name(m->state));
	} else if (strcmp(cmd, "checkpoint end") == 0) {
		if (m->checkpoint_fd == c->fd)
			m->checkpoint_fd = -EBADF;
		(void)snprintf(reply, sizeof(reply), "ok\n");
	} else if (strcmp(cmd, "freeze") == 0) {
		ret = ctr_cgroup_freeze(m);
	} else if (strncmp(cmd, "resize ", 7) == 0) {
		ret = resize_command(m, cmd + 7);
		if (ret == 0)
			(void)snprintf(reply, sizeof(reply), "ok\n");
	} else if (strcmp(cmd, "thaw") == 0) {
		ret = ctr_cgroup_thaw(m);
	} else {
		ret = -EINVAL;
	}
	/* Record the state the command caused before the reply tells anyone
	 * (a client reads state.json right after it); watchers hear of it
	 * after the reply. */
	holding = true;
	ctr_cgroup_settle(m);
	holding = false;
	if (ret == 0 && strcmp(cmd, "freeze") == 0)
		(void)snprintf(reply, sizeof(reply), "ok %s\n", m->state == CTR_FROZEN ? "FROZEN" : "FREEZING");
	else if (ret == 0 && strcmp(cmd, "thaw") == 0)
		(void)snprintf(reply, sizeof(reply), "ok %s\n", m->state == CTR_STOPPING ? "STOPPING" : "RUNNING");
	if (ret < 0)
		(void)snprintf(reply, sizeof(reply), "err %s\n", strerrorname_np(-ret) ?: "EINVAL");
	else if (sig)
		(void)snprintf(reply, sizeof(reply), "ok %d\n", sig);
	if (!client_send(c, reply))
		client_remove(m, c);
	if (held_len > 0) {
		held[held_len] = '\0';
		held_len = 0;
		ctr_cmdsock_broadcast(m, held);
	}
}

void ctr_cmdsock_client_event(struct ctr_monitor *m, int fd, unsigned int events)
{
	struct ctr_client *c = find_client(m, fd);
	char *line;

	if (!c)
		return;
	/* EPOLLHUP: the client closed its connection (both directions), so it
	 * gave up waiting for our answer. Drop it with whatever it sent still
	 * unread: a request that timed out on the client side (this monitor was
	 * stopped, or busy) must never be carried out later. A watcher's
	 * half-close is EPOLLRDHUP alone and keeps it (docs/architecture.md). */
	if (events & (EPOLLHUP | EPOLLERR)) {
		client_remove(m, c);
		return;
	}
	if (events & EPOLLIN) {
		size_t room, used;
		char *tail = ctr_linebuf_tail(&c->in, &room);
		ssize_t n = recv(fd, tail, room, MSG_DONTWAIT);
		if (n > 0) {
			ctr_linebuf_added(&c->in, (size_t)n);
			while ((line = ctr_linebuf_line(&c->in, &used))) {
				if (strncmp(line, "console ", 8) == 0) {
					/* The bytes after the line belong to the console stream. */
					if (!console_command(m, c, line + 8, c->in.buf + used, c->in.len - used))
						return;
					ctr_linebuf_consume(&c->in, used);
					continue;
				}
				if (strcmp(line, "attach") == 0) {
					attach_command(m, c, c->in.len - used);
					return;
				}
				handle_command(m, c, line);
				/* The command may have dropped the client. */
				if (find_client(m, fd) != c)
					return;
				ctr_linebuf_consume(&c->in, used);
			}
			if (ctr_linebuf_overflow(&c->in))
				client_remove(m, c);
			return;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		client_remove(m, c);
		return;
	}
	/* Reached only without EPOLLIN. A peer's shutdown(SHUT_WR) makes the
	 * socket readable, so the recv above sees EOF and drops the client,
	 * watcher or not (docs/monitor-protocol.md §4.2): a watcher must keep its
	 * sending side open while it wants events. */
	if ((events & (EPOLLHUP | EPOLLERR)) || ((events & EPOLLRDHUP) && !c->watch))
		client_remove(m, c);
}

void ctr_cmdsock_broadcast(struct ctr_monitor *m, const char *line)
{
	struct ctr_client *c = m->clients, *next;
	size_t len = strlen(line);

	if (holding && held_len + len < sizeof(held)) {
		memcpy(held + held_len, line, len);
		held_len += len;
		return;
	}

	for (; c; c = next) {
		next = c->next;
		if (c->watch && !client_send(c, line))
			client_remove(m, c);
	}
}

void ctr_cmdsock_close_all(struct ctr_monitor *m)
{
	while (m->clients)
		client_remove(m, m->clients);
	ctr_closep(&reserve_fd);
	ctr_cmdsock_release_record_fds();
	if (m->listenfd >= 0) {
		/* The name only while we hold the lock: once ctr_rundir_remove
		 * (which unlinks it too) has let go, command.sock may already
		 * be the next monitor's, started as soon as the stop that our
		 * closed connections ended returned (docs/monitor-protocol.md
		 * §6.1: the lock's holder owns the run dir's files). */
		if (m->lockfd >= 0) {
			char path[256];
			(void)snprintf(path, sizeof(path), "%s/command.sock", m->spec->rundir);
			(void)unlink(path);
		}
		ctr_closep(&m->listenfd);
	}
}
