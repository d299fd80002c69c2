// A stock Debian container, end to end: made by `lxc-create -t debian` (the
// template's config, with common.conf and everything it includes), booted
// by `ctr start` with that config, systemd running with no failed unit,
// halted by `ctr stop` as a clean stop (exit 0, reason "halted"), nothing
// left behind (docs/console.md §5 lists what systemd needs from us).
//
// The stored config runs unchanged: its veth on lxcbr0 goes to a bridge of
// that name in a network namespace of the test's (ctr runs there, as with
// `nsenter --net`), where dnsmasq answers the guest's DHCP, so the host's
// own network is never touched. The debootstrap cache lives outside the repository, in
// /var/cache/ctr-e2e/<UTC date>/, so a day's runs download it once. Skipped,
// loudly, when Debian's mirror cannot be reached.

import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {describeResult, json, rootOnly, until, useSandbox} from './helpers.js'

const MIRROR = process.env.CTR_E2E_MIRROR ?? 'http://deb.debian.org/debian'
const RELEASE = 'bookworm'
const CACHE_ROOT = '/var/cache/ctr-e2e'

function missingTools(): string | undefined {
  for (const tool of ['lxc-create', 'debootstrap', 'rsync', 'nsenter', 'dnsmasq']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `needs ${tool}: apt-get install -y lxc lxc-templates debootstrap debian-archive-keyring rsync util-linux dnsmasq-base`
  }
  if (!existsSync('/usr/share/lxc/templates/lxc-debian')) return 'needs the debian template: apt-get install -y lxc-templates'
  return undefined
}

async function mirrorUnreachable(): Promise<string | undefined> {
  const url = `${MIRROR}/dists/${RELEASE}/Release`
  try {
    const r = await fetch(url, {method: 'HEAD', signal: AbortSignal.timeout(15_000)})
    return r.ok ? undefined : `${url}: HTTP ${r.status}`
  } catch (error) {
    return `${url}: ${(error as Error).message}`
  }
}

// Runs a command to completion with a bound, collecting its output.
function run(argv: string[], opts: {env?: NodeJS.ProcessEnv; timeoutMs: number}): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), {env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs, killSignal: 'SIGKILL'})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('close', (code) => resolve({code, stdout, stderr}))
  })
}

// Today's cache; older days' caches are ours to remove.
function cacheDir(): string {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '')
  mkdirSync(CACHE_ROOT, {recursive: true, mode: 0o755})
  for (const old of readdirSync(CACHE_ROOT)) {
    if (/^[0-9]{8}$/.test(old) && old !== day) rmSync(join(CACHE_ROOT, old), {recursive: true, force: true})
  }
  return join(CACHE_ROOT, day)
}

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex')

describe('a Debian container from lxc-create -t debian', {skip: rootOnly() || missingTools()}, () => {
  const sandbox = useSandbox('debian')

  it('boots under ctr start, systemd is running with no failed unit, ctr stop halts it cleanly', {timeout: 30 * 60_000}, async (t: TestContext) => {
    const unreachable = await mirrorUnreachable()
    if (unreachable !== undefined) {
      const why = `SKIPPED: Debian's mirror cannot be reached (${unreachable}); the Debian end-to-end check did not run`
      process.stderr.write(`\n${'!'.repeat(78)}\n${why}\n${'!'.repeat(78)}\n`)
      t.skip(why)
      return
    }
    const sb = sandbox()
    const name = sb.name('deb')
    const created = await run(['lxc-create', '-P', sb.lxcpath, '-n', name, '-t', 'debian', '--', '-r', RELEASE, '--mirror', MIRROR], {
      env: {...process.env, LXC_CACHE_PATH: cacheDir()},
      timeoutMs: 25 * 60_000,
    })
    assert.equal(created.code, 0, `lxc-create failed:\n${created.stdout.slice(-4000)}\n${created.stderr.slice(-4000)}`)
    const stored = join(sb.lxcpath, name, 'config')
    const storedSha = sha(stored)
    const text = readFileSync(stored, 'utf8')

    // Never a system init on the host's root: the config must name the
    // container's own root filesystem.
    const rootfs = /^lxc\.rootfs\.path\s*=\s*(?:dir:)?(\S+)\s*$/m.exec(text)?.[1]
    assert.equal(rootfs, join(sb.lxcpath, name, 'rootfs'), text)
    assert.ok(lstatSync(join(rootfs as string, 'sbin/init')), 'the rootfs has its own /sbin/init')
    assert.match(text, /^lxc\.include\s*=\s*\/usr\/share\/lxc\/config\/debian\.common\.conf$/m)

    assert.match(text, /^lxc\.net\.0\.link\s*=\s*lxcbr0$/m)

    // lxcbr0 and a DHCP server, in a network namespace of the test's.
    const ns = sb.netns('deb')
    ns.addBridge('lxcbr0', '10.0.3.1/24')
    const dhcp = spawn('ip', ['netns', 'exec', ns.name, 'dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--port=0', '--bind-interfaces',
      '--interface=lxcbr0', '--except-interface=lo', '--dhcp-range=10.0.3.2,10.0.3.254,1h', `--dhcp-leasefile=${join(sb.root, 'dnsmasq.leases')}`, '--pid-file='], {stdio: 'ignore'})
    const dhcpGone = new Promise((resolve) => dhcp.once('close', resolve))
    const started = await sb.ctr(['start', '-n', name], {netns: ns, timeoutMs: 120_000})
    assert.equal(started.code, 0, describeResult(started))

    let stopped = false
    try {
      const info = json<{result: {pid: number; state: string}}>(await sb.ctr(['info', '-n', name, '--json'])).result
      assert.equal(info.state, 'RUNNING')
      // Inside the container's namespaces, with its own systemctl.
      const inside = (argv: string[], timeoutMs = 60_000): ReturnType<typeof run> => run(['nsenter', '-t', String(info.pid), '-a', ...argv], {timeoutMs})
      // ctr start returns once init has exec'd; systemctl needs systemd's
      // bus socket, which appears a moment later (a bounded wait on it).
      await until(async () => (await inside(['test', '-S', '/run/systemd/private'])).code === 0, 120_000, "systemd's /run/systemd/private", 200)
      const state = await inside(['systemctl', 'is-system-running', '--wait'], 5 * 60_000)
      const failed = (await inside(['systemctl', 'list-units', '--failed', '--plain', '--no-legend'])).stdout.trim().split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0] ?? l)
      if (failed.length > 0 || state.stdout.trim() !== 'running') {
        const journal = await inside(['journalctl', '-b', '--no-pager', '-p', 'warning'])
        assert.fail(`systemctl is-system-running: ${state.stdout.trim()} ${state.stderr.trim()}; failed units: ${failed.join(' ')}\n${journal.stdout.slice(-6000)}`)
      }
      const bootId = await inside(['cat', '/proc/sys/kernel/random/boot_id'])
      assert.notEqual(bootId.stdout.trim(), readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), 'a boot id of its own')
      const virt = await inside(['systemd-detect-virt', '--container'])
      assert.equal(virt.stdout.trim(), 'lxc')

      // Its eth0 got an address from the bridge's DHCP server.
      const addr = await inside(['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])
      assert.match(addr.stdout, /inet 10\.0\.3\.([2-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])\//, `eth0 has no DHCP address: ${addr.stdout}${addr.stderr}`)

      const stop = await sb.ctr(['stop', '-n', name, '-t', '120'], {netns: ns, timeoutMs: 180_000})
      assert.equal(stop.code, 0, describeResult(stop))
      stopped = true
      const last = json<{result: {state: string; lastExit: {reason: string; exitStatus: number; signal: number | null}}}>(await sb.ctr(['info', '-n', name, '--json'])).result
      assert.equal(last.state, 'STOPPED')
      assert.deepEqual(
        {reason: last.lastExit.reason, exitStatus: last.lastExit.exitStatus, signal: last.lastExit.signal},
        {reason: 'halted', exitStatus: 0, signal: null},
        'systemd halted: a clean stop, not "killed"',
      )
    } finally {
      if (!stopped) await sb.ctr(['stop', '-n', name, '-k'], {netns: ns})
      dhcp.kill('SIGTERM')
      await dhcpGone
    }
    assert.equal(sha(stored), storedSha, 'the stored config is unchanged')
    // The sandbox's cleanup checks for processes, mounts, cgroups and run
    // files left behind.
  })
})
