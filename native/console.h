/* The container's console and ttys, monitor side (docs/monitor-protocol.md
 * §4.5 and §5.5).
 *
 * The setup child allocates the ptys (native/tty.h) and hands each pair
 * (master, slave) over the setup channel. The monitor keeps both ends open
 * for the container's life, as LXC does: holding the slave means a master
 * never hangs up while the guest's getty closes and reopens its tty. It reads
 * the console always (its log, its ring buffer, its peer and clients) and a
 * tty only while a client is attached, so that what the guest wrote before
 * (a login prompt) waits in the pty for the first client.
 *
 * Clients are command-socket connections switched into a byte stream by
 * `console N ROWS COLS`; any number may share a console or tty. Nothing
 * blocks the monitor: output a client cannot take is queued up to a bound,
 * then the client is dropped; input the pty cannot take is queued and the
 * client is not read until it drains. */
#ifndef CTR_CONSOLE_H
#define CTR_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

struct ctr_monitor;
struct ctr_ttyspec;

/* Parses one console_* or tty_* spec record (docs/monitor-protocol.md §2.2).
 * 0, -EINVAL for a bad value, -ENOENT for a name that is not one of them. */
int ctr_ttyspec_record(struct ctr_ttyspec *t, const char *rec, const char *value);

/* start_error.index of a monitor-side console failure: which file. */
#define CTR_CONSOLE_ERR_LOG 1
#define CTR_CONSOLE_ERR_PEER 2

/* Before init is cloned: opens the console log (O_NOFOLLOW, regular files
 * only) and the peer (lxc.console.path, put in raw mode), allocates the ring
 * buffer. 0 or -errno with m->start_error set (step "console"). */
int ctr_console_prepare(struct ctr_monitor *m);

/* The child handed over the pty pair of terminal `index` (0 the console,
 * N ttyN). Takes ownership of both fds; refuses (closes them) an index out
 * of range or already set. */
void ctr_console_take(struct ctr_monitor *m, int index, int ptx, int pty);

/* Init is gone (restart in place or teardown): closes every pty; clients
 * stay attached and get the next init's ptys after a reboot. */
void ctr_console_release(struct ctr_monitor *m);

/* Teardown: closes the clients and the log, restores the peer. */
void ctr_console_close(struct ctr_monitor *m);

/* `console N`: the terminal a client asking for N gets (N = -1: the first
 * tty no client uses), or -ENXIO (no such terminal) / -EBUSY (every tty in
 * use). */
int ctr_console_resolve(struct ctr_monitor *m, int index);

/* Takes over command connection fd as a client of terminal `index` (from
 * ctr_console_resolve), already registered in the epoll set. `pending` is
 * what the client sent after its command line (forwarded as input). rows
 * and cols > 0 set the terminal's size. 0 or -errno (the fd is closed). */
int ctr_console_attach(struct ctr_monitor *m, int fd, int index, int rows, int cols, const char *pending, size_t npending);

/* `resize N ROWS COLS`: sets terminal N's window size (now, or once its pty
 * exists). 0 or -ENXIO. */
int ctr_console_resize(struct ctr_monitor *m, int index, int rows, int cols);

/* Whether fd is a pty master or client of ours; if so, handles its epoll events. */
bool ctr_console_event(struct ctr_monitor *m, int fd, unsigned int events);

#endif
