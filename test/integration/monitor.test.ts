// `ctr monitor` against real containers: the stream for a container started
// after the monitor began and for one already running, in text and --json;
// the exit status; a monitor killed with SIGKILL; the name filter; the end
// on SIGINT/SIGTERM and when its stdout (a socket, or a real FIFO) closes.
// Every step waits for the monitor's next line, never for a fixed time.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {WAYS, describeResult, json, rootOnly, useSandbox, waitForFile, waitForInotify, waitForPidGone, type RunningCtr, type Sandbox} from './helpers.js'
import {makeFifo} from './cgroup-helpers.js'
import {LineReader, exactly, spawnCtrToFifo} from './ls-helpers.js'

const T = {timeout: 90_000}

interface Watching {
  run: RunningCtr
  out: LineReader
}

// Starts `ctr monitor ARGS` and returns once it watches the run-dir base
// (its inotify instance exists), so a later start is an event for it.
async function startMonitor(sb: Sandbox, args: string[], via: 'fast' | 'oclif' = 'fast'): Promise<Watching> {
  const run = sb.spawnCtr(['monitor', ...args], {via, timeoutMs: 60_000})
  const out = new LineReader(run.child.stdout as NonNullable<typeof run.child.stdout>)
  await waitForInotify(run.pid)
  return {run, out}
}

// Defines NAME on the busybox rootfs with an init that exits 7 on the halt
// signal (SIGPWR), and returns the host path of its ready file.
function defineExit7(sb: Sandbox, name: string): string {
  const ready = sb.ready(name)
  sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside} --exit-on PWR:7`})
  return ready.host
}

async function start(sb: Sandbox, name: string, readyHost: string): Promise<void> {
  const r = await sb.ctr(['start', '-n', name])
  assert.equal(r.code, 0, describeResult(r))
  await waitForFile(readyHost)
}

async function stop(sb: Sandbox, name: string, ...args: string[]): Promise<void> {
  const r = await sb.ctr(['stop', '-n', name, ...args])
  assert.equal(r.code, 0, describeResult(r))
}

// Reads lines until `want` is seen; returns every line read, `want` last.
async function until(out: LineReader, want: string | RegExp): Promise<string[]> {
  const read: string[] = []
  for (;;) {
    const line = await out.next(15_000, `a line matching ${String(want)}`)
    read.push(line)
    if (typeof want === 'string' ? line === want : want.test(line)) return read
  }
}

async function interrupt(w: Watching, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
  // The ctr this test spawned, by pid.
  w.run.child.kill(signal)
  const r = await w.run.done
  assert.equal(r.code, 0, `ends with 0 on ${signal}: ${describeResult(r)}`)
  assert.equal(r.stderr, '', describeResult(r))
  assert.deepEqual(w.out.pending(), [], 'no line left unread')
}

interface JsonLine {
  time: number
  name: string
  lxcpath: string
  event: 'state' | 'exit' | 'oom'
  state?: string
  stateIndex?: number
  initial?: boolean
  status?: number
  signal?: number | null
}

describe('monitor', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('mon')

  for (const via of WAYS) {
    it(`streams a container started after it began: RUNNING, then STOPPED and the exit status (text, ${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('later')
      const ready = defineExit7(sb, name)
      const w = await startMonitor(sb, ['-n', exactly(name)], via)
      await start(sb, name, ready)
      const up = await until(w.out, `'${name}' changed state to [RUNNING]`)
      // A start may be seen from STARTING on (state.json), as lxc-monitor shows it.
      assert.ok(up.every((l) => l === `'${name}' changed state to [STARTING]` || l === `'${name}' changed state to [RUNNING]`), up.join('\n'))
      await stop(sb, name)
      assert.deepEqual(await w.out.take(3), [
        `'${name}' changed state to [STOPPING]`,
        `'${name}' changed state to [STOPPED]`,
        `'${name}' exited with status [7]`,
      ])
      await interrupt(w)
    })
  }

  it('streams a container already running: its state once, then STOPPED and the exit status (text)', T, async () => {
    const sb = sandbox()
    const name = sb.name('before')
    const ready = defineExit7(sb, name)
    await start(sb, name, ready)
    const w = await startMonitor(sb, [exactly(name)])
    assert.equal(await w.out.next(), `'${name}' changed state to [RUNNING]`)
    await stop(sb, name, '-k')
    assert.deepEqual(await w.out.take(3), [
      `'${name}' changed state to [STOPPING]`,
      `'${name}' changed state to [STOPPED]`,
      `'${name}' exited with status [137] (killed by SIGKILL)`,
    ])
    await interrupt(w, 'SIGTERM')
  })

  it('streams both cases as JSON lines', T, async () => {
    const began = Date.now()
    const sb = sandbox()
    const before = sb.name('jbefore')
    const later = sb.name('jlater')
    const readyBefore = defineExit7(sb, before)
    const readyLater = defineExit7(sb, later)
    await start(sb, before, readyBefore)
    const w = await startMonitor(sb, ['--json', '-n', exactly(before, later)])
    const parse = (line: string): JsonLine => JSON.parse(line) as JsonLine
    const first = parse(await w.out.next())
    const seen = Date.now()
    assert.deepEqual({...first, time: 0}, {time: 0, name: before, lxcpath: sb.lxcpath, event: 'state', state: 'RUNNING', stateIndex: 2, initial: true})
    // ms since the epoch, taken during this test (a clock of a second's grain allowed for).
    assert.ok(first.time >= began - 1_000 && first.time <= seen, `time ${first.time} not within [${began}, ${seen}]`)

    await start(sb, later, readyLater)
    let line: JsonLine
    do {
      line = parse(await w.out.next())
      assert.equal(line.name, later)
      assert.equal(line.initial, false, 'a change, not a snapshot')
    } while (line.state !== 'RUNNING')

    await stop(sb, later)
    await stop(sb, before, '-k')
    const rest = (await w.out.take(6)).map(parse)
    const strip = (l: JsonLine): Record<string, unknown> => ({name: l.name, event: l.event, ...(l.event === 'state' ? {state: l.state} : {status: l.status, signal: l.signal})})
    assert.deepEqual(rest.map(strip), [
      {name: later, event: 'state', state: 'STOPPING'},
      {name: later, event: 'state', state: 'STOPPED'},
      {name: later, event: 'exit', status: 7, signal: null},
      {name: before, event: 'state', state: 'STOPPING'},
      {name: before, event: 'state', state: 'STOPPED'},
      {name: before, event: 'exit', status: 137, signal: 9},
    ])
    for (const l of rest) assert.equal(l.lxcpath, sb.lxcpath)
    await interrupt(w)
  })

  it('reports only the containers whose whole name matches', T, async () => {
    const sb = sandbox()
    const watched = sb.name('watched')
    const other = sb.name('watchedx')
    const readyW = defineExit7(sb, watched)
    const readyO = defineExit7(sb, other)
    const w = await startMonitor(sb, ['-n', exactly(watched)])
    // The other one first: had it been reported, its line would come first.
    await start(sb, other, readyO)
    await start(sb, watched, readyW)
    const lines = await until(w.out, `'${watched}' changed state to [RUNNING]`)
    assert.ok(lines.every((l) => l.startsWith(`'${watched}' `)), lines.join('\n'))
    await stop(sb, other, '-k')
    await stop(sb, watched, '-k')
    const rest = await until(w.out, /exited with status/)
    assert.ok(rest.every((l) => l.startsWith(`'${watched}' `)), rest.join('\n'))
    await interrupt(w)
  })

  it('reads a monitor killed with SIGKILL as STOPPED, with no made-up exit status', T, async () => {
    const sb = sandbox()
    const name = sb.name('killed')
    const ready = defineExit7(sb, name)
    await start(sb, name, ready)
    const w = await startMonitor(sb, ['-n', exactly(name)])
    assert.equal(await w.out.next(), `'${name}' changed state to [RUNNING]`)
    const info = json<{result: {pid: number; monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json']))
    // The container's monitor, which this test started, by pid.
    process.kill(info.result.monitorPid, 'SIGKILL')
    assert.equal(await w.out.next(), `'${name}' changed state to [STOPPED]`)
    await waitForPidGone(info.result.pid)
    // A restart after the crash is followed again.
    const again = await sb.ctr(['start', '-n', name])
    assert.equal(again.code, 0, describeResult(again))
    await until(w.out, `'${name}' changed state to [RUNNING]`)
    await stop(sb, name, '-k')
    await until(w.out, /exited with status \[137\]/)
    await interrupt(w)
  })

  it('streams a freeze and a thaw, and ls sees FROZEN as running', T, async () => {
    const sb = sandbox()
    const name = sb.name('frozen')
    const ready = defineExit7(sb, name)
    await start(sb, name, ready)
    const w = await startMonitor(sb, ['-n', exactly(name)])
    assert.equal(await w.out.next(), `'${name}' changed state to [RUNNING]`)
    const freeze = await sb.ctr(['freeze', '-n', name])
    assert.equal(freeze.code, 0, describeResult(freeze))
    assert.deepEqual(await w.out.take(2), [`'${name}' changed state to [FREEZING]`, `'${name}' changed state to [FROZEN]`])
    const ls = async (...args: string[]): Promise<string> => {
      const r = await sb.ctr(['ls', ...args, `^${exactly(name)}$`])
      assert.equal(r.code, 0, describeResult(r))
      return r.stdout
    }
    assert.equal(await ls('--frozen'), `${name}\n`)
    assert.equal(await ls('--running'), `${name}\n`, 'FROZEN counts as running, as in LXC')
    assert.equal(await ls('--active'), `${name}\n`)
    assert.equal(await ls('--stopped'), '')
    assert.match(await ls('-F', 'NAME,STATE'), new RegExp(`^${name} +FROZEN +$`, 'm'))
    const thaw = await sb.ctr(['unfreeze', '-n', name])
    assert.equal(thaw.code, 0, describeResult(thaw))
    // LXC announces THAWED, and the state becomes RUNNING at once.
    assert.deepEqual(await w.out.take(2), [`'${name}' changed state to [THAWED]`, `'${name}' changed state to [RUNNING]`])
    assert.equal(await ls('--frozen'), '')
    await stop(sb, name, '-k')
    await until(w.out, /exited with status \[137\]/)
    await interrupt(w)
  })

  it('streams OOM kills with their count, then the exit of an init the OOM killer took', T, async () => {
    const sb = sandbox()
    const name = sb.name('oom')
    const ready = sb.ready(name)
    const go = makeFifo(join(sb.rootfs, 'tmp', `${name}.go`))
    // init (sh) waits for the go, then becomes a process that allocates past the limit.
    const limit = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes') ? 'lxc.cgroup.memory.limit_in_bytes' : 'lxc.cgroup2.memory.max'
    sb.defineRootfs(name, {
      init: `/bin/sh -c "echo up > ${ready.inside}; read x < /tmp/${name}.go; exec /sbin/test-init alloc 96"`,
      extra: [`${limit} = ${32 << 20}`],
    })
    await start(sb, name, ready.host)
    const listed = json<{result: Array<{memoryLimit: number | null}>}>(await sb.ctr(['ls', '--json', `^${exactly(name)}$`]))
    assert.equal(listed.result[0]?.memoryLimit, 32 << 20, 'ls --json shows the cgroup limit')
    const w = await startMonitor(sb, ['--json', '-n', exactly(name)])
    assert.equal((JSON.parse(await w.out.next()) as JsonLine).state, 'RUNNING')
    go.trigger()
    const rest = (await until(w.out, /"event":"exit"/)).map((l) => JSON.parse(l) as JsonLine & {oomKills?: number})
    // The OOM kill and init's death reach the monitor together: the oom line
    // may come before or among the state lines, but before the exit.
    assert.deepEqual(rest.filter((l) => l.event === 'oom').map((l) => l.oomKills), [1], JSON.stringify(rest))
    assert.deepEqual(rest.filter((l) => l.event !== 'oom').map((l) => [l.event, l.state ?? l.status]), [
      ['state', 'STOPPING'], ['state', 'STOPPED'], ['exit', 137],
    ])
    assert.equal(rest[rest.length - 1]?.signal, 9)
    await interrupt(w)
  })

  it('ends with 0 when its stdout socket closes, at its next line', T, async () => {
    const sb = sandbox()
    const name = sb.name('sock')
    const ready = defineExit7(sb, name)
    const w = await startMonitor(sb, ['-n', exactly(name)])
    await start(sb, name, ready)
    await until(w.out, `'${name}' changed state to [RUNNING]`)
    w.run.child.stdout?.destroy()
    await stop(sb, name, '-k')
    const r = await w.run.done
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stderr, '', describeResult(r))
  })

  it('ends with 0 when the reader of its FIFO goes away (ctr monitor | head -1)', T, async () => {
    const sb = sandbox()
    const name = sb.name('fifo')
    const ready = defineExit7(sb, name)
    const m = spawnCtrToFifo(sb, ['monitor', '-n', exactly(name)])
    try {
      await waitForInotify(m.pid)
      await start(sb, name, ready)
      await until(m.out, `'${name}' changed state to [RUNNING]`)
      m.closeReader()
      await stop(sb, name, '-k')
      const r = await m.done
      assert.equal(r.code, 0, describeResult(r))
      assert.equal(r.stderr, '', describeResult(r))
    } finally {
      if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL')
    }
  })

  it('ends at once on SIGINT with nothing to report; -Q only says there is no lxc-monitord', T, async () => {
    const sb = sandbox()
    const w = await startMonitor(sb, ['-n', 'no-such-container'])
    // A hang would end in the test's own timeout; how fast is a benchmark's question.
    await interrupt(w)

    const quit = await sb.ctr(['monitor', '-Q'])
    assert.equal(quit.code, 0, describeResult(quit))
    assert.equal(quit.stdout, '')
    assert.match(quit.stderr, /^ctr monitor: Nothing to quit: ctr has no lxc-monitord/)
    const bad = await sb.ctr(['monitor', '-n', '('])
    assert.equal(bad.code, 1, describeResult(bad))
    assert.match(bad.stderr, /^ctr monitor: Invalid regular expression "\(" for -n: /)
  })
})
