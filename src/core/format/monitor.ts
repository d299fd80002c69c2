// `ctr monitor` output: one line per event (lxc_monitor.c's printf formats
// for state changes and exit statuses, plus ctr's OOM line), or one JSON
// object per line with --json. Pure.
//
// Text lines:
//   'NAME' changed state to [STATE]              lxc-monitor's format exactly
//   'NAME' exited with status [N]                lxc-monitor's format; N is
//                                                WEXITSTATUS, or 128 + signal
//   'NAME' exited with status [N] (killed by SIGX)
//                                                init died of a signal. LXC
//                                                prints WEXITSTATUS of the raw
//                                                wait status there, always 0.
//   'NAME' hit the OOM killer [N]                ctr's: N is how many OOM kills
//                                                the container has had so far
// A regex such as `^'(.*)' exited with status \[([0-9]+)\]` reads both exit forms.
//
// JSON lines: {"time", "name", "lxcpath", "event", ...} with, by event:
//   state: "state" (name), "stateIndex" (LXC's number), and "initial": true
//          on the line that reports a container already running when the
//          monitor found it (not a change: its state at that moment), false
//          on a change
//   exit:  "status" (as above), "signal" (number, or null when init exited),
//          "reason": exited, killed, halted (a guest's halt or power-off:
//          status 0, as LXC records it) or start-failed; null when unknown
//   oom:   "oomKills" (the count so far)
// "time" is when ctr monitor saw the event, in ms since the epoch (the unit
// of every other ctr timestamp).

import {signalName} from '../signals.js'
import {STATES, type State} from '../state.js'

export type ContainerEvent =
  | {kind: 'state'; state: State; initial?: boolean}
  | {kind: 'exit'; status: number; signal: number; reason?: string}
  | {kind: 'oom'; count: number}

export interface MonitorLine {
  name: string
  lxcpath: string
  /** ms since the epoch. */
  time: number
  event: ContainerEvent
}

/** The text line for an event, with its newline. */
export function formatEventText(line: MonitorLine): string {
  const who = `'${line.name}'`
  const e = line.event
  switch (e.kind) {
    case 'state':
      return `${who} changed state to [${e.state}]\n`
    case 'exit':
      return `${who} exited with status [${e.status}]${e.signal > 0 ? ` (killed by ${signalName(e.signal)})` : ''}\n`
    case 'oom':
      return `${who} hit the OOM killer [${e.count}]\n`
  }
}

/** The --json object for an event (see the file comment). */
export function eventJson(line: MonitorLine): Record<string, unknown> {
  const head = {time: line.time, name: line.name, lxcpath: line.lxcpath}
  const e = line.event
  switch (e.kind) {
    case 'state':
      return {...head, event: 'state', state: e.state, stateIndex: STATES.indexOf(e.state), initial: e.initial === true}
    case 'exit':
      return {...head, event: 'exit', status: e.status, signal: e.signal > 0 ? e.signal : null, reason: e.reason ?? null}
    case 'oom':
      return {...head, event: 'oom', oomKills: e.count}
  }
}

/** One line of output, text or JSON (with its newline). */
export function formatEvent(line: MonitorLine, json: boolean): string {
  return json ? `${JSON.stringify(eventJson(line))}\n` : formatEventText(line)
}
