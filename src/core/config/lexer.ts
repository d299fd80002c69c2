// LXC's container-config line grammar (docs/lxc-contract.md §8.1) and the C number
// syntax its validators accept.
//
// The line rules follow `lxc_file_for_each_line_mmap` (parse.c) and
// `parse_line` (confile.c) of LXC 5.0/6.0: the file is cut with strtok on
// "\r\n", so a NUL byte ends the file; empty lines and full-line `#` comments
// are skipped; a line that does not start with `lxc.` is ignored (a
// "martian"); a `lxc.` line needs a `=`. There are no escapes, no inline
// comments and no line continuations. Every entry keeps its file and line so
// that errors can point at it (LXC only prints the line text).
//
// The number helpers reproduce glibc's strtoul/strtol and LXC's
// lxc_safe_uint/int/ulong wrappers, because LXC's validators accept exactly
// what those accept: base prefixes (`0x1e`, `010` is octal 8), a leading `+`,
// leading blanks, and nothing after the digits.

import {CtrError} from '../errors.js'

/** Where a config entry came from. Defines (`-s KEY=VAL`) use file `<define>`. */
export interface SourceLocation {
  readonly file: string
  readonly line: number
}

/** One `KEY = VALUE` line, as LXC would hand it to the key's setter. */
export interface ConfigEntry extends SourceLocation {
  readonly key: string
  readonly value: string
}

/** A diagnostic that does not stop the load (martian lines, legacy keys, ...). */
export interface ConfigWarning extends SourceLocation {
  readonly code: string
  readonly message: string
}

export interface LexResult {
  readonly entries: ConfigEntry[]
  readonly warnings: ConfigWarning[]
}

/** The pseudo file name under which `-s KEY=VAL` defines are reported. */
export const DEFINE_FILE = '<define>'

/** Formats `file:line`, the prefix of every located message. */
export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}`
}

/**
 * Builds the CtrError for a config problem at `loc`: the message reads
 * `<file>:<line>: <message>`, `details` carries file, line and any extra facts
 * for `--json`. Exit status 1, like every LXC tool that fails to load a config.
 */
export function configError(
  code: string,
  loc: SourceLocation,
  message: string,
  hints: string[] = [],
  details: Record<string, unknown> = {},
  cause?: unknown,
): CtrError {
  const options = {hints, details: {file: loc.file, line: loc.line, ...details}}
  return new CtrError(code, `${formatLocation(loc)}: ${message}`, cause === undefined ? options : {...options, cause})
}

/**
 * Splits config text into entries and warnings, following LXC's line rules.
 * Returns entries in file order. Throws CTR_CONFIG_SYNTAX for an `lxc.` line
 * without `=` (LXC: "Invalid configuration line"). Pure.
 */
export function lexConfig(text: string, file: string): LexResult {
  const warnings: ConfigWarning[] = []
  const entries = [...lexEntries(text, file, warnings)]
  return {entries, warnings}
}

/**
 * The lazy form of lexConfig: yields entries in file order and pushes
 * warnings into `warnings` as it meets them, so that a caller applying each
 * entry before reading the next reports errors in LXC's order (a bad key on
 * line 1 before a line without `=` on line 5). Throws like lexConfig.
 */
export function* lexEntries(text: string, file: string, warnings: ConfigWarning[]): Generator<ConfigEntry> {
  // LXC hands the mmapped file to strtok, which treats the first NUL as the
  // end of the string: whatever follows is never read (checked on 5.0.2).
  const nul = text.indexOf('\0')
  const body = nul === -1 ? text : text.slice(0, nul)
  for (const {text: raw, line} of splitLines(body)) {
    const entry = lexLine(raw, {file, line}, warnings)
    if (entry !== undefined) yield entry
  }
  if (nul !== -1 && /[^\0\r\n]/.test(text.slice(nul))) {
    warnings.push({
      file,
      line: countLineBreaks(text.slice(0, nul)) + 1,
      code: 'CTR_CONFIG_NUL',
      message: 'Ignored everything after a NUL byte (LXC stops reading the file there)',
    })
  }
}

/**
 * Parses one `-s KEY=VAL` define the way lxc-start does (parse_new_conf_line):
 * leading blanks skipped, KEY must start with `lxc.` and a `=` must follow;
 * the value is trimmed and unquoted like a file line. `index` (1-based) is the
 * define's position, reported as the line of `<define>`. Throws
 * CTR_CONFIG_SYNTAX otherwise.
 */
export function lexDefine(arg: string, index = 1, file = DEFINE_FILE): ConfigEntry {
  const loc = {file, line: index}
  const line = arg.slice(leadingBlanks(arg))
  if (!line.startsWith('lxc.')) {
    throw configError('CTR_CONFIG_SYNTAX', loc, `Invalid define "${arg}": the key must start with "lxc."`)
  }
  const entry = splitKeyValue(line, loc)
  if (entry === undefined) {
    throw configError('CTR_CONFIG_SYNTAX', loc, `Invalid define "${arg}": expected KEY=VALUE`)
  }
  return entry
}

interface RawLine {
  readonly text: string
  readonly line: number
}

// strtok(buf, "\r\n") skips runs of separators, so "\r\n" is one break; we
// still count a lone "\r" as a line of its own when numbering, which is what
// an editor shows for old Mac line ends.
function splitLines(text: string): RawLine[] {
  const out: RawLine[] = []
  let line = 1
  let start = 0
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i]
    if (ch !== undefined && ch !== '\n' && ch !== '\r') continue
    if (i > start) out.push({text: text.slice(start, i), line})
    if (ch === '\r' && text[i + 1] === '\n') i++
    line++
    start = i + 1
  }
  return out
}

function countLineBreaks(text: string): number {
  return (text.match(/\r\n|\r|\n/g) ?? []).length
}

// lxc_is_line_empty: blanks, form feeds and line ends only.
function isEmptyLine(text: string): boolean {
  return /^[ \t\f]*$/.test(text)
}

function leadingBlanks(text: string): number {
  let i = 0
  while (text[i] === ' ' || text[i] === '\t') i++
  return i
}

function trailingBlanksEnd(text: string): number {
  let end = text.length
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--
  return end
}

function lexLine(raw: string, loc: SourceLocation, warnings: ConfigWarning[]): ConfigEntry | undefined {
  if (isEmptyLine(raw)) return undefined
  const line = raw.slice(leadingBlanks(raw))
  if (line.startsWith('#')) return undefined
  if (!line.startsWith('lxc.')) {
    // LXC ignores these silently, which hides typos such as `lcx.uts.name`
    // or a UTF-8 byte order mark; we keep ignoring them but say so.
    const bom = line.startsWith('\uFEFF') ? ' (it starts with a UTF-8 byte order mark)' : ''
    warnings.push({...loc, code: 'CTR_CONFIG_MARTIAN', message: `Ignored line not starting with "lxc."${bom}: ${line}`})
    return undefined
  }
  const entry = splitKeyValue(line, loc)
  if (entry === undefined) {
    throw configError('CTR_CONFIG_SYNTAX', loc, `Invalid configuration line: ${line}`, [
      'A config line reads KEY = VALUE; use "KEY =" to clear a key',
    ])
  }
  return entry
}

// KEY is everything before the first `=` minus trailing blanks; VALUE is the
// rest minus surrounding blanks, then one pair of matching outer quotes.
function splitKeyValue(line: string, loc: SourceLocation): ConfigEntry | undefined {
  const eq = line.indexOf('=')
  if (eq === -1) return undefined
  const keyPart = line.slice(0, eq)
  const key = keyPart.slice(0, trailingBlanksEnd(keyPart))
  const rest = line.slice(eq + 1)
  let value = rest.slice(leadingBlanks(rest))
  value = value.slice(0, trailingBlanksEnd(value))
  const first = value[0]
  if ((first === '"' || first === "'") && value.length > 1 && value[value.length - 1] === first) {
    value = value.slice(1, -1)
  }
  return {key, value, file: loc.file, line: loc.line}
}

// ---------------------------------------------------------------------------
// C number syntax

const ULONG_MAX = (1n << 64n) - 1n
const LONG_MAX = (1n << 63n) - 1n
const LONG_MIN = -(1n << 63n)
const UINT_MAX = 0xffffffffn
const INT_MAX = 0x7fffffffn
const INT_MIN = -0x80000000n

/** isspace() in the C locale. */
export function isCSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\v' || ch === '\f' || ch === '\r'
}

/** Result of a strtoul/strtol emulation: the value and where parsing stopped. */
export interface CStrtoResult {
  readonly value: bigint
  /** Index of the first unparsed character (0 when no digits were found). */
  readonly end: number
  readonly erange: boolean
}

interface RawDigits {
  readonly negative: boolean
  readonly magnitude: bigint
  readonly end: number
  readonly found: boolean
}

function digitValue(ch: string): number {
  const c = ch.charCodeAt(0)
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 122) return c - 87
  if (c >= 65 && c <= 90) return c - 55
  return 99
}

// The common part of glibc's strto*l: blanks, sign, base prefix, digits.
function scanDigits(text: string, base: number): RawDigits {
  let i = 0
  while (isCSpace(text[i])) i++
  let negative = false
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-'
    i++
  }
  let radix = base
  const hexPrefix = text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && digitValue(text[i + 2] ?? '') < 16
  if ((radix === 0 || radix === 16) && hexPrefix) {
    radix = 16
    i += 2
  } else if (radix === 0) {
    radix = text[i] === '0' ? 8 : 10
  }
  let magnitude = 0n
  const start = i
  while (i < text.length && digitValue(text[i] as string) < radix) {
    magnitude = magnitude * BigInt(radix) + BigInt(digitValue(text[i] as string))
    i++
  }
  if (i === start) return {negative: false, magnitude: 0n, end: 0, found: false}
  return {negative, magnitude, end: i, found: true}
}

/** glibc strtoul/strtoull (64-bit): negative input wraps, overflow gives ULONG_MAX + ERANGE. */
export function cStrtoul(text: string, base: number): CStrtoResult {
  const d = scanDigits(text, base)
  if (!d.found) return {value: 0n, end: 0, erange: false}
  if (d.magnitude > ULONG_MAX) return {value: ULONG_MAX, end: d.end, erange: true}
  const value = d.negative ? (ULONG_MAX + 1n - d.magnitude) % (ULONG_MAX + 1n) : d.magnitude
  return {value, end: d.end, erange: false}
}

/** glibc strtol/strtoll (64-bit): overflow clamps to LONG_MIN/LONG_MAX with ERANGE. */
export function cStrtol(text: string, base: number): CStrtoResult {
  const d = scanDigits(text, base)
  if (!d.found) return {value: 0n, end: 0, erange: false}
  const value = d.negative ? -d.magnitude : d.magnitude
  if (value > LONG_MAX) return {value: LONG_MAX, end: d.end, erange: true}
  if (value < LONG_MIN) return {value: LONG_MIN, end: d.end, erange: true}
  return {value, end: d.end, erange: false}
}

/**
 * lxc_safe_ulong: leading blanks allowed, no `-`, base 0, nothing after the
 * digits, at most ULONG_MAX. Returns undefined when LXC would refuse.
 */
export function lxcSafeUlong(text: string): bigint | undefined {
  let i = 0
  while (isCSpace(text[i])) i++
  const rest = text.slice(i)
  if (rest.startsWith('-')) return undefined
  const r = cStrtoul(rest, 0)
  if (r.erange) return undefined
  if (r.end === 0 || r.end !== rest.length) return undefined
  return r.value
}

/** lxc_safe_uint: lxc_safe_ulong limited to UINT_MAX. */
export function lxcSafeUint(text: string): number | undefined {
  const v = lxcSafeUlong(text)
  if (v === undefined || v > UINT_MAX) return undefined
  return Number(v)
}

/** lxc_safe_long_long: strtoll base 0 (signed), nothing after the digits. */
export function lxcSafeLongLong(text: string): bigint | undefined {
  const r = cStrtol(text, 0)
  if (r.erange) return undefined
  if (r.end === 0 || r.end !== text.length) return undefined
  return r.value
}

/** lxc_safe_int: lxc_safe_long_long limited to INT_MIN..INT_MAX. */
export function lxcSafeInt(text: string): number | undefined {
  const v = lxcSafeLongLong(text)
  if (v === undefined || v > INT_MAX || v < INT_MIN) return undefined
  return Number(v)
}

/**
 * lxc_safe_int64_residual: a base-10 strtoll whose unparsed rest (at most
 * `maxResidual - 1` characters) is returned for the caller to interpret,
 * e.g. the unit of `lxc.time.offset.boot = 5ms`. Like LXC it only reports
 * positive overflow.
 */
export function lxcSafeInt64Residual(text: string, maxResidual: number): {value: bigint; residual: string} | undefined {
  let i = 0
  while (isCSpace(text[i])) i++
  const rest = text.slice(i)
  const r = cStrtol(rest, 10)
  if (r.erange && r.value === LONG_MAX) return undefined
  if (r.end === 0) return undefined
  const residual = rest.slice(r.end)
  if (residual.length >= maxResidual) return undefined
  return {value: r.value, residual}
}

/** LXC's get_u16: strtoul base 0 of a non-empty string, at most 0xFFFF, nothing after. */
export function lxcGetU16(text: string): number | undefined {
  if (text === '') return undefined
  const r = cStrtoul(text, 0)
  if (r.erange || r.end === 0 || r.end !== text.length || r.value > 0xffffn) return undefined
  return Number(r.value)
}
