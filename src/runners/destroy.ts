// `ctr destroy` (lxc-destroy, lxccontainer.c container_destroy): refuse a
// running container unless -f (which kills it, as lxc-destroy -f's
// c->stop() does), then remove $lxcpath/NAME whole, under the container's
// create/destroy lock.
//
// Safer than LXC, on purpose: a rootfs outside the container directory
// (--dir, or an lxc.rootfs.path pointing elsewhere) is left in place and
// named in a notice, where LXC deletes it; the removal never follows a
// symlink and never enters another filesystem (sys/create-fs.ts removeTree),
// and a container directory that is a symlink, or has something mounted in
// it, is refused.

import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'

import type {DestroyOptions} from '../core/cli/destroy.js'
import {CtrError, SysError} from '../core/errors.js'
import type {CommandOutcome} from '../output.js'
import {loadConfigForCommand} from '../sys/config.js'
import {isDefined, queryStatus, resolveFromOptions, type ContainerRef} from '../sys/container.js'
import {createPartialMarker, entryType, isInside, mountsAtOrBelow, PARTIAL_MARKER, removePartialMarker, removeTree} from '../sys/create-fs.js'
import {lockContainer, type ContainerLock} from '../sys/create-lock.js'
import {cleanupRundir} from '../sys/tools.js'
import {RDEPENDS_FILE, readCloneList, SNAPSHOTS_FILE, updateOriginSnapshots} from '../sys/clone-fs.js'
import {cloneCount} from '../core/clone.js'
import {nameSuggestions} from '../sys/discover.js'
import {runStop} from './stop.js'
import {hookEnvironment, hookTimeout} from '../core/hook-plan.js'
import {runHooks} from '../sys/hooks.js'

export interface DestroyResult {
  name: string
  lxcpath: string
  /** The directory removed, $lxcpath/NAME. */
  path: string
  /** It was running and -f killed it first. */
  killed: boolean
  /** It was only partly created (an interrupted create). */
  partial: boolean
  /** Rootfs directories outside the container directory, left in place. */
  keptRootfs: string[]
  /** Files, links and directories removed. */
  removedEntries: number
  durationMs: number
}

/**
 * Destroys the container. Returns exit 0 with the result (notices name a
 * rootfs left in place). Throws CtrError, all exit 1 as lxc-destroy:
 * CTR_NOT_DEFINED, CTR_RUNNING (without -f), CTR_UNSAFE_PATH (the
 * directory is a symlink), CTR_MOUNTED, CTR_LOCKED, CTR_HAS_SNAPSHOTS, and
 * SysError when removing fails (what could be removed is gone; the partial
 * marker then keeps `start` away from the rest).
 */
export async function run(opts: DestroyOptions): Promise<CommandOutcome<DestroyResult>> {
  const started = Date.now()
  const ref = resolveFromOptions(opts)
  const type = entryType(ref.dir)
  if (type === 'symlink') {
    throw new CtrError('CTR_UNSAFE_PATH', `${ref.dir} is a symbolic link; ctr destroy removes only a real container directory`, {
      hints: [`If the link is all that should go, remove it with rm ${ref.dir}; ctr never deletes what a link points to`],
    })
  }
  const partial = type === 'dir' && existsSync(join(ref.dir, PARTIAL_MARKER))
  if (type !== 'dir' || (!isDefined(ref) && !partial)) throw notDefined(ref)
  if (opts.rcfile !== undefined && !existsSync(opts.rcfile)) {
    throw new CtrError('CTR_RCFILE', `Failed to load rcfile "${opts.rcfile}": no such file`)
  }
  // The container lock is the monitor's: while we hold it no monitor runs
  // or starts this container (docs/architecture.md §5).
  const {lock, killed: killedFirst} = await lockForDestroy(ref, opts)
  const notices: string[] = []
  try {
    if (opts.snapshots) await destroyClones(ref, opts, notices)
    checkSnapshots(ref, opts.snapshots)
    // Mark the container as going away before looking at its state: a
    // start that begins from now on refuses it (sys/config.ts).
    const marked = createPartialMarker(ref.dir, 'destroy')
    let killed = killedFirst
    try {
      // An init that outlived its monitor holds no lock: stop it here.
      killed = (await stopIfRunning(ref, opts)) || killed
      const mounts = mountsAtOrBelow(ref.dir)
      if (mounts.length > 0) {
        throw new CtrError('CTR_MOUNTED', `${ref.name}: ${mounts[0] ?? ''} is mounted; not removing ${ref.dir}`, {
          hints: [...mounts.slice(1).map((m) => `${m} is mounted too`), `Unmount it first (umount -R ${mounts[0] ?? ref.dir})`],
          details: {mounts},
        })
      }
      // lxc.hook.destroy, once the container is stopped; a failing hook
      // keeps the container (lxccontainer.c container_destroy).
      await runDestroyHooks(ref, opts)
    } catch (error) {
      if (marked) removePartialMarker(ref.dir)
      throw error
    }
    const keptRootfs = outsideRootfs(ref, opts, notices)
    // A snapshot clone leaves its origins' lists (lxccontainer.c mod_all_rdeps).
    const origins = readCloneList(ref.dir, RDEPENDS_FILE)
    lock.assertHeld()
    const removedEntries = await removeContainerDir(ref.dir)
    for (const origin of origins.kind === 'entries' ? origins.entries : []) {
      try {
        await updateOriginSnapshots(ref.runtimeBase, origin, {lxcpath: ref.lxcpath, name: ref.name}, false)
      } catch (error) {
        notices.push(`Could not remove ${ref.name} from ${origin.name}'s clone list ${join(origin.lxcpath, origin.name, SNAPSHOTS_FILE)}: ${(error as Error).message}`)
      }
    }
    for (const path of keptRootfs) {
      notices.push(`Left ${path} in place: it is ${ref.name}'s rootfs but lies outside ${ref.dir} (lxc-destroy would delete it)`)
    }
    return {
      exitCode: 0,
      result: {name: ref.name, lxcpath: ref.lxcpath, path: ref.dir, killed, partial, keptRootfs, removedEntries, durationMs: Date.now() - started},
      notices,
    }
  } finally {
    await lock.release()
    // A monitor killed long ago may have left its run dir; nothing else
    // will clean it now (cleanup takes the lock we just released).
    if (existsSync(ref.rundir)) {
      try {
        cleanupRundir(ref.rundir)
      } catch (error) {
        notices.push(`Could not clean up the run dir ${ref.rundir}: ${(error as Error).message}`)
      }
    }
  }
}

// The lock, when a running container's monitor holds it: -f stops the
// container (its monitor then lets go), without -f it is CTR_RUNNING. A
// start that wins the lock again in between is reported, not fought.
async function lockForDestroy(ref: ContainerRef, opts: DestroyOptions): Promise<{lock: ContainerLock; killed: boolean}> {
  let killed = false
  for (let attempt = 0; ; attempt++) {
    try {
      return {lock: await lockContainer(ref, 'destroy'), killed}
    } catch (error) {
      if ((error as {code?: string}).code !== 'CTR_LOCKED' || attempt >= 2) throw error
      if (!(await queryStatus(ref)).running) throw error
      killed = (await stopIfRunning(ref, opts)) || killed
    }
  }
}

function notDefined(ref: ContainerRef): CtrError {
  // lxc-destroy's message (it prints the name in its log prefix).
  return new CtrError('CTR_NOT_DEFINED', `${ref.name}: Container is not defined`, {
    hints: [`There is no ${ref.configPath}; the lxcpath is ${ref.lxcpath} (-P or $CTR_PATH to use another)`, ...nameSuggestions(ref.lxcpath, ref.name)],
  })
}

// lxc_destroy.c do_destroy: clones (lxc_snapshots) always refuse; snapshots
// (a non-empty snaps/) refuse without -s.
function checkSnapshots(ref: ContainerRef, withSnapshots: boolean): void {
  const clones = readCloneList(ref.dir, SNAPSHOTS_FILE)
  if (cloneCount(clones) > 0) {
    const names = clones.kind === 'entries' ? clones.entries.map((e) => e.name) : []
    throw new CtrError('CTR_HAS_CLONES', `Destroying ${ref.name} failed: ${ref.name} has clones`, {
      hints: [`${join(ref.dir, SNAPSHOTS_FILE)} lists the snapshot clones whose rootfs is ${ref.name}'s${names.length > 0 ? ` (${names.join(', ')})` : ''}; destroy those first`],
      details: {clones: names},
    })
  }
  let snaps: string[] = []
  try {
    snaps = readdirSync(join(ref.dir, 'snaps'))
  } catch {
    // no snaps directory
  }
  if (snaps.length > 0 && !withSnapshots) {
    throw new CtrError('CTR_HAS_SNAPSHOTS', `Destroying ${ref.name} failed: ${ref.name} has snapshots`, {
      hints: [`Give -s to destroy its snapshots (${join(ref.dir, 'snaps')}) with it`],
    })
  }
}

// lxc_destroy.c do_destroy_with_snapshots: -s destroys the snapshot clones
// first, not recursively (a clone with clones or snapshots of its own
// refuses). LXC 5.0.2 means to and fails ("has clones": it never reads the
// names); ctr does it.
async function destroyClones(ref: ContainerRef, opts: DestroyOptions, notices: string[]): Promise<void> {
  const clones = readCloneList(ref.dir, SNAPSHOTS_FILE)
  if (clones.kind !== 'entries') return
  for (const clone of clones.entries) {
    try {
      await run({...opts, name: clone.name, lxcpath: clone.lxcpath, rcfile: undefined, snapshots: false})
    } catch (error) {
      if ((error as CtrError).code !== 'CTR_NOT_DEFINED') throw error
      // Listed but gone (removed by hand): only the entry is left to remove.
      await updateOriginSnapshots(ref.runtimeBase, {lxcpath: ref.lxcpath, name: ref.name}, clone, false)
      continue
    }
    notices.push(`Destroyed ${ref.name}'s snapshot clone ${clone.name} (${clone.lxcpath})`)
  }
}

// lxc-destroy: a running container is an error ("NAME is running", exit 1)
// unless -f, which stops it hard. Returns whether it was killed.
async function stopIfRunning(ref: ContainerRef, opts: DestroyOptions): Promise<boolean> {
  const status = await queryStatus(ref)
  if (!status.running) return false
  if (!opts.force) {
    throw new CtrError('CTR_RUNNING', `${ref.name} is running`, {
      hints: [`Stop it first (ctr stop -n ${ref.name}), or give -f to kill it and destroy it`],
    })
  }
  try {
    await runStop({
      name: ref.name, lxcpath: ref.lxcpath, logfile: opts.logfile, logpriority: opts.logpriority, quiet: opts.quiet, rcfile: undefined, json: opts.json,
      reboot: false, nowait: false, timeout: undefined, kill: true, nokill: false, nolock: false,
    })
  } catch (error) {
    // Stopped by itself meanwhile: just as good.
    if ((error as {code?: string}).code !== 'CTR_NOT_RUNNING') throw error
  }
  return true
}

// The rootfs directories the config names that lie outside the container
// directory: kept. A config that cannot be read only costs this notice;
// nothing outside the directory is removed either way.
function outsideRootfs(ref: ContainerRef, opts: DestroyOptions, notices: string[]): string[] {
  let parts: string[]
  try {
    const rootfs = loadConfigForCommand(ref, opts).config?.rootfs
    // An overlay's lower layers are another container's (a snapshot clone's
    // origin): only its upper layer is this container's.
    parts = rootfs === undefined ? [] : rootfs.type === 'overlay' || rootfs.type === 'overlayfs' ? rootfs.parts.slice(-1) : rootfs.parts
  } catch (error) {
    notices.push(`Could not read ${ref.name}'s config (${(error as Error).message}); any rootfs outside ${ref.dir} is left in place`)
    return []
  }
  return parts.filter((part) => part !== '' && !isInside(part, ref.dir))
}

// LXC's environment for destroy hooks: LXC_NAME, LXC_CONFIG_FILE,
// LXC_ROOTFS_MOUNT, LXC_ROOTFS_PATH, LXC_CONSOLE, LXC_CONSOLE_LOGPATH.
async function runDestroyHooks(ref: ContainerRef, opts: DestroyOptions): Promise<void> {
  let loaded
  try {
    loaded = loadConfigForCommand(ref, opts)
  } catch {
    return // a partial container without a readable config has no hooks to run
  }
  const config = loaded.config
  if (!config || config.hooks.destroy.length === 0) return
  await runHooks({
    name: ref.name,
    type: 'destroy',
    scripts: config.hooks.destroy,
    version: config.hookVersion,
    env: hookEnvironment({name: ref.name, configFile: loaded.file, rootfsMount: config.rootfs.mount ?? config.rootfs.path, config, callerEnv: process.env}),
    timeoutS: hookTimeout(process.env.CTR_HOOK_TIMEOUT),
  })
}

// The monitor of a container just killed may still be writing its
// last-exit record into the directory: an ENOTEMPTY on the final rmdir
// means one more pass.
async function removeContainerDir(dir: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await removeTree(dir)).removed
    } catch (error) {
      if (!(error instanceof SysError) || error.errno !== 'ENOTEMPTY' || attempt >= 2) throw error
    }
  }
}
