/* Reading the hook records of the spec (docs/monitor-protocol.md §2.3). */
#define _GNU_SOURCE
#include "hookspec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const type_names[CTR_HOOK_NTYPES] = {
	[CTR_HOOK_PRE_START] = "pre-start", [CTR_HOOK_PRE_MOUNT] = "pre-mount", [CTR_HOOK_MOUNT] = "mount",
	[CTR_HOOK_AUTODEV] = "autodev",     [CTR_HOOK_START] = "start",         [CTR_HOOK_START_HOST] = "start-host",
	[CTR_HOOK_STOP] = "stop",           [CTR_HOOK_POST_STOP] = "post-stop",
};

const char *ctr_hook_type_name(int type)
{
	return type >= 0 && type < CTR_HOOK_NTYPES ? type_names[type] : "unknown";
}

int ctr_hook_type_by_name(const char *name)
{
	for (int i = 0; i < CTR_HOOK_NTYPES; i++)
		if (strcmp(type_names[i], name) == 0)
			return i;
	return -1;
}

bool ctr_hookspec_has(const struct ctr_hookspec *hs, int type)
{
	for (size_t i = 0; i < hs->nhooks; i++)
		if (hs->hooks[i].type == type)
			return true;
	return false;
}

int ctr_hookspec_arity(const char *rec)
{
	if (strcmp(rec, "hook") == 0 || strcmp(rec, "hookat") == 0)
		return 2;
	if (strcmp(rec, "hookenv") == 0 || strcmp(rec, "hookenv_ct") == 0 || strcmp(rec, "hookversion") == 0 ||
	    strcmp(rec, "hooktimeout") == 0)
		return 1;
	return -1;
}

static int add_hook(struct ctr_hookspec *hs, const char **f)
{
	struct ctr_hook *p;
	int type = ctr_hook_type_by_name(f[0]);

	if (type < 0 || !*f[1])
		return -EINVAL;
	p = realloc(hs->hooks, (hs->nhooks + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	hs->hooks = p;
	hs->hooks[hs->nhooks++] = (struct ctr_hook){.type = type, .script = f[1]};
	return 0;
}

static int add_at(struct ctr_hookspec *hs, const char **f)
{
	struct ctr_hook_at *p;
	unsigned long long index;
	int type = ctr_hook_type_by_name(f[0]);

	/* Only these run among the filesystem operations. */
	if (type != CTR_HOOK_MOUNT && type != CTR_HOOK_AUTODEV)
		return -EINVAL;
	if (ctr_parse_ull(f[1], &index) < 0 || index > 1u << 20)
		return -EINVAL;
	p = realloc(hs->at, (hs->nat + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	hs->at = p;
	hs->at[hs->nat++] = (struct ctr_hook_at){.type = type, .index = (size_t)index};
	return 0;
}

int ctr_hookspec_record(struct ctr_hookspec *hs, const char *rec, const char **f)
{
	int v;

	if (strcmp(rec, "hook") == 0)
		return add_hook(hs, f);
	if (strcmp(rec, "hookat") == 0)
		return add_at(hs, f);
	if (strcmp(rec, "hookenv") == 0)
		return ctr_strv_push(&hs->env, &hs->nenv, f[0]);
	if (strcmp(rec, "hookenv_ct") == 0)
		return ctr_strv_push(&hs->env_ct, &hs->nenv_ct, f[0]);
	if (strcmp(rec, "hookversion") == 0) {
		if (ctr_parse_int(f[0], &v) < 0 || (v != 0 && v != 1))
			return -EINVAL;
		hs->version = v;
		return 0;
	}
	if (strcmp(rec, "hooktimeout") == 0) {
		if (ctr_parse_int(f[0], &v) < 0 || v <= 0)
			return -EINVAL;
		hs->timeout_s = v;
		return 0;
	}
	return -ENOENT;
}

void ctr_hookspec_free(struct ctr_hookspec *hs)
{
	free(hs->hooks);
	free(hs->env);
	free(hs->env_ct);
	free(hs->at);
	memset(hs, 0, sizeof(*hs));
}
