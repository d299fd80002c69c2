// Clones without the filesystem: `ctr copy` argv (core/cli/copy.ts), the
// config rewrites and LXC's clone records (core/clone.ts).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {parse, type CopyOptions} from '../../src/core/cli/copy.js'
import {
  cloneConfigText,
  copyMountEntry,
  formatCloneList,
  movedRootfsPath,
  newHwaddr,
  parseCloneList,
  parseCopyMounts,
  renameConfigText,
  updateCloneList,
} from '../../src/core/clone.js'
import {CtrError} from '../../src/core/errors.js'
import type {Parsed} from '../../src/core/options.js'

function copy(...argv: string[]): CopyOptions {
  const parsed: Parsed<CopyOptions> = parse(argv, {})
  assert.equal(parsed.action, 'run')
  return (parsed as {action: 'run'; options: CopyOptions}).options
}

function fails(run: () => unknown, code: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => error instanceof CtrError && error.code === code && message.test(error.message))
}

describe('ctr copy argv', () => {
  it('reads lxc-copy\'s options', () => {
    const o = copy('-n', 'a', '-N', 'b', '-p', '/srv/lxc/', '-s', '-K', '-M', '-a')
    assert.deepEqual([o.name, o.newname, o.newpath, o.snapshot, o.keepName, o.keepMac, o.allowRunning], ['a', 'b', '/srv/lxc', true, true, true, true])
    assert.equal(copy('-n', 'a', '-N', 'b', '-B', 'overlayfs').snapshot, true)
    assert.equal(copy('-n', 'a', '-N', 'b', '-B', 'dir').snapshot, false)
    const e = copy('-n', 'a', '-e', '-F', '-m', 'bind=/x:/y:ro,overlay=/z', '--', 'sh', '-c', 'true')
    assert.deepEqual([e.newname, e.ephemeral, e.snapshot, e.foreground, e.args], [undefined, true, true, true, ['sh', '-c', 'true']])
    assert.deepEqual(e.mounts, [
      {type: 'bind', source: '/x', target: 'y', mode: 'ro'},
      {type: 'overlay', source: '/z', target: 'z', mode: 'rw'},
    ])
  })

  it('refuses what lxc-copy refuses or silently ignores', () => {
    fails(() => copy('-n', 'a'), 'CTR_NO_NEWNAME', /^You must provide a NEWNAME for the clone$/)
    fails(() => copy('-n', 'a', '-N', 'b', '-R', '-s'), 'CTR_OPTION_CONFLICT', /-R renames in place/)
    fails(() => copy('-n', 'a', '-N', 'b', '-s', '-B', 'dir'), 'CTR_OPTION_CONFLICT', /-B dir/)
    fails(() => copy('-n', 'a', '-N', 'b', '-D'), 'CTR_OPTION_CONFLICT', /-D is only valid with -e/)
    fails(() => copy('-n', 'a', '-e', '-t', '-D'), 'CTR_OPTION_CONFLICT', /tmpfs/)
    fails(() => copy('-n', 'a', '-N', 'b', '-B', 'zfs'), 'CTR_NOT_SUPPORTED', /zfs/)
    fails(() => copy('-n', 'a', '-N', 'b', '-B', 'ext4'), 'CTR_INVALID_BDEV', /not a valid backing storage type/)
    fails(() => copy('-n', 'a', '-N', 'b', '-L', '1G'), 'CTR_NOT_SUPPORTED', /-L/)
    fails(() => copy('-n', 'a', '-e', '-m', 'bind=relative'), 'CTR_INVALID_MOUNT', /absolute/)
    fails(() => copy('-n', 'a', '-e', '-m', 'tmpfs=/x'), 'CTR_INVALID_MOUNT', /unknown mount type/)
  })
})

describe('clone config', () => {
  const from = {lxcpath: '/var/lib/lxc', name: 'web'}
  const to = {lxcpath: '/var/lib/lxc', name: 'web2'}
  const text = [
    '# comment kept',
    'lxc.rootfs.path = dir:/var/lib/lxc/web/rootfs',
    'lxc.uts.name = web',
    'lxc.net.0.hwaddr = 00:16:3e:01:02:03',
    'lxc.hook.pre-start = /var/lib/lxc/web/hook.sh arg',
    'lxc.mount.entry = overlay mnt overlay upperdir=/var/lib/lxc/web/up,workdir=/var/lib/lxc/web/wk 0 0',
    '',
  ].join('\n')
  const bytes = [0x10, 0x20, 0x30]

  it('rewrites the rootfs, hostname, hardware addresses, hooks and overlay entries as LXC does', () => {
    let i = 0
    const r = cloneConfigText({text, from, to, rootfsPath: 'dir:/var/lib/lxc/web2/rootfs', keepName: false, keepMac: false, fstab: undefined, append: [{key: 'lxc.ephemeral', value: '1'}], randomByte: () => bytes[i++ % 3] as number})
    assert.equal(r.text, [
      '# comment kept',
      'lxc.net.0.hwaddr = 00:16:3e:10:20:30',
      'lxc.hook.pre-start = /var/lib/lxc/web2/hook.sh arg',
      'lxc.mount.entry = overlay mnt overlay upperdir=/var/lib/lxc/web2/up,workdir=/var/lib/lxc/web2/wk 0 0',
      'lxc.rootfs.path = dir:/var/lib/lxc/web2/rootfs',
      'lxc.uts.name = web2',
      'lxc.ephemeral = 1',
      '',
    ].join('\n'))
    assert.deepEqual(r.hookCopies, [['/var/lib/lxc/web/hook.sh', '/var/lib/lxc/web2/hook.sh']])
    assert.deepEqual(r.hwaddrs, [['00:16:3e:01:02:03', '00:16:3e:10:20:30']])
    const kept = cloneConfigText({text, from, to, rootfsPath: 'x', keepName: true, keepMac: true, fstab: undefined, append: [], randomByte: () => 0})
    assert.match(kept.text, /^lxc.uts.name = web$/m)
    assert.match(kept.text, /^lxc.net.0.hwaddr = 00:16:3e:01:02:03$/m)
  })

  it('new hardware addresses are LXC\'s: 00:16:3e and three bytes below 0xff', () => {
    assert.equal(newHwaddr(() => 255), '00:16:3e:00:00:00')
    assert.match(newHwaddr(() => 254), /^00:16:3e:fe:fe:fe$/)
  })

  it('moves paths on rename', () => {
    const out = renameConfigText(text, from, to, movedRootfsPath('dir:/var/lib/lxc/web/rootfs', '/var/lib/lxc/web', '/var/lib/lxc/web2'))
    assert.match(out, /^lxc.rootfs.path = dir:\/var\/lib\/lxc\/web2\/rootfs$/m)
    assert.match(out, /^lxc.hook.pre-start = \/var\/lib\/lxc\/web2\/hook.sh arg$/m)
    assert.match(out, /^lxc.uts.name = web2$/m)
    assert.equal(movedRootfsPath('overlay:/var/lib/lxc/base/rootfs:/var/lib/lxc/web/overlay/delta', '/var/lib/lxc/web', '/var/lib/lxc/web2'), 'overlay:/var/lib/lxc/base/rootfs:/var/lib/lxc/web2/overlay/delta')
    assert.equal(movedRootfsPath('dir:/srv/rootfs', '/var/lib/lxc/web', '/var/lib/lxc/web2'), undefined)
  })
})

describe('clone records', () => {
  it('reads and writes lxc_snapshots and lxc_rdepends as LXC does', () => {
    const list = parseCloneList('/var/lib/lxc\na\n/srv\nb\n')
    assert.deepEqual(list, {kind: 'entries', entries: [{lxcpath: '/var/lib/lxc', name: 'a'}, {lxcpath: '/srv', name: 'b'}]})
    const added = updateCloneList(list, {lxcpath: '/srv', name: 'c'}, true)
    assert.equal(formatCloneList(added), '/var/lib/lxc\na\n/srv\nb\n/srv\nc\n')
    assert.equal(updateCloneList(added, {lxcpath: '/srv', name: 'c'}, true), added)
    const removed = updateCloneList(updateCloneList(list, {lxcpath: '/srv', name: 'b'}, false), {lxcpath: '/var/lib/lxc', name: 'a'}, false)
    assert.equal(formatCloneList(removed), undefined)
    assert.deepEqual(parseCloneList('2\n'), {kind: 'count', count: 2})
    assert.equal(formatCloneList(updateCloneList({kind: 'count', count: 1}, {lxcpath: '/x', name: 'y'}, false)), undefined)
  })

  it('writes -m mount entries as lxc-copy does', () => {
    const [bind, ovl] = parseCopyMounts('bind=/src dir:/dst:ro,overlay=/data')
    assert.equal(copyMountEntry(bind as never, {isDir: true}), '/src\\040dir dst none bind,optional,ro,create=dir 0 0')
    assert.equal(copyMountEntry(ovl as never, {isDir: true, upper: '/c/delta0', work: '/c/work0'}), '/data data overlay lowerdir=/data,upperdir=/c/delta0,workdir=/c/work0,create=dir')
  })
})
