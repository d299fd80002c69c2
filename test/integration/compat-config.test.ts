// Config as LXC 5.0.2 treats it on the host at hand (AppArmor and SELinux
// keys skipped with a warning where the host has no such LSM, refused where
// it has one), and LXC's mount safety: a rootfs whose /proc, /sys or /dev is
// a symlink is refused for the automounts (LXC: "proc in ROOTFS/proc was a
// symbolic link!"), with the path and the fix, and nothing is mounted
// through the link.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'

import {readLsmFacts} from '../../src/sys/lsm.js'
import {buildRootfs, describeResult, mountsUnder, rootOnly, useSandbox} from './helpers.js'

const T = {timeout: 60_000}

describe('LXC mount safety: proc, sys and dev are never mounted through a symlink', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('msafe')

  // The automount that meets each link first: proc:mixed, sys:mixed, autodev.
  const cases = [
    {dir: 'proc', config: ['lxc.autodev = 0', 'lxc.mount.auto = proc:mixed']},
    {dir: 'sys', config: ['lxc.autodev = 0', 'lxc.mount.auto = proc:mixed sys:mixed']},
    {dir: 'dev', config: ['lxc.autodev = 1']},
    {dir: 'dev', config: ['lxc.autodev = 0', 'lxc.pty.max = 2']},
  ]
  for (const c of cases) {
    it(`refuses ${c.config.join(', ')} when /${c.dir} is a symlink, naming it and the fix`, T, async () => {
      const sb = sandbox()
      const name = sb.name(`link${c.dir}`)
      const rootfs = join(sb.root, `linkroot-${name}`)
      buildRootfs(rootfs)
      // /DIR -> elsewhere, a directory of the rootfs that must stay untouched.
      rmSync(join(rootfs, c.dir), {recursive: true})
      mkdirSync(join(rootfs, 'elsewhere'))
      symlinkSync('elsewhere', join(rootfs, c.dir))
      sb.writeConfig(name, [`lxc.rootfs.path = dir:${rootfs}`, 'lxc.net.0.type = empty', ...c.config, 'lxc.init.cmd = /sbin/test-init pause', ''].join('\n'))
      try {
        for (const args of [[], ['-F']]) {
          const r = await sb.ctr(['start', '-n', name, ...args])
          assert.equal(r.code, 1, describeResult(r))
          assert.match(r.stderr, new RegExp(`^ctr start: ${name}: Refusing to mount on "/${c.dir}[^"]*": "/${c.dir}" in the root filesystem is a symbolic link \\(to "elsewhere"\\)$`, 'm'), describeResult(r))
          assert.match(r.stderr, /never mounts proc, sys or dev through a symlink/)
          assert.ok(r.stderr.includes(`rm ${rootfs}/${c.dir} && mkdir ${rootfs}/${c.dir}`), describeResult(r))
          assert.deepEqual(readdirSync(join(rootfs, 'elsewhere')), [], 'nothing was created or mounted through the link')
          assert.deepEqual(mountsUnder(rootfs), [])
          const info = await sb.ctr(['info', '-n', name, '-sH'])
          assert.equal(info.stdout, 'STOPPED\n')
        }
        // The fix it names works.
        rmSync(join(rootfs, c.dir))
        mkdirSync(join(rootfs, c.dir))
        const ok = await sb.ctr(['start', '-n', name, '-F', '--', '/sbin/test-init', 'print', 'hostname'])
        assert.equal(ok.code, 0, describeResult(ok))
      } finally {
        rmSync(rootfs, {recursive: true, force: true})
      }
    })
  }

  it('still resolves an lxc.mount.entry target through a symlink inside the rootfs', T, async () => {
    const sb = sandbox()
    const name = sb.name('entrylink')
    const rootfs = join(sb.root, `linkroot-${name}`)
    buildRootfs(rootfs)
    mkdirSync(join(rootfs, 'data'))
    symlinkSync('/data', join(rootfs, 'srv'))
    const source = join(sb.root, `src-${name}`)
    mkdirSync(source)
    renameSync(join(rootfs, 'etc/group'), join(source, 'group'))
    sb.writeConfig(name, [`lxc.rootfs.path = dir:${rootfs}`, 'lxc.net.0.type = empty', 'lxc.mount.auto = proc:mixed sys:mixed', `lxc.mount.entry = ${source} srv/x none bind,create=dir 0 0`, ''].join('\n'))
    try {
      const r = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/ls', '/data/x'])
      assert.equal(r.code, 0, describeResult(r))
      assert.equal(r.stdout, 'group\n', 'srv -> /data resolved inside the root, as the container sees it')
    } finally {
      rmSync(rootfs, {recursive: true, force: true})
      rmSync(source, {recursive: true, force: true})
    }
  })
})

describe('AppArmor and SELinux keys as LXC 5.0.2 treats them on this host', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('lsm')
  const lsm = readLsmFacts()
  const LINES = [
    'lxc.apparmor.profile = generated',
    'lxc.apparmor.allow_nesting = 1',
    'lxc.apparmor.allow_incomplete = 1',
    'lxc.apparmor.raw = mount,',
    'lxc.selinux.context = system_u:system_r:lxc_t:s0:c22',
  ]

  it(`without AppArmor: skips the profile, nesting, allow_incomplete and raw rules with a warning naming file:line${lsm.apparmor ? ' (skipped: this host has AppArmor)' : ''}`, {...T, skip: lsm.apparmor ? 'this host has AppArmor: LXC would apply the profile here, so ctr refuses it (tested below)' : false}, async () => {
    const sb = sandbox()
    const name = sb.name('noaa')
    const config = sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: LINES.slice(0, 4)})
    const line = (key: string): number => readFileSync(config, 'utf8').split('\n').findIndex((l) => l.startsWith(key)) + 1
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 0, describeResult(r))
    assert.ok(r.stderr.includes(`ctr start: ${config}:${line('lxc.apparmor.profile')}: lxc.apparmor.profile: this host has no AppArmor, so the profile "generated" is not applied (LXC skips it too)\n`), describeResult(r))
    for (const key of ['lxc.apparmor.allow_nesting', 'lxc.apparmor.allow_incomplete', 'lxc.apparmor.raw']) {
      assert.match(r.stderr, new RegExp(`^ctr start: ${config}:${line(key)}: ${key.replace(/\./g, '\\.')}: this host has no AppArmor, so .* is not applied \\(LXC skips it too\\)$`, 'm'))
    }
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
    const stop = await sb.ctr(['stop', '-n', name, '-k'])
    assert.equal(stop.code, 0, describeResult(stop))
    const quiet = await sb.ctr(['start', '-n', name, '--json'])
    assert.equal(quiet.code, 0, describeResult(quiet))
    const out = JSON.parse(quiet.stdout) as {warnings: string[]}
    assert.equal(out.warnings.filter((w) => w.includes('this host has no AppArmor')).length, 4, quiet.stdout)
  })

  it(`without SELinux: skips lxc.selinux.context with a warning${lsm.selinux ? ' (skipped: this host has SELinux)' : ''}`, {...T, skip: lsm.selinux ? 'this host has SELinux: LXC would apply the context here, so ctr refuses it (tested below)' : false}, async () => {
    const sb = sandbox()
    const name = sb.name('nose')
    const config = sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: [LINES[4] ?? '']})
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 0, describeResult(r))
    assert.match(r.stderr, new RegExp(`^ctr start: ${config}:\\d+: lxc\\.selinux\\.context: this host has no SELinux, so the context "system_u:system_r:lxc_t:s0:c22" is not applied \\(LXC skips it too\\)$`, 'm'))
  })

  it('refuses, naming file:line, what it cannot apply where the LSM is there', {...T, skip: !lsm.apparmor && !lsm.selinux ? 'this host has neither AppArmor nor SELinux (the skips are tested above)' : false}, async () => {
    const sb = sandbox()
    const name = sb.name('lsmon')
    const config = sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: lsm.apparmor ? LINES.slice(0, 1) : LINES.slice(4)})
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, new RegExp(`^ctr start: ${config}:\\d+: lxc\\.(apparmor\\.profile|selinux\\.context): ctr does not apply`, 'm'))
  })
})
