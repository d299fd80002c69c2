// LXC's config line grammar (docs/lxc-contract.md §8.1 rules 1-5) and the C number
// syntax of its validators. Expected values were checked with lxc-info 5.0.2
// on the dev machine (a config in a temp lxcpath, `lxc-info -c KEY`).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {
  cStrtol,
  cStrtoul,
  lexConfig,
  lexDefine,
  lxcGetU16,
  lxcSafeInt,
  lxcSafeInt64Residual,
  lxcSafeUint,
  lxcSafeUlong,
} from '../../src/core/config/lexer.js'
import {CtrError} from '../../src/core/errors.js'

type Pair = [key: string, value: string, line: number]

function pairs(text: string): Pair[] {
  return lexConfig(text, 'f').entries.map((e) => [e.key, e.value, e.line])
}

describe('lexConfig: lines', () => {
  const cases: Array<{why: string; text: string; want: Pair[]}> = [
    {why: 'LF', text: 'lxc.a = 1\nlxc.b = 2\n', want: [['lxc.a', '1', 1], ['lxc.b', '2', 2]]},
    {why: 'CRLF is one break', text: 'lxc.a = 1\r\nlxc.b = 2\r\n', want: [['lxc.a', '1', 1], ['lxc.b', '2', 2]]},
    {why: 'a lone CR is a break', text: 'lxc.a = 1\rlxc.b = 2', want: [['lxc.a', '1', 1], ['lxc.b', '2', 2]]},
    {why: 'no final newline', text: 'lxc.a = 1', want: [['lxc.a', '1', 1]]},
    {why: 'blank lines are skipped but counted', text: '\n\n  \t\nlxc.a = 1\n\f\nlxc.b = 2', want: [['lxc.a', '1', 4], ['lxc.b', '2', 6]]},
    {why: 'a NUL ends the file (strtok)', text: 'lxc.a = 1\0\nlxc.b = 2\n', want: [['lxc.a', '1', 1]]},
    {why: 'a NUL mid-line cuts the line', text: 'lxc.a = 1\0lxc.b = 2\n', want: [['lxc.a', '1', 1]]},
    {why: 'full-line comment', text: '# lxc.a = 1\nlxc.b = 2', want: [['lxc.b', '2', 2]]},
    {why: 'indented comment', text: ' \t# lxc.a = 1\nlxc.b = 2', want: [['lxc.b', '2', 2]]},
    {why: 'inline # and ; are data', text: 'lxc.uts.name = a # b ; c', want: [['lxc.uts.name', 'a # b ; c', 1]]},
    {why: 'indented key', text: '\t  lxc.a\t=\tx\t', want: [['lxc.a', 'x', 1]]},
    {why: 'no blanks around =', text: 'lxc.a=x', want: [['lxc.a', 'x', 1]]},
    {why: 'only the first = splits', text: 'lxc.environment = A=b=c', want: [['lxc.environment', 'A=b=c', 1]]},
    {why: 'a blank inside the key stays', text: 'lxc.uts name = x', want: [['lxc.uts name', 'x', 1]]},
    {why: 'empty value', text: 'lxc.a =', want: [['lxc.a', '', 1]]},
    {why: 'empty value with blanks', text: 'lxc.a =   \t', want: [['lxc.a', '', 1]]},
    {why: 'form feed is not trimmed', text: 'lxc.a = x\f', want: [['lxc.a', 'x\f', 1]]},
    {why: 'backslashes are literal', text: 'lxc.a = esc\\;aped \\# too', want: [['lxc.a', 'esc\\;aped \\# too', 1]]},
    {why: 'order is kept across keys', text: 'lxc.b = 1\nlxc.a = 2\nlxc.b = 3', want: [['lxc.b', '1', 1], ['lxc.a', '2', 2], ['lxc.b', '3', 3]]},
  ]
  for (const c of cases) {
    it(c.why, () => assert.deepEqual(pairs(c.text), c.want))
  }
})

describe('lexConfig: quotes (one matching outer pair, no escapes)', () => {
  const cases: Array<[text: string, value: string]> = [
    ['lxc.a = "x y"', 'x y'],
    ["lxc.a = 'x y' ", 'x y'],
    ['lxc.a = " x "', ' x '],
    ['lxc.a = ""', ''],
    ["lxc.a = ''", ''],
    ['lxc.a = "', '"'],
    ['lxc.a = "x', '"x'],
    ['lxc.a = x"', 'x"'],
    ['lxc.a = "x\'', '"x\''],
    ['lxc.a = ""x""', '"x"'],
    ['lxc.a = "x\\ty"', 'x\\ty'],
    ['lxc.a = a "b" c', 'a "b" c'],
  ]
  for (const [text, value] of cases) {
    it(JSON.stringify(text), () => assert.equal(lexConfig(text, 'f').entries[0]?.value, value))
  }
})

describe('lexConfig: martian lines and errors', () => {
  it('warns about lines not starting with lxc. and skips them', () => {
    const {entries, warnings} = lexConfig('lcx.uts.name = x\nfoo bar\nLXC.a = 1\n\uFEFFlxc.b = 2\nlxc.c = 3\n', 'cfg')
    assert.deepEqual(entries.map((e) => e.key), ['lxc.c'])
    assert.deepEqual(warnings.map((w) => [w.file, w.line, w.code]), [
      ['cfg', 1, 'CTR_CONFIG_MARTIAN'],
      ['cfg', 2, 'CTR_CONFIG_MARTIAN'],
      ['cfg', 3, 'CTR_CONFIG_MARTIAN'],
      ['cfg', 4, 'CTR_CONFIG_MARTIAN'],
    ])
    assert.match(warnings[0]?.message ?? '', /lcx\.uts\.name = x/)
    assert.match(warnings[3]?.message ?? '', /byte order mark/)
  })

  it('warns when a NUL byte hides the rest of the file', () => {
    const {warnings} = lexConfig('lxc.a = 1\nlxc.b = 2\0\nlxc.c = 3\n', 'cfg')
    assert.deepEqual(warnings.map((w) => [w.line, w.code]), [[2, 'CTR_CONFIG_NUL']])
    assert.deepEqual(lexConfig('lxc.a = 1\0\0\n', 'cfg').warnings, [])
  })

  it('refuses an lxc. line without = with file:line', () => {
    assert.throws(() => lexConfig('lxc.a = 1\n\nlxc.uts.name\n', '/x/config'), (e: unknown) => {
      assert.ok(e instanceof CtrError)
      assert.equal(e.code, 'CTR_CONFIG_SYNTAX')
      assert.equal(e.exitCode, 1)
      assert.equal(e.message, '/x/config:3: Invalid configuration line: lxc.uts.name')
      assert.deepEqual(e.details, {file: '/x/config', line: 3})
      return true
    })
  })

  it('ignores a martian line without =', () => {
    assert.deepEqual(lexConfig('hello\n', 'f').entries, [])
  })
})

describe('lexDefine', () => {
  const ok: Array<[arg: string, key: string, value: string]> = [
    ['lxc.uts.name=foo', 'lxc.uts.name', 'foo'],
    ['  lxc.uts.name = "a b" ', 'lxc.uts.name', 'a b'],
    ['lxc.mount.entry=/a b none bind 0 0', 'lxc.mount.entry', '/a b none bind 0 0'],
    ['lxc.uts.name=', 'lxc.uts.name', ''],
  ]
  for (const [arg, key, value] of ok) {
    it(`accepts ${JSON.stringify(arg)}`, () => {
      assert.deepEqual(lexDefine(arg, 2), {key, value, file: '<define>', line: 2})
    })
  }
  for (const arg of ['uts.name=x', 'lxc.uts.name', '#lxc.a=1', '']) {
    it(`refuses ${JSON.stringify(arg)}`, () => {
      assert.throws(() => lexDefine(arg), (e: unknown) => e instanceof CtrError && e.code === 'CTR_CONFIG_SYNTAX' && e.message.startsWith('<define>:1: '))
    })
  }
})

describe('C number syntax', () => {
  it('strtoul/strtol', () => {
    assert.deepEqual(cStrtoul('  0x1fz', 0), {value: 31n, end: 6, erange: false})
    assert.deepEqual(cStrtoul('0x', 0), {value: 0n, end: 1, erange: false})
    assert.deepEqual(cStrtoul('-1', 10), {value: (1n << 64n) - 1n, end: 2, erange: false})
    assert.deepEqual(cStrtoul('99999999999999999999', 10), {value: (1n << 64n) - 1n, end: 20, erange: true})
    assert.deepEqual(cStrtoul('x', 10), {value: 0n, end: 0, erange: false})
    assert.deepEqual(cStrtol('-0x10', 0), {value: -16n, end: 5, erange: false})
    assert.deepEqual(cStrtol('9223372036854775808', 10), {value: (1n << 63n) - 1n, end: 19, erange: true})
  })

  const uints: Array<[string, number | undefined]> = [
    ['0', 0], ['42', 42], ['010', 8], ['08', undefined], ['0x1e', 30], ['0X1E', 30], ['+5', 5], [' 7', 7], ['7 ', undefined],
    ['-1', undefined], [' -1', undefined], ['', undefined], ['4294967295', 4294967295], ['4294967296', undefined], ['1e3', undefined],
  ]
  for (const [text, want] of uints) {
    it(`lxc_safe_uint(${JSON.stringify(text)}) = ${String(want)}`, () => assert.equal(lxcSafeUint(text), want))
  }

  const ints: Array<[string, number | undefined]> = [
    ['-3', -3], ['-0x10', -16], ['2147483647', 2147483647], ['2147483648', undefined], ['-2147483648', -2147483648], ['', undefined], ['5x', undefined],
  ]
  for (const [text, want] of ints) {
    it(`lxc_safe_int(${JSON.stringify(text)}) = ${String(want)}`, () => assert.equal(lxcSafeInt(text), want))
  }

  it('lxc_safe_ulong, get_u16 and the residual parser', () => {
    assert.equal(lxcSafeUlong('18446744073709551615'), (1n << 64n) - 1n)
    assert.equal(lxcSafeUlong('18446744073709551616'), undefined)
    assert.equal(lxcGetU16('65535'), 65535)
    assert.equal(lxcGetU16('65536'), undefined)
    assert.equal(lxcGetU16(''), undefined)
    assert.equal(lxcGetU16('-1'), undefined)
    assert.deepEqual(lxcSafeInt64Residual('5ms', 3), {value: 5n, residual: 'ms'})
    assert.deepEqual(lxcSafeInt64Residual('5 s', 3), {value: 5n, residual: ' s'})
    assert.equal(lxcSafeInt64Residual('5 ms', 3), undefined)
    assert.equal(lxcSafeInt64Residual('ms', 3), undefined)
    assert.deepEqual(lxcSafeInt64Residual('0x5', 3), {value: 0n, residual: 'x5'})
  })
})
