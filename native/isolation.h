/* Privilege and resource settings applied in the child before exec:
 * lxc.sysctl.*, lxc.proc.*, lxc.prlimit.*, capabilities, no_new_privs and
 * seccomp. Same rules as spawn.c: no allocation, no stdio; failures call
 * `fail`, which reports {step, errno, index} and exits. */
#ifndef CTR_ISOLATION_H
#define CTR_ISOLATION_H

#include "spec.h"

typedef void (*ctr_fail_fn)(int chan, int step, int err, int index) __attribute__((noreturn));

/* sysctls, proc files and rlimits: after mounts and hostname, before ids. */
void ctr_isolation_pre_exec(const struct ctr_spec *spec, int chan, ctr_fail_fn fail);
/* Capability bounding set and process sets: after the id switch. */
void ctr_isolation_caps(const struct ctr_spec *spec, int chan, ctr_fail_fn fail);
/* Permitted/effective cut to the kept set, inheritable and ambient cleared. */
void ctr_isolation_caps_current(const struct ctr_spec *spec, int chan, ctr_fail_fn fail);
/* no_new_privs, then the seccomp filter: the very last steps before exec. */
void ctr_isolation_final(const struct ctr_spec *spec, int chan, ctr_fail_fn fail);

#endif
