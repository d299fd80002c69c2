import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {buildContainerConfig, lexConfig, parseMountEntry, type ContainerConfig} from '../../src/core/config/index.js'
import {MNT, MS} from '../../src/core/monitor-spec.js'
import {mountEntryOps} from '../../src/core/mount-entries.js'
import {cgroupMounts} from '../../src/core/mounts.js'
import {parseMountOptions} from '../../src/core/mount-options.js'
import {overlayWorkdir, rootfsSpec} from '../../src/core/start-plan.js'

function entry(line: string) {
  const e = parseMountEntry(line, {file: 'config', line: 1})
  assert.ok(e)
  return e
}

function config(text: string): ContainerConfig {
  return buildContainerConfig(lexConfig(text, 'config').entries).config
}

describe('mount options (LXC mount_opt table)', () => {
  const cases: Array<[string[], number, number, string]> = [
    [['defaults'], 0, 0, ''],
    [['bind', 'ro'], MS.BIND | MS.RDONLY, 0, ''],
    [['rbind', 'nosuid', 'nodev', 'noexec'], MS.BIND | MS.REC | MS.NOSUID | MS.NODEV | MS.NOEXEC, 0, ''],
    [['ro', 'rw'], 0, 0, ''],
    [['nosuid', 'suid'], 0, 0, ''],
    [['size=1m', 'mode=755', 'noatime'], MS.NOATIME, 0, 'size=1m,mode=755'],
    [['bind', 'rslave'], MS.BIND, MS.SLAVE | MS.REC, ''],
    [['shared'], 0, MS.SHARED, ''],
    // LXC ignores these flags.
    [['sync', 'async', 'dirsync', 'lazytime', 'mand', 'nomand', 'remount'], 0, 0, ''],
  ]
  for (const [options, flags, propagation, data] of cases) {
    it(options.join(','), () => assert.deepEqual(parseMountOptions(options), {flags, propagation, data}))
  }
})

describe('mount entries', () => {
  const withRoot = {rootfsPath: '/var/lib/ctr/web/rootfs', defaultRootfs: '/var/lib/ctr/web/rootfs'}
  it('relative targets are inside the rootfs; LXC options become op flags', () => {
    const {ops} = mountEntryOps([entry('/srv/data mnt/data none bind,ro,create=dir,optional 0 0')], withRoot)
    assert.deepEqual(ops, [{kind: 'mount', source: '/srv/data', target: 'mnt/data', fstype: 'none', flags: MS.BIND | MS.RDONLY, data: '', opts: MNT.CREATE_DIR | MNT.OPTIONAL}])
  })
  it('create=file and relative (a source inside the rootfs)', () => {
    const {ops} = mountEntryOps([entry('etc/hosts etc/hosts2 none bind,create=file,relative 0 0')], withRoot)
    assert.equal(ops[0]?.opts, MNT.CREATE_FILE | MNT.SRC_IN_ROOT)
  })
  it('absolute targets under the rootfs path are made relative; others are ignored with a warning', () => {
    const {ops, warnings} = mountEntryOps([
      entry('tmpfs /var/lib/ctr/web/rootfs/tmp tmpfs size=1m 0 0'),
      entry('tmpfs /etc tmpfs size=1m 0 0'),
    ], {rootfsPath: '/srv/web', defaultRootfs: '/var/lib/ctr/web/rootfs'})
    assert.equal(ops.length, 1)
    assert.equal(ops[0]?.kind === 'mount' && ops[0].target, 'tmp')
    assert.deepEqual(warnings, ['config:1: Ignoring mount point "/etc": it is not under the rootfs "/srv/web"'])
  })
  it('without a rootfs every target is a host path', () => {
    const {ops} = mountEntryOps([entry('tmpfs tmp tmpfs defaults 0 0'), entry('tmpfs /run tmpfs defaults 0 0')], {rootfsPath: undefined, defaultRootfs: '/x'})
    assert.deepEqual(ops.map((o) => (o.kind === 'mount' ? o.target : '')), ['/tmp', '/run'])
  })
  it('propagation options become a second operation on the same target', () => {
    const {ops} = mountEntryOps([entry('/srv mnt none rbind,rslave,optional 0 0')], withRoot)
    assert.deepEqual(ops[1], {kind: 'mount', source: '', target: 'mnt', fstype: '', flags: MS.SLAVE | MS.REC, data: '', opts: MNT.OPTIONAL})
  })
  it('\\040 escapes are decoded', () => {
    const {ops} = mountEntryOps([entry('/srv/my\\040data mnt/my\\040data none bind 0 0')], withRoot)
    assert.equal(ops[0]?.kind === 'mount' && ops[0].source, '/srv/my data')
  })
  it('refuses idmapped entries', () => {
    assert.throws(() => mountEntryOps([entry('/srv mnt none bind,idmap=container 0 0')], withRoot), {code: 'CTR_NOT_SUPPORTED'})
  })
})

describe('rootfs', () => {
  it('dir: binds the path; ro becomes a read-only root applied last', () => {
    const spec = rootfsSpec(config('lxc.rootfs.path = dir:/srv/web\nlxc.rootfs.options = ro,nosuid'), '/run/ctr/x')
    assert.deepEqual(spec, {rootfs: '/srv/web', rootfsReadonly: true, rootfsMount: {fstype: '', source: '', data: '', flags: MS.NOSUID}})
  })
  it('overlay: lower layers, upper, and ctr\'s work dir beside the upper dir', () => {
    const spec = rootfsSpec(config('lxc.rootfs.path = overlay:/srv/base:/srv/web/delta'), '/run/ctr/x')
    assert.deepEqual(spec.rootfsMount, {fstype: 'overlay', source: 'overlay', data: 'lowerdir=/srv/base,upperdir=/srv/web/delta,workdir=/srv/web/olwork', flags: 0})
    assert.equal(spec.rootfs, '/run/ctr/x/rootfs')
    assert.equal(overlayWorkdir('/srv/web/delta/'), '/srv/web/olwork')
  })
  it('overlay option values escape commas and colons', () => {
    const spec = rootfsSpec(config('lxc.rootfs.path = overlay:/srv/a,b:/srv/up'), '/run/ctr/x')
    assert.match(spec.rootfsMount?.data ?? '', /^lowerdir=\/srv\/a\\,b,/)
  })
})

describe('cgroup automounts (LXC 5.0 cgfsng_mount)', () => {
  const hybrid = {
    kind: 'hybrid' as const,
    euid: 0,
    hierarchies: [
      {version: 1 as const, id: 'cpu,cpuacct', controllers: ['cpu', 'cpuacct'], mountPoint: '/sys/fs/cgroup/cpu,cpuacct', mountRoot: '/', selfPath: '/', initPath: '/'},
      {version: 1 as const, id: 'name=systemd', controllers: [], mountPoint: '/sys/fs/cgroup/systemd', mountRoot: '/', selfPath: '/', initPath: '/'},
      {version: 2 as const, id: '', controllers: [], mountPoint: '/sys/fs/cgroup/unified', mountRoot: '/', selfPath: '/', initPath: '/'},
    ],
  }
  const v2 = {kind: 'v2' as const, euid: 0, hierarchies: [{version: 2 as const, id: '', controllers: [], mountPoint: '/sys/fs/cgroup', mountRoot: '/', selfPath: '/', initPath: '/'}]}
  const auto = (text: string) => config(`lxc.mount.auto = ${text}`).mountAuto
  const ctx = {layout: hybrid, cgroupNs: true, sysAdmin: true}

  it('mounts nothing with a cgroup namespace and CAP_SYS_ADMIN unless forced: init mounts what it wants', () => {
    assert.deepEqual(cgroupMounts(auto('cgroup:mixed'), ctx), [])
    assert.deepEqual(cgroupMounts(auto('cgroup'), ctx), [])
  })
  it('cgroup2 is always forced (LXC 5.0.2\'s table): cgroup2 on /sys/fs/cgroup, read-only with :ro', () => {
    const ops = cgroupMounts(auto('cgroup2:ro'), ctx).filter((o) => o.kind === 'mount')
    assert.deepEqual(ops.map((o) => o.kind === 'mount' && [o.fstype, o.target, (o.flags & MS.RDONLY) !== 0]), [['cgroup2', 'sys/fs/cgroup', true]])
  })
  it(':force on a hybrid host: a tmpfs and every hierarchy under its host name', () => {
    const ops = cgroupMounts(auto('cgroup:ro:force'), ctx)
    assert.deepEqual(ops.map((o) => (o.kind === 'mount' ? `${o.fstype} ${o.target} ${o.data} ${o.flags & MS.RDONLY ? 'ro' : 'rw'}` : `${o.kind} ${o.kind === 'mkdir' ? o.path : ''}`)), [
      'tmpfs sys/fs/cgroup size=10240k,mode=755 rw',
      'mkdir sys/fs/cgroup/cpu,cpuacct',
      'cgroup sys/fs/cgroup/cpu,cpuacct cpu,cpuacct ro',
      'mkdir sys/fs/cgroup/systemd',
      'cgroup sys/fs/cgroup/systemd name=systemd ro',
      'mkdir sys/fs/cgroup/unified',
      'cgroup2 sys/fs/cgroup/unified  ro',
    ])
  })
  it('without CAP_SYS_ADMIN the mounts are made (mixed is read-write in a cgroup namespace)', () => {
    const ops = cgroupMounts(auto('cgroup:mixed'), {...ctx, sysAdmin: false})
    assert.equal(ops.length, 7)
    assert.ok(ops.every((o) => o.kind !== 'mount' || !(o.flags & MS.RDONLY)))
  })
  it('a pure cgroup2 host always gets cgroup2 on /sys/fs/cgroup', () => {
    const ops = cgroupMounts(auto('cgroup:mixed'), {...ctx, layout: v2})
    assert.deepEqual(ops.filter((o) => o.kind === 'mount').map((o) => o.kind === 'mount' && `${o.fstype} ${o.target}`), ['cgroup2 sys/fs/cgroup'])
  })
  it('refuses without a cgroup namespace (LXC would bind host paths)', () => {
    assert.throws(() => cgroupMounts(auto('cgroup:rw:force'), {...ctx, cgroupNs: false}), {code: 'CTR_NOT_SUPPORTED'})
  })
})
