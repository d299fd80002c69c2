// The library: `import {Container} from 'ctr-lxc'` (docs/library.md).
//
// Each method runs the command's own parser and runner (src/entries.ts,
// src/runners/), the code `ctr COMMAND --json` runs, so the library and the
// CLI cannot drift: the same validation, the same CtrError codes, the same
// results (docs/json.md), here as plain JSON-safe objects (numbers, never
// BigInt; null where a fact is unknown). Methods throw CtrError.

import {CtrError} from './core/errors.js'
import {eventJson} from './core/format/monitor.js'
import {globalConfigPath, resolveLxcpath, runtimeBase} from './core/paths.js'
import type {State} from './core/state.js'
import type {CommandEntry} from './dispatch.js'
import * as entries from './entries.js'
import type {CommandOutcome} from './output.js'
import type {LsEntry} from './core/format/ls.js'
import type {FreezerResult} from './sys/cgroup-freeze.js'
import {reuseParsedConfigs} from './sys/config-reuse.js'
import {pathContext, readGlobalValue} from './sys/container.js'
import {useLauncher} from './sys/monitor.js'
import type {AttachResult} from './runners/attach.js'
import type {InfoResult, InfoStatsJson} from './runners/info.js'
import type {StartResult} from './runners/start.js'
import type {StopMethod, StopResult} from './runners/stop.js'
import type {WaitResult} from './runners/wait.js'
import type {LastExit} from './sys/container.js'

export {CtrError, SysError, UsageError} from './core/errors.js'
export {STATES} from './core/state.js'
export type {AttachResult, FreezerResult, InfoResult, InfoStatsJson, LastExit, LsEntry, StartResult, State, StopMethod, StopResult, WaitResult}

export interface ContainerOptions {
  /** The container store; default: $CTR_PATH, lxc.lxcpath of the global config, /var/lib/ctr (root). */
  lxcpath?: string
  /** A config file to use instead of $lxcpath/NAME/config (ctr's --rcfile). */
  rcfile?: string
}

export interface StartOptions {
  /** Replaces lxc.init.cmd: the program and its arguments. Required without a config of its own. */
  command?: string[]
  /** Config keys set for this start only (ctr start -s KEY=VAL), applied in order. */
  defines?: Record<string, string> | Array<[string, string]>
  /** Write the monitor's pid to this file. */
  pidfile?: string
  /** The monitor's log file and level. */
  logfile?: string
  logpriority?: string
  /** Join namespaces of a running container, a pid or a namespace file (--share-net ...). */
  share?: {net?: string; ipc?: string; uts?: string; pid?: string}
}

export interface ExecuteOptions {
  /** The program and its arguments, run by ctr's own init (default: lxc.execute.cmd). */
  command?: string[]
  /** Config keys set for this run only (-s KEY=VAL), applied in order. */
  defines?: Record<string, string> | Array<[string, string]>
  /** -u/-g: the ids COMMAND runs as (lxc.init.uid, lxc.init.gid). */
  uid?: number
  gid?: number
  /** Join namespaces of a running container, a pid or a namespace file (--share-net ...). */
  share?: {net?: string; ipc?: string; uts?: string; pid?: string}
}

export interface AttachOptions {
  /** -s: the namespaces to join, as lxc-attach names them (MOUNT, PID, UTSNAME, IPC, USER, NETWORK, CGROUP, TIME); default every one of init's. */
  namespaces?: string[]
  /** -e: keep privileges: true for all, or some of CAP, CGROUP, LSM. */
  elevate?: boolean | Array<'CAP' | 'CGROUP' | 'LSM'>
  /** --clear-env: only `keepVars`, a default PATH and `env`. */
  clearEnv?: boolean
  keepVars?: string[]
  /** -v NAME=VALUE: added to the environment. */
  env?: Record<string, string>
  /** -u/-g: the ids inside (default: lxc-attach's). */
  uid?: number
  gid?: number
}

export interface StopOptions {
  /** Seconds to wait after the halt signal before killing (default 60; -1: forever). */
  timeout?: number
  /** Kill at once with the stop signal. */
  kill?: boolean
  /** Never fall back to the stop signal. */
  nokill?: boolean
  /** Send the signal and return. */
  nowait?: boolean
  /** Reboot instead of stopping. */
  reboot?: boolean
}

export interface WaitOptions {
  /** Seconds; negative (the default) waits forever, 0 checks once. */
  timeout?: number
}

/** One event of `Container.events()` / `ctr monitor --json` (docs/json.md). */
export type ContainerEventJson =
  | {time: number; name: string; lxcpath: string; event: 'state'; state: State; stateIndex: number; initial: boolean}
  | {time: number; name: string; lxcpath: string; event: 'exit'; status: number; signal: number | null}
  | {time: number; name: string; lxcpath: string; event: 'oom'; oomKills: number}

// A program asks about the same containers again and again: start(),
// info() and stop() reuse a config parsed before while its files read the
// same (src/sys/config-loader.ts), instead of parsing it on every call.
reuseParsedConfigs()
// Starts fork their monitors from one launcher per process instead of
// forking this whole process each time (docs/architecture.md §2.5).
useLauncher()

// BigInt never leaves: JSON-safe plain objects only.
function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as T
}

/** Runs a command as `ctr ID ARGV --json` would, without printing; returns its result. */
async function runEntry<R>(entry: CommandEntry, argv: string[], exitIsResult = false): Promise<R> {
  const {parse, run} = await entry.load()
  const parsed = parse([...argv, '--json'], process.env)
  if (parsed.action !== 'run') throw new CtrError('CTR_USAGE', 'The arguments ask for help, not an action', {exitCode: 1})
  const outcome = (await run(parsed.options as never)) as CommandOutcome<R>
  if (outcome.exitCode !== 0 && !exitIsResult) {
    throw new CtrError('CTR_EXIT', `The command ended with exit status ${outcome.exitCode}`, {exitCode: outcome.exitCode, details: {result: plain(outcome.result)}})
  }
  return plain<R>(outcome.result)
}

function storeArgs(options: ContainerOptions): string[] {
  return [...(options.lxcpath === undefined ? [] : ['-P', options.lxcpath]), ...(options.rcfile === undefined ? [] : ['--rcfile', options.rcfile])]
}

function lxcpathOf(lxcpath: string | undefined): string {
  const ctx = pathContext()
  const fromGlobal = lxcpath === undefined && !ctx.env.CTR_PATH ? readGlobalValue(globalConfigPath(ctx), 'lxc.lxcpath') : undefined
  return resolveLxcpath(ctx, lxcpath, fromGlobal)
}

/** A container of an lxcpath, by name. Creating the object touches nothing. */
export class Container {
  readonly name: string
  private readonly options: ContainerOptions

  constructor(name: string, options: ContainerOptions = {}) {
    this.name = name
    this.options = {...options}
  }

  /** The lxcpath this container lives in (resolved as the CLI resolves -P). */
  get lxcpath(): string {
    return lxcpathOf(this.options.lxcpath)
  }

  private argv(extra: string[] = []): string[] {
    return ['-n', this.name, ...storeArgs(this.options), ...extra]
  }

  /** Starts it in the background; resolves once it is RUNNING (ctr start -d). */
  start(options: StartOptions = {}): Promise<StartResult> {
    const {rcfile, ...store} = this.options
    const args = ['-n', this.name, ...storeArgs(store), '-d']
    if (rcfile !== undefined) args.push('-f', rcfile)
    const defines = Array.isArray(options.defines) ? options.defines : Object.entries(options.defines ?? {})
    for (const [key, value] of defines) args.push('-s', `${key}=${value}`)
    if (options.pidfile !== undefined) args.push('-p', options.pidfile)
    if (options.logfile !== undefined) args.push('-o', options.logfile)
    if (options.logpriority !== undefined) args.push('-l', options.logpriority)
    for (const [ns, target] of Object.entries(options.share ?? {})) if (target !== undefined) args.push(`--share-${ns}`, target)
    if (options.command !== undefined) args.push('--', ...options.command)
    return runEntry<StartResult>(entries.start, args)
  }

  /** Runs `command` in it under ctr's own init, in the background (ctr execute -d); resolves once RUNNING. */
  execute(options: ExecuteOptions = {}): Promise<StartResult> {
    const {rcfile, ...store} = this.options
    const args = ['-n', this.name, ...storeArgs(store), '-d']
    if (rcfile !== undefined) args.push('-f', rcfile)
    const defines = Array.isArray(options.defines) ? options.defines : Object.entries(options.defines ?? {})
    for (const [key, value] of defines) args.push('-s', `${key}=${value}`)
    if (options.uid !== undefined) args.push('-u', String(options.uid))
    if (options.gid !== undefined) args.push('-g', String(options.gid))
    for (const [ns, target] of Object.entries(options.share ?? {})) if (target !== undefined) args.push(`--share-${ns}`, target)
    if (options.command !== undefined) args.push('--', ...options.command)
    return runEntry<StartResult>(entries.execute, args)
  }

  /**
   * Runs `command` (default: the login shell) in the running container
   * (ctr attach) with this process's stdin, stdout and stderr; resolves
   * once it ended, its exit status in the result (a non-zero one is not an
   * error). Throws CtrError when the attach itself fails.
   */
  attach(command: string[] = [], options: AttachOptions = {}): Promise<AttachResult> {
    const args: string[] = []
    if (options.elevate === true) args.push('-e')
    else if (Array.isArray(options.elevate) && options.elevate.length > 0) args.push(`-e=${options.elevate.join('|')}`)
    if (options.namespaces !== undefined) args.push('-s', options.namespaces.join('|'))
    if (options.clearEnv) args.push('--clear-env')
    for (const v of options.keepVars ?? []) args.push('--keep-var', v)
    for (const [k, v] of Object.entries(options.env ?? {})) args.push('-v', `${k}=${v}`)
    if (options.uid !== undefined) args.push('-u', String(options.uid))
    if (options.gid !== undefined) args.push('-g', String(options.gid))
    return runEntry<AttachResult>(entries.attach, this.argv([...args, '--', ...command]), true)
  }

  /** Stops it (ctr stop): the halt signal, the timeout, then the stop signal. Throws CTR_NOT_RUNNING (exitCode 2) when it was not running. */
  stop(options: StopOptions = {}): Promise<StopResult> {
    const args: string[] = []
    if (options.kill) args.push('-k')
    if (options.nokill) args.push('--nokill')
    if (options.nowait) args.push('-W')
    if (options.reboot) args.push('-r')
    if (options.timeout !== undefined) args.push('-t', String(options.timeout))
    return runEntry<StopResult>(entries.stop, this.argv(args))
  }

  /** Resolves when it is in one of the states; throws CTR_WAIT_TIMEOUT or CTR_WAIT_STOPPED. */
  wait(states: State | State[], options: WaitOptions = {}): Promise<WaitResult> {
    const wanted = Array.isArray(states) ? states.join('|') : states
    return runEntry<WaitResult>(entries.wait, this.argv(['-s', wanted, '-t', String(options.timeout ?? -1)]))
  }

  /** Its state, pids, addresses, cgroup figures and last exit (ctr info --json); `config` reads config keys. */
  info(options: {config?: string[]} = {}): Promise<InfoResult> {
    return runEntry<InfoResult>(entries.info, this.argv((options.config ?? []).flatMap((key) => ['-c', key])))
  }

  /** Freezes every process of it (ctr freeze); resolves once FROZEN. */
  freeze(): Promise<FreezerResult> {
    return runEntry<FreezerResult>(entries.freeze, this.argv())
  }

  /** Thaws it (ctr unfreeze); resolves once RUNNING again. */
  unfreeze(): Promise<FreezerResult> {
    return runEntry<FreezerResult>(entries.unfreeze, this.argv())
  }

  /** Its events (ctr monitor -n NAME --json), as they happen, until the loop ends or `signal` aborts. */
  events(options: {signal?: AbortSignal} = {}): AsyncGenerator<ContainerEventJson> {
    const name = this.name
    return Container.events({...(this.options.lxcpath === undefined ? {} : {lxcpath: this.options.lxcpath}), match: (n) => n === name, ...options})
  }

  /** The containers of an lxcpath (ctr ls --json). */
  static ls(options: {lxcpath?: string} = {}): Promise<LsEntry[]> {
    return runEntry<LsEntry[]>(entries.ls, options.lxcpath === undefined ? [] : ['-P', options.lxcpath])
  }

  /** The events of every container of an lxcpath (or those `match` accepts), as `ctr monitor --json` prints them. */
  static async *events(options: {lxcpath?: string; match?: (name: string) => boolean; signal?: AbortSignal} = {}): AsyncGenerator<ContainerEventJson> {
    const {watchContainers} = await import('./sys/discover-watch.js')
    const lxcpath = lxcpathOf(options.lxcpath)
    const queue: ContainerEventJson[] = []
    let wake: (() => void) | undefined
    let failure: unknown
    const watcher = watchContainers({
      runtimeBase: runtimeBase(pathContext()),
      lxcpaths: new Set([lxcpath]),
      match: options.match ?? (() => true),
      onEvent: (name, path, event) => {
        queue.push(eventJson({name, lxcpath: path, time: Date.now(), event}) as ContainerEventJson)
        wake?.()
      },
      onWarning: () => undefined,
    })
    const abort = (): void => wake?.()
    options.signal?.addEventListener('abort', abort)
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift() as ContainerEventJson
        if (options.signal?.aborted || failure !== undefined) break
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        wake = undefined
      }
    } finally {
      options.signal?.removeEventListener('abort', abort)
      watcher.close()
    }
  }
}
