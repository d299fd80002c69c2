// Linux x86_64 signal numbers and LXC's signal-value syntax (docs/lxc-contract.md §6.1).
//
// `parseSignal` reproduces sig_parse() of LXC 5.0/6.0 (confile_utils.c),
// which every `lxc.signal.*` key and `lxc.monitor.signal.pdeath` use:
//   - a value starting with a digit goes through lxc_safe_uint, so any
//     number from 0 to INT_MAX is accepted (`99`, `0x1e` = 30, `010` = 8);
//     LXC does not check the number against the signal table;
//   - otherwise it must start with `SIG` (any case); `SIGRTMIN+n` and
//     `SIGRTMAX-n` take n in 0..30 (again lxc_safe_uint syntax), a bare
//     `SIGRTMIN` is refused; other names are compared case-insensitively with
//     glibc's table (aliases IOT, CLD and POLL included, no UNUSED);
//   - `PWR`, `RTMIN+3` or `+5` are refused.
// All of this was checked against lxc-info 5.0.2 on the dev machine.
// SIGRTMIN is 34 as the kernel sees it: glibc keeps 32 and 33 for itself.

import {lxcSafeUint} from './config/lexer.js'

export const SIGRTMIN = 34
export const SIGRTMAX = 64

/** Canonical names first: `signalName` returns the first name of a number. */
const SIGNAL_TABLE: ReadonlyArray<readonly [name: string, signal: number]> = [
  ['HUP', 1], ['INT', 2], ['QUIT', 3], ['ILL', 4], ['TRAP', 5], ['ABRT', 6],
  ['BUS', 7], ['FPE', 8], ['KILL', 9], ['USR1', 10], ['SEGV', 11], ['USR2', 12],
  ['PIPE', 13], ['ALRM', 14], ['TERM', 15], ['STKFLT', 16], ['CHLD', 17],
  ['CONT', 18], ['STOP', 19], ['TSTP', 20], ['TTIN', 21], ['TTOU', 22],
  ['URG', 23], ['XCPU', 24], ['XFSZ', 25], ['VTALRM', 26], ['PROF', 27],
  ['WINCH', 28], ['IO', 29], ['PWR', 30], ['SYS', 31],
  ['IOT', 6], ['CLD', 17], ['POLL', 29],
]

const INT_MAX = 0x7fffffff

/**
 * Parses a signal the way LXC's sig_parse does. Returns the number, or
 * undefined when LXC would refuse the value. Pure.
 */
export function parseSignal(value: string): number | undefined {
  if (/^[0-9]/.test(value)) {
    const n = lxcSafeUint(value)
    // sig_num returns the unsigned value as an int: above INT_MAX it turns
    // negative and sig_parse reports an error.
    return n === undefined || n > INT_MAX ? undefined : n
  }
  if (value.slice(0, 3).toLowerCase() !== 'sig') return undefined
  const rest = value.slice(3)
  if (rest.slice(0, 2).toLowerCase() === 'rt') return parseRealtime(rest.slice(2))
  const upper = rest.toUpperCase()
  // An indexed loop: a destructuring for-of allocates an iterator result per
  // entry while cold, and every start parses lxc.signal.* (issue 13).
  for (let i = 0; i < SIGNAL_TABLE.length; i++) {
    const entry = SIGNAL_TABLE[i] as readonly [string, number]
    if (entry[0] === upper) return entry[1]
  }
  return undefined
}

// rt_sig_num: `min+N` or `max-N` (any case), N a digit-led lxc_safe_uint <= 30.
function parseRealtime(text: string): number | undefined {
  const head = text.slice(0, 4).toLowerCase()
  if (head !== 'max-' && head !== 'min+') return undefined
  const digits = text.slice(4)
  if (!/^[0-9]/.test(digits)) return undefined
  const n = lxcSafeUint(digits)
  if (n === undefined || n > SIGRTMAX - SIGRTMIN) return undefined
  return head === 'max-' ? SIGRTMAX - n : SIGRTMIN + n
}

/**
 * The name of a signal number: `SIGTERM`, `SIGPWR`, `SIGRTMIN`,
 * `SIGRTMIN+3` (35..49), `SIGRTMAX-5` (50..63), `SIGRTMAX`. A number with no
 * name (0, 32, 33, above 64: LXC accepts such values) comes back as its
 * decimal string. Pure.
 */
export function signalName(signal: number): string {
  for (const [name, n] of SIGNAL_TABLE) {
    if (n === signal) return `SIG${name}`
  }
  if (signal === SIGRTMIN) return 'SIGRTMIN'
  if (signal === SIGRTMAX) return 'SIGRTMAX'
  if (signal > SIGRTMIN && signal < SIGRTMIN + 16) return `SIGRTMIN+${signal - SIGRTMIN}`
  if (signal > SIGRTMIN && signal < SIGRTMAX) return `SIGRTMAX-${SIGRTMAX - signal}`
  return String(signal)
}

/** Whether kill(2) accepts this signal number (1..64; 32 and 33 exist but glibc keeps them). */
export function isValidSignal(signal: number): boolean {
  return Number.isInteger(signal) && signal >= 1 && signal <= SIGRTMAX
}
