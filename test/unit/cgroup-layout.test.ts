// Cgroup layout detection (core/cgroup/layout.ts) from recorded
// /proc/self/mountinfo, /proc/self/cgroup and /proc/1/cgroup files:
// test/fixtures/cgroup/hybrid is this dev machine (v1 controllers plus a
// cgroup2 mount holding hugetlb), v1 a CentOS 7 host, v2 a Debian 12 host.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {buildCgroupLayout, hierarchyDir, parseCgroupMounts, parseProcCgroup, pruneInitScope} from '../../src/core/cgroup/layout.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/cgroup/', import.meta.url))
const read = (kind: string, file: string): string => readFileSync(`${FIXTURES}${kind}/${file}`, 'utf8')

function layoutOf(kind: string, euid = 0) {
  return buildCgroupLayout({mountinfo: read(kind, 'mountinfo'), selfCgroup: read(kind, 'self.cgroup'), initCgroup: read(kind, 'init.cgroup'), euid})
}

describe('cgroup layout detection', () => {
  it('hybrid: v1 controllers, a named hierarchy and cgroup2 at /sys/fs/cgroup/unified', () => {
    const layout = layoutOf('hybrid')
    assert.ok(layout)
    assert.equal(layout.kind, 'hybrid')
    assert.deepEqual(layout.hierarchies.map((h) => [h.version, h.id, h.mountPoint]), [
      [1, 'name=systemd', '/sys/fs/cgroup/systemd'],
      [1, 'pids', '/sys/fs/cgroup/pids'],
      [1, 'blkio', '/sys/fs/cgroup/blkio'],
      [1, 'freezer', '/sys/fs/cgroup/freezer'],
      [1, 'devices', '/sys/fs/cgroup/devices'],
      [1, 'memory', '/sys/fs/cgroup/memory'],
      [1, 'cpuset', '/sys/fs/cgroup/cpuset'],
      [1, 'cpuacct', '/sys/fs/cgroup/cpuacct'],
      [1, 'cpu', '/sys/fs/cgroup/cpu'],
      [2, '', '/sys/fs/cgroup/unified'],
    ])
    const memory = layout.hierarchies.find((h) => h.id === 'memory')
    assert.equal(memory?.selfPath, '/process_api/bfc4cb2531589d2754e9dc35015af551', 'this shell sits in a memory cgroup of its own')
    assert.equal(memory?.initPath, '/')
    assert.deepEqual(layout.hierarchies.find((h) => h.id === 'name=systemd')?.controllers, [], 'a named hierarchy has no controllers')
  })

  it('v1: combined controllers (cpu,cpuacct) and a named systemd hierarchy', () => {
    const layout = layoutOf('v1')
    assert.ok(layout)
    assert.equal(layout.kind, 'v1')
    const cpu = layout.hierarchies.find((h) => h.controllers.includes('cpuacct'))
    assert.equal(cpu?.id, 'cpu,cpuacct')
    assert.deepEqual(cpu?.controllers, ['cpu', 'cpuacct'])
    assert.equal(cpu?.mountPoint, '/sys/fs/cgroup/cpu,cpuacct')
    // The mount lists net_prio,net_cls in another order than /proc/self/cgroup.
    assert.equal(layout.hierarchies.find((h) => h.id === 'net_prio,net_cls')?.mountPoint, '/sys/fs/cgroup/net_cls,net_prio')
    assert.ok(!layout.hierarchies.some((h) => h.version === 2), 'no cgroup2 mount, though /proc/self/cgroup has no 0:: line either')
  })

  it('v2: only the unified hierarchy, pid 1 in /init.scope', () => {
    const layout = layoutOf('v2', 1000)
    assert.ok(layout)
    assert.equal(layout.kind, 'v2')
    assert.equal(layout.euid, 1000)
    assert.equal(layout.hierarchies.length, 1)
    const [h] = layout.hierarchies
    assert.equal(h?.version, 2)
    assert.equal(h?.mountPoint, '/sys/fs/cgroup')
    assert.equal(h?.selfPath, '/user.slice/user-0.slice/session-3.scope')
    assert.equal(h?.initPath, '/init.scope')
  })

  it('a v2 host whose /proc/self/cgroup still lists v1 lines with nothing mounted for them (a private mount namespace)', () => {
    const layout = buildCgroupLayout({mountinfo: read('v2', 'mountinfo'), selfCgroup: read('hybrid', 'self.cgroup'), euid: 0})
    assert.equal(layout?.kind, 'v2')
    assert.equal(layout?.hierarchies.length, 1)
  })

  it('no cgroup mounts: undefined', () => {
    assert.equal(buildCgroupLayout({mountinfo: '27 1 254:0 / / rw - ext4 /dev/vda rw\n', selfCgroup: '0::/\n', euid: 0}), undefined)
  })

  it('a subtree mount (inside a container) maps hierarchy paths below its root', () => {
    const mountinfo = '50 40 0:32 /lxc.payload.c1 /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n'
    const layout = buildCgroupLayout({mountinfo, selfCgroup: '4:memory:/lxc.payload.c1/init.scope\n', euid: 0})
    assert.equal(layout?.hierarchies[0]?.mountRoot, '/lxc.payload.c1')
    assert.equal(hierarchyDir('/sys/fs/cgroup/memory', '/lxc.payload.c1', '/lxc.payload.c1/a'), '/sys/fs/cgroup/memory/a')
    assert.equal(hierarchyDir('/sys/fs/cgroup/memory', '/lxc.payload.c1', '/lxc.payload.c1'), '/sys/fs/cgroup/memory')
    assert.equal(hierarchyDir('/sys/fs/cgroup/memory', '/lxc.payload.c1', '/elsewhere'), undefined)
    // A mount that does not show our cgroup is not usable.
    assert.equal(buildCgroupLayout({mountinfo, selfCgroup: '4:memory:/other\n', euid: 0}), undefined)
  })

  it('mountinfo escapes and /proc/PID/cgroup paths with colons', () => {
    const mounts = parseCgroupMounts('41 31 0:38 / /sys/fs/cgroup/my\\040dir rw - cgroup2 cgroup2 rw\n')
    assert.equal(mounts[0]?.mountPoint, '/sys/fs/cgroup/my dir')
    assert.deepEqual(parseProcCgroup('0::/a:b\n'), [{id: 0, controllers: '', path: '/a:b'}])
  })

  it('hierarchyDir and pruneInitScope', () => {
    assert.equal(hierarchyDir('/sys/fs/cgroup', '/', '/'), '/sys/fs/cgroup')
    assert.equal(hierarchyDir('/sys/fs/cgroup/', '/', '/a/b'), '/sys/fs/cgroup/a/b')
    assert.equal(pruneInitScope('/init.scope'), '/')
    assert.equal(pruneInitScope('/system.slice/init.scope'), '/system.slice')
    assert.equal(pruneInitScope('/user.slice'), '/user.slice')
  })
})
