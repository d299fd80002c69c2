// lxc.mount.entry and lxc.mount.fstab as mount operations, with LXC's target
// rules (conf.c mount_file_entries): a relative target is inside the rootfs;
// an absolute one must lie under the rootfs path (or $lxcpath/NAME/rootfs),
// else it is ignored with a warning; without a rootfs every target is a host
// path in the container's own mount namespace. The monitor resolves each
// target inside the root with openat2(RESOLVE_IN_ROOT), so a symlink in the
// rootfs cannot redirect a mount outside it.

import type {MountEntry} from './config/index.js'
import {CtrError} from './errors.js'
import {MNT, type FsOp} from './monitor-spec.js'
import {parseMountOptions} from './mount-options.js'

export interface EntryContext {
  /** The rootfs path as configured (undefined: host root). */
  rootfsPath: string | undefined
  /** $lxcpath/NAME/rootfs, LXC's other accepted prefix for absolute targets. */
  defaultRootfs: string
}

export interface EntryOps {
  ops: FsOp[]
  warnings: string[]
}

/** The operations for mount entries (or fstab lines), in order. Throws for what cannot be honoured (idmapped mounts). Pure. */
export function mountEntryOps(entries: readonly MountEntry[], ctx: EntryContext): EntryOps {
  const ops: FsOp[] = []
  const warnings: string[] = []
  for (const entry of entries) {
    const target = entryTarget(entry.target, ctx)
    if (target === undefined) {
      warnings.push(`${entry.file}:${entry.line}: Ignoring mount point "${entry.target}": it is not under the rootfs "${ctx.rootfsPath ?? '/'}"`)
      continue
    }
    if (entry.idmap !== undefined) {
      throw new CtrError('CTR_NOT_SUPPORTED', `${entry.file}:${entry.line}: idmapped mount entries (idmap=) are not supported yet`, {
        hints: ['Remove the idmap= option, or shift the files\' ownership on disk'],
      })
    }
    const {flags, propagation, data} = parseMountOptions(entry.options)
    let opts = 0
    if (entry.createDir) opts |= MNT.CREATE_DIR
    if (entry.createFile) opts |= MNT.CREATE_FILE
    if (entry.optional) opts |= MNT.OPTIONAL
    if (entry.relative) opts |= MNT.SRC_IN_ROOT
    ops.push({kind: 'mount', source: entry.source, target, fstype: entry.fstype, flags, data, opts})
    if (propagation) ops.push({kind: 'mount', source: '', target, fstype: '', flags: propagation, data: '', opts: opts & MNT.OPTIONAL})
  }
  return {ops, warnings}
}

// The path of the target relative to the container's root, or undefined to
// ignore the entry.
function entryTarget(target: string, ctx: EntryContext): string | undefined {
  if (ctx.rootfsPath === undefined) return target.startsWith('/') ? target : `/${target}`
  if (!target.startsWith('/')) return target
  for (const prefix of [ctx.defaultRootfs, ctx.rootfsPath]) {
    const base = prefix.replace(/\/+$/, '')
    if (target === base) return '.'
    if (target.startsWith(`${base}/`)) return target.slice(base.length + 1)
  }
  return undefined
}

