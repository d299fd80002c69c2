import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {formatCpuSeconds, humanizeSize, toFixed2Exact} from '../../src/core/format/humanize.js'
import {formatInfo, type InfoFacts, type InfoSelection} from '../../src/core/format/info.js'

describe('humanizeSize (lxc_info.c size_humanize)', () => {
  const cases: Array<[bigint | number, string]> = [
    [0, '0 bytes'],
    [1, '1 bytes'],
    [1023, '1023 bytes'],
    // The comparisons are strict: exactly 1 KiB is still bytes.
    [1024, '1024 bytes'],
    [1025, '1.00 KiB'],
    [1536, '1.50 KiB'],
    // +5 rounding: 2047 + 5 = 2052 -> 2.00
    [2047, '2.00 KiB'],
    [1048575, '1024.00 KiB'],
    [1048576, '1024.00 KiB'],
    [1048577, '1.00 MiB'],
    [1572864, '1.50 MiB'],
    // LXC's baseline line: Memory use 1.89 MiB
    [1982464, '1.89 MiB'],
    [1073741824, '1024.00 MiB'],
    [1073741825, '1.00 GiB'],
    // GiB fraction is truncated, not rounded: 1.999 GiB -> 1.99
    [2n * 1073741824n - 1n, '1.99 GiB'],
    // LXC divides the remainder by 10737419 (not 2^30/100): 5.5 GiB prints 5.49.
    [5n * 1073741824n + 536870912n, '5.49 GiB'],
  ]
  for (const [value, expected] of cases) {
    it(`${value} -> ${expected}`, () => assert.equal(humanizeSize(value), expected))
  }
})

describe('CPU seconds (strtof, float division, printf %.2f)', () => {
  it('formats nanoseconds like LXC', () => {
    assert.equal(formatCpuSeconds(8268615n), '0.01 seconds')
    assert.equal(formatCpuSeconds(0n), '0.00 seconds')
    assert.equal(formatCpuSeconds(4210000000n), '4.21 seconds')
  })
  it('rounds exact ties to even like printf', () => {
    assert.equal(toFixed2Exact(0.125), '0.12')
    assert.equal(toFixed2Exact(0.375), '0.38')
    assert.equal(toFixed2Exact(2.5), '2.50')
  })
})

const running: InfoFacts = {name: 'web1', state: 'RUNNING', running: true, pid: 23817, ips: ['10.0.3.57', 'fd00::1'], config: []}
const none: InfoSelection = {showState: false, showPid: false, showIps: false, showStats: false, raw: false, filterCount: 0, configKeys: []}

describe('formatInfo layout', () => {
  it('default mode: Name, State, PID, IPs with %-15s labels', () => {
    const out = formatInfo(running, none)
    assert.equal(out.stdout, 'Name:           web1\nState:          RUNNING\nPID:            23817\nIP:             10.0.3.57\nIP:             fd00::1\n')
  })
  it('stopped: only Name and State', () => {
    assert.equal(formatInfo({...running, state: 'STOPPED', running: false}, none).stdout, 'Name:           web1\nState:          STOPPED\n')
  })
  it('-H alone keeps the default labelled layout', () => {
    assert.match(formatInfo(running, {...none, raw: true}).stdout, /^Name: {11}web1\n/)
  })
  it('bare values with -H and exactly one of -s/-p/-i', () => {
    assert.equal(formatInfo(running, {...none, showState: true, raw: true, filterCount: 1}).stdout, 'RUNNING\n')
    assert.equal(formatInfo(running, {...none, showPid: true, raw: true, filterCount: 1}).stdout, '23817\n')
    assert.equal(formatInfo(running, {...none, showIps: true, raw: true, filterCount: 1}).stdout, '10.0.3.57\nfd00::1\n')
  })
  it('-s -p -H stays labelled, in the order State, PID', () => {
    assert.equal(formatInfo(running, {...none, showState: true, showPid: true, raw: true, filterCount: 2}).stdout, 'State:          RUNNING\nPID:            23817\n')
  })
  it('-s twice with -H counts twice (LXC filter_count): labelled', () => {
    assert.equal(formatInfo(running, {...none, showState: true, raw: true, filterCount: 2}).stdout, 'State:          RUNNING\n')
  })
  it('-p on a stopped container prints nothing', () => {
    assert.equal(formatInfo({...running, state: 'STOPPED', running: false}, {...none, showPid: true, filterCount: 1}).stdout, '')
  })
  it('-c KEY lines: KEY = VALUE, KEY = for empty, invalid keys on stderr', () => {
    const facts = {...running, config: [{key: 'lxc.uts.name', value: 'web1'}, {key: 'lxc.init.cwd', value: ''}, {key: 'lxc.bogus', value: undefined}]}
    const out = formatInfo(facts, {...none, configKeys: ['lxc.uts.name', 'lxc.init.cwd', 'lxc.bogus']})
    assert.equal(out.stdout, 'lxc.uts.name = web1\nlxc.init.cwd =\n')
    assert.deepEqual(out.stderr, ['lxc.bogus invalid'])
  })
  it('-c KEY -H with one key prints the bare value', () => {
    const facts = {...running, config: [{key: 'lxc.uts.name', value: 'web1'}]}
    assert.equal(formatInfo(facts, {...none, raw: true, configKeys: ['lxc.uts.name']}).stdout, 'web1\n')
  })
  it('stats: humanised, traffic labels with a leading space', () => {
    const facts = {...running, stats: {cpuNs: 10_000_000n, blkioBytes: 0n, memoryBytes: 1982464n, kmemBytes: 724992n, links: [{name: 'vethX', txBytes: 1229n, rxBytes: 10107n}]}}
    const out = formatInfo(facts, {...none, showStats: true, filterCount: 5})
    assert.equal(out.stdout, [
      'CPU use:        0.01 seconds',
      'BlkIO use:      0 bytes',
      'Memory use:     1.89 MiB',
      'KMem use:       708.00 KiB',
      'Link:           vethX',
      ' TX bytes:      1.20 KiB',
      ' RX bytes:      9.87 KiB',
      ' Total bytes:   11.07 KiB',
      '',
    ].join('\n'))
  })
  it('stats -H: raw integers', () => {
    const facts = {...running, stats: {cpuNs: 8268615n, blkioBytes: 0n, memoryBytes: 1454080n, kmemBytes: 360448n}}
    assert.equal(formatInfo(facts, {...none, showStats: true, raw: true, filterCount: 5}).stdout,
      'CPU use:        8268615\nBlkIO use:      0\nMemory use:     1454080\nKMem use:       360448\n')
  })
})
