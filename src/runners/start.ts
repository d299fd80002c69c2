// `ctr start`: resolve, load and check the config, then hand a spec to a new
// ctr-monitor and report what it says (docs/lxc-contract.md §1,
// docs/architecture.md §2).

import {accessSync, closeSync, constants as fsConstants, existsSync, lstatSync, mkdirSync, openSync, readlinkSync, statSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, resolve as resolvePath} from 'node:path'
import {getSystemErrorMap} from 'node:util'

import {CtrError} from '../core/errors.js'
import {encodeMonitorSpec, MNT, type MonitorSpec, type NamespaceName, type ShareSpec} from '../core/monitor-spec.js'
import type {StartOptions} from '../core/options.js'
import {defaultLogFile, lastExitPath} from '../core/paths.js'
import {overlayWorkdir, planStart, type KernelFacts} from '../core/start-plan.js'
import {parseFstab, type ContainerConfig, type MountEntry} from '../core/config/index.js'
import {needsInterfaceList} from '../core/net-plan.js'
import {startFailureError, type FailureContext} from '../core/start-errors.js'
import {hookTimeout} from '../core/hook-plan.js'
import type {CommandOutcome} from '../output.js'
import {runFleet, type FleetResult} from './fleet.js'
import {readCgroupLayout} from '../sys/cgroup.js'
import {DEFAULT_SECCOMP_POLICY, formatWarnings, loadConfigForStart} from '../sys/config.js'
import {readCapLastCap} from '../sys/config-loader.js'
import {queryStatus, resolveContainer, resolveFromOptions, type ContainerRef} from '../sys/container.js'
import {heldByCtr, queryLxc, type LxcHolder} from '../sys/lxc.js'
import {readLsmFacts} from '../sys/lsm.js'
import {v8} from '../sys/builtins.js'
import {environFrame} from '../sys/launcher.js'
import {killReportedMonitor, launchMonitor, startTimeoutError, useAsyncDaemonLaunch, type LaunchedMonitor, type StartReport} from '../sys/monitor.js'
import {ownInterfaces} from '../sys/network.js'
import {readProcStat} from '../sys/proc.js'
import {packagePath} from '../sys/package-files.js'
import {assertTrustedDir} from '../sys/rundir-trust.js'
import {readFailure, readTextFile} from '../sys/read-text.js'
import {precompiledSeccomp} from '../sys/seccomp-precompiled.js'

const require = createRequire(import.meta.url)

/** `ctr start --json`'s result (docs/json.md): every key always, null where it does not apply. */
export interface StartResult {
  name: string
  state: 'RUNNING' | 'STOPPED'
  /** Init's pid in the host pid namespace. */
  pid: number | null
  monitorPid: number | null
  daemon: boolean
  /** true when the container was already running (LXC exits 0 then too). */
  alreadyRunning: boolean
  /** Who runs it: ctr, or LXC when it was already running under LXC (its command socket answered; sys/lxc.ts). */
  runBy: 'ctr' | 'lxc'
  /** Foreground: the payload's exit status (128 + signal if killed); null in the background. */
  exitStatus: number | null
  /** Container-side start time measured by the monitor: from having read the spec until init's exec, in µs. */
  startupUs: number | null
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGPWR', 'SIGCONT']

/** `ctr start`: one container, or with --many / --all-matching many at once (src/runners/fleet.ts). */
export async function runStartCommand(opts: StartOptions): Promise<CommandOutcome<StartResult | FleetResult<StartResult>>> {
  if (!opts.fleet) return runStart(opts)
  useAsyncDaemonLaunch()
  // A fleet's Node process lives about half a second on CPUs its own
  // monitors need: what V8's optimising compiler spends making the start
  // path faster is more than that path ever gets back in one command
  // (measured: ~20% of Node's CPU in a fleet of 100, docs/architecture.md
  // §2.5). The process is ctr's own: the library, in its caller's process,
  // never gets here.
  v8().setFlagsFromString('--no-opt')
  // The fleet is one command: the host's facts and this process's
  // environment are read once for all of its starts, as one start reads
  // them once (issue 13 item 3: they were ~1 ms of each start's CPU).
  const snapshot: FleetSnapshot = {}
  return runFleet(opts, opts.fleet, false, (one) => runStart(one, {snapshot}))
}

/** What the starts of one fleet share (runStartCommand): filled in by the first start that needs it. */
export interface FleetSnapshot {
  /** Kernel, cgroup layout and LSM facts (kernelFacts), without the per-config interface list. */
  kernel?: KernelFacts
  /** The environment the monitors get, encoded for the launcher once (src/sys/launcher.ts). */
  environ?: Buffer
}

/** What a caller adds to a start: `ctr checkpoint -r` restores init with CRIU instead of cloning it. */
export interface StartVariant {
  /** Changes the planned spec before the monitor gets it (runners/checkpoint.ts sets spec.restore). */
  amend?: (spec: MonitorSpec, config: ContainerConfig) => void
  /** The fleet this start is one of (runStartCommand). */
  snapshot?: FleetSnapshot
}

export async function runStart(opts: StartOptions, variant: StartVariant = {}): Promise<CommandOutcome<StartResult>> {
  const ref = resolveFromOptions(opts)
  // lxc-start refuses a -P that does not exist ("You lack access to"); the
  // built-in default lxcpath is not required (the embedded default config
  // runs without one).
  if (opts.lxcpath !== undefined && !existsSync(ref.lxcpath)) {
    throw new CtrError('CTR_NO_LXCPATH', `The lxcpath "${ref.lxcpath}" does not exist`, {
      hints: ['Check -P/--lxcpath; ctr create makes the directory when it creates a container there'],
    })
  }
  // A base another user controls is refused before anything is created in it.
  assertTrustedDir(ref.runtimeBase, {base: true})
  const loaded = loadConfigForStart(ref, opts)
  const notices = formatWarnings(loaded.warnings)
  const status = await queryStatus(ref)
  if (status.running) return alreadyRunning(ref, opts, status.initPid, status.monitorPid, notices)
  // A container LXC runs: its monitor holds LXC's command socket, so ours
  // fails at its lxc-lock step and LXC is asked then (below). Asked here
  // first only with -p: the failing monitor would have written the
  // pidfile before that step, and removed it (native/rundir.c).
  if (opts.pidfile !== undefined) {
    const lxc = queryLxc(ref.lxcpath, ref.name)
    if (lxc) return runningUnderLxc(ref, opts, lxc, notices)
  }
  if (loaded.config.ephemeral && existsSync(ref.rundir) && loaded.file === ref.configPath) {
    const {finishEphemeral} = await import('./ephemeral.js')
    if (await finishEphemeral(ref, loaded.config)) {
      throw new CtrError('CTR_NOT_DEFINED', `${ref.name} was an ephemeral container whose monitor was killed: it has been destroyed now`, {
        hints: ['lxc.ephemeral = 1 containers are destroyed when they stop (README, ctr copy -e)'],
      })
    }
  }

  const config = loaded.config
  if (config.rootfs.path !== undefined && config.rootfs.type !== 'overlay' && config.rootfs.type !== 'overlayfs') checkRootfs(config.rootfs.path)
  const pidfile = opts.pidfile === undefined ? undefined : checkPidfile(opts.pidfile)
  const {spec, warnings: planWarnings} = planStart({
    name: ref.name,
    lxcpath: ref.lxcpath,
    rundir: ref.rundir,
    config,
    configFile: loaded.file,
    options: opts,
    exitfile: existsSync(ref.dir) ? lastExitPath(ref.lxcpath, ref.name) : undefined,
    logfile: prepareLogfile(resolveLogfile(ref, opts, config.log.file)),
    shares: await resolveShares(ref, config.namespaces.share),
    kernel: kernelFacts(config, variant.snapshot),
    ...(config.seccomp.profile === undefined ? {} : {seccomp: await compileSeccomp(config.seccomp.profile)}),
    pidfile,
    fstab: config.mountFstab === undefined ? [] : readFstab(config.mountFstab),
    callerEnv: process.env,
    hookTimeoutS: hookTimeout(process.env.CTR_HOOK_TIMEOUT),
    // node:crypto (and the stream stack it loads) only for lxc.net.N.hwaddr's x's.
    random: (n) => (require('node:crypto') as typeof import('node:crypto')).randomBytes(n),
    terminal: !opts.daemon && onTerminal(),
  })
  notices.push(...planWarnings)
  // lxc.ephemeral: the monitor destroys the container once it has stopped
  // (docs/architecture.md §12).
  if (config.ephemeral && loaded.file === ref.configPath) spec.onexit = ephemeralDestroyArgv(ref)
  if (spec.rootfsMount?.fstype === 'overlay') prepareOverlay(config.rootfs.parts)
  variant.amend?.(spec, config)

  for (let attempt = 0; ; attempt++) {
    const reportMs = START_REPORT_TIMEOUT_MS + hookAllowanceMs(spec, START_HOOKS)
    const teardownMs = TEARDOWN_TIMEOUT_MS + hookAllowanceMs(spec, ['stop', 'post-stop'])
    const launched = launchMonitor(encodeMonitorSpec(spec), {
      foreground: spec.foreground,
      name: ref.name,
      lxcpath: ref.lxcpath,
      syncTimeoutMs: reportMs + teardownMs,
      ...(variant.snapshot ? {environ: (variant.snapshot.environ ??= environFrame())} : {}),
    })
    const unforward = spec.foreground ? forwardSignals(launched) : () => undefined
    // start -F on a terminal: this terminal is the console's first client,
    // attached before init runs so that none of its output is missed.
    const session = spec.tty?.hold ? interactiveConsole(ref, launched) : undefined
    // The blocking launch has its report (or its timeout) already: no timer to arm.
    const report = await (launched.settled ? launched.report : withinReportTimeout(launched, ref.name, hookAllowanceMs(spec, START_HOOKS))).catch((error: unknown) => {
      unforward()
      throw error
    })
    if (report.kind === 'busy') {
      unforward()
      // Another monitor holds the lock: a concurrent start won, or the
      // previous run is still tearing down (then try again once it is gone).
      const now = await queryStatus(ref)
      if (now.running && now.state !== 'STOPPING' && now.state !== 'ABORTING') return alreadyRunning(ref, opts, now.initPid, now.monitorPid, notices)
      // No monitor holds it (a finishing one keeps its socket until after
      // it lets go): a ctr create or destroy does (docs/architecture.md §5).
      // (ctr-monitor cleanup holds it for a moment too: try again twice.)
      if (!now.running && !existsSync(`${ref.rundir}/command.sock`)) {
        if (attempt < 2) continue
        throw new CtrError('CTR_LOCKED', `${ref.name} is locked: a ctr create or destroy of it is running`, {hints: ['Wait for it to finish and start it again']})
      }
      if (attempt < 20) {
        await waitGone(ref)
        continue
      }
      throw new CtrError('CTR_BUSY', `${ref.name}: another ctr is starting or stopping this container`, {hints: ['Try again in a moment']})
    }
    if (report.kind === 'error') {
      unforward()
      if (spec.foreground) await launched.exit
      // LXC started it meanwhile: its monitor holds LXC's lock (native/lxcsock.h).
      const holder = report.step === 'lxc-lock' ? queryLxc(ref.lxcpath, ref.name) : undefined
      if (holder) return runningUnderLxc(ref, opts, holder, notices)
      throw failure(report, ref.name, config, spec)
    }
    if (!spec.foreground) {
      // Whatever else holds the sync fd (a wrapper named by $CTR_MONITOR,
      // say) must not keep ctr start from returning.
      launched.release()
      return {exitCode: 0, result: {name: ref.name, state: 'RUNNING', pid: report.initPid, monitorPid: report.monitorPid, daemon: true, alreadyRunning: false, runBy: 'ctr', exitStatus: null, startupUs: report.startupUs}, notices}
    }
    await session
    const exitStatus = await launched.exit
    unforward()
    // lxc-start -F always exits 0; ctr passes the payload's status on (README).
    return {exitCode: exitStatus, result: {name: ref.name, state: 'STOPPED', pid: report.initPid, monitorPid: report.monitorPid, daemon: false, alreadyRunning: false, runBy: 'ctr', exitStatus, startupUs: report.startupUs}, notices}
  }
}

/**
 * How long a monitor may take to report the start (RUNNING or why not).
 * One that never does must not hang ctr start; and so that "failed" stays
 * true, it is killed then (its container goes with it).
 */
export const START_REPORT_TIMEOUT_MS = 60_000

// Hooks may legitimately take up to their timeout each: the bounds on the
// monitor's report and teardown grow by that much (core/hook-plan.ts).
const START_HOOKS = ['pre-start', 'pre-mount', 'mount', 'autodev', 'start', 'start-host']
const TEARDOWN_TIMEOUT_MS = 30_000

function hookAllowanceMs(spec: MonitorSpec, types: readonly string[]): number {
  const hooks = spec.hooks
  if (!hooks) return 0
  return hooks.hooks.filter((h) => types.includes(h.type)).length * hooks.timeoutS * 1000
}

// Bounded: a monitor stuck in its teardown must not hang ctr start; the
// failure is reported either way.
async function closedWithin(launched: LaunchedMonitor, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([launched.closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

async function withinReportTimeout(launched: LaunchedMonitor, name: string, extraMs = 0): Promise<StartReport> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const pid = launched.monitorPid()
      reject(startTimeoutError(name, pid, START_REPORT_TIMEOUT_MS + extraMs, killReportedMonitor(pid)))
    }, START_REPORT_TIMEOUT_MS + extraMs)
  })
  try {
    return await Promise.race([launched.report, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function alreadyRunning(ref: ContainerRef, opts: StartOptions, pid: number | undefined, monitorPid: number | undefined, notices: string[]): CommandOutcome<StartResult> {
  // LXC: "Container is already running", exit 0 (docs/lxc-contract.md §1.2 step 6).
  const result: StartResult = {name: ref.name, state: 'RUNNING', pid: pid ?? null, monitorPid: monitorPid ?? null, daemon: opts.daemon, alreadyRunning: true, runBy: 'ctr', exitStatus: null, startupUs: null}
  return {exitCode: 0, result, notices: [...notices, `${ref.name}: Container is already running`]}
}

// LXC runs it (or a ctr with another run-dir base does, holding LXC's lock):
// LXC's "already running" answer, exit 0, saying who runs it.
function runningUnderLxc(ref: ContainerRef, opts: StartOptions, holder: LxcHolder, notices: string[]): CommandOutcome<StartResult> {
  const result: StartResult = {name: ref.name, state: 'RUNNING', pid: holder.initPid ?? null, monitorPid: heldByCtr(holder) ? holder.holderPid : null, daemon: opts.daemon, alreadyRunning: true, runBy: 'ctr', exitStatus: null, startupUs: null}
  if (heldByCtr(holder)) {
    return {exitCode: 0, result, notices: [...notices, `${ref.name}: Container is already running (ctr-monitor ${holder.holderPid}, with another run-dir base)`]}
  }
  result.runBy = 'lxc'
  return {exitCode: 0, result, notices: [...notices, `${ref.name}: Container is already running under LXC`]}
}

// Until the run dir's monitor is gone (a previous run tearing down), for at
// most TEARDOWN_WAIT_MS: a monitor that neither answers nor goes away is an
// error, not a reason to wait forever.
const TEARDOWN_WAIT_MS = 30_000

async function waitGone(ref: ContainerRef): Promise<void> {
  const {connectMonitor, isGone} = await import('../sys/monitor-client.js')
  const deadline = Date.now() + TEARDOWN_WAIT_MS
  const conn = await connectMonitor(ref.rundir)
  if (!conn) return
  const busy = (): CtrError =>
    new CtrError('CTR_BUSY', `${ref.name}: its previous monitor did not finish within ${TEARDOWN_WAIT_MS / 1000} s`, {
      hints: ['It may be hung or stopped (state T in ps): its pid is in monitor.pid in the run dir; ctr stop -k stops it'],
    })
  try {
    try {
      await conn.request('watch', TEARDOWN_WAIT_MS)
    } catch (error) {
      if (isGone(error)) return
      throw busy()
    }
    for (;;) {
      const event = await conn.nextEvent(deadline)
      if (event === undefined) return
      if (event === null) throw busy()
    }
  } finally {
    conn.close()
  }
}

// Whether stdin and stdout are terminals (node:tty only for -F: it loads net).
function onTerminal(): boolean {
  const {isatty} = require('node:tty') as typeof import('node:tty')
  return isatty(0) && isatty(1)
}

/**
 * The console session of `start -F` on a terminal: lxc-start -F's, raw mode
 * and window size, no escape sequence (as lxc-start, leave by stopping the
 * container). Resolves when the console goes away with the container; if
 * it cannot attach, the container is killed (SIGKILL to the monitor's
 * foreground process takes init with it) rather than left running blind.
 */
async function interactiveConsole(ref: ContainerRef, launched: LaunchedMonitor): Promise<void> {
  const started = await Promise.race([launched.listening.then(() => true), launched.report.then(() => false, () => false)])
  if (!started) return
  const [{openConsole}, {proxyTerminal, terminalSize}] = await Promise.all([import('../sys/console-client.js'), import('../sys/tty-proxy.js')])
  let session: Awaited<ReturnType<typeof openConsole>>
  try {
    session = await openConsole(ref.rundir, ref.name, 0, terminalSize())
  } catch {
    launched.kill('SIGKILL')
    return
  }
  await proxyTerminal({remote: session.socket, onResize: (size) => session.resize(size), onInputEnd: 'ignore'})
  session.close()
}

// The monitor forwards what it gets to init (SIGHUP as SIGTERM, like lxc-start -F).
function forwardSignals(launched: LaunchedMonitor): () => void {
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = (): void => {
      launched.kill(signal)
    }
    process.on(signal, handler)
    return [signal, handler] as const
  })
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler)
  }
}

function failure(report: Extract<StartReport, {kind: 'error'}>, name: string, config: ContainerConfig, spec: MonitorSpec): CtrError {
  const rootfs = config.rootfs.path
  const entry = getSystemErrorMap().get(-report.errno)
  const err = entry ? {name: entry[0], message: capitalize(entry[1])} : {name: `errno ${report.errno}`, message: 'Unknown error'}
  const ctx: FailureContext = {name, rootfs, path: spec.pathSearch, foreground: spec.foreground, uid: process.geteuid?.() ?? 0, netTypes: Object.fromEntries(config.nets.map((n) => [n.index, n.type ?? '']))}
  if (report.step === 'mount') {
    // "INDEX TARGET": the spec's operation that failed.
    const op = spec.fsops[Number(report.detail.split(' ', 1)[0])]
    if (op && op.opts & MNT.NO_SYMLINKS) {
      ctx.automount = true
      const link = rootfs === undefined || spec.rootfsMount?.fstype === 'overlay' ? undefined : findSymlink(rootfs, op.kind === 'mount' ? op.target : op.path)
      if (link) ctx.symlink = link
    }
  }
  return startFailureError({step: report.step, errno: report.errno, detail: report.detail, ...(report.signal ? {signal: report.signal} : {})}, err, ctx)
}

// The first component of `rel` (inside the rootfs directory) that is a symlink.
function findSymlink(rootfs: string, rel: string): {path: string; target: string} | undefined {
  const parts = rel.split('/').filter((p) => p !== '')
  for (let i = 1; i <= parts.length; i++) {
    const inside = `/${parts.slice(0, i).join('/')}`
    try {
      if (lstatSync(`${rootfs}${inside}`).isSymbolicLink()) return {path: inside, target: readlinkSync(`${rootfs}${inside}`)}
    } catch {
      return undefined
    }
  }
  return undefined
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function readFstab(path: string): MountEntry[] {
  let text: string
  try {
    text = readTextFile(path)
  } catch (error) {
    throw new CtrError('CTR_FSTAB', `Failed to read lxc.mount.fstab "${path}": ${readFailure(error)}`, {hints: ['Check lxc.mount.fstab'], cause: error})
  }
  return parseFstab(text, path)
}

// overlay:LOWER...:UPPER: the layers must exist; ctr creates and owns the work dir beside the upper dir.
function prepareOverlay(parts: string[]): void {
  for (const dir of parts) {
    if (!existsSync(dir)) throw new CtrError('CTR_ROOTFS', `The overlay layer "${dir}" does not exist`, {hints: ['lxc.rootfs.path = overlay:LOWER:UPPER; create the upper directory first']})
  }
  mkdirSync(overlayWorkdir(parts.at(-1) ?? ''), {recursive: true, mode: 0o755})
}

// Facts of the running kernel that cannot change while it runs (its
// cap_last_cap, whether it has cgroup namespaces): read once per process.
let kernelConstants: {cgroupNs: boolean; capLastCap: number} | undefined

// The cgroup layout (mounts, this process's cgroup, which controllers are
// enabled and writable) and the LSMs are read per start, or once per fleet:
// the fleet's starts share its snapshot (planStart only reads them).
function kernelFacts(config: ContainerConfig, snapshot?: FleetSnapshot): KernelFacts {
  const host = snapshot?.kernel ?? hostFacts()
  if (snapshot) snapshot.kernel = host
  const facts: KernelFacts = {...host}
  // The monitor runs in our network namespace: a phys `link+` matches its interfaces.
  if (needsInterfaceList(config)) facts.interfaces = ownInterfaces()
  return facts
}

function hostFacts(): KernelFacts {
  const cgroups = readCgroupLayout()
  kernelConstants ??= {cgroupNs: existsSync('/proc/self/ns/cgroup'), capLastCap: readCapLastCap()}
  return {...kernelConstants, lsm: readLsmFacts(), ...(cgroups ? {cgroups} : {})}
}


// The compiler and its syscall tables are loaded only for a container with a profile.
async function compileSeccomp(path: string): Promise<{filter: Buffer; warnings: string[]}> {
  let text: string
  try {
    text = readTextFile(path)
  } catch (error) {
    // `ctr create -t busybox` names the denylist of the ctr that created the
    // container; another installation of ctr (nvm, an npx cache) has its own.
    const shipped = path.endsWith('/config/default.seccomp') && path !== DEFAULT_SECCOMP_POLICY && existsSync(DEFAULT_SECCOMP_POLICY)
    throw new CtrError('CTR_SECCOMP_POLICY', `Failed to read the seccomp policy "${path}": ${readFailure(error)}`, {
      hints: [
        ...(shipped ? [`It looks like ctr's default denylist from another installation of ctr: this one's is ${DEFAULT_SECCOMP_POLICY}`] : []),
        'Check lxc.seccomp.profile',
      ],
      cause: error,
    })
  }
  // The shipped denylist (default config, busybox template) was compiled at build time.
  const precompiled = precompiledSeccomp(text)
  if (precompiled !== undefined) return {filter: precompiled, warnings: []}
  const {compileSeccompPolicy} = await import('../core/seccomp/index.js')
  return compileSeccompPolicy(text, path)
}

function checkRootfs(path: string): void {
  let isDir = false
  try {
    isDir = statSync(path).isDirectory()
  } catch (error) {
    throw new CtrError('CTR_ROOTFS', `The root filesystem "${path}" does not exist`, {
      hints: ['Check lxc.rootfs.path; `ctr create -t busybox` makes a working one'],
      cause: error,
    })
  }
  if (!isDir) throw new CtrError('CTR_ROOTFS', `The root filesystem "${path}" is not a directory`, {hints: ['Only directory root filesystems (dir:) are supported']})
}

// LXC makes the pidfile path absolute and checks it can be written before
// starting; the monitor writes it atomically once it runs.
function checkPidfile(path: string): string {
  const absolute = resolvePath(path)
  try {
    accessSync(dirname(absolute), fsConstants.W_OK)
  } catch (error) {
    throw new CtrError('CTR_PIDFILE', `Cannot write the pidfile "${absolute}": ${(error as NodeJS.ErrnoException).code ?? 'EACCES'}`, {cause: error})
  }
  return absolute
}

// LXC creates the log file's directory (its log.c build_dir), so that
// `-l DEBUG` on a fresh host logs to /var/log/ctr/NAME.log; and a log that
// cannot be opened is an error here, not a run that silently logs nothing.
function prepareLogfile(path: string | undefined): string | undefined {
  if (path === undefined) return undefined
  try {
    mkdirSync(dirname(path), {recursive: true, mode: 0o755})
    closeSync(openSync(path, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NONBLOCK, 0o640))
  } catch (error) {
    throw new CtrError('CTR_LOGFILE', `Failed to open the log file "${path}": ${(error as NodeJS.ErrnoException).code ?? 'EIO'}`, {
      hints: ['Check -o/--logfile and lxc.log.file; -o none logs nowhere'],
      cause: error,
    })
  }
  return path
}

// -o wins over lxc.log.file; `-o none` means no file; -l alone logs to the default file.
function resolveLogfile(ref: ContainerRef, opts: StartOptions, fromConfig: string | undefined): string | undefined {
  if (opts.logfile === 'none') return undefined
  if (opts.logfile !== undefined) return resolvePath(opts.logfile)
  if (fromConfig !== undefined) return fromConfig
  if (opts.logpriority !== undefined) return defaultLogFile(ref.ctx, ref.lxcpath, ref.name)
  return undefined
}

/**
 * lxc.namespace.share.<ns> values (docs/lxc-contract.md §5.4): an absolute path is a
 * namespace file; digits are a pid (pinned by its start time); anything else
 * is a running container's name in the same lxcpath.
 */
async function resolveShares(ref: ContainerRef, share: Partial<Record<NamespaceName, string>>): Promise<ShareSpec[]> {
  const out: ShareSpec[] = []
  // The user namespace first: the monitor's child joins in this order.
  const order: NamespaceName[] = ['user', 'mnt', 'pid', 'uts', 'ipc', 'net', 'cgroup', 'time']
  for (const ns of order) {
    const value = share[ns]
    if (value === undefined || value === '') continue
    if (value.startsWith('/')) {
      out.push({ns, path: value, pid: 0, starttime: 0})
      continue
    }
    if (/^[0-9]+$/.test(value)) {
      const pid = Number(value)
      const stat = readProcStat(pid)
      if (!stat || stat.state === 'Z') throw new CtrError('CTR_SHARE', `Cannot share the ${ns} namespace of pid ${pid}: no such process`)
      out.push({ns, path: `/proc/${pid}/ns/${ns}`, pid, starttime: stat.starttime})
      continue
    }
    const other = resolveContainer(value, ref.lxcpath)
    const status = await queryStatus(other)
    if (!status.running || !status.initPid || !status.initStartTime) {
      throw new CtrError('CTR_SHARE', `Cannot share the ${ns} namespace of container "${value}": it is not running`, {
        hints: [`Start ${value} first (in ${ref.lxcpath}), or give a pid or a namespace path`],
      })
    }
    out.push({ns, path: `/proc/${status.initPid}/ns/${ns}`, pid: status.initPid, starttime: status.initStartTime})
  }
  return out
}

/** The command an ephemeral container's monitor execs when it has stopped: `ctr destroy`, quietly. */
export function ephemeralDestroyArgv(ref: ContainerRef): string[] {
  return [process.execPath, packagePath('bin/run.js'), 'destroy', '-n', ref.name, '-P', ref.lxcpath, '-q']
}
