#define _GNU_SOURCE
#include "isolation.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cleanup.h"
#include "monitor.h"
#include "util.h"

/* Writes value to /proc/<dir>/<name>, where dots in a sysctl name become
 * slashes (net.ipv4.ip_forward -> /proc/sys/net/ipv4/ip_forward). */
static int write_proc_file(const char *prefix, const char *name, bool dots, const char *value)
{
	char path[512];
	size_t plen = strlen(prefix), nlen = strlen(name);
	_cleanup_close_ int fd = -EBADF;

	if (plen + nlen + 1 > sizeof(path) || strstr(name, ".."))
		return -EINVAL;
	memcpy(path, prefix, plen);
	for (size_t i = 0; i <= nlen; i++)
		path[plen + i] = (dots && name[i] == '.') ? '/' : name[i];
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	return ctr_write_all(fd, value, strlen(value));
}

void ctr_isolation_pre_exec(const struct ctr_spec *spec, int chan, ctr_fail_fn fail)
{
	int ret;

	for (size_t i = 0; i < spec->nsysctls; i++) {
		ret = write_proc_file("/proc/sys/", spec->sysctls[i].key, true, spec->sysctls[i].value);
		if (ret < 0)
			fail(chan, CTR_STEP_SYSCTL, ret, (int)i);
	}
	for (size_t i = 0; i < spec->nprocs; i++) {
		ret = write_proc_file("/proc/self/", spec->procs[i].key, false, spec->procs[i].value);
		if (ret < 0)
			fail(chan, CTR_STEP_PROCFILE, ret, (int)i);
	}
	for (size_t i = 0; i < spec->nrlimits; i++) {
		struct rlimit64 rl = {.rlim_cur = spec->rlimits[i].soft, .rlim_max = spec->rlimits[i].hard};
		if (prlimit64(0, (enum __rlimit_resource)spec->rlimits[i].resource, &rl, NULL) < 0)
			fail(chan, CTR_STEP_RLIMIT, errno, (int)i);
	}
}

void ctr_isolation_caps(const struct ctr_spec *spec, int chan, ctr_fail_fn fail)
{
	if (spec->has_caps)
		fail(chan, CTR_STEP_CAPS, ENOSYS, -1);
}

void ctr_isolation_final(const struct ctr_spec *spec, int chan, ctr_fail_fn fail)
{
	if (spec->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(chan, CTR_STEP_NNP, errno, -1);
	if (spec->seccomp_bpf)
		fail(chan, CTR_STEP_SECCOMP, ENOSYS, -1);
}
