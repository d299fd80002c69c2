// `ctr execute` (lxc-execute) against real containers: ctr's init as pid 1
// (native/init.c) runs the command, passes its exit status through, reaps
// orphans, ends the container with it, forwards signals, runs with -d in
// the background, and is run from the monitor's sealed copy (nothing a
// container can rewrite, docs/architecture.md §14).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {constants, openSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {RUN_JS, describeResult, json, procStatusField, rootOnly, until, useSandbox, waitForFile, type Sandbox} from './helpers.js'

const T = {timeout: 90_000}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function ctrPiped(sb: Sandbox, args: string[], onStdout?: (text: string) => void): Promise<Run> & {pid: number} {
  const child = spawn(process.execPath, [RUN_JS, ...args], {cwd: sb.root, env: sb.env(), stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c
    onStdout?.(stdout)
  })
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
  const done = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`ctr ${args.join(' ')} did not finish\n${stdout}\n${stderr}`))
    }, 60_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
  return Object.assign(done, {pid: child.pid ?? -1})
}

describe('ctr execute', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('execute')

  it("runs the command under ctr's init and exits with its status", T, async () => {
    const sb = sandbox()
    const name = sb.name('status')
    sb.defineRootfs(name)
    const r = await ctrPiped(sb, ['execute', '-n', name, '--', '/bin/sh', '-c', 'echo "pid=$$"; cat /proc/1/comm; exit 9'])
    assert.equal(r.code, 9, r.stderr)
    assert.equal(r.stdout, 'pid=2\nctr-init\n', 'the command is pid 2, under ctr-init')
    const killed = await ctrPiped(sb, ['execute', '-n', name, '--', '/bin/sh', '-c', 'kill -KILL $$'])
    assert.equal(killed.code, 137)
    const missing = await ctrPiped(sb, ['execute', '-n', name, '--', 'no-such-command'])
    assert.equal(missing.code, 127)
    assert.match(missing.stderr, /Failed to exec "no-such-command"/)
    const j = json<{result: {exitStatus: number}}>(await sb.ctr(['execute', '-n', name, '--json', '--', '/bin/true']))
    assert.equal(j.result.exitStatus, 0)
  })

  it('uses lxc.execute.cmd without a command, and refuses neither, or no config', T, async () => {
    const sb = sandbox()
    const name = sb.name('cmd')
    sb.defineRootfs(name, {extra: ['lxc.execute.cmd = /bin/sh -c "exit 4"']})
    assert.equal((await ctrPiped(sb, ['execute', '-n', name])).code, 4)
    const bare = sb.name('bare')
    sb.defineRootfs(bare)
    const none = await ctrPiped(sb, ['execute', '-n', bare])
    assert.equal(none.code, 1)
    assert.match(none.stderr, /Missing command to execute/)
    const noConfig = await ctrPiped(sb, ['execute', '-n', sb.name('noconf'), '--', '/bin/true'])
    assert.equal(noConfig.code, 1)
    assert.match(noConfig.stderr, /No container config specified/)
  })

  it('reaps orphans while the command runs, and ends the rest with it', T, async () => {
    const sb = sandbox()
    const name = sb.name('reap')
    sb.defineRootfs(name)
    // An orphan that exits at once is reparented to pid 1; until it is
    // reaped it is a zombie. The loop waits until no `true` is left at all,
    // running or zombie (waiting only while a zombie shows ended early when
    // `true` had not exited yet, and the last ps then caught it between its
    // exit and its reaping). It is bounded (30 s, a bound for "never", not
    // for speed: a loaded machine once took over 2 s): a zombie left means
    // no reaping.
    const script = '(/bin/true &); i=0; while [ $i -lt 3000 ] && ps -o comm | grep -qx true; do i=$((i+1)); usleep 10000; done; ps -o stat,ppid,comm; (exec sleep 600 &); exit 0'
    const r = await ctrPiped(sb, ['execute', '-n', name, '--', '/bin/sh', '-c', script])
    assert.equal(r.code, 0, r.stderr)
    assert.doesNotMatch(r.stdout, /^Z/m, `no zombie:\n${r.stdout}`)
    // The background sleep did not keep the container: it went with the command.
    const info = await sb.ctr(['info', '-n', name, '-sH'])
    assert.equal(info.stdout.trim(), 'STOPPED')
  })

  it('forwards signals to the command; ctr stop ends it with SIGTERM', T, async () => {
    const sb = sandbox()
    const name = sb.name('signals')
    sb.defineRootfs(name)
    let ready = false
    const run = ctrPiped(sb, ['execute', '-n', name, '--', '/bin/sh', '-c', 'trap "exit 41" USR1; trap "exit 42" TERM; echo ready; while :; do sleep 1; done'], (t) => (ready ||= t.includes('ready')))
    await until(() => ready, 20_000, 'the command')
    const init = await sb.initPid(name)
    // A signal to init (here from the host, as `kill` inside the container's parent namespace) reaches the command.
    process.kill(init, 'SIGUSR1')
    assert.equal((await run).code, 41)
    ready = false
    const second = ctrPiped(sb, ['execute', '-n', name, '--', '/bin/sh', '-c', 'trap "exit 42" TERM; echo ready; while :; do sleep 1; done'], (t) => (ready ||= t.includes('ready')))
    await until(() => ready, 20_000, 'the command')
    const stop = await sb.ctr(['stop', '-n', name])
    assert.equal(stop.code, 0, describeResult(stop))
    assert.equal((await second).code, 42, 'the halt signal became SIGTERM for the command')
  })

  it('runs in the background with -d, from a sealed copy the container cannot rewrite', T, async () => {
    const sb = sandbox()
    const name = sb.name('daemon')
    const ready = sb.ready(name)
    sb.defineRootfs(name)
    const r = await sb.ctr(['execute', '-n', name, '-d', '--', '/bin/sh', '-c', `touch ${ready.inside}; exec sleep 600`])
    assert.equal(r.code, 0, describeResult(r))
    await waitForFile(ready.host, 10_000, () => true)
    const init = await sb.initPid(name)
    assert.equal(readFileSync(`/proc/${init}/comm`, 'utf8'), 'ctr-init\n')
    assert.equal(procStatusField(init, 'NSpid')?.split(/\s+/)[1], '1')
    assert.throws(() => openSync(`/proc/${init}/exe`, constants.O_WRONLY), (e: NodeJS.ErrnoException) => e.code === 'EROFS' || e.code === 'EPERM')
    const inside = await sb.ctr(['attach', '-n', name, '--', '/sbin/test-init', 'syscall', 'open-write', '/proc/1/exe'])
    assert.match(inside.stdout, /^open-write errno (30|1)$/m, inside.stdout)
    // Nothing was added to the container's filesystem for it.
    assert.deepEqual(readFileSync(join(sb.rootfs, 'etc/passwd'), 'utf8'), 'root:x:0:0:root:/root:/bin/sh\n')
    rmSync(ready.host, {force: true})
    assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
  })
})
