/* ctr-monitor: argv and dispatch only.
 *
 *   ctr-monitor start --name N --lxcpath P   read a spec on fd 3, run the container
 *   ctr-monitor launcher --parent PID        fork a monitor per spec read on fd 3 (launcher.c)
 *   ctr-monitor kill|ifaddrs|cleanup|lock|lxc-state ...   one-shot helpers (tools.c)
 *   ctr-monitor attach --rundir D ...        the client of `ctr attach` (attach-client.c)
 *   ctr-monitor init -- COMMAND...           pid 1 of `ctr execute` (init.c)
 *   ctr-monitor version
 *
 * The name and lxcpath on the start command line are only there so that
 * `ps` shows which container a monitor belongs to. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attach-client.h"
#include "init.h"
#include "launcher.h"
#include "log.h"
#include "monitor.h"
#include "sealed.h"
#include "spec.h"
#include "tools.h"
#include "util.h"

#ifndef CTR_VERSION
#define CTR_VERSION "0.0.0"
#endif

#define SPEC_FD 3

static int cmd_start(char **argv)
{
	long long spec_us;
	struct ctr_spec spec;
	sigset_t all;
	int ret;

	/* Before anything else, so that no process of ours ever runs the host
	 * binary where a container could reach it (sealed.c). */
	ret = ctr_reexec_sealed(argv);
	if (ret < 0) {
		char line[160];
		int n = snprintf(line, sizeof(line), "error seal %d the ctr-monitor binary\n", -ret);
		(void)!write(SPEC_FD, line, (size_t)n);
		return 1;
	}

	/* Block signals before anything else: the monitor reads them from a
	 * signalfd, and the forks of daemonizing inherit the mask. */
	sigfillset(&all);
	(void)sigprocmask(SIG_BLOCK, &all, NULL);
	ret = ctr_spec_read(SPEC_FD, &spec);
	/* startupUs counts from here: the monitor has the spec (whenever ctr
	 * wrote it), so ctr's own delays are not counted in it. */
	spec_us = ctr_monotonic_us();
	return ctr_start_monitor(ret, &spec, spec_us, false);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: ctr-monitor start|launcher|attach|init|kill|ifaddrs|cleanup|lock|lxc-state|version ...\n");
		return 1;
	}
	/* First: it runs as a container's pid 1, from the sealed copy. */
	if (strcmp(argv[1], "init") == 0)
		return ctr_init_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "start") == 0)
		return cmd_start(argv);
	if (strcmp(argv[1], "launcher") == 0)
		return ctr_launcher_main(argc, argv);
	if (strcmp(argv[1], "kill") == 0)
		return ctr_tool_kill(argc - 1, argv + 1);
	if (strcmp(argv[1], "ifaddrs") == 0)
		return ctr_tool_ifaddrs(argc - 1, argv + 1);
	if (strcmp(argv[1], "cleanup") == 0)
		return ctr_tool_cleanup(argc - 1, argv + 1);
	if (strcmp(argv[1], "lock") == 0)
		return ctr_tool_lock(argc - 1, argv + 1);
	if (strcmp(argv[1], "lxc-state") == 0)
		return ctr_tool_lxc_state(argc - 1, argv + 1);
	if (strcmp(argv[1], "attach") == 0)
		return ctr_tool_attach(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0) {
		printf("%s\n", CTR_VERSION);
		return 0;
	}
	fprintf(stderr, "ctr-monitor: unknown command \"%s\"\n", argv[1]);
	return 1;
}
