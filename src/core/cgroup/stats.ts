// Usage figures of a container from its cgroup files (lxc-info's stats,
// docs/lxc-contract.md §3.1, plus what `ctr ls -f` and --json show). Pure: the caller
// supplies a reader over the container's cgroup files (src/sys/cgroup-stats.ts
// reads them from the directories the monitor recorded in the run dir).
//
// Sources, v1 first as LXC reads them:
//   CPU     v1 cpuacct.usage (ns), else v2 cpu.stat usage_usec × 1000
//   BlkIO   v1 the Total line of blkio.throttle.io_service_bytes (its
//           _recursive twin when present, so that cgroups below the
//           container's count too), else v2 io.stat rbytes + wbytes of
//           every device (LXC 7.0 prints no BlkIO line on cgroup2)
//   Memory  v1 memory.usage_in_bytes with KMem memory.kmem.usage_in_bytes
//   / KMem  (both, or neither, as lxc-info); else v2 memory.stat
//           anon + file and kernel_stack + pagetables + sock + slab (LXC 7.0)
//   limit   v1 memory.limit_in_bytes, v2 memory.max (unlimited: undefined)
//   swap    v1 memory.stat total_swap (else swap, what lxc-ls reads), v2 memory.swap.current
//   pids    pids.current and pids.max on either

/** What a container uses; a field is absent when the host does not tell. */
export interface ContainerStats {
  /** CPU time in ns. */
  cpuNs?: bigint
  blkioBytes?: bigint
  /** lxc-info's "Memory use" (v1 usage_in_bytes includes the page cache). */
  memoryBytes?: bigint
  kmemBytes?: bigint
  /** The memory limit; absent when unlimited. */
  memoryLimitBytes?: bigint
  /** Swap in use by the container. */
  swapBytes?: bigint
  pidsCurrent?: number
  /** pids.max; absent when unlimited. */
  pidsLimit?: number
}

/**
 * Reads one file of the container cgroup: `version` 1 with the controller
 * whose hierarchy holds it (`cpuacct`, `memory`, ...), or 2. Returns the
 * text, or undefined when there is no such hierarchy or file.
 */
export type CgroupFileReader = (version: 1 | 2, controller: string, file: string) => string | undefined

// v1 reports "no limit" as the largest page-aligned counter value.
const V1_UNLIMITED = 1n << 62n

/** `key value` lines (memory.stat, cpu.stat, memory.events) as a map; junk lines are skipped. */
export function parseKeyed(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>()
  for (const line of text.split('\n')) {
    const m = /^(\S+) (\d+)$/.exec(line.trim())
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1], BigInt(m[2]))
  }
  return out
}

/** A single number (cpuacct.usage, memory.usage_in_bytes); undefined for anything else. */
export function parseNumber(text: string | undefined): bigint | undefined {
  const t = text?.trim()
  return t !== undefined && /^\d+$/.test(t) ? BigInt(t) : undefined
}

/** lxc-info's rule: the value of the last line, if that line is `Total N`. */
export function parseBlkioTotal(text: string): bigint | undefined {
  const lines = text.trimEnd().split('\n')
  const m = /^Total (\d+)$/.exec(lines[lines.length - 1] ?? '')
  return m?.[1] === undefined ? undefined : BigInt(m[1])
}

/** io.stat: `MAJ:MIN rbytes=N wbytes=N rios=N ...` per device; rbytes + wbytes summed. */
export function parseIoStat(text: string): bigint {
  let total = 0n
  for (const m of text.matchAll(/\b[rw]bytes=(\d+)/g)) total += BigInt(m[1] ?? '0')
  return total
}

/** cgroup2 memory.stat: LXC 7.0's Memory (anon + file) and KMem (kernel_stack + pagetables + sock + slab). */
export function parseV2MemoryStat(text: string): {memoryBytes: bigint; kmemBytes: bigint} {
  const stat = parseKeyed(text)
  const sum = (keys: string[]): bigint => keys.reduce((acc, k) => acc + (stat.get(k) ?? 0n), 0n)
  return {memoryBytes: sum(['anon', 'file']), kmemBytes: sum(['kernel_stack', 'pagetables', 'sock', 'slab'])}
}

/** A limit file: `max` and v1's "unlimited" value give undefined. */
export function parseLimit(text: string | undefined): bigint | undefined {
  const value = parseNumber(text)
  return value === undefined || value >= V1_UNLIMITED ? undefined : value
}

/** The stats from whatever files the reader finds. Pure. */
export function statsFromFiles(read: CgroupFileReader): ContainerStats {
  const out: ContainerStats = {}
  const cpu = parseNumber(read(1, 'cpuacct', 'cpuacct.usage'))
  const cpuStat = cpu === undefined ? read(2, 'cpu', 'cpu.stat') : undefined
  const usec = cpuStat === undefined ? undefined : parseKeyed(cpuStat).get('usage_usec')
  if (cpu !== undefined) out.cpuNs = cpu
  else if (usec !== undefined) out.cpuNs = usec * 1000n

  const blkio = read(1, 'blkio', 'blkio.throttle.io_service_bytes_recursive') ?? read(1, 'blkio', 'blkio.throttle.io_service_bytes')
  const blkioTotal = blkio === undefined ? undefined : parseBlkioTotal(blkio)
  const ioStat = blkioTotal === undefined ? read(2, 'io', 'io.stat') : undefined
  if (blkioTotal !== undefined) out.blkioBytes = blkioTotal
  else if (ioStat !== undefined) out.blkioBytes = parseIoStat(ioStat)

  const usage = parseNumber(read(1, 'memory', 'memory.usage_in_bytes'))
  const kmem = parseNumber(read(1, 'memory', 'memory.kmem.usage_in_bytes'))
  const v2Stat = usage === undefined || kmem === undefined ? read(2, 'memory', 'memory.stat') : undefined
  if (usage !== undefined && kmem !== undefined) {
    out.memoryBytes = usage
    out.kmemBytes = kmem
  } else if (v2Stat !== undefined) {
    Object.assign(out, parseV2MemoryStat(v2Stat))
  }

  const v1Limit = read(1, 'memory', 'memory.limit_in_bytes')
  const limit = parseLimit(v1Limit ?? read(2, 'memory', 'memory.max'))
  if (limit !== undefined) out.memoryLimitBytes = limit
  const v1Stat = v1Limit === undefined ? undefined : read(1, 'memory', 'memory.stat')
  const v1Keyed = v1Stat === undefined ? undefined : parseKeyed(v1Stat)
  const swap = v1Keyed ? (v1Keyed.get('total_swap') ?? v1Keyed.get('swap')) : parseNumber(read(2, 'memory', 'memory.swap.current'))
  if (swap !== undefined) out.swapBytes = swap

  const pids = parseNumber(read(1, 'pids', 'pids.current') ?? read(2, 'pids', 'pids.current'))
  if (pids !== undefined) out.pidsCurrent = Number(pids)
  const pidsMax = parseLimit(read(1, 'pids', 'pids.max') ?? read(2, 'pids', 'pids.max'))
  if (pidsMax !== undefined) out.pidsLimit = Number(pidsMax)
  return out
}

/** One line of the monitor's run-dir record (native/cgroup.h). */
export interface CgroupRecordEntry {
  role: 'limit' | 'inner' | 'dir' | 'monitor'
  version: 1 | 2
  /** v1: the hierarchy's controller field (`cpu,cpuacct`); v2: ''. */
  id: string
  /** The hierarchy path (as /proc/PID/cgroup shows it). */
  hierarchyPath: string
  /** The directory, as the monitor saw it (its mount namespace). */
  dir: string
}

/** Parses `<rundir>/cgroups`: tab-separated role, version, id (`-` for none), hierarchy path, directory. */
export function parseCgroupRecord(text: string): CgroupRecordEntry[] {
  const out: CgroupRecordEntry[] = []
  for (const line of text.split('\n')) {
    const f = line.split('\t')
    const [role, version, id, hierarchyPath, dir] = f
    if (f.length !== 5 || role === undefined || id === undefined || hierarchyPath === undefined || dir === undefined) continue
    if (role !== 'limit' && role !== 'inner' && role !== 'dir' && role !== 'monitor') continue
    if ((version !== '1' && version !== '2') || !dir.startsWith('/')) continue
    out.push({role, version: version === '2' ? 2 : 1, id: id === '-' ? '' : id, hierarchyPath, dir})
  }
  return out
}

/**
 * The directory a stat file is read from: the container (limit) cgroup of
 * the v1 hierarchy holding `controller`, or of the v2 hierarchy.
 */
export function statsDir(record: CgroupRecordEntry[], version: 1 | 2, controller: string): string | undefined {
  const entry = record.find((e) => e.role === 'limit' && e.version === version && (version === 2 || e.id.split(',').includes(controller)))
  return entry?.dir
}
