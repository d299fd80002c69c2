// LXC's signal syntax (docs/lxc-contract.md §6.1, sig_parse in confile_utils.c). Every
// row was checked with `lxc.signal.halt = VALUE` and lxc-info 5.0.2 on the
// dev machine (undefined = lxc-info fails to load the config).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {SIGRTMAX, SIGRTMIN, isValidSignal, parseSignal, signalName} from '../../src/core/signals.js'

describe('parseSignal', () => {
  const cases: Array<[value: string, want: number | undefined]> = [
    ['SIGPWR', 30],
    ['sigterm', 15],
    ['Sigterm', 15],
    ['SIGKILL', 9],
    ['SIGIOT', 6],
    ['SIGCLD', 17],
    ['SIGPOLL', 29],
    ['SIGSTKFLT', 16],
    ['SIGSYS', 31],
    ['SIGUNUSED', undefined],
    ['SIGEMT', undefined],
    ['SIGINFO', undefined],
    ['SIGLOST', undefined],
    ['pwr', undefined],
    ['PWR', undefined],
    ['RTMIN+3', undefined],
    ['SIGRTMIN', undefined],
    ['SIGRT', undefined],
    ['sigrtmin+3', 37],
    ['SIGRTMIN+0', 34],
    ['SIGRTMIN+30', 64],
    ['SIGRTMIN+31', undefined],
    ['SIGRTMAX-0', 64],
    ['SIGRTMAX-30', 34],
    ['sigrtMax-31', undefined],
    ['SIGRTMIN+03', 37],
    ['SIGRTMIN+0x3', 37],
    ['SIGRTMIN+08', undefined],
    ['SIGRTMIN+ 3', undefined],
    ['30', 30],
    ['0x1e', 30],
    ['010', 8],
    ['0', 0],
    ['99', 99],
    ['2147483647', 2147483647],
    ['2147483648', undefined],
    ['4294967295', undefined],
    ['+5', undefined],
    ['-1', undefined],
    ['', undefined],
    ['SIGTERM ', undefined],
  ]
  for (const [value, want] of cases) {
    it(`${JSON.stringify(value)} -> ${String(want)}`, () => assert.equal(parseSignal(value), want))
  }
})

describe('signalName', () => {
  const cases: Array<[number, string]> = [
    [1, 'SIGHUP'], [6, 'SIGABRT'], [9, 'SIGKILL'], [15, 'SIGTERM'], [17, 'SIGCHLD'], [29, 'SIGIO'], [30, 'SIGPWR'],
    [31, 'SIGSYS'], [34, 'SIGRTMIN'], [35, 'SIGRTMIN+1'], [37, 'SIGRTMIN+3'], [49, 'SIGRTMIN+15'], [50, 'SIGRTMAX-14'],
    [63, 'SIGRTMAX-1'], [64, 'SIGRTMAX'], [0, '0'], [32, '32'], [99, '99'],
  ]
  for (const [n, name] of cases) {
    it(`${n} -> ${name}`, () => assert.equal(signalName(n), name))
  }

  it('names round-trip through parseSignal, except bare SIGRTMIN/SIGRTMAX (LXC wants +0/-0)', () => {
    for (let n = 1; n <= 64; n++) {
      if (n === 32 || n === 33) continue
      const want = n === 34 || n === 64 ? undefined : n
      assert.equal(parseSignal(signalName(n)), want, signalName(n))
    }
  })

  it('knows the glibc real-time range and kill(2) limits', () => {
    assert.equal(SIGRTMIN, 34)
    assert.equal(SIGRTMAX, 64)
    assert.equal(isValidSignal(0), false)
    assert.equal(isValidSignal(64), true)
    assert.equal(isValidSignal(65), false)
  })
})
