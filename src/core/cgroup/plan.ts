// The container's cgroup: where it goes and what is written into it, decided
// here (pure) and executed by the monitor (native/cgroup.c).
//
// Placement (LXC's cgfsng rules, with ctr's names):
// * default: `ctr.payload.<name>.<h>` under each hierarchy's base, where <h>
//   is the 16-hex-digit hash of "lxcpath/name" that also names the run dir,
//   so that two lxcpaths holding the same name never share a cgroup (LXC
//   would name both lxc.payload.<name> and fall back to -1, -2, ...).
// * lxc.cgroup.dir = D: `D/ctr.payload.<name>.<h>`.
// * lxc.cgroup.dir.container = C with lxc.cgroup.dir.monitor = M (both, and
//   not with lxc.cgroup.dir, as in LXC): exactly C; init goes into
//   C/<lxc.cgroup.dir.container.inner> when that is set (limits stay on C,
//   out of the container's reach); the monitor moves into M, and into
//   lxc.cgroup.dir.monitor.pivot (else back where it came from) before M is
//   removed. Without lxc.cgroup.dir.monitor the monitor stays in the cgroup
//   it was started in (a systemd unit keeps tracking it) and never enters
//   the container's cgroup.
// * The base: for root, pid 1's cgroup with a trailing /init.scope dropped
//   (root containers escape the caller's cgroup); with lxc.cgroup.relative
//   = 1, and always for other users, the caller's own cgroup.
//
// Limits: lxc.cgroup.<controller>.<file> on the v1 hierarchy holding that
// controller, lxc.cgroup2.<controller>.<file> on the unified one, in config
// order (v1 first, memory.memsw.limit_in_bytes after the other v1 limits as
// LXC sorts them). Where the controller is not available a start fails
// naming file:line, on every kind of host; LXC 5/6 silently ignore
// lxc.cgroup.* on a pure cgroup2 host and lxc.cgroup2.* on a hybrid one,
// which would run the container without its limits.
//
// Device rules are the exception, handled as LXC 5.0 handles them where it
// matters: where the devices controller is a v1 hierarchy (hybrid and v1
// hosts) the lxc.cgroup.devices.* rules are written there and the
// lxc.cgroup2.devices.* ones skipped with a warning (common.conf carries
// both lists); elsewhere the cgroup2 rules are compiled into a BPF device
// program (devices.ts) that the monitor attaches to the container's
// cgroup2 directory, and the v1 ones skipped with a warning. A config with
// only one family gets it enforced wherever it can be: v2 rules on a hybrid
// host, or v1 rules on a cgroup2-only host, go into the BPF program (LXC
// would drop them with a warning and leave every device open).

import type {CgroupSetting, ContainerConfig} from '../config/index.js'
import {formatLocation} from '../config/index.js'
import {CtrError} from '../errors.js'
import {fnv1a64} from '../paths.js'
import {buildDeviceList, devicesProgram, DeviceRuleError, encodeInsns, parseDeviceRule} from './devices.js'
import {hierarchyDir, pruneInitScope, type CgroupHierarchy, type CgroupLayout} from './layout.js'

export type {CgroupHierarchy, CgroupLayout} from './layout.js'

/** One hierarchy as the monitor uses it (the spec's `cghier` record). */
export interface CgroupSpecHierarchy {
  version: 1 | 2
  /** v1: /proc/PID/cgroup's controller field; v2: ''. */
  id: string
  /** The directory the container's cgroups are created under. */
  baseDir: string
  /** The same as a hierarchy path (what /proc/PID/cgroup shows). */
  basePath: string
  /** The caller's (and so the monitor's) cgroup directory, '' if not visible. */
  selfDir: string
  /** v2: controllers to enable in cgroup.subtree_control on the way down. */
  enable: string[]
}

/** The cgroup part of the monitor spec. */
export interface CgroupSpec {
  /** The container cgroup (limits, stats, freezer), relative to every base. */
  limit: string
  /** lxc.cgroup.dir.container.inner: init's cgroup below `limit`. */
  inner?: string
  /** lxc.cgroup.dir.monitor: the monitor's own cgroup. */
  monitor?: string
  /** lxc.cgroup.dir.monitor.pivot. */
  monitorPivot?: string
  hierarchies: CgroupSpecHierarchy[]
  /** Files written into the container cgroup of hierarchy `hierarchy`, in order. */
  settings: Array<{hierarchy: number; file: string; value: string}>
  /** The BPF device program (struct bpf_insn[]) for the container cgroup of the cgroup2 hierarchy `hierarchy`. */
  devices?: {hierarchy: number; program: Buffer}
}

/** Controllers enabled on v2 when available, for `info` stats and pids.current. */
const STATS_CONTROLLERS = ['cpu', 'io', 'memory', 'pids']

/**
 * Files no config may write: process placement and the freezer are the
 * monitor's, the tree layout too.
 */
const RESERVED_FILES = new Set([
  'cgroup.procs', 'cgroup.threads', 'cgroup.kill', 'cgroup.freeze', 'cgroup.subtree_control', 'cgroup.type',
  'cgroup.event_control', 'cgroup.clone_children', 'cgroup.sane_behavior', 'freezer.state',
])

/**
 * Checks a cgroup file name from lxc.cgroup[2].<file>: dot-separated words
 * of letters, digits, `_` and `-` (so never `/`, `..` or an empty part),
 * starting with the controller, and not one of the files ctr manages.
 * Returns the controller; throws CTR_CONFIG_INVALID naming file:line.
 */
export function validateCgroupFile(setting: CgroupSetting, version: 1 | 2): string {
  // JSON escapes keep control characters out of the one-line message.
  const key = JSON.stringify(`${version === 2 ? 'lxc.cgroup2' : 'lxc.cgroup'}.${setting.file}`).slice(1, -1)
  const where = formatLocation(setting.source)
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(setting.file)) {
    throw new CtrError('CTR_CONFIG_INVALID', `${where}: ${key}: ${JSON.stringify(setting.file)} is not a cgroup file name`, {
      hints: ['Cgroup keys name a file in the container\'s cgroup directory, e.g. lxc.cgroup2.memory.max; no "/" or ".."'],
      details: {file: setting.source.file, line: setting.source.line, key},
    })
  }
  if (RESERVED_FILES.has(setting.file)) {
    throw new CtrError('CTR_CONFIG_INVALID', `${where}: ${key}: ${setting.file} is managed by ctr and may not be set`, {
      hints: [setting.file === 'freezer.state' || setting.file === 'cgroup.freeze' ? 'Use ctr freeze and ctr unfreeze' : 'Remove the line'],
      details: {file: setting.source.file, line: setting.source.line, key},
    })
  }
  return setting.file.slice(0, setting.file.indexOf('.'))
}

/**
 * The cgroup part of the monitor spec for container `name` of `lxcpath`,
 * or undefined when no hierarchy is usable and the config asks for no
 * cgroup settings. Device rules that are skipped (see the top) are reported
 * in `warnings` as `file:line: key: ...`. Throws CTR_CONFIG_INVALID for a
 * bad key, rule or placement, CTR_CGROUP_UNAVAILABLE for a controller the
 * host lacks, CTR_NOT_SUPPORTED for device paths; each message names
 * file:line. Pure.
 */
export function planCgroup(config: ContainerConfig, name: string, layout: CgroupLayout | undefined, lxcpath: string, warnings: string[] = []): CgroupSpec | undefined {
  const placement = planPlacement(config, name, lxcpath)
  const settings = [...config.cgroup.v1, ...config.cgroup.v2]
  const bases = layout ? chooseBases(config, layout) : []
  if (bases.length === 0) {
    const first = settings[0]
    if (first) throw unavailable(first, first === config.cgroup.v1[0] ? 1 : 2, 'no cgroup hierarchy is mounted (or none is writable)')
    return undefined
  }
  const spec: CgroupSpec = {...placement, hierarchies: [], settings: []}
  const v2Index = bases.findIndex((b) => b.h.version === 2)
  const devices = planDevices(config, bases, v2Index, warnings)
  if (devices.program) spec.devices = devices.program
  for (const setting of sortV1(config.cgroup.v1)) {
    const controller = validateCgroupFile(setting, 1)
    if (controller === 'devices' && !devices.v1Written) continue
    const index = bases.findIndex((b) => b.h.version === 1 && b.h.controllers.includes(controller))
    if (index < 0) throw unavailable(setting, 1, controllerMissing(controller, 1, layout, v2Index >= 0 ? bases[v2Index]?.available : undefined))
    spec.settings.push({hierarchy: index, file: setting.file, value: setting.value})
  }
  const needed = new Set<string>()
  for (const setting of config.cgroup.v2) {
    const controller = validateCgroupFile(setting, 2)
    if (controller === 'devices') continue
    const base = bases[v2Index]
    if (!base || (controller !== 'cgroup' && !base.available.includes(controller))) {
      throw unavailable(setting, 2, controllerMissing(controller, 2, layout, base?.available))
    }
    if (controller !== 'cgroup') needed.add(controller)
    spec.settings.push({hierarchy: v2Index, file: setting.file, value: setting.value})
  }
  spec.hierarchies = bases.map((b) => ({
    version: b.h.version,
    id: b.h.id,
    baseDir: b.baseDir,
    basePath: b.basePath,
    selfDir: b.selfDir,
    enable: b.h.version === 2 ? b.available.filter((c) => needed.has(c) || STATS_CONTROLLERS.includes(c) || placement.inner !== undefined) : [],
  }))
  for (const h of spec.hierarchies) rejectControlCharacters([h.baseDir, h.basePath, h.selfDir])
  return spec
}

interface DevicePlan {
  /** The lxc.cgroup.devices.* rules go to the v1 devices controller as files. */
  v1Written: boolean
  program?: {hierarchy: number; program: Buffer}
}

const devicesOf = (settings: readonly CgroupSetting[], version: 1 | 2): CgroupSetting[] => settings.filter((s) => validateCgroupFile(s, version) === 'devices')

// Which device rules apply here, and how (see the top of this file).
function planDevices(config: ContainerConfig, bases: readonly Base[], v2Index: number, warnings: string[]): DevicePlan {
  const v1 = devicesOf(config.cgroup.v1, 1)
  const v2 = devicesOf(config.cgroup.v2, 2)
  for (const s of [...v1, ...v2]) {
    if (s.value.trimStart().startsWith('/')) {
      const key = `${config.cgroup.v1.includes(s) ? 'lxc.cgroup' : 'lxc.cgroup2'}.${s.file}`
      throw new CtrError('CTR_NOT_SUPPORTED', `${formatLocation(s.source)}: ${key}: device paths are not supported yet`, {
        hints: ['Give the rule as TYPE MAJOR:MINOR ACCESS, e.g. "c 1:3 rwm"'],
      })
    }
  }
  const skip = (settings: CgroupSetting[], version: 1 | 2, why: string): void => {
    for (const s of settings) warnings.push(`${formatLocation(s.source)}: ${version === 2 ? 'lxc.cgroup2' : 'lxc.cgroup'}.${s.file}: skipped: ${why}`)
  }
  const v1Controller = bases.some((b) => b.h.version === 1 && b.h.controllers.includes('devices'))
  if (v1Controller && v1.length > 0) {
    skip(v2, 2, 'the devices controller is cgroup v1 here, where the lxc.cgroup.devices rules apply (LXC ignores cgroup2 keys on such a host too)')
    return {v1Written: true}
  }
  const rules = v2.length > 0 ? v2 : v1
  if (rules.length === 0) return {v1Written: false}
  if (v2.length > 0) skip(v1, 1, 'this host has no cgroup v1 devices controller: the lxc.cgroup2.devices rules apply, as a BPF program (LXC ignores lxc.cgroup keys on such a host too)')
  if (v2Index < 0) {
    const first = rules[0] as CgroupSetting
    throw unavailable(first, v2.length > 0 ? 2 : 1, v2.length > 0 ? 'this host has no cgroup2 hierarchy mounted (use lxc.cgroup.devices.* keys)' : 'the devices controller is not mounted as a cgroup v1 hierarchy here')
  }
  const version = v2.length > 0 ? 2 : 1
  const parsed = rules.map((s) => {
    const key = `${version === 2 ? 'lxc.cgroup2' : 'lxc.cgroup'}.${s.file}`
    if (s.file !== 'devices.allow' && s.file !== 'devices.deny') {
      throw new CtrError('CTR_CONFIG_INVALID', `${formatLocation(s.source)}: ${key}: a device rule is devices.allow or devices.deny`, {hints: ['cgroup2 has no other device files; ctr builds a BPF program from these two']})
    }
    try {
      return parseDeviceRule(s.value, s.file === 'devices.allow')
    } catch (error) {
      if (!(error instanceof DeviceRuleError)) throw error
      throw new CtrError('CTR_CONFIG_INVALID', `${formatLocation(s.source)}: ${key}: Invalid device rule ${error.message}`, {
        hints: ['A rule is "a", or TYPE MAJOR:MINOR ACCESS: TYPE a, b or c; MAJOR and MINOR numbers or *; ACCESS some of r, w, m (e.g. "c 1:3 rwm")'],
      })
    }
  })
  return {v1Written: false, program: {hierarchy: v2Index, program: encodeInsns(devicesProgram(buildDeviceList(parsed)))}}
}

interface Base {
  h: CgroupHierarchy
  baseDir: string
  basePath: string
  selfDir: string
  available: readonly string[]
}

// Root containers go under pid 1's cgroup (LXC: "root spawned containers
// escape the current cgroup"); relative ones and other users' under ours.
function chooseBases(config: ContainerConfig, layout: CgroupLayout): Base[] {
  const underInit = layout.euid === 0 && !config.cgroup.relative
  const out: Base[] = []
  for (const h of layout.hierarchies) {
    if (layout.euid !== 0 && h.selfWritable === false) continue
    const fromInit = underInit && h.initPath !== undefined ? pruneInitScope(h.initPath) : undefined
    let basePath = fromInit ?? h.selfPath
    let baseDir = hierarchyDir(h.mountPoint, h.mountRoot, basePath)
    if (baseDir === undefined && fromInit !== undefined) {
      basePath = h.selfPath
      baseDir = hierarchyDir(h.mountPoint, h.mountRoot, basePath)
    }
    if (baseDir === undefined) continue
    const available = (basePath === h.selfPath ? h.available?.self : h.available?.init) ?? h.available?.self ?? []
    out.push({h, baseDir, basePath, selfDir: hierarchyDir(h.mountPoint, h.mountRoot, h.selfPath) ?? '', available})
  }
  return out
}

function planPlacement(config: ContainerConfig, name: string, lxcpath: string): Pick<CgroupSpec, 'limit' | 'inner' | 'monitor' | 'monitorPivot'> {
  const c = config.cgroup
  const at = (key: string): string => {
    const used = config.used.get(key)
    return used ? `${formatLocation(used)}: ` : ''
  }
  if ((c.dirContainer !== undefined || c.dirMonitor !== undefined || c.dirContainerInner !== undefined) && c.dir !== undefined) {
    throw new CtrError('CTR_CONFIG_INVALID', `${at('lxc.cgroup.dir')}lxc.cgroup.dir conflicts with lxc.cgroup.dir.container and lxc.cgroup.dir.monitor`, {
      hints: ['Use lxc.cgroup.dir alone, or lxc.cgroup.dir.container with lxc.cgroup.dir.monitor'],
    })
  }
  if ((c.dirContainer !== undefined || c.dirMonitor !== undefined || c.dirContainerInner !== undefined) && (c.dirContainer === undefined || c.dirMonitor === undefined)) {
    const key = c.dirContainer === undefined ? 'lxc.cgroup.dir.monitor' : 'lxc.cgroup.dir.container'
    throw new CtrError('CTR_CONFIG_INVALID', `${at(key) || at('lxc.cgroup.dir.container.inner')}lxc.cgroup.dir.container and lxc.cgroup.dir.monitor must both be set`, {
      hints: ['LXC requires both; give the monitor a cgroup of its own, e.g. lxc.cgroup.dir.monitor = ctr.monitor.NAME'],
    })
  }
  const leaf = `ctr.payload.${name}.${fnv1a64(`${lxcpath}/${name}`)}`
  const trim = (p: string): string => p.replace(/\/+/g, '/').replace(/^\/|\/$/g, '')
  const out: Pick<CgroupSpec, 'limit' | 'inner' | 'monitor' | 'monitorPivot'> = {limit: leaf}
  if (c.dirContainer !== undefined && c.dirMonitor !== undefined) {
    out.limit = trim(c.dirContainer)
    out.monitor = trim(c.dirMonitor)
    if (c.dirContainerInner !== undefined) out.inner = c.dirContainerInner
    if (out.limit === '' || out.monitor === '' || out.limit === out.monitor || out.monitor.startsWith(`${out.limit}/`) || out.limit.startsWith(`${out.monitor}/`)) {
      throw new CtrError('CTR_CONFIG_INVALID', `${at('lxc.cgroup.dir.container')}lxc.cgroup.dir.container and lxc.cgroup.dir.monitor must be two separate, non-empty cgroups`, {
        hints: ['Neither may contain the other: the monitor must stay out of the container\'s cgroup'],
      })
    }
  } else if (c.dir !== undefined && trim(c.dir) !== '') {
    out.limit = `${trim(c.dir)}/${leaf}`
  }
  if (c.dirMonitorPivot !== undefined && out.monitor !== undefined) out.monitorPivot = trim(c.dirMonitorPivot)
  rejectControlCharacters([out.limit, out.inner ?? '', out.monitor ?? '', out.monitorPivot ?? ''])
  return out
}

// The run dir record is tab-separated and line-based.
function rejectControlCharacters(paths: string[]): void {
  for (const p of paths) {
    if (/[\t\n\r]/.test(p)) throw new CtrError('CTR_CONFIG_INVALID', `The cgroup path ${JSON.stringify(p)} contains a tab or a newline`)
  }
}

// LXC's sort_cgroup_settings: memsw limits go after memory limits, since
// the kernel refuses a memsw limit below the memory limit.
function sortV1(settings: CgroupSetting[]): CgroupSetting[] {
  const memsw = settings.filter((s) => s.file === 'memory.memsw.limit_in_bytes')
  return [...settings.filter((s) => s.file !== 'memory.memsw.limit_in_bytes'), ...memsw]
}

function unavailable(setting: CgroupSetting, version: 1 | 2, why: string): CtrError {
  const key = `${version === 2 ? 'lxc.cgroup2' : 'lxc.cgroup'}.${setting.file}`
  return new CtrError('CTR_CGROUP_UNAVAILABLE', `${formatLocation(setting.source)}: ${key}: ${why}`, {
    hints: ['ctr refuses to start rather than run the container without this limit; remove or change the line'],
    details: {file: setting.source.file, line: setting.source.line, key},
  })
}

function controllerMissing(controller: string, version: 1 | 2, layout: CgroupLayout | undefined, v2Available: readonly string[] | undefined): string {
  const onV1 = layout?.hierarchies.some((h) => h.version === 1 && h.controllers.includes(controller)) ?? false
  const onV2 = v2Available?.includes(controller) ?? false
  if (version === 1) {
    if (onV2) return `the ${controller} controller is on cgroup v2 here: use lxc.cgroup2.* keys`
    return layout?.kind === 'v2' ? 'this host has no cgroup v1 hierarchies (use lxc.cgroup2.* keys)' : `the ${controller} controller is not mounted as a cgroup v1 hierarchy here`
  }
  if (!layout?.hierarchies.some((h) => h.version === 2)) return 'this host has no cgroup2 hierarchy mounted (use lxc.cgroup.* keys)'
  if (onV1) return `the ${controller} controller is bound to cgroup v1 here, not to cgroup2: use lxc.cgroup.* keys`
  return `the ${controller} controller is not available in the cgroup2 hierarchy here (cgroup.controllers: ${v2Available?.join(' ') || 'none'})`
}

