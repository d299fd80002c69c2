// The local side of an interactive session with a container: bytes between
// this process's terminal (or pipes) and a remote stream (a socket to the
// monitor, which holds the container's pty master), with the terminal in raw
// mode while it lasts, window-size changes reported as they happen, an
// optional escape sequence to detach (lxc-console's `Ctrl-a q`), and the
// terminal restored on every way out. `ctr console`, `ctr start -F` on a
// terminal and `ctr attach` share it.
//
// Raw mode is libuv's (tty.ReadStream#setRawMode): the same settings as
// cfmakeraw, with output post-processing left on. Node saves the terminal's
// settings the first time it changes them and restores them when the
// process exits, whatever way it exits short of SIGKILL; we restore them
// ourselves as soon as the session ends.

import type {Duplex} from 'node:stream'
import type {ReadStream, WriteStream} from 'node:tty'

export interface TerminalSize {
  rows: number
  cols: number
}

export interface TtyProxyOptions {
  /** The remote end: bytes read from it go to `output`, bytes typed go to it. */
  remote: Duplex
  /** Default process.stdin. Put in raw mode when it is a terminal. */
  input?: NodeJS.ReadableStream & Partial<Pick<ReadStream, 'isTTY' | 'setRawMode'>>
  /** Default process.stdout. */
  output?: NodeJS.WritableStream & Partial<Pick<WriteStream, 'isTTY' | 'columns' | 'rows'>>
  /**
   * The escape character as a control code (1 = Ctrl-a, LXC's default);
   * undefined or 0: no escape sequence. ESC then `q` detaches; ESC twice
   * sends one ESC; ESC then any other byte sends that byte (lxc-console).
   */
  escape?: number
  /** Called with the terminal's size at the start and after every window-size change (SIGWINCH; only when output is a terminal). */
  onResize?: (size: TerminalSize) => void
  /**
   * End of input (a pipe, not a terminal): `end` half-closes the remote
   * and waits for it to close (a command reading stdin sees EOF), `detach`
   * ends the session, `ignore` keeps the session going until the remote
   * closes or a signal detaches.
   */
  onInputEnd?: 'end' | 'detach' | 'ignore'
  /** Signals that end the session (handled while it lasts): lxc-console detaches on SIGTERM. */
  detachOn?: NodeJS.Signals[]
}

/** How a session ended. */
export type TtyProxyEnd =
  | {reason: 'escape'}
  | {reason: 'remote-closed'}
  | {reason: 'input-ended'}
  | {reason: 'signal'; signal: NodeJS.Signals}

/** The terminal's size, or undefined when `output` is not a terminal. */
export function terminalSize(output: TtyProxyOptions['output'] = process.stdout): TerminalSize | undefined {
  if (!output.isTTY || !output.columns || !output.rows) return undefined
  return {rows: output.rows, cols: output.columns}
}

/**
 * Splits typed bytes at an escape sequence (lxc-console's rules). Pure: the
 * state (an escape seen at the end of the previous chunk) goes in and out.
 * Returns the bytes to send and whether `ESC q` was typed (bytes after it
 * are dropped).
 */
export function scanEscape(chunk: Buffer, escape: number, sawEscape: boolean): {send: Buffer; detach: boolean; sawEscape: boolean} {
  const out: number[] = []
  let saw = sawEscape
  for (const byte of chunk) {
    if (byte === escape && !saw) {
      saw = true
      continue
    }
    if (saw && byte === 0x71) return {send: Buffer.from(out), detach: true, sawEscape: false}
    saw = false
    out.push(byte)
  }
  return {send: Buffer.from(out), detach: false, sawEscape: saw}
}

/**
 * Runs one session until the remote closes, the escape sequence is typed,
 * input ends (per `onInputEnd`) or a `detachOn` signal arrives. The
 * terminal is in raw mode meanwhile and restored before the promise
 * resolves; listeners are removed and stdin is paused, so the process can
 * exit. Never rejects: a remote error counts as the remote closing.
 */
export function proxyTerminal(opts: TtyProxyOptions): Promise<TtyProxyEnd> {
  const input = opts.input ?? process.stdin
  const output = opts.output ?? process.stdout
  const remote = opts.remote
  const escape = opts.escape && opts.escape > 0 ? opts.escape : undefined
  const raw = input.isTTY === true && typeof input.setRawMode === 'function'
  let sawEscape = false
  let finished = false

  return new Promise<TtyProxyEnd>((resolve) => {
    const cleanups: Array<() => void> = []
    const on = (emitter: NodeJS.EventEmitter, event: string, fn: (...args: never[]) => void): void => {
      emitter.on(event, fn as (...args: unknown[]) => void)
      cleanups.push(() => emitter.off(event, fn as (...args: unknown[]) => void))
    }
    const finish = (end: TtyProxyEnd): void => {
      if (finished) return
      finished = true
      for (const cleanup of cleanups.reverse()) cleanup()
      if (raw) input.setRawMode?.(false)
      input.pause()
      resolve(end)
    }

    on(remote, 'data', (chunk: Buffer) => {
      if (!output.write(chunk)) {
        remote.pause()
        output.once('drain', () => remote.resume())
      }
    })
    on(remote, 'end', () => finish({reason: 'remote-closed'}))
    on(remote, 'close', () => finish({reason: 'remote-closed'}))
    on(remote, 'error', () => finish({reason: 'remote-closed'}))

    on(input, 'data', (chunk: Buffer | string) => {
      let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      if (escape !== undefined) {
        const scan = scanEscape(data, escape, sawEscape)
        sawEscape = scan.sawEscape
        data = scan.send
        if (scan.detach) {
          if (data.length > 0) remote.write(data)
          finish({reason: 'escape'})
          return
        }
      }
      if (data.length > 0 && !remote.write(data)) {
        input.pause()
        remote.once('drain', () => {
          if (!finished) input.resume()
        })
      }
    })
    on(input, 'end', () => {
      const mode = opts.onInputEnd ?? 'ignore'
      if (mode === 'detach') finish({reason: 'input-ended'})
      else if (mode === 'end') remote.end()
    })

    if (opts.onResize && output.isTTY) {
      const report = (): void => {
        const size = terminalSize(output)
        if (size) opts.onResize?.(size)
      }
      // Node's tty.WriteStream refreshes its size on SIGWINCH, then emits 'resize'.
      on(output, 'resize', report)
      report()
    }
    for (const signal of opts.detachOn ?? []) on(process, signal, () => finish({reason: 'signal', signal}))

    if (raw) input.setRawMode?.(true)
    input.resume()
    remote.resume()
  })
}
