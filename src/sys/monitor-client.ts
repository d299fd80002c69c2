// Client side of the monitor's command socket (native/cmdsock.h has the
// protocol). Every call has a deadline: a hung monitor must never hang ctr
// (LXC's clients set no timeout, lxc/lxc#3254).


import {CtrError} from '../core/errors.js'
import {isState, type State} from '../core/state.js'
import {net, os} from './builtins.js'

/** How long one request may take before the monitor counts as hung. */
export const REQUEST_TIMEOUT_MS = 10_000

/** An event from a `watch` subscription. */
export type MonitorEvent =
  | {kind: 'state'; state: State}
  | {kind: 'exit'; status: number; signal: number; reason?: string}
  | {kind: 'oom'; count: number}

/**
 * What a connection needs of its socket: a `net.Socket`, or the raw pipe
 * handle below. Events: 'data' (a string), 'end', 'error', 'close'.
 */
interface LineSocket {
  setEncoding(encoding: 'utf8'): void
  on(event: 'data', listener: (chunk: string) => void): void
  on(event: 'end' | 'close', listener: () => void): void
  on(event: 'error', listener: (error: Error) => void): void
  write(data: string): void
  destroy(): void
}

export class MonitorConnection {
  private buffered = ''
  private lines: string[] = []
  private ended = false
  private failure: Error | undefined
  // Every pending readLine (requests may overlap: a console client's
  // resizes); each is woken on every line and looks for its own.
  private wakers: Array<() => void> = []

  constructor(private readonly socket: LineSocket, readonly path: string) {
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
  const raw = rawPipeBindings()
  if (raw) return connectRaw(raw, path, timeoutMs)
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

// ---- The CLI's stop without node:net (docs/architecture.md §6)
//
// `ctr stop` talks to one monitor for one exchange and exits. Loading
// node:net (and the stream stack under it) is about a third of what the
// call adds to Node's boot; the libuv pipe handle it wraps is reachable
// through the `pipe_wrap` and `stream_wrap` bindings, which load nothing.
// Only the CLI's stop opts in (src/hot/stop.ts); every other caller and the
// library keep node:net. process.binding is deprecated (DEP0111,
// documentation-only in Node 20) but allowlisted for both; they are used
// only when they have the shape checked here and --pending-deprecation
// would not print a warning for them (as src/sys/monitor.ts does for
// spawn_sync); otherwise node:net runs.

interface StreamReq {
  oncomplete?: (...args: never[]) => void
  [key: string]: unknown
}
interface PipeHandle {
  connect(req: StreamReq, path: string): number
  readStart(): number
  readStop(): number
  writeUtf8String(req: StreamReq, data: string): number
  close(callback?: () => void): void
  onread: (arrayBuffer: ArrayBuffer | undefined) => void
}
interface RawPipeBindings {
  Pipe: new (type: number) => PipeHandle
  PipeConnectWrap: new () => StreamReq
  WriteWrap: new () => StreamReq
  socketType: number
  state: Int32Array
  kReadBytesOrError: number
  kArrayBufferOffset: number
}

let rawAllowed = false

/** The CLI's stop: reach the monitor through the raw pipe handle (see above). */
export function useRawMonitorSocket(): void {
  rawAllowed = true
}

function rawPipeBindings(): RawPipeBindings | undefined {
  if (!rawAllowed) return undefined
  const pending = process.execArgv.includes('--pending-deprecation') || (process.env.NODE_OPTIONS ?? '').includes('--pending-deprecation') || process.env.NODE_PENDING_DEPRECATION === '1'
  if (pending) return undefined
  try {
    const binding = (process as unknown as {binding?: (name: string) => unknown}).binding
    const pipe = binding?.('pipe_wrap') as {Pipe?: unknown; PipeConnectWrap?: unknown; constants?: {SOCKET?: unknown}} | undefined
    const stream = binding?.('stream_wrap') as {WriteWrap?: unknown; streamBaseState?: unknown; kReadBytesOrError?: unknown; kArrayBufferOffset?: unknown} | undefined
    if (typeof pipe?.Pipe !== 'function' || typeof pipe.PipeConnectWrap !== 'function' || typeof pipe.constants?.SOCKET !== 'number') return undefined
    if (typeof stream?.WriteWrap !== 'function' || !(stream.streamBaseState instanceof Int32Array)) return undefined
    if (typeof stream.kReadBytesOrError !== 'number' || typeof stream.kArrayBufferOffset !== 'number') return undefined
    const proto = (pipe.Pipe as {prototype: Record<string, unknown>}).prototype
    for (const method of ['connect', 'readStart', 'readStop', 'writeUtf8String', 'close']) if (typeof proto[method] !== 'function') return undefined
    return {
      Pipe: pipe.Pipe as RawPipeBindings['Pipe'],
      PipeConnectWrap: pipe.PipeConnectWrap as RawPipeBindings['PipeConnectWrap'],
      WriteWrap: stream.WriteWrap as RawPipeBindings['WriteWrap'],
      socketType: pipe.constants.SOCKET,
      state: stream.streamBaseState,
      kReadBytesOrError: stream.kReadBytesOrError,
      kArrayBufferOffset: stream.kArrayBufferOffset,
    }
  } catch {
    return undefined
  }
}

// libuv's UV_EOF: the peer closed its end.
const UV_EOF = -4095

function uvError(status: number, syscall: string, path: string): NodeJS.ErrnoException {
  // libuv's codes are negative errnos on Linux; node:os names them, loaded
  // only here, on an error path.
  const code = Object.entries(os().constants.errno).find(([, n]) => n === -status)?.[0] ?? 'EIO'
  return Object.assign(new Error(`${syscall} ${code} ${path}`), {errno: status, code, syscall, address: path})
}

/**
 * One connection over the raw handle, with the events MonitorConnection
 * listens to: UTF-8 'data' chunks, 'end' at EOF, 'error', and 'close' once
 * (after end, error or destroy).
 */
class RawPipeSocket implements LineSocket {
  private readonly listeners: {data: Array<(chunk: string) => void>; end: Array<() => void>; error: Array<(error: Error) => void>; close: Array<() => void>} = {data: [], end: [], error: [], close: []}
  private readonly decoder = new TextDecoder('utf-8')
  private closed = false

  constructor(
    private readonly raw: RawPipeBindings,
    private readonly handle: PipeHandle,
    private readonly path: string,
  ) {
    handle.onread = (arrayBuffer) => {
      const nread = raw.state[raw.kReadBytesOrError] as number
      if (nread > 0 && arrayBuffer !== undefined) {
        const offset = raw.state[raw.kArrayBufferOffset] as number
        const text = this.decoder.decode(new Uint8Array(arrayBuffer, offset, nread), {stream: true})
        if (text !== '') for (const listener of this.listeners.data) listener(text)
        return
      }
      if (nread === 0) return
      if (nread === UV_EOF) for (const listener of this.listeners.end) listener()
      else for (const listener of this.listeners.error) listener(uvError(nread, 'read', this.path))
      this.destroy()
    }
  }

  setEncoding(): void {
    // Always UTF-8 (the decoder above).
  }

  on(event: 'data' | 'end' | 'error' | 'close', listener: (arg: never) => void): void {
    ;(this.listeners[event] as Array<(arg: never) => void>).push(listener)
  }

  /** Starts reading; returns the libuv status. */
  start(): number {
    return this.handle.readStart()
  }

  write(data: string): void {
    if (this.closed) return
    const req = new this.raw.WriteWrap()
    req.handle = this.handle
    req.oncomplete = (status: number) => {
      if (status < 0) this.fail(uvError(status, 'write', this.path))
    }
    req.async = false
    const status = this.handle.writeUtf8String(req, data)
    if (status < 0) this.fail(uvError(status, 'write', this.path))
  }

  destroy(): void {
    if (this.closed) return
    this.closed = true
    // (onread must stay a function: the binding checks it.)
    this.handle.onread = () => undefined
    this.handle.readStop()
    this.handle.close(() => {
      for (const listener of this.listeners.close) listener()
    })
  }

  // A failed write (EPIPE: the monitor is gone) is reported as an error
  // event, as a net.Socket does, after the call returns.
  private fail(error: Error): void {
    queueMicrotask(() => {
      if (this.closed) return
      for (const listener of this.listeners.error) listener(error)
      this.destroy()
    })
  }
}

function connectRaw(raw: RawPipeBindings, path: string, timeoutMs: number): Promise<MonitorConnection | undefined> {
  return new Promise((resolve, reject) => {
    const handle = new raw.Pipe(raw.socketType)
    const req = new raw.PipeConnectWrap()
    let settled = false
    const finish = (status: number): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (status === 0) {
        const socket = new RawPipeSocket(raw, handle, path)
        const started = socket.start()
        if (started === 0) return resolve(new MonitorConnection(socket, path))
        status = started
      }
      handle.close()
      const error = uvError(status, 'connect', path)
      if (isGoneError(error)) resolve(undefined)
      else reject(monitorIoError(path, error))
    }
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      handle.close()
      reject(new CtrError('CTR_MONITOR_TIMEOUT', `Timed out connecting to ${path}`))
    }, timeoutMs)
    req.address = path
    req.oncomplete = (status: number) => finish(status)
    const status = handle.connect(req, path)
    if (status !== 0) finish(status)
  })
}
