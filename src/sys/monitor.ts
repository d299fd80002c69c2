// Starting ctr-monitor and reading its start report (the sync channel).
//
// The monitor is spawned with a socketpair on fd 3: ctr writes the spec, the
// monitor answers with lines: `monitor <pid>`, `init <pid>`, then one of
// `running <pid> <starttime>`, `error <step> <errno> <detail>`, `killed
// <step> <signal> <detail>` (init died during setup, before its exec),
// `busy`; in foreground mode a final `exit <status>` (docs/monitor-protocol.md).

import type {ChildProcess} from 'node:child_process'
import {constants} from 'node:os'
import type {Socket} from 'node:net'

import {CtrError} from '../core/errors.js'
import {childProcess} from './builtins.js'
import {diagnoseMonitor, monitorBinary, monitorBroken} from './monitor-binary.js'

export {monitorBinary} from './monitor-binary.js'

export type StartReport =
  | {kind: 'running'; monitorPid: number; initPid: number; initStartTime: number; startupUs: number}
  | {kind: 'busy'}
  | {kind: 'error'; step: string; errno: number; detail: string; monitorPid?: number; signal?: number}

export interface LaunchedMonitor {
  report: Promise<StartReport>
  /** Foreground only: resolves to the payload's exit status once the container stopped. */
  exit: Promise<number>
  /** The sync socket closed: the monitor exited (after a failed start, its teardown is done). */
  closed: Promise<void>
  child: ChildProcess
  /** The monitor's pid once it said `monitor <pid>` (daemon mode: the grandchild). */
  monitorPid(): number | undefined
  /** Daemon mode, once reported: let go of the sync socket (ctr exits without waiting for its EOF). */
  release(): void
}

/**
 * Spawns the monitor and sends it the encoded spec. In daemon mode the spawned
 * process forks twice and exits; the report arrives from the grandchild. In
 * foreground mode the monitor runs in its own session (so a terminal's
 * Ctrl-C reaches ctr once, and ctr forwards it) with ctr's stdio.
 */
export function launchMonitor(spec: Buffer, opts: {foreground: boolean; name: string; lxcpath: string}): LaunchedMonitor {
  const binary = monitorBinary()
  const child = childProcess().spawn(binary, ['start', '--name', opts.name, '--lxcpath', opts.lxcpath], {
    stdio: opts.foreground ? ['inherit', 'inherit', 'inherit', 'pipe'] : ['ignore', 'ignore', 'inherit', 'pipe'],
    detached: opts.foreground,
  })
  // A spawn that failed (no binary, EMFILE) has no stdio: its 'error'
  // event below says why.
  const sync = child.stdio?.[3] as Socket | undefined
  let buffered = ''
  let monitorPid: number | undefined
  let resolveReport!: (r: StartReport) => void
  let resolveExit!: (status: number) => void
  let rejectReport!: (e: Error) => void
  let reported = false
  let exitStatus: number | undefined
  const report = new Promise<StartReport>((resolve, reject) => {
    resolveReport = resolve
    rejectReport = reject
  })
  const exit = new Promise<number>((resolve) => {
    resolveExit = resolve
  })
  let resolveClosed!: () => void
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve
  })
  const settle = (r: StartReport): void => {
    if (!reported) {
      reported = true
      resolveReport(r)
    }
  }

  // A monitor that cannot be executed (ENOENT, EACCES, ENOEXEC), or not
  // spawned at all (EMFILE), is reported here; its sync socket then closes
  // without a word, or was never made.
  child.on('error', (error: NodeJS.ErrnoException) => {
    if (!reported) {
      reported = true
      rejectReport(spawnError(binary, error))
    }
    resolveExit(127)
    resolveClosed()
  })
  if (!sync) return {report, exit, closed, child, monitorPid: () => monitorPid, release: () => undefined}
  sync.setEncoding('utf8')
  sync.on('data', (chunk: string) => {
    buffered += chunk
    let nl: number
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      const [kind, a, b, ...rest] = line.split(' ')
      if (kind === 'monitor') monitorPid = Number(a)
      else if (kind === 'running') settle({kind: 'running', monitorPid: monitorPid ?? 0, initPid: Number(a), initStartTime: Number(b), startupUs: Number(rest[0] ?? 0)})
      else if (kind === 'busy') settle({kind: 'busy'})
      else if (kind === 'error') {
        settle({kind: 'error', step: a ?? 'unknown', errno: Number(b), detail: rest.join(' '), ...(monitorPid ? {monitorPid} : {})})
      } else if (kind === 'killed') {
        settle({kind: 'error', step: a ?? 'unknown', errno: 0, signal: Number(b), detail: rest.join(' '), ...(monitorPid ? {monitorPid} : {})})
      } else if (kind === 'exit') exitStatus = Number(a)
    }
  })
  sync.on('error', () => undefined)
  sync.on('close', () => {
    resolveClosed()
    if (!reported) {
      const broken = diagnoseMonitor(binary)
      if (broken) rejectReport(broken)
      else rejectReport(new CtrError('CTR_MONITOR_LOST', 'The monitor exited before reporting the start', {
        hints: ['Run with -F to see the monitor\'s own errors, or set -o FILE -l DEBUG for its log'],
      }))
    }
    if (exitStatus !== undefined) resolveExit(exitStatus)
  })
  child.on('exit', (code, signal) => {
    if (!opts.foreground) return
    // A monitor killed by a signal takes its container with it (pdeath signal).
    resolveExit(exitStatus ?? (signal ? 128 + signalNumber(signal) : (code ?? 1)))
  })
  // Not end(): in foreground mode the monitor takes a hang-up of this
  // socket to mean ctr died, and kills the container.
  sync.write(spec)
  return {report, exit, closed, child, monitorPid: () => monitorPid, release: () => sync.destroy()}
}

function spawnError(binary: string, error: NodeJS.ErrnoException): CtrError {
  const code = error.code ?? 'EIO'
  if (code !== 'EMFILE' && code !== 'ENFILE') return monitorBroken(binary, error)
  return new CtrError('CTR_MONITOR_SPAWN', `Failed to run ctr-monitor "${binary}": ${code}`, {
    hints: ['Too many open files: raise the limit (ulimit -n) and run the command again'],
    cause: error,
  })
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 1
}
