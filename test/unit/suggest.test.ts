// core/suggest.ts: did-you-mean for commands and container names.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {didYouMean, editDistance, suggest} from '../../src/core/suggest.js'

const COMMANDS = ['create', 'destroy', 'freeze', 'help', 'info', 'ls', 'monitor', 'start', 'stop', 'unfreeze', 'version', 'wait', 'completion']

describe('editDistance', () => {
  const cases: Array<[string, string, number]> = [
    ['stop', 'stop', 0],
    ['stpo', 'stop', 1],
    ['sotp', 'stop', 1],
    ['strat', 'start', 1],
    ['inf', 'info', 1],
    ['', 'ls', 2],
    ['web1', 'web2', 1],
    ['kitten', 'sitting', 3],
  ]
  for (const [a, b, d] of cases) it(`${a} -> ${b} = ${d}`, () => assert.equal(editDistance(a, b), d))
})

describe('suggest', () => {
  const cases: Array<[string, string[]]> = [
    ['stpo', ['stop']],
    ['strat', ['start']],
    ['inof', ['info']],
    ['wiat', ['wait']],
    ['destory', ['destroy']],
    ['mon', ['monitor']],
    ['Stop', ['stop']],
    ['xyz', []],
    ['run', []],
    ['stop', []],
  ]
  for (const [word, expected] of cases) it(`${word} -> ${expected.join(',') || 'nothing'}`, () => assert.deepEqual(suggest(word, COMMANDS), expected))
  it('suggests container names', () => {
    assert.deepEqual(suggest('wbe', ['web', 'db', 'cache']), ['web'])
    assert.deepEqual(suggest('web3', ['web1', 'web2', 'db'], 2), ['web1', 'web2'])
  })
  it('renders the hint', () => {
    assert.deepEqual(didYouMean(['stop']), ['Did you mean "stop"?'])
    assert.deepEqual(didYouMean(['a', 'b']), ['Did you mean "a" or "b"?'])
    assert.deepEqual(didYouMean([]), [])
  })
})
