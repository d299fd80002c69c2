// `ctr info`: lxc-info's layouts (labels in 15 columns, bare values under
// -H, `KEY = VALUE` for -c), --json, and one test per row of
// docs/lxc-contract.md §3.2.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {join} from 'node:path'

import {WAYS, describeResult, infoLine, json, rootOnly, useSandbox, waitForFile} from './helpers.js'

const T = {timeout: 60_000}

// ip(8) from iproute2, and veth pairs in a new network namespace.
function ipSkip(): string | false {
  const r = spawnSync('unshare', ['--net', 'sh', '-c', 'ip link add ctrp0 type veth peer name ctrp1'], {encoding: 'utf8'})
  if (r.error) return `needs unshare(1): ${r.error.message}`
  return r.status === 0 ? false : `needs ip(8) and veth pairs in a network namespace: ${r.stderr.trim()}`
}
const IP_SKIP = ipSkip()

interface InfoJson {
  status: number
  result: {
    name: string
    state: string
    running: boolean
    defined: boolean
    pid: number | null
    monitorPid: number | null
    stats?: unknown
    ips: string[]
    config?: Record<string, string | null>
    lastExit?: {reason: string; exitStatus: number; exitCode: number | null; signal: number | null; initPid: number}
  }
}

describe('info layouts', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('info')

  for (const via of WAYS) {
    it(`prints Name, State and PID in 15-column labels, and bare values with -H (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('lay')
      sb.defineRootfs(name, {init: '/sbin/test-init pause'})
      const opts = {via}

      const stopped = await sb.ctr(['info', '-n', name], opts)
      assert.equal(stopped.code, 0, describeResult(stopped))
      assert.equal(stopped.stdout, `${infoLine('Name:', name)}\n${infoLine('State:', 'STOPPED')}\n`, 'a stopped container shows only Name and State')

      assert.equal((await sb.ctr(['start', '-n', name], opts)).code, 0)
      const pid = await sb.initPid(name)
      const running = await sb.ctr(['info', '-n', name], opts)
      assert.equal(running.code, 0, describeResult(running))
      const lines = running.stdout.split('\n')
      assert.deepEqual(lines.slice(0, 3), [infoLine('Name:', name), infoLine('State:', 'RUNNING'), infoLine('PID:', String(pid))])
      assert.equal(lines.at(-1), '', 'every line ends with a newline')
      for (const line of lines.slice(0, -1)) assert.match(line, /^[ A-Za-z]+:\s*\S/, 'lxc-info\'s label layout')
      assert.ok(!lines.some((l) => l.startsWith('IP:')), 'a loopback-only container has no IP line')

      const cases: Array<[string[], string]> = [
        [['-sH'], 'RUNNING\n'],
        [['-pH'], `${pid}\n`],
        [['-H', '-p'], `${pid}\n`],
        [['-s'], `${infoLine('State:', 'RUNNING')}\n`],
        [['-p'], `${infoLine('PID:', String(pid))}\n`],
        // Bare values need exactly one of -s/-p/-i (LXC's filter_count).
        [['-s', '-p', '-H'], `${infoLine('State:', 'RUNNING')}\n${infoLine('PID:', String(pid))}\n`],
        [['-s', '-s', '-H'], `${infoLine('State:', 'RUNNING')}\n`],
        [['-iH'], ''],
      ]
      for (const [flags, expected] of cases) {
        const r = await sb.ctr(['info', '-n', name, ...flags], opts)
        assert.equal(r.code, 0, describeResult(r))
        assert.equal(r.stdout, expected, `ctr info ${flags.join(' ')}`)
        assert.equal(r.stderr, '')
      }
    })

    it(`prints -c KEY as "KEY = VALUE", "KEY =" when empty, the bare value with one -c and -H (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('cfg')
      sb.defineRootfs(name, {uts: 'web-1', extra: ['lxc.environment = A=1', 'lxc.environment = B=2']})
      const opts = {via}
      const r = await sb.ctr(['info', '-n', name, '-c', 'lxc.uts.name', '-c', 'lxc.init.cwd', '-c', 'lxc.rootfs.path'], opts)
      assert.equal(r.code, 0, describeResult(r))
      assert.equal(r.stdout, `lxc.uts.name = web-1\nlxc.init.cwd =\nlxc.rootfs.path = ${sb.rootfs}\n`)

      const bare = await sb.ctr(['info', '-n', name, '-c', 'lxc.uts.name', '-H'], opts)
      assert.equal(bare.stdout, 'web-1\n')
      const twoBare = await sb.ctr(['info', '-n', name, '-H', '-c', 'lxc.uts.name', '-c', 'lxc.init.cwd'], opts)
      assert.equal(twoBare.stdout, 'lxc.uts.name = web-1\nlxc.init.cwd =\n', '-H with two -c keeps the KEY = form')

      // After the state: -c lines come last.
      const withState = await sb.ctr(['info', '-n', name, '-s', '-c', 'lxc.uts.name'], opts)
      assert.equal(withState.stdout, `${infoLine('State:', 'STOPPED')}\nlxc.uts.name = web-1\n`)

      // A list key: one line per value (LXC's extra blank line after it).
      const list = await sb.ctr(['info', '-n', name, '-c', 'lxc.environment'], opts)
      assert.equal(list.code, 0)
      assert.match(list.stdout, /^lxc\.environment = PATH=\/bin:\/sbin\nA=1\nB=2\n/)
    })

    it(`reports an invalid -c key on stderr and still exits 0 (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('badkey')
      sb.defineRootfs(name, {uts: 'h1'})
      const r = await sb.ctr(['info', '-n', name, '-c', 'lxc.bogus', '-c', 'lxc.uts.name'], {via})
      assert.equal(r.code, 0, describeResult(r))
      assert.equal(r.stderr, 'lxc.bogus invalid\n')
      assert.equal(r.stdout, 'lxc.uts.name = h1\n')
    })

    it(`says "<name> doesn't exist" and exits 1 for an unknown container (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('nope')
      const r = await sb.ctr(['info', '-n', name], {via})
      assert.equal(r.code, 1, describeResult(r))
      assert.equal(r.stdout, '')
      assert.equal(r.stderr.split('\n')[0], `${name} doesn't exist`, 'printed bare, like lxc-info')
    })
  }

  it('--json has state and pid, and after a stop how the container ended', T, async () => {
    const sb = sandbox()
    const name = sb.name('json')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside} --exit-on SIGPWR:5`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const up = json<InfoJson>(await sb.ctr(['info', '-n', name, '--json']))
    assert.equal(up.status, 0)
    assert.equal(up.result.state, 'RUNNING')
    assert.equal(up.result.running, true)
    assert.equal(up.result.pid, await sb.initPid(name))
    assert.equal(typeof up.result.monitorPid, 'number')

    assert.equal((await sb.ctr(['stop', '-n', name])).code, 0)
    const halted = json<InfoJson>(await sb.ctr(['info', '-n', name, '--json']))
    assert.equal(halted.result.state, 'STOPPED')
    // The same keys as while running: null where a fact does not apply (docs/json.md).
    assert.equal(halted.result.pid, null)
    assert.equal(halted.result.stats, null)
    assert.equal(halted.result.lastExit?.reason, 'exited')
    assert.equal(halted.result.lastExit?.exitStatus, 5)
    assert.equal(halted.result.lastExit?.exitCode, 5)
    assert.equal(halted.result.lastExit?.initPid, up.result.pid)

    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
    const killed = json<InfoJson>(await sb.ctr(['info', '-n', name, '--json']))
    assert.deepEqual(
      [killed.result.lastExit?.reason, killed.result.lastExit?.exitStatus, killed.result.lastExit?.exitCode, killed.result.lastExit?.signal],
      ['killed', 137, null, 9],
    )
  })

  it('--json with -c gives the values, null for an invalid key', T, async () => {
    const sb = sandbox()
    const name = sb.name('jsonc')
    sb.defineRootfs(name, {uts: 'h2'})
    const r = json<InfoJson>(await sb.ctr(['info', '-n', name, '--json', '-c', 'lxc.uts.name', '-c', 'lxc.bogus']))
    assert.deepEqual(r.result.config, {'lxc.uts.name': 'h2', 'lxc.bogus': null})
  })

  // Only addresses the test made, in a network namespace of its own (never
  // the host's interfaces: an lxcbr0 there must not change the result).
  it('lists the addresses of the container\'s network namespace with -i (a namespace the test made)', {...T, skip: IP_SKIP}, async () => {
    const sb = sandbox()
    const name = sb.name('ips')
    const ready = join(sb.root, `${name}.netns`)
    const script = [
      'ip link add ctrt0 type veth peer name ctrt1', 'ip link set ctrt1 up', 'ip addr add 10.250.7.2/24 dev ctrt0', 'ip -6 addr add fd00:250:7::2/64 dev ctrt0 nodad',
      'ip link set ctrt0 up', 'ip link set lo up', `echo up > ${ready}`, 'exec sleep 600',
    ].join(' && ')
    const holder = spawn('unshare', ['--net', 'sh', '-c', script], {stdio: 'ignore'})
    const closed = new Promise((resolve) => holder.once('close', resolve))
    try {
      await waitForFile(ready)
      sb.writeConfig(name, [`lxc.rootfs.path = dir:${sb.rootfs}`, `lxc.namespace.share.net = ${holder.pid}`, 'lxc.mount.auto = proc:mixed', 'lxc.init.cmd = /sbin/test-init pause', ''].join('\n'))
      assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
      const r = await sb.ctr(['info', '-n', name, '-iH'])
      assert.equal(r.code, 0, describeResult(r))
      const got = r.stdout.split('\n').filter((l) => l !== '')
      // Every non-loopback IPv4 address and every IPv6 address of scope 0 (no link-local fe80::).
      assert.deepEqual([...got].sort(), ['10.250.7.2', 'fd00:250:7::2'], describeResult(r))
      const labelled = await sb.ctr(['info', '-n', name, '-i'])
      assert.deepEqual(labelled.stdout.split('\n').filter((l) => l !== ''), got.map((ip) => infoLine('IP:', ip)))
    } finally {
      // The namespace holder is ours, by pid.
      holder.kill('SIGKILL')
      await closed
    }
  })
})

// docs/lxc-contract.md §3.2, one test per row.
describe('info exit status (§3.2)', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('irow')

  it('defined (config file exists): 0, even when nothing is printed', T, async () => {
    const sb = sandbox()
    const name = sb.name('def')
    sb.defineRootfs(name)
    const r = await sb.ctr(['info', '-n', name, '-p'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout, '', '-p on a stopped container prints nothing')
  })

  it('running without a config file (embedded default): 0', T, async () => {
    const sb = sandbox()
    const name = sb.name('run')
    assert.equal((await sb.ctr(['start', '-n', name, '--', sb.testInit, 'pause'])).code, 0)
    const r = await sb.ctr(['info', '-n', name, '-sH'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout, 'RUNNING\n')
  })

  it('neither defined nor running: 1, "<name> doesn\'t exist"', T, async () => {
    const sb = sandbox()
    const name = sb.name('none')
    const r = await sb.ctr(['info', '-n', name, '-sH'])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, new RegExp(`^${name} doesn't exist$`, 'm'))
  })

  it('config load failure: 1, naming the file and line', T, async () => {
    const sb = sandbox()
    const name = sb.name('bad')
    const path = sb.writeConfig(name, 'lxc.uts.name = a\nlxc.uts.nmae = b\n')
    const r = await sb.ctr(['info', '-n', name])
    assert.equal(r.code, 1, describeResult(r))
    assert.equal(r.stdout, '')
    assert.match(r.stderr, new RegExp(`${path}:2`))
  })

  it('--rcfile unreadable: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('rc')
    const r = await sb.ctr(['info', '-n', name, '--rcfile', join(sb.root, 'no-such.conf')])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /Failed to load rcfile/)
  })

  it('privilege: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('priv')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const r = await sb.ctr(['info', '-n', name], {uid: 65534, gid: 65534})
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /EACCES/)
  })
})
