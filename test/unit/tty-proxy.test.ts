import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {scanEscape} from '../../src/sys/tty-proxy.js'

const scan = (bytes: number[], saw = false) => {
  const r = scanEscape(Buffer.from(bytes), 1, saw)
  return {send: [...r.send], detach: r.detach, sawEscape: r.sawEscape}
}

describe('scanEscape (lxc-console: lxc_terminal_stdin_cb)', () => {
  it('passes plain bytes', () => {
    assert.deepEqual(scan([0x61, 0x0d]), {send: [0x61, 0x0d], detach: false, sawEscape: false})
  })
  it('ESC q detaches; what came before it is sent, what follows is dropped', () => {
    assert.deepEqual(scan([0x61, 1, 0x71, 0x62]), {send: [0x61], detach: true, sawEscape: false})
  })
  it('ESC ESC sends one ESC; ESC then another byte sends that byte only', () => {
    assert.deepEqual(scan([1, 1]), {send: [1], detach: false, sawEscape: false})
    assert.deepEqual(scan([1, 0x78]), {send: [0x78], detach: false, sawEscape: false})
  })
  it('an ESC at the end of a chunk carries over to the next', () => {
    assert.deepEqual(scan([0x61, 1]), {send: [0x61], detach: false, sawEscape: true})
    assert.deepEqual(scan([0x71], true), {send: [], detach: true, sawEscape: false})
  })
})
