// `ctr checkpoint` (lxc-checkpoint, criu.c __criu_dump / __criu_restore):
// a dump runs criu against the running container's init and cgroups as
// its monitor recorded them; a restore is a start whose monitor runs
// `criu restore --restore-sibling` instead of cloning init, so that the
// restored init is the monitor's own child (docs/monitor-protocol.md §5.6,
// docs/lxc-contract.md §17). Whether CRIU can work here is asked before
// anything is changed (sys/criu.ts).

import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync} from 'node:fs'
import {resolve} from 'node:path'

import {bindMounts, cgroupsFromPlan, cgroupsFromRecord, criuCheckReason, dumpArgv, restoreArgv, unsupportedConfig} from '../core/checkpoint-plan.js'
import type {CheckpointOptions} from '../core/cli/checkpoint.js'
import type {ContainerConfig} from '../core/config/index.js'
import {CtrError} from '../core/errors.js'
import type {CommandOutcome} from '../output.js'
import {readCgroupRecord} from '../sys/cgroup-stats.js'
import {loadConfigForCommand} from '../sys/config.js'
import {isDefined, queryStatus, resolveFromOptions, type ContainerRef} from '../sys/container.js'
import {usableCriu, type Criu} from '../sys/criu.js'
import {nameSuggestions} from '../sys/discover.js'
import {connectMonitor, type MonitorConnection} from '../sys/monitor-client.js'

/** `ctr checkpoint --json`'s result (docs/json.md). */
export interface CheckpointResult {
  name: string
  lxcpath: string
  action: 'dump' | 'pre-dump' | 'restore'
  /** The images directory, absolute. */
  directory: string
  /** Dump: -s stopped the container after the dump. */
  stopped: boolean
  /** Dump: the init that was dumped; restore: the restored init (host pids). */
  initPid: number | null
  /** Restore: the new monitor. */
  monitorPid: number | null
  /** Restore: in the background (-d, the default) or the foreground (-F). */
  daemon: boolean | null
  /** Restore -F: the container's exit status once it stopped. */
  exitStatus: number | null
  criu: {path: string; version: string}
  durationMs: number
}

/** How long a dump with -s may take to be seen as a stop by the monitor. */
const STOP_AFTER_DUMP_MS = 30_000

/** Runs `ctr checkpoint`; exit 0, or throws CtrError (exit 1, as lxc-checkpoint). */
export async function run(opts: CheckpointOptions): Promise<CommandOutcome<CheckpointResult>> {
  const started = Date.now()
  const ref = resolveFromOptions(opts)
  if (!isDefined(ref)) {
    throw new CtrError('CTR_NOT_DEFINED', `${ref.name} is not defined`, {hints: [`There is no ${ref.configPath}`, ...nameSuggestions(ref.lxcpath, ref.name)]})
  }
  const {config} = loadConfigForCommand(ref, opts)
  if (config === undefined) throw new CtrError('CTR_NOT_DEFINED', `${ref.name} is not defined`)
  if (process.geteuid?.() !== 0) {
    throw new CtrError('CTR_PERMISSION', `Must be root to ${opts.restore ? 'restore' : 'checkpoint'}`, {hints: ['CRIU needs root: run ctr checkpoint as root']})
  }
  const bad = unsupportedConfig(config)
  if (bad) throw new CtrError('CTR_CHECKPOINT_UNSUPPORTED', `Cannot checkpoint ${ref.name}: ${bad.reason}`, {hints: [bad.hint]})
  const directory = resolve(opts.directory)
  const base = {name: ref.name, lxcpath: ref.lxcpath, directory}
  if (opts.restore) return restore(ref, opts, config, directory, base, started)
  return dump(ref, opts, config, directory, base, started)
}

async function dump(ref: ContainerRef, opts: CheckpointOptions, config: ContainerConfig, directory: string, base: Pick<CheckpointResult, 'name' | 'lxcpath' | 'directory'>, started: number): Promise<CommandOutcome<CheckpointResult>> {
  const status = await queryStatus(ref)
  if (!status.running || status.initPid === undefined) {
    throw new CtrError('CTR_NOT_RUNNING', `${ref.name} is not running, not checkpointing`, {hints: [`Start it first: ctr start -n ${ref.name}`]})
  }
  if (status.state !== 'RUNNING' && status.state !== 'FROZEN') {
    throw new CtrError('CTR_NOT_RUNNING', `${ref.name} is ${status.state}, not checkpointing`, {hints: ['Checkpoint a RUNNING (or FROZEN) container']})
  }
  if (status.orphan) {
    throw new CtrError('CTR_NOT_RUNNING', `${ref.name} has no monitor (its init outlived it), not checkpointing`, {hints: ['Its monitor knows its cgroups; stop it and start it again']})
  }
  // criu.c __criu_dump: "please use a fresh directory for the dump directory".
  if (existsSync(`${directory}/inventory.img`)) {
    throw new CtrError('CTR_CHECKPOINT_EXISTS', `${directory} already holds a checkpoint`, {hints: ['Use a fresh directory for each dump (-D)']})
  }
  const criu = usableCriu()
  const record = readCgroupRecord(ref.rundir) ?? []
  const action = opts.preDump ? 'pre-dump' : 'dump'
  const argv = dumpArgv({
    criu: criu.path, action, directory, cgroups: cgroupsFromRecord(record), binds: bindMounts(config.mountEntries, config.rootfs.path),
    verbose: opts.verbose, ...(opts.actionScript === undefined ? {} : {actionScript: opts.actionScript}),
    initPid: status.initPid, stop: opts.stop && action === 'dump', ...(opts.predumpDir === undefined ? {} : {predumpDir: opts.predumpDir}),
  })
  const created = makeImagesDir(directory)
  // -s: the monitor is told first that init's coming death is the
  // checkpoint's stop, for as long as this connection lasts
  // (docs/monitor-protocol.md §4.3 `checkpoint`).
  let conn: MonitorConnection | undefined
  const stopping = opts.stop && action === 'dump'
  try {
    if (stopping) {
      conn = await connectMonitor(ref.rundir)
      if (!conn) throw new CtrError('CTR_NOT_RUNNING', `${ref.name} is not running, not checkpointing`)
      await conn.request('checkpoint').catch((error: unknown) => {
        const errno = (error as {details?: {errno?: string}}).details?.errno
        if (errno === 'EBUSY') throw new CtrError('CTR_BUSY', `${ref.name} is being checkpointed by another ctr checkpoint -s, or is not RUNNING`, {hints: [`ctr info -n ${ref.name}`], cause: error})
        if (errno === 'ESRCH') throw new CtrError('CTR_NOT_RUNNING', `${ref.name} is not running, not checkpointing`, {cause: error})
        throw error
      })
    }
    const ran = await runCriu(argv)
    if (ran.status !== 0) {
      // criu logs to -o; what it printed comes first (an option it refused).
      const {reason} = criuCheckReason(`${ran.output}\n${readLog(`${directory}/${action}.log`)}`, ran.status, ran.signal, `criu ${action}`)
      throw new CtrError('CTR_CHECKPOINT_FAILED', `Checkpointing ${ref.name} failed: ${reason}`, {
        hints: [`CRIU's log: ${directory}/${action}.log`, stopping ? `${ref.name} keeps running` : `${ref.name} is still running`],
        details: {criu: criu.path, status: ran.status, signal: ran.signal, output: ran.output.split('\n').filter((l) => l !== '')},
      })
    }
    if (conn) await untilStopped(conn, ref.name)
  } catch (error) {
    conn?.close()
    if (created) removeIfEmpty(directory)
    throw error
  }
  conn?.close()
  return {exitCode: 0, result: {...base, action, stopped: stopping, initPid: status.initPid, monitorPid: null, daemon: null, exitStatus: null, criu: criuInfo(criu), durationMs: Date.now() - started}}
}

async function restore(ref: ContainerRef, opts: CheckpointOptions, config: ContainerConfig, directory: string, base: Pick<CheckpointResult, 'name' | 'lxcpath' | 'directory'>, started: number): Promise<CommandOutcome<CheckpointResult>> {
  const status = await queryStatus(ref)
  if (status.running) throw new CtrError('CTR_RUNNING', `${ref.name} is running, not restoring`, {hints: [`Stop it first: ctr stop -n ${ref.name}`]})
  if (!existsSync(`${directory}/inventory.img`)) {
    throw new CtrError('CTR_NO_CHECKPOINT', `There is no checkpoint in ${directory}`, {hints: [`Make one with ctr checkpoint -n ${ref.name} -D ${directory}`]})
  }
  const criu = usableCriu()
  const {runStart} = await import('./start.js')
  const outcome = await runStart(
    {...opts, daemon: opts.daemon, defines: [], console: undefined, consoleLog: undefined, closeAllFds: false, pidfile: undefined, share: {}, command: []},
    {
      amend: (spec) => {
        const pidfile = `${spec.rundir}/restore.pid`
        const argv = restoreArgv({
          criu: criu.path, directory, cgroups: spec.cgroup ? cgroupsFromPlan(spec.cgroup) : [], binds: bindMounts(config.mountEntries, config.rootfs.path),
          verbose: opts.verbose, ...(opts.actionScript === undefined ? {} : {actionScript: opts.actionScript}),
          ...(spec.rootfs === undefined ? {} : {root: spec.rootfs}), pidfile,
        })
        spec.restore = {argv, pidfile}
      },
    },
  ).catch((error: unknown) => {
    throw restoreFailure(error, ref.name, directory)
  })
  const r = outcome.result
  return {
    exitCode: outcome.exitCode,
    result: {...base, action: 'restore', stopped: false, initPid: r.pid, monitorPid: r.monitorPid, daemon: r.daemon, exitStatus: r.exitStatus, criu: criuInfo(criu), durationMs: Date.now() - started},
    ...(outcome.notices ? {notices: outcome.notices} : {}),
  }
}

// The monitor reports criu's output; criu itself logs to DIR/restore.log,
// whose errors say more than its exit status.
function restoreFailure(error: unknown, name: string, directory: string): unknown {
  if (!(error instanceof CtrError) || error.code !== 'CTR_RESTORE_FAILED') return error
  // Only when criu printed nothing itself: a log from an earlier run must not speak for this one.
  if (!/^criu exited with status \d+$/.test(String(error.details?.detail ?? ''))) return error
  const log = readLog(`${directory}/restore.log`)
  if (log === '') return error
  const {reason} = criuCheckReason(log, null, null, 'criu restore')
  return new CtrError('CTR_RESTORE_FAILED', `Restoring ${name} failed: ${reason}`, {hints: [`CRIU's log: ${directory}/restore.log`, `${name} is stopped and nothing of it is left`], ...(error.details ? {details: error.details} : {}), cause: error})
}

// The end of criu's log (its errors are last), or '' when there is none.
function readLog(path: string): string {
  try {
    const text = readFileSync(path, 'utf8')
    return text.length > 65536 ? text.slice(-65536) : text
  } catch {
    return ''
  }
}

function criuInfo(criu: Criu): {path: string; version: string} {
  return {path: criu.path, version: criu.version}
}

// lxc_mkdir_p(directory, 0700). Returns whether this call created it.
function makeImagesDir(directory: string): boolean {
  const existed = existsSync(directory)
  try {
    mkdirSync(directory, {recursive: true, mode: 0o700})
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    throw new CtrError('CTR_CHECKPOINT_DIR', `Failed to create the checkpoint directory ${directory}: ${e.code ?? e.message}`, {hints: ['-D names a directory ctr can create'], cause: error})
  }
  return !existed
}

// What a failed dump made is left for its log; an empty directory is not.
function removeIfEmpty(directory: string): void {
  try {
    if (readdirSync(directory).length === 0) rmdirSync(directory)
  } catch {
    // gone already, or not ours to remove
  }
}

/** Runs criu to completion, its stdout and stderr together (criu logs to -o, and prints early errors). */
function runCriu(argv: string[]): Promise<{status: number | null; signal: string | null; output: string}> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), {stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c))
    child.on('error', reject)
    child.on('close', (status, signal) => resolvePromise({status, signal, output}))
  })
}

// After a dump with -s, criu has killed the tree: the monitor records the
// checkpoint's stop and closes every connection as it exits (EOF).
async function untilStopped(conn: MonitorConnection, name: string): Promise<void> {
  const deadline = Date.now() + STOP_AFTER_DUMP_MS
  for (;;) {
    const event = await conn.nextEvent(deadline)
    if (event === undefined) return
    if (event === null) {
      throw new CtrError('CTR_MONITOR_TIMEOUT', `${name} was dumped but its monitor did not see it stop within ${STOP_AFTER_DUMP_MS / 1000} s`, {hints: [`ctr info -n ${name}; ctr stop -n ${name} -k`]})
    }
  }
}
