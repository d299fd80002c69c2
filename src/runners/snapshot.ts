// `ctr snapshot` (lxc-snapshot, lxccontainer.c do_lxcapi_snapshot,
// snapshot_list, snapshot_restore, snapshot_destroy): snapshots are
// containers of their own in LXC's layout, $lxcpath/NAME/snaps/snapN with
// its config, rootfs, `ts` and `comment` (docs/lxc-contract.md §15.3), made
// and restored with ctr copy's clone machinery (runners/copy.ts) and
// destroyed with ctr destroy's.

import {closeSync, constants, openSync, readdirSync, rmdirSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import type {CopyOptions} from '../core/cli/copy.js'
import type {SnapshotOptions} from '../core/cli/snapshot.js'
import type {ContainerConfig} from '../core/config/index.js'
import {CtrError, SysError} from '../core/errors.js'
import type {CommandOutcome} from '../output.js'
import {makeDir, readCloneList, SNAPSHOTS_FILE} from '../sys/clone-fs.js'
import {loadConfigForCommand} from '../sys/config.js'
import {isDefined, queryStatus, resolveContainer, resolveFromOptions, type ContainerRef} from '../sys/container.js'
import {entryType} from '../sys/create-fs.js'
import {nameSuggestions} from '../sys/discover.js'
import {readTextFile} from '../sys/read-text.js'
import {makeClone} from './copy.js'

export interface SnapshotInfo {
  /** snapN */
  name: string
  /** The snapshots' directory, $lxcpath/NAME/snaps (what lxc-snapshot -L prints in parentheses). */
  path: string
  /** The `ts` file's text (local time, "YYYY:MM:DD HH:MM:SS"), or null. */
  timestamp: string | null
  /** The `comment` file's text, or null. */
  comment: string | null
}

export interface SnapshotResult {
  name: string
  lxcpath: string
  task: 'create' | 'list' | 'restore' | 'destroy'
  /** list: every snapshot; create: the new one; restore: the one restored; destroy: those destroyed. */
  snapshots: SnapshotInfo[]
  /** restore: the container it was restored to; null otherwise. */
  restoredTo: string | null
  durationMs: number
}

const SNAP_NAME = /^snap([0-9]+)$/

/** Runs `ctr snapshot`; exit 0, or throws CtrError (exit 1, as lxc-snapshot). */
export async function run(opts: SnapshotOptions): Promise<CommandOutcome<SnapshotResult>> {
  const started = Date.now()
  const ref = resolveFromOptions(opts)
  if (!isDefined(ref)) {
    throw new CtrError('CTR_NOT_DEFINED', `Container ${ref.name} is not defined`, {hints: [`There is no ${ref.configPath}`, ...nameSuggestions(ref.lxcpath, ref.name)]})
  }
  const snaps = join(ref.dir, 'snaps')
  const done = (task: SnapshotResult['task'], snapshots: SnapshotInfo[], restoredTo: string | null, text?: string): CommandOutcome<SnapshotResult> => ({
    exitCode: 0,
    result: {name: ref.name, lxcpath: ref.lxcpath, task, snapshots, restoredTo, durationMs: Date.now() - started},
    ...(text === undefined ? {} : {text}),
  })
  const task = opts.task
  switch (task.kind) {
    case 'list': {
      const all = listSnapshots(snaps)
      if (all.length === 0) return done('list', [], null, 'No snapshots\n')
      const text = all.map((s) => `${s.name} (${s.path}) ${s.timestamp ?? ''}\n${task.comments && s.comment !== null ? s.comment : ''}`).join('')
      return done('list', all, null, text)
    }
    case 'create':
      return done('create', [await createSnapshot(ref, opts, snaps, task.commentFile)], null)
    case 'restore': {
      const {info, to} = await restoreSnapshot(ref, opts, snaps, task.snapshot, task.newname ?? ref.name)
      return done('restore', [info], to)
    }
    case 'destroy':
      return done('destroy', await destroySnapshots(ref, opts, snaps, task.snapshot), null)
  }
}

/** The snapshots in `snaps`, by number. */
function listSnapshots(snaps: string): SnapshotInfo[] {
  let entries: string[]
  try {
    entries = readdirSync(snaps)
  } catch {
    return []
  }
  return entries
    .filter((e) => SNAP_NAME.test(e) && entryType(join(snaps, e, 'config')) === 'file')
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))
    .map((name) => snapshotInfo(snaps, name))
}

function snapshotInfo(snaps: string, name: string): SnapshotInfo {
  const read = (file: string): string | null => {
    try {
      return entryType(join(snaps, name, file)) === 'file' ? readTextFile(join(snaps, name, file)) : null
    } catch {
      return null
    }
  }
  return {name, path: snaps, timestamp: read('ts'), comment: read('comment')}
}

// The clone options a snapshot or a restore uses (no ephemeral parts).
function cloneOptions(opts: SnapshotOptions, name: string, newname: string, snapshot: boolean, keep: boolean): CopyOptions {
  return {
    ...opts, name, newname, newpath: undefined, rename: false, snapshot, allowRunning: false, ephemeral: false, foreground: false, mounts: [],
    backingStore: undefined, keepData: false, keepName: keep, keepMac: keep, tmpfs: false, args: [],
  }
}

function isOverlay(config: ContainerConfig | undefined): boolean {
  return config?.rootfs.type === 'overlay' || config?.rootfs.type === 'overlayfs'
}

// lxccontainer.c do_lxcapi_snapshot: the next free snapN; a directory
// rootfs is copied whole ("Making a copy-clone"), an overlay one becomes an
// overlay snapshot listed in the container's lxc_snapshots, as LXC does.
async function createSnapshot(ref: ContainerRef, opts: SnapshotOptions, snaps: string, commentFile: string | undefined): Promise<SnapshotInfo> {
  const comment = commentFile === undefined ? undefined : readComment(commentFile)
  makeDir(snaps, 0o755, true)
  let index = 0
  while (entryType(join(snaps, `snap${index}`)) !== undefined) index++
  const name = `snap${index}`
  const overlay = isOverlay(loadConfigForCommand(ref, opts).config)
  const target = resolveContainer(name, snaps)
  await makeClone(ref, target, cloneOptions(opts, ref.name, name, overlay, true), () => [], {record: overlay, inPlace: false, hooks: true})
  writeNew(join(target.dir, 'ts'), localTimestamp(new Date()))
  if (comment !== undefined) writeNew(join(target.dir, 'comment'), comment)
  return snapshotInfo(snaps, name)
}

function readComment(path: string): string {
  try {
    return readTextFile(path)
  } catch (error) {
    throw new CtrError('CTR_COMMENT', `Failed to read the comment file ${path}: ${(error as Error).message}`, {hints: ['-c names a text file whose content is kept with the snapshot']})
  }
}

// strftime("%Y:%m:%d %H:%M:%S", localtime), as LXC writes `ts`.
function localTimestamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}:${p(d.getMonth() + 1)}:${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

function writeNew(path: string, text: string): void {
  let fd: number | undefined
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644)
    writeSync(fd, text)
  } catch (error) {
    throw new SysError('write', (error as NodeJS.ErrnoException).code ?? 'EIO', path, {cause: error})
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

function snapshotRef(ref: ContainerRef, snaps: string, snapshot: string): ContainerRef {
  const snap = resolveContainer(snapshot, snaps)
  if (entryType(snap.configPath) !== 'file') {
    throw new CtrError('CTR_NO_SNAPSHOT', `${ref.name} has no snapshot ${snapshot}`, {hints: [`List its snapshots with ctr snapshot -n ${ref.name} -L`]})
  }
  return snap
}

// lxccontainer.c do_lxcapi_snapshot_restore: over the container itself
// (everything but its snapshots is replaced; it must be stopped and have no
// clones), or as a new container. A restored container has its own name
// and hardware addresses (LXC keeps the snapshot's hostname and MACs for
// a new name too).
async function restoreSnapshot(ref: ContainerRef, opts: SnapshotOptions, snaps: string, snapshot: string, newname: string): Promise<{info: SnapshotInfo; to: string}> {
  const snap = snapshotRef(ref, snaps, snapshot)
  const inPlace = newname === ref.name
  if (inPlace) {
    if ((await queryStatus(ref)).running) {
      throw new CtrError('CTR_RUNNING', `${ref.name} is running`, {hints: [`Stop it first (ctr stop -n ${ref.name}), or restore to a new container with -N NEWNAME`]})
    }
    const clones = readCloneList(ref.dir, SNAPSHOTS_FILE)
    const count = clones.kind === 'count' ? clones.count : clones.entries.filter((e) => e.lxcpath !== snaps).length
    if (count > 0) {
      throw new CtrError('CTR_HAS_CLONES', `Restoring ${ref.name} failed: ${ref.name} has clones`, {hints: ['Its snapshot clones layer on its rootfs; restore to a new container with -N NEWNAME']})
    }
  }
  const overlay = isOverlay(loadConfigForCommand(snap, {...opts, name: snap.name, lxcpath: snaps, rcfile: undefined}).config)
  const target = resolveContainer(newname, ref.lxcpath)
  const copyOpts = {...cloneOptions(opts, snap.name, newname, overlay, inPlace), lxcpath: snaps, rcfile: undefined}
  await makeClone(snap, target, copyOpts, () => [], {record: false, inPlace, hooks: true})
  return {info: snapshotInfo(snaps, snapshot), to: newname}
}

// lxccontainer.c do_snapshot_destroy / snapshot_destroy_all: each snapshot
// is destroyed as the container it is (which takes it off the lists it is on).
async function destroySnapshots(ref: ContainerRef, opts: SnapshotOptions, snaps: string, which: string): Promise<SnapshotInfo[]> {
  const targets = which === 'ALL' ? listSnapshots(snaps) : [snapshotInfo(snaps, snapshotRef(ref, snaps, which).name)]
  const {run: destroy} = await import('./destroy.js')
  for (const s of targets) {
    await destroy({...opts, name: s.name, lxcpath: snaps, rcfile: undefined, force: false, snapshots: false})
  }
  try {
    rmdirSync(snaps)
  } catch {
    // not empty (something else is kept there), or already gone
  }
  return targets
}
