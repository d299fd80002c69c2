// LXC's argument rules (docs/lxc-contract.md §0.1, §1, §2, §3, §6) as applied by
// core/cli/parse.ts. Messages marked "LXC" are the exact texts lxc-* 5.0.2
// print; the others are ctr's replacements for "could not parse command line".

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {
  parseDefine,
  parseInfoArgv,
  parseLogPriority,
  parseStartArgv,
  parseStopArgv,
  parseWaitArgv,
  stripTrailingSlashes,
  validateStopOptions,
} from '../../src/core/cli/parse.js'
import type {Env} from '../../src/core/cli/parse.js'
import {CtrError, UsageError} from '../../src/core/errors.js'
import {validateName} from '../../src/core/names.js'
import type {InfoOptions, Parsed, StartOptions, StopOptions, WaitOptions} from '../../src/core/options.js'

type AnyParse = (argv: string[], env: Env) => Parsed<StartOptions | WaitOptions | InfoOptions | StopOptions>

const PARSERS: Array<[string, AnyParse]> = [
  ['start', parseStartArgv],
  ['wait', (argv, env) => parseWaitArgv(['-s', 'RUNNING', ...argv], env)],
  ['info', parseInfoArgv],
  ['stop', parseStopArgv],
]

function options<T>(parsed: Parsed<T>): T {
  assert.equal(parsed.action, 'run')
  return (parsed as {action: 'run'; options: T}).options
}

interface Failure {
  code: string
  message: string
  type?: typeof CtrError | typeof UsageError
  showUsage?: boolean
  bare?: boolean
  hint?: RegExp
}

function assertFails(run: () => unknown, expected: Failure): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof CtrError, `not a CtrError: ${String(error)}`)
    assert.equal(error.message, expected.message)
    assert.equal(error.code, expected.code)
    assert.equal(error.exitCode, 1)
    if (expected.type !== undefined) assert.ok(error instanceof expected.type, `not a ${expected.type.name}`)
    if (expected.type === UsageError) assert.equal((error as UsageError).showUsage, expected.showUsage ?? false)
    if (expected.bare !== undefined) assert.equal(error.bare, expected.bare)
    if (expected.hint !== undefined) assert.ok(error.hints.some((h) => expected.hint?.test(h)), `no hint like ${expected.hint}: ${error.hints.join(' | ')}`)
    // getopt's complaints are followed by the usage text instead of hints.
    else if (expected.showUsage === true) assert.deepEqual(error.hints, [])
    else assert.ok(error.hints.length > 0, 'every other error carries a hint')
    return true
  })
}

describe('container name', () => {
  const cases: Array<{argv: string[]; env?: Env; name: string; why: string}> = [
    {why: '-n', argv: ['-n', 'web'], name: 'web'},
    {why: '--name=', argv: ['--name=web'], name: 'web'},
    {why: 'attached -n', argv: ['-nweb'], name: 'web'},
    {why: 'last -n wins', argv: ['-n', 'a', '--name', 'b', '-nc'], name: 'c'},
    {why: 'first operand', argv: ['web'], name: 'web'},
    {why: 'first operand after options', argv: ['-q', 'web'], name: 'web'},
    {why: '-n beats the operand-less env', argv: ['-n', 'web'], env: {CTR_NAME: 'other'}, name: 'web'},
    {why: 'operand beats $CTR_NAME', argv: ['web'], env: {CTR_NAME: 'other'}, name: 'web'},
    {why: '$CTR_NAME', argv: [], env: {CTR_NAME: 'web'}, name: 'web'},
    {why: 'empty $CTR_NAME is unset', argv: ['web'], env: {CTR_NAME: ''}, name: 'web'},
  ]
  for (const [command, parse] of PARSERS) {
    for (const c of cases) {
      it(`${command}: ${c.why}`, () => {
        assert.equal(options(parse(c.argv, c.env ?? {})).name, c.name)
      })
    }
    it(`${command}: no name at all`, () => {
      assertFails(() => parse([], {}), {
        type: UsageError, code: 'CTR_NO_NAME', message: 'No container name specified', hint: /-n NAME.*\$CTR_NAME/,
      })
      assertFails(() => parse(['-q'], {CTR_NAME: ''}), {type: UsageError, code: 'CTR_NO_NAME', message: 'No container name specified'})
    })
    it(`${command}: names are validated before use`, () => {
      assertFails(() => parse(['-n', '../etc'], {}), {code: 'CTR_INVALID_NAME', message: 'Invalid container name "../etc"', hint: /starts with "\."/})
      assertFails(() => parse(['a/b'], {}), {code: 'CTR_INVALID_NAME', message: 'Invalid container name "a/b"', hint: /contains "\/"/})
      assertFails(() => parse([], {CTR_NAME: '-x'}), {code: 'CTR_INVALID_NAME', message: 'Invalid container name "-x"'})
    })
  }

  it('start: a word after -- is the command, not the name, when $CTR_NAME names the container', () => {
    const got = options(parseStartArgv(['--', '/bin/sh', '-c', 'true'], {CTR_NAME: 'web'}))
    assert.deepEqual([got.name, got.command], ['web', ['/bin/sh', '-c', 'true']])
  })

  // Unlike LXC (which would look for a container named "sh"), a word after
  // `--` is never the name: with the embedded default config that would start
  // a container named after the command, running /sbin/init on the host root.
  for (const [command, parse] of PARSERS) {
    it(`${command}: a word after -- is never the name`, () => {
      assertFails(() => parse(['--', 'web'], {}), {type: UsageError, code: 'CTR_NO_NAME', message: 'No container name specified'})
    })
  }
  it('start: without a name, the words after -- stay the command', () => {
    assertFails(() => parseStartArgv(['--', 'sh', '-c', 'true'], {}), {type: UsageError, code: 'CTR_NO_NAME', message: 'No container name specified'})
  })
})

describe('validateName', () => {
  const valid = ['a', 'web1', 'A-b_c.d', '0', 'x'.repeat(64), 'web.', 'a..b']
  for (const name of valid) it(`accepts ${JSON.stringify(name)}`, () => assert.equal(validateName(name), name))
  const invalid: Array<[string, RegExp]> = [
    ['', /empty/],
    ['.', /directory reference/],
    ['..', /directory reference/],
    ['.hidden', /starts with "\."/],
    ['-k', /starts with "-"/],
    ['_a', /starts with "_"/],
    ['a/b', /contains "\/"/],
    ['a b', /contains " "/],
    ['a\nb', /contains "\\n"/],
    ['café', /contains "é"/],
    ['x'.repeat(65), /65 characters long; the limit is 64/],
  ]
  for (const [name, hint] of invalid) {
    it(`refuses ${JSON.stringify(name)}`, () => {
      assertFails(() => validateName(name), {type: CtrError, code: 'CTR_INVALID_NAME', message: `Invalid container name ${JSON.stringify(name)}`, hint})
    })
  }
})

describe('common options', () => {
  for (const [command, parse] of PARSERS) {
    it(`${command}: defaults`, () => {
      const got = options(parse(['web'], {}))
      assert.deepEqual(
        {lxcpath: got.lxcpath, logfile: got.logfile, logpriority: got.logpriority, quiet: got.quiet, rcfile: got.rcfile, json: got.json},
        {lxcpath: undefined, logfile: undefined, logpriority: undefined, quiet: false, rcfile: undefined, json: false},
      )
    })
    it(`${command}: every common option, prefixes included`, () => {
      const got = options(parse(['web', '-P', '/srv/lxc/', '--logf=/tmp/l', '--logp', 'debug', '--qu', '--rcfile', 'c.conf', '--js'], {}))
      assert.deepEqual(
        {lxcpath: got.lxcpath, logfile: got.logfile, logpriority: got.logpriority, quiet: got.quiet, rcfile: got.rcfile, json: got.json},
        {lxcpath: '/srv/lxc', logfile: '/tmp/l', logpriority: 'DEBUG', quiet: true, rcfile: 'c.conf', json: true},
      )
    })
    it(`${command}: -P may be given only once (LXC, printed without the program name)`, () => {
      for (const argv of [['web', '-P', '/a', '-P', '/b'], ['web', '-P/a', '--lxcpath=/a']]) {
        assertFails(() => parse(argv, {}), {
          type: UsageError, code: 'CTR_MULTIPLE_LXCPATH', message: 'This command only accepts 1 -P,--lxcpath arguments', bare: true,
        })
      }
    })
    it(`${command}: an empty -P is refused`, () => {
      for (const path of ['', '\n']) {
        assertFails(() => parse(['web', '-P', path], {}), {type: UsageError, code: 'CTR_INVALID_LXCPATH', message: `Invalid lxcpath ${JSON.stringify(path)}`})
      }
    })
    it(`${command}: an unknown option is getopt's message with the usage`, () => {
      assertFails(() => parse(['web', '--bogus'], {}), {type: UsageError, code: 'CTR_USAGE', message: "unrecognized option '--bogus'", showUsage: true})
    })
    it(`${command}: --json after -- is an operand`, () => {
      if (command === 'start') {
        const got = options(parse(['-n', 'web', '--', '--json'], {})) as StartOptions
        assert.deepEqual([got.json, got.command], [false, ['--json']])
        return
      }
      assertFails(() => parse(['-n', 'web', '--', '--json'], {}), {type: UsageError, code: 'CTR_UNEXPECTED_ARGUMENT', message: 'Unexpected argument "--json"'})
    })
  }

  const paths: Array<[string, string]> = [
    ['/var/lib/lxc', '/var/lib/lxc'],
    ['/var/lib/lxc/', '/var/lib/lxc'],
    ['/var/lib/lxc///', '/var/lib/lxc'],
    ['rel/dir/', 'rel/dir'],
    ['/', '/'],
    ['///', '/'],
    ['/srv/\n', '/srv'],
    ['', ''],
  ]
  for (const [input, output] of paths) {
    it(`stripTrailingSlashes(${JSON.stringify(input)}) = ${JSON.stringify(output)}`, () => {
      assert.equal(stripTrailingSlashes(input), output)
    })
  }

  const levels: Array<[string, string]> = [
    ['TRACE', 'TRACE'], ['debug', 'DEBUG'], ['Info', 'INFO'], ['notice', 'NOTICE'], ['warn', 'WARN'],
    ['error', 'ERROR'], ['crit', 'CRIT'], ['alert', 'ALERT'], ['fatal', 'FATAL'],
  ]
  for (const [input, output] of levels) it(`-l ${input}`, () => assert.equal(parseLogPriority(input), output))
  for (const bad of ['WARNING', 'verbose', '', '3']) {
    it(`-l ${JSON.stringify(bad)} is refused`, () => {
      assertFails(() => parseStopArgv(['web', '-l', bad], {}), {
        type: UsageError, code: 'CTR_INVALID_LOGPRIORITY', message: `Invalid log priority ${JSON.stringify(bad)}`, hint: /TRACE, DEBUG/,
      })
    })
  }
})

describe('help, usage and version', () => {
  const cases: Array<{argv: string[]; result: Parsed<never>; why: string}> = [
    {why: '-h', argv: ['-h'], result: {action: 'help', exitCode: 0}},
    {why: '--help', argv: ['--help'], result: {action: 'help', exitCode: 0}},
    {why: '--he (one help row in ctr; LXC has two)', argv: ['--he'], result: {action: 'help', exitCode: 0}},
    {why: '-? exits 1', argv: ['-?'], result: {action: 'help', exitCode: 1}},
    {why: '--usage', argv: ['--usage'], result: {action: 'usage'}},
    {why: '--version', argv: ['--version'], result: {action: 'version'}},
    {why: '--vers', argv: ['--vers'], result: {action: 'version'}},
    {why: 'no name needed', argv: ['-q', '--help'], result: {action: 'help', exitCode: 0}},
    {why: 'the first one wins', argv: ['--usage', '--help'], result: {action: 'usage'}},
    {why: 'later errors are never reached', argv: ['--help', '--bogus', '-P', 'a', '-P', 'b'], result: {action: 'help', exitCode: 0}},
    {why: 'inside a short cluster', argv: ['-qhz'], result: {action: 'help', exitCode: 0}},
  ]
  for (const [command, parse] of PARSERS) {
    for (const c of cases) it(`${command}: ${c.why}`, () => assert.deepEqual(parse(c.argv, {}), c.result))
    it(`${command}: errors before --help win`, () => {
      assertFails(() => parse(['--bogus', '--help'], {}), {type: UsageError, code: 'CTR_USAGE', message: "unrecognized option '--bogus'", showUsage: true})
      assertFails(() => parse(['-P', 'a', '-P', 'b', '--help'], {}), {type: UsageError, code: 'CTR_MULTIPLE_LXCPATH', message: 'This command only accepts 1 -P,--lxcpath arguments'})
    })
    it(`${command}: --help after -- is not help`, () => {
      if (command === 'start') {
        assert.deepEqual((options(parse(['-n', 'web', '--', '--help'], {})) as StartOptions).command, ['--help'])
        return
      }
      assertFails(() => parse(['-n', 'web', '--', '--help'], {}), {type: UsageError, code: 'CTR_UNEXPECTED_ARGUMENT', message: 'Unexpected argument "--help"'})
    })
  }
})

describe('start', () => {
  const run = (argv: string[], env: Env = {}) => options(parseStartArgv(argv, env))

  it('defaults', () => {
    assert.deepEqual(run(['web']), {
      name: 'web', lxcpath: undefined, logfile: undefined, logpriority: undefined, quiet: false, rcfile: undefined, json: false,
      daemon: true, defines: [], console: undefined, consoleLog: undefined, closeAllFds: false, pidfile: undefined, share: {}, command: [],
    })
  })

  const daemon: Array<[string[], boolean]> = [
    [['web'], true], [['web', '-d'], true], [['web', '-F'], false], [['web', '-dF'], false], [['web', '-Fd'], true],
    [['web', '--fore', '--daemon'], true], [['-F', 'web', '--dae', '-F'], false],
  ]
  for (const [argv, expected] of daemon) it(`daemon ${expected}: ${argv.join(' ')}`, () => assert.equal(run(argv).daemon, expected))

  it('every start option', () => {
    const got = run([
      '-n', 'web', '-f', 'a.conf', '-c', '/dev/pts/3', '-L', '/tmp/console.log', '-C', '-p', '/run/web.pid',
      '--share-net', 'db', '--share-ipc=4242', '--share-u', '/proc/1/ns/uts', '--share-pid', 'db',
    ])
    assert.deepEqual(
      {rcfile: got.rcfile, console: got.console, consoleLog: got.consoleLog, closeAllFds: got.closeAllFds, pidfile: got.pidfile, share: got.share},
      {
        rcfile: 'a.conf', console: '/dev/pts/3', consoleLog: '/tmp/console.log', closeAllFds: true, pidfile: '/run/web.pid',
        share: {net: 'db', ipc: '4242', uts: '/proc/1/ns/uts', pid: 'db'},
      },
    )
  })

  it('-f and --rcfile are the same option on start', () => {
    assert.equal(run(['web', '-f', 'a', '--rcfile', 'b']).rcfile, 'b')
    assert.equal(run(['web', '--rc=c']).rcfile, 'c')
  })

  const commands: Array<{argv: string[]; env?: Env; name: string; command: string[]; why: string}> = [
    {why: 'no command', argv: ['-n', 'web'], name: 'web', command: []},
    {why: 'after --', argv: ['-n', 'web', '--', '/bin/sh', '-c', 'echo hi'], name: 'web', command: ['/bin/sh', '-c', 'echo hi']},
    {why: 'positional name, options, then --', argv: ['web', '-F', '--', '/bin/sh'], name: 'web', command: ['/bin/sh']},
    {why: 'operands after the name are the command', argv: ['-n', 'web', '/bin/true'], name: 'web', command: ['/bin/true']},
    {why: 'operands before -- come first', argv: ['web', 'a', '--', 'b'], name: 'web', command: ['a', 'b']},
    {why: 'options in the command are the command\'s', argv: ['web', '--', 'ls', '-l', '--help'], name: 'web', command: ['ls', '-l', '--help']},
    {why: '$CTR_NAME and a command after --', argv: ['-F', '--', 'sh'], env: {CTR_NAME: 'web'}, name: 'web', command: ['sh']},
  ]
  for (const c of commands) {
    it(`command: ${c.why}`, () => {
      const got = run(c.argv, c.env)
      assert.deepEqual([got.name, got.command], [c.name, c.command])
    })
  }

  it('without --, "-c x" in the payload is read as --console (docs/lxc-contract.md §0.1)', () => {
    const got = run(['-n', 'c', '/bin/sh', '-c', 'x'])
    assert.deepEqual([got.command, got.console], [['/bin/sh'], 'x'])
  })

  const defines: Array<[string, {key: string; value: string}]> = [
    ['lxc.uts.name=web', {key: 'lxc.uts.name', value: 'web'}],
    ['lxc.uts.name = web', {key: 'lxc.uts.name', value: 'web'}],
    [' \tlxc.uts.name\t=\t web \t', {key: 'lxc.uts.name', value: 'web'}],
    ['lxc.uts.name=web\n', {key: 'lxc.uts.name', value: 'web'}],
    ['lxc.uts.name=', {key: 'lxc.uts.name', value: ''}],
    ['lxc.environment=A=B', {key: 'lxc.environment', value: 'A=B'}],
    ['lxc.init.cmd="/bin/sh -c x"', {key: 'lxc.init.cmd', value: '/bin/sh -c x'}],
    ["lxc.init.cmd='/bin/sh'", {key: 'lxc.init.cmd', value: '/bin/sh'}],
    ['lxc.init.cmd = "a b" ', {key: 'lxc.init.cmd', value: 'a b'}],
    ['lxc.x=""', {key: 'lxc.x', value: ''}],
    ['lxc.x=""a""', {key: 'lxc.x', value: '"a"'}],
    ['lxc.x="a\'', {key: 'lxc.x', value: '"a\''}],
    ['lxc.x="', {key: 'lxc.x', value: '"'}],
    ['lxc.x=a"', {key: 'lxc.x', value: 'a"'}],
    ['lxc.x= " a " ', {key: 'lxc.x', value: ' a '}],
  ]
  for (const [arg, expected] of defines) {
    it(`-s ${JSON.stringify(arg)}`, () => {
      assert.deepEqual(parseDefine(arg), expected)
      assert.deepEqual(run(['web', '-s', arg]).defines, [expected])
    })
  }

  it('-s is repeatable and keeps order (--define, --def= too)', () => {
    assert.deepEqual(run(['web', '-s', 'lxc.a=1', '--define', 'lxc.b=2', '--def=lxc.a=3', '-slxc.c=4']).defines, [
      {key: 'lxc.a', value: '1'}, {key: 'lxc.b', value: '2'}, {key: 'lxc.a', value: '3'}, {key: 'lxc.c', value: '4'},
    ])
  })

  const badDefines: Array<[string, RegExp]> = [
    ['x', /start with "lxc\."/],
    ['foo=bar', /start with "lxc\."/],
    ['LXC.uts.name=x', /start with "lxc\."/],
    ['', /start with "lxc\."/],
    ['   ', /start with "lxc\."/],
    ['lxc.uts.name', /Add "=" and a value, for example -s lxc\.uts\.name=VALUE/],
    ['  lxc.uts.name  ', /Add "="/],
    ['=lxc.x', /start with "lxc\."/],
  ]
  for (const [arg, hint] of badDefines) {
    it(`-s ${JSON.stringify(arg)} is refused`, () => {
      assertFails(() => parseStartArgv(['web', '-s', arg], {}), {
        type: UsageError, code: 'CTR_INVALID_DEFINE', message: `Invalid define ${JSON.stringify(arg)}: expected KEY=VALUE with KEY starting with "lxc."`, hint,
      })
    })
  }

  it('a bad -s fails where it stands, before a later --help', () => {
    assertFails(() => parseStartArgv(['-s', 'x', '--help'], {}), {type: UsageError, code: 'CTR_INVALID_DEFINE', message: 'Invalid define "x": expected KEY=VALUE with KEY starting with "lxc."'})
    assert.deepEqual(parseStartArgv(['--help', '-s', 'x'], {}), {action: 'help', exitCode: 0})
  })

  it('getopt errors with start\'s table', () => {
    assertFails(() => parseStartArgv(['web', '--s', 'x'], {}), {
      type: UsageError, code: 'CTR_USAGE', showUsage: true,
      message: "option '--s' is ambiguous; possibilities: '--share-net' '--share-ipc' '--share-uts' '--share-pid'",
    })
    assertFails(() => parseStartArgv(['web', '-s'], {}), {type: UsageError, code: 'CTR_USAGE', showUsage: true, message: "option requires an argument -- 's'"})
    assertFails(() => parseStartArgv(['web', '--daemon=yes'], {}), {type: UsageError, code: 'CTR_USAGE', showUsage: true, message: "option '--daemon' doesn't allow an argument"})
    assertFails(() => parseStartArgv(['web', '-t', '5'], {}), {type: UsageError, code: 'CTR_USAGE', showUsage: true, message: "invalid option -- 't'"})
  })
})

describe('wait', () => {
  const run = (argv: string[], env: Env = {}) => options(parseWaitArgv(argv, env))

  const forms: Array<{argv: string[]; env?: Env; name: string; states: string[]; timeout: number; why: string}> = [
    {why: '-n and -s', argv: ['-n', 'web', '-s', 'RUNNING'], name: 'web', states: ['RUNNING'], timeout: -1},
    {why: 'several states', argv: ['-n', 'web', '-s', 'RUNNING|FROZEN'], name: 'web', states: ['RUNNING', 'FROZEN'], timeout: -1},
    {why: 'last -s wins', argv: ['-n', 'web', '-s', 'RUNNING', '--state=STOPPED'], name: 'web', states: ['STOPPED'], timeout: -1},
    {why: 'positional name with -s', argv: ['web', '-s', 'STOPPED', '-t', '5'], name: 'web', states: ['STOPPED'], timeout: 5},
    {why: '-n with positional states', argv: ['-n', 'web', 'RUNNING', '-t', '5'], name: 'web', states: ['RUNNING'], timeout: 5},
    {why: 'positional name and states', argv: ['web', 'RUNNING'], name: 'web', states: ['RUNNING'], timeout: -1},
    {why: 'positional name and states, options between', argv: ['web', '-t', '3', 'STOPPED|FROZEN'], name: 'web', states: ['STOPPED', 'FROZEN'], timeout: 3},
    {why: '$CTR_NAME with a lone positional state', argv: ['RUNNING', '-t', '5'], env: {CTR_NAME: 'web'}, name: 'web', states: ['RUNNING'], timeout: 5},
    {why: '$CTR_NAME with -s', argv: ['-s', 'RUNNING'], env: {CTR_NAME: 'web'}, name: 'web', states: ['RUNNING'], timeout: -1},
    {why: '$CTR_NAME, name and states as operands', argv: ['db', 'STOPPED'], env: {CTR_NAME: 'web'}, name: 'db', states: ['STOPPED'], timeout: -1},
    {why: '-s given: a lone operand is the name even with $CTR_NAME', argv: ['RUNNING', '-s', 'STOPPED'], env: {CTR_NAME: 'web'}, name: 'RUNNING', states: ['STOPPED'], timeout: -1},
    {why: 'states after --', argv: ['-n', 'web', '--', 'RUNNING'], name: 'web', states: ['RUNNING'], timeout: -1},
    {why: '--time prefix', argv: ['web', 'RUNNING', '--time', '7'], name: 'web', states: ['RUNNING'], timeout: 7},
  ]
  for (const c of forms) {
    it(c.why, () => {
      const got = run(c.argv, c.env)
      assert.deepEqual([got.name, [...got.states], got.timeout], [c.name, c.states, c.timeout])
    })
  }

  it('missing states: a real reason instead of LXC\'s "could not parse command line"', () => {
    const cases: Array<[string[], Env]> = [[['-n', 'web'], {}], [['web'], {}], [['web'], {CTR_NAME: 'x'}], [['-t', '5'], {CTR_NAME: 'web'}]]
    for (const [argv, env] of cases) {
      assertFails(() => parseWaitArgv(argv, env), {
        type: UsageError, code: 'CTR_NO_STATE', message: 'Missing state option to wait for', hint: /^Give the states with -s, for example: ctr wait -n web -s RUNNING/,
      })
    }
  })

  it('a lone state word without $CTR_NAME is the name (then states are missing)', () => {
    assertFails(() => parseWaitArgv(['RUNNING'], {}), {type: UsageError, code: 'CTR_NO_STATE', message: 'Missing state option to wait for', hint: /-n RUNNING/})
  })

  it('no name is reported before missing states (LXC order)', () => {
    assertFails(() => parseWaitArgv([], {}), {type: UsageError, code: 'CTR_NO_NAME', message: 'No container name specified'})
  })

  it('invalid states use LXC\'s message', () => {
    assertFails(() => parseWaitArgv(['web', '-s', 'running'], {}), {code: 'CTR_INVALID_STATE', message: "invalid state 'running'", hint: /upper case: RUNNING/})
    assertFails(() => parseWaitArgv(['web', 'RUNNING|BOGUS'], {}), {code: 'CTR_INVALID_STATE', message: "invalid state 'BOGUS'"})
    assertFails(() => parseWaitArgv(['web', '-s', '|'], {}), {code: 'CTR_NO_STATE', message: 'No state to wait for'})
  })

  it('more operands than name and states', () => {
    assertFails(() => parseWaitArgv(['web', 'RUNNING', 'extra'], {}), {type: UsageError, code: 'CTR_UNEXPECTED_ARGUMENT', message: 'Unexpected argument "extra"'})
    assertFails(() => parseWaitArgv(['web', '-s', 'RUNNING', 'STOPPED'], {}), {type: UsageError, code: 'CTR_UNEXPECTED_ARGUMENT', message: 'Unexpected argument "STOPPED"'})
  })

  const timeouts: Array<[string, number]> = [['5', 5], ['0', 0], ['-1', -1], ['-30', -30], ['+3', 3], [' 5', 5], ['007', 7]]
  for (const [text, value] of timeouts) it(`-t ${JSON.stringify(text)} = ${value}`, () => assert.equal(run(['web', 'RUNNING', '-t', text]).timeout, value))

  // atol would read these as 5, 0, 0, 1, 0, 0: ctr refuses them instead.
  for (const text of ['5s', 'abc', '', '1.5', '0x10', '5 ', '99999999999999999999']) {
    it(`-t ${JSON.stringify(text)} is refused`, () => {
      assertFails(() => parseWaitArgv(['web', 'RUNNING', '-t', text], {}), {
        type: UsageError, code: 'CTR_INVALID_TIMEOUT', message: `Invalid timeout ${JSON.stringify(text)} for -t`, hint: /whole seconds/,
      })
    })
  }

  it('the timeout error names the spelling that was used', () => {
    assertFails(() => parseWaitArgv(['web', 'RUNNING', '--timeout=x'], {}), {type: UsageError, code: 'CTR_INVALID_TIMEOUT', message: 'Invalid timeout "x" for --timeout'})
  })
})

describe('info', () => {
  const run = (argv: string[]) => options(parseInfoArgv(argv, {}))
  const pick = (o: InfoOptions) => ({s: o.showState, p: o.showPid, i: o.showIps, S: o.showStats, H: o.raw, c: o.configKeys})

  const cases: Array<[string[], ReturnType<typeof pick>]> = [
    [['web'], {s: false, p: false, i: false, S: false, H: false, c: []}],
    [['web', '-s'], {s: true, p: false, i: false, S: false, H: false, c: []}],
    [['web', '-pH'], {s: false, p: true, i: false, S: false, H: true, c: []}],
    [['-sHn', 'web'], {s: true, p: false, i: false, S: false, H: true, c: []}],
    [['web', '--ips', '--stats', '--no-h'], {s: false, p: false, i: true, S: true, H: true, c: []}],
    [['web', '--pid', '--state'], {s: true, p: true, i: false, S: false, H: false, c: []}],
    [['web', '-c', 'lxc.uts.name', '--config=lxc.rootfs.path', '-clxc.net.0.type', '-c', 'lxc.uts.name'],
      {s: false, p: false, i: false, S: false, H: false, c: ['lxc.uts.name', 'lxc.rootfs.path', 'lxc.net.0.type', 'lxc.uts.name']}],
    [['-Hc', 'lxc.uts.name', 'web'], {s: false, p: false, i: false, S: false, H: true, c: ['lxc.uts.name']}],
  ]
  for (const [argv, expected] of cases) it(argv.join(' '), () => assert.deepEqual(pick(run(argv)), expected))

  it('getopt errors with info\'s table', () => {
    assertFails(() => parseInfoArgv(['web', '--sta'], {}), {type: UsageError, code: 'CTR_USAGE', showUsage: true, message: "option '--sta' is ambiguous; possibilities: '--state' '--stats'"})
    assertFails(() => parseInfoArgv(['web', '--state=x'], {}), {type: UsageError, code: 'CTR_USAGE', showUsage: true, message: "option '--state' doesn't allow an argument"})
    assertFails(() => parseInfoArgv(['web', '-c'], {}), {type: UsageError, code: 'CTR_USAGE', showUsage: true, message: "option requires an argument -- 'c'"})
    assertFails(() => parseInfoArgv(['web', '-f', 'x'], {}), {type: UsageError, code: 'CTR_USAGE', showUsage: true, message: "invalid option -- 'f'"})
  })

  it('one container only', () => {
    assertFails(() => parseInfoArgv(['web1', 'web2'], {}), {type: UsageError, code: 'CTR_UNEXPECTED_ARGUMENT', message: 'Unexpected argument "web2"', hint: /once per name/})
  })
})

describe('stop', () => {
  const run = (argv: string[]) => options(parseStopArgv(argv, {}))
  const pick = (o: StopOptions) => ({r: o.reboot, W: o.nowait, t: o.timeout, k: o.kill, nokill: o.nokill, nolock: o.nolock})

  const accepted: Array<[string[], ReturnType<typeof pick>]> = [
    [['web'], {r: false, W: false, t: undefined, k: false, nokill: false, nolock: false}],
    [['web', '-k'], {r: false, W: false, t: undefined, k: true, nokill: false, nolock: false}],
    [['-kn', 'web'], {r: false, W: false, t: undefined, k: true, nokill: false, nolock: false}],
    [['web', '-t', '10'], {r: false, W: false, t: 10, k: false, nokill: false, nolock: false}],
    [['web', '-t', '-1'], {r: false, W: false, t: -1, k: false, nokill: false, nolock: false}],
    [['web', '-t', '0'], {r: false, W: false, t: 0, k: false, nokill: false, nolock: false}],
    // -2 is LXC's "not given" sentinel: the default applies.
    [['web', '-t', '-2'], {r: false, W: false, t: undefined, k: false, nokill: false, nolock: false}],
    [['web', '-k', '-t', '-2'], {r: false, W: false, t: undefined, k: true, nokill: false, nolock: false}],
    [['web', '-k', '-t', '0'], {r: false, W: false, t: 0, k: true, nokill: false, nolock: false}],
    [['web', '-k', '--nolock'], {r: false, W: false, t: undefined, k: true, nokill: false, nolock: true}],
    [['web', '-r', '-t', '30'], {r: true, W: false, t: 30, k: false, nokill: false, nolock: false}],
    [['web', '-t', '10', '--nokill'], {r: false, W: false, t: 10, k: false, nokill: true, nolock: false}],
    // -W forces the timeout to 0 before the checks, so these pass in LXC too.
    [['web', '-W'], {r: false, W: true, t: 0, k: false, nokill: false, nolock: false}],
    [['web', '-W', '-t', '30'], {r: false, W: true, t: 0, k: false, nokill: false, nolock: false}],
    [['web', '-W', '-k', '-t', '5'], {r: false, W: true, t: 0, k: true, nokill: false, nolock: false}],
    [['web', '-W', '-t', '-5'], {r: false, W: true, t: 0, k: false, nokill: false, nolock: false}],
    [['web', '--now', '--reb'], {r: true, W: true, t: 0, k: false, nokill: false, nolock: false}],
    // strtol base 0, like lxc_safe_long.
    [['web', '-t', '0x10'], {r: false, W: false, t: 16, k: false, nokill: false, nolock: false}],
    [['web', '-t', '010'], {r: false, W: false, t: 8, k: false, nokill: false, nolock: false}],
    [['web', '-t', ' +5'], {r: false, W: false, t: 5, k: false, nokill: false, nolock: false}],
    [['web', '-t', '-0X1'], {r: false, W: false, t: -1, k: false, nokill: false, nolock: false}],
    [['web', '-t', '5', '-t', '7'], {r: false, W: false, t: 7, k: false, nokill: false, nolock: false}],
  ]
  for (const [argv, expected] of accepted) it(argv.join(' '), () => assert.deepEqual(pick(run(argv)), expected))

  // LXC: "could not parse command line".
  for (const text of ['junk', '', '5s', '5 ', '08', '0x', '1.5', '-', '9223372036854775808']) {
    it(`-t ${JSON.stringify(text)} is refused`, () => {
      assertFails(() => parseStopArgv(['web', '-t', text], {}), {
        type: UsageError, code: 'CTR_INVALID_TIMEOUT', message: `Invalid timeout ${JSON.stringify(text)} for -t`, hint: /whole seconds/,
      })
    })
  }

  it('a bad -t fails where it stands, before a later --help', () => {
    assertFails(() => parseStopArgv(['-t', 'x', '--help'], {}), {type: UsageError, code: 'CTR_INVALID_TIMEOUT', message: 'Invalid timeout "x" for -t'})
  })

  it('-t at the limits of a C long', () => {
    assert.equal(run(['web', '-t', '9223372036854775807']).timeout, Number(9223372036854775807n))
    assert.equal(pick(run(['web', '-W', '-t', '-9223372036854775808'])).t, 0)
  })

  // lxc_stop.c's checks; each row's argv also breaks every later rule, so
  // only the check's position in the order decides which message wins.
  const rows: Array<{argv: string[]; code: string; message: string}> = [
    {argv: ['web', '-t', '-3', '-r', '--nolock'], code: 'CTR_INVALID_TIMEOUT', message: 'Invalid timeout'},
    {argv: ['web', '-t', '-100'], code: 'CTR_INVALID_TIMEOUT', message: 'Invalid timeout'},
    {argv: ['web', '-k', '--nokill', '-r', '-t', '5', '--nolock'], code: 'CTR_OPTION_CONFLICT', message: "-k can't be used with --nokill"},
    {argv: ['web', '-k', '-r', '-t', '5'], code: 'CTR_OPTION_CONFLICT', message: "-k can't be used with -r"},
    {argv: ['web', '-k', '-t', '5'], code: 'CTR_OPTION_CONFLICT', message: "-k doesn't allow timeouts"},
    {argv: ['web', '-k', '-t', '-1'], code: 'CTR_OPTION_CONFLICT', message: "-k doesn't allow timeouts"},
    // With -k the "Invalid timeout" check is skipped, so -3 is a timeout.
    {argv: ['web', '-k', '-t', '-3'], code: 'CTR_OPTION_CONFLICT', message: "-k doesn't allow timeouts"},
    {argv: ['web', '--nolock'], code: 'CTR_OPTION_CONFLICT', message: '--nolock may only be used with -k'},
    {argv: ['web', '--nolock', '-r', '-t', '5'], code: 'CTR_OPTION_CONFLICT', message: '--nolock may only be used with -k'},
  ]
  for (const row of rows) {
    it(`${row.argv.join(' ')} → ${row.message}`, () => {
      assertFails(() => parseStopArgv(row.argv, {}), {type: CtrError, code: row.code, message: row.message})
    })
  }

  it('no name is reported before option conflicts (LXC order)', () => {
    assertFails(() => parseStopArgv(['-k', '-r'], {}), {type: UsageError, code: 'CTR_NO_NAME', message: 'No container name specified'})
  })

  it('validateStopOptions can be called on its own', () => {
    const base: StopOptions = {
      name: 'web', lxcpath: undefined, logfile: undefined, logpriority: undefined, quiet: false, rcfile: undefined, json: false,
      reboot: false, nowait: false, timeout: undefined, kill: false, nokill: false, nolock: false,
    }
    assert.deepEqual(validateStopOptions(base), base)
    assert.deepEqual(validateStopOptions({...base, timeout: -2}), base)
    assert.deepEqual(validateStopOptions({...base, nowait: true, timeout: 9}), {...base, nowait: true, timeout: 0})
    assertFails(() => validateStopOptions({...base, kill: true, timeout: 1}), {type: CtrError, code: 'CTR_OPTION_CONFLICT', message: "-k doesn't allow timeouts"})
  })

  it('getopt errors with stop\'s table (LXC 5.0.2 texts)', () => {
    assertFails(() => parseStopArgv(['--n'], {}), {type: UsageError, code: 'CTR_USAGE', showUsage: true, message: "option '--n' is ambiguous; possibilities: '--nowait' '--nokill' '--nolock' '--name'"})
    assertFails(() => parseStopArgv(['--time'], {}), {type: UsageError, code: 'CTR_USAGE', showUsage: true, message: "option '--timeout' requires an argument"})
    assertFails(() => parseStopArgv(['--kill=1'], {}), {type: UsageError, code: 'CTR_USAGE', showUsage: true, message: "option '--kill' doesn't allow an argument"})
    assertFails(() => parseStopArgv(['-n'], {}), {type: UsageError, code: 'CTR_USAGE', showUsage: true, message: "option requires an argument -- 'n'"})
    assertFails(() => parseStopArgv(['web', '-x', '-y'], {}), {type: UsageError, code: 'CTR_USAGE', showUsage: true, message: "invalid option -- 'x'"})
  })

  it('-n takes the next word whatever it is, like getopt', () => {
    assertFails(() => parseStopArgv(['-n', '-k'], {}), {code: 'CTR_INVALID_NAME', message: 'Invalid container name "-k"'})
  })

  it('one container only', () => {
    assertFails(() => parseStopArgv(['web1', 'web2', '-k'], {}), {type: UsageError, code: 'CTR_UNEXPECTED_ARGUMENT', message: 'Unexpected argument "web2"', hint: /once per name/})
    assertFails(() => parseStopArgv(['-n', 'web', '--', '-k'], {}), {type: UsageError, code: 'CTR_UNEXPECTED_ARGUMENT', message: 'Unexpected argument "-k"'})
  })
})

describe('ctr console argv (lxc-console)', async () => {
  const {parse, parseEscape} = await import('../../src/core/cli/console.js')
  it('-t N, -e PREFIX, the name; no -t means the first free tty (-1), Ctrl-a by default', () => {
    const got = parse(['-n', 'web'], {})
    assert.ok(got.action === 'run')
    assert.deepEqual([got.options.name, got.options.tty, got.options.escape], ['web', -1, 1])
    const more = parse(['web', '-t', '0', '-e', '^b', '--json'], {})
    assert.ok(more.action === 'run')
    assert.deepEqual([more.options.name, more.options.tty, more.options.escape, more.options.json], ['web', 0, 2, true])
  })
  it('the escape prefix: a letter or ^X, either case; anything else is refused', () => {
    assert.deepEqual(['a', 'A', '^a', 'z', '^Z'].map(parseEscape), [1, 1, 1, 26, 26])
    for (const bad of ['', '1', 'ab', '^', '^1']) assert.throws(() => parseEscape(bad), (e: {code: string}) => e.code === 'CTR_INVALID_ESCAPE')
  })
  it('-t takes a decimal number only', () => {
    for (const bad of ['-1', 'x', '1.5', '']) assert.throws(() => parse(['-n', 'web', '-t', bad], {}), (e: {code: string}) => e.code === 'CTR_INVALID_TTY')
  })
  it('a second name is refused', () => {
    assert.throws(() => parse(['web', 'db'], {}), (e: {code: string}) => e.code === 'CTR_UNEXPECTED_ARGUMENT')
  })
})
