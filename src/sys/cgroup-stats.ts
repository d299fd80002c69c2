// A running container's usage, read from its cgroup files. The monitor
// records every cgroup directory it creates in `<rundir>/cgroups` (see
// native/cgroup.h) before the container starts and removes the record once
// the directories are gone, so the run dir alone is enough to find them:
//
//   import {readContainerStats} from './sys/cgroup-stats.js'
//   const stats = readContainerStats(ref.rundir)   // undefined: no cgroup
//   stats?.memoryBytes, stats?.memoryLimitBytes, stats?.swapBytes, ...
//
// Which file each figure comes from (v1 first, v2 as the fallback) is in
// core/cgroup/stats.ts. lxc-ls -f's RAM column is memory.usage_in_bytes in
// MiB (memoryBytes) and its SWAP column memory.stat's swap (swapBytes).

import {readFileSync} from 'node:fs'

import {parseCgroupRecord, statsDir, statsFromFiles, type CgroupRecordEntry, type ContainerStats} from '../core/cgroup/stats.js'

export type {ContainerStats} from '../core/cgroup/stats.js'

/**
 * The usage figures of the container whose run dir is `rundir`, or
 * undefined when its monitor recorded no cgroup (not running, or a host
 * without cgroups). A figure the host does not provide is absent. Never
 * throws; reads at most a dozen small files. The directories are the
 * monitor's view: a caller in another mount namespace sees nothing.
 */
export function readContainerStats(rundir: string): ContainerStats | undefined {
  const record = readCgroupRecord(rundir)
  if (!record || !record.some((e) => e.role === 'limit')) return undefined
  return statsFromFiles((version, controller, file) => {
    const dir = statsDir(record, version, controller)
    return dir === undefined ? undefined : readText(`${dir}/${file}`)
  })
}

/** The cgroup directories the container's monitor recorded (undefined: none). Never throws. */
export function readCgroupRecord(rundir: string): CgroupRecordEntry[] | undefined {
  const text = readText(`${rundir}/cgroups`)
  return text === undefined ? undefined : parseCgroupRecord(text)
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
