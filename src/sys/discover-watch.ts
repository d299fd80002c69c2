// Following every container of some lxcpaths as they run: the event source
// of `ctr monitor`. No polling anywhere:
//   * an inotify watch (fs.watch) on the run-dir base reports each run dir
//     as a monitor creates it (mkdir, before it locks) or removes it;
//   * an inotify watch on each run dir reports state.json and command.sock
//     as they appear (the monitor binds its socket, then writes state.json);
//   * once state.json names a watched lxcpath and a matching name, a `watch`
//     subscription on the command socket streams `state`, `exit` and `oom`
//     events until EOF, which means the container is gone (STOPPED).
// The base watch is armed before the base is read, and each run-dir watch
// before that dir's state.json is read, so a container that appears in
// between is never missed.
//
// Each container is handled on its own: a monitor that hangs blocks only its
// own subscription (which has no deadline on purpose, an idle container
// sends nothing for days), never the others or the shutdown.

import {mkdirSync, readdirSync, readFileSync, statSync, watch, type FSWatcher} from 'node:fs'

import type {ContainerEvent} from '../core/format/monitor.js'
import {lastExitPath} from '../core/paths.js'
import {isState, type State} from '../core/state.js'
import {CtrError, SysError} from '../core/errors.js'
import type {LastExit} from './container.js'
import {isOwnRundir, readStateFile, statusFromStateFile} from './discover.js'
import {connectMonitor, type MonitorConnection} from './monitor-client.js'

export interface WatchOptions {
  runtimeBase: string
  /** The lxcpaths whose containers are followed. */
  lxcpaths: ReadonlySet<string>
  /** Whether a container of that name is followed. */
  match(name: string): boolean
  onEvent(name: string, lxcpath: string, event: ContainerEvent): void
  /** A problem with one container (its socket refused us, say); the others go on. */
  onWarning(message: string): void
}

export interface ContainerWatch {
  close(): void
}

// One run dir, present or gone: what we know of the container behind it.
interface Tracker {
  hash: string
  dir: string
  /** The run dir's inode: a monitor that starts after another stopped makes a new one. */
  ino: number | undefined
  dirWatch: FSWatcher | undefined
  conn: MonitorConnection | undefined
  /** An attach (read state.json, connect, subscribe) is under way. */
  busy: boolean
  name: string | undefined
  lxcpath: string | undefined
  /** The last state reported, so that derived states are not repeated. */
  lastState: State | undefined
  /** The monitor sent this run's exit status. */
  sawExit: boolean
  /** Found by the first scan: its first state is a snapshot, not a change. */
  initial: boolean
  /** init's start (ms since the epoch) of the run being followed, 0 if unknown. */
  startedAt: number
  /** When this run was first seen, to tell its exit record from an older one. */
  seenAt: number
}

/**
 * Starts following the containers (see the file comment) and reports
 * through the callbacks until close(). Creates the run-dir base if needed,
 * as `ctr wait` does. Throws SysError when the base cannot be created,
 * read or watched (no permission, no inotify instances left).
 */
export function watchContainers(opts: WatchOptions): ContainerWatch {
  return new Watcher(opts).start()
}

class Watcher implements ContainerWatch {
  private readonly trackers = new Map<string, Tracker>()
  /** Run dirs of other lxcpaths or names: a run dir's hash fixes both, so they never match later. */
  private readonly ignored = new Set<string>()
  private baseWatch: FSWatcher | undefined
  private closed = false

  constructor(private readonly opts: WatchOptions) {}

  start(): this {
    const base = this.opts.runtimeBase
    try {
      mkdirSync(base, {recursive: true, mode: 0o700})
      this.baseWatch = watch(base, (_event, file) => {
        if (file === null) this.scan(false)
        else this.consider(file, false)
      })
    } catch (error) {
      throw new SysError('watch', (error as NodeJS.ErrnoException).code ?? 'EIO', base, {cause: error})
    }
    this.baseWatch.on('error', (error) => this.opts.onWarning(`Lost the watch on ${base}: ${error.message}`))
    this.scan(true)
    return this
  }

  close(): void {
    this.closed = true
    this.baseWatch?.close()
    for (const t of this.trackers.values()) this.drop(t)
    this.trackers.clear()
  }

  private scan(initial: boolean): void {
    let entries: string[]
    try {
      entries = readdirSync(this.opts.runtimeBase)
    } catch (error) {
      if (initial) throw new SysError('read directory', (error as NodeJS.ErrnoException).code ?? 'EIO', this.opts.runtimeBase, {cause: error})
      return
    }
    for (const entry of entries) this.consider(entry, initial)
  }

  // A name in the base changed: a run dir appeared or went away.
  private consider(hash: string, initial: boolean): void {
    if (this.closed || this.ignored.has(hash)) return
    const dir = `${this.opts.runtimeBase}/${hash}`
    const ino = directoryInode(dir)
    let t = this.trackers.get(hash)
    // Removed and made again while we were not attached: the old inode's
    // watch is dead, so start over on the new directory.
    if (t !== undefined && t.ino !== ino && t.conn === undefined && !t.busy) {
      this.forget(t)
      t = undefined
    }
    if (t === undefined) {
      if (ino === undefined) return
      t = {
        hash, dir, ino, dirWatch: undefined, conn: undefined, busy: false, name: undefined, lxcpath: undefined,
        lastState: undefined, sawExit: false, initial, startedAt: 0, seenAt: Date.now(),
      }
      this.trackers.set(hash, t)
      const tracker = t
      try {
        t.dirWatch = watch(dir, (_event, file) => {
          if (file === null || file === 'state.json' || file === 'command.sock') this.poke(tracker)
        })
        t.dirWatch.on('error', () => this.poke(tracker))
      } catch {
        // Removed before we could watch it (a container that stopped at
        // once); the base watch reports it if it comes back.
        this.forget(t)
        return
      }
    }
    this.poke(t)
  }

  // Something changed in a run dir: attach to its monitor if we can.
  private poke(t: Tracker): void {
    if (this.closed || t.conn !== undefined || t.busy) return
    if (directoryInode(t.dir) !== t.ino) {
      this.forget(t)
      this.consider(t.hash, false)
      return
    }
    const file = readStateFile(t.dir)
    if (file === undefined) return
    if (!this.opts.lxcpaths.has(file.lxcpath) || !isOwnRundir(t.dir, file) || !this.opts.match(file.name)) {
      this.ignored.add(t.hash)
      this.forget(t)
      return
    }
    const status = statusFromStateFile(file)
    // A dead monitor's leftovers: wait for the next monitor to rewrite them.
    if (status === undefined) return
    t.name = file.name
    t.lxcpath = file.lxcpath
    if (file.startedAt > 0) t.startedAt = file.startedAt
    // A container found starting: report it as lxc-monitor does. Its socket
    // answers only once init runs, with RUNNING or what came after.
    if (!t.initial && status !== 'ask' && status.state !== 'STOPPED') this.report(t, status.state, false)
    t.busy = true
    void this.follow(t)
  }

  // Subscribes to the container's monitor and relays its events until EOF.
  private async follow(t: Tracker): Promise<void> {
    let conn: MonitorConnection | undefined
    try {
      conn = await connectMonitor(t.dir)
    } catch (error) {
      t.busy = false
      this.opts.onWarning(`Cannot follow ${t.name ?? t.hash}: ${(error as Error).message}`)
      return
    }
    if (conn === undefined || this.closed) {
      conn?.close()
      t.busy = false
      return
    }
    t.conn = conn
    t.busy = false
    try {
      const reply = await conn.request('watch', Number.POSITIVE_INFINITY)
      // A container found while it stops: nothing to report until EOF.
      if (isState(reply) && !(t.initial && reply === 'STOPPED')) this.report(t, reply, t.initial)
      t.initial = false
      for (;;) {
        const event = await conn.nextEvent(Number.POSITIVE_INFINITY)
        if (event === undefined || event === null) break
        if (this.closed) return
        if (event.kind === 'state') this.report(t, event.state, false, true)
        else {
          if (event.kind === 'exit') t.sawExit = true
          this.opts.onEvent(t.name ?? '', t.lxcpath ?? '', event)
        }
      }
    } catch (error) {
      if (this.closed) return
      if (!(error instanceof CtrError && error.code === 'CTR_MONITOR_GONE')) {
        // A refusal or an I/O error says nothing about the container's
        // state: stop following it rather than report a STOPPED that may
        // be false. A later start (a new run dir) is followed again.
        this.opts.onWarning(`Stopped following ${t.name ?? t.hash}: ${(error as Error).message}`)
        conn.close()
        t.conn = undefined
        this.forget(t)
        return
      }
    }
    if (this.closed) return
    this.gone(t)
  }

  // EOF on the subscription: the monitor is gone, so the container is
  // stopped (LXC's clients read EOF as STOPPED too).
  private gone(t: Tracker): void {
    t.conn?.close()
    t.conn = undefined
    t.initial = false
    if (t.lastState !== 'STOPPED') this.report(t, 'STOPPED', false)
    if (!t.sawExit) {
      const record = this.exitRecord(t)
      if (record !== undefined) {
        this.opts.onEvent(t.name ?? '', t.lxcpath ?? '', {kind: 'exit', status: record.exitStatus, signal: record.signal ?? 0, reason: record.reason})
      }
    }
    // The monitor removed its run dir before closing; a new one may already
    // be up (a start right after the stop), in a new directory.
    this.forget(t)
    this.consider(t.hash, false)
  }

  // The exit status when the monitor went away before sending it (a start
  // that failed before the socket was served): the defined container's
  // last-exit.json, if it is this run's (not one left by an earlier run or
  // a monitor killed before it could write it).
  private exitRecord(t: Tracker): LastExit | undefined {
    if (t.name === undefined || t.lxcpath === undefined) return undefined
    let record: LastExit
    try {
      record = JSON.parse(readFileSync(lastExitPath(t.lxcpath, t.name), 'utf8')) as LastExit
    } catch {
      return undefined
    }
    if (typeof record.exitStatus !== 'number' || record.exitStatus < 0) return undefined
    const ours = t.startedAt > 0 ? record.startedAt === t.startedAt : record.stoppedAt >= t.seenAt - 1000
    return ours ? record : undefined
  }

  private report(t: Tracker, state: State, initial: boolean, always = false): void {
    if (!always && t.lastState === state) return
    t.lastState = state
    this.opts.onEvent(t.name ?? '', t.lxcpath ?? '', {kind: 'state', state, ...(initial ? {initial: true} : {})})
  }

  // The run dir is gone (or never was ours): stop watching it.
  private forget(t: Tracker): void {
    if (t.conn !== undefined || t.busy) return
    this.drop(t)
    this.trackers.delete(t.hash)
  }

  private drop(t: Tracker): void {
    t.dirWatch?.close()
    t.dirWatch = undefined
    t.conn?.close()
    t.conn = undefined
  }
}

function directoryInode(path: string): number | undefined {
  try {
    const st = statSync(path)
    return st.isDirectory() ? st.ino : undefined
  } catch {
    return undefined
  }
}
