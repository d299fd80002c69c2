// `ctr ls` (lxc-ls): option table and argv parsing (lxc_ls.c my_longopts and
// my_parser), with LXC's getopt_long rules. Pure.
//
// Where ctr differs from lxc-ls (each is an error where LXC silently
// does something else):
// * -F implies -f. lxc-ls ignores -F without -f and prints bare names.
// * An unknown -F column is an error (exit 1). lxc-ls prints "Invalid key"
//   on stderr, then nothing, and exits 0.
// * A regex that does not compile is an error. lxc-ls lists nothing.
// * More than one operand, or an operand with --filter, is an error. lxc-ls
//   ignores the operands then (it takes one operand as the filter only when
//   it is the only one).
// * --nesting is refused: ctr does not look for containers inside
//   containers.
// * No -n and no --rcfile: lxc-ls accepts them and ignores them.

import {UsageError} from '../errors.js'
import {compileNameRegex} from '../posix-regex.js'
import type {Parsed} from '../options.js'
import {LS_COLUMNS, DEFAULT_FANCY_COLUMNS, parseColumns, type LsColumn} from '../format/ls.js'
import {scanCommon, type Env} from './parse.js'
import {commonOptions, type CommandSpec, type CommonOptionKey} from './specs.js'

export type LsOptionKey =
  | CommonOptionKey
  | 'line'
  | 'fancy'
  | 'fancyFormat'
  | 'active'
  | 'running'
  | 'frozen'
  | 'stopped'
  | 'defined'
  | 'nesting'
  | 'groups'
  | 'filter'

/** Which containers to list: every set flag must hold (lxc_ls.c ls_get). */
export interface LsSelection {
  /** --active: only containers with a live monitor (any state but STOPPED). */
  active: boolean
  /** --running: LXC's is_running, state ≠ STOPPED (FROZEN counts). */
  running: boolean
  /** --frozen: state FROZEN (with --active, any active state, as in lxc-ls). */
  frozen: boolean
  /** --stopped: state STOPPED. */
  stopped: boolean
  /** --defined: has $lxcpath/NAME/config. */
  defined: boolean
  /** -g: groups the container must all have (comma-separated, trimmed, empty pieces dropped). */
  groups: string[]
  /** --filter REGEX or the single operand: a POSIX ERE matched anywhere in the name. */
  filter: string | undefined
}

export interface LsOptions extends LsSelection {
  /** -P/--lxcpath, trailing slashes removed; undefined = $CTR_PATH, global config, built-in. */
  lxcpath: string | undefined
  logfile: string | undefined
  logpriority: string | undefined
  quiet: boolean
  json: boolean
  /** -1: one name per line. */
  line: boolean
  /** -f, or -F (which implies it). */
  fancy: boolean
  /** The fancy columns: -F's, else lxc-ls's default table. */
  columns: LsColumn[]
}

export const SPEC: CommandSpec<LsOptionKey> = {
  id: 'ls',
  lxcTool: 'lxc-ls',
  summary: 'List containers',
  description:
    'Lists the containers of the lxcpath: every defined one (a directory holding a config file) and every ' +
    'running one, volatile ones included, sorted by name. By default only the names are printed, in ' +
    'columns on a terminal and one per line otherwise (-1 forces one per line). -f prints lxc-ls\'s table ' +
    '(NAME, STATE, AUTOSTART, GROUPS, IPV4, IPV6, UNPRIVILEGED); -F picks the columns from NAME, STATE, ' +
    'AUTOSTART, GROUPS, INTERFACE, IPV4, IPV6, UNPRIVILEGED, PID, MEMORY, RAM, SWAP. The state is the live ' +
    'one: what each running container\'s monitor records, trusted only while that monitor is alive, so a ' +
    'dead monitor\'s leftovers read as STOPPED and a hung one cannot hang ls. A stopped container costs no ' +
    'process or socket query, so listing a thousand containers takes a fraction of a second. --json prints ' +
    'every column for each container as raw values.',
  synopsis: 'ctr ls [-1] [-f] [-F COLUMNS] [--active] [--running] [--frozen] [--stopped] [--defined] [-g GROUPS] [--filter REGEX | REGEX]',
  examples: [
    {description: 'Names of all containers', command: 'ctr ls'},
    {description: "lxc-ls's table", command: 'ctr ls -f'},
    {description: 'Running containers with their init PID and memory', command: 'ctr ls -F NAME,STATE,PID,MEMORY --running'},
    {description: 'Containers whose name starts with web, one per line', command: "ctr ls -1 '^web'"},
    {description: 'Stopped containers of the groups prod and db', command: 'ctr ls --stopped -g prod,db'},
    {description: 'In a script: kill every running container', command: 'ctr ls --running -1 | xargs -r -n1 ctr stop -k -n'},
    {description: 'Machine-readable, every column', command: 'ctr ls --json'},
  ],
  options: [
    {key: 'line', short: '1', long: 'line', hasArg: false, description: 'One name per line'},
    {key: 'fancy', short: 'f', long: 'fancy', hasArg: false, description: 'A table with one container per row'},
    {
      key: 'fancyFormat', short: 'F', long: 'fancy-format', hasArg: true, argName: 'COLUMNS',
      description: `Comma-separated table columns (implies -f): ${LS_COLUMNS.join(', ')}`,
    },
    {key: 'active', long: 'active', hasArg: false, description: 'Only active containers (running, frozen, ...)'},
    {key: 'running', long: 'running', hasArg: false, description: 'Only running containers (FROZEN counts as running)'},
    {key: 'frozen', long: 'frozen', hasArg: false, description: 'Only frozen containers'},
    {key: 'stopped', long: 'stopped', hasArg: false, description: 'Only stopped containers'},
    {key: 'defined', long: 'defined', hasArg: false, description: 'Only defined containers (with a config file)'},
    {key: 'nesting', long: 'nesting', hasArg: false, description: 'Not supported: ctr does not list nested containers'},
    {
      key: 'groups', short: 'g', long: 'groups', hasArg: true, argName: 'GROUPS',
      description: 'Only containers in all of these comma-separated groups (lxc.group)',
    },
    {
      key: 'filter', long: 'filter', hasArg: true, argName: 'REGEX',
      description: 'Only names matching this POSIX extended regular expression (also as the operand)',
    },
    ...commonOptions(false).filter((row) => row.key !== 'name'),
  ],
}

/**
 * Parses `ctr ls` argv. Returns an informational action (help, usage,
 * version) or LsOptions. Throws UsageError (exit 1) for getopt errors, an
 * unknown -F column (CTR_INVALID_COLUMN), a bad regex (CTR_INVALID_REGEX),
 * --nesting (CTR_NOT_SUPPORTED) and extra operands (CTR_UNEXPECTED_ARGUMENT).
 */
export function parse(argv: string[], _env: Env): Parsed<LsOptions> {
  const flags = {line: false, fancy: false, active: false, running: false, frozen: false, stopped: false, defined: false}
  let columns: LsColumn[] | undefined
  let groups: string[] = []
  let filter: string | undefined
  let scan: ReturnType<typeof scanCommon>
  try {
    scan = scanCommon<LsOptionKey>(SPEC, argv, {
      line: () => (flags.line = true),
      fancy: () => (flags.fancy = true),
      fancyFormat: (value) => (columns = parseColumns(value)),
      active: () => (flags.active = true),
      running: () => (flags.running = true),
      frozen: () => (flags.frozen = true),
      stopped: () => (flags.stopped = true),
      defined: () => (flags.defined = true),
      nesting: () => {
        throw nestingRefused()
      },
      // lxc_string_split_and_trim: strtok on ',' (empty pieces vanish), blanks trimmed.
      groups: (value) => (groups = value.split(',').map((g) => g.trim()).filter((g) => g !== '')),
      filter: (value) => (filter = value),
    })
  } catch (error) {
    // lxc-ls takes `--nesting=NUM`; refuse it with the real reason rather
    // than getopt's "doesn't allow an argument".
    if (error instanceof UsageError && error.message.startsWith("option '--nesting'")) throw nestingRefused()
    throw error
  }
  if ('action' in scan) return scan
  const operands = [...scan.operands, ...scan.afterDashDash]
  if (operands.length > 1 || (operands.length === 1 && filter !== undefined)) {
    const extra = filter === undefined ? operands[1] : operands[0]
    throw new UsageError(`Unexpected argument ${JSON.stringify(extra)}`, {
      code: 'CTR_UNEXPECTED_ARGUMENT',
      hints: ['ctr ls takes one filter: --filter REGEX or a single REGEX operand'],
      details: {arguments: operands},
    })
  }
  filter ??= operands[0]
  if (filter !== undefined) compileNameRegex(filter, false, '--filter')
  const {lxcpath, logfile, logpriority, quiet, json} = scan.common
  const options: LsOptions = {
    lxcpath, logfile, logpriority, quiet, json,
    ...flags,
    fancy: flags.fancy || columns !== undefined,
    columns: columns ?? [...DEFAULT_FANCY_COLUMNS],
    groups,
    filter,
  }
  return {action: 'run', options}
}

function nestingRefused(): UsageError {
  return new UsageError('--nesting is not supported', {
    code: 'CTR_NOT_SUPPORTED',
    hints: ['ctr lists the containers of one lxcpath: give -P to list another one'],
  })
}
