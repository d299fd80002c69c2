// `ctr snapshot` end to end, in LXC's layout: make (with a comment), list,
// restore over the container and as a new one, destroy one and ALL; an
// overlay container's overlay snapshots; and, where lxc-snapshot is
// installed, LXC and ctr reading each other's snapshots.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describeResult, json, rootOnly, useSandbox, type Sandbox} from './helpers.js'

const T = {timeout: 180_000}

function defineWithRootfs(sb: Sandbox, name: string): void {
  const rootfs = sb.copyRootfs(name)
  sb.writeConfig(name, [
    `lxc.rootfs.path = dir:${rootfs}`,
    `lxc.uts.name = ${name}`,
    'lxc.net.0.type = empty',
    'lxc.mount.auto = proc:mixed sys:mixed',
    'lxc.environment = PATH=/bin:/sbin',
    'lxc.init.cmd = /sbin/test-init pause --exit-on PWR',
    '',
  ].join('\n'))
}

async function runIn(sb: Sandbox, name: string, script: string): Promise<string> {
  const r = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/sh', '-c', script])
  assert.equal(r.code, 0, describeResult(r))
  return r.stdout
}

interface SnapJson {
  result: {task: string; snapshots: Array<{name: string; path: string; timestamp: string | null; comment: string | null}>; restoredTo: string | null}
}

// lxc-snapshot on this machine, or why not.
function lxcSnapshot(): string | undefined {
  const r = spawnSync('lxc-snapshot', ['--version'], {encoding: 'utf8'})
  return r.status === 0 ? undefined : 'lxc-snapshot is not installed (apt-get install lxc): LXC cannot be checked against'
}

describe('snapshot', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('snap')

  it('makes, lists, restores and destroys snapshots in LXC\'s layout', T, async () => {
    const sb = sandbox()
    const name = sb.name('c')
    defineWithRootfs(sb, name)
    const snaps = join(sb.lxcpath, name, 'snaps')
    assert.equal((await sb.ctr(['snapshot', '-n', name, '-L'])).stdout, 'No snapshots\n')
    const note = join(sb.root, `${name}.note`)
    writeFileSync(note, 'before the change\n')
    const s0 = await sb.ctr(['snapshot', '-n', name, '-c', note, '--json'])
    assert.equal(s0.code, 0, describeResult(s0))
    assert.deepEqual(readdirSync(join(snaps, 'snap0')).sort(), ['comment', 'config', 'rootfs', 'ts'])
    const ts = readFileSync(join(snaps, 'snap0', 'ts'), 'utf8')
    assert.match(ts, /^\d{4}:\d\d:\d\d \d\d:\d\d:\d\d$/)
    assert.equal(readFileSync(join(snaps, 'snap0', 'comment'), 'utf8'), 'before the change\n')
    const config = readFileSync(join(snaps, 'snap0', 'config'), 'utf8')
    assert.match(config, new RegExp(`^lxc.rootfs.path = dir:${join(snaps, 'snap0', 'rootfs')}$`, 'm'))
    assert.match(config, new RegExp(`^lxc.uts.name = ${name}$`, 'm'))

    await runIn(sb, name, 'echo changed > /etc/marker')
    assert.equal((await sb.ctr(['snapshot', '-n', name])).code, 0)
    const list = await sb.ctr(['snapshot', '-n', name, '-L', '-C'])
    assert.equal(list.code, 0, describeResult(list))
    const ts1 = readFileSync(join(snaps, 'snap1', 'ts'), 'utf8')
    assert.equal(list.stdout, `snap0 (${snaps}) ${ts}\nbefore the change\nsnap1 (${snaps}) ${ts1}\n`)

    // Over the container: back to snap0, its snapshots kept.
    const r0 = await sb.ctr(['snapshot', '-n', name, '-r', 'snap0', '--json'])
    assert.equal(r0.code, 0, describeResult(r0))
    assert.equal(json<SnapJson>(r0).result.restoredTo, name)
    assert.equal(await runIn(sb, name, 'cat /etc/marker 2>/dev/null || echo none; hostname'), `none\n${name}\n`)
    assert.deepEqual(readdirSync(snaps).sort(), ['snap0', 'snap1'])
    // As a new container: snap1's files, its own name.
    const other = sb.name('restored')
    const r1 = await sb.ctr(['snapshot', '-n', name, '-r', 'snap1', '-N', other])
    assert.equal(r1.code, 0, describeResult(r1))
    assert.equal(await runIn(sb, other, 'cat /etc/marker; hostname'), `changed\n${other}\n`)

    // destroy refuses the container while it has snapshots.
    const refused = await sb.ctr(['destroy', '-n', name])
    assert.equal(refused.code, 1, describeResult(refused))
    assert.match(refused.stderr, /has snapshots/)
    assert.equal((await sb.ctr(['snapshot', '-n', name, '-d', 'snap0'])).code, 0)
    assert.deepEqual(readdirSync(snaps), ['snap1'])
    const all = await sb.ctr(['snapshot', '-n', name, '-d', 'ALL', '--json'])
    assert.equal(all.code, 0, describeResult(all))
    assert.deepEqual(json<SnapJson>(all).result.snapshots.map((s) => s.name), ['snap1'])
    assert.equal(existsSync(snaps), false)
    const none = await sb.ctr(['snapshot', '-n', name, '-L'])
    assert.equal(none.code, 0, describeResult(none))
    assert.equal(none.stdout, 'No snapshots\n', describeResult(none))
    const missing = await sb.ctr(['snapshot', '-n', name, '-r', 'snap9'])
    assert.equal(missing.code, 1, describeResult(missing))
    assert.match(missing.stderr, /has no snapshot snap9/)
  })

  it('an overlay container gets overlay snapshots, listed in its lxc_snapshots', T, async () => {
    const sb = sandbox()
    const base = sb.name('base')
    defineWithRootfs(sb, base)
    const clone = sb.name('clone')
    assert.equal((await sb.ctr(['copy', '-n', base, '-N', clone, '-s'])).code, 0)
    await runIn(sb, clone, 'echo one > /etc/marker')
    const s = await sb.ctr(['snapshot', '-n', clone])
    assert.equal(s.code, 0, describeResult(s))
    const snapDir = join(sb.lxcpath, clone, 'snaps', 'snap0')
    assert.match(readFileSync(join(snapDir, 'config'), 'utf8'), new RegExp(`^lxc.rootfs.path = overlay:${join(sb.lxcpath, base, 'rootfs')}:${snapDir}/overlay/delta$`, 'm'))
    assert.equal(readFileSync(join(snapDir, 'overlay/delta/etc/marker'), 'utf8'), 'one\n')
    assert.equal(readFileSync(join(sb.lxcpath, clone, 'lxc_snapshots'), 'utf8'), `${join(sb.lxcpath, clone, 'snaps')}\nsnap0\n`)
    await runIn(sb, clone, 'echo two > /etc/marker')
    assert.equal((await sb.ctr(['snapshot', '-n', clone, '-r', 'snap0'])).code, 0)
    assert.equal(await runIn(sb, clone, 'cat /etc/marker'), 'one\n')
    const d = await sb.ctr(['destroy', '-n', clone, '-s'])
    assert.equal(d.code, 0, describeResult(d))
    assert.equal(existsSync(join(sb.lxcpath, clone)), false)
    assert.equal(existsSync(join(sb.lxcpath, base, 'lxc_snapshots')), false)
  })

  it('runs lxc.hook.clone for a snapshot and a restore, as LXC does', T, async () => {
    const sb = sandbox()
    const name = sb.name('hooked')
    defineWithRootfs(sb, name)
    const hook = join(sb.lxcpath, name, 'clone-hook.sh')
    writeFileSync(hook, '#!/bin/sh\necho "$LXC_SRC_NAME $LXC_NAME" > "$LXC_ROOTFS_MOUNT/etc/cloned"\n', {mode: 0o755})
    writeFileSync(join(sb.lxcpath, name, 'config'), `${readFileSync(join(sb.lxcpath, name, 'config'), 'utf8')}lxc.hook.clone = ${hook}\n`)
    assert.equal((await sb.ctr(['snapshot', '-n', name])).code, 0)
    assert.equal(readFileSync(join(sb.lxcpath, name, 'snaps/snap0/rootfs/etc/cloned'), 'utf8'), `${name} snap0\n`)
    const other = sb.name('other')
    assert.equal((await sb.ctr(['snapshot', '-n', name, '-r', 'snap0', '-N', other])).code, 0)
    assert.equal(readFileSync(join(sb.lxcpath, other, 'rootfs/etc/cloned'), 'utf8'), `snap0 ${other}\n`)
    assert.equal((await sb.ctr(['snapshot', '-n', name, '-d', 'ALL'])).code, 0)
  })

  it('LXC reads ctr\'s snapshots and ctr reads LXC\'s', {...T, skip: lxcSnapshot()}, async () => {
    const sb = sandbox()
    const name = sb.name('both')
    defineWithRootfs(sb, name)
    assert.equal((await sb.ctr(['snapshot', '-n', name])).code, 0)
    const lxc = spawnSync('lxc-snapshot', ['-P', sb.lxcpath, '-n', name], {encoding: 'utf8'})
    assert.equal(lxc.status, 0, lxc.stderr)
    const lxcList = spawnSync('lxc-snapshot', ['-P', sb.lxcpath, '-n', name, '-L'], {encoding: 'utf8'})
    const ours = await sb.ctr(['snapshot', '-n', name, '-L'])
    assert.equal(ours.stdout, lxcList.stdout)
    assert.match(ours.stdout, /^snap0 .*\nsnap1 /)
    assert.equal((await sb.ctr(['snapshot', '-n', name, '-r', 'snap1', '-N', sb.name('fromlxc')])).code, 0)
    assert.equal((await sb.ctr(['snapshot', '-n', name, '-d', 'ALL'])).code, 0)
  })
})
