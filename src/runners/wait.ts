// `ctr wait`: block until the container is in one of the wanted states.
//
// Event-driven on both paths: a running container's monitor pushes state
// changes over a `watch` subscription; a container that is not running yet
// is awaited with inotify on its run dir (LXC polls once a second here).
// -t: negative waits forever, 0 checks once (LXC blocks forever on a running
// container with -t 0: a documented difference), N waits N seconds.

import {CtrError} from '../core/errors.js'
import type {WaitOptions} from '../core/options.js'
import {formatStates, type State} from '../core/state.js'
import type {CommandOutcome} from '../output.js'
import {loadConfigForCommand} from '../sys/config.js'
import {queryStatus, resolveFromOptions, type ContainerRef} from '../sys/container.js'
import {connectMonitor, isGone, REQUEST_TIMEOUT_MS, type MonitorConnection} from '../sys/monitor-client.js'
import {POLL_INTERVAL_MS, raceDeadline, watchRundir} from '../sys/rundir-watch.js'

export interface WaitResult {
  name: string
  state: State
  waitedMs: number
}

export async function runWait(opts: WaitOptions): Promise<CommandOutcome<WaitResult>> {
  const started = Date.now()
  const ref = resolveFromOptions(opts)
  loadConfigForCommand(ref, opts)
  const deadline = opts.timeout < 0 ? Infinity : started + opts.timeout * 1000
  const notices: string[] = []
  let state: State
  try {
    state = await waitForStates(ref, opts.states, deadline, opts.timeout === 0, notices)
  } catch (error) {
    // A wait that polled says so on failure too.
    if (error instanceof CtrError) error.hints.push(...notices)
    throw error
  }
  return {exitCode: 0, result: {name: ref.name, state, waitedMs: Date.now() - started}, notices}
}

/**
 * Resolves with the first wanted state reached before `deadline`; throws
 * CTR_WAIT_TIMEOUT (exit 1) or CTR_WAIT_STOPPED (stopped while waiting for
 * something else, exit 1 like lxc-wait).
 */
export async function waitForStates(ref: ContainerRef, wanted: Set<State>, deadline: number, checkOnce = false, notices: string[] = []): Promise<State> {
  // -t 0 checks once: state.json answers without a round trip, so even a
  // hung monitor cannot hold it up.
  if (checkOnce) {
    const status = await queryStatus(ref)
    if (wanted.has(status.state)) return status.state
    throw timeoutError(ref, wanted, status.state, true)
  }
  // A running container's monitor answers at once: no inotify watch then
  // (closing one waits for an SRCU grace period in the kernel, ~10 ms that
  // would delay our exit).
  const first = await connectMonitor(ref.rundir, connectTimeout(deadline))
  if (first) return followMonitor(ref, first, wanted, deadline, checkOnce)
  for (;;) {
    // Arm, then look again: a monitor appearing in between is not missed.
    const watcher = watchRundir(ref)
    if (watcher.degraded !== undefined && notices.length === 0) {
      notices.push(`Cannot watch ${ref.runtimeBase} with inotify (${watcher.degraded}); looking every ${POLL_INTERVAL_MS} ms instead`)
    }
    try {
      const conn = await connectMonitor(ref.rundir, connectTimeout(deadline))
      if (conn) {
        watcher.close()
        return await followMonitor(ref, conn, wanted, deadline, checkOnce)
      }
      const status = await queryStatus(ref)
      if (wanted.has(status.state)) return status.state
      if (Date.now() >= deadline) throw timeoutError(ref, wanted, status.state, checkOnce)
      // An init that outlived its monitor has no one to report its exit:
      // look again every 100 ms instead of waiting for an event.
      const wake = status.orphan ? Promise.race([watcher.changed, sleep(100)]) : watcher.changed
      if (!(await raceDeadline(wake, deadline))) throw timeoutError(ref, wanted, status.state, checkOnce)
    } finally {
      watcher.close()
    }
  }
}

// Connecting to a listening socket does not need the monitor to run (the
// kernel queues it), so this bound is only reached by a full backlog.
function connectTimeout(deadline: number): number {
  return Number.isFinite(deadline) ? Math.max(1, Math.min(REQUEST_TIMEOUT_MS, deadline - Date.now())) : REQUEST_TIMEOUT_MS
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function followMonitor(ref: ContainerRef, conn: MonitorConnection, wanted: Set<State>, deadline: number, checkOnce: boolean): Promise<State> {
  try {
    let current: State
    try {
      // The user's -t bounds the monitor's answer too (-t -1: no bound).
      current = (await conn.request('watch', Number.isFinite(deadline) ? Math.max(1, deadline - Date.now()) : Infinity)) as State
    } catch (error) {
      if ((error as {code?: string}).code === 'CTR_MONITOR_TIMEOUT') throw unansweredError(ref, wanted, conn.path)
      // The container stopped as we connected: that is STOPPED.
      if (!isGone(error)) throw error
      if (wanted.has('STOPPED')) return 'STOPPED'
      throw stoppedError(ref, wanted)
    }
    for (;;) {
      if (wanted.has(current)) return current
      if (Date.now() >= deadline) throw timeoutError(ref, wanted, current, checkOnce)
      const event = await conn.nextEvent(deadline)
      if (event === null) throw timeoutError(ref, wanted, current)
      if (event === undefined) {
        if (wanted.has('STOPPED')) return 'STOPPED'
        throw stoppedError(ref, wanted)
      }
      if (event.kind === 'state') current = event.state
    }
  } finally {
    conn.close()
  }
}

function unansweredError(ref: ContainerRef, wanted: Set<State>, socket: string): CtrError {
  return new CtrError('CTR_WAIT_TIMEOUT', `Timed out waiting for ${ref.name} to be ${formatStates(wanted)}: its monitor did not answer`, {
    hints: [`The monitor behind ${socket} is hung or stopped (state T in ps); its pid is in monitor.pid beside the socket`],
  })
}

function stoppedError(ref: ContainerRef, wanted: Set<State>): CtrError {
  return new CtrError('CTR_WAIT_STOPPED', `${ref.name} stopped while waiting for ${formatStates(wanted)}`, {
    hints: [`Include STOPPED to accept that outcome: -s "${formatStates(wanted)}|STOPPED"`],
  })
}

function timeoutError(ref: ContainerRef, wanted: Set<State>, current: State, checkOnce = false): CtrError {
  const message = checkOnce
    ? `${ref.name} is ${current}, not ${formatStates(wanted)}`
    : `Timed out waiting for ${ref.name} to be ${formatStates(wanted)} (it is ${current})`
  return new CtrError('CTR_WAIT_TIMEOUT', message, {
    details: {state: current},
    hints: ['Give a longer -t SECONDS, or -t -1 to wait without a limit'],
  })
}
