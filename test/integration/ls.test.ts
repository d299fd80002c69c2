// `ctr ls` against real containers: defined, running, volatile (started
// with -f, no config in the lxcpath), one in another lxcpath, one whose
// monitor was killed (its run dir is left behind and must not read as
// RUNNING); every filter; the fancy columns against `ctr info`; --json;
// both ways in.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {WAYS, describeResult, json, rootOnly, useSandbox, waitForFile, waitForPidGone, type Sandbox} from './helpers.js'
import {exactly, spawnCtrToFifo} from './ls-helpers.js'

const T = {timeout: 90_000}

interface Fixture {
  /** Defined, stopped, autostart, groups web and prod. */
  stopped: string
  /** Defined and running, group web. */
  running: string
  /** Running from a config outside the lxcpath: not defined. */
  volatile: string
  /** Defined; its monitor was SIGKILLed, leaving the run dir. */
  ghost: string
  /** Defined, with lxc.idmap: unprivileged (never started). */
  mapped: string
  /** Running under the same name scheme in another lxcpath: never listed. */
  elsewhere: {name: string; lxcpath: string}
  all: string[]
  filter: string
}

async function startRootfs(sb: Sandbox, name: string, extra: string[] = [], args: string[] = []): Promise<void> {
  const ready = sb.ready(name)
  sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`, extra})
  const r = await sb.ctr(['start', '-n', name, ...args])
  assert.equal(r.code, 0, describeResult(r))
  await waitForFile(ready.host)
}

async function makeFixture(sb: Sandbox): Promise<Fixture> {
  const stopped = sb.name('stop')
  const running = sb.name('run')
  const volatile = sb.name('vol')
  const ghost = sb.name('ghost')
  const mapped = sb.name('mapped')
  sb.defineRootfs(stopped, {extra: ['lxc.start.auto = 1', 'lxc.group = web', 'lxc.group = prod']})
  sb.defineRootfs(mapped, {extra: ['lxc.idmap = u 0 100000 65536', 'lxc.idmap = g 0 100000 65536']})
  await startRootfs(sb, running, ['lxc.group = web'])

  // A volatile container: its config lives outside the lxcpath.
  const rcfile = join(sb.root, `${volatile}.conf`)
  const ready = sb.ready(volatile)
  writeFileSync(rcfile, [
    `lxc.rootfs.path = dir:${sb.rootfs}`, `lxc.uts.name = ${volatile}`, 'lxc.net.0.type = empty',
    'lxc.mount.auto = proc:mixed sys:mixed', `lxc.init.cmd = /sbin/test-init pause --ready ${ready.inside}`, '',
  ].join('\n'))
  const v = await sb.ctr(['start', '-n', volatile, '-f', rcfile])
  assert.equal(v.code, 0, describeResult(v))
  await waitForFile(ready.host)
  assert.equal(existsSync(join(sb.lxcpath, volatile, 'config')), false, 'precondition: the volatile container has no config in the lxcpath')

  // A dead monitor's leftovers: the test started this monitor, and kills it by pid.
  await startRootfs(sb, ghost)
  const ghostInfo = json<{result: {pid: number; monitorPid: number}}>(await sb.ctr(['info', '-n', ghost, '--json']))
  process.kill(ghostInfo.result.monitorPid, 'SIGKILL')
  await waitForPidGone(ghostInfo.result.monitorPid)
  await waitForPidGone(ghostInfo.result.pid)
  assert.ok(existsSync(join(sb.rundirOf(ghost), 'state.json')), 'precondition: the dead monitor left state.json saying RUNNING')

  // Same sandbox run dir, another lxcpath: sb.name registers it for cleanup
  // only in the main lxcpath, so this test stops it itself.
  const otherPath = join(sb.root, 'other')
  mkdirSync(otherPath, {recursive: true})
  const elsewhere = {name: sb.name('else'), lxcpath: otherPath}
  const r = await sb.ctr(['start', '-n', elsewhere.name, '-P', otherPath, '--', '/bin/sleep', '600'])
  assert.equal(r.code, 0, describeResult(r))

  const all = [stopped, running, volatile, ghost, mapped].sort()
  return {stopped, running, volatile, ghost, mapped, elsewhere, all, filter: `^(${exactly(...all, elsewhere.name)})$`}
}

async function dropFixture(sb: Sandbox, f: Fixture): Promise<void> {
  const r = await sb.ctr(['stop', '-n', f.elsewhere.name, '-P', f.elsewhere.lxcpath, '-k'])
  assert.equal(r.code, 0, describeResult(r))
}

function lines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l !== '')
}

describe('ls', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('ls')

  for (const via of WAYS) {
    it(`lists defined, running and volatile containers, each filter, live states (${via})`, T, async () => {
      const sb = sandbox()
      const f = await makeFixture(sb)
      try {
        const ls = async (...args: string[]): Promise<string[]> => {
          const r = await sb.ctr(['ls', ...args, '--filter', f.filter], {via})
          assert.equal(r.code, 0, describeResult(r))
          assert.equal(r.stderr, '', describeResult(r))
          return lines(r.stdout)
        }
        assert.deepEqual(await ls(), f.all, 'every container of the lxcpath, sorted, none of the other lxcpath')
        assert.deepEqual(await ls('-1'), f.all)
        assert.deepEqual(await ls('--running'), [f.running, f.volatile].sort())
        assert.deepEqual(await ls('--active'), [f.running, f.volatile].sort())
        assert.deepEqual(await ls('--stopped'), [f.ghost, f.mapped, f.stopped].sort(), 'the dead monitor\'s container is STOPPED')
        assert.deepEqual(await ls('--frozen'), [])
        assert.deepEqual(await ls('--defined'), [f.ghost, f.mapped, f.running, f.stopped].sort())
        assert.deepEqual(await ls('--defined', '--running'), [f.running])
        assert.deepEqual(await ls('--running', '--stopped'), [])
        assert.deepEqual(await ls('-g', 'web'), [f.running, f.stopped].sort())
        assert.deepEqual(await ls('-g', 'prod,web'), [f.stopped])
        assert.deepEqual(await ls('-g', 'web', '--running'), [f.running])

        // The operand is a filter too (lxc-ls's positional regex).
        const byOperand = await sb.ctr(['ls', `^${exactly(f.volatile)}$`], {via})
        assert.equal(byOperand.code, 0, describeResult(byOperand))
        assert.deepEqual(lines(byOperand.stdout), [f.volatile])

        const table = await sb.ctr(['ls', '-f', '--filter', f.filter], {via})
        assert.equal(table.code, 0, describeResult(table))
        const rows = lines(table.stdout)
        assert.match(rows[0] ?? '', /^NAME +STATE +AUTOSTART GROUPS +IPV4 IPV6 UNPRIVILEGED $/)
        const row = (name: string): string[] => (rows.find((r) => r.startsWith(`${name} `)) ?? '').trim().split(/ +/)
        assert.deepEqual(row(f.stopped), [f.stopped, 'STOPPED', '1', 'web,', 'prod', '-', '-', 'false'])
        assert.deepEqual(row(f.running), [f.running, 'RUNNING', '0', 'web', '-', '-', 'false'], 'an empty network has no addresses')
        assert.deepEqual(row(f.volatile), [f.volatile, 'RUNNING', '0', '-', '-', '-', 'false'])
        assert.deepEqual(row(f.ghost), [f.ghost, 'STOPPED', '0', '-', '-', '-', 'false'])
        assert.deepEqual(row(f.mapped), [f.mapped, 'STOPPED', '0', '-', '-', '-', 'true'])
      } finally {
        await dropFixture(sb, f)
      }
    })
  }

  it('shows PID, INTERFACE and the rest of -F, the PID matching ctr info -pH; --json has every column', T, async () => {
    const sb = sandbox()
    const f = await makeFixture(sb)
    try {
      const pid = await sb.initPid(f.running)
      const volPid = await sb.initPid(f.volatile)
      const r = await sb.ctr(['ls', '-F', 'NAME,STATE,PID,INTERFACE,RAM,SWAP,MEMORY', '--filter', f.filter])
      assert.equal(r.code, 0, describeResult(r))
      const rows = lines(r.stdout)
      assert.match(rows[0] ?? '', /^NAME +STATE +PID +INTERFACE RAM +SWAP +MEMORY +$/, r.stdout)
      const cells = (name: string): string[] => (rows.find((row) => row.startsWith(`${name} `)) ?? '').trim().split(/ +/)
      assert.deepEqual(cells(f.running).slice(0, 4), [f.running, 'RUNNING', String(pid), 'lo'])
      assert.deepEqual(cells(f.volatile).slice(0, 4), [f.volatile, 'RUNNING', String(volPid), 'lo'])
      assert.deepEqual(cells(f.stopped), [f.stopped, 'STOPPED', '-', '-', '-', '-', '-'])
      assert.deepEqual(cells(f.ghost), [f.ghost, 'STOPPED', '-', '-', '-', '-', '-'], 'no PID for a dead monitor\'s container')

      type Entry = {
        name: string; state: string; running: boolean; defined: boolean; autostart: boolean; groups: string[]; interfaces: string[]
        ipv4: string[]; ipv6: string[]; unprivileged: boolean; pid: number | null; memory: number | null; ram: number | null; swap: number | null
      }
      const out = json<{status: number; result: Entry[]}>(await sb.ctr(['ls', '--json', '--filter', f.filter]))
      assert.equal(out.status, 0)
      assert.deepEqual(out.result.map((e) => e.name), f.all)
      const by = new Map(out.result.map((e) => [e.name, e]))
      assert.deepEqual(by.get(f.running), {
        ...by.get(f.running),
        state: 'RUNNING', running: true, defined: true, autostart: false, groups: ['web'], interfaces: ['lo'], ipv4: [], ipv6: [], unprivileged: false, pid, runBy: 'ctr',
      })
      assert.deepEqual(by.get(f.stopped), {
        name: f.stopped, state: 'STOPPED', running: false, defined: true, autostart: true, groups: ['web', 'prod'], interfaces: [], ipv4: [], ipv6: [],
        unprivileged: false, pid: null, memory: null, memoryLimit: null, ram: null, swap: null, orphan: false, runBy: null, configError: null,
      })
      // Memory comes from the cgroup files the monitor recorded in the run dir.
      assert.ok(existsSync(join(sb.rundirOf(f.running), 'cgroups')), 'precondition: the monitor recorded its cgroups')
      const mem = by.get(f.running)
      assert.ok(typeof mem?.memory === 'number' && mem.memory > 0, `memory: ${String(mem?.memory)}`)
      assert.equal(mem?.ram, mem?.memory, 'RAM is lxc-ls\'s name for the same figure')
      assert.ok(typeof mem?.swap === 'number' && mem.swap >= 0, `swap: ${String(mem?.swap)}`)
      const ram = cells(f.running)[4] ?? ''
      assert.match(ram, /^\d+\.\d\dMB$/, 'RAM as lxc-ls prints it')
      assert.match(cells(f.running).slice(6).join(' '), /^\d+(\.\d\d)? (bytes|KiB|MiB|GiB)$/, 'MEMORY humanised like lxc-info')
      assert.equal(by.get(f.volatile)?.defined, false)
      assert.equal(by.get(f.volatile)?.pid, volPid)
      assert.equal(by.get(f.mapped)?.unprivileged, true)
      assert.equal(by.get(f.ghost)?.state, 'STOPPED')
      assert.equal(by.get(f.ghost)?.pid, null)
    } finally {
      await dropFixture(sb, f)
    }
  })

  it('lists the same IPv4 and IPv6 addresses as ctr info (a container on the host network)', T, async () => {
    const sb = sandbox()
    const name = sb.name('hostnet')
    const ready = sb.ready(name)
    // The host's network namespace: its addresses are the container's. No
    // sys mount: /sys of the host's network namespace cannot be mounted again.
    sb.writeConfig(name, [
      `lxc.rootfs.path = dir:${sb.rootfs}`, `lxc.uts.name = ${name}`, 'lxc.net.0.type = none', 'lxc.mount.auto = proc:mixed',
      `lxc.init.cmd = /sbin/test-init pause --ready ${ready.inside}`, '',
    ].join('\n'))
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 0, describeResult(r))
    await waitForFile(ready.host)
    const info = json<{result: {ips: string[]}}>(await sb.ctr(['info', '-n', name, '--json']))
    const ls = json<{result: Array<{ipv4: string[]; ipv6: string[]; interfaces: string[]}>}>(await sb.ctr(['ls', '--json', '--filter', `^${exactly(name)}$`]))
    const entry = ls.result[0]
    assert.ok(entry)
    assert.deepEqual([...entry.ipv4, ...entry.ipv6].sort(), [...info.result.ips].sort())
    assert.ok(entry.ipv4.every((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip)) && entry.ipv6.every((ip) => ip.includes(':')), JSON.stringify(entry))
    assert.ok(entry.interfaces.includes('lo'), JSON.stringify(entry))
    const table = await sb.ctr(['ls', '-F', 'NAME,IPV4,IPV6', '--filter', `^${exactly(name)}$`])
    const row = lines(table.stdout)[1] ?? ''
    for (const ip of info.result.ips) assert.ok(row.includes(ip), `${ip} in ${row}`)
  })

  it('lists a container whose config is broken, with a notice, and exits 0', T, async () => {
    const sb = sandbox()
    const good = sb.name('good')
    const bad = sb.name('bad')
    sb.defineRootfs(good)
    sb.defineRootfs(bad, {extra: ['lxc.bogus = 1']})
    const filter = `^(${exactly(good, bad)})$`
    const names = await sb.ctr(['ls', '--filter', filter])
    assert.equal(names.code, 0, describeResult(names))
    assert.deepEqual(lines(names.stdout), [bad, good].sort())
    assert.equal(names.stderr, '', 'bare names need no config')

    const table = await sb.ctr(['ls', '-f', '--filter', filter])
    assert.equal(table.code, 0, describeResult(table))
    assert.equal(lines(table.stdout).length, 3)
    assert.match(table.stderr, new RegExp(`^ctr ls: Failed to load the config of ${bad}: .*config:\\d+: .*lxc\\.bogus`, 'm'))
    const quiet = await sb.ctr(['ls', '-f', '-q', '--filter', filter])
    assert.equal(quiet.stderr, '', '-q silences the notice')
  })

  it('ends quietly with 0 when its reader goes away mid-output (ctr ls --json | head -1)', T, async () => {
    const sb = sandbox()
    // More JSON than a pipe buffers (64 KiB), in an lxcpath of its own.
    const many = join(sb.root, 'many')
    for (let i = 0; i < 400; i++) {
      mkdirSync(join(many, `c${i}`), {recursive: true})
      writeFileSync(join(many, `c${i}`, 'config'), `lxc.uts.name = c${i}\n`)
    }
    try {
      const m = spawnCtrToFifo(sb, ['ls', '--json', '-P', many])
      assert.equal(await m.out.next(), '{')
      m.closeReader()
      const r = await m.done
      assert.equal(r.code, 0, describeResult(r))
      assert.equal(r.stderr, '', describeResult(r))
    } finally {
      rmSync(many, {recursive: true, force: true})
    }
  })

  it('prints nothing and exits 0 for an empty or missing lxcpath; refuses bad argv with exit 1', T, async () => {
    const sb = sandbox()
    for (const path of [join(sb.root, 'empty'), join(sb.root, 'missing')]) {
      if (path.endsWith('empty')) mkdirSync(path, {recursive: true})
      for (const args of [['ls'], ['ls', '-f'], ['ls', '--json']]) {
        const r = await sb.ctr([...args, '-P', path])
        assert.equal(r.code, 0, describeResult(r))
        assert.equal(r.stdout, args.includes('--json') ? '{\n  "status": 0,\n  "result": [],\n  "warnings": []\n}\n' : '')
      }
    }
    const bad = await sb.ctr(['ls', '-F', 'NAME,bogus'])
    assert.equal(bad.code, 1, describeResult(bad))
    assert.match(bad.stderr, /^ctr ls: Invalid key: bogus$/m)
    const nesting = await sb.ctr(['ls', '--nesting'])
    assert.equal(nesting.code, 1, describeResult(nesting))
    assert.match(nesting.stderr, /--nesting is not supported/)
  })
})
