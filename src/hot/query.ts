// The fast path of the commands that query or signal a container: wait,
// info, stop, ls, monitor, attach (bundled as dist/hot-query.cjs, without the start
// planner and the seccomp compiler, which they never need).

import {oclifHelp, runCommand} from '../dispatch.js'
import {attach, info, ls, monitor, stop, wait} from '../entries.js'
import {setInvokedAs} from '../program.js'

/** Runs `ctr COMMAND ARGV` (`invokedAs`: the lxc-* link ctr was called through); help goes to oclif, loaded only when asked for. */
export function dispatch(command: string, argv: string[], invokedAs?: string): Promise<void> {
  setInvokedAs(invokedAs)
  return runCommand(command, argv, oclifHelp, {wait, info, stop, ls, monitor, attach})
}
