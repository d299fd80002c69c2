/* lxc.idmap: the monitor writes init's uid_map and gid_map while the child
 * waits at the barrier (a process cannot map itself into a new user
 * namespace with ids it does not own). */
#ifndef CTR_IDMAP_H
#define CTR_IDMAP_H

struct ctr_monitor;

/* 0 when there is no user namespace or the maps were written; -errno with
 * m->start_error set otherwise. */
int ctr_idmap_write(struct ctr_monitor *m);

#endif
