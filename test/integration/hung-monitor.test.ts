// Hung peers never hang ctr (issue 11, defects 4 and 10): against a
// SIGSTOPped monitor every client call gives up at the user's timeout (not
// a fixed one) with a message that names the monitor, state reads still
// answer from state.json, and the container works again once the monitor
// resumes. A container whose monitor died is stopped with the signals its
// config names (lxc.signal.halt, lxc.signal.stop), as a monitor would.
//
// "Within the user's timeout" is checked through what ctr reports (the
// timeout it says it applied, the error code), never with a clock; the
// harness kills a ctr that hangs.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {createConnection} from 'node:net'
import {join} from 'node:path'

import {describeResult, isAlive, json, rootOnly, useSandbox, waitForFile, waitForPidGone} from './helpers.js'

const T = {timeout: 90_000}

interface ErrorJson {
  error: {code: string; message: string; hints: string[]}
}
interface StopJson {
  result: {method: string; signals: string[]}
}

describe('hung and lost monitors', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('hung')

  it('a SIGSTOPped monitor: wait, stop and start give up at the user\'s timeout; info still answers', T, async () => {
    const sb = sandbox()
    const name = sb.name('stopped')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside} --exit-on SIGUSR1:0`, extra: ['lxc.signal.halt = SIGUSR1']})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const {pid, monitorPid} = json<{result: {pid: number; monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json'])).result
    // The monitor this test started, by pid.
    process.kill(monitorPid, 'SIGSTOP')
    try {
      const wait = await sb.ctr(['wait', '-n', name, '-s', 'STOPPED', '-t', '2', '--json'], {timeoutMs: 30_000})
      assert.equal(wait.code, 1, describeResult(wait))
      const waitError = json<ErrorJson>(wait).error
      assert.equal(waitError.code, 'CTR_WAIT_TIMEOUT', describeResult(wait))
      assert.match(waitError.message, /monitor did not answer/, describeResult(wait))

      // -t 0 checks once, from state.json.
      const once = await sb.ctr(['wait', '-n', name, '-s', 'RUNNING', '-t', '0'], {timeoutMs: 30_000})
      assert.equal(once.code, 0, describeResult(once))
      const info = await sb.ctr(['info', '-n', name, '-sH'], {timeoutMs: 30_000})
      assert.equal(info.stdout, 'RUNNING\n', describeResult(info))

      const stop = await sb.ctr(['stop', '-n', name, '-t', '2', '--json'], {timeoutMs: 30_000})
      assert.equal(stop.code, 1, describeResult(stop))
      const stopError = json<ErrorJson>(stop).error
      assert.equal(stopError.code, 'CTR_MONITOR_TIMEOUT', describeResult(stop))
      assert.match(stopError.message, /did not answer "halt" within [0-2](\.[0-9])? s/, describeResult(stop))
      assert.match(stopError.hints.join('\n'), new RegExp(`pid ${monitorPid}`), describeResult(stop))
      assert.doesNotMatch(stop.stderr, /\n\s+at /)

      // stop -k gives up too, and says so.
      const kill = await sb.ctr(['stop', '-n', name, '-k', '--json'], {timeoutMs: 60_000})
      assert.equal(kill.code, 1, describeResult(kill))
      assert.equal(json<ErrorJson>(kill).error.code, 'CTR_MONITOR_TIMEOUT', describeResult(kill))

      // A bare `kill` whose client hangs up before any answer, as a client
      // that timed out does (ctr pipelines `watch` first, whose failed
      // answer would hide a regression).
      await new Promise<void>((resolve, reject) => {
        const socket = createConnection({path: join(sb.rundirOf(name), 'command.sock')})
        socket.once('error', reject)
        socket.once('connect', () => socket.end('kill\n', () => {
          socket.destroy()
          resolve()
        }))
      })

      // start sees it running (state.json), without asking the monitor.
      const start = await sb.ctr(['start', '-n', name], {timeoutMs: 30_000})
      assert.equal(start.code, 0, describeResult(start))
      assert.match(start.stderr, /already running/, describeResult(start))
    } finally {
      process.kill(monitorPid, 'SIGCONT')
    }
    // A request the client gave up on is never carried out later: the halt
    // and the kills above were still unread when the monitor resumed. A
    // round trip on a new connection (freeze) comes after the monitor has
    // handled those hung-up clients, which were ready first.
    const freeze = await sb.ctr(['freeze', '-n', name])
    assert.equal(freeze.code, 0, describeResult(freeze))
    assert.equal((await sb.ctr(['unfreeze', '-n', name])).code, 0)
    assert.ok(isAlive(pid), 'init ran on: the requests whose clients gave up were not carried out')
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
    const stop = await sb.ctr(['stop', '-n', name, '-t', '10', '--json'])
    assert.equal(stop.code, 0, describeResult(stop))
    await waitForPidGone(monitorPid)
    const again = await sb.ctr(['start', '-n', name])
    assert.equal(again.code, 0, describeResult(again))
    assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
  })

  it('an orphaned init is halted with lxc.signal.halt', T, async () => {
    const sb = sandbox()
    const name = sb.name('halt')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {
      init: `/sbin/test-init pause --ready ${ready.inside} --exit-on SIGUSR1:0`,
      extra: ['lxc.monitor.signal.pdeath = 0', 'lxc.signal.halt = SIGUSR1'],
    })
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const {pid, monitorPid} = json<{result: {pid: number; monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json'])).result
    process.kill(monitorPid, 'SIGKILL')
    await waitForPidGone(monitorPid)
    assert.ok(isAlive(pid), 'init outlives its monitor')
    const stop = await sb.ctr(['stop', '-n', name, '-t', '20', '--json'])
    assert.equal(stop.code, 0, describeResult(stop))
    assert.deepEqual(json<StopJson>(stop).result.signals, ['SIGUSR1'], describeResult(stop))
    assert.equal(json<StopJson>(stop).result.method, 'halt', describeResult(stop))
    await waitForPidGone(pid)
    assert.equal(existsSync(sb.rundirOf(name)), false, 'stop cleaned up the run dir')
  })

  it('an orphaned init is killed with lxc.signal.stop', T, async () => {
    const sb = sandbox()
    const name = sb.name('kill')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {
      init: `/sbin/test-init pause --ready ${ready.inside} --exit-on SIGUSR2:3`,
      extra: ['lxc.monitor.signal.pdeath = 0', 'lxc.signal.stop = SIGUSR2'],
    })
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const {pid, monitorPid} = json<{result: {pid: number; monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json'])).result
    process.kill(monitorPid, 'SIGKILL')
    await waitForPidGone(monitorPid)
    const stop = await sb.ctr(['stop', '-n', name, '-k', '--json'])
    assert.equal(stop.code, 0, describeResult(stop))
    assert.deepEqual(json<StopJson>(stop).result.signals, ['SIGUSR2'], describeResult(stop))
    await waitForPidGone(pid)
  })
})
