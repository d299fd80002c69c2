// Finding the containers of an lxcpath: the defined ones (a directory with a
// config file, as LXC's list_defined_containers) and the running ones (a run
// dir whose state.json names this lxcpath, volatile containers included),
// with each running container's live state.
//
// The state comes from state.json, checked against /proc, not from a socket
// round trip per container: the monitor rewrites state.json atomically on
// every change before it tells anyone, so while the monitor that wrote it is
// alive (its pid and /proc start time match) the file is the monitor's
// current state. A run dir whose monitor is dead is a stopped container,
// unless its init survived (lxc.monitor.signal.pdeath = 0), exactly as
// queryStatus/orphanStatus decide. Reading a file cannot hang, so a hung
// monitor does not hang `ctr ls` (lxc/lxc#3254). A stopped container has no
// run dir, so it costs nothing beyond its config directory.

import {readdirSync, readFileSync, existsSync} from 'node:fs'
import {basename, dirname} from 'node:path'

import {SysError} from '../core/errors.js'
import {isValidName} from '../core/names.js'
import {containerConfigPath, containerDir, fnv1a64} from '../core/paths.js'
import {isState, type State} from '../core/state.js'
import {pathContext, queryStatus, type ContainerRef} from './container.js'
import {isSameProcessAlive} from './proc.js'

/** state.json as the monitor writes it (native/state.c, ctr_state_write). */
export interface StateFile {
  state: State
  name: string
  lxcpath: string
  monitorPid: number
  monitorStartTime: number
  initPid: number
  initStartTime: number
  /** When init was exec'd (ms since the epoch), 0 before. */
  startedAt: number
  updatedAt: number
  oomKills: number
}

/** A running container: where its run dir is and its live status. */
export interface ActiveContainer {
  name: string
  rundir: string
  state: State
  /** init's host pid and /proc start time while the state is not STOPPED. */
  initPid?: number
  initStartTime?: number
  monitorPid?: number
  startedAt?: number
  oomKills: number
  /** The monitor is gone but init runs on. */
  orphan?: boolean
}

/**
 * Reads and checks `<rundir>/state.json`. Returns undefined when it is
 * missing (a monitor still starting, or gone), unreadable or not the
 * monitor's format; never throws.
 */
export function readStateFile(rundir: string): StateFile | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(`${rundir}/state.json`, 'utf8'))
  } catch {
    return undefined
  }
  if (typeof raw !== 'object' || raw === null) return undefined
  const r = raw as Record<string, unknown>
  if (typeof r.state !== 'string' || !isState(r.state) || typeof r.name !== 'string' || typeof r.lxcpath !== 'string') return undefined
  const num = (key: string): number => (typeof r[key] === 'number' && Number.isFinite(r[key]) ? (r[key] as number) : 0)
  return {
    state: r.state,
    name: r.name,
    lxcpath: r.lxcpath,
    monitorPid: num('monitorPid'),
    monitorStartTime: num('monitorStartTime'),
    initPid: num('initPid'),
    initStartTime: num('initStartTime'),
    startedAt: num('startedAt'),
    updatedAt: num('updatedAt'),
    oomKills: num('oomKills'),
  }
}

/**
 * True if `rundir` is the run dir ctr uses for `file`'s lxcpath and name,
 * so that a state.json can only speak for the container it belongs to.
 */
export function isOwnRundir(rundir: string, file: StateFile): boolean {
  return isValidName(file.name) && basename(rundir) === fnv1a64(`${file.lxcpath}/${file.name}`)
}

/**
 * The live status behind a state.json (see the file comment): its state
 * while its monitor is alive, RUNNING (orphan) while only init is, else
 * undefined (stale: the container is stopped). Reads /proc; never throws.
 * Returns 'ask' when the file lacks the monitor's start time, so liveness
 * must come from the socket.
 */
export function statusFromStateFile(file: StateFile): Omit<ActiveContainer, 'name' | 'rundir'> | 'ask' | undefined {
  if (file.monitorPid > 0 && file.monitorStartTime <= 0) return 'ask'
  if (file.monitorPid > 0 && isSameProcessAlive(file.monitorPid, file.monitorStartTime)) {
    const status: Omit<ActiveContainer, 'name' | 'rundir'> = {state: file.state, monitorPid: file.monitorPid, oomKills: file.oomKills}
    if (file.state !== 'STOPPED' && file.initPid > 0) {
      status.initPid = file.initPid
      status.initStartTime = file.initStartTime
    }
    if (file.startedAt > 0) status.startedAt = file.startedAt
    return status
  }
  if (file.initPid > 0 && file.initStartTime > 0 && isSameProcessAlive(file.initPid, file.initStartTime)) {
    return {
      state: 'RUNNING', initPid: file.initPid, initStartTime: file.initStartTime, oomKills: file.oomKills, orphan: true,
      ...(file.startedAt > 0 ? {startedAt: file.startedAt} : {}),
    }
  }
  return undefined
}

/**
 * The running containers of `lxcpath`, by name: every run dir under
 * `runtimeBase` whose state.json names this lxcpath and whose monitor (or
 * orphaned init) is alive. A missing base means none. Throws SysError
 * when the base cannot be read for another reason (EACCES).
 */
export async function listActive(runtimeBase: string, lxcpath: string): Promise<Map<string, ActiveContainer>> {
  const found = new Map<string, ActiveContainer>()
  const asks: Array<Promise<void>> = []
  for (const entry of readDirOrEmpty(runtimeBase)) {
    const rundir = `${runtimeBase}/${entry}`
    const file = readStateFile(rundir)
    if (file === undefined || file.lxcpath !== lxcpath || !isOwnRundir(rundir, file)) continue
    const status = statusFromStateFile(file)
    if (status === 'ask') {
      asks.push(askMonitor(rundir, file).then((active) => {
        if (active) found.set(file.name, active)
      }))
    } else if (status !== undefined) {
      found.set(file.name, {name: file.name, rundir, ...status})
    }
  }
  await Promise.all(asks)
  return found
}

// The socket path of liveness, for a state.json that cannot be checked
// against /proc on its own.
async function askMonitor(rundir: string, file: StateFile): Promise<ActiveContainer | undefined> {
  const ref: ContainerRef = {
    name: file.name, lxcpath: file.lxcpath, dir: containerDir(file.lxcpath, file.name), configPath: containerConfigPath(file.lxcpath, file.name),
    runtimeBase: dirname(rundir), rundir, ctx: pathContext(),
  }
  const status = await queryStatus(ref)
  if (!status.running) return undefined
  const active: ActiveContainer = {name: file.name, rundir, state: status.state, oomKills: status.oomKills ?? file.oomKills}
  if (status.initPid !== undefined) active.initPid = status.initPid
  if (status.initStartTime !== undefined) active.initStartTime = status.initStartTime
  if (status.monitorPid !== undefined) active.monitorPid = status.monitorPid
  if (status.startedAt !== undefined) active.startedAt = status.startedAt
  if (status.orphan) active.orphan = true
  return active
}

/**
 * The defined containers of `lxcpath`: entries that do not start with "."
 * and hold a `config` file (LXC's list_defined_containers), unsorted.
 * Entries whose name ctr cannot address are returned in `invalid`. A
 * missing lxcpath has none (lxc-ls lists nothing and exits 0). Throws
 * SysError for other readdir failures.
 */
export function listDefined(lxcpath: string): {names: string[]; invalid: string[]} {
  const names: string[] = []
  const invalid: string[] = []
  for (const entry of readDirOrEmpty(lxcpath)) {
    if (entry.startsWith('.')) continue
    if (!existsSync(`${lxcpath === '/' ? '' : lxcpath}/${entry}/config`)) continue
    if (isValidName(entry)) names.push(entry)
    else invalid.push(entry)
  }
  return {names, invalid}
}

function readDirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
    if (code === 'ENOENT' || code === 'ENOTDIR') return []
    throw new SysError('read directory', code, dir, {cause: error})
  }
}
