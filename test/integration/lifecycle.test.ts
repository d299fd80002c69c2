// The whole start/wait/info/stop cycle, on a busybox rootfs and on the
// embedded default config, both ways in; the daemon start's promise (it
// returns once init exec'd the payload); the -p pidfile.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, readFileSync, statSync} from 'node:fs'

import {
  MONITOR_BIN,
  WAYS,
  describeResult,
  fileId,
  infoLine,
  isAlive,
  isMonitorProcess,
  json,
  nsInode,
  procExeId,
  readCmdline,
  rootOnly,
  useSandbox,
  waitForFile,
  waitForPidGone,
} from './helpers.js'

const T = {timeout: 60_000}

describe('lifecycle', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('life')

  for (const via of WAYS) {
    it(`runs start, wait, info, stop on a busybox rootfs (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('bb')
      const ready = sb.ready(name)
      // busybox sh as init: a PWR trap is its clean-shutdown path.
      sb.defineRootfs(name, {init: `/bin/sh -c "trap 'exit 0' PWR; echo up > ${ready.inside}; while :; do sleep 1 & wait; done"`})
      const opts = {via}

      const start = await sb.ctr(['start', '-n', name], opts)
      assert.equal(start.code, 0, describeResult(start))
      assert.equal(start.stdout, '', 'a daemon start prints nothing on stdout')
      assert.equal(start.stderr, '')

      const wait = await sb.ctr(['wait', '-n', name, '-s', 'RUNNING', '-t', '5'], opts)
      assert.equal(wait.code, 0, describeResult(wait))
      assert.equal(wait.stdout, '')
      await waitForFile(ready.host)

      const info = await sb.ctr(['info', '-n', name], opts)
      assert.equal(info.code, 0, describeResult(info))
      const lines = info.stdout.split('\n')
      assert.equal(lines[0], infoLine('Name:', name))
      assert.equal(lines[1], infoLine('State:', 'RUNNING'))
      const pidLine = /^PID: {12}(\d+)$/.exec(lines[2] ?? '')
      assert.ok(pidLine, `a PID line in:\n${info.stdout}`)
      const pid = Number(pidLine[1])
      assert.ok(isAlive(pid))
      assert.equal(procExeId(pid), fileId(sb.busybox), 'init runs the rootfs busybox')

      const stop = await sb.ctr(['stop', '-n', name], opts)
      assert.equal(stop.code, 0, describeResult(stop))
      assert.equal(stop.stdout, '')
      assert.equal(stop.stderr, '', 'a clean halt needs no notice')
      await waitForPidGone(pid)

      const after = await sb.ctr(['info', '-n', name, '-sH'], opts)
      assert.equal(after.code, 0, describeResult(after))
      assert.equal(after.stdout, 'STOPPED\n')
      const stopped = await sb.ctr(['wait', '-n', name, '-s', 'STOPPED', '-t', '0'], opts)
      assert.equal(stopped.code, 0, describeResult(stopped))
      const last = json<{result: {state: string; lastExit?: {reason: string; exitStatus: number}}}>(await sb.ctr(['info', '-n', name, '--json'], opts))
      assert.equal(last.result.state, 'STOPPED')
      assert.deepEqual([last.result.lastExit?.reason, last.result.lastExit?.exitStatus], ['exited', 0])
      assert.equal(existsSync(sb.rundirOf(name)), false, 'the run dir is gone after the stop')
    })

    it(`runs start, wait, info, stop on the embedded default config (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('dflt')
      const ready = sb.hostReady(name)
      const opts = {via}

      const start = await sb.ctr(['start', '-n', name, '--', sb.testInit, 'pause', '--ready', ready, '--exit-on', 'SIGPWR:0'], opts)
      assert.equal(start.code, 0, describeResult(start))
      assert.equal(start.stdout, '')
      const wait = await sb.ctr(['wait', '-n', name, '-s', 'RUNNING', '-t', '5'], opts)
      assert.equal(wait.code, 0, describeResult(wait))
      assert.equal((await waitForFile(ready)).trim(), '1', 'init is pid 1 of its own pid namespace')

      const info = await sb.ctr(['info', '-n', name], opts)
      assert.equal(info.code, 0, describeResult(info))
      const pid = await sb.initPid(name)
      // Then lxc-info's cgroup stats (CPU, BlkIO, Memory, KMem) where the host has them.
      const head = [infoLine('Name:', name), infoLine('State:', 'RUNNING'), infoLine('PID:', String(pid)), ''].join('\n')
      assert.ok(info.stdout.startsWith(head), describeResult(info))
      for (const line of info.stdout.slice(head.length).split('\n').slice(0, -1)) assert.match(line, /^(CPU|BlkIO|Memory|KMem) use: +\S/)
      assert.equal(procExeId(pid), fileId(sb.testInit))
      for (const ns of ['mnt', 'pid', 'uts', 'ipc', 'net'] as const) {
        assert.notEqual(nsInode(pid, ns), nsInode('self', ns), `the default config gives init a new ${ns} namespace`)
      }

      const stop = await sb.ctr(['stop', '-n', name], opts)
      assert.equal(stop.code, 0, describeResult(stop))
      assert.equal(stop.stderr, '')
      await waitForPidGone(pid)
      // Not defined (no config file) and not running: lxc-info's "doesn't exist".
      const gone = await sb.ctr(['info', '-n', name], opts)
      assert.equal(gone.code, 1, describeResult(gone))
      assert.match(gone.stderr, new RegExp(`^${name} doesn't exist$`, 'm'))
      const again = await sb.ctr(['stop', '-n', name], opts)
      assert.equal(again.code, 2, describeResult(again))
    })
  }

  it('returns from a daemon start only once init has exec\'d the payload', T, async () => {
    const sb = sandbox()
    const rootfsName = sb.name('exec')
    sb.defineRootfs(rootfsName, {init: '/sbin/test-init pause'})
    const hostName = sb.name('exech')
    for (const [name, args] of [
      [rootfsName, []],
      [hostName, ['--', sb.testInit, 'pause']],
    ] as const) {
      const start = await sb.ctr(['start', '-n', name, ...args])
      assert.equal(start.code, 0, describeResult(start))
      // No wait, no ready file: the pid must already run the payload.
      const pid = await sb.initPid(name)
      assert.ok(isAlive(pid), `init ${pid} is alive`)
      assert.equal(procExeId(pid), fileId(sb.testInit), `/proc/${pid}/exe is the payload, not ${readCmdline(pid)}`)
      assert.notEqual(procExeId(pid), fileId(MONITOR_BIN))
    }
  })

  it('writes the monitor pid to -p PIDFILE (0600, no newline) and removes it after the stop', T, async () => {
    const sb = sandbox()
    const name = sb.name('pidf')
    sb.defineRootfs(name, {init: '/sbin/test-init pause --exit-on SIGPWR:0'})
    const pidfile = `${sb.root}/${name}.pid`
    const start = await sb.ctr(['start', '-n', name, '-p', pidfile])
    assert.equal(start.code, 0, describeResult(start))
    const text = readFileSync(pidfile, 'utf8')
    assert.match(text, /^[0-9]+$/, 'the pidfile holds a bare number without a newline')
    assert.equal(statSync(pidfile).mode & 0o777, 0o600)
    const info = json<{result: {monitorPid: number; pid: number}}>(await sb.ctr(['info', '-n', name, '--json']))
    assert.equal(Number(text), info.result.monitorPid, 'the pidfile holds the monitor pid (lxc-start -p)')
    assert.notEqual(Number(text), info.result.pid)
    assert.ok(isAlive(Number(text)))
    assert.ok(isMonitorProcess(Number(text)), 'the pid is a ctr-monitor')
    const stop = await sb.ctr(['stop', '-n', name, '-k'])
    assert.equal(stop.code, 0, describeResult(stop))
    assert.equal(existsSync(pidfile), false, 'the pidfile is removed when the container stops')
  })

  it('resolves a relative -p PIDFILE against the working directory', T, async () => {
    const sb = sandbox()
    const name = sb.name('pidrel')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const start = await sb.ctr(['start', '-n', name, '-p', `${name}.pid`], {cwd: sb.root})
    assert.equal(start.code, 0, describeResult(start))
    const info = json<{result: {monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json']))
    assert.equal(readFileSync(`${sb.root}/${name}.pid`, 'utf8'), String(info.result.monitorPid))
  })
})
