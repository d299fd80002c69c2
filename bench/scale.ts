// Fleets and scale, ctr against LXC (issue 13, items 3 to 5):
//
//   node --import tsx bench/scale.ts [options]      (also the last part of `npm run bench`)
//
// 1. Fleets in one call: FLEET busybox containers started by one
//    `ctr start --many --at-once N` against FLEET `lxc-start -d` run by
//    `xargs -P N`, then the same for the hard stop.
// 2. Scale curves and memory: ctr's containers are started (in steps, by
//    `ctr start --many`) until 1, 10, 100, 500 run; at each level the
//    monitors' RSS and PSS are summed and one more container is started and
//    stopped a few times (`ctr start` / `ctr stop -k`, each timed). Then all
//    are stopped and LXC does the same (up to --lxc-max containers).
// 3. `ctr ls -f` and `lxc-ls -f` over 100, 1000, 5000 defined containers.
//
// Both tools run lxc-busybox's config with `lxc.net.0.type = empty` (as
// bench/run.ts), every container of a tool on one shared copy of the rootfs.
// Everything lives in a temp dir with a private lxcpath per tool and
// CTR_RUNTIME_DIR; at the end, also on an error or Ctrl-C, every container is
// stopped, any monitor or init this run started that is still there is
// killed by pid (checked against its start time), the cgroups named after
// this run's containers that are left are removed, and the temp dir goes.
// bench/README.md says how to read the report.

import {spawnSync} from 'node:child_process'
import {
  chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync,
  statSync, unlinkSync, writeFileSync,
} from 'node:fs'
import {cpus, loadavg, release} from 'node:os'
import {join} from 'node:path'

import {runtimeDir} from '../src/core/paths.js'
import {REPO, childrenOf, fail, gitDescribe, intOption, lineKey, need, pin, setProgram, stats, which, Processes, type Pinned, type RunResult, type Stats} from './common.js'

setProgram('bench/scale')

// ---------------------------------------------------------------- options

type Part = 'fleet' | 'curves' | 'ls'
const PARTS: Part[] = ['fleet', 'curves', 'ls']

interface Options {
  /** Runs of each fleet start / stop. */
  runs: number
  /** Containers in the fleet. */
  fleet: number
  /** ctr's --at-once, and xargs -P for LXC. */
  atOnce: number
  /** Running-container counts of the curves. */
  levels: number[]
  /** Timed starts (and stops) of one more container at each level. */
  probes: number
  /** LXC's curve goes up to this many running containers. */
  lxcMax: number
  /** Defined-container counts for `ls -f`. */
  lsCounts: number[]
  lsRuns: number
  lxc: boolean
  parts: Set<Part>
  /** What runs as the containers' init: the template's busybox init (boot), or one sleep (idle). */
  guest: 'boot' | 'idle'
}

const USAGE = `Usage: node --import tsx bench/scale.ts [options]

  -n, --runs N         fleet start / stop runs per tool (default 3, env BENCH_SCALE_RUNS)
      --fleet N        containers in the fleet (default 100, env BENCH_SCALE_FLEET)
      --at-once N      ctr's --at-once and xargs -P for LXC (default 16, ctr's default; env BENCH_SCALE_AT_ONCE)
      --levels LIST    running containers of the curves (default 1,10,100,500, env BENCH_SCALE_LEVELS)
      --probes N       timed starts of one more container per level (default 5, env BENCH_SCALE_PROBES)
      --lxc-max N      LXC's curve stops at this many containers (default: the last level, env BENCH_SCALE_LXC_MAX)
      --ls-counts LIST defined containers for ls -f (default 100,1000,5000, env BENCH_SCALE_LS_COUNTS)
      --ls-runs N      timed ls -f per tool and count (default 5, env BENCH_SCALE_LS_RUNS)
      --parts LIST     which parts: fleet,curves,ls (default all, env BENCH_SCALE_PARTS)
      --guest G        boot: the template's init boots each guest (default); idle: init is one
                       \`sleep\`, so only the tools' own work is timed (env BENCH_SCALE_GUEST)
      --no-lxc         the ctr half alone (env BENCH_NO_LXC=1)
  -h, --help           this text
`

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const opts: Options = {
    runs: intOption('BENCH_SCALE_RUNS', env.BENCH_SCALE_RUNS ?? '3', 1),
    fleet: intOption('BENCH_SCALE_FLEET', env.BENCH_SCALE_FLEET ?? '100', 1),
    atOnce: intOption('BENCH_SCALE_AT_ONCE', env.BENCH_SCALE_AT_ONCE ?? '16', 1),
    levels: listOption('BENCH_SCALE_LEVELS', env.BENCH_SCALE_LEVELS ?? '1,10,100,500'),
    probes: intOption('BENCH_SCALE_PROBES', env.BENCH_SCALE_PROBES ?? '5', 1),
    lxcMax: env.BENCH_SCALE_LXC_MAX === undefined ? -1 : intOption('BENCH_SCALE_LXC_MAX', env.BENCH_SCALE_LXC_MAX, 0),
    lsCounts: listOption('BENCH_SCALE_LS_COUNTS', env.BENCH_SCALE_LS_COUNTS ?? '100,1000,5000'),
    lsRuns: intOption('BENCH_SCALE_LS_RUNS', env.BENCH_SCALE_LS_RUNS ?? '5', 1),
    lxc: !(env.BENCH_NO_LXC && env.BENCH_NO_LXC !== '0'),
    parts: partsOption('BENCH_SCALE_PARTS', env.BENCH_SCALE_PARTS ?? PARTS.join(',')),
    guest: guestOption('BENCH_SCALE_GUEST', env.BENCH_SCALE_GUEST ?? 'boot'),
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined) fail(`${arg} needs a value\n\n${USAGE}`)
      return v
    }
    if (arg === '-n' || arg === '--runs') opts.runs = intOption(arg, value(), 1)
    else if (arg === '--fleet') opts.fleet = intOption(arg, value(), 1)
    else if (arg === '--at-once') opts.atOnce = intOption(arg, value(), 1)
    else if (arg === '--levels') opts.levels = listOption(arg, value())
    else if (arg === '--probes') opts.probes = intOption(arg, value(), 1)
    else if (arg === '--lxc-max') opts.lxcMax = intOption(arg, value(), 0)
    else if (arg === '--ls-counts') opts.lsCounts = listOption(arg, value())
    else if (arg === '--ls-runs') opts.lsRuns = intOption(arg, value(), 1)
    else if (arg === '--parts') opts.parts = partsOption(arg, value())
    else if (arg === '--guest') opts.guest = guestOption(arg, value())
    else if (arg === '--no-lxc') opts.lxc = false
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE)
      process.exit(0)
    } else fail(`unknown argument "${arg}"\n\n${USAGE}`)
  }
  if (opts.lxcMax < 0) opts.lxcMax = Math.max(...opts.levels)
  return opts
}

/** A comma-separated list of counts ≥ 1, sorted, duplicates removed. */
function listOption(what: string, text: string): number[] {
  const list = [...new Set(text.split(',').filter(Boolean).map((t) => intOption(what, t.trim(), 1)))].sort((a, b) => a - b)
  if (list.length === 0) fail(`${what}: expected a list of counts, got "${text}"`)
  return list
}

function guestOption(what: string, text: string): 'boot' | 'idle' {
  if (text !== 'boot' && text !== 'idle') fail(`${what}: expected boot or idle, got "${text}"`)
  return text
}

// The idle guest: busybox's sleep as init (pid 1 ignores the signals it has
// no handler for, so only SIGKILL ends it: the fleet stop is `stop -k`).
// On 2 CPUs a fleet start's wall time is CPU-bound, and the guests' own
// boot (init, rcS, syslogd, getty: the same for both tools) is about half
// of that CPU: the idle guest shows the tools' own cost without it.
const IDLE_INIT = 'lxc.init.cmd = /bin/sleep 100000000'

function partsOption(what: string, text: string): Set<Part> {
  const parts = new Set<Part>()
  for (const p of text.split(',').filter(Boolean)) {
    if (!PARTS.includes(p as Part)) fail(`${what}: "${p}" is not one of ${PARTS.join(', ')}`)
    parts.add(p as Part)
  }
  return parts
}


// ---------------------------------------------------------------- environment

const CTR_ENTRY = join(REPO, 'bin/run.js')
const NODE = process.execPath
/** Names carry the bench's pid: LXC names its cgroups after the container alone (lxc.payload.NAME), for every lxcpath. */
const TAG = `sc${process.pid}`

const progress = (text: string): void => {
  process.stderr.write(`bench/scale: ${text}\n`)
}

// ---------------------------------------------------------------- processes

const procs = new Processes()
let namesSeq = 0

function describeCmd(cmd: string, args: string[]): string {
  const shown = args.length > 12 ? [...args.slice(0, 10), `… (${args.length} arguments)`] : args
  return [cmd === NODE ? 'node' : cmd, ...shown].join(' ')
}

async function run(cmd: string, args: string[], timeoutMs = 60_000, okCodes: number[] = [0]): Promise<RunResult> {
  const r = await procs.launch(cmd, args, timeoutMs).done
  if (r.timedOut) throw new Error(`${describeCmd(cmd, args)}: timed out after ${timeoutMs / 1000} s`)
  if (r.code === null || !okCodes.includes(r.code)) {
    throw new Error(`${describeCmd(cmd, args)}: exit ${r.code ?? r.signal}\n${tail(r.stderr)}${tail(r.stdout)}`)
  }
  return r
}

function tail(text: string, lines = 20): string {
  const all = text.trimEnd().split('\n')
  return all.length > lines ? `… ${all.length - lines} lines …\n${all.slice(-lines).join('\n')}\n` : text
}

// ---------------------------------------------------------------- /proc

interface Memory {
  rssKiB: number
  pssKiB: number
}

/** VmRSS and Pss (smaps_rollup) of a process, KiB. */
function memoryOf(pid: number): Memory | undefined {
  try {
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    const pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]
    if (rss === undefined || pss === undefined) return undefined
    return {rssKiB: Number(rss), pssKiB: Number(pss)}
  } catch {
    return undefined
  }
}

/** Every process's pid and cmdline (NULs as spaces). */
function processList(): Array<{pid: number; cmdline: string}> {
  const list: Array<{pid: number; cmdline: string}> = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      list.push({pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()})
    } catch {
      // gone
    }
  }
  return list
}

/** "/path" of each cgroup of a process that is not the bench's own (relative to its hierarchy's root). */
function ownCgroups(pid: number, mine: Set<string>): string[] {
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')
      .map((line) => line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1))
      .filter((path) => path !== '/' && !mine.has(path))
  } catch {
    return []
  }
}

function cgroupMounts(): string[] {
  const mounts: string[] = []
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ')
    if (sep < 0) continue
    const fstype = line.slice(sep + 3).split(' ')[0]
    const mountPoint = line.slice(0, sep).split(' ')[4]
    if (mountPoint !== undefined && (fstype === 'cgroup' || fstype === 'cgroup2')) mounts.push(mountPoint)
  }
  return mounts
}

// ---------------------------------------------------------------- stats

function fmt(n: number | undefined, digits?: number): string {
  if (n === undefined || Number.isNaN(n)) return '—'
  if (digits !== undefined) return n.toFixed(digits)
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(1)
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b <= 0) return '—'
  const x = a / b
  return `${x >= 10 ? x.toFixed(0) : x >= 0.1 ? x.toFixed(2) : x.toFixed(3)}×`
}

function table(head: string[], body: string[][], right = new Set<number>()): string {
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((line) => (line[c] ?? '').length)))
  const render = (cells: string[]): string =>
    cells.map((cell, c) => (right.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd()
  return [render(head), render(widths.map((w) => '-'.repeat(w))), ...body.map(render)].join('\n')
}

// ---------------------------------------------------------------- cleanup

/** Monitors and inits this run started: killed at cleanup if still there. */
const started = new Map<string, Pinned>()
/** Cgroups (relative paths) of this run's containers: removed at cleanup when left behind. */
const cgroupPaths = new Set<string>()
let myCgroups = new Set<string>()
function track(pid: number | undefined, withCgroups = false): void {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1) return
  const pinned = pin(pid)
  if (!pinned) return
  started.set(`${pinned.pid}:${pinned.starttime}`, pinned)
  if (withCgroups) for (const path of ownCgroups(pid, myCgroups)) cgroupPaths.add(path)
}

function killStarted(): void {
  // Only the very process we saw (same start time), never a reused pid.
  const alive = (): Pinned[] => [...started.values()].filter((p) => pin(p.pid)?.starttime === p.starttime)
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (let waited = 0; waited < 5000 && alive().length > 0; waited += 50) Atomics.wait(pause, 0, 0, 50)
  for (const p of alive()) {
    try {
      process.kill(p.pid, 'SIGKILL')
      process.stderr.write(`bench/scale: cleanup: killed leftover pid ${p.pid}\n`)
    } catch {
      // gone meanwhile
    }
  }
}

function removeCgroups(): void {
  const pause = new Int32Array(new SharedArrayBuffer(4))
  // Deepest first; a cgroup whose last process was just killed empties a moment later.
  const paths = [...cgroupPaths].sort((a, b) => b.split('/').length - a.split('/').length)
  let left: string[] = []
  for (let attempt = 0; attempt < 20; attempt++) {
    left = []
    for (const mount of cgroupMounts()) {
      for (const path of paths) {
        const dir = join(mount, path)
        try {
          rmdirSync(dir)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') left.push(dir)
        }
      }
    }
    if (left.length === 0) return
    Atomics.wait(pause, 0, 0, 100)
  }
  process.stderr.write(`bench/scale: cleanup: could not remove ${left.length} cgroups, e.g. ${left[0]}\n`)
}

// ---------------------------------------------------------------- the two tools

interface Paths {
  tmp: string
  lxcpath: string
  ctrpath: string
  runtime: string
  lsPath: string
}

interface Tool {
  key: 'ctr' | 'lxc'
  label: string
  /** Container names of this tool, index i. */
  name(i: number): string
  /** The spare container started and stopped at each level. */
  probe: string
  /** Starts the named containers in one timed call (ctr) or under xargs -P (LXC); throws unless all started. ctr also gives each container's startupUs, in ms. */
  startMany(names: string[]): Promise<{ms: number; startupMs: number[]}>
  stopMany(names: string[]): Promise<{ms: number; startupMs: number[]}>
  start(name: string): Promise<number>
  stop(name: string): Promise<number>
  /** Monitor pids of the running containers (by name), and their inits, tracked for cleanup. */
  monitors(names: string[]): Map<string, number>
  /** How many of this tool's containers run (`ls --running`), for the checks. */
  running(): Promise<number>
  /** `ls -f` over this tool's lxcpath, timed; checks a row per defined container and the header. */
  lsFancy(): Promise<number>
}

/** Timeouts: a fleet call may take long on a loaded machine, but never forever. */
const MANY_TIMEOUT_MS = 900_000
/** How many of a level's probes also time `ls -f`. */
const LS_PROBES = 3
const ONE_TIMEOUT_MS = 60_000

function ctrTool(p: Paths, atOnce: number): Tool {
  const ctr = (...args: string[]): [string, string[]] => [NODE, [CTR_ENTRY, ...args]]
  const many = async (verb: string[], names: string[]): Promise<{ms: number; startupMs: number[]}> => {
    const [bin, args] = ctr(...verb, '-P', p.ctrpath, '--at-once', String(atOnce), '--json', '--many', ...names)
    const r = await run(bin, args, MANY_TIMEOUT_MS, [0, 1, 2])
    let body: {result?: {succeeded?: number; containers?: Array<{name: string; result: {startupUs?: number | null} | null; error: {message: string} | null}>}} = {}
    try {
      body = JSON.parse(r.stdout) as typeof body
    } catch {
      // checked below
    }
    const failures = (body.result?.containers ?? []).filter((c) => c.error !== null).map((c) => `${c.name}: ${c.error?.message ?? ''}`)
    if (r.code !== 0 || body.result?.succeeded !== names.length) {
      throw new Error(`ctr ${verb.join(' ')} --many (${names.length} containers): exit ${r.code}, ${body.result?.succeeded ?? '?'} succeeded\n${failures.slice(0, 10).join('\n')}\n${tail(r.stderr)}`)
    }
    const startupMs: number[] = []
    for (const c of body.result?.containers ?? []) if (typeof c.result?.startupUs === 'number') startupMs.push(c.result.startupUs / 1000)
    return {ms: r.ms, startupMs}
  }
  return {
    key: 'ctr',
    label: 'ctr',
    name: (i) => `${TAG}c${String(i).padStart(4, '0')}`,
    probe: `${TAG}cprobe`,
    startMany: (names) => many(['start'], names),
    stopMany: (names) => many(['stop', '-k'], names),
    start: async (name) => (await run(...ctr('start', '-n', name, '-P', p.ctrpath), ONE_TIMEOUT_MS)).ms,
    stop: async (name) => (await run(...ctr('stop', '-k', '-n', name, '-P', p.ctrpath), ONE_TIMEOUT_MS)).ms,
    monitors: (names) => {
      const found = new Map<string, number>()
      for (const name of names) {
        try {
          const state = JSON.parse(readFileSync(join(runtimeDir(p.runtime, p.ctrpath, name), 'state.json'), 'utf8')) as {monitorPid: number; initPid: number}
          track(state.monitorPid)
          track(state.initPid, true)
          found.set(name, state.monitorPid)
        } catch {
          // not running
        }
      }
      return found
    },
    running: async () => countLines((await run(...ctr('ls', '-P', p.ctrpath, '--running', '-1'))).stdout),
    lsFancy: async () => checkedLs('ctr ls -f', await run(...ctr('ls', '-f', '-P', p.ctrpath), MANY_TIMEOUT_MS), definedIn(p.ctrpath)),
  }
}

function lxcTool(p: Paths, atOnce: number): Tool {
  const xargs = async (tool: string, extra: string[], names: string[]): Promise<{ms: number; startupMs: number[]}> => {
    const list = join(p.tmp, `names-${namesSeq++}`)
    writeFileSync(list, `${names.join('\n')}\n`)
    // xargs exits 123 when any run failed: the fleet must all succeed.
    const r = await run(need('xargs'), ['-P', String(atOnce), '-n', '1', '-a', list, '--', need(tool), '-P', p.lxcpath, ...extra, '-n'], MANY_TIMEOUT_MS)
    unlinkSync(list)
    return {ms: r.ms, startupMs: []}
  }
  return {
    key: 'lxc',
    label: 'LXC',
    name: (i) => `${TAG}l${String(i).padStart(4, '0')}`,
    probe: `${TAG}lprobe`,
    startMany: (names) => xargs('lxc-start', ['-d'], names),
    stopMany: (names) => xargs('lxc-stop', ['-k'], names),
    start: async (name) => (await run(need('lxc-start'), ['-P', p.lxcpath, '-d', '-n', name], ONE_TIMEOUT_MS)).ms,
    stop: async (name) => (await run(need('lxc-stop'), ['-P', p.lxcpath, '-k', '-n', name], ONE_TIMEOUT_MS)).ms,
    monitors: (names) => {
      // "[lxc monitor] LXCPATH NAME" (one argv string); init is its child.
      const wanted = new Set(names)
      const found = new Map<string, number>()
      const prefix = `[lxc monitor] ${p.lxcpath} `
      for (const {pid, cmdline} of processList()) {
        if (!cmdline.startsWith(prefix)) continue
        const name = cmdline.slice(prefix.length)
        if (!wanted.has(name)) continue
        track(pid)
        for (const child of childrenOf(pid)) track(child, true)
        found.set(name, pid)
      }
      return found
    },
    running: async () => countLines((await run(need('lxc-ls'), ['-P', p.lxcpath, '--running', '-1'])).stdout),
    lsFancy: async () => checkedLs('lxc-ls -f', await run(need('lxc-ls'), ['-f', '-P', p.lxcpath], MANY_TIMEOUT_MS), definedIn(p.lxcpath)),
  }
}

function definedIn(lxcpath: string): number {
  return readdirSync(lxcpath).filter((name) => existsSync(join(lxcpath, name, 'config'))).length
}

function checkedLs(what: string, r: RunResult, defined: number): number {
  const n = countLines(r.stdout)
  if (n !== defined + 1) throw new Error(`${what} printed ${n} lines for ${defined} containers and a header`)
  return r.ms
}

function countLines(text: string): number {
  return text.split('\n').filter((l) => l.trim() !== '').length
}

// ---------------------------------------------------------------- setup

/** lxc-busybox's config, net empty (docs/lxc-contract.md §14), with the rootfs in `rootfs`. */
function busyboxFromLxc(p: Paths): {config: string; rootfs: string} {
  const tpl = `${TAG}tpl`
  const res = spawnSync(need('lxc-create'), ['-P', p.lxcpath, '-n', tpl, '-t', 'busybox'], {env: procs.env, encoding: 'utf8'})
  if (res.status !== 0) throw new Error(`lxc-create -t busybox failed (${res.status}):\n${res.stderr}${res.stdout}`)
  const dir = join(p.lxcpath, tpl)
  let config = readFileSync(join(dir, 'config'), 'utf8').split('\n').filter((line) => !/^\s*lxc\.net\.0\./.test(line)).join('\n')
  config = `${config.trimEnd()}\nlxc.net.0.type = empty\n`
  return {config, rootfs: join(dir, 'rootfs')}
}

/** Without LXC: ctr's own busybox template (ctr create -t busybox), net empty. */
async function busyboxFromCtr(p: Paths): Promise<{config: string; rootfs: string}> {
  const tpl = `${TAG}tpl`
  await run(NODE, [CTR_ENTRY, 'create', '-P', p.ctrpath, '-n', tpl, '-t', 'busybox'], 120_000)
  const dir = join(p.ctrpath, tpl)
  let config = readFileSync(join(dir, 'config'), 'utf8').split('\n').filter((line) => !/^\s*lxc\.net\./.test(line)).join('\n')
  config = `${config.trimEnd()}\nlxc.net.0.type = empty\n`
  return {config, rootfs: join(dir, 'rootfs')}
}

/** The config for container NAME: its own uts name, the shared rootfs. */
function configFor(base: string, rootfs: string, name: string): string {
  const lines = base.split('\n').filter((line) => !/^\s*lxc\.(rootfs\.path|uts\.name)\s*=/.test(line))
  return `lxc.rootfs.path = dir:${rootfs}\nlxc.uts.name = ${name}\n${lines.join('\n').trimEnd()}\n`
}

/**
 * ctr's config: LXC's, minus each key ctr refuses with "not supported yet"
 * (the same rule as bench/run.ts's `--config auto`: for lxc.mount.auto, only
 * the cgroup automounts), found by starting it once. Returns the config and
 * the lines removed.
 */
async function ctrConfig(p: Paths, lxcConfig: string, rootfs: string): Promise<{config: string; dropped: string[]}> {
  const name = `${TAG}try`
  const dir = join(p.ctrpath, name)
  mkdirSync(dir, {recursive: true})
  let config = lxcConfig
  const dropped: string[] = []
  for (let attempt = 0; ; attempt++) {
    writeFileSync(join(dir, 'config'), configFor(config, rootfs, name))
    const r = await procs.launch(NODE, [CTR_ENTRY, 'start', '-n', name, '-P', p.ctrpath, '--json'], ONE_TIMEOUT_MS).done
    if (r.code === 0) {
      await run(NODE, [CTR_ENTRY, 'stop', '-k', '-n', name, '-P', p.ctrpath])
      rmSync(dir, {recursive: true, force: true})
      return {config, dropped}
    }
    let refused: string[] = []
    try {
      const body = JSON.parse(r.stdout) as {error?: {code?: string; details?: {unsupported?: Array<{key: string}>}}}
      if (body.error?.code === 'CTR_NOT_SUPPORTED') refused = (body.error.details?.unsupported ?? []).map((u) => u.key)
    } catch {
      // not JSON
    }
    if (refused.length === 0 || attempt >= 5) throw new Error(`ctr start of the busybox config failed:\n${r.stdout}${r.stderr}`)
    const out: string[] = []
    for (const line of config.split('\n')) {
      const key = lineKey(line)
      const family = key === undefined ? undefined : refused.find((k) => key === k || key.startsWith(`${k}.`))
      if (key === undefined || family === undefined) {
        out.push(line)
        continue
      }
      if (key === 'lxc.mount.auto') {
        const kept = line.slice(line.indexOf('=') + 1).trim().split(/\s+/).filter((t) => t && !/^(cgroup|cgroup2|shmounts)(:|$)/.test(t))
        if (kept.length > 0) out.push(`lxc.mount.auto = ${kept.join(' ')}`)
      }
      dropped.push(line.trim())
    }
    config = out.join('\n')
  }
}

/** Defines containers 0..count-1 of a tool (config dirs; LXC's and ctr's layout alike: lxcpath/NAME/config). */
function defineRunning(lxcpath: string, tool: Tool, count: number, base: string, rootfs: string): void {
  for (const name of [...Array.from({length: count}, (_v, i) => tool.name(i)), tool.probe]) {
    const dir = join(lxcpath, name)
    mkdirSync(dir, {recursive: true, mode: 0o770})
    writeFileSync(join(dir, 'config'), configFor(base, rootfs, name), {mode: 0o640})
  }
}

// ---------------------------------------------------------------- part 1: fleets

interface FleetFigures {
  start: Map<string, number[]>
  stop: Map<string, number[]>
  /** ctr: every container's startupUs (ms) in the fleet starts: the monitor's side of each start. */
  startup: number[]
}

async function measureFleet(opts: Options, tools: Tool[]): Promise<FleetFigures> {
  const figures: FleetFigures = {start: new Map(), stop: new Map(), startup: []}
  for (let i = 0; i < opts.runs; i++) {
    // Alternate which tool goes first, so that drift in the load hits both alike.
    for (const tool of i % 2 ? [...tools].reverse() : tools) {
      const names = Array.from({length: opts.fleet}, (_v, k) => tool.name(k))
      progress(`fleet run ${i + 1}/${opts.runs}: ${tool.label} starts ${names.length}`)
      const {ms: startMs, startupMs} = await tool.startMany(names)
      figures.startup.push(...startupMs)
      const monitors = tool.monitors(names)
      const up = await tool.running()
      if (up !== names.length || monitors.size !== names.length) {
        throw new Error(`${tool.label}: after the fleet start, ${up} containers run and ${monitors.size} monitors were found, not ${names.length}`)
      }
      const {ms: stopMs} = await tool.stopMany(names)
      const down = await tool.running()
      if (down !== 0) throw new Error(`${tool.label}: after the fleet stop, ${down} containers still run`)
      push(figures.start, tool.key, startMs)
      push(figures.stop, tool.key, stopMs)
    }
  }
  return figures
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

// ---------------------------------------------------------------- part 2: curves

interface Level {
  running: number
  /** The step up to this level: how many were started, in how long. */
  rampCount: number
  rampMs: number
  monitors: number
  rssTotalKiB: number
  pssTotalKiB: number
  rss: Stats | undefined
  pss: Stats | undefined
  /** Monitors at 1 MiB RSS or more. */
  rssOver: number
  start: Stats | undefined
  stop: Stats | undefined
  /** `ls -f` over the tool's lxcpath: every container defined there, `running` of them running. */
  ls: Stats | undefined
  /** Paired: each probe's start minus the node -e 0 just before it. */
  startOverNode: Stats | undefined
  node: Stats | undefined
  load: number
}

async function measureCurve(opts: Options, tool: Tool, levels: number[]): Promise<Level[]> {
  const out: Level[] = []
  let up = 0
  for (const level of levels) {
    const names = Array.from({length: level - up}, (_v, k) => tool.name(up + k))
    progress(`curve: ${tool.label} starts ${names.length} more, to ${level} running`)
    const {ms: rampMs} = await tool.startMany(names)
    up = level
    const all = Array.from({length: level}, (_v, k) => tool.name(k))
    const monitors = tool.monitors(all)
    if (monitors.size !== level) throw new Error(`${tool.label}: ${monitors.size} monitors found for ${level} running containers`)
    const mems = [...monitors.values()].map(memoryOf)
    if (mems.some((m) => m === undefined)) throw new Error(`${tool.label}: a monitor's memory could not be read at ${level} running`)
    const rss = mems.map((m) => m?.rssKiB ?? 0)
    const pss = mems.map((m) => m?.pssKiB ?? 0)
    const starts: number[] = []
    const stops: number[] = []
    const nodes: number[] = []
    const overNode: number[] = []
    const lss: number[] = []
    for (let i = 0; i < opts.probes; i++) {
      // lxc-ls -f asks every running container (40 s at 500 on a busy 2-CPU machine): 3 samples are enough.
      if (i < LS_PROBES) lss.push(await tool.lsFancy())
      const node = (await run(NODE, ['-e', '0'])).ms
      const s = await tool.start(tool.probe)
      tool.monitors([tool.probe])
      const t = await tool.stop(tool.probe)
      nodes.push(node)
      starts.push(s)
      stops.push(t)
      overNode.push(s - node)
    }
    out.push({
      running: level,
      rampCount: names.length,
      rampMs,
      monitors: monitors.size,
      rssTotalKiB: rss.reduce((a, b) => a + b, 0),
      pssTotalKiB: pss.reduce((a, b) => a + b, 0),
      rss: stats(rss),
      pss: stats(pss),
      rssOver: rss.filter((k) => k >= 1024).length,
      start: stats(starts),
      stop: stats(stops),
      ls: stats(lss),
      startOverNode: tool.key === 'ctr' ? stats(overNode) : undefined,
      node: stats(nodes),
      load: loadavg()[0] ?? 0,
    })
  }
  progress(`curve: ${tool.label} stops all ${up}`)
  await tool.stopMany(Array.from({length: up}, (_v, k) => tool.name(k)))
  const left = await tool.running()
  if (left !== 0) throw new Error(`${tool.label}: ${left} containers still run after the curve's stop`)
  return out
}

// ---------------------------------------------------------------- part 3: ls -f

interface LsFigures {
  count: number
  ctr: Stats | undefined
  lxc: Stats | undefined
  node: Stats | undefined
  /** Paired: each `ctr ls -f` minus the node -e 0 just before it. */
  ctrOverNode: Stats | undefined
  lxcFailed?: string
}

/**
 * Defines containers the way `ctr create -t none -f SEED --dir SHARED` does:
 * two are made by ctr create, the rest are copies of the first's directory
 * (mode 0770, config 0640, the same text: the config names no container),
 * and the second is checked to be byte for byte what a copy would be.
 */
async function defineLs(lsPath: string, seed: string, shared: string, from: number, to: number): Promise<void> {
  const name = (i: number): string => `d${String(i).padStart(5, '0')}`
  let start = from
  if (from === 0) {
    for (const i of [0, 1]) {
      await run(NODE, [CTR_ENTRY, 'create', '-P', lsPath, '-n', name(i), '-t', 'none', '-f', seed, '--dir', shared], ONE_TIMEOUT_MS)
    }
    const a = describeDir(join(lsPath, name(0)))
    const b = describeDir(join(lsPath, name(1)))
    if (a !== b) throw new Error(`ctr create wrote two containers differently; copies would not be equivalent:\n${a}\n---\n${b}`)
    start = 2
  }
  const text = readFileSync(join(lsPath, name(0), 'config'))
  for (let i = start; i < to; i++) {
    const dir = join(lsPath, name(i))
    mkdirSync(dir, {mode: 0o770})
    chmodSync(dir, 0o770)
    writeFileSync(join(dir, 'config'), text, {mode: 0o640})
    chmodSync(join(dir, 'config'), 0o640)
  }
  if (from === 0) {
    const copy = describeDir(join(lsPath, name(2)))
    if (copy !== describeDir(join(lsPath, name(1)))) throw new Error(`a copied container differs from one ctr create made:\n${copy}`)
  }
}

/** A directory's entries with mode, owner and content, for comparing two containers. */
function describeDir(dir: string): string {
  const st = statSync(dir)
  const lines = [`. ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`]
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry)
    const s = statSync(path)
    lines.push(`${entry} ${(s.mode & 0o7777).toString(8)} ${s.uid}:${s.gid} ${s.isFile() ? readFileSync(path, 'utf8') : '(dir)'}`)
  }
  return lines.join('\n')
}

async function measureLs(opts: Options, p: Paths, lxc: boolean): Promise<LsFigures[]> {
  const out: LsFigures[] = []
  const seed = join(p.tmp, 'ls-seed.conf')
  const shared = join(p.tmp, 'ls-rootfs')
  mkdirSync(shared)
  // LXC-valid, small, the same for every container: no name in it (the uts name defaults to the container's).
  writeFileSync(seed, 'lxc.net.0.type = empty\nlxc.signal.halt = SIGUSR1\n')
  let defined = 0
  for (const count of opts.lsCounts) {
    progress(`ls -f: defining ${count - defined} more containers, to ${count}`)
    await defineLs(p.lsPath, seed, shared, defined, count)
    defined = count
    const ctr: number[] = []
    const lx: number[] = []
    const nodes: number[] = []
    const over: number[] = []
    let lxcFailed: string | undefined
    const timeout = Math.max(60_000, count * 100)
    const rows = (tool: string, outText: string): void => {
      const n = countLines(outText)
      if (n !== count + 1) throw new Error(`${tool} -f printed ${n} lines for ${count} containers and a header`)
    }
    for (let i = 0; i < opts.lsRuns; i++) {
      const node = (await run(NODE, ['-e', '0'])).ms
      const jobs: Array<() => Promise<void>> = [
        async () => {
          const r = await run(NODE, [CTR_ENTRY, 'ls', '-f', '-P', p.lsPath], timeout)
          rows('ctr ls', r.stdout)
          ctr.push(r.ms)
          over.push(r.ms - node)
        },
      ]
      if (lxc && lxcFailed === undefined) {
        jobs.push(async () => {
          const r = await procs.launch(need('lxc-ls'), ['-f', '-P', p.lsPath], timeout).done
          if (r.timedOut || r.code !== 0) {
            lxcFailed = r.timedOut ? `timed out after ${timeout / 1000} s` : `exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n')[0] ?? ''}`
            return
          }
          rows('lxc-ls', r.stdout)
          lx.push(r.ms)
        })
      }
      for (const job of i % 2 ? jobs.reverse() : jobs) await job()
      nodes.push(node)
    }
    out.push({count, ctr: stats(ctr), lxc: stats(lx), node: stats(nodes), ctrOverNode: stats(over), ...(lxcFailed ? {lxcFailed} : {})})
  }
  return out
}

// ---------------------------------------------------------------- report

const MiB = 1024

function reportFleet(opts: Options, f: FleetFigures, lxc: boolean): string {
  const out: string[] = [`Fleet: ${opts.fleet} busybox containers (${opts.guest === 'idle' ? 'idle guests: init is one sleep' : 'booting guests: the template\'s init'}), at most ${opts.atOnce} at a time, ${opts.runs} runs (ms, whole processes)`]
  const body: string[][] = []
  const row = (what: string, samples: number[] | undefined, vs: number[] | undefined): void => {
    const s = stats(samples ?? [])
    const l = stats(vs ?? [])
    body.push([what, fmt(s?.min), fmt(s?.median), fmt(s?.max), s ? fmt(s.median / opts.fleet, 2) : '—', lxc ? ratio(s?.median, l?.median) : ''])
  }
  row(`ctr start --many (${opts.fleet}) --at-once ${opts.atOnce}`, f.start.get('ctr'), f.start.get('lxc'))
  if (lxc) row(`xargs -P ${opts.atOnce} lxc-start -d (${opts.fleet})`, f.start.get('lxc'), f.start.get('lxc'))
  row(`ctr stop -k --many (${opts.fleet}) --at-once ${opts.atOnce}`, f.stop.get('ctr'), f.stop.get('lxc'))
  if (lxc) row(`xargs -P ${opts.atOnce} lxc-stop -k (${opts.fleet})`, f.stop.get('lxc'), f.stop.get('lxc'))
  out.push(table(['figure', 'min', 'median', 'max', 'per container', '÷ LXC'], body, new Set([1, 2, 3, 4, 5])))
  if (lxc) {
    const x = (stats(f.start.get('ctr') ?? [])?.median ?? NaN) / (stats(f.start.get('lxc') ?? [])?.median ?? NaN)
    const y = (stats(f.stop.get('ctr') ?? [])?.median ?? NaN) / (stats(f.stop.get('lxc') ?? [])?.median ?? NaN)
    out.push(`  ${x <= 0.5 ? 'met   ' : 'MISSED'} issue 13 item 3: fleet start ${x.toFixed(2)}× LXC's (target ≤ 0.5×); fleet stop ${y.toFixed(2)}× (no target)`)
  }
  const su = stats(f.startup)
  if (su) out.push(`  ctr's monitors, container side of each start (startupUs, ${su.n} starts): median ${fmt(su.median)} ms, max ${fmt(su.max)} ms, ${fmt(f.startup.reduce((a, b) => a + b, 0) / 1000 / opts.runs, 2)} s per fleet added up`)
  return out.join('\n')
}

function reportCurves(curves: Map<string, Level[]>, lxcMax: number): string {
  const out: string[] = [
    `Running containers: monitor memory (all running monitors); one more container started and stopped, and ls -f of the lxcpath (every container defined there, this many running) (ms; median of the probes, of the first ${LS_PROBES} for ls -f)`,
  ]
  const ctr = curves.get('ctr') ?? []
  const lxc = curves.get('lxc')
  const head = ['running', 'tool', 'RSS total MiB', 'PSS total MiB', 'RSS/monitor KiB med (max)', 'PSS/monitor KiB med', 'start', 'start − node -e 0', 'stop -k', 'start ÷ LXC', 'ls -f', 'ramp: started, s (ms each)', 'load']
  const body: string[][] = []
  for (const c of ctr) {
    const l = lxc?.find((x) => x.running === c.running)
    for (const [label, v] of [['ctr', c], ['LXC', l]] as const) {
      if (!v) continue
      body.push([
        label === 'ctr' ? String(v.running) : '',
        label === 'ctr' ? 'ctr' : 'LXC',
        fmt(v.rssTotalKiB / MiB, 1),
        fmt(v.pssTotalKiB / MiB, 1),
        `${fmt(v.rss?.median, 0)} (${fmt(v.rss?.max, 0)})`,
        fmt(v.pss?.median, 0),
        fmt(v.start?.median),
        v.startOverNode ? fmt(v.startOverNode.median) : '',
        fmt(v.stop?.median),
        label === 'ctr' && l ? ratio(v.start?.median, l.start?.median) : '',
        fmt(v.ls?.median),
        `${v.rampCount}, ${fmt(v.rampMs / 1000, 2)} (${fmt(v.rampMs / v.rampCount, 1)})`,
        fmt(v.load, 2),
      ])
    }
  }
  out.push(table(head, body, new Set([0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12])))
  if (lxc && lxcMax < (ctr[ctr.length - 1]?.running ?? 0)) out.push(`  LXC only up to ${lxcMax} running containers (--lxc-max).`)
  const top = ctr[ctr.length - 1]
  if (top) {
    const gb = (kib: number): string => `${((kib * 1024) / 1e9).toFixed(3)} GB`
    const perOk = (top.rss?.max ?? Infinity) < 1024
    const totalOk = top.rssTotalKiB * 1024 < 0.6e9
    out.push(`  ${perOk ? 'met   ' : 'MISSED'} issue 13 item 4: every monitor under 1 MiB RSS at ${top.running} running: largest ${fmt(top.rss?.max, 0)} KiB, median ${fmt(top.rss?.median, 0)} KiB, ${top.rssOver} of ${top.monitors} at 1024 KiB or more`)
    out.push('         (RSS counts the monitor binary\'s pages each monitor touched, shared by all of them; PSS shares them out)')
    out.push(`  ${totalOk ? 'met   ' : 'MISSED'} issue 13 item 4: ${top.running} monitors under 0.6 GB together: RSS ${gb(top.rssTotalKiB)}, PSS ${gb(top.pssTotalKiB)} (what they cost the host)`)
    const l = lxc?.find((x) => x.running === top.running) ?? lxc?.[lxc.length - 1]
    if (l) out.push(`         LXC's ${l.running} [lxc monitor]s: RSS ${gb(l.rssTotalKiB)}, PSS ${gb(l.pssTotalKiB)}; ctr ÷ LXC: RSS ${ratio(top.rssTotalKiB / top.running, l.rssTotalKiB / l.running)}, PSS ${ratio(top.pssTotalKiB / top.running, l.pssTotalKiB / l.running)} per monitor`)
    if (l) out.push(`  ls -f: ctr with ${top.running} running ${fmt(top.ls?.median)} ms, lxc-ls -f with ${l.running} running ${fmt(l.ls?.median)} ms: ${ratio(top.ls?.median, l.ls?.median)}`)
  }
  return out.join('\n')
}

function reportLs(ls: LsFigures[], lxc: boolean): string {
  const out: string[] = ['ls -f over defined (not running) containers (ms; median, min–max)']
  const body = ls.map((f) => [
    String(f.count),
    f.ctr ? `${fmt(f.ctr.median)} (${fmt(f.ctr.min)}–${fmt(f.ctr.max)})` : '—',
    fmt(f.ctrOverNode?.median),
    lxc ? (f.lxc ? `${fmt(f.lxc.median)} (${fmt(f.lxc.min)}–${fmt(f.lxc.max)})` : `failed: ${f.lxcFailed ?? '—'}`) : '',
    lxc ? ratio(f.ctr?.median, f.lxc?.median) : '',
    lxc ? ratio(f.ctrOverNode?.median, f.lxc?.median) : '',
    fmt(f.node?.median),
    f.ctr ? fmt((f.ctr.median / f.count) * 1000, 0) : '—',
  ])
  out.push(table(['defined', 'ctr ls -f', 'ctr − node -e 0', 'lxc-ls -f', 'ctr ÷ LXC', '(ctr − node) ÷ LXC', 'node -e 0', 'ctr µs/container'], body, new Set([0, 2, 4, 5, 6, 7])))
  return out.join('\n')
}

// ---------------------------------------------------------------- main

function lxcAvailable(): {ok: true; version: string} | {ok: false; why: string} {
  for (const tool of ['lxc-create', 'lxc-start', 'lxc-stop', 'lxc-ls', 'xargs']) if (!which(tool)) return {ok: false, why: `${tool} not found`}
  const templates = ['/usr/share/lxc/templates/lxc-busybox', '/usr/local/share/lxc/templates/lxc-busybox']
  if (!templates.some(existsSync)) return {ok: false, why: 'the lxc-busybox template is not installed'}
  const version = spawnSync(need('lxc-start'), ['--version'], {encoding: 'utf8'})
  if (version.status !== 0) return {ok: false, why: 'lxc-start --version failed'}
  return {ok: true, version: version.stdout.trim()}
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), process.env)
  if (process.geteuid?.() !== 0) fail('run as root (containers need it, for LXC and for ctr)')
  if (!existsSync(join(REPO, 'build/ctr-monitor')) || !existsSync(join(REPO, 'dist'))) fail('build first: make -s -C native && npm run build')
  const avail = opts.lxc ? lxcAvailable() : ({ok: false, why: 'disabled by --no-lxc / BENCH_NO_LXC'} as const)
  const lxc = avail.ok
  const began = process.hrtime.bigint()
  const loadBefore = loadavg()[0] ?? 0

  const tmp = mkdtempSync('/tmp/ctr-bench-scale-')
  const p: Paths = {tmp, lxcpath: join(tmp, 'lxc'), ctrpath: join(tmp, 'ctr'), runtime: join(tmp, 'run'), lsPath: join(tmp, 'ls')}
  for (const dir of [p.lxcpath, p.ctrpath, p.runtime, p.lsPath, join(tmp, 'log')]) mkdirSync(dir, {recursive: true, mode: 0o700})
  procs.logDir = join(tmp, 'log')
  writeFileSync(join(tmp, 'ctr.conf'), '')
  procs.env = {...process.env, CTR_RUNTIME_DIR: p.runtime, CTR_GLOBAL_CONFIG: join(tmp, 'ctr.conf')}
  for (const key of ['CTR_PATH', 'CTR_NAME', 'NODE_OPTIONS']) delete procs.env[key]
  myCgroups = new Set(ownCgroups(process.pid, new Set()))

  const ctrT = ctrTool(p, opts.atOnce)
  const lxcT = lxcTool(p, opts.atOnce)
  const tools = lxc ? [lxcT, ctrT] : [ctrT]
  // Cleanup, in this order: stop what runs (one call per tool), kill what is
  // left by pid, remove the cgroups left, remove the temp dir.
  procs.atCleanup(() => {
    spawnSync(NODE, [CTR_ENTRY, 'stop', '-k', '-P', p.ctrpath, '--all-matching', '.*', '--at-once', '16'], {stdio: 'ignore', env: procs.env, timeout: 300_000})
  })
  if (lxc) {
    procs.atCleanup(() => {
      const running = spawnSync(need('lxc-ls'), ['-P', p.lxcpath, '--running', '-1'], {encoding: 'utf8', env: procs.env, timeout: 60_000}).stdout ?? ''
      const names = running.split('\n').filter(Boolean)
      if (names.length === 0) return
      spawnSync(need('xargs'), ['-P', '16', '-n', '1', '--', need('lxc-stop'), '-P', p.lxcpath, '-k', '-n'], {input: `${names.join('\n')}\n`, stdio: ['pipe', 'ignore', 'ignore'], env: procs.env, timeout: 300_000})
    })
  }
  procs.atCleanup(killStarted)
  procs.atCleanup(removeCgroups)
  procs.atCleanup(() => rmSync(tmp, {recursive: true, force: true}))

  progress(`setting up in ${tmp}`)
  let fleet: FleetFigures | undefined
  const curves = new Map<string, Level[]>()
  let ls: LsFigures[] | undefined
  let dropped: string[] = []
  if (opts.parts.has('fleet') || opts.parts.has('curves')) {
    const bb = lxc ? busyboxFromLxc(p) : await busyboxFromCtr(p)
    if (opts.guest === 'idle') bb.config = `${bb.config.trimEnd()}\n${IDLE_INIT}\n`
    const ctrRootfs = join(tmp, 'rootfs-ctr')
    cpSync(bb.rootfs, ctrRootfs, {recursive: true, verbatimSymlinks: true})
    const ctrCfg = await ctrConfig(p, bb.config, ctrRootfs)
    dropped = ctrCfg.dropped
    const count = Math.max(opts.parts.has('fleet') ? opts.fleet : 0, opts.parts.has('curves') ? Math.max(...opts.levels) : 0)
    defineRunning(p.ctrpath, ctrT, count, ctrCfg.config, ctrRootfs)
    if (lxc) defineRunning(p.lxcpath, lxcT, Math.min(count, Math.max(opts.parts.has('fleet') ? opts.fleet : 0, opts.lxcMax)), bb.config, bb.rootfs)
  }
  if (opts.parts.has('fleet')) fleet = await measureFleet(opts, tools)
  if (opts.parts.has('curves')) {
    curves.set('ctr', await measureCurve(opts, ctrT, opts.levels))
    const lxcLevels = opts.levels.filter((l) => l <= opts.lxcMax)
    if (lxc && lxcLevels.length > 0) curves.set('lxc', await measureCurve(opts, lxcT, lxcLevels))
  }
  if (opts.parts.has('ls')) ls = await measureLs(opts, p, lxc)

  const loadAfter = loadavg()[0] ?? 0
  const wall = Number(process.hrtime.bigint() - began) / 1e9
  const out: string[] = [
    `Scale (issue 13 items 3–5): ctr ${gitDescribe()} vs ${lxc ? `LXC ${avail.version}` : 'nothing'}; ${cpus().length} CPUs, Linux ${release()}, Node ${process.version}`,
    `load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)}; this part took ${wall.toFixed(0)} s; private lxcpaths and CTR_RUNTIME_DIR under ${tmp}`,
    `Containers: lxc-busybox's config with lxc.net.0.type = empty for both tools, each tool's on one shared copy of the rootfs${dropped.length ? `; ctr without: ${dropped.join(', ')}` : '; ctr runs it unchanged'}.`,
  ]
  // Only the load before says whether other work was running: the fleets
  // and curves start hundreds of guests, which raise the load after on
  // their own.
  if (loadBefore > cpus().length / 2) out.push('Note: the machine was busy with other work; absolute times are inflated, compare the ratios.')
  if (!lxc) out.push(`LXC: not compared (${avail.ok ? '' : avail.why}).`)
  if (fleet) out.push('', reportFleet(opts, fleet, lxc))
  if (curves.size > 0) out.push('', reportCurves(curves, opts.lxcMax))
  if (ls) out.push('', reportLs(ls, lxc))
  process.stdout.write(`${out.join('\n')}\n`)
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    process.stderr.write(`bench/scale: ${signal}, cleaning up\n`)
    procs.cleanup()
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1))
  })
}
process.on('exit', () => procs.cleanup())

try {
  await main()
} catch (error) {
  process.stderr.write(`bench/scale: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
} finally {
  progress('cleaning up')
  procs.cleanup()
}
