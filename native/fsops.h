/* Filesystem setup inside the container's mount namespace. Every target is
 * resolved with openat2(RESOLVE_IN_ROOT) against the root being built, so a
 * symlink in the rootfs (`etc -> /host-etc`, `../../..`) can never make a
 * mount land outside it. These run in the cloned child: no allocation, no
 * stdio; they return -errno. */
#ifndef CTR_FSOPS_H
#define CTR_FSOPS_H

#include <stdbool.h>

#include "spec.h"

/* Opens path (absolute or relative) inside rootfd as O_PATH. */
int ctr_open_in_root(int rootfd, const char *path, int flags);
/* mkdir -p path inside rootfd (components resolved in the root). */
int ctr_mkdir_in_root(int rootfd, const char *path, unsigned int mode);
/* Runs one spec filesystem operation against rootfd; with
 * CTR_MNT_SKIP_ENOENT a missing source or target is not an error. */
int ctr_fsop_apply(int rootfd, const struct ctr_fsop *op);
int ctr_fsop_apply_one(int rootfd, const struct ctr_fsop *op);
/* Binds the file open as srcfd (a pty slave) onto path inside rootfd, an
 * empty file created there first if missing (its directory too). 0 or -errno. */
int ctr_bind_fd_in_root(int rootfd, int srcfd, const char *path);
/* The flags a bind remount of path must keep (nosuid, nodev, noexec, the
 * atime ones): a remount replaces them, and a user namespace may have them
 * locked. 0 if path cannot be statvfs'd. */
unsigned long ctr_mount_flags_of(const char *path);
/* Device nodes (mknod ops) in a user namespace are bound from the host,
 * read-only to it; elsewhere they are made, and a failure fails the start. */
void ctr_fsops_set_userns(bool userns);
/* With a shared pid namespace, the child mounts proc before it joins it:
 * every proc mount then shows that namespace (proc's pidns= option) instead
 * of the child's own. -EBADF (the default) mounts proc as usual. */
void ctr_fsops_set_proc_pidns(int fd);
/* Opens our own /proc/self (and its fd directory) before anything hides it:
 * mount paths and lxc.proc.* writes go through them from then on. 0 or
 * -errno. The working directory is left in that fd directory after a
 * mount: the caller chdirs away before anything else runs. */
int ctr_fsops_pin_self(void);
/* The pinned /proc/self directory, or -EBADF. */
int ctr_fsops_self_dir(void);

#endif
