// --many, --all-matching and --at-once on ctr start and ctr stop (README
// "Many containers at once"): operands become names only with them, so
// that no LXC command line changes meaning.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {DEFAULT_AT_ONCE, parseStartArgv, parseStopArgv} from '../../src/core/cli/parse.js'
import {CtrError} from '../../src/core/errors.js'
import type {Parsed, StartOptions, StopOptions} from '../../src/core/options.js'

const ENV = {}

function options<T>(parsed: Parsed<T>): T {
  assert.equal(parsed.action, 'run')
  return (parsed as {action: 'run'; options: T}).options
}

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof CtrError, String(error))
    return error.code
  }
  assert.fail('expected an error')
}

describe('start and stop with many containers: argv', () => {
  it('without --many the LXC meanings stay: start NAME CMD runs CMD, stop takes one name', () => {
    const start = options<StartOptions>(parseStartArgv(['web', 'sh', '-F'], ENV))
    assert.equal(start.name, 'web')
    assert.deepEqual(start.command, ['sh'])
    assert.equal(start.fleet, undefined)
    assert.equal(code(() => parseStopArgv(['web', 'db'], ENV)), 'CTR_UNEXPECTED_ARGUMENT')
    // getopt abbreviations of LXC's options keep their meaning.
    assert.equal(options<StartOptions>(parseStartArgv(['--na', 'web'], ENV)).name, 'web')
    assert.equal(options<StartOptions>(parseStartArgv(['-n', 'web', '--r', '/tmp/c'], ENV)).rcfile, '/tmp/c')
  })

  it('--many: every operand is a name, in order, duplicates once', () => {
    const start = options<StartOptions>(parseStartArgv(['--many', 'web', 'db', 'web', '-s', 'lxc.uts.name=x'], ENV))
    assert.deepEqual(start.fleet, {names: ['web', 'db'], allMatching: undefined, atOnce: DEFAULT_AT_ONCE})
    assert.deepEqual(start.command, [])
    assert.deepEqual(start.defines, [{key: 'lxc.uts.name', value: 'x'}])
    const stop = options<StopOptions>(parseStopArgv(['-k', 'a', 'b', '--many', '--at-once', '3'], ENV))
    assert.deepEqual(stop.fleet, {names: ['a', 'b'], allMatching: undefined, atOnce: 3})
    assert.equal(stop.kill, true)
  })

  it('--all-matching implies --many and takes a POSIX ERE', () => {
    const start = options<StartOptions>(parseStartArgv(['--all-matching', 'web[[:digit:]]+'], ENV))
    assert.deepEqual(start.fleet, {names: [], allMatching: 'web[[:digit:]]+', atOnce: DEFAULT_AT_ONCE})
    assert.equal(code(() => parseStopArgv(['--all-matching', 'web(?=x)'], ENV)), 'CTR_INVALID_REGEX')
  })

  it('refuses what names one container, and a command', () => {
    assert.equal(code(() => parseStartArgv(['--many', '-n', 'web', 'db'], ENV)), 'CTR_OPTION_CONFLICT')
    assert.equal(code(() => parseStartArgv(['--many', 'web', '-F'], ENV)), 'CTR_OPTION_CONFLICT')
    assert.equal(code(() => parseStartArgv(['--many', 'web', '-p', '/tmp/pid'], ENV)), 'CTR_OPTION_CONFLICT')
    assert.equal(code(() => parseStartArgv(['--many', 'web', '--', 'sh'], ENV)), 'CTR_OPTION_CONFLICT')
    assert.equal(code(() => parseStartArgv(['--many'], ENV)), 'CTR_NO_NAME')
    assert.equal(code(() => parseStartArgv(['--many', 'bad/name'], ENV)), 'CTR_INVALID_NAME')
    assert.equal(code(() => parseStopArgv(['-n', 'web', '--at-once', '2'], ENV)), 'CTR_OPTION_CONFLICT')
    assert.equal(code(() => parseStopArgv(['--many', 'web', '--at-once', '0'], ENV)), 'CTR_INVALID_AT_ONCE')
  })
})
