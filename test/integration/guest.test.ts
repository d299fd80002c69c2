// What a systemd guest relies on, as LXC gives it: a fresh boot id per
// start, `/` shared inside, container=lxc in init's environment, and a
// guest's own halt (reboot(2) in its pid namespace kills init with SIGINT)
// recorded as a clean stop, a reboot (SIGHUP) restarting it in place.

import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {describe, it} from 'node:test'

import {describeResult, json, rootOnly, useSandbox, waitForFile} from './helpers.js'
import {connectMonitor} from '../../src/sys/monitor-client.js'

const T = {skip: rootOnly(), timeout: 60_000}

describe('systemd-style guests', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('guest')

  it('a fresh boot id per start, unlike the host\'s, read-only inside', T, async () => {
    const sb = sandbox()
    const name = sb.name('bootid')
    sb.defineRootfs(name)
    const read = 'cat /proc/sys/kernel/random/boot_id; echo x > /proc/sys/kernel/random/boot_id 2>/dev/null && echo writable; true'
    const first = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/sh', '-c', read])
    const second = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/sh', '-c', read])
    assert.equal(first.code, 0, describeResult(first))
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    const a = first.stdout.trim()
    const b = second.stdout.trim()
    assert.match(a, uuid, first.stdout)
    assert.match(b, uuid, second.stdout)
    assert.notEqual(a, b, 'each start has its own boot id')
    assert.notEqual(a, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), 'not the host\'s')
  })

  it('/ is a shared mount inside (its own peer group), and init has container=lxc', T, async () => {
    const sb = sandbox()
    const name = sb.name('shared')
    sb.defineRootfs(name)
    const r = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/sh', '-c', "awk '$5 == \"/\"' /proc/self/mountinfo; echo container=$container"])
    assert.equal(r.code, 0, describeResult(r))
    const root = r.stdout.split('\n').filter((l) => l.split(' ')[4] === '/')
    assert.equal(root.length, 1, r.stdout)
    assert.match(root[0] as string, / shared:[0-9]+ /, r.stdout)
    assert.match(r.stdout, /container=lxc/)
  })

  it('a guest halt or power-off (busybox halt -f, poweroff -f) is a clean stop: exit 0, reason "halted"', T, async () => {
    const sb = sandbox()
    const name = sb.name('halt')
    sb.defineRootfs(name)
    for (const command of ['poweroff -f', 'halt -f']) {
      const r = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/sh', '-c', command])
      assert.equal(r.code, 0, `start -F exits 0 after ${command}: ${describeResult(r)}`)
      const info = json<{result: {lastExit: {reason: string; exitStatus: number; exitCode: number | null; signal: number | null}}}>(await sb.ctr(['info', '-n', name, '--json']))
      assert.deepEqual(
        {reason: info.result.lastExit.reason, exitStatus: info.result.lastExit.exitStatus, exitCode: info.result.lastExit.exitCode, signal: info.result.lastExit.signal},
        {reason: 'halted', exitStatus: 0, exitCode: 0, signal: null},
      )
    }
    // In the background, watchers see it too: ctr monitor's exit event.
    const go = sb.ready(name)
    const mon = sb.spawnCtr(['monitor', '-n', name, '--json'])
    const lines = collectLines(mon.child)
    const r = await sb.ctr(['start', '-n', name, '--', '/bin/sh', '-c', `until [ -e ${go.inside} ]; do sleep 0.1; done; poweroff -f`])
    assert.equal(r.code, 0, describeResult(r))
    await lines.waitFor('"state":"RUNNING"')
    writeFileSync(go.host, '1\n')
    const event = JSON.parse(await lines.waitFor('"event":"exit"')) as {status: number; signal: number | null; reason: string}
    mon.child.kill('SIGTERM')
    await mon.done
    assert.deepEqual({status: event.status, signal: event.signal, reason: event.reason}, {status: 0, signal: null, reason: 'halted'})
  })

  it('a guest reboot (busybox reboot -f) restarts init in place: the same monitor, a new init', T, async () => {
    const sb = sandbox()
    const name = sb.name('reboot')
    const go = sb.ready(name)
    const again = sb.ready(`${name}-again`)
    // The first run reboots once told to; the second says so and waits.
    sb.defineRootfs(name, {
      init: `/bin/sh -c "if [ -e ${go.inside} ]; then echo again > ${again.inside}; exec sleep 100000; fi; until [ -e ${go.inside} ]; do sleep 0.1; done; reboot -f"`,
    })
    const started = await sb.ctr(['start', '-n', name, '--json'])
    assert.equal(started.code, 0, describeResult(started))
    const first = json<{result: {pid: number; monitorPid: number}}>(started).result
    const conn = await connectMonitor(sb.rundirOf(name))
    assert.ok(conn, 'the monitor answers')
    try {
      assert.equal(await conn.request('watch'), 'RUNNING')
      writeFileSync(go.host, '1\n')
      const seen: string[] = []
      while (seen.at(-1) !== 'RUNNING') {
        const e = await conn.nextEvent(Date.now() + 20_000)
        assert.ok(e, `the watch ended or timed out after ${seen.join(' ')}`)
        assert.notEqual(e.kind, 'exit', 'a reboot is no exit')
        if (e.kind === 'state') seen.push(e.state)
      }
      assert.deepEqual(seen, ['STOPPING', 'STOPPED', 'STARTING', 'RUNNING'])
    } finally {
      conn.close()
    }
    await waitForFile(again.host)
    const now = json<{result: {state: string; pid: number; monitorPid: number}}>(await sb.ctr(['info', '-n', name, '--json'])).result
    assert.equal(now.state, 'RUNNING')
    assert.equal(now.monitorPid, first.monitorPid, 'the same monitor')
    assert.notEqual(now.pid, first.pid, 'a new init')
  })
})

// ctr monitor's stdout, line by line, from the moment it is spawned.
function collectLines(child: ChildProcess): {waitFor(needle: string): Promise<string>} {
  let buffered = ''
  const waiters: Array<() => void> = []
  child.stdout?.on('data', (chunk: string | Buffer) => {
    buffered += chunk.toString()
    for (const w of waiters.splice(0)) w()
  })
  return {
    async waitFor(needle: string): Promise<string> {
      const deadline = Date.now() + 20_000
      for (;;) {
        const line = buffered.split('\n').find((l) => l.includes(needle))
        if (line !== undefined) return line
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`ctr monitor did not print ${needle}; got:\n${buffered}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
  }
}
