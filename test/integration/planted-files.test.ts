// Files another user plants where root writes must never be opened, hung
// on, or taken over: the pidfile's temp file in a world-writable directory
// (FIFOs and regular files at every name the old `.NAME.PID.tmp` scheme
// would have used), and a symlink or FIFO where the log goes. And root must
// not act on a run directory another user could have written: a foreign
// CTR_RUNTIME_DIR, or a run dir planted with a state.json that names a
// victim process, is refused, and the victim lives.

import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {describeResult, fnv1a64, isAlive, readProcStat, rootOnly, useSandbox} from './helpers.js'

const NOBODY = 65534

/** Runs a command as nobody (the attacker). */
function asNobody(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, {uid: NOBODY, gid: NOBODY, encoding: 'utf8'})
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} as nobody: ${r.stderr}`)
}

/** A world-writable sticky directory, like /tmp, inside the sandbox. */
function stickyDir(root: string, name: string): string {
  const dir = join(root, name)
  mkdirSync(dir)
  spawnSync('chmod', ['1777', dir])
  return dir
}

describe('files planted by another user', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('planted')

  it('never opens a planted FIFO or file as the pidfile\'s temp file, and root owns the pidfile', async () => {
    const sb = sandbox()
    const name = sb.name('pid')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const tmp = stickyDir(sb.root, 'tmp-pid')
    // The next few hundred pids: whichever the monitor gets, a FIFO (and,
    // for odd pids, a regular file) of nobody's waits at the old name.
    const next = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'))
    for (let pid = next; pid < next + 300; pid++) {
      const path = join(tmp, `.c.pid.${pid}.tmp`)
      if (pid % 2) asNobody('touch', [path])
      else asNobody('mkfifo', [path])
    }
    const pidfile = join(tmp, 'c.pid')
    const r = await sb.ctr(['start', '-n', name, '-p', pidfile], {timeoutMs: 30_000})
    assert.equal(r.code, 0, describeResult(r))
    const st = lstatSync(pidfile)
    assert.ok(st.isFile() && st.uid === 0 && (st.mode & 0o777) === 0o600, `pidfile ${st.uid} ${(st.mode & 0o777).toString(8)}`)
    const monitor = Number(readFileSync(pidfile, 'utf8'))
    assert.ok(isAlive(monitor), 'the pidfile names the live monitor')
    for (const entry of readdirSync(tmp).filter((e) => e.endsWith('.tmp'))) {
      const s = lstatSync(join(tmp, entry))
      assert.equal(s.uid, NOBODY, `${entry} was replaced`)
      if (s.isFile()) assert.equal(s.size, 0, `${entry} was written`)
    }
  })

  it('does not follow a symlink or hang on a FIFO planted where the log goes', async () => {
    const sb = sandbox()
    const tmp = stickyDir(sb.root, 'tmp-log')
    const victim = join(sb.root, 'victim')
    writeFileSync(victim, 'untouched\n')
    asNobody('ln', ['-s', victim, join(tmp, 'link.log')])
    asNobody('mkfifo', [join(tmp, 'fifo.log')])
    for (const log of ['link.log', 'fifo.log']) {
      const name = sb.name('log')
      sb.defineRootfs(name, {init: '/sbin/test-init pause'})
      // Refusing the log (with a message) or running without it are both
      // fine; hanging, or writing through the link, is not.
      const r = await sb.ctr(['start', '-n', name, '-o', join(tmp, log), '-l', 'DEBUG'], {timeoutMs: 30_000})
      assert.ok(r.code === 0 || r.code === 1, describeResult(r))
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace')
    }
    assert.equal(readFileSync(victim, 'utf8'), 'untouched\n')
    assert.ok(lstatSync(join(tmp, 'link.log')).isSymbolicLink())
  })

  it('refuses a run-dir base that another user owns or can write', async () => {
    const sb = sandbox()
    const name = sb.name('base')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const foreign = join(sb.root, 'foreign-run')
    mkdirSync(foreign, {mode: 0o755})
    chownSync(foreign, NOBODY, NOBODY)
    const owned = await sb.ctr(['start', '-n', name], {env: {CTR_RUNTIME_DIR: foreign}})
    assert.equal(owned.code, 1, describeResult(owned))
    assert.match(owned.stderr, /run directory/i, describeResult(owned))
    const writable = stickyDir(sb.root, 'open-run')
    spawnSync('chmod', ['0777', writable])
    const open = await sb.ctr(['start', '-n', name], {env: {CTR_RUNTIME_DIR: writable}})
    assert.equal(open.code, 1, describeResult(open))
    assert.deepEqual(readdirSync(foreign), [], 'nothing was created in the foreign base')
  })

  it('never signals a pid or kills a cgroup that a planted run dir names', async () => {
    const sb = sandbox()
    const name = sb.name('forged')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    // The victim: a process of ours the attacker would like root to kill.
    const victim = spawn('sleep', ['1000'], {stdio: 'ignore'})
    try {
      const start = readProcStat(victim.pid ?? 0)?.starttime
      assert.ok(start, 'the victim runs')
      const base = join(sb.root, 'shared-run')
      mkdirSync(base, {mode: 0o755})
      const rundir = join(base, fnv1a64(`${sb.lxcpath}/${name}`))
      mkdirSync(rundir, {mode: 0o777})
      chownSync(rundir, NOBODY, NOBODY)
      const state = {state: 'RUNNING', name, lxcpath: sb.lxcpath, monitorPid: 0, monitorStartTime: 0, initPid: victim.pid, initStartTime: start, startedAt: 1, updatedAt: 1, oomKills: 0}
      asNobody('sh', ['-c', `printf '%s' '${JSON.stringify(state)}' > ${rundir}/state.json`])
      const env = {CTR_RUNTIME_DIR: base}
      for (const args of [['stop', '-n', name, '-k'], ['stop', '-n', name, '-t', '1'], ['info', '-n', name], ['start', '-n', name]]) {
        const r = await sb.ctr(args, {env})
        assert.equal(r.code, 1, describeResult(r))
        assert.match(r.stderr, /Refusing the run directory/, describeResult(r))
      }
      assert.ok(isAlive(victim.pid ?? 0), 'the victim was killed')
      assert.ok(existsSync(join(rundir, 'state.json')) && statSync(rundir).uid === NOBODY)
    } finally {
      victim.kill('SIGKILL')
    }
  })
})
