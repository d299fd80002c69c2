// What bench/run.ts and bench/scale.ts share: options, process facts from
// /proc, statistics and the exit on a usage or setup error.

import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {closeSync, openSync, readFileSync, statSync, unlinkSync} from 'node:fs'
import {delimiter, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO = fileURLToPath(new URL('..', import.meta.url))

let program = 'bench'

/** Names the program in fail()'s messages (bench, bench/scale). */
export function setProgram(name: string): void {
  program = name
}

/** A usage or setup error: the message, and exit 2. */
export function fail(message: string): never {
  process.stderr.write(`${program}: ${message}\n`)
  process.exit(2)
}

export interface Pinned {
  pid: number
  starttime: string
}

export interface Stats {
  min: number
  median: number
  max: number
  n: number
}

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}

export function gitDescribe(): string {
  const rev = spawnSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], {encoding: 'utf8'})
  if (rev.status !== 0) return 'unknown'
  const dirty = spawnSync('git', ['-C', REPO, 'status', '--porcelain', '--untracked-files=no'], {encoding: 'utf8'}).stdout.trim() !== ''
  return `${rev.stdout.trim()}${dirty ? '+changes' : ''}`
}

export function intOption(what: string, text: string, min: number): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < min) fail(`${what}: expected an integer ≥ ${min}, got "${text}"`)
  return n
}

export function lineKey(line: string): string | undefined {
  return /^\s*(lxc\.[A-Za-z0-9_.]+)\s*=/.exec(line)?.[1]
}

export function need(cmd: string): string {
  const path = which(cmd)
  if (!path) throw new Error(`${cmd} not found in PATH`)
  return path
}

/** The process and its start time; undefined once it is gone (a zombie counts as gone: it only waits to be reaped). */
export function pin(pid: number): Pinned | undefined {
  const stat = procStat(pid)
  if (stat?.[19] === undefined || stat[0] === 'Z' || stat[0] === 'X') return undefined
  return {pid, starttime: stat[19]}
}

export function procStat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after "(comm)": state is [0], ppid [1], starttime [19].
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

export function slurp(path: string): string {
  try {
    const text = readFileSync(path, 'utf8')
    unlinkSync(path)
    return text
  } catch {
    return ''
  }
}

export function stats(samples: number[]): Stats | undefined {
  if (samples.length === 0) return undefined
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 ? sorted[mid] ?? 0 : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
  return {min: sorted[0] ?? 0, median, max: sorted[sorted.length - 1] ?? 0, n: sorted.length}
}

export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    const path = join(dir || '.', cmd)
    try {
      if (statSync(path).isFile()) return path
    } catch {
      // not here
    }
  }
  return undefined
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  /** Wall time from just before spawn to the exit event, ms. */
  ms: number
  /** hrtime (ns) of the exit event. */
  end: bigint
  stdout: string
  stderr: string
}

export interface Launched {
  pid: number
  done: Promise<RunResult>
}

/** The commands a bench runs: their environment, where their output goes, and those still running (for the cleanup). */
export class Processes {
  env: NodeJS.ProcessEnv = process.env
  logDir = '/tmp'
  private readonly live = new Set<ChildProcess>()
  private seq = 0

  /**
   * Spawns a command with stdout/stderr going to files (not pipes: a daemon
   * that inherits them must not hold up the exit), timing it from just before
   * spawn to its exit event; SIGKILLed after `timeoutMs`.
   */
  launch(cmd: string, args: string[], timeoutMs = 30_000): Launched {
    const id = this.seq++
    const outPath = join(this.logDir, `${id}.out`)
    const errPath = join(this.logDir, `${id}.err`)
    const out = openSync(outPath, 'w')
    const err = openSync(errPath, 'w')
    const start = process.hrtime.bigint()
    const child = spawn(cmd, args, {stdio: ['ignore', out, err], env: this.env})
    closeSync(out)
    closeSync(err)
    this.live.add(child)
    let timedOut = false
    const done = new Promise<RunResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        timedOut = true
        child.kill('SIGKILL')
      }, timeoutMs)
      child.on('error', (error) => {
        clearTimeout(timer)
        this.live.delete(child)
        reject(new Error(`${cmd}: ${error.message}`))
      })
      child.on('exit', (code, signal) => {
        const end = process.hrtime.bigint()
        clearTimeout(timer)
        this.live.delete(child)
        resolve({code, signal, timedOut, ms: Number(end - start) / 1e6, end, stdout: slurp(outPath), stderr: slurp(errPath)})
      })
    })
    return {pid: child.pid ?? -1, done}
  }

  /** SIGKILLs every command still running. */
  killAll(): void {
    for (const child of this.live) child.kill('SIGKILL')
  }

  private steps: Array<() => void> = []
  private cleanedUp = false

  /** A step for cleanup(), run after the ones added before it. */
  atCleanup(step: () => void): void {
    this.steps.push(step)
  }

  /** A step for cleanup(), run before every one added so far. */
  atCleanupFirst(step: () => void): void {
    this.steps.unshift(step)
  }

  /**
   * Once: SIGKILLs every command still running, then runs the cleanup steps
   * in order, each on its own (one that throws is reported, the rest still run).
   */
  cleanup(): void {
    if (this.cleanedUp) return
    this.cleanedUp = true
    this.killAll()
    for (const step of this.steps) {
      try {
        step()
      } catch (error) {
        process.stderr.write(`${program}: cleanup: ${(error as Error).message}\n`)
      }
    }
    this.steps = []
  }
}
