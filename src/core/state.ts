// Container states: LXC's eight names in LXC's numeric order (docs/lxc-contract.md §4.1).
// The monitor speaks the names on its command socket; the index is what LXC's
// protocol sends and what `ctr monitor --json` reports as `stateIndex`.

import {CtrError} from './errors.js'

export const STATES = [
  'STOPPED',
  'STARTING',
  'RUNNING',
  'STOPPING',
  'ABORTING',
  'FREEZING',
  'FROZEN',
  'THAWED',
] as const

export type State = (typeof STATES)[number]

export function isState(value: string): value is State {
  return (STATES as readonly string[]).includes(value)
}

/** `is_running` in LXC: anything but STOPPED (a FROZEN container is running). */
export function isRunningState(state: State): boolean {
  return state !== 'STOPPED'
}

/**
 * Parses `lxc-wait -s` syntax: `|`-separated, exact upper-case names, no
 * trimming, empty pieces ignored (docs/lxc-contract.md §2). Throws CTR_INVALID_STATE
 * with LXC's message (`invalid state 'X'`) for an unknown name, and
 * CTR_NO_STATE when nothing is left.
 */
export function parseStates(spec: string): Set<State> {
  const states = new Set<State>()
  for (const piece of spec.split('|')) {
    if (piece === '') continue
    if (!isState(piece)) {
      const upper = piece.toUpperCase()
      const hints = isState(upper) ? [`State names are upper case: ${upper}`] : [`Valid states: ${STATES.join(', ')}`]
      throw new CtrError('CTR_INVALID_STATE', `invalid state '${piece}'`, {hints})
    }
    states.add(piece)
  }
  if (states.size === 0) {
    throw new CtrError('CTR_NO_STATE', 'No state to wait for', {hints: ['Give one or more states, for example -s RUNNING or -s "RUNNING|STOPPED"']})
  }
  return states
}

/** True if the whole string is a valid, non-empty state list (used to tell a positional state list from a name). */
export function looksLikeStates(spec: string): boolean {
  const pieces = spec.split('|').filter((p) => p !== '')
  return pieces.length > 0 && pieces.every((p) => isState(p))
}

export function formatStates(states: Iterable<State>): string {
  return [...states].join('|')
}
