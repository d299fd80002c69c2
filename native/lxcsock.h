/* LXC's command socket, on both sides (docs/lxc-contract.md §16).
 *
 * LXC finds a running container only through an abstract unix socket,
 * `@<lxcpath>/<name>/command` (or `@lxc/<FNV-1a 64 of "lxcpath/name">/command`
 * when that is too long), which its monitor binds for the container's whole
 * life: the bind is LXC's "already running" lock. The protocol is binary:
 * a request is struct lxc_cmd_req {int cmd; int datalen; void *data;} (16
 * bytes on 64-bit) plus datalen bytes, an answer struct lxc_cmd_rsp {int ret;
 * int datalen; void *data;} plus datalen bytes; small answers travel in the
 * data pointer itself (LXC_CMD_GET_STATE: the state number,
 * LXC_CMD_GET_INIT_PID: the pid).
 *
 * The ctr monitor binds that name too, for the same reason (LXC's tools then
 * see ctr's container and refuse to start it twice), and answers GET_STATE
 * and GET_INIT_PID; `ctr-monitor lxc-state` is the client ctr uses to see a
 * container that LXC runs. Abstract sockets belong to a network namespace:
 * neither side sees the other from another one. */
#ifndef CTR_LXCSOCK_H
#define CTR_LXCSOCK_H

#include <stdbool.h>
#include <sys/types.h>

struct ctr_monitor;

#define CTR_LXC_CMD_GET_STATE 3
#define CTR_LXC_CMD_GET_INIT_PID 4

/* The abstract name, without its leading NUL, as LXC builds it
 * (lxc_make_abstract_socket_name). 0, or -ENAMETOOLONG. */
int ctr_lxc_sock_name(char *buf, size_t size, const char *lxcpath, const char *name);

/* Monitor: binds the name before init exists and adds it to the epoll set.
 * -EADDRINUSE when LXC (a peer that is root or our user and answers
 * GET_STATE) already runs the container; a name held by anyone else is
 * logged and left alone (0): such a process cannot be LXC running this
 * container, and must not be able to stop it from starting. */
int ctr_lxcsock_listen(struct ctr_monitor *m);
/* Monitor: answers what is waiting on the socket (never blocks long). */
void ctr_lxcsock_accept(struct ctr_monitor *m);
/* Monitor: releases the name (with the run-dir lock, at the end). */
void ctr_lxcsock_close(struct ctr_monitor *m);

struct ctr_lxc_peer {
	int state;       /* LXC's state number */
	pid_t init_pid;  /* 0 if it did not say */
	pid_t pid;       /* the process holding the name */
	uid_t uid;
	char comm[16];   /* its name: lxc-start, ctr-monitor, ... */
};

/* Client: asks the process holding the name for its state and init's pid.
 * 0, -ECONNREFUSED when nothing holds it, -EPERM when the holder is
 * neither root nor us (peer filled in), or -errno. timeout_ms bounds each
 * exchange. */
int ctr_lxcsock_query(const char *lxcpath, const char *name, int timeout_ms, struct ctr_lxc_peer *peer);

#endif
