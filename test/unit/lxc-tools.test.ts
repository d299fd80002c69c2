import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'

import {COMMAND_CATALOG} from '../../src/core/cli/catalog.js'
import {parseInstallLinks, planLinks} from '../../src/core/cli/install-links.js'

const TOOLS = JSON.parse(readFileSync(new URL('../../bin/lxc-tools.json', import.meta.url), 'utf8')) as Record<string, string>

describe('bin/lxc-tools.json, the table bin/run.js dispatches lxc-* links with', () => {
  it('maps every command\'s LXC tool to it', () => {
    for (const spec of COMMAND_CATALOG) assert.equal(TOOLS[spec.lxcTool], spec.id, `${spec.lxcTool} -> ${spec.id}`)
  })
  it('names each tool lxc-COMMAND, including the ones ctr may not have yet', () => {
    for (const [tool, command] of Object.entries(TOOLS)) assert.equal(tool, `lxc-${command}`)
    for (const tool of ['lxc-attach', 'lxc-execute', 'lxc-console']) assert.ok(tool in TOOLS, tool)
  })
  it('plans links only for commands ctr has', () => {
    assert.deepEqual(planLinks({'lxc-start': 'start', 'lxc-attach': 'attach'}, ['start']), [
      {name: 'lxc-start', command: 'start', available: true},
      {name: 'lxc-attach', command: 'attach', available: false},
    ])
  })
})

describe('ctr install-links argv', () => {
  it('takes DIR and --force, --remove, --json in any order', () => {
    assert.deepEqual(parseInstallLinks(['--force', 'd', '--json']), {dir: 'd', remove: false, force: true, json: true, help: false})
    assert.deepEqual(parseInstallLinks(['--remove', '--', '-x']), {dir: '-x', remove: true, force: false, json: false, help: false})
    assert.equal(parseInstallLinks(['-h']).help, true)
  })
  it('refuses no DIR, two, and unknown options', () => {
    assert.throws(() => parseInstallLinks([]), /Missing the directory/)
    assert.throws(() => parseInstallLinks(['a', 'b']), /Unexpected argument "b"/)
    assert.throws(() => parseInstallLinks(['--bogus', 'a']), /Unknown option "--bogus"/)
  })
})
