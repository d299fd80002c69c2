// core/format/ls.ts: lxc-ls's layouts, column parsing and the selection
// rules. The expected tables were printed by lxc-ls 5.0.2 on the dev
// machine (`lxc-ls -P /tmp/x -f`, `-F NAME,STATE,PID,RAM,SWAP,INTERFACE,IPV4`
// with one running busybox container), trailing blanks included.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {UsageError} from '../../src/core/errors.js'
import {
  DEFAULT_FANCY_COLUMNS,
  LS_COLUMNS,
  columnNeeds,
  formatNames,
  formatTable,
  hasAllGroups,
  matchesSelection,
  parseColumns,
  type LsEntry,
} from '../../src/core/format/ls.js'
import type {State} from '../../src/core/state.js'

function entry(name: string, extra: Partial<LsEntry> = {}): LsEntry {
  const state: State = extra.state ?? 'STOPPED'
  return {
    name, state, running: state !== 'STOPPED', defined: true, autostart: false, groups: [], interfaces: [], ipv4: [], ipv6: [],
    unprivileged: false, pid: null, memory: null, memoryLimit: null, ram: null, swap: null, orphan: false, runBy: state === 'STOPPED' ? null : 'ctr', configError: null, ...extra,
  }
}

const MIB = 1024 * 1024

describe('formatTable', () => {
  it('prints lxc-ls -f byte for byte', () => {
    const entries = [
      entry('a'),
      entry('bb', {autostart: true, groups: ['g1', 'g2', 'g3']}),
      entry('ccccccc'),
      entry('d', {unprivileged: true}),
    ]
    assert.equal(
      formatTable(entries, DEFAULT_FANCY_COLUMNS),
      [
        'NAME    STATE   AUTOSTART GROUPS     IPV4 IPV6 UNPRIVILEGED ',
        'a       STOPPED 0         -          -    -    false        ',
        'bb      STOPPED 1         g1, g2, g3 -    -    false        ',
        'ccccccc STOPPED 0         -          -    -    false        ',
        'd       STOPPED 0         -          -    -    true         ',
        '',
      ].join('\n'),
    )
  })

  it('prints -F with PID, RAM, SWAP and INTERFACE as lxc-ls does for a running container', () => {
    const running = entry('bb', {state: 'RUNNING', pid: 14737, ram: 923_648, swap: 0, interfaces: ['lo']})
    assert.equal(
      formatTable([running], ['NAME', 'STATE', 'PID', 'RAM', 'SWAP', 'INTERFACE', 'IPV4']),
      'NAME STATE   PID   RAM    SWAP   INTERFACE IPV4 \nbb   RUNNING 14737 0.88MB 0.00MB lo        -    \n',
    )
  })

  it('prints stopped rows of -F NAME,PID,RAM,SWAP,INTERFACE as lxc-ls does', () => {
    assert.equal(
      formatTable([entry('a'), entry('ccccccc')], ['NAME', 'PID', 'RAM', 'SWAP', 'INTERFACE']),
      'NAME    PID RAM    SWAP   INTERFACE \na       -   -      -      -         \nccccccc -   -      -      -         \n',
    )
  })

  it('right-aligns RAM to the widest value; SWAP counts whole MiB like lxc-ls', () => {
    const rows = [
      entry('big', {state: 'RUNNING', pid: 7, ram: 1234.5 * MIB, swap: 3.9 * MIB}),
      entry('small', {state: 'RUNNING', pid: 12345, ram: 0.5 * MIB, swap: 0}),
      entry('off'),
    ]
    assert.equal(
      formatTable(rows, ['NAME', 'PID', 'RAM', 'SWAP']),
      [
        'NAME  PID   RAM       SWAP   ',
        'big   7     1234.50MB 3.00MB ',
        'small 12345    0.50MB 0.00MB ',
        'off   -     -         -      ',
        '',
      ].join('\n'),
    )
  })

  it('shows unknown memory as "-" rather than 0', () => {
    const row = entry('x', {state: 'RUNNING', pid: 1})
    assert.equal(formatTable([row], ['NAME', 'MEMORY', 'RAM']), 'NAME MEMORY RAM    \nx    -      -      \n')
  })

  it('humanises MEMORY like lxc-info', () => {
    const row = entry('x', {state: 'RUNNING', pid: 1, memory: 3 * MIB + 512 * 1024})
    assert.equal(formatTable([row], ['NAME', 'MEMORY']), 'NAME MEMORY   \nx    3.50 MiB \n')
  })

  it('joins IPs and interfaces with ", " and shows them only while running', () => {
    const on = entry('on', {state: 'RUNNING', pid: 5, ipv4: ['10.0.3.5', '10.0.4.5'], ipv6: ['fd00::5'], interfaces: ['lo', 'eth0']})
    const off = entry('off', {ipv4: ['10.9.9.9']})
    assert.equal(
      formatTable([off, on], ['NAME', 'INTERFACE', 'IPV4', 'IPV6']),
      'NAME INTERFACE IPV4               IPV6    \noff  -         -                  -       \non   lo, eth0  10.0.3.5, 10.0.4.5 fd00::5 \n',
    )
  })

  it('prints nothing, not even a header, for no containers', () => {
    assert.equal(formatTable([], DEFAULT_FANCY_COLUMNS), '')
  })

  it('repeats a column given twice, as lxc-ls does', () => {
    assert.equal(formatTable([entry('a')], ['NAME', 'NAME']), 'NAME NAME \na    a    \n')
  })
})

describe('formatNames', () => {
  const names = ['a', 'bb', 'ccccccc', 'd']
  it('prints one bare name per line off a terminal', () => {
    assert.equal(formatNames(names, 0, false), 'a\nbb\nccccccc\nd\n')
  })
  it('prints one per line with -1 on a terminal', () => {
    assert.equal(formatNames(names, 200, true), 'a\nbb\nccccccc\nd\n')
  })
  it('lays names out in columns of the longest name on a terminal, without trailing blanks', () => {
    assert.equal(formatNames(names, 80, false), 'a       bb      ccccccc d\n')
    assert.equal(formatNames(names, 20, false), 'a       bb\nccccccc d\n')
  })
  it('pads to at least 4 characters, as lxc-ls', () => {
    const many = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9']
    // lxc-ls on 60- and 20-column terminals printed exactly this (plus blanks at the ends).
    assert.equal(formatNames(many, 60, false), 'c1   c2   c3   c4   c5   c6   c7   c8   c9\n')
    assert.equal(formatNames(many, 20, false), 'c1   c2   c3   c4\nc5   c6   c7   c8\nc9\n')
  })
  it('prints nothing for no names', () => {
    assert.equal(formatNames([], 80, false), '')
  })
})

describe('parseColumns', () => {
  it('accepts any case, blanks and empty pieces', () => {
    assert.deepEqual(parseColumns('name, State,,pid ,ram'), ['NAME', 'STATE', 'PID', 'RAM'])
  })
  it('accepts every documented column', () => {
    assert.deepEqual(parseColumns(LS_COLUMNS.join(',')), [...LS_COLUMNS])
  })
  for (const bad of ['foo', 'NAME,bogus', ',', '']) {
    it(`refuses ${JSON.stringify(bad)} with CTR_INVALID_COLUMN`, () => {
      assert.throws(() => parseColumns(bad), (e: unknown) => e instanceof UsageError && e.code === 'CTR_INVALID_COLUMN' && e.exitCode === 1)
    })
  }
  it('names the bad key as lxc-ls does', () => {
    assert.throws(() => parseColumns('NAME,foo'), /^UsageError: Invalid key: foo$/)
  })
})

describe('matchesSelection', () => {
  const none = {active: false, running: false, frozen: false, stopped: false, defined: false}
  const cases: Array<{flags: Partial<typeof none>; state: State; defined?: boolean; want: boolean}> = [
    {flags: {}, state: 'STOPPED', want: true},
    {flags: {}, state: 'RUNNING', defined: false, want: true},
    {flags: {running: true}, state: 'RUNNING', want: true},
    {flags: {running: true}, state: 'FROZEN', want: true},
    {flags: {running: true}, state: 'STOPPED', want: false},
    {flags: {stopped: true}, state: 'STOPPED', want: true},
    {flags: {stopped: true}, state: 'RUNNING', want: false},
    {flags: {frozen: true}, state: 'FROZEN', want: true},
    {flags: {frozen: true}, state: 'RUNNING', want: false},
    {flags: {frozen: true}, state: 'STOPPED', want: false},
    {flags: {frozen: true, active: true}, state: 'RUNNING', want: true},
    {flags: {active: true}, state: 'RUNNING', want: true},
    {flags: {active: true}, state: 'STOPPING', want: true},
    {flags: {active: true}, state: 'STOPPED', want: false},
    {flags: {defined: true}, state: 'RUNNING', defined: false, want: false},
    {flags: {defined: true}, state: 'STOPPED', want: true},
    {flags: {running: true, stopped: true}, state: 'RUNNING', want: false},
    {flags: {running: true, stopped: true}, state: 'STOPPED', want: false},
  ]
  for (const c of cases) {
    it(`${JSON.stringify(c.flags)} on ${c.state}${c.defined === false ? ' (volatile)' : ''}: ${c.want}`, () => {
      assert.equal(matchesSelection({state: c.state, defined: c.defined ?? true}, {...none, ...c.flags}), c.want)
    })
  }
})

describe('hasAllGroups', () => {
  it('needs every group', () => {
    assert.equal(hasAllGroups(['web', 'prod'], ['prod']), true)
    assert.equal(hasAllGroups(['web', 'prod'], ['prod', 'web']), true)
    assert.equal(hasAllGroups(['web'], ['prod', 'web']), false)
    assert.equal(hasAllGroups([], ['web']), false)
    assert.equal(hasAllGroups([], []), true)
  })
})

describe('columnNeeds', () => {
  it('reads configs only for config columns, and everything for --json', () => {
    assert.deepEqual(columnNeeds(['NAME', 'STATE', 'PID'], false), {config: false, interfaces: false, ips: false, memory: false, uidMap: false})
    assert.deepEqual(columnNeeds(DEFAULT_FANCY_COLUMNS, false), {config: true, interfaces: false, ips: true, memory: false, uidMap: true})
    assert.deepEqual(columnNeeds(['SWAP'], false).memory, true)
    assert.deepEqual(columnNeeds([], true), {config: true, interfaces: true, ips: true, memory: true, uidMap: true})
  })
})
