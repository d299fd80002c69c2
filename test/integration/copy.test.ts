// `ctr copy` end to end: full copies and overlay snapshot clones that start
// and keep their own changes while the origin stays as it was; the config
// rewrites (rootfs, hostname, hardware addresses); LXC's clone records and
// destroy's refusal while clones exist (and -s taking them); -R; and
// ephemeral clones, gone after stop, after their init exits, and after
// their monitor is killed.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describeResult, json, rootOnly, useSandbox, waitForPidGone, type Sandbox} from './helpers.js'

const T = {timeout: 120_000}

interface CopyJson {
  result: {name: string; newname: string; path: string; kind: string; rootfs: string; hwaddrs: Array<{old: string; new: string}>; hostname: boolean; started: boolean; initPid: number | null; ephemeral: boolean; exitStatus: number | null}
}

// An origin with its own rootfs copy's config: the sandbox rootfs as its
// rootfs, /etc/hostname in a directory of its own so clones rewrite it.
function defineOrigin(sb: Sandbox, name: string): string {
  const rootfs = sb.copyRootfs(name)
  writeFileSync(join(rootfs, 'etc/hostname'), `${name}\n`)
  sb.writeConfig(name, [
    `lxc.rootfs.path = dir:${rootfs}`,
    `lxc.uts.name = ${name}`,
    'lxc.net.0.type = empty',
    'lxc.net.0.hwaddr = 00:16:3e:aa:bb:cc',
    'lxc.mount.auto = proc:mixed sys:mixed',
    'lxc.environment = PATH=/bin:/sbin',
    'lxc.init.cmd = /sbin/test-init pause --exit-on PWR',
    '',
  ].join('\n'))
  return rootfs
}

// Runs CMD as the container's init in the foreground; returns its stdout.
async function runIn(sb: Sandbox, name: string, script: string): Promise<string> {
  const r = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/sh', '-c', script])
  assert.equal(r.code, 0, describeResult(r))
  return r.stdout
}

const PROBE = 'cat /etc/marker 2>/dev/null || echo none; hostname; echo "$(cat /etc/hostname)"'

describe('copy', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('copy')

  it('full copies and snapshot clones start and keep their own changes; the origin stays as it was', T, async () => {
    const sb = sandbox()
    const origin = sb.name('orig')
    const full = sb.name('full')
    const snap = sb.name('snap')
    const originRootfs = defineOrigin(sb, origin)

    const c1 = await sb.ctr(['copy', '-n', origin, '-N', full, '--json'])
    assert.equal(c1.code, 0, describeResult(c1))
    const r1 = json<CopyJson>(c1).result
    assert.equal(r1.kind, 'copy')
    assert.equal(r1.rootfs, `dir:${join(sb.lxcpath, full, 'rootfs')}`)
    assert.equal(r1.hwaddrs.length, 1)
    assert.equal(r1.hwaddrs[0]?.old, '00:16:3e:aa:bb:cc')
    const fullConfig = readFileSync(join(sb.lxcpath, full, 'config'), 'utf8')
    assert.match(fullConfig, new RegExp(`^lxc.uts.name = ${full}$`, 'm'))
    assert.match(fullConfig, new RegExp(`^lxc.net.0.hwaddr = ${r1.hwaddrs[0]?.new}$`, 'm'))
    assert.doesNotMatch(fullConfig, /00:16:3e:aa:bb:cc/)
    // LXC writes the bare name into /etc/hostname.
    assert.equal(readFileSync(join(sb.lxcpath, full, 'rootfs/etc/hostname'), 'utf8'), full)

    const c2 = await sb.ctr(['copy', '-n', origin, '-N', snap, '-s', '--json'])
    assert.equal(c2.code, 0, describeResult(c2))
    const r2 = json<CopyJson>(c2).result
    assert.equal(r2.kind, 'snapshot')
    assert.equal(r2.rootfs, `overlay:${originRootfs}:${join(sb.lxcpath, snap, 'overlay/delta')}`)
    // LXC's clone records: pairs of lines LXCPATH, NAME.
    assert.equal(readFileSync(join(sb.lxcpath, origin, 'lxc_snapshots'), 'utf8'), `${sb.lxcpath}\n${snap}\n`)
    assert.equal(readFileSync(join(sb.lxcpath, snap, 'lxc_rdepends'), 'utf8'), `${sb.lxcpath}\n${origin}\n`)

    // Each clone runs under its own name and keeps what it writes.
    for (const clone of [full, snap]) {
      assert.equal(await runIn(sb, clone, `${PROBE}; echo ${clone} > /etc/marker`), `none\n${clone}\n${clone}\n`)
      assert.equal(await runIn(sb, clone, PROBE), `${clone}\n${clone}\n${clone}\n`)
    }
    // The snapshot clone's changes are in its upper layer; the origin has none of them.
    assert.equal(readFileSync(join(sb.lxcpath, snap, 'overlay/delta/etc/marker'), 'utf8'), `${snap}\n`)
    assert.equal(existsSync(join(originRootfs, 'etc/marker')), false)
    assert.equal(readFileSync(join(originRootfs, 'etc/hostname'), 'utf8'), `${origin}\n`)
    assert.equal(await runIn(sb, origin, PROBE), `none\n${origin}\n${origin}\n`)

    // The origin cannot go while its snapshot clone exists (lxc-destroy's message).
    const d1 = await sb.ctr(['destroy', '-n', origin])
    assert.equal(d1.code, 1, describeResult(d1))
    assert.match(d1.stderr, new RegExp(`Destroying ${origin} failed: ${origin} has clones`))
    // Destroying the clone takes it off the origin's list (the file goes when empty, as in LXC).
    const d2 = await sb.ctr(['destroy', '-n', snap, '--json'])
    assert.equal(d2.code, 0, describeResult(d2))
    // The origin's rootfs (the clone's lower layer) is not the clone's: no "left in place" notice about it.
    assert.deepEqual(json<{result: {keptRootfs: string[]}; warnings: string[]}>(d2).result.keptRootfs, [])
    assert.equal(existsSync(join(sb.lxcpath, origin, 'lxc_snapshots')), false)
    const d3 = await sb.ctr(['destroy', '-n', origin])
    assert.equal(d3.code, 0, describeResult(d3))
  })

  it('destroy -s takes the snapshot clones too; a running source needs -a', T, async () => {
    const sb = sandbox()
    const origin = sb.name('orig')
    defineOrigin(sb, origin)
    const a = sb.name('a')
    const b = sb.name('b')
    for (const clone of [a, b]) assert.equal((await sb.ctr(['copy', '-n', origin, '-N', clone, '-s'])).code, 0)
    // A clone of a clone is an overlay clone of the same lower layer with a copy of the upper one.
    await runIn(sb, a, 'echo from-a > /etc/marker')
    const aa = sb.name('aa')
    const c = await sb.ctr(['copy', '-n', a, '-N', aa, '-s'])
    assert.equal(c.code, 0, describeResult(c))
    assert.equal(await runIn(sb, aa, 'cat /etc/marker'), 'from-a\n')
    const d0 = await sb.ctr(['destroy', '-n', aa])
    assert.equal(d0.code, 0, describeResult(d0))

    const started = await sb.ctr(['start', '-n', origin])
    assert.equal(started.code, 0, describeResult(started))
    const refused = await sb.ctr(['copy', '-n', origin, '-N', sb.name('x')])
    assert.equal(refused.code, 1, describeResult(refused))
    assert.match(refused.stderr, /Original container .* is running/)
    const allowed = sb.name('live')
    const ok = await sb.ctr(['copy', '-n', origin, '-N', allowed, '-a'])
    assert.equal(ok.code, 0, describeResult(ok))
    assert.equal((await sb.ctr(['stop', '-n', origin, '-k'])).code, 0)

    const d = await sb.ctr(['destroy', '-n', origin, '-s', '--json'])
    assert.equal(d.code, 0, describeResult(d))
    for (const gone of [origin, a, b]) assert.equal(existsSync(join(sb.lxcpath, gone)), false, gone)
    assert.equal(existsSync(join(sb.lxcpath, allowed, 'config')), true)
  })

  it('renames in place with -R, and refuses an origin with clones', T, async () => {
    const sb = sandbox()
    const old = sb.name('old')
    defineOrigin(sb, old)
    const renamed = sb.name('new')
    const r = await sb.ctr(['copy', '-n', old, '-N', renamed, '-R', '--json'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(existsSync(join(sb.lxcpath, old)), false)
    const config = readFileSync(join(sb.lxcpath, renamed, 'config'), 'utf8')
    assert.match(config, new RegExp(`^lxc.rootfs.path = dir:${join(sb.lxcpath, renamed, 'rootfs')}$`, 'm'))
    assert.match(config, new RegExp(`^lxc.uts.name = ${renamed}$`, 'm'))
    assert.equal(await runIn(sb, renamed, PROBE), `none\n${renamed}\n${renamed}\n`)

    const clone = sb.name('clone')
    assert.equal((await sb.ctr(['copy', '-n', renamed, '-N', clone, '-s'])).code, 0)
    const refused = await sb.ctr(['copy', '-n', renamed, '-N', sb.name('again'), '-R'])
    assert.equal(refused.code, 1, describeResult(refused))
    assert.match(refused.stderr, /has clones/)
    // A renamed clone stays on its origin's list under its new name.
    const moved = sb.name('moved')
    assert.equal((await sb.ctr(['copy', '-n', clone, '-N', moved, '-R'])).code, 0)
    assert.equal(readFileSync(join(sb.lxcpath, renamed, 'lxc_snapshots'), 'utf8'), `${sb.lxcpath}\n${moved}\n`)
    assert.match(readFileSync(join(sb.lxcpath, moved, 'config'), 'utf8'), new RegExp(`${moved}/overlay/delta$`, 'm'))
    assert.equal(await runIn(sb, moved, 'hostname'), `${moved}\n`)
  })

  it('an ephemeral clone is gone after ctr stop, after its init exits, and after its monitor is killed', T, async () => {
    const sb = sandbox()
    const origin = sb.name('orig')
    defineOrigin(sb, origin)

    const e1 = sb.name('e1')
    const c1 = await sb.ctr(['copy', '-n', origin, '-e', '-N', e1])
    assert.equal(c1.code, 0, describeResult(c1))
    assert.equal(c1.stdout, `Created ${e1} as clone of ${origin}\n`)
    assert.match(readFileSync(join(sb.lxcpath, e1, 'config'), 'utf8'), /^lxc.ephemeral = 1$/m)
    const s1 = await sb.ctr(['stop', '-n', e1])
    assert.equal(s1.code, 0, describeResult(s1))
    // ctr stop returns once the monitor has destroyed it.
    assert.equal(existsSync(join(sb.lxcpath, e1)), false)

    // -F with a command: its exit status, then gone.
    const e2 = sb.name('e2')
    const c2 = await sb.ctr(['copy', '-n', origin, '-e', '-F', '-N', e2, '--json', '--', '/bin/sh', '-c', 'hostname > /dev/null; exit 7'])
    assert.equal(c2.code, 7, describeResult(c2))
    assert.equal(json<CopyJson>(c2).result.exitStatus, 7)
    assert.equal(existsSync(join(sb.lxcpath, e2)), false)

    // -D keeps it (no lxc.ephemeral).
    const e3 = sb.name('e3')
    const c3 = await sb.ctr(['copy', '-n', origin, '-e', '-D', '-N', e3])
    assert.equal(c3.code, 0, describeResult(c3))
    assert.equal((await sb.ctr(['stop', '-n', e3])).code, 0)
    assert.match(readFileSync(join(sb.lxcpath, origin, 'lxc_snapshots'), 'utf8'), new RegExp(`^${e3}$`, 'm'))
    assert.doesNotMatch(readFileSync(join(sb.lxcpath, e3, 'config'), 'utf8'), /lxc.ephemeral/)

    // Its monitor killed: the next ctr stop finishes the job.
    const e4 = sb.name('e4')
    const c4 = await sb.ctr(['copy', '-n', origin, '-e', '-N', e4, '--json'])
    assert.equal(c4.code, 0, describeResult(c4))
    const info = await sb.ctr(['info', '-n', e4, '--json'])
    const {monitorPid, pid} = json<{result: {monitorPid: number; pid: number}}>(info).result
    process.kill(monitorPid, 'SIGKILL')
    await waitForPidGone(pid, 10_000)
    assert.equal(existsSync(join(sb.lxcpath, e4, 'config')), true)
    const s4 = await sb.ctr(['stop', '-n', e4])
    assert.equal(s4.code, 2, describeResult(s4))
    assert.match(s4.stderr, /ephemeral container whose monitor was killed: it has been destroyed/)
    assert.equal(existsSync(join(sb.lxcpath, e4)), false)

    // The same through ctr start.
    const e5 = sb.name('e5')
    assert.equal((await sb.ctr(['copy', '-n', origin, '-e', '-N', e5])).code, 0)
    const info5 = json<{result: {monitorPid: number; pid: number}}>(await sb.ctr(['info', '-n', e5, '--json'])).result
    process.kill(info5.monitorPid, 'SIGKILL')
    await waitForPidGone(info5.pid, 10_000)
    const s5 = await sb.ctr(['start', '-n', e5])
    assert.equal(s5.code, 1, describeResult(s5))
    assert.match(s5.stderr, /has been destroyed now/)
    assert.equal(existsSync(join(sb.lxcpath, e5)), false)
    // Only -D's clone is left on the origin's list.
    assert.equal(readFileSync(join(sb.lxcpath, origin, 'lxc_snapshots'), 'utf8'), `${sb.lxcpath}\n${e3}\n`)
    assert.equal(readFileSync(join(originRootfs(sb, origin), 'etc/hostname'), 'utf8'), `${origin}\n`)
  })

  it('-e -t keeps an ephemeral clone\'s changes on a tmpfs of its own, as lxc-copy does', T, async () => {
    const sb = sandbox()
    const origin = sb.name('orig')
    defineOrigin(sb, origin)
    const eph = sb.name('tmp')
    const r = await sb.ctr(['copy', '-n', origin, '-e', '-t', '-N', eph])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout, `Created ${eph} as clone of ${origin}\nContainer is placed on tmpfs.\nRebooting will cause all changes made to it to be lost!\n`)
    // LXC's way: a pre-mount hook script in the clone's directory.
    const dir = join(sb.lxcpath, eph)
    const hooks = [...readFileSync(join(dir, 'config'), 'utf8').matchAll(/^lxc.hook.pre-mount = (.*)$/gm)].map((m) => m[1] as string)
    assert.equal(hooks.length, 1)
    assert.match(hooks[0] as string, new RegExp(`^${dir}/pre-start-[A-Za-z0-9]{6}$`))
    assert.equal(statSync(hooks[0] as string).mode & 0o7777, 0o755)
    // Inside: the hostname is the clone's, and a change is made...
    const {pid} = json<{result: {pid: number}}>(await sb.ctr(['info', '-n', eph, '--json'])).result
    const inside = spawnSync('nsenter', ['-t', String(pid), '-m', '-u', '--', '/bin/sh', '-c', 'echo changed > /etc/marker && cat /etc/marker /etc/hostname'], {encoding: 'utf8'})
    assert.equal(inside.status, 0, inside.stderr)
    const [marker, hostname] = inside.stdout.split('\n')
    assert.equal(marker, 'changed')
    assert.equal(hostname, eph)
    // ...but not on the host's disk: the upper layer is the container's tmpfs.
    assert.equal(existsSync(join(dir, 'overlay/delta/etc/marker')), false)
    assert.equal(existsSync(join(sb.lxcpath, origin, 'rootfs/etc/marker')), false)
    assert.equal((await sb.ctr(['stop', '-n', eph])).code, 0)
    assert.equal(existsSync(dir), false, 'ephemeral: gone after the stop')

    // An overlay clone as the source: LXC's refusal.
    const snap = sb.name('snap')
    assert.equal((await sb.ctr(['copy', '-n', origin, '-N', snap, '-s'])).code, 0)
    const refused = await sb.ctr(['copy', '-n', snap, '-e', '-t', '-N', sb.name('no')])
    assert.equal(refused.code, 1, describeResult(refused))
    assert.match(refused.stderr, /^ctr copy: Cannot currently use tmpfs with overlay storage backend\.$/m)
    assert.equal((await sb.ctr(['destroy', '-n', snap])).code, 0)
  })

  it('binds host directories into an ephemeral clone with -m', T, async () => {
    const sb = sandbox()
    const origin = sb.name('orig')
    defineOrigin(sb, origin)
    const shared = join(sb.root, `${origin}-shared`)
    mkdirSync(shared)
    writeFileSync(join(shared, 'in'), 'from the host\n')
    const e = sb.name('e')
    const r = await sb.ctr(['copy', '-n', origin, '-e', '-F', '-N', e, '-m', `bind=${shared}:/mnt/shared:ro`, '--', '/bin/sh', '-c', 'cat /mnt/shared/in; echo x > /mnt/shared/out || echo read-only'])
    assert.equal(r.code, 0, describeResult(r))
    assert.match(r.stdout, /from the host\n(.*\n)?read-only\n$/)
    assert.equal(existsSync(join(shared, 'out')), false)
    assert.equal(existsSync(join(sb.lxcpath, e)), false)
  })

  it('LXC and ctr see each other\'s clones (lxc_snapshots and lxc_rdepends)', {...T, skip: lxcTools()}, async () => {
    const sb = sandbox()
    const origin = sb.name('orig')
    defineOrigin(sb, origin)
    const lxc = (...args: string[]): void => {
      const r = spawnSync(args[0] as string, ['-P', sb.lxcpath, ...args.slice(1)], {encoding: 'utf8'})
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`)
    }
    // A ctr clone destroyed by LXC: LXC reads its lxc_rdepends and takes it off the origin's list.
    const ours = sb.name('ours')
    assert.equal((await sb.ctr(['copy', '-n', origin, '-N', ours, '-s'])).code, 0)
    lxc('lxc-destroy', '-n', ours)
    assert.equal(existsSync(join(sb.lxcpath, origin, 'lxc_snapshots')), false)
    // An LXC clone: ctr starts it, refuses to destroy its origin, and destroys it cleanly.
    const theirs = sb.name('theirs')
    lxc('lxc-copy', '-n', origin, '-N', theirs, '-s')
    assert.equal(await runIn(sb, theirs, 'hostname; cat /etc/hostname'), `${theirs}\n${theirs}`)
    const refused = await sb.ctr(['destroy', '-n', origin])
    assert.equal(refused.code, 1, describeResult(refused))
    assert.match(refused.stderr, /has clones/)
    assert.equal((await sb.ctr(['destroy', '-n', theirs])).code, 0)
    assert.equal(existsSync(join(sb.lxcpath, origin, 'lxc_snapshots')), false)
  })

  it('runs lxc.hook.clone with LXC\'s arguments and environment; a failing hook fails the copy', T, async () => {
    const sb = sandbox()
    const origin = sb.name('orig')
    defineOrigin(sb, origin)
    const hook = join(sb.lxcpath, origin, 'clone-hook.sh')
    // What the hook saw: its arguments, LXC_ROOTFS_PATH, the hostname file
    // (the source's: LXC rewrites it after the hooks) and a file of the
    // origin's rootfs (for a snapshot clone only in the lower layer).
    writeFileSync(hook, [
      '#!/bin/sh',
      '[ -e "$LXC_ROOTFS_MOUNT/etc/fail" ] && exit 3',
      'seen=no; [ -e "$LXC_ROOTFS_MOUNT/etc/from-origin" ] && seen=yes',
      'echo "$LXC_SRC_NAME $LXC_NAME $*|$LXC_ROOTFS_PATH|$(cat "$LXC_ROOTFS_MOUNT/etc/hostname")|$seen" > "$LXC_ROOTFS_MOUNT/etc/cloned"',
      'echo hook > "$LXC_ROOTFS_MOUNT/etc/hostname"',
      '',
    ].join('\n'), {mode: 0o755})
    writeFileSync(join(sb.lxcpath, origin, 'rootfs/etc/from-origin'), '')
    writeFileSync(join(sb.lxcpath, origin, 'config'), `${readFileSync(join(sb.lxcpath, origin, 'config'), 'utf8')}lxc.hook.clone = ${hook}\n`)
    const full = sb.name('full')
    const r = await sb.ctr(['copy', '-n', origin, '-N', full, '--', 'one', 'two'])
    assert.equal(r.code, 0, describeResult(r))
    // The hook was copied beside the clone's config and run from there.
    assert.match(readFileSync(join(sb.lxcpath, full, 'config'), 'utf8'), new RegExp(`^lxc.hook.clone = ${join(sb.lxcpath, full, 'clone-hook.sh')}$`, 'm'))
    assert.equal(readFileSync(join(sb.lxcpath, full, 'rootfs/etc/cloned'), 'utf8'), `${origin} ${full} ${full} lxc clone one two|dir:${join(sb.lxcpath, full, 'rootfs')}|${origin}|yes\n`)
    // The hostname is written after the hooks, over what a hook wrote.
    assert.equal(readFileSync(join(sb.lxcpath, full, 'rootfs/etc/hostname'), 'utf8'), full)
    const snap = sb.name('snap')
    assert.equal((await sb.ctr(['copy', '-n', origin, '-N', snap, '-s'])).code, 0)
    // The hook ran on the mounted overlay: it saw the lower layer, and its writes went to the upper one.
    const rootfsPath = `overlay:${join(sb.lxcpath, origin, 'rootfs')}:${join(sb.lxcpath, snap, 'overlay/delta')}`
    assert.equal(readFileSync(join(sb.lxcpath, snap, 'overlay/delta/etc/cloned'), 'utf8'), `${origin} ${snap} ${snap} lxc clone|${rootfsPath}|${origin}|yes\n`)
    assert.equal(readFileSync(join(sb.lxcpath, snap, 'overlay/delta/etc/hostname'), 'utf8'), snap)
    assert.equal(existsSync(join(sb.lxcpath, origin, 'rootfs/etc/cloned')), false)
    assert.equal(readFileSync(join(sb.lxcpath, origin, 'rootfs/etc/hostname'), 'utf8'), `${origin}\n`)
    // Nothing stays mounted on the clone's rootfs directory (the overlay was the hook's mount namespace's).
    assert.deepEqual(readdirSync(join(sb.lxcpath, snap, 'rootfs')), [])

    writeFileSync(join(sb.lxcpath, origin, 'rootfs/etc/fail'), '')
    const failed = sb.name('failed')
    const f = await sb.ctr(['copy', '-n', origin, '-N', failed, '--json'])
    assert.equal(f.code, 1, describeResult(f))
    assert.equal(json<{error: {code: string}}>(f).error.code, 'CTR_HOOK_FAILED')
    assert.equal(existsSync(join(sb.lxcpath, failed)), false)
    assert.equal(readFileSync(join(sb.lxcpath, origin, 'lxc_snapshots'), 'utf8'), `${sb.lxcpath}\n${snap}\n`)
  })

  it('refuses what it cannot do, with LXC\'s messages', T, async () => {
    const sb = sandbox()
    const origin = sb.name('orig')
    defineOrigin(sb, origin)
    const cases: Array<[string[], RegExp]> = [
      [['copy', '-n', origin], /You must provide a NEWNAME for the clone/],
      [['copy', '-n', origin, '-N', origin], /already exists/],
      [['copy', '-n', sb.name('nope'), '-N', sb.name('x')], /is not defined/],
      [['copy', '-n', origin, '-N', sb.name('x'), '-B', 'lvm'], /not supported/],
      [['copy', '-n', origin, '-N', sb.name('x'), '-R', '-s'], /-R renames in place/],
      [['copy', '-n', origin, '-e', '-t', '-D', '-N', sb.name('x')], /^ctr copy: A container can only be placed on a tmpfs when the overlay storage driver is used$/m],
    ]
    for (const [args, message] of cases) {
      const r = await sb.ctr(args)
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, message)
      const j = await sb.ctr([...args, '--json'])
      assert.equal(j.code, 1, describeResult(j))
    }
  })
})

// lxc-copy and lxc-destroy on this machine, or why not.
function lxcTools(): string | false {
  const r = spawnSync('lxc-copy', ['--version'], {encoding: 'utf8'})
  return r.status === 0 ? false : 'lxc-copy is not installed (apt-get install lxc): LXC cannot be checked against'
}

function originRootfs(sb: Sandbox, name: string): string {
  return join(sb.lxcpath, name, 'rootfs')
}
