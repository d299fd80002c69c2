/* The command socket: a unix stream socket `command.sock` in the run dir.
 * docs/monitor-protocol.md §4 is the protocol; in short:
 *
 * The client sends newline-terminated commands (up to 511 bytes of unread
 * input; longer drops it); each gets one reply line, `ok [payload]` or
 * `err <ERRNO-NAME>`:
 *   state            -> ok <STATE>
 *   info             -> ok state=S pid=N starttime=N monitor=N started=MS oom=N
 *   watch            -> ok <STATE>, then one event line per change until the
 *                       monitor exits: `state <STATE>`, `exit <status> <signal>`,
 *                       `oom <count>`; EOF means the container is gone (STOPPED)
 *   signal <N>       -> ok <N>           (1..64, to init through its pidfd)
 *   halt             -> ok <signal sent> (lxc.signal.halt, or SIGPWR/SIGRTMIN+3)
 *   reboot           -> ok <signal sent> (and restart init in place when it exits)
 *   kill             -> ok <signal sent> (lxc.signal.stop; no restart)
 *   freeze           -> ok FREEZING|FROZEN, then `state FREEZING` and `state FROZEN`
 *                       to watchers; err EBUSY unless RUNNING, EOPNOTSUPP without a freezer
 *   thaw             -> ok RUNNING (ok STOPPING while STOPPING), also when nothing
 *                       was frozen; a frozen container's watchers get `state THAWED`,
 *                       then `state RUNNING`; err EOPNOTSUPP if frozen without a
 *                       freezer (halt, reboot and kill thaw first too)
 *   anything else    -> err EINVAL
 * halt, reboot, kill and signal answer err ESRCH once init is gone. EOF from
 * the client (close or half-close) drops the connection, watchers included.
 * Only a peer with the monitor's uid (or root) is served. */
#ifndef CTR_CMDSOCK_H
#define CTR_CMDSOCK_H

#include <stdbool.h>

struct ctr_monitor;

int ctr_cmdsock_listen(struct ctr_monitor *m);
void ctr_cmdsock_accept(struct ctr_monitor *m);
/* Handles readable/hung-up events on a client fd. */
void ctr_cmdsock_client_event(struct ctr_monitor *m, int fd, unsigned int events);
bool ctr_cmdsock_is_client(struct ctr_monitor *m, int fd);
/* Sends one event line to every watcher. */
void ctr_cmdsock_broadcast(struct ctr_monitor *m, const char *line);
/* Out of fds: give up the fds kept to record a state with, and take them back. */
void ctr_cmdsock_release_record_fds(void);
void ctr_cmdsock_rearm_record_fds(void);
void ctr_cmdsock_close_all(struct ctr_monitor *m);

#endif
