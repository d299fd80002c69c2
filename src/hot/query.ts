// The fast path of the commands that query or signal a container: wait,
// info, stop, ls, monitor (bundled as dist/hot-query.cjs, without the start
// planner and the seccomp compiler, which they never need).

import {oclifHelp, runCommand} from '../dispatch.js'
import {info, ls, monitor, stop, wait} from '../entries.js'

/** Runs `ctr COMMAND ARGV`; help goes to oclif, loaded only when asked for. */
export function dispatch(command: string, argv: string[]): Promise<void> {
  return runCommand(command, argv, oclifHelp, {wait, info, stop, ls, monitor})
}
