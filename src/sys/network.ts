// The container's interfaces from the outside: the monitor's run-dir record
// (native/netrecord.c) and the byte counters of a network namespace, from
// /proc/PID/net/dev (per namespace, unlike /sys/class/net, which shows the
// namespace of whoever mounted /sys).

import {readFileSync} from 'node:fs'

import {parseNetDev, parseNetworkRecord, type LinkCounters, type RecordedNic} from '../core/net-record.js'

/** The interfaces the running container's monitor made; [] without a record. Never throws. */
export function readNetworkRecord(rundir: string): RecordedNic[] {
  try {
    return parseNetworkRecord(readFileSync(`${rundir}/network`, 'utf8'))
  } catch {
    return []
  }
}

/** Byte counters per interface of pid's network namespace (or ours); empty when pid is gone. Never throws. */
export function readNetDev(pid: number | 'self'): Map<string, LinkCounters> {
  try {
    return parseNetDev(readFileSync(`/proc/${pid}/net/dev`, 'utf8'))
  } catch {
    return new Map()
  }
}

/** Interface names of ctr's own network namespace (where the monitor will run). */
export function ownInterfaces(): string[] {
  return [...readNetDev('self').keys()]
}
