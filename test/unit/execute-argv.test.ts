// `ctr execute` argv (core/cli/execute.ts) and its init argv
// (core/start-plan.ts executeArgv): lxc-execute's table and rules.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {parse} from '../../src/core/cli/execute.js'
import {createDefaultConfig as newConfig} from '../../src/core/config/model.js'
import {CtrError, UsageError} from '../../src/core/errors.js'
import type {StartOptions} from '../../src/core/options.js'
import {executeArgv} from '../../src/core/start-plan.js'

function run(argv: string[]): StartOptions {
  const parsed = parse(argv, {})
  if (parsed.action !== 'run') throw new Error(`expected run, got ${parsed.action}`)
  return parsed.options
}

describe('ctr execute argv', () => {
  it('runs in the foreground unless -d, with the command, ids, defines and shares', () => {
    const o = run(['-n', 'job', '-u', '1000', '-g', '100', '-s', 'lxc.uts.name=x', '--share-net', 'web', '--', 'make', '-j2'])
    assert.equal(o.daemon, false)
    assert.deepEqual(o.command, ['make', '-j2'])
    assert.deepEqual(o.execute, {uid: 1000, gid: 100})
    assert.deepEqual(o.defines, [{key: 'lxc.uts.name', value: 'x'}])
    assert.deepEqual(o.share, {net: 'web'})
    assert.equal(run(['-n', 'job', '-d', '--', 'true']).daemon, true)
    assert.deepEqual(run(['-n', 'job']).execute, {uid: undefined, gid: undefined})
    assert.equal(run(['-n', 'job', '-f', '/etc/c']).rcfile, '/etc/c')
    assert.throws(() => run(['-n', 'job', '-u', 'root']), (e: unknown) => e instanceof UsageError && e.code === 'CTR_INVALID_ID')
  })

  it("puts ctr-init in front of the command, else of lxc.execute.cmd, and refuses neither", () => {
    const config = newConfig()
    assert.deepEqual(executeArgv(config, ['sh', '-c', 'x']), ['ctr-init', 'init', '--', 'sh', '-c', 'x'])
    config.executeCmd = {raw: '/bin/app --flag', argv: ['/bin/app', '--flag']}
    assert.deepEqual(executeArgv(config, []), ['ctr-init', 'init', '--', '/bin/app', '--flag'])
    assert.throws(() => executeArgv(newConfig(), []), (e: unknown) => e instanceof CtrError && e.code === 'CTR_NO_COMMAND')
  })
})
