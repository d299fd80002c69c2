// The running container's interfaces (core/net-record.ts): the monitor's
// run-dir record, /proc/PID/net/dev, and lxc-info's link lines.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {formatInfo} from '../../src/core/format/info.js'
import {infoLinks, parseNetDev, parseNetworkRecord} from '../../src/core/net-record.js'

describe('the run-dir record and lxc-info\'s link lines', () => {
  const text = [
    'nic\t0\tveth\tbr0\tvethAbc123\t7\teth0\t2',
    'nic\t1\tphys\tdum0\t-\t0\tdum0\t3',
    'phys\t1\tdum0\t1500\t02:00:00:00:00:01\t0\t1',
    'nic\t2\tmacvlan\teth9\t-\t0\teth1\t4',
    'nic\t4\tveth\t-\tvethZ\t9\teth2\t5',
    '',
  ].join('\n')
  const counters = parseNetDev([
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0',
    'vethAbc123:    1000      10    0    0    0     0          0         0     2500      20    0    0    0     0       0          0',
    '  eth9: 7 1 0 0 0 0 0 0 8 1 0 0 0 0 0 0',
  ].join('\n'))
  it('parses the nic lines and /proc/PID/net/dev', () => {
    const nics = parseNetworkRecord(text)
    assert.deepEqual(nics.map((n) => [n.index, n.type, n.link, n.host, n.name, n.ifindex]), [
      [0, 'veth', 'br0', 'vethAbc123', 'eth0', 2], [1, 'phys', 'dum0', undefined, 'dum0', 3],
      [2, 'macvlan', 'eth9', undefined, 'eth1', 4], [4, 'veth', undefined, 'vethZ', 'eth2', 5],
    ])
    assert.deepEqual(counters.get('vethAbc123'), {rxBytes: 1000n, txBytes: 2500n})
  })
  it('walks lxc.net.0, .1, ... to the first gap; a veth shows its host side, others the link; TX is what the host received', () => {
    assert.deepEqual(infoLinks(parseNetworkRecord(text), counters), [
      {name: 'vethAbc123', txBytes: 1000n, rxBytes: 2500n},
      {name: 'dum0'},
      {name: 'eth9', txBytes: 7n, rxBytes: 8n},
    ])
  })
  it('an empty network (no link to show) ends the list, as in lxc-info', () => {
    assert.deepEqual(infoLinks(parseNetworkRecord('nic\t0\tempty\t-\t-\t0\tlo\t1\nnic\t1\tveth\tbr0\tv1\t3\teth0\t2\n'), counters), [])
  })
  it('a link without counters prints Link and a zero total (lxc-info)', () => {
    const none = {showState: false, showPid: false, showIps: false, showStats: true, raw: false, filterCount: 5, configKeys: []}
    const out = formatInfo({name: 'w', state: 'RUNNING', running: true, ips: [], config: [], stats: {links: [{name: 'dum0'}]}}, none)
    assert.equal(out.stdout, 'Link:           dum0\n Total bytes:   0 bytes\n')
  })
})
