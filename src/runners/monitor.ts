// `ctr monitor`: lxc-monitor's event stream (core/format/monitor.ts has the
// line formats), fed by sys/discover-watch.ts. It runs until SIGINT,
// SIGTERM or SIGHUP, or until a write to stdout fails (the reader went away:
// EPIPE), and then exits 0 with every watch and socket closed. Like any
// filter (and lxc-monitor, which dies of SIGPIPE then), it learns that its
// reader is gone on the next line it writes.

import type {MonitorOptions} from '../core/cli/monitor.js'
import {CtrError} from '../core/errors.js'
import {formatEvent} from '../core/format/monitor.js'
import {globalConfigPath, resolveLxcpath, runtimeBase} from '../core/paths.js'
import {compileNameRegex} from '../core/posix-regex.js'
import type {CommandOutcome} from '../output.js'
import {canonicalLxcpath, pathContext, readGlobalValue} from '../sys/container.js'
import {watchContainers, type ContainerWatch} from '../sys/discover-watch.js'

export interface MonitorResult {
  /** The lxcpaths watched. */
  lxcpaths: string[]
  /** Lines written. */
  events: number
  /** What ended the stream: a signal, stdout closing, or -Q (nothing to stream). */
  endedBy: 'signal' | 'stdout-closed' | 'quit'
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/**
 * Streams the events of the matching containers to stdout until a stop
 * signal or a failed write, then resolves with exit 0 and `streamed` (the
 * output is already written). With -Q resolves at once with a notice.
 * Throws (exit 1) when the run-dir base cannot be created or watched.
 * Installs SIGINT/SIGTERM/SIGHUP handlers for its lifetime.
 */
export async function run(opts: MonitorOptions): Promise<CommandOutcome<MonitorResult>> {
  const ctx = pathContext()
  let lxcpaths = opts.lxcpaths.map((path) => canonicalLxcpath(resolveLxcpath(ctx, path, undefined)))
  if (lxcpaths.length === 0) {
    const fromGlobal = ctx.env.CTR_PATH ? undefined : readGlobalValue(globalConfigPath(ctx), 'lxc.lxcpath')
    lxcpaths = [canonicalLxcpath(resolveLxcpath(ctx, undefined, fromGlobal))]
  }
  if (opts.quit) {
    return {
      exitCode: 0,
      result: {lxcpaths, events: 0, endedBy: 'quit'},
      notices: ['Nothing to quit: ctr has no lxc-monitord, each container\'s own monitor reports its events'],
    }
  }
  const regex = compileNameRegex(opts.name, true, '-n')
  return new Promise((resolve, reject) => {
    let events = 0
    let done = false
    let watcher: ContainerWatch | undefined
    const finish = (endedBy: MonitorResult['endedBy']): void => {
      if (done) return
      done = true
      watcher?.close()
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal)
      // The stdout error handler stays: a write already under way may still fail.
      resolve({exitCode: 0, result: {lxcpaths, events, endedBy}, streamed: true})
    }
    const onSignal = (): void => finish('signal')
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal)
    process.stdout.on('error', () => finish('stdout-closed'))
    try {
      watcher = watchContainers({
        runtimeBase: runtimeBase(ctx),
        lxcpaths: new Set(lxcpaths),
        match: (name) => regex.test(name),
        onEvent: (name, lxcpath, event) => {
          if (done) return
          events++
          process.stdout.write(formatEvent({name, lxcpath, time: Date.now(), event}, opts.json))
        },
        onWarning: (message) => {
          if (!opts.quiet && !done) process.stderr.write(`ctr monitor: ${message}\n`)
        },
      })
    } catch (error) {
      done = true
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal)
      reject(error instanceof CtrError ? error : new CtrError('CTR_WATCH', `Cannot watch for containers: ${(error as Error).message}`, {cause: error}))
    }
  })
}
