// lxc.mount.auto as mount operations, following LXC's table in conf.c
// (lxc_mount_auto_mounts, default_mounts[]) row by row. Paths are relative
// to the container's root (the rootfs, or the host root when there is none);
// the monitor resolves each one inside that root.

import type {CgroupLayout} from './cgroup/layout.js'
import type {MountAuto} from './config/index.js'
import {CtrError} from './errors.js'
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

export interface CgroupAutoContext {
  /** The host's cgroup hierarchies (undefined: none mounted). */
  layout: CgroupLayout | undefined
  /** The container gets a cgroup namespace of its own. */
  cgroupNs: boolean
  /** The container keeps CAP_SYS_ADMIN. */
  sysAdmin: boolean
}

const CGROUP_FS_FLAGS = MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME

/**
 * The cgroup families of lxc.mount.auto, as LXC 5.0's cgfsng_mount decides:
 * with a cgroup namespace and CAP_SYS_ADMIN kept, `cgroup`/`cgroup2`
 * without `:force` mount nothing (the container's init mounts what it
 * wants; a pure cgroup2 host always gets cgroup2 mounted). Otherwise, with a
 * cgroup namespace: pure v2 (or a cgroup2 token) mounts cgroup2 on
 * /sys/fs/cgroup; v1 and hybrid hosts get a tmpfs there with each hierarchy
 * mounted under its host name (read-only for `:ro`; `:mixed` is read-write
 * in a cgroup namespace, as in LXC). Every hierarchy shows the container's
 * own cgroup as its root. Without a cgroup namespace LXC bind-mounts host
 * paths; that is refused here. Throws CTR_CONFIG_INVALID for what cannot be
 * mounted.
 */
export function cgroupMounts(auto: MountAuto, ctx: CgroupAutoContext): FsOp[] {
  // After pivot_root: the child joins its cgroup namespace only then (the
  // monitor attaches it to its cgroups while it sets up the root).
  return cgroupMountOps(auto, ctx).map((op) => ({...op, opts: op.opts | MNT.AFTER_PIVOT}))
}

function cgroupMountOps(auto: MountAuto, ctx: CgroupAutoContext): FsOp[] {
  const cg = auto.cgroup
  const cg2 = auto.cgroup2
  if (!cg && !cg2) return []
  const layout = ctx.layout
  const pureV2 = layout?.kind === 'v2'
  const readOnly = cg2 ? cg2.ro : cg?.mode === 'ro'
  let force = cg2 ? cg2.force : (cg?.force ?? false)
  if (!force) force = !ctx.sysAdmin || pureV2
  if (ctx.cgroupNs && !force) return []
  if (!layout) throw new CtrError('CTR_CONFIG_INVALID', 'lxc.mount.auto asks for cgroup mounts, but this host has no cgroup hierarchy mounted')
  if (!ctx.cgroupNs) {
    throw new CtrError('CTR_NOT_SUPPORTED', 'cgroup automounts without a cgroup namespace of its own are not supported yet', {
      hints: ['Remove cgroup from lxc.namespace.keep (or add it to lxc.namespace.clone), or drop the cgroup token from lxc.mount.auto'],
    })
  }
  const flags = CGROUP_FS_FLAGS | (readOnly ? MS.RDONLY : 0)
  const base = 'sys/fs/cgroup'
  const unified = layout.hierarchies.find((h) => h.version === 2)
  if (pureV2 || cg2) {
    if (!unified) throw new CtrError('CTR_CONFIG_INVALID', 'lxc.mount.auto asks for cgroup2, but this host has no cgroup2 hierarchy mounted')
    return [
      {kind: 'mkdir', path: base, mode: 0o755, opts: MNT.CREATE_DIR},
      {kind: 'mount', source: 'cgroup2', target: base, fstype: 'cgroup2', flags, data: '', opts: MNT.CREATE_DIR},
    ]
  }
  const ops: FsOp[] = [
    {kind: 'mount', source: 'tmpfs', target: base, fstype: 'tmpfs', flags: CGROUP_FS_FLAGS, data: 'size=10240k,mode=755', opts: MNT.CREATE_DIR},
  ]
  for (const h of layout.hierarchies) {
    const dir = `${base}/${h.mountPoint.split('/').filter((p) => p !== '').at(-1) ?? (h.version === 2 ? 'unified' : h.id)}`
    ops.push({kind: 'mkdir', path: dir, mode: 0o755, opts: 0})
    if (h.version === 2) ops.push({kind: 'mount', source: 'cgroup2', target: dir, fstype: 'cgroup2', flags, data: '', opts: 0})
    else ops.push({kind: 'mount', source: 'cgroup', target: dir, fstype: 'cgroup', flags, data: h.id, opts: 0})
  }
  return ops
}
