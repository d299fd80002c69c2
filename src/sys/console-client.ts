// A client of a container's console or ttys, through its monitor
// (docs/monitor-protocol.md §4.5): `console N ROWS COLS` on a connection of
// its own turns that connection into a byte stream to the terminal; window
// sizes go as `resize N ROWS COLS` on a second, ordinary connection.

import type {Socket} from 'node:net'

import {CtrError} from '../core/errors.js'
import {net} from './builtins.js'
import {connectMonitor, REQUEST_TIMEOUT_MS, type MonitorConnection} from './monitor-client.js'
import type {TerminalSize} from './tty-proxy.js'

export interface ConsoleSession {
  /** The terminal attached: 0 the console, N ttyN. */
  index: number
  /** The byte stream: reads are the terminal's output, writes its input. Paused. */
  socket: Socket
  /** Sets the terminal's window size (best effort: a failure is ignored). */
  resize(size: TerminalSize): void
  /** Closes the stream and the control connection (the container keeps running). */
  close(): void
}

/**
 * Attaches to terminal `index` (-1: the first tty without a client, as
 * lxc-console picks) of the container whose run dir is `rundir`. Throws
 * CTR_NOT_RUNNING when no monitor answers, CTR_NO_TTY when the terminal does
 * not exist or every tty is in use, CTR_MONITOR_TIMEOUT on a hung monitor.
 */
export async function openConsole(rundir: string, name: string, index: number, size: TerminalSize | undefined): Promise<ConsoleSession> {
  const path = `${rundir}/command.sock`
  const socket = await connect(path, name, `console ${index} ${size?.rows ?? 0} ${size?.cols ?? 0}\n`)
  let first: string
  let rest: Buffer
  try {
    ;[first, rest] = await firstLine(socket, path)
  } catch (error) {
    socket.destroy()
    throw error
  }
  if (!first.startsWith('ok ')) {
    socket.destroy()
    throw refused(first.slice(4), index, name)
  }
  if (rest.length > 0) socket.unshift(rest)
  const attached = Number(first.slice(3))
  // The size at attach time went with the console command; later ones go
  // one at a time on the control connection.
  let control: Promise<MonitorConnection | undefined> | undefined
  const resize = (s: TerminalSize): void => {
    control = (control ?? connectMonitor(rundir).catch(() => undefined)).then(async (c) => {
      await c?.request(`resize ${attached} ${s.rows} ${s.cols}`).catch(() => undefined)
      return c
    })
  }
  return {
    index: attached,
    socket,
    resize,
    close() {
      // A FIN after what was typed (destroy could drop it); the rest of the
      // output is read and dropped until the monitor closes its end.
      const timer = setTimeout(() => socket.destroy(), 1000)
      timer.unref()
      socket.once('close', () => clearTimeout(timer))
      socket.resume()
      socket.end()
      void control?.then((c) => c?.close())
    },
  }
}

// Connects and sends the command line; CTR_NOT_RUNNING when nothing listens.
function connect(sockPath: string, container: string, command: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = net().createConnection({path: sockPath})
    const timer = setTimeout(() => {
      s.destroy()
      reject(new CtrError('CTR_MONITOR_TIMEOUT', `Timed out connecting to ${sockPath}`))
    }, REQUEST_TIMEOUT_MS)
    s.once('connect', () => {
      clearTimeout(timer)
      s.removeAllListeners('error')
      s.write(command)
      resolve(s)
    })
    s.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      const gone = ['ENOENT', 'ECONNREFUSED', 'ENOTDIR'].includes(error.code ?? '')
      reject(gone
        ? new CtrError('CTR_NOT_RUNNING', `${container} is not running`, {cause: error})
        : new CtrError('CTR_MONITOR_IO', `Failed to talk to the monitor at "${sockPath}": ${error.code ?? 'EIO'}`, {cause: error}))
    })
  })
}

// The reply line, and whatever terminal output came behind it in the same read.
function firstLine(socket: Socket, path: string): Promise<[string, Buffer]> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0)
    const timer = setTimeout(() => done(new CtrError('CTR_MONITOR_TIMEOUT', `The container's monitor did not answer "console" within ${REQUEST_TIMEOUT_MS / 1000} s`, {hints: [`Its socket is ${path}`]})), REQUEST_TIMEOUT_MS)
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk])
      const nl = buffered.indexOf(0x0a)
      if (nl < 0) return
      done(undefined, [buffered.subarray(0, nl).toString('utf8'), buffered.subarray(nl + 1)])
    }
    const onEnd = (): void => done(new CtrError('CTR_MONITOR_GONE', 'The container stopped while ctr was talking to its monitor'))
    const done = (error: Error | undefined, value?: [string, Buffer]): void => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('error', onEnd)
      socket.pause()
      if (error) reject(error)
      else resolve(value as [string, Buffer])
    }
    socket.on('data', onData)
    socket.on('end', onEnd)
    socket.on('error', onEnd)
  })
}

function refused(errno: string, index: number, name: string): CtrError {
  if (errno === 'ENXIO') {
    const what = index === 0 ? 'no console (lxc.console.path = none)' : index < 0 ? 'no ttys (lxc.tty.max = 0)' : `no tty ${index}`
    return new CtrError('CTR_NO_TTY', `${name} has ${what}`, {
      hints: [index === 0 ? 'Attach to a tty with -t N, or give the container a console' : 'Set lxc.tty.max in its config, or attach to the console with -t 0'],
      details: {errno},
    })
  }
  if (errno === 'EBUSY') {
    return new CtrError('CTR_NO_TTY', `Every tty of ${name} is in use`, {hints: ['Name one with -t N to share it, or use the console (-t 0)'], details: {errno}})
  }
  return new CtrError('CTR_MONITOR_ERROR', `The monitor refused "console": ${errno}`, {details: {errno}})
}
