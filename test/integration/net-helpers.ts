// What the network tests share: a container whose init records its
// interfaces at its first instruction (test-init ifaces), started and
// stopped in a network namespace of the test's.

import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describeResult, waitForFile, type NetNs, type Sandbox} from './helpers.js'

export interface Started {
  name: string
  pid: number
  /** What test-init found as its first instruction (link/addr/gw4 lines). */
  ifaces: string[]
}

/** A busybox-rootfs container whose init records its interfaces first thing, started in ns. */
export async function startWithNet(sb: Sandbox, ns: NetNs, label: string, net: string[], command = 'pause'): Promise<Started> {
  const name = sb.name(label)
  const ready = sb.ready(name)
  const ifaces = `/tmp/${name}.ifaces`
  sb.defineRootfs(name, {init: `/sbin/test-init ifaces ${ifaces} ${command} --ready ${ready.inside} --exit-on SIGPWR:0`, extra: net})
  const r = await sb.ctr(['start', '-n', name], {netns: ns})
  assert.equal(r.code, 0, describeResult(r))
  await waitForFile(ready.host)
  const pid = await sb.initPid(name)
  return {name, pid, ifaces: readFileSync(join(sb.rootfs, ifaces), 'utf8').split('\n').filter((l) => l !== '')}
}

/** Stops a container started in ns (ctr stop, inside ns); it must succeed. */
export async function stop(sb: Sandbox, ns: NetNs, name: string): Promise<void> {
  const r = await sb.ctr(['stop', '-n', name], {netns: ns})
  assert.equal(r.code, 0, describeResult(r))
}
