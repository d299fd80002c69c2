// A container's state.json (written atomically by its monitor on every
// change, before it tells anyone: native/state.c) and the live status it
// stands for. While the monitor that wrote it is alive (its pid and /proc
// start time match), the file is that monitor's current state; a run dir
// whose monitor is dead is a stopped container, unless its init survived
// (lxc.monitor.signal.pdeath = 0). Reading a file cannot hang, so a hung
// monitor cannot hang `ctr info` or `ctr ls` (lxc/lxc#3254), and no socket
// round trip is needed to answer "what state is it in".

import {readFileSync} from 'node:fs'
import {basename} from 'node:path'

import {isValidName} from '../core/names.js'
import {fnv1a64} from '../core/paths.js'
import {isState, type State} from '../core/state.js'
import {isSameProcessAlive} from './proc.js'

export interface RuntimeStatus {
  state: State
  /** LXC's is_running: state ≠ STOPPED. */
  running: boolean
  /** init's host pid and /proc start time while the state is not STOPPED. */
  initPid?: number
  initStartTime?: number
  monitorPid?: number
  /** When init was exec'd (ms since the epoch). */
  startedAt?: number
  oomKills?: number
  /**
   * The monitor is gone but init survived (lxc.monitor.signal.pdeath = 0):
   * the container runs unsupervised; stop reaches init through a pidfd.
   */
  orphan?: boolean
}

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
export function isOwnRundir(rundir: string, file: Pick<StateFile, 'name' | 'lxcpath'>): boolean {
  return isValidName(file.name) && basename(rundir) === fnv1a64(`${file.lxcpath}/${file.name}`)
}

/**
 * The live status behind a state.json (see the file comment): its state
 * while its monitor is alive, RUNNING (orphan) while only init is, else
 * undefined (stale: the container is stopped). Reads /proc; never throws.
 * Returns 'ask' when the file lacks the monitor's start time, so liveness
 * must come from the socket.
 */
export function statusFromStateFile(file: StateFile): RuntimeStatus | 'ask' | undefined {
  if (file.monitorPid > 0 && file.monitorStartTime <= 0) return 'ask'
  if (file.monitorPid > 0 && isSameProcessAlive(file.monitorPid, file.monitorStartTime)) {
    const status: RuntimeStatus = {state: file.state, running: file.state !== 'STOPPED', monitorPid: file.monitorPid, oomKills: file.oomKills}
    if (file.state !== 'STOPPED' && file.initPid > 0) {
      status.initPid = file.initPid
      status.initStartTime = file.initStartTime
    }
    if (file.startedAt > 0) status.startedAt = file.startedAt
    return status
  }
  if (file.initPid > 0 && file.initStartTime > 0 && isSameProcessAlive(file.initPid, file.initStartTime)) {
    return {
      state: 'RUNNING', running: true, initPid: file.initPid, initStartTime: file.initStartTime, oomKills: file.oomKills, orphan: true,
      ...(file.startedAt > 0 ? {startedAt: file.startedAt} : {}),
    }
  }
  return undefined
}
