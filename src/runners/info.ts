// `ctr info`: lxc-info's facts and layout (docs/lxc-contract.md §3), plus --json with
// the same facts and how the container last stopped.

import {createDefaultConfig, getConfigItem} from '../core/config/index.js'
import {infoLinks, type InfoLink, type RecordedNic} from '../core/net-record.js'
import {CtrError} from '../core/errors.js'
import {formatInfo} from '../core/format/info.js'
import type {InfoOptions} from '../core/options.js'
import type {State} from '../core/state.js'
import type {CommandOutcome} from '../output.js'
import {readContainerStats, type ContainerStats} from '../sys/cgroup-stats.js'
import {loadConfigForCommand} from '../sys/config.js'
import {queryStatus, readLastExit, resolveFromOptions, type LastExit, type RuntimeStatus} from '../sys/container.js'
import {nameSuggestions} from '../sys/discover.js'
import {readNetDev, readNetworkRecord} from '../sys/network.js'
import {heldByCtr, queryLxc, type LxcHolder} from '../sys/lxc.js'
import {readProcStat} from '../sys/proc.js'
import {listAddresses} from '../sys/tools.js'

/**
 * `ctr info --json`'s result (docs/json.md): the same keys whatever the
 * state, null where a fact is unknown or does not apply (a stopped
 * container has no pid, no stats).
 */
export interface InfoResult {
  name: string
  lxcpath: string
  state: State
  running: boolean
  /** Has a config file (or --rcfile). */
  defined: boolean
  pid: number | null
  monitorPid: number | null
  /** When init was exec'd (ms since the epoch). */
  startedAt: number | null
  ips: string[]
  /** Cgroup usage while running: raw numbers, plus pids and the memory limit. */
  stats: InfoStatsJson | null
  /** Processes the OOM killer killed in the container since it started (while running). */
  oomKills: number | null
  /** -c KEY values; null for an invalid key; empty without -c. */
  config: Record<string, string | null>
  /** The monitor died but init runs on (lxc.monitor.signal.pdeath = 0). */
  orphan: boolean
  /** How the container stopped last time (defined containers that ran before). */
  lastExit: LastExit | null
  /** Who runs it: ctr, or LXC (its command socket answered; sys/lxc.ts); null when stopped. */
  runBy: 'ctr' | 'lxc' | null
  /** The interfaces the monitor made for lxc.net.* while running ([] otherwise, or for an empty or shared network). */
  network: InterfaceInfo[]
}

/** One interface the monitor made. */
export interface InterfaceInfo {
  /** N of lxc.net.N. */
  index: number
  type: string
  /** Its name inside the container. */
  name: string | null
  /** lxc.net.N.link: the bridge, parent or (phys) host device. */
  link: string | null
  /** veth: the host side. */
  hostInterface: string | null
  ipv4: string[]
  ipv6: string[]
  /** The host side's counters from the container's side (as lxc-info: TX is what the host side received); null where the device is not in the monitor's namespace. */
  txBytes: number | null
  rxBytes: number | null
}

/** The cgroup figures, as numbers (bytes, ns); null when this host's cgroups do not say. */
export interface InfoStatsJson {
  cpuNs: number | null
  blkioBytes: number | null
  memoryBytes: number | null
  kmemBytes: number | null
  memoryLimitBytes: number | null
  swapBytes: number | null
  pidsCurrent: number | null
  pidsLimit: number | null
}

function statsJson(stats: ContainerStats): InfoStatsJson {
  const n = (v: bigint | number | undefined): number | null => (v === undefined ? null : Number(v))
  return {
    cpuNs: n(stats.cpuNs), blkioBytes: n(stats.blkioBytes), memoryBytes: n(stats.memoryBytes), kmemBytes: n(stats.kmemBytes),
    memoryLimitBytes: n(stats.memoryLimitBytes), swapBytes: n(stats.swapBytes), pidsCurrent: n(stats.pidsCurrent), pidsLimit: n(stats.pidsLimit),
  }
}

export async function runInfo(opts: InfoOptions): Promise<CommandOutcome<InfoResult>> {
  const ref = resolveFromOptions(opts)
  // Read-only: a program may get the config it had parsed before (src/sys/config.ts).
  const loaded = loadConfigForCommand(ref, opts, {readOnly: true})
  let status = await queryStatus(ref)
  const lxc = status.running ? undefined : queryLxc(ref.lxcpath, ref.name)
  if (lxc && !heldByCtr(lxc)) status = lxcStatus(lxc)
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
  const addresses = wantIps ? listAddresses(status.initPid ?? 0, status.initStartTime ?? 0) : []
  const ips = addresses.map((a) => a.address)
  const config = loaded.config ?? createDefaultConfig()
  const items = opts.configKeys.map((key) => ({key, value: getConfigItem(config, key)}))

  // Stats only while running (a stopped container has no cgroup), and only
  // when something will show them: -sH stays a few file reads cheaper.
  const byLxc = lxc !== undefined && !heldByCtr(lxc)
  const wantStats = status.running && !byLxc && (opts.json || opts.showStats || defaultMode)
  const stats = wantStats ? readContainerStats(ref.rundir) : undefined
  // The link lines come from the monitor's record and its namespace's
  // counters; without a recorded interface (-sH, or an empty network) there
  // is no counter to read.
  const nics = wantStats ? readNetworkRecord(ref.rundir) : []
  const links = infoLinks(nics, status.monitorPid === undefined || nics.length === 0 ? new Map() : readNetDev(status.monitorPid))
  const pid = status.initPid !== undefined && status.running ? status.initPid : undefined
  const result: InfoResult = {
    name: ref.name, lxcpath: ref.lxcpath, state: status.state, running: status.running, defined,
    pid: pid ?? null,
    monitorPid: status.monitorPid ?? null,
    startedAt: status.startedAt ?? null,
    ips,
    stats: stats ? statsJson(stats) : null,
    oomKills: status.running ? (status.oomKills ?? null) : null,
    config: Object.fromEntries(items.map((i) => [i.key, i.value ?? null])),
    orphan: status.orphan === true,
    lastExit: status.running ? null : (readLastExit(ref) ?? null),
    runBy: status.running ? (byLxc ? 'lxc' : 'ctr') : null,
    network: interfaceInfo(nics, links, addresses),
  }
  const shown = stats || links.length > 0 ? {...stats, links} : undefined
  const facts = {
    name: ref.name, state: status.state, running: status.running, ips, config: items,
    ...(pid === undefined ? {} : {pid}), ...(shown ? {stats: shown} : {}),
  }
  // --json (and the library, which runs this with --json) prints the result
  // alone: no text to format.
  const out = opts.json ? {stdout: '', stderr: []} : formatInfo(facts, opts)
  return {exitCode: 0, result, text: out.stdout, rawStderr: out.stderr}
}

function interfaceInfo(nics: readonly RecordedNic[], links: readonly InfoLink[], addresses: ReadonlyArray<{ifname: string; family: string; address: string}>): InterfaceInfo[] {
  return nics.map((nic) => {
    const own = addresses.filter((a) => a.ifname === nic.name)
    const link = links.find((l) => l.name === (nic.type === 'veth' ? nic.host : nic.link))
    return {
      index: nic.index,
      type: nic.type,
      name: nic.name ?? null,
      link: nic.link ?? null,
      hostInterface: nic.host ?? null,
      ipv4: own.filter((a) => a.family === 'inet').map((a) => a.address),
      ipv6: own.filter((a) => a.family === 'inet6').map((a) => a.address),
      txBytes: link?.txBytes === undefined ? null : Number(link.txBytes),
      rxBytes: link?.rxBytes === undefined ? null : Number(link.rxBytes),
    }
  })
}

// A container LXC runs: its state and init (whose start time pins it for
// the address helper). ctr knows none of its cgroups: no stats.
function lxcStatus(lxc: LxcHolder): RuntimeStatus {
  const status: RuntimeStatus = {state: lxc.state, running: lxc.state !== 'STOPPED'}
  if (lxc.initPid !== undefined) {
    status.initPid = lxc.initPid
    const stat = readProcStat(lxc.initPid)
    if (stat) status.initStartTime = stat.starttime
  }
  return status
}
