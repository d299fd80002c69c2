// Config as LXC 5.0.2 treats it on the host at hand (AppArmor and SELinux
// keys skipped with a warning where the host has no such LSM, refused where
// it has one), and LXC's mount safety: a rootfs whose /proc, /sys or /dev is
// a symlink is refused for the automounts (LXC: "proc in ROOTFS/proc was a
// symbolic link!"), with the path and the fix, and nothing is mounted
// through the link.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'

import {readLsmFacts} from '../../src/sys/lsm.js'
import {PURE_LAYOUT, ctrInNewMountNs} from './cgroup-helpers.js'
import {buildRootfs, describeResult, mountsUnder, rootOnly, useSandbox, type CtrResult} from './helpers.js'

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

// common.conf's device rules: deny everything, allow mknod and the usual
// nodes. /dev/kmsg (c 1:11) is not among them: opening it must fail with
// EPERM, whichever mechanism enforces the rules.
const DEVICE_RULES = (family: 'lxc.cgroup' | 'lxc.cgroup2'): string[] => [
  `${family}.devices.deny = a`,
  `${family}.devices.allow = c *:* m`,
  `${family}.devices.allow = b *:* m`,
  ...['1:3', '1:5', '1:7', '5:0', '5:1', '5:2', '1:8', '1:9', '136:*', '10:229'].map((n) => `${family}.devices.allow = c ${n} rwm`),
]

// Reads /dev/null, makes a /dev/kmsg node (mknod is allowed) and opens it.
const PROBE = (node: string): string[] => ['--', '/bin/sh', '-c', `head -c 1 /dev/null && echo null-ok; mknod ${node} c 1 11 && echo mknod-ok; head -c 1 ${node} >/dev/null; echo "open=$?"`]

describe('device rules as LXC applies them (lxc.cgroup.devices on v1, a BPF program on cgroup2)', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('devs')
  const v1Devices = existsSync('/sys/fs/cgroup/devices/devices.allow')
  const unified = existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : existsSync('/sys/fs/cgroup/cgroup.procs') && !v1Devices ? '/sys/fs/cgroup' : undefined

  function check(r: CtrResult): void {
    assert.equal(r.code, 0, describeResult(r))
    assert.match(r.stdout, /^null-ok\nmknod-ok\nopen=1\n$/, describeResult(r))
    assert.match(r.stderr, /kmsg.*Operation not permitted/, describeResult(r))
  }

  it(`hybrid: applies the v1 rules and skips the cgroup2 ones with file:line, as LXC${v1Devices && unified ? '' : ' (skipped)'}`, {...T, skip: v1Devices && unified ? false : 'needs a hybrid host: the devices controller on v1 and cgroup2 mounted'}, async () => {
    const sb = sandbox()
    const name = sb.name('hybrid')
    const config = sb.defineRootfs(name, {extra: [...DEVICE_RULES('lxc.cgroup'), ...DEVICE_RULES('lxc.cgroup2')]})
    const node = `/tmp/${name}.kmsg`
    try {
      const r = await sb.ctr(['start', '-n', name, '-F', ...PROBE(node)])
      check(r)
      const lines = readFileSync(config, 'utf8').split('\n')
      const first = lines.findIndex((l) => l.startsWith('lxc.cgroup2.devices')) + 1
      assert.ok(r.stderr.includes(`ctr start: ${config}:${first}: lxc.cgroup2.devices.deny: skipped: the devices controller is cgroup v1 here, where the lxc.cgroup.devices rules apply (LXC ignores cgroup2 keys on such a host too)\n`), describeResult(r))
      assert.equal(r.stderr.split('\n').filter((l) => l.includes(': skipped: ')).length, 13)
    } finally {
      rmSync(join(sb.rootfs, node), {force: true})
    }
  })

  it(`hybrid, cgroup2 rules only: enforces them with the BPF program on the container's cgroup2 directory (LXC would drop them)${unified ? '' : ' (skipped)'}`, {...T, skip: unified ? false : 'needs cgroup2 mounted'}, async () => {
    const sb = sandbox()
    const name = sb.name('v2only')
    sb.defineRootfs(name, {extra: DEVICE_RULES('lxc.cgroup2')})
    const node = `/tmp/${name}.kmsg`
    try {
      const r = await sb.ctr(['start', '-n', name, '-F', ...PROBE(node)])
      check(r)
      assert.doesNotMatch(r.stderr, /skipped/)
    } finally {
      rmSync(join(sb.rootfs, node), {force: true})
    }
  })

  it(`pure cgroup2 (a private mount namespace with only cgroup2): the cgroup2 rules as a BPF program, the v1 ones skipped${unified ? '' : ' (skipped)'}`, {...T, skip: unified ? false : 'needs cgroup2 mounted'}, async () => {
    const sb = sandbox()
    const name = sb.name('purev2')
    const config = sb.defineRootfs(name, {extra: ['lxc.namespace.clone = mnt uts ipc net', ...DEVICE_RULES('lxc.cgroup'), ...DEVICE_RULES('lxc.cgroup2')]})
    const node = `/tmp/${name}.kmsg`
    try {
      const r = await ctrInNewMountNs(sb, PURE_LAYOUT.v2, ['start', '-n', name, '-F', ...PROBE(node)])
      check(r)
      assert.ok(r.stderr.includes(`ctr start: ${config}:`), describeResult(r))
      assert.match(r.stderr, /lxc\.cgroup\.devices\.deny: skipped: this host has no cgroup v1 devices controller: the lxc\.cgroup2\.devices rules apply, as a BPF program/)
      // Without rules nothing is denied: the same probe opens /dev/kmsg.
      const open = sb.name('open')
      sb.defineRootfs(open, {extra: ['lxc.namespace.clone = mnt uts ipc net']})
      const free = await ctrInNewMountNs(sb, PURE_LAYOUT.v2, ['start', '-n', open, '-F', ...PROBE(`/tmp/${open}.kmsg`)])
      rmSync(join(sb.rootfs, `/tmp/${open}.kmsg`), {force: true})
      assert.match(free.stdout, /open=0\n$/, describeResult(free))
    } finally {
      rmSync(join(sb.rootfs, node), {force: true})
    }
  })

  it('refuses a device rule LXC cannot parse, naming file:line', T, async () => {
    const sb = sandbox()
    const name = sb.name('badrule')
    const config = sb.defineRootfs(name, {extra: ['lxc.cgroup2.devices.allow = c 1:3 rwx']})
    const r = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/true'])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, new RegExp(`^ctr start: ${config}:\\d+: lxc\\.cgroup2\\.devices\\.allow: Invalid device rule "c 1:3 rwx"`, 'm'))
  })
})
