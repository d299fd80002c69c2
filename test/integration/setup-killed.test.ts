// A container's init killed while ctr-monitor sets it up (before its exec)
// is a failed start, reported with the step it died in: `ctr start` exits 1,
// `info` says STOPPED, the last exit record says start-failed, and the next
// start works. The monitor tells this apart from a payload that exec'd and
// exited at once (which is a successful start: LXC's shortlived test). The
// kill comes from an environment-selected failure point in the monitor
// (CTR_TEST_FAILPOINT=kill:STEP), at every step a rootfs container passes.

import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {describeResult, json, rootOnly, useSandbox} from './helpers.js'

const STEPS = [
  'pdeathsig', 'sync', 'cgroup', 'propagation', 'rootfs-bind', 'mount', 'pivot-root', 'cgroupns', 'rootfs-readonly',
  'hostname', 'keyring', 'sysctl', 'cwd', 'personality', 'stdio', 'capabilities', 'seccomp', 'setgroups', 'setgid',
  'setuid', 'exec',
]

describe('init killed during setup', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('setupkill')

  it('is a failed start naming the step, at every step, and the next start works', async () => {
    const sb = sandbox()
    const name = sb.name('k')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    for (const step of STEPS) {
      const r = await sb.ctr(['start', '-n', name], {env: {CTR_TEST_FAILPOINT: `kill:${step}`}})
      assert.equal(r.code, 1, `${step}: ${describeResult(r)}`)
      assert.match(r.stderr, new RegExp(`${name}: Init was killed by SIGKILL during setup, at step "${step}", before its exec`), describeResult(r))
      const state = await sb.ctr(['info', '-n', name, '-sH'])
      assert.equal(state.stdout, 'STOPPED\n', describeResult(state))
      const last = JSON.parse(readFileSync(join(sb.lxcpath, name, 'last-exit.json'), 'utf8')) as Record<string, unknown>
      assert.equal(last.reason, 'start-failed', `${step}: ${JSON.stringify(last)}`)
      assert.equal(last.failedStep, step)
      assert.equal(last.signal, 9)
    }
    const ok = await sb.ctr(['start', '-n', name])
    assert.equal(ok.code, 0, describeResult(ok))
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
  })

  it('reports it as JSON and in the foreground too', async () => {
    const sb = sandbox()
    const name = sb.name('j')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const r = await sb.ctr(['start', '-n', name, '--json'], {env: {CTR_TEST_FAILPOINT: 'kill:mount'}})
    assert.equal(r.code, 1, describeResult(r))
    const out = json<{status: number; error: {code: string; message: string}}>(r)
    assert.equal(out.error.code, 'CTR_START_FAILED')
    assert.match(out.error.message, /at step "mount"/)
    const fg = await sb.ctr(['start', '-n', name, '-F'], {env: {CTR_TEST_FAILPOINT: 'kill:pivot-root'}})
    assert.equal(fg.code, 1, describeResult(fg))
    assert.match(fg.stderr, /at step "pivot-root"/)
  })

  it('reports the setup error, not a kill, when init fails with the monitor\'s barrier byte unread', async () => {
    // A unix socket closed with unread data makes the peer's next read fail
    // with ECONNRESET once, before the error report queued on it: a child
    // that fails before it reads the monitor's second barrier byte used to
    // be reported as killed (and before that, as started).
    const sb = sandbox()
    const name = sb.name('unread')
    sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: [`lxc.mount.entry = /nonexistent-${name} mnt/x none bind,create=dir 0 0`]})
    for (let i = 0; i < 10; i++) {
      const r = await sb.ctr(['start', '-n', name])
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, /Failed to set up the mount on "mnt\/x": No such file or directory \(ENOENT\)/, `run ${i}: ${describeResult(r)}`)
    }
  })

  it('still counts a payload that exec\'d and exited at once as started (LXC\'s shortlived test)', async () => {
    const sb = sandbox()
    const name = sb.name('short')
    sb.defineRootfs(name, {init: '/sbin/test-init exit 3'})
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 0, describeResult(r))
    const wait = await sb.ctr(['wait', '-n', name, '-s', 'STOPPED', '-t', '20'])
    assert.equal(wait.code, 0, describeResult(wait))
    const last = JSON.parse(readFileSync(join(sb.lxcpath, name, 'last-exit.json'), 'utf8')) as Record<string, unknown>
    assert.equal(last.reason, 'exited')
    assert.equal(last.exitCode, 3)
  })
})
