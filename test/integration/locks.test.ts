// One lock protocol for start, create and destroy (issue 11, defect 2;
// docs/architecture.md §5): create and destroy take the flock a running
// container's monitor holds, so a destroy can never remove a container
// whose start holds the lock, and a killed create's lock dies with it.
//
// The windows are made deterministic with strace(1): the starting monitor
// is stopped right after it took the lock (inject SIGSTOP at flock), and a
// create is killed at its fifth symlink (inject SIGKILL), never by timing.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {MONITOR_BIN, RUN_JS, describeResult, json, rootOnly, useSandbox, waitForFile, waitForPidGone, type CtrResult, type Sandbox} from './helpers.js'
import {BusyboxTracker, withDefaultConfig} from './create-helpers.js'

const T = {timeout: 120_000}

function straceSkip(): string | false {
  const r = spawnSync('strace', ['-qq', '-o', '/dev/null', '-e', 'trace=getpid', '-e', 'inject=getpid:error=EPERM', 'true'], {encoding: 'utf8'})
  if (r.error) return `needs strace (apt-get install strace): ${r.error.message}`
  return r.status === 0 ? false : `strace cannot inject here: ${r.stderr.trim()}`
}

/** `ctr ARGS` under `strace -f` with the given -e options; the trace goes to `trace`. */
function underStrace(sb: Sandbox, trace: string, straceArgs: string[], args: string[], env: Record<string, string> = {}): Promise<CtrResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('strace', ['-f', '-qq', '-o', trace, ...straceArgs, process.execPath, RUN_JS, ...args], {cwd: sb.root, env: sb.env(env), stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`strace ctr ${args.join(' ')} hung\n${stderr}`))
    }, 90_000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr, ms: 0, args})
    })
  })
}

describe('the container lock', {skip: rootOnly() || straceSkip()}, () => {
  const sandbox = useSandbox('locks')
  const tracker = new BusyboxTracker()
  let env: Record<string, string> = {}

  it('destroy cannot remove a container whose start holds the lock', T, async () => {
    const sb = sandbox()
    env = {CTR_GLOBAL_CONFIG: withDefaultConfig(sb, 'locks', '# empty seed\n').CTR_GLOBAL_CONFIG}
    const name = sb.name('race')
    const created = await sb.ctr(['create', '-n', name, '-t', 'busybox'], {env})
    assert.equal(created.code, 0, describeResult(created))
    const rootfs = join(sb.lxcpath, name, 'rootfs')
    tracker.track(rootfs)
    // The monitor stops itself right after flock(2) took the container lock.
    const trace = join(sb.root, `${name}.trace`)
    const start = underStrace(sb, trace, ['-e', 'trace=flock', '-e', 'inject=flock:signal=SIGSTOP:when=1'], ['start', '-n', name], env)
    const stopped = await waitForFile(trace, 30_000, (t) => t.includes('--- stopped by SIGSTOP ---'))
    const monitorPid = Number(/^(\d+)\s+--- SIGSTOP /m.exec(stopped)?.[1])
    assert.ok(monitorPid > 0, stopped)
    try {
      // Nothing but the lock exists yet: no state.json, no socket. Before
      // the one protocol, destroy saw STOPPED here and removed everything.
      const refused = await sb.ctr(['destroy', '-n', name, '--json'], {env})
      assert.equal(refused.code, 1, describeResult(refused))
      assert.equal(json<{error: {code: string}}>(refused).error.code, 'CTR_LOCKED', describeResult(refused))
      assert.ok(existsSync(join(rootfs, 'bin/busybox')), 'the rootfs is intact')
      assert.ok(existsSync(join(sb.lxcpath, name, 'config')), 'the config is intact')
    } finally {
      process.kill(monitorPid, 'SIGCONT')
    }
    // strace follows the daemonized monitor too: it returns once that is gone.
    const up = await sb.ctr(['wait', '-n', name, '-s', 'RUNNING', '-t', '60'], {env, timeoutMs: 70_000})
    assert.equal(up.code, 0, describeResult(up))
    // Running: refused without -f; -f stops it and then removes it.
    const running = await sb.ctr(['destroy', '-n', name, '--json'], {env})
    assert.equal(json<{error: {code: string}}>(running).error.code, 'CTR_RUNNING', describeResult(running))
    const forced = await sb.ctr(['destroy', '-n', name, '-f', '--json'], {env})
    assert.equal(forced.code, 0, describeResult(forced))
    assert.equal(json<{result: {killed: boolean}}>(forced).result.killed, true)
    assert.equal(existsSync(join(sb.lxcpath, name)), false)
    const started = await start
    assert.equal(started.code, 0, `the start went on once its monitor resumed:\n${describeResult(started)}`)
    await tracker.assertNoneLeft()
  })

  it('a create killed midway leaves the container unstartable, and its lock goes with it', T, async () => {
    const sb = sandbox()
    env = {CTR_GLOBAL_CONFIG: withDefaultConfig(sb, 'locks2', '# empty seed\n').CTR_GLOBAL_CONFIG}
    const name = sb.name('kill')
    const dir = join(sb.lxcpath, name)
    const trace = join(sb.root, `${name}.trace`)
    // strace returns once every traced process is gone: the killed ctr and
    // the lock helper, which let go when its stdin closed.
    const killed = await underStrace(sb, trace, ['-e', 'trace=symlink,symlinkat', '-e', 'inject=symlink,symlinkat:signal=SIGKILL:when=5'], ['create', '-n', name, '-t', 'busybox'], env)
    tracker.track(join(dir, 'rootfs'))
    // strace ends the way its tracee did: killed by SIGKILL.
    assert.ok(killed.signal === 'SIGKILL' || killed.code === 137, `ctr create was killed at its fifth symlink:\n${describeResult(killed)}`)
    assert.match(readFileSync(trace, 'utf8'), /\+\+\+ killed by SIGKILL \+\+\+/)
    assert.equal(existsSync(join(dir, 'partial')), true, 'the marker outlives the create')
    const start = await sb.ctr(['start', '-n', name], {env})
    assert.equal(start.code, 1, describeResult(start))
    assert.match(start.stderr, /is only partly created/)
    // No stale lock to wait for: destroy works at once.
    const destroyed = await sb.ctr(['destroy', '-n', name, '--json'], {env})
    assert.equal(destroyed.code, 0, describeResult(destroyed))
    assert.equal(json<{result: {partial: boolean}}>(destroyed).result.partial, true)
    assert.equal(existsSync(dir), false)
    await tracker.assertNoneLeft()
  })

  it('a stopping monitor names nothing in its run dir once it has let go of the lock', T, async () => {
    // docs/monitor-protocol.md §6: whoever holds the lock owns the run dir's
    // files. A monitor used to unlink command.sock after releasing it, so a
    // start right after the stop could lose its new socket (a RUNNING
    // container no stop could reach). The whole teardown is traced, so the
    // check does not depend on winning that race.
    const sb = sandbox()
    const name = sb.name('letgo')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const {monitorPid} = json<{result: {monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json'])).result
    const rundir = sb.rundirOf(name)
    const trace = join(sb.root, `${name}.trace`)
    // The monitor this test started, by pid: strace attaches, then it is stopped.
    const tracer = spawn('strace', ['-f', '-s', '4096', '-o', trace, '-e', 'trace=%file', '-p', String(monitorPid)], {stdio: ['ignore', 'ignore', 'pipe']})
    const traced = new Promise<void>((resolve) => tracer.once('close', () => resolve()))
    try {
      await new Promise<void>((resolve, reject) => {
        let said = ''
        tracer.stderr.setEncoding('utf8').on('data', (c: string) => {
          said += c
          if (said.includes('attached')) resolve()
        })
        tracer.once('close', () => reject(new Error(`strace -p ${monitorPid} ended before attaching: ${said}`)))
      })
      const stopped = await sb.ctr(['stop', '-n', name, '-k'])
      assert.equal(stopped.code, 0, describeResult(stopped))
      await waitForPidGone(monitorPid)
      // strace ends with its tracee, its trace complete.
      await traced
    } finally {
      if (tracer.exitCode === null && tracer.signalCode === null) {
        tracer.kill('SIGKILL')
        await traced
      }
    }
    const lines = readFileSync(trace, 'utf8').split('\n')
    const letGo = lines.findIndex((line) => line.includes(`rmdir("${rundir}")`))
    assert.ok(letGo >= 0, `the monitor removed its run dir under the lock:\n${lines.join('\n')}`)
    const after = lines.slice(letGo + 1).filter((line) => line.includes(`"${rundir}/`) || line.includes(`"${rundir}"`))
    assert.deepEqual(after, [], 'nothing in the run dir is named after the lock is let go')
  })

  it('a start while a create holds the lock says so, and starts once it is done', T, async () => {
    const sb = sandbox()
    const name = sb.name('busy')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    // Hold the lock as create does: ctr-monitor lock, released by closing its stdin.
    const holder = spawn(MONITOR_BIN, ['lock', '--rundir', sb.rundirOf(name)], {stdio: ['pipe', 'pipe', 'ignore']})
    const closed = new Promise((resolve) => holder.once('close', resolve))
    const said = await new Promise<string>((resolve) => holder.stdout.setEncoding('utf8').once('data', (c: string) => resolve(c)))
    assert.equal(said, 'locked\n')
    try {
      const r = await sb.ctr(['start', '-n', name, '--json'])
      assert.equal(r.code, 1, describeResult(r))
      assert.equal(json<{error: {code: string}}>(r).error.code, 'CTR_LOCKED', describeResult(r))
    } finally {
      holder.stdin.end()
      await closed
    }
    assert.equal(existsSync(sb.rundirOf(name)), false, 'the holder removed the run dir it made')
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 0, describeResult(r))
    const pid = await sb.initPid(name)
    assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
    await waitForPidGone(pid)
  })
})
