// core/cli/completion.ts: what `ctr __complete LINE` offers, from the option
// tables, and core/cli/man.ts's escaping.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {complete, completionScript, splitLine, type ContainerCandidate} from '../../src/core/cli/completion.js'
import {roffEscape} from '../../src/core/cli/man.js'

const CONTAINERS: ContainerCandidate[] = [
  {name: 'web', state: 'RUNNING'},
  {name: 'db', state: 'STOPPED'},
  {name: 'cache', state: 'FROZEN'},
]
const asked: Array<string | undefined> = []
const sources = {
  containers(lxcpath: string | undefined) {
    asked.push(lxcpath)
    return CONTAINERS
  },
}

describe('splitLine', () => {
  const cases: Array<[string, string[]]> = [
    ['ctr st', ['ctr', 'st']],
    ['ctr start ', ['ctr', 'start', '']],
    ['ctr start -n "my web', ['ctr', 'start', '-n', 'my web']],
    ["ctr wait -s 'RUNNING|ST", ['ctr', 'wait', '-s', 'RUNNING|ST']],
    ['ctr  info\\ x', ['ctr', 'info x']],
  ]
  for (const [line, words] of cases) it(JSON.stringify(line), () => assert.deepEqual(splitLine(line), words))
})

describe('complete', () => {
  const cases: Array<[line: string, kind: 'words' | 'files', candidates: string[]]> = [
    ['ctr ', 'words', ['start', 'stop', 'wait', 'info', 'ls', 'monitor', 'console', 'create', 'destroy', 'copy', 'snapshot', 'checkpoint', 'freeze', 'unfreeze', 'autostart', 'attach', 'execute', 'help', 'version', 'completion', 'install-links']],
    ['ctr st', 'words', ['start', 'stop']],
    ['ctr --v', 'words', ['--version']],
    ['ctr help in', 'words', ['info']],
    ['ctr completion ', 'words', ['bash', 'zsh', 'fish']],
    ['ctr stop --no', 'words', ['--nowait', '--nokill', '--nolock']],
    ['ctr info -', 'words', ['--config', '--ips', '--state', '--pid', '--stats', '--no-humanize', '--name', '--help', '--usage', '--version', '--quiet', '--logfile', '--logpriority', '--lxcpath', '--rcfile', '--json', '-c', '-i', '-s', '-p', '-S', '-H', '-n', '-h', '-q', '-o', '-l', '-P']],
    // Container names, by what the command can do with them.
    ['ctr info -n ', 'words', ['cache', 'db', 'web']],
    ['ctr start -n ', 'words', ['db']],
    ['ctr stop ', 'words', ['cache', 'web']],
    ['ctr unfreeze --name ', 'words', ['cache']],
    ['ctr freeze -qn w', 'words', ['web']],
    ['ctr info --name=w', 'words', ['--name=web']],
    ['ctr info web ', 'words', []],
    // States, one after the other.
    ['ctr wait -n web -s ', 'words', ['STOPPED', 'STARTING', 'RUNNING', 'STOPPING', 'ABORTING', 'FREEZING', 'FROZEN', 'THAWED']],
    ['ctr wait -n web -s RUNNING|ST', 'words', ['RUNNING|STOPPED', 'RUNNING|STARTING', 'RUNNING|STOPPING']],
    ['ctr wait web FR', 'words', ['FREEZING', 'FROZEN']],
    ['ctr wait -l W', 'words', ['WARN']],
    ['ctr ls -F NAME,ST', 'words', ['NAME,STATE']],
    ['ctr create -t ', 'words', ['busybox', 'none']],
    ['ctr start --share-net ', 'words', ['web', 'cache']],
    // Paths are the shell's job.
    ['ctr start -f ', 'files', []],
    ['ctr info --rcfile=', 'files', []],
    ['ctr start -n web -- /bin/', 'files', []],
    ['ctr bogus ', 'words', []],
  ]
  for (const [line, kind, candidates] of cases) {
    it(JSON.stringify(line), () => {
      const got = complete(line, sources)
      assert.equal(got.kind, kind)
      assert.deepEqual(got.candidates, candidates)
    })
  }
  it('lists the containers of the -P on the line', () => {
    asked.length = 0
    complete('ctr info -P /srv/c -n ', sources)
    assert.deepEqual(asked, ['/srv/c'])
  })
  it('reports the current word as ctr split it', () => {
    assert.equal(complete('ctr info --name=w', sources).word, '--name=w')
    assert.equal(complete('ctr info ', sources).word, '')
  })
})

describe('completion scripts', () => {
  it('register for ctr and ctr-lxc in every shell', () => {
    assert.match(completionScript('bash'), /^complete -F _ctr_complete ctr ctr-lxc$/m)
    assert.match(completionScript('zsh'), /^#compdef ctr ctr-lxc$/m)
    assert.match(completionScript('fish'), /^complete -c ctr-lxc -f -a '\(__ctr_complete\)'$/m)
  })
})

describe('roffEscape', () => {
  it('escapes backslashes, hyphens and leading control characters', () => {
    assert.equal(roffEscape('a\\b --x'), 'a\\eb \\-\\-x')
    assert.equal(roffEscape(".TH\n'x"), "\\&.TH\n\\&'x")
  })
})

describe('COMMAND_NAMES', () => {
  it('lists every command of the catalog and the meta commands', async () => {
    const {COMMAND_NAMES} = await import('../../src/core/cli/command-names.js')
    const {commandNames} = await import('../../src/core/cli/catalog.js')
    assert.deepEqual([...COMMAND_NAMES].sort(), commandNames().sort())
  })
})
