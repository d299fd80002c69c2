// The fast path of `ctr start` and `ctr execute` (bundled as dist/hot-start.cjs).

import {oclifHelp, runCommand} from '../dispatch.js'
import {execute, start} from '../entries.js'
import {useSyncDaemonLaunch} from '../sys/monitor.js'
import {setInvokedAs} from '../program.js'

/** Runs `ctr start|execute ARGV` (`invokedAs`: the lxc-* link ctr was called through); help goes to oclif, loaded only when asked for. */
export function dispatch(command: string, argv: string[], invokedAs?: string): Promise<void> {
  setInvokedAs(invokedAs)
  // A daemon start blocks on the monitor's report without child_process (src/sys/monitor.ts).
  useSyncDaemonLaunch()
  return runCommand(command, argv, oclifHelp, {start, execute})
}
