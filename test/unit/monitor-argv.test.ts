// `ctr monitor` argv (core/cli/monitor.ts): lxc-monitor's table (-Q, the
// common options, several -P) and the name regex.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {parse, SPEC, type MonitorOptions} from '../../src/core/cli/monitor.js'
import {formatUsage} from '../../src/core/cli/specs.js'
import {UsageError} from '../../src/core/errors.js'

function run(argv: string[]): MonitorOptions {
  const parsed = parse(argv, {})
  if (parsed.action !== 'run') throw new Error(`expected run, got ${parsed.action}`)
  return parsed.options
}

const DEFAULTS: MonitorOptions = {lxcpaths: [], name: '.*', quit: false, logfile: undefined, logpriority: undefined, quiet: false, json: false}

describe('ctr monitor argv: accepted', () => {
  const cases: Array<{argv: string[]; want: Partial<MonitorOptions>; why: string}> = [
    {why: 'nothing: every container', argv: [], want: {}},
    {why: '-n', argv: ['-n', 'web.*'], want: {name: 'web.*'}},
    {why: '--name=, last wins', argv: ['-n', 'a', '--name=b'], want: {name: 'b'}},
    {why: 'the operand is the regex', argv: ['web|db'], want: {name: 'web|db'}},
    {why: 'several -P, slashes removed, duplicates dropped', argv: ['-P', '/a/', '-P', '/b', '--lxcpath=/a'], want: {lxcpaths: ['/a', '/b']}},
    {why: '-Q', argv: ['-Q'], want: {quit: true}},
    {why: '--quit exactly, though --quiet shares its prefix', argv: ['--quit'], want: {quit: true}},
    {why: '--json, -q', argv: ['--json', '-q'], want: {json: true, quiet: true}},
    {why: 'grouped', argv: ['-qnweb'], want: {quiet: true, name: 'web'}},
  ]
  for (const c of cases) {
    it(`${c.why}: ${c.argv.join(' ')}`, () => {
      assert.deepEqual(run(c.argv), {...DEFAULTS, ...c.want})
    })
  }
  it('--usage shows -Q first, then the common options', () => {
    assert.match(formatUsage(SPEC, 'ctr monitor'), /^Usage: ctr monitor \[-Q\|--quit\] \[-n\|--name=REGEX\] /)
  })
  it('-h and --version end the scan', () => {
    assert.deepEqual(parse(['-h', '--bogus'], {}), {action: 'help', exitCode: 0})
    assert.deepEqual(parse(['--version'], {}), {action: 'version'})
  })
})

describe('ctr monitor argv: refused', () => {
  const cases: Array<{argv: string[]; code: string; message: RegExp; why: string}> = [
    {why: 'bad regex', argv: ['-n', '[x'], code: 'CTR_INVALID_REGEX', message: /^Invalid regular expression "\[x" for -n: /},
    {why: 'operand with -n', argv: ['-n', 'a', 'b'], code: 'CTR_UNEXPECTED_ARGUMENT', message: /^Unexpected argument "b"$/},
    {why: 'two operands', argv: ['a', 'b'], code: 'CTR_UNEXPECTED_ARGUMENT', message: /^Unexpected argument "b"$/},
    {why: 'empty -P', argv: ['-P', ''], code: 'CTR_INVALID_LXCPATH', message: /^Invalid lxcpath ""$/},
    {why: '--qui is ambiguous, as with lxc-monitor', argv: ['--qui'], code: 'CTR_USAGE', message: /^option '--qui' is ambiguous; possibilities: '--quit' '--quiet'$/},
    {why: 'unknown option', argv: ['-x'], code: 'CTR_USAGE', message: /^invalid option -- 'x'$/},
    {why: '--rcfile is not a monitor option', argv: ['--rcfile=x'], code: 'CTR_USAGE', message: /^unrecognized option '--rcfile=x'$/},
  ]
  for (const c of cases) {
    it(`${c.why}: ${c.argv.join(' ')}`, () => {
      assert.throws(() => parse(c.argv, {}), (e: unknown) => {
        assert.ok(e instanceof UsageError, `not a UsageError: ${String(e)}`)
        assert.equal(e.code, c.code)
        assert.equal(e.exitCode, 1)
        assert.match(e.message, c.message)
        return true
      })
    })
  }
})
