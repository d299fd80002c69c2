// What the cgroup tests need beyond helpers.ts: the monitor's run-dir
// record of a container's cgroup directories, /proc/PID/cgroup, a `watch`
// subscription on the command socket that collects event lines, a FIFO
// trigger into a container, and running ctr in a private mount namespace
// that shows a pure v1 or pure v2 cgroup layout.

import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {createConnection, type Socket} from 'node:net'

import {RUN_JS, type CtrResult, type Sandbox} from './helpers.js'

export interface RecordEntry {
  role: 'limit' | 'inner' | 'dir' | 'monitor'
  version: 1 | 2
  id: string
  hierarchyPath: string
  dir: string
}

/** The cgroup directories the container's monitor recorded (`<rundir>/cgroups`); [] if none. */
export function cgroupRecord(sb: Sandbox, name: string): RecordEntry[] {
  const path = `${sb.rundirOf(name)}/cgroups`
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [role, version, id, hierarchyPath, dir] = line.split('\t')
      return {role: role as RecordEntry['role'], version: version === '2' ? 2 : 1, id: id === '-' ? '' : (id ?? ''), hierarchyPath: hierarchyPath ?? '', dir: dir ?? ''}
    })
}

/** /proc/PID/cgroup as a map: v1 controller field (or '' for v2) → path. */
export function procCgroups(pid: number): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const a = line.indexOf(':')
    const b = line.indexOf(':', a + 1)
    if (a > 0 && b > a) out.set(line.slice(a + 1, b), line.slice(b + 1))
  }
  return out
}

/** A file of a container cgroup directory, trimmed. */
export function cgroupFile(dir: string, file: string): string {
  return readFileSync(`${dir}/${file}`, 'utf8').trim()
}

/**
 * A `watch` subscription on a monitor's command socket: `next(pred)`
 * resolves with the first event line (after the `ok STATE` reply) that
 * matches, or rejects after the timeout; `ended` once the monitor hung up.
 */
export class Watcher {
  private lines: string[] = []
  private waiters: Array<() => void> = []
  ended = false
  readonly reply: Promise<string>

  private constructor(private readonly socket: Socket) {
    let buffered = ''
    let replied: (line: string) => void = () => undefined
    this.reply = new Promise((resolve) => (replied = resolve))
    let first = true
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      buffered += chunk
      let nl: number
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        if (first) {
          first = false
          replied(line)
        } else {
          this.lines.push(line)
        }
      }
      this.wake()
    })
    const end = (): void => {
      this.ended = true
      this.wake()
    }
    socket.on('end', end)
    socket.on('error', end)
  }

  /** Connects to `<rundir>/command.sock` and subscribes. */
  static async open(rundir: string): Promise<Watcher> {
    const socket = createConnection({path: `${rundir}/command.sock`})
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    const w = new Watcher(socket)
    socket.write('watch\n')
    await w.reply
    return w
  }

  /** Every event line received so far. */
  get events(): string[] {
    return [...this.lines]
  }

  async next(pred: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const i = this.lines.findIndex(pred)
      if (i >= 0) return this.lines.splice(0, i + 1)[i] as string
      if (this.ended) throw new Error(`The monitor hung up before a matching event; got: ${this.lines.join(' | ')}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`No matching event within ${timeoutMs} ms; got: ${this.lines.join(' | ')}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  close(): void {
    this.socket.destroy()
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }
}

/** A FIFO at hostPath (inside the rootfs): the container blocks reading it until `trigger()` writes a line. */
export function makeFifo(hostPath: string): {trigger: () => void} {
  const r = spawnSync('mkfifo', ['-m', '0666', hostPath])
  if (r.status !== 0) throw new Error(`mkfifo ${hostPath}: ${r.stderr}`)
  // Opening for writing blocks until the container opened it for reading.
  return {trigger: () => writeFileSync(hostPath, 'go\n')}
}

/** Shell setup turning this mount namespace's cgroup mounts into a pure layout. */
export const PURE_LAYOUT = {
  /** Only the v1 hierarchies: the cgroup2 mount at /sys/fs/cgroup/unified is gone. */
  v1: 'umount /sys/fs/cgroup/unified',
  /** Only cgroup2, mounted at /sys/fs/cgroup (the controllers stay bound to v1 in the kernel). */
  v2: 'umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup',
} as const

/**
 * Runs `ctr ARGS` in a new private mount namespace prepared by `setup`
 * (PURE_LAYOUT). A daemon start leaves its monitor in that namespace;
 * reach it later with ctrInMountNsOf.
 */
export function ctrInNewMountNs(sb: Sandbox, setup: string, args: string[]): Promise<CtrResult> {
  return sb.run(['unshare', '-m', '--propagation', 'private', 'sh', '-c', `${setup} && exec "$@"`, 'sh', process.execPath, RUN_JS, ...args])
}

/** Runs `ctr ARGS` in the mount namespace of process `pid` (a container's monitor). */
export function ctrInMountNsOf(sb: Sandbox, pid: number, args: string[]): Promise<CtrResult> {
  return sb.run(['nsenter', '-t', String(pid), '-m', process.execPath, RUN_JS, ...args])
}

/** Runs a shell command in the mount namespace of `pid`; its stdout. */
export function shInMountNsOf(pid: number, script: string): string {
  const r = spawnSync('nsenter', ['-t', String(pid), '-m', 'sh', '-c', script], {encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`)
  return r.stdout
}

