// The monitor under attack from the host side: a flood of connections to its
// command socket (out of fds even) must not make it spin or lock out a stop,
// and the binary it runs can never be opened for writing through
// /proc/PID/exe, not even after it exited (CVE-2019-5736's way: keep an fd,
// reopen it for writing once the binary is no longer busy).

import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {closeSync, constants, openSync, readFileSync, readlinkSync, statSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {describeResult, json, MONITOR_BIN, rootOnly, useSandbox, waitForPidGone} from './helpers.js'

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

function openConnections(path: string, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from({length: count}, () => new Promise<Socket>((resolve) => {
      const s = connect(path)
      s.on('error', () => resolve(s))
      s.on('connect', () => resolve(s))
    })),
  )
}

describe('the monitor', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('monhard')

  it('survives a connection flood past its fd limit without spinning, and still obeys stop -k', async () => {
    const sb = sandbox()
    const name = sb.name('flood')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const info = json<{result: {monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json']))
    const monitor = info.result.monitorPid
    // Few fds, so that the flood reaches EMFILE.
    const lim = spawnSync('prlimit', ['--pid', String(monitor), '--nofile=48:48'], {encoding: 'utf8'})
    assert.equal(lim.status, 0, lim.stderr)
    const sock = join(sb.rundirOf(name), 'command.sock')
    const before = cpuTicks(monitor)
    const flood = await openConnections(sock, 400)
    try {
      // Commands keep working while the flood holds its connections...
      for (let i = 0; i < 10; i++) {
        const r = await sb.ctr(['info', '-n', name, '-sH'])
        assert.equal(r.stdout, 'RUNNING\n', describeResult(r))
      }
      const freeze = await sb.ctr(['freeze', '-n', name])
      assert.equal(freeze.code, 0, describeResult(freeze))
      // Recorded despite the flood: two fds are kept for state.json.
      const recorded = (): string => (JSON.parse(readFileSync(join(sb.rundirOf(name), 'state.json'), 'utf8')) as {state: string}).state
      assert.equal(recorded(), 'FROZEN')
      assert.equal((await sb.ctr(['unfreeze', '-n', name])).code, 0)
      assert.equal(recorded(), 'RUNNING')
      // ...and the monitor did not burn a CPU meanwhile (a level-triggered
      // listening socket it cannot accept from spins at 100%).
      const used = cpuTicks(monitor) - before
      assert.ok(used < 100, `the monitor used ${used} ticks of CPU during the flood`)
      const stop = await sb.ctr(['stop', '-n', name, '-k'])
      assert.equal(stop.code, 0, describeResult(stop))
      await waitForPidGone(monitor, 10_000)
    } finally {
      for (const s of flood) s.destroy()
    }
  })

  it('runs from a copy that cannot be opened for writing, not even after it exited', async () => {
    const sb = sandbox()
    const name = sb.name('exe')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const info = json<{result: {monitorPid: number; pid: number}}>(await sb.ctr(['info', '-n', name, '--json']))
    const monitor = info.result.monitorPid
    assert.notEqual(readlinkSync(`/proc/${monitor}/exe`), MONITOR_BIN, 'the monitor runs the host binary itself')
    assert.throws(() => openSync(`/proc/${monitor}/exe`, constants.O_WRONLY), (e: NodeJS.ErrnoException) => e.code === 'EROFS' || e.code === 'EPERM')
    // Keep a reference, let every process running the binary exit, reopen.
    const fd = openSync(`/proc/${monitor}/exe`, constants.O_RDONLY)
    try {
      assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
      await waitForPidGone(monitor, 10_000)
      assert.throws(() => openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY), (e: NodeJS.ErrnoException) => e.code === 'EROFS' || e.code === 'EPERM')
      const size = statSync(MONITOR_BIN).size
      assert.equal(statSync(`/proc/self/fd/${fd}`).size, size, 'the copy is the monitor binary')
    } finally {
      closeSync(fd)
    }
  })
})
