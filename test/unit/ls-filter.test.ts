// core/posix-regex.ts: the POSIX extended regular expressions of
// lxc-ls --filter and lxc-monitor -n, as JavaScript RegExps.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {UsageError} from '../../src/core/errors.js'
import {compileNameRegex, posixEreToJs} from '../../src/core/posix-regex.js'

describe('posixEreToJs', () => {
  const cases: Array<[posix: string, js: string]> = [
    ['web', 'web'],
    ['^web[0-9]+$', '^web[0-9]+$'],
    ['a|b', 'a|b'],
    ['(db|cache){2}', '(db|cache){2}'],
    ['[[:digit:]]', '[0-9]'],
    ['[^[:alpha:]_]', '[^A-Za-z_]'],
    ['[[:alnum:].-]', '[0-9A-Za-z.-]'],
    ['[]a]', '[\\]a]'],
    ['[^]a]', '[^\\]a]'],
    ['[\\d]', '[\\\\d]'],
    ['[[.-.]a]', '[\\-a]'],
    ['\\.', '\\.'],
  ]
  for (const [posix, js] of cases) {
    it(`${posix} -> ${js}`, () => assert.equal(posixEreToJs(posix), js))
  }
})

describe('compileNameRegex', () => {
  it('matches anywhere for lxc-ls, like regexec', () => {
    const re = compileNameRegex('eb', false, '--filter')
    assert.equal(re.test('web1'), true)
    assert.equal(re.test('db'), false)
  })
  it('matches whole names for lxc-monitor, the whole alternation anchored', () => {
    const re = compileNameRegex('web|db', true, '-n')
    assert.equal(re.test('web'), true)
    assert.equal(re.test('db'), true)
    // lxc-monitor's pasted ^web|db$ would match both of these.
    assert.equal(re.test('web1'), false)
    assert.equal(re.test('mydb'), false)
  })
  it('treats POSIX classes as classes', () => {
    const re = compileNameRegex('c[[:digit:]]+', true, '-n')
    assert.equal(re.test('c12'), true)
    assert.equal(re.test('c1a'), false)
    assert.equal(re.test('c:'), false)
  })
  it('matches every name with the default .*', () => {
    assert.equal(compileNameRegex('.*', true, '-n').test('anything.0'), true)
  })
  for (const bad of ['web[', '(x', '[[:nope:]]', '[[:alpha:]', '*x']) {
    it(`refuses ${bad} with CTR_INVALID_REGEX naming the option`, () => {
      assert.throws(() => compileNameRegex(bad, false, '--filter'), (e: unknown) => {
        assert.ok(e instanceof UsageError)
        assert.equal(e.code, 'CTR_INVALID_REGEX')
        assert.match(e.message, new RegExp(`^Invalid regular expression ${JSON.stringify(bad).replace(/[[\]().*{}]/g, '\\$&')} for --filter: `))
        return true
      })
    })
  }
})

describe('compileNameRegex refuses what POSIX ERE does not define', () => {
  const cases: Array<[pattern: string, reason: RegExp]> = [
    ['web(?=1)', /\(\?= \(lookahead\) is JavaScript syntax, not POSIX ERE$/],
    ['(?!db)', /\(\?! \(lookahead\) is JavaScript syntax/],
    ['(?<=w)eb', /\(\?<= \(lookbehind\) is JavaScript syntax/],
    ['(?<!w)eb', /\(\?<! \(lookbehind\)/],
    ['(?:a|b)', /\(\?: \(a non-capturing group\)/],
    ['(?<n>a)', /\(\?< \(a named group\)/],
    ['web\\d+', /\\d is not POSIX ERE: use \[0-9\] or \[\[:digit:\]\]$/],
    ['\\w+', /\\w is not POSIX ERE: use \[\[:alnum:\]_\]$/],
    ['a\\sb', /\\s is not POSIX ERE: use \[\[:space:\]\]$/],
    ['\\bweb', /\\b is not POSIX ERE: anchor with \^ and \$ instead$/],
    ['(a)\\1', /\\1 is not POSIX ERE: back references are not POSIX ERE$/],
    ['\\u0041', /\\u is not POSIX ERE/],
    ['web\\', /trailing backslash$/],
  ]
  for (const [pattern, reason] of cases) {
    it(`refuses ${pattern}`, () => {
      assert.throws(() => compileNameRegex(pattern, false, '--filter'), (e: unknown) => {
        assert.ok(e instanceof UsageError)
        assert.equal(e.code, 'CTR_INVALID_REGEX')
        assert.equal(e.exitCode, 1)
        assert.match(e.message, reason)
        return true
      })
    })
  }
  for (const [pattern, name] of [['web\\.1', 'web.1'], ['a\\|b', 'a|b'], ['\\(x\\)', '(x)'], ['x\\{2\\}', 'x{2}'], ['a\\\\b', 'a\\b']]) {
    it(`keeps the POSIX escape in ${pattern} literal`, () => {
      assert.equal(compileNameRegex(pattern as string, true, '-n').test(name as string), true)
    })
  }
})
