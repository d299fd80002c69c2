// `lxc-info -c KEY` output (get_config_item). The expected strings were
// produced by lxc-info 5.0.2 on the dev machine for the same configs; the
// rows marked "6.0" use LXC 6.0's fixed format where 5.0 differs.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {getConfigItem} from '../../src/core/config/get-item.js'
import {lexConfig} from '../../src/core/config/lexer.js'
import {buildContainerConfig} from '../../src/core/config/model.js'
import type {ContainerConfig} from '../../src/core/config/model.js'

function load(text: string): ContainerConfig {
  return buildContainerConfig(lexConfig(text, 'config').entries, {env: {HOME: '/root'}}).config
}

function table(config: ContainerConfig, rows: Array<[key: string, want: string | undefined]>): void {
  for (const [key, want] of rows) {
    it(`${key} -> ${JSON.stringify(want)}`, () => assert.equal(getConfigItem(config, key), want))
  }
}

describe('getConfigItem: an empty config', () => {
  table(load(''), [
    ['lxc.arch', ''],
    ['lxc.autodev', '1'],
    ['lxc.autodev.tmpfs.size', '0'],
    ['lxc.log.level', 'NOTSET'],
    ['lxc.log.file', ''],
    ['lxc.monitor.signal.pdeath', '9'],
    ['lxc.signal.halt', '0'],
    ['lxc.keyring.session', '0'],
    ['lxc.rootfs.managed', '1'],
    ['lxc.rootfs.mount', '/usr/lib/x86_64-linux-gnu/lxc/rootfs'],
    ['lxc.rootfs.path', ''],
    ['lxc.time.offset.boot', '0ns'],
    ['lxc.namespace.share.net', '(null)'],
    ['lxc.cgroup.dir', '(null)'],
    ['lxc.cgroup.dir.container.inner', '(null)'],
    ['lxc.net', ''],
    ['lxc.cgroup2', ''],
    ['lxc.cgroup2.', ''],
    ['lxc.prlimit', ''],
    ['lxc.prlimit.nofile', ''],
    ['lxc.sysctl.x', ''],
    ['lxc.mount.auto', ''],
    ['lxc.hook.start', ''],
    ['lxc.console.size', '0'],
    ['lxc.start.order', '0'],
    ['lxc.hook', undefined],
    ['lxc.include', undefined],
    ['lxc.bogus', undefined],
    ['lxc.net.0', undefined],
    ['lxc.net.0.type', undefined],
    ['lxc.cgroup2x', undefined],
    ['lxc.namespace.share.bogus', undefined],
    ['lxc.hook.bogus', undefined],
  ])
})

const FULL = `lxc.uts.name = host1
lxc.arch = i386
lxc.apparmor.profile = unconfined
lxc.apparmor.allow_incomplete = 1
lxc.apparmor.raw = mount,
lxc.apparmor.raw = deny /x,
lxc.autodev = 0
lxc.autodev.tmpfs.size = 1000
lxc.cap.drop = sys_module mknod
lxc.cap.drop = 10
lxc.cgroup2.memory.max = 1G
lxc.cgroup2.memory.max = 2G
lxc.cgroup2.pids.max = 10
lxc.cgroup.devices.allow = a
lxc.cgroup.dir = a/b/
lxc.cgroup.dir.container = con//x
lxc.cgroup.relative = 1
lxc.console.buffer.size = 5000
lxc.console.size = 1MB
lxc.console.logfile = /var/log//c.log
lxc.environment = A=1
lxc.environment = HOME
lxc.execute.cmd = /bin/sh -c 'x y'
lxc.group = onboot web,db
lxc.hook.pre-start = /a b
lxc.hook.pre-start = /c
lxc.hook.version = 1
lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 0x10 010
lxc.init.cmd = /sbin/init "a b" 'c'
lxc.init.uid = 0x10
lxc.init.groups = 1,2
lxc.init.groups = 3
lxc.init.cwd = /root/./x/
lxc.keyring.session = 1
lxc.log.level = 2
lxc.log.syslog = Local3
lxc.monitor.unshare = 7
lxc.monitor.signal.pdeath = SIGTERM
lxc.mount.auto = proc:rw sys cgroup-full:ro
lxc.mount.entry = proc proc proc nodev 0 0
lxc.mount.entry = /a\\040b c none bind,optional,create=dir
lxc.namespace.keep = NET user
lxc.namespace.share.net = 123
lxc.prlimit.nofile = 10:20
lxc.prlimit.core = unlimited
lxc.prlimit.nproc = 7:unlimited
lxc.pty.max = 010
lxc.rootfs.managed = 0
lxc.rootfs.mount = /mnt//r
lxc.rootfs.options = ro,idmap=container
lxc.rootfs.path = btrfs:/var/lib/lxc/c/rootfs/
lxc.seccomp.notify.proxy = unix:/run/x.sock
lxc.seccomp.profile = /p/./s
lxc.signal.halt = SIGRTMIN+3
lxc.signal.reboot = 0x1e
lxc.start.order = -3
lxc.sysctl.net.ipv4.ip_forward = 1
lxc.sysctl.net.ipv4.ip_forward = 0
lxc.sysctl.kernel.x = 2
lxc.proc.oom_score_adj = 10
lxc.proc.oom_score_adj = 20
lxc.proc.setgroups = deny
`

describe('getConfigItem: a full config', () => {
  table(load(FULL), [
    ['lxc.uts.name', 'host1'],
    ['lxc.arch', 'i686'],
    ['lxc.apparmor.raw', 'mount,\ndeny /x,\n'],
    ['lxc.autodev.tmpfs.size', '1000'],
    ['lxc.autodev', '0'],
    ['lxc.cap.drop', 'sys_module\nmknod\n10\n'],
    ['lxc.cap.keep', ''], // 6.0; 5.0 prints the drop list here too
    ['lxc.cgroup2', 'lxc.cgroup2.memory.max = 1G\nlxc.cgroup2.memory.max = 2G\nlxc.cgroup2.pids.max = 10\n'],
    ['lxc.cgroup2.memory.max', '1G\n2G\n'],
    ['lxc.cgroup', 'lxc.cgroup.devices.allow = a\n'],
    ['lxc.cgroup.devices.allow', 'a\n'],
    ['lxc.cgroup.dir', 'a/b'],
    ['lxc.cgroup.dir.container', 'con/x'],
    ['lxc.cgroup.dir.monitor', '(null)'],
    ['lxc.cgroup.relative', '1'],
    ['lxc.console.buffer.size', '8192'],
    ['lxc.console.size', '1048576'],
    ['lxc.console.logfile', '/var/log/c.log'],
    ['lxc.environment', 'A=1\nHOME=/root\n'],
    ['lxc.execute.cmd', "/bin/sh -c 'x y'"],
    ['lxc.group', 'onboot\nweb,db\n'],
    ['lxc.hook.pre-start', '/a b\n/c\n'],
    ['lxc.hook.version', '1'],
    ['lxc.idmap', 'u 0 100000 65536\ng 0 16 8'],
    ['lxc.init.cmd', '/sbin/init "a b" \'c\''],
    ['lxc.init.uid', '16'],
    ['lxc.init.groups', '1,2,3'],
    ['lxc.init.cwd', '/root/x'],
    ['lxc.keyring.session', '1'],
    ['lxc.log.level', 'INFO'],
    ['lxc.log.syslog', 'Local3'],
    ['lxc.monitor.unshare', '7'],
    ['lxc.monitor.signal.pdeath', '15'],
    ['lxc.mount.auto', 'proc:rw sys:mixed cgroup-full:ro'],
    ['lxc.mount.entry', 'proc proc proc nodev 0 0\n/a\\040b c none bind,optional,create=dir\n'],
    ['lxc.namespace.clone', ''],
    ['lxc.namespace.keep', 'user\nnet\n'],
    ['lxc.namespace.share.net', '123'],
    ['lxc.namespace.share.mnt', '(null)'],
    ['lxc.prlimit', 'lxc.prlimit.nofile = 10:20\nlxc.prlimit.core = unlimited\nlxc.prlimit.nproc = 7:unlimited\n'],
    ['lxc.prlimit.nproc', '7:unlimited'],
    ['lxc.pty.max', '8'],
    ['lxc.rootfs.managed', '0'],
    ['lxc.rootfs.mount', '/mnt/r'],
    ['lxc.rootfs.options', 'ro,idmap=container'],
    ['lxc.rootfs.path', '/var/lib/lxc/c/rootfs'],
    ['lxc.seccomp.notify.proxy', '/run/x.sock'],
    ['lxc.seccomp.profile', '/p/s'],
    ['lxc.signal.halt', '37'],
    ['lxc.signal.reboot', '30'],
    ['lxc.start.order', '-3'],
    ['lxc.sysctl', 'lxc.sysctl.net.ipv4.ip_forward = 0\nlxc.sysctl.kernel.x = 2\n'],
    ['lxc.sysctl.net.ipv4.ip_forward', '0'],
    ['lxc.proc', 'lxc.proc.oom_score_adj = 10\nlxc.proc.oom_score_adj = 20\nlxc.proc.setgroups = deny\n'],
    ['lxc.proc.oom_score_adj', '1020'],
    ['lxc.utsname', 'host1'], // a legacy name answers for its modern key (LXC 3+: invalid)
  ])
})

const NETS = `lxc.net.0.type = veth
lxc.net.0.link = br0
lxc.net.0.flags = up
lxc.net.0.name = eth0
lxc.net.0.hwaddr = 00:16:3e:11:22:33
lxc.net.0.mtu = 1400
lxc.net.0.l2proxy = 1
lxc.net.0.script.up = /up
lxc.net.0.ipv4.address = 10.0.3.5/24
lxc.net.0.ipv4.address = 10.0.3.6
lxc.net.0.ipv4.gateway = 10.0.3.1
lxc.net.0.ipv6.address = fe80::0:1/64
lxc.net.0.ipv6.address = 2001:db8:0:0:1:0:0:1
lxc.net.0.ipv6.gateway = dev
lxc.net.0.veth.mode = router
lxc.net.0.veth.pair = vethA
lxc.net.0.veth.vlan.id = 10
lxc.net.0.veth.vlan.tagged.id = 5
lxc.net.0.veth.vlan.tagged.id = 6
lxc.net.0.veth.ipv4.route = 192.168.1.0/24
lxc.net.0.veth.ipv6.route = 2001:db8::/32
lxc.net.0.veth.n_rxqueues = 4
lxc.net.2.type = macvlan
lxc.net.2.macvlan.mode = bridge
lxc.net.3.type = ipvlan
lxc.net.4.type = vlan
lxc.net.4.vlan.id = 100
lxc.net.6.type = empty
lxc.net.7.type = veth
lxc.net.7.veth.mode =
lxc.net.7.veth.vlan.id = none
lxc.net.8.type = veth
lxc.net.8.type =
`

describe('getConfigItem: networks', () => {
  table(load(NETS), [
    ['lxc.net', 'veth\nmacvlan\nipvlan\nvlan\nempty\nveth\n(invalid)\n'],
    ['lxc.net.0.type', 'veth'],
    ['lxc.net.0.flags', 'up'],
    ['lxc.net.0.link', 'br0'],
    ['lxc.net.0.name', 'eth0'],
    ['lxc.net.0.hwaddr', '00:16:3e:11:22:33'],
    ['lxc.net.0.mtu', '1400'],
    ['lxc.net.0.l2proxy', '1'],
    ['lxc.net.0.script.up', '/up'],
    ['lxc.net.0.script.down', ''],
    ['lxc.net.0.ipv4.address', '10.0.3.5/24\n10.0.3.6/8'],
    ['lxc.net.0.ipv4.gateway', '10.0.3.1'],
    ['lxc.net.0.ipv6.address', 'fe80::1/64\n2001:db8::1:0:0:1/64'],
    ['lxc.net.0.ipv6.gateway', 'dev'],
    ['lxc.net.0.veth.mode', 'router'],
    ['lxc.net.0.veth.pair', 'vethA'],
    ['lxc.net.0.veth.vlan.id', '10'],
    ['lxc.net.0.veth.vlan.tagged.id', '5\n6'],
    ['lxc.net.0.veth.ipv4.route', '192.168.1.0/24'],
    ['lxc.net.0.veth.ipv6.route', '2001:db8::/32'],
    ['lxc.net.0.veth.n_rxqueues', '4'],
    ['lxc.net.0.veth.n_txqueues', ''],
    ['lxc.net.0.macvlan.mode', undefined],
    ['lxc.net.0.vlan.id', undefined],
    ['lxc.net.1.type', undefined],
    ['lxc.net.2.macvlan.mode', 'bridge'],
    ['lxc.net.2.veth.pair', undefined],
    ['lxc.net.3.ipvlan.mode', 'l2'],
    ['lxc.net.3.ipvlan.isolation', 'bridge'],
    ['lxc.net.4.vlan.id', '100'],
    ['lxc.net.6.name', 'lo'],
    ['lxc.net.6.flags', ''],
    ['lxc.net.7.veth.mode', '(invalid)'],
    ['lxc.net.7.veth.vlan.id', '-1'],
    ['lxc.net.7.veth.pair', ''],
    ['lxc.net.8.type', '(null)'],
    ['lxc.network.0.link', 'br0'],
  ])
})

describe('getConfigItem: formats with quirks', () => {
  it('mount.auto omits cgroup2, :force variants and a lone shmounts', () => {
    assert.equal(getConfigItem(load('lxc.mount.auto = cgroup:mixed:force sys:ro'), 'lxc.mount.auto'), 'sys:ro')
    assert.equal(getConfigItem(load('lxc.mount.auto = cgroup2 proc'), 'lxc.mount.auto'), 'proc:mixed')
    assert.equal(getConfigItem(load('lxc.mount.auto = shmounts:/a'), 'lxc.mount.auto'), '')
    assert.equal(getConfigItem(load('lxc.mount.auto = cgroup'), 'lxc.mount.auto'), 'cgroup')
  })

  it('cap.keep after keep none is empty', () => {
    assert.equal(getConfigItem(load('lxc.cap.keep = sys_admin\nlxc.cap.keep = none\nlxc.cap.keep = mknod'), 'lxc.cap.keep'), 'mknod\n')
    assert.equal(getConfigItem(load('lxc.cap.keep = none'), 'lxc.cap.keep'), '')
  })

  it('time offsets print seconds, else nanoseconds (6.0 format)', () => {
    const c = load('lxc.time.offset.boot = 5h\nlxc.time.offset.monotonic = 3ms')
    assert.equal(getConfigItem(c, 'lxc.time.offset.boot'), '18000s')
    assert.equal(getConfigItem(c, 'lxc.time.offset.monotonic'), '3000000ns')
  })

  it('an abstract notify proxy loses its @', () => {
    assert.equal(getConfigItem(load('lxc.seccomp.notify.proxy = unix:@abs'), 'lxc.seccomp.notify.proxy'), 'abs')
  })

  it('rootfs.path prints the path part only, rootfs.mount default is configurable', () => {
    assert.equal(getConfigItem(load('lxc.rootfs.path = overlay:/lower:/upper\nlxc.rootfs.path = /plain'), 'lxc.rootfs.path'), '/plain')
    assert.equal(getConfigItem(load(''), 'lxc.rootfs.mount', {rootfsMountDefault: '/run/ctr/rootfs'}), '/run/ctr/rootfs')
  })

  it('keyring.session prints the value LXC stores', () => {
    assert.equal(getConfigItem(load('lxc.keyring.session = 0'), 'lxc.keyring.session'), '0')
    assert.equal(getConfigItem(load('lxc.keyring.session = 1\nlxc.keyring.session ='), 'lxc.keyring.session'), '0')
  })

  it('signals print 0 when unset or 0, numbers otherwise', () => {
    const c = load('lxc.signal.halt = 99\nlxc.signal.stop = 0')
    assert.equal(getConfigItem(c, 'lxc.signal.halt'), '99')
    assert.equal(getConfigItem(c, 'lxc.signal.stop'), '0')
  })

  it('lists reset by an empty value', () => {
    assert.equal(getConfigItem(load('lxc.environment = A=1\nlxc.environment =\nlxc.environment = B=2'), 'lxc.environment'), 'B=2\n')
    assert.equal(getConfigItem(load('lxc.cgroup2.memory.max = 1\nlxc.cgroup2 =\nlxc.cgroup2.cpu.max = 2'), 'lxc.cgroup2'), 'lxc.cgroup2.cpu.max = 2\n')
    assert.equal(getConfigItem(load('lxc.prlimit.nofile = 1\nlxc.prlimit =\nlxc.prlimit.core = unlimited'), 'lxc.prlimit'), 'lxc.prlimit.core = unlimited\n')
  })
})
