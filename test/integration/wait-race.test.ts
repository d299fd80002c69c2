// Regression: `ctr wait -s RUNNING` on a container that is not running yet
// must see every start. The monitor used to bind command.sock before
// listen(), so a waiter woken by the socket's creation could get
// ECONNREFUSED, take it for a dead monitor's socket and sleep through the
// start (seen in 2 of 40 start/stop loops). Now the socket is renamed into
// place once it listens.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {describeResult, rootOnly, useSandbox, waitForInotify} from './helpers.js'

describe('wait sees every start', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('waitrace')

  it('30 start/stop cycles, each awaited by a wait that began before the start', {timeout: 120_000}, async () => {
    const sb = sandbox()
    const name = sb.name('loop')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    for (let i = 0; i < 30; i++) {
      const wait = sb.spawnCtr(['wait', '-n', name, '-s', 'RUNNING', '-t', '10'])
      // The waiter is armed (its inotify watch exists) before the start.
      await waitForInotify(wait.pid)
      const start = await sb.ctr(['start', '-n', name])
      assert.equal(start.code, 0, describeResult(start))
      const waited = await wait.done
      assert.equal(waited.code, 0, `cycle ${i}: ${describeResult(waited)}`)
      const stop = await sb.ctr(['stop', '-n', name, '-k'])
      assert.equal(stop.code, 0, describeResult(stop))
    }
  })
})
