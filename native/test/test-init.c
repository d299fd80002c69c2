/* A static multi-call init for ctr's integration tests (crun's tests/init.c
 * pattern): one binary copied into a temporary rootfs, told what to do by its
 * arguments, so tests assert real behaviour without a distribution.
 *
 *   test-init pause [--ready FILE] [--exit-on SIG[:CODE]]...
 *       install the handlers, then create FILE (the test's event that init is
 *       ready for signals), then wait; SIG exits with CODE (default 0)
 *   test-init ignore [--ready FILE]     wait with no handlers (pid 1 drops signals)
 *   test-init block-rtmin3 [--ready FILE]  block SIGRTMIN+3 like systemd, exit on it
 *   test-init exit N                    exit with status N
 *   test-init true                      exit 0
 *   test-init sleep SECONDS             sleep, then exit 0
 *   test-init reboot [--ready FILE]     exit via reboot(2) on SIGINT (a container reboot)
 *   test-init print WHAT...             print facts on stdout: pid hostname cwd uid gid env fds
 *   test-init spawn N [--ready FILE]    fork N children that pause, then pause
 *   test-init alloc MIB [--ready FILE]  touch MIB MiB of memory, then pause
 *   test-init burn [--ready FILE]       spin on the CPU
 *   test-init forkbomb [--ready FILE]   fork until fork fails, report the count, pause
 *   test-init ifaces FILE [COMMAND ARG...]
 *       first of all write what the network namespace holds to FILE
 *       ("link NAME up|down MAC", "addr NAME ADDRESS/PREFIX", "gw4 NAME
 *       GATEWAY" for an IPv4 default route), then run COMMAND (pause)
 *   test-init bind-abstract NAME [--ready FILE]
 *                                       bind and listen on the abstract unix socket @NAME
 *                                       (LXC's exact address length), then pause
 *   test-init syscall OP ARG...         make system calls, print "OP ok" or "OP errno N" for
 *       each: mkdir PATH, unshare FLAGS, and mkdir-i386 PATH (int 0x80) and
 *       mkdir-x32 PATH (the x32 ABI), which reach seccomp as other ABIs;
 *       open-write PATH (open for writing) and ptrace PID (attach, detach)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int exit_codes[65];
static const char *ready_file;

static void on_signal(int sig)
{
	_exit(exit_codes[sig]);
}

static void on_reboot(int sig)
{
	(void)sig;
	(void)reboot(RB_AUTOBOOT);
	_exit(1);
}

static int parse_signal(const char *s)
{
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	if (strcmp(s, "PWR") == 0) return SIGPWR;
	if (strcmp(s, "TERM") == 0) return SIGTERM;
	if (strcmp(s, "INT") == 0) return SIGINT;
	if (strcmp(s, "HUP") == 0) return SIGHUP;
	if (strcmp(s, "USR1") == 0) return SIGUSR1;
	if (strcmp(s, "USR2") == 0) return SIGUSR2;
	if (strcmp(s, "QUIT") == 0) return SIGQUIT;
	if (strcmp(s, "KILL") == 0) return SIGKILL;
	if (strcmp(s, "RTMIN+3") == 0) return SIGRTMIN + 3;
	return atoi(s);
}

static void signal_ready(void)
{
	int fd;

	if (!ready_file)
		return;
	fd = open(ready_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		(void)!write(fd, buf, (size_t)n);
		close(fd);
	}
}

static void parse_flags(int argc, char **argv, int start)
{
	for (int i = start; i < argc; i++) {
		if (strcmp(argv[i], "--ready") == 0 && i + 1 < argc) {
			ready_file = argv[++i];
		} else if (strcmp(argv[i], "--exit-on") == 0 && i + 1 < argc) {
			char *spec = argv[++i], *colon = strchr(spec, ':');
			int code = colon ? atoi(colon + 1) : 0, sig;
			if (colon)
				*colon = '\0';
			sig = parse_signal(spec);
			if (sig > 0 && sig < 65) {
				struct sigaction sa = {.sa_handler = on_signal};
				exit_codes[sig] = code;
				sigaction(sig, &sa, NULL);
			}
		}
	}
}

static int prefix_len(const struct sockaddr *mask)
{
	const unsigned char *b = mask->sa_family == AF_INET ? (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr
							   : (const unsigned char *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
	int n = 0;

	for (int i = 0; i < (mask->sa_family == AF_INET ? 4 : 16); i++)
		n += __builtin_popcount(b[i]);
	return n;
}

static void write_addr(FILE *f, const struct ifaddrs *i)
{
	char buf[INET6_ADDRSTRLEN];
	const void *a;

	if (i->ifa_addr->sa_family == AF_PACKET) {
		const struct sockaddr_ll *ll = (const struct sockaddr_ll *)i->ifa_addr;
		fprintf(f, "link %s %s", i->ifa_name, (i->ifa_flags & IFF_UP) ? "up" : "down");
		for (int b = 0; b < ll->sll_halen; b++)
			fprintf(f, "%c%02x", b ? ':' : ' ', ll->sll_addr[b]);
		fprintf(f, "\n");
		return;
	}
	a = i->ifa_addr->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)i->ifa_addr)->sin_addr
					       : (const void *)&((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
	if (inet_ntop(i->ifa_addr->sa_family, a, buf, sizeof(buf)))
		fprintf(f, "addr %s %s/%d\n", i->ifa_name, buf, i->ifa_netmask ? prefix_len(i->ifa_netmask) : 0);
}

/* /proc/net/route: destination 0 and mask 0 is a default route. */
static void write_gateways(FILE *f)
{
	char line[256], ifname[IFNAMSIZ + 1];
	unsigned int dest, gw, flags, mask;
	FILE *r = fopen("/proc/net/route", "re");

	if (!r)
		return;
	while (fgets(line, sizeof(line), r)) {
		if (sscanf(line, "%16s %x %x %x %*d %*d %*d %x", ifname, &dest, &gw, &flags, &mask) == 5 && !dest && !mask) {
			struct in_addr in = {.s_addr = gw};
			fprintf(f, "gw4 %s %s\n", ifname, inet_ntoa(in));
		}
	}
	fclose(r);
}

static void write_ifaces(const char *path)
{
	struct ifaddrs *list = NULL;
	FILE *f = fopen(path, "we");

	if (!f)
		return;
	if (getifaddrs(&list) == 0) {
		for (struct ifaddrs *i = list; i; i = i->ifa_next)
			if (i->ifa_addr && (i->ifa_addr->sa_family == AF_PACKET || i->ifa_addr->sa_family == AF_INET ||
					    i->ifa_addr->sa_family == AF_INET6))
				write_addr(f, i);
		freeifaddrs(list);
	}
	write_gateways(f);
	fclose(f);
}

static void wait_forever(void)
{
	for (;;) {
		/* Reap whatever we inherit as pid 1. */
		if (waitpid(-1, NULL, WNOHANG) <= 0)
			pause();
	}
}

static void print_fact(const char *what)
{
	char buf[4096];

	if (strcmp(what, "pid") == 0) {
		printf("pid %d\n", (int)getpid());
	} else if (strcmp(what, "hostname") == 0) {
		gethostname(buf, sizeof(buf));
		printf("hostname %s\n", buf);
	} else if (strcmp(what, "cwd") == 0) {
		printf("cwd %s\n", getcwd(buf, sizeof(buf)) ? buf : "?");
	} else if (strcmp(what, "uid") == 0) {
		printf("uid %d\n", (int)getuid());
	} else if (strcmp(what, "gid") == 0) {
		printf("gid %d\n", (int)getgid());
	} else if (strcmp(what, "env") == 0) {
		for (char **e = environ; *e; e++)
			printf("env %s\n", *e);
	} else if (strcmp(what, "fds") == 0) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *de;
		int self = d ? dirfd(d) : -1;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] != '.' && atoi(de->d_name) != self)
				printf("fd %s\n", de->d_name);
		}
		if (d)
			closedir(d);
	}
}

/* The seccomp tests' probe. An i386 system call takes 32-bit pointers, so
 * its path is copied below 4 GiB first (a static, non-PIE binary's .bss). */
static char low_path[256];

static long syscall_op(const char *op, const char *arg)
{
	if (strcmp(op, "mkdir") == 0)
		return mkdir(arg, 0755) < 0 ? -errno : 0;
	if (strcmp(op, "unshare") == 0)
		return unshare((int)strtoul(arg, NULL, 0)) < 0 ? -errno : 0;
	if (strcmp(op, "open-write") == 0) {
		int fd = open(arg, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	}
	if (strcmp(op, "ptrace") == 0) {
		pid_t pid = (pid_t)atoi(arg);
		if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
			return -errno;
		(void)waitpid(pid, NULL, __WALL);
		(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return 0;
	}
	if (strcmp(op, "mkdir-x32") == 0)
		return syscall(0x40000000 | SYS_mkdir, arg, 0755) < 0 ? -errno : 0;
	if (strcmp(op, "mkdir-i386") == 0) {
		long ret;

		if ((unsigned long)low_path > 0xffffffffUL)
			return -EFAULT;
		snprintf(low_path, sizeof(low_path), "%s", arg);
		/* i386 mkdir is 39; int 0x80 clobbers r8-r11 in 64-bit mode. */
		__asm__ volatile("int $0x80"
				 : "=a"(ret)
				 : "0"(39L), "b"(low_path), "c"(0755L)
				 : "r8", "r9", "r10", "r11", "memory");
		return (int)ret;
	}
	return -EINVAL;
}

static int syscalls(int argc, char **argv)
{
	for (int i = 2; i + 1 < argc; i += 2) {
		long ret = syscall_op(argv[i], argv[i + 1]);
		if (ret < 0)
			printf("%s errno %ld\n", argv[i], -ret);
		else
			printf("%s ok\n", argv[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "pause";

	/* Before anything else: what init's first instruction sees. */
	if (strcmp(cmd, "ifaces") == 0 && argc > 2) {
		write_ifaces(argv[2]);
		argv += 2;
		argc -= 2;
		cmd = argc > 1 ? argv[1] : "pause";
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "true") == 0)
		return 0;
	if (strcmp(cmd, "exit") == 0)
		return argc > 2 ? atoi(argv[2]) : 0;
	if (strcmp(cmd, "sleep") == 0) {
		sleep(argc > 2 ? (unsigned)atoi(argv[2]) : 1);
		return 0;
	}
	if (strcmp(cmd, "syscall") == 0)
		return syscalls(argc, argv);
	if (strcmp(cmd, "print") == 0) {
		for (int i = 2; i < argc; i++)
			print_fact(argv[i]);
		return 0;
	}
	if (strcmp(cmd, "bind-abstract") == 0) {
		struct sockaddr_un addr = {.sun_family = AF_UNIX};
		size_t n = argc > 2 ? strlen(argv[2]) : 0;
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (n == 0 || n + 1 > sizeof(addr.sun_path) || fd < 0)
			return 2;
		memcpy(addr.sun_path + 1, argv[2], n);
		if (bind(fd, (struct sockaddr *)&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0 ||
		    listen(fd, 1) < 0) {
			printf("bind errno %d\n", errno);
			return 1;
		}
		parse_flags(argc, argv, 3);
		signal_ready();
		wait_forever();
	}
	parse_flags(argc, argv, 2);
	if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "ignore") == 0) {
		signal_ready();
		wait_forever();
	}
	if (strcmp(cmd, "block-rtmin3") == 0) {
		/* Like systemd: SIGRTMIN+3 stays blocked and is read from a signalfd,
		 * so /proc/PID/status shows it in SigBlk (sigwait would unblock it
		 * while waiting). */
		struct signalfd_siginfo si;
		sigset_t set;
		int sfd;
		sigemptyset(&set);
		sigaddset(&set, SIGRTMIN + 3);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sfd = signalfd(-1, &set, SFD_CLOEXEC);
		if (sfd < 0)
			return 2;
		signal_ready();
		while (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			;
		return 0;
	}
	if (strcmp(cmd, "reboot") == 0) {
		struct sigaction sa = {.sa_handler = on_reboot};
		sigaction(SIGINT, &sa, NULL);
		signal_ready();
		wait_forever();
	}
	if (strcmp(cmd, "spawn") == 0) {
		int n = argc > 2 ? atoi(argv[2]) : 1;
		for (int i = 0; i < n; i++) {
			if (fork() == 0) {
				/* Children escape into their own session, like daemons. */
				setsid();
				for (;;)
					pause();
			}
		}
		signal_ready();
		wait_forever();
	}
	if (strcmp(cmd, "alloc") == 0) {
		size_t mib = argc > 2 ? (size_t)atol(argv[2]) : 1;
		char *p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 2;
		for (size_t off = 0; off < (mib << 20); off += 4096)
			p[off] = 1;
		signal_ready();
		wait_forever();
	}
	if (strcmp(cmd, "burn") == 0) {
		signal_ready();
		for (volatile unsigned long x = 0;; x++)
			;
	}
	if (strcmp(cmd, "forkbomb") == 0) {
		int count = 0;
		for (;;) {
			pid_t pid = fork();
			if (pid < 0)
				break;
			if (pid == 0) {
				for (;;)
					pause();
			}
			count++;
		}
		printf("forked %d\n", count);
		signal_ready();
		wait_forever();
	}
	fprintf(stderr, "test-init: unknown command %s\n", cmd);
	return 2;
}
