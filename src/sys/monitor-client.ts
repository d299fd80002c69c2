// Client side of the monitor's command socket (native/cmdsock.h has the
// protocol). Every call has a deadline: a hung monitor must never hang ctr
// (LXC's clients set no timeout, lxc/lxc#3254).

import type {Socket} from 'node:net'

import {CtrError} from '../core/errors.js'
import {isState, type State} from '../core/state.js'
import {net} from './builtins.js'

/** How long one request may take before the monitor counts as hung. */
export const REQUEST_TIMEOUT_MS = 10_000

/** An event from a `watch` subscription. */
export type MonitorEvent =
  | {kind: 'state'; state: State}
  | {kind: 'exit'; status: number; signal: number; reason?: string}
  | {kind: 'oom'; count: number}

export class MonitorConnection {
  private buffered = ''
  private lines: string[] = []
  private ended = false
  private failure: Error | undefined
  // Every pending readLine (requests may overlap: a console client's
  // resizes); each is woken on every line and looks for its own.
  private wakers: Array<() => void> = []

  constructor(private readonly socket: Socket, readonly path: string) {
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      this.buffered += chunk
      let nl: number
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        this.lines.push(this.buffered.slice(0, nl))
        this.buffered = this.buffered.slice(nl + 1)
      }
      this.notify()
    })
    socket.on('end', () => {
      this.ended = true
      this.notify()
    })
    socket.on('error', (error) => {
      this.failure = error
      this.ended = true
      this.notify()
    })
    // close() (destroy) emits no 'end': a request still waiting ends now,
    // not at its deadline.
    socket.on('close', () => {
      this.ended = true
      this.notify()
    })
  }

  /**
   * Sends one command and returns its reply payload; throws CTR_MONITOR_ERROR
   * on `err` (details.errno holds the errno name) and CTR_MONITOR_GONE on EOF
   * (the container is gone). On a watching connection, event lines that
   * arrive before the reply stay queued for nextEvent().
   */
  async request(command: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<string> {
    return (await this.pipeline([command], timeoutMs))[0] as string
  }

  /**
   * Sends several commands in one write and returns their replies in order,
   * as request() does for one: `watch` then `kill` costs one round trip (the
   * monitor answers each line of a read in turn).
   */
  async pipeline(commands: readonly string[], timeoutMs = REQUEST_TIMEOUT_MS): Promise<string[]> {
    this.socket.write(commands.map((command) => `${command}\n`).join(''))
    const deadline = Date.now() + timeoutMs
    const replies: string[] = []
    for (const command of commands) {
      const line = await this.readLine(deadline, isReply)
      if (line === null) {
        throw new CtrError('CTR_MONITOR_TIMEOUT', `The container's monitor did not answer "${command}" within ${timeoutMs / 1000} s`, {
          hints: [`Its socket is ${this.path}; a monitor that hangs can be killed (its pid is in monitor.pid beside the socket), which stops the container`],
        })
      }
      if (line === undefined) {
        throw new CtrError('CTR_MONITOR_GONE', 'The container stopped while ctr was talking to its monitor')
      }
      if (!line.startsWith('ok')) {
        throw new CtrError('CTR_MONITOR_ERROR', `The monitor refused "${command}": ${line.slice(4)}`, {details: {reply: line, errno: line.slice(4)}})
      }
      replies.push(line.slice(3))
    }
    return replies
  }

  /**
   * Next event of a watch subscription; undefined at EOF (the monitor is gone,
   * so the container is STOPPED) or null when `deadline` (ms since epoch) passed.
   */
  async nextEvent(deadline: number): Promise<MonitorEvent | undefined | null> {
    for (;;) {
      const line = await this.readLine(deadline, (l) => !isReply(l))
      if (line === null) return null
      if (line === undefined) return undefined
      const event = parseEvent(line)
      if (event) return event
    }
  }

  close(): void {
    this.socket.destroy()
  }

  private notify(): void {
    for (const wake of this.wakers.splice(0)) wake()
  }

  // Returns the first queued line that `wanted` accepts (others stay queued,
  // in order), undefined at EOF, or null once `deadline` passed.
  private async readLine(deadline: number, wanted: (line: string) => boolean): Promise<string | undefined | null> {
    for (;;) {
      const index = this.lines.findIndex(wanted)
      if (index >= 0) return this.lines.splice(index, 1)[0] as string
      if (this.ended) {
        if (this.failure && !isGoneError(this.failure)) throw monitorIoError(this.path, this.failure)
        return undefined
      }
      const left = deadline - Date.now()
      if (left <= 0) return null
      await new Promise<void>((resolve) => {
        const timer = Number.isFinite(left) ? setTimeout(resolve, left) : undefined
        this.wakers.push(() => {
          if (timer) clearTimeout(timer)
          resolve()
        })
      })
    }
  }
}

/**
 * Connects to the monitor of the container whose run dir is `rundir`.
 * Resolves to undefined when no monitor listens there (no socket, or a dead
 * monitor's socket: ECONNREFUSED), which means the container is not running.
 */
export function connectMonitor(rundir: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<MonitorConnection | undefined> {
  const path = `${rundir}/command.sock`
  return new Promise((resolve, reject) => {
    const socket = net().createConnection({path})
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new CtrError('CTR_MONITOR_TIMEOUT', `Timed out connecting to ${path}`))
    }, timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      resolve(new MonitorConnection(socket, path))
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      if (isGoneError(error)) resolve(undefined)
      else reject(monitorIoError(path, error))
    })
  })
}

// Replies are `ok ...` / `err ...`; everything else is an event of a watch.
function isReply(line: string): boolean {
  return line === 'ok' || line.startsWith('ok ') || line.startsWith('err ')
}

/** True for the errors that mean the container went away during the exchange. */
export function isGone(error: unknown): boolean {
  const e = error as {code?: string; details?: {errno?: string}}
  return e.code === 'CTR_MONITOR_GONE' || (e.code === 'CTR_MONITOR_ERROR' && e.details?.errno === 'ESRCH')
}

function parseEvent(line: string): MonitorEvent | undefined {
  const [kind, a, b, c] = line.split(' ')
  if (kind === 'state' && a !== undefined && isState(a)) return {kind: 'state', state: a}
  if (kind === 'exit') return {kind: 'exit', status: Number(a), signal: Number(b), ...(c ? {reason: c} : {})}
  if (kind === 'oom') return {kind: 'oom', count: Number(a)}
  return undefined
}

// ENOENT: no socket; ECONNREFUSED: a dead monitor's socket file; ECONNRESET
// and EPIPE: the monitor exited while we talked. All mean "not running".
function isGoneError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ENOTDIR'
}

function monitorIoError(path: string, error: Error): CtrError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
  const hints = code === 'EACCES' ? ['The container belongs to another user; run ctr as that user or as root'] : []
  return new CtrError(code === 'EACCES' ? 'CTR_PERMISSION' : 'CTR_MONITOR_IO', `Failed to talk to the monitor at "${path}": ${code}`, {hints, cause: error})
}
