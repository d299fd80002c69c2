// The launcher (native/launcher.c, src/sys/launcher.ts, docs/monitor-protocol.md §8):
// one ctr-monitor per Node process that forks a monitor per start for the
// library and `ctr start --many`. Real processes throughout: several
// containers forked by one launcher, each monitor named after its container
// and running the sealed copy; per-container failures reported as a
// spawned monitor's; the launcher gone at EOF of its channel and when its
// Node process is SIGKILLed, without keeping a program's event loop alive.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {constants, openSync, readFileSync, readlinkSync} from 'node:fs'
import {join} from 'node:path'

import {Container, CtrError} from '../../src/index.js'
import {closeLauncher, launcherPid} from '../../src/sys/launcher.js'
import {MONITOR_BIN, REPO, describeResult, isAlive, isMonitorProcess, json, readCmdline, rootOnly, until, useSandbox, waitForFile, waitForPidGone} from './helpers.js'

const T = {timeout: 90_000}

/** Parent pid, process group and session of a process (fields 4 to 6 of /proc/PID/stat). */
function idsOf(pid: number): {ppid: number; pgrp: number; session: number} {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const [ppid, pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(1, 4).map(Number)
  return {ppid: ppid!, pgrp: pgrp!, session: session!}
}

describe('the launcher: one ctr-monitor per Node process forks the monitors', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('launcher')

  it('forks several containers concurrently, each monitor named after its container and sealed, and ends at EOF', T, async () => {
    const sb = sandbox()
    Object.assign(process.env, {CTR_RUNTIME_DIR: sb.runtimeDir, CTR_GLOBAL_CONFIG: sb.globalConfig})
    const names = [sb.name('a'), sb.name('b'), sb.name('c')]
    const readies = names.map((name) => {
      const ready = sb.ready(name)
      sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
      return ready
    })
    const started = await Promise.all(names.map((name) => new Container(name, {lxcpath: sb.lxcpath}).start()))
    const launcher = launcherPid()
    assert.ok(launcher !== undefined && isAlive(launcher), 'a launcher runs')
    assert.throws(() => openSync(`/proc/${launcher}/exe`, constants.O_WRONLY), (e: NodeJS.ErrnoException) => e.code === 'EROFS' || e.code === 'EPERM')
    // This process's child, leading a session of its own (no terminal's signals reach it).
    assert.deepEqual(idsOf(launcher), {ppid: process.pid, pgrp: launcher, session: launcher})
    assert.deepEqual(readCmdline(launcher).split(' ').slice(1, 3), ['launcher', '--parent'])
    for (const [i, r] of started.entries()) {
      await waitForFile(readies[i]!.host)
      const monitor = r.monitorPid as number
      assert.equal(r.state, 'RUNNING')
      // ps tells which container a monitor belongs to, as for a spawned one.
      assert.ok(isMonitorProcess(monitor), readCmdline(monitor))
      assert.equal(readCmdline(monitor), `${MONITOR_BIN} start --name ${names[i]} --lxcpath ${sb.lxcpath}`)
      // Daemonized without a fork of its own: in the launcher's session,
      // which it does not lead (it can never acquire a terminal), in a
      // process group of its own.
      assert.deepEqual(idsOf(monitor), {ppid: launcher, pgrp: monitor, session: launcher})
      // The sealed copy (docs/architecture.md §11.1), inherited from the launcher.
      assert.notEqual(readlinkSync(`/proc/${monitor}/exe`), MONITOR_BIN, 'the monitor runs the host binary itself')
      assert.throws(() => openSync(`/proc/${monitor}/exe`, constants.O_WRONLY), (e: NodeJS.ErrnoException) => e.code === 'EROFS' || e.code === 'EPERM')
    }
    assert.equal(new Set(started.map((r) => r.monitorPid)).size, 3)
    // A second round reuses the same launcher.
    const again = await new Container(names[0]!, {lxcpath: sb.lxcpath}).start()
    assert.equal(again.alreadyRunning, true)
    assert.equal(launcherPid(), launcher)

    // EOF on its channel ends it; the monitors it forked keep running.
    closeLauncher()
    await waitForPidGone(launcher, 10_000)
    for (const r of started) {
      assert.ok(isAlive(r.monitorPid as number))
      assert.notEqual(idsOf(r.monitorPid as number).ppid, launcher)
    }
    for (const name of names) assert.equal((await new Container(name, {lxcpath: sb.lxcpath}).stop({kill: true})).name, name)
    // The next start spawns a new one.
    const one = await new Container(names[1]!, {lxcpath: sb.lxcpath}).start({command: ['/sbin/test-init', 'pause']})
    assert.notEqual(launcherPid(), launcher)
    assert.ok(isMonitorProcess(one.monitorPid as number))
    await new Container(names[1]!, {lxcpath: sb.lxcpath}).stop({kill: true})
    closeLauncher()
  })

  it('reports each container\'s failure on its own while the others start', T, async () => {
    const sb = sandbox()
    Object.assign(process.env, {CTR_RUNTIME_DIR: sb.runtimeDir, CTR_GLOBAL_CONFIG: sb.globalConfig})
    const good = sb.name('good')
    const bad = sb.name('bad')
    const hook = sb.name('hook')
    sb.defineRootfs(good, {init: '/sbin/test-init pause'})
    sb.defineRootfs(bad, {init: '/no/such/init'})
    sb.defineRootfs(hook, {init: '/sbin/test-init pause', extra: ['lxc.hook.pre-start = /bin/false']})
    const results = await Promise.allSettled([good, bad, hook].map((name) => new Container(name, {lxcpath: sb.lxcpath}).start()))
    assert.equal(results[0]!.status, 'fulfilled', String((results[0] as PromiseRejectedResult).reason))
    const [badErr, hookErr] = [results[1], results[2]].map((r) => {
      assert.equal(r!.status, 'rejected')
      const e = (r as PromiseRejectedResult).reason as CtrError
      assert.ok(e instanceof CtrError, String(e))
      return e
    })
    // As the CLI reports them (a spawned monitor's report, relayed).
    const cli = await sb.ctr(['start', '-n', bad, '--json'])
    assert.equal(badErr!.code, json<{error: {code: string}}>(cli).error.code, describeResult(cli))
    assert.match(badErr!.message, /no\/such\/init/)
    const cliHook = await sb.ctr(['start', '-n', hook, '--json'])
    assert.equal(hookErr!.code, json<{error: {code: string}}>(cliHook).error.code, describeResult(cliHook))
    assert.equal((await new Container(good, {lxcpath: sb.lxcpath}).stop({kill: true})).name, good)
    closeLauncher()
  })

  it('falls back to spawning the monitor when the launcher cannot run, with the same error', T, async () => {
    const sb = sandbox()
    const name = sb.name('nobin')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const missing = join(sb.root, 'no-such-monitor')
    const lib = `import {Container} from ${JSON.stringify(join(REPO, 'dist/index.js'))}
try { await new Container(${JSON.stringify(name)}, {lxcpath: ${JSON.stringify(sb.lxcpath)}}).start(); console.log('started') }
catch (e) { console.log(e.code) }`
    const out = await runNode(lib, sb.env({CTR_MONITOR: missing}))
    assert.equal(out.code, 0, out.stderr)
    const cli = await sb.ctr(['start', '-n', name, '--json'], {env: {CTR_MONITOR: missing}})
    assert.equal(out.stdout.trim(), json<{error: {code: string}}>(cli).error.code, describeResult(cli))
  })

  it('lets a program end once its starts are done, and dies with a SIGKILLed program', T, async () => {
    const sb = sandbox()
    const name = sb.name('exit')
    const other = sb.name('kill')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    sb.defineRootfs(other, {init: '/sbin/test-init pause'})
    const lib = (n: string, then: string): string => `import {Container} from ${JSON.stringify(join(REPO, 'dist/index.js'))}
import {launcherPid} from ${JSON.stringify(join(REPO, 'dist/sys/launcher.js'))}
const r = await new Container(${JSON.stringify(n)}, {lxcpath: ${JSON.stringify(sb.lxcpath)}}).start()
console.log(JSON.stringify({monitor: r.monitorPid, launcher: launcherPid()}))
${then}`
    // Nothing after the start: the program ends by itself (the launcher
    // does not keep its event loop alive), and its launcher with it.
    const ended = await runNode(lib(name, ''), sb.env())
    assert.equal(ended.code, 0, ended.stderr)
    const first = JSON.parse(ended.stdout) as {monitor: number; launcher: number}
    await waitForPidGone(first.launcher, 10_000)
    assert.ok(isAlive(first.monitor), 'the container outlives the program that started it')

    // A program killed outright: the kernel closes its end of the channel.
    const child = spawn(process.execPath, ['--input-type=module', '-e', lib(other, 'setInterval(() => undefined, 1000)')], {env: sb.env(), stdio: ['ignore', 'pipe', 'inherit']})
    let said = ''
    child.stdout.on('data', (d: Buffer) => (said += d.toString()))
    await until(() => said.includes('\n'), 30_000, 'the program to start its container')
    const second = JSON.parse(said) as {monitor: number; launcher: number}
    assert.ok(isAlive(second.launcher))
    child.kill('SIGKILL')
    await waitForPidGone(second.launcher, 10_000)
    assert.ok(isAlive(second.monitor))
    for (const n of [name, other]) assert.equal((await sb.ctr(['stop', '-n', n, '-k'])).code, 0)
  })
})

function runNode(source: string, env: NodeJS.ProcessEnv): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stdout, stderr}))
  })
}
