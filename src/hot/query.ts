// The fast path of wait, monitor and attach (bundled as dist/hot-query.cjs,
// without the start planner and the seccomp compiler, which they never
// need). info, stop and ls, which scripts call in loops, have a bundle each
// (src/hot/info.ts, stop.ts, ls.ts).

import {oclifHelp, runCommand} from '../dispatch.js'
import {attach, monitor, wait} from '../entries.js'
import {setInvokedAs} from '../program.js'

/** Runs `ctr COMMAND ARGV` (`invokedAs`: the lxc-* link ctr was called through); help goes to oclif, loaded only when asked for. */
export function dispatch(command: string, argv: string[], invokedAs?: string): Promise<void> {
  setInvokedAs(invokedAs)
  return runCommand(command, argv, oclifHelp, {wait, monitor, attach})
}
