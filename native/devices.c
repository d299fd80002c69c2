/* Loading and attaching the BPF device program (devices.h). */
#define _GNU_SOURCE
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load(const unsigned char *prog, size_t len, char *log, size_t log_size)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = (uint32_t)(len / sizeof(struct bpf_insn));
	attr.license = (uint64_t)(uintptr_t)"GPL";
	if (log) {
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = (uint32_t)log_size;
		attr.log_level = 1;
	}
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	return fd < 0 ? -errno : fd;
}

/* Once more with the verifier's log, for the monitor log. */
static void log_verifier(const unsigned char *prog, size_t len)
{
	_cleanup_free_ char *log = calloc(1, 65536);
	int fd;

	if (!log)
		return;
	fd = load(prog, len, log, 65536);
	if (fd >= 0) {
		(void)close(fd);
		return;
	}
	log_error("The BPF verifier refused the device program: %s", log);
}

int ctr_devices_attach(const char *dir, const unsigned char *prog, size_t len)
{
	_cleanup_close_ int cgfd = -EBADF, progfd = -EBADF;
	union bpf_attr attr;

	if (len == 0 || len % sizeof(struct bpf_insn) != 0)
		return -EINVAL;
	cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return -errno;
	progfd = load(prog, len, NULL, 0);
	if (progfd < 0) {
		int err = progfd;
		if (err == -EINVAL || err == -EACCES)
			log_verifier(prog, len);
		return err;
	}
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)progfd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return -errno;
	log_debug("Attached the device program (%zu instructions) to %s", len / sizeof(struct bpf_insn), dir);
	return 0;
}
