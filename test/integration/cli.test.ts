// The face of the CLI: help, version, exit codes of usage errors with a
// did-you-mean, JSON for every failure, shell completion (bash, round trip
// through COMP_LINE) and the man pages (rendered with man -l).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'

import {REPO, RUN_JS, describeResult, json, rootOnly, useSandbox} from './helpers.js'

const T = {timeout: 60_000}
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string}).version

interface ErrorJson {
  status: number
  error: {code: string; message: string; hints: string[]}
}

describe('usage errors, help and version', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('cli')

  it('exits 1 for an unknown command, with a did-you-mean, and JSON under --json', T, async () => {
    const sb = sandbox()
    const human = await sb.ctr(['stpo', '-n', 'web'])
    assert.equal(human.code, 1, describeResult(human))
    assert.equal(human.stdout, '')
    assert.match(human.stderr, /^ctr: Unknown command "stpo"\nDid you mean "stop"\?\n/)
    const machine = await sb.ctr(['stpo', '-n', 'web', '--json'])
    assert.equal(machine.code, 1, describeResult(machine))
    const body = json<ErrorJson>(machine)
    assert.equal(body.status, 1)
    assert.equal(body.error.code, 'CTR_UNKNOWN_COMMAND')
    assert.deepEqual(body.error.hints.slice(0, 1), ['Did you mean "stop"?'])
  })

  it('exits 1 for an unknown option before the command and for a bad flag, apart from "not running" (2)', T, async () => {
    const sb = sandbox()
    const early = await sb.ctr(['--bogus'])
    assert.equal(early.code, 1, describeResult(early))
    for (const via of ['fast', 'oclif'] as const) {
      const flag = await sb.ctr(['stop', '-n', 'x', '--bogus', '--json'], {via})
      assert.equal(flag.code, 1, describeResult(flag))
      assert.equal(json<ErrorJson>(flag).error.code, 'CTR_USAGE')
    }
    const name = sb.name('absent')
    const notRunning = await sb.ctr(['stop', '-n', name])
    assert.equal(notRunning.code, 2, describeResult(notRunning))
  })

  it('suggests a defined container for a mistyped name', T, async () => {
    const sb = sandbox()
    const name = sb.name('typo')
    sb.writeConfig(name, 'lxc.uts.name = typo\n')
    const typo = `${name.slice(0, -2)}${name.slice(-1)}${name.slice(-2, -1)}`
    const info = await sb.ctr(['info', '-n', typo])
    assert.equal(info.code, 1, describeResult(info))
    assert.match(info.stderr, new RegExp(`Did you mean "${name}"\\?`))
    const stop = await sb.ctr(['stop', '-n', typo, '--json'])
    assert.equal(stop.code, 2, describeResult(stop))
    assert.ok(json<ErrorJson>(stop).error.hints.includes(`Did you mean "${name}"?`), describeResult(stop))
  })

  it('prints one version format: --version, version, and a command\'s --version', T, async () => {
    const sb = sandbox()
    for (const args of [['--version'], ['version'], ['start', '--version'], ['stop', '--version'], ['ls', '--version'], ['create', '--version']]) {
      const r = await sb.ctr(args)
      assert.equal(r.code, 0, describeResult(r))
      assert.equal(r.stdout, `${VERSION}\n`, describeResult(r))
    }
    const machine = await sb.ctr(['version', '--json'])
    assert.equal(json<{result: {version: string}}>(machine).result.version, VERSION)
    const help = await sb.ctr(['help'])
    assert.match(help.stdout, new RegExp(`^VERSION\\n  ${VERSION.replace(/\./g, '\\.')}$`, 'm'), describeResult(help))
  })

  it('shows help for ctr and for a command, and refuses an unknown topic with exit 1', T, async () => {
    const sb = sandbox()
    const root = await sb.ctr(['help'])
    assert.equal(root.code, 0, describeResult(root))
    for (const command of ['start', 'stop', 'wait', 'info', 'help', 'version', 'completion']) assert.match(root.stdout, new RegExp(`^  ${command} `, 'm'))
    const start = await sb.ctr(['help', 'start'])
    assert.equal(start.code, 0, describeResult(start))
    assert.match(start.stdout, /^USAGE\n  \$ ctr start -n NAME/m)
    const same = await sb.ctr(['start', '--help'])
    assert.equal(same.stdout, start.stdout)
    const bad = await sb.ctr(['help', 'strat', '--json'])
    assert.equal(bad.code, 1, describeResult(bad))
    assert.deepEqual(json<ErrorJson>(bad).error.hints.slice(0, 1), ['Did you mean "start"?'])
  })
})

describe('shell completion and man pages', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('compl')

  function bashComplete(sb: ReturnType<typeof sandbox>, line: string): string[] {
    const bin = join(sb.root, 'bin')
    if (!existsSync(bin)) {
      mkdirSync(bin)
      symlinkSync(RUN_JS, join(bin, 'ctr'))
    }
    // What bash does on TAB: COMP_LINE/COMP_POINT, and COMP_WORDS split at COMP_WORDBREAKS.
    const script = [
      'eval "$(ctr completion bash)"',
      'complete -p ctr',
      'COMP_LINE=$1; COMP_POINT=${#1}',
      'read -ra COMP_WORDS <<<"$(printf %s "$1" | sed -e "s/[=|]/ & /g")"',
      '[[ $1 == *" " ]] && COMP_WORDS+=("")',
      'COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))',
      '_ctr_complete',
      'printf "reply:%s\\n" "${COMPREPLY[@]}"',
    ].join('\n')
    const r = spawnSync('bash', ['-c', script, 'bash', line], {encoding: 'utf8', env: {...sb.env(), PATH: `${bin}:${process.env.PATH ?? ''}`}})
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^complete -F _ctr_complete ctr$/m)
    return r.stdout.split('\n').filter((l) => l.startsWith('reply:') && l !== 'reply:').map((l) => l.slice('reply:'.length))
  }

  it('completes commands, flags, container names and states in bash', T, async () => {
    const sb = sandbox()
    const name = sb.name('compl')
    sb.writeConfig(name, 'lxc.uts.name = compl\n')
    assert.deepEqual(bashComplete(sb, 'ctr st'), ['start', 'stop'])
    assert.deepEqual(bashComplete(sb, 'ctr stop --nok'), ['--nokill'])
    assert.deepEqual(bashComplete(sb, `ctr info -n ${name.slice(0, -2)}`), [name])
    assert.deepEqual(bashComplete(sb, `ctr start ${name.slice(0, -2)}`), [name])
    // Not running: nothing to stop.
    assert.deepEqual(bashComplete(sb, `ctr stop ${name.slice(0, -2)}`), [])
    assert.deepEqual(bashComplete(sb, `ctr info --name=${name.slice(0, -2)}`), [name])
    assert.deepEqual(bashComplete(sb, 'ctr wait -n x -s RUNNING|FR'), ['FREEZING', 'FROZEN'])
  })

  it('prints zsh and fish scripts, and refuses an unknown shell with exit 1', T, async () => {
    const sb = sandbox()
    assert.match((await sb.ctr(['completion', 'zsh'])).stdout, /^compdef _ctr ctr ctr-lxc$/m)
    assert.match((await sb.ctr(['completion', 'fish'])).stdout, /^complete -c ctr -f/m)
    const bad = await sb.ctr(['completion', 'bsh'])
    assert.equal(bad.code, 1, describeResult(bad))
    assert.match(bad.stderr, /Did you mean "bash"\?/)
  })

  it('renders a man page per command from the same tables as --help', T, async (t) => {
    const man = spawnSync('man', ['--version'], {encoding: 'utf8'})
    if (man.status !== 0) return t.skip('man-db is not installed (apt-get install man-db)')
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {man: string[]}
    // One page per command of the catalog (the same tables as --help), plus ctr(1).
    const {COMMAND_CATALOG} = await import('../../src/core/cli/catalog.js')
    assert.deepEqual([...pkg.man].sort(), ['./man/ctr.1', ...COMMAND_CATALOG.map((c) => `./man/ctr-${c.id}.1`)].sort())
    for (const page of pkg.man) {
      const r = spawnSync('man', ['-l', join(REPO, page)], {encoding: 'utf8', env: {...process.env, MANWIDTH: '100', MAN_KEEP_FORMATTING: '', PAGER: 'cat'}})
      assert.equal(r.status, 0, `${page}: ${r.stderr}`)
      assert.equal(r.stderr, '', page)
      assert.match(r.stdout, /^NAME$/m, page)
      assert.match(r.stdout, /^EXIT STATUS$/m, page)
    }
    const sb = sandbox()
    const help = await sb.ctr(['stop', '--help'])
    assert.equal(help.code, 0, describeResult(help))
    const page = spawnSync('man', ['-l', join(REPO, 'man/ctr-stop.1')], {encoding: 'utf8', env: {...process.env, MANWIDTH: '200', PAGER: 'cat'}}).stdout
    // Every flag and example of --help is in the page.
    for (const flag of ['--nokill', '--nowait', '--reboot', '--timeout', '--lxcpath', '--json']) {
      assert.match(help.stdout, new RegExp(flag))
      assert.match(page, new RegExp(`${flag}\\b`), flag)
    }
    assert.match(page, /ctr stop -n web -t 10 --nokill/)
  })
})
