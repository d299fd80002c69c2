// ctr against LXC, side by side in one run (the targets are docs/architecture.md
// §9; docs/lxc-contract.md §14 says how LXC is measured).
//
//   node --import tsx bench/run.ts [-n RUNS] [--warmup N] [--no-lxc] [--config auto|same|FILE] [--settle MS]
//                                  [--no-scale | --scale-only]
//   npm run bench -- -n 10
//
// After the per-call part, bench/scale.ts runs in a child process (fleets,
// 500 running containers, ls -f over 5000): --no-scale skips it.
//
// Every figure is a whole-process wall time taken in this process (hrtime
// around spawn until the child's exit), except the wait reactions (the gap
// between two exits), the monitor-side start time (ctr's startupUs) and
// memory (/proc). Both tools get a private lxcpath under a temp dir, ctr a
// private CTR_RUNTIME_DIR; everything is stopped and removed at the end, also
// on failure or Ctrl-C. Only processes this script started are killed, by pid.
// See bench/README.md for how to read the output.

import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {
  copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync,
  rmdirSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs'
import {cpus, loadavg, release} from 'node:os'
import type {Duplex} from 'node:stream'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {runtimeDir} from '../src/core/paths.js'
import {REPO, childrenOf, fail, gitDescribe, intOption, lineKey, need, pin, procStat, stats, which, Processes, type Pinned, type RunResult, type Stats} from './common.js'

// ---------------------------------------------------------------- options

interface Options {
  runs: number
  warmup: number
  lxc: boolean
  /** auto: LXC's config minus what ctr refuses; same: LXC's config as is; else a config file for ctr. */
  config: string
  /** Extra settle time after a background wait is seen connected / watching (ms). */
  settleMs: number
  /** lxc-wait on a stopped container shows no sign of life (it polls): fixed settle, like the baseline. */
  lxcSettleMs: number
  /** Figure 9: start and stop with one veth on a bridge, in a network namespace of the bench's own. */
  veth: boolean
  /** The per-call loop runs this many times, each a separate set of medians, to show the spread. */
  passes: number
  /** Fleets, memory at scale and the scale curves (bench/scale.ts) after the per-call part, instead of it, or not at all. */
  scale: 'after' | 'only' | 'no'
}

const USAGE = `Usage: node --import tsx bench/run.ts [options]

  -n, --runs N       measured runs per figure (default 20, env BENCH_RUNS)
      --warmup N     unmeasured runs first (default 2, env BENCH_WARMUP)
      --no-lxc       run the ctr half alone even if LXC is installed (env BENCH_NO_LXC=1)
      --no-veth      skip figure 9, the start with one veth (env BENCH_NO_VETH=1)
      --config MODE  ctr's container config (env BENCH_CTR_CONFIG):
                       auto  LXC's busybox config, minus the lines ctr refuses (default)
                       same  LXC's busybox config exactly (fails while ctr refuses a key)
                       FILE  this config file (its lxc.rootfs.path is replaced)
      --settle MS    settle time after a background wait is seen connected (default 100, env BENCH_SETTLE_MS)
      --passes N     the per-call loop this many times, medians each (default 2, env BENCH_PASSES)
      --no-scale     skip the scale part (bench/scale.ts: fleets, 500 containers, ls -f over 5000) (env BENCH_NO_SCALE=1)
      --scale-only   run the scale part alone (its own options: env BENCH_SCALE_*, see bench/README.md)
  -h, --help         this text
`

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const opts: Options = {
    runs: intOption('BENCH_RUNS', env.BENCH_RUNS ?? '20', 1),
    warmup: intOption('BENCH_WARMUP', env.BENCH_WARMUP ?? '2', 0),
    lxc: !(env.BENCH_NO_LXC && env.BENCH_NO_LXC !== '0'),
    config: env.BENCH_CTR_CONFIG || 'auto',
    settleMs: intOption('BENCH_SETTLE_MS', env.BENCH_SETTLE_MS ?? '100', 0),
    lxcSettleMs: 300,
    veth: !(env.BENCH_NO_VETH && env.BENCH_NO_VETH !== '0'),
    passes: intOption('BENCH_PASSES', env.BENCH_PASSES ?? '2', 1),
    scale: env.BENCH_NO_SCALE && env.BENCH_NO_SCALE !== '0' ? 'no' : 'after',
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined) fail(`${arg} needs a value\n\n${USAGE}`)
      return v
    }
    if (arg === '-n' || arg === '--runs') opts.runs = intOption(arg, value(), 1)
    else if (arg.startsWith('--runs=')) opts.runs = intOption('--runs', arg.slice(7), 1)
    else if (arg === '--warmup') opts.warmup = intOption(arg, value(), 0)
    else if (arg === '--no-lxc') opts.lxc = false
    else if (arg === '--no-veth') opts.veth = false
    else if (arg === '--config') opts.config = value()
    else if (arg === '--settle') opts.settleMs = intOption(arg, value(), 0)
    else if (arg === '--passes') opts.passes = intOption(arg, value(), 1)
    else if (arg === '--no-scale') opts.scale = 'no'
    else if (arg === '--scale-only') opts.scale = 'only'
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE)
      process.exit(0)
    } else fail(`unknown argument "${arg}"\n\n${USAGE}`)
  }
  return opts
}


// ---------------------------------------------------------------- environment

const CTR_ENTRY = join(REPO, 'bin/run.js')
const NODE = process.execPath
const NAME = 'ctrbench'

interface Paths {
  tmp: string
  lxcpath: string
  ctrpath: string
  runtime: string
  logs: string
}

// ---------------------------------------------------------------- processes

const procs = new Processes()

function describe(cmd: string, args: string[]): string {
  return [cmd === NODE ? 'node' : cmd, ...args].join(' ')
}

async function run(cmd: string, args: string[], okCodes: number[] = [0], timeoutMs?: number): Promise<RunResult> {
  const r = await procs.launch(cmd, args, timeoutMs).done
  if (r.timedOut) throw new Error(`${describe(cmd, args)}: timed out`)
  if (r.code === null || !okCodes.includes(r.code)) {
    throw new Error(`${describe(cmd, args)}: exit ${r.code ?? r.signal}\n${r.stderr}${r.stdout}`)
  }
  return r
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Until the process holds an fd whose link matches (a unix socket: connected; an inotify instance: watching). */
async function fdAppears(pid: number, pattern: RegExp, limitMs: number): Promise<boolean> {
  const until = Date.now() + limitMs
  while (Date.now() < until) {
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      return false
    }
    for (const fd of fds) {
      try {
        if (pattern.test(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true
      } catch {
        // closed meanwhile
      }
    }
    await sleep(2)
  }
  return false
}

// ---------------------------------------------------------------- /proc

function parentOf(pid: number): number | undefined {
  const ppid = procStat(pid)?.[1]
  return ppid === undefined ? undefined : Number(ppid)
}

interface Memory {
  rssKiB: number
  pssKiB: number | undefined
}

function memoryOf(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]
    if (rss === undefined) return undefined
    let pss: number | undefined
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]
      if (m !== undefined) pss = Number(m)
    } catch {
      // no smaps_rollup (old kernel, or not permitted)
    }
    return {rssKiB: Number(rss), pssKiB: pss}
  } catch {
    return undefined
  }
}

/** The container's processes: init and its descendants. */
function processTree(pid: number): number {
  let count = 1
  for (const child of childrenOf(pid)) count += processTree(child)
  return count
}

function cgroupLines(pid: number | 'self'): string[] {
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')
  } catch {
    return []
  }
}

/** What /dev/console is inside the container (a pty, /dev/null, absent). */
function consoleKind(initPid: number): string {
  try {
    const st = statSync(`/proc/${initPid}/root/dev/console`)
    if (!st.isCharacterDevice()) return 'not a device'
    const major = Math.floor(st.rdev / 256) & 0xfff
    const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)
    if (major >= 136 && major <= 143) return 'a pty'
    if (major === 1 && minor === 3) return '/dev/null'
    if (major === 5 && minor === 1) return 'the host console'
    return `char ${major}:${minor}`
  } catch {
    return 'absent'
  }
}

// ---------------------------------------------------------------- stats

class Samples {
  private readonly data = new Map<string, number[]>()

  add(key: string, value: number): void {
    const list = this.data.get(key)
    if (list) list.push(value)
    else this.data.set(key, [value])
  }

  get(key: string): Stats | undefined {
    return stats(this.data.get(key) ?? [])
  }
}

// ---------------------------------------------------------------- state

interface Run {
  opts: Options
  paths: Paths
  lxc: boolean
  lxcVersion: string
  ctrRundir: string
  /** ctr's config, and how it differs from LXC's. */
  configMode: string
  configChanges: ConfigChange[]
  samples: Samples
  observations: {ctr?: Observation; lxc?: Observation}
  tools: Tool[]
  /** Waits that did not see the change and timed out: figure key → runs (warm-ups included) and the first message. */
  misses: Map<string, {count: number; runs: number; message: string}>
  /** Why figure 9 was not measured, if it was not. */
  vethSkipped?: string
  /** The samples of every pass of the per-call loop (the last one is `samples`). */
  passes: Samples[]
  /** An lxcpath of LS_COUNT defined containers, for `ls -f` / `lxc-ls -f`. */
  lsPath: string
  /** The library, imported in this (live) process: dist/index.js. */
  library?: typeof import('../src/index.js')
  /** The start floors without ctr's own code (bench/spec-driver.c, bench/spec-handoff.cjs): a ready spec, captured from ctr start. */
  handoff?: {driver: string; spec: string}
  handoffSkipped?: string
}

interface Observation {
  processes: number
  console: string
  ownCgroups: number
  cgroupHierarchies: number
}

interface ConfigChange {
  line: string
  became?: string
  key: string
}

/** Processes started for the containers (monitors, inits): killed at cleanup if still there. */
const started: Pinned[] = []
function track(pid: number | undefined): void {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1) return
  const pinned = pin(pid)
  if (pinned && !started.some((p) => p.pid === pid && p.starttime === pinned.starttime)) started.push(pinned)
}

function killStarted(): void {
  // Only the very process we saw (same start time), never a reused pid.
  const alive = (): Pinned[] => started.filter((p) => pin(p.pid)?.starttime === p.starttime)
  // The stop commands above ran; give the monitors a moment to finish.
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (let waited = 0; waited < 3000 && alive().length > 0; waited += 20) Atomics.wait(pause, 0, 0, 20)
  for (const p of alive()) {
    let comm = '?'
    try {
      comm = readFileSync(`/proc/${p.pid}/comm`, 'utf8').trim()
    } catch {
      // gone
    }
    try {
      process.kill(p.pid, 'SIGKILL')
      process.stderr.write(`bench: cleanup: killed leftover pid ${p.pid} (${comm})\n`)
    } catch {
      // gone meanwhile
    }
  }
}

// ---------------------------------------------------------------- tools

function ctrCmd(r: Run, cmd: string, ...args: string[]): [string, string[]] {
  return [NODE, [CTR_ENTRY, cmd, '-n', NAME, '-P', r.paths.ctrpath, ...args]]
}

function lxcCmd(r: Run, tool: string, ...args: string[]): [string, string[]] {
  return [need(tool), ['-P', r.paths.lxcpath, '-n', NAME, ...args]]
}

interface Tool {
  key: 'ctr' | 'lxc'
  start: [string, string[]]
  stop: [string, string[]]
  info: [string, string[]]
  /** Run `true` in the running container (stdio: pipes, so no pty on either side). */
  attach: [string, string[]]
  waitStopped: [string, string[]]
  waitRunning: [string, string[]]
  /** Monitor and init pids of the running container. */
  pids(): Promise<{monitor: number; init: number; startupUs?: number}>
}

/** -t for the background waits: a wait that misses the change costs this much, and is counted as missed. */
const WAIT_TIMEOUT_S = 5

function tools(r: Run): Tool[] {
  const ctrTool: Tool = {
    key: 'ctr',
    start: ctrCmd(r, 'start'),
    stop: ctrCmd(r, 'stop', '-k'),
    info: ctrCmd(r, 'info', '-sH'),
    attach: ctrCmd(r, 'attach', '--', 'true'),
    waitStopped: ctrCmd(r, 'wait', '-s', 'STOPPED', '-t', String(WAIT_TIMEOUT_S)),
    waitRunning: ctrCmd(r, 'wait', '-s', 'RUNNING', '-t', String(WAIT_TIMEOUT_S)),
    pids: async () => {
      // The run dir is named by src/core/paths.ts; any other single one under the private base will do too.
      const dirs = [r.ctrRundir, ...readdirSync(r.paths.runtime).map((d) => join(r.paths.runtime, d))]
      const file = dirs.map((d) => join(d, 'state.json')).find(existsSync)
      if (file === undefined) throw new Error(`ctr: no state.json under ${r.paths.runtime} for a running container`)
      const state = JSON.parse(readFileSync(file, 'utf8')) as {monitorPid: number; initPid: number; startupUs?: number}
      return {monitor: state.monitorPid, init: state.initPid, ...(state.startupUs === undefined ? {} : {startupUs: state.startupUs})}
    },
  }
  if (!r.lxc) return [ctrTool]
  const lxcTool: Tool = {
    key: 'lxc',
    start: lxcCmd(r, 'lxc-start', '-d'),
    stop: lxcCmd(r, 'lxc-stop', '-k'),
    info: lxcCmd(r, 'lxc-info', '-sH'),
    attach: lxcCmd(r, 'lxc-attach', '--', 'true'),
    waitStopped: lxcCmd(r, 'lxc-wait', '-s', 'STOPPED', '-t', String(WAIT_TIMEOUT_S)),
    waitRunning: lxcCmd(r, 'lxc-wait', '-s', 'RUNNING', '-t', String(WAIT_TIMEOUT_S)),
    pids: async () => {
      const [bin, args] = lxcCmd(r, 'lxc-info', '-pH')
      const init = Number((await run(bin, args)).stdout.trim())
      // The [lxc monitor] is init's parent (double-forked, reparented to 1).
      return {monitor: parentOf(init) ?? -1, init}
    },
  }
  return [lxcTool, ctrTool]
}

/** Alternates the order per iteration, so drift on a noisy machine hits both tools alike. */
function ordered<T>(list: T[], i: number): T[] {
  return i % 2 ? [...list].reverse() : list
}

// ---------------------------------------------------------------- setup

function setupLxc(r: Run): string {
  const [, createArgs] = lxcCmd(r, 'lxc-create', '-t', 'busybox')
  const res = spawnSync(need('lxc-create'), createArgs, {env: procs.env, encoding: 'utf8'})
  if (res.status !== 0) throw new Error(`lxc-create -t busybox failed (${res.status}):\n${res.stderr}${res.stdout}`)
  procs.atCleanupFirst(() => {
    spawnSync(need('lxc-stop'), ['-P', r.paths.lxcpath, '-n', NAME, '-k'], {stdio: 'ignore', env: procs.env, timeout: 15_000})
    spawnSync(need('lxc-destroy'), ['-P', r.paths.lxcpath, '-n', NAME, '-f'], {stdio: 'ignore', env: procs.env, timeout: 15_000})
  })
  const file = join(r.paths.lxcpath, NAME, 'config')
  // The template's veth on lxcbr0 does not start here (docs/lxc-contract.md §14).
  let config = readFileSync(file, 'utf8').split('\n').filter((line) => !/^\s*lxc\.net\.0\./.test(line)).join('\n')
  config = `${config.trimEnd()}\nlxc.net.0.type = empty\n`
  writeFileSync(file, config)
  return config
}

/** Without LXC: a busybox rootfs laid out like lxc-busybox's, and its config (net empty). */
function buildBusyboxRootfs(rootfs: string): string {
  const busybox = '/bin/busybox'
  if (!existsSync(busybox)) throw new Error('/bin/busybox not found (install busybox-static)')
  for (const dir of ['bin', 'sbin', 'dev/pts', 'etc/init.d', 'proc', 'sys', 'tmp', 'root', 'home', 'mnt', 'lib', 'lib64', 'usr/lib', 'usr/lib64', 'var/log', 'run']) {
    mkdirSync(join(rootfs, dir), {recursive: true})
  }
  copyFileSync(busybox, join(rootfs, 'bin/busybox'))
  copyFileSync(busybox, join(rootfs, 'sbin/init'))
  spawnSync('chmod', ['755', join(rootfs, 'bin/busybox'), join(rootfs, 'sbin/init')])
  const list = spawnSync(busybox, ['--list'], {encoding: 'utf8'}).stdout.split('\n').filter(Boolean)
  for (const applet of list) {
    if (applet === 'busybox' || applet === 'init') continue
    try {
      symlinkSync('busybox', join(rootfs, 'bin', applet))
    } catch {
      // duplicate
    }
  }
  writeFileSync(join(rootfs, 'etc/inittab'), '::sysinit:/etc/init.d/rcS\ntty1::respawn:/bin/getty -L tty1 115200 vt100\nconsole::askfirst:/bin/sh\n')
  writeFileSync(join(rootfs, 'etc/init.d/rcS'), '#!/bin/sh\n/bin/syslogd\n/bin/mount -a\n/bin/udhcpc\n', {mode: 0o744})
  writeFileSync(join(rootfs, 'etc/fstab'), '')
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n')
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:root\n')
  // What lxc-busybox writes (lxc-templates 3.0.4), networking already empty.
  return [
    'lxc.apparmor.profile = generated',
    'lxc.apparmor.allow_nesting = 1',
    'lxc.rootfs.path = dir:ROOTFS',
    'lxc.signal.halt = SIGUSR1',
    'lxc.signal.reboot = SIGTERM',
    `lxc.uts.name = "${NAME}"`,
    'lxc.autodev = 1',
    'lxc.tty.max = 5',
    'lxc.pty.max = 1',
    'lxc.cap.drop = sys_module mac_admin mac_override sys_time',
    'lxc.mount.auto = cgroup:mixed proc:mixed sys:ro',
    'lxc.mount.entry = shm dev/shm tmpfs defaults,create=dir 0 0',
    'lxc.mount.entry = mqueue dev/mqueue mqueue defaults,optional,create=dir 0 0',
    'lxc.mount.entry = /lib lib none ro,bind 0 0',
    'lxc.mount.entry = /usr/lib usr/lib none ro,bind 0 0',
    'lxc.mount.entry = /lib64 lib64 none ro,bind 0 0',
    'lxc.mount.entry = /usr/lib64 usr/lib64 none ro,bind 0 0',
    'lxc.mount.entry = /sys/kernel/security sys/kernel/security none ro,bind,optional 0 0',
    'lxc.net.0.type = empty',
    '',
  ].join('\n')
}

function withRootfs(config: string, rootfs: string): string {
  const lines = config.split('\n').filter((line) => !/^\s*lxc\.rootfs\.path\s*=/.test(line))
  return `lxc.rootfs.path = dir:${rootfs}\n${lines.join('\n').trimEnd()}\n`
}

/**
 * Writes ctr's config. In auto mode, starts it once with LXC's config and
 * removes what ctr refuses ("not supported yet"), until it starts: once ctr
 * supports every key, it runs the very same config with no change here.
 */
async function setupCtr(r: Run, lxcConfig: string): Promise<void> {
  const dir = join(r.paths.ctrpath, NAME)
  const rootfs = join(dir, 'rootfs')
  mkdirSync(dir, {recursive: true})
  if (r.lxc) cpSync(join(r.paths.lxcpath, NAME, 'rootfs'), rootfs, {recursive: true, verbatimSymlinks: true})
  else lxcConfig = buildBusyboxRootfs(rootfs)
  procs.atCleanupFirst(() => {
    spawnSync(NODE, ctrCmd(r, 'stop', '-k')[1], {stdio: 'ignore', env: procs.env, timeout: 15_000})
  })
  const file = join(dir, 'config')
  let config: string
  if (r.opts.config === 'auto' || r.opts.config === 'same') config = withRootfs(lxcConfig, rootfs)
  else config = withRootfs(readFileSync(r.opts.config, 'utf8'), rootfs)
  r.configMode = r.opts.config

  for (let attempt = 0; ; attempt++) {
    writeFileSync(file, config)
    const [bin, args] = ctrCmd(r, 'start', '--json')
    const res = await procs.launch(bin, args).done
    if (res.code === 0) {
      await run(...ctrCmd(r, 'stop', '-k'))
      return
    }
    let error: {code?: string; message?: string; details?: {unsupported?: Array<{key: string}>}} = {}
    try {
      error = (JSON.parse(res.stdout) as {error?: typeof error}).error ?? {}
    } catch {
      // not JSON
    }
    const refused = error.details?.unsupported ?? []
    if (r.opts.config !== 'auto' || error.code !== 'CTR_NOT_SUPPORTED' || refused.length === 0 || attempt >= 5) {
      throw new Error(`ctr start failed with the ${r.opts.config} config (${file}):\n${res.stdout}${res.stderr}\n--- config ---\n${config}`)
    }
    config = dropRefused(config, new Set(refused.map((u) => u.key)), r.configChanges)
  }
}

function dropRefused(config: string, keys: Set<string>, changes: ConfigChange[]): string {
  const out: string[] = []
  for (const line of config.split('\n')) {
    const key = lineKey(line)
    const family = key === undefined ? undefined : [...keys].find((k) => key === k || key.startsWith(`${k}.`))
    if (key === undefined || family === undefined) {
      out.push(line)
      continue
    }
    if (key === 'lxc.mount.auto') {
      // Keep what ctr does support (proc:, sys:), drop the cgroup automounts.
      const value = line.slice(line.indexOf('=') + 1).trim()
      const kept = value.split(/\s+/).filter((t) => t && !/^(cgroup|cgroup2|shmounts)(:|$)/.test(t))
      if (kept.length > 0 && kept.length < value.split(/\s+/).length) {
        const became = `lxc.mount.auto = ${kept.join(' ')}`
        changes.push({line: line.trim(), became, key})
        out.push(became)
        continue
      }
    }
    changes.push({line: line.trim(), key})
  }
  return out.join('\n')
}

// ---------------------------------------------------------------- LXC cgroups

/** lxc.monitor.NAME / lxc.payload.NAME under each cgroup mount's root. */
function lxcCgroupDirs(): string[] {
  const dirs: string[] = []
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const sep = line.indexOf(' - ')
      if (sep < 0) continue
      const fields = line.slice(0, sep).split(' ')
      const fstype = line.slice(sep + 3).split(' ')[0]
      const mountPoint = fields[4]
      if (mountPoint === undefined || (fstype !== 'cgroup' && fstype !== 'cgroup2')) continue
      for (const kind of ['monitor', 'payload']) dirs.push(join(mountPoint, `lxc.${kind}.${NAME}`))
    }
  } catch {
    // no mountinfo
  }
  return dirs
}

// ---------------------------------------------------------------- measurements

/**
 * One loop for the floors and both tools' cycles (start → start again, a
 * no-op → info -sH → memory → stop -k), in an order that rotates on each
 * iteration: all of them see the same load, so medians compare and the
 * per-iteration differences (ctr start − node -e 0, …) are paired.
 */
async function measureCycles(r: Run): Promise<void> {
  const floors: Array<[string, string, string[]]> = [
    ['floor.true', need('true'), []],
    ['floor.node', NODE, ['-e', '0']],
    ['floor.ctrload', NODE, [CTR_ENTRY, 'info', '--version']],
  ]
  // Each hot command's floor in this architecture: Node's boot plus loading
  // its bundle and code cache, nothing run (bench/load-only.cjs).
  for (const command of HOT_FLOORS) floors.push([`floor.bundle.${command}`, NODE, [join(REPO, 'bench/load-only.cjs'), command]])
  const unshare = which('unshare')
  if (unshare) floors.push(['floor.unshare', unshare, ['-fpmuin', '--mount-proc', 'true']])
  if (r.lxc) floors.push(['floor.lxcload', need('lxc-info'), ['--version']])
  // The memory of a bare Node process, measured by itself at its end.
  const nodeMem = [
    '-e',
    "const f=require('fs');const s=f.readFileSync('/proc/self/status','utf8');let p='';try{p=/^Pss:\\s+(\\d+)/m.exec(f.readFileSync('/proc/self/smaps_rollup','utf8'))[1]}catch{}process.stdout.write(/^VmRSS:\\s+(\\d+)/m.exec(s)[1]+' '+p)",
  ]
  type Job = (measured: boolean, first: boolean, got: Map<string, number>) => Promise<void>
  const jobs: Job[] = floors.map(([key, bin, args]) => async (measured, _first, got) => {
    const res = await run(bin, args)
    got.set(key, res.ms)
    if (measured) r.samples.add(key, res.ms)
  })
  jobs.push(async (measured) => {
    if (!measured) return
    const [rss, pss] = (await run(NODE, nodeMem)).stdout.trim().split(' ')
    r.samples.add('rss.node', Number(rss))
    if (pss) r.samples.add('pss.node', Number(pss))
  })
  for (const tool of r.tools) jobs.push((measured, first, got) => cycle(r, tool, measured, first, got))
  jobs.push(...extraJobs(r))

  for (let i = 0; i < r.opts.warmup + r.opts.runs; i++) {
    const measured = i >= r.opts.warmup
    const got = new Map<string, number>()
    const shift = i % jobs.length
    for (const job of [...jobs.slice(shift), ...jobs.slice(0, shift)]) await job(measured, i === r.opts.warmup, got)
    if (!measured) continue
    // Paired differences, for "where ctr start goes" and the targets.
    const diff = (key: string, a: string, b: string): void => {
      const x = got.get(a)
      const y = got.get(b)
      if (x !== undefined && y !== undefined) r.samples.add(key, x - y)
    }
    diff('d.load', 'floor.ctrload', 'floor.node')
    diff('d.runner', 'again.ctr', 'floor.ctrload')
    diff('d.launch', 'start.ctr', 'again.ctr')
    diff('d.start', 'start.ctr', 'floor.node')
    diff('d.stop', 'stop.ctr', 'floor.node')
    diff('d.info', 'info.ctr', 'floor.node')
    diff('d.ls', 'ls.ctr', 'floor.node')
    diff('d.seal', 'seal.on', 'seal.off')
    diff('d.attach', 'attach.ctr', 'floor.node')
    diff('d.handoff.node', 'floor.handoff.node', 'floor.node')
    for (const command of HOT_FLOORS) diff(`d.bundle.${command}`, `floor.bundle.${command}`, 'floor.node')
    // start's floor also holds the container's own setup, which no client can skip.
    const bundle = got.get('floor.bundle.start')
    const startup = got.get('startup.ctr')
    const node = got.get('floor.node')
    if (bundle !== undefined && startup !== undefined && node !== undefined) r.samples.add('d.floor.start', bundle - node + startup)
  }
}

type CycleJob = (measured: boolean, first: boolean, got: Map<string, number>) => Promise<void>

/**
 * Issue 13's other per-call figures, in the same rotation: `ls -f` over
 * LS_COUNT defined containers (both tools), the library's start / info /
 * stop in this live Node process (no boot), and what the monitor's sealed
 * re-exec costs (docs/architecture.md §11.1): `ctr-monitor start` fed a
 * spec it refuses at once, with the re-exec and with it skipped.
 */
function extraJobs(r: Run): CycleJob[] {
  const jobs: CycleJob[] = []
  const timed = (key: string, cmd: [string, string[]], check?: (out: string) => void): CycleJob => async (measured, _first, got) => {
    const res = await run(...cmd)
    check?.(res.stdout)
    got.set(key, res.ms)
    if (measured) r.samples.add(key, res.ms)
  }
  const rows = (tool: string) => (out: string): void => {
    const n = out.trim().split('\n').length
    if (n !== LS_COUNT + 1) throw new Error(`${tool} -f printed ${n} lines for ${LS_COUNT} containers and a header`)
  }
  jobs.push(timed('ls.ctr', [NODE, [CTR_ENTRY, 'ls', '-f', '-P', r.lsPath]], rows('ctr ls')))
  if (r.lxc) {
    jobs.push(timed('ls.lxc', [need('lxc-ls'), ['-f', '-P', r.lsPath]], rows('lxc-ls')))
    jobs.push(timed('infofull.lxc', lxcCmd(r, 'lxc-info')))
  }
  const monitor = join(REPO, 'build/ctr-monitor')
  jobs.push(async (measured, _first, got) => {
    for (const [key, sealed] of [['seal.on', false], ['seal.off', true]] as const) {
      const ms = await refusedSpec(monitor, sealed)
      got.set(key, ms)
      if (measured) r.samples.add(key, ms)
    }
  })
  const handoff = r.handoff
  if (handoff) {
    const monitor = join(REPO, 'build/ctr-monitor')
    const args = [monitor, NAME, r.paths.ctrpath, handoff.spec]
    const ctr = tools(r).find((t) => t.key === 'ctr')
    if (!ctr) throw new Error('no ctr tool')
    for (const [key, cmd] of [
      ['floor.handoff.c', [handoff.driver, args]],
      ['floor.handoff.node', [NODE, [join(REPO, 'bench/spec-handoff.cjs'), ...args]]],
    ] as const) {
      jobs.push(async (measured, _first, got) => {
        const res = await run(cmd[0], [...cmd[1]])
        const pids = await ctr.pids()
        track(pids.monitor)
        track(pids.init)
        await run(...ctr.stop)
        got.set(key, res.ms)
        if (measured) r.samples.add(key, res.ms)
      })
    }
  }
  const lib = r.library
  if (lib) {
    jobs.push(async (measured) => {
      const c = new lib.Container(NAME, {lxcpath: r.paths.ctrpath})
      const t0 = process.hrtime.bigint()
      const started = await c.start()
      const t1 = process.hrtime.bigint()
      track(started.monitorPid ?? undefined)
      track(started.pid ?? undefined)
      const info = await c.info()
      const t2 = process.hrtime.bigint()
      if (info.state !== 'RUNNING') throw new Error(`library info said ${info.state} on a running container`)
      await c.stop({kill: true})
      const t3 = process.hrtime.bigint()
      if (!measured) return
      r.samples.add('lib.start', Number(t1 - t0) / 1e6)
      r.samples.add('lib.info', Number(t2 - t1) / 1e6)
      r.samples.add('lib.stop', Number(t3 - t2) / 1e6)
    })
  }
  return jobs
}

/**
 * The ready-spec start floors: compiles bench/spec-driver.c into the temp
 * dir and has it, run as ctr start's monitor, keep the spec ctr's planner
 * writes for the bench container (that start then fails, starting nothing).
 */
function setupHandoff(r: Run): void {
  const cc = which('cc') ?? which('gcc')
  if (!cc) {
    r.handoffSkipped = 'no C compiler (cc) for bench/spec-driver.c'
    return
  }
  const driver = join(r.paths.tmp, 'spec-driver')
  const built = spawnSync(cc, ['-O2', '-o', driver, join(REPO, 'bench/spec-driver.c')], {encoding: 'utf8'})
  if (built.status !== 0) throw new Error(`cc bench/spec-driver.c: ${built.stderr}`)
  const spec = join(r.paths.tmp, 'start.spec')
  const [bin, args] = ctrCmd(r, 'start')
  spawnSync(bin, args, {stdio: 'ignore', env: {...procs.env, CTR_MONITOR: driver, CTR_BENCH_SPEC: spec}, timeout: 30_000})
  if (!existsSync(spec) || statSync(spec).size === 0) throw new Error('ctr start run with bench/spec-driver.c as its monitor wrote no spec')
  r.handoff = {driver, spec}
}

/** `ctr-monitor start` given "x" as its spec (refused: `error spec`), whole process, ms. */
function refusedSpec(monitor: string, skipSeal: boolean): Promise<number> {
  const env = {...procs.env}
  if (skipSeal) env.CTR_MONITOR_SEALED = '1'
  const start = process.hrtime.bigint()
  const child = spawn(monitor, ['start', '--name', NAME, '--lxcpath', '/nonexistent'], {stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env})
  const sync = child.stdio[3] as Duplex
  let said = ''
  sync.on('data', (chunk: Buffer) => {
    said += chunk.toString()
  })
  sync.on('error', () => undefined)
  sync.write('1\nx')
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6
      setImmediate(() => {
        sync.end()
        if (!said.startsWith('error spec')) reject(new Error(`ctr-monitor start with a bad spec said "${said.trim()}"`))
        else resolve(ms)
      })
    })
  })
}

/** The hot commands whose load-only floor the per-call loop measures. */
const HOT_FLOORS = ['start', 'stop', 'info', 'ls'] as const

/** How many defined containers `ls -f` lists in the per-call loop (issue 13). */
const LS_COUNT = 100

/** LS_COUNT small LXC-valid configs (as bench/ls.ts writes them): defined, not running. */
function defineLsContainers(lxcpath: string): void {
  for (let i = 0; i < LS_COUNT; i++) {
    const name = `c${String(i).padStart(3, '0')}`
    const dir = join(lxcpath, name)
    mkdirSync(dir, {recursive: true})
    const lines = [`lxc.uts.name = ${name}`, `lxc.rootfs.path = dir:${dir}/rootfs`, 'lxc.net.0.type = empty']
    if (i % 10 === 0) lines.push('lxc.start.auto = 1')
    if (i % 3 === 0) lines.push('lxc.group = web')
    writeFileSync(join(dir, 'config'), `${lines.join('\n')}\n`)
  }
}

async function cycle(r: Run, tool: Tool, measured: boolean, first: boolean, got: Map<string, number>): Promise<void> {
  const k = tool.key
  const start = await run(...tool.start)
  const pids = await tool.pids()
  track(pids.monitor)
  track(pids.init)
  const again = await run(...tool.start)
  const info = await run(...tool.info)
  if (info.stdout.trim() !== 'RUNNING') throw new Error(`${k} info -sH said "${info.stdout.trim()}" on a running container`)
  const attach = await run(...tool.attach)
  const mem = memoryOf(pids.monitor)
  if (first) r.observations[k] = observe(pids.init)
  const stop = await run(...tool.stop)
  got.set(`start.${k}`, start.ms)
  got.set(`again.${k}`, again.ms)
  got.set(`info.${k}`, info.ms)
  got.set(`stop.${k}`, stop.ms)
  got.set(`attach.${k}`, attach.ms)
  if (pids.startupUs !== undefined) got.set(`startup.${k}`, pids.startupUs / 1000)
  if (!measured) return
  r.samples.add(`attach.${k}`, attach.ms)
  r.samples.add(`start.${k}`, start.ms)
  r.samples.add(`again.${k}`, again.ms)
  r.samples.add(`info.${k}`, info.ms)
  r.samples.add(`stop.${k}`, stop.ms)
  if (pids.startupUs !== undefined) r.samples.add(`startup.${k}`, pids.startupUs / 1000)
  if (mem) {
    r.samples.add(`rss.${k}`, mem.rssKiB)
    if (mem.pssKiB !== undefined) r.samples.add(`pss.${k}`, mem.pssKiB)
  }
}

function observe(init: number): Observation {
  const own = new Set(cgroupLines('self').map((l) => l.slice(l.indexOf(':') + 1)))
  const theirs = cgroupLines(init)
  return {
    processes: processTree(init),
    console: consoleKind(init),
    ownCgroups: theirs.filter((l) => !own.has(l.slice(l.indexOf(':') + 1))).length,
    cgroupHierarchies: theirs.length,
  }
}

/**
 * Wait reactions (docs/lxc-contract.md §14): a background wait is started, given
 * time to connect, then the state change is made; the figure is the time
 * from the changing command's exit to the wait's exit.
 */
async function measureWaits(r: Run): Promise<void> {
  const runs = r.opts.warmup + r.opts.runs
  // A wait that exits non-zero (it timed out: the change went unnoticed) is
  // counted and reported, not timed, and the run goes on.
  const record = (key: string, waited: RunResult, from: RunResult, measured: boolean): void => {
    if (waited.code === 0) {
      if (measured) r.samples.add(key, Number(waited.end - from.end) / 1e6)
      return
    }
    const miss = r.misses.get(key) ?? {count: 0, runs, message: `exit ${waited.code ?? waited.signal}: ${waited.stderr.trim().split('\n')[0] ?? ''}`}
    miss.count++
    r.misses.set(key, miss)
  }
  for (let i = 0; i < runs; i++) {
    const measured = i >= r.opts.warmup
    for (const tool of ordered(r.tools, i)) {
      const k = tool.key
      // 4. running → STOPPED: the wait is connected to the monitor (a unix socket).
      await run(...tool.start)
      const pids = await tool.pids()
      track(pids.monitor)
      track(pids.init)
      const stopWait = procs.launch(...tool.waitStopped)
      if (!(await fdAppears(stopWait.pid, /^socket:/, 10_000))) throw new Error(`${k} wait -s STOPPED never connected`)
      await sleep(r.opts.settleMs)
      const stop = await run(...tool.stop)
      record(`waitStopped.${k}`, await stopWait.done, stop, measured)

      // 5. not started → RUNNING: ctr watches with inotify; lxc-wait polls
      // once a second and shows no sign of it, so it gets a fixed settle time.
      const runWait = procs.launch(...tool.waitRunning)
      if (k === 'ctr') {
        if (!(await fdAppears(runWait.pid, /^anon_inode:inotify/, 10_000))) throw new Error('ctr wait -s RUNNING never started watching')
        await sleep(r.opts.settleMs)
      } else await sleep(r.opts.lxcSettleMs)
      const start = await run(...tool.start)
      record(`waitRunning.${k}`, await runWait.done, start, measured)
      const again = await tool.pids()
      track(again.monitor)
      track(again.init)
      await run(...tool.stop)
    }
  }
}

/**
 * Figure 9: the same containers with their one interface a veth on a
 * bridge (`type = veth`, `link = br0`, `flags = up`, an IPv4 address), the
 * same config for both tools, in a network namespace the bench makes (so the
 * host's interfaces are never touched) and removes. Both run under
 * `ip netns exec` (LXC must: it looks the bridge up in /sys/class/net, and
 * its command socket is abstract, per network namespace); that wrapper's own
 * cost is measured as a floor.
 */
async function measureVeth(r: Run): Promise<void> {
  const ns = `ctrbench${process.pid}`
  const ip = which('ip')
  if (!ip) {
    r.vethSkipped = 'ip (iproute2) not found'
    return
  }
  const made = spawnSync(ip, ['netns', 'add', ns], {encoding: 'utf8'})
  if (made.status !== 0) {
    r.vethSkipped = `ip netns add failed: ${made.stderr.trim()}`
    return
  }
  procs.atCleanupFirst(() => {
    spawnSync(ip, ['netns', 'del', ns], {stdio: 'ignore'})
  })
  for (const args of [['link', 'add', 'br0', 'type', 'bridge'], ['addr', 'add', '10.250.0.1/24', 'dev', 'br0'], ['link', 'set', 'br0', 'up'], ['link', 'set', 'lo', 'up']]) {
    const res = spawnSync(ip, ['-n', ns, ...args], {encoding: 'utf8'})
    if (res.status !== 0) throw new Error(`ip -n ${ns} ${args.join(' ')}: ${res.stderr}`)
  }
  const inNs = ([bin, args]: [string, string[]]): [string, string[]] => [ip, ['netns', 'exec', ns, bin, ...args]]
  const veth = ['lxc.net.0.type = veth', 'lxc.net.0.link = br0', 'lxc.net.0.flags = up', 'lxc.net.0.ipv4.address = 10.250.0.2/24']
  const files = r.tools.map((t) => join(t.key === 'ctr' ? r.paths.ctrpath : r.paths.lxcpath, NAME, 'config'))
  const saved = files.map((f) => readFileSync(f, 'utf8'))
  files.forEach((f, i) => writeFileSync(f, withVeth(saved[i] ?? '', veth)))
  procs.atCleanupFirst(() => files.forEach((f, i) => writeFileSync(f, saved[i] ?? '')))
  try {
    for (let i = 0; i < r.opts.warmup + r.opts.runs; i++) {
      const measured = i >= r.opts.warmup
      const floor = await run(ip, ['netns', 'exec', ns, need('true')])
      if (measured) r.samples.add('floor.netns', floor.ms)
      for (const tool of ordered(r.tools, i)) await vethCycle(r, tool, ns, inNs, measured)
    }
  } finally {
    files.forEach((f, i) => writeFileSync(f, saved[i] ?? ''))
  }
}

function withVeth(config: string, veth: string[]): string {
  const lines = config.split('\n').filter((line) => !/^\s*lxc\.net\./.test(line))
  return `${lines.join('\n').trimEnd()}\n${veth.join('\n')}\n`
}

async function vethCycle(r: Run, tool: Tool, ns: string, inNs: (cmd: [string, string[]]) => [string, string[]], measured: boolean): Promise<void> {
  const k = tool.key
  const start = await run(...inNs(tool.start))
  const pids = k === 'ctr' ? await tool.pids() : await lxcPidsIn(r, inNs)
  track(pids.monitor)
  track(pids.init)
  const mem = memoryOf(pids.monitor)
  // The host side exists on the bridge (and goes at stop): the network was made.
  const links = spawnSync('ip', ['-n', ns, '-o', 'link', 'show', 'master', 'br0'], {encoding: 'utf8'}).stdout
  if (!/veth/.test(links)) throw new Error(`${k}: no veth on br0 after start:\n${links}`)
  const stop = await run(...inNs(tool.stop))
  if (!measured) return
  r.samples.add(`vethStart.${k}`, start.ms)
  r.samples.add(`vethStop.${k}`, stop.ms)
  if (mem) r.samples.add(`vethRss.${k}`, mem.rssKiB)
  if (pids.startupUs !== undefined) r.samples.add('vethStartup.ctr', pids.startupUs / 1000)
}

// lxc-info must run in the namespace: LXC's command socket is abstract, per network namespace.
async function lxcPidsIn(r: Run, inNs: (cmd: [string, string[]]) => [string, string[]]): Promise<{monitor: number; init: number; startupUs?: number}> {
  const init = Number((await run(...inNs(lxcCmd(r, 'lxc-info', '-pH')))).stdout.trim())
  return {monitor: parentOf(init) ?? -1, init}
}

// ---------------------------------------------------------------- report

function fmt(n: number, unit: string): string {
  if (unit === 'KiB') return n.toFixed(0)
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(1)
}

function ratio(a: Stats | undefined, b: Stats | undefined): string {
  if (!a || !b) return '—'
  // Near zero (a wait that reacts at once) there is no useful ratio.
  if (Math.abs(b.median) < 0.5) return 'n/a'
  if (Math.abs(a.median) < 0.5) return '≈0'
  const x = a.median / b.median
  return `${x >= 10 ? x.toFixed(0) : x >= 0.1 ? x.toFixed(2) : x.toFixed(3)}×`
}

interface Row {
  figure: string
  tool: string
  s: Stats | undefined
  unit: string
  vsLxc?: Stats | undefined
  vsNode?: Stats | undefined
}

function table(rows: Row[]): string {
  const head = ['figure', 'tool / what', 'unit', 'min', 'median', 'max', '÷ LXC', '÷ node -e 0']
  const body = rows.map((row) => {
    const s = row.s
    return [
      row.figure,
      row.tool,
      row.unit,
      s ? fmt(s.min, row.unit) : '—',
      s ? fmt(s.median, row.unit) : '—',
      s ? fmt(s.max, row.unit) : '—',
      row.vsLxc === undefined ? '' : ratio(s, row.vsLxc),
      row.vsNode === undefined ? '' : ratio(s, row.vsNode),
    ]
  })
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((line) => (line[c] ?? '').length)))
  const right = new Set([3, 4, 5, 6, 7])
  const render = (cells: string[]): string =>
    cells.map((cell, c) => (right.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd()
  return [render(head), render(widths.map((w) => '-'.repeat(w))), ...body.map(render)].join('\n')
}

/** What LXC does for a key ctr skipped. */
const KEY_WORK: Record<string, string> = {
  'lxc.tty.max': 'allocates that many ptys and bind-mounts them on /dev/tty1..N',
  'lxc.pty.max': 'mounts a private devpts instance',
  'lxc.mount.entry': 'does this mount',
  'lxc.mount.auto': 'also mounts a tmpfs on /sys/fs/cgroup with each cgroup hierarchy bound into it',
  'lxc.cap.drop': 'drops these capabilities from the bounding set',
  'lxc.cap.keep': 'keeps only these capabilities',
  'lxc.apparmor.profile': existsSync('/sys/module/apparmor')
    ? 'generates and loads an AppArmor profile'
    : 'does nothing: no AppArmor in this kernel, so skipping it costs ctr nothing',
}

function report(r: Run): string {
  const s = (key: string): Stats | undefined => r.samples.get(key)
  const node = s('floor.node')
  const lxc = r.lxc
  const out: string[] = []
  const pair = (figure: string, what: string, key: string, unit: string, lxcWhat: string, vsNode = node): Row[] => {
    const rows: Row[] = [{figure, tool: `ctr ${what}`, s: s(`${key}.ctr`), unit, vsNode, ...(lxc ? {vsLxc: s(`${key}.lxc`)} : {})}]
    if (lxc) rows.push({figure: '', tool: lxcWhat, s: s(`${key}.lxc`), unit, vsLxc: s(`${key}.lxc`), vsNode})
    return rows
  }
  const rows: Row[] = [
    ...pair('1 start until RUNNING', 'start -n X', 'start', 'ms', 'lxc-start -n X -d'),
    ...pair('2 hard stop', 'stop -k', 'stop', 'ms', 'lxc-stop -k'),
    ...pair('3 state query', 'info -sH', 'info', 'ms', 'lxc-info -sH'),
    ...pair('  attach, run true', 'attach -- true', 'attach', 'ms', 'lxc-attach -- true'),
    ...pair('4 wait reaction, running', 'wait -s STOPPED', 'waitStopped', 'ms', 'lxc-wait -s STOPPED'),
    ...pair('5 wait reaction, not started', 'wait -s RUNNING', 'waitRunning', 'ms', 'lxc-wait -s RUNNING'),
    ...pair('6 monitor RSS', 'ctr-monitor', 'rss', 'KiB', '[lxc monitor]', s('rss.node')),
    ...pair('  monitor PSS', 'ctr-monitor', 'pss', 'KiB', '[lxc monitor]', s('pss.node')),
    {figure: '  (Node process)', tool: 'node -e … RSS at its exit', s: s('rss.node'), unit: 'KiB', vsNode: s('rss.node'), ...(lxc ? {vsLxc: s('rss.lxc')} : {})},
    {figure: '', tool: 'node -e … PSS at its exit', s: s('pss.node'), unit: 'KiB', vsNode: s('pss.node'), ...(lxc ? {vsLxc: s('pss.lxc')} : {})},
    {figure: '7 container-side start', tool: 'ctr startupUs (monitor exec→init exec)', s: s('startup.ctr'), unit: 'ms', vsNode: node, ...(lxc ? {vsLxc: s('start.lxc')} : {})},
  ]
  if (lxc) rows.push({figure: '', tool: 'lxc-start -d, whole', s: s('start.lxc'), unit: 'ms', vsLxc: s('start.lxc'), vsNode: node})
  rows.push({figure: '', tool: 'unshare -fpmuin --mount-proc true', s: s('floor.unshare'), unit: 'ms', vsNode: node, ...(lxc ? {vsLxc: s('start.lxc')} : {})})
  rows.push({figure: '8 floors', tool: 'node -e 0', s: node, unit: 'ms', vsNode: node, ...(lxc ? {vsLxc: s('start.lxc')} : {})})
  rows.push({figure: '', tool: 'true', s: s('floor.true'), unit: 'ms', vsNode: node, ...(lxc ? {vsLxc: s('start.lxc')} : {})})
  rows.push({figure: '', tool: 'ctr info --version (Node + CLI load)', s: s('floor.ctrload'), unit: 'ms', vsNode: node, ...(lxc ? {vsLxc: s('floor.lxcload')} : {})})
  if (lxc) rows.push({figure: '', tool: 'lxc-info --version (liblxc load)', s: s('floor.lxcload'), unit: 'ms', vsNode: node, vsLxc: s('floor.lxcload')})
  rows.push(...pair('  start, already running', 'start (no-op)', 'again', 'ms', 'lxc-start -d (no-op)'))
  if (s('vethStart.ctr')) {
    rows.push(...pair('9 start, one veth', 'start (veth on br0)', 'vethStart', 'ms', 'lxc-start -d (veth on br0)'))
    rows.push(...pair('  hard stop, one veth', 'stop -k (veth)', 'vethStop', 'ms', 'lxc-stop -k (veth)'))
    rows.push({figure: '', tool: 'ctr startupUs (veth)', s: s('vethStartup.ctr'), unit: 'ms', vsNode: node, ...(lxc ? {vsLxc: s('vethStart.lxc')} : {})})
    rows.push(...pair('  monitor RSS, one veth', 'ctr-monitor', 'vethRss', 'KiB', '[lxc monitor]', s('rss.node')))
    rows.push({figure: '', tool: 'ip netns exec NS true (the wrapper of 9)', s: s('floor.netns'), unit: 'ms', vsNode: node, ...(lxc ? {vsLxc: s('vethStart.lxc')} : {})})
  }
  out.push(table(rows))
  if (r.vethSkipped) out.push(`Figure 9 (one veth) not measured: ${r.vethSkipped}`)
  if (r.handoffSkipped) out.push(`The ready-spec start floors not measured: ${r.handoffSkipped}`)
  for (const [key, miss] of r.misses) {
    const [figure, tool] = key.split('.')
    const what = figure === 'waitStopped' ? 'wait -s STOPPED (4)' : 'wait -s RUNNING (5)'
    out.push(`MISSED: ${tool === 'lxc' ? 'lxc-' : 'ctr '}${what} did not see the change in ${miss.count} of ${miss.runs} runs (warm-ups included; not timed above): ${miss.message}`)
  }
  out.push('')
  out.push('÷ LXC and ÷ node -e 0 divide medians. In 7 and 8, ÷ LXC is against the whole `lxc-start -d` (or `lxc-info --version` for')
  out.push('ctr\'s load floor). Wait reactions are the time from the state-changing command\'s exit to the wait\'s exit; negative means the')
  out.push('wait exited first. LXC\'s wait for a container that is not running polls once a second: its figure is about 1000 ms minus')
  out.push(`the ${r.opts.lxcSettleMs} ms settle minus the start time.`)

  out.push('')
  out.push('Where `ctr start` goes (medians of the differences within each iteration, ms):')
  const m = (key: string): number | undefined => s(key)?.median
  const line = (what: string, value: number | undefined): void => {
    if (value !== undefined) out.push(`  ${what.padEnd(58)} ${fmt(value, 'ms').padStart(6)}`)
  }
  const startup = m('startup.ctr')
  line('Node itself (node -e 0)', m('floor.node'))
  line('+ loading ctr\'s CLI (info --version − node -e 0)', m('d.load'))
  line('+ start runner, config, status query (no-op start − that)', m('d.runner'))
  line('+ launching the monitor until RUNNING (start − no-op start)', m('d.launch'))
  line('  of which container-side (startupUs)', startup)
  line('ctr start', m('start.ctr'))
  line('ctr start − node -e 0', m('d.start'))
  const vethStartup = m('vethStartup.ctr')
  if (vethStartup !== undefined && startup !== undefined) line('one veth on a bridge: container-side start − that without', vethStartup - startup)

  out.push('')
  out.push('Targets of docs/architecture.md §9 (medians; "node +" ones on the paired differences):')
  const target = (what: string, value: number | undefined, limit: number, unit: string, how: string): void => {
    if (value === undefined) return
    const ok = value <= limit
    out.push(`  ${ok ? 'met   ' : 'MISSED'} ${what.padEnd(36)} ${fmt(value, unit).padStart(6)} ${unit}  (target ${how})`)
  }
  target('container-side start (startupUs)', startup, 5, 'ms', '≤ 5 ms')
  target('ctr start − node -e 0', m('d.start'), 20, 'ms', '≤ 20 ms')
  target('ctr stop -k − node -e 0', m('d.stop'), 15, 'ms', '≤ 15 ms')
  target('ctr info -sH − node -e 0', m('d.info'), 10, 'ms', '≤ 10 ms')
  target('wait reaction, running', m('waitStopped.ctr'), 5, 'ms', '≤ 5 ms')
  target('wait reaction, not started', m('waitRunning.ctr'), 5, 'ms', '≤ 5 ms')
  if (r.misses.has('waitRunning.ctr') || r.misses.has('waitStopped.ctr')) out.push('  MISSED ctr wait did not always see the change (see MISSED above)')
  target('monitor RSS', m('rss.ctr'), 1536, 'KiB', '≤ 1.5 MiB')

  out.push('')
  out.push(issue13(r))
  out.push('')
  out.push(configNote(r))
  return out.join('\n')
}

/**
 * Issue 13's targets, per pass (each pass its own medians, to show the
 * spread): what ctr adds beyond `node -e 0` against LXC's whole call, the
 * library in a live process against LXC's whole call, the monitor's memory.
 */
function issue13(r: Run): string {
  const out: string[] = []
  const head = ['issue 13 target', 'ctr figure (median ms)', 'LXC figure', ...r.passes.map((_p, i) => `pass ${i + 1}: ctr / LXC = ratio`), 'target']
  const body: string[][] = []
  const row = (what: string, ctr: string, lxcWhat: string, ctrKey: string, lxcKey: string, limit: number, unit = 'ms'): void => {
    const cells = r.passes.map((samples) => {
      const a = samples.get(ctrKey)?.median
      const b = r.lxc ? samples.get(lxcKey)?.median : undefined
      if (a === undefined) return '—'
      if (b === undefined) return `${fmt(a, unit)} / —`
      const x = a / b
      return `${fmt(a, unit)} / ${fmt(b, unit)} = ${x.toFixed(2)}× ${x <= limit ? 'met' : 'MISSED'}`
    })
    body.push([what, ctr, lxcWhat, ...cells, `≤ ${limit}×`])
  }
  row('1 start', 'ctr start − node -e 0', 'lxc-start -d', 'd.start', 'start.lxc', 0.5)
  row('1 stop -k', 'ctr stop -k − node -e 0', 'lxc-stop -k', 'd.stop', 'stop.lxc', 0.5)
  row('1 info -sH', 'ctr info -sH − node -e 0', 'lxc-info -sH', 'd.info', 'info.lxc', 0.5)
  row(`1 ls -f (${LS_COUNT})`, 'ctr ls -f − node -e 0', 'lxc-ls -f', 'd.ls', 'ls.lxc', 0.5)
  // The least each call can add while its code is JavaScript loaded per
  // call (bench/load-only.cjs): over the target here, the target is out of
  // reach for that design, whatever the command itself does.
  row('  floor: start', 'start bundle load + startupUs', 'lxc-start -d', 'd.floor.start', 'start.lxc', 0.5)
  row('  floor: stop -k', 'stop bundle load − node -e 0', 'lxc-stop -k', 'd.bundle.stop', 'stop.lxc', 0.5)
  row('  floor: info -sH', 'info bundle load − node -e 0', 'lxc-info -sH', 'd.bundle.info', 'info.lxc', 0.5)
  row('  floor: ls -f', 'ls bundle load − node -e 0', 'lxc-ls -f', 'd.bundle.ls', 'ls.lxc', 0.5)
  // The start floors without any of ctr's own code: a spec ctr start wrote
  // earlier, handed to the monitor. Over the target, no per-call start in
  // Node (the first) or even one with no runtime at all (the second) can
  // meet it with this monitor.
  row('  floor: start, ready spec, Node', 'node hands over a spec − node -e 0', 'lxc-start -d', 'd.handoff.node', 'start.lxc', 0.5)
  row('  floor: start, ready spec, C', 'C program hands over a spec, whole', 'lxc-start -d', 'floor.handoff.c', 'start.lxc', 0.5)
  if (r.library) {
    row('2 library start', 'Container.start() in-process', 'lxc-start -d', 'lib.start', 'start.lxc', 0.5)
    row('2 library info', 'Container.info() in-process', 'lxc-info', 'lib.info', 'infofull.lxc', 0.2)
    row('  library stop', 'Container.stop({kill}) in-process', 'lxc-stop -k', 'lib.stop', 'stop.lxc', 0.5)
  }
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((line) => (line[c] ?? '').length)))
  const render = (cells: string[]): string => cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()
  out.push('Issue 13 (each pass: medians of its own runs; ctr − node -e 0 are medians of the paired differences):')
  out.push(render(head), render(widths.map((w) => '-'.repeat(w))), ...body.map(render))
  const per = (key: string): string => r.passes.map((samples) => {
    const m = samples.get(key)?.median
    return m === undefined ? '—' : fmt(m, key.startsWith('rss') || key.startsWith('pss') ? 'KiB' : 'ms')
  }).join(' / ')
  out.push(`  node -e 0 per pass: ${per('floor.node')} ms;  startupUs (spec read → init exec): ${per('startup.ctr')} ms`)
  out.push(`  sealed re-exec (ctr-monitor start refusing a spec, with − without the re-exec): ${per('d.seal')} ms`)
  out.push(`  monitor memory (one idle container): RSS ${per('rss.ctr')} KiB, PSS ${per('pss.ctr')} KiB (target RSS < 1024 KiB)`)
  return out.join('\n')
}

function configNote(r: Run): string {
  const out: string[] = []
  const file = join(r.paths.ctrpath, NAME, 'config')
  if (r.configMode === 'auto' && r.configChanges.length === 0) {
    out.push(r.lxc ? 'Config: ctr ran LXC\'s busybox config unchanged (net empty on both).' : 'Config: ctr ran the lxc-busybox config unchanged (net empty).')
  } else if (r.configMode === 'auto') {
    out.push(`Config: ctr ran ${r.lxc ? 'LXC\'s' : 'the lxc-busybox'} config minus what it refuses ("not supported yet"), on a copy of the same rootfs.`)
    out.push('Work LXC does that ctr skipped:')
    for (const c of r.configChanges) {
      const work = KEY_WORK[c.key] ?? 'applies this key'
      out.push(c.became ? `  ${c.line}  →  ctr: ${c.became}\n      LXC ${work}` : `  ${c.line}\n      LXC ${work}`)
    }
  } else {
    out.push(`Config: ctr ran the ${r.configMode === 'same' ? 'same config as LXC' : `config from ${r.configMode}`}.`)
  }
  const {ctr: c, lxc: l} = r.observations
  if (c && l) {
    out.push('Observed in the running containers (ctr / LXC):')
    out.push(`  init in its own cgroups: ${c.ownCgroups} / ${l.ownCgroups} of ${l.cgroupHierarchies} hierarchies${c.ownCgroups === 0 ? ' (ctr does no cgroup work: no cgroups created, attached or removed)' : ''}`)
    out.push(`  /dev/console in the container: ${c.console} / ${l.console}`)
    out.push(`  processes in the container: ${c.processes} / ${l.processes} (busybox init from the same rootfs${c.processes !== l.processes ? '; without /dev/tty1 init starts no getty' : ''})`)
  } else if (c) {
    out.push(`Observed: init in its own cgroups in ${c.ownCgroups} of ${c.cgroupHierarchies} hierarchies, /dev/console is ${c.console}, ${c.processes} processes.`)
  }
  out.push(`To compare on the very same config: --config same (fails until ctr accepts every key), or --config FILE. ctr's config: ${file}`)
  return out.join('\n')
}

// ---------------------------------------------------------------- main

function checkBuilt(): void {
  const hint = 'build first: make -s -C native && npm run build'
  if (!existsSync(join(REPO, 'build/ctr-monitor'))) fail(`build/ctr-monitor is missing: ${hint}`)
  const probe = spawnSync(NODE, [CTR_ENTRY, 'info', '--version'], {encoding: 'utf8'})
  if (probe.status !== 0) fail(`\`ctr info --version\` failed (${probe.status ?? probe.signal}): ${hint}\n${probe.stderr}`)
}

function lxcAvailable(): {ok: true; version: string} | {ok: false; why: string} {
  for (const tool of ['lxc-create', 'lxc-start', 'lxc-stop', 'lxc-info', 'lxc-wait', 'lxc-destroy']) {
    if (!which(tool)) return {ok: false, why: `${tool} not found`}
  }
  const templates = ['/usr/share/lxc/templates/lxc-busybox', '/usr/local/share/lxc/templates/lxc-busybox']
  if (!templates.some(existsSync)) return {ok: false, why: 'the lxc-busybox template is not installed'}
  const version = spawnSync(need('lxc-start'), ['--version'], {encoding: 'utf8'})
  if (version.status !== 0) return {ok: false, why: 'lxc-start --version failed'}
  return {ok: true, version: version.stdout.trim()}
}

async function main(opts: Options): Promise<void> {
  checkBuilt()
  const avail = opts.lxc ? lxcAvailable() : ({ok: false, why: 'disabled by --no-lxc / BENCH_NO_LXC'} as const)

  const loadBefore = loadavg()[0] ?? 0
  const tmp = mkdtempSync('/tmp/ctr-bench-')
  procs.atCleanup(killStarted)
  const cgroupsBefore = new Set(lxcCgroupDirs().filter(existsSync))
  procs.atCleanup(() => {
    // LXC normally removes these; remove only the ones this run left behind.
    for (const dir of lxcCgroupDirs()) {
      if (!cgroupsBefore.has(dir) && existsSync(dir)) {
        try {
          rmdirSync(dir)
        } catch {
          // not empty or busy: leave it
        }
      }
    }
    rmSync(tmp, {recursive: true, force: true})
  })
  const paths: Paths = {tmp, lxcpath: join(tmp, 'lxc'), ctrpath: join(tmp, 'ctr'), runtime: join(tmp, 'run'), logs: join(tmp, 'log')}
  for (const dir of [paths.lxcpath, paths.ctrpath, paths.runtime, paths.logs]) mkdirSync(dir, {recursive: true, mode: 0o700})
  procs.logDir = paths.logs
  writeFileSync(join(tmp, 'ctr.conf'), '')
  procs.env = {...process.env, CTR_RUNTIME_DIR: paths.runtime, CTR_GLOBAL_CONFIG: join(tmp, 'ctr.conf')}
  delete procs.env.CTR_PATH

  const r: Run = {
    opts,
    paths,
    lxc: avail.ok,
    lxcVersion: avail.ok ? avail.version : '',
    ctrRundir: runtimeDir(paths.runtime, paths.ctrpath, NAME),
    configMode: opts.config,
    configChanges: [],
    samples: new Samples(),
    observations: {},
    tools: [],
    misses: new Map(),
    passes: [],
    lsPath: join(tmp, 'ls'),
  }
  const progress = (text: string): void => {
    process.stderr.write(`bench: ${text}\n`)
  }

  progress(`setting up in ${tmp}`)
  const lxcConfig = r.lxc ? setupLxc(r) : ''
  await setupCtr(r, lxcConfig)
  setupHandoff(r)
  defineLsContainers(r.lsPath)
  // The library runs in this process: it needs the private run dir and global config too.
  process.env.CTR_RUNTIME_DIR = paths.runtime
  process.env.CTR_GLOBAL_CONFIG = join(tmp, 'ctr.conf')
  delete process.env.CTR_PATH
  r.library = (await import(pathToFileURL(join(REPO, 'dist/index.js')).href)) as typeof import('../src/index.js')
  r.tools = tools(r)
  for (let pass = 0; pass < opts.passes; pass++) {
    progress(`pass ${pass + 1} of ${opts.passes}: floors and start / info / stop cycles, ls -f, the library`)
    r.samples = new Samples()
    r.passes.push(r.samples)
    await measureCycles(r)
  }
  progress('wait reactions')
  await measureWaits(r)
  if (opts.veth) {
    progress('start and stop with one veth (figure 9)')
    await measureVeth(r)
  } else r.vethSkipped = 'disabled by --no-veth / BENCH_NO_VETH'

  const loadAfter = loadavg()[0] ?? 0
  const header = [
    `ctr ${gitDescribe()} vs ${r.lxc ? `LXC ${r.lxcVersion}` : 'nothing'} — ${opts.runs} runs per figure (+${opts.warmup} warm-up) in each of ${opts.passes} passes, tools alternating; the table is the last pass`,
    `${cpus().length} CPUs, Linux ${release()}, Node ${process.version}; private lxcpath and CTR_RUNTIME_DIR under ${tmp}`,
    `load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)}`,
  ]
  if (Math.max(loadBefore, loadAfter) > cpus().length / 2) {
    header.push('Note: the machine was busy with other work during this run; absolute times are inflated, compare the ratios.')
  }
  if (!r.lxc) header.push(`LXC: not compared (${avail.ok ? '' : avail.why}): the ctr half alone, ÷ LXC columns are empty.`)
  process.stdout.write(`${header.join('\n')}\n\n${report(r)}\n`)
}

/**
 * The scale part, bench/scale.ts, in a process of its own (its containers,
 * cleanup and signal handling are its own); --no-lxc is passed on, its
 * other options come from the environment (BENCH_SCALE_*).
 */
let scaleChild: ChildProcess | undefined

function runScale(opts: Options): Promise<number> {
  const args = ['--import', 'tsx', join(REPO, 'bench/scale.ts'), ...(opts.lxc ? [] : ['--no-lxc'])]
  process.stderr.write('bench: the scale part (bench/scale.ts)\n')
  const child = spawn(NODE, args, {stdio: 'inherit', cwd: REPO})
  scaleChild = child
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`bench: bench/scale.ts: ${error.message}\n`)
      resolve(1)
    })
    child.on('exit', (code, signal) => {
      scaleChild = undefined
      resolve(code ?? 128 + (signal === 'SIGINT' ? 2 : 15))
    })
  })
}

const opts = parseOptions(process.argv.slice(2), process.env)
if (process.geteuid?.() !== 0) fail('run as root (containers need it, for LXC and for ctr)')

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    process.stderr.write(`bench: ${signal}, cleaning up\n`)
    procs.cleanup()
    // The scale part cleans up its own containers: pass the signal on and wait for it.
    if (scaleChild && scaleChild.exitCode === null) {
      scaleChild.kill(signal)
      process.exitCode = 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1)
      return
    }
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1))
  })
}
process.on('exit', () => procs.cleanup())

try {
  if (opts.scale !== 'only') await main(opts)
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
} finally {
  procs.cleanup()
}
if (opts.scale !== 'no') {
  const code = await runScale(opts)
  if (code !== 0 && !process.exitCode) process.exitCode = code
}
