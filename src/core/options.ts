// Typed options of the LXC-compatible commands, as produced by the argv layer
// (core/cli) from getopt_long-style argv. Runners take these; they never see argv.

import type {State} from './state.js'

/** Options every LXC tool has (docs/lxc-contract.md §0.2). */
export interface CommonOptions {
  /** Container name: -n, else the first positional, else $CTR_NAME. */
  name: string
  /** -P/--lxcpath, trailing slashes removed; undefined = resolve from env/global config. */
  lxcpath: string | undefined
  /** -o/--logfile; the literal `none` is kept as is (means "no file"). */
  logfile: string | undefined
  /** -l/--logpriority, upper-cased and validated (TRACE..FATAL). */
  logpriority: string | undefined
  /** -q/--quiet: no `<prog>: ...` messages on stderr. */
  quiet: boolean
  /** --rcfile FILE (start also accepts -f). */
  rcfile: string | undefined
  /** --json: machine-readable output on stdout (errors too). */
  json: boolean
}

export type NamespaceShareKind = 'net' | 'ipc' | 'uts' | 'pid'

export interface StartOptions extends CommonOptions {
  /** true unless -F came last among -d/-F. */
  daemon: boolean
  /** -s KEY=VAL defines in order, key trimmed, value trimmed and unquoted once. */
  defines: Array<{key: string; value: string}>
  /** -c/--console PATH (= lxc.console.path). */
  console: string | undefined
  /** -L/--console-log FILE (= lxc.console.logfile). */
  consoleLog: string | undefined
  /** -C/--close-all-fds. */
  closeAllFds: boolean
  /** -p/--pidfile FILE. */
  pidfile: string | undefined
  /** --share-net/ipc/uts/pid X. */
  share: Partial<Record<NamespaceShareKind, string>>
  /** The command after `--` (or the positionals after the name); empty = config/default init. */
  command: string[]
  /** --many / --all-matching: the containers to start (then `name` is the first or ''). */
  fleet?: FleetOptions
  /** ctr execute: init is ctr's own (`ctr-init`), running the command; -u/-g replace lxc.init.uid/gid. */
  execute?: {uid: number | undefined; gid: number | undefined}
}

/** Many containers in one call (README "Many containers at once"). */
export interface FleetOptions {
  /** The operands, in order, duplicates removed. */
  names: string[]
  /** --all-matching: a POSIX ERE that must match a whole name. */
  allMatching: string | undefined
  /** --at-once N: how many at a time. */
  atOnce: number
}

export interface WaitOptions extends CommonOptions {
  /** -s/--state or the positional state list, parsed. */
  states: Set<State>
  /** -t/--timeout in seconds: negative = forever, 0 = check once (ctr semantics, README). */
  timeout: number
}

export interface InfoOptions extends CommonOptions {
  showState: boolean
  showPid: boolean
  showIps: boolean
  showStats: boolean
  /** -H/--no-humanize. */
  raw: boolean
  /** LXC's filter_count: each -s/-p/-i adds 1, each -S adds 5 (bare values need exactly 1). */
  filterCount: number
  /** -c KEY, repeatable, in order. */
  configKeys: string[]
}

export interface StopOptions extends CommonOptions {
  reboot: boolean
  nowait: boolean
  /** -t seconds after validation; -1 = forever. undefined = not given (60 s, or 0 with -k). */
  timeout: number | undefined
  kill: boolean
  nokill: boolean
  nolock: boolean
  /** --many / --all-matching: the containers to stop (then `name` is the first or ''). */
  fleet?: FleetOptions
}

/** What the argv layer returns: options to run, or an informational action. */
export type Parsed<T> =
  | {action: 'run'; options: T}
  | {action: 'help'; exitCode: 0 | 1}
  | {action: 'usage'}
  | {action: 'version'}
