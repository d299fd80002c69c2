import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {STATES, formatStates, isRunningState, looksLikeStates, parseStates} from '../../src/core/state.js'

describe('states', () => {
  it('has LXC\'s eight names in LXC\'s numeric order', () => {
    assert.deepEqual([...STATES], ['STOPPED', 'STARTING', 'RUNNING', 'STOPPING', 'ABORTING', 'FREEZING', 'FROZEN', 'THAWED'])
  })
  it('parses | lists exactly: upper case, no trimming, empty pieces ignored', () => {
    assert.deepEqual([...parseStates('RUNNING|STOPPED')], ['RUNNING', 'STOPPED'])
    assert.deepEqual([...parseStates('|RUNNING||')], ['RUNNING'])
    assert.throws(() => parseStates('running'), {code: 'CTR_INVALID_STATE', message: "invalid state 'running'"})
    assert.throws(() => parseStates(' RUNNING'), {message: "invalid state ' RUNNING'"})
    assert.throws(() => parseStates('BOGUS'), {message: "invalid state 'BOGUS'"})
    assert.throws(() => parseStates('|'), {code: 'CTR_NO_STATE'})
  })
  it('hints at the upper-case name', () => {
    assert.throws(() => parseStates('frozen'), (e: {hints: string[]}) => e.hints[0] === 'State names are upper case: FROZEN')
  })
  it('tells a state list from a name', () => {
    assert.equal(looksLikeStates('RUNNING|STOPPED'), true)
    assert.equal(looksLikeStates('web'), false)
    assert.equal(looksLikeStates(''), false)
  })
  it('is_running means not STOPPED', () => {
    assert.equal(isRunningState('FROZEN'), true)
    assert.equal(isRunningState('STOPPED'), false)
    assert.equal(formatStates(new Set(['RUNNING', 'FROZEN'] as const)), 'RUNNING|FROZEN')
  })
})
