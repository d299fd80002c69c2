// `ctr console` (lxc-console): option table and argv parsing (lxc_console.c
// my_longopts, my_parser, etoc). Pure.
//
// As lxc-console: -t N attaches to ttyN, -t 0 to the console, and without -t
// to the first tty no client uses; -e sets the escape prefix (Ctrl-a by
// default), given as a letter or `^X`. Unlike lxc-console, whose etoc turns
// an upper-case letter into a negative number, `A` and `a` both mean Ctrl-a,
// and anything but a letter is refused instead of becoming a garbage code.

import {UsageError} from '../errors.js'
import type {CommonOptions, Parsed} from '../options.js'
import {rejectLeftovers, resolveName, scanCommon, type Env} from './parse.js'
import {commonOptions, type CommandSpec, type CommonOptionKey} from './specs.js'

export type ConsoleOptionKey = CommonOptionKey | 'tty' | 'escape'

export interface ConsoleOptions extends CommonOptions {
  /** -t N: 0 the console, N ttyN; -1 (no -t): the first tty without a client. */
  tty: number
  /** -e: the escape character as a control code, 1 (Ctrl-a) to 26 (Ctrl-z). */
  escape: number
}

export const SPEC: CommandSpec<ConsoleOptionKey> = {
  id: 'console',
  lxcTool: 'lxc-console',
  summary: "Connect to a container's console or one of its ttys",
  description:
    'Connects this terminal to tty N of the running container NAME (-t N, lxc.tty.max of them), to its ' +
    'console (-t 0), or, without -t, to the first tty no other client uses, as lxc-console does. The ' +
    'terminal is in raw mode while connected, its window size follows yours, and it is restored when you ' +
    'leave. Type Ctrl-a q to detach (-e changes the prefix; Ctrl-a Ctrl-a sends one Ctrl-a); the container ' +
    'keeps running. Any number of clients may share the console or a tty, each seeing its output and ' +
    'typing into it. The session ends, exit 0, when you detach or the container stops (after a reboot the ' +
    'session continues on the new console). With stdin not a terminal, what it reads is typed into the ' +
    'container and its end detaches. --json prints {"name", "tty", "endedBy"} when the session ends. Exits 1 ' +
    'when the container is not running or has no such tty.',
  synopsis: 'ctr console -n NAME [-t N] [-e PREFIX]',
  examples: [
    {description: 'Log in on the first free tty (a getty runs there)', command: 'ctr console -n web'},
    {description: "Watch and use the container's console", command: 'ctr console -n web -t 0'},
    {description: 'Use Ctrl-b q to detach (inside tmux or screen, where Ctrl-a is taken)', command: 'ctr console -n web -e b'},
    {description: 'Type the lines of a file into the console, then detach', command: 'ctr console -n web -t 0 < commands.txt'},
  ],
  options: [
    {key: 'tty', short: 't', long: 'tty', hasArg: true, argName: 'N', description: 'Connect to ttyN (0: the console; default: the first free tty)'},
    {key: 'escape', short: 'e', long: 'escape', hasArg: true, argName: 'PREFIX', description: 'Escape prefix: a letter or ^X for Ctrl-X (default a: Ctrl-a q detaches)'},
    ...commonOptions(true),
  ],
}

/** lxc-console's etoc: `a`, `A` or `^a` is Ctrl-a (1), ..., `z` Ctrl-z (26). Throws UsageError otherwise. */
export function parseEscape(text: string): number {
  const c = text.startsWith('^') ? text.slice(1) : text
  if (!/^[A-Za-z]$/.test(c)) {
    throw new UsageError(`Invalid escape prefix ${JSON.stringify(text)}`, {
      code: 'CTR_INVALID_ESCAPE',
      hints: ['Give a letter, for example -e b for Ctrl-b q, or ^b'],
    })
  }
  return c.toLowerCase().charCodeAt(0) - 0x60
}

/** -t N: lxc_safe_uint (decimal, no sign, no junk). Throws UsageError otherwise. */
export function parseTty(text: string): number {
  if (!/^[0-9]+$/.test(text) || Number(text) > 0xffffffff) {
    throw new UsageError(`Invalid tty number ${JSON.stringify(text)}`, {
      code: 'CTR_INVALID_TTY',
      hints: ['Give 0 for the console or N for ttyN (lxc.tty.max of them)'],
    })
  }
  return Number(text)
}

/**
 * Parses `ctr console` argv: -t, -e, the common options and one name.
 * Throws UsageError (exit 1) for argv problems.
 */
export function parse(argv: string[], env: Env): Parsed<ConsoleOptions> {
  let tty = -1
  let escape = 1
  const scan = scanCommon<ConsoleOptionKey>(SPEC, argv, {
    tty: (value) => (tty = parseTty(value)),
    escape: (value) => (escape = parseEscape(value)),
  })
  if ('action' in scan) return scan
  const {name, rest} = resolveName(scan, env)
  rejectLeftovers(rest, 'ctr console connects to one container')
  return {action: 'run', options: {...scan.common, name, tty, escape}}
}
