// `ctr checkpoint`: CRIU's command lines for a dump and a restore, built as
// LXC's criu.c exec_criu builds them (docs/lxc-contract.md §17), what of a
// config ctr cannot checkpoint, and what `criu check` said. Pure.

import type {CgroupRecordEntry} from './cgroup/stats.js'
import type {ContainerConfig, MountEntry} from './config/index.js'

/** The cgroup a dump or a restore roots CRIU at, per hierarchy. */
export interface CriuCgroup {
  version: 1 | 2
  /** v1: the controller field of /proc/PID/cgroup (`cpu,cpuacct`, `name=systemd`); v2: ''. */
  id: string
  /** The container's (limit) cgroup as a hierarchy path: `/ctr.payload.web.0123...`. */
  hierarchyPath: string
  /** Its directory (the freezer's is --freeze-cgroup). */
  dir: string
}

export interface CriuCommon {
  /** criu's absolute path. */
  criu: string
  /** The images directory, absolute. */
  directory: string
  cgroups: CriuCgroup[]
  /** lxc.mount.entry bind mounts: their source and their target inside the container. */
  binds: Array<{source: string; target: string}>
  verbose: boolean
  actionScript?: string
}

export interface DumpPlan extends CriuCommon {
  action: 'dump' | 'pre-dump'
  /** init's host pid. */
  initPid: number
  /** -s: no --leave-running (criu kills the tree once it is dumped). */
  stop: boolean
  /** --predump-dir, relative to the images directory. */
  predumpDir?: string
}

export interface RestorePlan extends CriuCommon {
  /** The container's root (bound onto itself by the monitor before criu runs); undefined: the host root. */
  root?: string
  /** Where criu writes the restored init's pid (the monitor reads it: docs/monitor-protocol.md §5.6). */
  pidfile: string
}

// exec_criu's fixed part, in its order.
function common(action: string, p: CriuCommon): string[] {
  const argv = [
    p.criu, action,
    '--tcp-established', '--file-locks', '--link-remap', '--manage-cgroups=full',
    '--ext-mount-map', 'auto', '--enable-external-sharing', '--enable-external-masters',
    '--enable-fs', 'hugetlbfs', '--enable-fs', 'tracefs',
    '-D', p.directory, '-o', `${p.directory}/${action}.log`,
  ]
  for (const cg of p.cgroups) argv.push('--cgroup-root', cgroupRoot(cg))
  if (p.verbose) argv.push('-v4')
  if (p.actionScript !== undefined) argv.push('--action-script', p.actionScript)
  return argv
}

/** `[controllers:]path` (criu --cgroup-root); v2 and a v1 hierarchy without controllers: the path alone. */
export function cgroupRoot(cg: CriuCgroup): string {
  const path = simplify(cg.hierarchyPath)
  return cg.version === 1 && cg.id !== '' ? `${cg.id}:${path}` : path
}

function simplify(path: string): string {
  return `/${path.split('/').filter((p) => p !== '' && p !== '.').join('/')}`
}

/** criu dump (or pre-dump) of a running container: LXC's argv for MIGRATE_DUMP / MIGRATE_PRE_DUMP. */
export function dumpArgv(p: DumpPlan): string[] {
  const argv = common(p.action, p)
  // The binds are external mounts: dumped by their mount point, restored
  // from the source the config names then (exec_criu's getmntent loop).
  for (const b of p.binds) argv.push('--ext-mount-map', `/${b.target}:${b.target}`)
  argv.push('-t', String(p.initPid), '--skip-in-flight')
  const freezer = freezeCgroup(p.cgroups)
  if (freezer !== undefined) argv.push('--freeze-cgroup', freezer)
  if (p.predumpDir !== undefined) argv.push('--prev-images-dir', p.predumpDir, '--track-mem')
  argv.push('--force-irmap')
  if (p.action === 'dump' && !p.stop) argv.push('--leave-running')
  return argv
}

/** The freezer criu freezes the tree with: the v1 freezer hierarchy's cgroup, else the unified one's. */
export function freezeCgroup(cgroups: readonly CriuCgroup[]): string | undefined {
  const v1 = cgroups.find((c) => c.version === 1 && c.id.split(',').includes('freezer'))
  return (v1 ?? cgroups.find((c) => c.version === 2))?.dir
}

/**
 * criu restore for the monitor to run (docs/monitor-protocol.md §5.6):
 * --restore-sibling makes the restored init the monitor's own child, and
 * --restore-detached lets criu exit once the tree runs.
 */
export function restoreArgv(p: RestorePlan): string[] {
  const argv = common('restore', p)
  for (const b of p.binds) argv.push('--ext-mount-map', `${b.target}:${b.source}`)
  if (p.root !== undefined) argv.push('--root', p.root)
  argv.push('--restore-detached', '--restore-sibling', '--pidfile', p.pidfile)
  return argv
}

/** The limit cgroups of a monitor's cgroup record (`<rundir>/cgroups`). */
export function cgroupsFromRecord(record: readonly CgroupRecordEntry[]): CriuCgroup[] {
  return record.filter((e) => e.role === 'limit').map((e) => ({version: e.version, id: e.id, hierarchyPath: e.hierarchyPath, dir: e.dir}))
}

/** The limit cgroups a start plan will create (the spec's `cghier` records and `cgroup`). */
export function cgroupsFromPlan(plan: {limit: string; hierarchies: ReadonlyArray<{version: 1 | 2; id: string; baseDir: string; basePath: string}>}): CriuCgroup[] {
  return plan.hierarchies.map((h) => ({
    version: h.version,
    id: h.id,
    hierarchyPath: simplify(`${h.basePath}/${plan.limit}`),
    dir: `${h.baseDir.replace(/\/+$/, '')}/${plan.limit}`,
  }))
}

/** The bind mounts of lxc.mount.entry, with targets relative to the container's root. */
export function bindMounts(entries: readonly MountEntry[], rootfs: string | undefined): Array<{source: string; target: string}> {
  const out: Array<{source: string; target: string}> = []
  for (const e of entries) {
    if (!e.options.includes('bind') && !e.options.includes('rbind')) continue
    let target = e.target
    if (rootfs !== undefined && target.startsWith(`${rootfs}/`)) target = target.slice(rootfs.length)
    target = target.replace(/^\/+/, '')
    if (target !== '') out.push({source: e.source, target})
  }
  return out
}

/**
 * Why ctr cannot checkpoint a container with this config, or undefined.
 * What CRIU can restore only with devices or terminals handed to it (a
 * network interface's host side, the console's pty, ttys) and what belongs
 * to another container (a shared namespace) are refused before anything
 * is done.
 */
export function unsupportedConfig(config: ContainerConfig): {reason: string; hint: string} | undefined {
  for (const n of config.nets) {
    const type = n.type ?? 'empty'
    if (type !== 'empty' && type !== 'none') {
      return {
        reason: `lxc.net.${n.index}.type = ${type}: ctr checkpoint handles containers without network interfaces only (type empty or none)`,
        hint: 'README "ctr checkpoint" lists what can be checkpointed',
      }
    }
  }
  if (config.console.path !== 'none') {
    return {
      reason: 'The container has a console: ctr checkpoint handles containers with lxc.console.path = none only',
      hint: 'Set lxc.console.path = none in its config (and restart it) to checkpoint it',
    }
  }
  if (config.tty.max > 0) {
    return {reason: `lxc.tty.max = ${config.tty.max}: ctr checkpoint handles containers without ttys only`, hint: 'Set lxc.tty.max = 0 in its config (and restart it) to checkpoint it'}
  }
  const shared = Object.keys(config.namespaces.share)
  if (shared.length > 0) {
    return {reason: `lxc.namespace.share.${shared[0]}: a container that shares another's namespaces cannot be checkpointed alone`, hint: 'Checkpoint containers with namespaces of their own'}
  }
  return undefined
}

/**
 * What `criu check` printed when it failed, as one reason: its error lines
 * without the source locations, the first one (the cause; criu's last line
 * is the generic "Could not initialize kernel features detection") first.
 * Lines of helpers criu ran (`exited, status=N`) are noise and left out.
 */
export function criuCheckReason(output: string, status: number | null, signal: string | null, what = 'criu check'): {reason: string; lines: string[]; errorLines: string[]} {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l !== '')
  const parsed = lines
    .map((line) => ({line, message: /^(?:\([0-9.]+\)\s+)?Error \([^)]*\):\s*(.*)$/.exec(line)?.[1]}))
    .filter((e): e is {line: string; message: string} => e.message !== undefined && !/^exited, status=\d+$/.test(e.message))
  const errors = parsed.map((e) => e.message)
  const first = errors[0] ?? lines[lines.length - 1]
  const why = first ?? (signal !== null ? `${what} was killed by ${signal}` : `${what} exited with status ${status}`)
  const last = errors.length > 1 ? errors[errors.length - 1] : undefined
  return {reason: last !== undefined && last !== first ? `${why} (${stripDot(last)})` : why, lines, errorLines: parsed.map((e) => e.line)}
}

function stripDot(text: string): string {
  return text.replace(/\.$/, '')
}
