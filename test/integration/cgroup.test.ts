// Cgroups on this host, as root: one cgroup per container in every
// hierarchy with init inside and the monitor outside, limits enforced
// (memory with OOM kills recorded and streamed, pids.max against a fork
// bomb), usage stats, the freezer and its states, teardown that leaves no
// directory behind (also after the monitor was killed), lxc.cgroup.dir*,
// and the pure v1 and pure v2 layouts in private mount namespaces.
//
// Synchronisation is on events (test-init ready files, FIFOs the container
// reads, the monitor's watch events, process exits); the one timed wait
// checks that a frozen container's CPU time stands still.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {spawn, spawnSync} from 'node:child_process'
import {createConnection} from 'node:net'

import {TEST_INIT_BUILD, describeResult, fnv1a64, isAlive, json, rootOnly, until, useSandbox, waitForFile, waitForMonitorConnection, waitForPidGone, type Sandbox} from './helpers.js'
import {PURE_LAYOUT, Watcher, cgroupFile, cgroupRecord, ctrInMountNsOf, ctrInNewMountNs, makeFifo, procCgroups, shInMountNsOf} from './cgroup-helpers.js'

const T = {timeout: 90_000}

interface Stats {
  cpuNs?: number
  blkioBytes?: number
  memoryBytes?: number
  kmemBytes?: number
  memoryLimitBytes?: number
  pidsCurrent?: number
  pidsLimit?: number
}

interface InfoJson {
  result: {
    state: string
    running: boolean
    pid?: number
    monitorPid?: number
    stats?: Stats
    oomKills?: number
    lastExit?: {reason: string; exitStatus: number; signal: number | null; oomKills: number}
  }
}

// Where this host keeps memory and pids (v1 on the dev machine, v2 elsewhere).
const V1_MEMORY = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes')
const V1_PIDS = existsSync('/sys/fs/cgroup/pids/cgroup.procs')
const memoryLimit = (bytes: number): string => (V1_MEMORY ? `lxc.cgroup.memory.limit_in_bytes = ${bytes}` : `lxc.cgroup2.memory.max = ${bytes}`)
const pidsLimit = (n: number): string => (V1_PIDS ? `lxc.cgroup.pids.max = ${n}` : `lxc.cgroup2.pids.max = ${n}`)

async function info(sb: Sandbox, name: string): Promise<InfoJson['result']> {
  const r = await sb.ctr(['info', '-n', name, '--json'])
  assert.equal(r.code, 0, describeResult(r))
  return json<InfoJson>(r).result
}

async function cpuNs(sb: Sandbox, name: string): Promise<number> {
  const cpu = (await info(sb, name)).stats?.cpuNs
  assert.ok(cpu !== undefined, 'info --json reports cpuNs')
  return cpu
}

// Re-reads the CPU time until it passed `above` (a busy loop gets ~1 s of CPU per second).
async function cpuAbove(sb: Sandbox, name: string, above: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const cpu = await cpuNs(sb, name)
    if (cpu > above) return cpu
    if (Date.now() > deadline) throw new Error(`CPU time stayed at ${cpu} ns, not above ${above}`)
  }
}

function assertGone(sb: Sandbox, name: string, dirs: string[]): void {
  for (const dir of dirs) assert.equal(existsSync(dir), false, `${dir} was removed`)
  assert.equal(existsSync(`${sb.rundirOf(name)}/cgroups`), false, 'the cgroup record was removed')
}

describe('cgroups', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('cgroup')

  it('gives init a cgroup of its own in every hierarchy, keeps the monitor out, removes them at stop', T, async () => {
    const sb = sandbox()
    const name = sb.name('place')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const {pid, monitorPid} = await info(sb, name)
    assert.ok(pid && monitorPid)

    const limits = cgroupRecord(sb, name).filter((e) => e.role === 'limit')
    assert.ok(limits.length > 0, 'the monitor recorded its cgroups in the run dir')
    const inInit = procCgroups(pid)
    const inMonitor = procCgroups(monitorPid)
    const leaf = `ctr.payload.${name}.${fnv1a64(`${sb.lxcpath}/${name}`)}`
    for (const e of limits) {
      assert.ok(e.dir.endsWith(`/${leaf}`), `${e.dir} is named after the container and its lxcpath`)
      assert.ok(existsSync(e.dir))
      assert.equal(inInit.get(e.id), e.hierarchyPath, `init is in ${e.dir}`)
      assert.notEqual(inMonitor.get(e.id), e.hierarchyPath, `the monitor is not in ${e.dir}`)
    }
    assert.equal(limits.length, [...inInit.keys()].filter((id) => limits.some((e) => e.id === id)).length)
    const cpuset = limits.find((e) => e.version === 1 && e.id.split(',').includes('cpuset'))
    if (cpuset) assert.notEqual(cgroupFile(cpuset.dir, 'cpuset.cpus'), '', 'v1 cpuset.cpus was copied from the parent')

    const stop = await sb.ctr(['stop', '-n', name, '-k'])
    assert.equal(stop.code, 0, describeResult(stop))
    assertGone(sb, name, limits.map((e) => e.dir))
  })

  it('enforces a memory limit; an OOM kill is streamed, counted by info --json and recorded in the last exit', T, async () => {
    const sb = sandbox()
    const name = sb.name('oom')
    const ready = sb.ready(name)
    const go1 = makeFifo(join(sb.rootfs, 'tmp', `${name}.go1`))
    const go2 = makeFifo(join(sb.rootfs, 'tmp', `${name}.go2`))
    const status = join(sb.rootfs, 'tmp', `${name}.status`)
    // A child allocates past the limit and is OOM-killed while init (sh)
    // lives on; then init itself does the same.
    const script = [
      `echo up > ${ready.inside}`,
      `read x < /tmp/${name}.go1`,
      '/sbin/test-init alloc 96',
      `echo $? > /tmp/${name}.status`,
      `read x < /tmp/${name}.go2`,
      'exec /sbin/test-init alloc 96',
    ].join('; ')
    sb.defineRootfs(name, {init: `/bin/sh -c "${script}"`, extra: [memoryLimit(32 << 20)]})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const watcher = await Watcher.open(sb.rundirOf(name))
    try {
      go1.trigger()
      assert.equal(await watcher.next((l) => l.startsWith('oom ')), 'oom 1', 'watchers get the OOM kill')
      assert.equal(await waitForFile(status), '137\n', 'the allocating child died of SIGKILL')
      const running = await info(sb, name)
      assert.equal(running.state, 'RUNNING', 'init survived its child\'s OOM kill')
      assert.equal(running.oomKills, 1)
      assert.equal(running.stats?.memoryLimitBytes, 32 << 20)
      assert.ok((running.stats?.memoryBytes ?? Infinity) <= 32 << 20, 'usage stays under the limit')

      go2.trigger()
      assert.equal(await watcher.next((l) => l.startsWith('oom ')), 'oom 2')
      assert.equal(await watcher.next((l) => l.startsWith('exit ')), 'exit 137 9 killed', 'init was killed by the OOM killer')
    } finally {
      watcher.close()
    }
    const stopped = await info(sb, name)
    assert.equal(stopped.running, false)
    assert.equal(stopped.lastExit?.oomKills, 2, 'the last exit counts both OOM kills')
    assert.equal(stopped.lastExit?.signal, 9)
    assertGone(sb, name, [])
  })

  it('stops a fork bomb at pids.max and the host stays fine', T, async () => {
    const sb = sandbox()
    const name = sb.name('bomb')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init forkbomb --ready ${ready.inside}`, extra: [pidsLimit(40)]})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host, 30_000)
    const {stats} = await info(sb, name)
    assert.equal(stats?.pidsLimit, 40)
    assert.ok(stats?.pidsCurrent !== undefined && stats.pidsCurrent <= 40 && stats.pidsCurrent >= 30, `pids.current ${stats?.pidsCurrent}`)
    assert.equal(spawnSync('/bin/true').status, 0, 'the host can still fork')
    const limits = cgroupRecord(sb, name).map((e) => e.dir)
    const stop = await sb.ctr(['stop', '-n', name, '-k'])
    assert.equal(stop.code, 0, describeResult(stop))
    assertGone(sb, name, limits)
  })

  it('reports CPU, BlkIO, Memory and KMem like lxc-info while running, nothing once stopped', T, async () => {
    const sb = sandbox()
    const name = sb.name('stats')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const human = await sb.ctr(['info', '-n', name])
    assert.match(human.stdout, /^CPU use: {8}\d+\.\d\d seconds$/m)
    assert.match(human.stdout, /^BlkIO use: {6}\d+(\.\d\d [KMG]iB| bytes)$/m)
    assert.match(human.stdout, /^Memory use: {5}\d+(\.\d\d [KMG]iB| bytes)$/m)
    assert.match(human.stdout, /^KMem use: {7}\d+(\.\d\d [KMG]iB| bytes)$/m)
    const statsOnly = await sb.ctr(['info', '-n', name, '-S', '-H'])
    assert.match(statsOnly.stdout, /^CPU use: {8}\d+\nBlkIO use: {6}\d+\nMemory use: {5}\d+\nKMem use: {7}\d+\n$/)
    const j = await info(sb, name)
    assert.ok((j.stats?.memoryBytes ?? 0) > 0)
    assert.equal(j.oomKills, 0)
    assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
    const stopped = await sb.ctr(['info', '-n', name, '-S'])
    assert.equal(stopped.stdout, '', 'no stats for a stopped container')
  })

  it('freezes and thaws: CPU time stands still while FROZEN; wait -s FROZEN; THAWED then RUNNING', T, async () => {
    const sb = sandbox()
    const name = sb.name('frz')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init burn --ready ${ready.inside}`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const c0 = await cpuNs(sb, name)
    await cpuAbove(sb, name, c0 + 50e6)

    const waiter = sb.spawnCtr(['wait', '-n', name, '-s', 'FROZEN', '-t', '20'])
    await waitForMonitorConnection(waiter.pid)
    const watcher = await Watcher.open(sb.rundirOf(name))
    try {
      const freeze = await sb.ctr(['freeze', '-n', name])
      assert.equal(freeze.code, 0, describeResult(freeze))
      assert.equal(freeze.stdout, '')
      assert.equal(await watcher.next((l) => l.startsWith('state ')), 'state FREEZING')
      assert.equal(await watcher.next((l) => l.startsWith('state ')), 'state FROZEN')
      const waited = await waiter.done
      assert.equal(waited.code, 0, describeResult(waited))
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'FROZEN\n')
      assert.equal((await sb.ctr(['freeze', '-n', name])).code, 0, 'freezing a frozen container is fine')

      const c1 = await cpuNs(sb, name)
      // Not a sleep: a burner of ours on the host runs until it got 300 ms
      // of CPU, which the frozen container had every chance to share.
      await hostBurnerRuns(300)
      assert.equal(await cpuNs(sb, name), c1, 'no CPU time while frozen')

      const thaw = await sb.ctr(['unfreeze', '-n', name, '--json'])
      assert.equal(thaw.code, 0, describeResult(thaw))
      assert.equal(json<{result: {state: string}}>(thaw).result.state, 'RUNNING')
      assert.equal(await watcher.next((l) => l.startsWith('state ')), 'state THAWED')
      assert.equal(await watcher.next((l) => l.startsWith('state ')), 'state RUNNING')
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
      await cpuAbove(sb, name, c1 + 50e6)
      const again = await sb.ctr(['unfreeze', '-n', name])
      assert.equal(again.code, 0, `unfreezing a running container is a no-op\n${describeResult(again)}`)
    } finally {
      watcher.close()
    }
  })

  it('records the state a freeze or thaw caused before replying, and tells watchers after the reply', T, async () => {
    const sb = sandbox()
    const name = sb.name('frzrec')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const rundir = sb.rundirOf(name)
    // One watcher connection sends the commands itself: the state.json read
    // happens synchronously in the callback that received the reply.
    const socket = createConnection({path: join(rundir, 'command.sock')})
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    const lines: Array<{line: string; recorded: string}> = []
    let buffered = ''
    let wake: () => void = () => undefined
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const recorded = (JSON.parse(readFileSync(join(rundir, 'state.json'), 'utf8')) as {state: string}).state
        lines.push({line: buffered.slice(0, nl), recorded})
        buffered = buffered.slice(nl + 1)
      }
      wake()
    })
    const nextLine = async (): Promise<{line: string; recorded: string}> => {
      while (lines.length === 0) await new Promise<void>((resolve) => (wake = resolve))
      return lines.shift() as {line: string; recorded: string}
    }
    try {
      socket.write('watch\n')
      assert.equal((await nextLine()).line, 'ok RUNNING')
      for (let i = 0; i < 20; i++) {
        socket.write('freeze\n')
        const frozen = await nextLine()
        assert.match(frozen.line, /^ok (FREEZING|FROZEN)$/)
        // FROZEN may follow FREEZING before the read: never RUNNING.
        assert.ok([frozen.line.slice(3), 'FROZEN'].includes(frozen.recorded), `round ${i}: the reply came while state.json said ${frozen.recorded}`)
        assert.equal((await nextLine()).line, 'state FREEZING', 'events follow the reply')
        while ((await nextLine()).line !== 'state FROZEN');
        socket.write('thaw\n')
        const thawed = await nextLine()
        assert.equal(thawed.line, 'ok RUNNING')
        assert.equal(thawed.recorded, 'RUNNING', `round ${i}: the thaw reply came before state.json said RUNNING`)
        assert.deepEqual([(await nextLine()).line, (await nextLine()).line], ['state THAWED', 'state RUNNING'])
      }
    } finally {
      socket.destroy()
    }
  })

  it('stops a frozen container: a clean stop thaws it first, stop -k kills it', T, async () => {
    const sb = sandbox()
    const name = sb.name('frzstop')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside} --exit-on SIGPWR:3`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    assert.equal((await sb.ctr(['freeze', '-n', name])).code, 0)
    const stop = await sb.ctr(['stop', '-n', name, '-t', '30', '--json'])
    assert.equal(stop.code, 0, describeResult(stop))
    assert.equal(json<{result: {method: string}}>(stop).result.method, 'halt', 'init got SIGPWR and exited by itself')
    assert.equal((await info(sb, name)).lastExit?.exitStatus, 3)

    sb.ready(name)
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    assert.equal((await sb.ctr(['freeze', '-n', name])).code, 0)
    const kill = await sb.ctr(['stop', '-n', name, '-k'])
    assert.equal(kill.code, 0, describeResult(kill))
    assert.equal((await info(sb, name)).lastExit?.signal, 9)
  })

  it('freeze and unfreeze exit 1 for a container that is not running (lxc-freeze)', T, async () => {
    const sb = sandbox()
    const name = sb.name('frzoff')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    for (const cmd of ['freeze', 'unfreeze']) {
      const r = await sb.ctr([cmd, '-n', name])
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, new RegExp(`^ctr ${cmd}: ${name} is not running`))
      const j = await sb.ctr([cmd, '-n', name, '--json'])
      assert.equal(json<{error: {code: string}}>(j).error.code, 'CTR_NOT_RUNNING')
    }
  })

  it('kills what outlived a SIGKILLed monitor and removes its cgroups: on stop (exit 2) and on the next start', T, async () => {
    const sb = sandbox()
    const name = sb.name('crash')
    const ready = sb.ready(name)
    // No pid namespace: init's children survive init, as daemons do.
    sb.defineRootfs(name, {init: `/sbin/test-init spawn 3 --ready ${ready.inside}`, extra: ['lxc.namespace.clone = mnt uts ipc net']})

    const crash = async (): Promise<{survivors: number[]; dirs: string[]}> => {
      sb.ready(name)
      const start = await sb.ctr(['start', '-n', name])
      assert.equal(start.code, 0, describeResult(start))
      await waitForFile(ready.host)
      const {pid, monitorPid} = await info(sb, name)
      assert.ok(pid && monitorPid)
      const record = cgroupRecord(sb, name)
      const limit = record.find((e) => e.role === 'limit')
      assert.ok(limit)
      const survivors = cgroupFile(limit.dir, 'cgroup.procs').split('\n').map(Number).filter((p) => p !== pid)
      assert.equal(survivors.length, 3)
      process.kill(monitorPid, 'SIGKILL')
      await waitForPidGone(monitorPid)
      await waitForPidGone(pid)
      for (const p of survivors) assert.ok(isAlive(p), `${p} outlived the monitor`)
      return {survivors, dirs: record.map((e) => e.dir)}
    }

    const first = await crash()
    const stop = await sb.ctr(['stop', '-n', name])
    assert.equal(stop.code, 2, describeResult(stop))
    for (const p of first.survivors) await waitForPidGone(p)
    assertGone(sb, name, first.dirs)
    assert.equal(existsSync(sb.rundirOf(name)), false)

    const second = await crash()
    const start = await sb.ctr(['start', '-n', name])
    assert.equal(start.code, 0, describeResult(start))
    for (const p of second.survivors) await waitForPidGone(p)
    const now = procCgroups((await info(sb, name)).pid ?? 0)
    assert.ok(cgroupRecord(sb, name).every((e) => e.role !== 'limit' || now.get(e.id) === e.hierarchyPath), 'the new init is in a fresh cgroup')
    assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
    assertGone(sb, name, second.dirs)
  })

  it('lxc.cgroup.dir.container, .monitor and .container.inner: init below the limits, the monitor apart', T, async (t) => {
    // An inner cgroup gets every cgroup2 controller delegated, which enables
    // them in the root's subtree_control on this host: put it back after.
    const rootControl = '/sys/fs/cgroup/unified/cgroup.subtree_control'
    const before = existsSync(rootControl) ? readFileSync(rootControl, 'utf8').trim().split(' ').filter((c) => c !== '') : undefined
    t.after(() => {
      if (before === undefined) return
      for (const c of readFileSync(rootControl, 'utf8').trim().split(' ')) {
        if (c !== '' && !before.includes(c)) writeFileSync(rootControl, `-${c}`)
      }
    })
    const sb = sandbox()
    const name = sb.name('dirs')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {
      init: `/sbin/test-init pause --ready ${ready.inside}`,
      extra: [`lxc.cgroup.dir.container = ${name}/payload`, `lxc.cgroup.dir.monitor = ${name}/monitor`, 'lxc.cgroup.dir.container.inner = ns', pidsLimit(64)],
    })
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const {pid, monitorPid} = await info(sb, name)
    assert.ok(pid && monitorPid)
    const record = cgroupRecord(sb, name)
    for (const [id, path] of procCgroups(pid)) {
      if (record.some((e) => e.id === id)) assert.ok(path.endsWith(`/${name}/payload/ns`), `init in ${path}`)
    }
    for (const [id, path] of procCgroups(monitorPid)) {
      if (record.some((e) => e.id === id)) assert.ok(path.endsWith(`/${name}/monitor`), `monitor in ${path}`)
    }
    const pids = record.find((e) => e.role === 'limit' && (e.version === 2 || e.id.split(',').includes('pids')))
    assert.ok(pids)
    assert.equal(cgroupFile(pids.dir, 'pids.max'), '64', 'limits go on the container cgroup, above init')
    assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
    assertGone(sb, name, record.map((e) => e.dir))
  })

  it('refuses limits it cannot apply, naming file:line, and leaves nothing behind', T, async () => {
    const sb = sandbox()
    const name = sb.name('bad')
    const config = sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: ['lxc.cgroup2.nosuch.max = 1']})
    const lines = readFileSync(config, 'utf8').split('\n')
    const line = lines.findIndex((l) => l.startsWith('lxc.cgroup2.nosuch')) + 1
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, new RegExp(`^ctr start: ${config}:${line}: lxc\\.cgroup2\\.nosuch\\.max: `))
    if (V1_MEMORY) {
      writeFileSync(config, `${lines.filter((l) => !l.startsWith('lxc.cgroup2.')).join('\n')}\nlxc.cgroup2.memory.max = 64M\n`)
      const hybrid = await sb.ctr(['start', '-n', name])
      assert.equal(hybrid.code, 1, describeResult(hybrid))
      assert.match(hybrid.stderr, /lxc\.cgroup2\.memory\.max: the memory controller is bound to cgroup v1 here, not to cgroup2: use lxc\.cgroup\.\* keys/)
    }
    writeFileSync(config, `${lines.filter((l) => !l.startsWith('lxc.cgroup2.')).join('\n')}\nlxc.cgroup2.memory.max/../../cgroup.procs = 1\n`)
    const escape = await sb.ctr(['start', '-n', name])
    assert.equal(escape.code, 1, describeResult(escape))
    assert.match(escape.stderr, /is not a cgroup file name/)
    assert.equal(existsSync(`${sb.rundirOf(name)}/cgroups`), false)
  })

  it('pure cgroup v1 (a private mount namespace without the cgroup2 mount): v1 freezer, kill by pid', T, async () => {
    const sb = sandbox()
    const name = sb.name('v1')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init spawn 2 --ready ${ready.inside}`, extra: ['lxc.namespace.clone = mnt uts ipc net']})
    const start = await ctrInNewMountNs(sb, PURE_LAYOUT.v1, ['start', '-n', name])
    assert.equal(start.code, 0, describeResult(start))
    await waitForFile(ready.host)
    const record = cgroupRecord(sb, name)
    assert.ok(record.length > 0 && record.every((e) => e.version === 1), 'only v1 cgroups')
    const {monitorPid} = await info(sb, name)
    assert.ok(monitorPid)
    const freezer = record.find((e) => e.role === 'limit' && e.id.split(',').includes('freezer'))
    assert.ok(freezer)
    assert.equal((await ctrInMountNsOf(sb, monitorPid, ['freeze', '-n', name])).code, 0)
    assert.equal(cgroupFile(freezer.dir, 'freezer.state'), 'FROZEN')
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'FROZEN\n')
    const procs = cgroupFile(freezer.dir, 'cgroup.procs').split('\n').map(Number)
    assert.equal(procs.length, 3)
    // init is not pid 1 of a namespace here: its children outlive its SIGKILL.
    const kill = await sb.ctr(['stop', '-n', name, '-k'])
    assert.equal(kill.code, 0, describeResult(kill))
    for (const p of procs) await waitForPidGone(p)
    assertGone(sb, name, record.map((e) => e.dir))
  })

  it('pure cgroup v2 (a private mount namespace with only cgroup2): CLONE_INTO_CGROUP, cgroup.freeze, cgroup.kill', T, async () => {
    const sb = sandbox()
    const name = sb.name('v2')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init spawn 2 --ready ${ready.inside}`, extra: ['lxc.namespace.clone = mnt uts ipc net']})
    const start = await ctrInNewMountNs(sb, PURE_LAYOUT.v2, ['start', '-n', name])
    assert.equal(start.code, 0, describeResult(start))
    await waitForFile(ready.host)
    const record = cgroupRecord(sb, name)
    assert.deepEqual(record.map((e) => [e.role, e.version]), [['limit', 2]])
    const {pid, monitorPid} = await info(sb, name)
    assert.ok(pid && monitorPid)
    const dir = record[0]?.dir ?? ''
    assert.equal(procCgroups(pid).get(''), record[0]?.hierarchyPath)
    assert.notEqual(procCgroups(monitorPid).get(''), record[0]?.hierarchyPath)

    const stats = await ctrInMountNsOf(sb, monitorPid, ['info', '-n', name, '-S'])
    assert.match(stats.stdout, /^CPU use: {8}\d+\.\d\d seconds$/m, 'cpu.stat usage_usec is there without a cpu controller')
    assert.equal((await sb.ctr(['freeze', '-n', name])).code, 0)
    assert.match(shInMountNsOf(monitorPid, `cat ${dir}/cgroup.events`), /^frozen 1$/m)
    assert.equal((await sb.ctr(['unfreeze', '-n', name])).code, 0)
    assert.match(shInMountNsOf(monitorPid, `cat ${dir}/cgroup.events`), /^frozen 0$/m)
    const procs = shInMountNsOf(monitorPid, `cat ${dir}/cgroup.procs`).trim().split('\n').map(Number)
    assert.equal(procs.length, 3)
    const kill = await sb.ctr(['stop', '-n', name, '-k'])
    assert.equal(kill.code, 0, describeResult(kill))
    for (const p of procs) await waitForPidGone(p)
    assert.equal(existsSync(`${sb.rundirOf(name)}/cgroups`), false)
    assert.equal(existsSync(`/sys/fs/cgroup/unified${record[0]?.hierarchyPath}`), false, 'gone in the host\'s view too')
  })
})

/** Runs `test-init burn` on the host until it has used `ms` of CPU, then ends it (ours, by pid). */
async function hostBurnerRuns(ms: number): Promise<void> {
  const burner = spawn(TEST_INIT_BUILD, ['burn'], {stdio: 'ignore'})
  const closed = new Promise((resolve) => burner.once('close', resolve))
  const ticks = (): number => {
    try {
      const text = readFileSync(`/proc/${burner.pid}/stat`, 'utf8')
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
      return Number(f[11]) + Number(f[12])
    } catch {
      return 0
    }
  }
  try {
    await until(() => ticks() * 10 >= ms, 60_000, `a host burner to get ${ms} ms of CPU`)
  } finally {
    burner.kill('SIGKILL')
    await closed
  }
}
