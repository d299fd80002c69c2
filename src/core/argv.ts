// A GNU getopt_long work-alike (docs/lxc-contract.md §0.1). LXC's tools parse argv with
// glibc's getopt_long in its default PERMUTE mode, and scripts rely on its
// details: grouped shorts, attached values, unambiguous long prefixes,
// options after operands and `--`. Oclif's parser does none of the prefix or
// permutation rules, so ctr needs its own; this one follows glibc 2.36
// posix/getopt.c (process_long_option and _getopt_internal_r) step by step,
// including its error texts. Pure: no I/O, no process access.
//
// Deliberate differences from glibc:
// * POSIXLY_CORRECT (and a leading `+` in optstring) is not honoured: the
//   LXC tools are always used in permute mode in practice, and stopping at
//   the first operand would turn `ctr stop web -k` into a different command.
// * An unknown short option is reported as a whole character, not as its
//   first UTF-8 byte.
// * The first error ends the scan, as it does in every LXC tool (they exit
//   on getopt's first '?'), so later errors are never reported.

import {UsageError} from './errors.js'

/** One row of an option table: what getopt_long needs to know. */
export interface OptionDef<K extends string = string> {
  /** Stable identifier, the same for the short and the long spelling (getopt's `val`). */
  readonly key: K
  /** A single character, e.g. `n` for `-n`. */
  readonly short?: string
  /** The long name without dashes, e.g. `name` for `--name`. */
  readonly long?: string
  /** Takes a required argument (getopt's required_argument). */
  readonly hasArg: boolean
  /**
   * Takes an optional argument (getopt's optional_argument, with hasArg
   * false): only an attached one, `-eCAP` or `--elevated-privileges=CAP`,
   * never the next word (lxc-attach's -e is the one such option).
   */
  readonly optionalArg?: boolean
}

/** One option occurrence, in command-line order. */
export interface ParsedOption<K extends string = string> {
  readonly key: K
  /** The canonical spelling that matched: `-t`, or `--timeout` for `--time`. */
  readonly flag: string
  /** The argument, or undefined for an option that takes none. */
  readonly value: string | undefined
}

/** Everything that is not an option, split the way LXC's tools see it. */
export interface ArgvOperands {
  /** Operands before `--` (permuted out from between the options). */
  readonly operands: string[]
  /** Everything after the first `--`, never read as options. */
  readonly afterDashDash: string[]
}

export interface ArgvResult<K extends string = string> extends ArgvOperands {
  readonly options: Array<ParsedOption<K>>
}

/**
 * Return `false` to stop scanning after this option (for `--help` and
 * friends, which end an LXC tool before it looks at the rest of argv).
 */
export type OptionHandler<K extends string> = (option: ParsedOption<K>) => boolean | void

/**
 * Scans argv (without the program name) like glibc getopt_long and calls
 * `onOption` for each option in command-line order, as getopt returns them.
 * Returns the operands. Throws UsageError (code CTR_USAGE, showUsage) with
 * glibc's message for the first malformed option; errors thrown by
 * `onOption` propagate unchanged, and options after that point are not
 * examined, exactly as a tool that exits inside its getopt loop.
 */
export function scanArgv<K extends string>(
  argv: readonly string[],
  table: ReadonlyArray<OptionDef<K>>,
  onOption: OptionHandler<K>,
): ArgvOperands {
  const operands: string[] = []
  const afterDashDash: string[] = []
  let index = 0
  while (index < argv.length) {
    const arg = argv[index] as string
    index++
    if (arg === '--') {
      afterDashDash.push(...argv.slice(index))
      break
    }
    if (isOperand(arg)) {
      operands.push(arg)
      continue
    }
    const next = (): string | undefined => (index < argv.length ? argv[index++] : undefined)
    const found = arg.startsWith('--') ? [matchLong(arg.slice(2), table, next)] : matchShorts(arg.slice(1), table, next)
    for (const option of found) {
      if (onOption(option) === false) return {operands, afterDashDash}
    }
  }
  return {operands, afterDashDash}
}

/**
 * Parses all of argv (see scanArgv) and returns the options in
 * command-line order, so "last one wins" and repeatable options are the
 * caller's choice. Throws UsageError with glibc's message on the first error.
 */
export function parseArgv<K extends string>(argv: readonly string[], table: ReadonlyArray<OptionDef<K>>): ArgvResult<K> {
  const options: Array<ParsedOption<K>> = []
  const rest = scanArgv(argv, table, (option) => {
    options.push(option)
  })
  return {options, ...rest}
}

// glibc's NONOPTION_P: anything not starting with '-', and a lone '-'
// (conventionally stdin) are operands.
function isOperand(arg: string): boolean {
  return !arg.startsWith('-') || arg === '-'
}

function getoptError(message: string): UsageError {
  return new UsageError(message, {showUsage: true})
}

// process_long_option: `body` is the text after `--`, possibly `name=value`.
function matchLong<K extends string>(
  body: string,
  table: ReadonlyArray<OptionDef<K>>,
  next: () => string | undefined,
): ParsedOption<K> {
  const eq = body.indexOf('=')
  const name = eq === -1 ? body : body.slice(0, eq)
  const found = findLong(name, body, table)
  const flag = `--${found.long ?? ''}`
  if (eq !== -1) {
    if (found.optionalArg) return {key: found.key, flag, value: body.slice(eq + 1)}
    if (!found.hasArg) throw getoptError(`option '${flag}' doesn't allow an argument`)
    return {key: found.key, flag, value: body.slice(eq + 1)}
  }
  if (!found.hasArg) return {key: found.key, flag, value: undefined}
  // Like getopt, the next word is taken whatever it looks like (`--name -k`
  // names the container "-k"); only the end of argv is an error.
  const value = next()
  if (value === undefined) throw getoptError(`option '${flag}' requires an argument`)
  return {key: found.key, flag, value}
}

// An exact name wins even if it is also a prefix of others (`--kill` vs
// `--killall`). Otherwise every option the name is a prefix of is a
// candidate; glibc only calls it ambiguous when a later candidate differs
// from the first in has_arg or val, so two table rows for the same option
// are one match. The messages quote `body`, `=value` included, as glibc does.
function findLong<K extends string>(name: string, body: string, table: ReadonlyArray<OptionDef<K>>): OptionDef<K> {
  const exact = table.find((def) => def.long === name)
  if (exact !== undefined) return exact
  const candidates = table.filter((def) => def.long !== undefined && def.long.startsWith(name))
  const first = candidates[0]
  if (first === undefined) throw getoptError(`unrecognized option '--${body}'`)
  const ambiguous = candidates.filter((def) => def === first || def.key !== first.key || def.hasArg !== first.hasArg)
  if (ambiguous.length > 1) {
    const possibilities = ambiguous.map((def) => ` '--${def.long ?? ''}'`).join('')
    throw getoptError(`option '--${body}' is ambiguous; possibilities:${possibilities}`)
  }
  return first
}

// A cluster of short options such as `-dF` or `-kn web` or `-t5`: options
// without an argument may be followed by more options in the same word; the
// first one that takes an argument swallows the rest of the word, or the
// next word when the rest is empty.
// It is a generator because getopt hands out one option per call: in `-hz`
// the `-h` takes effect (help, exit 0) before `z` is ever looked at.
function* matchShorts<K extends string>(
  cluster: string,
  table: ReadonlyArray<OptionDef<K>>,
  next: () => string | undefined,
): Generator<ParsedOption<K>> {
  const chars = [...cluster]
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string
    // ':' and ';' are optstring syntax, never options (glibc checks this).
    const def = char === ':' || char === ';' ? undefined : table.find((d) => d.short === char)
    if (def === undefined) throw getoptError(`invalid option -- '${char}'`)
    const flag = `-${char}`
    if (def.optionalArg) {
      const attached = chars.slice(i + 1).join('')
      yield {key: def.key, flag, value: attached === '' ? undefined : attached}
      return
    }
    if (!def.hasArg) {
      yield {key: def.key, flag, value: undefined}
      continue
    }
    const attached = chars.slice(i + 1).join('')
    const value = attached !== '' ? attached : next()
    if (value === undefined) throw getoptError(`option requires an argument -- '${char}'`)
    yield {key: def.key, flag, value}
    return
  }
}
