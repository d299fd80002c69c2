// lxc.net.* at start (core/net-plan.ts): LXC's hwaddr completion and its
// write-back at create, every start-time check with its file:line, the
// interfaces handed to the monitor and their wire records, and the error a
// failed network step becomes (core/start-errors.ts).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {buildContainerConfig, lexConfig, type ContainerConfig} from '../../src/core/config/index.js'
import {encodeMonitorSpec, type MonitorSpec} from '../../src/core/monitor-spec.js'
import {completeHwaddr, expandHwaddrLines, needsInterfaceList, parseHwaddr, planNetwork, type NetPlanContext} from '../../src/core/net-plan.js'
import type {StartOptions} from '../../src/core/options.js'
import {parseNetworkDetail, startFailureError} from '../../src/core/start-errors.js'
import {planStart, unsupportedFeatures} from '../../src/core/start-plan.js'

function config(text: string): ContainerConfig {
  return buildContainerConfig(lexConfig(text, 'config').entries, {env: {}}).config
}

/** Counting bytes 0, 1, 2, ... so that the completion is predictable. */
function counter(): (n: number) => Uint8Array {
  let next = 0
  return (n) => Uint8Array.from({length: n}, () => next++ & 0xff)
}

const ctx = (extra: Partial<NetPlanContext> = {}): NetPlanContext => ({
  name: 'web', configFile: '/var/lib/ctr/web/config', cgroupNs: true, logLevel: 'ERROR', random: counter(), ...extra,
})

function plan(text: string, extra: Partial<NetPlanContext> = {}) {
  return planNetwork(config(text), ctx(extra))
}

function refuses(text: string, pattern: RegExp, extra: Partial<NetPlanContext> = {}): void {
  assert.throws(() => plan(text, extra), (e: {code: string; message: string}) => {
    assert.equal(e.code, 'CTR_CONFIG_INVALID')
    assert.match(e.message, pattern)
    return true
  })
}

describe('hwaddr completion (LXC rand_complete_hwaddr)', () => {
  it('replaces each x or X with a random hex digit; the second character stays even (unicast)', () => {
    assert.equal(completeHwaddr('00:16:3e:xx:xX:xx', () => Uint8Array.from([1, 2, 3, 4, 5, 6])), '00:16:3e:12:34:56')
    assert.equal(completeHwaddr('xx:00:00:00:00:00', () => Uint8Array.from([0xff, 0xff])), 'fe:00:00:00:00:00')
    assert.equal(completeHwaddr('0x:00:00:00:00:00', () => Uint8Array.from([0x0f])), '0e:00:00:00:00:00')
  })
  it('leaves an address without x alone and asks for no randomness', () => {
    assert.equal(completeHwaddr('00:16:3e:aa:bb:cc', () => assert.fail('no random bytes needed')), '00:16:3e:aa:bb:cc')
  })
  it('a start completes it anew each time (LXC never writes it back at start)', () => {
    const text = 'lxc.net.0.type = veth\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx'
    const a = plan(text, {random: () => Uint8Array.from([1, 2, 3, 4, 5, 6])}).nics[0]?.hwaddr
    const b = plan(text, {random: () => Uint8Array.from([6, 5, 4, 3, 2, 1])}).nics[0]?.hwaddr
    assert.equal(a, '00:16:3e:12:34:56')
    assert.equal(b, '00:16:3e:65:43:21')
  })
})

describe('hwaddr syntax (LXC lxc_convert_mac, checked at start)', () => {
  const good: Array<[string, string]> = [
    ['00:16:3E:AA:bb:cc', '00:16:3e:aa:bb:cc'],
    ['0:1:2:3:4:5', '00:01:02:03:04:05'],
    ['001122334455', '00:11:22:33:44:55'],
    ['0:11:2:33:4:55', '00:11:02:33:04:55'],
  ]
  for (const [text, canonical] of good) it(`${text} is ${canonical}`, () => assert.equal(parseHwaddr(text), canonical))
  const bad: Array<[string, RegExp]> = [
    ['00:16:3e:zz:00:00', /"z" is not a hex digit/],
    ['00:16:3e', /six bytes are needed/],
    ['00:11:22:33:44:55:66', /more than six bytes/],
    ['', /six bytes/],
  ]
  for (const [text, pattern] of bad) it(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseHwaddr(text), pattern))
  it('a bad hwaddr is refused at start with its file:line', () => {
    refuses('lxc.net.0.type = veth\n\nlxc.net.0.hwaddr = 00:16', /^config:3: lxc\.net\.0\.hwaddr: "00:16" is not a MAC address/)
  })
})

describe('hwaddr written back at create (LXC update_hwaddr)', () => {
  const rand = (): ((n: number) => Uint8Array) => () => Uint8Array.from([0xa, 0xb, 0xc, 0xd, 0xe, 0xf])
  it('completes the value of every hwaddr line of the file, and nothing else', () => {
    const text = [
      '# lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx in a comment stays',
      'lxc.uts.name = xx',
      'lxc.net.0.type = veth',
      '  lxc.net.0.hwaddr =  00:16:3e:xx:xx:xx',
      'lxc.network.hwaddr = 00:16:3e:xx:xx:xx',
      'lxc.network.1.hwaddr=xx:16:3e:00:00:00',
      'lxc.net.0.link = xxbr',
    ].join('\n')
    assert.equal(expandHwaddrLines(text, rand()), [
      '# lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx in a comment stays',
      'lxc.uts.name = xx',
      'lxc.net.0.type = veth',
      '  lxc.net.0.hwaddr =  00:16:3e:ab:cd:ef',
      'lxc.network.hwaddr = 00:16:3e:ab:cd:ef',
      'lxc.network.1.hwaddr=aa:16:3e:00:00:00',
      'lxc.net.0.link = xxbr',
    ].join('\n'))
  })
})

describe('start-time checks (what LXC refuses while starting), with file:line', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a cleared type', 'lxc.net.0.type = veth\nlxc.net.0.type =', /config:2: lxc\.net\.0\.type: the network has no type/],
    ['macvlan without link', 'lxc.net.0.type = macvlan', /lxc\.net\.0\.link: a macvlan network needs a link/],
    ['ipvlan without link', 'lxc.net.0.type = ipvlan', /lxc\.net\.0\.link: a ipvlan network needs a link/],
    ['vlan without link', 'lxc.net.0.type = vlan\nlxc.net.0.vlan.id = 5', /a vlan network needs a link/],
    ['phys without link', 'lxc.net.0.type = phys', /a phys network needs a link \(the device to move/],
    ['an empty NIC renamed', 'lxc.net.0.type = empty\nlxc.net.0.name = lo1', /config:2: lxc\.net\.0\.name: .*its name can only be lo/],
    ['a gateway on a NIC that stays down', 'lxc.net.0.type = veth\nlxc.net.0.ipv4.address = 10.0.0.2/24\nlxc.net.0.ipv4.gateway = 10.0.0.1', /config:3: lxc\.net\.0\.ipv4\.gateway: a gateway needs the interface up/],
    ['an IPv4 gateway without an address', 'lxc.net.0.type = veth\nlxc.net.0.flags = up\nlxc.net.0.ipv4.gateway = 10.0.0.1', /needs an IPv4 address/],
    ['an IPv6 gateway without an address', 'lxc.net.0.type = veth\nlxc.net.0.flags = up\nlxc.net.0.ipv6.gateway = 2001:db8::1', /needs an IPv6 address/],
    ['auto on an ipvlan', 'lxc.net.0.type = ipvlan\nlxc.net.0.link = eth0\nlxc.net.0.flags = up\nlxc.net.0.ipv4.address = 10.0.0.2/24\nlxc.net.0.ipv4.gateway = auto', /only veth and macvlan/],
    ['auto without link', 'lxc.net.0.type = veth\nlxc.net.0.flags = up\nlxc.net.0.ipv4.address = 10.0.0.2/24\nlxc.net.0.ipv4.gateway = auto', /there is no link/],
    ['a cleared veth mode', 'lxc.net.0.type = veth\nlxc.net.0.veth.mode =', /the veth mode was cleared/],
    ['a VLAN in router mode', 'lxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.0.veth.mode = router\nlxc.net.0.veth.vlan.id = 5', /lxc\.net\.0\.veth\.vlan\.id: VLANs need veth\.mode = bridge/],
    ['a tagged VLAN without a bridge', 'lxc.net.0.type = veth\nlxc.net.0.veth.vlan.tagged.id = 5', /lxc\.net\.0\.veth\.vlan\.tagged\.id: VLANs need/],
    ['the untagged VLAN tagged too', 'lxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.0.veth.vlan.id = 5\nlxc.net.0.veth.vlan.tagged.id = 5', /VLAN 5 is already the untagged/],
    ['l2proxy on an ipvlan that is not l3s', 'lxc.net.0.type = ipvlan\nlxc.net.0.link = eth0\nlxc.net.0.l2proxy = 1', /needs ipvlan\.mode = l3s/],
    ['an MTU that is not a number', 'lxc.net.0.type = veth\nlxc.net.0.mtu = big', /config:2: lxc\.net\.0\.mtu: "big" is not an MTU/],
    ['a negative MTU', 'lxc.net.0.type = veth\nlxc.net.0.mtu = -1', /is not an MTU/],
    ['two NICs with one name', 'lxc.net.0.type = veth\nlxc.net.0.name = eth0\nlxc.net.1.type = macvlan\nlxc.net.1.link = x\nlxc.net.1.name = eth0', /lxc\.net\.0 and lxc\.net\.1 both want the name "eth0"/],
  ]
  for (const [what, text, pattern] of cases) it(`refuses ${what}`, () => refuses(text, pattern))

  it('accepts an IPv6 link-local gateway without an address (LXC)', () => {
    assert.equal(plan('lxc.net.0.type = veth\nlxc.net.0.flags = up\nlxc.net.0.ipv6.gateway = fe80::1').nics[0]?.gateway6?.kind, 'address')
  })
  it('reads the MTU like lxc_safe_uint (base 0); 0 leaves the default', () => {
    assert.equal(plan('lxc.net.0.type = veth\nlxc.net.0.mtu = 0x5dc').nics[0]?.mtu, 1500)
    assert.equal(plan('lxc.net.0.type = veth\nlxc.net.0.mtu = 9000').nics[0]?.mtu, 9000)
    assert.equal(plan('lxc.net.0.type = veth\nlxc.net.0.mtu = 0').nics[0]?.mtu, undefined)
  })
  it('refuses keys without a type line, which LXC reads as an unnamed loopback and fails on', () => {
    refuses('lxc.net.0.flags = up', /^config:1: lxc\.net\.0\.type: network 0 has keys but no type line before them/)
  })
})

describe('the interfaces the monitor makes', () => {
  it('veth: bridge mode, its link, pair, addresses, routes, gateways, VLANs, queues', () => {
    const n = plan([
      'lxc.net.0.type = veth', 'lxc.net.0.link = br0', 'lxc.net.0.flags = up', 'lxc.net.0.veth.pair = vh0',
      'lxc.net.0.ipv4.address = 10.0.3.5/24', 'lxc.net.0.ipv4.address = 10.0.4.5/16 10.0.255.254', 'lxc.net.0.ipv4.gateway = auto',
      'lxc.net.0.ipv6.address = 2001:DB8::5/64', 'lxc.net.0.ipv6.gateway = dev', 'lxc.net.0.veth.ipv4.route = 192.168.9.0/24',
      'lxc.net.0.veth.vlan.id = 10', 'lxc.net.0.veth.vlan.tagged.id = 11', 'lxc.net.0.veth.n_rxqueues = 2', 'lxc.net.0.mtu = 1400',
    ].join('\n')).nics[0]
    assert.deepEqual(n, {
      index: 0, type: 'veth', up: true, l2proxy: false, link: 'br0', name: '', hwaddr: '', mtu: 1400, mode: 'bridge', isolation: '',
      vlanId: 10, pair: 'vh0', rxQueues: 2, txQueues: undefined,
      addresses: [
        {family: 4, address: '10.0.3.5', prefix: 24, broadcast: '10.0.3.255'},
        {family: 4, address: '10.0.4.5', prefix: 16, broadcast: '10.0.255.254'},
        {family: 6, address: '2001:db8::5', prefix: 64},
      ],
      routes: [{family: 4, address: '192.168.9.0', prefix: 24}],
      gateway4: {kind: 'auto'}, gateway6: {kind: 'dev'}, taggedVlans: [11], scriptUp: undefined, scriptDown: undefined,
    })
  })
  it('the defaults LXC gives each type; a phys device keeps its name; veth.vlan.id none is -1', () => {
    const nics = plan([
      'lxc.net.0.type = macvlan', 'lxc.net.0.link = eth0',
      'lxc.net.1.type = ipvlan', 'lxc.net.1.link = eth0',
      'lxc.net.2.type = vlan', 'lxc.net.2.link = eth0', 'lxc.net.2.vlan.id = 42',
      'lxc.net.3.type = phys', 'lxc.net.3.link = eth9',
      'lxc.net.4.type = veth', 'lxc.net.4.link = br0', 'lxc.net.4.veth.vlan.id = none', 'lxc.net.4.veth.vlan.tagged.id = 7',
      'lxc.net.5.type = none', 'lxc.net.6.type = empty',
    ].join('\n')).nics
    assert.deepEqual(nics.map((n) => [n.index, n.type, n.mode, n.isolation, n.vlanId, n.name]), [
      [0, 'macvlan', 'private', '', undefined, ''],
      [1, 'ipvlan', 'l2', 'bridge', undefined, ''],
      [2, 'vlan', '', '', 42, ''],
      [3, 'phys', '', '', undefined, 'eth9'],
      [4, 'veth', 'bridge', '', -1, ''],
      [6, 'empty', '', '', undefined, 'lo'],
    ])
  })
  it('legacy lxc.network.* names plan the same interfaces', () => {
    const legacy = plan('lxc.network.type = veth\nlxc.network.link = br0\nlxc.network.flags = up\nlxc.network.ipv4 = 10.0.0.2/24\nlxc.network.name = eth1').nics
    const modern = plan('lxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.0.flags = up\nlxc.net.0.ipv4.address = 10.0.0.2/24\nlxc.net.0.name = eth1').nics
    assert.deepEqual(legacy, modern)
  })
  it('scripts get LXC\'s hook environment (only when there is a script)', () => {
    assert.deepEqual(plan('lxc.net.0.type = veth').scriptEnv, [])
    const p = plan('lxc.rootfs.path = /srv/web\nlxc.hook.version = 1\nlxc.net.0.type = veth\nlxc.net.0.script.up = /bin/up arg\nlxc.net.0.script.down = /bin/down', {logLevel: 'DEBUG'})
    assert.equal(p.hookVersion, 1)
    assert.deepEqual([p.nics[0]?.scriptUp, p.nics[0]?.scriptDown], ['/bin/up arg', '/bin/down'])
    assert.deepEqual(p.scriptEnv, [
      'LXC_NAME=web', 'LXC_CONFIG_FILE=/var/lib/ctr/web/config', 'LXC_ROOTFS_MOUNT=/usr/lib/x86_64-linux-gnu/lxc/rootfs',
      'LXC_ROOTFS_PATH=/srv/web', 'LXC_CGNS_AWARE=1', 'LXC_LOG_LEVEL=DEBUG', 'LXC_HOOK_VERSION=1',
    ])
  })
})

describe('phys link patterns (eth+)', () => {
  const text = 'lxc.net.0.type = phys\nlxc.net.0.link = dum+\nlxc.net.0.flags = up'
  it('needs the interface list, and moves every match under its own name', () => {
    assert.equal(needsInterfaceList(config(text)), true)
    assert.equal(needsInterfaceList(config('lxc.net.0.type = phys\nlxc.net.0.link = dum0')), false)
    const nics = plan(text, {interfaces: ['lo', 'eth0', 'dum0', 'dum1', 'xdum']}).nics
    assert.deepEqual(nics.map((n) => [n.index, n.link, n.name, n.up]), [[0, 'dum0', 'dum0', true], [0, 'dum1', 'dum1', true]])
  })
  it('refuses no match, and a name or address for several', () => {
    refuses(text, /no interface matches "dum\+"/, {interfaces: ['eth0']})
    refuses(`${text}\nlxc.net.0.ipv4.address = 10.0.0.2/24`, /matches 2 interfaces \(dum0, dum1\), and ipv4\.address can only apply to one/, {interfaces: ['dum0', 'dum1']})
    assert.equal(plan(`${text}\nlxc.net.0.name = eth5`, {interfaces: ['dum0']}).nics[0]?.name, 'eth5')
  })
})

const options: StartOptions = {
  name: 'web', lxcpath: '/var/lib/ctr', logfile: undefined, logpriority: undefined, quiet: false, rcfile: undefined, json: false,
  daemon: true, defines: [], console: undefined, consoleLog: undefined, closeAllFds: false, pidfile: undefined, share: {}, command: [],
}

function startSpec(text: string, shares: MonitorSpec['shares'] = []): MonitorSpec {
  return planStart({
    name: 'web', lxcpath: '/var/lib/ctr', rundir: '/run/ctr/x', config: config(text), configFile: '/var/lib/ctr/web/config',
    options, exitfile: undefined, logfile: undefined, shares, kernel: {cgroupNs: true, capLastCap: 40}, pidfile: undefined, random: counter(),
  }).spec
}

describe('planStart and lxc.net.*', () => {
  it('every type starts now: none is refused as not supported', () => {
    assert.deepEqual(unsupportedFeatures(config('lxc.net.0.type = veth\nlxc.net.1.type = phys\nlxc.net.1.link = x\nlxc.hook.version = 1')), [])
    assert.equal(startSpec('lxc.net.0.type = veth\nlxc.net.0.link = br0').net?.nics[0]?.type, 'veth')
  })
  it('a shared or kept network namespace ignores lxc.net.* entirely, even invalid values (LXC)', () => {
    const broken = 'lxc.net.0.type = macvlan\nlxc.net.0.mtu = nonsense'
    assert.equal(startSpec(broken, [{ns: 'net', path: '/proc/1/ns/net', pid: 0, starttime: 0}]).net, undefined)
    assert.equal(startSpec(`${broken}\nlxc.namespace.keep = net`).net, undefined)
    assert.throws(() => startSpec(broken), {code: 'CTR_CONFIG_INVALID'})
  })
  it('none NICs are not sent; only none means the host network', () => {
    assert.equal(startSpec('lxc.net.0.type = none').net, undefined)
    assert.deepEqual(startSpec('lxc.net.0.type = none\nlxc.net.1.type = empty').net?.nics.map((n) => n.index), [1])
  })
})

function tokens(spec: MonitorSpec): string[] {
  const text = encodeMonitorSpec(spec).toString('utf8')
  return text.slice(text.indexOf('\n') + 1, -1).split('\0')
}

function record(t: string[], name: string, arity: number): string[][] {
  const out: string[][] = []
  // Records are name + fixed fields; find them by name at record starts.
  for (let i = 0; i < t.length; i++) if (t[i] === name) out.push(t.slice(i + 1, i + 1 + arity))
  return out
}

describe('the network records of the monitor spec (native/netspec.h)', () => {
  it('net first, then the others by position', () => {
    const t = tokens(startSpec([
      'lxc.net.0.type = empty', 'lxc.net.0.flags = up',
      'lxc.net.3.type = veth', 'lxc.net.3.link = br0', 'lxc.net.3.hwaddr = 00:16:3E:XX:00:01', 'lxc.net.3.flags = up', 'lxc.net.3.mtu = 1450',
      'lxc.net.3.ipv4.address = 10.0.0.2/24', 'lxc.net.3.ipv4.gateway = 10.0.0.1', 'lxc.net.3.ipv6.gateway = auto', 'lxc.net.3.ipv6.address = fd00::2/64',
      'lxc.net.3.veth.ipv6.route = fd01::/64', 'lxc.net.3.veth.vlan.tagged.id = 9', 'lxc.net.3.script.up = /s up', 'lxc.net.3.veth.pair = vp',
    ].join('\n')))
    assert.deepEqual(record(t, 'net', 8), [
      ['0', 'empty', '1', '0', '', 'lo', '', ''],
      ['3', 'veth', '1', '0', 'br0', '', '00:16:3e:01:00:01', '1450'],
    ])
    assert.deepEqual(record(t, 'netmode', 7), [['0', '', '', '', '', '', ''], ['1', 'bridge', '', '', 'vp', '', '']])
    assert.deepEqual(record(t, 'netaddr', 5), [['1', '4', '10.0.0.2', '24', '10.0.0.255'], ['1', '6', 'fd00::2', '64', '']])
    assert.deepEqual(record(t, 'netroute', 4), [['1', '6', 'fd01::', '64']])
    assert.deepEqual(record(t, 'netgw', 4), [['1', '4', 'address', '10.0.0.1'], ['1', '6', 'auto', '']])
    assert.deepEqual(record(t, 'nettag', 2), [['1', '9']])
    assert.deepEqual(record(t, 'netscript', 3), [['1', 'up', '/s up']])
    assert.deepEqual(record(t, 'nethooks', 1), [['0']])
    assert.ok(record(t, 'netenv', 1).some(([e]) => e === 'LXC_NAME=web'))
  })
  it('no network records without interfaces', () => {
    assert.ok(!tokens(startSpec('lxc.uts.name = a')).some((x) => x.startsWith('net')))
  })
})

describe('a failed network step (start-errors)', () => {
  const enodev = {name: 'ENODEV', message: 'No such device'}
  it('parses N CODE TEXT', () => {
    assert.deepEqual(parseNetworkDetail('2 nolink lxcbr0'), {index: 2, code: 'nolink', text: 'lxcbr0'})
    assert.deepEqual(parseNetworkDetail('- netns Failed to open it'), {index: undefined, code: 'netns', text: 'Failed to open it'})
  })
  it('a missing bridge names it and says how to make one (lxc-net for lxcbr0)', () => {
    const e = startFailureError({step: 'network', errno: 19, detail: '0 nolink lxcbr0'}, enodev, {name: 'web', rootfs: undefined, path: undefined, foreground: false, netTypes: {0: 'veth'}})
    assert.equal(e.message, 'web: Failed to set up lxc.net.0 (veth): the bridge "lxcbr0" does not exist: No such device (ENODEV)')
    assert.match(e.hints.join('\n'), /ip link add lxcbr0 type bridge && ip link set lxcbr0 up/)
    assert.match(e.hints.join('\n'), /lxc-net/)
    assert.match(e.hints.join('\n'), /lxc\.net\.0\.type = empty/)
  })
  it('other types name the parent; a failed script says its status without an errno', () => {
    const parent = startFailureError({step: 'network', errno: 19, detail: '1 nolink eth7'}, enodev, {name: 'w', rootfs: undefined, path: undefined, foreground: true, netTypes: {1: 'macvlan'}})
    assert.equal(parent.message, 'w: Failed to set up lxc.net.1 (macvlan): the parent device "eth7" does not exist: No such device (ENODEV)')
    const script = startFailureError({step: 'network', errno: 10, detail: '0 script script.up /x exited with status 3: boom'}, {name: 'errno 10', message: 'Unknown error'}, {name: 'w', rootfs: undefined, path: undefined, foreground: true, netTypes: {0: 'veth'}})
    assert.equal(script.message, 'w: Failed to set up lxc.net.0 (veth): script.up /x exited with status 3: boom')
  })
})
