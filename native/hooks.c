/* Running LXC's hooks: see hooks.h. The runner (run_one) is shared by the
 * monitor and the setup child, so it allocates nothing and uses no stdio:
 * stack buffers, raw clone, poll with a deadline. */
#define _GNU_SOURCE
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

#define DEFAULT_TIMEOUT_S 300
#define NS_MAX 8

/* LXC's ns_info order: the order of the stop hook's arguments. */
static const struct {
	const char *name, *env;
	int flag;
} ns_order[NS_MAX] = {
	{"user", "LXC_USER_NS", CLONE_NEWUSER}, {"mnt", "LXC_MNT_NS", CLONE_NEWNS},
	{"pid", "LXC_PID_NS", CLONE_NEWPID},    {"uts", "LXC_UTS_NS", CLONE_NEWUTS},
	{"ipc", "LXC_IPC_NS", CLONE_NEWIPC},    {"net", "LXC_NET_NS", CLONE_NEWNET},
	{"cgroup", "LXC_CGROUP_NS", CLONE_NEWCGROUP}, {"time", "LXC_TIME_NS", CLONE_NEWTIME},
};

struct ctr_hooks {
	/* Container-side hooks: argv per hook (NULL for host-side ones), envp per type. */
	const char *(*argv)[4];
	char **cmd;
	const char **envp[CTR_HOOK_NTYPES];
	char *typevars[CTR_HOOK_NTYPES][2];
	int ns_fd[NS_MAX];
	char ns_arg[NS_MAX][64]; /* "mnt:/proc/MON/fd/N" */
	bool stop_done, post_stop_done, start_host_done;
	mode_t umask;    /* the monitor's, for every hook */
	int failed_hook; /* the last host-side hook that failed */
	struct {
		int hook, kind, value;
		size_t len;
		char tail[CTR_HOOK_TAIL];
	} failure;
	char detail[2048];
};

/* One run of one hook. */
struct run {
	const char *const *argv;
	const char *const *envp;
	int timeout_s;
	mode_t umask;
	int chan;        /* child: where output goes as messages; -1 in the monitor */
	int hook;        /* index in the spec */
	bool relay;      /* child: send output (the log wants DEBUG) */
	const char *label;
	int kind, value; /* outcome */
	size_t tail_len;
	char tail[CTR_HOOK_TAIL];
};

static void keep_tail(struct run *r, const char *buf, size_t len)
{
	if (len >= CTR_HOOK_TAIL) {
		memcpy(r->tail, buf + len - CTR_HOOK_TAIL, CTR_HOOK_TAIL);
		r->tail_len = CTR_HOOK_TAIL;
		return;
	}
	if (r->tail_len + len > CTR_HOOK_TAIL) {
		size_t drop = r->tail_len + len - CTR_HOOK_TAIL;
		memmove(r->tail, r->tail + drop, r->tail_len - drop);
		r->tail_len -= drop;
	}
	memcpy(r->tail + r->tail_len, buf, len);
	r->tail_len += len;
}

/* Hook output goes to the log at DEBUG, as LXC's run_buffer logs it. */
static void output(struct run *r, int stream, const char *buf, size_t len)
{
	struct ctr_hook_msg msg = {.step = CTR_MSG_HOOK_OUTPUT, .hook = r->hook, .kind = stream};

	if (stream == 2)
		keep_tail(r, buf, len);
	if (r->chan < 0) {
		while (len > 0 && buf[len - 1] == '\n')
			len--;
		if (len)
			log_debug("Hook %s produced output on %s: %.*s", r->label, stream == 1 ? "stdout" : "stderr",
				  (int)len, buf);
		return;
	}
	if (!r->relay)
		return;
	msg.len = (unsigned int)(len < sizeof(msg.text) ? len : sizeof(msg.text));
	memcpy(msg.text, buf, msg.len);
	(void)!send(r->chan, &msg, offsetof(struct ctr_hook_msg, text) + msg.len, MSG_NOSIGNAL);
}

static __attribute__((noreturn)) void exec_hook(const struct run *r, int out, int err)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t empty;

	/* Its own process group: a timeout kills whatever the hook started. */
	(void)setpgid(0, 0);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
		_exit(126);
	/* No fd of the monitor or of the setup child reaches the hook. */
	(void)syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (chdir("/") < 0)
		_exit(126);
	(void)umask(r->umask);
	(void)sigaction(SIGPIPE, &dfl, NULL);
	sigemptyset(&empty);
	(void)sigprocmask(SIG_SETMASK, &empty, NULL);
	execve("/bin/sh", (char *const *)r->argv, (char *const *)r->envp);
	_exit(127);
}

/* Reads both pipes until the hook exits (then drains them: a daemon it
 * started may keep them open) or, without a pidfd, until they close; kills
 * its process group at the deadline, also when it closed its pipes and
 * went on running. */
static void pump(struct run *r, int out, int err, int pidfd, pid_t pid)
{
	long long deadline = ctr_monotonic_us() + (long long)r->timeout_s * 1000000LL;
	struct pollfd p[3] = {{.fd = out, .events = POLLIN}, {.fd = err, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
	bool exited = false;
	char buf[CTR_HOOK_TEXT];

	for (;;) {
		bool open = p[0].fd >= 0 || p[1].fd >= 0;
		long long left = deadline - ctr_monotonic_us();
		int n;
		if (!open && (exited || pidfd < 0))
			return;
		if (left <= 0) {
			(void)kill(-pid, SIGKILL);
			(void)kill(pid, SIGKILL);
			r->kind = CTR_HOOK_TIMEOUT;
			r->value = r->timeout_s;
			return;
		}
		n = poll(p, 3, exited ? 0 : (int)(left / 1000 + 1 > INT_MAX ? INT_MAX : left / 1000 + 1));
		if ((n < 0 && errno == EINTR) || (n == 0 && !exited))
			continue; /* interrupted, or the deadline: checked above */
		if (n <= 0)
			return; /* exited and drained, or poll failed */
		for (int i = 0; i < 2; i++) {
			ssize_t k;
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			k = read(p[i].fd, buf, sizeof(buf));
			if (k > 0)
				output(r, i + 1, buf, (size_t)k);
			else if (k == 0 || (errno != EINTR && errno != EAGAIN))
				p[i].fd = -1;
		}
		if (p[2].fd >= 0 && p[2].revents) {
			exited = true;
			p[2].fd = -1;
		}
	}
}

static void close_pair(int fds[2])
{
	ctr_closep(&fds[0]);
	ctr_closep(&fds[1]);
}

/* Runs one hook to its end. 0 if it exited 0, else -1 with r->kind set. */
static int run_one(struct run *r)
{
	int out[2] = {-EBADF, -EBADF}, err[2] = {-EBADF, -EBADF}, status = 0;
	_cleanup_close_ int pidfd = -EBADF;
	pid_t pid;

	r->kind = CTR_HOOK_OK;
	r->tail_len = 0;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		r->kind = CTR_HOOK_ERROR;
		r->value = errno;
		close_pair(out);
		close_pair(err);
		return -1;
	}
	pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (pid == 0)
		exec_hook(r, out[1], err[1]);
	r->value = errno;
	ctr_closep(&out[1]);
	ctr_closep(&err[1]);
	if (pid < 0) {
		r->kind = CTR_HOOK_ERROR;
		close_pair(out);
		close_pair(err);
		return -1;
	}
	pidfd = ctr_pidfd_open(pid);
	pump(r, out[0], err[0], pidfd, pid);
	close_pair(out);
	close_pair(err);
	/* Bounded: it exited, or it was killed at the deadline. */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r->kind == CTR_HOOK_TIMEOUT)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	r->kind = WIFSIGNALED(status) ? CTR_HOOK_SIGNAL : CTR_HOOK_EXIT;
	r->value = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
	return -1;
}

static int timeout_of(const struct ctr_spec *spec)
{
	return spec->hooks.timeout_s > 0 ? spec->hooks.timeout_s : DEFAULT_TIMEOUT_S;
}

static bool is_container_type(int type)
{
	return type == CTR_HOOK_PRE_MOUNT || type == CTR_HOOK_MOUNT || type == CTR_HOOK_AUTODEV || type == CTR_HOOK_START;
}

/* LXC's run_script_argv: "exec SCRIPT NAME lxc TYPE ARGS..." (version 0),
 * "exec SCRIPT ARGS..." (version 1). The script is not quoted: it may carry
 * arguments and shell syntax. */
static char *build_cmd(const struct ctr_spec *spec, const struct ctr_hook *h, char *const *args)
{
	size_t size = strlen(h->script) + strlen(spec->name) + 32;
	char *cmd;
	int n;

	for (size_t i = 0; args && args[i]; i++)
		size += strlen(args[i]) + 1;
	cmd = malloc(size);
	if (!cmd)
		return NULL;
	if (spec->hooks.version == 0)
		n = snprintf(cmd, size, "exec %s %s lxc %s", h->script, spec->name, ctr_hook_type_name(h->type));
	else
		n = snprintf(cmd, size, "exec %s", h->script);
	for (size_t i = 0; args && args[i] && n > 0 && (size_t)n < size; i++)
		n += snprintf(cmd + n, size - (size_t)n, " %s", args[i]);
	return cmd;
}

static int build_type_vars(struct ctr_hooks *hk, int type)
{
	const char *name = ctr_hook_type_name(type);

	if (asprintf(&hk->typevars[type][0], "LXC_HOOK_TYPE=%s", name) < 0) {
		hk->typevars[type][0] = NULL;
		return -ENOMEM;
	}
	hk->typevars[type][1] = strdup("LXC_HOOK_SECTION=lxc");
	return hk->typevars[type][1] ? 0 : -ENOMEM;
}

/* base, then extra (NULL-terminated, may be NULL), then version 1's
 * LXC_HOOK_TYPE and LXC_HOOK_SECTION. */
static const char **build_env(const struct ctr_spec *spec, struct ctr_hooks *hk, const char *const *base, size_t nbase,
			      char *const *extra, int type)
{
	size_t n = nbase + 3, k = 0;
	const char **envp;

	for (size_t i = 0; extra && extra[i]; i++)
		n++;
	envp = calloc(n, sizeof(*envp));
	if (!envp)
		return NULL;
	for (size_t i = 0; i < nbase; i++)
		envp[k++] = base[i];
	for (size_t i = 0; extra && extra[i]; i++)
		envp[k++] = extra[i];
	if (spec->hooks.version == 1 && hk->typevars[type][0]) {
		envp[k++] = hk->typevars[type][0];
		envp[k++] = hk->typevars[type][1];
	}
	envp[k] = NULL;
	return envp;
}

static int prepare_container_side(struct ctr_monitor *m, struct ctr_hooks *hk)
{
	const struct ctr_hookspec *hs = &m->spec->hooks;

	for (size_t i = 0; i < hs->nhooks; i++) {
		if (!is_container_type(hs->hooks[i].type))
			continue;
		hk->cmd[i] = build_cmd(m->spec, &hs->hooks[i], NULL);
		if (!hk->cmd[i])
			return -ENOMEM;
		hk->argv[i][0] = "sh";
		hk->argv[i][1] = "-c";
		hk->argv[i][2] = hk->cmd[i];
		hk->argv[i][3] = NULL;
	}
	for (int type = 0; type < CTR_HOOK_NTYPES; type++) {
		if (!is_container_type(type) || !ctr_hookspec_has(hs, type))
			continue;
		hk->envp[type] = build_env(m->spec, hk, hs->env_ct, hs->nenv_ct, NULL, type);
		if (!hk->envp[type])
			return -ENOMEM;
	}
	return 0;
}

int ctr_hooks_prepare(struct ctr_monitor *m)
{
	const struct ctr_hookspec *hs = &m->spec->hooks;
	struct ctr_hooks *hk;
	int ret;

	if (m->hooks || !hs->nhooks)
		return 0;
	hk = calloc(1, sizeof(*hk));
	if (!hk)
		return -ENOMEM;
	m->hooks = hk;
	hk->umask = umask(0);
	(void)umask(hk->umask);
	hk->failure.hook = -1;
	for (int i = 0; i < NS_MAX; i++)
		hk->ns_fd[i] = -EBADF;
	hk->argv = calloc(hs->nhooks, sizeof(*hk->argv));
	hk->cmd = calloc(hs->nhooks, sizeof(*hk->cmd));
	if (!hk->argv || !hk->cmd)
		return -ENOMEM;
	for (int type = 0; type < CTR_HOOK_NTYPES; type++) {
		ret = build_type_vars(hk, type);
		if (ret < 0)
			return ret;
	}
	return prepare_container_side(m, hk);
}

static void close_namespaces(struct ctr_hooks *hk)
{
	for (int i = 0; i < NS_MAX; i++) {
		ctr_closep(&hk->ns_fd[i]);
		hk->ns_arg[i][0] = '\0';
	}
}

void ctr_hooks_free(struct ctr_monitor *m)
{
	struct ctr_hooks *hk = m->hooks;

	if (!hk)
		return;
	close_namespaces(hk);
	for (size_t i = 0; hk->cmd && i < m->spec->hooks.nhooks; i++)
		free(hk->cmd[i]);
	for (int type = 0; type < CTR_HOOK_NTYPES; type++) {
		free(hk->envp[type]);
		free(hk->typevars[type][0]);
		free(hk->typevars[type][1]);
	}
	free(hk->cmd);
	free(hk->argv);
	free(hk);
	m->hooks = NULL;
}

/* ---- the setup child ---------------------------------------------------- */

bool ctr_hooks_child_early_cgroups(const struct ctr_monitor *m)
{
	const struct ctr_hookspec *hs = &m->spec->hooks;

	return ctr_hookspec_has(hs, CTR_HOOK_PRE_MOUNT) || ctr_hookspec_has(hs, CTR_HOOK_MOUNT) ||
	       ctr_hookspec_has(hs, CTR_HOOK_AUTODEV);
}

static __attribute__((noreturn)) void child_report(int chan, const struct run *r, ctr_fail_fn fail)
{
	struct ctr_hook_msg msg = {.step = CTR_MSG_HOOK_FAILED, .hook = r->hook, .kind = r->kind, .value = r->value};

	msg.len = (unsigned int)r->tail_len;
	memcpy(msg.text, r->tail, r->tail_len);
	(void)!send(chan, &msg, offsetof(struct ctr_hook_msg, text) + msg.len, MSG_NOSIGNAL);
	fail(chan, CTR_STEP_HOOK, r->kind == CTR_HOOK_ERROR ? r->value : 0, r->hook);
}

void ctr_hooks_child_run(struct ctr_monitor *m, int type, int chan, ctr_fail_fn fail)
{
	const struct ctr_hookspec *hs = &m->spec->hooks;
	static struct run r; /* the child's own copy: no allocation */
	if (!m->hooks || !m->hooks->envp[type])
		return;
	for (size_t i = 0; i < hs->nhooks; i++) {
		if (hs->hooks[i].type != type)
			continue;
		memset(&r, 0, sizeof(r));
		r.argv = m->hooks->argv[i];
		r.envp = m->hooks->envp[type];
		r.timeout_s = timeout_of(m->spec);
		r.umask = m->hooks->umask; /* not the one the child set for its mknods */
		r.chan = chan;
		r.hook = (int)i;
		r.relay = m->spec->loglevel <= CTR_LOG_DEBUG;
		if (run_one(&r) < 0)
			child_report(chan, &r, fail);
	}
}

bool ctr_hooks_child_has_at(const struct ctr_monitor *m, size_t index)
{
	const struct ctr_hookspec *hs = &m->spec->hooks;

	for (size_t i = 0; i < hs->nat; i++)
		if (hs->at[i].index == index && ctr_hookspec_has(hs, hs->at[i].type))
			return true;
	return false;
}

void ctr_hooks_child_at(struct ctr_monitor *m, size_t index, int chan, ctr_fail_fn fail)
{
	const struct ctr_hookspec *hs = &m->spec->hooks;

	for (size_t i = 0; i < hs->nat; i++)
		if (hs->at[i].index == index)
			ctr_hooks_child_run(m, hs->at[i].type, chan, fail);
}

void ctr_hooks_child_start_host(struct ctr_monitor *m, int chan)
{
	struct ctr_child_error e = {.step = CTR_MSG_START_HOST};
	char go;

	if (!ctr_hookspec_has(&m->spec->hooks, CTR_HOOK_START_HOST))
		return;
	if (write(chan, &e, sizeof(e)) != (ssize_t)sizeof(e))
		_exit(127);
	/* The monitor kills us if a start-host hook fails. */
	if (RETRY_EINTR(read(chan, &go, 1)) != 1)
		_exit(127);
}

/* ---- the monitor -------------------------------------------------------- */

static void record_failure(struct ctr_monitor *m, int hook, int kind, int value, const char *tail, size_t len)
{
	struct ctr_hooks *hk = m->hooks;
	const struct ctr_hook *h = &m->spec->hooks.hooks[hook];

	hk->failure.hook = hook;
	hk->failure.kind = kind;
	hk->failure.value = value;
	hk->failure.len = len < CTR_HOOK_TAIL ? len : CTR_HOOK_TAIL;
	memcpy(hk->failure.tail, tail, hk->failure.len);
	if (kind == CTR_HOOK_TIMEOUT)
		log_error("Hook \"%s\" (%s) did not finish within %d s and was killed", ctr_hook_type_name(h->type),
			  h->script, value);
	else if (kind == CTR_HOOK_SIGNAL)
		log_error("Hook \"%s\" (%s) was killed by signal %d", ctr_hook_type_name(h->type), h->script, value);
	else if (kind == CTR_HOOK_ERROR)
		log_error("Hook \"%s\" (%s) could not be run: %s", ctr_hook_type_name(h->type), h->script, strerror(value));
	else
		log_error("Hook \"%s\" (%s) exited with status %d", ctr_hook_type_name(h->type), h->script, value);
	if (hk->failure.len)
		log_error("Hook \"%s\" stderr: %.*s", ctr_hook_type_name(h->type), (int)hk->failure.len, hk->failure.tail);
}

int ctr_hooks_chan_message(struct ctr_monitor *m, const void *buf, size_t len)
{
	struct ctr_hook_msg msg = {0};
	size_t hdr = offsetof(struct ctr_hook_msg, text);
	const char *label;

	if (len < sizeof(int))
		return 0;
	memcpy(&msg, buf, len < sizeof(msg) ? len : sizeof(msg));
	if (msg.step == CTR_MSG_START_HOST) {
		int ret;
		/* Once per init, and never from a forked init, which processes of
		 * a shared pid namespace could drive (docs/architecture.md §11.2). */
		if (!m->hooks || m->hooks->start_host_done || m->handed_over)
			return 1;
		m->hooks->start_host_done = true;
		ret = ctr_hooks_run_host(m, CTR_HOOK_START_HOST);
		if (ret < 0)
			return -1;
		/* The cgroup namespace is the child's own by now. */
		ctr_hooks_pin_namespaces(m, true);
		(void)RETRY_EINTR(send(m->chanfd, "h", 1, MSG_NOSIGNAL));
		return 1;
	}
	if (msg.step != CTR_MSG_HOOK_OUTPUT && msg.step != CTR_MSG_HOOK_FAILED)
		return 0;
	/* Whatever the child says is checked: it could be a forged message. */
	if (len < hdr || msg.len > CTR_HOOK_TEXT || hdr + msg.len > len || !m->hooks || m->handed_over || msg.hook < 0 ||
	    (size_t)msg.hook >= m->spec->hooks.nhooks)
		return 1;
	label = m->spec->hooks.hooks[msg.hook].script;
	if (msg.step == CTR_MSG_HOOK_FAILED) {
		record_failure(m, msg.hook, msg.kind, msg.value, msg.text, msg.len);
		return 1;
	}
	while (msg.len > 0 && msg.text[msg.len - 1] == '\n')
		msg.len--;
	if (msg.len)
		log_debug("Hook %s produced output on %s: %.*s", label, msg.kind == 1 ? "stdout" : "stderr", (int)msg.len,
			  msg.text);
	return 1;
}

/* The extra environment of a host-side hook: LXC_PID once init exists,
 * LXC_TARGET and the namespace paths for stop and post-stop. */
static size_t host_extra(struct ctr_monitor *m, int type, bool reboot, char **extra, char (*store)[96])
{
	struct ctr_hooks *hk = m->hooks;
	size_t n = 0;

	if (m->init_pid > 0)
		(void)snprintf(store[n], sizeof(store[n]), "LXC_PID=%d", (int)m->init_pid), extra[n] = store[n], n++;
	if (type != CTR_HOOK_STOP && type != CTR_HOOK_POST_STOP)
		return n;
	(void)snprintf(store[n], sizeof(store[n]), "LXC_TARGET=%s", reboot ? "reboot" : "stop");
	extra[n] = store[n];
	n++;
	for (int i = 0; i < NS_MAX; i++) {
		const char *path = strchr(hk->ns_arg[i], ':');
		if (!path)
			continue;
		(void)snprintf(store[n], sizeof(store[n]), "%s=%s", ns_order[i].env, path + 1);
		extra[n] = store[n];
		n++;
	}
	return n;
}

static int run_host_one(struct ctr_monitor *m, size_t i, bool reboot)
{
	const struct ctr_hookspec *hs = &m->spec->hooks;
	const struct ctr_hook *h = &hs->hooks[i];
	struct ctr_hooks *hk = m->hooks;
	char store[NS_MAX + 2][96], *extra[NS_MAX + 3] = {0}, *args[NS_MAX + 1] = {0};
	_cleanup_free_ char *cmd = NULL;
	_cleanup_free_ const char **envp = NULL;
	const char *argv[4] = {"sh", "-c", NULL, NULL};
	struct run r = {.chan = -1, .hook = (int)i, .label = h->script, .umask = hk->umask};
	size_t nargs = 0;

	(void)host_extra(m, h->type, reboot, extra, store);
	/* Version 0's stop hook gets the namespaces as arguments too. */
	if (h->type == CTR_HOOK_STOP && hs->version == 0)
		for (int k = 0; k < NS_MAX; k++)
			if (hk->ns_arg[k][0])
				args[nargs++] = hk->ns_arg[k];
	cmd = build_cmd(m->spec, h, args);
	envp = build_env(m->spec, hk, hs->env, hs->nenv, extra, h->type);
	if (!cmd || !envp) {
		record_failure(m, (int)i, CTR_HOOK_ERROR, ENOMEM, "", 0);
		return -1;
	}
	argv[2] = cmd;
	r.argv = argv;
	r.envp = envp;
	r.timeout_s = timeout_of(m->spec);
	log_info("Executing script \"%s\" for container \"%s\", config section \"lxc\"", h->script, m->spec->name);
	if (run_one(&r) == 0)
		return 0;
	record_failure(m, (int)i, r.kind, r.value, r.tail, r.tail_len);
	return -1;
}

static int run_host_type(struct ctr_monitor *m, int type, bool reboot)
{
	const struct ctr_hookspec *hs = &m->spec->hooks;

	if (!m->hooks)
		return 0;
	for (size_t i = 0; i < hs->nhooks; i++) {
		if (hs->hooks[i].type != type)
			continue;
		/* Like LXC's run_lxc_hooks: the first failure ends the list. */
		if (run_host_one(m, i, reboot) < 0) {
			m->hooks->failed_hook = (int)i;
			return -1;
		}
	}
	return 0;
}

int ctr_hooks_run_host(struct ctr_monitor *m, int type)
{
	int ret = run_host_type(m, type, false);

	if (ret < 0)
		m->start_error = (struct ctr_child_error){CTR_STEP_HOOK, 0, m->hooks->failed_hook};
	return ret;
}

void ctr_hooks_pin_namespaces(struct ctr_monitor *m, bool late)
{
	struct ctr_hooks *hk = m->hooks;
	char path[64];

	if (!hk || (!ctr_hookspec_has(&m->spec->hooks, CTR_HOOK_STOP) &&
		    !ctr_hookspec_has(&m->spec->hooks, CTR_HOOK_POST_STOP)))
		return;
	for (int i = 0; i < NS_MAX; i++) {
		bool is_late = ns_order[i].flag == CLONE_NEWCGROUP;
		if (is_late != late || hk->ns_fd[i] >= 0 || !(m->spec->clone_flags & (unsigned long long)ns_order[i].flag))
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)m->init_pid, ns_order[i].name);
		hk->ns_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (hk->ns_fd[i] < 0) {
			log_syserr("Failed to keep %s for the stop hooks", path);
			continue;
		}
		(void)snprintf(hk->ns_arg[i], sizeof(hk->ns_arg[i]), "%s:/proc/%d/fd/%d", ns_order[i].name,
			       (int)m->self_pid, hk->ns_fd[i]);
	}
}

void ctr_hooks_reset(struct ctr_monitor *m)
{
	if (!m->hooks)
		return;
	close_namespaces(m->hooks);
	m->hooks->stop_done = m->hooks->post_stop_done = m->hooks->start_host_done = false;
}

void ctr_hooks_stop(struct ctr_monitor *m, bool reboot)
{
	if (!m->hooks || m->hooks->stop_done)
		return;
	m->hooks->stop_done = true;
	if (run_host_type(m, CTR_HOOK_STOP, reboot) < 0)
		log_error("Failed to run lxc.hook.stop hooks");
}

int ctr_hooks_post_stop(struct ctr_monitor *m, bool reboot)
{
	int ret;

	if (!m->hooks || m->hooks->post_stop_done)
		return 0;
	m->hooks->post_stop_done = true;
	/* LXC drops its namespace references first; the paths stay in the
	 * environment as they were. */
	for (int i = 0; i < NS_MAX; i++)
		ctr_closep(&m->hooks->ns_fd[i]);
	ret = run_host_type(m, CTR_HOOK_POST_STOP, reboot);
	if (ret < 0)
		log_error("Failed to run lxc.hook.post-stop hooks%s", reboot ? ": the container stops instead of rebooting" : "");
	return ret;
}

/* Escapes for one space-separated field of the error line: backslash,
 * space, newline and control bytes. Keeps the end of `s` if it is too long. */
static void escape_field(char *out, size_t size, const char *s, size_t len)
{
	size_t need = 0, k = 0, start = 0;

	for (size_t i = 0; i < len; i++)
		need += (s[i] == '\\' || s[i] == ' ' || s[i] == '\n') ? 2 : ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? 4 : 1;
	while (need + 1 > size && start < len) {
		unsigned char c = (unsigned char)s[start++];
		need -= (c == '\\' || c == ' ' || c == '\n') ? 2 : (c < 0x20 || c == 0x7f) ? 4 : 1;
	}
	for (size_t i = start; i < len && k + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\' || c == ' ' || c == '\n') {
			out[k++] = '\\';
			out[k++] = c == ' ' ? 's' : c == '\n' ? 'n' : '\\';
		} else if (c < 0x20 || c == 0x7f) {
			k += (size_t)snprintf(out + k, size - k, "\\x%02x", c);
		} else {
			out[k++] = (char)c;
		}
	}
	out[k] = '\0';
}

const char *ctr_hooks_failure_detail(struct ctr_monitor *m)
{
	static const char *const kinds[] = {"exit", "exit", "signal", "timeout", "error"};
	struct ctr_hooks *hk = m->hooks;
	char script[512], tail[1200];
	const struct ctr_hook *h;

	if (!hk || hk->failure.hook < 0 || (size_t)hk->failure.hook >= m->spec->hooks.nhooks)
		return "";
	h = &m->spec->hooks.hooks[hk->failure.hook];
	escape_field(script, sizeof(script), h->script, strlen(h->script));
	escape_field(tail, sizeof(tail), hk->failure.tail, hk->failure.len);
	(void)snprintf(hk->detail, sizeof(hk->detail), "%s %s %d %s %s", ctr_hook_type_name(h->type),
		       kinds[hk->failure.kind >= 0 && hk->failure.kind <= CTR_HOOK_ERROR ? hk->failure.kind : 1],
		       hk->failure.value, script, tail);
	return hk->detail;
}
