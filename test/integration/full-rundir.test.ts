// State that tells the truth when the run dir's filesystem is full (issue
// 11, defect 8). The run dir base is a small tmpfs the test mounts under its
// own sandbox and fills itself: a freeze the monitor cannot record in
// state.json is still reported truthfully by info, ls and wait (the monitor
// removes the stale file, so they ask it), and a start that cannot write
// monitor.pid or the -p pidfile names the file that failed (not "the
// pidfile" of a -p never given, nor -p when monitor.pid failed).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {describeResult, rootOnly, useSandbox, waitForFile, type Sandbox} from './helpers.js'

const T = {timeout: 90_000}

/** A 256 KiB tmpfs at <sandbox>/<label>; returns its path and an unmount. */
function smallTmpfs(sb: Sandbox, label: string): {dir: string; unmount: () => void} {
  const dir = join(sb.root, label)
  mkdirSync(dir)
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0755', 'tmpfs', dir], {encoding: 'utf8'})
  assert.equal(r.status, 0, `mount tmpfs: ${r.stderr}`)
  return {
    dir,
    unmount: () => {
      spawnSync('umount', [dir])
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

/** Writes `path` until the filesystem is full (ENOSPC). */
function fill(path: string): void {
  const fd = openSync(path, 'w')
  const chunk = Buffer.alloc(4096, 1)
  try {
    for (;;) writeSync(fd, chunk)
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC')
  } finally {
    closeSync(fd)
  }
}

describe('a full run dir', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('fullrun')

  it('tells the truth about a freeze the monitor could not record in state.json', T, async () => {
    const sb = sandbox()
    const name = sb.name('freeze')
    const tmpfs = smallTmpfs(sb, 'run-freeze')
    const env = {CTR_RUNTIME_DIR: join(tmpfs.dir, 'base')}
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    try {
      const start = await sb.ctr(['start', '-n', name], {env})
      assert.equal(start.code, 0, describeResult(start))
      await waitForFile(ready.host)
      fill(join(tmpfs.dir, 'filler'))

      // The monitor cannot rewrite state.json: it removes the stale one, so
      // that info, ls and wait ask it instead of reading an old state.
      const freeze = await sb.ctr(['freeze', '-n', name], {env})
      assert.equal(freeze.code, 0, describeResult(freeze))
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'], {env})).stdout, 'FROZEN\n')
      const ls = await sb.ctr(['ls', '--frozen', '-1'], {env})
      assert.equal(ls.stdout, `${name}\n`, describeResult(ls))
      const wait = await sb.ctr(['wait', '-n', name, '-s', 'FROZEN', '-t', '0'], {env})
      assert.equal(wait.code, 0, describeResult(wait))

      const thaw = await sb.ctr(['unfreeze', '-n', name], {env})
      assert.equal(thaw.code, 0, describeResult(thaw))
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'], {env})).stdout, 'RUNNING\n')

      rmSync(join(tmpfs.dir, 'filler'))
      // With room again, the next change is recorded as usual.
      const again = await sb.ctr(['freeze', '-n', name], {env})
      assert.equal(again.code, 0, describeResult(again))
      const info = await sb.ctr(['info', '-n', name, '-sH'], {env})
      assert.equal(info.stdout, 'FROZEN\n', describeResult(info))
      assert.match(readFileSync(join(sb.rundirOf(name).replace(sb.runtimeDir, env.CTR_RUNTIME_DIR), 'state.json'), 'utf8'), /"state":"FROZEN"/)
    } finally {
      rmSync(join(tmpfs.dir, 'filler'), {force: true})
      const stop = await sb.ctr(['stop', '-n', name, '-k'], {env})
      assert.ok(stop.code === 0 || stop.code === 2, describeResult(stop))
      tmpfs.unmount()
    }
  })

  it('a start that cannot write monitor.pid names it, and the next start works', T, async () => {
    const sb = sandbox()
    const name = sb.name('pid')
    const tmpfs = smallTmpfs(sb, 'run-pid')
    const base = join(tmpfs.dir, 'base')
    mkdirSync(base, {mode: 0o700})
    const env = {CTR_RUNTIME_DIR: base}
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    try {
      fill(join(tmpfs.dir, 'filler'))
      const start = await sb.ctr(['start', '-n', name], {env})
      assert.equal(start.code, 1, describeResult(start))
      assert.match(start.stderr, new RegExp(`Failed to write the pidfile "${base}/[0-9a-f]{16}/monitor\\.pid": No space left on device`), describeResult(start))
      assert.match(start.stderr, /Its filesystem is full/, describeResult(start))
      // With a -p whose filesystem has room, the file that failed is still
      // monitor.pid (written first), not the -p pidfile.
      const userPidfile = join(sb.root, `${name}.pid`)
      const withP = await sb.ctr(['start', '-n', name, '-p', userPidfile], {env})
      assert.equal(withP.code, 1, describeResult(withP))
      assert.match(withP.stderr, new RegExp(`Failed to write the pidfile "${base}/[0-9a-f]{16}/monitor\\.pid": No space left on device`), describeResult(withP))
      assert.equal(existsSync(userPidfile), false, 'no -p pidfile was written')
      rmSync(join(tmpfs.dir, 'filler'))
      const again = await sb.ctr(['start', '-n', name], {env})
      assert.equal(again.code, 0, describeResult(again))
    } finally {
      rmSync(join(tmpfs.dir, 'filler'), {force: true})
      const stop = await sb.ctr(['stop', '-n', name, '-k'], {env})
      assert.ok(stop.code === 0 || stop.code === 2, describeResult(stop))
      tmpfs.unmount()
    }
  })

  it('a start that cannot write the -p pidfile names it, not monitor.pid', T, async () => {
    const sb = sandbox()
    const name = sb.name('userpid')
    const tmpfs = smallTmpfs(sb, 'pid-full')
    const pidfile = join(tmpfs.dir, `${name}.pid`)
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    try {
      fill(join(tmpfs.dir, 'filler'))
      const start = await sb.ctr(['start', '-n', name, '-p', pidfile])
      assert.equal(start.code, 1, describeResult(start))
      assert.match(start.stderr, new RegExp(`Failed to write the pidfile "${pidfile}": No space left on device`), describeResult(start))
      assert.doesNotMatch(start.stderr, /monitor\.pid/, describeResult(start))
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
      rmSync(join(tmpfs.dir, 'filler'))
      const again = await sb.ctr(['start', '-n', name, '-p', pidfile])
      assert.equal(again.code, 0, describeResult(again))
    } finally {
      rmSync(join(tmpfs.dir, 'filler'), {force: true})
      const stop = await sb.ctr(['stop', '-n', name, '-k'])
      assert.ok(stop.code === 0 || stop.code === 2, describeResult(stop))
      tmpfs.unmount()
    }
  })
})
