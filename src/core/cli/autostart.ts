// `ctr autostart` (lxc-autostart): option table, argv parsing, and which
// containers it acts on in which order (lxc_autostart.c main). Pure.
//
// The selection, as lxc-autostart makes it: containers with
// lxc.start.auto = 1 (all with -A), sorted by lxc.start.order then name
// (reversed for -s and -k). Without -a, the groups of -g are taken in the
// order given, each a pass over the sorted containers; the empty group
// (the default, or an empty item as in `-g web,`) is the containers with
// no lxc.group. A container is taken by the first group that names it.
// Start acts on the stopped ones, -s/-k/-r on the running ones.
//
// Where ctr differs, on purpose:
// * A container's group matches a -g group exactly (lxc-autostart compares
//   only the container group's length of it: group "web" is taken by
//   `-g webserver`), and names compare as whole strings.
// * lxc.start.delay is waited between two starts (or reboots), not after
//   the last one too.
// * Exit status: 0 when nothing it tried failed, also when there was
//   nothing to do (lxc/lxc#3847), 1 when everything it tried failed, 2 when
//   some of it did; containers it skipped (not lxc.start.auto, not in the
//   groups, already in the wanted state) never count (lxc/lxc#4662,
//   lxc/lxc#3857).

import {UsageError} from '../errors.js'
import type {Parsed} from '../options.js'
import {scanCommon, stripTrailingSlashes, type Env} from './parse.js'
import {commonOptions, type CommandSpec, type CommonOptionKey} from './specs.js'

export type AutostartOptionKey = CommonOptionKey | 'kill' | 'list' | 'reboot' | 'shutdown' | 'all' | 'ignoreAuto' | 'groups' | 'timeout'

export type AutostartAction = 'start' | 'shutdown' | 'kill' | 'reboot'

export interface AutostartOptions {
  lxcpath: string | undefined
  logfile: string | undefined
  logpriority: string | undefined
  quiet: boolean
  rcfile: string | undefined
  json: boolean
  action: AutostartAction
  /** -L: only list what would be done. */
  list: boolean
  /** -a: every group. */
  all: boolean
  /** -A: ignore lxc.start.auto. */
  ignoreAuto: boolean
  /** -g groups in order, deduplicated; [''] (the empty group) when none was given. */
  groups: string[]
  /** -t: seconds a shutdown waits before killing (default 60, as LXC). */
  timeout: number
}

export const SPEC: CommandSpec<AutostartOptionKey> = {
  id: 'autostart',
  lxcTool: 'lxc-autostart',
  summary: 'Start, stop or reboot the containers marked lxc.start.auto',
  description:
    'Starts the stopped containers of the lxcpath that have lxc.start.auto = 1, in lxc.start.order order ' +
    '(then by name), waiting lxc.start.delay seconds after each start before the next. -s shuts the running ' +
    'ones down instead (in the reverse order, each with -t seconds before it is killed), -k kills them, -r ' +
    'reboots them. Without -a only the containers in the -g groups are taken, group by group in the order ' +
    'given; the empty group (the default, or an empty item: -g web,) is the containers without lxc.group. -A ' +
    'ignores lxc.start.auto. -L lists what would be done ("NAME DELAY" for start and reboot, "NAME" for -s ' +
    'and -k) and does nothing. Exits 0 when nothing it tried failed (also when there was nothing to do), 1 ' +
    'when everything it tried failed, 2 when some of it did.',
  synopsis: 'ctr autostart [-L] [-s [-t SECONDS] | -k | -r] [-a | -g GROUPS] [-A]',
  examples: [
    {description: 'Start the containers without a group that are marked lxc.start.auto = 1', command: 'ctr autostart'},
    {description: 'The same for the "onboot" group and the containers without a group', command: 'ctr autostart -g onboot,'},
    {description: 'What would be started, with each delay', command: 'ctr autostart -a -L'},
    {description: 'Shut every autostarted container down at shutdown, killing what takes longer than 30 s', command: 'ctr autostart -a -s -t 30'},
    {description: 'Per container: what was done and when, as JSON', command: 'ctr autostart -a --json'},
  ],
  options: [
    {key: 'kill', short: 'k', long: 'kill', hasArg: false, description: 'Kill the running containers instead of starting them'},
    {key: 'list', short: 'L', long: 'list', hasArg: false, description: 'Only list the containers it would act on (and the start delay)'},
    {key: 'reboot', short: 'r', long: 'reboot', hasArg: false, description: 'Reboot the running containers instead of starting them'},
    {key: 'shutdown', short: 's', long: 'shutdown', hasArg: false, description: 'Shut the running containers down instead of starting them'},
    {key: 'all', short: 'a', long: 'all', hasArg: false, description: 'Every container, whatever its groups'},
    {key: 'ignoreAuto', short: 'A', long: 'ignore-auto', hasArg: false, description: 'Ignore lxc.start.auto: every container of the groups'},
    {
      key: 'groups', short: 'g', long: 'groups', hasArg: true, argName: 'GROUPS', multiple: true,
      description: 'Comma-separated groups, in order; an empty item is the containers without a group',
    },
    {key: 'timeout', short: 't', long: 'timeout', hasArg: true, argName: 'SECONDS', description: 'With -s: seconds to wait before killing (default 60)'},
    ...commonOptions(false).filter((row) => row.key !== 'name'),
  ],
}

/**
 * Parses `ctr autostart` argv. Throws UsageError (exit 1) for getopt
 * errors, a bad -t, two actions, -a with -g, and operands.
 */
export function parse(argv: string[], _env: Env): Parsed<AutostartOptions> {
  const actions: AutostartAction[] = []
  const f = {list: false, all: false, ignoreAuto: false}
  let groups: string[] | undefined
  let timeout = 60
  const scan = scanCommon<AutostartOptionKey>(SPEC, argv, {
    kill: () => actions.push('kill'),
    list: () => (f.list = true),
    reboot: () => actions.push('reboot'),
    shutdown: () => actions.push('shutdown'),
    all: () => (f.all = true),
    ignoreAuto: () => (f.ignoreAuto = true),
    // lxc_autostart.c accumulate_list: split on ',' keeping empty items; a repeated group counts once.
    groups: (value) => {
      groups ??= []
      for (const g of value.split(',')) if (!groups.includes(g)) groups.push(g)
    },
    timeout: (value) => (timeout = parseTimeout(value)),
  })
  if ('action' in scan) return scan
  const operands = [...scan.operands, ...scan.afterDashDash]
  if (operands.length > 0) {
    throw new UsageError(`Unexpected argument ${JSON.stringify(operands[0])}`, {code: 'CTR_UNEXPECTED_ARGUMENT', hints: ['ctr autostart takes no container names: it acts on the lxc.start.auto containers of the lxcpath']})
  }
  const distinct = [...new Set(actions)]
  if (distinct.length > 1) {
    throw new UsageError(`-${distinct.map(short).join(' and -')} cannot be combined`, {code: 'CTR_OPTION_CONFLICT', hints: ['Give one of -s, -k and -r, or none to start']})
  }
  if (f.all && groups !== undefined) {
    // lxc-autostart logs "doesn't make sense" and lets -a win; ctr refuses the contradiction.
    throw new UsageError('-a takes every container: it cannot be combined with -g', {code: 'CTR_OPTION_CONFLICT', hints: ['Leave out -a to select groups, or -g to take all']})
  }
  const lxcpath = scan.common.lxcpath === undefined ? undefined : stripTrailingSlashes(scan.common.lxcpath)
  return {
    action: 'run',
    options: {...scan.common, lxcpath, action: distinct[0] ?? 'start', list: f.list, all: f.all, ignoreAuto: f.ignoreAuto, groups: groups ?? [''], timeout},
  }
}

function short(action: AutostartAction): string {
  return {start: '', shutdown: 's', kill: 'k', reboot: 'r'}[action]
}

function parseTimeout(value: string): number {
  if (!/^-?[0-9]+$/.test(value.trim())) {
    throw new UsageError(`Invalid timeout "${value}": not a whole number of seconds`, {code: 'CTR_INVALID_TIMEOUT', hints: ['Give -t SECONDS, e.g. -t 30 (-1 waits forever)']})
  }
  return Number(value.trim())
}

/** What the selection needs to know of one container. */
export interface AutostartCandidate {
  name: string
  auto: boolean
  groups: readonly string[]
  order: number
  delay: number
  running: boolean
}

/** One container to act on, in order, and the group that took it ('' the empty group, null with -a). */
export interface AutostartStep {
  name: string
  order: number
  delay: number
  group: string | null
}

/** The containers to act on, in order (see the top of this file). */
export function selectAutostart(candidates: readonly AutostartCandidate[], opts: Pick<AutostartOptions, 'action' | 'all' | 'ignoreAuto' | 'groups'>): AutostartStep[] {
  const reverse = opts.action === 'shutdown' || opts.action === 'kill'
  const sorted = [...candidates].sort((a, b) => {
    const cmp = a.order !== b.order ? a.order - b.order : a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    return reverse ? -cmp : cmp
  })
  const taken = new Set<string>()
  const steps: AutostartStep[] = []
  const passes: Array<string | null> = opts.all ? [null] : opts.groups
  for (const group of passes) {
    for (const c of sorted) {
      if (taken.has(c.name)) continue
      if (!opts.ignoreAuto && !c.auto) continue
      if (group !== null && !(group === '' ? c.groups.length === 0 : c.groups.includes(group))) continue
      taken.add(c.name)
      if (c.running === (opts.action === 'start')) continue
      steps.push({name: c.name, order: c.order, delay: c.delay, group})
    }
  }
  return steps
}

/** lxc-autostart's exit status, fixed (see the top of this file). */
export function autostartExitCode(attempted: number, failed: number): number {
  if (failed === 0) return 0
  return failed === attempted ? 1 : 2
}
