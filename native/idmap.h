/* lxc.idmap: the monitor writes init's uid_map and gid_map while the child
 * waits at the barrier (a process cannot map itself into a new user
 * namespace with ids it does not own). */
#ifndef CTR_IDMAP_H
#define CTR_IDMAP_H

struct ctr_monitor;

/* 0 when there is no user namespace or the maps were written; otherwise
 * -errno of the failed open or write, or -EIO when the kernel took only part
 * of a map, with m->start_error set (step idmap). */
int ctr_idmap_write(struct ctr_monitor *m);

/* Writes a whole map in one write(2), as /proc/PID/{u,g}id_map requires.
 * 0, -errno of a failed write, or -EIO when only part of it was written
 * (a short write sets no errno). */
int ctr_idmap_write_text(int fd, const char *text);

#endif
