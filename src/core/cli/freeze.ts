// `ctr freeze` (lxc-freeze): option table and argv parsing. lxc-freeze takes
// only the common options (-n, -P, -o, -l, -q, --rcfile); --json is ctr's.
// Pure. `ctr unfreeze` shares the parser (core/cli/unfreeze.ts).

import type {CommonOptions, Parsed} from '../options.js'
import {rejectLeftovers, resolveName, scanCommon, type Env} from './parse.js'
import {commonOptions, type CommandSpec, type CommonOptionKey} from './specs.js'

export const SPEC: CommandSpec<CommonOptionKey> = {
  id: 'freeze',
  lxcTool: 'lxc-freeze',
  summary: 'Freeze all processes of a container',
  description:
    'Freezes every process of the container NAME with the cgroup freezer (cgroup v2 cgroup.freeze, ' +
    'else the v1 freezer controller) and returns once they are all FROZEN; `ctr unfreeze` resumes them. ' +
    'Watchers see FREEZING, then FROZEN (`ctr wait -s FROZEN`). A frozen container still counts as ' +
    'running; `ctr stop` thaws it before asking it to shut down, and `ctr stop -k` kills it. Exits 0 ' +
    'once frozen, 1 on any error, including a container that is not running.',
  synopsis: 'ctr freeze -n NAME',
  examples: [
    {description: 'Freeze a container', command: 'ctr freeze -n web'},
    {description: 'Freeze it for a consistent backup, then resume it', command: 'ctr freeze -n db && tar -C /var/lib/ctr/db -czf db.tgz rootfs; ctr unfreeze -n db'},
    {description: 'In a script: wait elsewhere until it is frozen', command: 'ctr wait -n web -s FROZEN -t 10'},
  ],
  options: commonOptions(true),
}

/**
 * Parses `ctr freeze` argv: the common options and one name (-n, the
 * operand or $CTR_NAME). Throws UsageError (exit 1) for argv problems.
 */
export function parse(argv: string[], env: Env): Parsed<CommonOptions> {
  return parseFreezerArgv(SPEC, argv, env, 'ctr freeze freezes one container; run it once per name')
}

/** The parser of freeze and unfreeze, which take the same options. */
export function parseFreezerArgv(spec: CommandSpec<CommonOptionKey>, argv: string[], env: Env, why: string): Parsed<CommonOptions> {
  const scan = scanCommon<CommonOptionKey>(spec, argv, {})
  if ('action' in scan) return scan
  const {name, rest} = resolveName(scan, env)
  rejectLeftovers(rest, why)
  return {action: 'run', options: {...scan.common, name}}
}
