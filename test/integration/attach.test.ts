// `ctr attach` (lxc-attach) against real containers: pipes and a real pty
// (made by test/integration/pty-drive.py), exit statuses and signals passed
// through, the environment, ids, namespaces, cgroups and confinement of the
// attached process read from /proc on the host, and the attacks of
// docs/architecture.md §13 (CVE-2019-5736 and CVE-2024-21626 classes,
// ptrace of the attacher) performed from inside the container.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {closeSync, constants, openSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {
  RUN_JS,
  describeResult,
  json,
  nsInode,
  procStatusField,
  rootOnly,
  until,
  useSandbox,
  waitForFile,
  waitForPidGone,
  type Namespace,
  type Sandbox,
} from './helpers.js'

const T = {timeout: 90_000}
const ALL_NS: Namespace[] = ['mnt', 'pid', 'uts', 'ipc', 'net', 'cgroup']
const DRIVER = join(import.meta.dirname, 'pty-drive.py')

function noPython(): string | false {
  const root = rootOnly()
  if (root) return root
  return spawnSync('python3', ['-c', 'import pty'], {stdio: 'ignore'}).status === 0 ? false : 'needs python3 (its pty module makes the test terminal)'
}

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** `ctr ARGS` with pipes on 0-2 (stdin fed `input`, then EOF); `onStdout` sees the output as it comes. */
function ctrPiped(sb: Sandbox, args: string[], opts: {input?: string; env?: Record<string, string>; cwd?: string} = {}): Promise<Run> & {pid: number; child: ChildProcess} {
  const child = spawn(process.execPath, [RUN_JS, ...args], {cwd: opts.cwd ?? sb.root, env: sb.env(opts.env), stdio: ['pipe', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
  if (opts.input !== undefined) child.stdin.end(opts.input)
  const done = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`ctr ${args.join(' ')} did not finish\n${stdout}\n${stderr}`))
    }, 60_000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    })
  })
  return Object.assign(done, {pid: child.pid ?? -1, child})
}

/** Starts a busybox-rootfs container running `test-init pause`; returns init's host pid and the monitor's. */
async function startPause(sb: Sandbox, name: string, extra: string[] = []): Promise<{init: number; monitor: number}> {
  const ready = sb.ready(name)
  sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`, extra})
  const r = await sb.ctr(['start', '-n', name])
  assert.equal(r.code, 0, describeResult(r))
  await waitForFile(ready.host)
  const info = json<{result: {pid: number; monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json']))
  return {init: info.result.pid, monitor: info.result.monitorPid}
}

/** The monitor's children other than init: the attached processes. */
function attachedPids(monitor: number, init: number): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === init) continue
    if (procStatusField(Number(entry), 'PPid') === String(monitor)) pids.push(Number(entry))
  }
  return pids
}

/** Runs ctr attach ... -- sh -c 'echo ready; exec sleep 600' and returns the attached process's host pid. */
async function attachSleeper(sb: Sandbox, name: string, pids: {init: number; monitor: number}, flags: string[] = []): Promise<{run: ReturnType<typeof ctrPiped>; pid: number}> {
  let ready = false
  const run = ctrPiped(sb, ['attach', '-n', name, ...flags, '--', '/bin/sh', '-c', 'echo ready; exec sleep 600'], {input: ''})
  run.child.stdout?.on('data', (c: Buffer) => (ready ||= c.toString().includes('ready')))
  await until(() => ready, 20_000, 'the attached shell')
  let pid = 0
  await until(() => (pid = attachedPids(pids.monitor, pids.init).find((p) => readFileSync(`/proc/${p}/comm`, 'utf8') === 'sleep\n') ?? 0) > 0, 10_000, 'the attached process')
  return {run, pid}
}

/** A seccomp policy file that denies keyctl (the sandbox removes it). */
function policy(sb: Sandbox, name: string): string {
  const path = join(sb.root, `${name}.seccomp`)
  writeFileSync(path, '2\ndenylist\nkeyctl\n')
  return path
}

function capMask(pid: number, field: string): bigint {
  return BigInt(`0x${procStatusField(pid, field) ?? '0'}`)
}

describe('ctr attach', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('attach')

  it('passes stdin, stdout, stderr and the exit status through pipes', T, async () => {
    const sb = sandbox()
    const name = sb.name('pipes')
    await startPause(sb, name)
    const r = await ctrPiped(sb, ['attach', '-n', name, '--', '/bin/sh', '-c', 'cat; echo err >&2; exit 7'], {input: 'line one\nline two\n'})
    assert.equal(r.code, 7, r.stderr)
    assert.equal(r.stdout, 'line one\nline two\n')
    assert.equal(r.stderr, 'err\n')
    const killed = await ctrPiped(sb, ['attach', '-n', name, '--', '/bin/sh', '-c', 'kill -KILL $$'], {input: ''})
    assert.equal(killed.code, 128 + 9, 'killed by SIGKILL: 137, as lxc-attach')
    const missing = await ctrPiped(sb, ['attach', '-n', name, '--', 'no-such-command'], {input: ''})
    assert.equal(missing.code, 127)
    assert.match(missing.stderr, /Failed to exec "no-such-command": ENOENT/)
    const j = await ctrPiped(sb, ['attach', '-n', name, '--json', '--', '/bin/sh', '-c', 'exit 3'], {input: ''})
    assert.equal(j.code, 3)
    const body = JSON.parse(j.stdout) as {status: number; result: {name: string; pid: number; exitStatus: number; signal: null}}
    assert.equal(body.status, 3)
    assert.equal(body.result.exitStatus, 3)
    assert.equal(body.result.name, name)
    assert.ok(body.result.pid > 0)
  })

  it('refuses a container that is not running, exit 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('stopped')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const r = await ctrPiped(sb, ['attach', '-n', name, '--', 'true'], {input: ''})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /is not running/)
  })

  it('keeps the environment, adds container=lxc and lxc.environment; --clear-env, --keep-var and -v', T, async () => {
    const sb = sandbox()
    const name = sb.name('env')
    await startPause(sb, name, ['lxc.environment = FROM_CONFIG=yes'])
    const env = {CALLER_VAR: 'kept', OTHER_VAR: 'other'}
    const kept = await ctrPiped(sb, ['attach', '-n', name, '-v', 'EXTRA=1', '--', '/bin/env'], {input: '', env})
    assert.equal(kept.code, 0, kept.stderr)
    const vars = kept.stdout.split('\n')
    for (const v of ['CALLER_VAR=kept', 'OTHER_VAR=other', 'container=lxc', 'FROM_CONFIG=yes', 'EXTRA=1', 'PATH=/bin:/sbin']) assert.ok(vars.includes(v), `${v} in\n${kept.stdout}`)
    const cleared = await ctrPiped(sb, ['attach', '-n', name, '--clear-env', '--keep-var', 'CALLER_VAR', '-v', 'EXTRA=2', '--', '/bin/env'], {input: '', env})
    assert.equal(cleared.code, 0, cleared.stderr)
    const got = cleared.stdout.split('\n').filter(Boolean).filter((l) => !l.startsWith('PWD=') && !l.startsWith('SHLVL=')).sort()
    // PATH is lxc.environment's here (it replaces --clear-env's default).
    assert.deepEqual(got, ['CALLER_VAR=kept', 'EXTRA=2', 'FROM_CONFIG=yes', 'PATH=/bin:/sbin', 'container=lxc'])
  })

  it("starts in the caller's directory when the container has it, else in /", T, async () => {
    const sb = sandbox()
    const name = sb.name('cwd')
    await startPause(sb, name)
    // The sandbox's directory exists on the host only: never a host directory inside (CVE-2024-21626 class).
    const outside = await ctrPiped(sb, ['attach', '-n', name, '--', '/bin/sh', '-c', 'pwd; ls /proc/self/cwd/ | head -3; cd ..; pwd'], {input: ''})
    assert.equal(outside.code, 0, outside.stderr)
    assert.equal(outside.stdout.split('\n')[0], '/')
    assert.ok(!outside.stdout.includes('lxc\n'), `the host's sandbox directory is not what / shows:\n${outside.stdout}`)
    const inside = await ctrPiped(sb, ['attach', '-n', name, '--', '/bin/pwd'], {input: '', cwd: '/tmp'})
    assert.equal(inside.stdout, '/tmp\n')
  })

  it('joins every namespace and the cgroup of init, confined like init (read from /proc on the host)', T, async () => {
    const sb = sandbox()
    const name = sb.name('confine')
    const pids = await startPause(sb, name, ['lxc.cap.drop = sys_module sys_time', `lxc.seccomp.profile = ${policy(sb, name)}`])
    const {run, pid} = await attachSleeper(sb, name, pids)
    try {
      for (const ns of ALL_NS) assert.equal(nsInode(pid, ns), nsInode(pids.init, ns), `${ns} namespace is init's`)
      assert.equal(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), readFileSync(`/proc/${pids.init}/cgroup`, 'utf8'), 'the cgroups are init\'s')
      assert.equal(capMask(pid, 'CapBnd'), capMask(pids.init, 'CapBnd'), 'the bounding set is init\'s')
      assert.equal(capMask(pid, 'CapBnd') & (1n << 16n), 0n, 'CAP_SYS_MODULE dropped')
      assert.equal(procStatusField(pid, 'NoNewPrivs'), procStatusField(pids.init, 'NoNewPrivs'))
      assert.equal(procStatusField(pid, 'Seccomp'), '2', 'the seccomp filter is loaded')
      assert.equal(procStatusField(pid, 'Uid')?.split(/\s+/)[0], '0')
      // Its parent is outside the container: nothing there to trace (0 inside).
      assert.equal(procStatusField(pid, 'NSpid')?.split(/\s+/).length, 2)
    } finally {
      process.kill(run.pid, 'SIGTERM')
    }
    const r = await run
    assert.equal(r.code, 128 + 15, 'SIGTERM forwarded to the attached process; 128 + 15')
    await waitForPidGone(pid)
  })

  it('-e keeps the capabilities and skips seccomp; -e=CGROUP stays in the caller\'s cgroup', T, async () => {
    const sb = sandbox()
    const name = sb.name('elevate')
    const pids = await startPause(sb, name, ['lxc.cap.drop = sys_module', `lxc.seccomp.profile = ${policy(sb, name)}`])
    const {run, pid} = await attachSleeper(sb, name, pids, ['-e=CAP|LSM'])
    try {
      assert.notEqual(capMask(pid, 'CapBnd') & (1n << 16n), 0n, 'CAP_SYS_MODULE kept')
      assert.equal(procStatusField(pid, 'Seccomp'), '0')
      assert.equal(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), readFileSync(`/proc/${pids.init}/cgroup`, 'utf8'))
    } finally {
      process.kill(run.pid, 'SIGINT')
    }
    assert.equal((await run).code, 128 + 2, 'SIGINT forwarded')
    const own = readFileSync(`/proc/${pids.monitor}/cgroup`, 'utf8')
    const second = await attachSleeper(sb, name, pids, ['-e=CGROUP'])
    try {
      assert.equal(readFileSync(`/proc/${second.pid}/cgroup`, 'utf8'), own, "the monitor's cgroups, not init's")
    } finally {
      process.kill(second.run.pid, 'SIGHUP')
    }
    assert.equal((await second.run).code, 128 + 1, 'SIGHUP forwarded')
  })

  it('-s joins only the namespaces named; -R mounts a /proc of the pid namespace joined', T, async () => {
    const sb = sandbox()
    const name = sb.name('subset')
    const pids = await startPause(sb, name)
    const {run, pid} = await attachSleeper(sb, name, pids, ['-s', 'NETWORK|UTSNAME'])
    try {
      assert.equal(nsInode(pid, 'net'), nsInode(pids.init, 'net'))
      assert.equal(nsInode(pid, 'uts'), nsInode(pids.init, 'uts'))
      for (const ns of ['mnt', 'pid', 'ipc'] as const) assert.equal(nsInode(pid, ns), nsInode('self', ns), `${ns} stays the host's`)
      // -s does not imply -e here (unlike lxc-attach): still confined.
      assert.equal(capMask(pid, 'CapBnd'), capMask(pids.init, 'CapBnd'))
    } finally {
      process.kill(run.pid, 'SIGTERM')
    }
    assert.equal((await run).code, 143)
    // On the host's root with the container's pid namespace: -R gives a /proc that shows it.
    const r = await ctrPiped(sb, ['attach', '-n', name, '-s', 'PID|NETWORK', '-R', '--', '/bin/sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo; hostname'], {input: ''})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout.split('\n')[0] ?? '', /^\/sbin\/test-init pause/)
  })

  it('-u and -g run the command as those ids of the container', T, async () => {
    const sb = sandbox()
    const name = sb.name('ids')
    await startPause(sb, name)
    const r = await ctrPiped(sb, ['attach', '-n', name, '-u', '1000', '-g', '1001', '--', '/bin/sh', '-c', 'id -u; id -g; id -G'], {input: ''})
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.stdout.split('\n'), ['1000', '1001', '1001', ''])
  })

  it('passes no fd but its stdio to the attached process, from the monitor or from ctr', T, async () => {
    const sb = sandbox()
    const name = sb.name('fds')
    await startPause(sb, name)
    const r = await ctrPiped(sb, ['attach', '-n', name, '--', '/sbin/test-init', 'print', 'fds'], {input: ''})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'fd 0\nfd 1\nfd 2\n')
  })

  it('cannot be rewritten from inside the container before its exec (CVE-2019-5736 class)', T, async () => {
    const sb = sandbox()
    const name = sb.name('exe')
    const pids = await startPause(sb, name)
    const rundir = sb.rundirOf(name)
    const paused = ctrPiped(sb, ['attach', '-n', name, '--', '/bin/true'], {input: '', env: {CTR_TEST_FAILPOINT: 'attach-exec'}})
    const line = await waitForFile(join(rundir, 'failpoint'))
    const pid = Number(/^attach-exec (\d+)$/m.exec(line)?.[1])
    assert.ok(pid > 0, line)
    const nspid = procStatusField(pid, 'NSpid')?.split(/\s+/)[1]
    assert.ok(nspid, 'the paused process is in the container\'s pid namespace')
    const binary = readFileSync(join(import.meta.dirname, '../../build/ctr-monitor'))
    // From inside (root of the container, which may trace it as lxc-attach's
    // may be: it holds nothing the command will not have): open its exe for writing.
    const attack = await ctrPiped(sb, ['attach', '-n', name, '--', '/sbin/test-init', 'syscall', 'open-write', `/proc/${nspid}/exe`], {input: ''})
    assert.equal(attack.code, 0, attack.stderr)
    assert.match(attack.stdout, /^open-write errno (30|1)$/m, `the exe cannot be opened for writing (EROFS, EPERM):\n${attack.stdout}`)
    // From the host, CVE-2019-5736's way: keep an fd, let it go, reopen it for writing.
    const fd = openSync(`/proc/${pid}/exe`, constants.O_RDONLY)
    try {
      process.kill(pid, 'SIGKILL')
      await waitForPidGone(pid)
      assert.throws(() => openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY), (e: NodeJS.ErrnoException) => e.code === 'EROFS' || e.code === 'EPERM')
      assert.equal(statSync(`/proc/self/fd/${fd}`).size, binary.length)
    } finally {
      closeSync(fd)
    }
    assert.equal((await paused).code, 137)
    assert.ok(readFileSync(join(import.meta.dirname, '../../build/ctr-monitor')).equals(binary), 'the host binary is unchanged')
  })

  it('sees only its own pid namespace: the monitor, the helper and ctr are not there to open or trace', T, async () => {
    const sb = sandbox()
    const name = sb.name('ptrace')
    const pids = await startPause(sb, name)
    const {run, pid} = await attachSleeper(sb, name, pids)
    try {
      const r = await ctrPiped(sb, ['attach', '-n', name, '--', '/bin/sh', '-c', 'for p in /proc/[0-9]*; do basename $p; done; grep PPid /proc/self/status'], {input: ''})
      assert.equal(r.code, 0, r.stderr)
      const inside = r.stdout.split('\n').filter((l) => /^[0-9]+$/.test(l)).map(Number)
      const nspid = Number(procStatusField(pid, 'NSpid')?.split(/\s+/)[1])
      assert.ok(inside.includes(1) && inside.includes(nspid), `init and the first attached process: ${inside.join(' ')}`)
      assert.ok(inside.length <= 4, `only the container's processes: ${inside.join(' ')}`)
      assert.match(r.stdout, /^PPid:\s+0$/m, 'its parent is outside the container')
      const traced = await ctrPiped(sb, ['attach', '-n', name, '--', '/sbin/test-init', 'syscall', 'ptrace', String(pids.monitor), 'ptrace', String(run.pid)], {input: ''})
      assert.match(traced.stdout, /^ptrace errno 3$/m, 'the host pids of the monitor and ctr do not exist inside')
      assert.doesNotMatch(traced.stdout, /ptrace ok/)
    } finally {
      process.kill(run.pid, 'SIGTERM')
    }
    await run
  })

  it('gives a terminal a pty: an interactive shell, window sizes, exit status, the terminal restored', {...T, skip: noPython()}, async () => {
    const sb = sandbox()
    const name = sb.name('pty')
    await startPause(sb, name, ['lxc.pty.max = 4'])
    const log = join(sb.root, `${name}.pty.log`)
    const script = `stty -g; ${JSON.stringify(process.execPath)} ${JSON.stringify(RUN_JS)} attach -n ${name} -L ${log}; echo "status=$?"; stty -g`
    const steps = [
      ['expect', '# '],
      ['send', 'stty size; tty; echo "in=$container"\r'],
      ['expect', 'in=lxc'],
      ['winsize', 50, 132],
      ['send', 'stty size\r'],
      ['expect', '50 132'],
      ['send', 'exit 5\r'],
      ['expect', 'status='],
    ]
    const out = spawnSync('python3', [DRIVER, JSON.stringify(steps), '/bin/sh', '-c', script], {cwd: sb.root, env: sb.env(), encoding: 'utf8', timeout: 80_000})
    assert.equal(out.status, 0, out.stderr)
    const result = JSON.parse(out.stdout) as {output: string; status: number; timedOut: string | null}
    assert.equal(result.timedOut, null, result.output)
    const lines = result.output.split(/\r?\n/).map((l) => l.replace(/\r/g, ''))
    assert.ok(lines.includes('24 80'), `the first size is the terminal's:\n${result.output}`)
    assert.ok(lines.includes('50 132'), `the new size is seen inside:\n${result.output}`)
    assert.ok(lines.some((l) => /^\/dev\/pts\/\d+$/.test(l)), `a pty of the container's devpts:\n${result.output}`)
    assert.ok(lines.includes('status=5'), `the exit status passes through:\n${result.output}`)
    const settings = lines.filter((l) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(l))
    assert.equal(settings.length, 2, result.output)
    assert.equal(settings[0], settings[1], 'the terminal is restored')
    assert.match(readFileSync(log, 'utf8'), /in=lxc/, '-L logs the output')
  })

  it('passes a pty through on a container without devpts, and ^C reaches the command', {...T, skip: noPython()}, async () => {
    const sb = sandbox()
    const name = sb.name('hostpty')
    await startPause(sb, name)
    const script = `${JSON.stringify(process.execPath)} ${JSON.stringify(RUN_JS)} attach -n ${name} -- /bin/sh -c 'echo go; sleep 600'; echo "status=$?"`
    const steps = [['expect', 'go'], ['send', '\u0003'], ['expect', 'status=']]
    const out = spawnSync('python3', [DRIVER, JSON.stringify(steps), '/bin/sh', '-c', script], {cwd: sb.root, env: sb.env(), encoding: 'utf8', timeout: 80_000})
    const result = JSON.parse(out.stdout) as {output: string; status: number; timedOut: string | null}
    assert.equal(result.timedOut, null, result.output)
    assert.match(result.output, /status=130/, `^C kills the command in its terminal: 128 + SIGINT\n${result.output}`)
  })
})
