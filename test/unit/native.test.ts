// The monitor's C unit tests (native/test/: the spec reader, the command
// socket's line framing, the path and number helpers). `npm run pretest`
// builds them with ASan and UBSan (`make -C native asan`); this file runs the
// binary once and reports each of its cases as a test here, so npm test's
// counts include them and a C failure, crash or sanitizer report fails
// npm test. Also: what the monitor reads from ctr, and the build's flags.

import {spawn, spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import type {Socket} from 'node:net'
import {dirname, join, resolve} from 'node:path'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import assert from 'node:assert/strict'

import {encodeMonitorSpec, type MonitorSpec} from '../../src/core/monitor-spec.js'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'build/asan/native-tests')

interface Case {
  name: string
  ok: boolean
  details: string[]
}

interface Run {
  cases: Case[]
  planned: number | undefined
  status: number | null
  signal: NodeJS.Signals | null
  stderr: string
  error?: Error
}

function runBinary(): Run {
  if (!existsSync(BIN)) return {cases: [], planned: undefined, status: null, signal: null, stderr: '', error: new Error(`${BIN} is missing: run npm run pretest (make -C native asan)`)}
  const out = spawnSync(BIN, [], {
    encoding: 'utf8',
    timeout: 120_000,
    // Reports on stderr, fatal: a leak or undefined behaviour fails its case.
    env: {...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1'},
  })
  const cases: Case[] = []
  let planned: number | undefined
  let pending: string[] = []
  for (const line of out.stdout.split('\n')) {
    const result = /^(not )?ok \d+ - (.+)$/.exec(line)
    if (result) {
      cases.push({name: result[2] as string, ok: result[1] === undefined, details: pending})
      pending = []
    } else if (line.startsWith('#')) {
      pending.push(line.slice(1).trim())
    } else if (/^1\.\.\d+$/.test(line)) {
      planned = Number(line.slice(3))
    }
  }
  return {cases, planned, status: out.status, signal: out.signal, stderr: out.stderr, ...(out.error ? {error: out.error} : {})}
}

// Each case's stderr starts with a `### name` line (native/test/harness.c).
function stderrOf(run: Run, name: string): string {
  const start = run.stderr.indexOf(`### ${name}\n`)
  if (start < 0) return ''
  const body = run.stderr.slice(start + name.length + 5)
  const next = body.indexOf('\n### ')
  return (next < 0 ? body : body.slice(0, next)).trim().slice(0, 8000)
}

const run = runBinary()

describe('native (C unit tests under ASan/UBSan)', () => {
  it('the test binary runs to completion', () => {
    if (run.error) throw run.error
    assert.equal(run.signal, null, `killed by ${run.signal}: ${run.stderr.slice(-4000)}`)
    assert.ok(run.planned !== undefined, `no 1..N plan line: ${run.stderr.slice(-4000)}`)
    assert.equal(run.cases.length, run.planned)
    assert.ok(run.cases.length > 0, 'no C test cases ran')
    assert.equal(run.status, run.cases.every((c) => c.ok) ? 0 : 1)
  })

  for (const c of run.cases) {
    it(c.name, () => {
      assert.ok(c.ok, [...c.details, stderrOf(run, c.name)].filter(Boolean).join('\n') || 'failed')
    })
  }
})

// What src/core/monitor-spec.ts writes, the real monitor reads
// (docs/monitor-protocol.md §2). A foreground monitor whose run dir cannot
// be created fails at the `lock` step, right after the spec was accepted,
// without forking or touching the system: so `error lock` proves the spec
// parsed, and `error spec` carries the reason.
const MONITOR = process.env.CTR_MONITOR || join(REPO, 'build/ctr-monitor')

// `end`: also close our side (a truncated spec must see EOF, not wait for the rest).
function monitorReport(spec: Buffer, end = false): Promise<{line: string; status: number | null}> {
  return new Promise((resolveReport, reject) => {
    const child = spawn(MONITOR, ['start', '--name', 'spec-test', '--lxcpath', '/nonexistent'], {stdio: ['ignore', 'ignore', 'pipe', 'pipe']})
    const sync = child.stdio[3] as Socket
    let out = ''
    sync.setEncoding('utf8')
    sync.on('data', (chunk: string) => {
      out += chunk
    })
    sync.on('error', () => undefined)
    child.on('error', reject)
    child.on('close', (status) => resolveReport({line: out.split('\n').find((l) => l.startsWith('error ')) ?? out, status}))
    if (end) sync.end(spec)
    else sync.write(spec)
  })
}

const fullSpec: MonitorSpec = {
  name: 'spec-test', lxcpath: '/var/lib/ctr', rundir: '/proc/nonexistent/ctr-spec-test', exitfile: '/var/lib/ctr/spec-test/last-exit.json',
  pidfile: '/run/spec-test.pid', loglevel: 3, configPath: '/var/lib/ctr/spec-test/config', foreground: true, stdioInherit: true,
  argv: ['/sbin/init', '--a b', ''], env: ['container=lxc', 'A=ü'], pathSearch: '/bin:/sbin', hostname: 'h', newKeyring: true,
  cloneFlags: 0x7c020000, shares: [{ns: 'net', path: '/proc/1/ns/net', pid: 1, starttime: 5}, {ns: 'ipc', path: '/run/netns/x', pid: 0, starttime: 0}],
  rootfs: '/r', rootfsReadonly: true, rootfsMount: {fstype: 'overlay', source: 'overlay', data: 'lowerdir=/a,upperdir=/b,workdir=/c', flags: 6},
  fsops: [
    {kind: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: 14, data: '', opts: 64},
    {kind: 'mknod', path: '/dev/null', mode: 0o20666, dev: 259, opts: 0},
    {kind: 'symlink', target: '/proc/self/fd', path: '/dev/fd', opts: 32},
    {kind: 'mkdir', path: '/dev/pts', mode: 0o755, opts: 1},
    {kind: 'umount', path: '/old', opts: 32},
  ],
  cwd: '/home', uid: 1000, gid: 4294967294, groups: [5, 6], haltSignal: 0, rebootSignal: 2, stopSignal: 9, pdeathSignal: 0,
  capKeep: 0x1ffffffffffn, noNewPrivs: true, rlimits: [{resource: 7, soft: 1024n, hard: 18446744073709551615n}],
  sysctls: [['net.ipv4.ip_forward', '1']], procs: [['oom_score_adj', '-500']], uidMap: '0 100000 65536\n', gidMap: '0 100000 65536\n',
  seccompFilter: Buffer.alloc(16, 1), personality: 8,
  cgroup: {
    limit: 'lxc.payload.spec-test', inner: 'init', monitor: 'lxc.monitor.spec-test', monitorPivot: 'lxc.pivot',
    hierarchies: [{version: 2, id: '', baseDir: '/sys/fs/cgroup', basePath: '/', selfDir: '', enable: ['memory', 'pids']},
      {version: 1, id: 'cpu,cpuacct', baseDir: '/sys/fs/cgroup/cpu,cpuacct', basePath: '/', selfDir: '/sys/fs/cgroup/cpu,cpuacct/user', enable: []}],
    settings: [{hierarchy: 0, file: 'memory.max', value: '1G'}, {hierarchy: 1, file: 'cpu.shares', value: '512'}],
  },
}

describe('ctr-monitor reads what ctr writes', () => {
  it('accepts a spec using every record (and fails later, at the lock)', async () => {
    const {line, status} = await monitorReport(encodeMonitorSpec(fullSpec))
    assert.match(line, /^error lock \d+ \/proc\/nonexistent\/ctr-spec-test$/)
    assert.equal(status, 1)
  })

  it('refuses an out-of-range value and names the record', async () => {
    const {line, status} = await monitorReport(encodeMonitorSpec({...fullSpec, uid: 2 ** 32}))
    assert.equal(line, 'error spec 22 record "uid" field 1 ("4294967296"): out of range')
    assert.equal(status, 1)
  })

  it('reports a log it cannot open as error log, before the lock', async () => {
    const {line, status} = await monitorReport(encodeMonitorSpec({...fullSpec, logfile: '/proc/nonexistent/monitor.log'}))
    assert.equal(line, 'error log 2 /proc/nonexistent/monitor.log')
    assert.equal(status, 1)
  })

  it('refuses a truncated spec', async () => {
    const spec = encodeMonitorSpec(fullSpec)
    const {line, status} = await monitorReport(spec.subarray(0, spec.length - 10), true)
    assert.match(line, /^error spec 32 body truncated: \d+ of \d+ bytes$/)
    assert.equal(status, 1)
  })
})

// The build (issue 11, defect 13): -Werror only where we choose the
// compiler (npm test, CI), never at a user's npm install; hardening flags
// on the monitor's objects either way. `make -n -B` prints the commands
// without running them.
describe('the monitor build', () => {
  const commands = (...args: string[]): string[] => {
    const r = spawnSync('make', ['-n', '-B', '-C', join(REPO, 'native'), ...args, 'monitor'], {encoding: 'utf8', timeout: 60_000})
    assert.equal(r.status, 0, r.stderr)
    return r.stdout.split('\n').filter((l) => /\bmonitor\.c$/.test(l.trim()))
  }

  it('warnings are errors in npm test\'s build only, not in the install build', () => {
    const [install] = commands()
    const [strict] = commands('WERROR=1')
    assert.ok(install && strict, 'make -n printed the compile of monitor.c')
    assert.doesNotMatch(install, /-Werror\b/, install)
    assert.match(strict, /-Werror\b/, strict)
  })

  it('compiles the monitor with _FORTIFY_SOURCE and a stack protector', () => {
    const [install] = commands()
    assert.match(install ?? '', /-D_FORTIFY_SOURCE=2\b/)
    if (spawnSync('sh', ['-c', 'printf "int main(void){return 0;}" | ${CC:-cc} -fstack-protector-strong -x c -o /dev/null -'], {stdio: 'ignore'}).status === 0) {
      assert.match(install ?? '', /-fstack-protector-strong\b/)
    }
  })
})
