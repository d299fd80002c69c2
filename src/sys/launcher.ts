// The launcher: one `ctr-monitor launcher` per Node process that forks a
// monitor per start (native/launcher.c, docs/monitor-protocol.md §8,
// docs/architecture.md §2.5).
//
// A program (the library) or a fleet start (`ctr start --many`) starts many
// containers from one live Node process. Spawning a monitor per start forks
// that whole process (tens of MB of page tables, then copy-on-write faults
// until the exec), execs the monitor, which re-executes itself from its
// sealed copy before reading its spec. The launcher pays the exec and the
// re-exec once; each start is then the fork of a small static process.
//
// Its channel (fd 3, a socketpair) carries frames `start ID CWDLEN ENVLEN
// SPECLEN\n` + cwd + environment + spec to it, and `ready PID`, `data ID
// LEN\n<bytes>` (what monitor ID wrote on its own fd 3), `eof ID`, `fail ID
// ERRNO` (no fork) and `fatal STEP ERRNO DETAIL` back. The channel keeps
// the event loop alive only while a start waits for its monitor, and the
// launcher ends when this process closes its end or dies (EOF), so it never
// outlives its program.

import type {ChildProcess} from 'node:child_process'
import type {Socket} from 'node:net'

import {childProcess} from './builtins.js'

/** What one start receives from the launcher. */
export interface LaunchSink {
  /** Bytes monitor wrote on its sync fd (docs/monitor-protocol.md §3). */
  data(bytes: Buffer): void
  /** Its sync fd closed: it exited, or reported and let go. */
  eof(): void
  /** The launcher could not fork it (socketpair or fork failed): errno. */
  fail(errno: number): void
  /** The launcher went away after it had the spec: nothing more will come. */
  lost(fatal: {step: string; errno: number; detail: string} | undefined): void
  /** The launcher could not start at all before taking the spec: start it another way. */
  fallback(): void
}

interface Pending {
  sink: LaunchSink
  /** Counted in `active` (keeps the event loop alive). */
  active: boolean
}

// Room for the children's process titles (native/launcher.c set_title): the
// kernel shows an overwritten title up to one page.
const TITLE_ROOM = 'x'.repeat(4000)

class Launcher {
  private readonly child: ChildProcess
  private readonly channel: Socket | undefined
  private ready = false
  private dead = false
  private fatal: {step: string; errno: number; detail: string} | undefined
  private queue: Buffer[] = []
  private readonly pending = new Map<number, Pending>()
  private active = 0
  private input: Buffer = Buffer.alloc(0)

  constructor(binary: string, private readonly onDead: (launcher: Launcher) => void) {
    this.child = childProcess().spawn(binary, ['launcher', '--parent', String(process.pid)], {
      stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
      env: {...process.env, CTR_LAUNCHER_ROOM: TITLE_ROOM},
    })
    this.child.unref()
    // No binary, EACCES, EMFILE: no channel; the starts go the other way.
    this.child.on('error', () => this.die())
    this.channel = this.child.stdio?.[3] as Socket | undefined
    if (!this.channel) return
    this.channel.unref()
    this.channel.on('data', (chunk: Buffer) => this.read(chunk))
    this.channel.on('error', () => undefined)
    this.channel.on('close', () => this.die())
  }

  /** Hands one encoded spec over; `sink` hears about its monitor. */
  launch(id: number, spec: Buffer, environ: Buffer | undefined, sink: LaunchSink): void {
    if (this.dead) {
      sink.fallback()
      return
    }
    this.pending.set(id, {sink, active: false})
    this.activate(id)
    const frame = encodeFrame(id, spec, environ ?? environFrame())
    if (this.ready) this.channel?.write(frame)
    else this.queue.push(frame)
  }

  /** The start no longer cares (it reported and let go): nothing of it keeps the loop alive. */
  release(id: number): void {
    const p = this.pending.get(id)
    if (!p) return
    this.pending.delete(id)
    if (p.active) this.deactivate()
  }

  /** Ends the launcher now (its monitors are not affected). */
  close(): void {
    this.channel?.destroy()
    this.die()
  }

  wasReady(): boolean {
    return this.ready
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  private activate(id: number): void {
    const p = this.pending.get(id)
    if (!p || p.active) return
    p.active = true
    if (this.active++ === 0) this.channel?.ref()
  }

  private deactivate(): void {
    if (--this.active === 0) this.channel?.unref()
  }

  private read(chunk: Buffer): void {
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk])
    for (;;) {
      const nl = this.input.indexOf(10)
      if (nl < 0) return
      const line = this.input.toString('latin1', 0, nl)
      const [kind, a, b, ...rest] = line.split(' ')
      if (kind === 'data') {
        const len = Number(b)
        if (this.input.length < nl + 1 + len) return
        const bytes = this.input.subarray(nl + 1, nl + 1 + len)
        this.input = this.input.subarray(nl + 1 + len)
        this.pending.get(Number(a))?.sink.data(bytes)
        continue
      }
      this.input = this.input.subarray(nl + 1)
      if (kind === 'ready') {
        this.ready = true
        const queued = this.queue
        this.queue = []
        for (const frame of queued) this.channel?.write(frame)
      } else if (kind === 'eof' || kind === 'fail') {
        const id = Number(a)
        const p = this.pending.get(id)
        if (!p) continue
        this.release(id)
        if (kind === 'eof') p.sink.eof()
        else p.sink.fail(Number(b))
      } else if (kind === 'fatal') {
        this.fatal = {step: a ?? 'launcher', errno: Number(b), detail: rest.join(' ')}
      }
    }
  }

  private die(): void {
    if (this.dead) return
    this.dead = true
    this.onDead(this)
    const pending = [...this.pending.values()]
    this.pending.clear()
    this.active = 0
    this.channel?.unref()
    // Before `ready` no spec was read: every start can still go the other
    // way, which reports whatever stopped the launcher as a start's error.
    for (const p of pending) {
      if (this.ready) p.sink.lost(this.fatal)
      else p.sink.fallback()
    }
  }
}

/**
 * This process's environment as a frame carries it, `KEY=VALUE\0` each, as
 * spawn would pass it (entries with a NUL cannot be passed at all). Reading
 * process.env goes to the C environment key by key: a fleet builds it once
 * (src/runners/start.ts), one start per call.
 */
export function environFrame(): Buffer {
  let env = ''
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.includes('\0') || value.includes('\0') || key.includes('=')) continue
    env += `${key}=${value}\0`
  }
  return Buffer.from(env)
}

function encodeFrame(id: number, spec: Buffer, envBytes: Buffer): Buffer {
  let cwd = '/'
  try {
    cwd = process.cwd()
  } catch {
    // A removed working directory: the monitor daemonizes into / anyway.
  }
  const cwdBytes = Buffer.from(`${cwd}\0`)
  return Buffer.concat([Buffer.from(`start ${id} ${cwdBytes.length} ${envBytes.length} ${spec.length}\n`), cwdBytes, envBytes, spec])
}

let current: Launcher | undefined
let nextId = 1
/** The launcher could not start once (before `ready`): this process spawns monitors itself. */
let unusable = false

/** Starts one monitor through this process's launcher, spawning it on first use. */
export function launchThrough(binary: string, spec: Buffer, environ: Buffer | undefined, sink: LaunchSink): {release(): void} {
  if (unusable) {
    sink.fallback()
    return {release: () => undefined}
  }
  if (!current) {
    const launcher: Launcher = new Launcher(binary, (gone) => {
      if (current === gone) current = undefined
      if (!gone.wasReady()) unusable = true
    })
    current = launcher
  }
  const launcher = current
  const id = nextId++
  launcher.launch(id, spec, environ, sink)
  return {release: () => launcher.release(id)}
}

/** Ends this process's launcher, if there is one (it ends by itself when the process exits). */
export function closeLauncher(): void {
  current?.close()
  current = undefined
}

/** The launcher's pid, if one runs (tests). */
export function launcherPid(): number | undefined {
  return current?.pid
}
