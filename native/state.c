#define _GNU_SOURCE
#include "state.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "monitor.h"
#include "util.h"

static const char *const state_names[CTR_NSTATES] = {
	"STOPPED", "STARTING", "RUNNING", "STOPPING", "ABORTING", "FREEZING", "FROZEN", "THAWED",
};

const char *ctr_state_name(int state)
{
	return state >= 0 && state < CTR_NSTATES ? state_names[state] : "UNKNOWN";
}

int ctr_state_mask(const char *spec, unsigned int *mask)
{
	const char *p = spec;

	*mask = 0;
	while (*p) {
		size_t len = strcspn(p, "|");
		int found = -1;
		for (int i = 0; i < CTR_NSTATES && len; i++)
			if (strlen(state_names[i]) == len && strncmp(state_names[i], p, len) == 0)
				found = i;
		if (len && found < 0)
			return -EINVAL;
		if (found >= 0)
			*mask |= 1u << found;
		p += len;
		if (*p == '|')
			p++;
	}
	return 0;
}

int ctr_state_write(struct ctr_monitor *m)
{
	char name[512], lxcpath[PATH_MAX * 2], buf[PATH_MAX * 3];
	int n;

	ctr_json_escape(name, sizeof(name), m->spec->name ? m->spec->name : "");
	ctr_json_escape(lxcpath, sizeof(lxcpath), m->spec->lxcpath ? m->spec->lxcpath : "");
	n = snprintf(buf, sizeof(buf),
		     "{\"state\":\"%s\",\"name\":\"%s\",\"lxcpath\":\"%s\",\"monitorPid\":%d,"
		     "\"monitorStartTime\":%llu,\"initPid\":%d,\"initStartTime\":%llu,\"startedAt\":%lld,"
		     "\"updatedAt\":%lld,\"oomKills\":%d,\"startupUs\":%lld}\n",
		     ctr_state_name(m->state), name, lxcpath, (int)m->self_pid, m->self_starttime, (int)m->init_pid,
		     m->init_starttime, m->started_at, m->updated_at, m->oom_kills, m->startup_us);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	/* Runtime state: atomic for readers, not fsynced (void after a crash). */
	return ctr_atomic_write(m->spec->rundir, "state.json", buf, (size_t)n, 0600, false);
}

/* Splits the spec's exit file into dir (a PATH_MAX buffer) and its leaf;
 * NULL when there is no usable exit file. */
static const char *exitfile_dir(const struct ctr_monitor *m, char *dir)
{
	char *slash;

	if (!m->spec->exitfile || strlen(m->spec->exitfile) >= PATH_MAX)
		return NULL;
	strcpy(dir, m->spec->exitfile);
	slash = strrchr(dir, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return slash + 1;
}

void ctr_state_write_exit(struct ctr_monitor *m, const char *reason)
{
	char buf[1024], dir[PATH_MAX], step[128] = "";
	const char *leaf = exitfile_dir(m, dir);
	int n;

	if (!leaf)
		return;
	if (m->start_error.step)
		(void)snprintf(step, sizeof(step), ",\"failedStep\":\"%s\",\"errno\":%d", ctr_step_name(m->start_error.step),
			       m->start_error.err);
	/* JSON null for the half that does not apply: an exit code or a signal. */
	char code[16] = "null", sig[16] = "null";
	if (m->have_status && !m->exit_signal)
		(void)snprintf(code, sizeof(code), "%d", m->exit_status);
	if (m->exit_signal)
		(void)snprintf(sig, sizeof(sig), "%d", m->exit_signal);
	n = snprintf(buf, sizeof(buf),
		     "{\"reason\":\"%s\",\"exitStatus\":%d,\"exitCode\":%s,\"signal\":%s,\"initPid\":%d,"
		     "\"startedAt\":%lld,\"stoppedAt\":%lld,\"oomKills\":%d%s}\n",
		     reason, m->have_status ? m->exit_status : -1, code, sig, (int)m->init_pid, m->started_at, ctr_now_ms(),
		     m->oom_kills, step);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	if (ctr_atomic_write(dir, leaf, buf, (size_t)n, 0644, false) < 0)
		log_syserr("Failed to write the exit record \"%s\"", m->spec->exitfile);
}

void ctr_state_sync_exit(struct ctr_monitor *m)
{
	char dir[PATH_MAX];
	const char *leaf = exitfile_dir(m, dir);

	if (leaf)
		ctr_fsync_path(dir, leaf);
}
