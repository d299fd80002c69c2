// The lxc-info output layout (docs/lxc-contract.md §3.1): `%-15s %s` labels, the
// default mode, bare-value mode under -H, and `KEY = VALUE` lines for -c.

import type {InfoOptions} from '../options.js'
import type {State} from '../state.js'
import {formatCpuSeconds, humanizeSize} from './humanize.js'

export interface InfoStats {
  /** cpuacct.usage or cpu.stat usage_usec × 1000, in ns. */
  cpuNs?: bigint
  blkioBytes?: bigint
  memoryBytes?: bigint
  kmemBytes?: bigint
  /** Counters absent: the device is not in the monitor's namespace (a phys device moved in). */
  links?: Array<{name: string; txBytes?: bigint; rxBytes?: bigint}>
}

export interface InfoFacts {
  name: string
  state: State
  running: boolean
  pid?: number
  ips: string[]
  stats?: InfoStats
  /** -c results in order: the value, or undefined for an invalid key. */
  config: Array<{key: string; value: string | undefined}>
}

/** What lxc-info was asked to show (the -s/-p/-i/-S/-H/-c part of its options). */
export type InfoSelection = Pick<InfoOptions, 'showState' | 'showPid' | 'showIps' | 'showStats' | 'raw' | 'filterCount' | 'configKeys'>

export interface InfoOutput {
  stdout: string
  /** `KEY invalid` lines (LXC prints them on stderr and still exits 0). */
  stderr: string[]
}

/** Renders lxc-info's text for the given facts and selection. */
export function formatInfo(facts: InfoFacts, sel: InfoSelection): InfoOutput {
  let {showState, showPid, showIps, showStats} = sel
  const lines: string[] = []
  const stderr: string[] = []
  // Bare values: -H with exactly one of -s/-p/-i (lxc_info.c print_info_msg_*).
  const bare = sel.raw && sel.filterCount === 1
  const field = (label: string, value: string): void => {
    lines.push(bare ? value : label.padEnd(15) + ' ' + value)
  }

  if (!showState && !showPid && !showIps && !showStats && sel.configKeys.length === 0) {
    showState = showPid = showIps = showStats = true
    field('Name:', facts.name)
  }
  if (showState) field('State:', facts.state)
  if (facts.running) {
    if (showPid && facts.pid !== undefined) field('PID:', String(facts.pid))
    if (showIps) for (const ip of facts.ips) field('IP:', ip)
  }
  if (showStats && facts.stats) lines.push(...formatStats(facts.stats, sel.raw))

  const bareKeys = sel.raw && sel.configKeys.length === 1
  for (const {key, value} of facts.config) {
    if (value === undefined) stderr.push(`${key} invalid`)
    else if (bareKeys) lines.push(value)
    else lines.push(value === '' ? `${key} =` : `${key} = ${value}`)
  }
  return {stdout: lines.map((l) => `${l}\n`).join(''), stderr}
}

/** The stats block: CPU, BlkIO, Memory, KMem, then per-link traffic (TX/RX seen from the container). */
export function formatStats(stats: InfoStats, raw: boolean): string[] {
  const lines: string[] = []
  const size = (v: bigint): string => (raw ? v.toString() : humanizeSize(v))
  const label = (l: string, v: string): void => {
    lines.push(`${l.padEnd(15)} ${v}`)
  }
  if (stats.cpuNs !== undefined) label('CPU use:', raw ? stats.cpuNs.toString() : formatCpuSeconds(stats.cpuNs))
  if (stats.blkioBytes !== undefined) label('BlkIO use:', size(stats.blkioBytes))
  if (stats.memoryBytes !== undefined && stats.kmemBytes !== undefined) {
    label('Memory use:', size(stats.memoryBytes))
    label('KMem use:', size(stats.kmemBytes))
  }
  // lxc-info prints the total even when it could not read the counters.
  for (const link of stats.links ?? []) {
    label('Link:', link.name)
    if (link.txBytes !== undefined) label(' TX bytes:', size(link.txBytes))
    if (link.rxBytes !== undefined) label(' RX bytes:', size(link.rxBytes))
    label(' Total bytes:', size((link.txBytes ?? 0n) + (link.rxBytes ?? 0n)))
  }
  return lines
}
