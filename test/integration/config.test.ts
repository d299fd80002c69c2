// Config handling end to end: errors name file:line (with a did-you-mean
// hint) in every command, keys not implemented yet make start fail by name,
// -s defines apply to one run only, the embedded default config, and what
// lxc.mount.auto and a rootfs look like from /proc/PID/mountinfo.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {WAYS, describeResult, readMountinfo, rootOnly, useSandbox, waitForFile, type MountEntry} from './helpers.js'

const T = {timeout: 60_000}

describe('config', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('conf')

  for (const via of WAYS) {
    it(`rejects an unknown key in every command with file:line and a did-you-mean hint (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('typo')
      const path = sb.writeConfig(name, `lxc.rootfs.path = dir:${sb.rootfs}\nlxc.uts.nmae = web\nlxc.init.cmd = /sbin/test-init pause\n`)
      const commands = [['start'], ['info'], ['stop'], ['wait', '-s', 'STOPPED'], ['start', '-F']]
      for (const command of commands) {
        const r = await sb.ctr([...command.slice(0, 1), '-n', name, ...command.slice(1)], {via})
        assert.equal(r.code, 1, describeResult(r))
        assert.equal(r.stdout, '')
        assert.match(r.stderr, new RegExp(`^ctr ${command[0]}: ${path}:2: .*"lxc\\.uts\\.nmae"`, 'm'), `ctr ${command.join(' ')} names file:line and the key`)
        assert.match(r.stderr, /Did you mean "lxc\.uts\.name"\?/)
      }
    })
  }

  it('refuses to start with a key it does not implement yet, naming the key and line', T, async () => {
    const sb = sandbox()
    const name = sb.name('notyet')
    const path = sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: ['lxc.sched.core = 1']})
    const line = readFileSync(path, 'utf8').split('\n').indexOf('lxc.sched.core = 1') + 1
    for (const args of [[], ['-F']]) {
      const r = await sb.ctr(['start', '-n', name, ...args])
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, new RegExp(`^ctr start: ${path}:${line}: lxc\\.sched\\.core: .*not supported`, 'm'))
    }
    // Only start refuses: the config itself is valid.
    const info = await sb.ctr(['info', '-n', name, '-c', 'lxc.sched.core', '-H'])
    assert.equal(info.code, 0, describeResult(info))
    assert.equal(info.stdout, '1\n')
  })

  it('applies -s KEY=VAL to that run only', T, async () => {
    const sb = sandbox()
    const name = sb.name('define')
    const path = sb.defineRootfs(name, {uts: 'from-file'})
    const before = readFileSync(path, 'utf8')
    const print = ['--', '/sbin/test-init', 'print', 'hostname']
    const defined = await sb.ctr(['start', '-n', name, '-F', '-s', 'lxc.uts.name=foo', ...print])
    assert.equal(defined.code, 0, describeResult(defined))
    assert.equal(defined.stdout, 'hostname foo\n')
    const plain = await sb.ctr(['start', '-n', name, '-F', ...print])
    assert.equal(plain.stdout, 'hostname from-file\n', 'the next run uses the file again')
    assert.equal(readFileSync(path, 'utf8'), before, 'nothing is saved to disk')
    // LXC trims blanks and one pair of quotes: `-s "lxc.uts.name = 'bar'"`.
    const quoted = await sb.ctr(['start', '-n', name, '-F', '-s', "lxc.uts.name = 'bar'", ...print])
    assert.equal(quoted.stdout, 'hostname bar\n')
  })

  it('locates a bad -s define by its own position among the -s options', T, async () => {
    const sb = sandbox()
    const defined = sb.name('defpos')
    sb.defineRootfs(defined)
    const owner = sb.name('defown')
    sb.defineRootfs(owner)
    const cases: string[][] = [
      // The first -s of a container with a config, of one on the embedded
      // default (ctr adds lxc.uts.name=NAME itself), and next to --share-net.
      ['-n', defined, '-s', 'lxc.bogus=1'],
      ['-n', sb.name('defdflt'), '-s', 'lxc.bogus=1', '--', sb.testInit, 'true'],
      ['-n', defined, '--share-net', owner, '-s', 'lxc.bogus=1'],
    ]
    for (const args of cases) {
      const r = await sb.ctr(['start', ...args])
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, /^ctr start: <define>:1: Unsupported config key "lxc\.bogus"$/m, `the user's first -s is define 1: ctr start ${args.join(' ')}`)
    }
  })

  it('appends list keys with -s and clears them with an empty value', T, async () => {
    const sb = sandbox()
    const name = sb.name('list')
    sb.defineRootfs(name, {extra: ['lxc.environment = A=1']})
    const env = async (defines: string[]): Promise<string[]> => {
      const r = await sb.ctr(['start', '-n', name, '-F', ...defines.flatMap((d) => ['-s', d]), '--', '/sbin/test-init', 'print', 'env'])
      assert.equal(r.code, 0, describeResult(r))
      return r.stdout.split('\n').filter((l) => l !== '').sort()
    }
    assert.deepEqual(await env([]), ['env A=1', 'env PATH=/bin:/sbin', 'env container=lxc'])
    assert.deepEqual(await env(['lxc.environment=B=2']), ['env A=1', 'env B=2', 'env PATH=/bin:/sbin', 'env container=lxc'])
    assert.deepEqual(await env(['lxc.environment=', 'lxc.environment=C=3']), ['env C=3', 'env container=lxc'])
  })

  for (const via of WAYS) {
    it(`runs a command on the embedded default config: hostname is the name, pid 1 (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('demo')
      const r = await sb.ctr(['start', '-n', name, '-F', '--', 'sh', '-c', 'hostname; echo pid $$'], {via})
      assert.equal(r.code, 0, describeResult(r))
      assert.equal(r.stdout, `${name}\npid 1\n`)
      assert.equal(r.stderr, '')
    })
  }

  it('uses -f FILE as the whole config of a volatile container', T, async () => {
    const sb = sandbox()
    const name = sb.name('volatile')
    const file = join(sb.root, `${name}.conf`)
    const {writeFileSync} = await import('node:fs')
    writeFileSync(file, `lxc.rootfs.path = dir:${sb.rootfs}\nlxc.uts.name = vol\nlxc.net.0.type = empty\nlxc.mount.auto = proc:mixed\n`)
    const r = await sb.ctr(['start', '-n', name, '-F', '-f', file, '--', '/sbin/test-init', 'print', 'hostname', 'pid'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout, 'hostname vol\npid 1\n')
    const info = await sb.ctr(['info', '-n', name, '--rcfile', file, '-c', 'lxc.uts.name'])
    assert.equal(info.code, 0, describeResult(info))
    assert.equal(info.stdout, 'lxc.uts.name = vol\n')
  })

  it('accepts a legacy key with a warning naming the modern one', T, async () => {
    const sb = sandbox()
    const name = sb.name('legacy')
    sb.writeConfig(name, `lxc.rootfs = ${sb.rootfs}\nlxc.utsname = old-style\nlxc.net.0.type = empty\nlxc.mount.auto = proc:mixed\n`)
    const r = await sb.ctr(['start', '-n', name, '-F', '--', '/sbin/test-init', 'print', 'hostname'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout, 'hostname old-style\n')
    assert.match(r.stderr, /lxc\.uts\.name/)
  })

  it('mounts /proc with /proc/sys read-only under lxc.mount.auto = proc:mixed (and sys:mixed)', T, async () => {
    const sb = sandbox()
    const name = sb.name('mixed')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const mounts = readMountinfo(await sb.initPid(name))
    const at = (point: string): MountEntry => {
      const matches = mounts.filter((m) => m.mountPoint === point)
      const top = matches.at(-1)
      assert.ok(top, `a mount on ${point} in:\n${mounts.map((m) => m.mountPoint).join('\n')}`)
      return top
    }
    assert.equal(at('/proc').fstype, 'proc')
    assert.ok(at('/proc').options.includes('rw'), '/proc itself is read-write')
    assert.equal(at('/proc/sys').fstype, 'proc')
    assert.ok(at('/proc/sys').options.includes('ro'), '/proc/sys is read-only')
    // A container with its own network namespace may still tune /proc/sys/net.
    assert.ok(at('/proc/sys/net').options.includes('rw'))
    assert.ok(at('/sys').options.includes('ro'), 'sys:mixed: /sys is read-only')
    assert.ok(at('/sys/devices/virtual/net').options.includes('rw'))
  })

  it('keeps /proc/sys writable under proc:rw (a -s define replaces the proc family)', T, async () => {
    const sb = sandbox()
    const name = sb.name('procrw')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    assert.equal((await sb.ctr(['start', '-n', name, '-s', 'lxc.mount.auto=proc:rw'])).code, 0)
    await waitForFile(ready.host)
    const mounts = readMountinfo(await sb.initPid(name))
    assert.ok(mounts.some((m) => m.mountPoint === '/proc' && m.options.includes('rw')))
    assert.ok(!mounts.some((m) => m.mountPoint === '/proc/sys'), 'no read-only /proc/sys mount')
  })

  it('shows a rootfs container only its own mounts, none of the host\'s', T, async () => {
    const sb = sandbox()
    const name = sb.name('mounts')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    await waitForFile(ready.host)
    const pid = await sb.initPid(name)
    const mounts = readMountinfo(pid)
    const list = mounts.map((m) => `${m.mountPoint} ${m.fstype} ${m.root}`).join('\n')
    const root = mounts.find((m) => m.mountPoint === '/')
    assert.ok(root, `a root mount in:\n${list}`)
    assert.equal(root.root, sb.rootfs, 'the root is the rootfs directory')
    assert.equal(mounts.filter((m) => m.mountPoint === '/').length, 1, 'the host root is not stacked below it')
    // What the container mounted itself: /, /dev, /proc..., /sys...
    for (const m of mounts) {
      assert.ok(/^\/(dev|proc|sys)?(\/|$)/.test(m.mountPoint), `only the container's own mount points, not ${m.mountPoint}:\n${list}`)
      assert.ok(!['cgroup', 'cgroup2'].includes(m.fstype), `no host cgroup mount:\n${list}`)
      // The host's /dev may lend single device nodes (/dev/console bound to
      // /dev/null), never the whole filesystem.
      if (m.fstype === 'devtmpfs') assert.ok(m.root !== '/' && m.mountPoint.startsWith('/dev/'), `no host /dev:\n${list}`)
    }
    const hostOnly = readMountinfo('self')
      .map((m) => m.mountPoint)
      .filter((p) => !['/', '/proc', '/sys', '/dev'].includes(p))
    for (const p of hostOnly) assert.ok(!mounts.some((m) => m.mountPoint === p), `the host mount ${p} is not visible:\n${list}`)
  })
})
