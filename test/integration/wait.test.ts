// `ctr wait`: event-driven waits for a container that is not running yet,
// `-t 0` as "check once", and one test per row of docs/lxc-contract.md §2.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {WAYS, describeResult, rootOnly, useSandbox, waitForFile, waitForInotify, waitForMonitorConnection} from './helpers.js'

const T = {timeout: 60_000}

describe('wait', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('wait')

  for (const via of WAYS) {
    it(`returns once a container that does not exist yet starts (${via})`, T, async (t) => {
      const sb = sandbox()
      const name = sb.name('later')
      const waiter = sb.spawnCtr(['wait', '-n', name, '-s', 'RUNNING', '-t', '10'], {via})
      // The waiter has armed its inotify watch on the run dir: from now on
      // the start is an event for it, not something it could poll for.
      await waitForInotify(waiter.pid)
      sb.defineRootfs(name, {init: '/sbin/test-init pause'})
      const start = await sb.ctr(['start', '-n', name])
      assert.equal(start.code, 0, describeResult(start))
      const startedAt = performance.now()
      const r = await waiter.done
      const reaction = performance.now() - startedAt
      assert.equal(r.code, 0, describeResult(r))
      assert.equal(r.stdout, '')
      // LXC polls once a second here; this wait reacts to the inotify event
      // (armed above). How fast is a benchmark's question, not a test's.
      t.diagnostic(`wait returned ${Math.round(reaction)} ms after ctr start returned`)
    })
  }

  it('notices the start every time (10 rounds: wait for a container not started yet, then start it)', {timeout: 180_000}, async (t) => {
    const sb = sandbox()
    const reactions: number[] = []
    for (let round = 0; round < 10; round++) {
      const name = sb.name(`r${round}`)
      sb.defineRootfs(name, {init: '/sbin/test-init pause'})
      const waiter = sb.spawnCtr(['wait', '-n', name, '-s', 'RUNNING', '-t', '5'])
      await waitForInotify(waiter.pid)
      const start = await sb.ctr(['start', '-n', name])
      assert.equal(start.code, 0, describeResult(start))
      const startedAt = performance.now()
      const r = await waiter.done
      reactions.push(Math.round(performance.now() - startedAt))
      assert.equal(r.code, 0, `round ${round}: the wait missed the start:\n${describeResult(r)}`)
      assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
    }
    t.diagnostic(`reactions after ctr start returned (ms): ${reactions.join(' ')}`)
  })

  it('checks once with -t 0, whether the container is stopped or running in another state', T, async () => {
    const sb = sandbox()
    const name = sb.name('once')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const down = await sb.ctr(['wait', '-n', name, '-s', 'RUNNING', '-t', '0'])
    assert.equal(down.code, 1, describeResult(down))

    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const yes = await sb.ctr(['wait', '-n', name, '-s', 'RUNNING', '-t', '0'])
    assert.equal(yes.code, 0, describeResult(yes))
    // LXC blocks forever here (SO_RCVTIMEO 0); ctr checks once and says so.
    const other = await sb.ctr(['wait', '-n', name, '-s', 'FROZEN', '-t', '0'], {timeoutMs: 10_000})
    assert.equal(other.code, 1, describeResult(other))
    assert.match(other.stderr, /RUNNING/, 'the message says what the state is')
  })

  it('waits for STOPPED on a stopped container without delay', T, async () => {
    const sb = sandbox()
    const defined = sb.name('stopped')
    sb.defineRootfs(defined)
    for (const name of [defined, sb.name('never')]) {
      const r = await sb.ctr(['wait', '-n', name, '-s', 'STOPPED'])
      assert.equal(r.code, 0, describeResult(r))
    }
  })

  it('reaches STOPPED however close the stop comes (20 rounds of wait -s STOPPED started with stop -k)', {timeout: 300_000}, async () => {
    const sb = sandbox()
    const name = sb.name('close')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    for (let round = 0; round < 20; round++) {
      assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
      const waiter = sb.spawnCtr(['wait', '-n', name, '-s', 'STOPPED', '-t', '10'])
      const stop = await sb.ctr(['stop', '-n', name, '-k'])
      assert.equal(stop.code, 0, describeResult(stop))
      const r = await waiter.done
      assert.equal(r.code, 0, `round ${round}: STOPPED was reached, whenever the waiter looked:\n${describeResult(r)}`)
    }
  })

  it('accepts any of several states (RUNNING|STOPPED)', T, async () => {
    const sb = sandbox()
    const name = sb.name('either')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['wait', '-n', name, '-s', 'RUNNING|STOPPED', '-t', '5'])).code, 0)
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    assert.equal((await sb.ctr(['wait', '-n', name, '-s', 'FROZEN|RUNNING', '-t', '5'])).code, 0)
  })

  it('follows a running container until it stops (wait STOPPED, then stop)', T, async () => {
    const sb = sandbox()
    const name = sb.name('follow')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside} --exit-on SIGPWR:0`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const waiter = sb.spawnCtr(['wait', '-n', name, '-s', 'STOPPED', '-t', '30'])
    await waitForMonitorConnection(waiter.pid)
    const stop = await sb.ctr(['stop', '-n', name])
    assert.equal(stop.code, 0, describeResult(stop))
    const r = await waiter.done
    // It followed the monitor's STOPPED event: a wait that missed it would
    // time out (-t 30) and exit 1. How fast is a benchmark's question.
    assert.equal(r.code, 0, describeResult(r))
  })
})

// docs/lxc-contract.md §2, one test per row.
describe('wait exit status (§2)', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('wrow')

  it('a requested state is current: 0', T, async () => {
    const sb = sandbox()
    const name = sb.name('cur')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const r = await sb.ctr(['wait', '-n', name, '-s', 'RUNNING'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout + r.stderr, '', 'nothing is printed on success')
  })

  it('a requested state is reached: 0', T, async () => {
    const sb = sandbox()
    const name = sb.name('reach')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const waiter = sb.spawnCtr(['wait', '-n', name, '-s', 'RUNNING', '-t', '30'])
    await waitForInotify(waiter.pid)
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const r = await waiter.done
    assert.equal(r.code, 0, describeResult(r))
  })

  it('not running and STOPPED requested: 0 at once, even if never defined', T, async () => {
    const sb = sandbox()
    const r = await sb.ctr(['wait', '-n', sb.name('ghost'), '-s', 'STOPPED', '-t', '-1'])
    assert.equal(r.code, 0, describeResult(r))
  })

  it('timeout expired: 1 (container down, and container up in another state)', T, async () => {
    const sb = sandbox()
    const name = sb.name('tmo')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const down = await sb.ctr(['wait', '-n', name, '-s', 'RUNNING', '-t', '1'])
    assert.equal(down.code, 1, describeResult(down))
    assert.match(down.stderr, /Timed out waiting/, describeResult(down))
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const up = await sb.ctr(['wait', '-n', name, '-s', 'FROZEN', '-t', '1'])
    assert.equal(up.code, 1, describeResult(up))
    assert.match(up.stderr, /^ctr wait: Timed out waiting .* \(it is RUNNING\)/m, describeResult(up))
  })

  it('the container stopped while waiting for another state: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('gone')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const waiter = sb.spawnCtr(['wait', '-n', name, '-s', 'FROZEN', '-t', '30'])
    await waitForMonitorConnection(waiter.pid)
    assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
    const r = await waiter.done
    assert.equal(r.code, 1, describeResult(r))
    // Ended by the stop, not by the 30 s timeout.
    assert.match(r.stderr, /stopped while waiting for FROZEN/, describeResult(r))
  })

  it('missing -s: 1', T, async () => {
    const sb = sandbox()
    const r = await sb.ctr(['wait', '-n', sb.name('nos')])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /Missing state option to wait for/)
  })

  it('invalid state name: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('bad')
    for (const states of ['running', 'RUNNING|BOGUS']) {
      const r = await sb.ctr(['wait', '-n', name, '-s', states])
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, /invalid state '(running|BOGUS)'/)
    }
  })

  it('config error: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('conf')
    const path = sb.writeConfig(name, 'lxc.bogus = 1\n')
    const r = await sb.ctr(['wait', '-n', name, '-s', 'STOPPED'])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, new RegExp(`${path}:1`))
  })

  it('privilege: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('priv')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const r = await sb.ctr(['wait', '-n', name, '-s', 'RUNNING', '-t', '5'], {uid: 65534, gid: 65534})
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /EACCES/)
  })
})
