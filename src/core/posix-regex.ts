// POSIX extended regular expressions (what lxc-ls --filter and lxc-monitor
// -n hand to regcomp(REG_EXTENDED)) as JavaScript RegExps. The two dialects
// agree on everything scripts write in practice (`.`, `*`, `+`, `?`, `|`,
// `()`, `{m,n}`, `^`, `$`, plain brackets) except inside bracket
// expressions, which this module translates:
//   * `[[:alpha:]]` and the other character classes, which JavaScript reads
//     as a class of `[`, `:`, `a`, ... followed by a literal `]`;
//   * a `]` first in the brackets (`[]a]`, `[^]a]`) is a literal, where
//     JavaScript reads `[]` as a class that matches nothing;
//   * a backslash in brackets is a literal (`[\d]` is `\` or `d`);
//   * `[.x.]` and `[=x=]` (collating symbols, equivalence classes) become x.
// Outside brackets the text is passed on as it is, except what POSIX does
// not define and JavaScript would silently give a meaning: `(?` (lookahead,
// lookbehind, named and non-capturing groups) and a backslash before
// anything but one of the special characters `^.[]$()|*+?{}\` (`\d`, `\w`,
// `\s`, `\b`, back references, `\u`...). glibc's regcomp reads `\d` as a
// plain `d`, JavaScript as a digit: such a pattern is refused with the POSIX
// way to write it, never given one dialect's meaning or the other's.
// Pure: no I/O.

import {UsageError} from './errors.js'

const CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: '0-9A-Za-z',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
}

/**
 * Translates a POSIX ERE into JavaScript RegExp source (see the file
 * comment). Throws UsageError CTR_INVALID_REGEX (exit 1) for an unknown
 * `[:class:]` or an unterminated bracket expression.
 */
export function posixEreToJs(pattern: string): string {
  let out = ''
  let i = 0
  while (i < pattern.length) {
    const char = pattern[i] as string
    if (char === '\\') {
      out += translateEscape(pattern, i)
      i += 2
    } else if (char === '(' && pattern[i + 1] === '?') {
      throw new UsageError(`${groupSyntax(pattern.slice(i, i + 4))} is JavaScript syntax, not POSIX ERE`)
    } else if (char === '[') {
      const bracket = translateBracket(pattern, i)
      out += bracket.source
      i = bracket.end
    } else {
      out += char
      i++
    }
  }
  return out
}

/**
 * Compiles a POSIX ERE for matching container names. `anchored` wraps it in
 * `^(?:...)$` (lxc-monitor -n matches whole names); otherwise it matches
 * anywhere in the name, as regexec does for lxc-ls. Throws UsageError
 * CTR_INVALID_REGEX (exit 1), naming the option, for a pattern that does
 * not compile; LXC then silently matches nothing.
 */
export function compileNameRegex(pattern: string, anchored: boolean, option: string): RegExp {
  let source: string
  try {
    source = posixEreToJs(pattern)
    return new RegExp(anchored ? `^(?:${source})$` : source)
  } catch (error) {
    const reason = error instanceof UsageError ? error.message : (error as Error).message.replace(/^Invalid regular expression: /, '')
    throw new UsageError(`Invalid regular expression ${JSON.stringify(pattern)} for ${option}: ${reason}`, {
      code: 'CTR_INVALID_REGEX',
      hints: ["Give a POSIX extended regular expression, for example 'web[0-9]+' or 'web|db'; quote it for the shell"],
      cause: error,
    })
  }
}

// A backslash outside brackets: POSIX defines it only before a special
// character, which it makes literal.
const SPECIAL = new Set('^.[]$()|*+?{}\\'.split(''))
const ESCAPE_ADVICE: Record<string, string> = {
  d: 'use [0-9] or [[:digit:]]',
  D: 'use [^0-9]',
  w: 'use [[:alnum:]_]',
  W: 'use [^[:alnum:]_]',
  s: 'use [[:space:]]',
  S: 'use [^[:space:]]',
  b: 'anchor with ^ and $ instead',
  B: 'anchor with ^ and $ instead',
}

function translateEscape(pattern: string, at: number): string {
  const next = pattern[at + 1]
  if (next === undefined) throw new UsageError('trailing backslash')
  if (SPECIAL.has(next)) return `\\${next}`
  const advice = ESCAPE_ADVICE[next] ?? (/[0-9]/.test(next) ? 'back references are not POSIX ERE' : `write the character itself, or [${next}]`)
  throw new UsageError(`\\${next} is not POSIX ERE: ${advice}`)
}

function groupSyntax(text: string): string {
  if (text.startsWith('(?<=') || text.startsWith('(?<!')) return `${text} (lookbehind)`
  if (text.startsWith('(?=') || text.startsWith('(?!')) return `${text.slice(0, 3)} (lookahead)`
  if (text.startsWith('(?:')) return '(?: (a non-capturing group)'
  if (text.startsWith('(?<')) return '(?< (a named group)'
  return '(? (a group modifier)'
}

// One bracket expression starting at `start` (the `[`); returns its
// JavaScript form and the index after its closing `]`.
function translateBracket(pattern: string, start: number): {source: string; end: number} {
  let i = start + 1
  let source = '['
  if (pattern[i] === '^') {
    source += '^'
    i++
  }
  // A `]` right after `[` or `[^` is a member, not the end.
  if (pattern[i] === ']') {
    source += '\\]'
    i++
  }
  for (;;) {
    if (i >= pattern.length) throw new UsageError('unterminated [ ] expression')
    const char = pattern[i] as string
    if (char === ']') return {source: `${source}]`, end: i + 1}
    const next = pattern[i + 1]
    if (char === '[' && (next === ':' || next === '.' || next === '=')) {
      const close = pattern.indexOf(`${next}]`, i + 2)
      if (close < 0) throw new UsageError(`unterminated [${next} ${next}] in brackets`)
      const inner = pattern.slice(i + 2, close)
      if (next === ':') {
        const members = CLASSES[inner]
        if (members === undefined) throw new UsageError(`unknown character class [:${inner}:]`)
        source += members
      } else {
        source += escapeInClass(inner)
      }
      i = close + 2
      continue
    }
    source += char === '\\' || char === '[' ? `\\${char}` : char
    i++
  }
}

function escapeInClass(text: string): string {
  return text.replace(/[\\\]\[^-]/g, (c) => `\\${c}`)
}
