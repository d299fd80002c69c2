// `ctr ls` argv (core/cli/ls.ts): lxc-ls's option table under getopt_long
// rules, and the places where ctr refuses what lxc-ls silently ignores.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {parse, SPEC, type LsOptions} from '../../src/core/cli/ls.js'
import {formatUsage} from '../../src/core/cli/specs.js'
import {UsageError} from '../../src/core/errors.js'
import {DEFAULT_FANCY_COLUMNS} from '../../src/core/format/ls.js'

function run(argv: string[]): LsOptions {
  const parsed = parse(argv, {})
  if (parsed.action !== 'run') throw new Error(`expected run, got ${parsed.action}`)
  return parsed.options
}

const DEFAULTS: LsOptions = {
  lxcpath: undefined, logfile: undefined, logpriority: undefined, quiet: false, json: false,
  line: false, fancy: false, columns: [...DEFAULT_FANCY_COLUMNS],
  active: false, running: false, frozen: false, stopped: false, defined: false, groups: [], filter: undefined,
}

describe('ctr ls argv: accepted', () => {
  const cases: Array<{argv: string[]; want: Partial<LsOptions>; why: string}> = [
    {why: 'nothing', argv: [], want: {}},
    {why: '-1', argv: ['-1'], want: {line: true}},
    {why: '--line prefix', argv: ['--li'], want: {line: true}},
    {why: '-f', argv: ['-f'], want: {fancy: true}},
    {why: '-F implies -f, any case', argv: ['-F', 'name,pid'], want: {fancy: true, columns: ['NAME', 'PID']}},
    {why: '-F attached, grouped after -1', argv: ['-1Fname'], want: {line: true, fancy: true, columns: ['NAME']}},
    {why: '--fancy-format=', argv: ['--fancy-format=STATE,ram'], want: {fancy: true, columns: ['STATE', 'RAM']}},
    {why: 'last -F wins', argv: ['-F', 'NAME', '-F', 'PID'], want: {fancy: true, columns: ['PID']}},
    {why: '--fancy is exact even though --fancy-format exists', argv: ['--fancy'], want: {fancy: true}},
    {why: 'state flags', argv: ['--active', '--running', '--frozen', '--stopped', '--defined'], want: {active: true, running: true, frozen: true, stopped: true, defined: true}},
    {why: 'prefixes of state flags', argv: ['--run', '--st', '--def', '--fr', '--ac'], want: {running: true, stopped: true, defined: true, frozen: true, active: true}},
    {why: '-g trimmed and split, empties dropped', argv: ['-g', ' web , prod,,'], want: {groups: ['web', 'prod']}},
    {why: 'last -g wins', argv: ['-g', 'a', '--groups=b'], want: {groups: ['b']}},
    {why: '--filter', argv: ['--filter', '^web'], want: {filter: '^web'}},
    {why: '--filter=', argv: ['--filter=web[0-9]+'], want: {filter: 'web[0-9]+'}},
    {why: 'the operand is the filter', argv: ['^db'], want: {filter: '^db'}},
    {why: 'operand after options (permutation)', argv: ['-f', 'db', '--running'], want: {fancy: true, filter: 'db', running: true}},
    {why: 'operand after --', argv: ['--', '-x'], want: {filter: '-x'}},
    {why: '-P, trailing slashes removed', argv: ['-P', '/srv/lxc//'], want: {lxcpath: '/srv/lxc'}},
    {why: 'common options', argv: ['-q', '-o', '/tmp/log', '-l', 'debug', '--json'], want: {quiet: true, logfile: '/tmp/log', logpriority: 'DEBUG', json: true}},
  ]
  for (const c of cases) {
    it(`${c.why}: ${c.argv.join(' ')}`, () => {
      assert.deepEqual(run(c.argv), {...DEFAULTS, ...c.want})
    })
  }
})

describe('ctr ls argv: informational', () => {
  it('-h, -?, --usage, --version', () => {
    assert.deepEqual(parse(['-h'], {}), {action: 'help', exitCode: 0})
    assert.deepEqual(parse(['-?'], {}), {action: 'help', exitCode: 1})
    assert.deepEqual(parse(['--usage'], {}), {action: 'usage'})
    assert.deepEqual(parse(['--version'], {}), {action: 'version'})
  })
  it('--usage lists the lxc-ls options in table order', () => {
    const usage = formatUsage(SPEC, 'ctr ls')
    assert.match(usage, /^Usage: ctr ls \[-1\|--line\] \[-f\|--fancy\] \[-F\|--fancy-format=COLUMNS\] \[--active\]\n/)
    assert.doesNotMatch(usage, /--name|--rcfile/)
  })
})

describe('ctr ls argv: refused', () => {
  const cases: Array<{argv: string[]; code: string; message: RegExp; why: string}> = [
    {why: 'unknown -F column', argv: ['-F', 'NAME,foo'], code: 'CTR_INVALID_COLUMN', message: /^Invalid key: foo$/},
    {why: 'bad regex', argv: ['--filter', 'web['], code: 'CTR_INVALID_REGEX', message: /^Invalid regular expression "web\[" for --filter/},
    {why: 'bad regex as operand', argv: ['(x'], code: 'CTR_INVALID_REGEX', message: /Invalid regular expression/},
    {why: 'two operands', argv: ['a', 'b'], code: 'CTR_UNEXPECTED_ARGUMENT', message: /^Unexpected argument "b"$/},
    {why: 'operand and --filter', argv: ['--filter', 'a', 'b'], code: 'CTR_UNEXPECTED_ARGUMENT', message: /^Unexpected argument "b"$/},
    {why: '--nesting', argv: ['--nesting'], code: 'CTR_NOT_SUPPORTED', message: /^--nesting is not supported$/},
    {why: '--nesting=NUM', argv: ['--nesting=3'], code: 'CTR_NOT_SUPPORTED', message: /^--nesting is not supported$/},
    {why: '--nest=NUM (prefix)', argv: ['--nest=3'], code: 'CTR_NOT_SUPPORTED', message: /^--nesting is not supported$/},
    {why: '-n is not an ls option', argv: ['-n', 'web'], code: 'CTR_USAGE', message: /^invalid option -- 'n'$/},
    {why: '--rcfile is not an ls option', argv: ['--rcfile', 'x'], code: 'CTR_USAGE', message: /^unrecognized option '--rcfile'$/},
    {why: 'ambiguous prefix', argv: ['--f'], code: 'CTR_USAGE', message: /^option '--f' is ambiguous; possibilities: '--fancy' '--fancy-format' '--frozen' '--filter'$/},
    {why: 'two -P', argv: ['-P', '/a', '-P', '/b'], code: 'CTR_MULTIPLE_LXCPATH', message: /only accepts 1 -P/},
    {why: '-F without a value', argv: ['-F'], code: 'CTR_USAGE', message: /^option requires an argument -- 'F'$/},
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
