// `ctr freeze` (lxc-freeze): freeze the container's processes and return
// once it is FROZEN. Exit 0, or 1 on any error (not running included).

import type {CommonOptions} from '../core/options.js'
import type {CommandOutcome} from '../output.js'
import {changeFreezer, type FreezerResult} from '../sys/cgroup-freeze.js'
import {loadConfigForCommand} from '../sys/config.js'
import {resolveFromOptions} from '../sys/container.js'

export type FreezeResult = FreezerResult

/** Runs `ctr freeze`; throws CtrError (exit 1) on failure. */
export async function run(opts: CommonOptions): Promise<CommandOutcome<FreezeResult>> {
  const ref = resolveFromOptions(opts)
  loadConfigForCommand(ref, opts)
  return {exitCode: 0, result: await changeFreezer(ref, 'freeze')}
}
