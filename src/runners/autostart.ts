// `ctr autostart` (lxc-autostart): select the containers (core/cli/autostart.ts)
// and start, shut down, kill or reboot them one after the other through the
// same runners as ctr start and ctr stop, waiting lxc.start.delay between
// two starts. One container's failure is reported and the next one goes on.

import type {AutostartAction, AutostartCandidate, AutostartOptions, AutostartStep} from '../core/cli/autostart.js'
import {autostartExitCode, selectAutostart} from '../core/cli/autostart.js'
import {toCtrError} from '../core/errors.js'
import {containerConfigPath, globalConfigPath, resolveLxcpath, runtimeBase} from '../core/paths.js'
import type {CommandOutcome} from '../output.js'
import {loadContainerConfig} from '../sys/config-loader.js'
import {canonicalLxcpath, pathContext, readGlobalValue} from '../sys/container.js'
import {listActive, listDefined} from '../sys/discover.js'

export interface AutostartEntry extends AutostartStep {
  /** done: started, shut down, killed or rebooted; listed: -L; failed: see error. */
  outcome: 'done' | 'listed' | 'failed'
  error: {code: string; message: string} | null
  /** When the action began and ended (ms since the epoch); null with -L. */
  startedAt: number | null
  finishedAt: number | null
}

export interface AutostartResult {
  lxcpath: string
  action: AutostartAction
  list: boolean
  containers: AutostartEntry[]
  attempted: number
  failed: number
  durationMs: number
}

/**
 * Runs `ctr autostart`. Exit 0, 1 (everything tried failed) or 2 (some of
 * it), with a notice per failure; see core/cli/autostart.ts. Throws for an
 * lxcpath or global config that cannot be read.
 */
export async function run(opts: AutostartOptions): Promise<CommandOutcome<AutostartResult>> {
  const started = Date.now()
  const ctx = pathContext()
  const fromGlobal = opts.lxcpath === undefined && !ctx.env.CTR_PATH ? readGlobalValue(globalConfigPath(ctx), 'lxc.lxcpath') : undefined
  const lxcpath = canonicalLxcpath(resolveLxcpath(ctx, opts.lxcpath, fromGlobal))
  const notices: string[] = []
  const defined = listDefined(lxcpath)
  const active = await listActive(runtimeBase(ctx), lxcpath)
  const candidates: AutostartCandidate[] = []
  for (const name of defined.names) {
    try {
      const {config} = loadContainerConfig({files: containerConfigPath(lxcpath, name)})
      candidates.push({name, auto: config.start.auto, groups: config.groups, order: config.start.order, delay: config.start.delay, running: active.get(name)?.running ?? false})
    } catch (error) {
      notices.push(`Skipped ${name}: ${toCtrError(error).message}`)
    }
  }
  const steps = selectAutostart(candidates, opts)
  const entries: AutostartEntry[] = []
  if (opts.list) {
    const withDelay = opts.action === 'start' || opts.action === 'reboot'
    const text = steps.map((s) => (withDelay ? `${s.name} ${s.delay}\n` : `${s.name}\n`)).join('')
    for (const s of steps) entries.push({...s, outcome: 'listed', error: null, startedAt: null, finishedAt: null})
    return {exitCode: 0, result: {lxcpath, action: opts.action, list: true, containers: entries, attempted: 0, failed: 0, durationMs: Date.now() - started}, text, notices}
  }
  for (const [i, step] of steps.entries()) {
    const begin = Date.now()
    try {
      notices.push(...(await act(step.name, lxcpath, opts)))
      entries.push({...step, outcome: 'done', error: null, startedAt: begin, finishedAt: Date.now()})
    } catch (error) {
      const err = toCtrError(error)
      notices.push(`Error ${VERB[opts.action]} ${step.name}: ${err.message}`)
      entries.push({...step, outcome: 'failed', error: {code: err.code, message: err.message}, startedAt: begin, finishedAt: Date.now()})
      continue
    }
    // lxc.start.delay: time for this container to come up before the next one starts.
    const waits = opts.action === 'start' || opts.action === 'reboot'
    if (waits && step.delay > 0 && i < steps.length - 1) await new Promise((resolve) => setTimeout(resolve, step.delay * 1000))
  }
  const failed = entries.filter((e) => e.outcome === 'failed').length
  return {
    exitCode: autostartExitCode(entries.length, failed),
    result: {lxcpath, action: opts.action, list: false, containers: entries, attempted: entries.length, failed, durationMs: Date.now() - started},
    notices,
  }
}

const VERB: Record<AutostartAction, string> = {start: 'starting', shutdown: 'shutting down', kill: 'killing', reboot: 'rebooting'}

// One container through ctr start or ctr stop's runner; returns its notices.
async function act(name: string, lxcpath: string, opts: AutostartOptions): Promise<string[]> {
  const common = {name, lxcpath, logfile: opts.logfile, logpriority: opts.logpriority, quiet: opts.quiet, rcfile: undefined, json: opts.json}
  if (opts.action === 'start') {
    const {runStart} = await import('./start.js')
    const r = await runStart({...common, daemon: true, defines: [], console: undefined, consoleLog: undefined, closeAllFds: false, pidfile: undefined, share: {}, command: []})
    return (r.notices ?? []).map((n) => `${name}: ${n}`)
  }
  const {runStop} = await import('./stop.js')
  const r = await runStop({
    ...common, reboot: opts.action === 'reboot', nowait: false, kill: opts.action === 'kill', nokill: false, nolock: false,
    timeout: opts.action === 'shutdown' ? opts.timeout : undefined,
  })
  return (r.notices ?? []).map((n) => `${name}: ${n}`)
}
