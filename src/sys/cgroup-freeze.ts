// Freezing and thawing a running container through its monitor (the
// `freeze` and `thaw` commands of native/cmdsock.h), for `ctr freeze` and
// `ctr unfreeze`. The monitor owns the freezer and the state: it answers at
// once, then reports FREEZING and FROZEN (or THAWED and RUNNING) to
// watchers, so the wait here is event-driven.

import {CtrError} from '../core/errors.js'
import type {State} from '../core/state.js'
import {queryStatus, type ContainerRef} from './container.js'
import {nameSuggestions} from './discover.js'
import {connectMonitor, type MonitorConnection} from './monitor-client.js'
import {readStateFile} from './state-file.js'

/** How long `ctr freeze` waits for FROZEN (a task in uninterruptible sleep can delay it). */
export const FREEZE_TIMEOUT_MS = 30_000

export interface FreezerResult {
  name: string
  /** FROZEN after a freeze, RUNNING after a thaw. */
  state: State
  durationMs: number
}

/**
 * Freezes (`freeze`) or thaws (`thaw`) the container and resolves once it is
 * FROZEN, or RUNNING again. Throws CtrError exit 1: CTR_NOT_RUNNING,
 * CTR_NO_FREEZER (no cgroup freezer on this host), CTR_FREEZE_TIMEOUT
 * (thawed again after FREEZE_TIMEOUT_MS), CTR_FREEZE_FAILED.
 */
export async function changeFreezer(ref: ContainerRef, action: 'freeze' | 'thaw'): Promise<FreezerResult> {
  const started = Date.now()
  const conn = await connectMonitor(ref.rundir)
  if (!conn) throw await notRunning(ref, action)
  try {
    const reply = await request(conn, ref, action)
    if (action === 'freeze' && reply !== 'FROZEN') await untilFrozen(conn, ref, started)
    const state: State = action === 'thaw' ? 'RUNNING' : 'FROZEN'
    assertRecorded(ref, state)
    return {name: ref.name, state, durationMs: Date.now() - started}
  } finally {
    conn.close()
  }
}

async function request(conn: MonitorConnection, ref: ContainerRef, action: 'freeze' | 'thaw'): Promise<string> {
  try {
    return await conn.request(action)
  } catch (error) {
    const code = (error as CtrError).code
    const reply = String((error as CtrError).details?.reply ?? '')
    if (code === 'CTR_MONITOR_GONE' || reply.includes('EBUSY')) throw await notRunning(ref, action)
    if (reply.includes('EOPNOTSUPP')) {
      throw new CtrError('CTR_NO_FREEZER', `Failed to ${verb(action)} ${ref.name}: it has no cgroup freezer`, {
        hints: ['The host has neither a cgroup2 hierarchy nor a v1 freezer controller mounted'],
      })
    }
    throw error
  }
}

// The freeze was accepted: follow the events until FROZEN. RUNNING means
// it was thawed meanwhile (another `ctr unfreeze`, or a stop).
async function untilFrozen(conn: MonitorConnection, ref: ContainerRef, started: number): Promise<void> {
  const deadline = started + FREEZE_TIMEOUT_MS
  let state = (await conn.request('watch')) as State
  for (;;) {
    if (state === 'FROZEN') return
    if (state !== 'FREEZING') {
      throw new CtrError('CTR_FREEZE_FAILED', `Failed to freeze ${ref.name}: it became ${state} while freezing`, {details: {state}})
    }
    const event = await conn.nextEvent(deadline)
    if (event === undefined) throw new CtrError('CTR_FREEZE_FAILED', `Failed to freeze ${ref.name}: it stopped while freezing`)
    if (event === null) {
      await conn.request('thaw').catch(() => '')
      throw new CtrError('CTR_FREEZE_TIMEOUT', `${ref.name} did not freeze within ${FREEZE_TIMEOUT_MS / 1000} s; it was thawed again`, {
        hints: ['A process in uninterruptible sleep (state D in ps) keeps a cgroup from freezing'],
      })
    }
    if (event.kind === 'state') state = event.state
  }
}

// The monitor records every state in state.json before it tells anyone, and
// info, ls and wait -t 0 read that file: when the write failed (the run
// dir's filesystem is full), they would say the old state. Say so here
// rather than report a success they contradict.
function assertRecorded(ref: ContainerRef, state: State): void {
  const recorded = readStateFile(ref.rundir)?.state
  if (recorded === undefined || recorded === state || (state === 'RUNNING' && recorded === 'THAWED')) return
  throw new CtrError('CTR_STATE_UNRECORDED', `${ref.name} is ${state}, but its monitor could not record it: ${ref.rundir}/state.json still says ${recorded}`, {
    hints: [`Is the run dir's filesystem full? (df ${ref.runtimeBase}); ctr info and ctr ls read that file and will say ${recorded} until the next change is recorded`],
    details: {state, recorded},
  })
}

async function notRunning(ref: ContainerRef, action: 'freeze' | 'thaw'): Promise<CtrError> {
  const status = await queryStatus(ref)
  if (status.orphan) {
    return new CtrError('CTR_NO_MONITOR', `Failed to ${verb(action)} ${ref.name}: its monitor is gone`, {
      hints: ['Its init outlived the monitor (lxc.monitor.signal.pdeath = 0); stop it and start it again'],
    })
  }
  // lxc-freeze / lxc-unfreeze exit 1 here ("Failed to freeze LXCPATH:NAME").
  return new CtrError('CTR_NOT_RUNNING', `${ref.name} is not running`, {
    hints: [`Failed to ${verb(action)} ${ref.lxcpath}:${ref.name}; start it with: ctr start -n ${ref.name}`, ...nameSuggestions(ref.lxcpath, ref.name)],
  })
}

function verb(action: 'freeze' | 'thaw'): string {
  return action === 'freeze' ? 'freeze' : 'unfreeze'
}
