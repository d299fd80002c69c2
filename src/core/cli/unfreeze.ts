// `ctr unfreeze` (lxc-unfreeze): option table and argv parsing, the same
// options as `ctr freeze`. Pure.

import type {CommonOptions, Parsed} from '../options.js'
import {parseFreezerArgv} from './freeze.js'
import type {Env} from './parse.js'
import {commonOptions, type CommandSpec, type CommonOptionKey} from './specs.js'

export const SPEC: CommandSpec<CommonOptionKey> = {
  id: 'unfreeze',
  lxcTool: 'lxc-unfreeze',
  summary: 'Resume a frozen container',
  description:
    'Thaws every process of the container NAME frozen by `ctr freeze`. Watchers see THAWED, then ' +
    'the container is RUNNING again. Unfreezing a running container that is not frozen does nothing ' +
    'and exits 0. Exits 1 on any error, including a container that is not running.',
  synopsis: 'ctr unfreeze -n NAME',
  examples: [
    {description: 'Resume a frozen container', command: 'ctr unfreeze -n web'},
    {description: 'Pause a batch job for a minute', command: 'ctr freeze -n job && sleep 60; ctr unfreeze -n job'},
  ],
  options: commonOptions(true),
}

/**
 * Parses `ctr unfreeze` argv: the common options and one name. Throws
 * UsageError (exit 1) for argv problems.
 */
export function parse(argv: string[], env: Env): Parsed<CommonOptions> {
  return parseFreezerArgv(SPEC, argv, env, 'ctr unfreeze resumes one container; run it once per name')
}
