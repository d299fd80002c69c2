// The fast path of `ctr stop` alone (bundled as dist/hot-stop.cjs, with a V8
// code cache made by running only stop: scripts/build-hot.mjs). A bundle
// per command, because what V8 deserialises and compiles grows with the
// bundle: one shared with the other queries cost every `ctr stop` the
// other commands' code.

import {oclifHelp, runCommand} from '../dispatch.js'
import {stop} from '../entries.js'
import {setInvokedAs} from '../program.js'
import {useRawMonitorSocket} from '../sys/monitor-client.js'

/** Runs `ctr stop ARGV` (`invokedAs`: the lxc-* link ctr was called through); help goes to oclif, loaded only when asked for. */
export function dispatch(command: string, argv: string[], invokedAs?: string): Promise<void> {
  setInvokedAs(invokedAs)
  // The monitor's socket without loading node:net (src/sys/monitor-client.ts).
  useRawMonitorSocket()
  return runCommand(command, argv, oclifHelp, {stop})
}
