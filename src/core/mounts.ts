// lxc.mount.auto as mount operations, following LXC's table in conf.c
// (lxc_mount_auto_mounts, default_mounts[]) row by row. Paths are relative
// to the container's root (the rootfs, or the host root when there is none);
// the monitor resolves each one inside that root.

import {MNT, MS, type FsOp} from './monitor-spec.js'

export interface AutoMounts {
  proc?: 'mixed' | 'rw' | undefined
  sys?: 'mixed' | 'ro' | 'rw' | undefined
}

const NOSUID_NODEV_NOEXEC = MS.NOSUID | MS.NODEV | MS.NOEXEC

function mount(source: string, target: string, fstype: string, flags: number, opts = 0): FsOp {
  // LXC skips an automount whose source or target does not exist (ENOENT).
  return {kind: 'mount', source, target, fstype, flags, data: '', opts: opts | MNT.SKIP_ENOENT}
}

/**
 * The proc and sys families. `hasRootfs`: a separate rootfs (stale proc/sys
 * mounts in it are detached first, as LXC does). `netAdmin`: the container
 * keeps CAP_NET_ADMIN, so /proc/sys/net stays writable under proc:mixed.
 */
export function procSysMounts(auto: AutoMounts, opts: {hasRootfs: boolean; netAdmin: boolean}): FsOp[] {
  const ops: FsOp[] = []
  if (auto.proc) {
    if (opts.hasRootfs) ops.push({kind: 'umount', path: 'proc', opts: MNT.OPTIONAL})
    ops.push({kind: 'mkdir', path: 'proc', mode: 0o755, opts: 0})
  }
  if (auto.sys) {
    if (opts.hasRootfs) ops.push({kind: 'umount', path: 'sys', opts: MNT.OPTIONAL})
    ops.push({kind: 'mkdir', path: 'sys', mode: 0o755, opts: 0})
  }
  if (auto.proc === 'mixed') {
    ops.push(mount('proc', 'proc', 'proc', NOSUID_NODEV_NOEXEC))
    // /proc/tty holds /proc/sys/net while /proc/sys goes read-only, then it moves back.
    if (opts.netAdmin) ops.push(mount('proc/sys/net', 'proc/tty', '', MS.BIND, MNT.SRC_IN_ROOT))
    ops.push(mount('proc/sys', 'proc/sys', '', MS.BIND, MNT.SRC_IN_ROOT))
    ops.push(mount('', 'proc/sys', '', MS.REMOUNT | MS.BIND | MS.RDONLY))
    if (opts.netAdmin) ops.push(mount('proc/tty', 'proc/sys/net', '', MS.MOVE, MNT.SRC_IN_ROOT))
    ops.push(mount('proc/sysrq-trigger', 'proc/sysrq-trigger', '', MS.BIND, MNT.SRC_IN_ROOT))
    ops.push(mount('', 'proc/sysrq-trigger', '', MS.REMOUNT | MS.BIND | MS.RDONLY))
  } else if (auto.proc === 'rw') {
    ops.push(mount('proc', 'proc', 'proc', NOSUID_NODEV_NOEXEC))
  }
  if (auto.sys === 'rw') {
    ops.push(mount('sysfs', 'sys', 'sysfs', 0))
  } else if (auto.sys === 'ro') {
    ops.push(mount('sysfs', 'sys', 'sysfs', MS.RDONLY))
  } else if (auto.sys === 'mixed') {
    // A writable sysfs staged on /proc/sys provides /sys/devices/virtual/net.
    ops.push(mount('sysfs', 'proc/sys', 'sysfs', NOSUID_NODEV_NOEXEC))
    ops.push(mount('sysfs', 'sys', 'sysfs', MS.RDONLY | NOSUID_NODEV_NOEXEC))
    ops.push(mount('proc/sys/devices/virtual/net', 'sys/devices/virtual/net', '', MS.BIND, MNT.SRC_IN_ROOT))
    ops.push({kind: 'umount', path: 'proc/sys', opts: 0})
  }
  return ops
}
