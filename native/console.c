/* The container's console and ttys, monitor side: see console.h. */
#define _GNU_SOURCE
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

#define IO_CHUNK 4096
/* Output a client has not taken yet, beyond its socket buffer; more and the
 * client is dropped (a stopped `ctr console` must not stall the guest). */
#define CLIENT_OUT_MAX (256u << 10)
#define MAX_TTYS 1024

struct term {
	int ptx, pty;   /* -EBADF until the child hands them over */
	unsigned int armed; /* the epoll events registered for ptx */
	bool dead;      /* ptx hung up or failed: no longer polled */
	unsigned short rows, cols; /* the size to set (0: none asked for) */
};

struct tclient {
	int fd;
	int index;
	bool peer;       /* lxc.console.path: the monitor's own terminal, not a socket */
	unsigned int armed;
	char *out;       /* queued output */
	size_t out_len;
	char in[IO_CHUNK]; /* input the pty did not take yet */
	size_t in_len;
	struct tclient *next;
};

struct ctr_console {
	struct term *terms; /* [0] the console, [N] ttyN */
	int nterms;
	struct tclient *clients;
	bool held;          /* no client has attached to the console yet (hold) */
	int logfd;
	unsigned long long log_size;
	bool log_rotate;
	const char *log_path;
	char *ring;         /* lxc.console.buffer.size: the last bytes of console output */
	size_t ring_size, ring_used, ring_head;
	struct termios peer_tios; /* the peer's settings before raw mode */
	bool peer_raw;
};

int ctr_ttyspec_record(struct ctr_ttyspec *t, const char *rec, const char *value)
{
	unsigned long long v = 0;
	int ret = 0;

	if (strcmp(rec, "console") == 0) t->console = strcmp(value, "1") == 0;
	else if (strcmp(rec, "console_devpts") == 0) t->console_devpts = value;
	else if (strcmp(rec, "console_hold") == 0) t->hold = strcmp(value, "1") == 0;
	else if (strcmp(rec, "console_peer") == 0) t->peer = value;
	else if (strcmp(rec, "console_log") == 0) t->logfile = value;
	else if (strcmp(rec, "console_size") == 0) ret = ctr_parse_ull(value, &t->log_size);
	else if (strcmp(rec, "console_rotate") == 0) t->log_rotate = strcmp(value, "1") == 0;
	else if (strcmp(rec, "console_buffer") == 0) ret = ctr_parse_ull(value, &t->buffer_size);
	else if (strcmp(rec, "tty_dir") == 0) t->tty_dir = *value ? value : NULL;
	else if (strcmp(rec, "tty_bind") == 0) t->bind_ttys = strcmp(value, "1") == 0;
	else if (strcmp(rec, "tty_max") == 0) {
		ret = ctr_parse_ull(value, &v);
		if (ret == 0 && v > MAX_TTYS)
			ret = -EINVAL;
		t->tty_max = (int)v;
	} else
		return -ENOENT;
	if (ret == 0 && (t->buffer_size > (64ull << 20) || (t->tty_dir && (strchr(t->tty_dir, '/') || strlen(t->tty_dir) > 64))))
		ret = -EINVAL;
	return ret;
}

/* --- the log file (lxc.console.logfile, .size, .rotate), LXC's rules --- */

/* Never through a symlink, never a FIFO or device planted there, as the
 * monitor log (native/log.c). */
static int open_log(const char *path, int extra)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK | extra, 0600);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return -EINVAL;
	}
	(void)fcntl(fd, F_SETFL, O_WRONLY | O_APPEND);
	return fd;
}

/* Keeps one old log: <log>.1 (lxc.console.rotate). */
static int rotate_log(struct ctr_console *c)
{
	char old[4096];
	int n = snprintf(old, sizeof(old), "%s.1", c->log_path);

	if (n < 0 || (size_t)n >= sizeof(old))
		return -ENAMETOOLONG;
	ctr_closep(&c->logfd);
	if (rename(c->log_path, old) < 0)
		return -errno;
	c->logfd = open_log(c->log_path, O_EXCL);
	return c->logfd < 0 ? c->logfd : 0;
}

static void write_log(struct ctr_console *c, const char *buf, size_t n)
{
	struct stat st;
	unsigned long long room;

	if (c->logfd < 0)
		return;
	if (!c->log_size || fstat(c->logfd, &st) < 0) {
		(void)ctr_write_all(c->logfd, buf, n);
		return;
	}
	room = (unsigned long long)st.st_size < c->log_size ? c->log_size - (unsigned long long)st.st_size : 0;
	if (n <= room) {
		(void)ctr_write_all(c->logfd, buf, n);
		return;
	}
	/* Fill the file, then start over: in a new file (rotate) or the same
	 * one truncated; what does not fit even then is cut. */
	(void)ctr_write_all(c->logfd, buf, (size_t)room);
	buf += room;
	n -= (size_t)room;
	if (c->log_rotate ? rotate_log(c) < 0 : ftruncate(c->logfd, 0) < 0) {
		log_syserr("Failed to %s the console log \"%s\"", c->log_rotate ? "rotate" : "truncate", c->log_path);
		ctr_closep(&c->logfd);
		return;
	}
	(void)ctr_write_all(c->logfd, buf, n < c->log_size ? n : (size_t)c->log_size);
}

static void ring_write(struct ctr_console *c, const char *buf, size_t n)
{
	if (!c->ring)
		return;
	if (n >= c->ring_size) {
		memcpy(c->ring, buf + n - c->ring_size, c->ring_size);
		c->ring_head = 0;
		c->ring_used = c->ring_size;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		c->ring[(c->ring_head + c->ring_used) % c->ring_size] = buf[i];
		if (c->ring_used < c->ring_size)
			c->ring_used++;
		else
			c->ring_head = (c->ring_head + 1) % c->ring_size;
	}
}

/* --- epoll bookkeeping --- */

/* Registers fd for `want`, or not at all when nothing is wanted: a hung-up
 * fd would otherwise be reported again and again, whatever its mask. */
static void arm(struct ctr_monitor *m, int fd, unsigned int *armed, unsigned int want)
{
	struct epoll_event ev = {.events = want, .data.fd = fd};

	if (*armed == want)
		return;
	if (!want)
		(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, fd, NULL);
	else if (epoll_ctl(m->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 && errno == ENOENT)
		(void)epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev);
	*armed = want;
}

static int client_count(struct ctr_console *c, int index)
{
	int n = 0;

	for (struct tclient *t = c->clients; t; t = t->next)
		if (t->index == index)
			n++;
	return n;
}

/* What a pty master is polled for: output while someone reads it (the
 * console always, unless held for the first client), and writability while
 * a client's input waits. */
static void term_update(struct ctr_monitor *m, int index)
{
	struct ctr_console *c = m->console;
	struct term *t = &c->terms[index];
	unsigned int want = 0;

	if (t->ptx < 0)
		return;
	if (!t->dead && ((index == 0 && !c->held) || client_count(c, index) > 0))
		want |= EPOLLIN;
	for (struct tclient *k = c->clients; k && !t->dead; k = k->next)
		if (k->index == index && k->in_len)
			want |= EPOLLOUT;
	arm(m, t->ptx, &t->armed, want);
}

static void client_update(struct ctr_monitor *m, struct tclient *k)
{
	arm(m, k->fd, &k->armed, (k->in_len ? 0 : EPOLLIN | EPOLLRDHUP) | (k->out_len ? EPOLLOUT : 0));
}

static void client_remove(struct ctr_monitor *m, struct tclient *k)
{
	struct ctr_console *c = m->console;
	struct tclient **pp = &c->clients;
	int index = k->index;

	while (*pp && *pp != k)
		pp = &(*pp)->next;
	if (*pp)
		*pp = k->next;
	(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, k->fd, NULL);
	if (k->peer && c->peer_raw)
		(void)tcsetattr(k->fd, TCSAFLUSH, &c->peer_tios);
	(void)close(k->fd);
	free(k->out);
	free(k);
	term_update(m, index);
}

/* --- moving bytes --- */

static ssize_t send_some(struct tclient *k, const char *buf, size_t n)
{
	ssize_t w = k->peer ? write(k->fd, buf, n) : send(k->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return w;
}

/* Output to one client: sent now, or queued behind what is queued. Returns
 * false when the client must go (gone, or too far behind). */
static bool client_out(struct ctr_monitor *m, struct tclient *k, const char *buf, size_t n)
{
	ssize_t w = 0;
	char *grown;

	if (!k->out_len) {
		w = send_some(k, buf, n);
		if (w < 0)
			return false;
	}
	if ((size_t)w == n)
		return true;
	if (k->out_len + n - (size_t)w > CLIENT_OUT_MAX)
		return k->peer; /* a slow peer loses output, a slow client its session */
	grown = realloc(k->out, k->out_len + n - (size_t)w);
	if (!grown)
		return false;
	memcpy(grown + k->out_len, buf + w, n - (size_t)w);
	k->out = grown;
	k->out_len += n - (size_t)w;
	client_update(m, k);
	return true;
}

static void deliver(struct ctr_monitor *m, int index, const char *buf, size_t n)
{
	struct ctr_console *c = m->console;
	struct tclient *k, *next;

	if (index == 0) {
		ring_write(c, buf, n);
		write_log(c, buf, n);
	}
	for (k = c->clients; k; k = next) {
		next = k->next;
		if (k->index == index && !client_out(m, k, buf, n)) {
			log_info("Dropping a client of terminal %d that does not keep up", index);
			client_remove(m, k);
		}
	}
}

static void term_dead(struct ctr_monitor *m, int index)
{
	m->console->terms[index].dead = true;
	term_update(m, index);
}

static void term_read(struct ctr_monitor *m, int index)
{
	struct term *t = &m->console->terms[index];
	char buf[IO_CHUNK];
	ssize_t n = read(t->ptx, buf, sizeof(buf));

	if (n > 0)
		deliver(m, index, buf, (size_t)n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		term_dead(m, index); /* EIO: no slave open; we hold one, so only if it broke */
}

/* Pending input of every client of the terminal, in turn, as far as the
 * pty takes it. */
static void term_write(struct ctr_monitor *m, int index)
{
	struct term *t = &m->console->terms[index];

	for (struct tclient *k = m->console->clients; k; k = k->next) {
		if (k->index != index || !k->in_len)
			continue;
		ssize_t w = t->ptx < 0 ? 0 : write(t->ptx, k->in, k->in_len);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			k->in_len = 0; /* the pty is gone: input is lost, as on a hung-up line */
		} else if (w > 0) {
			memmove(k->in, k->in + w, k->in_len - (size_t)w);
			k->in_len -= (size_t)w;
		}
		client_update(m, k);
		if (k->in_len)
			break;
	}
	term_update(m, index);
}

static void client_read(struct ctr_monitor *m, struct tclient *k)
{
	ssize_t n = k->peer ? read(k->fd, k->in, sizeof(k->in)) : recv(k->fd, k->in, sizeof(k->in), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_remove(m, k);
		return;
	}
	k->in_len = (size_t)n;
	term_write(m, k->index);
}

static void client_flush(struct ctr_monitor *m, struct tclient *k)
{
	ssize_t w = send_some(k, k->out, k->out_len);

	if (w < 0) {
		client_remove(m, k);
		return;
	}
	memmove(k->out, k->out + w, k->out_len - (size_t)w);
	k->out_len -= (size_t)w;
	client_update(m, k);
}

bool ctr_console_event(struct ctr_monitor *m, int fd, unsigned int events)
{
	struct ctr_console *c = m->console;

	if (!c)
		return false;
	for (int i = 0; i < c->nterms; i++) {
		if (c->terms[i].ptx != fd)
			continue;
		if (events & EPOLLOUT)
			term_write(m, i);
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			term_read(m, i);
		return true;
	}
	for (struct tclient *k = c->clients; k; k = k->next) {
		if (k->fd != fd)
			continue;
		if (events & EPOLLOUT)
			client_flush(m, k);
		else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
			client_read(m, k);
		return true;
	}
	return false;
}

/* --- the terminals' life --- */

static void apply_size(struct term *t)
{
	struct winsize ws = {.ws_row = t->rows, .ws_col = t->cols};

	if (t->ptx >= 0 && t->rows && t->cols && ioctl(t->ptx, TIOCSWINSZ, &ws) < 0)
		log_syserr("Failed to set a terminal's window size");
}

void ctr_console_take(struct ctr_monitor *m, int index, int ptx, int pty)
{
	struct ctr_console *c = m->console;
	struct term *t;

	if (!c || index < 0 || index >= c->nterms || c->terms[index].ptx >= 0) {
		log_warn("Ignoring a pty for terminal %d", index);
		(void)close(ptx);
		(void)close(pty);
		return;
	}
	t = &c->terms[index];
	t->ptx = ptx;
	t->pty = pty;
	t->armed = 0;
	t->dead = false;
	(void)fcntl(ptx, F_SETFL, O_RDWR | O_NONBLOCK);
	apply_size(t);
	term_update(m, index);
	/* Input typed before the pty existed. */
	term_write(m, index);
}

void ctr_console_release(struct ctr_monitor *m)
{
	struct ctr_console *c = m->console;

	if (!c)
		return;
	for (int i = 0; i < c->nterms; i++) {
		struct term *t = &c->terms[i];
		if (t->ptx >= 0) {
			/* What is still buffered in the console goes to its log and clients first. */
			while (i == 0 && !t->dead && t->armed) {
				char buf[IO_CHUNK];
				ssize_t n = read(t->ptx, buf, sizeof(buf));
				if (n <= 0)
					break;
				deliver(m, 0, buf, (size_t)n);
			}
			(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, t->ptx, NULL);
		}
		ctr_closep(&t->ptx);
		ctr_closep(&t->pty);
		t->armed = 0;
		t->dead = false;
	}
	for (struct tclient *k = c->clients; k; k = k->next) {
		k->in_len = 0;
		client_update(m, k);
	}
}

void ctr_console_close(struct ctr_monitor *m)
{
	struct ctr_console *c = m->console;

	if (!c)
		return;
	ctr_console_release(m);
	while (c->clients)
		client_remove(m, c->clients);
	ctr_closep(&c->logfd);
	free(c->ring);
	free(c->terms);
	free(c);
	m->console = NULL;
}

/* lxc.console.path: the peer is a terminal on the host, in raw mode (LXC's
 * lxc_setup_tios: what ssh sets) for the container's life. */
static int open_peer(struct ctr_monitor *m, const char *path)
{
	struct ctr_console *c = m->console;
	struct termios raw;
	struct tclient *k;
	_cleanup_close_ int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (!isatty(fd) || tcgetattr(fd, &c->peer_tios) < 0)
		return -ENOTTY;
	raw = c->peer_tios;
	raw.c_iflag |= IGNPAR;
	raw.c_iflag &= ~(tcflag_t)(ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXANY | IXOFF);
	raw.c_lflag &= ~(tcflag_t)(TOSTOP | ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL | IEXTEN);
	raw.c_oflag |= ONLCR | OPOST;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSAFLUSH, &raw) < 0)
		return -errno;
	c->peer_raw = true;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	{
		struct winsize ws;
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
			c->terms[0].rows = ws.ws_row;
			c->terms[0].cols = ws.ws_col;
		}
	}
	k->fd = move_fd(fd);
	k->peer = true;
	k->next = c->clients;
	c->clients = k;
	c->held = false;
	client_update(m, k);
	return 0;
}

int ctr_console_prepare(struct ctr_monitor *m)
{
	const struct ctr_ttyspec *t = &m->spec->tty;
	struct ctr_console *c;
	int ret;

	if (m->console || (!t->console && t->tty_max == 0))
		return 0;
	m->start_error = (struct ctr_child_error){CTR_STEP_CONSOLE, ENOMEM, -1};
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	m->console = c;
	c->logfd = -EBADF;
	c->nterms = 1 + t->tty_max;
	c->terms = calloc((size_t)c->nterms, sizeof(*c->terms));
	if (!c->terms)
		return -ENOMEM;
	for (int i = 0; i < c->nterms; i++)
		c->terms[i].ptx = c->terms[i].pty = -EBADF;
	c->held = t->hold;
	if (t->console && t->buffer_size) {
		c->ring = malloc((size_t)t->buffer_size);
		if (!c->ring)
			return -ENOMEM;
		c->ring_size = (size_t)t->buffer_size;
	}
	if (t->console && t->logfile) {
		c->log_path = t->logfile;
		c->log_size = t->log_size;
		c->log_rotate = t->log_rotate;
		c->logfd = open_log(t->logfile, 0);
		if (c->logfd < 0) {
			log_error("Failed to open the console log \"%s\": %s", t->logfile, strerror(-c->logfd));
			m->start_error = (struct ctr_child_error){CTR_STEP_CONSOLE, -c->logfd, CTR_CONSOLE_ERR_LOG};
			return c->logfd;
		}
	}
	if (t->console && t->peer) {
		ret = open_peer(m, t->peer);
		if (ret < 0) {
			log_error("Failed to use \"%s\" as the console: %s", t->peer, strerror(-ret));
			m->start_error = (struct ctr_child_error){CTR_STEP_CONSOLE, -ret, CTR_CONSOLE_ERR_PEER};
			return ret;
		}
	}
	m->start_error = (struct ctr_child_error){0};
	return 0;
}

/* --- clients --- */

int ctr_console_resolve(struct ctr_monitor *m, int index)
{
	struct ctr_console *c = m->console;

	if (!c)
		return -ENXIO;
	if (index == 0)
		return m->spec->tty.console ? 0 : -ENXIO;
	if (index > 0)
		return index < c->nterms ? index : -ENXIO;
	if (c->nterms < 2)
		return -ENXIO;
	/* lxc-console's default: the first tty nobody uses. */
	for (int i = 1; i < c->nterms; i++)
		if (client_count(c, i) == 0)
			return i;
	return -EBUSY;
}

int ctr_console_resize(struct ctr_monitor *m, int index, int rows, int cols)
{
	struct ctr_console *c = m->console;

	if (!c || index < 0 || index >= c->nterms || (index == 0 && !m->spec->tty.console))
		return -ENXIO;
	if (rows <= 0 || cols <= 0 || rows > 65535 || cols > 65535)
		return -EINVAL;
	c->terms[index].rows = (unsigned short)rows;
	c->terms[index].cols = (unsigned short)cols;
	apply_size(&c->terms[index]);
	return 0;
}

int ctr_console_attach(struct ctr_monitor *m, int fd, int index, int rows, int cols, const char *pending, size_t npending)
{
	struct ctr_console *c = m->console;
	struct tclient *k;

	if (!c || index < 0 || index >= c->nterms) {
		(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, fd, NULL);
		(void)close(fd);
		return -ENXIO;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, fd, NULL);
		(void)close(fd);
		return -ENOMEM;
	}
	k->fd = fd;
	k->index = index;
	k->armed = EPOLLIN | EPOLLRDHUP; /* as the command socket registered it */
	k->next = c->clients;
	c->clients = k;
	if (index == 0)
		c->held = false;
	if (rows > 0 && cols > 0)
		(void)ctr_console_resize(m, index, rows, cols);
	if (npending) {
		k->in_len = npending < sizeof(k->in) ? npending : sizeof(k->in);
		memcpy(k->in, pending, k->in_len);
	}
	client_update(m, k);
	term_update(m, index);
	if (k->in_len)
		term_write(m, index);
	log_info("A client attached to terminal %d", index);
	return 0;
}
