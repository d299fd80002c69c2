// The integration suite's toolbox: a sandbox per test file (its own lxcpath,
// run dir and global config, so the machine's containers and config are
// never touched), a busybox + test-init rootfs, a `ctr()` runner that drives
// the built bin/run.js either way in (the fast path or oclif), readiness
// waiters that follow events (the test-init ready file, process exit), /proc
// readers, and the leftover checks that make the suite fail when a test
// leaves a process, mount, cgroup or run dir behind.
//
// Nothing is mocked: real namespaces, real processes, real files. Every
// wait has a deadline; none is a fixed sleep.

import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {after, afterEach, before} from 'node:test'
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  rmdirSync,
  statSync,
  symlinkSync,
  watch,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {readProcStat, type ProcStat} from '../../src/sys/proc.js'
import {checkJsonOutput} from './json-schema.js'

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const RUN_JS = join(REPO, 'bin/run.js')
export const MONITOR_BIN = process.env.CTR_MONITOR || join(REPO, 'build/ctr-monitor')
export const TEST_INIT_BUILD = join(REPO, 'build/test-init')
export const BUSYBOX = '/bin/busybox'

/** The two ways into a hot command: bin/run.js's fast path and oclif (CTR_VIA_OCLIF=1). */
export type Way = 'fast' | 'oclif'
export const WAYS: readonly Way[] = ['fast', 'oclif']

export const NAMESPACES = ['mnt', 'pid', 'uts', 'ipc', 'net', 'cgroup'] as const
export type Namespace = (typeof NAMESPACES)[number] | 'user' | 'time'

// ---------------------------------------------------------------------------
// Root gate

/**
 * The `skip` option for a root-only describe block. As root: run. Not root:
 * skip only when CTR_TEST_ALLOW_SKIP=1 says a skip is acceptable; otherwise
 * run anyway, so that the sandbox's `before` fails with a clear message (a
 * CI run as non-root must fail, not pass with everything skipped).
 */
export function rootOnly(): string | false {
  if (isRoot()) return false
  if (process.env.CTR_TEST_ALLOW_SKIP === '1') return 'needs root (real namespaces); skipped because CTR_TEST_ALLOW_SKIP=1'
  return false
}

function isRoot(): boolean {
  return process.geteuid?.() === 0
}

function assertPrerequisites(): void {
  if (!isRoot()) {
    throw new Error(
      'The integration tests need root: they create real namespaces and mounts. Run them as root, ' +
        'or set CTR_TEST_ALLOW_SKIP=1 to skip them explicitly (CI must not)',
    )
  }
  const build = `cd ${REPO} && npm run pretest`
  const missing = [join(REPO, 'dist'), MONITOR_BIN, TEST_INIT_BUILD, BUSYBOX].filter((f) => !existsSync(f))
  if (missing.length > 0) throw new Error(`Missing ${missing.join(', ')}: build first (${build}); busybox-static provides ${BUSYBOX}`)
  const probe = spawnSync(process.execPath, [RUN_JS, 'info', '--version'], {encoding: 'utf8'})
  if (probe.status !== 0) throw new Error(`bin/run.js does not run (${probe.stderr.trim()}): build first (${build})`)
}

// ---------------------------------------------------------------------------
// Running ctr

export interface CtrResult {
  /** Exit status; null when ctr was killed by a signal. */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Wall time from spawn to exit. */
  ms: number
  /** The argv after `ctr`, for failure messages. */
  args: string[]
}

export interface CtrOptions {
  via?: Way
  /** Run ctr inside this test network namespace (nsenter --net: the mount namespace stays the host's). */
  netns?: NetNs
  /** Extra environment (undefined deletes a variable). */
  env?: Record<string, string | undefined>
  /** Kill ctr (SIGKILL) and fail after this long. Default 30 s. */
  timeoutMs?: number
  uid?: number
  gid?: number
  cwd?: string
}

export interface RunningCtr {
  child: ChildProcess
  pid: number
  /** Resolves when ctr exits (rejects only on a spawn error or the timeout). */
  done: Promise<CtrResult>
}

/** Environment variables of ours that must not leak from the caller into a test. */
const SCRUBBED = ['CTR_NAME', 'CTR_PATH', 'CTR_VIA_OCLIF', 'CTR_RUNTIME_DIR', 'CTR_GLOBAL_CONFIG', 'CTR_DEBUG', 'CTR_JSON', 'CTR_CONTENT_TYPE', 'NODE_TEST_CONTEXT', 'NODE_OPTIONS']

/** Short description of a result for assertion messages. */
export function describeResult(r: CtrResult): string {
  return `ctr ${r.args.join(' ')} -> code ${r.code}${r.signal ? ` (signal ${r.signal})` : ''} in ${r.ms} ms\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`
}

/** Parses --json output. */
export function json<T = Record<string, unknown>>(r: CtrResult): T {
  try {
    return JSON.parse(r.stdout) as T
  } catch {
    throw new Error(`Not JSON on stdout:\n${describeResult(r)}`)
  }
}

// ---------------------------------------------------------------------------
// Running ctr as another user

let readableCopy: string | undefined

/**
 * bin/run.js as `uid` can run it: the checkout's own when that user can
 * read it, else a copy (made once per test process, world-readable, under
 * the temp dir, removed at exit). A clone under /root (mode 0700) is not
 * readable to the other users the privilege tests run as; the user's home
 * is never chmod-ed.
 */
export function runJsFor(uid: number, gid: number): string {
  const files = [RUN_JS, join(REPO, 'dist/main.js'), join(REPO, 'dist/hot-query.cjs'), join(REPO, 'package.json')]
  const probe = spawnSync(process.execPath, ['-e', `for (const f of ${JSON.stringify(files)}) require('node:fs').accessSync(f, 4)`], {uid, gid, cwd: '/'})
  if (probe.status === 0) return RUN_JS
  if (readableCopy === undefined) {
    const copy = mkdtempSync(join(tmpdir(), 'ctr-it-repo-'))
    for (const entry of ['bin', 'dist', 'node_modules', 'scripts', 'config', 'build', 'package.json']) {
      if (!existsSync(join(REPO, entry))) continue
      const r = spawnSync('cp', ['-a', join(REPO, entry), copy], {encoding: 'utf8'})
      if (r.status !== 0) throw new Error(`Copying ${entry} for uid ${uid} failed: ${r.stderr}`)
    }
    const r = spawnSync('chmod', ['-R', 'a+rX', copy], {encoding: 'utf8'})
    if (r.status !== 0) throw new Error(`chmod of ${copy} failed: ${r.stderr}`)
    process.once('exit', () => rmSync(copy, {recursive: true, force: true}))
    readableCopy = copy
  }
  return join(readableCopy, 'bin/run.js')
}

// ---------------------------------------------------------------------------
// The sandbox

let sandboxCount = 0

/**
 * One per test file: a temp dir holding the lxcpath, the runtime dir
 * (CTR_RUNTIME_DIR), a global config (CTR_GLOBAL_CONFIG) and a busybox +
 * test-init rootfs. `ctr()` runs bin/run.js with that environment.
 */
export class Sandbox {
  readonly root: string
  readonly lxcpath: string
  readonly runtimeDir: string
  readonly globalConfig: string
  readonly rootfs: string
  /** The test-init copy inside the rootfs (host path); /sbin/test-init inside. */
  readonly testInit: string
  /** The busybox copy inside the rootfs (host path); /bin/busybox inside. */
  readonly busybox: string
  /** Host directory for ready files of host-root (embedded default config) containers. */
  readonly hostReadyDir: string
  /** Prefix of every container name of this sandbox (also used to find leftover cgroups). */
  readonly tag: string

  private counter = 0
  private readonly testNames: string[] = []
  private readonly children = new Set<ChildProcess>()
  /** Network namespaces the current test made, and where each container's ctr ran. */
  private readonly testNetns: NetNs[] = []
  private readonly netnsOf = new Map<string, NetNs>()
  /** Host-side interface names a test chose (veth.pair): none may exist after it. */
  private readonly hostIfnames: string[] = []

  private constructor(root: string, tag: string) {
    this.root = root
    this.tag = tag
    this.lxcpath = join(root, 'lxc')
    this.runtimeDir = join(root, 'run')
    this.globalConfig = join(root, 'ctr.conf')
    this.rootfs = join(root, 'rootfs')
    this.testInit = join(this.rootfs, 'sbin/test-init')
    this.busybox = join(this.rootfs, 'bin/busybox')
    this.hostReadyDir = join(root, 'ready')
  }

  /** Creates the sandbox; `label` is a short word naming the test file (letters only). */
  static create(label: string): Sandbox {
    assertPrerequisites()
    const root = mkdtempSync(join(tmpdir(), `ctr-it-${label}-`))
    // 0755: the privilege tests run ctr as nobody, which must reach the
    // lxcpath and configs but not the 0700 run dirs the monitor creates.
    chmodSync(root, 0o755)
    const tag = `${label.slice(0, 6)}${process.pid.toString(36)}${(sandboxCount++).toString(36)}`
    const sb = new Sandbox(root, tag)
    mkdirSync(sb.lxcpath, {mode: 0o755})
    mkdirSync(sb.runtimeDir, {mode: 0o755})
    mkdirSync(sb.hostReadyDir, {mode: 0o755})
    // A global config that says nothing: the machine's /etc/ctr/ctr.conf is never read.
    writeFileSync(sb.globalConfig, '# ctr integration test sandbox\n')
    buildRootfs(sb.rootfs)
    return sb
  }

  /** A fresh container name, registered for cleanup after the current test. */
  name(label: string): string {
    const name = `${this.tag}-${this.counter++}-${label}`.slice(0, 64)
    this.testNames.push(name)
    return name
  }

  /** The environment ctr runs with: the sandbox's paths, none of the caller's CTR_* settings. */
  env(extra: Record<string, string | undefined> = {}, via: Way = 'fast'): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {...process.env}
    for (const key of SCRUBBED) delete env[key]
    env.CTR_RUNTIME_DIR = this.runtimeDir
    env.CTR_GLOBAL_CONFIG = this.globalConfig
    env.CTR_PATH = this.lxcpath
    env.NO_COLOR = '1'
    if (via === 'oclif') env.CTR_VIA_OCLIF = '1'
    for (const [key, value] of Object.entries(extra)) {
      if (value === undefined) delete env[key]
      else env[key] = value
    }
    return env
  }

  /** Runs `ctr ARGS` to completion. */
  ctr(args: string[], opts: CtrOptions = {}): Promise<CtrResult> {
    return this.spawnCtr(args, opts).done
  }

  /** Starts `ctr ARGS` and returns at once (for -F, concurrent runs and signals). */
  spawnCtr(args: string[], opts: CtrOptions = {}): RunningCtr {
    // Another user gets a HOME of its own, as a login would give it (oclif
    // reads its data dir there; /root is not readable to it).
    const home = opts.uid === undefined ? {} : {HOME: this.homeFor(opts.uid)}
    const runJs = opts.uid === undefined ? RUN_JS : runJsFor(opts.uid, opts.gid ?? opts.uid)
    const name = args[args.indexOf('-n') + 1]
    if (opts.netns && args.includes('-n') && name !== undefined) this.netnsOf.set(name, opts.netns)
    const argv = opts.netns ? ['nsenter', `--net=${opts.netns.path}`, process.execPath, runJs, ...args] : [process.execPath, runJs, ...args]
    return this.launch(argv, args, `ctr ${args.join(' ')}`, {...opts, env: {...home, ...opts.env}})
  }

  /**
   * Runs any command (a link named lxc-*, a shell, a helper script) with the
   * sandbox's environment, to completion; `via` picks the way in for a ctr it
   * runs. Its --json output is not checked: it need not be ctr's.
   */
  run(argv: string[], opts: Omit<CtrOptions, 'netns'> = {}): Promise<CtrResult> {
    return this.launch(argv, argv, argv.join(' '), opts, false).done
  }

  /** Spawns argv, collects its output and ends it (SIGKILL, a rejection) after opts.timeoutMs. */
  private launch(argv: string[], args: string[], label: string, opts: CtrOptions, checkJson = true): RunningCtr {
    const started = performance.now()
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: opts.cwd ?? this.root,
      env: this.env(opts.env ?? {}, opts.via),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid === undefined ? {} : {uid: opts.uid}),
      ...(opts.gid === undefined ? {} : {gid: opts.gid}),
    })
    this.children.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timeoutMs = opts.timeoutMs ?? 30_000
    const done = new Promise<CtrResult>((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`${label} did not finish within ${timeoutMs} ms\n--- stdout ---\n${stdout}--- stderr ---\n${stderr}`))
      }, timeoutMs)
      child.on('error', (error) => {
        clearTimeout(timer)
        this.children.delete(child)
        reject(error)
      })
      child.on('close', (code, signal) => {
        clearTimeout(timer)
        this.children.delete(child)
        // Every --json output of every test is checked against docs/json-schema.json.
        const problems = checkJson ? checkJsonOutput(args, stdout, code) : []
        if (problems.length > 0) {
          reject(new Error(`${label}: --json output does not match docs/json-schema.json:\n${problems.join('\n')}\n--- stdout ---\n${stdout}`))
          return
        }
        resolvePromise({code, signal, stdout, stderr, ms: Math.round(performance.now() - started), args})
      })
    })
    return {child, pid: child.pid ?? -1, done}
  }

  /** A home directory in the sandbox owned by `uid`. */
  homeFor(uid: number): string {
    const home = join(this.root, `home-${uid}`)
    if (!existsSync(home)) {
      mkdirSync(home, {mode: 0o700})
      chownSync(home, uid, uid)
    }
    return home
  }

  /** A copy of the busybox rootfs at $lxcpath/NAME/rootfs (a container's own, to be changed); returns its path. */
  copyRootfs(name: string): string {
    const rootfs = join(this.lxcpath, name, 'rootfs')
    mkdirSync(join(this.lxcpath, name), {recursive: true})
    const r = spawnSync('cp', ['-a', '--', `${this.rootfs}/.`, rootfs])
    if (r.status !== 0) throw new Error(`cp -a of the rootfs failed: ${String(r.stderr)}`)
    return rootfs
  }

  /** $lxcpath/NAME/config with the given text; returns its path. */
  writeConfig(name: string, text: string): string {
    const dir = join(this.lxcpath, name)
    mkdirSync(dir, {recursive: true})
    const path = join(dir, 'config')
    writeFileSync(path, text)
    return path
  }

  /**
   * A config for the busybox rootfs: new namespaces, loopback-only network,
   * proc:mixed and sys:mixed, `lxc.uts.name = NAME`, the given init (a
   * command line as lxc.init.cmd reads it) and extra lines. Returns the path.
   */
  defineRootfs(name: string, opts: {init?: string; extra?: string[]; uts?: string} = {}): string {
    const lines = [
      `lxc.rootfs.path = dir:${this.rootfs}`,
      `lxc.uts.name = ${opts.uts ?? name}`,
      'lxc.net.0.type = empty',
      'lxc.mount.auto = proc:mixed sys:mixed',
      'lxc.environment = PATH=/bin:/sbin',
    ]
    if (opts.init !== undefined) lines.push(`lxc.init.cmd = ${opts.init}`)
    lines.push(...(opts.extra ?? []))
    return this.writeConfig(name, `${lines.join('\n')}\n`)
  }

  /** The ready file of container NAME: its path inside the busybox rootfs and on the host. Removed if present. */
  ready(name: string): {inside: string; host: string} {
    const inside = `/tmp/${name}.ready`
    const host = join(this.rootfs, inside)
    rmSync(host, {force: true})
    return {inside, host}
  }

  /** A ready file for a container on the host root (embedded default config). Removed if present. */
  hostReady(name: string): string {
    const path = join(this.hostReadyDir, `${name}.ready`)
    rmSync(path, {force: true})
    return path
  }

  /** init's host pid, from `ctr info -pH`; throws unless the container runs. */
  async initPid(name: string): Promise<number> {
    const r = await this.ctr(['info', '-n', name, '-pH'])
    const pid = Number(r.stdout.trim())
    if (r.code !== 0 || !Number.isInteger(pid) || pid <= 0) throw new Error(`No init pid for ${name}:\n${describeResult(r)}`)
    return pid
  }

  /** The run dir ctr uses for NAME in this sandbox (same hash as core/paths). */
  rundirOf(name: string): string {
    return join(this.runtimeDir, fnv1a64(`${this.lxcpath}/${name}`))
  }

  /**
   * After each test: stop -k every container the test named (in reverse
   * order, so that containers sharing another's namespaces go first), remove
   * their directories and ready files, kill ctr processes still running, then
   * check that nothing of this test is left. Throws (failing the test) if
   * something was left behind, after removing it.
   */
  async cleanupTest(): Promise<void> {
    const problems: string[] = []
    for (const name of [...this.testNames].reverse()) {
      try {
        // In the network namespace its monitor ran in, where a dead
        // monitor's host-side interfaces are.
        const netns = this.netnsOf.get(name)
        const where = netns ? {netns} : {}
        let r = await this.ctr(['stop', '-n', name, '-k'], {timeoutMs: 20_000, ...where})
        if (r.code === 1) {
          // A test's broken config blocks every command (as in LXC): set it
          // aside, then stop whatever may run under the name.
          rmSync(join(this.lxcpath, name, 'config'), {recursive: true, force: true})
          r = await this.ctr(['stop', '-n', name, '-k'], {timeoutMs: 20_000, ...where})
        }
        if (r.code !== 0 && r.code !== 2) problems.push(`cleanup: ${describeResult(r)}`)
      } catch (error) {
        problems.push(`cleanup of ${name}: ${(error as Error).message}`)
      }
      rmSync(join(this.lxcpath, name), {recursive: true, force: true})
      rmSync(join(this.rootfs, 'tmp', `${name}.ready`), {force: true})
      rmSync(join(this.hostReadyDir, `${name}.ready`), {force: true})
    }
    this.testNames.length = 0
    for (const child of [...this.children]) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        problems.push(`ctr process ${child.pid} (${child.spawnargs.slice(2).join(' ')}) was still running after the test`)
        child.kill('SIGKILL')
        await new Promise((r) => child.once('close', r))
      }
    }
    problems.push(...(await this.collectLeftovers()))
    problems.push(...this.networkLeftovers())
    if (problems.length > 0) throw new Error(`The test left things behind:\n${problems.join('\n')}`)
  }

  /**
   * A network namespace for the current test, named after the sandbox, with
   * lo up. It is checked and deleted after the test: any interface in it
   * that the test did not make through it is a leftover.
   */
  netns(label: string): NetNs {
    const ns = NetNs.create(`${this.tag}-${label}`.slice(0, 40))
    this.testNetns.push(ns)
    return ns
  }

  /** A host-side interface name for a test (veth.pair), checked absent from the host after the test. */
  ifname(label: string): string {
    const name = `c${this.tag.slice(-6)}${label}`.slice(0, 15)
    this.hostIfnames.push(name)
    return name
  }

  // Interfaces the test's containers left in its namespaces or on the host
  // (only the names the test chose are looked up there), then the
  // namespaces themselves, which are deleted here.
  private networkLeftovers(): string[] {
    const problems: string[] = []
    for (const ns of this.testNetns.splice(0)) {
      for (const link of ns.leftoverLinks()) problems.push(`interface left behind in ${ns.name}: ${link}`)
      ns.remove()
      if (existsSync(ns.path)) problems.push(`network namespace left behind: ${ns.path}`)
    }
    for (const name of this.hostIfnames.splice(0)) {
      if (spawnSync('ip', ['link', 'show', 'dev', name], {stdio: 'ignore'}).status === 0) {
        problems.push(`interface left behind on the host: ${name}`)
        spawnSync('ip', ['link', 'del', 'dev', name], {stdio: 'ignore'})
      }
    }
    this.netnsOf.clear()
    return problems
  }

  /**
   * Leftovers of this sandbox: processes (ctr-monitor or anything whose
   * cmdline mentions the sandbox, anything running the rootfs's test-init or
   * busybox copies), mounts under the sandbox, cgroups named after it, and
   * files in the runtime dir. Processes get a grace period to finish exiting
   * (a monitor exits just after it closes its clients); what is still there
   * then is reported and killed (they are ours: started by this sandbox).
   */
  async collectLeftovers(): Promise<string[]> {
    const problems: string[] = []
    let procs = this.leftoverProcesses()
    if (procs.length > 0) {
      await until(() => (procs = this.leftoverProcesses()).length === 0, 5_000).catch(() => undefined)
    }
    for (const p of procs) {
      problems.push(`process ${p.pid} left behind: ${p.why}: ${p.cmdline}`)
      try {
        process.kill(p.pid, 'SIGKILL')
      } catch {
        // gone meanwhile
      }
    }
    if (procs.length > 0) await until(() => this.leftoverProcesses().length === 0, 5_000).catch(() => undefined)
    for (const m of mountsUnder(this.root)) problems.push(`mount left behind: ${m}`)
    for (const c of cgroupsNamed(this.tag)) {
      problems.push(`cgroup left behind: ${c}`)
      removeCgroup(c)
    }
    let entries: string[] = []
    try {
      entries = readdirSync(this.runtimeDir)
    } catch (error) {
      problems.push(`runtime dir ${this.runtimeDir} unreadable: ${(error as Error).message}`)
    }
    for (const e of entries) {
      problems.push(`runtime dir not empty: ${join(this.runtimeDir, e)}${listDir(join(this.runtimeDir, e))}`)
      rmSync(join(this.runtimeDir, e), {recursive: true, force: true})
    }
    return problems
  }

  /** Processes of this sandbox still alive (zombies count as gone). */
  leftoverProcesses(): Array<{pid: number; why: string; cmdline: string}> {
    const exes = new Set([fileId(this.testInit), fileId(this.busybox)].filter((x): x is string => x !== undefined))
    const out: Array<{pid: number; why: string; cmdline: string}> = []
    const ours = new Set([...this.children].map((c) => c.pid))
    for (const pid of listPids()) {
      if (pid === process.pid || ours.has(pid)) continue
      const stat = readProcStat(pid)
      if (!stat || stat.state === 'Z' || stat.state === 'X') continue
      const cmdline = readCmdline(pid)
      if (cmdline.includes(`${this.root}/`)) {
        out.push({pid, why: cmdline.includes('ctr-monitor') ? 'a ctr-monitor of this sandbox' : 'its cmdline names the sandbox', cmdline})
        continue
      }
      const exe = procExeId(pid)
      if (exe !== undefined && exes.has(exe)) out.push({pid, why: 'runs the sandbox rootfs test-init or busybox', cmdline})
    }
    return out
  }

  /** After the file: assert nothing is left, then remove the sandbox. */
  async destroy(): Promise<void> {
    const problems = [...(await this.collectLeftovers()), ...this.networkLeftovers()]
    for (const name of listNetns().filter((n) => n.startsWith(`${this.tag}-`))) {
      problems.push(`network namespace left behind: /run/netns/${name}`)
      spawnSync('ip', ['netns', 'del', name], {stdio: 'ignore'})
    }
    for (const child of this.children) child.kill('SIGKILL')
    // Never delete recursively through a mount (a leftover bind of the host
    // root would take the host with it): detach ours first, else keep the dir.
    for (const m of mountsUnder(this.root).reverse()) spawnSync('umount', ['--lazy', m])
    const stuck = mountsUnder(this.root)
    if (stuck.length === 0) rmSync(this.root, {recursive: true, force: true})
    else problems.push(`${this.root} kept: still mounted ${stuck.join(', ')}`)
    if (problems.length > 0) throw new Error(`The test file left things behind:\n${problems.join('\n')}`)
  }
}

/**
 * Registers the sandbox hooks of a test file's describe block: create the
 * sandbox before its tests, clean up after each test (failing that test if
 * it left something behind), assert and remove after the last. Returns an
 * accessor for the tests.
 */
export function useSandbox(label: string): () => Sandbox {
  let sb: Sandbox | undefined
  before(() => {
    sb = Sandbox.create(label)
  })
  afterEach(async () => {
    await sb?.cleanupTest()
  })
  after(async () => {
    await sb?.destroy()
  })
  return () => {
    if (!sb) throw new Error('The sandbox was not created (see the before hook)')
    return sb
  }
}

function listDir(path: string): string {
  try {
    return ` (${readdirSync(path).join(', ')})`
  } catch {
    return ''
  }
}

/**
 * The rootfs: /bin/busybox with every applet linked in /bin, the test init
 * at /sbin/test-init, and the usual empty mount points.
 */
export function buildRootfs(dir: string): void {
  for (const sub of ['bin', 'sbin', 'proc', 'sys', 'dev', 'tmp', 'etc', 'root', 'run', 'var']) {
    mkdirSync(join(dir, sub), {recursive: true, mode: 0o755})
  }
  chmodSync(join(dir, 'tmp'), 0o1777)
  copyFileSync(BUSYBOX, join(dir, 'bin/busybox'))
  chmodSync(join(dir, 'bin/busybox'), 0o755)
  copyFileSync(TEST_INIT_BUILD, join(dir, 'sbin/test-init'))
  chmodSync(join(dir, 'sbin/test-init'), 0o755)
  const list = spawnSync(BUSYBOX, ['--list'], {encoding: 'utf8'})
  if (list.status !== 0) throw new Error(`busybox --list failed: ${list.stderr}`)
  for (const applet of list.stdout.split('\n')) {
    if (applet === '' || applet === 'busybox' || applet.includes('/')) continue
    const link = join(dir, 'bin', applet)
    if (!existsSync(link)) symlinkSync('busybox', link)
  }
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n')
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\n')
}

/** FNV-1a 64 as 16 hex digits (the run-dir hash of core/paths.ts, restated so the tests check it). */
export function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte)
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn
  }
  return hash.toString(16).padStart(16, '0')
}

// ---------------------------------------------------------------------------
// Waiting on events, with deadlines

/**
 * Resolves with the content of `path` once it exists and `accept(content)`
 * holds (default: a complete line, as test-init writes "PID\n"). Follows
 * inotify events on the directory (armed before the first look, so nothing
 * is missed); rejects after `timeoutMs`.
 */
export function waitForFile(path: string, timeoutMs = 10_000, accept: (content: string) => boolean = (c) => c.endsWith('\n')): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let settled = false
    const check = (): void => {
      if (settled) return
      let content: string
      try {
        content = readFileSync(path, 'utf8')
      } catch {
        return
      }
      if (!accept(content)) return
      settled = true
      cleanup()
      resolvePromise(content)
    }
    const watcher = watch(dirname(path), () => check())
    watcher.on('error', () => undefined)
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      cleanup()
      reject(new Error(`${path} did not appear within ${timeoutMs} ms`))
    }, timeoutMs)
    const cleanup = (): void => {
      clearTimeout(timer)
      watcher.close()
    }
    check()
  })
}

/**
 * Re-checks `pred` until it holds; rejects after `timeoutMs`. For facts the
 * kernel offers no event for here (a foreign process's exit, a zombie being
 * reaped); every call site has a deadline, none is a sleep.
 */
export async function until(pred: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition', intervalMs = 10): Promise<void> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (await pred()) return
    if (performance.now() >= deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/** Resolves once pid is gone or a zombie (not ours to reap). */
export function waitForPidGone(pid: number, timeoutMs = 5_000): Promise<void> {
  return until(() => !isAlive(pid), timeoutMs, `pid ${pid} to exit`)
}

/** Resolves once `pid` holds an inotify instance (a `ctr wait` that has armed its watch). */
export function waitForInotify(pid: number, timeoutMs = 10_000): Promise<void> {
  return until(() => fdLinks(pid).some((l) => l === 'anon_inode:inotify'), timeoutMs, `pid ${pid} to watch with inotify`)
}

/**
 * Resolves once the ctr process `pid` has connected to a container's
 * monitor: it holds a socket beyond stdio (node's stdio pipes are sockets
 * too, on fds 0-2). A `ctr wait` in that state follows the monitor's events.
 */
export function waitForMonitorConnection(pid: number, timeoutMs = 10_000): Promise<void> {
  const connected = (): boolean => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => Number(fd) > 2 && /^socket:/.test(readlinkSync(`/proc/${pid}/fd/${fd}`)))
    } catch {
      return false
    }
  }
  return until(connected, timeoutMs, `ctr ${pid} to connect to a monitor`)
}

/** The targets of a process's open fds (`socket:[N]`, `anon_inode:inotify`, paths). */
export function fdLinks(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`)
      } catch {
        return ''
      }
    })
  } catch {
    return []
  }
}

// ---------------------------------------------------------------------------
// /proc facts

// One reader of /proc/PID/stat for ctr and its tests (src/sys/proc.ts).
export {readProcStat, type ProcStat}

/** Alive and not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = readProcStat(pid)
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X'
}

/**
 * Whether pid is a ctr-monitor started by ctr (`ctr-monitor start ...`). It
 * runs a sealed copy of the binary (native/sealed.c), so its exe is not the
 * build's file; its argv names that file.
 */
export function isMonitorProcess(pid: number): boolean {
  const argv = readCmdline(pid).split(' ')
  return argv[0] === MONITOR_BIN && argv[1] === 'start'
}

export function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== '').join(' ')
  } catch {
    return ''
  }
}

export function listPids(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^[0-9]+$/.test(e))
    .map(Number)
}

/** `dev:ino` of a file, or undefined. */
export function fileId(path: string): string | undefined {
  try {
    const st = statSync(path)
    return `${st.dev}:${st.ino}`
  } catch {
    return undefined
  }
}

/** `dev:ino` of the program a process runs (/proc/PID/exe), or undefined. */
export function procExeId(pid: number): string | undefined {
  return fileId(`/proc/${pid}/exe`)
}

/** The inode of a process's namespace (equal inodes = the same namespace). */
export function nsInode(pid: number | 'self', ns: Namespace): number {
  return statSync(`/proc/${pid}/ns/${ns}`).ino
}

/** A field of /proc/PID/status (`NSpid`, `SigBlk`, ...), or undefined. */
export function procStatusField(pid: number, field: string): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(text)
    return match?.[1]?.trim()
  } catch {
    return undefined
  }
}

export interface MountEntry {
  mountId: number
  parentId: number
  majorMinor: string
  /** The root of the mount within its filesystem. */
  root: string
  mountPoint: string
  /** Per-mount options (rw/ro, nosuid, ...). */
  options: string[]
  fstype: string
  source: string
}

/** /proc/PID/mountinfo, parsed (octal escapes decoded). */
export function readMountinfo(pid: number | 'self'): MountEntry[] {
  const text = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)))
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [left = '', right = ''] = line.split(' - ')
      const f = left.split(' ')
      const r = right.split(' ')
      return {
        mountId: Number(f[0]),
        parentId: Number(f[1]),
        majorMinor: f[2] ?? '',
        root: unescape(f[3] ?? ''),
        mountPoint: unescape(f[4] ?? ''),
        options: (f[5] ?? '').split(','),
        fstype: r[0] ?? '',
        source: unescape(r[1] ?? ''),
      }
    })
}

/** Mount points in this (the host's) mount namespace at or under `dir`. */
export function mountsUnder(dir: string): string[] {
  return readMountinfo('self')
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
}

/** Cgroup directories (any hierarchy, a few levels deep) named after a container `TAG-...`. */
export function cgroupsNamed(tag: string): string[] {
  const found: string[] = []
  const named = new RegExp(`(^|[^A-Za-z0-9])${tag}-`)
  const walk = (dir: string, depth: number): void => {
    if (depth > 4) return
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(dir, {withFileTypes: true})
    } catch {
      return
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue
      const path = join(dir, e.name)
      if (named.test(e.name)) found.push(path)
      else walk(path, depth + 1)
    }
  }
  walk('/sys/fs/cgroup', 0)
  return found
}

/** Removes a (process-free) cgroup directory and its children, innermost first; best effort. */
function removeCgroup(dir: string): void {
  try {
    for (const e of readdirSync(dir, {withFileTypes: true})) if (e.isDirectory()) removeCgroup(join(dir, e.name))
    rmdirSync(dir)
  } catch {
    // still busy or gone: reported already
  }
}

/** True if the signal mask (hex from /proc/PID/status) contains signal `sig`. */
export function maskHas(hex: string | undefined, sig: number): boolean {
  if (hex === undefined) return false
  return ((BigInt(`0x${hex}`) >> BigInt(sig - 1)) & 1n) === 1n
}

/** The kernel's SIGRTMIN+3 as glibc numbers it (SIGRTMIN = 34 under glibc). */
export const SIGRTMIN_PLUS_3 = 37

/** The label layout of lxc-info: `%-15s %s`. */
export function infoLine(label: string, value: string): string {
  return `${label.padEnd(15)} ${value}`
}

// ---------------------------------------------------------------------------
// Network namespaces of a test

/** The names under /run/netns (`ip netns`). */
export function listNetns(): string[] {
  try {
    return readdirSync('/run/netns')
  } catch {
    return []
  }
}

/**
 * Why network tests cannot run here, or false: they need iproute2's `ip`,
 * util-linux's `nsenter` and network namespaces (probed by making one).
 */
export function networkSkip(): string | false {
  const root = rootOnly()
  if (root) return root
  if (!isRoot()) return false
  for (const tool of ['ip', 'nsenter']) {
    if (spawnSync(tool, ['-V'], {stdio: 'ignore'}).error) return `needs ${tool} (iproute2 / util-linux) for test network namespaces`
  }
  const name = `ctrprobe${process.pid}`
  const made = spawnSync('ip', ['netns', 'add', name], {encoding: 'utf8'})
  if (made.status !== 0) return `cannot make a network namespace: ${made.stderr.trim()}`
  spawnSync('ip', ['netns', 'del', name])
  return false
}

/**
 * Whether the kernel makes interfaces of `kind` (`ip link add ... type
 * KIND ARGS`): tried in a scratch namespace, which is then deleted.
 */
export function kernelHasLink(kind: string, args: string[] = [], parent = false): boolean {
  const name = `ctrkind${process.pid}`
  if (spawnSync('ip', ['netns', 'add', name]).status !== 0) return false
  try {
    const base = parent ? ['link', 'add', 'p0', 'type', 'bridge'] : undefined
    if (base && spawnSync('ip', ['-n', name, ...base]).status !== 0) return false
    const link = parent ? ['link', 'p0'] : []
    return spawnSync('ip', ['-n', name, 'link', 'add', ...link, 'name', 'k0', 'type', kind, ...args]).status === 0
  } finally {
    spawnSync('ip', ['netns', 'del', name])
  }
}

/** A network namespace a test made (Sandbox.netns): devices made through it are the test's own. */
export class NetNs {
  readonly path: string
  private readonly owned = new Set(['lo'])

  private constructor(readonly name: string) {
    this.path = `/run/netns/${name}`
  }

  static create(name: string): NetNs {
    const made = spawnSync('ip', ['netns', 'add', name], {encoding: 'utf8'})
    if (made.status !== 0) throw new Error(`ip netns add ${name}: ${made.stderr.trim()}`)
    const ns = new NetNs(name)
    ns.ip('link', 'set', 'lo', 'up')
    return ns
  }

  /** `ip -n NAME ARGS...`, stdout; throws with stderr on failure. */
  ip(...args: string[]): string {
    const r = spawnSync('ip', ['-n', this.name, ...args], {encoding: 'utf8'})
    if (r.status !== 0) throw new Error(`ip -n ${this.name} ${args.join(' ')}: ${r.stderr.trim()}`)
    return r.stdout
  }

  /** A command inside the namespace (`ip netns exec`), to completion. */
  exec(args: string[]): {status: number | null; stdout: string; stderr: string} {
    const r = spawnSync('ip', ['netns', 'exec', this.name, ...args], {encoding: 'utf8', timeout: 20_000})
    return {status: r.status, stdout: r.stdout, stderr: r.stderr}
  }

  /** A bridge, up, with an address (CIDR) if given. */
  addBridge(name: string, cidr?: string): void {
    this.ip('link', 'add', name, 'type', 'bridge')
    this.owned.add(name)
    if (cidr) this.ip('addr', 'add', cidr, 'dev', name)
    this.ip('link', 'set', name, 'up')
  }

  /**
   * A virtual device that is nothing but itself: a dummy, or an ifb where
   * the kernel has no dummy driver (both vanish with their namespace).
   */
  addDummy(name: string): string {
    const dummy = spawnSync('ip', ['-n', this.name, 'link', 'add', name, 'type', 'dummy'], {encoding: 'utf8'})
    if (dummy.status !== 0) this.ip('link', 'add', name, 'type', 'ifb')
    this.owned.add(name)
    return dummy.status === 0 ? 'dummy' : 'ifb'
  }

  /** Declares an interface the test made itself (ip -n NAME link add ...). */
  own(name: string): void {
    this.owned.add(name)
  }

  /** Interface names, in the kernel's order. */
  links(): string[] {
    return this.ip('-o', 'link', 'show')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (l.split(': ')[1] ?? '').replace(/@.*$/, ''))
  }

  /** `ip -o -d link show NAME` in this namespace, or undefined when there is none. */
  link(name: string): string | undefined {
    const r = spawnSync('ip', ['-n', this.name, '-o', '-d', 'link', 'show', 'dev', name], {encoding: 'utf8'})
    return r.status === 0 ? r.stdout : undefined
  }

  leftoverLinks(): string[] {
    try {
      return this.links().filter((l) => !this.owned.has(l))
    } catch {
      return []
    }
  }

  remove(): void {
    spawnSync('ip', ['netns', 'del', this.name])
  }
}

/** Runs a command in pid's network namespace (host binaries, e.g. busybox ping), to completion. */
export function inNetnsOf(pid: number, args: string[]): {status: number | null; stdout: string; stderr: string} {
  const r = spawnSync('nsenter', [`--net=/proc/${pid}/ns/net`, ...args], {encoding: 'utf8', timeout: 20_000})
  return {status: r.status, stdout: r.stdout, stderr: r.stderr}
}
