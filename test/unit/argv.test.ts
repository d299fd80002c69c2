// getopt_long compatibility of core/argv.ts. Expected values were checked
// against glibc 2.36 through lxc-stop/lxc-start/lxc-info 5.0.2 on the dev
// machine (their option tables are the ones in core/cli/specs.ts).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {parseArgv, scanArgv} from '../../src/core/argv.js'
import type {OptionDef, ParsedOption} from '../../src/core/argv.js'
import {UsageError} from '../../src/core/errors.js'
import {INFO_SPEC, START_SPEC, STOP_SPEC, WAIT_SPEC, formatUsage} from '../../src/core/cli/specs.js'

// A small table in the shape of lxc-stop's, plus rows that exercise the
// prefix rules: `kill` is also a prefix of `killall`, and `dup` appears
// twice for the same option (glibc: not ambiguous).
const TABLE: OptionDef[] = [
  {key: 'reboot', short: 'r', long: 'reboot', hasArg: false},
  {key: 'timeout', short: 't', long: 'timeout', hasArg: true},
  {key: 'kill', short: 'k', long: 'kill', hasArg: false},
  {key: 'killall', long: 'killall', hasArg: false},
  {key: 'nokill', long: 'nokill', hasArg: false},
  {key: 'nolock', long: 'nolock', hasArg: false},
  {key: 'name', short: 'n', long: 'name', hasArg: true},
  {key: 'dup', long: 'duplicate', hasArg: false},
  {key: 'dup', long: 'duplicate-alias', hasArg: false},
  {key: 'daemon', short: 'd', long: 'daemon', hasArg: false},
  {key: 'foreground', short: 'F', long: 'foreground', hasArg: false},
]

type Opt = [key: string, flag: string, value?: string]

function opts(list: Opt[]): ParsedOption[] {
  return list.map(([key, flag, value]) => ({key, flag, value}))
}

describe('parseArgv: accepted forms', () => {
  const cases: Array<{argv: string[]; options: Opt[]; operands?: string[]; after?: string[]; why: string}> = [
    {why: 'grouped shorts', argv: ['-dF'], options: [['daemon', '-d'], ['foreground', '-F']]},
    {why: 'grouped shorts, last takes the attached rest', argv: ['-kt5'], options: [['kill', '-k'], ['timeout', '-t', '5']]},
    {why: 'grouped shorts, last takes the next word', argv: ['-kn', 'web'], options: [['kill', '-k'], ['name', '-n', 'web']]},
    {why: 'attached short value', argv: ['-t5'], options: [['timeout', '-t', '5']]},
    {why: 'attached short value that looks like options', argv: ['-nweb-kF'], options: [['name', '-n', 'web-kF']]},
    {why: 'separate short value', argv: ['-t', '5'], options: [['timeout', '-t', '5']]},
    {why: 'separate value starting with a dash', argv: ['-t', '-1'], options: [['timeout', '-t', '-1']]},
    {why: 'separate value that is an option', argv: ['-n', '-k'], options: [['name', '-n', '-k']]},
    {why: 'separate value that is --', argv: ['-n', '--', 'x'], options: [['name', '-n', '--']], operands: ['x']},
    {why: 'long with =', argv: ['--timeout=5'], options: [['timeout', '--timeout', '5']]},
    {why: 'long with = and empty value', argv: ['--name='], options: [['name', '--name', '']]},
    {why: 'long with = keeps later =', argv: ['--name=a=b'], options: [['name', '--name', 'a=b']]},
    {why: 'long with separate value', argv: ['--timeout', '5'], options: [['timeout', '--timeout', '5']]},
    {why: 'long separate value that is an option', argv: ['--name', '--kill'], options: [['name', '--name', '--kill']]},
    {why: 'unambiguous prefix', argv: ['--fore'], options: [['foreground', '--foreground']]},
    {why: 'prefix with separate value', argv: ['--time', '5'], options: [['timeout', '--timeout', '5']]},
    {why: 'prefix with = value', argv: ['--ti=7'], options: [['timeout', '--timeout', '7']]},
    {why: 'one-letter prefix', argv: ['--r'], options: [['reboot', '--reboot']]},
    {why: 'exact match wins over a longer option', argv: ['--kill'], options: [['kill', '--kill']]},
    {why: 'prefix of only the longer option', argv: ['--killa'], options: [['killall', '--killall']]},
    {why: 'two rows for one option are not ambiguous', argv: ['--dup'], options: [['dup', '--duplicate']]},
    {why: 'permutation: options after operands', argv: ['web', '-k'], options: [['kill', '-k']], operands: ['web']},
    {
      why: 'permutation keeps operand order',
      argv: ['a', '-k', 'b', '--reboot', 'c'],
      options: [['kill', '-k'], ['reboot', '--reboot']],
      operands: ['a', 'b', 'c'],
    },
    {why: '-- ends options', argv: ['-k', '--', '-r', '--kill'], options: [['kill', '-k']], after: ['-r', '--kill']},
    {why: 'operands on both sides of --', argv: ['web', '--', 'sh', '-c', 'x'], options: [], operands: ['web'], after: ['sh', '-c', 'x']},
    {why: 'only the first -- is special', argv: ['--', '--', 'x'], options: [], after: ['--', 'x']},
    {why: 'a lone - is an operand', argv: ['-', '-k'], options: [['kill', '-k']], operands: ['-']},
    {why: 'empty string is an operand', argv: ['', '-k'], options: [['kill', '-k']], operands: ['']},
    {why: 'repeated options are all returned, in order', argv: ['-n', 'a', '--name=b', '-nc'], options: [['name', '-n', 'a'], ['name', '--name', 'b'], ['name', '-n', 'c']]},
    {why: 'nothing', argv: [], options: []},
  ]
  for (const c of cases) {
    it(`${c.why}: ${JSON.stringify(c.argv)}`, () => {
      assert.deepEqual(parseArgv(c.argv, TABLE), {options: opts(c.options), operands: c.operands ?? [], afterDashDash: c.after ?? []})
    })
  }
})

describe('parseArgv: glibc error messages', () => {
  const cases: Array<{argv: string[]; message: string; table?: readonly OptionDef[]}> = [
    {argv: ['--bogus'], message: "unrecognized option '--bogus'"},
    {argv: ['--bogus=1'], message: "unrecognized option '--bogus=1'"},
    {argv: ['---kill'], message: "unrecognized option '---kill'"},
    {argv: ['-z'], message: "invalid option -- 'z'"},
    {argv: ['-kz'], message: "invalid option -- 'z'"},
    {argv: ['-:'], message: "invalid option -- ':'"},
    {argv: ['-;'], message: "invalid option -- ';'"},
    {argv: ['-n'], message: "option requires an argument -- 'n'"},
    {argv: ['-kn'], message: "option requires an argument -- 'n'"},
    {argv: ['--name'], message: "option '--name' requires an argument"},
    {argv: ['--na'], message: "option '--name' requires an argument"},
    {argv: ['--kill=1'], message: "option '--kill' doesn't allow an argument"},
    {argv: ['--fore=x'], message: "option '--foreground' doesn't allow an argument"},
    {argv: ['--no'], message: "option '--no' is ambiguous; possibilities: '--nokill' '--nolock'"},
    {argv: ['--no=1'], message: "option '--no=1' is ambiguous; possibilities: '--nokill' '--nolock'"},
    {argv: ['--n'], message: "option '--n' is ambiguous; possibilities: '--nokill' '--nolock' '--name'"},
    {argv: ['--ki'], message: "option '--ki' is ambiguous; possibilities: '--kill' '--killall'"},
    // Same key but a different has_arg counts as a different option in glibc.
    {
      argv: ['--x'],
      table: [{key: 'x', long: 'xa', hasArg: false}, {key: 'x', long: 'xb', hasArg: true}],
      message: "option '--x' is ambiguous; possibilities: '--xa' '--xb'",
    },
    // Only candidates that differ from the first are listed (glibc's ambig_set).
    {
      argv: ['--a'],
      table: [{key: 'p', long: 'a1', hasArg: false}, {key: 'p', long: 'a2', hasArg: false}, {key: 'q', long: 'a3', hasArg: false}],
      message: "option '--a' is ambiguous; possibilities: '--a1' '--a3'",
    },
    // The options of the real tools, as LXC 5.0.2 prints them.
    {argv: ['--n'], table: STOP_SPEC.options, message: "option '--n' is ambiguous; possibilities: '--nowait' '--nokill' '--nolock' '--name'"},
    {argv: ['--no'], table: STOP_SPEC.options, message: "option '--no' is ambiguous; possibilities: '--nowait' '--nokill' '--nolock'"},
    {argv: ['--sta'], table: INFO_SPEC.options, message: "option '--sta' is ambiguous; possibilities: '--state' '--stats'"},
    {
      argv: ['--s'],
      table: START_SPEC.options,
      message: "option '--s' is ambiguous; possibilities: '--share-net' '--share-ipc' '--share-uts' '--share-pid'",
    },
    // An empty name is a prefix of everything (LXC also lists its second --help row).
    {
      argv: ['--=x'],
      table: STOP_SPEC.options,
      message:
        "option '--=x' is ambiguous; possibilities: '--reboot' '--nowait' '--timeout' '--kill' '--nokill' '--nolock' " +
        "'--many' '--all-matching' '--at-once' '--name' '--help' '--usage' '--version' '--quiet' '--logfile' '--logpriority' '--lxcpath' '--rcfile' '--json'",
    },
  ]
  for (const c of cases) {
    it(`${JSON.stringify(c.argv)} → ${c.message}`, () => {
      assert.throws(
        () => parseArgv(c.argv, c.table ?? TABLE),
        (error: unknown) => {
          assert.ok(error instanceof UsageError)
          assert.equal(error.message, c.message)
          assert.equal(error.code, 'CTR_USAGE')
          assert.equal(error.exitCode, 1)
          assert.equal(error.showUsage, true)
          return true
        },
      )
    })
  }

  it('reports only the first error', () => {
    assert.throws(() => parseArgv(['-z', '--bogus'], TABLE), {message: "invalid option -- 'z'"})
    assert.throws(() => parseArgv(['--bogus', '-z'], TABLE), {message: "unrecognized option '--bogus'"})
  })

  it('does not look at words after --', () => {
    assert.deepEqual(parseArgv(['--', '--bogus', '-z'], TABLE).afterDashDash, ['--bogus', '-z'])
  })
})

describe('scanArgv: incremental like getopt', () => {
  it('hands options over in order and stops when the handler returns false', () => {
    const seen: string[] = []
    const result = scanArgv(['a', '-k', '-r', '--bogus', 'b'], TABLE, (option) => {
      seen.push(option.flag)
      return option.key !== 'reboot'
    })
    // --bogus is never examined, as in a tool that exits on -r.
    assert.deepEqual(seen, ['-k', '-r'])
    assert.deepEqual(result, {operands: ['a'], afterDashDash: []})
  })

  it('stops inside a short cluster before a later bad character', () => {
    const seen: string[] = []
    scanArgv(['-rz'], TABLE, (option) => {
      seen.push(option.flag)
      return false
    })
    assert.deepEqual(seen, ['-r'])
  })

  it('passes on what the handler throws, after the earlier options', () => {
    const seen: string[] = []
    const boom = new Error('boom')
    assert.throws(
      () =>
        scanArgv(['-k', '-t', '1', '-r'], TABLE, (option) => {
          seen.push(option.flag)
          if (option.key === 'timeout') throw boom
        }),
      (error: unknown) => error === boom,
    )
    assert.deepEqual(seen, ['-k', '-t'])
  })

  it('raises a getopt error only when the scan reaches it', () => {
    const seen: string[] = []
    assert.throws(() => scanArgv(['-k', '--bogus'], TABLE, (option) => void seen.push(option.flag)), {message: "unrecognized option '--bogus'"})
    assert.deepEqual(seen, ['-k'])
  })
})

describe('specs', () => {
  for (const spec of [START_SPEC, WAIT_SPEC, INFO_SPEC, STOP_SPEC]) {
    it(`${spec.id}: every short and long spelling is unique and every argument has a placeholder`, () => {
      const shorts = spec.options.flatMap((o) => (o.short === undefined ? [] : [o.short]))
      const longs = spec.options.flatMap((o) => (o.long === undefined ? [] : [o.long]))
      assert.equal(new Set(shorts).size, shorts.length)
      assert.equal(new Set(longs).size, longs.length)
      for (const option of spec.options) {
        assert.equal(option.argName !== undefined, option.hasArg, option.key)
        assert.ok(option.short === undefined || [...option.short].length === 1, option.key)
      }
      assert.ok(spec.examples.length >= 3 && spec.examples.length <= 6)
      for (const example of spec.examples) assert.match(example.command, new RegExp(`ctr ${spec.id}\\b`))
    })
  }

  it('-s means define on start, state on wait and info; -f exists only on start', () => {
    const s = (spec: typeof START_SPEC | typeof WAIT_SPEC | typeof INFO_SPEC | typeof STOP_SPEC) =>
      spec.options.find((o) => o.short === 's')
    assert.deepEqual([s(START_SPEC)?.key, s(WAIT_SPEC)?.key, s(INFO_SPEC)?.key, s(STOP_SPEC)?.key], ['define', 'state', 'state', undefined])
    assert.equal(s(WAIT_SPEC)?.hasArg, true)
    assert.equal(s(INFO_SPEC)?.hasArg, false)
    const f = [START_SPEC, WAIT_SPEC, INFO_SPEC, STOP_SPEC].map((spec) => spec.options.some((o) => o.short === 'f'))
    assert.deepEqual(f, [true, false, false, false])
  })

  it('formatUsage lays out entries like LXC, four per line', () => {
    assert.equal(
      formatUsage(STOP_SPEC, 'ctr stop'),
      'Usage: ctr stop [-r|--reboot] [-W|--nowait] [-t|--timeout=SECONDS] [-k|--kill]\n' +
        '\t[--nokill] [--nolock] [--many] [--all-matching=REGEX]\n' +
        '\t[--at-once=N] [-n|--name=NAME] [-h|--help] [-?]\n' +
        '\t[--usage] [--version] [-q|--quiet] [-o|--logfile=FILE]\n' +
        '\t[-l|--logpriority=LEVEL] [-P|--lxcpath=PATH] [--rcfile=FILE] [--json]\n',
    )
  })
})
