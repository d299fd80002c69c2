// `ctr copy` (lxc-copy, lxccontainer.c do_lxcapi_clone and do_lxcapi_rename):
// a full copy, an overlay snapshot clone, a rename in place, or an
// ephemeral snapshot clone that is started and destroyed when it stops
// (runners/copy-ephemeral.ts). The clone records are LXC's
// (docs/lxc-contract.md §15), so LXC and ctr see each other's clones.
//
// Safety, as in ctr create and destroy: the new container directory is made
// under the new container's lock with a `partial` marker that is removed
// last, so an interrupted copy is never started; a failed copy removes what
// it made. The source is held by its own lock while it is copied (no start
// can begin meanwhile) unless it is running and -a allows that.

import {existsSync, lstatSync, readdirSync, renameSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {randomInt} from 'node:crypto'

import type {CopyOptions} from '../core/cli/copy.js'
import {cloneConfigText, isBelow, movedRootfsPath, renameConfigText, type ContainerId} from '../core/clone.js'
import type {ContainerConfig} from '../core/config/index.js'
import {CtrError, SysError} from '../core/errors.js'
import type {CommandOutcome} from '../output.js'
import {
  appendCloneEntry,
  copyFile,
  copyTree,
  makeDir,
  makeOverlayDirs,
  RDEPENDS_FILE,
  readCloneList,
  SNAPSHOTS_FILE,
  updateOriginSnapshots,
  writeHostname,
} from '../sys/clone-fs.js'
import {hookEnvironment, hookTimeout} from '../core/hook-plan.js'
import {overlayMountData, overlayWorkdir} from '../core/start-plan.js'
import {loadContainerConfig} from '../sys/config-loader.js'
import {loadConfigForCommand} from '../sys/config.js'
import {runHooks} from '../sys/hooks.js'
import {isDefined, queryStatus, resolveContainer, resolveFromOptions, type ContainerRef} from '../sys/container.js'
import {createPartialMarker, entryType, PARTIAL_MARKER, removePartialMarker, removeTree, writeFileAtomic} from '../sys/create-fs.js'
import {lockContainer, type ContainerLock} from '../sys/create-lock.js'
import {nameSuggestions} from '../sys/discover.js'
import {readTextFile} from '../sys/read-text.js'
import {cleanupRundir} from '../sys/tools.js'

export interface CopyResult {
  /** The source container. */
  name: string
  lxcpath: string
  /** The new container (after -R: the new name of the same container). */
  newname: string
  newlxcpath: string
  /** The new container directory. */
  path: string
  kind: 'copy' | 'snapshot' | 'rename' | 'ephemeral'
  /** The new lxc.rootfs.path value. */
  rootfs: string
  /** Hardware addresses replaced: [{old, new}]. */
  hwaddrs: Array<{old: string; new: string}>
  /** /etc/hostname in the new rootfs was rewritten. */
  hostname: boolean
  /** -e: the clone was started; its init pid, and whether it is destroyed when it stops. */
  started: boolean
  initPid: number | null
  ephemeral: boolean
  /** -e -F with a command, or -e -F: the clone's exit status; null otherwise. */
  exitStatus: number | null
  durationMs: number
}

// lxc-create and LXC's clone make the container directory 0770 and ctr
// writes the config 0640 (runners/create.ts).
const CONTAINER_DIR_MODE = 0o770
const CONFIG_MODE = 0o640

/**
 * Runs `ctr copy`. Returns exit 0 with the result. Throws CtrError, exit 1
 * as lxc-copy: CTR_NOT_DEFINED, CTR_RUNNING (without -a), CTR_EXISTS,
 * CTR_LOCKED, CTR_NO_ROOTFS, CTR_NOT_SUPPORTED, CTR_HAS_CLONES and
 * CTR_HAS_SNAPSHOTS (-R), CTR_COPY and SysError (after removing what it made).
 */
export async function run(opts: CopyOptions): Promise<CommandOutcome<CopyResult>> {
  const started = Date.now()
  const source = resolveFromOptions(opts)
  if (!isDefined(source) || existsSync(join(source.dir, PARTIAL_MARKER))) throw notDefined(source)
  if (opts.rename) return renameContainer(source, opts, started)
  if (opts.ephemeral) {
    const {runEphemeral} = await import('./copy-ephemeral.js')
    return runEphemeral(source, opts, started)
  }
  const target = resolveContainer(opts.newname as string, opts.newpath ?? source.lxcpath)
  const made = await makeClone(source, target, opts, () => [])
  return {exitCode: 0, result: {...made.result, durationMs: Date.now() - started}, notices: made.notices}
}

function notDefined(ref: ContainerRef): CtrError {
  // lxc_copy.c: "Container %s is not defined".
  return new CtrError('CTR_NOT_DEFINED', `Container ${ref.name} is not defined`, {
    hints: [`There is no ${ref.configPath}; the lxcpath is ${ref.lxcpath} (-P or $CTR_PATH to use another)`, ...nameSuggestions(ref.lxcpath, ref.name)],
  })
}

function exists(target: ContainerRef): CtrError {
  return new CtrError('CTR_EXISTS', `Container ${target.name} already exists`, {
    hints: [`${target.dir} exists; choose another name, or remove it with ctr destroy -n ${target.name}`],
    details: {name: target.name, path: target.dir},
  })
}

/**
 * record: list the clone in the source's lxc_snapshots (LXC's snapshot
 * clones); inPlace: the target directory exists and everything in it but
 * snaps/ and lxc_rdepends is replaced (a snapshot restored over its container).
 */
export interface CloneMode {
  record: boolean
  inPlace: boolean
  /** Run the clone's lxc.hook.clone scripts (LXC runs them for snapshots and restores too). */
  hooks?: boolean
}

export interface MadeClone {
  result: Omit<CopyResult, 'durationMs'>
  notices: string[]
  target: ContainerRef
}

/**
 * Makes the clone `target` of `source` (a full copy, or with opts.snapshot
 * an overlay snapshot clone), its config ending with `append`. Takes the
 * source's lock while it copies (unless it is running and -a), and the
 * target's. Exported for the ephemeral path.
 */
export async function makeClone(
  source: ContainerRef,
  target: ContainerRef,
  opts: CopyOptions,
  append: (dir: string) => Array<{key: string; value: string}>,
  mode: CloneMode = {record: opts.snapshot, inPlace: false, hooks: true},
): Promise<MadeClone> {
  if (!mode.inPlace && entryType(target.dir) !== undefined) throw exists(target)
  const sourceLock = await lockSource(source, opts.allowRunning)
  try {
    const loaded = loadConfigForCommand(source, opts)
    const config = loaded.config as ContainerConfig
    const text = readTextFile(loaded.file ?? source.configPath)
    const targetLock = await lockContainer(target, 'copy')
    try {
      const clone = new Clone(source, target, targetLock, mode)
      try {
        return await clone.make(config, text, opts, append)
      } catch (error) {
        throw await clone.rollback(error)
      }
    } finally {
      await targetLock.release()
    }
  } finally {
    await sourceLock?.release()
  }
}

// The source's lock keeps a start away while its rootfs is read. A running
// source is refused without -a (lxccontainer.c: "Original container (%s)
// is running"); with -a it is copied as it is, without its lock (its
// monitor holds it).
async function lockSource(source: ContainerRef, allowRunning: boolean): Promise<ContainerLock | undefined> {
  try {
    return await lockContainer(source, 'copy')
  } catch (error) {
    if ((error as CtrError).code !== 'CTR_LOCKED' || !(await queryStatus(source)).running) throw error
    if (allowRunning) return undefined
    throw new CtrError('CTR_RUNNING', `Original container (${source.name}) is running`, {
      hints: [`Stop it first (ctr stop -n ${source.name}), or give -a to copy it while it runs`],
    })
  }
}

function idOf(ref: ContainerRef): ContainerId {
  return {lxcpath: ref.lxcpath, name: ref.name}
}

// Where the source's root filesystem is: a directory, or overlay layers
// (a snapshot clone's own rootfs).
interface SourceRootfs {
  kind: 'dir' | 'overlay'
  /** dir: [path]; overlay: the lower layers then the upper dir. */
  parts: string[]
}

function sourceRootfs(source: ContainerRef, config: ContainerConfig): SourceRootfs {
  const r = config.rootfs
  if (r.path === undefined || r.parts.length === 0) {
    throw new CtrError('CTR_NO_ROOTFS', `${source.name} has no lxc.rootfs.path: it runs on the host's root, which ctr copy does not copy`, {
      hints: ['Give the container a root filesystem of its own (lxc.rootfs.path) first'],
    })
  }
  if (r.type === 'dir' || r.type === 'detected') return {kind: 'dir', parts: [r.path]}
  if (r.type === 'overlay' || r.type === 'overlayfs') return {kind: 'overlay', parts: r.parts}
  throw new CtrError('CTR_NOT_SUPPORTED', `${source.name}'s rootfs is a ${r.type} root filesystem; ctr copies directories and overlays only`)
}

// One clone being made: what to remove if it fails.
class Clone {
  private createdDir = false
  private addedToOrigin = false

  constructor(
    private readonly source: ContainerRef,
    private readonly target: ContainerRef,
    private readonly lock: ContainerLock,
    private readonly mode: CloneMode,
  ) {}

  async make(config: ContainerConfig, text: string, opts: CopyOptions, append: (dir: string) => Array<{key: string; value: string}>): Promise<MadeClone> {
    const {source, target} = this
    const rootfs = sourceRootfs(source, config)
    if (rootfs.kind === 'overlay' && !opts.snapshot) {
      throw new CtrError('CTR_NOT_SUPPORTED', `${source.name} is an overlay snapshot clone; ctr copies it only as another snapshot clone`, {
        hints: [`Give -s: ctr copy -n ${source.name} -N ${target.name} -s`],
      })
    }
    if (this.mode.inPlace) await this.emptyContainerDir()
    else this.makeContainerDir()
    const notices: string[] = []
    let rootfsPath: string
    let hostnameLayers: {read: string[]; write: string}
    if (opts.snapshot) {
      // overlay.c ovl_clonepaths: a dir source becomes the lower layer; an
      // overlay source's lowers are kept and its upper layer is copied.
      const upper = makeOverlayDirs(target.dir)
      const lowers = rootfs.kind === 'dir' ? rootfs.parts : rootfs.parts.slice(0, -1)
      if (rootfs.kind === 'overlay') {
        await removeTree(upper)
        await copyTree(rootfs.parts.at(-1) as string, upper)
      }
      rootfsPath = `overlay:${[...lowers, upper].join(':')}`
      hostnameLayers = {read: [upper, ...lowers], write: upper}
    } else {
      const dest = join(target.dir, 'rootfs')
      await copyTree(rootfs.parts[0] as string, dest)
      rootfsPath = `dir:${dest}`
      hostnameLayers = {read: [dest], write: dest}
    }
    const fstab = this.copyFstab(config)
    const rewritten = cloneConfigText({
      text, from: idOf(source), to: idOf(target), rootfsPath, keepName: opts.keepName, keepMac: opts.keepMac,
      fstab, append: append(target.dir), randomByte: () => randomInt(256),
    })
    for (const [from, to] of rewritten.hookCopies) if (existsSync(from)) copyFile(from, to)
    writeFileAtomic(target.configPath, rewritten.text, CONFIG_MODE)
    // lxccontainer.c clone_update_rootfs: the clone hooks first, then the
    // hostname (so a hook sees the source's /etc/hostname, and one that
    // writes it is overridden unless -K), as LXC does.
    if (this.mode.hooks && config.hooks.clone.length > 0) await this.runCloneHooks(opts, rootfsPath, hostnameLayers)
    let hostname = false
    if (!opts.keepName) {
      const layer = hostnameLayers.read.find((dir) => entryType(join(dir, 'etc', 'hostname')) !== undefined)
      if (layer !== undefined) hostname = writeHostname(layer, hostnameLayers.write, target.name)
    }
    if (this.mode.record) {
      appendCloneEntry(target.dir, RDEPENDS_FILE, idOf(source))
      this.lock.assertHeld()
      await updateOriginSnapshots(target.runtimeBase, idOf(source), idOf(target), true)
      this.addedToOrigin = true
    }
    this.lock.assertHeld()
    removePartialMarker(target.dir)
    const result: Omit<CopyResult, 'durationMs'> = {
      name: source.name, lxcpath: source.lxcpath, newname: target.name, newlxcpath: target.lxcpath, path: target.dir,
      kind: opts.ephemeral ? 'ephemeral' : opts.snapshot ? 'snapshot' : 'copy', rootfs: rootfsPath,
      hwaddrs: rewritten.hwaddrs.map(([o, n]) => ({old: o, new: n})), hostname, started: false, initPid: null, ephemeral: false, exitStatus: null,
    }
    return {result, notices, target}
  }

  // lxccontainer.c clone_update_rootfs: the new container's clone hooks,
  // with its name, LXC_SRC_NAME and the words after -- (not with -e,
  // where they are the command). LXC_ROOTFS_PATH is the new config's
  // lxc.rootfs.path as written (`dir:...`, `overlay:...`), and
  // LXC_ROOTFS_MOUNT the new rootfs: a copy's directory, or for an overlay
  // clone the overlay itself, mounted on the clone's rootfs directory in a
  // private mount namespace of each hook (LXC mounts it in a namespace of
  // its own too), so that a hook sees the whole tree and its writes land in
  // the upper layer. A failing hook fails the copy, which removes the clone.
  private async runCloneHooks(opts: CopyOptions, rootfsPath: string, layers: {read: string[]; write: string}): Promise<void> {
    const {target, source} = this
    const {config} = loadContainerConfig({files: target.configPath})
    if (config.hooks.clone.length === 0) return
    const overlay = layers.read.length > 1 ? {target: join(target.dir, 'rootfs'), data: overlayMountData(layers.read.slice(1), layers.write)} : undefined
    if (overlay) makeDir(overlayWorkdir(layers.write), 0o755, true)
    const rootfsMount = overlay?.target ?? layers.write
    await runHooks({
      name: target.name,
      type: 'clone',
      scripts: config.hooks.clone,
      version: config.hookVersion,
      env: hookEnvironment({name: target.name, configFile: target.configPath, rootfsMount, config, callerEnv: process.env}, [['LXC_SRC_NAME', source.name], ['LXC_ROOTFS_PATH', rootfsPath]]),
      args: opts.ephemeral ? [] : opts.args,
      timeoutS: hookTimeout(process.env.CTR_HOOK_TIMEOUT),
      ...(overlay ? {overlay} : {}),
    })
  }

  // lxc.mount.fstab inside the source's directory is copied beside the new
  // config (LXC's copy_fstab); one elsewhere is shared, as in LXC.
  private copyFstab(config: ContainerConfig): string | undefined {
    const fstab = config.mountFstab
    if (fstab === undefined || !isBelow(fstab, this.source.dir) || !existsSync(fstab)) return undefined
    const moved = `${this.target.dir}${fstab.slice(this.source.dir.length)}`
    copyFile(fstab, moved)
    return moved
  }

  private makeContainerDir(): void {
    const {target} = this
    if (entryType(target.dir) !== undefined) throw exists(target)
    makeDir(target.lxcpath, 0o755, true)
    makeDir(target.dir, CONTAINER_DIR_MODE)
    this.createdDir = true
    createPartialMarker(target.dir, 'copy')
  }

  // In place: the container is marked partial, then everything of it but
  // its snapshots and its own clone record goes.
  private async emptyContainerDir(): Promise<void> {
    const {target} = this
    if (!createPartialMarker(target.dir, 'restore')) throw new CtrError('CTR_EXISTS', `${target.name} is only partly created; remove it with ctr destroy -n ${target.name} first`)
    for (const entry of readdirSync(target.dir)) {
      if (entry === 'snaps' || entry === RDEPENDS_FILE || entry === PARTIAL_MARKER) continue
      const path = join(target.dir, entry)
      if (entryType(path) === 'dir') await removeTree(path)
      else rmSync(path, {force: true})
    }
  }

  /** Removes what this copy made; returns the error to throw. */
  async rollback(error: unknown): Promise<unknown> {
    if (this.mode.inPlace) {
      // What was there is gone: the partial marker keeps start away from what is left.
      return error instanceof CtrError
        ? new CtrError(error.code, error.message, {exitCode: error.exitCode, cause: error, hints: [...error.hints, `${this.target.name} is left partly restored (${join(this.target.dir, PARTIAL_MARKER)}); restore it again, or destroy it`]})
        : error
    }
    try {
      if (this.addedToOrigin) await updateOriginSnapshots(this.target.runtimeBase, idOf(this.source), idOf(this.target), false)
      if (this.createdDir) await removeTree(this.target.dir)
    } catch (cleanup) {
      if (error instanceof CtrError) {
        return new CtrError(error.code, error.message, {
          exitCode: error.exitCode,
          hints: [...error.hints, `Cleaning up failed too (${(cleanup as Error).message}); remove what is left with ctr destroy -n ${this.target.name}`],
          cause: error,
        })
      }
    }
    return error
  }
}

// ---------------------------------------------------------------------------
// -R: rename in place (lxccontainer.c do_lxcapi_rename: LXC clones and
// destroys; ctr renames the directory, which keeps every file as it is).

async function renameContainer(source: ContainerRef, opts: CopyOptions, started: number): Promise<CommandOutcome<CopyResult>> {
  const target = resolveContainer(opts.newname as string, source.lxcpath)
  if (target.name === source.name) {
    throw new CtrError('CTR_EXISTS', `Container ${target.name} already exists`, {hints: ['-R needs a new name']})
  }
  const sourceLock = await lockSource(source, false)
  if (sourceLock === undefined) throw new Error('unreachable: -R never allows a running source')
  let moved = false
  try {
    const targetLock = await lockContainer(target, 'copy')
    try {
      checkRenamable(source, target)
      const loaded = loadConfigForCommand(source, {...opts, rcfile: undefined})
      const config = loaded.config as ContainerConfig
      const text = readTextFile(source.configPath)
      if (!createPartialMarker(source.dir, 'copy')) throw notDefined(source)
      try {
        sourceLock.assertHeld()
        targetLock.assertHeld()
        renameSync(source.dir, target.dir)
      } catch (error) {
        removePartialMarker(source.dir)
        throw new SysError('rename', (error as NodeJS.ErrnoException).code ?? 'EIO', `${source.dir} to ${target.dir}`, {cause: error})
      }
      moved = true
      const raw = config.rootfs.path
      const movedRootfs = raw === undefined ? undefined : movedRootfsPath(config.rootfs.raw ?? raw, source.dir, target.dir)
      writeFileAtomic(target.configPath, renameConfigText(text, idOf(source), idOf(target), movedRootfs), CONFIG_MODE)
      const hostname = renameHostname(config, source, target)
      // A renamed clone is listed under its new name by its origins.
      const rdepends = readCloneList(target.dir, RDEPENDS_FILE)
      const origins = rdepends.kind === 'entries' ? rdepends.entries : []
      if (origins.length > 0) {
        const list = origins.map((o) => `${o.lxcpath}\n${o.name}\n`).join('')
        writeFileAtomic(join(target.dir, RDEPENDS_FILE), list, 0o644)
        for (const origin of origins) {
          await updateOriginSnapshots(target.runtimeBase, origin, idOf(source), false)
          await updateOriginSnapshots(target.runtimeBase, origin, idOf(target), true)
        }
      }
      removePartialMarker(target.dir)
      const rootfs = loadConfigForCommand(target, {...opts, name: target.name, rcfile: undefined}).config?.rootfs.raw ?? ''
      return {
        exitCode: 0,
        result: {
          name: source.name, lxcpath: source.lxcpath, newname: target.name, newlxcpath: target.lxcpath, path: target.dir, kind: 'rename', rootfs,
          hwaddrs: [], hostname, started: false, initPid: null, ephemeral: false, exitStatus: null, durationMs: Date.now() - started,
        },
      }
    } finally {
      await targetLock.release()
    }
  } catch (error) {
    if (moved && existsSync(join(target.dir, PARTIAL_MARKER))) {
      throw new CtrError('CTR_RENAME', `Renaming ${source.name} to ${target.name} failed halfway: ${(error as Error).message}`, {
        hints: [`${target.dir} holds the container, marked partial; check its config, then remove ${join(target.dir, PARTIAL_MARKER)}`],
        cause: error,
      })
    }
    throw error
  } finally {
    await sourceLock.release()
    // The old name's run dir (the lock just released) is left over.
    if (existsSync(source.rundir)) {
      try {
        cleanupRundir(source.rundir)
      } catch {
        // A start of the old name that raced us holds it: nothing to remove.
      }
    }
  }
}

function checkRenamable(source: ContainerRef, target: ContainerRef): void {
  if (entryType(target.dir) !== undefined) {
    throw new CtrError('CTR_EXISTS', `Container ${target.name} already exists`, {hints: [`${target.dir} exists; choose another name`]})
  }
  const clones = readCloneList(source.dir, SNAPSHOTS_FILE)
  if ((clones.kind === 'count' && clones.count > 0) || (clones.kind === 'entries' && clones.entries.length > 0)) {
    // LXC's rename is a clone plus a destroy, and the destroy refuses.
    throw new CtrError('CTR_HAS_CLONES', `Renaming ${source.name} failed: ${source.name} has clones`, {
      hints: [`${join(source.dir, SNAPSHOTS_FILE)} lists snapshot clones whose rootfs is ${source.name}'s; destroy them first`],
    })
  }
  let snaps: string[] = []
  try {
    snaps = readdirSync(join(source.dir, 'snaps'))
  } catch {
    // no snaps directory
  }
  if (snaps.length > 0) {
    throw new CtrError('CTR_HAS_SNAPSHOTS', `Renaming ${source.name} failed: ${source.name} has snapshots`, {
      hints: [`Its snapshots in ${join(source.dir, 'snaps')} name its directory; restore or destroy them first`],
    })
  }
}

// The renamed container's /etc/hostname, as LXC's clone writes it: in a
// directory rootfs, or an overlay's upper layer (now in the new directory).
function renameHostname(config: ContainerConfig, source: ContainerRef, target: ContainerRef): boolean {
  const parts = config.rootfs.parts.map((p) => (isBelow(p, source.dir) ? `${target.dir}${p.slice(source.dir.length)}` : p))
  const type = config.rootfs.type
  if (parts.length === 0) return false
  const write = type === 'overlay' || type === 'overlayfs' ? (parts.at(-1) as string) : (parts[0] as string)
  const read = type === 'overlay' || type === 'overlayfs' ? [write, ...parts.slice(0, -1)] : [write]
  const layer = read.find((dir) => {
    try {
      return lstatSync(join(dir, 'etc', 'hostname')) !== undefined
    } catch {
      return false
    }
  })
  return layer === undefined ? false : writeHostname(layer, write, target.name)
}
