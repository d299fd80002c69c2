// `ctr wait` without inotify (issue 11, defect 5): when the per-user
// inotify limits are reached (EMFILE: max_user_instances, ENOSPC:
// max_user_watches), wait falls back to a sleeping poll and says so,
// instead of re-arming in a tight loop at 100% CPU.
//
// The limits are lowered only for the waiter: it runs in a user namespace
// of its own (`unshare --user --map-root-user`, uid 0 mapped to 0), whose
// /proc/sys/user/max_inotify_* are that namespace's own limits; the host's
// are never touched.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {RUN_JS, describeResult, rootOnly, until, useSandbox, waitForFile, type CtrResult, type Sandbox} from './helpers.js'

const T = {timeout: 60_000}
const CLK_TCK = 100

// unshare(1) from util-linux, and user namespaces enabled.
function userNamespaceProbe(): string | false {
  const probe = spawnSync('unshare', ['--user', '--map-root-user', 'sh', '-c', 'echo 0 > /proc/sys/user/max_inotify_instances'], {encoding: 'utf8'})
  if (probe.error) return `needs unshare(1): ${probe.error.message}`
  if (probe.status !== 0) return `needs user namespaces with their own inotify limits: ${probe.stderr.trim()}`
  return false
}

interface Waiter {
  done: Promise<CtrResult & {cpuTicks: number}>
}

/** `ctr wait ARGS` in a user namespace whose inotify `limit` (instances or watches) is 0. */
function waitWithoutInotify(sb: Sandbox, limit: 'instances' | 'watches', args: string[], env: Record<string, string> = {}): Waiter {
  const statFile = join(sb.root, `wait-${process.hrtime.bigint()}.stat`)
  // The shell records its children's CPU time (cutime, cstime) once ctr exited.
  const script = `echo 0 > /proc/sys/user/max_inotify_${limit} || exit 99; "$0" "$@"; rc=$?; cat /proc/$$/stat > ${statFile}; exit $rc`
  const child = spawn('unshare', ['--user', '--map-root-user', 'sh', '-c', script, process.execPath, RUN_JS, 'wait', ...args], {
    cwd: sb.root,
    env: sb.env(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
  const done = new Promise<CtrResult & {cpuTicks: number}>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`ctr wait ${args.join(' ')} hung\n${stderr}`))
    }, 45_000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      let cpuTicks = -1
      try {
        const text = readFileSync(statFile, 'utf8')
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
        // After ")": state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
        cpuTicks = Number(fields[13]) + Number(fields[14])
      } catch {
        // ctr did not run: reported by the caller's assertions
      }
      rmSync(statFile, {force: true})
      resolve({code, signal, stdout, stderr, ms: 0, args: ['wait', ...args], cpuTicks})
    })
  })
  return {done}
}

describe('wait without inotify', {skip: rootOnly() || userNamespaceProbe()}, () => {
  const sandbox = useSandbox('waitpoll')

  for (const [limit, errno] of [['instances', 'EMFILE'], ['watches', 'ENOSPC']] as const) {
    it(`sleeps between looks when inotify fails with ${errno}, and says so`, T, async () => {
      const sb = sandbox()
      const name = sb.name(`poll${errno}`)
      const seconds = 3
      const r = await waitWithoutInotify(sb, limit, ['-n', name, '-s', 'RUNNING', '-t', String(seconds)]).done
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, /Timed out waiting/, describeResult(r))
      assert.match(r.stderr, new RegExp(`Cannot watch .* with inotify \\(${errno}\\); looking every \\d+ ms instead`), describeResult(r))
      assert.ok(r.cpuTicks >= 0, 'ctr ran')
      // A spinning wait burns its whole timeout on the CPU; a polling one a
      // small part of it (Node's start included).
      assert.ok(r.cpuTicks < (seconds * CLK_TCK) / 3, `ctr wait used ${r.cpuTicks / CLK_TCK} s of CPU in a ${seconds} s wait`)
    })
  }

  it('sees a container start while polling', T, async () => {
    const sb = sandbox()
    const name = sb.name('pollstart')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    // A run-dir base of its own, that the waiter creates as it arms: once it
    // exists, the waiter has looked once and is polling.
    const base = join(mkdtempSync(join(sb.runtimeDir, 'poll-')), 'base')
    const env = {CTR_RUNTIME_DIR: base}
    const waiter = waitWithoutInotify(sb, 'instances', ['-n', name, '-s', 'RUNNING', '-t', '30'], env)
    try {
      await until(() => {
        try {
          readFileSync(join(base, '.'))
          return false
        } catch (error) {
          return (error as NodeJS.ErrnoException).code === 'EISDIR'
        }
      }, 20_000, 'the waiter to create its run-dir base')
      const start = await sb.ctr(['start', '-n', name], {env})
      assert.equal(start.code, 0, describeResult(start))
      await waitForFile(ready.host)
      const r = await waiter.done
      assert.equal(r.code, 0, describeResult(r))
      assert.match(r.stderr, /with inotify \(EMFILE\); looking every/, describeResult(r))
    } finally {
      const stop = await sb.ctr(['stop', '-n', name, '-k'], {env})
      assert.ok(stop.code === 0 || stop.code === 2, describeResult(stop))
      rmSync(join(base, '..'), {recursive: true, force: true})
    }
  })
})
