/* The console and ttys, child side (docs/console.md): the setup
 * child allocates every pty from a devpts instance of the container's own,
 * binds it into the container's /dev and hands the pair (master, slave) to
 * the monitor over the setup channel, as LXC's lxc_setup_console and
 * lxc_create_ttys do. No host device node is ever bound: a container that
 * chowns or chmods its console changes only its own pty.
 *
 * Runs between clone and exec: no allocation, no stdio; failures call
 * `fail` (native/isolation.h) with step "console" or "tty". */
#ifndef CTR_TTY_H
#define CTR_TTY_H

#include "isolation.h"
#include "spec.h"

/* Before pivot_root, after the mounts: the console, from the container's
 * devpts (dev/pts) or from a private instance mounted on dev/pts only for
 * this (spec.tty.console_devpts), bound on /dev/console (and
 * /dev/<tty.dir>/console). Its slave stays open for init's stdio. */
void ctr_tty_setup_console(const struct ctr_spec *spec, int rootfd, int chan, ctr_fail_fn fail);

/* Then tty1..N from the container's devpts, bound on /dev/ttyN (or
 * /dev/<tty.dir>/ttyN with a /dev/ttyN link to it) when bind_ttys. */
void ctr_tty_setup_ttys(const struct ctr_spec *spec, int rootfd, int chan, ctr_fail_fn fail);

/* After pivot_root: makes the console init's stdin, stdout and stderr,
 * reopened as /dev/console when it is bound there (its path inside, as a
 * kernel-started init has it). -EBADF: there is no console. 0 or -errno. */
int ctr_tty_console_stdio(void);

#endif
