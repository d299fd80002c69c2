// `ctr info`: lxc-info's facts and layout (docs/lxc-contract.md §3), plus --json with
// the same facts and how the container last stopped.

import {createDefaultConfig, getConfigItem} from '../core/config/index.js'
import {CtrError} from '../core/errors.js'
import {formatInfo} from '../core/format/info.js'
import type {InfoOptions} from '../core/options.js'
import type {State} from '../core/state.js'
import type {CommandOutcome} from '../output.js'
import {readContainerStats, type ContainerStats} from '../sys/cgroup-stats.js'
import {loadConfigForCommand} from '../sys/config.js'
import {queryStatus, readLastExit, resolveFromOptions, type LastExit} from '../sys/container.js'
import {nameSuggestions} from '../sys/discover.js'
import {listAddresses} from '../sys/tools.js'

export interface InfoResult {
  name: string
  lxcpath: string
  state: State
  running: boolean
  /** Has a config file (or --rcfile). */
  defined: boolean
  pid?: number
  monitorPid?: number
  /** When init was exec'd (ms since the epoch). */
  startedAt?: number
  ips: string[]
  /** Cgroup usage while running (-S, the default mode, --json): raw numbers, plus pids and the memory limit. */
  stats?: ContainerStats
  /** Processes the OOM killer killed in the container since it started (while running). */
  oomKills?: number
  /** -c KEY values; null for an invalid key. */
  config?: Record<string, string | null>
  /** The monitor died but init runs on (lxc.monitor.signal.pdeath = 0). */
  orphan?: boolean
  /** How the container stopped last time (defined containers that ran before). */
  lastExit?: LastExit
}

export async function runInfo(opts: InfoOptions): Promise<CommandOutcome<InfoResult>> {
  const ref = resolveFromOptions(opts)
  const loaded = loadConfigForCommand(ref, opts)
  const status = await queryStatus(ref)
  const defined = loaded.file !== undefined
  if (!status.running && !defined) {
    // lxc-info prints this bare (no program prefix), exit 1.
    throw new CtrError('CTR_NOT_FOUND', `${ref.name} doesn't exist`, {
      bare: true,
      hints: [`No ${ref.configPath} and nothing running under that name in ${ref.lxcpath}`, ...nameSuggestions(ref.lxcpath, ref.name)],
    })
  }
  const defaultMode = !opts.showState && !opts.showPid && !opts.showIps && !opts.showStats && opts.configKeys.length === 0
  const wantIps = status.running && status.initPid !== undefined && (opts.json || opts.showIps || defaultMode)
  const ips = wantIps ? listAddresses(status.initPid ?? 0, status.initStartTime ?? 0).map((a) => a.address) : []
  const config = loaded.config ?? createDefaultConfig()
  const items = opts.configKeys.map((key) => ({key, value: getConfigItem(config, key)}))

  const result: InfoResult = {name: ref.name, lxcpath: ref.lxcpath, state: status.state, running: status.running, defined, ips}
  if (status.initPid !== undefined && status.running) result.pid = status.initPid
  if (status.monitorPid !== undefined) result.monitorPid = status.monitorPid
  if (status.startedAt !== undefined) result.startedAt = status.startedAt
  if (status.orphan) result.orphan = true
  if (items.length > 0) result.config = Object.fromEntries(items.map((i) => [i.key, i.value ?? null]))
  if (!status.running) {
    const last = readLastExit(ref)
    if (last) result.lastExit = last
  }
  // Stats only while running (a stopped container has no cgroup), and only
  // when something will show them: -sH stays a few file reads cheaper.
  const stats = status.running && (opts.json || opts.showStats || defaultMode) ? readContainerStats(ref.rundir) : undefined
  if (stats) result.stats = stats
  if (status.running && status.oomKills !== undefined) result.oomKills = status.oomKills
  const facts = {
    name: ref.name, state: status.state, running: status.running, ips, config: items,
    ...(result.pid === undefined ? {} : {pid: result.pid}), ...(stats ? {stats} : {}),
  }
  const out = formatInfo(facts, opts)
  return {exitCode: 0, result, text: out.stdout, rawStderr: out.stderr}
}
