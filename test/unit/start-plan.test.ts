import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {buildContainerConfig, lexConfig, type ContainerConfig} from '../../src/core/config/index.js'
import {CLONE_NS, MNT, MS, type FsOp} from '../../src/core/monitor-spec.js'
import type {StartOptions} from '../../src/core/options.js'
import {initArgv, initEnvironment, lsmSkipped, makedev, planStart, resolveNamespaces, unsupportedFeatures} from '../../src/core/start-plan.js'

function config(text: string, env: Record<string, string> = {}): ContainerConfig {
  return buildContainerConfig(lexConfig(text, 'config').entries, {env}).config
}

const options: StartOptions = {
  name: 'web', lxcpath: '/var/lib/ctr', logfile: undefined, logpriority: undefined, quiet: false, rcfile: undefined, json: false,
  daemon: true, defines: [], console: undefined, consoleLog: undefined, closeAllFds: false, pidfile: undefined, share: {}, command: [],
}

function plan(text: string, extra: Partial<StartOptions> = {}) {
  return planStart({
    name: 'web', lxcpath: '/var/lib/ctr', rundir: '/run/ctr/x', config: config(text), configFile: '/var/lib/ctr/web/config',
    options: {...options, ...extra}, exitfile: undefined, logfile: undefined, shares: [], kernel: {cgroupNs: true, capLastCap: 40}, pidfile: undefined,
  }).spec
}

const names = (set: Set<string>): string[] => [...set].sort()

describe('namespaces (LXC resolve_clone_flags)', () => {
  it('defaults: mnt pid uts ipc net cgroup; user only with idmap; time only with offsets', () => {
    assert.deepEqual(names(resolveNamespaces(config(''), {cgroupNs: true, capLastCap: 40}, new Set())), ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts'])
    assert.deepEqual(names(resolveNamespaces(config(''), {cgroupNs: false, capLastCap: 40}, new Set())), ['ipc', 'mnt', 'net', 'pid', 'uts'])
    assert.ok(resolveNamespaces(config('lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536'), {cgroupNs: true, capLastCap: 40}, new Set()).has('user'))
  })
  it('net is kept only when every NIC is none', () => {
    assert.ok(!resolveNamespaces(config('lxc.net.0.type = none'), {cgroupNs: true, capLastCap: 40}, new Set()).has('net'))
    assert.ok(resolveNamespaces(config('lxc.net.0.type = none\nlxc.net.1.type = empty'), {cgroupNs: true, capLastCap: 40}, new Set()).has('net'))
    assert.ok(resolveNamespaces(config('lxc.net.0.type = empty'), {cgroupNs: true, capLastCap: 40}, new Set()).has('net'))
  })
  it('clone is exact, keep is everything but (user and time included)', () => {
    assert.deepEqual(names(resolveNamespaces(config('lxc.namespace.clone = mnt pid'), {cgroupNs: true, capLastCap: 40}, new Set())), ['mnt', 'pid'])
    assert.deepEqual(names(resolveNamespaces(config('lxc.namespace.keep = user net ipc time'), {cgroupNs: true, capLastCap: 40}, new Set())), ['cgroup', 'mnt', 'pid', 'uts'])
  })
  it('a shared namespace is never created', () => {
    assert.ok(!resolveNamespaces(config(''), {cgroupNs: true, capLastCap: 40}, new Set(['net'] as const)).has('net'))
  })
})

describe('init argv and environment', () => {
  it('command after --, else lxc.init.cmd (LXC quote rule), else /sbin/init', () => {
    assert.deepEqual(initArgv(config(''), ['sh', '-c', 'x']), ['sh', '-c', 'x'])
    assert.deepEqual(initArgv(config('lxc.init.cmd = /bin/sh -c "echo a; echo b"'), []), ['/bin/sh', '-c', 'echo a; echo b'])
    assert.deepEqual(initArgv(config(''), []), ['/sbin/init'])
  })
  it('environment is cleared, then container=lxc, then lxc.environment in order (later wins)', () => {
    const env = initEnvironment(config('lxc.environment = A=1\nlxc.environment = container=mine\nlxc.environment = A=2\nlxc.environment = HOME', {HOME: '/root'}))
    assert.deepEqual(env, ['container=mine', 'A=2', 'HOME=/root'])
  })
})

describe('planStart', () => {
  it('builds clone flags, hostname, argv, signals and search PATH', () => {
    const spec = plan('lxc.uts.name = web1\nlxc.init.cmd = /test-init pause\nlxc.signal.halt = SIGUSR1\nlxc.environment = PATH=/bin')
    assert.equal(spec.cloneFlags, CLONE_NS.mnt | CLONE_NS.pid | CLONE_NS.uts | CLONE_NS.ipc | CLONE_NS.net | CLONE_NS.cgroup)
    assert.equal(spec.hostname, 'web1')
    assert.deepEqual(spec.argv, ['/test-init', 'pause'])
    assert.equal(spec.haltSignal, 10)
    assert.equal(spec.rebootSignal, 2)
    assert.equal(spec.stopSignal, 9)
    assert.equal(spec.pdeathSignal, 9)
    assert.equal(spec.pathSearch, '/bin')
    assert.equal(spec.stdioInherit, false)
  })
  it('does not set the hostname when the uts namespace is shared or kept', () => {
    assert.equal(plan('lxc.uts.name = web1\nlxc.namespace.keep = uts').hostname, undefined)
  })
  it('foreground with no console inherits stdio', () => {
    assert.equal(plan('lxc.console.path = none', {daemon: false}).stdioInherit, true)
  })
  it('a console and ttys as LXC lays them out: devpts for both, container_ttys, a fresh boot id, a shared root', () => {
    const spec = plan('lxc.rootfs.path = /srv/root\nlxc.pty.max = 1024\nlxc.tty.max = 4')
    assert.deepEqual(spec.tty, {console: true, ttyMax: 4, bindTtys: true})
    const devpts = spec.fsops.find((o) => o.kind === 'mount' && o.fstype === 'devpts')
    assert.ok(devpts && devpts.kind === 'mount' && devpts.data.endsWith('max=1028'), JSON.stringify(devpts))
    assert.equal(spec.env.at(-1), 'container_ttys=pts/1 pts/2 pts/3 pts/4')
    assert.equal(spec.bootId, true)
    assert.equal(spec.rootShared, true)
    assert.equal(plan('lxc.rootfs.path = /srv/root\nlxc.autodev = 0').bootId, undefined, 'LXC sets the boot id up with autodev only')
  })
  it('ttys need a mount namespace', () => {
    assert.throws(() => plan('lxc.tty.max = 2\nlxc.namespace.keep = mnt'), (e: {code: string}) => e.code === 'CTR_CONFIG_INVALID')
  })
  it('autodev (the default) mounts a tmpfs /dev and fills it before anything mounts on it', () => {
    const ops = plan('lxc.rootfs.path = /srv/root').fsops
    const dev = ops.findIndex((o) => o.kind === 'mount' && o.target === 'dev')
    const nul = ops.findIndex((o) => o.kind === 'mknod' && o.path === 'dev/null')
    assert.ok(dev >= 0 && nul > dev)
    assert.deepEqual(ops.find((o) => o.kind === 'mknod' && o.path === 'dev/null'), {kind: 'mknod', path: 'dev/null', mode: 0o20666, dev: makedev(1, 3), opts: MNT.NO_SYMLINKS})
    assert.ok(ops.some((o) => o.kind === 'symlink' && o.path === 'dev/fd' && o.target === '/proc/self/fd'))
  })
  it('proc:mixed is LXC\'s table: proc, /proc/sys read-only with /proc/sys/net kept writable, sysrq read-only', () => {
    const ops = plan('lxc.autodev = 0\nlxc.mount.auto = proc:mixed').fsops.filter((o): o is Extract<FsOp, {kind: 'mount'}> => o.kind === 'mount')
    assert.deepEqual(ops.map((o) => [o.source, o.target, o.flags]), [
      ['proc', 'proc', MS.NOSUID | MS.NODEV | MS.NOEXEC],
      ['proc/sys/net', 'proc/tty', MS.BIND],
      ['proc/sys', 'proc/sys', MS.BIND],
      ['', 'proc/sys', MS.REMOUNT | MS.BIND | MS.RDONLY],
      ['proc/tty', 'proc/sys/net', MS.MOVE],
      ['proc/sysrq-trigger', 'proc/sysrq-trigger', MS.BIND],
      ['', 'proc/sysrq-trigger', MS.REMOUNT | MS.BIND | MS.RDONLY],
    ])
    assert.ok(ops.every((o) => o.opts & MNT.SKIP_ENOENT))
  })
  it('sys:mixed stages a writable sysfs for /sys/devices/virtual/net and unmounts it', () => {
    const ops = plan('lxc.autodev = 0\nlxc.mount.auto = sys:mixed').fsops
    assert.deepEqual(ops.at(-1), {kind: 'umount', path: 'proc/sys', opts: MNT.NO_SYMLINKS})
  })
  it('never resolves the proc, sys, dev and cgroup automounts through a symlink; mount entries still may', () => {
    const ops = plan('lxc.rootfs.path = /srv/root\nlxc.pty.max = 4\nlxc.mount.auto = proc:mixed sys:mixed\nlxc.mount.entry = /srv/data srv/data none bind,create=dir 0 0').fsops
    const entry = ops.find((o) => o.kind === 'mount' && o.target === 'srv/data')
    assert.ok(entry && !(entry.opts & MNT.NO_SYMLINKS), 'an lxc.mount.entry target resolves links inside the root')
    const auto = ops.filter((o) => o !== entry)
    assert.ok(auto.some((o) => o.kind === 'mount' && o.fstype === 'devpts'))
    for (const op of auto) assert.ok(op.opts & MNT.NO_SYMLINKS, `${JSON.stringify(op)} has NO_SYMLINKS`)
  })
  it('refuses mounts without a mount namespace of their own', () => {
    assert.throws(() => plan('lxc.namespace.keep = mnt\nlxc.mount.auto = proc'), {code: 'CTR_CONFIG_INVALID'})
    assert.throws(() => plan('lxc.namespace.keep = mnt\nlxc.rootfs.path = /srv/r'), {code: 'CTR_CONFIG_INVALID'})
  })
  it('prlimits map to RLIMIT numbers, unlimited to RLIM_INFINITY', () => {
    const spec = plan('lxc.prlimit.nofile = 1024:4096\nlxc.prlimit.core = unlimited')
    assert.deepEqual(spec.rlimits, [{resource: 7, soft: 1024n, hard: 4096n}, {resource: 4, soft: (1n << 64n) - 1n, hard: (1n << 64n) - 1n}])
  })
})

describe('keys not supported yet', () => {
  it('are reported with file:line and refused by planStart', () => {
    const cfg = config('lxc.uts.name = a\nlxc.seccomp.notify.proxy = unix:/run/p\nlxc.net.0.type = veth\nlxc.net.0.link = br0')
    const found = unsupportedFeatures(cfg)
    assert.deepEqual(found.map((f) => [f.key, f.where]), [['lxc.seccomp.notify.proxy', 'config:2']])
    const exact = unsupportedFeatures(config('lxc.log.syslog = daemon\nlxc.uts.name = a\nlxc.time.offset.boot = 1s'))
    assert.deepEqual(exact.map((f) => [f.key, f.where, f.message]), [
      ['lxc.log.syslog', 'config:1', 'logs to syslog are not supported yet'],
      ['lxc.time.offset.boot', 'config:3', 'time namespace offsets are not supported yet'],
    ], 'a family matches its key exactly or as a prefix up to a dot')
    assert.throws(() => plan('lxc.seccomp.notify.proxy = unix:/run/p'), (e: {code: string; message: string}) =>
      e.code === 'CTR_NOT_SUPPORTED' && e.message === 'config:1: lxc.seccomp.notify.proxy: seccomp notifications are not supported yet')
  })
  const LSM_CONFIG = [
    'lxc.apparmor.profile = generated', 'lxc.apparmor.allow_nesting = 1', 'lxc.apparmor.allow_incomplete = 1', 'lxc.apparmor.raw = mount,',
    'lxc.selinux.context = system_u:system_r:lxc_t:s0:c22', 'lxc.selinux.context.keyring = system_u:system_r:lxc_t:s0',
  ].join('\n')
  it('skips AppArmor and SELinux keys on a host without them, as LXC\'s nop LSM does, naming file:line', () => {
    const none = {apparmor: false, selinux: false}
    assert.deepEqual(unsupportedFeatures(config(LSM_CONFIG), none), [])
    assert.deepEqual(lsmSkipped(config(LSM_CONFIG), none), [
      'config:1: lxc.apparmor.profile: this host has no AppArmor, so the profile "generated" is not applied (LXC skips it too)',
      'config:2: lxc.apparmor.allow_nesting: this host has no AppArmor, so nesting is not applied (LXC skips it too)',
      'config:3: lxc.apparmor.allow_incomplete: this host has no AppArmor, so allow_incomplete is not applied (LXC skips it too)',
      'config:4: lxc.apparmor.raw: this host has no AppArmor, so the raw rule is not applied (LXC skips it too)',
      'config:5: lxc.selinux.context: this host has no SELinux, so the context "system_u:system_r:lxc_t:s0:c22" is not applied (LXC skips it too)',
      'config:6: lxc.selinux.context.keyring: this host has no SELinux, so the keyring context "system_u:system_r:lxc_t:s0" is not applied (LXC skips it too)',
    ])
    assert.deepEqual(lsmSkipped(config('lxc.apparmor.profile = unconfined\nlxc.apparmor.allow_nesting = 0\nlxc.selinux.context = unconfined_t'), none), [], 'nothing to say when nothing is asked for')
    const p = planStart({
      name: 'web', lxcpath: '/var/lib/ctr', rundir: '/run/ctr/x', config: config(LSM_CONFIG), configFile: 'config', options, exitfile: undefined,
      logfile: undefined, shares: [], kernel: {cgroupNs: true, capLastCap: 40, lsm: none}, pidfile: undefined,
    })
    assert.equal(p.warnings.length, 6)
  })
  it('refuses what it cannot apply on a host that has the LSM', () => {
    const found = unsupportedFeatures(config(LSM_CONFIG), {apparmor: true, selinux: true})
    assert.deepEqual(found.map((f) => [f.key, f.where]), [
      ['lxc.apparmor.profile', 'config:1'], ['lxc.apparmor.raw', 'config:4'], ['lxc.selinux.context', 'config:5'], ['lxc.selinux.context.keyring', 'config:6'],
    ])
    assert.deepEqual(unsupportedFeatures(config(LSM_CONFIG), {apparmor: true, selinux: false}).map((f) => f.key), ['lxc.apparmor.profile', 'lxc.apparmor.raw'])
    assert.deepEqual(lsmSkipped(config(LSM_CONFIG), {apparmor: true, selinux: false}).length, 2, 'the SELinux lines are skipped with a word')
    assert.throws(() => plan(LSM_CONFIG), {code: 'CTR_NOT_SUPPORTED'}, 'without facts: assume the LSMs are there and refuse')
  })
  it('accepts what it implements: NICs of every type, consoles, ttys, unconfined AppArmor, hooks', () => {
    assert.deepEqual(unsupportedFeatures(config('lxc.hook.mount = /bin/true\nlxc.hook.version = 1\nlxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.1.type = empty\nlxc.console.path = none\nlxc.apparmor.profile = unconfined\nlxc.start.auto = 1\nlxc.group = onboot')), [])
    const consoles = 'lxc.console.path = /dev/ttyS0\nlxc.console.logfile = /l\nlxc.console.size = 1MB\nlxc.console.rotate = 1\nlxc.console.buffer.size = auto\nlxc.tty.max = 4\nlxc.tty.dir = lxc'
    assert.deepEqual(unsupportedFeatures(config(consoles)), [])
  })
})
