// What `ctr create` writes (core/templates): the busybox template's rootfs
// plan and config lines, the composed config file, the static-ELF check and
// the id shift for user namespaces. Pure: no files are read or written.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {lexConfig} from '../../src/core/config/lexer.js'
import {buildContainerConfig, type ContainerConfig} from '../../src/core/config/model.js'
import {CtrError} from '../../src/core/errors.js'
import {unsupportedFeatures} from '../../src/core/start-plan.js'
import {
  BUSYBOX_TREE,
  CTR_CAP_DROP,
  INITTAB,
  LXC_COMMON_CAP_DROP,
  RCK,
  RCS,
  busyboxConfig,
  busyboxRootfs,
  parseAppletList,
  parseBusyboxArgs,
  type BusyboxConfigOptions,
} from '../../src/core/templates/busybox.js'
import {elfLinkage} from '../../src/core/templates/elf.js'
import {hostIdFor, idShift} from '../../src/core/templates/idmap.js'
import {chooseTemplate, composeConfigText, rootfsLine, type RootfsEntry} from '../../src/core/templates/index.js'
import {describeRootMap, findSubidRange, isUnprivileged, unprivilegedMaps} from '../../src/core/templates/subid.js'

const SIGUSR1 = 10
const SIGTERM = 15
const PROFILE = '/usr/lib/node_modules/ctr/config/default.seccomp'
const PLAIN: BusyboxConfigOptions = {seedKeepsCaps: false, seedHasSeccomp: false, seccompProfile: PROFILE}

function parseConfig(text: string): ContainerConfig {
  return buildContainerConfig(lexConfig(text, 'config').entries, {env: {}}).config
}

function busyboxText(seed?: string, name = 'web'): string {
  const seedConfig = seed === undefined ? undefined : parseConfig(seed)
  return composeConfigText({
    template: 'busybox',
    templateArgs: [],
    seed: seed === undefined ? undefined : {label: 'lxc.default_config /etc/ctr/default.conf', text: seed},
    lines: [
      rootfsLine(`/var/lib/ctr/${name}/rootfs`),
      ...busyboxConfig(name, {...PLAIN, seedKeepsCaps: seedConfig?.used.has('lxc.cap.keep') ?? false, seedHasSeccomp: seedConfig?.seccomp.profile !== undefined}),
    ],
  })
}

describe('busybox template config', () => {
  it('writes only keys ctr can start today', () => {
    const config = parseConfig(busyboxText())
    assert.deepEqual(unsupportedFeatures(config), [])
  })

  it('makes busybox init answer ctr stop and ctr stop -r (SIGUSR1 halts, SIGTERM reboots), as lxc-busybox does', () => {
    const config = parseConfig(busyboxText())
    assert.equal(config.signals.halt, SIGUSR1)
    assert.equal(config.signals.reboot, SIGTERM)
    assert.equal(config.utsName, 'web')
    assert.equal(config.rootfs.path, '/var/lib/ctr/web/rootfs')
    assert.equal(config.rootfs.type, 'dir')
    assert.equal(config.autodev, true)
    assert.deepEqual([config.mountAuto.proc, config.mountAuto.sys, config.mountAuto.cgroup?.mode], ['mixed', 'ro', 'mixed'])
    assert.equal(config.ptyMax, 1)
  })

  it('leaves out what ctr cannot start yet or does not need: ttys, consoles, AppArmor', () => {
    const keys = busyboxConfig('web', PLAIN).map((l) => l.key)
    for (const key of ['lxc.tty.max', 'lxc.console.path', 'lxc.apparmor.profile', 'lxc.net.0.type']) {
      assert.ok(!keys.includes(key), `${key} is written`)
    }
  })

  it('mounts /dev/shm and /dev/mqueue with lxc.mount.entry, as lxc-busybox does (root inside cannot mount)', () => {
    const config = parseConfig(busyboxText())
    assert.deepEqual(
      config.mountEntries.map((e) => [e.source, e.target, e.fstype, e.createDir]),
      [
        ['shm', 'dev/shm', 'tmpfs', true],
        ['mqueue', 'dev/mqueue', 'mqueue', true],
      ],
    )
    assert.ok(config.mountEntries[1]?.optional, 'mqueue is optional, as in lxc-busybox')
  })

  it("drops LXC's common.conf capabilities and ctr's (sys_admin, dac_read_search, mknod, ...), but keeps sys_boot for halt", () => {
    const config = parseConfig(busyboxText())
    const dropped = config.caps.drop.map((c) => c.name)
    for (const cap of [...LXC_COMMON_CAP_DROP.split(' '), ...CTR_CAP_DROP.split(' ')]) assert.ok(dropped.includes(cap), `${cap} is dropped`)
    for (const cap of ['sys_admin', 'dac_read_search', 'mknod', 'sys_module', 'sys_rawio']) assert.ok(dropped.includes(cap), cap)
    assert.ok(!dropped.includes('sys_boot'), 'busybox init halts with reboot(2)')
    assert.ok(!dropped.includes('sys_chroot') && !dropped.includes('setuid'), 'what a system inside needs stays')
  })

  it("loads ctr's seccomp denylist, unless the seed names a profile of its own", () => {
    assert.equal(parseConfig(busyboxText()).seccomp.profile, PROFILE)
    const own = parseConfig(busyboxText('lxc.seccomp.profile = /etc/ctr/mine.seccomp\n'))
    assert.equal(own.seccomp.profile, '/etc/ctr/mine.seccomp')
    assert.ok(!busyboxConfig('web', {...PLAIN, seedHasSeccomp: true}).some((l) => l.key === 'lxc.seccomp.profile'))
  })

  it('keeps the seed\'s lxc.cap.keep instead of adding lxc.cap.drop (LXC refuses both)', () => {
    assert.ok(busyboxConfig('web', PLAIN).some((l) => l.key === 'lxc.cap.drop'))
    assert.ok(!busyboxConfig('web', {...PLAIN, seedKeepsCaps: true}).some((l) => l.key === 'lxc.cap.drop'))
    const config = parseConfig(busyboxText('lxc.cap.keep = sys_admin sys_boot kill setuid setgid\n'))
    assert.ok(config.used.has('lxc.cap.keep'))
  })

  it('lets list keys of the seed add up and the template win scalars, as appending does in LXC', () => {
    const config = parseConfig(busyboxText('lxc.uts.name = seeded\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\nlxc.net.0.type = empty'))
    assert.equal(config.utsName, 'web')
    assert.equal(config.idmaps.length, 2)
    assert.equal(config.nets[0]?.type, 'empty')
    assert.deepEqual(unsupportedFeatures(config), [])
  })
})

describe('composeConfigText', () => {
  it('writes a header, the seed verbatim, then the template lines', () => {
    const text = composeConfigText({
      template: 'busybox',
      templateArgs: ['--busybox-path', '/opt/bb'],
      seed: {label: '-f ./seed.conf', text: '# mine\nlxc.net.0.type = empty'},
      lines: [{key: 'lxc.uts.name', value: 'web'}],
    })
    assert.equal(
      text,
      [
        '# Template used to create this container: busybox (built into ctr)',
        '# Parameters passed to the template: --busybox-path /opt/bb',
        '# For the keys, see lxc.container.conf(5) and the ctr README',
        '',
        '# From -f ./seed.conf:',
        '# mine',
        'lxc.net.0.type = empty',
        '',
        '# From the busybox template:',
        'lxc.uts.name = web',
        '',
      ].join('\n'),
    )
  })

  it('writes a config-only file for none with nothing to add', () => {
    const text = composeConfigText({template: 'none', templateArgs: [], seed: undefined, lines: []})
    assert.equal(parseConfig(text).entries.length, 0)
    assert.match(text, /^# Template used to create this container: none/)
  })

  it('puts the lines an option adds (--unprivileged) between the seed and the template', () => {
    const text = composeConfigText({
      template: 'busybox',
      templateArgs: [],
      seed: {label: '-f ./seed.conf', text: 'lxc.net.0.type = empty\n'},
      added: {label: 'From --unprivileged (subordinate ids in /etc/subuid and\n/etc/subgid)', lines: [{key: 'lxc.idmap', value: 'u 0 100000 65536'}]},
      lines: [{key: 'lxc.uts.name', value: 'web'}],
    })
    const body = text.split('\n').slice(3)
    assert.deepEqual(body, [
      '',
      '# From -f ./seed.conf:',
      'lxc.net.0.type = empty',
      '',
      '# From --unprivileged (subordinate ids in /etc/subuid and /etc/subgid):',
      'lxc.idmap = u 0 100000 65536',
      '',
      '# From the busybox template:',
      'lxc.uts.name = web',
      '',
    ])
  })

  it('keeps a label with a line break on its comment line (a -f path cannot add a key)', () => {
    const text = composeConfigText({template: 'none', templateArgs: [], seed: {label: '-f /x\nlxc.hook.pre-start = /evil', text: ''}, lines: []})
    assert.equal(parseConfig(text).entries.length, 0)
  })

  it('refuses a value that would become a second line', () => {
    assert.throws(() => composeConfigText({template: 'none', templateArgs: [], seed: undefined, lines: [rootfsLine('/a\nlxc.hook.pre-start = /evil')]}), CtrError)
  })
})

describe('busybox rootfs plan', () => {
  const plan = busyboxRootfs('/bin/busybox', ['[', 'ls', 'sh', 'init', 'busybox', 'syslogd', '..', 'a/b', 'mountpoint', 'sh', ''])
  const byPath = new Map<string, RootfsEntry>(plan.map((e) => [e.path, e]))

  it("builds lxc-busybox's directory tree, parents first, /tmp sticky", () => {
    const dirs = plan.filter((e) => e.kind === 'dir').map((e) => e.path)
    for (const dir of BUSYBOX_TREE) assert.ok(dirs.includes(dir), `${dir} missing`)
    dirs.forEach((dir, i) => {
      const parent = dir.split('/').slice(0, -1).join('/')
      if (parent !== '') assert.ok(dirs.indexOf(parent) < i && dirs.indexOf(parent) >= 0, `${parent} after ${dir}`)
    })
    assert.equal(new Set(dirs).size, dirs.length)
    assert.deepEqual(byPath.get('tmp'), {kind: 'dir', path: 'tmp', mode: 0o1777})
    assert.deepEqual(byPath.get('usr/bin'), {kind: 'dir', path: 'usr/bin', mode: 0o755})
  })

  it('copies busybox, links every applet to it in /bin, and hard-links /sbin/init', () => {
    assert.deepEqual(byPath.get('bin/busybox'), {kind: 'copy', path: 'bin/busybox', mode: 0o755, source: '/bin/busybox'})
    const links = plan.filter((e) => e.kind === 'symlink')
    assert.deepEqual(links.map((l) => l.path), ['bin/[', 'bin/ls', 'bin/sh', 'bin/init', 'bin/syslogd', 'bin/mountpoint'])
    assert.ok(links.every((l) => l.kind === 'symlink' && l.target === 'busybox'))
    const init = plan.findIndex((e) => e.path === 'sbin/init')
    assert.deepEqual(plan[init], {kind: 'hardlink', path: 'sbin/init', target: 'bin/busybox'})
    assert.ok(init > plan.findIndex((e) => e.path === 'bin/busybox'), 'the link comes after the copy')
  })

  it('writes users, an inittab with sysinit, respawn and shutdown actions, and boot scripts', () => {
    assert.deepEqual(byPath.get('etc/passwd'), {kind: 'file', path: 'etc/passwd', mode: 0o644, content: 'root:x:0:0:root:/root:/bin/sh\n'})
    assert.equal((byPath.get('etc/group') as {content: string}).content, 'root:x:0:\n')
    assert.deepEqual(byPath.get('etc/shadow'), {kind: 'file', path: 'etc/shadow', mode: 0o600, content: 'root:*::0:::::\n'})
    const actions = INITTAB.split('\n').filter((l) => l !== '' && !l.startsWith('#'))
    assert.deepEqual(actions, ['::sysinit:/etc/init.d/rcS', '::respawn:/bin/syslogd -n', '::shutdown:/etc/init.d/rcK'])
    for (const [path, text] of [['etc/init.d/rcS', RCS], ['etc/init.d/rcK', RCK]] as const) {
      assert.deepEqual(byPath.get(path), {kind: 'file', path, mode: 0o744, content: text})
      assert.ok(text.startsWith('#!/bin/sh\n'))
    }
    // Root inside has no CAP_SYS_ADMIN: the boot must not need to mount.
    assert.doesNotMatch(RCS, /^\s*[^#\s].*\bmount\b/m)
    assert.ok(byPath.has('etc/fstab'), 'an empty /etc/fstab, as lxc-busybox writes')
  })

  it('makes nothing set-id (lxc-busybox makes busybox setuid root)', () => {
    for (const e of plan) if (e.kind !== 'symlink' && e.kind !== 'hardlink') assert.equal(e.mode & 0o6000, 0, e.path)
  })

  it('parses busybox --list output', () => {
    assert.deepEqual(parseAppletList('[\n[[\nacpid\n\n  ls \n'), ['[', '[[', 'acpid', 'ls'])
  })

  it('takes --busybox-path as lxc-busybox does', () => {
    assert.deepEqual(parseBusyboxArgs([]), {busyboxPath: undefined})
    assert.deepEqual(parseBusyboxArgs(['--busybox-path', '/x']), {busyboxPath: '/x'})
    assert.throws(() => parseBusyboxArgs(['--busybox-path', '']), CtrError)
    assert.deepEqual(chooseTemplate('busybox', ['--busybox-path=/y']), {name: 'busybox', busyboxPath: '/y'})
    assert.deepEqual(chooseTemplate('none', []), {name: 'none'})
  })
})

// A minimal ELF header plus program headers: enough for elfLinkage.
function elf(opts: {bits: 32 | 64; little?: boolean; types: number[]}): Uint8Array {
  const is64 = opts.bits === 64
  const little = opts.little ?? true
  const ehsize = is64 ? 64 : 52
  const phentsize = is64 ? 56 : 32
  const bytes = new Uint8Array(ehsize + phentsize * opts.types.length)
  const view = new DataView(bytes.buffer)
  bytes.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, little ? 1 : 2, 1])
  if (is64) view.setBigUint64(32, BigInt(ehsize), little)
  else view.setUint32(28, ehsize, little)
  view.setUint16(is64 ? 54 : 42, phentsize, little)
  view.setUint16(is64 ? 56 : 44, opts.types.length, little)
  opts.types.forEach((type, i) => view.setUint32(ehsize + i * phentsize, type, little))
  return bytes
}

describe('elfLinkage', () => {
  const PT_LOAD = 1
  const PT_DYNAMIC = 2
  const PT_INTERP = 3
  it('tells static from dynamic programs (an interpreter is what needs libraries)', () => {
    assert.equal(elfLinkage(elf({bits: 64, types: [PT_LOAD, PT_LOAD]})), 'static')
    assert.equal(elfLinkage(elf({bits: 64, types: [PT_LOAD, PT_DYNAMIC]})), 'static', 'static-pie')
    assert.equal(elfLinkage(elf({bits: 64, types: [PT_LOAD, PT_INTERP, PT_DYNAMIC]})), 'dynamic')
    assert.equal(elfLinkage(elf({bits: 32, types: [PT_INTERP]})), 'dynamic')
    assert.equal(elfLinkage(elf({bits: 32, little: false, types: [PT_LOAD]})), 'static')
  })

  it('says not-elf for anything else', () => {
    assert.equal(elfLinkage(new TextEncoder().encode('#!/bin/sh\nexec busybox "$@"\n')), 'not-elf')
    assert.equal(elfLinkage(elf({bits: 64, types: [PT_LOAD]}).subarray(0, 70)), 'not-elf', 'truncated program headers')
    assert.equal(elfLinkage(new Uint8Array(0)), 'not-elf')
  })
})

describe('idShift', () => {
  const maps = [
    {kind: 'u', nsid: 0, hostid: 100000, range: 65536},
    {kind: 'g', nsid: 0, hostid: 200000, range: 1000},
    {kind: 'g', nsid: 1000, hostid: 300000, range: 10},
  ] as const

  it('maps container ids to host ids range by range', () => {
    assert.equal(hostIdFor(maps, 'u', 0), 100000)
    assert.equal(hostIdFor(maps, 'u', 65535), 165535)
    assert.equal(hostIdFor(maps, 'u', 65536), undefined)
    assert.equal(hostIdFor(maps, 'g', 1005), 300005)
    const shift = idShift(maps)
    assert.ok(shift)
    assert.deepEqual(shift(0, 0), {uid: 100000, gid: 200000})
    assert.deepEqual(shift(33, 1001), {uid: 100033, gid: 300001})
    assert.throws(() => shift(0, 2000), (e: CtrError) => e.code === 'CTR_IDMAP' && e.message === 'lxc.idmap maps no gid 2000')
  })

  it('shifts nothing without maps, and refuses maps that leave container root unmapped', () => {
    assert.equal(idShift([]), undefined)
    assert.throws(() => idShift([{kind: 'u', nsid: 1, hostid: 100000, range: 10}, {kind: 'g', nsid: 0, hostid: 1, range: 1}]), (e: CtrError) => {
      assert.equal(e.code, 'CTR_IDMAP')
      assert.equal(e.message, 'lxc.idmap maps no uid for container root')
      return true
    })
  })
})

describe('subordinate ids (--unprivileged)', () => {
  const root = {name: 'root', uid: 0}
  it('takes the first range of at least 65536 ids for the user, by name or uid', () => {
    const text = '# comment\nalice:100000:65536\nroot:165536:1000\n\nroot:231072:65536\nroot:400000:65536\n'
    assert.deepEqual(findSubidRange(text, root), {start: 231072, count: 65536, line: 5})
    assert.deepEqual(findSubidRange('0:300000:70000\n', root), {start: 300000, count: 70000, line: 1})
    assert.equal(findSubidRange('alice:100000:65536\n', root), undefined)
  })
  it('skips malformed lines, a range starting at host id 0, and one running past the 32-bit id space', () => {
    assert.equal(findSubidRange('root:100000\nroot:x:65536\nroot:100000:65536:1\n', root), undefined)
    assert.equal(findSubidRange('root:0:65536\n', root), undefined, 'container root would be host root')
    assert.equal(findSubidRange('root:4294930000:65536\n', root), undefined)
    assert.deepEqual(findSubidRange(' root:100000:65536 \n', root)?.start, 100000)
  })
  it('maps uid and gid 0..65535 onto the ranges, as lxc.idmap lines', () => {
    const maps = unprivilegedMaps({uid: {path: '/etc/subuid', text: 'root:100000:65536\n'}, gid: {path: '/etc/subgid', text: 'root:200000:131072\n'}}, root)
    assert.deepEqual(maps.lines, [
      {key: 'lxc.idmap', value: 'u 0 100000 65536'},
      {key: 'lxc.idmap', value: 'g 0 200000 65536'},
    ])
    assert.equal(isUnprivileged(maps.maps), true)
    assert.equal(describeRootMap(maps.maps), 'uid 0..65535 -> host 100000..165535, gid 0..65535 -> host 200000..265535')
    assert.deepEqual(idShift(maps.maps)?.(0, 0), {uid: 100000, gid: 200000})
  })
  it('says which file lacks a range and how to add one (CTR_NO_SUBID)', () => {
    for (const [files, kind, path] of [
      [{uid: {path: '/etc/subuid', text: ''}, gid: {path: '/etc/subgid', text: 'root:100000:65536\n'}}, 'uid', '/etc/subuid'],
      [{uid: {path: '/etc/subuid', text: 'root:100000:65536\n'}, gid: {path: '/t/subgid', text: 'root:100000:10\n'}}, 'gid', '/t/subgid'],
    ] as const) {
      assert.throws(
        () => unprivilegedMaps(files, root),
        (error: unknown) => {
          assert.ok(error instanceof CtrError)
          assert.equal(error.code, 'CTR_NO_SUBID')
          assert.equal(error.message, `No subordinate ${kind} range of at least 65536 ids for root in ${path}`)
          assert.ok(error.hints.some((h) => h.includes('usermod --add-subuids 100000-165535 --add-subgids 100000-165535 root')))
          assert.ok(error.hints.some((h) => h.includes('root:100000:65536')))
          return true
        },
      )
    }
  })
  it('calls a container privileged unless uid and gid 0 map to host ids other than 0', () => {
    assert.equal(isUnprivileged([]), false)
    assert.equal(isUnprivileged([{kind: 'u', nsid: 0, hostid: 0, range: 65536}, {kind: 'g', nsid: 0, hostid: 0, range: 65536}]), false)
    assert.equal(isUnprivileged([{kind: 'u', nsid: 0, hostid: 100000, range: 65536}]), false, 'gid 0 unmapped')
    assert.equal(isUnprivileged([{kind: 'u', nsid: 0, hostid: 100000, range: 1}, {kind: 'g', nsid: 0, hostid: 100000, range: 1}]), true)
  })
})
