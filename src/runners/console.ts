// `ctr console` (lxc-console): this terminal on a container's console or
// tty, through its monitor (docs/monitor-protocol.md §4.5), until Ctrl-a q,
// the end of stdin or the container's end. Exit 0 then; 1 when it is not
// running or has no such terminal.

import type {ConsoleOptions} from '../core/cli/console.js'
import {CtrError} from '../core/errors.js'
import type {CommandOutcome} from '../output.js'
import {writeOut} from '../output.js'
import {loadConfigForCommand} from '../sys/config.js'
import {openConsole} from '../sys/console-client.js'
import {queryStatus, resolveFromOptions} from '../sys/container.js'
import {proxyTerminal, terminalSize} from '../sys/tty-proxy.js'

export interface ConsoleResult {
  name: string
  /** The terminal: 0 the console, N ttyN. */
  tty: number
  /** escape: Ctrl-a q; input: stdin ended; stopped: the container (its monitor) went away; signal: SIGTERM or SIGHUP. */
  endedBy: 'escape' | 'input' | 'stopped' | 'signal'
}

export async function run(opts: ConsoleOptions): Promise<CommandOutcome<ConsoleResult>> {
  const ref = resolveFromOptions(opts)
  loadConfigForCommand(ref, opts)
  const status = await queryStatus(ref)
  if (!status.running) {
    throw new CtrError('CTR_NOT_RUNNING', `${ref.name} is not running`, {hints: [`Start it first: ctr start -n ${ref.name}`]})
  }
  const session = await openConsole(ref.rundir, ref.name, opts.tty, terminalSize())
  if (!opts.quiet) {
    // lxc-console's banner, on stderr; \r\n because the terminal may be raw already.
    const key = String.fromCharCode(0x60 + opts.escape)
    writeOut(2, `\r\nConnected to tty ${session.index}\r\nType <Ctrl+${key} q> to exit the console, <Ctrl+${key} Ctrl+${key}> to enter Ctrl+${key} itself\r\n`)
  }
  const end = await proxyTerminal({
    remote: session.socket,
    escape: opts.escape,
    onResize: (size) => session.resize(size),
    onInputEnd: 'detach',
    detachOn: ['SIGTERM', 'SIGHUP'],
  })
  session.close()
  const endedBy = end.reason === 'escape' ? 'escape' : end.reason === 'input-ended' ? 'input' : end.reason === 'signal' ? 'signal' : 'stopped'
  return {exitCode: 0, result: {name: ref.name, tty: session.index, endedBy}}
}
