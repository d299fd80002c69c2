// Concurrency: 50 `ctr start` of one name at once make exactly one
// container, and every loser says "already running" and exits 0 (as LXC's
// losers do); concurrent stops agree on the outcome.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {describeResult, fileId, isAlive, isMonitorProcess, listPids, procExeId, readCmdline, rootOnly, until, useSandbox, waitForPidGone} from './helpers.js'

const T = {timeout: 120_000}

/** Live (non-zombie) processes running the program `exe` (dev:ino). */
function processesRunning(exe: string | undefined): number[] {
  return listPids().filter((pid) => exe !== undefined && procExeId(pid) === exe && isAlive(pid))
}

describe('concurrent starts and stops', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('race')

  it('starts one container when 50 ctr start of the same name race', T, async (t) => {
    const sb = sandbox()
    const name = sb.name('one')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const initExe = fileId(sb.testInit)
    const began = performance.now()
    const runs = Array.from({length: 50}, () => sb.spawnCtr(['start', '-n', name], {timeoutMs: 90_000}))
    const results = await Promise.all(runs.map((r) => r.done))
    t.diagnostic(`50 concurrent starts took ${Math.round(performance.now() - began)} ms`)

    for (const r of results) assert.equal(r.code, 0, `every start exits 0 (LXC's losers too):\n${describeResult(r)}`)
    const winners = results.filter((r) => r.stderr === '')
    const losers = results.filter((r) => r.stderr !== '')
    assert.equal(winners.length, 1, `exactly one start is silent:\n${results.map(describeResult).join('\n')}`)
    for (const r of losers) {
      assert.match(r.stderr, new RegExp(`^ctr start: ${name}: Container is already running\\n$`), describeResult(r))
      assert.equal(r.stdout, '')
    }

    const inits = processesRunning(initExe)
    assert.equal(inits.length, 1, `exactly one init runs: ${inits.map((p) => `${p} ${readCmdline(p)}`).join('; ')}`)
    assert.equal(inits[0], await sb.initPid(name))
    // The losers' monitors found the lock taken and exit: one monitor stays.
    const monitors = (): number[] => listPids().filter((p) => isMonitorProcess(p) && readCmdline(p).includes(sb.lxcpath))
    await until(() => monitors().length === 1, 10_000, 'one monitor to remain').catch(() => undefined)
    assert.equal(monitors().length, 1, `one monitor: ${monitors().map(readCmdline).join('; ')}`)
  })

  it('agrees on concurrent stops: one stops it, the others find it stopped (0 or 2, never an error)', T, async () => {
    const sb = sandbox()
    const name = sb.name('stops')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    // A few rounds: the overlap of one stop's request with another's kill is a matter of timing.
    for (let round = 0; round < 4; round++) {
      assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
      const pid = await sb.initPid(name)
      const results = await Promise.all(Array.from({length: 10}, () => sb.ctr(['stop', '-n', name, '-k'])))
      for (const r of results) assert.ok(r.code === 0 || r.code === 2, `round ${round}: ${describeResult(r)}`)
      assert.ok(results.some((r) => r.code === 0), 'at least one stop did it')
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
      await waitForPidGone(pid)
    }
  })
})
