// A monitor killed with SIGKILL takes its container with it: init dies
// (pdeath signal), `info` says STOPPED, `stop` exits 2 and cleans up the run
// dir, and a new `start` works. Waiters and a foreground ctr notice too.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'

import {describeResult, isAlive, isMonitorProcess, json, rootOnly, useSandbox, waitForFile, waitForMonitorConnection, waitForPidGone} from './helpers.js'

const T = {timeout: 60_000}

describe('monitor killed with SIGKILL', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('crash')

  it('takes init with it; info says STOPPED; stop exits 2 and cleans up; a new start works', T, async () => {
    const sb = sandbox()
    const name = sb.name('mon')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const info = json<{result: {pid: number; monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json']))
    const {pid, monitorPid} = info.result
    assert.ok(isMonitorProcess(monitorPid), `${monitorPid} is the container's ctr-monitor`)

    // The monitor this test started, by pid.
    process.kill(monitorPid, 'SIGKILL')
    await waitForPidGone(monitorPid)
    await waitForPidGone(pid)
    assert.ok(!isAlive(pid), 'init died with its monitor')

    const state = await sb.ctr(['info', '-n', name, '-sH'])
    assert.equal(state.code, 0, describeResult(state))
    assert.equal(state.stdout, 'STOPPED\n')
    const pidOnly = await sb.ctr(['info', '-n', name, '-pH'])
    assert.equal(pidOnly.stdout, '', 'no PID for a dead container')
    const wait = await sb.ctr(['wait', '-n', name, '-s', 'STOPPED', '-t', '0'])
    assert.equal(wait.code, 0, describeResult(wait))

    assert.ok(existsSync(sb.rundirOf(name)), 'precondition: the dead monitor left its run dir')
    const stop = await sb.ctr(['stop', '-n', name])
    assert.equal(stop.code, 2, describeResult(stop))
    assert.match(stop.stderr, /is not running/)
    assert.equal(existsSync(sb.rundirOf(name)), false, 'stop removed the dead monitor\'s run dir')

    const again = await sb.ctr(['start', '-n', name])
    assert.equal(again.code, 0, describeResult(again))
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
    assert.notEqual(await sb.initPid(name), pid)
    assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
  })

  it('with lxc.monitor.signal.pdeath = 0, init survives: info says RUNNING, stop reaches it, then all is cleaned up', T, async () => {
    const sb = sandbox()
    const name = sb.name('orphan')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside} --exit-on SIGPWR:0`, extra: ['lxc.monitor.signal.pdeath = 0']})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const {pid, monitorPid} = json<{result: {pid: number; monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json'])).result
    process.kill(monitorPid, 'SIGKILL')
    await waitForPidGone(monitorPid)
    assert.ok(isAlive(pid), 'init outlives its monitor')

    const state = await sb.ctr(['info', '-n', name, '-sH'])
    assert.equal(state.stdout, 'RUNNING\n', describeResult(state))
    assert.equal((await sb.ctr(['info', '-n', name, '-pH'])).stdout, `${pid}\n`)
    const running = await sb.ctr(['wait', '-n', name, '-s', 'RUNNING', '-t', '0'])
    assert.equal(running.code, 0, describeResult(running))
    const again = await sb.ctr(['start', '-n', name])
    assert.equal(again.code, 0, describeResult(again))
    assert.match(again.stderr, /already running/, 'no second init next to the orphan')

    const waiter = sb.spawnCtr(['wait', '-n', name, '-s', 'STOPPED', '-t', '30'])
    const stop = await sb.ctr(['stop', '-n', name, '-t', '10'])
    assert.equal(stop.code, 0, describeResult(stop))
    await waitForPidGone(pid)
    const w = await waiter.done
    assert.equal(w.code, 0, describeResult(w))
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
    assert.equal(existsSync(sb.rundirOf(name)), false, 'stop cleaned up the run dir')
  })

  it('lets a new start replace a dead monitor\'s run dir directly (no stop first)', T, async () => {
    const sb = sandbox()
    const name = sb.name('restart')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const pidfile = `${sb.root}/${name}.pid`
    assert.equal((await sb.ctr(['start', '-n', name, '-p', pidfile])).code, 0)
    const pid = await sb.initPid(name)
    const monitorPid = Number(readFileSync(pidfile, 'utf8'))
    process.kill(monitorPid, 'SIGKILL')
    await waitForPidGone(pid)
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
  })

  it('ends a pending wait: STOPPED is reached, another state fails', T, async () => {
    const sb = sandbox()
    const name = sb.name('waiters')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const monitorPid = json<{result: {monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json'])).result.monitorPid
    const stopped = sb.spawnCtr(['wait', '-n', name, '-s', 'STOPPED', '-t', '30'])
    const frozen = sb.spawnCtr(['wait', '-n', name, '-s', 'FROZEN', '-t', '30'])
    await Promise.all([waitForMonitorConnection(stopped.pid), waitForMonitorConnection(frozen.pid)])
    process.kill(monitorPid, 'SIGKILL')
    const [s, f] = await Promise.all([stopped.done, frozen.done])
    assert.equal(s.code, 0, describeResult(s))
    assert.equal(f.code, 1, describeResult(f))
    // Ended by the monitor's death, not by the 30 s timeout.
    assert.match(f.stderr, /stopped while waiting for FROZEN/, describeResult(f))
    assert.equal((await sb.ctr(['stop', '-n', name])).code, 2)
  })

  it('ends a foreground ctr with 128+9 when its monitor is killed', T, async () => {
    const sb = sandbox()
    const name = sb.name('fg')
    const ready = sb.ready(name)
    sb.defineRootfs(name)
    const run = sb.spawnCtr(['start', '-n', name, '-F', '--', '/sbin/test-init', 'pause', '--ready', ready.inside])
    await waitForFile(ready.host)
    const {pid, monitorPid} = json<{result: {pid: number; monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json'])).result
    process.kill(monitorPid, 'SIGKILL')
    const r = await run.done
    assert.equal(r.code, 137, describeResult(r))
    await waitForPidGone(pid)
    assert.equal((await sb.ctr(['stop', '-n', name])).code, 2, 'the next stop cleans up')
  })
})
