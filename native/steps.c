/* Names and details of start steps, for the one-line error report. The
 * names are a stable interface: src/sys/monitor.ts turns them into messages. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "hooks.h"
#include "lxcsock.h"
#include "console.h"
#include "monitor.h"
#include "network.h"
#include "rundir.h"

static const char *const step_names[] = {
	[CTR_STEP_NONE] = "none",
	[CTR_STEP_SYNC] = "sync",
	[CTR_STEP_PDEATH] = "pdeathsig",
	[CTR_STEP_SETNS] = "setns",
	[CTR_STEP_USERNS_IDS] = "userns-ids",
	[CTR_STEP_PROPAGATION] = "propagation",
	[CTR_STEP_ROOTFS_BIND] = "rootfs-bind",
	[CTR_STEP_ROOTFS_OPEN] = "rootfs-open",
	[CTR_STEP_FSOP] = "mount",
	[CTR_STEP_PIVOT] = "pivot-root",
	[CTR_STEP_OLDROOT] = "detach-oldroot",
	[CTR_STEP_ROOTFS_RO] = "rootfs-readonly",
	[CTR_STEP_HOSTNAME] = "hostname",
	[CTR_STEP_SYSCTL] = "sysctl",
	[CTR_STEP_PROCFILE] = "proc",
	[CTR_STEP_RLIMIT] = "prlimit",
	[CTR_STEP_CWD] = "cwd",
	[CTR_STEP_SETGROUPS] = "setgroups",
	[CTR_STEP_SETGID] = "setgid",
	[CTR_STEP_SETUID] = "setuid",
	[CTR_STEP_CAPS] = "capabilities",
	[CTR_STEP_NNP] = "no-new-privs",
	[CTR_STEP_SECCOMP] = "seccomp",
	[CTR_STEP_PERSONALITY] = "personality",
	[CTR_STEP_STDIO] = "stdio",
	[CTR_STEP_EXEC] = "exec",
	[CTR_STEP_CGROUPNS] = "cgroupns",
	[CTR_STEP_KEYRING] = "keyring",
	[CTR_STEP_CONSOLE] = "console",
	[CTR_STEP_LOCK] = "lock",
	[CTR_STEP_RUNDIR] = "rundir",
	[CTR_STEP_SOCKET] = "socket",
	[CTR_STEP_SHARE] = "share",
	[CTR_STEP_CGROUP] = "cgroup",
	[CTR_STEP_CLONE] = "clone",
	[CTR_STEP_IDMAP] = "idmap",
	[CTR_STEP_PIDFILE] = "pidfile",
	[CTR_STEP_SECCOMP_LOAD] = "seccomp-load",
	[CTR_STEP_SEAL] = "seal",
	[CTR_STEP_CLONE_INIT] = "clone-init",
	[CTR_STEP_HOOK] = "hook",
	[CTR_STEP_NETWORK] = "network",
	[CTR_STEP_LXC_LOCK] = "lxc-lock",
	[CTR_STEP_TTY] = "tty",
	[CTR_STEP_RESTORE] = "restore",
};

int ctr_step_by_name(const char *name)
{
	for (int i = 1; i < (int)(sizeof(step_names) / sizeof(step_names[0])); i++)
		if (step_names[i] && strcmp(step_names[i], name) == 0)
			return i;
	return -1;
}

const char *ctr_step_name(int step)
{
	if (step < 0 || step >= (int)(sizeof(step_names) / sizeof(step_names[0])) || !step_names[step])
		return "unknown";
	return step_names[step];
}

const char *ctr_step_detail(struct ctr_monitor *m, const struct ctr_child_error *e)
{
	const struct ctr_spec *s = m->spec;
	static char buf[512];

	switch (e->step) {
	case CTR_STEP_EXEC:
		return s->argv && s->argv[0] ? s->argv[0] : "";
	case CTR_STEP_FSOP:
		if (e->index >= 0 && (size_t)e->index < s->nfsops) {
			const struct ctr_fsop *op = &s->fsops[e->index];
			(void)snprintf(buf, sizeof(buf), "%d %s", e->index, op->m.target ? op->m.target : "");
			return buf;
		}
		return "";
	case CTR_STEP_SETNS:
	case CTR_STEP_SHARE:
		if (e->index >= 0 && (size_t)e->index < s->nshares)
			return s->shares[e->index].path;
		return "";
	case CTR_STEP_ROOTFS_BIND:
	case CTR_STEP_ROOTFS_OPEN:
	case CTR_STEP_PIVOT:
		return s->rootfs ? s->rootfs : "/";
	case CTR_STEP_CWD:
		return s->cwd ? s->cwd : "";
	case CTR_STEP_HOSTNAME:
		return s->hostname ? s->hostname : "";
	case CTR_STEP_SYSCTL:
		return e->index >= 0 && (size_t)e->index < s->nsysctls ? s->sysctls[e->index].key : "";
	case CTR_STEP_PROCFILE:
		return e->index >= 0 && (size_t)e->index < s->nprocs ? s->procs[e->index].key : "";
	case CTR_STEP_RLIMIT:
		if (e->index >= 0 && (size_t)e->index < s->nrlimits) {
			(void)snprintf(buf, sizeof(buf), "%d", s->rlimits[e->index].resource);
			return buf;
		}
		return "";
	case CTR_STEP_IDMAP:
		return e->index == 1 ? "gid_map" : "uid_map";
	case CTR_STEP_CGROUP:
		return ctr_cgroup_error_detail();
	case CTR_STEP_HOOK:
		return ctr_hooks_failure_detail(m);
	case CTR_STEP_NETWORK:
		return ctr_net_error_detail();
	case CTR_STEP_CONSOLE:
		if (e->index == CTR_CONSOLE_ERR_LOG)
			return s->tty.logfile ? s->tty.logfile : "";
		if (e->index == CTR_CONSOLE_ERR_PEER)
			return s->tty.peer ? s->tty.peer : "";
		return "/dev/console";
	case CTR_STEP_TTY:
		(void)snprintf(buf, sizeof(buf), "/dev/tty%d", e->index);
		return buf;
	case CTR_STEP_RESTORE:
		return ctr_restore_error_detail();
	case CTR_STEP_PIDFILE:
		/* The file that failed (ctr_rundir_write_pids): -p's pidfile, or
		 * the run dir's monitor.pid, written first, with or without -p. */
		if (e->index == CTR_PIDFILE_USER && s->pidfile)
			return s->pidfile;
		(void)snprintf(buf, sizeof(buf), "%s/monitor.pid", s->rundir ? s->rundir : "");
		return buf;
	case CTR_STEP_LXC_LOCK:
		if (ctr_lxc_sock_name(buf, sizeof(buf), s->lxcpath ? s->lxcpath : "", s->name ? s->name : "") < 0)
			return "";
		return buf;
	case CTR_STEP_LOCK:
	case CTR_STEP_RUNDIR:
	case CTR_STEP_SOCKET:
		return s->rundir ? s->rundir : "";
	default:
		return "";
	}
}
