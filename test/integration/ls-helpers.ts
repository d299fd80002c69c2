// What the ls and monitor tests need beyond helpers.ts: reading a running
// ctr's output line by line as it arrives (to synchronise on `ctr monitor`'s
// events instead of sleeping), and running ctr with its stdout on a real
// FIFO that the test can close (the `ctr monitor | head` case; node's
// 'pipe' stdio is a socketpair).

import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {closeSync, constants, openSync, rmSync} from 'node:fs'
import {Socket} from 'node:net'
import {join} from 'node:path'
import type {Readable} from 'node:stream'

import {RUN_JS, type CtrResult, type Sandbox, type Way} from './helpers.js'

/**
 * Collects the lines of a stream as they arrive. `next()` hands them out in
 * order, waiting for the next one with a deadline; nothing is ever dropped.
 */
export class LineReader {
  private readonly lines: string[] = []
  private partial = ''
  private ended = false
  private wake: (() => void) | undefined
  /** Every line read so far, for failure messages. */
  readonly seen: string[] = []

  constructor(stream: Readable) {
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      this.partial += chunk
      let nl: number
      while ((nl = this.partial.indexOf('\n')) >= 0) {
        const line = this.partial.slice(0, nl)
        this.partial = this.partial.slice(nl + 1)
        this.lines.push(line)
        this.seen.push(line)
      }
      this.poke()
    })
    stream.on('end', () => {
      this.ended = true
      this.poke()
    })
    stream.on('close', () => {
      this.ended = true
      this.poke()
    })
  }

  /** The next line; rejects after `timeoutMs`, or when the stream ends first. */
  async next(timeoutMs = 10_000, what = 'a line'): Promise<string> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const line = this.lines.shift()
      if (line !== undefined) return line
      if (this.ended) throw new Error(`Output ended before ${what}; lines so far:\n${this.seen.join('\n')}`)
      const left = deadline - performance.now()
      if (left <= 0) throw new Error(`No ${what} within ${timeoutMs} ms; lines so far:\n${this.seen.join('\n')}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }

  /** The next `count` lines. */
  async take(count: number, timeoutMs = 10_000): Promise<string[]> {
    const out: string[] = []
    for (let i = 0; i < count; i++) out.push(await this.next(timeoutMs, `line ${i + 1} of ${count}`))
    return out
  }

  /** Lines waiting to be read (none means nothing arrived unread). */
  pending(): string[] {
    return [...this.lines]
  }

  private poke(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}

export interface FifoCtr {
  child: ChildProcess
  pid: number
  /** Lines ctr wrote to the FIFO. */
  out: LineReader
  /** Closes the test's (the only) read end: ctr's next write fails with EPIPE. */
  closeReader(): void
  done: Promise<CtrResult>
}

/**
 * Runs `ctr ARGS` with stdout on a real FIFO (mkfifo in the sandbox) whose
 * only reader is this process, stderr on a pipe. The caller must end the
 * process (it is tracked nowhere else); `done` rejects after `timeoutMs`
 * after killing it.
 */
export function spawnCtrToFifo(sb: Sandbox, args: string[], opts: {via?: Way; timeoutMs?: number} = {}): FifoCtr {
  const fifo = join(sb.root, `fifo-${process.pid}-${Math.random().toString(36).slice(2)}`)
  const made = spawnSync('mkfifo', [fifo])
  if (made.status !== 0) throw new Error(`mkfifo ${fifo} failed: ${made.stderr.toString()}`)
  // Open the read end first (non-blocking, so no writer is needed yet), then the write end for the child.
  const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
  const writeFd = openSync(fifo, constants.O_WRONLY)
  rmSync(fifo)
  const started = performance.now()
  const child = spawn(process.execPath, [RUN_JS, ...args], {cwd: sb.root, env: sb.env({}, opts.via), stdio: ['ignore', writeFd, 'pipe']})
  closeSync(writeFd)
  const reader = new Socket({fd: readFd, readable: true, writable: false})
  const out = new LineReader(reader)
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c))
  const timeoutMs = opts.timeoutMs ?? 30_000
  const done = new Promise<CtrResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`ctr ${args.join(' ')} did not finish within ${timeoutMs} ms\n--- stdout ---\n${out.seen.join('\n')}\n--- stderr ---\n${stderr}`))
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout: out.seen.map((l) => `${l}\n`).join(''), stderr, ms: Math.round(performance.now() - started), args})
    })
  })
  return {child, pid: child.pid ?? -1, out, closeReader: () => reader.destroy(), done}
}

/** A regex for -n/--filter matching exactly these names. */
export function exactly(...names: string[]): string {
  return names.map((n) => n.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&')).join('|')
}
