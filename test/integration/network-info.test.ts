// What ctr shows of a running container's interfaces: info -i and the
// link lines of info -S (lxc-info's layout, TX/RX from the container's
// side), info --json, ls -f. In a test network namespace, as
// network.test.ts.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describeResult, inNetnsOf, json, networkSkip, useSandbox, waitForFile, type NetNs, type Sandbox} from './helpers.js'
import {startWithNet, stop, type Started} from './net-helpers.js'

const T = {timeout: 90_000}

describe('the interfaces of a running container', {skip: networkSkip()}, () => {
  const sandbox = useSandbox('netinf')

  it('info, ls and --json show the interfaces; TX and RX read from the container\'s side', T, async () => {
    const sb = sandbox()
    const ns = sb.netns('obs')
    ns.addBridge('br0', '10.201.2.1/24')
    const pair = sb.ifname('o')
    const c = await startWithNet(sb, ns, 'obs', [
      'lxc.net.0.type = veth', 'lxc.net.0.link = br0', 'lxc.net.0.flags = up', `lxc.net.0.veth.pair = ${pair}`,
      'lxc.net.0.ipv4.address = 10.201.2.2/24', 'lxc.net.0.ipv6.address = fd00:201:2::2/64',
    ])
    // 40 KB each way: echo requests out, replies back.
    const sent = inNetnsOf(c.pid, ['/bin/busybox', 'ping', '-c', '4', '-s', '10000', '-W', '2', '10.201.2.1'])
    assert.equal(sent.status, 0, sent.stderr)

    const ips = await sb.ctr(['info', '-n', c.name, '-iH'])
    assert.deepEqual(ips.stdout.split('\n').filter((l) => l !== ''), ['10.201.2.2', 'fd00:201:2::2'])
    const raw = await sb.ctr(['info', '-n', c.name, '-S', '-H'])
    const lines = raw.stdout.split('\n')
    assert.ok(lines.includes(`Link:           ${pair}`), raw.stdout)
    const value = (label: string): bigint => BigInt((lines.find((l) => l.startsWith(label)) ?? '').slice(16).trim() || '-1')
    const tx = value(' TX bytes:')
    const rx = value(' RX bytes:')
    assert.ok(tx > 40_000n && rx > 40_000n, raw.stdout)
    assert.equal(value(' Total bytes:'), tx + rx)
    // The host side received what the container sent: lxc-info's TX.
    const monitorPid = json<{result: {monitorPid: number}}>(await sb.ctr(['info', '-n', c.name, '--json'])).result.monitorPid
    const devLine = readFileSync(`/proc/${monitorPid}/net/dev`, 'utf8').split('\n').find((l) => l.trim().startsWith(`${pair}:`)) ?? ''
    const hostRx = BigInt(devLine.split(':')[1]?.trim().split(/\s+/)[0] ?? '0')
    assert.ok(hostRx >= tx, `host rx ${hostRx} >= TX ${tx}`)

    const human = await sb.ctr(['info', '-n', c.name])
    assert.match(human.stdout, new RegExp(`Link:           ${pair}\\n TX bytes:      .+\\n RX bytes:      .+\\n Total bytes:   .+\\n`))

    const j = json<{result: {network: Array<Record<string, unknown>>}}>(await sb.ctr(['info', '-n', c.name, '--json']))
    assert.equal(j.result.network.length, 1)
    assert.deepEqual({...j.result.network[0], txBytes: undefined, rxBytes: undefined}, {
      index: 0, type: 'veth', name: 'eth0', link: 'br0', hostInterface: pair, ipv4: ['10.201.2.2'], ipv6: ['fd00:201:2::2'],
      txBytes: undefined, rxBytes: undefined,
    })
    assert.equal(typeof j.result.network[0]?.txBytes, 'number')

    const ls = await sb.ctr(['ls', '-f', '-F', 'NAME,INTERFACE,IPV4,IPV6'])
    const row = ls.stdout.split('\n').find((l) => l.startsWith(c.name)) ?? ''
    assert.match(row, /lo, eth0 +10\.201\.2\.2 +fd00:201:2::2/, ls.stdout)
    await stop(sb, ns, c.name)
  })
})
