// Namespaces, checked from /proc: init's namespaces differ from the host's,
// init is pid 1 with its own /proc and hostname; shared namespaces (by
// container name, pid and namespace path, from --share-* and from
// lxc.namespace.share.*) are the very same namespace (equal inodes).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'

import {
  NAMESPACES,
  describeResult,
  nsInode,
  procStatusField,
  rootOnly,
  useSandbox,
  waitForFile,
  type Namespace,
  type Sandbox,
} from './helpers.js'

const T = {timeout: 60_000}

/** Starts a busybox-rootfs container running test-init pause and returns init's host pid. */
async function startPause(sb: Sandbox, name: string, args: string[] = [], extra: string[] = []): Promise<number> {
  const ready = sb.ready(name)
  sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`, extra})
  const r = await sb.ctr(['start', '-n', name, ...args])
  assert.equal(r.code, 0, describeResult(r))
  await waitForFile(ready.host)
  return sb.initPid(name)
}

function assertShared(a: number, b: number, shared: Namespace[], label: string): void {
  for (const ns of NAMESPACES) {
    if (shared.includes(ns)) assert.equal(nsInode(b, ns), nsInode(a, ns), `${label}: ${ns} is shared`)
    else assert.notEqual(nsInode(b, ns), nsInode(a, ns), `${label}: ${ns} is not shared`)
  }
}

describe('namespaces', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('ns')

  it('gives init new mnt, pid, uts, ipc, net and cgroup namespaces (user and time stay the host\'s)', T, async () => {
    const sb = sandbox()
    const name = sb.name('own')
    const pid = await startPause(sb, name)
    for (const ns of NAMESPACES) assert.notEqual(nsInode(pid, ns), nsInode('self', ns), `${ns} namespace`)
    // No lxc.idmap: no user namespace; no time offsets: no time namespace.
    assert.equal(nsInode(pid, 'user'), nsInode('self', 'user'))
    assert.equal(nsInode(pid, 'time'), nsInode('self', 'time'))
  })

  it('makes init pid 1 with its own /proc', T, async () => {
    const sb = sandbox()
    const name = sb.name('pid1')
    const pid = await startPause(sb, name)
    const nspid = procStatusField(pid, 'NSpid')?.split(/\s+/)
    assert.deepEqual(nspid, [String(pid), '1'], 'NSpid: the host pid, then 1 inside')
    // The container's /proc (seen through its root) lists only its own processes.
    const inside = readdirSync(`/proc/${pid}/root/proc`).filter((e) => /^[0-9]+$/.test(e))
    assert.deepEqual(inside, ['1'])
    assert.match(readFileSync(`/proc/${pid}/root/proc/1/cmdline`, 'utf8'), /^\/sbin\/test-init\0pause\0/)
    const procMount = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((l) => / \/proc .* - proc /.test(l))
    assert.ok(procMount, 'a proc filesystem is mounted on /proc inside')
  })

  it('sets the hostname in the new uts namespace (rootfs and embedded default config)', T, async () => {
    const sb = sandbox()
    const name = sb.name('uts')
    sb.defineRootfs(name, {uts: 'uts-test-host'})
    const r = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/hostname'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout, 'uts-test-host\n')
    const d = sb.name('utsd')
    const dflt = await sb.ctr(['start', '-n', d, '-F', '--', sb.testInit, 'print', 'hostname', 'pid'])
    assert.equal(dflt.code, 0, describeResult(dflt))
    assert.equal(dflt.stdout, `hostname ${d}\npid 1\n`)
  })

  it('shares the network namespace of a container given by name (--share-net NAME)', T, async () => {
    const sb = sandbox()
    const owner = sb.name('own')
    const a = await startPause(sb, owner)
    const b = await startPause(sb, sb.name('net'), ['--share-net', owner])
    assertShared(a, b, ['net'], '--share-net NAME')
  })

  it('shares the ipc namespace of a pid (--share-ipc PID)', T, async () => {
    const sb = sandbox()
    const a = await startPause(sb, sb.name('own'))
    const b = await startPause(sb, sb.name('ipc'), ['--share-ipc', String(a)])
    assertShared(a, b, ['ipc'], '--share-ipc PID')
  })

  it('shares a namespace given by path and keeps its hostname (--share-uts /proc/PID/ns/uts)', T, async () => {
    const sb = sandbox()
    const owner = sb.name('own')
    const a = await startPause(sb, owner)
    const name = sb.name('uts')
    const b = await startPause(sb, name, ['--share-uts', `/proc/${a}/ns/uts`])
    assertShared(a, b, ['uts'], '--share-uts PATH')
    // A shared uts namespace is not renamed (LXC does not set the hostname then).
    const r = await sb.ctr(['start', '-n', sb.name('utsf'), '-F', '-s', `lxc.uts.name=not-${owner}`, '--share-uts', owner, '--', sb.testInit, 'print', 'hostname'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout, `hostname ${owner}\n`)
  })

  it('shares the pid namespace of a container (--share-pid NAME): init is not pid 1 there', T, async () => {
    const sb = sandbox()
    const owner = sb.name('own')
    const a = await startPause(sb, owner)
    const b = await startPause(sb, sb.name('pid'), ['--share-pid', owner])
    assertShared(a, b, ['pid'], '--share-pid NAME')
    const nspid = procStatusField(b, 'NSpid')?.split(/\s+/) ?? []
    assert.equal(nspid.length, 2)
    assert.notEqual(nspid[1], '1', 'the owner\'s init is pid 1 of that namespace')
  })

  it('shares all four at once, and the host\'s own namespace by our pid', T, async () => {
    const sb = sandbox()
    const owner = sb.name('own')
    const a = await startPause(sb, owner)
    const b = await startPause(sb, sb.name('all'), ['--share-net', owner, '--share-ipc', String(a), '--share-uts', `/proc/${a}/ns/uts`, '--share-pid', owner])
    assertShared(a, b, ['net', 'ipc', 'uts', 'pid'], 'all four')
    const host = await startPause(sb, sb.name('host'), ['--share-net', String(process.pid)])
    assert.equal(nsInode(host, 'net'), nsInode('self', 'net'), 'our pid: the host network namespace')
  })

  it('shares through lxc.namespace.share.* in the config (name, pid, path)', T, async () => {
    const sb = sandbox()
    const owner = sb.name('own')
    const a = await startPause(sb, owner)
    const b = await startPause(sb, sb.name('cfg'), [], [
      `lxc.namespace.share.net = ${owner}`,
      `lxc.namespace.share.ipc = ${a}`,
      `lxc.namespace.share.uts = /proc/${a}/ns/uts`,
    ])
    assertShared(a, b, ['net', 'ipc', 'uts'], 'lxc.namespace.share.*')
  })

  it('refuses to share with a container that is not running: exit 1', T, async () => {
    const sb = sandbox()
    const owner = sb.name('off')
    sb.defineRootfs(owner)
    const name = sb.name('lone')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const r = await sb.ctr(['start', '-n', name, '--share-net', owner])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, new RegExp(`${owner}.*not running`))
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
  })
})
