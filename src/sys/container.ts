// Locating a container (lxcpath, config, run dir) and reading its runtime
// status from its monitor.

import {accessSync, constants as fsConstants, existsSync, readFileSync, realpathSync, statSync} from 'node:fs'
import {basename, dirname, join, resolve as resolvePath} from 'node:path'

import {globalConfigValue} from '../core/config/global.js'
import {CtrError} from '../core/errors.js'
import type {CommonOptions} from '../core/options.js'
import {containerConfigPath, containerDir, globalConfigPath, lastExitPath, resolveLxcpath, runtimeBase, runtimeDir, type PathContext} from '../core/paths.js'
import type {State} from '../core/state.js'
import {os} from './builtins.js'
import {assertTrustedDir} from './rundir-trust.js'
import {readErrno, readFailure, readTextFile} from './read-text.js'
import {isOwnRundir, readStateFile, statusFromStateFile, type RuntimeStatus} from './state-file.js'

export interface ContainerRef {
  name: string
  lxcpath: string
  /** $lxcpath/<name> */
  dir: string
  /** $lxcpath/<name>/config */
  configPath: string
  runtimeBase: string
  rundir: string
  ctx: PathContext
}

export function pathContext(env: NodeJS.ProcessEnv = process.env): PathContext {
  // The home directory only when a path needs it (a user's default
  // lxcpath): loading node:os costs ~0.5 ms of every `ctr info` as root.
  let home: string | undefined
  let known = false
  return {
    uid: process.geteuid?.() ?? 0,
    get home(): string | undefined {
      if (!known) {
        known = true
        try {
          home = os().homedir()
        } catch {
          home = env.HOME
        }
      }
      return home
    },
    env,
  }
}

/** Resolves where a container lives. Reads the global config only when -P and $CTR_PATH are both absent. */
export function resolveContainer(name: string, lxcpathFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): ContainerRef {
  const ctx = pathContext(env)
  const fromGlobal = lxcpathFlag === undefined && !env.CTR_PATH ? readGlobalValue(globalConfigPath(ctx), 'lxc.lxcpath') : undefined
  const lxcpath = canonicalLxcpath(resolveLxcpath(ctx, lxcpathFlag, fromGlobal))
  const base = runtimeBase(ctx)
  return {
    name,
    lxcpath,
    dir: containerDir(lxcpath, name),
    configPath: containerConfigPath(lxcpath, name),
    runtimeBase: base,
    rundir: runtimeDir(base, lxcpath, name),
    ctx,
  }
}

/**
 * The one spelling of an lxcpath, fixed once at the edge: absolute, without
 * `.`, `..`, repeated slashes or symbolic links, so that `-P /var/lib//ctr`,
 * `-P ./ctr` and a link to the directory all name the same containers (the
 * run dir and its lock are keyed by this string, docs/architecture.md). A
 * path that does not exist yet (ctr create makes it) keeps its missing tail
 * under its nearest existing ancestor's real path. Throws CTR_LXCPATH when
 * the path exists and is not a directory.
 */
export function canonicalLxcpath(path: string): string {
  const absolute = resolvePath(path)
  let missing = ''
  let existing = absolute
  for (;;) {
    try {
      const real = realpathSync(existing)
      if (missing === '' && !statSync(real).isDirectory()) {
        throw new CtrError('CTR_LXCPATH', `The lxcpath "${path}" is not a directory`, {hints: ['-P/--lxcpath, $CTR_PATH and lxc.lxcpath name the directory that holds the containers']})
      }
      return missing === '' ? real : join(real, missing)
    } catch (error) {
      if (error instanceof CtrError) throw error
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOTDIR') {
        throw new CtrError('CTR_LXCPATH', `The lxcpath "${path}" is not a directory: ${existing} is a file`, {hints: ['-P/--lxcpath, $CTR_PATH and lxc.lxcpath name the directory that holds the containers']})
      }
      // Not there yet, or not ours to resolve (EACCES): keep the rest as written.
      if (code !== 'ENOENT' || existing === '/') return absolute
      missing = missing === '' ? basename(existing) : join(basename(existing), missing)
      existing = dirname(existing)
    }
  }
}

export function resolveFromOptions(opts: CommonOptions): ContainerRef {
  return resolveContainer(opts.name, opts.lxcpath)
}

export interface LastExit {
  /** halted: the guest halted or powered off (reboot(2) in its pid namespace): status 0, as LXC records it. */
  reason: 'exited' | 'killed' | 'halted' | 'start-failed' | string
  /** WEXITSTATUS, or 128 + the signal; -1 if init never ran. */
  exitStatus: number
  /** null when init was killed by a signal. */
  exitCode: number | null
  /** null when init exited by itself. */
  signal: number | null
  initPid: number
  startedAt: number
  stoppedAt: number
  oomKills: number
  failedStep?: string
  errno?: number
}

export type {RuntimeStatus} from './state-file.js'

/**
 * The container's live state: from its state.json while the monitor that
 * wrote it is alive (no socket round trip), else STOPPED unless init
 * outlived it; from the monitor's socket only when the file cannot tell.
 */
export async function queryStatus(ref: ContainerRef): Promise<RuntimeStatus> {
  if (rundirMissing(ref.rundir)) return {state: 'STOPPED', running: false}
  assertRundirAccess(ref)
  const file = readStateFile(ref.rundir)
  if (file !== undefined && isOwnRundir(ref.rundir, file)) {
    const status = statusFromStateFile(file)
    if (status === undefined) return {state: 'STOPPED', running: false}
    if (status !== 'ask') return status
  } else if (!existsSync(`${ref.rundir}/command.sock`)) {
    return {state: 'STOPPED', running: false}
  }
  return askMonitor(ref)
}

// A stopped container has no run dir (its monitor removes it,
// docs/architecture.md): a stat that returns nothing for ENOENT says so
// without the two exceptions the access check and the state file's read
// would throw, ~30-80 µs of every start in a fleet (issue 13 item 3). Any
// other error (EACCES) is left to assertRundirAccess, as before.
function rundirMissing(rundir: string): boolean {
  try {
    return statSync(rundir, {throwIfNoEntry: false}) === undefined
  } catch {
    return false
  }
}

// A run dir we may not enter (another user's container: mode 0700) must not
// read as "stopped": LXC says "Insufficent privileges to control", exit 1.
// One that someone else could have planted is refused (rundir-trust.ts).
function assertRundirAccess(ref: ContainerRef): void {
  try {
    accessSync(ref.rundir, fsConstants.X_OK)
    assertTrustedDir(ref.rundir)
  } catch (error) {
    if (error instanceof CtrError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return
    throw new CtrError(code === 'EACCES' ? 'CTR_PERMISSION' : 'CTR_MONITOR_IO', `Insufficient privileges to control ${ref.name}: ${ref.rundir}: ${code ?? 'EIO'}`, {
      hints: ['The container belongs to another user; run ctr as that user or as root'],
      cause: error,
    })
  }
}

async function askMonitor(ref: ContainerRef): Promise<RuntimeStatus> {
  const {connectMonitor} = await import('./monitor-client.js')
  const conn = await connectMonitor(ref.rundir)
  if (!conn) return {state: 'STOPPED', running: false}
  try {
    const info = parseInfoReply(await conn.request('info'))
    const state = (info.state ?? 'STOPPED') as State
    const status: RuntimeStatus = {state, running: state !== 'STOPPED'}
    if (info.pid) status.initPid = Number(info.pid)
    if (info.starttime) status.initStartTime = Number(info.starttime)
    if (info.monitor) status.monitorPid = Number(info.monitor)
    if (info.started && info.started !== '0') status.startedAt = Number(info.started)
    if (info.oom) status.oomKills = Number(info.oom)
    return status
  } catch (error) {
    if ((error as {code?: string}).code === 'CTR_MONITOR_GONE') return {state: 'STOPPED', running: false}
    throw error
  } finally {
    conn.close()
  }
}

/** `key=value key=value` from the monitor's info reply. */
export function parseInfoReply(reply: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  for (const pair of reply.split(' ')) {
    const eq = pair.indexOf('=')
    if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return out
}

/** The record of the container's last stop, if it is defined and has stopped before. */
export function readLastExit(ref: ContainerRef): LastExit | undefined {
  try {
    return JSON.parse(readFileSync(lastExitPath(ref.lxcpath, ref.name), 'utf8')) as LastExit
  } catch {
    return undefined
  }
}

/** A container is defined when its config file exists (LXC's is_defined). */
export function isDefined(ref: ContainerRef): boolean {
  return existsSync(ref.configPath)
}

/** A value from the global config file (ctr.conf), read as LXC reads lxc.conf; undefined if absent. */
export function readGlobalValue(path: string, key: string): string | undefined {
  let text: string
  try {
    text = readTextFile(path)
  } catch (error) {
    const code = readErrno(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new CtrError('CTR_GLOBAL_CONFIG', `Failed to read the global config "${path}": ${readFailure(error)}`, {cause: error})
  }
  return globalConfigValue(text, key)
}
