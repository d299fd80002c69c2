// `ctr start`: the foreground mode (stdio, exit status, signals), start
// failures that name the step and errno, and one test per row of the exit
// status table of docs/lxc-contract.md §1.4.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {WAYS, describeResult, isAlive, json, rootOnly, useSandbox, waitForFile, waitForPidGone} from './helpers.js'

const T = {timeout: 60_000}

describe('start -F (foreground)', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('fg')

  for (const via of WAYS) {
    it(`passes stdio through and exits with the payload's status (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('stdio')
      sb.defineRootfs(name)
      const facts = await sb.ctr(['start', '-n', name, '-F', '--', '/sbin/test-init', 'print', 'pid', 'hostname', 'cwd'], {via})
      assert.equal(facts.code, 0, describeResult(facts))
      assert.equal(facts.stdout, `pid 1\nhostname ${name}\ncwd /\n`)

      const sh = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/sh', '-c', 'echo out; echo err >&2; exit 3'], {via})
      assert.equal(sh.stdout, 'out\n')
      assert.equal(sh.stderr, 'err\n', 'init\'s stderr passes through and ctr adds nothing')
      // lxc-start -F always exits 0; ctr passes the payload's status on (README).
      assert.equal(sh.code, 3, describeResult(sh))

      const seven = await sb.ctr(['start', '-n', name, '-F', '--', '/sbin/test-init', 'exit', '7'], {via})
      assert.equal(seven.code, 7, describeResult(seven))
    })
  }

  it('exits 128+9 when init is killed with SIGKILL from the host', T, async () => {
    const sb = sandbox()
    const name = sb.name('kill9')
    const ready = sb.ready(name)
    sb.defineRootfs(name)
    const run = sb.spawnCtr(['start', '-n', name, '-F', '--', '/sbin/test-init', 'pause', '--ready', ready.inside])
    await waitForFile(ready.host)
    const pid = await sb.initPid(name)
    // Our own container's init, by pid.
    process.kill(pid, 'SIGKILL')
    const r = await run.done
    assert.equal(r.code, 137, describeResult(r))
    await waitForPidGone(pid)
  })

  for (const via of WAYS) {
    it(`forwards signals sent to ctr to init (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('fwd')
      sb.defineRootfs(name)
      const cases: Array<[NodeJS.Signals, string, number]> = [
        ['SIGTERM', 'SIGTERM:7', 7],
        ['SIGINT', 'SIGINT:9', 9],
        ['SIGUSR1', 'SIGUSR1:11', 11],
        // lxc-start -F turns a hang-up into SIGTERM (docs/lxc-contract.md §5.2).
        ['SIGHUP', 'SIGTERM:13', 13],
      ]
      for (const [signal, exitOn, code] of cases) {
        const ready = sb.ready(name)
        const run = sb.spawnCtr(['start', '-n', name, '-F', '--', '/sbin/test-init', 'pause', '--ready', ready.inside, '--exit-on', exitOn], {via})
        await waitForFile(ready.host)
        run.child.kill(signal)
        const r = await run.done
        assert.equal(r.code, code, `${signal} to ctr -F: ${describeResult(r)}`)
      }
    })
  }
})

describe('start failures', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('fail')

  for (const via of WAYS) {
    for (const mode of ['daemon', 'foreground'] as const) {
      it(`fails with exit 1 naming the exec step and ENOENT for a missing init (${mode}, ${via})`, T, async () => {
        const sb = sandbox()
        const name = sb.name(`noinit${mode[0]}`)
        sb.defineRootfs(name, {init: '/sbin/no-such-init'})
        const args = ['start', '-n', name, ...(mode === 'foreground' ? ['-F'] : [])]
        const r = await sb.ctr(args, {via})
        assert.equal(r.code, 1, describeResult(r))
        assert.equal(r.stdout, '')
        assert.match(r.stderr, /^ctr start: .*exec.*"\/sbin\/no-such-init".*ENOENT/im, 'the message names the step, the program and the errno')

        const j = await sb.ctr([...args, '--json'], {via})
        assert.equal(j.code, 1, describeResult(j))
        const body = json<{status: number; error: {code: string; details?: {step?: string; errno?: string}}}>(j)
        assert.equal(body.status, 1)
        assert.deepEqual([body.error.details?.step, body.error.details?.errno], ['exec', 'ENOENT'])

        const state = await sb.ctr(['info', '-n', name, '-sH'], {via})
        assert.equal(state.stdout, 'STOPPED\n', 'a failed start leaves the container STOPPED')
        const last = json<{result: {lastExit?: {reason: string; failedStep?: string; errno?: number}}}>(await sb.ctr(['info', '-n', name, '--json']))
        assert.deepEqual([last.result.lastExit?.reason, last.result.lastExit?.failedStep, last.result.lastExit?.errno], ['start-failed', 'exec', 2])
      })
    }
  }

  it('fails with exit 1 for a missing init on the embedded default config too', T, async () => {
    const sb = sandbox()
    const name = sb.name('noinitd')
    for (const args of [[], ['-F']]) {
      const r = await sb.ctr(['start', '-n', name, ...args, '--', `${sb.root}/no-such-program`])
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, /exec.*ENOENT/i)
    }
  })

  it('names another failed step (lxc.init.cwd below a file) with its errno', T, async () => {
    const sb = sandbox()
    const name = sb.name('cwd')
    sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: ['lxc.init.cwd = /bin/busybox/sub']})
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /working directory "\/bin\/busybox\/sub".*ENOTDIR/)
  })
})

// docs/lxc-contract.md §1.4, one test per row.
describe('start exit status (§1.4)', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('strow')

  it('daemon start reached RUNNING: 0, nothing on stdout', T, async () => {
    const sb = sandbox()
    const name = sb.name('run')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout, '')
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
  })

  it('foreground: the container ran and stopped: the payload\'s status (0 here; LXC always 0)', T, async () => {
    const sb = sandbox()
    const name = sb.name('fg')
    sb.defineRootfs(name)
    const r = await sb.ctr(['start', '-n', name, '-F', '--', '/sbin/test-init', 'true'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
  })

  it('already running: 0 with an error line on stderr, the running init untouched', T, async () => {
    const sb = sandbox()
    const name = sb.name('twice')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const pid = await sb.initPid(name)
    for (const args of [[], ['-F']]) {
      const r = await sb.ctr(['start', '-n', name, ...args])
      assert.equal(r.code, 0, describeResult(r))
      assert.equal(r.stdout, '')
      assert.match(r.stderr, /^ctr start: .*already running$/m)
    }
    assert.equal(await sb.initPid(name), pid)
    assert.ok(isAlive(pid))
  })

  it('bad args (an unknown option): 1', T, async () => {
    const sb = sandbox()
    const r = await sb.ctr(['start', '-n', sb.name('badarg'), '--bogus'])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /unrecognized option '--bogus'/)
  })

  it('no name: 1', T, async () => {
    const sb = sandbox()
    const r = await sb.ctr(['start'])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /^ctr start: No container name specified$/m)
  })

  it('lxcpath missing: a -P that does not exist is refused (LXC: exit 1); the built-in default is not required', T, async () => {
    const sb = sandbox()
    const name = sb.name('nolxcpath')
    const missing = join(sb.root, 'missing-lxcpath')
    const r = await sb.ctr(['start', '-n', name, '-P', missing, '-F', '--', sb.testInit, 'print', 'pid'])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, new RegExp(`The lxcpath "${missing}" does not exist`))
    // $CTR_PATH (or the built-in default) naming a missing directory is fine:
    // the embedded default config needs no container store.
    const ok = await sb.ctr(['start', '-n', name, '-F', '--', sb.testInit, 'print', 'pid'], {env: {CTR_PATH: missing}})
    assert.equal(ok.code, 0, describeResult(ok))
    assert.equal(ok.stdout, 'pid 1\n')
  })

  it('config unreadable: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('unread')
    // A directory where the config file should be: EISDIR.
    mkdirSync(join(sb.lxcpath, name, 'config'), {recursive: true})
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /EISDIR/)
  })

  it('config invalid: 1, naming file:line', T, async () => {
    const sb = sandbox()
    const name = sb.name('invalid')
    const path = sb.writeConfig(name, 'lxc.net.0.type = empty\nlxc.signal.halt = PWR\n')
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, new RegExp(`${path}:2`))
  })

  it('no config at all: 1', T, async () => {
    const sb = sandbox()
    const r = await sb.ctr(['start', '-n', sb.name('noconf')])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /^ctr start: No container config specified$/m)
  })

  it('privilege (another user\'s running container): 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('priv')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const r = await sb.ctr(['start', '-n', name], {uid: 65534, gid: 65534})
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /EACCES/)
  })

  it('define error: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('def')
    for (const define of ['foo=bar', 'lxc.uts.name']) {
      const r = await sb.ctr(['start', '-n', name, '-s', define, '--', sb.testInit, 'true'])
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, /Invalid define/)
    }
    const unknown = await sb.ctr(['start', '-n', name, '-s', 'lxc.bogus=1', '--', sb.testInit, 'true'])
    assert.equal(unknown.code, 1, describeResult(unknown))
    assert.match(unknown.stderr, /lxc\.bogus/)
  })

  it('pidfile error: 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('pidf')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const r = await sb.ctr(['start', '-n', name, '-p', join(sb.root, 'no-such-dir', 'x.pid')])
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /pidfile/i)
    assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
  })

  it('start failure reported by the monitor: 1, with what to do next', T, async () => {
    const sb = sandbox()
    const name = sb.name('sfail')
    sb.defineRootfs(name, {init: '/sbin/no-such-init'})
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 1, describeResult(r))
    const lines = r.stderr.trimEnd().split('\n')
    assert.match(lines[0] ?? '', /^ctr start: /)
    assert.ok(lines.some((l) => /foreground \(-F\)/.test(l)), 'a daemon start failure points to -F')
  })

  it('-h, --usage and --version: 0', T, async () => {
    const sb = sandbox()
    const help = await sb.ctr(['start', '-h'])
    assert.equal(help.code, 0, describeResult(help))
    assert.match(help.stdout + help.stderr, /--foreground/)
    const usage = await sb.ctr(['start', '--usage'])
    assert.equal(usage.code, 0, describeResult(usage))
    assert.match(usage.stderr, /^Usage: ctr start/m)
    const version = await sb.ctr(['start', '--version'])
    assert.equal(version.code, 0, describeResult(version))
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
  })

  it('unknown option and -?: 1 with the usage on stderr', T, async () => {
    const sb = sandbox()
    const bogus = await sb.ctr(['start', '-n', 'x', '-Z'])
    assert.equal(bogus.code, 1, describeResult(bogus))
    assert.match(bogus.stderr, /invalid option -- 'Z'/)
    assert.match(bogus.stderr, /Usage: ctr start/)
    const question = await sb.ctr(['start', '-?'])
    assert.equal(question.code, 1, describeResult(question))
    assert.match(question.stdout + question.stderr, /--foreground/)
  })
})
