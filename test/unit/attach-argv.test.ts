// `ctr attach` argv (core/cli/attach.ts): lxc-attach's table, -e's optional
// argument, -s's namespace names, ids, and the environment it builds
// (core/attach-plan.ts, lxc_attach_set_environment's rules).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {attachEnvironment, attachPersonality, DEFAULT_PATH} from '../../src/core/attach-plan.js'
import {ELEVATE, ELEVATE_ALL, parse, type AttachOptions} from '../../src/core/cli/attach.js'
import {CtrError, UsageError} from '../../src/core/errors.js'

function run(argv: string[]): AttachOptions {
  const parsed = parse(argv, {})
  if (parsed.action !== 'run') throw new Error(`expected run, got ${parsed.action}`)
  return parsed.options
}

const NEWNET = 0x40000000
const NEWUTS = 0x04000000
const NEWNS = 0x00020000

describe('ctr attach argv', () => {
  it('takes the name and the command after it or after --', () => {
    assert.deepEqual(run(['-n', 'web', '--', 'ls', '-l']).command, ['ls', '-l'])
    assert.deepEqual(run(['web', '--', 'sh', '-c', 'exit 3']).command, ['sh', '-c', 'exit 3'])
    assert.deepEqual(run(['-n', 'web']).command, [])
    const o = run(['-n', 'web'])
    assert.equal(o.elevate, 0)
    assert.equal(o.namespaces, undefined)
    assert.equal(o.clearEnv, false)
  })

  it('reads -e with no value as every privilege, and only an attached value as its list', () => {
    assert.equal(run(['-n', 'w', '-e']).elevate, ELEVATE_ALL)
    assert.equal(run(['-n', 'w', '--elevated-privileges']).elevate, ELEVATE_ALL)
    assert.equal(run(['-n', 'w', '-eCAP']).elevate, ELEVATE.CAP)
    assert.equal(run(['-n', 'w', '-e=CAP|CGROUP']).elevate, ELEVATE.CAP | ELEVATE.CGROUP)
    assert.equal(run(['-n', 'w', '--elevated-privileges=LSM']).elevate, ELEVATE.LSM)
    // Never the next word (getopt's optional_argument): CAP is the command here.
    const o = run(['-n', 'w', '-e', 'CAP'])
    assert.equal(o.elevate, ELEVATE_ALL)
    assert.deepEqual(o.command, ['CAP'])
    assert.throws(() => run(['-n', 'w', '-e=ROOT']), (e: unknown) => e instanceof UsageError && e.code === 'CTR_INVALID_PRIVILEGE')
  })

  it("reads -s as LXC's names joined by |, any case, and does not elevate", () => {
    assert.equal(run(['-n', 'w', '-s', 'NETWORK|UTSNAME']).namespaces, NEWNET | NEWUTS)
    assert.equal(run(['-n', 'w', '-s', 'net|uts|MOUNT']).namespaces, NEWNET | NEWUTS | NEWNS)
    assert.equal(run(['-n', 'w', '-s', 'NETWORK']).elevate, 0)
    assert.throws(() => run(['-n', 'w', '-s', 'NET|BOGUS']), (e: unknown) => e instanceof UsageError && e.code === 'CTR_INVALID_NAMESPACE')
    assert.throws(() => run(['-n', 'w', '-s', '|']), (e: unknown) => e instanceof UsageError && e.code === 'CTR_INVALID_NAMESPACE')
  })

  it('takes -u/-g as unsigned ids, -a as an architecture, repeatable -v and --keep-var, -L, -R, -f', () => {
    const o = run(['-n', 'w', '-u', '1000', '-g', '0', '-a', 'i686', '-v', 'A=1', '--set-var', 'B=2', '--keep-var', 'TERM', '--clear-env', '-L', '/tmp/log', '-R', '-f', '/etc/c'])
    assert.equal(o.uid, 1000)
    assert.equal(o.gid, 0)
    assert.equal(o.arch, 'linux32')
    assert.deepEqual(o.setVars, ['A=1', 'B=2'])
    assert.deepEqual(o.keepVars, ['TERM'])
    assert.equal(o.clearEnv, true)
    assert.equal(o.ptyLog, '/tmp/log')
    assert.equal(o.remount, true)
    assert.equal(o.rcfile, '/etc/c')
    assert.equal(run(['-n', 'w', '--clear-env', '--keep-env']).clearEnv, false, 'the last of --clear-env/--keep-env wins')
    for (const bad of ['-1', 'abc', '4294967295', '1e3']) {
      assert.throws(() => run(['-n', 'w', '-u', bad]), (e: unknown) => e instanceof UsageError && e.code === 'CTR_INVALID_ID', bad)
    }
    assert.throws(() => run(['-n', 'w', '-a', 'vax']), (e: unknown) => e instanceof CtrError && e.code === 'CTR_INVALID_ARCH')
    assert.equal(attachPersonality('linux32'), 8)
    assert.equal(attachPersonality('linux64'), 0)
    assert.equal(attachPersonality(undefined), undefined)
  })
})

describe('ctr attach environment', () => {
  const caller = {HOME: '/root', PATH: '/usr/bin', TERM: 'xterm'}
  const config = {environment: [['FROM', 'config'], ['TERM', 'vt100']], environmentRuntime: [['RT', '1']]} as never

  it("keeps the caller's, then container=lxc, lxc.environment, -v; later names win", () => {
    const env = attachEnvironment(caller, {clearEnv: false, keepVars: [], setVars: ['X=1', 'HOME=/home']}, config)
    assert.deepEqual(env, ['HOME=/home', 'PATH=/usr/bin', 'TERM=vt100', 'container=lxc', 'FROM=config', 'RT=1', 'X=1'])
  })

  it('with --clear-env: only --keep-var, a default PATH unless kept', () => {
    assert.deepEqual(attachEnvironment(caller, {clearEnv: true, keepVars: ['HOME', 'NOPE'], setVars: []}, undefined), ['HOME=/root', `PATH=${DEFAULT_PATH}`, 'container=lxc'])
    assert.deepEqual(attachEnvironment(caller, {clearEnv: true, keepVars: ['PATH'], setVars: ['A=b=c']}, undefined), ['PATH=/usr/bin', 'container=lxc', 'A=b=c'])
  })
})
