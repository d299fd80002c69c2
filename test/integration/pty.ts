// A real terminal for the console tests: test/integration/pty-driver.py runs
// a command on a new pty and relays its output, our keystrokes, window-size
// changes and the terminal's settings as JSON lines. Waits follow the
// output (expect) or the process (exited), each with a deadline.

import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const DRIVER = join(dirname(fileURLToPath(import.meta.url)), 'pty-driver.py')

/** Why pty tests cannot run here, or undefined when python3 with its pty module is available. */
export function ptyUnavailable(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import pty, termios, fcntl'], {encoding: 'utf8'})
  return probe.status === 0 ? undefined : 'needs python3 (its pty module drives a real terminal): apt-get install python3'
}

export interface TermiosReport {
  raw: boolean
  iflag: number
  oflag: number
  lflag: number
  attrs: unknown[]
}

export interface PtyExit {
  code: number | null
  signal: number | null
  /** The terminal's settings once the command had exited. */
  termios: TermiosReport
}

export class PtySession {
  /** Everything the command wrote, decoded as UTF-8. */
  output = ''
  /** The pty's slave path (the command's terminal). */
  tty = ''
  /** Resolves with the terminal's settings from before the command ran. */
  readonly started: Promise<TermiosReport>
  readonly exited: Promise<PtyExit>
  private readonly child: ChildProcess
  private lineBuf = ''
  private waiters: Array<() => void> = []
  private termiosWaiters: Array<(t: TermiosReport) => void> = []
  private lastTermios: TermiosReport | undefined
  private done = false

  constructor(argv: string[], opts: {rows?: number; cols?: number; env?: NodeJS.ProcessEnv; cwd?: string} = {}) {
    this.child = spawn('python3', [DRIVER, String(opts.rows ?? 30), String(opts.cols ?? 100), '--', ...argv], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    let resolveStarted!: (t: TermiosReport) => void
    this.started = new Promise((resolve) => {
      resolveStarted = resolve
    })
    let resolveExit!: (e: PtyExit) => void
    let rejectExit!: (e: Error) => void
    this.exited = new Promise((resolve, reject) => {
      resolveExit = resolve
      rejectExit = reject
    })
    this.exited.catch(() => undefined)
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.lineBuf += chunk
      let nl: number
      while ((nl = this.lineBuf.indexOf('\n')) >= 0) {
        const event = JSON.parse(this.lineBuf.slice(0, nl)) as Record<string, unknown>
        this.lineBuf = this.lineBuf.slice(nl + 1)
        if (event.ev === 'out') this.output += Buffer.from(event.data as string, 'base64').toString('utf8')
        else if (event.ev === 'started') {
          this.tty = event.tty as string
          resolveStarted(event.termios as TermiosReport)
        }
        else if (event.ev === 'termios') {
          this.lastTermios = event as unknown as TermiosReport
          for (const w of this.termiosWaiters.splice(0)) w(this.lastTermios)
        } else if (event.ev === 'exit') {
          this.done = true
          resolveExit({code: event.code as number | null, signal: event.signal as number | null, termios: this.lastTermios as TermiosReport})
        }
        for (const w of this.waiters.splice(0)) w()
      }
    })
    this.child.on('error', rejectExit)
    this.child.on('close', () => {
      if (!this.done) rejectExit(new Error(`pty-driver exited without an exit event; output so far:\n${this.output}`))
      for (const w of this.waiters.splice(0)) w()
    })
  }

  /** The current length of the output: expect(..., from) looks only after it. */
  mark(): number {
    return this.output.length
  }

  /** Types bytes into the terminal. */
  write(data: string | Buffer): void {
    this.request({op: 'write', data: Buffer.from(data).toString('base64')})
  }

  /** Changes the window size (the kernel sends SIGWINCH to the terminal's foreground). */
  resize(rows: number, cols: number): void {
    this.request({op: 'resize', rows, cols})
  }

  /** The terminal's settings now. */
  termios(timeoutMs = 10_000): Promise<TermiosReport> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('No termios report from the pty driver')), timeoutMs)
      this.termiosWaiters.push((t) => {
        clearTimeout(timer)
        resolve(t)
      })
      this.request({op: 'termios'})
    })
  }

  /** Sends a signal to the command. */
  signal(sig: number): void {
    this.request({op: 'kill', signal: sig})
  }

  /** Resolves with the match once the output after `from` matches; rejects after timeoutMs, with the output in the message. */
  async expect(pattern: RegExp | string, timeoutMs = 30_000, from = 0): Promise<RegExpMatchArray> {
    const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const match = this.output.slice(from).match(re)
      if (match) return match
      const left = deadline - Date.now()
      if (left <= 0 || (this.done && this.child.exitCode !== null)) {
        throw new Error(`Timed out waiting for ${re} in the terminal output:\n${JSON.stringify(this.output.slice(from))}`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Waits for the command to exit; rejects after timeoutMs. */
  async wait(timeoutMs = 20_000): Promise<PtyExit> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`The command on the pty did not exit within ${timeoutMs} ms; output:\n${JSON.stringify(this.output)}`)), timeoutMs)
    })
    try {
      return await Promise.race([this.exited, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Kills the driver and its command (cleanup). */
  destroy(): void {
    if (this.child.exitCode === null) {
      this.signal(9)
      this.child.stdin?.end()
    }
  }

  private request(req: Record<string, unknown>): void {
    this.child.stdin?.write(`${JSON.stringify(req)}\n`)
  }
}
