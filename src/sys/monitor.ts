// Starting ctr-monitor and reading its start report (the sync channel).
//
// The monitor is spawned with a socketpair on fd 3: ctr writes the spec, the
// monitor answers with lines: `monitor <pid>`, `init <pid>`, then one of
// `running <pid> <starttime>`, `error <step> <errno> <detail>`, `killed
// <step> <signal> <detail>` (init died during setup, before its exec),
// `busy`; in foreground mode a final `exit <status>` (docs/monitor-protocol.md).

import {readFileSync} from 'node:fs'
import type {Socket} from 'node:net'

import {CtrError} from '../core/errors.js'
import {childProcess, os} from './builtins.js'
import {launchThrough} from './launcher.js'
import {diagnoseMonitor, monitorBinary, monitorBroken} from './monitor-binary.js'

export {monitorBinary} from './monitor-binary.js'

export type StartReport =
  | {kind: 'running'; monitorPid: number; initPid: number; initStartTime: number; startupUs: number}
  | {kind: 'busy'}
  | {kind: 'error'; step: string; errno: number; detail: string; monitorPid?: number; signal?: number}

export interface LaunchedMonitor {
  report: Promise<StartReport>
  /** Resolves at the first `init <pid>` line: the command socket accepts clients (never rejects). */
  listening: Promise<void>
  /** Foreground only: resolves to the payload's exit status once the container stopped. */
  exit: Promise<number>
  /** The sync socket closed: the monitor exited (after a failed start, its teardown is done). */
  closed: Promise<void>
  /** Foreground: sends `signal` to the monitor (which forwards it to init). */
  kill(signal: NodeJS.Signals): void
  /** The monitor's pid once it said `monitor <pid>` (daemon mode: the grandchild). */
  monitorPid(): number | undefined
  /** Daemon mode, once reported: let go of the sync socket and the spawned process (ctr exits without waiting for their end). */
  release(): void
  /** The blocking launch (see below): `report` is settled already, within its own bound. */
  settled?: true
}

/**
 * Spawns the monitor and sends it the encoded spec. In daemon mode the spawned
 * process calls setsid, forks and exits; the report arrives from the child
 * (docs/monitor-protocol.md §3.2). In foreground mode the monitor runs in
 * its own session (so a terminal's Ctrl-C reaches ctr once, and ctr
 * forwards it) with ctr's stdio.
 */
export function launchMonitor(spec: Buffer, opts: LaunchOptions): LaunchedMonitor {
  const binary = monitorBinary()
  const fast = opts.foreground ? undefined : spawnSyncBinding()
  if (fast) return launchDaemonSync(fast, binary, spec, opts)
  if (!opts.foreground && launcherWanted()) return launchThroughLauncher(binary, spec, opts)
  return launchSpawned(binary, spec, opts)
}

function launchSpawned(binary: string, spec: Buffer, opts: LaunchOptions): LaunchedMonitor {
  const child = childProcess().spawn(binary, ['start', '--name', opts.name, '--lxcpath', opts.lxcpath], {
    stdio: opts.foreground ? ['inherit', 'inherit', 'inherit', 'pipe'] : ['ignore', 'ignore', 'inherit', 'pipe'],
    detached: opts.foreground,
  })
  // A spawn that failed (no binary, EMFILE) has no stdio: its 'error'
  // event below says why.
  const sync = child.stdio?.[3] as Socket | undefined
  let buffered = ''
  const p = new PendingLaunch()

  // A monitor that cannot be executed (ENOENT, EACCES, ENOEXEC), or not
  // spawned at all (EMFILE), is reported here; its sync socket then closes
  // without a word, or was never made.
  child.on('error', (error: NodeJS.ErrnoException) => {
    p.fail(spawnError(binary, error))
    p.resolveExit(127)
    p.resolveClosed()
  })
  const kill = (signal: NodeJS.Signals): void => {
    child.kill(signal)
  }
  const {report, listening, exit, closed} = p
  if (!sync) return {report, listening, exit, closed, kill, monitorPid: () => p.monitorPid, release: () => child.unref()}
  sync.setEncoding('utf8')
  sync.on('data', (chunk: string) => {
    buffered += chunk
    const nl = buffered.lastIndexOf('\n')
    if (nl < 0) return
    const lines = buffered.slice(0, nl)
    buffered = buffered.slice(nl + 1)
    p.lines(lines)
  })
  sync.on('error', () => undefined)
  sync.on('close', () => {
    p.resolveClosed()
    if (!p.reported) p.fail(diagnoseMonitor(binary) ?? monitorLost())
    if (p.exitStatus !== undefined) p.resolveExit(p.exitStatus)
  })
  child.on('exit', (code, signal) => {
    if (!opts.foreground) return
    // A monitor killed by a signal takes its container with it (pdeath signal).
    p.resolveExit(p.exitStatus ?? (signal ? 128 + signalNumber(signal) : (code ?? 1)))
  })
  // Not end(): in foreground mode the monitor takes a hang-up of this
  // socket to mean ctr died, and kills the container.
  sync.write(spec)
  return {
    report, listening, exit, closed, kill, monitorPid: () => p.monitorPid, release: () => {
      sync.destroy()
      child.unref()
    },
  }
}

// ---- Many starts in one process: the launcher (src/sys/launcher.ts)
//
// The library and `ctr start --many` start daemons through one
// `ctr-monitor launcher` per process, which forks a monitor per spec
// (docs/architecture.md §2.5): no fork of Node, no exec and no sealed
// re-exec per start. Each start is reported exactly as a spawned monitor's
// (the same lines, relayed), and one that the launcher cannot serve at
// all (it could not be started) is spawned as before.

let launcherMode = false

/** Starts daemons through the launcher from now on (the library; --many). */
export function useLauncher(): void {
  launcherMode = true
}

function launcherWanted(): boolean {
  return launcherMode && process.env.CTR_NO_LAUNCHER !== '1'
}

function launchThroughLauncher(binary: string, spec: Buffer, opts: LaunchOptions): LaunchedMonitor {
  const p = new PendingLaunch()
  let text: Buffer = Buffer.alloc(0)
  let delegate: LaunchedMonitor | undefined
  const handle = launchThrough(binary, spec, opts.environ, {
    data(bytes) {
      text = text.length === 0 ? bytes : Buffer.concat([text, bytes])
      const nl = text.lastIndexOf(10)
      if (nl < 0) return
      const lines = text.toString('utf8', 0, nl)
      text = text.subarray(nl + 1)
      p.lines(lines)
    },
    eof() {
      p.resolveClosed()
      if (!p.reported) p.fail(diagnoseMonitor(binary) ?? monitorLost())
      p.resolveExit(p.exitStatus ?? 0)
    },
    fail(errno) {
      const code = errnoName(errno)
      p.fail(spawnError(binary, Object.assign(new Error(`fork ${binary} ${code}`), {code, errno: -errno, syscall: 'fork'})))
      p.resolveExit(127)
      p.resolveClosed()
    },
    lost(fatal) {
      if (fatal) p.settle({kind: 'error', step: fatal.step, errno: fatal.errno, detail: fatal.detail, ...(p.monitorPid ? {monitorPid: p.monitorPid} : {})})
      else p.fail(monitorLost())
      p.resolveExit(p.exitStatus ?? 1)
      p.resolveClosed()
    },
    fallback() {
      const spawned = launchSpawned(binary, spec, opts)
      delegate = spawned
      spawned.report.then((r) => p.settle(r), (e: Error) => p.fail(e))
      void spawned.listening.then(p.resolveListening)
      void spawned.closed.then(p.resolveClosed)
      void spawned.exit.then(p.resolveExit)
    },
  })
  return {
    report: p.report,
    listening: p.listening,
    exit: p.exit,
    closed: p.closed,
    kill: (signal) => delegate?.kill(signal),
    monitorPid: () => delegate?.monitorPid() ?? p.monitorPid,
    release: () => {
      handle.release()
      delegate?.release()
    },
  }
}

/**
 * What a launch waits for, and what the monitor said so far: the shared
 * state of the spawned and the launched path. The first report wins;
 * `exit`, `closed` and `listening` resolve at most once (promises do).
 */
class PendingLaunch {
  monitorPid: number | undefined
  exitStatus: number | undefined
  reported = false
  readonly report: Promise<StartReport>
  readonly exit: Promise<number>
  readonly closed: Promise<void>
  readonly listening: Promise<void>
  resolveExit!: (status: number) => void
  resolveClosed!: () => void
  resolveListening!: () => void
  private resolveReport!: (r: StartReport) => void
  private rejectReport!: (e: Error) => void

  constructor() {
    this.report = new Promise<StartReport>((resolve, reject) => {
      this.resolveReport = resolve
      this.rejectReport = reject
    })
    this.exit = new Promise<number>((resolve) => {
      this.resolveExit = resolve
    })
    this.closed = new Promise<void>((resolve) => {
      this.resolveClosed = resolve
    })
    this.listening = new Promise<void>((resolve) => {
      this.resolveListening = resolve
    })
  }

  settle(r: StartReport): void {
    if (this.reported) return
    this.reported = true
    this.resolveReport(r)
  }

  fail(e: Error): void {
    if (this.reported) return
    this.reported = true
    this.rejectReport(e)
  }

  /** Complete report lines (docs/monitor-protocol.md §3). */
  lines(text: string): void {
    const parsed = parseReport(text, this.monitorPid)
    if (parsed.listening) this.resolveListening()
    this.monitorPid = parsed.monitorPid
    if (parsed.exitStatus !== undefined) this.exitStatus = parsed.exitStatus
    if (parsed.report) this.settle(parsed.report)
  }
}

/** The report lines (§3 of docs/monitor-protocol.md) read so far: the first report wins. */
function parseReport(text: string, knownPid: number | undefined): {report?: StartReport; monitorPid?: number; exitStatus?: number; listening: boolean} {
  let monitorPid = knownPid
  let listening = false
  let report: StartReport | undefined
  let exitStatus: number | undefined
  for (const line of text.split('\n')) {
    const [kind, a, b, ...rest] = line.split(' ')
    let now: StartReport | undefined
    if (kind === 'monitor') monitorPid = Number(a)
    else if (kind === 'init') listening = true
    else if (kind === 'running') now = {kind: 'running', monitorPid: monitorPid ?? 0, initPid: Number(a), initStartTime: Number(b), startupUs: Number(rest[0] ?? 0)}
    else if (kind === 'busy') now = {kind: 'busy'}
    else if (kind === 'error') now = {kind: 'error', step: a ?? 'unknown', errno: Number(b), detail: rest.join(' '), ...(monitorPid ? {monitorPid} : {})}
    else if (kind === 'killed') now = {kind: 'error', step: a ?? 'unknown', errno: 0, signal: Number(b), detail: rest.join(' '), ...(monitorPid ? {monitorPid} : {})}
    else if (kind === 'exit') exitStatus = Number(a)
    report ??= now
  }
  return {listening, ...(report ? {report} : {}), ...(monitorPid === undefined ? {} : {monitorPid}), ...(exitStatus === undefined ? {} : {exitStatus})}
}

// ---- The CLI's daemon start without node:child_process (docs/architecture.md §6)
//
// `ctr start -d` only waits for the monitor's report, and ends. Node 20's
// public ways to spawn (node:child_process) load net and the stream stack,
// ~5–15 ms of every start, and its async spawn adds a socket, streams and
// their events on top. The same libuv spawn is reachable through the
// `spawn_sync` binding behind child_process.spawnSync, which loads nothing:
// one call that writes the spec on fd 3 (a socketpair, as with 'pipe'),
// reads until the monitor closes it (after `running`, or when it exits),
// and returns. It blocks the event loop, which the CLI's daemon start can
// afford and a program cannot: only the fast path opts in (src/hot/start.ts),
// the library keeps the async spawn. process.binding is deprecated
// (DEP0111, documentation-only in Node 20) but allowlisted for spawn_sync;
// it is used only when it is there and has the shape checked here, not
// when --pending-deprecation would print a warning for it, and not for a
// $CTR_MONITOR; otherwise the public child_process path runs.

interface SpawnSyncResult {
  error?: number
  status: number | null
  signal: string | null
  output: Array<Buffer | null> | null
  pid: number
}
interface SpawnSyncBinding {
  spawn(options: object): SpawnSyncResult
}

let syncDaemonLaunch = false

/** The CLI's fast path: start daemons with the blocking spawn (see above). */
export function useSyncDaemonLaunch(): void {
  syncDaemonLaunch = true
}

/** Many starts in one process (--many) wait for their reports concurrently: through the launcher (below). */
export function useAsyncDaemonLaunch(): void {
  syncDaemonLaunch = false
  launcherMode = true
}

function spawnSyncBinding(): SpawnSyncBinding | undefined {
  // Only our own monitor is known to close fd 3 once it reported: a
  // $CTR_MONITOR wrapper (strace -f, valgrind) may hold it as long as the
  // container runs, which the async path lets go of and this one would wait for.
  if (!syncDaemonLaunch || process.env.CTR_MONITOR) return undefined
  const pending = process.execArgv.includes('--pending-deprecation') || (process.env.NODE_OPTIONS ?? '').includes('--pending-deprecation') || process.env.NODE_PENDING_DEPRECATION === '1'
  if (pending) return undefined
  try {
    const binding = (process as unknown as {binding?: (name: string) => unknown}).binding?.('spawn_sync') as Partial<SpawnSyncBinding> | undefined
    return typeof binding?.spawn === 'function' ? (binding as SpawnSyncBinding) : undefined
  } catch {
    return undefined
  }
}

export interface LaunchOptions {
  foreground: boolean
  name: string
  lxcpath: string
  /** The blocking spawn's bound: the report, and after a failure the teardown (the caller's timeouts, added up). */
  syncTimeoutMs: number
  /** The launcher's encoded environment, when a fleet built it once for all its starts (src/runners/start.ts); else built per start. */
  environ?: Buffer
}

function launchDaemonSync(binding: SpawnSyncBinding, binary: string, spec: Buffer, opts: LaunchOptions): LaunchedMonitor {
  const args = [binary, 'start', '--name', opts.name, '--lxcpath', opts.lxcpath]
  const envPairs: string[] = []
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) envPairs.push(`${key}=${value}`)
  const result = binding.spawn({
    file: binary,
    args,
    envPairs,
    stdio: [{type: 'ignore'}, {type: 'ignore'}, {type: 'inherit', fd: 2}, {type: 'pipe', readable: true, writable: true, input: spec}],
    // Bounds the wait for the report: the spawned process is killed and fd 3 closed.
    timeout: opts.syncTimeoutMs,
    // SIGKILL is 9 on every Linux architecture (node:os is loaded only on an error path).
    killSignal: 9,
    maxBuffer: 1 << 20,
    detached: false,
    windowsHide: false,
    windowsVerbatimArguments: false,
  })
  const out = result.output?.[3]?.toString('utf8') ?? ''
  const parsed = parseReport(out, undefined)
  // fd 3 is closed once the call returns: the monitor reported and let go, or exited.
  const pending = {monitorPid: () => parsed.monitorPid, listening: Promise.resolve(), kill: () => undefined, release: () => undefined, exit: Promise.resolve(0), closed: Promise.resolve(), settled: true as const}
  if (parsed.report) return {...pending, report: Promise.resolve(parsed.report)}
  if (result.error !== undefined && result.error !== -os().constants.errno.ETIMEDOUT && result.output === null) {
    const code = errnoName(-result.error)
    const error = Object.assign(new Error(`spawn ${binary} ${code}`), {code, errno: result.error, syscall: `spawn ${binary}`}) as NodeJS.ErrnoException
    return {...pending, report: Promise.reject(spawnError(binary, error))}
  }
  if (result.error === -os().constants.errno.ETIMEDOUT) {
    const killed = killReportedMonitor(parsed.monitorPid)
    return {...pending, report: Promise.reject(startTimeoutError(opts.name, parsed.monitorPid, opts.syncTimeoutMs, killed))}
  }
  const broken = diagnoseMonitor(binary)
  return {...pending, report: Promise.reject(broken ?? monitorLost())}
}

function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(os().constants.errno)) if (value === errno) return name
  return 'EIO'
}

function monitorLost(): CtrError {
  return new CtrError('CTR_MONITOR_LOST', 'The monitor exited before reporting the start', {
    hints: ['Run with -F to see the monitor\'s own errors, or set -o FILE -l DEBUG for its log'],
  })
}

/** SIGKILLs the monitor that named itself on the sync fd, if it is still a ctr-monitor (its container goes with it). */
export function killReportedMonitor(pid: number | undefined): boolean {
  if (pid === undefined || pid <= 0) return false
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ctr-monitor')) return false
    process.kill(pid, 'SIGKILL')
    return true
  } catch {
    return false
  }
}

export function startTimeoutError(name: string, pid: number | undefined, timeoutMs: number, killed: boolean): CtrError {
  return new CtrError('CTR_START_TIMEOUT', `${name}: the monitor${pid ? ` (pid ${pid})` : ''} did not report the start within ${timeoutMs / 1000} s${killed ? '; it was killed, and its container with it' : ''}`, {
    hints: ['Run it in the foreground (-F) with -l DEBUG -o FILE to see where it stopped'],
  })
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
  return os().constants.signals[signal] ?? 1
}
