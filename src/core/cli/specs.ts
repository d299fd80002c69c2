// The option tables of the four LXC-compatible commands (docs/lxc-contract.md
// §0.2, §1.1, §2, §3, §6), as data. The same rows drive the getopt_long parser
// (core/argv.ts), and are meant to generate oclif flag definitions for
// `--help` and completion and the `--usage` synopsis, so a flag is declared
// once. Pure data plus one formatter; no oclif import.
//
// Row order is getopt table order and matters: glibc lists the candidates of
// an ambiguous prefix in table order, and LXC puts each tool's own options
// before LXC_COMMON_OPTIONS, so `ctr stop --n` lists `--nowait --nokill
// --nolock --name` like `lxc-stop --n` does.
//
// Differences from LXC's tables, on purpose:
// * LXC has two `help` rows (`h` and `?`), so `--he` is "ambiguous;
//   possibilities: '--help' '--help'". Here `-?` is a short-only row and
//   `--he` means `--help`.
// * lxc-start declares `--rcfile` twice (its own `-f` row and the common
//   one), so `lxc-start --rc` is ambiguous. Here start has one row, `-f`/`--rcfile`.
// * `--json` is ctr's own, last in every table.

import type {OptionDef} from '../argv.js'

export type CommandId = 'start' | 'wait' | 'info' | 'stop'

export type CommonOptionKey =
  | 'name'
  | 'help'
  | 'helpError'
  | 'usage'
  | 'version'
  | 'quiet'
  | 'logfile'
  | 'logpriority'
  | 'lxcpath'
  | 'rcfile'
  | 'json'

export type StartOptionKey =
  | CommonOptionKey
  | 'daemon'
  | 'foreground'
  | 'define'
  | 'console'
  | 'consoleLog'
  | 'closeAllFds'
  | 'pidfile'
  | 'shareNet'
  | 'shareIpc'
  | 'shareUts'
  | 'sharePid'
  | FleetOptionKey

/** `--many`, `--all-matching`, `--at-once`: many containers in one call (start and stop; README "Many containers at once"). */
export type FleetOptionKey = 'many' | 'allMatching' | 'atOnce'

export type WaitOptionKey = CommonOptionKey | 'state' | 'timeout'

export type InfoOptionKey = CommonOptionKey | 'state' | 'pid' | 'ips' | 'stats' | 'noHumanize' | 'config'

export type StopOptionKey = CommonOptionKey | 'reboot' | 'nowait' | 'timeout' | 'kill' | 'nokill' | 'nolock' | FleetOptionKey

// Long options only, none a prefix-sharer of an LXC option of start or stop
// (getopt's abbreviations of those keep their meaning), and operands stay
// the name and the command unless --many says otherwise: no LXC command
// line changes meaning.
function fleetOptions(verb: string): Array<OptionSpec<FleetOptionKey>> {
  return [
    {key: 'many', long: 'many', hasArg: false, description: `Every operand is a container name: ${verb} them all, concurrently`},
    {
      key: 'allMatching', long: 'all-matching', hasArg: true, argName: 'REGEX',
      description: `Also ${verb} every container whose whole name matches the POSIX extended REGEX (implies --many)`,
    },
    {key: 'atOnce', long: 'at-once', hasArg: true, argName: 'N', description: `With --many: at most N ${verb}s under way at a time (default 16)`},
  ]
}

/** A table row plus what help, completion and `--usage` need. */
export interface OptionSpec<K extends string = string> extends OptionDef<K> {
  /** One line for `--help`, no trailing period. */
  readonly description: string
  /** Placeholder for the argument in help and usage, e.g. NAME; present iff hasArg. */
  readonly argName?: string
  /** May be given several times and every occurrence counts (not "last one wins"). */
  readonly multiple?: boolean
  /** Shown in the GLOBAL help group rather than with the command's own flags. */
  readonly common?: boolean
}

export interface CommandExample {
  readonly description: string
  readonly command: string
}

export interface CommandSpec<K extends string = string> {
  readonly id: string
  /** The LXC tool this command replaces. */
  readonly lxcTool: string
  /** One line, no trailing period. */
  readonly summary: string
  readonly description: string
  /** The synopsis after `Usage: `, e.g. `ctr stop -n NAME [-t SECONDS] ...`. */
  readonly synopsis: string
  readonly examples: readonly CommandExample[]
  /** Getopt table order: the command's own rows, then the common ones. */
  readonly options: ReadonlyArray<OptionSpec<K>>
}

const NAME_OPTION: OptionSpec<'name'> = {
  key: 'name', short: 'n', long: 'name', hasArg: true, argName: 'NAME', common: true,
  description: 'Container name (default: the first operand, then $CTR_NAME)',
}

/** LXC_COMMON_OPTIONS order (arguments.h), minus the second `help` row, plus --json; shared by every command's table. */
export function commonOptions(withRcfile: boolean): Array<OptionSpec<CommonOptionKey>> {
  const rows: Array<OptionSpec<CommonOptionKey>> = [
    NAME_OPTION,
    {key: 'help', short: 'h', long: 'help', hasArg: false, common: true, description: 'Show this help and exit 0'},
    {key: 'helpError', short: '?', hasArg: false, common: true, description: 'Show this help and exit 1 (as LXC does)'},
    {key: 'usage', long: 'usage', hasArg: false, common: true, description: 'Show a short usage message and exit'},
    {key: 'version', long: 'version', hasArg: false, common: true, description: 'Print the version number and exit'},
    {key: 'quiet', short: 'q', long: 'quiet', hasArg: false, common: true, description: "Don't print error messages on stderr"},
    {
      key: 'logfile', short: 'o', long: 'logfile', hasArg: true, argName: 'FILE', common: true,
      description: 'Write the log to FILE ("none" for no log file)',
    },
    {
      key: 'logpriority', short: 'l', long: 'logpriority', hasArg: true, argName: 'LEVEL', common: true,
      description: 'Log level: TRACE, DEBUG, INFO, NOTICE, WARN, ERROR, CRIT, ALERT or FATAL',
    },
    {
      key: 'lxcpath', short: 'P', long: 'lxcpath', hasArg: true, argName: 'PATH', common: true,
      description: 'Container store to use (at most once)',
    },
  ]
  if (withRcfile) {
    rows.push({
      key: 'rcfile', long: 'rcfile', hasArg: true, argName: 'FILE', common: true,
      description: "Load FILE as the container's config instead of $lxcpath/NAME/config",
    })
  }
  rows.push({key: 'json', long: 'json', hasArg: false, common: true, description: 'Print the result, or the error, as JSON on stdout'})
  return rows
}

export const START_SPEC: CommandSpec<StartOptionKey> = {
  id: 'start',
  lxcTool: 'lxc-start',
  summary: 'Start a container',
  description:
    'Starts the container NAME from $lxcpath/NAME/config (or the file given with -f) and, by default, ' +
    'returns once it is RUNNING, leaving a small monitor process in the background. With -F the monitor ' +
    'stays in the foreground with the console on this terminal. A COMMAND after -- replaces the ' +
    "container's init (lxc.init.cmd, else /sbin/init). Starting a container that is already running " +
    'prints an error but exits 0, like lxc-start. With --many every operand is a container name and ' +
    "they are started concurrently (--all-matching 'db[0-9]+' adds the defined containers whose whole name " +
    'matches); each failure is reported with its name, and the exit status is 0 only if all started.',
  synopsis:
    'ctr start -n NAME [-f FILE] [-s KEY=VAL]... [-d|-F] [-p FILE] [-c PATH] [-L FILE] [-C] ' +
    '[--share-net|--share-ipc|--share-uts|--share-pid NAME|PID|PATH] [-- COMMAND [ARG...]]',
  examples: [
    {description: 'Start a container in the background and wait until it is RUNNING', command: 'ctr start -n web'},
    {
      description: 'Run a one-off shell in the foreground with a volatile config file',
      command: 'ctr start -n scratch -F -f ./scratch.conf -- /bin/sh -c "hostname; id"',
    },
    {
      description: 'Override config keys for this start only (list keys are appended to)',
      command: 'ctr start -n web -s lxc.uts.name=web-canary -s "lxc.environment = MODE=canary"',
    },
    {
      description: 'systemd, Type=forking: ExecStart= writes the monitor PID for PIDFile=/run/ctr-web.pid',
      command: 'ctr start -n web -p /run/ctr-web.pid',
    },
    {
      description: 'systemd, Type=simple: ExecStart= keeps the monitor in the foreground so systemd supervises it',
      command: 'ctr start -n web -F',
    },
    {
      description: "Start a sidecar in the network namespace of the running container web",
      command: 'ctr start -n web-proxy --share-net web',
    },
  ],
  options: [
    {key: 'daemon', short: 'd', long: 'daemon', hasArg: false, description: 'Run in the background (the default; the last of -d/-F wins)'},
    {key: 'foreground', short: 'F', long: 'foreground', hasArg: false, description: 'Run in the foreground with the console on this terminal'},
    {
      key: 'rcfile', short: 'f', long: 'rcfile', hasArg: true, argName: 'FILE',
      description: 'Load FILE as the whole config; the container need not exist',
    },
    {
      key: 'define', short: 's', long: 'define', hasArg: true, argName: 'KEY=VAL', multiple: true,
      description: 'Set config KEY (lxc.*) to VAL after the config is loaded; repeatable',
    },
    {key: 'console', short: 'c', long: 'console', hasArg: true, argName: 'PATH', description: 'Use PATH as the console (lxc.console.path)'},
    {
      key: 'consoleLog', short: 'L', long: 'console-log', hasArg: true, argName: 'FILE',
      description: 'Log console output to FILE (lxc.console.logfile)',
    },
    {
      key: 'closeAllFds', short: 'C', long: 'close-all-fds', hasArg: false,
      description: 'Close inherited file descriptors (implied by -d)',
    },
    {key: 'pidfile', short: 'p', long: 'pidfile', hasArg: true, argName: 'FILE', description: "Write the monitor's PID to FILE"},
    {
      key: 'shareNet', long: 'share-net', hasArg: true, argName: 'NAME|PID|PATH',
      description: 'Join the network namespace of a container, a PID or a namespace file',
    },
    {
      key: 'shareIpc', long: 'share-ipc', hasArg: true, argName: 'NAME|PID|PATH',
      description: 'Join the IPC namespace of a container, a PID or a namespace file',
    },
    {
      key: 'shareUts', long: 'share-uts', hasArg: true, argName: 'NAME|PID|PATH',
      description: 'Join the UTS namespace of a container, a PID or a namespace file',
    },
    {
      key: 'sharePid', long: 'share-pid', hasArg: true, argName: 'NAME|PID|PATH',
      description: 'Join the PID namespace of a container, a PID or a namespace file',
    },
    ...fleetOptions('start'),
    ...commonOptions(false),
  ],
}

export const WAIT_SPEC: CommandSpec<WaitOptionKey> = {
  id: 'wait',
  lxcTool: 'lxc-wait',
  summary: 'Wait for a container to reach a state',
  description:
    'Waits until the container NAME is in one of STATES (a |-separated list of STOPPED, STARTING, ' +
    'RUNNING, STOPPING, ABORTING, FREEZING, FROZEN, THAWED; upper case) and exits 0, or exits 1 when ' +
    'the timeout expires. A container that does not exist counts as STOPPED. Besides -s, the states ' +
    'may be given as an operand after the name: ctr wait web RUNNING. A negative timeout (the default) ' +
    'waits forever; 0 checks once.',
  synopsis: "ctr wait -n NAME -s 'STATE[|STATE...]' [-t SECONDS]",
  examples: [
    {description: 'Block until the container is up', command: 'ctr wait -n web -s RUNNING'},
    {description: 'The same, with the states as an operand and a 10 s limit', command: 'ctr wait web RUNNING -t 10'},
    {
      description: 'In a script: start, then fail fast if it is not RUNNING within 5 s',
      command: 'ctr start -n web && ctr wait -n web -s RUNNING -t 5 || { echo "web did not come up" >&2; exit 1; }',
    },
    {description: 'Wait for a container to go down or freeze', command: "ctr wait -n web -s 'STOPPED|FROZEN'"},
    {
      description: 'systemd: ExecStartPost= so dependent units start only once the container runs',
      command: 'ctr wait -n web -s RUNNING -t 30',
    },
  ],
  options: [
    {
      key: 'state', short: 's', long: 'state', hasArg: true, argName: 'STATES',
      description: 'States to wait for, |-separated (RUNNING, STOPPED, FROZEN, ...)',
    },
    {
      key: 'timeout', short: 't', long: 'timeout', hasArg: true, argName: 'SECONDS',
      description: 'Give up after SECONDS (negative: wait forever, the default; 0: check once)',
    },
    ...commonOptions(true),
  ],
}

export const INFO_SPEC: CommandSpec<InfoOptionKey> = {
  id: 'info',
  lxcTool: 'lxc-info',
  summary: 'Show the state, PID, addresses and usage of a container',
  description:
    'Prints information about the container NAME in the layout of lxc-info. With none of -s, -p, -i, ' +
    '-S or -c it prints the name and everything else. -H prints raw numbers, and with exactly one of ' +
    '-s, -p or -i (or one -c) only the bare value, which is what scripts use. Exits 1 if the container ' +
    'is neither defined nor running.',
  synopsis: 'ctr info -n NAME [-c KEY]... [-s] [-p] [-i] [-S] [-H]',
  examples: [
    {description: 'Everything about a container', command: 'ctr info -n web'},
    {description: "In a script: the init PID, bare", command: 'pid=$(ctr info -n web -pH)'},
    {description: 'In a script: the state, bare', command: 'if [ "$(ctr info -n web -sH)" = RUNNING ]; then echo up; fi'},
    {description: 'The IP addresses, one per line', command: 'ctr info -n web -iH'},
    {description: 'Config values, as KEY = VALUE lines', command: 'ctr info -n web -c lxc.uts.name -c lxc.rootfs.path'},
    {description: 'Machine-readable output', command: 'ctr info -n web --json'},
  ],
  options: [
    {
      key: 'config', short: 'c', long: 'config', hasArg: true, argName: 'KEY', multiple: true,
      description: 'Show config KEY from the loaded config; repeatable',
    },
    {key: 'ips', short: 'i', long: 'ips', hasArg: false, description: 'Show the IP addresses'},
    {key: 'state', short: 's', long: 'state', hasArg: false, description: 'Show the state'},
    {key: 'pid', short: 'p', long: 'pid', hasArg: false, description: 'Show the PID of the container init'},
    {key: 'stats', short: 'S', long: 'stats', hasArg: false, description: 'Show CPU, block I/O, memory and network usage'},
    {
      key: 'noHumanize', short: 'H', long: 'no-humanize', hasArg: false,
      description: 'Show raw numbers; with a single item, only its value',
    },
    ...commonOptions(true),
  ],
}

export const STOP_SPEC: CommandSpec<StopOptionKey> = {
  id: 'stop',
  lxcTool: 'lxc-stop',
  summary: 'Stop a container',
  description:
    'Asks the container NAME to shut down (lxc.signal.halt, SIGPWR by default), waits up to the ' +
    'timeout (60 s) for it to stop, then kills it (lxc.signal.stop, SIGKILL) unless --nokill is ' +
    'given. -k kills at once, -r reboots, -W only sends the signal. Exits 0 when the container is ' +
    'stopped, even if it had to be killed, and 2 if it was not running. With --many every operand is a ' +
    'container name and they are stopped concurrently (--all-matching REGEX adds the running containers ' +
    'whose whole name matches); the exit status is the worst of theirs.',
  synopsis: 'ctr stop -n NAME [-r] [-W] [-t SECONDS] [-k] [--nokill] [--nolock]',
  examples: [
    {description: 'Clean shutdown, killing it after 60 s if needed', command: 'ctr stop -n web'},
    {description: 'Kill it now', command: 'ctr stop -n web -k'},
    {description: 'Give it 10 s, and fail instead of killing it', command: 'ctr stop -n web -t 10 --nokill'},
    {description: 'Reboot and wait until it is RUNNING again', command: 'ctr stop -n web -r -t 30'},
    {
      description: 'In a script: treat "not running" (exit 2) as success',
      command: 'ctr stop -n web; rc=$?; [ $rc -eq 0 ] || [ $rc -eq 2 ]',
    },
    {description: 'systemd: ExecStop= with a bound shutdown time', command: 'ctr stop -n web -t 30'},
  ],
  options: [
    {key: 'reboot', short: 'r', long: 'reboot', hasArg: false, description: 'Reboot the container'},
    {key: 'nowait', short: 'W', long: 'nowait', hasArg: false, description: "Send the signal and don't wait (timeout 0)"},
    {
      key: 'timeout', short: 't', long: 'timeout', hasArg: true, argName: 'SECONDS',
      description: 'Wait SECONDS before killing (default 60; -1: forever)',
    },
    {key: 'kill', short: 'k', long: 'kill', hasArg: false, description: 'Kill the container instead of asking it to shut down'},
    {key: 'nokill', long: 'nokill', hasArg: false, description: "Only ask for a clean shutdown; don't kill after the timeout"},
    {key: 'nolock', long: 'nolock', hasArg: false, description: 'Accepted with -k for LXC compatibility; has no effect'},
    ...fleetOptions('stop'),
    ...commonOptions(true),
  ],
}

export const COMMAND_SPECS = {
  start: START_SPEC,
  wait: WAIT_SPEC,
  info: INFO_SPEC,
  stop: STOP_SPEC,
} as const

/**
 * Renders the `--usage` text for a command the way LXC's print_usage_exit
 * lays it out: `Usage: <prog> [-x|--long=ARG] ...`, four entries per line,
 * continuation lines indented with a tab. Returns the text with a final
 * newline; prints nothing.
 */
export function formatUsage(spec: CommandSpec, prog: string): string {
  const entries = spec.options.map((option) => {
    const names = [option.short === undefined ? undefined : `-${option.short}`, option.long === undefined ? undefined : `--${option.long}`]
      .filter((name) => name !== undefined)
      .join('|')
    const arg = option.hasArg ? `${option.long === undefined ? ' ' : '='}${option.argName ?? 'ARG'}` : ''
    return `[${names}${arg}]`
  })
  const lines: string[] = []
  for (let i = 0; i < entries.length; i += 4) lines.push(entries.slice(i, i + 4).join(' '))
  return `Usage: ${prog} ${lines.join('\n\t')}\n`
}
