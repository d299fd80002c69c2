/* The device rules of a cgroup2 container (lxc.cgroup2.devices.*): a
 * BPF_PROG_TYPE_CGROUP_DEVICE program, compiled by ctr
 * (src/core/cgroup/devices.ts), loaded and attached to the container's
 * cgroup2 directory by the monitor before init is cloned into it. */
#ifndef CTR_DEVICES_H
#define CTR_DEVICES_H

#include <stddef.h>

/* Loads prog (len bytes of struct bpf_insn) and attaches it to the cgroup2
 * directory dir with BPF_F_ALLOW_MULTI, as LXC does; the attachment lives
 * as long as the cgroup. 0 or -errno; a program the verifier refuses is
 * logged with the verifier's words. */
int ctr_devices_attach(const char *dir, const unsigned char *prog, size_t len);

#endif
