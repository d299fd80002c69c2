/* `ctr-monitor init -- COMMAND [ARG...]`: the container's pid 1 for
 * `ctr execute` (lxc-execute's lxc-init; docs/architecture.md §14).
 *
 * The monitor's setup child executes it from the monitor's sealed copy
 * (execveat on an fd opened before the container's root replaced the
 * host's), so nothing is bind-mounted into the container and the file the
 * container sees as /proc/1/exe cannot be opened for writing. It runs
 * COMMAND as its child, forwards the signals it gets to it (SIGPWR, the
 * halt signal, and SIGTERM instead end every process: SIGTERM, SIGKILL a
 * second later), reaps every process that ends up its child, and once
 * COMMAND has exited, asks the rest to go the same way and exits with
 * COMMAND's status, 128 + the signal if it was killed (lxc-init's rules). */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"

static pid_t start_command(char **argv, const sigset_t *old)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	(void)sigprocmask(SIG_SETMASK, old, NULL);
	/* A session of its own; a terminal on stdin becomes its terminal (lxc-init). */
	if (setsid() >= 0 && isatty(STDIN_FILENO))
		(void)ioctl(STDIN_FILENO, TIOCSCTTY, 0);
	int ret = ctr_execvpe(argv[0], argv, environ, getenv("PATH"));
	fprintf(stderr, "ctr-init: Failed to exec \"%s\": %s\n", argv[0], strerror(-ret));
	_exit(ret == -ENOENT ? 127 : 126);
}

static int status_of(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* Reaps what has ended; true once COMMAND has (its status in *code). */
static void reap(pid_t command, bool *done, int *code)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == command && !*done) {
			*done = true;
			*code = status_of(status);
		}
	}
}

int ctr_init_main(int argc, char **argv)
{
	sigset_t all, old;
	struct signalfd_siginfo si;
	bool done = false, killing = false;
	int code = 0, sfd, first = 1;
	pid_t command;

	if (argc > 1 && strcmp(argv[1], "--") == 0)
		first = 2;
	if (first >= argc) {
		fprintf(stderr, "usage: ctr-monitor init -- COMMAND [ARG...]\n");
		return 1;
	}
	(void)prctl(PR_SET_NAME, "ctr-init", 0, 0, 0);
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old) < 0)
		return 1;
	sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0)
		return 1;
	command = start_command(argv + first, &old);
	if (command < 0) {
		perror("ctr-init: fork");
		return 1;
	}
	for (;;) {
		reap(command, &done, &code);
		if (done && !killing) {
			/* The rest of the container goes with COMMAND (lxc-init). */
			(void)kill(-1, SIGTERM);
			(void)alarm(1);
			killing = true;
		}
		if (done && waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
			return code;
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo == SIGCHLD)
			continue;
		if (si.ssi_signo == SIGALRM && killing) {
			(void)kill(-1, SIGKILL);
			continue;
		}
		/* The halt signal (ctr stop) and SIGTERM end the whole container,
		 * as lxc-init does: SIGTERM to all, SIGKILL a second later. */
		if ((si.ssi_signo == SIGPWR || si.ssi_signo == SIGTERM) && !killing) {
			(void)kill(-1, SIGTERM);
			(void)alarm(1);
			killing = true;
			continue;
		}
		if (!done)
			(void)kill(command, (int)si.ssi_signo);
	}
}
