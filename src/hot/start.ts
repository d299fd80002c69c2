// The fast path of `ctr start` (bundled as dist/hot-start.cjs).

import {oclifHelp, runCommand} from '../dispatch.js'
import {start} from '../entries.js'
import {useSyncDaemonLaunch} from '../sys/monitor.js'
import {setInvokedAs} from '../program.js'

/** Runs `ctr start ARGV` (`invokedAs`: the lxc-* link ctr was called through); help goes to oclif, loaded only when asked for. */
export function dispatch(command: string, argv: string[], invokedAs?: string): Promise<void> {
  setInvokedAs(invokedAs)
  // A daemon start blocks on the monitor's report without child_process (src/sys/monitor.ts).
  useSyncDaemonLaunch()
  return runCommand(command, argv, oclifHelp, {start})
}
