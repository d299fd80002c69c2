// lxc.net.*: each test makes its own network namespace (Sandbox.netns)
// holding a bridge or a dummy-like parent, runs ctr inside it (nsenter
// --net), and uses addresses that exist only in the namespaces it made.
// Nothing here touches the host's interfaces, routes or firewall; the
// Sandbox fails a test that leaves an interface or a namespace behind.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {
  describeResult, inNetnsOf, kernelHasLink, networkSkip, nsInode, useSandbox, waitForFile, waitForPidGone,
  type NetNs, type Sandbox,
} from './helpers.js'
import {startWithNet, stop, type Started} from './net-helpers.js'

const T = {timeout: 90_000}
const PING = ['/bin/busybox', 'ping', '-c', '1', '-W', '2']


function pings(pid: number, address: string): boolean {
  return inNetnsOf(pid, [...PING, address]).status === 0
}

describe('veth on a bridge', {skip: networkSkip()}, () => {
  const sandbox = useSandbox('netbr')

  it('two containers reach each other and the bridge; the interfaces are there at init\'s first instruction', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('br')
    ns.addBridge('br0', '10.201.1.1/24')
    ns.ip('addr', 'add', 'fd00:201:1::1/64', 'dev', 'br0', 'nodad')
    const pair = sb.ifname('p')
    // Two interfaces; the second asks for eth0, so the first, left to the
    // kernel, becomes eth1 (LXC names the named ones first).
    const a = await startWithNet(sb, ns, 'a', [
      'lxc.net.0.type = veth', 'lxc.net.0.link = br0', 'lxc.net.0.flags = up', 'lxc.net.0.ipv4.address = 10.201.1.12/24',
      'lxc.net.1.type = veth', 'lxc.net.1.link = br0', 'lxc.net.1.flags = up', 'lxc.net.1.name = eth0',
      'lxc.net.1.hwaddr = 00:16:3e:xx:xx:xx', 'lxc.net.1.mtu = 1400',
      'lxc.net.1.ipv4.address = 10.201.1.2/24 10.201.1.254', 'lxc.net.1.ipv4.gateway = auto',
      'lxc.net.1.ipv6.address = fd00:201:1::2/64', 'lxc.net.1.ipv6.gateway = auto',
    ])
    // Legacy LXC 2.x names for the second container.
    const b = await startWithNet(sb, ns, 'b', [
      'lxc.network.type = veth', 'lxc.network.link = br0', 'lxc.network.flags = up', `lxc.network.veth.pair = ${pair}`,
      'lxc.network.ipv4 = 10.201.1.3/24', 'lxc.network.ipv4.gateway = dev',
    ])

    assert.ok(a.ifaces.some((l) => /^link eth0 up 00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/.test(l)), a.ifaces.join('\n'))
    assert.ok(a.ifaces.includes('addr eth0 10.201.1.2/24'), a.ifaces.join('\n'))
    assert.ok(a.ifaces.includes('addr eth1 10.201.1.12/24'), `the unnamed one is eth1: ${a.ifaces.join('\n')}`)
    assert.ok(a.ifaces.includes('addr eth0 fd00:201:1::2/64'), a.ifaces.join('\n'))
    assert.ok(a.ifaces.includes('gw4 eth0 10.201.1.1'), 'gateway auto is the bridge\'s address')
    assert.ok(a.ifaces.includes('link lo up 00:00:00:00:00:00'), 'lo comes up with the first interface (LXC)')
    assert.ok(b.ifaces.includes('addr eth0 10.201.1.3/24'), `the kernel names it eth0: ${b.ifaces.join('\n')}`)
    assert.ok(b.ifaces.includes('gw4 eth0 0.0.0.0'), `gateway dev is a device route: ${b.ifaces.join('\n')}`)
    assert.match(inNetnsOf(a.pid, ['ip', '-o', 'link', 'show', 'eth0']).stdout, /mtu 1400 /)
    assert.match(inNetnsOf(a.pid, ['ip', '-o', '-4', 'addr', 'show', 'eth0']).stdout, /inet 10\.201\.1\.2\/24 brd 10\.201\.1\.254 /)
    assert.match(inNetnsOf(a.pid, ['ip', '-6', 'route', 'show', 'default']).stdout, /default via fd00:201:1::1 dev eth0/)

    assert.ok(pings(a.pid, '10.201.1.3'), 'a reaches b')
    assert.ok(pings(b.pid, '10.201.1.2'), 'b reaches a')
    assert.ok(pings(a.pid, '10.201.1.1'), 'a reaches the bridge')
    assert.ok(pings(b.pid, '10.201.1.1'), 'b reaches the bridge')

    // veth.pair names the host side, a port of br0 whose MAC starts with fe (LXC).
    assert.match(ns.link(pair) ?? '', /master br0 .*link\/ether fe:|link\/ether fe:.*master br0/s)
    await stop(sb, ns, a.name)
    await stop(sb, ns, b.name)
    assert.deepEqual(ns.links(), ['lo', 'br0'], 'stop removed both host sides')
  })

  it('a missing bridge: create succeeds, start fails naming it and how to make one, nothing is left', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('nobr')
    const name = sb.name('nobr')
    const seed = join(sb.root, `${name}.seed`)
    writeFileSync(seed, 'lxc.net.0.type = veth\nlxc.net.0.link = nobr0\nlxc.net.0.flags = up\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n')
    const created = await sb.ctr(['create', '-n', name, '-t', 'none', '-f', seed, '--dir', sb.rootfs])
    assert.equal(created.code, 0, describeResult(created))
    assert.doesNotMatch(created.stderr, /cannot be started/)
    // LXC writes the completed hwaddr into the config it saves.
    const saved = readFileSync(join(sb.lxcpath, name, 'config'), 'utf8')
    assert.match(saved, /^lxc\.net\.0\.hwaddr = 00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/m)

    const r = await sb.ctr(['start', '-n', name, '--', '/sbin/test-init', 'pause'], {netns: ns})
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /Failed to set up lxc\.net\.0 \(veth\): the bridge "nobr0" does not exist/)
    assert.match(r.stderr, /ip link add nobr0 type bridge && ip link set nobr0 up/)
    assert.deepEqual(ns.links(), ['lo'])
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
  })

  it('with a shared network namespace, lxc.net.* is ignored (LXC)', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('share')
    const owner = await startWithNet(sb, ns, 'own', [])
    const name = sb.name('guest')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {
      init: `/sbin/test-init pause --ready ${ready.inside} --exit-on SIGPWR:0`,
      extra: ['lxc.net.0.type = veth', 'lxc.net.0.link = nosuchbr', `lxc.namespace.share.net = ${owner.name}`],
    })
    const r = await sb.ctr(['start', '-n', name], {netns: ns})
    assert.equal(r.code, 0, describeResult(r))
    await waitForFile(ready.host)
    assert.equal(nsInode(await sb.initPid(name), 'net'), nsInode(owner.pid, 'net'))
    assert.deepEqual(ns.links(), ['lo'])
    await stop(sb, ns, name)
    await stop(sb, ns, owner.name)
  })

  it('a reboot makes the interfaces anew (the same veth.pair name), with none left over', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('rb')
    ns.addBridge('br0', '10.201.3.1/24')
    const pair = sb.ifname('b')
    const c = await startWithNet(sb, ns, 'rb', [
      'lxc.net.0.type = veth', 'lxc.net.0.link = br0', 'lxc.net.0.flags = up', `lxc.net.0.veth.pair = ${pair}`, 'lxc.net.0.ipv4.address = 10.201.3.2/24',
    ], 'reboot')
    const ready = sb.ready(c.name)
    rmSync(join(sb.rootfs, `/tmp/${c.name}.ifaces`))
    const r = await sb.ctr(['stop', '-n', c.name, '-r', '-t', '10'], {netns: ns})
    assert.equal(r.code, 0, describeResult(r))
    await waitForFile(ready.host)
    const pid2 = await sb.initPid(c.name)
    assert.notEqual(pid2, c.pid)
    const ifaces = readFileSync(join(sb.rootfs, `/tmp/${c.name}.ifaces`), 'utf8')
    assert.match(ifaces, /^addr eth0 10\.201\.3\.2\/24$/m)
    assert.deepEqual(ns.links(), ['lo', 'br0', pair])
    assert.ok(pings(pid2, '10.201.3.1'))
    await stop(sb, ns, c.name)
  })

  it('veth.vlan.id needs a bridge that filters VLANs', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('vf')
    ns.addBridge('br0')
    const name = sb.name('vf')
    sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: ['lxc.net.0.type = veth', 'lxc.net.0.link = br0', 'lxc.net.0.veth.vlan.id = 10']})
    const r = await sb.ctr(['start', '-n', name], {netns: ns})
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /the bridge "br0" does not filter VLANs/)
    assert.match(r.stderr, /ip link set br0 type bridge vlan_filtering 1/)
    assert.deepEqual(ns.links(), ['lo', 'br0'])
  })

  const filtering = kernelHasLink('bridge', ['vlan_filtering', '1'])
  it('veth.vlan.id and veth.vlan.tagged.id on a filtering bridge', {...T, skip: filtering ? false : 'the kernel bridge has no VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)'}, async () => {
    const sb = sandbox()
    const ns = sb.netns('vl')
    ns.addBridge('br0')
    ns.ip('link', 'set', 'br0', 'type', 'bridge', 'vlan_filtering', '1')
    const pair = sb.ifname('v')
    const c = await startWithNet(sb, ns, 'vl', [
      'lxc.net.0.type = veth', 'lxc.net.0.link = br0', `lxc.net.0.veth.pair = ${pair}`, 'lxc.net.0.veth.vlan.id = 10', 'lxc.net.0.veth.vlan.tagged.id = 11',
    ])
    const vlans = spawnSync('bridge', ['-n', ns.name, 'vlan', 'show', 'dev', pair], {encoding: 'utf8'}).stdout
    assert.match(vlans, /\b10 PVID Egress Untagged/)
    assert.match(vlans, /\b11\b(?! PVID)/)
    assert.doesNotMatch(vlans, /\b1 PVID/, 'the default PVID is replaced')
    await stop(sb, ns, c.name)
  })

  it('a veth\'s host side is gone after a monitor SIGKILL and ctr stop', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('kill')
    ns.addBridge('br0')
    const pair = sb.ifname('k')
    const c = await startWithNet(sb, ns, 'kill', ['lxc.net.0.type = veth', 'lxc.net.0.link = br0', `lxc.net.0.veth.pair = ${pair}`])
    assert.ok(ns.link(pair))
    const monitor = Number(readFileSync(join(sb.rundirOf(c.name), 'monitor.pid'), 'utf8'))
    process.kill(monitor, 'SIGKILL')
    await waitForPidGone(monitor)
    await waitForPidGone(c.pid)
    const r = await sb.ctr(['stop', '-n', c.name], {netns: ns})
    assert.equal(r.code, 2, describeResult(r))
    assert.equal(ns.link(pair), undefined)
    assert.deepEqual(ns.links(), ['lo', 'br0'])
  })
})

describe('veth in router mode', {skip: networkSkip()}, () => {
  const sandbox = useSandbox('netrt')

  it('is reachable through the route LXC adds; host routes and proxies go at stop', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('rt')
    // The host side's network: what the container's gateway address is routed through.
    ns.addBridge('up0', '10.202.0.1/16')
    const pair = sb.ifname('r')
    const c = await startWithNet(sb, ns, 'rt', [
      'lxc.net.0.type = veth', 'lxc.net.0.veth.mode = router', 'lxc.net.0.flags = up', `lxc.net.0.veth.pair = ${pair}`,
      'lxc.net.0.ipv4.address = 10.202.1.2/32', 'lxc.net.0.ipv4.gateway = 10.202.1.1', 'lxc.net.0.veth.ipv4.route = 10.203.0.0/24',
    ])
    const routes = ns.ip('route', 'show', 'dev', pair)
    assert.match(routes, /^10\.202\.1\.2 scope link/m)
    assert.match(routes, /^10\.203\.0\.0\/24 scope link/m)
    assert.match(ns.ip('neigh', 'show', 'proxy'), new RegExp(`10\\.202\\.1\\.1 dev ${pair} proxy`))
    assert.ok(c.ifaces.includes('gw4 eth0 10.202.1.1'), c.ifaces.join('\n'))
    const ping = ns.exec([...PING, '10.202.1.2'])
    assert.equal(ping.status, 0, `the host side reaches the container through its route: ${ping.stdout}${ping.stderr}`)
    await stop(sb, ns, c.name)
    assert.doesNotMatch(ns.ip('route'), /10\.202\.1\.2|10\.203\.0\.0/)
    assert.equal(ns.ip('neigh', 'show', 'proxy').trim(), '')
  })
})

describe('macvlan, vlan and ipvlan on a dummy parent', {skip: networkSkip()}, () => {
  const sandbox = useSandbox('netmv')

  it('macvlan bridge mode: two containers on one parent reach each other; private mode does not', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('mv')
    ns.addDummy('parent0')
    ns.ip('link', 'set', 'parent0', 'up')
    const mac = (n: number, mode: string, extra: string[] = []): string[] => [
      'lxc.net.0.type = macvlan', 'lxc.net.0.link = parent0', `lxc.net.0.macvlan.mode = ${mode}`, 'lxc.net.0.flags = up',
      `lxc.net.0.ipv4.address = 10.204.0.${n}/24`, ...extra,
    ]
    const a = await startWithNet(sb, ns, 'a', mac(2, 'bridge', ['lxc.net.0.name = mv0', 'lxc.net.0.mtu = 1280']))
    const b = await startWithNet(sb, ns, 'b', mac(3, 'bridge'))
    assert.ok(a.ifaces.includes('addr mv0 10.204.0.2/24'), a.ifaces.join('\n'))
    assert.match(inNetnsOf(a.pid, ['ip', '-o', '-d', 'link', 'show', 'mv0']).stdout, /mtu 1280 .*macvlan mode bridge/)
    assert.ok(pings(a.pid, '10.204.0.3') && pings(b.pid, '10.204.0.2'), 'bridge mode: macvlans of one parent talk')
    const p = await startWithNet(sb, ns, 'p', mac(4, 'private'))
    assert.equal(pings(a.pid, '10.204.0.4'), false, 'private mode: cut off from the other macvlans')
    assert.equal((await sb.ctr(['info', '-n', b.name, '-S'])).stdout.match(/^Link: +(\S+)$/m)?.[1], 'parent0')
    for (const c of [a, b, p]) await stop(sb, ns, c.name)
    assert.deepEqual(ns.links(), ['lo', 'parent0'])
  })

  it('macvlan vepa and passthru modes', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('mvm')
    ns.addDummy('parent0')
    ns.addDummy('parent1')
    const vepa = await startWithNet(sb, ns, 'vepa', ['lxc.net.0.type = macvlan', 'lxc.net.0.link = parent0', 'lxc.net.0.macvlan.mode = vepa', 'lxc.net.0.flags = up'])
    assert.match(inNetnsOf(vepa.pid, ['ip', '-o', '-d', 'link', 'show', 'eth0']).stdout, /macvlan mode vepa/)
    // passthru takes the parent over: one per parent, with the parent's MAC.
    const pass = await startWithNet(sb, ns, 'pass', ['lxc.net.0.type = macvlan', 'lxc.net.0.link = parent1', 'lxc.net.0.macvlan.mode = passthru', 'lxc.net.0.flags = up'])
    const inside = inNetnsOf(pass.pid, ['ip', '-o', '-d', 'link', 'show', 'eth0']).stdout
    assert.match(inside, /macvlan mode passthru/)
    assert.equal(inside.match(/link\/ether (\S+)/)?.[1], ns.link('parent1')?.match(/link\/ether (\S+)/)?.[1])
    await stop(sb, ns, vepa.name)
    await stop(sb, ns, pass.name)
    assert.deepEqual(ns.links(), ['lo', 'parent0', 'parent1'])
  })

  it('l2proxy: the parent answers for the container\'s address until stop, also after a monitor SIGKILL', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('l2')
    ns.addDummy('parent0')
    ns.ip('link', 'set', 'parent0', 'up')
    assert.equal(ns.exec(['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/parent0/forwarding']).status, 0)
    const net = ['lxc.net.0.type = macvlan', 'lxc.net.0.link = parent0', 'lxc.net.0.l2proxy = 1', 'lxc.net.0.flags = up', 'lxc.net.0.ipv4.address = 10.205.0.2/24']
    const c = await startWithNet(sb, ns, 'l2', net)
    assert.match(ns.ip('neigh', 'show', 'proxy'), /10\.205\.0\.2 dev parent0 proxy/)
    await stop(sb, ns, c.name)
    assert.equal(ns.ip('neigh', 'show', 'proxy').trim(), '')

    const again = await startWithNet(sb, ns, 'l2k', net)
    const monitor = Number(readFileSync(join(sb.rundirOf(again.name), 'monitor.pid'), 'utf8'))
    process.kill(monitor, 'SIGKILL')
    await waitForPidGone(monitor)
    assert.match(ns.ip('neigh', 'show', 'proxy'), /10\.205\.0\.2 dev parent0 proxy/, 'a dead monitor left its proxy entry')
    assert.equal((await sb.ctr(['stop', '-n', again.name], {netns: ns})).code, 2)
    assert.equal(ns.ip('neigh', 'show', 'proxy').trim(), '', 'ctr stop removed it from the record')
  })

  const vlan = kernelHasLink('vlan', ['id', '5'], true)
  it('vlan: a tagged interface of the parent', {...T, skip: vlan ? false : 'the kernel has no 802.1Q VLAN support (CONFIG_VLAN_8021Q)'}, async () => {
    const sb = sandbox()
    const ns = sb.netns('vl')
    ns.addDummy('parent0')
    const c = await startWithNet(sb, ns, 'vl', [
      'lxc.net.0.type = vlan', 'lxc.net.0.link = parent0', 'lxc.net.0.vlan.id = 42', 'lxc.net.0.flags = up', 'lxc.net.0.ipv4.address = 10.206.0.2/24',
    ])
    assert.ok(c.ifaces.includes('addr eth0 10.206.0.2/24'), c.ifaces.join('\n'))
    assert.match(inNetnsOf(c.pid, ['ip', '-o', '-d', 'link', 'show', 'eth0']).stdout, /vlan protocol 802\.1Q id 42/)
    await stop(sb, ns, c.name)
  })

  const ipvlan = kernelHasLink('ipvlan', ['mode', 'l2'], true)
  it('ipvlan: l3 mode on the parent', {...T, skip: ipvlan ? false : 'the kernel has no ipvlan support (CONFIG_IPVLAN)'}, async () => {
    const sb = sandbox()
    const ns = sb.netns('iv')
    ns.addDummy('parent0')
    const c = await startWithNet(sb, ns, 'iv', [
      'lxc.net.0.type = ipvlan', 'lxc.net.0.link = parent0', 'lxc.net.0.ipvlan.mode = l3', 'lxc.net.0.ipvlan.isolation = private',
      'lxc.net.0.flags = up', 'lxc.net.0.ipv4.address = 10.207.0.2/24',
    ])
    assert.match(inNetnsOf(c.pid, ['ip', '-o', '-d', 'link', 'show', 'eth0']).stdout, /ipvlan {2}mode l3 private/)
    await stop(sb, ns, c.name)
  })
})

describe('phys: a device moved in and given back', {skip: networkSkip()}, () => {
  const sandbox = useSandbox('netph')

  const phys = (dev: string): string[] => [
    'lxc.net.0.type = phys', `lxc.net.0.link = ${dev}`, 'lxc.net.0.name = eth7', 'lxc.net.0.mtu = 1300', 'lxc.net.0.flags = up',
    'lxc.net.0.ipv4.address = 10.208.0.2/24',
  ]

  it('leaves its namespace while the container runs and comes back as it was at stop', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('ph')
    ns.addDummy('phys0')
    ns.ip('link', 'set', 'phys0', 'mtu', '1400')
    const before = ns.link('phys0') ?? ''
    const c = await startWithNet(sb, ns, 'ph', phys('phys0'))
    assert.equal(ns.link('phys0'), undefined, 'moved out of the test namespace')
    assert.ok(c.ifaces.includes('addr eth7 10.208.0.2/24'), c.ifaces.join('\n'))
    assert.match(inNetnsOf(c.pid, ['ip', '-o', 'link', 'show', 'eth7']).stdout, /mtu 1300 /)
    await stop(sb, ns, c.name)
    const after = ns.link('phys0') ?? ''
    assert.match(after, /mtu 1400 /, 'its MTU is restored')
    assert.equal(after.match(/link\/ether (\S+)/)?.[1], before.match(/link\/ether (\S+)/)?.[1])
    assert.doesNotMatch(ns.ip('addr', 'show', 'dev', 'phys0'), /10\.208/)
  })

  it('comes back after a monitor SIGKILL: at ctr stop, and at the next start', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('phk')
    ns.addDummy('phys0')
    const kill = async (name: string, pid: number): Promise<void> => {
      const monitor = Number(readFileSync(join(sb.rundirOf(name), 'monitor.pid'), 'utf8'))
      process.kill(monitor, 'SIGKILL')
      await waitForPidGone(monitor)
      await waitForPidGone(pid)
    }
    const c = await startWithNet(sb, ns, 'phk', phys('phys0'))
    await kill(c.name, c.pid)
    // init died with its monitor; the pinned namespace still holds the device.
    assert.equal(ns.link('phys0'), undefined)
    assert.ok(existsSync(join(sb.rundirOf(c.name), 'netns')), 'the container namespace is pinned in the run dir')
    const r = await sb.ctr(['stop', '-n', c.name], {netns: ns})
    assert.equal(r.code, 2, describeResult(r))
    assert.ok(ns.link('phys0'), 'ctr stop gave the device back')

    const r2 = await sb.ctr(['start', '-n', c.name], {netns: ns})
    assert.equal(r2.code, 0, describeResult(r2))
    const pid2 = await sb.initPid(c.name)
    await kill(c.name, pid2)
    const r3 = await sb.ctr(['start', '-n', c.name], {netns: ns})
    assert.equal(r3.code, 0, `the next start cleans up first and moves it in again: ${describeResult(r3)}`)
    assert.equal(ns.link('phys0'), undefined)
    await stop(sb, ns, c.name)
    assert.ok(ns.link('phys0'))
  })
})

describe('script.up and script.down', {skip: networkSkip()}, () => {
  const sandbox = useSandbox('netsc')

  function script(sb: Sandbox, label: string, exit = 0): {path: string; out: string} {
    const path = join(sb.root, `${label}.sh`)
    const out = join(sb.root, `${label}.out`)
    writeFileSync(path, `#!/bin/sh\n{ echo "ARGS $*"; env | grep '^LXC_' | sort; echo END; } >> ${out}\nexit ${exit}\n`)
    chmodSync(path, 0o755)
    return {path, out}
  }

  function runs(out: string): Array<{args: string; env: Record<string, string>}> {
    return readFileSync(out, 'utf8').split('END\n').filter((b) => b !== '').map((block) => {
      const lines = block.split('\n').filter((l) => l !== '')
      const env = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
      return {args: (lines[0] ?? '').slice(5), env}
    })
  }

  it('get LXC\'s arguments and environment (hook version 0 and 1)', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('sc')
    ns.addBridge('br0')
    const pair = sb.ifname('s')
    const s = script(sb, 'v0')
    const c = await startWithNet(sb, ns, 'v0', [
      'lxc.net.0.type = veth', 'lxc.net.0.link = br0', `lxc.net.0.veth.pair = ${pair}`,
      `lxc.net.0.script.up = ${s.path}`, `lxc.net.0.script.down = ${s.path}`,
    ])
    await stop(sb, ns, c.name)
    const [up, down] = runs(s.out)
    assert.equal(up?.args, `${c.name} net up veth br0 ${pair}`)
    assert.equal(down?.args, `${c.name} net down veth br0 ${pair}`)
    assert.equal(up?.env.LXC_NAME, c.name)
    assert.equal(up?.env.LXC_HOOK_VERSION, '0')
    assert.equal(up?.env.LXC_CONFIG_FILE, join(sb.lxcpath, c.name, 'config'))
    assert.equal(up?.env.LXC_PID, String(c.pid))
    assert.equal(up?.env.LXC_NET_TYPE, undefined, 'LXC_NET_* only under hook version 1')
    assert.match(down?.env.LXC_NET_NS ?? '', /^\/proc\/\d+\/fd\/\d+$/)

    const s1 = script(sb, 'v1')
    const c1 = await startWithNet(sb, ns, 'v1', [
      'lxc.hook.version = 1', 'lxc.net.0.type = macvlan', 'lxc.net.0.link = br0', `lxc.net.0.script.up = ${s1.path} extra`,
    ])
    await stop(sb, ns, c1.name)
    const [v1] = runs(s1.out)
    assert.equal(v1?.args, 'extra macvlan br0')
    assert.deepEqual([v1?.env.LXC_HOOK_TYPE, v1?.env.LXC_HOOK_SECTION, v1?.env.LXC_NET_TYPE, v1?.env.LXC_NET_PARENT, v1?.env.LXC_HOOK_VERSION],
      ['up', 'net', 'macvlan', 'br0', '1'])
  })

  it('a failing script.up fails the start with its status and leaves nothing', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('scf')
    ns.addBridge('br0')
    const s = script(sb, 'fail', 3)
    const name = sb.name('fail')
    sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: ['lxc.net.0.type = veth', 'lxc.net.0.link = br0', `lxc.net.0.script.up = ${s.path}`]})
    const r = await sb.ctr(['start', '-n', name], {netns: ns})
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, new RegExp(`Failed to set up lxc\\.net\\.0 \\(veth\\): script\\.up ${s.path} exited with status 3`))
    assert.deepEqual(ns.links(), ['lo', 'br0'])
  })
})
