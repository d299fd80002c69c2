// Applying entries in order (docs/lxc-contract.md §8.1 rules 6-9): scalars, lists,
// clearing, the network type-first rule, the mutually exclusive keys,
// legacy aliases, and the typed fields the start code consumes. Behaviour
// marked "LXC" was checked with lxc-info 5.0.2 on the dev machine.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {lexConfig} from '../../src/core/config/lexer.js'
import type {ConfigEntry} from '../../src/core/config/lexer.js'
import {
  buildContainerConfig,
  completeHwaddr,
  createConfigBuilder,
  createDefaultConfig,
  isSet,
  parseFstab,
  parseMountEntry,
  usedKeys,
} from '../../src/core/config/model.js'
import type {BuildOptions, ContainerConfig} from '../../src/core/config/model.js'
import {CtrError} from '../../src/core/errors.js'

function build(text: string, options: BuildOptions = {}): {config: ContainerConfig; warnings: string[]} {
  const {config, warnings} = buildContainerConfig(lexConfig(text, 'config').entries, options)
  return {config, warnings: warnings.map((w) => `${w.line} ${w.code}`)}
}

function cfg(text: string, options: BuildOptions = {}): ContainerConfig {
  return build(text, options).config
}

function fails(text: string, options: BuildOptions = {}): CtrError {
  try {
    build(text, options)
  } catch (error) {
    assert.ok(error instanceof CtrError, String(error))
    assert.equal(error.exitCode, 1)
    return error
  }
  assert.fail(`expected ${JSON.stringify(text)} to be refused`)
}

describe('defaults', () => {
  it('match lxc_conf_init', () => {
    const c = createDefaultConfig()
    assert.equal(c.autodev, true)
    assert.equal(c.autodevTmpfsSize, undefined)
    assert.equal(c.monitorSignalPdeath, 9)
    assert.equal(c.keyringSession, true)
    assert.equal(c.rootfs.managed, true)
    assert.equal(c.rootfs.type, 'detected')
    assert.equal(c.hookVersion, 0)
    assert.deepEqual(c.nets, [])
    assert.deepEqual(c.signals, {halt: undefined, reboot: undefined, stop: undefined})
    assert.equal(Object.getPrototypeOf(c.hooks), null)
    assert.equal(Object.getPrototypeOf(c.namespaces.share), null)
  })
})

describe('order, scalars and lists', () => {
  it('takes the last scalar', () => {
    assert.equal(cfg('lxc.uts.name = a\nlxc.uts.name = b').utsName, 'b')
    assert.equal(cfg('lxc.tty.max = 1\nlxc.tty.max = 010').tty.max, 8)
  })

  it('appends list lines', () => {
    const c = cfg('lxc.mount.entry = a b c d\nlxc.uts.name = x\nlxc.mount.entry = e f g h\nlxc.group = a b\nlxc.group = c,d')
    assert.deepEqual(c.mountEntriesRaw, ['a b c d', 'e f g h'])
    assert.deepEqual(c.groups, ['a', 'b', 'c,d'])
  })

  it('keeps every applied entry in order, with the modern key', () => {
    const c = cfg('lxc.utsname = a\nlxc.tty.max = 2')
    assert.deepEqual(c.entries.map((e) => [e.key, e.canonical, e.value, e.line]), [
      ['lxc.utsname', 'lxc.uts.name', 'a', 1],
      ['lxc.tty.max', 'lxc.tty.max', '2', 2],
    ])
  })
})

describe('an empty value clears (§8.1 rule 8)', () => {
  const scalarCases: Array<[text: string, read: (c: ContainerConfig) => unknown, want: unknown]> = [
    ['lxc.uts.name = a\nlxc.uts.name =', (c) => c.utsName, undefined],
    ['lxc.uts.name = a\nlxc.uts.name = ""', (c) => c.utsName, undefined],
    ['lxc.tty.max = 3\nlxc.tty.max =', (c) => c.tty.max, 0],
    ['lxc.init.cmd = /x\nlxc.init.cmd =', (c) => c.initCmd, undefined],
    ['lxc.signal.halt = SIGTERM\nlxc.signal.halt =', (c) => c.signals.halt, undefined],
    ['lxc.signal.halt = 0', (c) => c.signals.halt, undefined],
    ['lxc.log.level = 1\nlxc.log.level =', (c) => c.log.level, undefined],
    ['lxc.rootfs.managed = 0\nlxc.rootfs.managed =', (c) => c.rootfs.managed, true],
    ['lxc.keyring.session = 0\nlxc.keyring.session =', (c) => c.keyringSession, true],
    ['lxc.start.order = 5\nlxc.start.order =', (c) => c.start.order, 0],
    ['lxc.console.size = 1MB\nlxc.console.size =', (c) => c.console.size, 0],
    // LXC's setters, not the defaults:
    ['lxc.autodev =', (c) => c.autodev, false],
    ['lxc.monitor.signal.pdeath =', (c) => c.monitorSignalPdeath, 0],
    ['lxc.autodev.tmpfs.size =', (c) => c.autodevTmpfsSize, 500000],
  ]
  for (const [text, read, want] of scalarCases) {
    it(JSON.stringify(text), () => assert.deepEqual(read(cfg(text)), want))
  }

  const listCases: Array<[text: string, read: (c: ContainerConfig) => unknown]> = [
    ['lxc.mount.entry = a b c d\nlxc.mount.entry =', (c) => [...c.mountEntries, ...c.mountEntriesRaw]],
    ['lxc.environment = A=1\nlxc.environment =', (c) => c.environment],
    ['lxc.idmap = u 0 1 1\nlxc.idmap =', (c) => c.idmaps],
    ['lxc.group = a\nlxc.group =', (c) => c.groups],
    ['lxc.init.groups = 1\nlxc.init.groups =', (c) => c.initGroups],
    ['lxc.apparmor.raw = x\nlxc.apparmor.raw =', (c) => c.apparmor.raw],
    ['lxc.cap.drop = mknod\nlxc.cap.drop =', (c) => c.caps.drop],
    ['lxc.hook.start = /a\nlxc.hook.start =', (c) => c.hooks.start],
    ['lxc.hook.start = /a\nlxc.hook.stop = /b\nlxc.hook =', (c) => [...c.hooks.start, ...c.hooks.stop]],
    ['lxc.cgroup2.memory.max = 1\nlxc.cgroup2.pids.max = 2\nlxc.cgroup2 =', (c) => c.cgroup.v2],
    ['lxc.cgroup.devices.allow = a\nlxc.cgroup =', (c) => c.cgroup.v1],
    ['lxc.prlimit.nofile = 1\nlxc.prlimit.core = 2\nlxc.prlimit =', (c) => c.prlimits],
    ['lxc.sysctl.a = 1\nlxc.sysctl.b = 2\nlxc.sysctl =', (c) => c.sysctls],
    ['lxc.proc.a = 1\nlxc.proc =', (c) => c.procs],
    ['lxc.net.0.type = veth\nlxc.net.1.type = veth\nlxc.net =', (c) => c.nets],
    ['lxc.namespace.clone = net\nlxc.namespace.clone =', (c) => c.namespaces.clone ?? []],
  ]
  for (const [text, read] of listCases) {
    it(JSON.stringify(text), () => assert.deepEqual(read(cfg(text)), []))
  }

  it('clears only the named family member', () => {
    const c = cfg('lxc.cgroup2.memory.max = 1\nlxc.cgroup2.pids.max = 2\nlxc.cgroup2.memory.max =\nlxc.prlimit.nofile = 1\nlxc.prlimit.core = 2\nlxc.prlimit.nofile =\nlxc.hook.start = /a\nlxc.hook.stop = /b\nlxc.hook.start =')
    assert.deepEqual(c.cgroup.v2.map((s) => s.file), ['pids.max'])
    assert.deepEqual(c.prlimits.map((p) => p.resource), ['core'])
    assert.deepEqual(c.hooks.stop, ['/b'])
  })

  const refused: Array<[text: string, message: RegExp]> = [
    ['lxc.mount.fstab =', /lxc\.mount\.fstab needs a path/],
    ['lxc.arch =', /unsupported personality ""/],
    ['lxc.net = x', /lxc\.net must not have a value/],
    ['lxc.hook = x', /lxc\.hook must not have a value/],
    ['lxc.cgroup2 = 1', /Unsupported config key "lxc\.cgroup2"/],
    ['lxc.prlimit = 1', /Unsupported config key "lxc\.prlimit"/],
    ['lxc.sysctl = 1', /Unsupported config key "lxc\.sysctl"/],
    ['lxc.proc = 1', /Unsupported config key "lxc\.proc"/],
  ]
  for (const [text, message] of refused) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.match(fails(text).message, message))
  }
})

describe('networks (§8.1 rule 9)', () => {
  it('builds NICs sorted by index with the type defaults LXC sets', () => {
    const c = cfg('lxc.net.3.type = ipvlan\nlxc.net.1.type = macvlan\nlxc.net.0.type = veth\nlxc.net.5.type = empty\nlxc.net.6.type = vlan')
    assert.deepEqual(c.nets.map((n) => [n.index, n.type]), [[0, 'veth'], [1, 'macvlan'], [3, 'ipvlan'], [5, 'empty'], [6, 'vlan']])
    assert.equal(c.nets[0]?.veth.mode, 'bridge')
    assert.equal(c.nets[1]?.macvlan.mode, 'private')
    // LXC's cleared mode value is IPVLAN_MODE_L2, so its "l3" default never applies.
    assert.deepEqual(c.nets[2]?.ipvlan, {mode: 'l2', isolation: 'bridge'})
    assert.equal(c.nets[3]?.name, 'lo')
    assert.equal(c.nets[4]?.vlan.id, 0)
  })

  it('fills every field of a veth NIC', () => {
    const n = cfg([
      'lxc.net.0.type = veth', 'lxc.net.0.link = br0', 'lxc.net.0.flags = down', 'lxc.net.0.name = eth0',
      'lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx', 'lxc.net.0.mtu = 1400', 'lxc.net.0.l2proxy = 1',
      'lxc.net.0.ipv4.address = 10.0.3.5/24', 'lxc.net.0.ipv4.gateway = auto', 'lxc.net.0.ipv6.address = FE80::1',
      'lxc.net.0.ipv6.gateway = 2001:db8::1', 'lxc.net.0.veth.pair = vethA', 'lxc.net.0.veth.mode = router',
      'lxc.net.0.veth.ipv4.route = 1.2.3.0/24', 'lxc.net.0.veth.ipv6.route = 2001:db8::/32', 'lxc.net.0.veth.vlan.id = none',
      'lxc.net.0.veth.vlan.tagged.id = 5', 'lxc.net.0.veth.vlan.tagged.id = 6', 'lxc.net.0.veth.n_rxqueues = 2',
      'lxc.net.0.script.up = /up', 'lxc.net.0.script.down = /down',
    ].join('\n')).nets[0]
    assert.ok(n)
    assert.equal(n.up, true, 'any non-empty flags value means up')
    assert.equal(n.link, 'br0')
    assert.equal(n.hwaddr, '00:16:3e:xx:xx:xx')
    assert.deepEqual(n.ipv4, {addresses: [{address: '10.0.3.5', prefix: 24, broadcast: '10.0.3.255'}], gateway: {kind: 'auto'}})
    assert.deepEqual(n.ipv6, {addresses: [{address: 'fe80::1', prefix: 64}], gateway: {kind: 'address', address: '2001:db8::1'}})
    assert.deepEqual(n.veth, {
      pair: 'vethA', mode: 'router', ipv4Routes: [{address: '1.2.3.0', prefix: 24}], ipv6Routes: [{address: '2001:db8::', prefix: 32}],
      vlanId: 'none', vlanTaggedIds: [5, 6], rxQueues: 2, txQueues: undefined,
    })
    assert.deepEqual(n.script, {up: '/up', down: '/down'})
    assert.equal(n.implicit, false)
  })

  it('a type line wipes the NIC and warns about what it discards', () => {
    const {config, warnings} = build('lxc.net.0.link = br0\nlxc.net.0.name = eth0\nlxc.net.0.type = veth\n')
    assert.deepEqual([config.nets[0]?.type, config.nets[0]?.link, config.nets[0]?.name], ['veth', undefined, undefined])
    assert.deepEqual(warnings, ['1 CTR_CONFIG_NET_ORDER', '3 CTR_CONFIG_NET_ORDER'])
  })

  it('a NIC created by a sub-key is type empty until its type line (LXC)', () => {
    const n = cfg('lxc.net.0.link = br0').nets[0]
    assert.deepEqual([n?.type, n?.implicit, n?.name], ['empty', true, undefined])
  })

  it('setting the type again resets the mode defaults', () => {
    assert.equal(cfg('lxc.net.0.type = macvlan\nlxc.net.0.macvlan.mode = vepa\nlxc.net.0.type = macvlan').nets[0]?.macvlan.mode, 'private')
  })

  it('lxc.net.N.type = leaves the NIC without a type; lxc.net.N = removes it', () => {
    const c = cfg('lxc.net.0.type = veth\nlxc.net.1.type = veth\nlxc.net.1.type =\nlxc.net.2.type = phys\nlxc.net.2 =')
    assert.deepEqual(c.nets.map((n) => [n.index, n.type]), [[0, 'veth'], [1, undefined]])
    assert.deepEqual(cfg('lxc.net.8.type = veth\nlxc.net.010 =').nets, [], 'the remove form parses the index like lxc_safe_uint')
    assert.deepEqual(cfg('lxc.net.4 =').nets, [])
  })

  it('type-specific clears are no-ops on another type (LXC)', () => {
    const n = cfg('lxc.net.0.type = veth\nlxc.net.0.macvlan.mode =\nlxc.net.0.veth.mode =').nets[0]
    assert.equal(n?.veth.mode, undefined)
    assert.equal(cfg('lxc.net.0.type = none\nlxc.net.0.veth.pair =').nets[0]?.type, 'none')
  })

  it('keeps a phys link pattern for the start code', () => {
    assert.equal(cfg('lxc.net.0.type = phys\nlxc.net.0.link = eth+').nets[0]?.link, 'eth+')
  })

  it('warns about a classful ipv4 address', () => {
    const {config, warnings} = build('lxc.net.0.type = veth\nlxc.net.0.ipv4.address = 10.0.0.200')
    assert.equal(config.nets[0]?.ipv4.addresses[0]?.prefix, 24)
    assert.deepEqual(warnings, ['2 CTR_CONFIG_NET_PREFIX'])
  })

  const refused: Array<[text: string, message: RegExp]> = [
    ['lxc.net.0.veth.pair = v', /lxc\.net\.0\.veth\.pair requires lxc\.net\.0\.type = veth \(network 0 is type empty\)/],
    ['lxc.net.0.type = veth\nlxc.net.0.macvlan.mode = bridge', /requires lxc\.net\.0\.type = macvlan/],
    ['lxc.net.0.type = macvlan\nlxc.net.0.ipvlan.mode = l2', /requires lxc\.net\.0\.type = ipvlan/],
    ['lxc.net.0.type = veth\nlxc.net.0.vlan.id = 1', /requires lxc\.net\.0\.type = vlan/],
    ['lxc.net.0.type = phys\nlxc.net.0.veth.ipv4.route = 1.2.3.0/24', /requires lxc\.net\.0\.type = veth/],
    ['lxc.net.0.type =', /Cannot clear lxc\.net\.0\.type: network 0 is not defined/],
    ['lxc.net.0.type = veth\nlxc.net.1.link =', /network 1 is not defined/],
    ['lxc.net.0.type = bogus', /invalid network type "bogus"/],
    ['lxc.net.0 = veth', /Unsupported config key "lxc\.net\.0"/],
    ['lxc.net.0. = veth', /Unsupported config key "lxc\.net\.0\."/],
    ['lxc.net.x.type = veth', /Unsupported config key/],
    ['lxc.net.2147483647.type = veth', /Unsupported config key/],
    ['lxc.net.1a =', /Unsupported config key "lxc\.net\.1a"/],
    ['lxc.net.0.type = veth\nlxc.net.0.name = abcdefghijklmnop', /at most 15 bytes/],
    ['lxc.net.0.type = veth\nlxc.net.0.link = abcdefghijklmnop', /at most 15 bytes/],
    ['lxc.net.0.type = veth\nlxc.net.0.veth.vlan.id = 4095', /0\.\.4094/],
    ['lxc.net.0.type = vlan\nlxc.net.0.vlan.id = 65536', /0\.\.65535/],
    ['lxc.net.0.type = veth\nlxc.net.0.veth.n_rxqueues = 0', /positive/],
    ['lxc.net.0.type = veth\nlxc.net.0.ipv4.gateway = 1.2.3', /invalid ipv4 gateway/],
    ['lxc.net.0.type = veth\nlxc.net.0.ipv6.address = fe80::1%eth0', /invalid ipv6 address/],
  ]
  for (const [text, message] of refused) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.match(fails(text).message, message))
  }

  it('accepts the longest interface name (15 bytes)', () => {
    assert.equal(cfg('lxc.net.0.type = veth\nlxc.net.0.veth.pair = abcdefghijklmno').nets[0]?.veth.pair, 'abcdefghijklmno')
  })
})

describe('legacy networks (LXC 1.x/2.x)', () => {
  it('lxc.network.type starts a new NIC; later unindexed keys go to it', () => {
    const {config, warnings} = build([
      'lxc.network.type = veth', 'lxc.network.link = lxcbr0', 'lxc.network.flags = up', 'lxc.network.ipv4 = 10.0.0.2/24',
      'lxc.network.type = macvlan', 'lxc.network.link = eth0', 'lxc.network.macvlan.mode = bridge',
    ].join('\n'))
    assert.deepEqual(config.nets.map((n) => [n.index, n.type, n.link, n.up]), [[0, 'veth', 'lxcbr0', true], [1, 'macvlan', 'eth0', false]])
    assert.deepEqual(config.nets[0]?.ipv4.addresses.map((a) => a.address), ['10.0.0.2'])
    assert.equal(config.nets[1]?.macvlan.mode, 'bridge')
    assert.equal(warnings.length, 7)
    assert.deepEqual(config.entries.map((e) => e.canonical), [
      'lxc.net.0.type', 'lxc.net.0.link', 'lxc.net.0.flags', 'lxc.net.0.ipv4.address', 'lxc.net.1.type', 'lxc.net.1.link', 'lxc.net.1.macvlan.mode',
    ])
  })

  it('a new legacy NIC goes after indexed ones', () => {
    assert.deepEqual(cfg('lxc.net.4.type = veth\nlxc.network.type = phys').nets.map((n) => n.index), [4, 5])
  })

  it('lxc.network.N.* maps to lxc.net.N.*, and an empty lxc.network.type clears all', () => {
    assert.deepEqual(cfg('lxc.network.1.type = veth\nlxc.network.1.ipv6 = fe80::2').nets[0]?.ipv6.addresses, [{address: 'fe80::2', prefix: 64}])
    assert.deepEqual(cfg('lxc.net.0.type = veth\nlxc.network.type =').nets, [])
    assert.deepEqual(cfg('lxc.net.0.type = veth\nlxc.network =').nets, [])
  })

  it('refuses an unindexed key before any NIC', () => {
    assert.match(fails('lxc.network.link = br0').message, /config:1: Invalid value for "lxc\.network\.link": lxc\.network\.link comes before any lxc\.network\.type line/)
  })
})

describe('every legacy alias applies as its modern key, with a warning', () => {
  const cases: Array<[line: string, read: (c: ContainerConfig) => unknown, want: unknown]> = [
    ['lxc.utsname = h', (c) => c.utsName, 'h'],
    ['lxc.id_map = u 0 1 2', (c) => c.idmaps, [{kind: 'u', nsid: 0, hostid: 1, range: 2}]],
    ['lxc.pts = 5', (c) => c.ptyMax, 5],
    ['lxc.tty = 4', (c) => c.tty.max, 4],
    ['lxc.devttydir = lxc', (c) => c.tty.dir, 'lxc'],
    ['lxc.aa_profile = unconfined', (c) => c.apparmor.profile, 'unconfined'],
    ['lxc.aa_allow_incomplete = 1', (c) => c.apparmor.allowIncomplete, true],
    ['lxc.se_context = ctx', (c) => c.selinux.context, 'ctx'],
    ['lxc.mount = /etc/fstab.c', (c) => c.mountFstab, '/etc/fstab.c'],
    ['lxc.seccomp = /p', (c) => c.seccomp.profile, '/p'],
    ['lxc.console = none', (c) => c.console.path, 'none'],
    ['lxc.haltsignal = SIGUSR1', (c) => c.signals.halt, 10],
    ['lxc.rebootsignal = SIGTERM', (c) => c.signals.reboot, 15],
    ['lxc.stopsignal = SIGKILL', (c) => c.signals.stop, 9],
    ['lxc.syslog = daemon', (c) => c.log.syslog, 'daemon'],
    ['lxc.loglevel = DEBUG', (c) => c.log.level, 'DEBUG'],
    ['lxc.logfile = /var/log/c.log', (c) => c.log.file, '/var/log/c.log'],
    ['lxc.init_cmd = /sbin/init x', (c) => c.initCmd?.argv, ['/sbin/init', 'x']],
    ['lxc.init_uid = 5', (c) => c.initUid, 5],
    ['lxc.init_gid = 6', (c) => c.initGid, 6],
    ['lxc.rootfs = /var/lib/lxc/c/rootfs', (c) => c.rootfs.path, '/var/lib/lxc/c/rootfs'],
    ['lxc.limit.nofile = 10', (c) => c.prlimits, [{resource: 'nofile', soft: 10n, hard: 10n}]],
    ['lxc.network.0.type = empty', (c) => c.nets[0]?.type, 'empty'],
  ]
  for (const [line, read, want] of cases) {
    it(line, () => {
      const {config, warnings} = build(line)
      assert.deepEqual(read(config), want)
      assert.deepEqual(warnings, ['1 CTR_CONFIG_LEGACY'])
    })
  }

  it('names the modern key in the warning', () => {
    const {warnings} = buildContainerConfig(lexConfig('lxc.utsname = a', 'f').entries)
    assert.equal(warnings[0]?.message, 'Legacy key "lxc.utsname" read as "lxc.uts.name" (LXC 3.0 and later refuse it)')
  })

  it('ignores lxc.pivotdir and lxc.kmsg, and uses lxc.rootfs.backend as the storage type', () => {
    const {config, warnings} = build('lxc.pivotdir = x\nlxc.kmsg = 0\nlxc.rootfs = /r\nlxc.rootfs.backend = btrfs')
    assert.deepEqual([config.rootfs.type, config.rootfs.path], ['btrfs', '/r'])
    assert.equal(warnings.filter((w) => w.endsWith('CTR_CONFIG_LEGACY')).length, 4)
  })
})

describe('capabilities', () => {
  it('lists drop or keep', () => {
    assert.deepEqual(cfg('lxc.cap.drop = sys_module mknod\nlxc.cap.drop = 40').caps, {
      drop: [{name: 'sys_module', value: 16}, {name: 'mknod', value: 27}, {name: '40', value: 40}],
      keep: undefined,
    })
    assert.deepEqual(cfg('lxc.cap.keep = sys_admin').caps, {drop: [], keep: [{name: 'sys_admin', value: 21}]})
  })

  it('keep none keeps nothing and empties the list', () => {
    assert.deepEqual(cfg('lxc.cap.keep = sys_admin\nlxc.cap.keep = none').caps, {drop: [], keep: []})
    assert.deepEqual(cfg('lxc.cap.keep = none mknod').caps.keep, [{name: 'mknod', value: 27}])
  })

  it('an empty value clears both, so the other mode is allowed again', () => {
    assert.deepEqual(cfg('lxc.cap.drop = mknod\nlxc.cap.drop =\nlxc.cap.keep = mknod').caps.keep, [{name: 'mknod', value: 27}])
  })

  const refused: Array<[text: string, message: RegExp]> = [
    ['lxc.cap.keep = mknod\nlxc.cap.drop = sys_admin', /config:2: .*Keeping and dropping capabilities are mutually exclusive/],
    ['lxc.cap.drop = mknod\nlxc.cap.keep = sys_admin', /mutually exclusive/],
    ['lxc.cap.keep = none\nlxc.cap.drop = mknod', /mutually exclusive/],
    ['lxc.cap.drop = none', /"none" keyword is only valid in lxc\.cap\.keep/],
    ['lxc.cap.drop = CAP_SYS_ADMIN', /invalid capability "CAP_SYS_ADMIN"/],
    ['lxc.cap.drop = SYS_ADMIN', /invalid capability/],
    ['lxc.cap.drop = 41', /invalid capability "41"/],
  ]
  for (const [text, message] of refused) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.match(fails(text).message, message))
  }

  it('hints at the LXC spelling and honours the kernel last cap', () => {
    assert.match(fails('lxc.cap.drop = CAP_SYS_ADMIN').hints.join('\n'), /"sys_admin"/)
    assert.equal(cfg('lxc.cap.drop = 41', {capLastCap: 41}).caps.drop[0]?.value, 41)
  })
})

describe('namespaces', () => {
  it('combines clone lines in LXC order', () => {
    assert.deepEqual(cfg('lxc.namespace.clone = net\nlxc.namespace.clone = PID mnt').namespaces.clone, ['mnt', 'pid', 'net'])
    assert.deepEqual(cfg('lxc.namespace.keep = user net').namespaces.keep, ['user', 'net'])
  })

  it('shares by name', () => {
    assert.deepEqual({...cfg('lxc.namespace.share.net = 123\nlxc.namespace.share.uts = other\nlxc.namespace.share.uts =').namespaces.share}, {net: '123'})
  })

  const refused: Array<[text: string, message: RegExp]> = [
    ['lxc.namespace.clone = mount', /invalid namespace name "mount"/],
    ['lxc.namespace.keep = mount', /invalid namespace name "mount"/],
    ['lxc.namespace.clone = net\nlxc.namespace.keep = pid', /config:2: .*Cannot set both "lxc\.namespace\.clone" and "lxc\.namespace\.keep"/],
    ['lxc.namespace.keep = pid\nlxc.namespace.clone = net', /Cannot set both/],
    ['lxc.namespace.share.mount = x', /Unsupported config key "lxc\.namespace\.share\.mount"/],
    ['lxc.namespace.share.NET = x', /Unsupported config key/],
    ['lxc.namespace.share.bogus =', /Unsupported config key/],
  ]
  for (const [text, message] of refused) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.match(fails(text).message, message))
  }

  it('allows keep after clone was cleared', () => {
    assert.deepEqual(cfg('lxc.namespace.clone = net\nlxc.namespace.clone =\nlxc.namespace.keep = pid').namespaces, {
      clone: undefined, keep: ['pid'], share: Object.assign(Object.create(null) as object, {}),
    })
  })

  it('hints mnt for mount', () => {
    assert.match(fails('lxc.namespace.clone = mount').hints.join(), /"mnt"/)
    assert.match(fails('lxc.namespace.share.mount = 1').hints.join(), /lxc\.namespace\.share\.mnt/)
  })
})

describe('lxc.mount.auto', () => {
  const cases: Array<[text: string, want: Record<string, unknown>]> = [
    ['lxc.mount.auto = proc sys', {proc: 'mixed', sys: 'mixed'}],
    ['lxc.mount.auto = proc:rw\nlxc.mount.auto = sys:ro', {proc: 'rw', sys: 'ro'}],
    ['lxc.mount.auto = sys:ro sys:rw', {sys: 'rw'}],
    ['lxc.mount.auto = cgroup:mixed:force', {cgroup: {mode: 'mixed', full: false, force: true}}],
    ['lxc.mount.auto = cgroup-full', {cgroup: {mode: undefined, full: true, force: false}}],
    ['lxc.mount.auto = cgroup:ro\nlxc.mount.auto = cgroup2', {cgroup2: {ro: false, force: true}}],
    ['lxc.mount.auto = cgroup2:ro cgroup:rw', {cgroup: {mode: 'rw', full: false, force: false}}],
    ['lxc.mount.auto = shmounts:/h:/c proc', {proc: 'mixed', shmounts: {host: '/h', container: '/c'}}],
    ['lxc.mount.auto = proc\nlxc.mount.auto =\nlxc.mount.auto = sys', {sys: 'mixed'}],
  ]
  for (const [text, want] of cases) {
    it(JSON.stringify(text), () => {
      const got = Object.fromEntries(Object.entries(cfg(text).mountAuto).filter(([, v]) => v !== undefined))
      assert.deepEqual(got, want)
    })
  }

  it('refuses an unknown token', () => assert.match(fails('lxc.mount.auto = proc bogus').message, /invalid filesystem to automount "bogus"/))
})

describe('mount entries (getmntent)', () => {
  it('splits fields, decodes escapes and recognises LXC options', () => {
    const e = parseMountEntry('  /src\\040dir  tgt\\011x none bind,create=dir,optional,ro,relative,idmap=container 0 2 ', {file: 'f', line: 3})
    assert.deepEqual(e, {
      raw: '  /src\\040dir  tgt\\011x none bind,create=dir,optional,ro,relative,idmap=container 0 2 ',
      file: 'f', line: 3, source: '/src dir', target: 'tgt\tx', fstype: 'none',
      optionsRaw: 'bind,create=dir,optional,ro,relative,idmap=container',
      options: ['bind', 'ro'], optional: true, createDir: true, createFile: false, relative: true, idmap: 'container', dump: 0, pass: 2,
    })
  })

  it('handles short lines, the other escapes and missing numbers', () => {
    const e = parseMountEntry('proc /proc', {file: 'f', line: 1})
    assert.deepEqual([e?.source, e?.target, e?.fstype, e?.optionsRaw, e?.dump, e?.pass], ['proc', '/proc', '', '', 0, 0])
    // One field: refused where it is written (LXC fails only when it mounts).
    assert.throws(() => parseMountEntry('proc', {file: 'f', line: 7}), /^CtrError: f:7: A mount entry needs at least a source and a target: "proc"$/)
    assert.throws(() => build('lxc.init.cmd = x\nlxc.mount.entry = proc  '), (e: Error) => e.message.startsWith('config:2: A mount entry needs'))
    assert.equal(parseMountEntry('a\\012b\\134c\\\\d\\041 t', {file: 'f', line: 1})?.source, 'a\nb\\c\\d\\041')
    assert.deepEqual([parseMountEntry('a b c d 1', {file: 'f', line: 1})?.dump, parseMountEntry('a b c d x 5', {file: 'f', line: 1})?.dump], [1, 0])
    assert.equal(parseMountEntry('a b c d,create=file', {file: 'f', line: 1})?.createFile, true)
  })

  it('skips comment entries with a warning, like getmntent', () => {
    const {config, warnings} = build('lxc.mount.entry = # not a mount\nlxc.mount.entry = proc proc proc defaults 0 0')
    assert.deepEqual(config.mountEntries.map((m) => m.target), ['proc'])
    assert.deepEqual(config.mountEntriesRaw, ['# not a mount', 'proc proc proc defaults 0 0'])
    assert.deepEqual(warnings, ['1 CTR_CONFIG_MOUNT'])
  })

  it('parses fstab files on "\\n" only', () => {
    const entries = parseFstab('# c\n\nproc proc proc defaults 0 0\r\n  sys sys sysfs ro\n', 'fstab')
    assert.deepEqual(entries.map((e) => [e.line, e.source, e.pass]), [[3, 'proc', 0], [4, 'sys', 0]])
    assert.equal(entries[0]?.optionsRaw, 'defaults')
    assert.throws(() => parseFstab('proc proc proc\nfoo\0bar /x none bind 0 0\n', '/etc/fs'), /^CtrError: \/etc\/fs:2: A NUL byte in the line$/)
    assert.throws(() => parseFstab('proc proc proc\n\nsys\n', '/etc/fs'), /^CtrError: \/etc\/fs:3: A mount entry needs/)
  })
})

describe('other typed fields', () => {
  it('rootfs: type from the prefix, path part, overlay layers, options', () => {
    const c = cfg('lxc.rootfs.path = overlay:/l1:/l2:/upper/\nlxc.rootfs.options = ro,idmap=container\nlxc.rootfs.mount = /mnt//r\nlxc.rootfs.managed = 0')
    assert.deepEqual(c.rootfs, {
      raw: 'overlay:/l1:/l2:/upper/', type: 'overlay', typePrefix: 'overlay', path: '/l1:/l2:/upper', parts: ['/l1', '/l2', '/upper'],
      mount: '/mnt/r', options: {raw: 'ro,idmap=container', options: ['ro'], idmap: 'container'}, managed: false,
    })
    assert.equal(cfg('lxc.rootfs.path = over:/x').rootfs.type, 'overlay', 'LXC matches a type prefix')
    assert.deepEqual(cfg('lxc.rootfs.path = nbd:/img.qcow2:1').rootfs.parts, ['/img.qcow2', '1'])
    assert.deepEqual([cfg('lxc.rootfs.path = /var/lib/lxc/c/rootfs').rootfs.type, cfg('lxc.rootfs.path = dir:/r').rootfs.type], ['detected', 'dir'])
  })

  it('rootfs: a later path without a type keeps the earlier type (LXC), with a warning', () => {
    const {config, warnings} = build('lxc.rootfs.path = btrfs:/a\nlxc.rootfs.path = /b')
    assert.deepEqual([config.rootfs.type, config.rootfs.path], ['btrfs', '/b'])
    assert.deepEqual(warnings, ['2 CTR_CONFIG_ROOTFS'])
  })

  it('rootfs: an unknown type is detected from the path at start, with a warning', () => {
    const {config, warnings} = build('lxc.rootfs.path = /a/b:c/')
    assert.deepEqual([config.rootfs.type, config.rootfs.path, config.rootfs.typePrefix], ['detected', 'c', '/a/b'])
    assert.deepEqual(warnings, ['1 CTR_CONFIG_ROOTFS'])
  })

  it('rootfs options refuse the mount-entry-only options', () => {
    assert.match(fails('lxc.rootfs.options = create=dir').message, /invalid LXC specific mount option/)
    assert.match(fails('lxc.rootfs.options = idmap=').message, /missing idmap path/)
  })

  it('init, environment, ids', () => {
    const c = cfg('lxc.init.cmd = /sbin/init "a b" \'c\'\nlxc.init.cwd = /root/./x/\nlxc.init.uid = 0x10\nlxc.init.gid = 5\nlxc.init.groups = 1,,2\nlxc.init.groups = 3\nlxc.environment = A=1\nlxc.environment = HOME\nlxc.environment = B=x=y\nlxc.execute.cmd = sh', {env: {HOME: '/home/u'}})
    assert.deepEqual(c.initCmd, {raw: '/sbin/init "a b" \'c\'', argv: ['/sbin/init', 'a b', 'c']})
    assert.deepEqual([c.initCwd, c.initUid, c.initGid, c.initGroups], ['/root/x', 16, 5, [1, 2, 3]])
    assert.deepEqual(c.environment, [['A', '1'], ['HOME', '/home/u'], ['B', 'x=y']])
    assert.deepEqual(c.executeCmd?.argv, ['sh'])
  })

  it('environment: a bare name must be set in the caller environment', () => {
    const e = fails('lxc.environment = NOPE', {env: {}})
    assert.equal(e.code, 'CTR_CONFIG_VALUE')
    assert.match(e.message, /^config:1: Invalid value for "lxc\.environment": environment variable "NOPE" is not set$/)
    assert.match(fails('lxc.environment = constructor', {env: {}}).message, /"constructor" is not set/)
    assert.deepEqual(cfg('lxc.environment = =x').environment, [['', 'x']])
  })

  it('prlimit replaces in place, sysctl replaces in place, proc appends', () => {
    const c = cfg('lxc.prlimit.nofile = 1\nlxc.prlimit.core = 2\nlxc.prlimit.nofile = 3:unlimited\nlxc.sysctl.a = 1\nlxc.sysctl.b = 2\nlxc.sysctl.a = 3\nlxc.proc.x = 1\nlxc.proc.x = 2')
    assert.deepEqual(c.prlimits, [{resource: 'nofile', soft: 3n, hard: 'unlimited'}, {resource: 'core', soft: 2n, hard: 2n}])
    assert.deepEqual(c.sysctls, [{name: 'a', value: '3'}, {name: 'b', value: '2'}])
    assert.deepEqual(c.procs, [{name: 'x', value: '1'}, {name: 'x', value: '2'}])
  })

  it('refuses, with file:line, a prlimit resource LXC would refuse only at start', () => {
    assert.deepEqual(build('lxc.prlimit.7 = 1\nlxc.prlimit.nofile = 1').warnings, [])
    const error = fails('lxc.prlimit.nofile = 1\nlxc.prlimit.bogus = 1')
    assert.equal(error.code, 'CTR_CONFIG_PRLIMIT')
    assert.match(error.message, /^config:2: Unknown resource "bogus" in lxc\.prlimit\.bogus$/)
  })

  it('cgroup settings keep every line in order', () => {
    const c = cfg('lxc.cgroup2.memory.max = 1G\nlxc.cgroup2.memory.max = 2G\nlxc.cgroup.devices.deny = a\nlxc.cgroup.dir = a/b/\nlxc.cgroup.relative = 1')
    assert.deepEqual(c.cgroup.v2.map((s) => [s.controller, s.file, s.value, s.source.line]), [['memory', 'memory.max', '1G', 1], ['memory', 'memory.max', '2G', 2]])
    assert.deepEqual(c.cgroup.v1.map((s) => [s.controller, s.file]), [['devices', 'devices.deny']])
    assert.deepEqual([c.cgroup.dir, c.cgroup.relative], ['a/b', true])
    assert.match(fails('lxc.cgroup.dir = /abs').message, /may not be absolute/)
    assert.match(fails('lxc.cgroup.dir.container = a/../b').message, /walk upwards/)
    assert.match(fails('lxc.cgroup.dir.container.inner = a/b').message, /single directory name/)
    assert.match(fails('lxc.cgroup2. = 1').message, /Unsupported config key "lxc\.cgroup2\."/)
  })

  it('signals, log, console, tty, start, time, misc', () => {
    const c = cfg([
      'lxc.signal.halt = SIGRTMIN+3', 'lxc.signal.reboot = 0x1e', 'lxc.signal.stop = sigkill', 'lxc.monitor.signal.pdeath = SIGTERM',
      'lxc.log.file = /var/log//c.log', 'lxc.log.level = 2', 'lxc.log.syslog = Local3', 'lxc.console.path = none', 'lxc.console.logfile = /l',
      'lxc.console.size = 5000', 'lxc.console.buffer.size = auto', 'lxc.console.rotate = 1', 'lxc.tty.max = 4', 'lxc.tty.dir = lxc',
      'lxc.pty.max = 1024', 'lxc.autodev = 0', 'lxc.autodev.tmpfs.size = 1000', 'lxc.start.auto = 1', 'lxc.start.delay = 5', 'lxc.start.order = -3',
      'lxc.time.offset.boot = 5h', 'lxc.time.offset.monotonic = 3ms', 'lxc.no_new_privs = 1', 'lxc.ephemeral = 1', 'lxc.monitor.unshare = 7',
      'lxc.keyring.session = 0', 'lxc.sched.core = 1', 'lxc.hook.version = 1', 'lxc.arch = i386', 'lxc.apparmor.allow_nesting = 1',
      'lxc.seccomp.notify.proxy = unix:@sock', 'lxc.seccomp.allow_nesting = 1', 'lxc.group = onboot',
    ].join('\n'))
    assert.deepEqual(c.signals, {halt: 37, reboot: 30, stop: 9})
    assert.equal(c.monitorSignalPdeath, 15)
    assert.deepEqual(c.log, {file: '/var/log/c.log', level: 'INFO', syslog: 'Local3'})
    assert.deepEqual(c.console, {path: 'none', logfile: '/l', size: 8192, bufferSize: 131072, rotate: true})
    assert.deepEqual([c.tty, c.ptyMax, c.autodev, c.autodevTmpfsSize], [{max: 4, dir: 'lxc'}, 1024, false, 1000])
    assert.deepEqual(c.start, {auto: true, delay: 5, order: -3})
    assert.deepEqual(c.timeOffsets, {boot: {seconds: 18000n, nanoseconds: 0n}, monotonic: {seconds: 0n, nanoseconds: 3000000n}})
    assert.deepEqual([c.noNewPrivs, c.ephemeral, c.monitorUnshare, c.keyringSession, c.schedCore, c.hookVersion], [true, true, 7, false, true, 1])
    assert.deepEqual(c.arch, {name: 'i386', personality: 'linux32'})
    assert.equal(c.apparmor.allowNesting, true)
    assert.deepEqual([c.seccomp.notifyProxy, c.seccomp.allowNesting], ['@sock', true])
  })

  it('falls back like LXC on a bad lxc.autodev.tmpfs.size, with a warning', () => {
    const {config, warnings} = build('lxc.autodev.tmpfs.size = junk')
    assert.equal(config.autodevTmpfsSize, 500000)
    assert.deepEqual(warnings, ['1 CTR_CONFIG_VALUE'])
  })

  it('warns about signals Linux does not have', () => {
    const {config, warnings} = build('lxc.signal.halt = 99')
    assert.equal(config.signals.halt, 99)
    assert.deepEqual(warnings, ['1 CTR_CONFIG_SIGNAL'])
  })

  const refused: Array<[text: string, message: RegExp]> = [
    ['lxc.signal.halt = PWR', /expected a signal number or a name with the SIG prefix/],
    ['lxc.signal.stop = SIGRTMIN', /signal/],
    ['lxc.monitor.signal.pdeath = x', /signal/],
    ['lxc.tty.max = 08', /unsigned integer/],
    ['lxc.tty.max = -1', /unsigned integer/],
    ['lxc.start.auto = 2', /0 or 1/],
    ['lxc.start.delay = -1', /unsigned integer/],
    ['lxc.start.order = 2147483648', /integer/],
    ['lxc.hook.version = 2', /0 or 1/],
    ['lxc.ephemeral = yes', /0 or 1/],
    ['lxc.autodev = 2', /0 or 1/],
    ['lxc.console.rotate = 2', /0 or 1/],
    ['lxc.uts.name = ' + 'x'.repeat(65), /at most 64 bytes/],
    ['lxc.arch = X86_64', /unsupported personality "X86_64"/],
    ['lxc.log.level = 9', /log level/],
    ['lxc.log.syslog = user', /syslog facility/],
    ['lxc.idmap = b 0 0 1', /u\|g/],
    ['lxc.init.groups = ,', /no group/],
    ['lxc.init.groups = 1 ,2', /not a group id/],
    ['lxc.seccomp.notify.proxy = /x', /unix:/],
    ['lxc.time.offset.boot = 5 ms', /integer followed by/],
    ['lxc.tty.dir = ' + 'd'.repeat(256), /too long/],
    ['lxc.init.cwd = /' + 'p'.repeat(4095), /path is too long/],
  ]
  for (const [text, message] of refused) {
    it(`refuses ${JSON.stringify(text.slice(0, 40))}`, () => {
      const e = fails(text)
      assert.equal(e.code, 'CTR_CONFIG_VALUE')
      assert.match(e.message, message)
      assert.match(e.message, /^config:1: Invalid value for "/)
    })
  }
})

describe('errors carry file:line and a hint', () => {
  it('unknown key: LXC message, location, did-you-mean, details', () => {
    const e = fails('lxc.uts.name = a\nlxc.uts.nmae = b')
    assert.equal(e.code, 'CTR_CONFIG_KEY')
    assert.equal(e.message, 'config:2: Unsupported config key "lxc.uts.nmae"')
    assert.deepEqual(e.hints, ['Did you mean "lxc.uts.name"?'])
    assert.deepEqual(e.details, {file: 'config', line: 2, key: 'lxc.uts.nmae', value: 'b'})
  })

  it('stops at the first problem, in file order', () => {
    assert.match(fails('lxc.bogus = 1\nlxc.tty.max = x').message, /^config:1: /)
  })

  it('an include needs the loader', () => {
    assert.equal(fails('lxc.include = /x').code, 'CTR_CONFIG_INCLUDE')
    assert.deepEqual(cfg('lxc.include =').entries.length, 1)
  })

  it('calls the include callback in place', () => {
    const seen: string[] = []
    const builder = createConfigBuilder({
      include: (entry, b) => {
        seen.push(entry.value)
        b.apply({key: 'lxc.uts.name', value: 'inc', file: entry.value, line: 1})
      },
    })
    const entries: ConfigEntry[] = lexConfig('lxc.uts.name = a\nlxc.include = x.conf\nlxc.tty.max = 1', 'c').entries
    for (const entry of entries) builder.apply(entry)
    assert.deepEqual(seen, ['x.conf'])
    assert.equal(builder.config.utsName, 'inc')
    assert.deepEqual(builder.config.entries.map((e) => e.file), ['c', 'c', 'x.conf', 'c'])
  })
})

describe('used keys', () => {
  it('records what is set, where, under its modern key and pattern', () => {
    const c = cfg('lxc.utsname = a\nlxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.cgroup2.memory.max = 1\nlxc.tty.max = 2\nlxc.tty.max =')
    assert.deepEqual(usedKeys(c).map((u) => [u.key, u.pattern, u.written, u.line]), [
      ['lxc.uts.name', 'lxc.uts.name', 'lxc.utsname', 1],
      ['lxc.net.0.type', 'lxc.net.N.type', 'lxc.net.0.type', 2],
      ['lxc.net.0.link', 'lxc.net.N.link', 'lxc.net.0.link', 3],
      ['lxc.cgroup2.memory.max', 'lxc.cgroup2.*', 'lxc.cgroup2.memory.max', 4],
    ])
    assert.equal(isSet(c, 'lxc.net.N.link'), true)
    assert.equal(isSet(c, 'lxc.cgroup2.*'), true)
    assert.equal(isSet(c, 'lxc.tty.max'), false)
    assert.equal(isSet(c, 'lxc.utsname'), false, 'legacy names count under the modern key')
  })

  it('forgets keys that a clear or a type line removes', () => {
    const c = cfg('lxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.0.type = phys\nlxc.cap.drop = mknod\nlxc.cap.keep =\nlxc.hook.start = x\nlxc.hook =\nlxc.cgroup2.a.b = 1\nlxc.cgroup2 =')
    assert.deepEqual(usedKeys(c).map((u) => u.key), ['lxc.net.0.type'])
    assert.deepEqual(usedKeys(cfg('lxc.net.0.type = veth\nlxc.net =')), [])
  })
})

describe('prototype-free user keys', () => {
  it('treats __proto__ and friends as plain names', () => {
    const c = cfg('lxc.sysctl.__proto__ = 1\nlxc.proc.constructor = 2\nlxc.cgroup2.__proto__ = 4\nlxc.environment = __proto__=x')
    assert.match(fails('lxc.prlimit.__proto__ = 3').message, /Unknown resource "__proto__"/)
    assert.deepEqual(c.sysctls, [{name: '__proto__', value: '1'}])
    assert.deepEqual(c.environment, [['__proto__', 'x']])
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
    assert.match(fails('lxc.namespace.share.__proto__ = x').message, /Unsupported config key/)
    assert.match(fails('lxc.hook.__proto__ = x').message, /Unsupported config key/)
  })
})

describe('completeHwaddr', () => {
  it('fills x with random digits and keeps the address unicast', () => {
    assert.equal(completeHwaddr('00:16:3e:xx:xX:x1', () => 15), '00:16:3e:ff:ff:f1')
    assert.equal(completeHwaddr('xx:00', () => 15), 'fe:00')
  })
})
