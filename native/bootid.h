/* What a systemd guest expects of its boot: a boot id of its own. journald
 * keys its journal by boot id, so a container that showed the host's would
 * mix its boots with the host's and with each other; LXC gives every start
 * a fresh one (conf.c lxc_setup_boot_id), and so does ctr.
 *
 * Runs in the setup child between clone and exec: no allocation, no stdio. */
#ifndef CTR_BOOTID_H
#define CTR_BOOTID_H

/* After pivot_root, with autodev: a random version 4 UUID in a read-only
 * /dev/.lxc-boot-id (LXC's name), bound read-only on
 * /proc/sys/kernel/random/boot_id. Skipped without /proc; other failures
 * are ignored, as LXC ignores them. */
void ctr_boot_id_setup(int rootfd);

#endif
