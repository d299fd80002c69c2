// lxc.hook.*: every type with a logging script, as LXC 5.0.2 runs them
// (docs/lxc-contract.md §8): argv, LXC_* environment, cwd, uid and the
// namespaces each runs in, LXC's order across a start/stop cycle,
// lxc.hook.version 0 and 1, failures (a start aborts with the hook's status
// and stderr and leaves nothing behind; a stop hook's failure is only
// logged), destroy hooks, the timeout, and the lxcfs hooks of
// common.conf.d. The sandbox fails a test that leaves a process, mount,
// cgroup or run dir behind.

import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {chmodSync, existsSync, readFileSync, readlinkSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {describeResult, json, readMountinfo, rootOnly, until, useSandbox, waitForFile, type Sandbox} from './helpers.js'

const NS = ['mnt', 'pid', 'net', 'uts', 'ipc', 'cgroup'] as const

interface HookRecord {
  type: string
  argv: string[]
  cwd: string
  uid: string
  pid: number
  ns: Record<string, string>
  /** The stop hook's namespace arguments, resolved by the hook: "mnt" -> "mnt:[...]". */
  nsargs: Record<string, string>
  env: Record<string, string>
  notes: string[]
}

// The logging hook: one record per run, appended to LOG. It names itself by
// LXC_HOOK_TYPE (version 1) or its third argument (version 0).
function loggingScript(log: string, extra = ''): string {
  return `#!/bin/sh
t="\${LXC_HOOK_TYPE:-$3}"
{
echo "BEGIN $t"
echo "argv $*"
echo "cwd $(pwd)"
echo "uid $(id -u)"
echo "pid $$"
for n in ${NS.join(' ')}; do echo "ns $n $(readlink /proc/self/ns/$n)"; done
for a in "$@"; do case "$a" in *:/proc/*) echo "nsarg \${a%%:*} $(readlink "\${a#*:}")";; esac; done
env | grep '^LXC_' | sed 's/^/env /'
${extra}
echo "END"
} >> ${log}
echo "stdout of $t"
exit 0
`
}

function parseLog(text: string): HookRecord[] {
  const out: HookRecord[] = []
  let cur: HookRecord | undefined
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ')
    const key = sp < 0 ? line : line.slice(0, sp)
    const rest = sp < 0 ? '' : line.slice(sp + 1)
    if (key === 'BEGIN') cur = {type: rest, argv: [], cwd: '', uid: '', pid: 0, ns: {}, nsargs: {}, env: {}, notes: []}
    else if (!cur) continue
    else if (key === 'END') out.push(cur)
    else if (key === 'argv') cur.argv = rest === '' ? [] : rest.split(' ')
    else if (key === 'cwd') cur.cwd = rest
    else if (key === 'uid') cur.uid = rest
    else if (key === 'pid') cur.pid = Number(rest)
    else if (key === 'ns') cur.ns[rest.split(' ')[0] ?? ''] = rest.split(' ')[1] ?? ''
    else if (key === 'nsarg') cur.nsargs[rest.split(' ')[0] ?? ''] = rest.split(' ')[1] ?? ''
    else if (key === 'env') {
      const eq = rest.indexOf('=')
      cur.env[rest.slice(0, eq)] = rest.slice(eq + 1)
    } else cur.notes.push(line)
  }
  return out
}

function nsOf(pid: number | 'self'): Record<string, string> {
  return Object.fromEntries(NS.map((n) => [n, readlinkSync(`/proc/${pid}/ns/${n}`)]))
}

interface HookSetup {
  name: string
  config: string
  /** Host path of the host-side and pre-pivot hooks' log. */
  log: string
  /** Host path of the start hook's log (it writes inside the container). */
  startLog: string
  hostScript: string
  /** The start hook's path inside the container. */
  startScript: string
}

// A container running test-init's `pause`, with every start-time hook
// logging; `fail` makes the hook of that type fail instead.
function setup(sb: Sandbox, label: string, opts: {version?: 0 | 1; fail?: string; extra?: string[]; init?: string} = {}): HookSetup {
  const name = sb.name(label)
  const log = join(sb.root, `${name}.hooks.log`)
  const hostScript = join(sb.root, `${name}.hook`)
  const failScript = join(sb.root, `${name}.fail`)
  const startScript = `/tmp/${name}.start-hook`
  const startLog = join(sb.rootfs, `tmp/${name}.start.log`)
  // The start hook leaves a mark that start-host looks for: LXC runs start, then start-host.
  writeFileSync(hostScript, loggingScript(log, `[ -e ${sb.rootfs}/tmp/${name}.started ] && echo "saw-start-hook"`))
  writeFileSync(join(sb.rootfs, startScript), loggingScript(`/tmp/${name}.start.log`, `touch /tmp/${name}.started`))
  writeFileSync(failScript, `#!/bin/sh\necho "BEGIN failing" >> ${log}\necho "END" >> ${log}\necho "going down: $*" >&2\nexit 3\n`)
  writeFileSync(join(sb.rootfs, `tmp/${name}.fail`), `#!/bin/sh\necho "going down inside" >&2\nexit 3\n`)
  for (const p of [hostScript, failScript, join(sb.rootfs, startScript), join(sb.rootfs, `tmp/${name}.fail`)]) chmodSync(p, 0o755)
  const lines = ['lxc.autodev = 1']
  if (opts.version !== undefined) lines.push(`lxc.hook.version = ${opts.version}`)
  for (const type of ['pre-start', 'pre-mount', 'mount', 'autodev', 'start-host', 'stop', 'post-stop']) {
    lines.push(`lxc.hook.${type} = ${opts.fail === type ? failScript : hostScript}`)
  }
  lines.push(`lxc.hook.start = ${opts.fail === 'start' ? `/tmp/${name}.fail` : startScript}`)
  lines.push(...(opts.extra ?? []))
  const config = sb.defineRootfs(name, {init: opts.init ?? '/sbin/test-init pause', extra: lines})
  return {name, config, log, startLog, hostScript, startScript}
}

function readRecords(path: string): HookRecord[] {
  return existsSync(path) ? parseLog(readFileSync(path, 'utf8')) : []
}

describe('hooks', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('hooks')

  it('runs every start-time hook with LXC\'s argv, environment and namespaces, in LXC\'s order (version 0)', async () => {
    const sb = sandbox()
    const h = setup(sb, 'v0')
    const started = await sb.ctr(['start', '-n', h.name, '--json', '-l', 'DEBUG', '-o', join(sb.root, `${h.name}.log`)])
    assert.equal(started.code, 0, describeResult(started))
    const monitorPid = json<{result: {monitorPid: number}}>(started).result.monitorPid
    const init = await sb.initPid(h.name)
    const initNs = nsOf(init)
    const hostNs = nsOf('self')
    const stopped = await sb.ctr(['stop', '-n', h.name, '-k'])
    assert.equal(stopped.code, 0, describeResult(stopped))

    const recs = readRecords(h.log)
    assert.deepEqual(recs.map((r) => r.type), ['pre-start', 'pre-mount', 'mount', 'autodev', 'start-host', 'stop', 'post-stop'])
    const [start] = readRecords(h.startLog)
    assert.ok(start, 'the start hook ran inside the container')
    assert.equal(start.type, 'start')

    for (const r of [...recs, start]) {
      const args = r.type === 'stop' ? r.argv.slice(0, 3) : r.argv
      assert.deepEqual(args, [h.name, 'lxc', r.type], `${r.type}: argv`)
      assert.equal(r.cwd, '/', `${r.type}: cwd`)
      assert.equal(r.uid, '0', `${r.type}: uid`)
      assert.equal(r.env.LXC_NAME, h.name)
      assert.equal(r.env.LXC_CONFIG_FILE, h.config)
      assert.equal(r.env.LXC_ROOTFS_PATH, sb.rootfs)
      assert.equal(r.env.LXC_ROOTFS_MOUNT, sb.rootfs)
      assert.equal(r.env.LXC_HOOK_VERSION, '0')
      assert.equal(r.env.LXC_LOG_LEVEL, 'DEBUG')
      assert.equal(r.env.LXC_HOOK_TYPE, undefined, `${r.type}: no LXC_HOOK_TYPE in version 0`)
      if (existsSync('/proc/self/ns/cgroup')) assert.equal(r.env.LXC_CGNS_AWARE, '1')
      const inside = ['pre-mount', 'mount', 'autodev', 'start'].includes(r.type)
      assert.deepEqual(r.ns, inside ? initNs : hostNs, `${r.type}: runs in the ${inside ? 'container\'s' : 'host\'s'} namespaces`)
      const hasPid = ['start-host', 'stop', 'post-stop'].includes(r.type)
      assert.equal(r.env.LXC_PID, hasPid ? String(init) : undefined, `${r.type}: LXC_PID`)
    }
    // LXC forks the pre-mount hook from the container's first process.
    assert.equal(recs[1]?.pid, 2)
    assert.ok(recs[4]?.notes.includes('saw-start-hook'), 'start-host runs after the start hook, as in LXC')

    const stop = recs[5]
    assert.ok(stop)
    assert.equal(stop.env.LXC_TARGET, 'stop')
    const nsArgs = stop.argv.slice(3)
    assert.deepEqual(nsArgs.map((a) => a.split(':')[0]), ['mnt', 'pid', 'uts', 'ipc', 'net', 'cgroup'], 'LXC\'s order of namespace arguments')
    for (const arg of nsArgs) {
      const [ns, path] = arg.split(':') as [string, string]
      assert.match(path, new RegExp(`^/proc/${monitorPid}/fd/\\d+$`))
      assert.equal(stop.nsargs[ns], initNs[ns], `the stop hook can open the container's ${ns} namespace`)
      assert.equal(stop.env[`LXC_${ns.toUpperCase()}_NS`], path)
    }
    const post = recs[6]
    assert.equal(post?.env.LXC_TARGET, 'stop')
    assert.equal(post?.argv.length, 3)
    // Output goes to the log at DEBUG, as LXC's run_buffer logs it.
    const log = readFileSync(join(sb.root, `${h.name}.log`), 'utf8')
    for (const type of ['pre-start', 'mount', 'start', 'stop']) assert.match(log, new RegExp(`produced output on stdout: stdout of ${type}`))
  })

  it('passes no arguments and sets LXC_HOOK_TYPE and LXC_HOOK_SECTION with lxc.hook.version = 1', async () => {
    const sb = sandbox()
    const h = setup(sb, 'v1', {version: 1})
    const started = await sb.ctr(['start', '-n', h.name])
    assert.equal(started.code, 0, describeResult(started))
    const stopped = await sb.ctr(['stop', '-n', h.name, '-k'])
    assert.equal(stopped.code, 0, describeResult(stopped))
    const recs = [...readRecords(h.log), ...readRecords(h.startLog)]
    assert.deepEqual(recs.map((r) => r.type).sort(), ['autodev', 'mount', 'post-stop', 'pre-mount', 'pre-start', 'start', 'start-host', 'stop'])
    for (const r of recs) {
      assert.deepEqual(r.argv, [], `${r.type}: no positional arguments`)
      assert.equal(r.env.LXC_HOOK_TYPE, r.type)
      assert.equal(r.env.LXC_HOOK_SECTION, 'lxc')
      assert.equal(r.env.LXC_HOOK_VERSION, '1')
    }
    const stop = recs.find((r) => r.type === 'stop')
    for (const ns of ['MNT', 'PID', 'UTS', 'IPC', 'NET', 'CGROUP']) assert.match(stop?.env[`LXC_${ns}_NS`] ?? '', /^\/proc\/\d+\/fd\/\d+$/)
  })

  for (const type of ['pre-start', 'pre-mount', 'mount', 'autodev', 'start', 'start-host']) {
    it(`aborts the start when ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} hook fails, with its status and stderr, and cleans up`, async () => {
      const sb = sandbox()
      const h = setup(sb, `f-${type}`, {fail: type})
      const r = await sb.ctr(['start', '-n', h.name])
      assert.equal(r.code, 1, describeResult(r))
      const script = type === 'start' ? `/tmp/${h.name}.fail` : join(sb.root, `${h.name}.fail`)
      const said = type === 'start' ? 'going down inside' : `going down: ${h.name} lxc ${type}`
      assert.ok(r.stderr.startsWith(`ctr start: ${h.name}: Hook "${type}" (${script}) failed with exit status 3: ${said}\n`), describeResult(r))
      // As in LXC, a failed start still runs the stop and post-stop hooks,
      // and ctr start returns once they ran.
      const seen = readRecords(h.log).map((x) => x.type)
      assert.deepEqual(seen.slice(-2), ['stop', 'post-stop'], seen.join(' '))
      assert.ok(!seen.includes('start-host') || type === 'start-host' || seen.indexOf('start-host') < seen.indexOf('failing'))
      const info = await sb.ctr(['info', '-n', h.name, '-sH'])
      assert.equal(info.stdout.trim(), 'STOPPED')
      assert.equal(existsSync(sb.rundirOf(h.name)), false, 'the run dir is gone')
    })
  }

  it('only logs a failing stop hook; post-stop still runs and the stop succeeds', async () => {
    const sb = sandbox()
    const h = setup(sb, 'stopfail', {fail: 'stop'})
    const logfile = join(sb.root, `${h.name}.log`)
    const started = await sb.ctr(['start', '-n', h.name, '-o', logfile, '-l', 'ERROR'])
    assert.equal(started.code, 0, describeResult(started))
    const stopped = await sb.ctr(['stop', '-n', h.name, '-k'])
    assert.equal(stopped.code, 0, describeResult(stopped))
    assert.deepEqual(readRecords(h.log).map((x) => x.type).slice(-2), ['failing', 'post-stop'])
    assert.match(readFileSync(logfile, 'utf8'), /Hook "stop" \(.*\.fail\) exited with status 3/)
    const info = await sb.ctr(['info', '-n', h.name, '--json'])
    assert.equal(json<{result: {state: string}}>(info).result.state, 'STOPPED')
  })

  it('kills a hook that outlives CTR_HOOK_TIMEOUT, with everything it started', async () => {
    const sb = sandbox()
    // One keeps its pipes open through a background child; one closes them and goes on.
    const bodies = ['sleep 1000 &\nexec sleep 1000\n', 'exec >/dev/null 2>&1\nexec sleep 1000\n']
    for (const [i, body] of bodies.entries()) {
      const name = sb.name(`timeout${i}`)
      const script = join(sb.root, `${name}.slow`)
      writeFileSync(script, `#!/bin/sh\necho "still going" >&2\n${body}`)
      chmodSync(script, 0o755)
      sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: [`lxc.hook.pre-start = ${script}`]})
      const r = await sb.ctr(['start', '-n', name], {env: {CTR_HOOK_TIMEOUT: '1'}})
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, new RegExp(`^ctr start: ${name}: Hook "pre-start" \\(${script}\\) did not finish within 1 s and was killed: still going\\n`))
    }
    // The sandbox's leftover check fails this test if a sleep survived.
  })

  it('runs restarted init\'s hooks again on a reboot, with LXC_TARGET=reboot', async () => {
    const sb = sandbox()
    const name = sb.name('reboot-ready')
    const ready = sb.ready(name)
    // test-init reboot calls reboot(2) on SIGINT (lxc.signal.reboot's default).
    const h = setup(sb, 'reboot', {init: `/sbin/test-init reboot --ready ${ready.inside}`})
    const started = await sb.ctr(['start', '-n', h.name])
    assert.equal(started.code, 0, describeResult(started))
    const first = await sb.initPid(h.name)
    await waitForFile(ready.host, 10_000, () => true)
    const rebooted = await sb.ctr(['stop', '-n', h.name, '-r'])
    assert.equal(rebooted.code, 0, describeResult(rebooted))
    await until(() => readRecords(h.log).filter((r) => r.type === 'start-host').length === 2, 20_000, 'the second start-host hook')
    const stopped = await sb.ctr(['stop', '-n', h.name, '-k'])
    assert.equal(stopped.code, 0, describeResult(stopped))
    const recs = readRecords(h.log)
    assert.deepEqual(recs.map((r) => r.type), [
      'pre-start', 'pre-mount', 'mount', 'autodev', 'start-host', 'stop', 'post-stop',
      'pre-start', 'pre-mount', 'mount', 'autodev', 'start-host', 'stop', 'post-stop',
    ])
    assert.equal(recs[5]?.env.LXC_TARGET, 'reboot')
    assert.equal(recs[6]?.env.LXC_TARGET, 'reboot')
    assert.equal(recs[5]?.env.LXC_PID, String(first))
    assert.notEqual(recs[11]?.env.LXC_PID, String(first))
    assert.equal(recs[12]?.env.LXC_TARGET, 'stop')
  })

  it('runs start hooks in a shared pid namespace holding nothing of the host', async () => {
    const sb = sandbox()
    const x = sb.name('owner')
    const y = sb.name('sharer')
    sb.defineRootfs(x, {init: '/sbin/test-init pause'})
    const hook = `/tmp/${y}.start-hook`
    // Processes of X's namespace can see the hook: it must hold no host fd.
    writeFileSync(join(sb.rootfs, hook), `#!/bin/sh\nreadlink /proc/$$/ns/pid > /tmp/${y}.pidns\nfor f in /proc/$$/fd/*; do echo "$(readlink $f)"; done > /tmp/${y}.fds\nid -u > /tmp/${y}.uid\n`)
    chmodSync(join(sb.rootfs, hook), 0o755)
    sb.defineRootfs(y, {init: '/sbin/test-init pause', extra: [`lxc.hook.start = ${hook}`, 'lxc.init.uid = 1000', 'lxc.init.gid = 1000']})
    const owner = await sb.ctr(['start', '-n', x])
    assert.equal(owner.code, 0, describeResult(owner))
    const sharer = await sb.ctr(['start', '-n', y, '--share-pid', x])
    assert.equal(sharer.code, 0, describeResult(sharer))
    const xInit = await sb.initPid(x)
    assert.equal(readFileSync(join(sb.rootfs, `tmp/${y}.pidns`), 'utf8').trim(), readlinkSync(`/proc/${xInit}/ns/pid`))
    const fds = readFileSync(join(sb.rootfs, `tmp/${y}.fds`), 'utf8').trim().split('\n')
    // /dev/console: init's stdio, the container's own pty (docs/console.md §1).
    for (const target of fds) {
      assert.ok(target === '/dev/null' || target === '/dev/console' || target.startsWith('pipe:') || target === `/tmp/${y}.fds` || target === hook, `unexpected fd: ${target} (${fds.join(', ')})`)
    }
    // There, the start hooks run once the ids are init's (README).
    assert.equal(readFileSync(join(sb.rootfs, `tmp/${y}.uid`), 'utf8').trim(), '1000')
    for (const n of [y, x]) {
      const r = await sb.ctr(['stop', '-n', n, '-k'])
      assert.equal(r.code, 0, describeResult(r))
    }
  })

  it('runs destroy hooks before removing the container; a failing one keeps it', async () => {
    const sb = sandbox()
    const name = sb.name('destroy')
    const log = join(sb.root, `${name}.destroy.log`)
    const script = join(sb.root, `${name}.hook`)
    writeFileSync(script, loggingScript(log, `[ -e "$LXC_CONFIG_FILE" ] && echo "config-still-there"\n[ -e ${sb.root}/${name}.refuse ] && { echo "not today" >&2; exit 4; }`))
    chmodSync(script, 0o755)
    const config = sb.defineRootfs(name, {extra: [`lxc.hook.destroy = ${script}`]})
    writeFileSync(join(sb.root, `${name}.refuse`), '')
    const refused = await sb.ctr(['destroy', '-n', name])
    assert.equal(refused.code, 1, describeResult(refused))
    assert.match(refused.stderr, new RegExp(`^ctr destroy: ${name}: Hook "destroy" \\(${script}\\) failed with exit status 4: not today\\n`))
    assert.ok(existsSync(config), 'the container is kept')
    rmSync(join(sb.root, `${name}.refuse`))
    const done = await sb.ctr(['destroy', '-n', name])
    assert.equal(done.code, 0, describeResult(done))
    assert.equal(existsSync(config), false)
    // The refusing run exited before its record was complete.
    const recs = readRecords(log)
    assert.equal(recs.length, 1)
    const r = recs[0]
    assert.deepEqual(r?.argv, [name, 'lxc', 'destroy'])
    assert.equal(r?.env.LXC_NAME, name)
    assert.equal(r?.env.LXC_CONFIG_FILE, config)
    assert.equal(r?.env.LXC_ROOTFS_PATH, sb.rootfs)
    assert.ok(r?.notes.includes('config-still-there'))
    assert.deepEqual(r?.ns, nsOf('self'))
  })
})

// The lxcfs package's hooks (common.conf.d/00-lxcfs.conf): the mount hook
// binds lxcfs's /proc files over the container's; the post-stop hook waits.
describe('lxcfs hooks', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('lxcfs')
  const conf = '/usr/share/lxc/config/common.conf.d/00-lxcfs.conf'
  const missing = !existsSync('/usr/bin/lxcfs') || !existsSync('/usr/share/lxcfs/lxc.mount.hook')
    ? 'lxcfs is not installed (apt-get install lxcfs): its hooks cannot be tested'
    : false

  it('mounts lxcfs\'s /proc files into the container through lxc.hook.mount', {skip: missing}, async () => {
    const sb = sandbox()
    let lxcfs: ChildProcess | undefined
    const mounted = (): boolean => readMountinfo('self').some((m) => m.mountPoint === '/var/lib/lxcfs' && m.fstype === 'fuse.lxcfs')
    if (!mounted()) {
      // Our own lxcfs, stopped below: /var/lib/lxcfs is where its hooks look.
      lxcfs = spawn('/usr/bin/lxcfs', ['/var/lib/lxcfs'], {stdio: 'ignore'})
      await until(() => existsSync('/var/lib/lxcfs/proc/meminfo'), 10_000, 'lxcfs to serve /var/lib/lxcfs')
    }
    try {
      const name = sb.name('lxcfs')
      sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: [`lxc.include = ${conf}`]})
      const started = await sb.ctr(['start', '-n', name])
      assert.equal(started.code, 0, describeResult(started))
      const init = await sb.initPid(name)
      const inside = readMountinfo(init)
      for (const file of ['/proc/meminfo', '/proc/uptime', '/proc/cpuinfo']) {
        assert.ok(inside.some((m) => m.mountPoint === file && m.fstype === 'fuse.lxcfs'), `${file} comes from lxcfs`)
      }
      assert.equal(readMountinfo('self').some((m) => m.mountPoint.startsWith(`${sb.rootfs}/proc`)), false, 'nothing leaks to the host')
      const stopped = await sb.ctr(['stop', '-n', name, '-k'])
      assert.equal(stopped.code, 0, describeResult(stopped))
    } finally {
      if (lxcfs?.pid !== undefined) {
        lxcfs.kill('SIGTERM')
        await until(() => lxcfs?.exitCode !== null || lxcfs?.signalCode !== null, 10_000, 'lxcfs to exit').catch(() => undefined)
        if (mounted()) spawnSync('umount', ['-l', '/var/lib/lxcfs'])
      }
    }
  })
})
