// What root inside an ordinary container can reach: nothing of the host
// through its own fds or through /proc (no host /proc/1, no ctr-monitor and
// no exe of ours to open), and, with lxc.cgroup.dir.container.inner, no
// cgroup file beyond its own cgroup (the limits stay out of reach; without
// it a privileged container with cgroup:mixed can rewrite its own limits,
// as in LXC: README, Security).

import assert from 'node:assert/strict'
import {chmodSync, copyFileSync, existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'

import {describeResult, REPO, rootOnly, useSandbox} from './helpers.js'

describe('inside a container, as its root', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('inside')
  let marker: string

  before(() => {
    const sb = sandbox()
    copyFileSync(join(REPO, 'build/escape-scan'), join(sb.rootfs, 'sbin/escape-scan'))
    chmodSync(join(sb.rootfs, 'sbin/escape-scan'), 0o755)
    marker = join(sb.root, 'host-secret')
    writeFileSync(marker, 'host\n')
  })

  it('holds no host fd and sees no process of the host or of ctr through /proc', async () => {
    const sb = sandbox()
    const name = sb.name('scan')
    sb.defineRootfs(name, {extra: ['lxc.mount.auto = cgroup:mixed']})
    const r = await sb.ctr(['start', '-n', name, '-F', '--', '/sbin/escape-scan', marker])
    assert.equal(r.code, 0, describeResult(r))
    assert.match(r.stdout, /^DONE$/m)
    assert.doesNotMatch(r.stdout, /^(ESCAPE|LEAKED|SEEN) /m, r.stdout)
  })

  it('can write no cgroup file outside its own inner cgroup when the limits are one level up', async () => {
    const sb = sandbox()
    const name = sb.name('cg')
    sb.defineRootfs(name, {
      extra: [
        'lxc.mount.auto = cgroup:mixed',
        `lxc.cgroup.dir.container = ${sb.tag}-${name}.limits`,
        `lxc.cgroup.dir.monitor = ${sb.tag}-${name}.monitor`,
        'lxc.cgroup.dir.container.inner = inner',
        existsSync('/sys/fs/cgroup/pids/cgroup.procs') ? 'lxc.cgroup.pids.max = 77' : 'lxc.cgroup2.pids.max = 77',
      ],
    })
    const r = await sb.ctr(['start', '-n', name, '-F', '--', '/sbin/escape-scan', '--cgroup'])
    assert.equal(r.code, 0, describeResult(r))
    assert.match(r.stdout, /^DONE$/m)
    const check = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/sh', '-c', 'grep -rl "^77$" /sys/fs/cgroup/ 2>/dev/null; echo END'])
    assert.equal(check.code, 0, describeResult(check))
    assert.equal(check.stdout.trim(), 'END', `the limit is visible inside:\n${check.stdout}`)
  })
})
