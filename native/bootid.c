/* A fresh boot id for every start: see bootid.h. */
#define _GNU_SOURCE
#include "bootid.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsops.h"
#include "util.h"

/* A version 4 UUID, as text with a newline (LXC's lxc_id128_write_fd). */
static int boot_id_text(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char id[16];
	size_t k = 0;

	if (syscall(SYS_getrandom, id, sizeof(id), 0) != (long)sizeof(id))
		return -EIO;
	id[6] = (unsigned char)((id[6] & 0x0f) | 0x40);
	id[8] = (unsigned char)((id[8] & 0x3f) | 0x80);
	for (size_t n = 0; n < 16; n++) {
		if (n == 4 || n == 6 || n == 8 || n == 10)
			out[k++] = '-';
		out[k++] = hex[id[n] >> 4];
		out[k++] = hex[id[n] & 15];
	}
	out[k] = '\n';
	return 0;
}

void ctr_boot_id_setup(int rootfd)
{
	struct ctr_fsop bind = {
		.kind = CTR_FSOP_MOUNT,
		.m = {.source = "dev/.lxc-boot-id", .target = "proc/sys/kernel/random/boot_id",
		      .flags = MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC, .opts = CTR_MNT_SRC_IN_ROOT | CTR_MNT_RO_REMOUNT},
	};
	_cleanup_close_ int probe = -EBADF, devfd = -EBADF, fd = -EBADF;
	char text[37];

	probe = ctr_open_in_root(rootfd, bind.m.target, O_PATH);
	if (probe < 0 || boot_id_text(text) < 0)
		return;
	devfd = ctr_open_in_root(rootfd, "dev", O_PATH | O_DIRECTORY);
	if (devfd < 0)
		return;
	fd = openat(devfd, ".lxc-boot-id", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0)
		return;
	if (ctr_write_all(fd, text, sizeof(text)) < 0 || ctr_fsop_apply(rootfd, &bind) < 0)
		(void)unlinkat(devfd, ".lxc-boot-id", 0);
}
