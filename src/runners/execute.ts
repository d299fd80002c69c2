// `ctr execute` (lxc-execute): `ctr start` with ctr's own init as pid 1
// running the command (native/init.c, docs/architecture.md §14). In the
// foreground (the default) the exit status is the command's.

import {CtrError} from '../core/errors.js'
import type {StartOptions} from '../core/options.js'
import type {CommandOutcome} from '../output.js'
import {queryStatus, resolveFromOptions} from '../sys/container.js'
import {runStart, type StartResult} from './start.js'

/** Runs `ctr execute`; throws CtrError (exit 1) when it cannot start, or the container already runs. */
export async function run(opts: StartOptions): Promise<CommandOutcome<StartResult>> {
  const ref = resolveFromOptions(opts)
  const status = await queryStatus(ref)
  // lxc-execute fails there ("Failed run an application inside container").
  if (status.running) {
    throw new CtrError('CTR_ALREADY_RUNNING', `${ref.name} is already running`, {hints: [`Run a command in it with ctr attach -n ${ref.name} -- COMMAND`]})
  }
  return runStart(opts)
}
