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
// Outside brackets the text is passed on as it is: JavaScript's escapes
// (`\d`, `\w`, `\b`) are a superset of what glibc's regcomp knows.
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
    if (char === '\\' && i + 1 < pattern.length) {
      out += pattern.slice(i, i + 2)
      i += 2
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
