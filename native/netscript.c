/* lxc.net.N.script.up / script.down, and ovs-vsctl for Open vSwitch
 * bridges: programs the monitor runs and waits for (native/netpriv.h).
 *
 * As LXC's run_script_argv: `/bin/sh -c "exec SCRIPT ARGS"`, with
 * NAME net up|down TYPE [LINK [PEER]] as arguments under lxc.hook.version
 * 0 and TYPE [LINK [PEER]] under 1 (the list stops at the first missing
 * value), in the monitor's environment plus LXC's hook variables. Output is
 * logged; a non-zero exit fails script.up. Every run is bounded: a script
 * still running after SCRIPT_TIMEOUT_MS is killed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "monitor.h"
#include "netpriv.h"
#include "util.h"

#define SCRIPT_TIMEOUT_MS (5 * 60 * 1000)
#define EXTRA_ENV 8

extern char **environ;

static const char *const type_names[] = {
	[CTR_NET_EMPTY] = "empty", [CTR_NET_VETH] = "veth", [CTR_NET_MACVLAN] = "macvlan",
	[CTR_NET_IPVLAN] = "ipvlan", [CTR_NET_PHYS] = "phys", [CTR_NET_VLAN] = "vlan", [CTR_NET_NONE] = "none",
};

static __attribute__((noreturn)) void exec_child(const char *path, char *const argv[], char *const envp[], int out, bool search)
{
	sigset_t none;
	int devnull;

	/* The monitor blocks every signal; the program gets a clean mask. */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	if (search)
		execvpe(path, argv, envp);
	else
		execve(path, argv, envp);
	_exit(127);
}

/* Keeps the last size-1 bytes of the output in out. */
static void keep_tail(char *out, size_t size, const char *buf, size_t n)
{
	size_t have = strlen(out);

	if (!size)
		return;
	if (n >= size - 1) {
		memcpy(out, buf + n - (size - 1), size - 1);
		out[size - 1] = '\0';
		return;
	}
	if (have + n >= size) {
		size_t drop = have + n - (size - 1);
		memmove(out, out + drop, have - drop + 1);
		have -= drop;
	}
	memcpy(out + have, buf, n);
	out[have + n] = '\0';
}

/* Reads the output until the program exits, at most until the deadline. */
static int collect(pid_t pid, int pidfd, int rd, char *out, size_t outlen)
{
	long long deadline = ctr_monotonic_us() + (long long)SCRIPT_TIMEOUT_MS * 1000;
	struct pollfd pfd[2] = {{.fd = rd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
	char buf[1024];

	for (;;) {
		long long left = (deadline - ctr_monotonic_us()) / 1000;
		int n = left > 0 ? (int)RETRY_EINTR(poll(pfd, 2, (int)left)) : 0;
		if (n <= 0) {
			(void)kill(pid, SIGKILL);
			return -ETIMEDOUT;
		}
		if (pfd[0].revents) {
			ssize_t got = RETRY_EINTR(read(rd, buf, sizeof(buf)));
			if (got > 0)
				keep_tail(out, outlen, buf, (size_t)got);
			else
				pfd[0].fd = -1; /* EOF: only the exit is left to wait for */
		}
		if (pfd[1].revents)
			break;
	}
	/* Whatever it wrote before it exited; a child it left behind with the
	 * pipe open must not keep us reading. */
	if (pfd[0].fd >= 0 && fcntl(rd, F_SETFL, O_NONBLOCK) == 0) {
		ssize_t got;
		while ((got = RETRY_EINTR(read(rd, buf, sizeof(buf)))) > 0)
			keep_tail(out, outlen, buf, (size_t)got);
	}
	return 0;
}

/* fork + exec, output collected into out. The exit status (128 + signal
 * when killed) or -errno. */
static int run_program(const char *path, char *const argv[], char *const envp[], bool search, char *out, size_t outlen)
{
	_cleanup_close_ int pidfd = -EBADF;
	int pipefd[2], status, ret;
	pid_t pid;

	if (outlen)
		out[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0)
		exec_child(path, argv, envp, pipefd[1], search);
	(void)close(pipefd[1]);
	if (pid < 0) {
		(void)close(pipefd[0]);
		return -errno;
	}
	pidfd = ctr_pidfd_open(pid);
	ret = pidfd < 0 ? -errno : collect(pid, pidfd, pipefd[0], out, outlen);
	(void)close(pipefd[0]);
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
		return -errno;
	if (ret < 0)
		return ret;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* NAME=VALUE into a slot of bufs. */
static const char *env_entry(char (*slot)[256], const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static const char *env_entry(char (*slot)[256], const char *name, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(*slot, sizeof(*slot), "%s=", name);

	va_start(ap, fmt);
	(void)vsnprintf(*slot + n, sizeof(*slot) - (size_t)n, fmt, ap);
	va_end(ap);
	return *slot;
}

static bool same_name(const char *a, const char *b)
{
	size_t n = strcspn(a, "=");

	return strncmp(a, b, n) == 0 && b[n] == '=';
}

/* Ours first (LXC setenv()s them, so they win), then the monitor's own. */
static char **build_env(const char *const *ours, size_t nours)
{
	size_t nenv = 0, k = 0;
	char **envp;

	while (environ && environ[nenv])
		nenv++;
	envp = calloc(nours + nenv + 1, sizeof(*envp));
	if (!envp)
		return NULL;
	for (size_t i = 0; i < nours; i++)
		envp[k++] = (char *)ours[i];
	for (size_t i = 0; i < nenv; i++) {
		bool shadowed = false;
		for (size_t j = 0; j < nours && !shadowed; j++)
			shadowed = same_name(ours[j], environ[i]);
		if (!shadowed)
			envp[k++] = environ[i];
	}
	envp[k] = NULL;
	return envp;
}

/* LXC's command line, byte for byte: an empty link leaves two spaces, which
 * the shell drops (so a veth without a link passes its peer second). */
static char *command_line(struct ctr_monitor *m, size_t i, bool up, const char *const args[3])
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	const char *script = up ? d->script_up : d->script_down;
	size_t size = strlen(script) + strlen(m->spec->name) + 64;
	char *cmd;
	int n;

	for (int a = 0; a < 3 && args[a]; a++)
		size += strlen(args[a]) + 1;
	cmd = malloc(size);
	if (!cmd)
		return NULL;
	if (m->spec->net.hook_version == 0)
		n = snprintf(cmd, size, "exec %s %s net %s", script, m->spec->name, up ? "up" : "down");
	else
		n = snprintf(cmd, size, "exec %s", script);
	for (int a = 0; a < 3 && args[a] && n > 0; a++)
		n += snprintf(cmd + n, size - (size_t)n, " %s", args[a]);
	return cmd;
}

/* LXC_PID always; LXC_HOOK_TYPE, LXC_HOOK_SECTION and LXC_NET_* under hook
 * version 1; LXC_NET_NS for script.down (LXC exposes the namespaces it
 * keeps to the down scripts, as /proc/MONITOR/fd/N). */
static size_t dynamic_env(struct ctr_monitor *m, size_t i, bool up, const char *const args[3], char slots[][256],
			  const char **ours)
{
	const struct ctr_netdev *d = &m->spec->net.devs[i];
	size_t k = 0;

	ours[k] = env_entry(&slots[k], "LXC_PID", "%d", (int)m->init_pid), k++;
	if (m->spec->net.hook_version > 0) {
		ours[k] = env_entry(&slots[k], "LXC_HOOK_TYPE", "%s", up ? "up" : "down"), k++;
		ours[k] = env_entry(&slots[k], "LXC_HOOK_SECTION", "net"), k++;
		ours[k] = env_entry(&slots[k], "LXC_NET_TYPE", "%s", args[0]), k++;
		if (d->type == CTR_NET_VETH || d->type == CTR_NET_MACVLAN || d->type == CTR_NET_PHYS)
			ours[k] = env_entry(&slots[k], "LXC_NET_PARENT", "%s", args[1] ? args[1] : ""), k++;
		if (d->type == CTR_NET_VETH)
			ours[k] = env_entry(&slots[k], "LXC_NET_PEER", "%s", args[2] ? args[2] : ""), k++;
	}
	if (!up && m->net->cont_ns >= 0)
		ours[k] = env_entry(&slots[k], "LXC_NET_NS", "/proc/%d/fd/%d", (int)m->self_pid, m->net->cont_ns), k++;
	return k;
}

static void last_line(char *out)
{
	size_t n = strlen(out);
	char *nl;

	while (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	nl = strrchr(out, '\n');
	if (nl)
		memmove(out, nl + 1, strlen(nl + 1) + 1);
}

int ctr_netscript_run(struct ctr_monitor *m, size_t i, bool up)
{
	const struct ctr_netspec *ns = &m->spec->net;
	const struct ctr_netdev *d = &ns->devs[i];
	const char *args[3] = {type_names[d->type], NULL, NULL};
	_cleanup_free_ const char **ours = NULL;
	_cleanup_free_ char **envp = NULL;
	_cleanup_free_ char *cmd = NULL;
	char slots[EXTRA_ENV][256], out[512];
	size_t k;
	int status;

	if (d->type != CTR_NET_EMPTY) {
		args[1] = d->link;
		if (d->type == CTR_NET_VETH)
			args[2] = m->net->rt[i].host;
	}
	ours = calloc(ns->nenv + EXTRA_ENV, sizeof(*ours));
	cmd = command_line(m, i, up, args);
	if (!ours || !cmd)
		return ctr_net_fail(d->index, -ENOMEM, "script", "Out of memory");
	k = dynamic_env(m, i, up, args, slots, ours);
	for (size_t e = 0; e < ns->nenv; e++)
		ours[k++] = ns->env[e];
	envp = build_env(ours, k);
	if (!envp)
		return ctr_net_fail(d->index, -ENOMEM, "script", "Out of memory");
	log_info("Network %d: running script.%s: %s", d->index, up ? "up" : "down", cmd);
	status = run_program("/bin/sh", (char *const[]){"sh", "-c", cmd, NULL}, envp, false, out, sizeof(out));
	if (*out)
		log_debug("Network %d: script.%s said: %s", d->index, up ? "up" : "down", out);
	last_line(out);
	if (status == -ETIMEDOUT)
		return ctr_net_fail(d->index, status, "script", "script.%s %s did not finish within %d s", up ? "up" : "down",
				    up ? d->script_up : d->script_down, SCRIPT_TIMEOUT_MS / 1000);
	if (status != 0)
		return ctr_net_fail(d->index, status < 0 ? status : -ECHILD, "script", "script.%s %s exited with status %d%s%s",
				    up ? "up" : "down", up ? d->script_up : d->script_down, status, *out ? ": " : "", out);
	return 0;
}

int ctr_netscript_ovs(const char *const *args, char *out, size_t outlen)
{
	const char *argv[12] = {"ovs-vsctl"};
	size_t n = 1;
	int status;

	for (; args[n - 1] && n < ARRAY_SIZE(argv) - 1; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	status = run_program("ovs-vsctl", (char *const *)argv, environ, true, out, outlen);
	last_line(out);
	if (status == 127 && !*out)
		(void)snprintf(out, outlen, "ovs-vsctl not found (install openvswitch-switch)");
	if (status != 0)
		return status < 0 ? status : -ECHILD;
	return 0;
}
