// The fast path of `ctr info` alone (bundled as dist/hot-info.cjs, with a V8
// code cache made by running only info: scripts/build-hot.mjs). A bundle
// per command, because what V8 deserialises and compiles grows with the
// bundle: one shared with the other queries cost every `ctr info` the
// other commands' code.

import {oclifHelp, runCommand} from '../dispatch.js'
import {info} from '../entries.js'
import {setInvokedAs} from '../program.js'

/** Runs `ctr info ARGV` (`invokedAs`: the lxc-* link ctr was called through); help goes to oclif, loaded only when asked for. */
export function dispatch(command: string, argv: string[], invokedAs?: string): Promise<void> {
  setInvokedAs(invokedAs)
  return runCommand(command, argv, oclifHelp, {info})
}
