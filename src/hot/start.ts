// The fast path of `ctr start` (bundled as dist/hot-start.cjs).

import {oclifHelp, runCommand} from '../dispatch.js'
import {start} from '../entries.js'
import {useSyncDaemonLaunch} from '../sys/monitor.js'

/** Runs `ctr start ARGV`; help goes to oclif, loaded only when asked for. */
export function dispatch(command: string, argv: string[]): Promise<void> {
  // A daemon start blocks on the monitor's report without child_process (src/sys/monitor.ts).
  useSyncDaemonLaunch()
  return runCommand(command, argv, oclifHelp, {start})
}
