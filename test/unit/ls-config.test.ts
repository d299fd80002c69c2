// sys/ls-config.ts: the AUTOSTART, GROUPS and UNPRIVILEGED facts of a
// config file: the keys ls shows read with the parser's rules, the real
// parser for includes and for every error ls reports.

import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {readCapLastCap, readConfigFacts} from '../../src/sys/ls-config.js'

const root = mkdtempSync(join(tmpdir(), 'ctr-ls-config-'))
after(() => rmSync(root, {recursive: true, force: true}))

function config(name: string, lines: string[]): string {
  const path = join(root, name)
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}

describe('readConfigFacts', () => {
  const cap = readCapLastCap()
  const cases: Array<{why: string; lines: string[]; want: unknown}> = [
    {why: 'defaults', lines: ['lxc.uts.name = a'], want: {autostart: false, groups: [], unprivileged: false}},
    {
      why: 'autostart, groups in order (several per line too), idmaps',
      lines: ['lxc.start.auto = 1', 'lxc.group = web', 'lxc.group = prod db', 'lxc.idmap = u 0 100000 65536'],
      want: {autostart: true, groups: ['web', 'prod', 'db'], unprivileged: true},
    },
    {why: 'an empty value clears the groups', lines: ['lxc.group = web', 'lxc.group =', 'lxc.group = db'], want: {autostart: false, groups: ['db'], unprivileged: false}},
    {why: 'the legacy lxc.id_map', lines: ['lxc.id_map = u 0 100000 65536'], want: {autostart: false, groups: [], unprivileged: true}},
    {why: 'lxc.start.auto = 0', lines: ['lxc.start.auto = 0'], want: {autostart: false, groups: [], unprivileged: false}},
    {
      why: 'comments, blank lines, martians, leading blanks, quotes, CRLF and a NUL, as the lexer reads them',
      lines: ['# lxc.group = commented', '', '  \t', 'lcx.group = martian', ' \tlxc.group = "a b"\r', "lxc.start.auto\t= '1'", 'lxc.group = c\0lxc.group = after-nul'],
      want: {autostart: true, groups: ['a', 'b', 'c'], unprivileged: false},
    },
  ]
  for (const c of cases) {
    it(c.why, () => assert.deepEqual(readConfigFacts(config(`c-${c.why.length}-${c.lines.length}`, c.lines), cap), c.want))
  }

  it('follows lxc.include through the loader', () => {
    const inc = config('included.conf', ['lxc.group = from-include', 'lxc.start.auto = 1'])
    assert.deepEqual(readConfigFacts(config('with-include', ['lxc.group = own', `lxc.include = ${inc}`]), cap), {
      autostart: true, groups: ['own', 'from-include'], unprivileged: false,
    })
  })

  it('returns the parser\'s located error instead of throwing', () => {
    const path = config('broken', ['lxc.uts.name = a', 'lxc.bogus = 1'])
    const facts = readConfigFacts(path, cap)
    assert.ok('error' in facts)
    assert.match(facts.error, new RegExp(`^${path.replace(/[.]/g, '\\.')}:2: .*lxc\\.bogus`))
  })

  const located = (path: string, line: number, what: RegExp): void => {
    const facts = readConfigFacts(path, cap)
    assert.ok('error' in facts, `no error for ${path}`)
    assert.ok(facts.error.startsWith(`${path}:${line}: `), facts.error)
    assert.match(facts.error, what)
  }

  it('reports a bad value of a key it shows, located, as the parser words it', () => {
    located(config('bad-auto', ['lxc.uts.name = a', 'lxc.start.auto = yes']), 2, /lxc\.start\.auto/)
    located(config('bad-idmap', ['lxc.idmap = u 0 100000']), 1, /idmap|u\|g/)
  })

  it('reports malformed keys and lines, located', () => {
    located(config('bad-net', ['lxc.net.0.bogus = 1']), 1, /lxc\.net\.0\.bogus/)
    located(config('bad-line', ['lxc.uts.name = a', 'lxc.start.auto']), 2, /lxc\.start\.auto/)
    located(config('bad-family', ['lxc.prlimit = 1']), 1, /lxc\.prlimit/)
  })

  it('reads network keys as the key table does', () => {
    const ok = config('nets', ['lxc.net.0.type = veth', 'lxc.net.12.link = br0', 'lxc.net.007.type = empty', 'lxc.net.1234567890.type = empty', 'lxc.group = n'])
    assert.deepEqual(readConfigFacts(ok, cap), {autostart: false, groups: ['n'], unprivileged: false})
    located(config('bad-net-sub', ['lxc.net.0.type = veth', 'lxc.net.0.bogus = 1']), 2, /lxc\.net\.0\.bogus/)
    located(config('bad-net-index', ['lxc.net.x.type = veth']), 1, /lxc\.net\.x\.type/)
  })

  it('does not check the values of keys it does not show', () => {
    const path = config('other-value', ['lxc.start.auto = 1', 'lxc.mount.auto = bogus', 'lxc.group = web'])
    assert.deepEqual(readConfigFacts(path, cap), {autostart: true, groups: ['web'], unprivileged: false})
  })

  it('returns a read error for a missing file', () => {
    const facts = readConfigFacts(join(root, 'missing'), cap)
    assert.ok('error' in facts)
    assert.match(facts.error, /ENOENT/)
  })
})
