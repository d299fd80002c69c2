/* LXC hooks in the spec (docs/monitor-protocol.md §2.3): which scripts run
 * for which hook type, their environments, where the container-side ones
 * run among the filesystem operations, the hook version and the timeout.
 * Planned by src/core/hook-plan.ts; run by native/hooks.c. */
#ifndef CTR_HOOKSPEC_H
#define CTR_HOOKSPEC_H

#include <stdbool.h>
#include <stddef.h>

/* LXC's start-time hook types; clone and destroy run from ctr itself. */
enum ctr_hook_type {
	CTR_HOOK_PRE_START,
	CTR_HOOK_PRE_MOUNT,
	CTR_HOOK_MOUNT,
	CTR_HOOK_AUTODEV,
	CTR_HOOK_START,
	CTR_HOOK_START_HOST,
	CTR_HOOK_STOP,
	CTR_HOOK_POST_STOP,
	CTR_HOOK_NTYPES,
};

struct ctr_hook {
	int type;
	const char *script; /* the config value: a path, possibly with arguments */
};

/* Container-side hooks of `type` run before filesystem operation `index`
 * (index = the number of operations: after the last one before pivot_root). */
struct ctr_hook_at {
	int type;
	size_t index;
};

struct ctr_hookspec {
	struct ctr_hook *hooks; /* in config order */
	size_t nhooks;
	const char **env;       /* NULL-terminated: host-side hooks */
	size_t nenv;
	const char **env_ct;    /* NULL-terminated: container-side hooks (adds lxc.environment) */
	size_t nenv_ct;
	struct ctr_hook_at *at;
	size_t nat;
	int version;   /* lxc.hook.version: 0 or 1 */
	int timeout_s; /* each hook is killed after this long (> 0) */
};

/* Fields of a hook record, or -1 if `rec` is not one. */
int ctr_hookspec_arity(const char *rec);
/* Applies a hook record: 0, -EINVAL, -ENOMEM, or -ENOENT if not one. */
int ctr_hookspec_record(struct ctr_hookspec *hs, const char *rec, const char **f);
void ctr_hookspec_free(struct ctr_hookspec *hs);

/* "pre-start" ... "post-stop", or "unknown". */
const char *ctr_hook_type_name(int type);
int ctr_hook_type_by_name(const char *name);
bool ctr_hookspec_has(const struct ctr_hookspec *hs, int type);

#endif
