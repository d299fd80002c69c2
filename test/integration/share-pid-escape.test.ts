// Sharing another container's pid namespace (--share-pid X) must not hand
// X's root a way onto the host. The attack: root in X (privileged, without
// CAP_SYS_ADMIN and CAP_DAC_READ_SEARCH, with CAP_SYS_PTRACE) scans X's
// /proc for a process ctr is still setting up and goes through its
// /proc/PID/root, cwd, exe or fds. The test pauses the new container's setup
// at every step (CTR_TEST_FAILPOINT=pause:STEP), runs that attacker inside X
// (build/escape-scan, through nsenter) and fails if anything got through.
// A positive control proves the attacker finds a way out where there is one.

import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, copyFileSync, existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'

import {describeResult, REPO, rootOnly, until, useSandbox, type RunningCtr, type Sandbox} from './helpers.js'

const SCANNER = join(REPO, 'build/escape-scan')

// Every step the setup child passes for a busybox rootfs config, before its
// exec: the intermediate (outside X's pid namespace) up to clone-init, then
// init itself in X's pid namespace, paused right before execve.
const SETUP_STEPS = [
  'sync', 'cgroup', 'propagation', 'rootfs-bind', 'mount', 'pivot-root', 'cgroupns', 'rootfs-readonly', 'hostname',
  'keyring', 'sysctl', 'cwd', 'personality', 'stdio', 'setns', 'capabilities', 'seccomp', 'setgroups', 'setgid',
  'setuid', 'clone-init',
]

interface Scan {
  seen: Array<{pid: number; comm: string}>
  escapes: string[]
  output: string
}

function scanFrom(xInit: number, marker: string): Scan {
  const r = spawnSync('nsenter', ['-t', String(xInit), '-a', '/sbin/escape-scan', marker], {encoding: 'utf8', timeout: 30_000})
  assert.equal(r.status, 0, `escape-scan failed: ${r.stderr}${r.stdout}`)
  assert.match(r.stdout, /^DONE$/m, r.stdout)
  const seen = [...r.stdout.matchAll(/^SEEN (\d+) (.*)$/gm)].map((m) => ({pid: Number(m[1]), comm: m[2] ?? ''}))
  const escapes = r.stdout.split('\n').filter((l) => l.startsWith('ESCAPE'))
  return {seen, escapes, output: r.stdout}
}

/** Waits for the paused child's failpoint record; fails if the start ended first. */
async function pausedAt(sb: Sandbox, name: string, start: RunningCtr, step: string): Promise<number> {
  const file = join(sb.rundirOf(name), 'failpoint')
  const ended = start.done.then((r) => {
    throw new Error(`ctr start ended before pausing at ${step}:\n${describeResult(r)}`)
  })
  await Promise.race([until(() => existsSync(file), 20_000, `${name} to pause at ${step}`), ended])
  ended.catch(() => undefined)
  const [where, pid] = readFileSync(file, 'utf8').trim().split(' ')
  assert.equal(where, step)
  return Number(pid)
}

describe('a shared pid namespace (--share-pid)', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('sharepid')
  let marker: string

  before(() => {
    const sb = sandbox()
    copyFileSync(SCANNER, join(sb.rootfs, 'sbin/escape-scan'))
    chmodSync(join(sb.rootfs, 'sbin/escape-scan'), 0o755)
    // On the host, outside every container's root: reaching it is escaping.
    marker = join(sb.root, 'host-secret')
    writeFileSync(marker, 'host\n')
  })

  async function startX(sb: Sandbox): Promise<{x: string; xInit: number}> {
    const x = sb.name('x')
    sb.defineRootfs(x, {init: '/sbin/test-init pause', extra: ['lxc.cap.drop = sys_admin dac_read_search']})
    const r = await sb.ctr(['start', '-n', x])
    assert.equal(r.code, 0, describeResult(r))
    return {x, xInit: await sb.initPid(x)}
  }

  it('the attacker in X finds the host through a container of X\'s namespace on the host root (positive control)', async () => {
    const sb = sandbox()
    const {x, xInit} = await startX(sb)
    const y = sb.name('hostroot')
    const r = await sb.ctr(['start', '-n', y, '--share-pid', x, '--', '/bin/sleep', '1000'])
    assert.equal(r.code, 0, describeResult(r))
    const scan = scanFrom(xInit, marker)
    assert.ok(scan.escapes.some((l) => /^ESCAPE root /.test(l)), `the scanner should reach the host through a host-root container:\n${scan.output}`)
  })

  it('never shows X a process of ours before it has pivoted and dropped privileges, at any setup step', async () => {
    const sb = sandbox()
    const {x, xInit} = await startX(sb)
    for (const step of [...SETUP_STEPS, 'exec']) {
      const y = sb.name(`y-${step}`)
      sb.defineRootfs(y, {init: '/sbin/test-init pause', extra: ['lxc.cap.drop = sys_module sys_rawio']})
      const start = sb.spawnCtr(['start', '-n', y, '--share-pid', x], {env: {CTR_TEST_FAILPOINT: `pause:${step}`}})
      const paused = await pausedAt(sb, y, start, step)
      const scan = scanFrom(xInit, marker)
      assert.deepEqual(scan.escapes, [], `step ${step}: the attacker got out:\n${scan.output}`)
      const visible = scan.seen.filter((s) => s.comm.startsWith('ctr-setup'))
      if (step === 'exec') {
        // Init itself, in X's namespace: visible, but rooted in its own
        // rootfs, with its capabilities dropped, stdio and the channel only.
        assert.equal(visible.length, 1, `step exec: init should be visible in X:\n${scan.output}`)
        const status = readFileSync(`/proc/${paused}/status`, 'utf8')
        const bnd = BigInt(`0x${/^CapBnd:\s+([0-9a-f]+)$/m.exec(status)?.[1] ?? '0'}`)
        const eff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)$/m.exec(status)?.[1] ?? '0'}`)
        assert.equal(eff & ~bnd, 0n, `init's effective set goes beyond its bounding set:\n${status}`)
        assert.equal(bnd & (1n << 16n), 0n, 'sys_module is still in the bounding set')
      } else {
        assert.deepEqual(visible, [], `step ${step}: a process still being set up is visible in X:\n${scan.output}`)
      }
      const stop = await sb.ctr(['stop', '-n', y, '-k'])
      assert.equal(stop.code, 0, describeResult(stop))
      const r = await start.done
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, new RegExp(`at step "${step}"`), describeResult(r))
    }
  })

  it('runs init in X\'s pid namespace with its own /proc showing that namespace', async () => {
    const sb = sandbox()
    const {x, xInit} = await startX(sb)
    const y = sb.name('y')
    sb.defineRootfs(y, {init: '/sbin/test-init pause'})
    const r = await sb.ctr(['start', '-n', y, '--share-pid', x])
    assert.equal(r.code, 0, describeResult(r))
    const yInit = await sb.initPid(y)
    assert.equal(readFileSync(`/proc/${yInit}/status`, 'utf8').match(/^NSpid:.*$/m)?.[0].split(/\s+/).length, 3, 'init has a pid in X\'s namespace')
    const ls = spawnSync('nsenter', ['-t', String(yInit), '-m', '-p', '-r', '-w', '/bin/ls', '/proc'], {encoding: 'utf8'})
    assert.equal(ls.status, 0, ls.stderr)
    const pids = ls.stdout.split('\n').filter((l) => /^\d+$/.test(l)).map(Number)
    assert.ok(pids.includes(1) && pids.includes(2), `Y's /proc shows X's init (1) and Y's init (2): ${pids.join(' ')}`)
    assert.ok(!pids.includes(xInit), 'Y\'s /proc shows host pids')
    const scan = scanFrom(xInit, marker)
    assert.deepEqual(scan.escapes, [], scan.output)
  })
})
