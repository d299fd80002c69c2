// `npm run stress`: the repeatable proof of issue 11 (robustness). Three
// parts, each on real containers in a sandbox of its own (the integration
// suite's, test/integration/helpers.ts), each ending with a leak check:
//
//   soak    start/stop cycles on parallel names mixing a clean stop, stop -k
//           and freeze/thaw, while long-lived containers are asked the same
//           questions; zero leaked processes, zombies, mounts, cgroups, run
//           dirs or interfaces; a constant fd count in the long-lived
//           monitors; p50/p99 per cycle.
//   faults  the monitor killed at each step of start, syscall faults
//           injected with strace(1), the client killed at each step of start
//           and stop, and a SIGSTOPped monitor: every command returns within
//           its bound with a clear message, the state reported is the
//           truth, and the next start works.
//   fuzz    random configs and argv: every input gives exit 0, or 1/2 with a
//           message (file:line, the flag, or a named problem), within a
//           bounded time and memory; never a stack trace, a hang or a
//           leftover.
//
// Usage: npm run stress [-- --short] [-- soak|faults|fuzz ...]
// --short is CI's form (a few minutes); without it: 1000 soak cycles on 20
// names and a longer fuzz. Exit 0 only when every part held. Timing figures
// are printed, never asserted (docs/architecture.md: tests assert no clocks).

import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg} from 'node:os'
import {join} from 'node:path'

import {MONITOR_BIN, RUN_JS, Sandbox, cgroupsNamed, listPids, mountsUnder, readProcStat, type CtrResult} from '../test/integration/helpers.js'

const args = process.argv.slice(2)
const SHORT = args.includes('--short')
const PARTS = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--seed')
const want = (part: string): boolean => PARTS.length === 0 || PARTS.includes(part)

/** A hang: no ctr command may take longer than this. */
const HANG_MS = 45_000
/** A fuzz input may use at most this much memory (max RSS, KiB). */
const MAX_RSS_KIB = 512 * 1024

let failures = 0
/** The closing summary: what was tried, for the report. */
const figures = {cycles: 0, faults: 0, fuzzInputs: 0}
function fail(what: string): void {
  failures++
  console.log(`  FAIL ${what}`)
}
function note(what: string): void {
  console.log(`  ${what}`)
}

// ---------------------------------------------------------------------------
// Running ctr

interface Run extends CtrResult {
  hung: boolean
  maxRssKiB: number
}

/** Runs `ctr ARGS` (optionally under a wrapper argv, e.g. strace), measuring max RSS with GNU time when present. */
function ctr(sb: Sandbox, argv: string[], opts: {env?: Record<string, string>; wrap?: string[]; timeoutMs?: number; cwd?: string} = {}): Promise<Run> {
  const rssFile = join(sb.root, `rss-${process.hrtime.bigint()}`)
  const timed = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M', '-o', rssFile] : []
  const cmd = [...(opts.wrap ?? []), ...timed, process.execPath, RUN_JS, ...argv]
  const started = performance.now()
  return new Promise((resolve) => {
    // Its own process group: a hang is ended whole (time, strace, node).
    const child = spawn(cmd[0] as string, cmd.slice(1), {cwd: opts.cwd ?? sb.root, env: sb.env(opts.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'], detached: true})
    let stdout = ''
    let stderr = ''
    let hung = false
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => {
      hung = true
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }, opts.timeoutMs ?? HANG_MS)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({code: null, signal: null, stdout, stderr: `${stderr}spawn failed: ${error.message}\n`, ms: 0, args: argv, hung: false, maxRssKiB: 0})
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      let maxRssKiB = 0
      try {
        maxRssKiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop())
        rmSync(rssFile)
      } catch {
        // no GNU time, or killed
      }
      // GNU time passes the status on, and reports a signal as 128+N.
      const status = code !== null && code > 128 && timed.length ? null : code
      resolve({code: status, signal, stdout, stderr, ms: Math.round(performance.now() - started), args: argv, hung, maxRssKiB})
    })
  })
}

const STACK = /\n\s+at [^\n]*[(:]\d+|node:internal|Unhandled|^\s*(Type|Reference|Range|Syntax)Error\b|^Error: /m

/** A clear message: `ctr CMD: ...` (or LXC's bare forms), no stack trace. */
function isClear(r: Run): boolean {
  if (STACK.test(r.stderr)) return false
  // --json: the error is one object on stdout.
  try {
    const body = JSON.parse(r.stdout) as {error?: {code?: string; message?: string}}
    if (typeof body.error?.code === 'string' && typeof body.error.message === 'string' && body.error.message !== '' && !STACK.test(body.error.message)) return true
  } catch {
    // not JSON
  }
  // -q (LXC's --quiet) asks for no message at all: an error then says nothing, as in LXC.
  if (r.stderr === '' && r.stdout === '' && r.args.some((a) => a === '-q' || a === '--quiet')) return true
  const first = r.stderr.split('\n').find((l) => l !== '') ?? ''
  // LXC prints a repeated -P bare, without the program name, and so does ctr (src/core/cli/parse.ts).
  if (/^This command only accepts 1 -P,--lxcpath arguments$/.test(first)) return true
  return /^ctr( [a-z-]+)?: \S/.test(first) || /doesn't exist$/.test(first) || /^Usage: /.test(first) || /invalid option|unrecognized option|requires an argument|is not a valid/.test(first)
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

// ---------------------------------------------------------------------------
// Leaks

interface Snapshot {
  zombies: number
  links: number
}

function hostSnapshot(): Snapshot {
  let zombies = 0
  for (const pid of listPids()) if (readProcStat(pid)?.state === 'Z') zombies++
  const links = readdirSync('/sys/class/net').length
  return {zombies, links}
}

/** Everything the sandbox may have left: processes, mounts, cgroups, run dirs; interfaces and zombies against `before`. */
async function leaks(sb: Sandbox, before: Snapshot): Promise<string[]> {
  const found: string[] = []
  for (const p of sb.leftoverProcesses()) found.push(`process ${p.pid}: ${p.cmdline}`)
  for (const m of mountsUnder(sb.root)) found.push(`mount ${m}`)
  for (const c of cgroupsNamed(sb.tag)) found.push(`cgroup ${c}`)
  for (const e of readdirSync(sb.runtimeDir)) found.push(`run dir ${join(sb.runtimeDir, e)}`)
  const after = hostSnapshot()
  // Other engineers' processes come and go: only an increase we can pin on
  // our own monitors counts (their zombies would be children of ctr-monitor).
  for (const pid of listPids()) {
    const st = readProcStat(pid)
    if (st?.state !== 'Z') continue
    let parent = ''
    try {
      parent = readFileSync(`/proc/${st.ppid}/cmdline`, 'utf8')
    } catch {
      continue
    }
    if (parent.includes(sb.root)) found.push(`zombie ${pid} of ${st.ppid}`)
  }
  if (after.links > before.links) found.push(`interfaces: ${before.links} before, ${after.links} after`)
  return found
}

function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length
  } catch {
    return -1
  }
}

// ---------------------------------------------------------------------------
// Soak

async function soak(sb: Sandbox): Promise<void> {
  const cycles = SHORT ? 60 : 1000
  const parallel = SHORT ? 4 : 20
  console.log(`soak: ${cycles} start/stop cycles on ${parallel} names (clean stop, stop -k, freeze/thaw), 2 long-lived containers`)
  const before = hostSnapshot()
  // Long-lived monitors: asked the same questions all along; their fd count must not grow.
  const long: Array<{name: string; monitorPid: number; fds: number}> = []
  for (let i = 0; i < 2; i++) {
    const name = `${sb.tag}-long${i}`
    sb.defineRootfs(name, {init: '/sbin/test-init pause --exit-on SIGPWR:0'})
    const r = await ctr(sb, ['start', '-n', name, '--json'])
    if (r.code !== 0) {
      fail(`long-lived ${name} did not start: ${r.stderr}`)
      continue
    }
    const monitorPid = (JSON.parse(r.stdout) as {result: {monitorPid: number}}).result.monitorPid
    await ctr(sb, ['wait', '-n', name, '-s', 'RUNNING', '-t', '30'])
    long.push({name, monitorPid, fds: fdCount(monitorPid)})
  }
  const times: number[] = []
  let next = 0
  let errors = 0
  const worker = async (w: number): Promise<void> => {
    const name = `${sb.tag}-soak${w}`
    sb.defineRootfs(name, {init: '/sbin/test-init pause --exit-on SIGPWR:0'})
    for (;;) {
      const cycle = next++
      if (cycle >= cycles) return
      const t0 = performance.now()
      const steps: Array<[string[], number[]]> = [[['start', '-n', name], [0]], [['wait', '-n', name, '-s', 'RUNNING', '-t', '30'], [0]]]
      const kind = cycle % 3
      if (kind === 0) steps.push([['stop', '-n', name, '-t', '20'], [0]])
      if (kind === 1) steps.push([['stop', '-n', name, '-k'], [0]])
      if (kind === 2) steps.push([['freeze', '-n', name], [0]], [['unfreeze', '-n', name], [0]], [['stop', '-n', name, '-k'], [0]])
      // The long-lived ones get the questions scripts ask.
      const other = long[cycle % Math.max(1, long.length)]
      if (other) steps.push([['info', '-n', other.name, '-s'], [0]], [['wait', '-n', other.name, '-s', 'RUNNING', '-t', '5'], [0]])
      for (const [argv, ok] of steps) {
        const r = await ctr(sb, argv)
        if (r.hung || r.code === null || !ok.includes(r.code)) {
          errors++
          fail(`cycle ${cycle}: ctr ${argv.join(' ')} -> ${r.hung ? 'hung' : r.code ?? r.signal}: ${r.stderr.trim().split('\n')[0] ?? ''}`)
          await ctr(sb, ['stop', '-n', name, '-k'])
          break
        }
      }
      times.push(performance.now() - t0)
      if (cycle % 100 === 99) note(`${cycle + 1} cycles`)
    }
  }
  await Promise.all(Array.from({length: parallel}, (_, w) => worker(w)))
  for (const l of long) {
    const now = fdCount(l.monitorPid)
    note(`long-lived ${l.name}: monitor ${l.monitorPid} fds ${l.fds} before, ${now} after`)
    if (now !== l.fds) fail(`monitor ${l.monitorPid} fd count changed: ${l.fds} -> ${now}`)
    await ctr(sb, ['stop', '-n', l.name, '-k'])
  }
  const sorted = [...times].sort((a, b) => a - b)
  figures.cycles = times.length
  note(`cycles: ${times.length}, failed: ${errors}, per cycle p50 ${Math.round(percentile(sorted, 50))} ms, p99 ${Math.round(percentile(sorted, 99))} ms`)
  const left = await leaks(sb, before)
  note(`leaks: ${left.length === 0 ? 'none' : left.join('; ')}`)
  if (left.length > 0) fail(`soak left ${left.length} things behind`)
}

// ---------------------------------------------------------------------------
// Faults

function straceUsable(): boolean {
  return spawnSync('strace', ['-qq', '-o', '/dev/null', '-e', 'trace=getpid', 'true']).status === 0
}

/** After a fault: the state ctr reports is the truth, cleanup leaves nothing, and a clean start works. */
async function recovers(sb: Sandbox, name: string, label: string): Promise<void> {
  const info = await ctr(sb, ['info', '-n', name, '-sH'])
  const state = info.stdout.trim()
  const live = sb.leftoverProcesses().filter((p) => p.cmdline.includes(`--name ${name} `) || p.cmdline.includes(`--name ${name}`))
  if (info.hung || info.code !== 0) fail(`${label}: info -> ${info.hung ? 'hung' : info.code}: ${info.stderr.trim()}`)
  else if (state === 'STOPPED' && live.length > 0) fail(`${label}: info says STOPPED but monitor ${live.map((p) => p.pid).join(',')} lives`)
  const stop = await ctr(sb, ['stop', '-n', name, '-k'])
  if (stop.hung || (stop.code !== 0 && stop.code !== 2) || !isClear({...stop, stderr: stop.stderr || 'ctr stop: ok'})) fail(`${label}: stop -k -> ${stop.hung ? 'hung' : stop.code}: ${stop.stderr.trim()}`)
  const start = await ctr(sb, ['start', '-n', name])
  if (start.code !== 0) fail(`${label}: the next start failed: ${start.stderr.trim()}`)
  const again = await ctr(sb, ['stop', '-n', name, '-k'])
  if (again.code !== 0) fail(`${label}: the stop after the next start: ${again.code} ${again.stderr.trim()}`)
}

async function faults(sb: Sandbox): Promise<void> {
  console.log('faults: monitor killed at each step of start, injected syscall errors, client killed, a SIGSTOPped monitor')
  const before = hostSnapshot()
  const hasStrace = straceUsable()
  if (!hasStrace) fail('strace is not usable (apt-get install strace): the syscall faults are not run')
  const name = `${sb.tag}-fault`
  sb.defineRootfs(name, {init: '/sbin/test-init pause --exit-on SIGPWR:0'})
  let tried = 0

  if (hasStrace) {
    // Only the monitor (and what it forks) runs under strace: $CTR_MONITOR
    // names a wrapper, so node itself is never the one faulted. The wrapper
    // lets go of ctr's stderr, so a daemonized monitor never holds it.
    const underStrace = (label: string, straceArgs: string[]): Record<string, string> => {
      const wrapper = join(sb.root, `monitor-${label.replace(/[^a-z0-9]/gi, '_')}.sh`)
      writeFileSync(wrapper, `#!/bin/sh\nexec 2>/dev/null\nexec strace -f -qq -o /dev/null ${straceArgs.join(' ')} ${MONITOR_BIN} "$@"\n`, {mode: 0o755})
      return {CTR_MONITOR: wrapper}
    }
    // The monitor (and init before its exec) killed at its first call of each of these.
    const steps = ['flock', 'epoll_create1', 'signalfd4', 'socket', 'bind', 'listen', 'rename', 'clone3', 'pidfd_open', 'mount', 'pivot_root', 'sethostname', 'execve', 'unlink', 'rmdir']
    for (const sc of steps) {
      tried++
      // execve: the wrapper's exec of the monitor is the first; the sealed re-exec and init's come later.
      const when = sc === 'execve' ? '3' : '1'
      const r = await ctr(sb, ['start', '-n', name], {env: underStrace(`kill-${sc}`, ['-e', `trace=${sc}`, '-e', `inject=${sc}:signal=SIGKILL:when=${when}`])})
      if (r.hung) fail(`kill at ${sc}: ctr start hung`)
      else if (r.code !== 0 && !isClear(r)) fail(`kill at ${sc}: no clear message (exit ${r.code ?? r.signal}): ${r.stderr.trim().slice(0, 300)}`)
      else note(`monitor killed at ${sc}: exit ${r.code}${r.code ? `: ${r.stderr.trim().split('\n')[0]}` : ''}`)
      await recovers(sb, name, `kill at ${sc}`)
    }
    // Syscall errors the monitor must report, not die of.
    const errors: Array<[string, string]> = [
      ['flock', 'ENOLCK'], ['openat', 'EMFILE'], ['mkdir', 'EACCES'], ['epoll_create1', 'EMFILE'], ['signalfd4', 'ENOMEM'],
      ['socket', 'EMFILE'], ['bind', 'EADDRINUSE'], ['listen', 'ENOBUFS'], ['rename', 'ENOSPC'], ['clone3', 'ENOMEM'],
      ['mount', 'EPERM'], ['pivot_root', 'EINVAL'], ['sethostname', 'EPERM'], ['write', 'ENOSPC'],
      ['pidfd_open', 'EMFILE'], ['setns', 'EINVAL'], ['unshare', 'ENOMEM'], ['prctl', 'EINVAL'], ['fork', 'EAGAIN'],
    ]
    for (const [sc, err] of errors) {
      tried++
      const r = await ctr(sb, ['start', '-n', name], {env: underStrace(`${sc}-${err}`, ['-e', `trace=${sc}`, '-e', `inject=${sc}:error=${err}:when=1+`])})
      if (r.hung) fail(`${sc}=${err}: ctr start hung`)
      else if (r.code !== 0 && !isClear(r)) fail(`${sc}=${err}: no clear message (exit ${r.code ?? r.signal}): ${r.stderr.trim().slice(0, 300)}`)
      else note(`${sc}=${err}: exit ${r.code}${r.code ? `: ${r.stderr.trim().split('\n')[0]}` : ''}`)
      await recovers(sb, name, `${sc}=${err}`)
    }
  }
  if (hasStrace) {
    // The client (node) killed at each of its steps of start and stop.
    for (const [cmd, calls] of [['start', ['clone', 'clone3', 'vfork', 'sendmsg', 'write', 'read', 'connect']], ['stop', ['connect', 'write', 'read', 'epoll_wait']]] as const) {
      for (const sc of calls) {
        tried++
        if (cmd === 'stop') await ctr(sb, ['start', '-n', name])
        const argv = cmd === 'start' ? ['start', '-n', name] : ['stop', '-n', name, '-t', '10']
        // Kill only the ctr client: strace without -f traces node alone.
        const r = await ctr(sb, argv, {wrap: ['strace', '-qq', '-o', '/dev/null', '-e', `trace=${sc}`, '-e', `inject=${sc}:signal=SIGKILL:when=1`]})
        if (r.hung) fail(`client killed at ${cmd}/${sc}: hung`)
        await recovers(sb, name, `client killed at ${cmd}/${sc}`)
      }
    }
  }

  // A SIGSTOPped monitor: every command returns within its bound, with a message.
  const start = await ctr(sb, ['start', '-n', name, '--json'])
  if (start.code !== 0) fail(`SIGSTOP: start failed: ${start.stderr}`)
  else {
    const monitorPid = (JSON.parse(start.stdout) as {result: {monitorPid: number}}).result.monitorPid
    process.kill(monitorPid, 'SIGSTOP')
    try {
      const checks: Array<[string[], number[], number]> = [
        [['info', '-n', name, '-sH'], [0], 10_000],
        [['wait', '-n', name, '-s', 'STOPPED', '-t', '2'], [1], 12_000],
        [['wait', '-n', name, '-s', 'RUNNING', '-t', '0'], [0], 10_000],
        [['stop', '-n', name, '-t', '2'], [1], 12_000],
        [['stop', '-n', name, '-k'], [1], 20_000],
        [['freeze', '-n', name], [1], 20_000],
        [['unfreeze', '-n', name], [1], 20_000],
        [['start', '-n', name], [0], 20_000],
        [['ls', '--fancy'], [0], 20_000],
      ]
      for (const [argv, codes, bound] of checks) {
        tried++
        const r = await ctr(sb, argv, {timeoutMs: bound})
        const within = !r.hung
        const ok = within && r.code !== null && codes.includes(r.code) && (r.code === 0 || isClear(r))
        note(`SIGSTOP ${argv.join(' ')}: exit ${r.hung ? 'hung' : r.code} in ${r.ms} ms (bound ${bound} ms)${r.code ? `: ${r.stderr.trim().split('\n')[0]}` : ''}`)
        if (!ok) fail(`SIGSTOPped monitor: ctr ${argv.join(' ')}`)
      }
    } finally {
      process.kill(monitorPid, 'SIGCONT')
    }
    // The truth afterwards: did a request the client gave up on run later?
    const state = (await ctr(sb, ['wait', '-n', name, '-s', 'RUNNING|STOPPED', '-t', '10'])).code === 0 ? (await ctr(sb, ['info', '-n', name, '-sH'])).stdout.trim() : '?'
    note(`after SIGCONT the container is ${state} (stop -k had reported failure: a STOPPED here means the queued kill ran after all)`)
    // The monitor drops the unread commands of a client that hung up
    // (native/cmdsock.c): a stop that said it failed must not stop it.
    if (state !== 'RUNNING') fail('a stop -k that reported failure was carried out after SIGCONT')
    await recovers(sb, name, 'SIGSTOPped monitor')
  }
  figures.faults = tried
  note(`faults tried: ${tried}`)
  const left = await leaks(sb, before)
  note(`leaks: ${left.length === 0 ? 'none' : left.join('; ')}`)
  if (left.length > 0) fail(`faults left ${left.length} things behind`)
}

// ---------------------------------------------------------------------------
// Fuzz

/** A small deterministic PRNG (xorshift32), so a failing input can be replayed with --seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

const KEYS = [
  'lxc.uts.name', 'lxc.rootfs.path', 'lxc.init.cmd', 'lxc.init.uid', 'lxc.init.cwd', 'lxc.mount.entry', 'lxc.mount.auto', 'lxc.mount.fstab',
  'lxc.environment', 'lxc.cap.drop', 'lxc.cap.keep', 'lxc.idmap', 'lxc.net.0.type', 'lxc.net.0.ipv4.address', 'lxc.net.1.link', 'lxc.prlimit.nofile',
  'lxc.prlimit.bogus', 'lxc.sysctl.net.ipv4.ip_forward', 'lxc.cgroup2.memory.max', 'lxc.cgroup.dir', 'lxc.signal.halt', 'lxc.signal.stop',
  'lxc.include', 'lxc.seccomp.profile', 'lxc.apparmor.profile', 'lxc.arch', 'lxc.log.level',
  'lxc.tty.max', 'lxc.pty.max', 'lxc.autodev', 'lxc.start.auto', 'lxc.group', 'lxc.keyring.session',
  'lxc.time.offset.boot', 'lxc.monitor.signal.pdeath', 'lxc.proc.oom_score_adj', 'lxc.rootfs.options', 'lxc.net', 'lxc.hook', 'lxc.bogus.key',
]

function fuzzValue(r: () => number, sb: Sandbox): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T
  const special = [
    '', '0', '-1', '4294967296', '99999999999999999999', 'none', 'SIGKILL', 'SIGRTMIN+99', 'u 0 100000 65536', 'proc proc proc defaults 0 0',
    'proc', '/dev/zero', '/dev/urandom', sb.root, `${sb.root}/nonexistent`, 'dir:/nonexistent', 'overlay:/a:/b',
    'x'.repeat(5000), '\u00e9\u4e2d\u{1F600}', 'a\tb c', '"quoted"', "'single'", '#comment', '=', '==', 'lxc.include = /dev/zero',
  ]
  const k = r()
  if (k < 0.6) return pick(special)
  if (k < 0.8) return String(Math.floor(r() * 2 ** 32) - 2 ** 31)
  const len = Math.floor(r() * 64)
  let s = ''
  for (let i = 0; i < len; i++) s += String.fromCharCode(32 + Math.floor(r() * 95))
  return s
}

// Safety first: whatever the fuzzed lines say, the last lines (last one
// wins) keep the container on the sandbox rootfs, running test-init, with
// no network: never the host's root and its /sbin/init (a host systemd
// booted in a container would clean the host's /tmp).
function safeLines(sb: Sandbox): string[] {
  return [`lxc.rootfs.path = dir:${sb.rootfs}`, 'lxc.net.0.type = empty', 'lxc.init.cmd = /sbin/test-init sleep 0']
}

function fuzzConfig(r: () => number, sb: Sandbox): string {
  const lines: string[] = []
  const n = 1 + Math.floor(r() * 6)
  for (let i = 0; i < n; i++) {
    const k = r()
    if (k < 0.75) lines.push(`${KEYS[Math.floor(r() * KEYS.length)] as string} = ${fuzzValue(r, sb)}`)
    else if (k < 0.85) lines.push(fuzzValue(r, sb))
    else if (k < 0.9) lines.push(`lxc.${fuzzValue(r, sb)}`)
    else lines.push(`${KEYS[Math.floor(r() * KEYS.length)] as string}=${'y'.repeat(Math.floor(r() * 200_000))}`)
  }
  lines.push(...safeLines(sb))
  return `${lines.join(r() < 0.1 ? '\r\n' : '\n')}\n`
}

const COMMANDS: Record<string, string[]> = {
  start: ['-n', '-F', '-d', '-f', '-s', '-p', '-o', '-l', '-P', '--share-net', '--share-ipc', '--console', '--console-log', '-q', '--json', '--rcfile', '--', '-C'],
  stop: ['-n', '-k', '-r', '-W', '-t', '--nokill', '--nolock', '-P', '--json', '-q'],
  wait: ['-n', '-s', '-t', '-P', '--json'],
  info: ['-n', '-s', '-p', '-i', '-S', '-H', '-c', '-P', '--json'],
  ls: ['-1', '-f', '--fancy', '-F', '--active', '--running', '--stopped', '--frozen', '-g', '--nesting', '-P', '--json', '--filter'],
  freeze: ['-n', '-P', '--json'],
  unfreeze: ['-n', '-P', '--json'],
  create: ['-n', '-t', '-f', '-B', '--dir', '-P', '--json'],
  destroy: ['-n', '-f', '-s', '-P', '--json'],
  monitor: ['-n', '-Q', '-P', '--json'],
}

const PATH_FLAGS = new Set(['-o', '-p', '--console', '--console-log', '-f', '--rcfile', '--dir', '-P'])

function fuzzArgv(r: () => number, sb: Sandbox, name: string): string[] {
  const cmds = Object.keys(COMMANDS)
  const cmd = cmds[Math.floor(r() * cmds.length)] as string
  const flags = COMMANDS[cmd] as string[]
  const argv = [cmd]
  const n = Math.floor(r() * 5)
  let named = false
  for (let i = 0; i < n; i++) {
    const k = r()
    const flag = flags[Math.floor(r() * flags.length)] as string
    if (flag === '-n') named = true
    // Flags that name files ctr writes or reads stay inside the sandbox.
    if (PATH_FLAGS.has(flag)) argv.push(flag, join(sb.root, 'fz', fuzzValue(r, sb).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 60) || 'x'))
    else if (k < 0.6) argv.push(flag, fuzzValue(r, sb).slice(0, 300))
    else if (k < 0.8) argv.push(flag)
    else argv.push(`--${fuzzValue(r, sb).slice(0, 20)}`)
  }
  // Commands that would act on a real container act on the fuzz container only.
  if (!named || r() < 0.5) argv.push('-n', name)
  // monitor streams until a signal: give it -Q so it returns.
  if (cmd === 'monitor') argv.push('-Q')
  // start: defines apply last, so the container stays on the sandbox rootfs
  // running test-init (see safeLines); and never a command after --.
  if (cmd === 'start') {
    const dashdash = argv.indexOf('--')
    if (dashdash >= 0) argv.length = dashdash
    argv.push(...safeLines(sb).flatMap((line) => ['-s', line.replace(' = ', '=')]))
  }
  return argv
}

async function fuzz(sb: Sandbox, seed: number): Promise<void> {
  const inputs = SHORT ? 150 : 1500
  console.log(`fuzz: ${inputs} configs and argv (seed ${seed}; replay with --seed ${seed})`)
  const before = hostSnapshot()
  const r = rng(seed)
  const name = `${sb.tag}-fuzz`
  let tried = 0
  let clear = 0
  let ok = 0
  let crashes = 0
  let hangs = 0
  let heavy = 0
  for (let i = 0; i < inputs; i++) {
    let argv: string[]
    if (r() < 0.5) {
      sb.writeConfig(name, fuzzConfig(r, sb))
      argv = r() < 0.7 ? ['info', '-n', name, '-c', 'lxc.uts.name'] : ['start', '-n', name, '-F']
    } else {
      sb.writeConfig(name, `${safeLines(sb).join('\n')}\n`)
      argv = fuzzArgv(r, sb, name)
    }
    tried++
    const res = await ctr(sb, argv, {timeoutMs: 20_000, cwd: sb.root})
    if (res.hung) {
      hangs++
      fail(`hang: ctr ${JSON.stringify(argv).slice(0, 300)}`)
    } else if (res.code === null || ![0, 1, 2].includes(res.code) || STACK.test(res.stderr)) {
      crashes++
      fail(`crash (${res.code ?? res.signal}): ctr ${JSON.stringify(argv).slice(0, 300)}\n${res.stderr.slice(0, 600)}`)
    } else if (res.code === 0) ok++
    else if (isClear(res)) clear++
    else {
      crashes++
      fail(`unclear (${res.code}): ctr ${JSON.stringify(argv).slice(0, 200)}: ${res.stderr.slice(0, 300)}`)
    }
    if (res.maxRssKiB > MAX_RSS_KIB) {
      heavy++
      fail(`memory: ${res.maxRssKiB} KiB for ctr ${JSON.stringify(argv).slice(0, 200)}`)
    }
    // Whatever ran, nothing may stay: stop what a valid input started.
    const stop = await ctr(sb, ['stop', '-n', name, '-k'])
    if (stop.code !== 0 && stop.code !== 2) {
      rmSync(join(sb.lxcpath, name, 'config'), {force: true})
      await ctr(sb, ['stop', '-n', name, '-k'])
    }
  }
  rmSync(join(sb.lxcpath, name), {recursive: true, force: true})
  figures.fuzzInputs = tried
  note(`inputs tried ${tried} / clear errors ${clear} / accepted ${ok} / crashes ${crashes} / hangs ${hangs} / over ${MAX_RSS_KIB / 1024} MiB ${heavy}`)
  const left = await leaks(sb, before)
  note(`leaks: ${left.length === 0 ? 'none' : left.join('; ')}`)
  if (left.length > 0) fail(`fuzz left ${left.length} things behind`)
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.geteuid?.() !== 0) {
    console.log('stress needs root (real namespaces): 0 passed, 1 failed')
    process.exit(1)
  }
  if (!existsSync(MONITOR_BIN)) throw new Error(`Missing ${MONITOR_BIN}: run npm run pretest first`)
  const seedArg = args.indexOf('--seed')
  const seed = seedArg >= 0 ? Number(args[seedArg + 1]) : Math.floor(Math.random() * 2 ** 31)
  const sb = Sandbox.create('stress')
  const started = performance.now()
  const load0 = loadavg().map((l) => l.toFixed(2)).join(' ')
  let parts = 0
  let held = 0
  try {
    for (const [part, fn] of [['soak', soak], ['faults', faults], ['fuzz', (s: Sandbox) => fuzz(s, seed)]] as const) {
      if (!want(part)) continue
      parts++
      const f0 = failures
      await fn(sb)
      if (failures === f0) held++
      console.log(`${part}: ${failures === f0 ? 'held' : `${failures - f0} failures`}`)
    }
  } finally {
    await sb.destroy().catch((error: Error) => {
      failures++
      console.log(`sandbox: ${error.message}`)
    })
  }
  const load = loadavg().map((l) => l.toFixed(2)).join(' ')
  console.log(`stress done in ${Math.round((performance.now() - started) / 1000)} s (${SHORT ? 'short' : 'full'} form, load average at start ${load0}, at end ${load})`)
  console.log(`figures: cycles ${figures.cycles}, faults injected ${figures.faults}, fuzz inputs ${figures.fuzzInputs}, failures ${failures}`)
  // The plain closing line CI reads: parts that held, and parts that did not
  // (a sandbox that could not be cleaned up, or no part run, is one more).
  if (parts === 0) failures++
  const failedParts = parts - held + (failures > 0 && held === parts ? 1 : 0)
  console.log(`${held} passed, ${failedParts} failed`)
  process.exit(failures ? 1 : 0)
}

void main().catch((error: Error) => {
  console.log(`stress: ${error.stack ?? error.message}`)
  console.log('0 passed, 1 failed')
  process.exit(1)
})
