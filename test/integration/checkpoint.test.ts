// `ctr checkpoint` end to end. Where `criu check` fails (CRIU 3.17.1 on
// Linux 6.18 cannot read the kernel's vDSO), the refusal is checked for
// real: criu's own reason in the message and --json, the container still
// RUNNING with the same init, no images directory; a PATH without criu says
// it is not installed. Where `criu check` passes, the whole scenario of
// issue 14: a busybox container counting in a loop is checkpointed with -s
// (its stop recorded as a checkpoint), restored, and counts on from where
// it was with the same pids inside, its restored init the monitor's own
// child, then info, stop and the exit record go through the monitor.
// Everywhere: the monitor's `checkpoint` command, which makes init's death
// during a -s dump a recorded checkpoint rather than a crash.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {delimiter, join} from 'node:path'

import {connectMonitor} from '../../src/sys/monitor-client.js'
import {describeResult, json, readProcStat, rootOnly, useSandbox, waitForFile, type Sandbox} from './helpers.js'

const T = {timeout: 180_000}

interface CheckpointJson {
  result: {action: string; directory: string; stopped: boolean; initPid: number | null; monitorPid: number | null; daemon: boolean | null; criu: {path: string; version: string}}
}

interface ErrorJson {
  status: number
  error: {code: string; message: string; hints: string[]; details: {output?: string[]; version?: string} | null}
}

// criu on PATH, or undefined.
function criuPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, 'criu'), constants.X_OK)
      return join(dir, 'criu')
    } catch {
      // not here
    }
  }
  return undefined
}

// What `criu check` says on this host: {ok} or its error lines (criu's
// helpers' "exited, status=N" left out, as ctr leaves them out).
function criuCheck(): {installed: false} | {installed: true; ok: boolean; errors: string[]} {
  const criu = criuPath()
  if (criu === undefined) return {installed: false}
  const r = spawnSync(criu, ['check'], {encoding: 'utf8'})
  const errors = `${r.stdout}${r.stderr}`
    .split('\n')
    .map((l) => /Error \([^)]*\):\s*(.*)$/.exec(l)?.[1])
    .filter((m): m is string => m !== undefined && !/^exited, status=\d+$/.test(m))
  return {installed: true, ok: r.status === 0, errors}
}

// A container on a rootfs of its own (criu restores onto it) that counts:
// init appends 1, 2, 3, ... to /tmp/count, one line each, with a child
// (`sleep`) whose pid inside it records in /tmp/child.
function defineCounter(sb: Sandbox, name: string): string {
  const rootfs = sb.copyRootfs(name)
  const script = 'sleep 100000 & echo $! > /tmp/child; i=0; while :; do i=$((i+1)); echo $i >> /tmp/count; sleep 0.1; done'
  writeFileSync(join(rootfs, 'counter.sh'), `${script}\n`)
  sb.writeConfig(name, [
    `lxc.rootfs.path = dir:${rootfs}`,
    `lxc.uts.name = ${name}`,
    'lxc.net.0.type = empty',
    'lxc.mount.auto = proc:mixed sys:mixed',
    'lxc.environment = PATH=/bin:/sbin',
    'lxc.console.path = none',
    'lxc.init.cmd = /bin/sh /counter.sh',
    '',
  ].join('\n'))
  return rootfs
}

function counts(rootfs: string): number[] {
  return readFileSync(join(rootfs, 'tmp/count'), 'utf8').split('\n').filter((l) => l !== '').map(Number)
}

const lastCount = (content: string): number => Number(content.trim().split('\n').pop())

// The pid of a host process as its own pid namespace sees it (NSpid's last field).
function pidInside(hostPid: number): number {
  const line = readFileSync(`/proc/${hostPid}/status`, 'utf8').split('\n').find((l) => l.startsWith('NSpid:')) ?? ''
  return Number(line.trim().split(/\s+/).pop())
}

function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((p) => p !== '').map(Number)
}

describe('checkpoint', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('ckpt')

  it("refuses with criu check's own reason where CRIU cannot work, changing nothing", T, async (t) => {
    const check = criuCheck()
    if (!check.installed) return t.skip('criu is not installed (apt-get install criu): the refusal of a failing criu cannot be shown')
    if (check.ok) return t.skip('criu check passes on this host: there is no refusal to show (the full scenario runs instead)')
    const sb = sandbox()
    const name = sb.name('refuse')
    defineCounter(sb, name)
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const initPid = await sb.initPid(name)
    const dir = join(sb.root, `${name}.ckpt`)

    const r = await sb.ctr(['checkpoint', '-n', name, '-D', dir, '-s'])
    assert.equal(r.code, 1, describeResult(r))
    const [first, ...hints] = r.stderr.trimEnd().split('\n')
    assert.ok(first?.startsWith('ctr checkpoint: CRIU cannot work on this host: '), r.stderr)
    assert.ok(check.errors.length > 0 && first?.includes(check.errors[0] as string), `criu check says ${JSON.stringify(check.errors)}; ctr said:\n${r.stderr}`)
    for (const e of check.errors) assert.ok(hints.some((h) => h.includes(e)), `the hints quote "${e}":\n${r.stderr}`)
    assert.ok(!existsSync(dir), 'no images directory is made')

    const j = await sb.ctr(['checkpoint', '-n', name, '-D', dir, '--json'])
    assert.equal(j.code, 1)
    const e = json<ErrorJson>(j)
    assert.equal(e.error.code, 'CTR_CRIU_UNUSABLE')
    assert.ok(e.error.message.includes(check.errors[0] as string), e.error.message)
    assert.ok((e.error.details?.output ?? []).some((l) => l.includes(check.errors[0] as string)))
    assert.ok(!existsSync(dir))

    // Still running, the same init, under the same monitor.
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
    assert.equal(await sb.initPid(name), initPid)

    // A restore is refused the same way, before a monitor exists.
    const other = sb.name('refuse-r')
    defineCounter(sb, other)
    const images = join(sb.root, `${other}.ckpt`)
    mkdirSync(images)
    writeFileSync(join(images, 'inventory.img'), '')
    try {
      const rr = await sb.ctr(['checkpoint', '-n', other, '-D', images, '-r', '--json'])
      assert.equal(rr.code, 1, describeResult(rr))
      assert.equal(json<ErrorJson>(rr).error.code, 'CTR_CRIU_UNUSABLE')
      assert.deepEqual(readdirSync(images), ['inventory.img'])
      assert.equal((await sb.ctr(['info', '-n', other, '-sH'])).stdout, 'STOPPED\n')
      assert.ok(!existsSync(sb.rundirOf(other)), 'no run dir was made')
    } finally {
      rmSync(images, {recursive: true, force: true})
    }
  })

  it('says CRIU is not installed when there is no criu on PATH', T, async () => {
    const sb = sandbox()
    const name = sb.name('nocriu')
    defineCounter(sb, name)
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const initPid = await sb.initPid(name)
    const path = (process.env.PATH ?? '').split(delimiter).filter((d) => !existsSync(join(d, 'criu'))).join(delimiter)
    const dir = join(sb.root, `${name}.ckpt`)
    const r = await sb.ctr(['checkpoint', '-n', name, '-D', dir, '-s'], {env: {PATH: path}})
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /^ctr checkpoint: CRIU is not installed: there is no criu on PATH\n.*apt-get install criu/)
    const j = await sb.ctr(['checkpoint', '-n', name, '-D', dir, '-s', '--json'], {env: {PATH: path}})
    assert.equal(json<ErrorJson>(j).error.code, 'CTR_CRIU_MISSING')
    assert.ok(!existsSync(dir))
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
    assert.equal(await sb.initPid(name), initPid)
  })

  it('refuses what it cannot restore, and a stopped container, before CRIU is asked', T, async () => {
    const sb = sandbox()
    const name = sb.name('cfg')
    defineCounter(sb, name)
    const dir = join(sb.root, `${name}.ckpt`)
    const stopped = await sb.ctr(['checkpoint', '-n', name, '-D', dir])
    assert.equal(stopped.code, 1)
    assert.match(stopped.stderr, new RegExp(`^ctr checkpoint: ${name} is not running, not checkpointing\n`))
    const noImages = await sb.ctr(['checkpoint', '-n', name, '-D', dir, '-r'])
    assert.match(noImages.stderr, new RegExp(`^ctr checkpoint: There is no checkpoint in ${dir}\n`))
    const config = join(sb.lxcpath, name, 'config')
    writeFileSync(config, readFileSync(config, 'utf8').replace('lxc.console.path = none\n', ''))
    const consoled = await sb.ctr(['checkpoint', '-n', name, '-D', dir, '--json'])
    assert.equal(json<ErrorJson>(consoled).error.code, 'CTR_CHECKPOINT_UNSUPPORTED')
    assert.match(json<ErrorJson>(consoled).error.message, /has a console/)
    assert.ok(!existsSync(dir))
    const missing = await sb.ctr(['checkpoint', '-n', sb.name('none'), '-D', dir])
    assert.match(missing.stderr, /is not defined/)
  })

  it("the monitor's checkpoint command: init's death is the dump's stop while the connection lasts, forgotten after", T, async () => {
    const sb = sandbox()
    const name = sb.name('arm')
    defineCounter(sb, name)
    const lastExit = (): {reason: string; exitStatus: number; signal: number | null; initPid: number} => JSON.parse(readFileSync(join(sb.lxcpath, name, 'last-exit.json'), 'utf8'))

    // Armed: criu's SIGKILL after a dump (here the test's own, to the
    // container it started) is recorded as a checkpoint, not a crash.
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    let init = await sb.initPid(name)
    const conn = await connectMonitor(sb.rundirOf(name))
    assert.ok(conn)
    try {
      assert.equal(await conn.request('checkpoint'), 'RUNNING')
      const other = await connectMonitor(sb.rundirOf(name))
      assert.ok(other)
      await assert.rejects(other.request('checkpoint'), (e: {details?: {errno?: string}}) => e.details?.errno === 'EBUSY')
      other.close()
      process.kill(init, 'SIGKILL')
      // EOF: the monitor has recorded the stop and exited (a hang ends in the test's timeout).
      const end = await conn.nextEvent(Number.POSITIVE_INFINITY)
      assert.equal(end, undefined)
    } finally {
      conn.close()
    }
    const armed = lastExit()
    assert.deepEqual([armed.reason, armed.exitStatus, armed.signal, armed.initPid], ['checkpointed', 0, null, init])

    // Disarmed by `checkpoint end`, and by the connection closing: a kill is a kill.
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    init = await sb.initPid(name)
    const first = await connectMonitor(sb.rundirOf(name))
    assert.ok(first)
    assert.equal(await first.request('checkpoint'), 'RUNNING')
    first.close()
    const second = await connectMonitor(sb.rundirOf(name))
    assert.ok(second)
    try {
      // Free as soon as the monitor has seen the first connection go
      // (each try is a round trip to it; the bound is only against a hang).
      for (const deadline = Date.now() + 10_000; ; ) {
        if (Date.now() > deadline) throw new Error('the first connection\'s checkpoint was never forgotten')
        const taken = await second.request('checkpoint').then(() => true, (e: {details?: {errno?: string}}) => {
          if (e.details?.errno !== 'EBUSY') throw e
          return false
        })
        if (taken) break
      }
      assert.equal(await second.request('checkpoint end'), '')
    } finally {
      second.close()
    }
    const stopped = await sb.ctr(['stop', '-n', name, '-k'])
    assert.equal(stopped.code, 0, describeResult(stopped))
    assert.deepEqual([lastExit().reason, lastExit().signal, lastExit().initPid], ['killed', 9, init])
  })

  it('checkpoints a counting container with -s and restores it: it counts on with the same pids, under its monitor', T, async (t) => {
    const check = criuCheck()
    if (!check.installed) return t.skip('criu is not installed (apt-get install criu)')
    if (!check.ok) return t.skip(`criu check fails on this host, so nothing can be checkpointed here: ${check.errors.join('; ') || 'no reason given'}`)
    const sb = sandbox()
    const name = sb.name('count')
    const rootfs = defineCounter(sb, name)
    const dir = join(sb.root, `${name}.ckpt`)
    try {
      assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
      const countFile = join(rootfs, 'tmp/count')
      await waitForFile(countFile, 10_000, (c) => c.endsWith('\n') && lastCount(c) >= 3)
      const before = await sb.initPid(name)
      const childBefore = Number(readFileSync(join(rootfs, 'tmp/child'), 'utf8'))
      assert.equal(pidInside(before), 1)

      const dump = await sb.ctr(['checkpoint', '-n', name, '-D', dir, '-s', '--json'])
      assert.equal(dump.code, 0, describeResult(dump))
      const d = json<CheckpointJson>(dump).result
      assert.deepEqual([d.action, d.stopped, d.initPid], ['dump', true, before])
      assert.ok(existsSync(join(dir, 'inventory.img')))
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
      const stop = JSON.parse(readFileSync(join(sb.lxcpath, name, 'last-exit.json'), 'utf8')) as {reason: string; exitStatus: number; signal: number | null; initPid: number}
      assert.deepEqual([stop.reason, stop.exitStatus, stop.signal, stop.initPid], ['checkpointed', 0, null, before])
      const atDump = counts(rootfs)
      const last = atDump[atDump.length - 1] as number

      const restore = await sb.ctr(['checkpoint', '-n', name, '-D', dir, '-r', '--json'])
      assert.equal(restore.code, 0, describeResult(restore))
      const r = json<CheckpointJson>(restore).result
      assert.equal(r.action, 'restore')
      assert.equal(r.daemon, true)
      const after = r.initPid as number
      assert.equal(await sb.initPid(name), after)
      // The restored init is the monitor's own child, pid 1 inside as before.
      assert.equal(readProcStat(after)?.ppid, r.monitorPid)
      assert.equal(pidInside(after), 1)
      const child = childrenOf(after).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sleep'))
      assert.ok(child !== undefined, 'the sleep child was restored')
      assert.equal(pidInside(child), childBefore)

      // It counts on from where it was: no restart from 1, no gap.
      await waitForFile(countFile, 10_000, (c) => c.endsWith('\n') && lastCount(c) >= last + 3)
      const all = counts(rootfs)
      assert.deepEqual(all, Array.from({length: all.length}, (_, i) => i + 1))

      assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
      const stopped = await sb.ctr(['stop', '-n', name, '-k'])
      assert.equal(stopped.code, 0, describeResult(stopped))
      const exit = JSON.parse(readFileSync(join(sb.lxcpath, name, 'last-exit.json'), 'utf8')) as {reason: string; signal: number | null; initPid: number}
      assert.deepEqual([exit.reason, exit.signal, exit.initPid], ['killed', 9, after])
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
