// `ctr monitor` (lxc-monitor): option table and argv parsing (lxc_monitor.c
// my_longopts, my_parser, and lxc_arguments_parse with `.name = ".*"` and
// `.lxcpath_additional = -1`). Pure.
//
// As in lxc-monitor, -n is a regular expression matched against whole
// names (default: every container), and -P may be given several times to
// watch several lxcpaths. Differences, on purpose:
// * lxc-monitor builds `^NAME$` by pasting, so `-n 'web|db'` means "starts
//   with web, or ends with db"; ctr anchors the whole expression,
//   `^(?:web|db)$`, which is what the user meant.
// * One operand is taken as the regex when -n is absent (`ctr monitor
//   'web.*'`); lxc-monitor ignores operands. More operands are an error.
// * A regex that does not compile is an error with the reason; lxc-monitor
//   says only "Failed to compile the regex".
// * -Q asks lxc-monitord to quit. ctr has no such daemon (each container's
//   monitor serves its own events), so -Q does nothing but say so, exit 0.

import {UsageError} from '../errors.js'
import {compileNameRegex} from '../posix-regex.js'
import type {Parsed} from '../options.js'
import {scanCommon, stripTrailingSlashes, type Env} from './parse.js'
import {commonOptions, type CommandSpec, type CommonOptionKey} from './specs.js'

export type MonitorOptionKey = CommonOptionKey | 'quit' | 'lxcpaths'

export interface MonitorOptions {
  /** -P values in order, trailing slashes removed; empty = $CTR_PATH, global config, built-in. */
  lxcpaths: string[]
  /** -n (or the operand): a POSIX ERE matched against whole names; `.*` by default. */
  name: string
  /** -Q/--quit. */
  quit: boolean
  logfile: string | undefined
  logpriority: string | undefined
  quiet: boolean
  /** --json: one JSON object per event line. */
  json: boolean
}

export const SPEC: CommandSpec<MonitorOptionKey> = {
  id: 'monitor',
  lxcTool: 'lxc-monitor',
  summary: 'Stream the state changes of containers',
  description:
    'Prints a line each time a container whose name matches REGEX (a POSIX extended regular expression ' +
    "matched against the whole name; every container by default) changes state, in lxc-monitor's format: " +
    "'web' changed state to [RUNNING]. It also reports how init ended, 'web' exited with status [0] " +
    '(128+N when killed by signal N), and OOM kills, \'web\' hit the OOM killer [1] (the count so far). ' +
    'Containers already running when it starts are reported once with their current state; containers ' +
    'started later are found at once (inotify on the run directory, no polling). It runs until interrupted ' +
    '(SIGINT, SIGTERM, SIGHUP) or until its output is closed, and then exits 0. --json prints one object ' +
    'per line: {"time", "name", "lxcpath", "event": "state"|"exit"|"oom", ...}.',
  synopsis: "ctr monitor [-n 'REGEX'] [-P PATH]... [--json]",
  examples: [
    {description: 'Watch every container of the lxcpath', command: 'ctr monitor'},
    {description: 'Watch the containers whose names start with web', command: "ctr monitor -n 'web.*'"},
    {description: 'Watch two lxcpaths at once', command: 'ctr monitor -P /var/lib/ctr -P /srv/containers'},
    {
      description: 'Run a command each time a container stops',
      command: "ctr monitor --json | jq --unbuffered -r 'select(.event == \"state\" and .state == \"STOPPED\") | .name' | xargs -n1 ./on-stop.sh",
    },
    {description: 'Log exit statuses', command: "ctr monitor | grep --line-buffered 'exited with status' >> exits.log"},
  ],
  options: [
    {key: 'quit', short: 'Q', long: 'quit', hasArg: false, description: 'Accepted for lxc-monitor compatibility: ctr has no lxc-monitord to stop'},
    ...commonOptions(false).map((row) => {
      if (row.key === 'name') return {...row, argName: 'REGEX', description: 'Only containers whose whole name matches REGEX (default: all)'}
      // lxc-monitor accepts several -P (lxcpath_additional = -1).
      if (row.key === 'lxcpath') return {...row, key: 'lxcpaths' as const, multiple: true, description: 'Container store to watch; repeatable'}
      return row
    }),
  ],
}

/**
 * Parses `ctr monitor` argv. Returns an informational action (help, usage,
 * version) or MonitorOptions. Throws UsageError (exit 1) for getopt errors,
 * a bad regex (CTR_INVALID_REGEX), an empty -P (CTR_INVALID_LXCPATH) and
 * extra operands (CTR_UNEXPECTED_ARGUMENT).
 */
export function parse(argv: string[], _env: Env): Parsed<MonitorOptions> {
  let quit = false
  const lxcpaths: string[] = []
  const scan = scanCommon<MonitorOptionKey>(SPEC, argv, {
    quit: () => (quit = true),
    lxcpaths: (value) => {
      const path = stripTrailingSlashes(value)
      if (path === '') {
        throw new UsageError(`Invalid lxcpath ${JSON.stringify(value)}`, {
          code: 'CTR_INVALID_LXCPATH',
          hints: ['Give -P a directory, for example -P /var/lib/lxc'],
        })
      }
      lxcpaths.push(path)
    },
  })
  if ('action' in scan) return scan
  const operands = [...scan.operands, ...scan.afterDashDash]
  const extra = scan.nameFlag === undefined ? operands[1] : operands[0]
  if (extra !== undefined) {
    throw new UsageError(`Unexpected argument ${JSON.stringify(extra)}`, {
      code: 'CTR_UNEXPECTED_ARGUMENT',
      hints: ["ctr monitor takes one name regex: -n 'REGEX' or a single operand"],
      details: {arguments: operands},
    })
  }
  const name = scan.nameFlag ?? operands[0] ?? '.*'
  compileNameRegex(name, true, '-n')
  const {logfile, logpriority, quiet, json} = scan.common
  return {action: 'run', options: {lxcpaths: [...new Set(lxcpaths)], name, quit, logfile, logpriority, quiet, json}}
}
