// LXC's argument rules on top of the getopt_long scan: what lxc_arguments_parse
// (src/lxc/tools/arguments.c) and each tool's my_parser/my_checker and main
// do before touching a container, turned into typed options (core/options.ts).
// Pure: the environment comes in as a plain object, nothing is printed.
//
// Order of effects, as in LXC: options are handled in command-line order and
// the first one that ends the tool wins (`--help --bogus` shows help,
// `--bogus --help` is an error; a second -P or a bad -t fails where it
// stands). Only after the whole argv has been scanned is the name resolved,
// and only then are the tool's checks run (missing states for wait, the
// -k/-t/-r/--nokill/--nolock rules for stop).
//
// Where ctr diverges from LXC (each is a message or a refusal where LXC
// prints only "could not parse command line" or silently goes on):
// * The name may also come from $CTR_NAME, and it is validated (names.ts).
// * Operands that no rule consumes are an error. LXC ignores them, so
//   `lxc-stop web1 web2` stops only web1 and says nothing.
// * -l LEVEL is validated here; LXC accepts any word and logs at its default.
// * wait -t must be a whole number; LXC's atol turns `5s` or `abc` into 0,
//   which means "check once" and silently breaks a script's intent.
// * start -s, wait without states and stop -t junk get a precise message.

import {CtrError, UsageError} from '../errors.js'
import type {CtrErrorOptions} from '../errors.js'
import {scanArgv} from '../argv.js'
import {validateName} from '../names.js'
import type {CommonOptions, FleetOptions, InfoOptions, Parsed, StartOptions, StopOptions, WaitOptions} from '../options.js'
import {compileNameRegex} from '../posix-regex.js'
import {looksLikeStates, parseStates} from '../state.js'
import {INFO_SPEC, START_SPEC, STOP_SPEC, WAIT_SPEC} from './specs.js'
import type {CommandSpec, CommonOptionKey, InfoOptionKey, StartOptionKey, StopOptionKey, WaitOptionKey} from './specs.js'

export type Env = Record<string, string | undefined>

/** The log levels LXC knows (log.c, lxc_log_priority_to_int), most verbose first. */
export const LOG_PRIORITIES = ['TRACE', 'DEBUG', 'INFO', 'NOTICE', 'WARN', 'ERROR', 'CRIT', 'ALERT', 'FATAL'] as const

export type Informational = Exclude<Parsed<never>, {action: 'run'}>

/**
 * Parses `ctr start` argv (without the program and command words).
 * Returns an informational action (help, usage, version) or StartOptions.
 * Throws UsageError/CtrError, all exit 1, for any argv problem.
 */
export function parseStartArgv(argv: string[], env: Env): Parsed<StartOptions> {
  let daemon = true
  let consoleLog: string | undefined
  let consolePath: string | undefined
  let pidfile: string | undefined
  let closeAllFds = false
  const defines: StartOptions['defines'] = []
  const share: StartOptions['share'] = {}
  const fleetFlags = newFleetFlags()
  const scan = scanCommon<StartOptionKey>(START_SPEC, argv, {
    ...fleetHandlers(fleetFlags),
    daemon: () => (daemon = true),
    foreground: () => (daemon = false),
    define: (value) => defines.push(parseDefine(value)),
    console: (value) => (consolePath = value),
    consoleLog: (value) => (consoleLog = value),
    closeAllFds: () => (closeAllFds = true),
    pidfile: (value) => (pidfile = value),
    shareNet: (value) => (share.net = value),
    shareIpc: (value) => (share.ipc = value),
    shareUts: (value) => (share.uts = value),
    sharePid: (value) => (share.pid = value),
  })
  if ('action' in scan) return scan
  const fleet = fleetFrom(scan, fleetFlags, 'start')
  if (fleet) {
    const refused = [
      [!daemon, '-F'], [pidfile !== undefined, '-p'], [consolePath !== undefined, '-c'], [consoleLog !== undefined, '-L'],
    ].find(([given]) => given)
    if (refused) throw conflict(`${refused[1] as string} starts one container; it cannot be used with --many or --all-matching`, 'Start that container on its own')
    const options: StartOptions = {
      ...scan.common, name: fleet.names[0] ?? '', daemon, defines, console: undefined, consoleLog: undefined, closeAllFds, pidfile: undefined, share, command: [], fleet,
    }
    return {action: 'run', options}
  }
  // lxc_arguments_parse hands everything left after the name to lxc-start
  // as the command, operands before `--` first: `ctr start web -F -- sh`
  // and `ctr start -n web sh` both run sh.
  const {name, rest} = resolveName(scan, env)
  const command = [...rest.operands, ...rest.afterDashDash]
  const options: StartOptions = {
    ...scan.common, name, daemon, defines, console: consolePath, consoleLog, closeAllFds, pidfile, share, command,
  }
  return {action: 'run', options}
}

/**
 * Parses `ctr wait` argv. The states come from -s (last one wins) or, when
 * -s is absent, from the first operand left after the name: `ctr wait web
 * RUNNING`, `ctr wait -n web RUNNING`, and with $CTR_NAME set a lone
 * operand that looks like states (`CTR_NAME=web ctr wait RUNNING`).
 * Throws UsageError CTR_NO_STATE when there are none, CtrError
 * CTR_INVALID_STATE for an unknown state, UsageError CTR_INVALID_TIMEOUT
 * for a bad -t; all exit 1.
 */
export function parseWaitArgv(argv: string[], env: Env): Parsed<WaitOptions> {
  let stateSpec: string | undefined
  let timeout = -1
  const scan = scanCommon<WaitOptionKey>(WAIT_SPEC, argv, {
    state: (value) => (stateSpec = value),
    timeout: (value, flag) => (timeout = parseWaitTimeout(value, flag)),
  })
  if ('action' in scan) return scan
  let resolved: {name: string; rest: Leftover}
  const fromEnv = envName(env)
  const lone = scan.operands.length + scan.afterDashDash.length === 1 ? (scan.operands[0] ?? scan.afterDashDash[0]) : undefined
  if (scan.nameFlag === undefined && stateSpec === undefined && fromEnv !== undefined && lone !== undefined && looksLikeStates(lone)) {
    // `CTR_NAME=web ctr wait RUNNING`: the operand is the state list. A
    // container really called RUNNING must then be named with -n.
    resolved = {name: validateName(fromEnv), rest: {operands: [], afterDashDash: []}}
    stateSpec = lone
  } else {
    resolved = resolveName(scan, env)
    if (stateSpec === undefined) stateSpec = takeFirst(resolved.rest)
  }
  rejectLeftovers(resolved.rest, 'ctr wait takes one container name and one state list')
  if (stateSpec === undefined) {
    throw usageError('CTR_NO_STATE', 'Missing state option to wait for', {
      hints: [`Give the states with -s, for example: ctr wait -n ${resolved.name} -s RUNNING (or "RUNNING|FROZEN")`],
    })
  }
  const options: WaitOptions = {...scan.common, name: resolved.name, states: parseStates(stateSpec), timeout}
  return {action: 'run', options}
}

/**
 * Parses `ctr info` argv: the show-flags, -H, and -c KEY (repeatable, kept
 * in order). Throws UsageError/CtrError (exit 1) for argv problems.
 */
export function parseInfoArgv(argv: string[], env: Env): Parsed<InfoOptions> {
  const flags = {showState: false, showPid: false, showIps: false, showStats: false, raw: false, filterCount: 0}
  const configKeys: string[] = []
  // LXC counts occurrences (lxc_info.c filter_count: -s/-p/-i add 1, -S adds
  // 5), and bare values under -H need a count of exactly 1: `-s -s -H` is labelled.
  const scan = scanCommon<InfoOptionKey>(INFO_SPEC, argv, {
    state: () => ((flags.showState = true), (flags.filterCount += 1)),
    pid: () => ((flags.showPid = true), (flags.filterCount += 1)),
    ips: () => ((flags.showIps = true), (flags.filterCount += 1)),
    stats: () => ((flags.showStats = true), (flags.filterCount += 5)),
    noHumanize: () => (flags.raw = true),
    config: (value) => configKeys.push(value),
  })
  if ('action' in scan) return scan
  const {name, rest} = resolveName(scan, env)
  rejectLeftovers(rest, 'ctr info shows one container; run it once per name')
  return {action: 'run', options: {...scan.common, name, ...flags, configKeys}}
}

/**
 * Parses `ctr stop` argv and applies validateStopOptions. -t is parsed like
 * LXC's lxc_safe_long (strtol base 0, whole string): junk is UsageError
 * CTR_INVALID_TIMEOUT where it stands, as LXC fails inside its getopt loop.
 */
export function parseStopArgv(argv: string[], env: Env): Parsed<StopOptions> {
  const flags = {reboot: false, nowait: false, kill: false, nokill: false, nolock: false}
  let timeout: number | undefined
  const fleetFlags = newFleetFlags()
  const scan = scanCommon<StopOptionKey>(STOP_SPEC, argv, {
    ...fleetHandlers(fleetFlags),
    reboot: () => (flags.reboot = true),
    nowait: () => (flags.nowait = true),
    timeout: (value, flag) => (timeout = parseStopTimeout(value, flag)),
    kill: () => (flags.kill = true),
    nokill: () => (flags.nokill = true),
    nolock: () => (flags.nolock = true),
  })
  if ('action' in scan) return scan
  const fleet = fleetFrom(scan, fleetFlags, 'stop')
  if (fleet) return {action: 'run', options: {...validateStopOptions({...scan.common, name: fleet.names[0] ?? '', ...flags, timeout}), fleet}}
  const {name, rest} = resolveName(scan, env)
  rejectLeftovers(rest, 'ctr stop stops one container; run it once per name (or name them all with --many)')
  return {action: 'run', options: validateStopOptions({...scan.common, name, ...flags, timeout})}
}

/**
 * lxc_stop.c's checks, in its order, after the default timeout (60, or 0
 * with -k) is filled in and -W has forced the timeout to 0:
 *   not -k and timeout < -1     → "Invalid timeout"        CTR_INVALID_TIMEOUT
 *   -k and --nokill             → "-k can't be used with --nokill"
 *   -k and -r                   → "-k can't be used with -r"
 *   -k and timeout ≠ 0 (-1 too) → "-k doesn't allow timeouts"
 *   --nolock without -k         → "--nolock may only be used with -k"
 * The conflicts are CtrError CTR_OPTION_CONFLICT; all exit 1. `timeout` -2
 * is LXC's "not given" sentinel, so `-t -2` is accepted as the default.
 * Returns the options with timeout = 0 under -W, undefined when not given
 * (the runner picks 60, or 0 with -k), else the given value.
 */
export function validateStopOptions(options: StopOptions): StopOptions {
  const given = options.timeout === undefined || options.timeout === -2 ? undefined : options.timeout
  let effective = given ?? (options.kill ? 0 : 60)
  if (options.nowait) effective = 0
  if (!options.kill && effective < -1) {
    throw new CtrError('CTR_INVALID_TIMEOUT', 'Invalid timeout', {
      hints: ['Give -t SECONDS: 0 or more, or -1 to wait forever'],
      details: {timeout: effective},
    })
  }
  if (options.kill && options.nokill) {
    throw conflict("-k can't be used with --nokill", '-k kills at once and --nokill forbids killing: drop one of them')
  }
  if (options.kill && options.reboot) {
    throw conflict("-k can't be used with -r", 'Use -r to reboot or -k to kill, not both')
  }
  if (options.kill && effective !== 0) {
    throw conflict("-k doesn't allow timeouts", '-k kills at once: drop -t, or drop -k to wait -t SECONDS before killing')
  }
  if (options.nolock && !options.kill) {
    throw conflict('--nolock may only be used with -k', 'Add -k, or drop --nolock (it has no effect in ctr)')
  }
  return {...options, timeout: options.nowait ? 0 : given}
}

/**
 * Parses one `-s KEY=VALUE` like LXC's parse_new_conf_line: blanks (space,
 * tab) before KEY are skipped, KEY must start with `lxc.` and be followed by
 * `=`; blanks around KEY and VALUE are trimmed (newlines too at the end),
 * and one pair of matching outer quotes is removed from VALUE. Throws
 * UsageError CTR_INVALID_DEFINE (exit 1) otherwise; LXC only says
 * "could not parse command line" there.
 */
export function parseDefine(arg: string): {key: string; value: string} {
  const line = arg.replace(/^[ \t]+/, '')
  const eq = line.indexOf('=')
  if (!line.startsWith('lxc.') || eq === -1) {
    const hint = line.startsWith('lxc.')
      ? `Add "=" and a value, for example -s ${line.trimEnd()}=VALUE (an empty value clears the key)`
      : 'Config keys start with "lxc.", for example -s lxc.uts.name=web'
    throw usageError('CTR_INVALID_DEFINE', `Invalid define ${JSON.stringify(arg)}: expected KEY=VALUE with KEY starting with "lxc."`, {hints: [hint]})
  }
  const key = line.slice(0, eq).replace(/[ \t\n]+$/, '')
  let value = line.slice(eq + 1).replace(/^[ \t]+/, '').replace(/[ \t\n]+$/, '')
  const quote = value[0]
  if ((quote === '"' || quote === "'") && value.length > 1 && value.endsWith(quote)) value = value.slice(1, -1)
  return {key, value}
}

/**
 * Upper-cases and checks a -l level against LOG_PRIORITIES. Throws
 * UsageError CTR_INVALID_LOGPRIORITY (exit 1) for anything else.
 */
export function parseLogPriority(level: string): string {
  const upper = level.toUpperCase()
  if ((LOG_PRIORITIES as readonly string[]).includes(upper)) return upper
  throw usageError('CTR_INVALID_LOGPRIORITY', `Invalid log priority ${JSON.stringify(level)}`, {
    hints: [`Give -l one of ${LOG_PRIORITIES.join(', ')} (any case)`],
  })
}

/**
 * Removes trailing slashes (and newlines, like LXC's
 * remove_trailing_slashes) from a -P path, keeping a lone `/`, which LXC
 * would turn into the empty string.
 */
export function stripTrailingSlashes(path: string): string {
  const stripped = path.replace(/[/\n]+$/, '')
  return stripped === '' && path.startsWith('/') ? '/' : stripped
}

// wait -t. LXC uses atol: base 10, leading blanks, optional sign, and any
// junk after the digits ignored, so `-t 5s` is 5 and `-t abc` is 0 ("check
// once"). ctr keeps the numbers LXC would read from a clean argument and
// refuses the rest, because a typo silently becoming "don't wait" is worse
// than an error. Fractions are refused too (atol would truncate `1.5` to 1).
function parseWaitTimeout(text: string, flag: string): number {
  const parsed = parseCLong(text, 10)
  if (parsed !== undefined) return parsed
  throw usageError('CTR_INVALID_TIMEOUT', `Invalid timeout ${JSON.stringify(text)} for ${flag}`, {
    hints: ['Give whole seconds, for example -t 5; a negative value waits forever, 0 checks once'],
  })
}

// stop -t: lxc_safe_long is strtol(str, &end, 0) with nothing left over, so
// `0x10` is 16 and `010` is 8 while `08` and `5s` are refused ("could not
// parse command line" in LXC). Kept exactly, scripts depend on what LXC
// accepts; only the message is better.
function parseStopTimeout(text: string, flag: string): number {
  const parsed = parseCLong(text, 0)
  if (parsed !== undefined) return parsed
  throw usageError('CTR_INVALID_TIMEOUT', `Invalid timeout ${JSON.stringify(text)} for ${flag}`, {
    hints: ['Give whole seconds, for example -t 30; -1 waits forever'],
  })
}

const LONG_MIN = -(2n ** 63n)
const LONG_MAX = 2n ** 63n - 1n

// C isspace, then an optional sign, then the digits; BigInt reads the
// digits once the matching prefix is put back in JS syntax.
const C_LONG_FORMS: Record<0 | 10, Array<{pattern: RegExp; prefix: string}>> = {
  10: [{pattern: /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/, prefix: ''}],
  0: [
    {pattern: /^[ \t\n\v\f\r]*([+-]?)0[xX]([0-9a-fA-F]+)$/, prefix: '0x'},
    {pattern: /^[ \t\n\v\f\r]*([+-]?)(0[0-7]*)$/, prefix: '0o'},
    {pattern: /^[ \t\n\v\f\r]*([+-]?)([1-9][0-9]*)$/, prefix: ''},
  ],
}

// strtol into a 64-bit long, accepting only a fully consumed string (base 0
// means C prefixes: 0x hex, 0 octal, else decimal). Empty input, leftovers
// and out-of-range values (ERANGE) give undefined.
function parseCLong(text: string, base: 0 | 10): number | undefined {
  for (const {pattern, prefix} of C_LONG_FORMS[base]) {
    const match = pattern.exec(text)
    if (match === null) continue
    const magnitude = BigInt(`${prefix}${match[2] ?? ''}`)
    const value = match[1] === '-' ? -magnitude : magnitude
    return value < LONG_MIN || value > LONG_MAX ? undefined : Number(value)
  }
  return undefined
}

export interface Leftover {
  operands: string[]
  afterDashDash: string[]
}

export interface Scanned extends Leftover {
  common: Omit<CommonOptions, 'name'>
  nameFlag: string | undefined
}

// One handler per option of the command's own (LXC's my_parser). A Record
// over the keys, so adding a row to a spec without handling it does not
// compile. `value` is '' for options without an argument; `flag` is the
// spelling that matched, for messages.
export type OwnHandlers<K extends string> = Record<Exclude<K, CommonOptionKey>, (value: string, flag: string) => unknown>

const COMMON_KEYS: ReadonlySet<string> = new Set<CommonOptionKey>([
  'name', 'help', 'helpError', 'usage', 'version', 'quiet', 'logfile', 'logpriority', 'lxcpath', 'rcfile', 'json',
])

function isCommonKey(key: string): key is CommonOptionKey {
  return COMMON_KEYS.has(key)
}

/**
 * lxc_arguments_parse's getopt loop: the common options are handled here,
 * in order, the command's own go to `own`, and help, usage and version end
 * the scan where they stand (returned as an Informational action). Returns
 * the common options, the -n value and the operands; throws UsageError for
 * getopt errors, a second -P and a bad -l.
 */
export function scanCommon<K extends string>(spec: CommandSpec<K>, argv: string[], own: OwnHandlers<K>): Scanned | Informational {
  let early: Informational | undefined
  let nameFlag: string | undefined
  let lxcpathSeen = false
  const common: Omit<CommonOptions, 'name'> = {
    lxcpath: undefined, logfile: undefined, logpriority: undefined, quiet: false, rcfile: undefined, json: false,
  }
  const handleCommon = (key: CommonOptionKey, value: string): Informational | undefined => {
    switch (key) {
      case 'help':
        return {action: 'help', exitCode: 0}
      case 'helpError':
        return {action: 'help', exitCode: 1}
      case 'usage':
        return {action: 'usage'}
      case 'version':
        return {action: 'version'}
      case 'name':
        nameFlag = value
        return undefined
      case 'quiet':
        common.quiet = true
        return undefined
      case 'logfile':
        common.logfile = value
        return undefined
      case 'logpriority':
        common.logpriority = parseLogPriority(value)
        return undefined
      case 'rcfile':
        common.rcfile = value
        return undefined
      case 'json':
        common.json = true
        return undefined
      case 'lxcpath':
        if (lxcpathSeen) {
          // LXC prints this one with fprintf, without the program name.
          throw usageError('CTR_MULTIPLE_LXCPATH', 'This command only accepts 1 -P,--lxcpath arguments', {
            bare: true,
            hints: ['Give -P,--lxcpath once'],
          })
        }
        lxcpathSeen = true
        common.lxcpath = stripTrailingSlashes(value)
        // LXC would fail later with "You lack access to "; an empty store
        // path would make every container path relative to the cwd.
        if (common.lxcpath === '') {
          throw usageError('CTR_INVALID_LXCPATH', `Invalid lxcpath ${JSON.stringify(value)}`, {
            hints: ['Give -P a directory, for example -P /var/lib/lxc'],
          })
        }
        return undefined
    }
  }
  const operands = scanArgv(argv, spec.options, (option) => {
    const value = option.value ?? ''
    if (!isCommonKey(option.key)) {
      own[option.key as Exclude<K, CommonOptionKey>](value, option.flag)
      return true
    }
    early = handleCommon(option.key, value)
    return early === undefined
  })
  if (early !== undefined) return early
  return {common, nameFlag, ...operands}
}

// The name: -n (last one wins), else the first operand before `--`, else
// $CTR_NAME. Deliberately unlike LXC, a word after `--` is never the name:
// getopt moves `--` in front of all operands and lxc_arguments_parse takes
// argv[optind], so `lxc-start -- /bin/sh` looks for a container called
// "/bin/sh" and fails for lack of a config. ctr has an embedded default
// config, so the same rule would start a container named "sh" running
// /sbin/init on the host root. What follows the name is returned for the
// command to use. Throws UsageError CTR_NO_NAME (exit 1) without a name and
// CtrError for an invalid one.
export function resolveName(scan: Scanned, env: Env): {name: string; rest: Leftover} {
  const operands = [...scan.operands]
  const afterDashDash = [...scan.afterDashDash]
  const name = scan.nameFlag ?? operands.shift() ?? envName(env)
  if (name === undefined) {
    throw usageError('CTR_NO_NAME', 'No container name specified', {
      hints: ['Give the container name with -n NAME (or as the first operand, or in $CTR_NAME)'],
    })
  }
  validateName(name)
  return {name, rest: {operands, afterDashDash}}
}

function envName(env: Env): string | undefined {
  const value = env.CTR_NAME
  return value === undefined || value === '' ? undefined : value
}

function takeFirst(rest: Leftover): string | undefined {
  return rest.operands.shift() ?? rest.afterDashDash.shift()
}

/** Throws UsageError CTR_UNEXPECTED_ARGUMENT (exit 1, `why` as the hint) if any operand is left. */
export function rejectLeftovers(rest: Leftover, why: string): void {
  const extra = [...rest.operands, ...rest.afterDashDash]
  const first = extra[0]
  if (first === undefined) return
  throw usageError('CTR_UNEXPECTED_ARGUMENT', `Unexpected argument ${JSON.stringify(first)}`, {
    hints: [why],
    details: {arguments: extra},
  })
}

interface FleetFlags {
  many: boolean
  allMatching: string | undefined
  atOnce: number | undefined
}

function newFleetFlags(): FleetFlags {
  return {many: false, allMatching: undefined, atOnce: undefined}
}

function fleetHandlers(flags: FleetFlags): Record<'many' | 'allMatching' | 'atOnce', (value: string, flag: string) => unknown> {
  return {
    many: () => (flags.many = true),
    allMatching: (value) => (flags.allMatching = value),
    atOnce: (value, flag) => (flags.atOnce = parseAtOnce(value, flag)),
  }
}

/** The default of --at-once: enough to keep two cores busy while monitors wait for their containers. */
export const DEFAULT_AT_ONCE = 16

/**
 * --many / --all-matching (README "Many containers at once"): every operand
 * is a name, none is a command; -n is refused (it names one container).
 * Returns undefined without either flag: the command line means what it
 * means to LXC.
 */
function fleetFrom(scan: Scanned, flags: FleetFlags, verb: string): FleetOptions | undefined {
  if (!flags.many && flags.allMatching === undefined) {
    if (flags.atOnce !== undefined) throw conflict('--at-once needs --many or --all-matching', `Name the containers: ctr ${verb} --many NAME...`)
    return undefined
  }
  if (scan.nameFlag !== undefined) throw conflict(`-n names one container; with --many, give the names as operands`, `ctr ${verb} --many ${scan.nameFlag} OTHER...`)
  if (scan.afterDashDash.length > 0) throw conflict('With --many every operand is a container name; there is no command after --', 'Start containers that need a command one at a time')
  const names: string[] = []
  for (const name of scan.operands) {
    validateName(name)
    if (!names.includes(name)) names.push(name)
  }
  if (flags.allMatching !== undefined) compileNameRegex(flags.allMatching, true, '--all-matching')
  else if (names.length === 0) throw usageError('CTR_NO_NAME', 'No container name specified', {hints: [`Give the names as operands: ctr ${verb} --many NAME...`]})
  return {names, allMatching: flags.allMatching, atOnce: flags.atOnce ?? DEFAULT_AT_ONCE}
}

function parseAtOnce(text: string, flag: string): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(n) || n < 1) {
    throw usageError('CTR_INVALID_AT_ONCE', `Invalid ${flag} "${text}": expected a whole number ≥ 1`, {hints: ['For example --at-once 8']})
  }
  return n
}

function conflict(message: string, hint: string): CtrError {
  return new CtrError('CTR_OPTION_CONFLICT', message, {hints: [hint]})
}

function usageError(code: string, message: string, options: CtrErrorOptions & {showUsage?: boolean} = {}): UsageError {
  return new UsageError(message, {...options, code})
}
