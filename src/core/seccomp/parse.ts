// The LXC seccomp policy language, read the way LXC reads it
// (src/lxc/seccomp.c: parse_config, parse_config_v1, parse_config_v2,
// get_v2_default_action, get_v2_action, parse_v2_rules,
// get_seccomp_arg_value), down to its C library quirks, so that a policy
// means here what it means under lxc-start:
//
//   1                      version: `fscanf("%d\n")`, so blank lines may follow
//   allowlist              v1: then one system call number per line, nothing else
//
//   2
//   denylist [ACTION]      or allowlist (blacklist/whitelist): the default action
//   # comment              `#` in the first column only
//   [x86_64]               an arch section; on an x86_64 host [x86_64], [x86],
//                          [x32] and [all] all apply to every ABI (LXC adds each
//                          rule to all three); other known arches are skipped
//   NAME [ACTION] [ARG]... ARG: [index,value,op] or [index,value,SCMP_CMP_MASKED_EQ,mask]
//
// Actions match by prefix (`kill`, `errno N`, `allow`, `trap`, `notify`);
// the name ends at the first space; the arguments come after the action.

import {CtrError} from '../errors.js'
import {CMP, type ArgCmp, type Cmp} from './db.js'

/** SECCOMP_RET_* (linux/seccomp.h) as libseccomp's SCMP_ACT_* produce them. */
export const ACT = {
  /** SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD, what LXC's `kill` means. */
  KILL_THREAD: 0x00000000,
  KILL_PROCESS: 0x80000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const

/** A version 2 rule: the name, its action and its argument comparisons. */
export interface PolicyRule {
  line: number
  /** The text up to the first space, as LXC resolves it. */
  name: string
  action: number
  args: ArgCmp[]
}

/** A parsed policy, before system call names are resolved. */
export interface Policy {
  version: 1 | 2
  defaultAction: number
  /** v2 rules (an empty list for v1). */
  rules: PolicyRule[]
  /** v1 system call numbers to allow, with their lines. */
  numbers: Array<{line: number; nr: number}>
  warnings: PolicyWarning[]
}

/** A rule LXC would skip, or a ctr extension: worth telling, not fatal. */
export interface PolicyWarning {
  line: number
  message: string
}

/** A finding with its line, turned into a CtrError by the caller's file name. */
export class PolicyError extends Error {
  constructor(
    readonly line: number,
    message: string,
    readonly hints: string[] = [],
  ) {
    super(message)
  }
}

/** The CtrError for a PolicyError in FILE: CTR_SECCOMP_POLICY, `file:line: message`, with hints. */
export function policyError(file: string, error: PolicyError): CtrError {
  return new CtrError('CTR_SECCOMP_POLICY', `${file}:${error.line}: ${error.message}`, {
    hints: [...error.hints, 'Check the file named by lxc.seccomp.profile'],
  })
}

// Arch sections LXC knows (strequal, lower or upper case). On an x86_64 host
// the first four select rules for every ABI; the others are skipped.
const OWN_SECTIONS = new Set(['x86', 'x32', 'x86_64', 'all'])
const FOREIGN_SECTIONS = new Set(['arm', 'arm64', 'ppc64le', 'ppc64', 'ppc', 'mips64', 'mips64n32', 'mips', 'mipsel64', 'mipsel64n32', 'mipsel', 's390x', 's390', 'loongarch64'])

const SECTION_NAMES = new Map<string, 'own' | 'foreign'>()
for (const name of OWN_SECTIONS) {
  SECTION_NAMES.set(`[${name}]`, 'own')
  SECTION_NAMES.set(`[${name.toUpperCase()}]`, 'own')
}
for (const name of FOREIGN_SECTIONS) {
  SECTION_NAMES.set(`[${name}]`, 'foreign')
  SECTION_NAMES.set(`[${name.toUpperCase()}]`, 'foreign')
}

const OPS = new Map<string, Cmp>([
  ['SCMP_CMP_NE', CMP.NE], ['!=', CMP.NE],
  ['SCMP_CMP_LT', CMP.LT], ['<', CMP.LT],
  ['SCMP_CMP_LE', CMP.LE], ['<=', CMP.LE],
  ['SCMP_CMP_EQ', CMP.EQ], ['==', CMP.EQ],
  ['SCMP_CMP_GE', CMP.GE], ['>=', CMP.GE],
  ['SCMP_CMP_GT', CMP.GT], ['>', CMP.GT],
  ['SCMP_CMP_MASKED_EQ', CMP.MASKED_EQ], ['&=', CMP.MASKED_EQ],
])

const ARG_HINT = 'An argument rule reads [index,value,op] or [index,value,SCMP_CMP_MASKED_EQ,mask] after the action, e.g. `unshare errno 1 [0,0x10000000,SCMP_CMP_MASKED_EQ,0x10000000]`'

/**
 * Parses policy TEXT as LXC does. Returns the version, default action, rules
 * and warnings (rules LXC would skip, ctr extensions); throws a PolicyError
 * for a policy LXC refuses, or one using `notify`, which ctr does not
 * support. Pure.
 */
export function parsePolicy(text: string): Policy {
  const reader = new LineReader(text)
  const version = reader.scanVersion()
  const directive = reader.getline()
  if (directive === undefined) throw new PolicyError(reader.lineNumber(), 'The policy type line (allowlist or denylist) is missing')
  const warnings: PolicyWarning[] = []
  if (version.value === 1 && !directive.text.includes('allowlist')) {
    if (!directive.text.includes('whitelist')) {
      throw new PolicyError(directive.line, 'Only allowlist policies are supported in version 1', ['Write `allowlist` on the second line, or use version 2 for a denylist'])
    }
    warnings.push({line: directive.line, message: '"whitelist" in a version 1 policy is refused by LXC 5 and later; write "allowlist"'})
  }
  if (directive.text.includes('debug')) throw new PolicyError(directive.line, 'The debug directive is not implemented (by LXC either)')
  if (version.value === 1) return {version: 1, defaultAction: ACT.KILL_THREAD, rules: [], numbers: parseV1(reader, warnings), warnings}
  return parseV2(reader, directive, warnings)
}

function parseV1(reader: LineReader, warnings: PolicyWarning[]): Array<{line: number; nr: number}> {
  const numbers: Array<{line: number; nr: number}> = []
  for (let l = reader.getline(); l !== undefined; l = reader.getline()) {
    const nr = scanInt(l.text, 0)
    if (nr === undefined) throw new PolicyError(l.line, `Expected a system call number, found ${JSON.stringify(l.text.replace(/\n$/, ''))}`, ['A version 1 policy lists numbers only: no names, comments or blank lines'])
    const value = toInt32(nr.value)
    // libseccomp: -1 to -99 are invalid (-EINVAL); below that, pseudo
    // numbers no x86_64 call has, which never reach the filter.
    if (value < 0 && value > -100) throw new PolicyError(l.line, `Invalid system call number ${value}`)
    if (value <= -100) {
      warnings.push({line: l.line, message: `System call number ${value} matches nothing on x86_64; ignored`})
      continue
    }
    numbers.push({line: l.line, nr: value})
  }
  return numbers
}

function parseV2(reader: LineReader, directive: Line, warnings: PolicyWarning[]): Policy {
  const text = directive.text
  const isDeny = text.startsWith('denylist') || text.startsWith('blacklist')
  if (!isDeny && !text.startsWith('allowlist') && !text.startsWith('whitelist')) {
    throw new PolicyError(directive.line, `Bad seccomp policy style ${JSON.stringify(text.replace(/\n$/, ''))}`, ['The second line starts with allowlist or denylist (or whitelist, blacklist)'])
  }
  let defaultAction: number | undefined
  const space = text.indexOf(' ')
  // LXC parses the rest of this line with its newline still attached: a
  // trailing space makes "\n" the action, which it refuses.
  if (space >= 0) defaultAction = parseAction(text.slice(space + 1), directive.line, warnings, 'default')
  defaultAction ??= isDeny ? ACT.ALLOW : ACT.KILL_THREAD
  const ruleDefault = isDeny ? ACT.KILL_THREAD : ACT.ALLOW

  const rules: PolicyRule[] = []
  let foreign = false
  for (let l = reader.getline(); l !== undefined; l = reader.getline()) {
    if (l.text.startsWith('#') || l.text === '') continue
    const line = l.text.replace(/\n+$/, '')
    if (line.startsWith('[')) {
      const section = SECTION_NAMES.get(line)
      if (section === undefined) {
        throw new PolicyError(l.line, `Unsupported architecture ${JSON.stringify(line)}`, [
          'Sections: [all], [x86_64], [x86], [x32] (all apply to every x86 ABI on an x86_64 host), or another arch\'s, e.g. [arm64], which is skipped',
        ])
      }
      foreign = section === 'foreign'
      continue
    }
    if (foreign) continue
    const action = ruleAction(line, ruleDefault, l.line, warnings)
    const args = line.includes('[') ? parseArgs(line, l.line) : []
    const sp = line.indexOf(' ')
    const name = sp >= 0 ? line.slice(0, sp) : line
    if (name === '' && line.trim() !== '' && !line.trim().startsWith('#')) {
      warnings.push({line: l.line, message: 'The line starts with a space, so LXC reads an empty system call name and skips the rule'})
    }
    if (name === '') continue
    rules.push({line: l.line, name, action, args})
  }
  return {version: 2, defaultAction, rules, numbers: [], warnings}
}

// get_v2_action: the action after the name, or the default rule action
// when there is none (or a comment follows).
function ruleAction(line: string, ruleDefault: number, lineNo: number, warnings: PolicyWarning[]): number {
  const sp = line.indexOf(' ')
  if (sp < 0) return ruleDefault
  let p = sp + 1
  while (line[p] === ' ') p++
  if (p >= line.length || line[p] === '#') return ruleDefault
  return parseAction(line.slice(p), lineNo, warnings, 'rule') ?? ruleDefault
}

// get_v2_default_action: undefined when S is empty after spaces.
function parseAction(s: string, lineNo: number, warnings: PolicyWarning[], what: 'default' | 'rule'): number | undefined {
  let i = 0
  while (s[i] === ' ') i++
  const rest = s.slice(i)
  const withNumber = (base: number, word: string): number => {
    const n = scanInt(rest, word.length)
    if (n === undefined) throw new PolicyError(lineNo, `Failed to parse the ${word} value in ${JSON.stringify(rest.replace(/\n$/, ''))}`, [`Write \`${word} N\`, e.g. \`${word} 1\``])
    // SCMP_ACT_ERRNO(x) and SCMP_ACT_TRACE(x) keep the low 16 bits.
    return (base | (Number(BigInt.asUintN(16, n.value)) & 0xffff)) >>> 0
  }
  if (rest.startsWith('kill')) return ACT.KILL_THREAD
  if (rest.startsWith('errno')) return withNumber(ACT.ERRNO, 'errno')
  if (rest.startsWith('allow')) return ACT.ALLOW
  if (rest.startsWith('trap')) return ACT.TRAP
  if (rest.startsWith('notify')) {
    throw new PolicyError(lineNo, 'The notify action is not supported by ctr', ['Seccomp notifications need a supervisor (lxc.seccomp.notify.proxy); use errno N or kill instead'])
  }
  // ctr extensions (libseccomp's SCMP_ACT_TRACE and SCMP_ACT_LOG): LXC
  // refuses these words, so no policy LXC accepts changes meaning.
  if (rest.startsWith('trace')) {
    warnings.push({line: lineNo, message: '"trace" is a ctr extension; LXC refuses this policy'})
    return withNumber(ACT.TRACE, 'trace')
  }
  if (rest.startsWith('log')) {
    warnings.push({line: lineNo, message: '"log" is a ctr extension; LXC refuses this policy'})
    return ACT.LOG
  }
  if (what === 'default' && rest.trim() === '' && rest !== '') {
    throw new PolicyError(lineNo, 'White space after the policy type: LXC reads the end of the line as an action and refuses it', ['Remove the trailing space'])
  }
  if (rest !== '') {
    throw new PolicyError(lineNo, `Unrecognized seccomp action ${JSON.stringify(rest.replace(/\n$/, ''))}`, [
      `Actions: kill, errno N, allow, trap (and ctr's trace N, log)${what === 'rule' ? '; argument rules come after an explicit action' : ''}`,
    ])
  }
  return undefined
}

// parse_v2_rules: strtok(line, "]"), at most six pieces, each holding one
// `[` argument.
function parseArgs(line: string, lineNo: number): ArgCmp[] {
  const pieces = line.split(']').filter((p) => p !== '').slice(0, 6)
  return pieces.map((piece) => parseArg(piece, lineNo))
}

// get_seccomp_arg_value: sscanf(s, "[%i,%23[^,],%30[^0-9^,],%23[^,]").
function parseArg(piece: string, lineNo: number): ArgCmp {
  const open = piece.indexOf('[')
  const fail: (why: string) => never = (why) => {
    throw new PolicyError(lineNo, `Failed to interpret the argument ${JSON.stringify(open >= 0 ? `${piece.slice(open)}]` : piece)}: ${why}`, [ARG_HINT])
  }
  if (open < 0) fail('no [ (text after the arguments, or a comment, is not allowed)')
  const s = piece.slice(open)
  let pos = 1
  const index = scanInt(s, pos, true)
  let fields = 0
  let v = ''
  let op = ''
  let m = '0'
  if (index !== undefined) {
    fields = 1
    pos = index.end
    const set = (exclude: RegExp, max: number): string | undefined => {
      if (s[pos] !== ',') return undefined
      let end = pos + 1
      while (end < s.length && end - pos - 1 < max && !exclude.test(s[end] as string)) end++
      if (end === pos + 1) return undefined
      const out = s.slice(pos + 1, end)
      pos = end
      return out
    }
    const value = set(/,/, 23)
    if (value !== undefined) {
      fields = 2
      v = value
      const opText = set(/[0-9^,]/, 30)
      if (opText !== undefined) {
        fields = 3
        op = opText
        const mask = set(/,/, 23)
        if (mask !== undefined) {
          fields = 4
          m = mask
        }
      }
    }
  }
  if (fields < 3) fail('expected [index,value,op] or [index,value,op,mask]')
  const idx = Number(BigInt.asUintN(32, index?.value ?? 0n))
  if (idx >= 6) fail(`argument index ${idx} is not 0 to 5`)
  const valueNum = parseUint64(v)
  if (valueNum === undefined) fail(`invalid value ${JSON.stringify(v)}`)
  const maskNum = parseUint64(m)
  if (maskNum === undefined) fail(`invalid mask ${JSON.stringify(m)}`)
  const cmp = OPS.get(op)
  if (cmp === undefined) fail(`unknown operator ${JSON.stringify(op)} (SCMP_CMP_EQ or ==, SCMP_CMP_NE or !=, SCMP_CMP_LT or <, SCMP_CMP_LE or <=, SCMP_CMP_GT or >, SCMP_CMP_GE or >=, SCMP_CMP_MASKED_EQ or &=)`)
  return {index: idx, op: cmp, value: valueNum, mask: maskNum}
}

// ---------------------------------------------------------------------------
// C library behaviour

const INT64_MAX = (1n << 63n) - 1n
const INT64_MIN = -(1n << 63n)

function isCSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r'
}

// scanf's %d (or %i with BASE0): leading white space, a sign, digits. The
// value is clamped to a C long, as glibc's strtol does on overflow.
function scanInt(s: string, from: number, base0 = false): {value: bigint; end: number} | undefined {
  let i = from
  while (isCSpace(s[i])) i++
  let negative = false
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-'
    i++
  }
  let radix = 10
  let digits = /[0-9]/
  if (base0 && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    radix = 16
    digits = /[0-9a-fA-F]/
    i += 2
  } else if (base0 && s[i] === '0') {
    radix = 8
    digits = /[0-7]/
  }
  const start = i
  while (i < s.length && digits.test(s[i] as string)) i++
  if (i === start) return undefined
  let value = 0n
  for (const c of s.slice(start, i)) value = value * BigInt(radix) + BigInt(Number.parseInt(c, radix))
  if (negative) value = -value
  if (value > INT64_MAX) value = INT64_MAX
  if (value < INT64_MIN) value = INT64_MIN
  return {value, end: i}
}

// What an int receives from scanf's %d: the low 32 bits of the long.
function toInt32(v: bigint): number {
  return Number(BigInt.asIntN(32, v))
}

// lxc_safe_uint64(s, &u, 0): strtoull with base detection, no sign `-`,
// nothing after the number, overflow refused.
function parseUint64(text: string): bigint | undefined {
  let i = 0
  while (isCSpace(text[i])) i++
  if (text[i] === '-') return undefined
  if (text[i] === '+') i++
  let radix = 10
  let digits = /[0-9]/
  if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) {
    radix = 16
    digits = /[0-9a-fA-F]/
    i += 2
  } else if (text[i] === '0') {
    radix = 8
    digits = /[0-7]/
  }
  const start = i
  while (i < text.length && digits.test(text[i] as string)) i++
  if (i === start || i !== text.length) return undefined
  let value = 0n
  for (const c of text.slice(start, i)) value = value * BigInt(radix) + BigInt(Number.parseInt(c, radix))
  return value > 0xffffffffffffffffn ? undefined : value
}

interface Line {
  /** The line as getline returns it: with its "\n", cut at a NUL byte. */
  text: string
  line: number
}

// getline over the text, after the version's fscanf("%d\n").
class LineReader {
  private pos = 0
  private line = 1

  constructor(private readonly text: string) {}

  /** The line the reader is on. */
  lineNumber(): number {
    return this.line
  }

  private advance(to: number): void {
    for (; this.pos < to && this.pos < this.text.length; this.pos++) if (this.text[this.pos] === '\n') this.line++
  }

  scanVersion(): {value: number; line: number} {
    const n = scanInt(this.text, 0)
    let start = 0
    while (isCSpace(this.text[start])) start++
    this.advance(start)
    const line = this.line
    if (n === undefined || (n.value !== 1n && n.value !== 2n)) {
      throw new PolicyError(line, 'Invalid version: the first line must be 1 or 2', ['Version 2 policies look like "2", "denylist", then one rule per line'])
    }
    let end = n.end
    while (isCSpace(this.text[end])) end++
    this.advance(end)
    return {value: Number(n.value), line}
  }

  getline(): Line | undefined {
    if (this.pos >= this.text.length) return undefined
    const line = this.line
    const nl = this.text.indexOf('\n', this.pos)
    const end = nl < 0 ? this.text.length : nl + 1
    let text = this.text.slice(this.pos, end)
    this.advance(end)
    // C strings end at a NUL byte.
    const nul = text.indexOf('\0')
    if (nul >= 0) text = text.slice(0, nul)
    return {text, line}
  }
}
