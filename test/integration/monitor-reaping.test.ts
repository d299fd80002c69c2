// The monitor's teardown must not hang on a process that does not die. A
// process left behind by the container (it outlived init, and the container
// shares the host's pid namespace, so the monitor is its subreaper) is put
// by the test into a frozen cgroup of its own: SIGKILL cannot end it until
// it is thawed, as with a process stuck in the kernel (D state). `ctr stop
// -k` must still come back with the container STOPPED, and a later stop
// clean up what the monitor could not.

import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {describeResult, isAlive, rootOnly, until, useSandbox, waitForFile, waitForPidGone} from './helpers.js'

const V1_FREEZER = '/sys/fs/cgroup/freezer'
const V2_ROOT = '/sys/fs/cgroup'

/** A frozen cgroup holding pid; returns how to thaw and remove it. */
function freezeInOwnCgroup(name: string, pid: number): () => Promise<void> {
  if (existsSync(join(V1_FREEZER, 'cgroup.procs'))) {
    const dir = join(V1_FREEZER, name)
    mkdirSync(dir)
    writeFileSync(join(dir, 'cgroup.procs'), String(pid))
    writeFileSync(join(dir, 'freezer.state'), 'FROZEN')
    return async () => {
      writeFileSync(join(dir, 'freezer.state'), 'THAWED')
      await waitForPidGone(pid, 10_000)
      rmdirSync(dir)
    }
  }
  const dir = join(V2_ROOT, name)
  mkdirSync(dir)
  writeFileSync(join(dir, 'cgroup.procs'), String(pid))
  writeFileSync(join(dir, 'cgroup.freeze'), '1')
  return async () => {
    writeFileSync(join(dir, 'cgroup.freeze'), '0')
    await waitForPidGone(pid, 10_000)
    rmdirSync(dir)
  }
}

describe('the monitor tearing down', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('reaping')

  it('does not hang on a left-behind process that SIGKILL cannot end, and a later stop cleans up', async () => {
    const sb = sandbox()
    const name = sb.name('stuck')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init spawn 1 --ready ${ready.inside}`, extra: ['lxc.namespace.clone = mnt uts ipc net']})
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 0, describeResult(r))
    await waitForFile(ready.host)
    const init = await sb.initPid(name)
    const child = Number(readFileSync(`/proc/${init}/task/${init}/children`, 'utf8').trim().split(' ')[0])
    assert.ok(child > 0 && isAlive(child), 'init forked its child')
    const thaw = freezeInOwnCgroup(`${sb.tag}-${name}-frozen`, child)
    try {
      const stop = await sb.ctr(['stop', '-n', name, '-k'], {timeoutMs: 60_000})
      assert.equal(stop.code, 0, describeResult(stop))
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
      assert.ok(isAlive(child), 'the frozen process is still there (the monitor gave up on it, as it should)')
    } finally {
      await thaw()
    }
    await until(() => !isAlive(child), 10_000, 'the thawed process to die of its pending SIGKILL')
    // What the monitor could not remove (a cgroup still holding the frozen
    // process), a later stop removes.
    const again = await sb.ctr(['stop', '-n', name, '-k'])
    assert.equal(again.code, 2, describeResult(again))
  })
})
