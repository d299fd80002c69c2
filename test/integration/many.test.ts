// ctr start / ctr stop with --many and --all-matching (README "Many
// containers at once"): every container started or stopped, each failure
// reported on its own (text and --json), the exit status telling whether
// all succeeded. Correctness only: the timing is bench/'s.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {WAYS, describeResult, json, rootOnly, useSandbox, type Sandbox} from './helpers.js'

const T = {timeout: 90_000}

interface ManyJson<R> {
  status: number
  result: {
    containers: Array<{name: string; status: number; result: R | null; error: {code: string; message: string} | null}>
    succeeded: number
    failed: number
  }
}

async function state(sb: Sandbox, name: string): Promise<string> {
  return (await sb.ctr(['info', '-n', name, '-sH'])).stdout.trim()
}

describe('many containers in one call', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('many')

  for (const via of WAYS) {
    it(`start --many starts them all, stop --many stops them all (${via})`, T, async () => {
      const sb = sandbox()
      const names = [sb.name('a'), sb.name('b'), sb.name('c')]
      for (const name of names) sb.defineRootfs(name, {init: '/sbin/test-init pause'})
      const start = await sb.ctr(['start', '--many', ...names, '--at-once', '2', '--json'], {via})
      assert.equal(start.code, 0, describeResult(start))
      const started = json<ManyJson<{state: string; pid: number}>>(start)
      assert.deepEqual(started.result.containers.map((c) => c.name), names)
      assert.equal(started.result.succeeded, 3)
      assert.equal(started.result.failed, 0)
      for (const c of started.result.containers) {
        assert.equal(c.status, 0)
        assert.equal(c.result?.state, 'RUNNING')
        assert.equal(await state(sb, c.name), 'RUNNING')
      }
      const stop = await sb.ctr(['stop', '-k', '--many', ...names], {via})
      assert.equal(stop.code, 0, describeResult(stop))
      assert.equal(stop.stdout + stop.stderr, '')
      for (const name of names) assert.equal(await state(sb, name), 'STOPPED')
    })
  }

  it('a failure is reported for that container alone and makes the exit status non-zero', T, async () => {
    const sb = sandbox()
    const good = sb.name('good')
    const broken = sb.name('broken')
    const missing = sb.name('missing')
    sb.defineRootfs(good, {init: '/sbin/test-init pause'})
    sb.writeConfig(broken, `lxc.rootfs.path = dir:${sb.root}/no-such-rootfs\nlxc.init.cmd = /sbin/test-init pause\n`)
    const text = await sb.ctr(['start', '--many', good, broken])
    assert.equal(text.code, 1, describeResult(text))
    assert.match(text.stderr, new RegExp(`^ctr start: ${broken}: .*no-such-rootfs`, 'm'))
    assert.doesNotMatch(text.stderr, new RegExp(`ctr start: ${good}:`))
    assert.equal(await state(sb, good), 'RUNNING')

    // --json: every container in order, the failures with their error.
    const again = await sb.ctr(['start', '--many', good, broken, missing, '--json'])
    assert.equal(again.code, 1, describeResult(again))
    const body = json<ManyJson<{alreadyRunning: boolean}>>(again)
    assert.equal(body.status, 1)
    const [g, b, m] = body.result.containers
    assert.equal(g?.status, 0)
    assert.equal(g?.result?.alreadyRunning, true)
    assert.equal(b?.status, 1)
    assert.equal(b?.result, null)
    assert.equal(b?.error?.code, 'CTR_ROOTFS')
    assert.equal(m?.status, 1)
    assert.ok(m?.error, JSON.stringify(m))
    assert.equal(body.result.succeeded, 1)
    assert.equal(body.result.failed, 2)

    // stop: the one not running says so (exit 2, as ctr stop -n says it), the other stops.
    const stop = await sb.ctr(['stop', '-k', '--many', good, broken, '--json'])
    assert.equal(stop.code, 2, describeResult(stop))
    const stopped = json<ManyJson<{method: string}>>(stop)
    assert.equal(stopped.result.containers[0]?.status, 0)
    assert.equal(stopped.result.containers[1]?.error?.code, 'CTR_NOT_RUNNING')
    assert.equal(await state(sb, good), 'STOPPED')
  })

  it('--all-matching picks defined containers to start and running ones to stop, by whole name', T, async () => {
    const sb = sandbox()
    const webs = [sb.name('web1'), sb.name('web2')]
    const other = sb.name('web1x')
    for (const name of [...webs, other]) sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const regex = `${sb.tag}-[0-9]+-web[[:digit:]]`
    const start = await sb.ctr(['start', '--all-matching', regex, '--json'])
    assert.equal(start.code, 0, describeResult(start))
    assert.deepEqual(json<ManyJson<unknown>>(start).result.containers.map((c) => c.name), [...webs].sort())
    assert.equal(await state(sb, other), 'STOPPED')
    for (const name of webs) assert.equal(await state(sb, name), 'RUNNING')

    const none = await sb.ctr(['stop', '-k', '--all-matching', `${sb.tag}-nothing`])
    assert.equal(none.code, 0, describeResult(none))
    assert.match(none.stderr, /No container matches/)
    const stop = await sb.ctr(['stop', '-k', '--all-matching', regex, '--json'])
    assert.equal(stop.code, 0, describeResult(stop))
    assert.equal(json<ManyJson<unknown>>(stop).result.succeeded, 2)
    for (const name of webs) assert.equal(await state(sb, name), 'STOPPED')
  })
})
