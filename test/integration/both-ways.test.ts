// One behaviour, two ways in (docs/architecture.md §6): every hot command and every error
// class run through bin/run.js's fast path and through oclif
// (CTR_VIA_OCLIF=1) give the same exit status, stdout and stderr.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {join} from 'node:path'

import {describeResult, rootOnly, useSandbox, waitForFile, waitForMonitorConnection, type CtrOptions, type CtrResult, type Sandbox} from './helpers.js'

// A bound for hangs, not a speed check: each test runs ctr dozens of times,
// through oclif too, which takes minutes on a loaded 2-core machine.
const T = {timeout: 180_000}

interface SameOptions extends CtrOptions {
  /** Run before each way (to put the container back into the state the command expects). */
  prepare?: () => Promise<void>
  /** Applied to stdout and stderr before comparing (timings in --json). */
  normalize?: (text: string) => string
}

/** Runs `ctr ARGS` the fast way and the oclif way; asserts the expected exit code and identical output. */
async function same(sb: Sandbox, args: string[], code: number, opts: SameOptions = {}): Promise<CtrResult> {
  const results: CtrResult[] = []
  for (const via of ['fast', 'oclif'] as const) {
    await opts.prepare?.()
    results.push(await sb.ctr(args, {...opts, via}))
  }
  const [fast, oclif] = results as [CtrResult, CtrResult]
  const norm = opts.normalize ?? timings
  assert.equal(fast.code, code, `fast path: ${describeResult(fast)}`)
  assert.equal(oclif.code, fast.code, `oclif exits like the fast path:\n${describeResult(fast)}\n${describeResult(oclif)}`)
  assert.equal(norm(oclif.stdout), norm(fast.stdout), `same stdout both ways: ctr ${args.join(' ')}`)
  assert.equal(norm(oclif.stderr), norm(fast.stderr), `same stderr both ways: ctr ${args.join(' ')}`)
  return fast
}

// What may differ between two runs: timings, and resource usage that moves
// while the container runs (CPU, memory, I/O and traffic counters).
const STATS_LINE = /^(CPU use|BlkIO use|Memory use|KMem use| TX bytes| RX bytes| Total bytes):( +).*$/gm
const timings = (text: string): string =>
  text
    .replace(/"(durationMs|waitedMs)": \d+/g, '"$1": 0')
    .replace(STATS_LINE, '$1:$2N')
    .replace(/("stats": \{[^}]*\})/g, (block) => block.replace(/: \d+/g, ': 0'))

describe('both ways in', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('both')

  it('start: daemon success, already running, -F output and status', T, async () => {
    const sb = sandbox()
    const name = sb.name('start')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const stopped = async (): Promise<void> => {
      await sb.ctr(['stop', '-n', name, '-k'])
    }
    await same(sb, ['start', '-n', name], 0, {prepare: stopped})
    const running = await same(sb, ['start', '-n', name], 0)
    assert.match(running.stderr, /already running/)
    await stopped()
    const fg = await same(sb, ['start', '-n', name, '-F', '--', '/bin/sh', '-c', 'hostname; echo oops >&2; exit 4'], 4)
    assert.equal(fg.stdout, `${name}\n`)
  })

  it('start errors: start failure, config error, key not supported, no config, usage, define, privilege', T, async () => {
    const sb = sandbox()
    const noinit = sb.name('noinit')
    sb.defineRootfs(noinit, {init: '/sbin/no-such-init'})
    await same(sb, ['start', '-n', noinit], 1)
    await same(sb, ['start', '-n', noinit, '-F'], 1)
    await same(sb, ['start', '-n', noinit, '--json'], 1)

    const typo = sb.name('typo')
    sb.writeConfig(typo, 'lxc.uts.nmae = x\n')
    const config = await same(sb, ['start', '-n', typo], 1)
    assert.match(config.stderr, /Did you mean/)

    const notyet = sb.name('notyet')
    sb.defineRootfs(notyet, {extra: ['lxc.sched.core = 1']})
    await same(sb, ['start', '-n', notyet], 1)

    await same(sb, ['start', '-n', sb.name('noconf')], 1)
    await same(sb, ['start'], 1)
    await same(sb, ['start', '-n', 'x', '--bogus'], 1)
    await same(sb, ['start', '-n', 'x', '-p'], 1)
    await same(sb, ['start', '-n', 'x', '-s', 'foo=bar', '--', 'true'], 1)
    await same(sb, ['start', '-n', '../x'], 1)

    const priv = sb.name('priv')
    sb.defineRootfs(priv, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['start', '-n', priv])).code, 0)
    await same(sb, ['start', '-n', priv], 1, {uid: 65534, gid: 65534})
  })

  it('help, usage and version', T, async () => {
    const sb = sandbox()
    for (const command of ['start', 'wait', 'info', 'stop']) {
      await same(sb, [command, '--help'], 0)
      await same(sb, [command, '--usage'], 0)
      await same(sb, [command, '-?'], 1)
    }
    await same(sb, ['stop', '-h'], 0)
    await same(sb, ['info', '--version'], 0)
  })

  it('wait: reached, check once, STOPPED of a ghost, invalid and missing states, --json', T, async () => {
    const sb = sandbox()
    const name = sb.name('wait')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await same(sb, ['wait', '-n', name, '-s', 'RUNNING', '-t', '5'], 0)
    await same(sb, ['wait', '-n', name, '-s', 'FROZEN', '-t', '0'], 1)
    await same(sb, ['wait', '-n', sb.name('ghost'), '-s', 'STOPPED'], 0)
    await same(sb, ['wait', '-n', name, '-s', 'running'], 1)
    await same(sb, ['wait', '-n', name], 1)
    await same(sb, ['wait', '-n', name, '-t', 'soon', '-s', 'RUNNING'], 1)
    await same(sb, ['wait', '-n', name, '-s', 'RUNNING', '--json'], 0, {normalize: timings})
    await same(sb, ['wait', '-n', name, '-s', 'FROZEN', '-t', '0', '--json'], 1)
  })

  it('wait: timeout and stopped-while-waiting', T, async () => {
    const sb = sandbox()
    const name = sb.name('waitlong')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    await same(sb, ['wait', '-n', name, '-s', 'RUNNING', '-t', '1'], 1)
    const results: CtrResult[] = []
    for (const via of ['fast', 'oclif'] as const) {
      assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
      const waiter = sb.spawnCtr(['wait', '-n', name, '-s', 'FROZEN', '-t', '30'], {via})
      await waitForMonitorConnection(waiter.pid)
      assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
      results.push(await waiter.done)
    }
    const [fast, oclif] = results as [CtrResult, CtrResult]
    assert.equal(fast.code, 1, describeResult(fast))
    assert.deepEqual([oclif.code, oclif.stdout, oclif.stderr], [fast.code, fast.stdout, fast.stderr])
  })

  it('info: layouts, -c, doesn\'t exist, config and rcfile errors, --json', T, async () => {
    const sb = sandbox()
    const name = sb.name('info')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside} --exit-on SIGPWR:3`})
    await same(sb, ['info', '-n', name], 0)
    await same(sb, ['info', '-n', name, '--json'], 0)
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    await same(sb, ['info', '-n', name], 0)
    await same(sb, ['info', '-n', name, '-sH'], 0)
    await same(sb, ['info', '-n', name, '-pH'], 0)
    await same(sb, ['info', '-n', name, '-s', '-p', '-H', '-c', 'lxc.uts.name', '-c', 'lxc.bogus'], 0)
    await same(sb, ['info', '-n', name, '--json', '-c', 'lxc.uts.name'], 0)
    assert.equal((await sb.ctr(['stop', '-n', name])).code, 0)
    await same(sb, ['info', '-n', name, '--json'], 0)
    await same(sb, ['info', '-n', sb.name('ghost')], 1)
    await same(sb, ['info', '-n', sb.name('ghost'), '--json'], 1)
    const typo = sb.name('typo')
    sb.writeConfig(typo, 'lxc.uts.nmae = x\n')
    await same(sb, ['info', '-n', typo], 1)
    await same(sb, ['info', '-n', name, '--rcfile', join(sb.root, 'missing.conf')], 1)
    await same(sb, ['info', '-n', name, '--stat'], 1)
    await same(sb, ['info', 'a', 'b'], 1)
  })

  it('stop: halt, kill, not running, conflicts, bad timeout, config error, --json', T, async () => {
    const sb = sandbox()
    const name = sb.name('stop')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside} --exit-on SIGPWR:0`})
    const running = async (): Promise<void> => {
      sb.ready(name)
      assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
      await waitForFile(ready.host)
    }
    await same(sb, ['stop', '-n', name], 0, {prepare: running})
    await same(sb, ['stop', '-n', name, '-k'], 0, {prepare: running})
    await same(sb, ['stop', '-n', name, '--json'], 0, {prepare: running, normalize: timings})
    await same(sb, ['stop', '-n', name], 2)
    await same(sb, ['stop', '-n', name, '--json'], 2)
    await same(sb, ['stop', '-n', name, '-k', '--nokill'], 1)
    await same(sb, ['stop', '-n', name, '-k', '-t', '3'], 1)
    await same(sb, ['stop', '-n', name, '--nolock'], 1)
    await same(sb, ['stop', '-n', name, '-t', '08'], 1)
    await same(sb, ['stop', '-n', name, '-t', '-3'], 1)
    const typo = sb.name('typo')
    sb.writeConfig(typo, 'lxc.uts.nmae = x\n')
    await same(sb, ['stop', '-n', typo], 1)
  })

  it('stop: the kill fallback notice, the --nokill timeout, reboot', T, async () => {
    const sb = sandbox()
    const name = sb.name('stubborn')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init ignore --ready ${ready.inside}`})
    const running = async (): Promise<void> => {
      if ((await sb.ctr(['info', '-n', name, '-sH'])).stdout === 'RUNNING\n') return
      sb.ready(name)
      assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
      await waitForFile(ready.host)
    }
    const killed = await same(sb, ['stop', '-n', name, '-t', '1'], 0, {prepare: running})
    assert.match(killed.stderr, /killed it with SIGKILL/)
    await same(sb, ['stop', '-n', name, '-t', '1', '--nokill'], 1, {prepare: running})
    await same(sb, ['stop', '-n', name, '-r', '-t', '1'], 1, {prepare: running})

    const rb = sb.name('reboot')
    const rbReady = sb.ready(rb)
    sb.defineRootfs(rb, {init: `/sbin/test-init reboot --ready ${rbReady.inside}`})
    assert.equal((await sb.ctr(['start', '-n', rb])).code, 0)
    await same(sb, ['stop', '-n', rb, '-r'], 0, {
      prepare: async () => {
        await waitForFile(rbReady.host)
        sb.ready(rb)
      },
    })
  })
})
