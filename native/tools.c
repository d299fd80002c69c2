#define _GNU_SOURCE
#include "tools.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "lxcsock.h"
#include "monitor.h"
#include "network.h"
#include "rundir.h"
#include "util.h"

struct tool_args {
	int pid;
	unsigned long long starttime;
	int signal;
	int wait_ms;
	const char *rundir;
	const char *lxcpath, *name;
};

static int parse_tool_args(int argc, char **argv, struct tool_args *a)
{
	static const struct option opts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"starttime", required_argument, NULL, 't'},
		{"signal", required_argument, NULL, 's'},
		{"rundir", required_argument, NULL, 'r'},
		{"wait", required_argument, NULL, 'w'},
		{"lxcpath", required_argument, NULL, 'P'},
		{"name", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (ctr_parse_int(optarg, &a->pid) < 0 || a->pid <= 0)
				return -EINVAL;
			break;
		case 't':
			if (ctr_parse_ull(optarg, &a->starttime) < 0)
				return -EINVAL;
			break;
		case 's':
			if (ctr_parse_int(optarg, &a->signal) < 0 || a->signal < 0 || a->signal > 64)
				return -EINVAL;
			break;
		case 'r':
			a->rundir = optarg;
			break;
		case 'w':
			if (ctr_parse_int(optarg, &a->wait_ms) < 0 || a->wait_ms < -1)
				return -EINVAL;
			break;
		case 'P':
			a->lxcpath = optarg;
			break;
		case 'n':
			a->name = optarg;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

int ctr_tool_kill(int argc, char **argv)
{
	_cleanup_close_ int pidfd = -EBADF;
	struct tool_args a;

	if (parse_tool_args(argc, argv, &a) < 0 || !a.pid || !a.starttime) {
		fprintf(stderr, "ctr-monitor kill: --pid, --starttime and --signal are required\n");
		return 1;
	}
	pidfd = ctr_pidfd_open_checked(a.pid, a.starttime);
	if (pidfd == -ESRCH)
		return 3;
	if (pidfd < 0) {
		fprintf(stderr, "ctr-monitor kill: pidfd_open(%d): %s\n", a.pid, strerror(-pidfd));
		return 1;
	}
	if (ctr_pidfd_send_signal(pidfd, a.signal) < 0) {
		if (errno == ESRCH)
			return 3;
		fprintf(stderr, "ctr-monitor kill: pidfd_send_signal(%d): %m\n", a.pid);
		return 1;
	}
	if (a.wait_ms) {
		/* A pidfd becomes readable when the process exits. */
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		int n = (int)RETRY_EINTR(poll(&pfd, 1, a.wait_ms));
		if (n == 0)
			return 4;
	}
	return 0;
}

int ctr_tool_ifaddrs(int argc, char **argv)
{
	_cleanup_close_ int pidfd = -EBADF;
	struct ifaddrs *list = NULL;
	struct tool_args a;

	if (parse_tool_args(argc, argv, &a) < 0 || !a.pid) {
		fprintf(stderr, "ctr-monitor ifaddrs: --pid is required\n");
		return 1;
	}
	pidfd = ctr_pidfd_open_checked(a.pid, a.starttime);
	if (pidfd < 0)
		return 3;
	if (setns(pidfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "ctr-monitor ifaddrs: setns(%d, net): %m\n", a.pid);
		return 1;
	}
	if (getifaddrs(&list) < 0) {
		fprintf(stderr, "ctr-monitor ifaddrs: getifaddrs: %m\n");
		return 1;
	}
	for (struct ifaddrs *i = list; i; i = i->ifa_next) {
		char addr[INET6_ADDRSTRLEN];
		if (!i->ifa_addr || strcmp(i->ifa_name, "lo") == 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)i->ifa_addr;
			if (inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr)))
				printf("%s inet %s\n", i->ifa_name, addr);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)i->ifa_addr;
			/* LXC lists only addresses with scope id 0: no link-local. */
			if (in6->sin6_scope_id == 0 && inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr)))
				printf("%s inet6 %s\n", i->ifa_name, addr);
		}
	}
	freeifaddrs(list);
	return fflush(stdout) == 0 ? 0 : 1;
}

int ctr_tool_cleanup(int argc, char **argv)
{
	struct ctr_spec spec = {0};
	struct ctr_monitor m = {0};
	struct tool_args a;
	int ret, net;

	if (parse_tool_args(argc, argv, &a) < 0 || !a.rundir) {
		fprintf(stderr, "ctr-monitor cleanup: --rundir is required\n");
		return 1;
	}
	if (access(a.rundir, F_OK) < 0)
		return 0;
	spec.rundir = a.rundir;
	m.spec = &spec;
	m.lockfd = -EBADF;
	ret = ctr_rundir_lock(&m);
	if (ret == -EBUSY)
		return 2;
	if (ret < 0) {
		fprintf(stderr, "ctr-monitor cleanup: %s: %s\n", a.rundir, strerror(-ret));
		return 1;
	}
	/* A monitor that died left its cgroups (and what still runs in them). */
	ret = ctr_cgroup_cleanup_rundir(a.rundir);
	if (ret < 0)
		fprintf(stderr, "ctr-monitor cleanup: failed to remove the cgroup %s: %s\n", ctr_cgroup_error_detail(),
			strerror(-ret));
	/* The interfaces it made, and a phys device it held (network.h). */
	net = ctr_net_cleanup_rundir(a.rundir);
	if (net < 0)
		fprintf(stderr, "ctr-monitor cleanup: failed to undo the network of %s: %s (see the monitor log)\n",
			a.rundir, strerror(-net));
	ctr_rundir_remove(&m);
	return ret < 0 || net < 0 ? 1 : 0;
}

static void lock_release(struct ctr_monitor *m)
{
	char path[PATH_MAX];

	/* As a finishing monitor does: a locker that opens the unlinked file
	 * sees another inode and retries (ctr_rundir_lock). */
	(void)snprintf(path, sizeof(path), "%s/lock", m->spec->rundir);
	(void)unlink(path);
	(void)rmdir(m->spec->rundir);
	ctr_closep(&m->lockfd);
}

int ctr_tool_lock(int argc, char **argv)
{
	struct ctr_spec spec = {0};
	struct ctr_monitor m = {0};
	struct tool_args a;
	char buf[64];
	ssize_t n;
	int ret;

	if (parse_tool_args(argc, argv, &a) < 0 || !a.rundir) {
		fprintf(stderr, "ctr-monitor lock: --rundir is required\n");
		return 1;
	}
	spec.rundir = a.rundir;
	m.spec = &spec;
	m.lockfd = -EBADF;
	ret = ctr_rundir_lock(&m);
	if (ret == -EBUSY) {
		printf("busy\n");
		return fflush(stdout) == 0 ? 2 : 1;
	}
	if (ret < 0) {
		fprintf(stderr, "ctr-monitor lock: %s: %s\n", a.rundir, strerror(-ret));
		return 1;
	}
	if (printf("locked\n") < 0 || fflush(stdout) != 0) {
		lock_release(&m);
		return 1;
	}
	/* Held until the ctr that asked closes our stdin: released on purpose,
	 * or by the kernel when that ctr dies however it dies. */
	do {
		n = read(STDIN_FILENO, buf, sizeof(buf));
	} while (n > 0 || (n < 0 && errno == EINTR));
	lock_release(&m);
	return 0;
}

int ctr_tool_lxc_state(int argc, char **argv)
{
	struct ctr_lxc_peer peer;
	struct tool_args a;
	int ret;

	if (parse_tool_args(argc, argv, &a) < 0 || !a.lxcpath || !a.name) {
		fprintf(stderr, "ctr-monitor lxc-state: --lxcpath and --name are required\n");
		return 1;
	}
	ret = ctr_lxcsock_query(a.lxcpath, a.name, 2000, &peer);
	if (ret == -ECONNREFUSED)
		return 3;
	if (ret == -EPERM) {
		printf("holder=%d uid=%d comm=%s\n", (int)peer.pid, (int)peer.uid, peer.comm);
		return fflush(stdout) == 0 ? 5 : 1;
	}
	if (ret < 0) {
		fprintf(stderr, "ctr-monitor lxc-state: %s/%s: %s\n", a.lxcpath, a.name, strerror(-ret));
		return 1;
	}
	printf("state=%s pid=%d holder=%d uid=%d comm=%s\n", ctr_state_name(peer.state), (int)peer.init_pid, (int)peer.pid,
	       (int)peer.uid, peer.comm);
	return fflush(stdout) == 0 ? 0 : 1;
}
