// `ctr autostart` end to end: which containers it takes (lxc.start.auto,
// groups, the empty group), in which order (lxc.start.order, then name;
// reversed for -s and -k), the lxc.start.delay between starts, -L, and the
// exit statuses. Order and delays are read from `ctr monitor --json`'s
// event timestamps, never from the wall clock of the test.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {describeResult, json, rootOnly, useSandbox, waitForInotify, type RunningCtr, type Sandbox} from './helpers.js'
import {LineReader, exactly} from './ls-helpers.js'

const T = {timeout: 180_000}

interface Spec {
  auto?: boolean
  order?: number
  delay?: number
  groups?: string[]
  init?: string
}

function define(sb: Sandbox, name: string, spec: Spec): void {
  const extra: string[] = []
  if (spec.auto !== false) extra.push('lxc.start.auto = 1')
  if (spec.order !== undefined) extra.push(`lxc.start.order = ${spec.order}`)
  if (spec.delay !== undefined) extra.push(`lxc.start.delay = ${spec.delay}`)
  for (const g of spec.groups ?? []) extra.push(`lxc.group = ${g}`)
  // SIGPWR (ctr's halt signal for this init) ends it cleanly: -s is a clean shutdown.
  sb.defineRootfs(name, {init: spec.init ?? '/sbin/test-init pause --exit-on PWR', extra})
}

interface Event {
  time: number
  name: string
  event: string
  state?: string
}

interface Watch {
  run: RunningCtr
  out: LineReader
}

async function watch(sb: Sandbox, names: string[]): Promise<Watch> {
  const run = sb.spawnCtr(['monitor', '--json', '-n', exactly(...names)], {timeoutMs: 150_000})
  const out = new LineReader(run.child.stdout as NonNullable<typeof run.child.stdout>)
  await waitForInotify(run.pid)
  return {run, out}
}

// Reads events until every name in `names` reached `state`; returns the time each did, in order of arrival.
async function reached(w: Watch, names: string[], state: string): Promise<Array<{name: string; time: number}>> {
  const seen: Array<{name: string; time: number}> = []
  while (seen.length < names.length) {
    const e = JSON.parse(await w.out.next(60_000, `${state} of ${names.join(', ')}`)) as Event
    if (e.event === 'state' && e.state === state && names.includes(e.name) && !seen.some((s) => s.name === e.name)) seen.push({name: e.name, time: e.time})
  }
  return seen
}

async function endWatch(w: Watch): Promise<void> {
  // The ctr monitor this test started, by pid.
  w.run.child.kill('SIGINT')
  const r = await w.run.done
  assert.equal(r.code, 0, describeResult(r))
}

interface AutostartJson {
  result: {action: string; containers: Array<{name: string; outcome: string; delay: number; group: string | null; error: {code: string} | null}>; attempted: number; failed: number}
}

function byOrder(specs: Record<string, Spec>, names: string[]): string[] {
  return [...names].sort((a, b) => (specs[a]?.order ?? 0) - (specs[b]?.order ?? 0) || (a < b ? -1 : a > b ? 1 : 0))
}

describe('autostart', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('auto')

  it('starts by lxc.start.order then name, waits lxc.start.delay between starts, then -s shuts down in reverse', T, async () => {
    const sb = sandbox()
    const specs: Record<string, Spec> = {}
    const add = (label: string, spec: Spec): string => {
      const name = sb.name(label)
      specs[name] = spec
      define(sb, name, spec)
      return name
    }
    const late = add('late', {order: 2})
    const first = add('first', {order: 1, delay: 2})
    const second = add('second', {order: 1})
    const manual = add('manual', {auto: false})
    const web = add('web', {groups: ['web']})
    const expected = byOrder(specs, [late, first, second])
    assert.equal(expected[2], late)

    const list = await sb.ctr(['autostart', '-L'])
    assert.equal(list.code, 0, describeResult(list))
    assert.equal(list.stdout, expected.map((n) => `${n} ${specs[n]?.delay ?? 0}\n`).join(''))
    assert.equal((await sb.ctr(['autostart', '-L', '-g', 'web'])).stdout, `${web} 0\n`)

    const w = await watch(sb, [late, first, second, manual, web])
    const r = await sb.ctr(['autostart', '--json'])
    assert.equal(r.code, 0, describeResult(r))
    const result = json<AutostartJson>(r).result
    assert.deepEqual(result.containers.map((c) => [c.name, c.outcome, c.group]), expected.map((n) => [n, 'done', '']))
    const running = await reached(w, expected, 'RUNNING')
    assert.deepEqual(running.map((e) => e.name), expected)
    // The container after one with lxc.start.delay = 2 runs at least 2 s after it did.
    const i = expected.indexOf(first)
    const next = running[i + 1]
    const at = running[i]
    assert.ok(next !== undefined && at !== undefined && next.time - at.time >= 2000, `${JSON.stringify(running)}`)
    for (const n of [manual, web]) assert.equal((await sb.ctr(['info', '-n', n, '-sH'])).stdout, 'STOPPED\n')

    // Running already: nothing to do, exit 0.
    const again = await sb.ctr(['autostart', '--json'])
    assert.equal(again.code, 0, describeResult(again))
    assert.deepEqual(json<AutostartJson>(again).result.containers, [])

    // -s: the running autostart containers, in the reverse order, cleanly.
    assert.equal((await sb.ctr(['autostart', '-s', '-L'])).stdout, [...expected].reverse().map((n) => `${n}\n`).join(''))
    const s = await sb.ctr(['autostart', '-s', '-t', '20', '--json'])
    assert.equal(s.code, 0, describeResult(s))
    assert.deepEqual(json<AutostartJson>(s).result.containers.map((c) => c.name), [...expected].reverse())
    const stopped = await reached(w, [...expected].reverse(), 'STOPPED')
    assert.deepEqual(stopped.map((e) => e.name), [...expected].reverse())
    await endWatch(w)
  })

  it('takes groups in the order given, the empty group for containers without one; -a, -A and -k', T, async () => {
    const sb = sandbox()
    const plain = sb.name('plain')
    const web = sb.name('web')
    const db = sb.name('db')
    const off = sb.name('off')
    define(sb, plain, {})
    define(sb, web, {groups: ['web'], order: 5})
    define(sb, db, {groups: ['db', 'web'], order: 9})
    define(sb, off, {auto: false, groups: ['web']})
    // Groups in the order given: db first (it is in web too, but taken once), then web, then no group.
    const l = await sb.ctr(['autostart', '-L', '-g', 'db,web,'])
    assert.equal(l.stdout, `${db} 0\n${web} 0\n${plain} 0\n`)
    // "webserver" is not "web" (lxc-autostart's prefix compare would take it).
    assert.equal((await sb.ctr(['autostart', '-L', '-g', 'webserver'])).stdout, '')
    // -A takes the container without lxc.start.auto too.
    const a = await sb.ctr(['autostart', '-L', '-A', '-g', 'web'])
    const names = a.stdout.split('\n').filter(Boolean).map((line) => line.split(' ')[0])
    assert.deepEqual([...(names as string[])].sort(), [db, off, web].sort())

    const w = await watch(sb, [plain, web, db])
    const st = await sb.ctr(['autostart', '-a'])
    assert.equal(st.code, 0, describeResult(st))
    assert.deepEqual((await reached(w, [plain, web, db], 'RUNNING')).map((e) => e.name), [plain, web, db])
    assert.equal((await sb.ctr(['info', '-n', off, '-sH'])).stdout, 'STOPPED\n')
    // -k: killed, in the reverse order.
    const k = await sb.ctr(['autostart', '-a', '-k', '--json'])
    assert.equal(k.code, 0, describeResult(k))
    assert.deepEqual(json<AutostartJson>(k).result.containers.map((c) => c.name), [db, web, plain])
    assert.deepEqual((await reached(w, [db, web, plain], 'STOPPED')).map((e) => e.name), [db, web, plain])
    await endWatch(w)
  })

  it('exits 0 with nothing to do, 1 when everything it tried failed, 2 when some of it did', T, async () => {
    const sb = sandbox()
    const empty = join(sb.root, 'empty-lxcpath')
    mkdirSync(empty)
    const none = await sb.ctr(['autostart', '-P', empty, '--json'])
    assert.equal(none.code, 0, describeResult(none))

    const broken = sb.name('broken')
    define(sb, broken, {init: '/sbin/no-such-init', groups: ['g1']})
    const good = sb.name('good')
    define(sb, good, {groups: ['g2']})
    const skipped = sb.name('skipped')
    define(sb, skipped, {auto: false, groups: ['g1']})
    // Only broken is tried (skipped has no lxc.start.auto): all of it failed.
    const all = await sb.ctr(['autostart', '-g', 'g1', '--json'])
    assert.equal(all.code, 1, describeResult(all))
    const failed = json<AutostartJson>(all).result
    assert.deepEqual([failed.attempted, failed.failed, failed.containers[0]?.error?.code], [1, 1, 'CTR_START_FAILED'])
    const text = await sb.ctr(['autostart', '-g', 'g1'])
    assert.equal(text.code, 1, describeResult(text))
    assert.match(text.stderr, new RegExp(`^ctr autostart: Error starting ${broken}: `, 'm'))
    const some = await sb.ctr(['autostart', '-g', 'g1,g2'])
    assert.equal(some.code, 2, describeResult(some))
    assert.equal((await sb.ctr(['info', '-n', good, '-sH'])).stdout, 'RUNNING\n')
    assert.equal((await sb.ctr(['autostart', '-g', 'g2', '-k'])).code, 0)

    for (const [args, message] of [[['-s', '-k'], /cannot be combined/], [['-a', '-g', 'x'], /cannot be combined with -g/], [['-t', 'soon'], /Invalid timeout/], [['web'], /Unexpected argument/]] as const) {
      const r = await sb.ctr(['autostart', ...args])
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, message)
    }
  })
})
