// Messages instead of crashes (issue 11, defect 7): a monitor that cannot be
// spawned (missing binary, EMFILE under `ulimit -n 20`) and a CLI that
// cannot load its modules end with one `ctr CMD: ...` line and a hint, never
// a Node stack trace or an unhandled 'error' event; `stop` of a stopped
// container still exits 2; config mistakes LXC would find only at start
// name file:line when the config is read.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {RUN_JS, WAYS, describeResult, rootOnly, useSandbox, type CtrResult, type Sandbox} from './helpers.js'

const T = {timeout: 60_000}

/** `ctr ARGS` with `ulimit -n LIMIT` (only this process tree). */
function ctrWithFdLimit(sb: Sandbox, limit: number, args: string[], via: 'fast' | 'oclif'): Promise<CtrResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, RUN_JS, ...args], {
      cwd: sb.root,
      env: sb.env({}, via),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`ctr ${args.join(' ')} hung under ulimit -n ${limit}`))
    }, 30_000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr, ms: 0, args})
    })
  })
}

function assertOneMessage(r: CtrResult, prog: string, pattern: RegExp): void {
  assert.doesNotMatch(r.stderr, /\n\s+at |Unhandled|node:internal|^\s*Error:/m, describeResult(r))
  const lines = r.stderr.split('\n').filter((l) => l !== '')
  assert.ok(lines.length >= 1 && lines.length <= 4, describeResult(r))
  assert.ok(lines[0]?.startsWith(`${prog}: `), describeResult(r))
  assert.match(lines[0] ?? '', pattern, describeResult(r))
}

describe('messages instead of crashes', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('messages')

  for (const via of WAYS) {
    it(`a monitor binary that is missing gives one line (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('nobin')
      sb.defineRootfs(name, {init: '/sbin/test-init pause'})
      for (const daemon of [[], ['-F']]) {
        const r = await sb.ctr(['start', '-n', name, ...daemon], {via, env: {CTR_MONITOR: join(sb.root, 'no-such-monitor')}})
        assert.equal(r.code, 1, describeResult(r))
        assertOneMessage(r, 'ctr start', /Failed to run ctr-monitor ".*no-such-monitor": missing \(ENOENT\)$/)
      }
    })

    it(`EMFILE under ulimit -n 20 gives one line, and stop of a stopped container still exits 2 (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('emfile')
      sb.defineRootfs(name, {init: '/sbin/test-init pause'})
      for (const command of [['start', '-n', name], ['freeze', '-n', name], ['create', '-n', `${name}x`, '-t', 'none'], ['destroy', '-n', name]]) {
        const r = await ctrWithFdLimit(sb, 20, command, via)
        assert.equal(r.code, 1, describeResult(r))
        assertOneMessage(r, `ctr ${command[0] as string}`, /EMFILE/)
        assert.match(r.stderr, /ulimit -n/, describeResult(r))
      }
      const stop = await ctrWithFdLimit(sb, 20, ['stop', '-n', name], via)
      if (via === 'fast') {
        // Only the clean-up of a dead monitor's run dir needed a helper.
        assert.equal(stop.code, 2, describeResult(stop))
        assertOneMessage(stop, 'ctr stop', /is not running$/)
      } else {
        // oclif cannot even load its command with 20 fds.
        assert.equal(stop.code, 1, describeResult(stop))
        assertOneMessage(stop, 'ctr stop', /Failed to load ctr \(open\): EMFILE/)
      }
    })
  }

  it('refuses devices and FIFOs named as configs, fstabs and policies, without reading them (defect 6)', T, async () => {
    const sb = sandbox()
    const fifo = join(sb.root, 'include.fifo')
    const made = spawn('mkfifo', [fifo])
    await new Promise((r) => made.on('close', r))
    const cases: Array<[string, string, RegExp]> = [
      ['inczero', 'lxc.include = /dev/zero', /config:7: Failed to include "\/dev\/zero": not a regular file \(a character device\)/],
      ['incrand', 'lxc.include = /dev/urandom', /config:7: Failed to include "\/dev\/urandom": not a regular file/],
      ['incfifo', `lxc.include = ${fifo}`, /config:7: Failed to include ".*include\.fifo": not a regular file \(a FIFO\)/],
      ['fstab', 'lxc.mount.fstab = /dev/zero', /Failed to read lxc\.mount\.fstab "\/dev\/zero": not a regular file/],
      ['seccomp', 'lxc.seccomp.profile = /dev/zero', /Failed to read the seccomp policy "\/dev\/zero": not a regular file/],
    ]
    for (const [label, line, pattern] of cases) {
      const name = sb.name(label)
      sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: [line]})
      // The harness kills a ctr that hangs (a FIFO open blocked forever, /dev/zero grew without bound).
      const r = await sb.ctr(['start', '-n', name], {timeoutMs: 30_000})
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, pattern, describeResult(r))
    }
  })

  it('refuses, with file:line, what LXC finds only at start', T, async () => {
    const sb = sandbox()
    const cases: Array<[string, string, RegExp]> = [
      ['prlimit', 'lxc.prlimit.bogus = 10', /config:7: Unknown resource "bogus" in lxc\.prlimit\.bogus/],
      ['onefield', 'lxc.mount.entry = proc', /config:7: A mount entry needs at least a source and a target/],
    ]
    for (const [label, line, pattern] of cases) {
      const name = sb.name(label)
      sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: [line]})
      for (const command of [['start', '-n', name], ['info', '-n', name]]) {
        const r = await sb.ctr(command)
        assert.equal(r.code, 1, describeResult(r))
        assert.match(r.stderr, pattern, describeResult(r))
      }
    }
    const name = sb.name('fstabnul')
    const fstab = join(sb.root, `${name}.fstab`)
    writeFileSync(fstab, 'proc proc proc defaults 0 0\nfoo\0bar /mnt none bind 0 0\n')
    sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: [`lxc.mount.fstab = ${fstab}`]})
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, new RegExp(`${fstab}:2: A NUL byte in the line`), describeResult(r))
  })
})
