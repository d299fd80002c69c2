#define _GNU_SOURCE
#include "isolation.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsops.h"
#include "monitor.h"
#include "util.h"

/* Writes value to <prefix><name> (relative to dirfd), where dots in a
 * sysctl name become slashes (net.ipv4.ip_forward -> net/ipv4/ip_forward). */
static int write_proc_file(int dirfd, const char *prefix, const char *name, bool dots, const char *value)
{
	char path[512];
	size_t plen = strlen(prefix), nlen = strlen(name);
	_cleanup_close_ int fd = -EBADF;

	if (plen + nlen + 1 > sizeof(path) || strstr(name, ".."))
		return -EINVAL;
	memcpy(path, prefix, plen);
	for (size_t i = 0; i <= nlen; i++)
		path[plen + i] = (dots && name[i] == '.') ? '/' : name[i];
	fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	return ctr_write_all(fd, value, strlen(value));
}

void ctr_isolation_pre_exec(const struct ctr_spec *spec, int chan, ctr_fail_fn fail)
{
	int ret;

	for (size_t i = 0; i < spec->nsysctls; i++) {
		ret = write_proc_file(AT_FDCWD, "/proc/sys/", spec->sysctls[i].key, true, spec->sysctls[i].value);
		if (ret < 0)
			fail(chan, CTR_STEP_SYSCTL, ret, (int)i);
	}
	for (size_t i = 0; i < spec->nprocs; i++) {
		/* Our own proc directory: pinned before a shared pid namespace's
		 * /proc hid it (fsops.h), else /proc/self. */
		int self = ctr_fsops_self_dir();
		ret = self >= 0 ? write_proc_file(self, "", spec->procs[i].key, false, spec->procs[i].value)
				: write_proc_file(AT_FDCWD, "/proc/self/", spec->procs[i].key, false, spec->procs[i].value);
		if (ret < 0)
			fail(chan, CTR_STEP_PROCFILE, ret, (int)i);
	}
	for (size_t i = 0; i < spec->nrlimits; i++) {
		struct rlimit64 rl = {.rlim_cur = spec->rlimits[i].soft, .rlim_max = spec->rlimits[i].hard};
		if (prlimit64(0, (enum __rlimit_resource)spec->rlimits[i].resource, &rl, NULL) < 0)
			fail(chan, CTR_STEP_RLIMIT, errno, (int)i);
	}
}

/* lxc.cap.drop / lxc.cap.keep: LXC run as root drops the capabilities from
 * the bounding set only (capabilities_deny/allow in conf.c); init, exec'd as
 * root, then gets permitted = effective = the bounding set, and a non-root
 * init gets none. The inheritable and ambient sets stay empty. Dropping from
 * the bounding set does not touch the effective set, so the uid switch and
 * seccomp that follow still work. */
void ctr_isolation_caps(const struct ctr_spec *spec, int chan, ctr_fail_fn fail)
{
	if (!spec->has_caps)
		return;
	for (int cap = 0; cap < 64; cap++) {
		if (spec->cap_keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			fail(chan, CTR_STEP_CAPS, errno, cap);
		}
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			fail(chan, CTR_STEP_CAPS, errno, cap);
	}
}

/* The capabilities a process has now, cut down to what init will have
 * after its exec: permitted and effective limited to the kept set (the
 * bounding set, for root), inheritable and ambient cleared. Used before a
 * pre-exec process becomes visible to another container (spawn.c). */
void ctr_isolation_caps_current(const struct ctr_spec *spec, int chan, ctr_fail_fn fail)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	unsigned long long keep = spec->has_caps ? spec->cap_keep : ~0ULL;

	if (syscall(SYS_capget, &hdr, data) < 0)
		fail(chan, CTR_STEP_CAPS, errno, -1);
	for (int i = 0; i < 2; i++) {
		unsigned int k = (unsigned int)(keep >> (32 * i));
		data[i].permitted &= k;
		data[i].effective &= k;
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		fail(chan, CTR_STEP_CAPS, errno, -1);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		fail(chan, CTR_STEP_CAPS, errno, -1);
}

/* no_new_privs, then the seccomp filter (a classic BPF program that
 * src/core/seccomp compiled from the LXC policy), as LXC orders them: after
 * the capabilities, before the uid switch. Without no_new_privs, loading a
 * filter needs CAP_SYS_ADMIN in the effective set, which root still has. */
void ctr_isolation_final(const struct ctr_spec *spec, int chan, ctr_fail_fn fail)
{
	if (spec->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(chan, CTR_STEP_NNP, errno, -1);
	if (spec->seccomp_len) {
		struct sock_fprog prog = {
			.len = (unsigned short)(spec->seccomp_len / sizeof(struct sock_filter)),
			.filter = (struct sock_filter *)spec->seccomp_filter,
		};
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			fail(chan, CTR_STEP_SECCOMP, errno, -1);
	}
}
