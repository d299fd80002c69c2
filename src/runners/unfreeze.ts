// `ctr unfreeze` (lxc-unfreeze): thaw a frozen container; a no-op on a
// running one. Exit 0, or 1 on any error (not running included).

import type {CommonOptions} from '../core/options.js'
import type {CommandOutcome} from '../output.js'
import {changeFreezer, type FreezerResult} from '../sys/cgroup-freeze.js'
import {loadConfigForCommand} from '../sys/config.js'
import {resolveFromOptions} from '../sys/container.js'

export type UnfreezeResult = FreezerResult

/** Runs `ctr unfreeze`; throws CtrError (exit 1) on failure. */
export async function run(opts: CommonOptions): Promise<CommandOutcome<UnfreezeResult>> {
  const ref = resolveFromOptions(opts)
  loadConfigForCommand(ref, opts)
  return {exitCode: 0, result: await changeFreezer(ref, 'thaw')}
}
