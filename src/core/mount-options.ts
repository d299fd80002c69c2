// fstab-style mount options as LXC reads them (conf.c mount_opt[] and
// propagation_opt[]): flag options set or clear MS_* bits, propagation options
// apply after the mount, LXC ignores sync/async/dirsync/lazytime/mand/remount,
// and everything else is filesystem data passed through.

import {MS} from './monitor-spec.js'

interface FlagOption {
  readonly clear: boolean
  readonly flag: number
}

const FLAG_OPTIONS: Record<string, FlagOption> = {
  atime: {clear: true, flag: MS.NOATIME},
  dev: {clear: true, flag: MS.NODEV},
  diratime: {clear: true, flag: MS.NODIRATIME},
  exec: {clear: true, flag: MS.NOEXEC},
  noatime: {clear: false, flag: MS.NOATIME},
  nodev: {clear: false, flag: MS.NODEV},
  nodiratime: {clear: false, flag: MS.NODIRATIME},
  noexec: {clear: false, flag: MS.NOEXEC},
  norelatime: {clear: true, flag: MS.RELATIME},
  nostrictatime: {clear: true, flag: MS.STRICTATIME},
  nosymfollow: {clear: false, flag: MS.NOSYMFOLLOW},
  nosuid: {clear: false, flag: MS.NOSUID},
  relatime: {clear: false, flag: MS.RELATIME},
  ro: {clear: false, flag: MS.RDONLY},
  rw: {clear: true, flag: MS.RDONLY},
  strictatime: {clear: false, flag: MS.STRICTATIME},
  suid: {clear: true, flag: MS.NOSUID},
  bind: {clear: false, flag: MS.BIND},
  rbind: {clear: false, flag: MS.BIND | MS.REC},
  move: {clear: false, flag: MS.MOVE},
  defaults: {clear: false, flag: 0},
}

const IGNORED = new Set(['sync', 'async', 'dirsync', 'lazytime', 'mand', 'nomand', 'remount'])

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE,
  shared: MS.SHARED,
  slave: MS.SLAVE,
  unbindable: MS.UNBINDABLE,
  rprivate: MS.PRIVATE | MS.REC,
  rshared: MS.SHARED | MS.REC,
  rslave: MS.SLAVE | MS.REC,
  runbindable: MS.UNBINDABLE | MS.REC,
}

export interface MountOptions {
  flags: number
  /** MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (| MS_REC), applied after the mount. */
  propagation: number
  /** Filesystem-specific options, comma-joined in order. */
  data: string
}

/** Splits mount options (already without LXC's own create=/optional/relative/idmap=). Pure. */
export function parseMountOptions(options: readonly string[]): MountOptions {
  let flags = 0
  let propagation = 0
  const data: string[] = []
  for (const option of options) {
    if (option === '') continue
    const known = FLAG_OPTIONS[option]
    if (known) {
      flags = known.clear ? flags & ~known.flag : flags | known.flag
      continue
    }
    if (IGNORED.has(option)) continue
    const prop = PROPAGATION[option]
    if (prop !== undefined) {
      propagation |= prop
      continue
    }
    data.push(option)
  }
  return {flags, propagation, data: data.join(',')}
}
