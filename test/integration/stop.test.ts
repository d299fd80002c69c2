// `ctr stop`: the halt path, the kill fallback, --nokill, -W, -k, -r, the
// halt signal (default SIGPWR, SIGRTMIN+3 for an init that blocks it like
// systemd, lxc.signal.halt), and one test per row of docs/lxc-contract.md §6.2.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {
  SIGRTMIN_PLUS_3,
  WAYS,
  describeResult,
  isAlive,
  json,
  maskHas,
  procStatusField,
  rootOnly,
  useSandbox,
  waitForFile,
  waitForPidGone,
  type Sandbox,
} from './helpers.js'

const T = {timeout: 60_000}

interface StopJson {
  status: number
  result: {method: string; signals: string[]; durationMs: number}
  warnings?: string[]
}

/** Defines NAME with INIT (its ready file appended), starts it, waits until init has its handlers. */
async function startReady(sb: Sandbox, name: string, init: string, extra: string[] = []): Promise<number> {
  const ready = sb.ready(name)
  sb.defineRootfs(name, {init: `${init} --ready ${ready.inside}`, extra})
  const r = await sb.ctr(['start', '-n', name])
  assert.equal(r.code, 0, describeResult(r))
  await waitForFile(ready.host)
  return sb.initPid(name)
}

async function lastExit(sb: Sandbox, name: string): Promise<{reason: string; exitStatus: number} | undefined> {
  return json<{result: {lastExit?: {reason: string; exitStatus: number}}}>(await sb.ctr(['info', '-n', name, '--json'])).result.lastExit
}

describe('stop', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('stop')

  for (const via of WAYS) {
    it(`halts with SIGPWR when init handles it (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('halt')
      const pid = await startReady(sb, name, '/sbin/test-init pause --exit-on SIGPWR:3')
      const r = await sb.ctr(['stop', '-n', name], {via})
      assert.equal(r.code, 0, describeResult(r))
      // No notice: init exited on the halt signal, nothing was killed.
      assert.equal(r.stdout + r.stderr, '')
      await waitForPidGone(pid)
      const last = await lastExit(sb, name)
      assert.deepEqual([last?.reason, last?.exitStatus], ['exited', 3])
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
    })
  }

  it('reports the halt in --json: method halt, signal SIGPWR', T, async () => {
    const sb = sandbox()
    const name = sb.name('haltj')
    await startReady(sb, name, '/sbin/test-init pause --exit-on SIGPWR:0')
    const r = json<StopJson>(await sb.ctr(['stop', '-n', name, '--json']))
    assert.equal(r.status, 0)
    assert.equal(r.result.method, 'halt')
    assert.deepEqual(r.result.signals, ['SIGPWR'])
  })

  it('kills after -t 1 when init ignores the halt signal: exit 0 and a notice on stderr', T, async () => {
    const sb = sandbox()
    const name = sb.name('ign')
    const pid = await startReady(sb, name, '/sbin/test-init ignore')
    const r = await sb.ctr(['stop', '-n', name, '-t', '1'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^ctr stop: .*did not stop within 1 s.*SIGPWR.*SIGKILL/m, 'it says it had to kill')
    await waitForPidGone(pid)
    assert.equal((await lastExit(sb, name))?.exitStatus, 137)
  })

  it('with --nokill, exits 1 when the timeout expires and leaves the container running', T, async () => {
    const sb = sandbox()
    const name = sb.name('nokill')
    const pid = await startReady(sb, name, '/sbin/test-init ignore')
    const r = await sb.ctr(['stop', '-n', name, '-t', '1', '--nokill'])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /did not stop within 1 s/)
    assert.ok(isAlive(pid))
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
  })

  it('with -W, sends the halt signal and returns at once', T, async () => {
    const sb = sandbox()
    const name = sb.name('nowait')
    const pid = await startReady(sb, name, '/sbin/test-init pause --exit-on SIGPWR:4')
    const monitorPid = json<{result: {monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json'])).result.monitorPid
    const r = await sb.ctr(['stop', '-n', name, '-W'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout + r.stderr, '')
    // The signal was sent: init exits on it after -W returned, and the monitor finishes.
    await waitForPidGone(pid)
    await waitForPidGone(monitorPid)
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
    assert.equal((await lastExit(sb, name))?.exitStatus, 4)
  })

  it('with -k, kills at once (SIGKILL, exit status 137)', T, async () => {
    const sb = sandbox()
    const name = sb.name('kill')
    const pid = await startReady(sb, name, '/sbin/test-init pause --exit-on SIGPWR:0')
    const r = await sb.ctr(['stop', '-n', name, '-k', '--json'])
    assert.equal(r.code, 0, describeResult(r))
    const body = json<StopJson>(r)
    assert.equal(body.result.method, 'kill')
    assert.deepEqual(body.result.signals, ['SIGKILL'])
    assert.ok(!isAlive(pid), 'init is gone when stop -k returns')
    const last = await lastExit(sb, name)
    assert.deepEqual([last?.reason, last?.exitStatus], ['killed', 137])
  })

  for (const via of WAYS) {
    it(`reboots with -r: init restarts (new pid), RUNNING again, exit 0 (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('reboot')
      const pid = await startReady(sb, name, '/sbin/test-init reboot')
      // Removed now: the restarted init writes it again.
      const ready = sb.ready(name)
      const r = await sb.ctr(['stop', '-n', name, '-r', '-t', '10'], {via})
      assert.equal(r.code, 0, describeResult(r))
      await waitForFile(ready.host)
      const pid2 = await sb.initPid(name)
      assert.notEqual(pid2, pid, 'a new init')
      await waitForPidGone(pid)
      assert.ok(isAlive(pid2))
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'], {via})).stdout, 'RUNNING\n')
    })
  }

  it('gives an init that blocks SIGRTMIN+3 (systemd) SIGRTMIN+3 to halt', T, async () => {
    const sb = sandbox()
    const name = sb.name('rtmin')
    const pid = await startReady(sb, name, '/sbin/test-init block-rtmin3')
    // What the detection reads (LXC does the same): SigBlk in /proc/PID/status.
    const blocked = procStatusField(pid, 'SigBlk')
    assert.ok(
      maskHas(blocked, SIGRTMIN_PLUS_3),
      `precondition: test-init block-rtmin3 must show SIGRTMIN+3 in SigBlk like systemd does, got SigBlk ${blocked} ` +
        '(an init blocked in sigwait() has the waited-for signals unblocked while it waits)',
    )
    const r = await sb.ctr(['stop', '-n', name, '-t', '5', '--json'])
    assert.equal(r.code, 0, describeResult(r))
    assert.deepEqual(json<StopJson>(r).result.signals, ['SIGRTMIN+3'])
    await waitForPidGone(pid)
  })

  it('detects SIGRTMIN+3 in SigBlk of a systemd-like init (blocked, read from a signalfd; built by the test)', T, async () => {
    const sb = sandbox()
    const name = sb.name('sdlike')
    // systemd blocks its signals and reads them from a signalfd, so /proc
    // shows SIGRTMIN+3 in SigBlk for as long as it waits.
    const source = join(sb.root, 'systemd-like.c')
    writeFileSync(source, [
      '#include <fcntl.h>',
      '#include <signal.h>',
      '#include <sys/signalfd.h>',
      '#include <unistd.h>',
      'int main(int argc, char **argv) {',
      '  sigset_t set; struct signalfd_siginfo si; int fd;',
      '  sigemptyset(&set); sigaddset(&set, SIGRTMIN + 3);',
      '  sigprocmask(SIG_BLOCK, &set, 0);',
      '  fd = signalfd(-1, &set, 0);',
      '  if (argc > 1) { int r = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644); (void)!write(r, "1\\n", 2); close(r); }',
      '  (void)!read(fd, &si, sizeof si);',
      '  return si.ssi_signo == (unsigned)(SIGRTMIN + 3) ? 0 : 1;',
      '}',
      '',
    ].join('\n'))
    const binary = join(sb.rootfs, 'sbin', `${name}-init`)
    const cc = spawnSync('cc', ['-static', '-O2', '-o', binary, source], {encoding: 'utf8'})
    assert.equal(cc.status, 0, `cc failed: ${cc.stderr}`)
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/${name}-init ${ready.inside}`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const pid = await sb.initPid(name)
    assert.ok(maskHas(procStatusField(pid, 'SigBlk'), SIGRTMIN_PLUS_3), 'precondition: SigBlk shows SIGRTMIN+3')
    const r = await sb.ctr(['stop', '-n', name, '-t', '10', '--json'])
    assert.equal(r.code, 0, describeResult(r))
    assert.deepEqual(json<StopJson>(r).result.signals, ['SIGRTMIN+3'])
    await waitForPidGone(pid)
    assert.equal((await lastExit(sb, name))?.exitStatus, 0, 'init saw SIGRTMIN+3')
  })

  it('honours lxc.signal.halt = SIGUSR1', T, async () => {
    const sb = sandbox()
    const name = sb.name('usr1')
    // No SIGPWR handler: as pid 1 it would ignore SIGPWR, so only SIGUSR1 stops it in time.
    const pid = await startReady(sb, name, '/sbin/test-init pause --exit-on SIGUSR1:6', ['lxc.signal.halt = SIGUSR1'])
    const r = await sb.ctr(['stop', '-n', name, '-t', '10', '--json'])
    assert.equal(r.code, 0, describeResult(r))
    const body = json<StopJson>(r)
    assert.deepEqual(body.result.signals, ['SIGUSR1'])
    assert.equal(body.result.method, 'halt')
    await waitForPidGone(pid)
    assert.equal((await lastExit(sb, name))?.exitStatus, 6)
  })

  it('honours lxc.signal.stop for -k', T, async () => {
    const sb = sandbox()
    const name = sb.name('stopsig')
    const pid = await startReady(sb, name, '/sbin/test-init pause --exit-on SIGUSR2:8', ['lxc.signal.stop = SIGUSR2'])
    const r = await sb.ctr(['stop', '-n', name, '-k', '--json'])
    assert.equal(r.code, 0, describeResult(r))
    assert.deepEqual(json<StopJson>(r).result.signals, ['SIGUSR2'])
    await waitForPidGone(pid)
    assert.equal((await lastExit(sb, name))?.exitStatus, 8)
  })
})

// docs/lxc-contract.md §6.2, one test per row.
describe('stop exit status (§6.2)', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('srow')

  it('stopped cleanly: 0', T, async () => {
    const sb = sandbox()
    const name = sb.name('clean')
    await startReady(sb, name, '/sbin/test-init pause --exit-on SIGPWR:0')
    const r = await sb.ctr(['stop', '-n', name])
    assert.equal(r.code, 0, describeResult(r))
  })

  it('stopped forcibly after the timeout: 0', T, async () => {
    const sb = sandbox()
    const name = sb.name('forced')
    await startReady(sb, name, '/sbin/test-init ignore')
    const r = await sb.ctr(['stop', '-n', name, '-t', '1'])
    assert.equal(r.code, 0, describeResult(r))
  })

  it('kill ok: 0', T, async () => {
    const sb = sandbox()
    const name = sb.name('killok')
    await startReady(sb, name, '/sbin/test-init ignore')
    const r = await sb.ctr(['stop', '-n', name, '-k'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout + r.stderr, '')
  })

  it('nowait, signal sent: 0 (-W and -t 0)', T, async () => {
    const sb = sandbox()
    const name = sb.name('nowait')
    await startReady(sb, name, '/sbin/test-init ignore')
    for (const flags of [['-W'], ['-t', '0']]) {
      const r = await sb.ctr(['stop', '-n', name, ...flags])
      assert.equal(r.code, 0, describeResult(r))
    }
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n', 'the ignored signal left it running')
  })

  it('reboot completed: 0', T, async () => {
    const sb = sandbox()
    const name = sb.name('rebooted')
    await startReady(sb, name, '/sbin/test-init reboot')
    const r = await sb.ctr(['stop', '-n', name, '-r'])
    assert.equal(r.code, 0, describeResult(r))
  })

  it('not running: 2', T, async () => {
    const sb = sandbox()
    const name = sb.name('stopped')
    sb.defineRootfs(name)
    for (const flags of [[], ['-k'], ['-r'], ['-W']]) {
      const r = await sb.ctr(['stop', '-n', name, ...flags])
      assert.equal(r.code, 2, describeResult(r))
      assert.match(r.stderr, new RegExp(`^ctr stop: ${name} is not running$`, 'm'))
    }
  })

  it('not defined: 2', T, async () => {
    const sb = sandbox()
    const r = await sb.ctr(['stop', '-n', sb.name('undefined')])
    assert.equal(r.code, 2, describeResult(r))
  })

  it('option conflicts: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('conflict')
    const cases: Array<[string[], RegExp]> = [
      [['-k', '--nokill'], /-k can't be used with --nokill/],
      [['-k', '-r'], /-k can't be used with -r/],
      [['-k', '-t', '5'], /-k doesn't allow timeouts/],
      [['-k', '-t', '-1'], /-k doesn't allow timeouts/],
      [['--nolock'], /--nolock may only be used with -k/],
    ]
    for (const [flags, message] of cases) {
      const r = await sb.ctr(['stop', '-n', name, ...flags])
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, message)
    }
    // -2 is LXC's "not given": -k -t -2 is no conflict (here: not running, 2).
    const sentinel = await sb.ctr(['stop', '-n', name, '-k', '-t', '-2'])
    assert.equal(sentinel.code, 2, describeResult(sentinel))
  })

  it('bad timeout: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('badt')
    for (const t of ['abc', '5s', '-3']) {
      const r = await sb.ctr(['stop', '-n', name, '-t', t])
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, /[Ii]nvalid timeout/)
    }
  })

  it('config error: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('conf')
    const path = sb.writeConfig(name, 'lxc.net.0.type = empty\nlxc.bogus = 1\n')
    const r = await sb.ctr(['stop', '-n', name])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, new RegExp(`${path}:2`))
  })

  it('privilege: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('priv')
    await startReady(sb, name, '/sbin/test-init pause')
    const r = await sb.ctr(['stop', '-n', name, '-k'], {uid: 65534, gid: 65534})
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /EACCES/)
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
  })

  it('--nokill timeout: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('nokill')
    await startReady(sb, name, '/sbin/test-init ignore')
    const r = await sb.ctr(['stop', '-n', name, '--nokill', '-t', '1'])
    assert.equal(r.code, 1, describeResult(r))
  })

  it('reboot timeout: 1 (init ignores the reboot signal)', T, async () => {
    const sb = sandbox()
    const name = sb.name('rbtmo')
    const pid = await startReady(sb, name, '/sbin/test-init ignore')
    const r = await sb.ctr(['stop', '-n', name, '-r', '-t', '1'])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /did not come back within 1 s/)
    assert.equal(await sb.initPid(name), pid)
  })

  it('reboot requested and init exits instead of calling reboot(2): restarted in place, 0 (README: a difference from LXC)', T, async () => {
    const sb = sandbox()
    const name = sb.name('rbhalt')
    // LXC restarts only an init that died of SIGHUP (reboot(2) in a pid
    // namespace) and exits 1 when init halted instead (docs/lxc-contract.md §6.2); ctr
    // restarts init whenever a reboot was asked for (README).
    const pid = await startReady(sb, name, '/sbin/test-init pause --exit-on SIGINT:0')
    const ready = sb.ready(name)
    const r = await sb.ctr(['stop', '-n', name, '-r', '-t', '10'])
    assert.equal(r.code, 0, describeResult(r))
    await waitForFile(ready.host)
    await waitForPidGone(pid)
    assert.notEqual(await sb.initPid(name), pid)
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
  })

  it('kill failure: 1 (a monitor that cannot be reached)', T, async () => {
    const sb = sandbox()
    const name = sb.name('killfail')
    await startReady(sb, name, '/sbin/test-init pause')
    // Another user cannot signal root's container: the kill fails.
    const r = await sb.ctr(['stop', '-n', name, '-k'], {uid: 65534, gid: 65534})
    assert.equal(r.code, 1, describeResult(r))
  })
})
