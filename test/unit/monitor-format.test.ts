// core/format/monitor.ts: lxc-monitor's lines (checked against lxc-monitor
// 5.0.2's output on the dev machine) and ctr's JSON lines.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {eventJson, formatEvent, formatEventText, type MonitorLine} from '../../src/core/format/monitor.js'

const at = (event: MonitorLine['event'], name = 'bb'): MonitorLine => ({name, lxcpath: '/var/lib/ctr', time: 1_700_000_000_123, event})

describe('formatEventText', () => {
  const cases: Array<[MonitorLine, string]> = [
    [at({kind: 'state', state: 'STARTING'}), "'bb' changed state to [STARTING]\n"],
    [at({kind: 'state', state: 'RUNNING'}), "'bb' changed state to [RUNNING]\n"],
    [at({kind: 'state', state: 'RUNNING', initial: true}), "'bb' changed state to [RUNNING]\n"],
    [at({kind: 'state', state: 'STOPPED'}, 'web-1.a'), "'web-1.a' changed state to [STOPPED]\n"],
    [at({kind: 'exit', status: 0, signal: 0}), "'bb' exited with status [0]\n"],
    [at({kind: 'exit', status: 7, signal: 0}), "'bb' exited with status [7]\n"],
    [at({kind: 'exit', status: 137, signal: 9}), "'bb' exited with status [137] (killed by SIGKILL)\n"],
    [at({kind: 'exit', status: 143, signal: 15}), "'bb' exited with status [143] (killed by SIGTERM)\n"],
    [at({kind: 'oom', count: 2}), "'bb' hit the OOM killer [2]\n"],
  ]
  for (const [line, want] of cases) {
    it(JSON.stringify(line.event), () => assert.equal(formatEventText(line), want))
  }
  it('keeps one regex good for both exit forms', () => {
    const re = /^'(.*)' exited with status \[([0-9]+)\]/
    assert.equal(re.exec(formatEventText(at({kind: 'exit', status: 3, signal: 0})))?.[2], '3')
    assert.equal(re.exec(formatEventText(at({kind: 'exit', status: 130, signal: 2})))?.[2], '130')
  })
})

describe('eventJson', () => {
  it('state, with LXC\'s state number', () => {
    assert.deepEqual(eventJson(at({kind: 'state', state: 'FROZEN'})), {
      time: 1_700_000_000_123, name: 'bb', lxcpath: '/var/lib/ctr', event: 'state', state: 'FROZEN', stateIndex: 6, initial: false,
    })
  })
  it('marks the snapshot of an already running container', () => {
    assert.equal(eventJson(at({kind: 'state', state: 'RUNNING', initial: true})).initial, true)
    assert.equal(eventJson(at({kind: 'state', state: 'RUNNING'})).initial, false)
  })
  it('exit: signal null when init exited by itself', () => {
    assert.deepEqual(eventJson(at({kind: 'exit', status: 7, signal: 0})), {
      time: 1_700_000_000_123, name: 'bb', lxcpath: '/var/lib/ctr', event: 'exit', status: 7, signal: null, reason: null,
    })
    assert.equal(eventJson(at({kind: 'exit', status: 137, signal: 9})).signal, 9)
    assert.equal(eventJson(at({kind: 'exit', status: 0, signal: 0, reason: 'halted'})).reason, 'halted')
  })
  it('oom', () => {
    assert.deepEqual(eventJson(at({kind: 'oom', count: 1})), {time: 1_700_000_000_123, name: 'bb', lxcpath: '/var/lib/ctr', event: 'oom', oomKills: 1})
  })
  it('formatEvent gives one line of JSON', () => {
    const text = formatEvent(at({kind: 'state', state: 'RUNNING'}), true)
    assert.equal(text.endsWith('\n'), true)
    assert.equal(text.indexOf('\n'), text.length - 1)
    assert.equal((JSON.parse(text) as {state: string}).state, 'RUNNING')
  })
})
