// ctr and LXC 5.0 on one lxcpath, both ways, with the real LXC tools:
// ctr sees a container LXC runs (through LXC's abstract command socket) in
// info and ls, refuses to start it again and to stop it; LXC's tools see a
// container ctr runs (its monitor binds and answers that socket) and refuse
// to start it again; concurrent starts of one name by both never run it
// twice; a process that is neither root nor us holding the name cannot
// stop ctr from starting. Skipped, saying so, where LXC is not installed.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {TEST_INIT_BUILD, WAYS, describeResult, json, listPids, readCmdline, rootOnly, useSandbox, waitForFile, waitForPidGone, type Sandbox} from './helpers.js'

const T = {timeout: 120_000}
const LXC = spawnSync('lxc-start', ['--version'], {encoding: 'utf8'})
const NO_LXC = LXC.status === 0 ? false : 'LXC is not installed (apt-get install lxc): the side-by-side tests need the real lxc-start, lxc-info, lxc-ls and lxc-stop'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function lxc(sb: Sandbox, tool: string, args: string[]): Run {
  const r = spawnSync(tool, ['-P', sb.lxcpath, ...args], {encoding: 'utf8', timeout: 60_000})
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

function describeRun(what: string, r: Run): string {
  return `${what} -> ${r.code}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`
}

/** A container both tools can start: the sandbox rootfs, no network, test-init pausing. */
function define(sb: Sandbox, label: string): {name: string; ready: {inside: string; host: string}} {
  const name = sb.name(label)
  const ready = sb.ready(name)
  sb.writeConfig(name, [`lxc.rootfs.path = dir:${sb.rootfs}`, `lxc.uts.name = ${name}`, 'lxc.net.0.type = empty', `lxc.init.cmd = /sbin/test-init pause --ready ${ready.inside}`, ''].join('\n'))
  return {name, ready}
}

/** Stops what LXC runs under `name` and removes the cgroups LXC may leave (lxc.monitor.NAME after a failed start). */
function lxcCleanup(sb: Sandbox, name: string): void {
  lxc(sb, 'lxc-stop', ['-n', name, '-k'])
  const hierarchies = ['/sys/fs/cgroup', ...readdirSync('/sys/fs/cgroup').map((d) => `/sys/fs/cgroup/${d}`)]
  for (const h of hierarchies) {
    for (const leaf of [`lxc.monitor.${name}`, `lxc.payload.${name}`]) if (existsSync(`${h}/${leaf}`)) rmdirSync(`${h}/${leaf}`)
  }
}

// Processes running the sandbox rootfs's test-init (the containers' inits).
function inits(sb: Sandbox): number[] {
  return listPids().filter((pid) => readCmdline(pid).startsWith('/sbin/test-init pause') && existsSync(`/proc/${pid}/root/tmp`) && rootIsSandbox(sb, pid))
}

function rootIsSandbox(sb: Sandbox, pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/root/tmp`).some((f) => f.startsWith(sb.tag))
  } catch {
    return false
  }
}

describe('side by side with LXC on one lxcpath', {skip: rootOnly() || NO_LXC}, () => {
  const sandbox = useSandbox('lxcside')

  for (const via of WAYS) {
    it(`ctr sees a container LXC runs: info (state, pid, --json), ls, and refuses start and stop (${via})`, T, async () => {
      const sb = sandbox()
      const {name, ready} = define(sb, 'bylxc')
      try {
        const started = lxc(sb, 'lxc-start', ['-n', name, '-d'])
        assert.equal(started.code, 0, describeRun('lxc-start', started))
        await waitForFile(ready.host)
        const pid = Number(lxc(sb, 'lxc-info', ['-n', name, '-pH']).stdout.trim())
        assert.ok(pid > 0)

        const info = await sb.ctr(['info', '-n', name], {via})
        assert.equal(info.code, 0, describeResult(info))
        assert.equal(info.stdout, `Name:           ${name}\nState:          RUNNING\nPID:            ${pid}\n`)
        assert.equal((await sb.ctr(['info', '-n', name, '-sH'], {via})).stdout, 'RUNNING\n')
        const j = json<{result: {state: string; pid: number; runBy?: string}}>(await sb.ctr(['info', '-n', name, '--json'], {via}))
        assert.deepEqual([j.result.state, j.result.pid, j.result.runBy], ['RUNNING', pid, 'lxc'])

        const ls = await sb.ctr(['ls', '--running', '-1'], {via})
        assert.equal(ls.stdout, `${name}\n`, describeResult(ls))
        const fancy = json<{result: Array<{name: string; state: string; pid: number; runBy?: string}>}>(await sb.ctr(['ls', '-f', '--json'], {via}))
        assert.deepEqual(fancy.result.filter((e) => e.name === name).map((e) => [e.state, e.pid, e.runBy]), [['RUNNING', pid, 'lxc']])

        const again = await sb.ctr(['start', '-n', name], {via})
        assert.equal(again.code, 0, describeResult(again))
        assert.equal(again.stderr, `ctr start: ${name}: Container is already running under LXC\n`)
        assert.equal(existsSync(sb.rundirOf(name)), false, 'no ctr monitor was started')
        assert.deepEqual(inits(sb), [pid], 'one init, LXC\'s')
        // With -p, LXC is asked before any monitor runs: a monitor would
        // replace the pidfile before its lxc-lock step, and remove it. The
        // one there (as lxc-start -p wrote it) is left alone.
        const pidfile = join(sb.root, `${name}.pid`)
        writeFileSync(pidfile, `${pid}\n`)
        const withPidfile = await sb.ctr(['start', '-n', name, '-p', pidfile], {via})
        assert.equal(withPidfile.stderr, `ctr start: ${name}: Container is already running under LXC\n`, describeResult(withPidfile))
        assert.equal(readFileSync(pidfile, 'utf8'), `${pid}\n`, 'the pidfile is untouched')

        const stop = await sb.ctr(['stop', '-n', name], {via})
        assert.equal(stop.code, 1, describeResult(stop))
        assert.match(stop.stderr, new RegExp(`^ctr stop: ${name} is running under LXC, not ctr\\nStop it with LXC's tools: lxc-stop -P ${sb.lxcpath} -n ${name}\\n$`))
        assert.deepEqual(inits(sb), [pid], 'still running')

        assert.equal(lxc(sb, 'lxc-stop', ['-n', name, '-k']).code, 0)
        await waitForPidGone(pid)
        assert.equal((await sb.ctr(['info', '-n', name, '-sH'], {via})).stdout, 'STOPPED\n')
      } finally {
        lxcCleanup(sb, name)
      }
    })
  }

  it('LXC\'s tools see a container ctr runs (lxc-info, lxc-ls) and refuse to start it again', T, async () => {
    const sb = sandbox()
    const {name, ready} = define(sb, 'byctr')
    try {
      const start = await sb.ctr(['start', '-n', name])
      assert.equal(start.code, 0, describeResult(start))
      await waitForFile(ready.host)
      const pid = Number((await sb.ctr(['info', '-n', name, '-pH'])).stdout.trim())

      const state = lxc(sb, 'lxc-info', ['-n', name, '-sH'])
      assert.equal(state.stdout, 'RUNNING\n', describeRun('lxc-info -sH', state))
      assert.equal(lxc(sb, 'lxc-info', ['-n', name, '-pH']).stdout, `${pid}\n`)
      const listed = lxc(sb, 'lxc-ls', ['--running', '-1'])
      assert.equal(listed.stdout, `${name}\n`, describeRun('lxc-ls --running', listed))

      const twice = lxc(sb, 'lxc-start', ['-n', name, '-d'])
      assert.equal(twice.code, 0, describeRun('lxc-start', twice))
      assert.match(twice.stderr, /Container is already running/)
      assert.deepEqual(inits(sb), [pid], 'one init, ctr\'s')
      assert.equal((await sb.ctr(['info', '-n', name, '-pH'])).stdout, `${pid}\n`)

      // LXC cannot stop it (ctr answers its other commands ENOSYS); ctr can.
      const lxcStop = lxc(sb, 'lxc-stop', ['-n', name, '-k'])
      assert.notEqual(lxcStop.code, 0, describeRun('lxc-stop -k', lxcStop))
      assert.deepEqual(inits(sb), [pid])
      assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
      assert.equal(lxc(sb, 'lxc-info', ['-n', name, '-sH']).stdout, 'STOPPED\n')
    } finally {
      lxcCleanup(sb, name)
    }
  })

  it('concurrent lxc-start and ctr start of one name: it runs once, and the loser says it is already running', T, async () => {
    const sb = sandbox()
    const {name, ready} = define(sb, 'race')
    try {
      for (let round = 0; round < 4; round++) {
        rmSync(ready.host, {force: true})
        const ours = sb.spawnCtr(['start', '-n', name])
        const theirs = spawn('lxc-start', ['-P', sb.lxcpath, '-n', name, '-d'], {stdio: ['ignore', 'pipe', 'pipe']})
        let theirErr = ''
        theirs.stderr.setEncoding('utf8').on('data', (c: string) => (theirErr += c))
        const [ctrDone, lxcCode] = await Promise.all([ours.done, new Promise<number | null>((resolve) => theirs.on('close', resolve))])
        assert.equal(ctrDone.code, 0, describeResult(ctrDone))
        // lxc-start that loses on its is_running check exits 0; one that
        // loses the bind itself says "appears to be already running", exit 1.
        assert.ok(lxcCode === 0 || (lxcCode === 1 && /already running/.test(theirErr)), `lxc-start -> ${lxcCode}: ${theirErr}`)
        await waitForFile(ready.host)
        const running = inits(sb)
        assert.equal(running.length, 1, `round ${round}: exactly one init (${running.join(', ')})\nctr: ${ctrDone.stderr}\nlxc: ${theirErr}`)
        const ctrWon = existsSync(sb.rundirOf(name))
        if (ctrWon) {
          assert.match(theirErr, /already running/, `round ${round}: LXC lost`)
          assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
        } else {
          assert.match(ctrDone.stderr, /already running under LXC/, `round ${round}: ctr lost`)
          assert.equal(lxc(sb, 'lxc-stop', ['-n', name, '-k']).code, 0)
        }
        await waitForPidGone(running[0] as number)
      }
    } finally {
      lxcCleanup(sb, name)
    }
  })

  it('a process that is neither root nor us holding LXC\'s socket name cannot stop ctr from starting', T, async () => {
    const sb = sandbox()
    const {name, ready} = define(sb, 'squat')
    const dir = join(sb.root, `squat-${name}`)
    mkdirSync(dir, {mode: 0o777})
    chmodSync(dir, 0o777)
    const squatterReady = join(dir, 'ready')
    const squatter = spawn(TEST_INIT_BUILD, ['bind-abstract', `${sb.lxcpath}/${name}/command`, '--ready', squatterReady], {uid: 65534, gid: 65534, stdio: 'ignore'})
    try {
      await waitForFile(squatterReady)
      const start = await sb.ctr(['start', '-n', name, '-l', 'WARN', '-o', join(sb.root, `${name}.log`)])
      assert.equal(start.code, 0, describeResult(start))
      await waitForFile(ready.host)
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'RUNNING\n')
      assert.match(readFileSync(join(sb.root, `${name}.log`), 'utf8'), /LXC's command socket @.* is held by pid \d+ \(uid 65534, test-init\), which cannot be LXC running this container; starting without LXC's lock/)
      assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
    } finally {
      squatter.kill('SIGKILL')
      await new Promise((resolve) => squatter.once('close', resolve))
    }
  })
})
