// The typed container config, built by applying entries in order exactly as
// LXC's setters do (confile.c of LXC 5.0/6.0; docs/lxc-contract.md §8.1 rules 8 and 9).
//
// Order matters: scalars take the last value, lists append, an empty value
// clears (with LXC's exceptions: `lxc.mount.fstab =` and `lxc.arch =` are
// errors, `lxc.autodev =` means 0, `lxc.monitor.signal.pdeath =` means 0),
// `lxc.net.N.type` wipes the NIC, `veth.*` needs type veth first, `lxc.cap.keep`
// and `lxc.cap.drop` exclude each other, so do `lxc.namespace.clone` and
// `lxc.namespace.keep`. Legacy LXC 1.x/2.x names are applied as their modern
// key with a warning (LXC 3.0 and later refuse them).
//
// The builder is pure: includes are delegated to a callback (sys/config-loader.ts
// reads the files) and the caller's environment is a parameter.
//
// Where LXC's parser does I/O or keeps inconsistent state we do not copy it:
// `hwaddr` templates stay as written (completeHwaddr fills them at start),
// a phys `link` ending in `+` stays a pattern, `lxc.log.file` is not opened,
// `idmap=<path>` is not opened; a gateway takes the last value (LXC keeps
// stale auto/dev flags, so `dev` then an address still means `dev`);
// `keyringSession` has the documented meaning (LXC stores `lxc.keyring.session`
// in its "disable" flag, inverting it).

import {CtrError} from '../errors.js'
import {
  HOOK_TYPES,
  NAMESPACES,
  isKnownRlimit,
  RLIMIT_RESOURCES,
  matchRootfsType,
  netKeyInfo,
  parseBool01,
  parseBridgeVlanId,
  parseCapability,
  parseCgroupDir,
  parseCgroupInnerDir,
  parseConsoleSize,
  parseEnvironment,
  parseGateway,
  parseId,
  parseIdmap,
  parseIfname,
  parseInitGroups,
  parseInt32,
  parseIpv4Address,
  parseIpv6Address,
  parseIpvlanIsolation,
  parseIpvlanMode,
  parseLogLevel,
  parseMacvlanMode,
  parseMountAuto,
  parseNamespaceList,
  parseNetType,
  parseNotifyProxy,
  parsePath,
  parsePersonality,
  parsePrlimit,
  parseQueueCount,
  parseRootfsOptions,
  parseRootfsPath,
  parseRoute,
  parseSignalValue,
  parseStartValue,
  parseSyslogFacility,
  parseTimeOffset,
  parseTtyDir,
  parseUint,
  parseUtsName,
  parseVethMode,
  parseVlanId,
  resolveKey,
  splitBlanks,
  splitCommand,
  splitMountOptions,
  suggestKey,
  DEFAULT_CAP_LAST_CAP,
} from './keys.js'
import type {
  CapEntry,
  Gateway,
  HookType,
  IdMap,
  Ipv4Address,
  Ipv6Address,
  IpvlanIsolation,
  IpvlanMode,
  KeyRef,
  LogLevel,
  MacvlanMode,
  Namespace,
  NetType,
  RlimitValue,
  RootfsStorage,
  TimeOffset,
  VethMode,
} from './keys.js'
import {configError, formatLocation, isCSpace} from './lexer.js'
import type {ConfigEntry, ConfigWarning, SourceLocation} from './lexer.js'

// ---------------------------------------------------------------------------
// The shape

/** An address with a prefix length (veth routes). */
export interface IpPrefix {
  readonly address: string
  readonly prefix: number
}

/** One `lxc.net.<N>` NIC. */
export interface NetConfig {
  readonly index: number
  /** undefined after `lxc.net.N.type =`: LXC keeps the NIC with no valid type. */
  type: NetType | undefined
  /** Created by a sub-key before any type line; LXC then treats it as type empty. */
  implicit: boolean
  link: string | undefined
  /** `lxc.net.N.flags`: any non-empty value means up. */
  up: boolean
  name: string | undefined
  /** As written; each x/X is replaced by a random hex digit at start (completeHwaddr). */
  hwaddr: string | undefined
  /** As written; LXC checks it only at start. */
  mtu: string | undefined
  l2proxy: boolean
  ipv4: {addresses: Ipv4Address[]; gateway: Gateway | undefined}
  ipv6: {addresses: Ipv6Address[]; gateway: Gateway | undefined}
  script: {up: string | undefined; down: string | undefined}
  veth: {
    pair: string | undefined
    /** undefined after `veth.mode =` (LXC prints "(invalid)"). */
    mode: VethMode | undefined
    ipv4Routes: IpPrefix[]
    ipv6Routes: IpPrefix[]
    vlanId: number | 'none' | undefined
    vlanTaggedIds: number[]
    rxQueues: number | undefined
    txQueues: number | undefined
  }
  macvlan: {mode: MacvlanMode | undefined}
  /** LXC's effective default mode is l2 (its l3 default never applies: the cleared value 0 is L2). */
  ipvlan: {mode: IpvlanMode | undefined; isolation: IpvlanIsolation | undefined}
  vlan: {id: number}
  /** The line that created the NIC or last set its type. */
  source: SourceLocation
}

/** One `lxc.mount.entry` (or fstab line), parsed like glibc's getmntent. */
export interface MountEntry extends SourceLocation {
  readonly raw: string
  readonly source: string
  readonly target: string
  readonly fstype: string
  /** The options field as written (after \040-style unescaping). */
  readonly optionsRaw: string
  /** The options without LXC's own ones. */
  readonly options: string[]
  readonly optional: boolean
  readonly createDir: boolean
  readonly createFile: boolean
  readonly relative: boolean
  readonly idmap: string | undefined
  readonly dump: number
  readonly pass: number
}

export type RootfsType = RootfsStorage | 'detected'

export interface RootfsConfig {
  /** The last `lxc.rootfs.path` value as written. */
  raw: string | undefined
  /** The storage: from the `type:` prefix, else detected from the path at start. */
  type: RootfsType
  /** The `type:` prefix as written; LXC keeps it when a later path has no prefix. */
  typePrefix: string | undefined
  /** The path part (what lxc-info prints), simplified like every LXC path. */
  path: string | undefined
  /** overlay: lower layer(s) then the upper dir (split at ":/"); nbd: file and optional partition; else [path]. */
  parts: string[]
  mount: string | undefined
  options: {raw: string; options: string[]; idmap: string | undefined} | undefined
  managed: boolean
}

export interface MountAuto {
  proc: 'mixed' | 'rw' | undefined
  sys: 'mixed' | 'ro' | 'rw' | undefined
  /** cgroup and cgroup2 are one family in LXC: the later token replaces the other. */
  cgroup: {mode: 'mixed' | 'ro' | 'rw' | undefined; full: boolean; force: boolean} | undefined
  cgroup2: {ro: boolean; force: true} | undefined
  shmounts: {host: string; container: string} | undefined
}

export interface CgroupSetting {
  readonly controller: string
  /** The cgroup file, e.g. `memory.max` (the key without `lxc.cgroup2.`). */
  readonly file: string
  readonly value: string
  readonly source: SourceLocation
}

export interface Prlimit {
  readonly resource: string
  readonly soft: RlimitValue
  readonly hard: RlimitValue
}

export interface NamedValue {
  readonly name: string
  readonly value: string
}

/** An applied entry; `canonical` is the modern key (a legacy alias is rewritten). */
export interface ConfigRecord extends ConfigEntry {
  readonly canonical: string
}

/** A key that currently has an explicitly set (non-empty, not since cleared) value. */
export interface UsedKey extends SourceLocation {
  /** The modern key, e.g. `lxc.net.0.link`, `lxc.cgroup2.memory.max`. */
  readonly key: string
  /** Its generic form: `lxc.net.N.link`, `lxc.cgroup2.*`, or the key itself. */
  readonly pattern: string
  /** The key as written (the legacy name when an alias was used). */
  readonly written: string
  readonly group: string
}

export interface ContainerConfig {
  /** Every applied entry in order, includes expanded (include lines themselves included). */
  readonly entries: ConfigRecord[]
  /** Explicitly set keys by modern key, for refusing unimplemented ones (see isSet/usedKeys). */
  readonly used: Map<string, UsedKey>
  utsName: string | undefined
  arch: {name: string; personality: 'linux32' | 'linux64'} | undefined
  rootfs: RootfsConfig
  mountAuto: MountAuto
  mountEntries: MountEntry[]
  /** The lxc.mount.entry values verbatim (what LXC stores and prints). */
  mountEntriesRaw: string[]
  mountFstab: string | undefined
  initCmd: {raw: string; argv: string[]} | undefined
  executeCmd: {raw: string; argv: string[]} | undefined
  initCwd: string | undefined
  initUid: number
  initGid: number
  initGroups: number[]
  environment: Array<[string, string]>
  /** LXC 7.0: init only. */
  environmentRuntime: Array<[string, string]>
  /** LXC 7.0: hooks only. */
  environmentHooks: Array<[string, string]>
  namespaces: {clone: Namespace[] | undefined; keep: Namespace[] | undefined; share: Partial<Record<Namespace, string>>}
  idmaps: IdMap[]
  /** Sorted by index. */
  nets: NetConfig[]
  /** undefined = LXC's default (halt: SIGPWR or SIGRTMIN+3 for systemd, reboot: SIGINT, stop: SIGKILL). */
  signals: {halt: number | undefined; reboot: number | undefined; stop: number | undefined}
  /** Signal init gets when the monitor dies; 0 = none. Default SIGKILL. */
  monitorSignalPdeath: number
  log: {file: string | undefined; level: LogLevel | undefined; syslog: string | undefined}
  console: {path: string | undefined; logfile: string | undefined; size: number; bufferSize: number; rotate: boolean}
  tty: {max: number; dir: string | undefined}
  ptyMax: number
  autodev: boolean
  /** undefined = not configured (LXC then uses 500000). */
  autodevTmpfsSize: number | undefined
  apparmor: {profile: string | undefined; allowIncomplete: boolean; allowNesting: boolean; raw: string[]}
  selinux: {context: string | undefined; keyring: string | undefined}
  seccomp: {profile: string | undefined; allowNesting: boolean; notifyProxy: string | undefined; notifyCookie: string | undefined}
  /** keep undefined = drop mode; keep [] = keep nothing (`lxc.cap.keep = none`). */
  caps: {drop: CapEntry[]; keep: CapEntry[] | undefined}
  hooks: Record<HookType, string[]>
  hookVersion: 0 | 1
  cgroup: {
    v1: CgroupSetting[]
    v2: CgroupSetting[]
    dir: string | undefined
    dirContainer: string | undefined
    dirMonitor: string | undefined
    dirContainerInner: string | undefined
    dirMonitorPivot: string | undefined
    relative: boolean
  }
  prlimits: Prlimit[]
  /** The same name replaces its value in place. */
  sysctls: NamedValue[]
  procs: NamedValue[]
  noNewPrivs: boolean
  ephemeral: boolean
  /** LXC stores the number; non-zero unshares the monitor's mount namespace. */
  monitorUnshare: number
  /** Documented semantics: true (default) creates a new session keyring, `= 0` inherits. */
  keyringSession: boolean
  schedCore: boolean
  timeOffsets: {boot: TimeOffset | undefined; monotonic: TimeOffset | undefined}
  start: {auto: boolean; delay: number; order: number}
  groups: string[]
}

export const DEFAULT_AUTODEV_TMPFS_SIZE = 500000
export const DEFAULT_MONITOR_SIGNAL_PDEATH = 9

/** A config with LXC's defaults and nothing set (lxc_conf_init). Pure. */
export function createDefaultConfig(): ContainerConfig {
  const hooks = Object.create(null) as Record<HookType, string[]>
  for (const type of HOOK_TYPES) hooks[type] = []
  return {
    entries: [],
    used: new Map(),
    utsName: undefined,
    arch: undefined,
    rootfs: {raw: undefined, type: 'detected', typePrefix: undefined, path: undefined, parts: [], mount: undefined, options: undefined, managed: true},
    mountAuto: emptyMountAuto(),
    mountEntries: [],
    mountEntriesRaw: [],
    mountFstab: undefined,
    initCmd: undefined,
    executeCmd: undefined,
    initCwd: undefined,
    initUid: 0,
    initGid: 0,
    initGroups: [],
    environment: [],
    environmentRuntime: [],
    environmentHooks: [],
    namespaces: {clone: undefined, keep: undefined, share: Object.create(null) as Partial<Record<Namespace, string>>},
    idmaps: [],
    nets: [],
    signals: {halt: undefined, reboot: undefined, stop: undefined},
    monitorSignalPdeath: DEFAULT_MONITOR_SIGNAL_PDEATH,
    log: {file: undefined, level: undefined, syslog: undefined},
    console: {path: undefined, logfile: undefined, size: 0, bufferSize: 0, rotate: false},
    tty: {max: 0, dir: undefined},
    ptyMax: 0,
    autodev: true,
    autodevTmpfsSize: undefined,
    apparmor: {profile: undefined, allowIncomplete: false, allowNesting: false, raw: []},
    selinux: {context: undefined, keyring: undefined},
    seccomp: {profile: undefined, allowNesting: false, notifyProxy: undefined, notifyCookie: undefined},
    caps: {drop: [], keep: undefined},
    hooks,
    hookVersion: 0,
    cgroup: {v1: [], v2: [], dir: undefined, dirContainer: undefined, dirMonitor: undefined, dirContainerInner: undefined, dirMonitorPivot: undefined, relative: false},
    prlimits: [],
    sysctls: [],
    procs: [],
    noNewPrivs: false,
    ephemeral: false,
    monitorUnshare: 0,
    keyringSession: true,
    schedCore: false,
    timeOffsets: {boot: undefined, monotonic: undefined},
    start: {auto: false, delay: 0, order: 0},
    groups: [],
  }
}

function emptyMountAuto(): MountAuto {
  return {proc: undefined, sys: undefined, cgroup: undefined, cgroup2: undefined, shmounts: undefined}
}

// ---------------------------------------------------------------------------
// Building

export interface BuildOptions {
  /** The caller's environment, for `lxc.environment = NAME` (default: empty). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** The kernel's last capability (/proc/sys/kernel/cap_last_cap); default 40. */
  readonly capLastCap?: number
  /**
   * Called for a non-empty `lxc.include` entry, at its place in the order;
   * it is expected to apply the included entries through the same builder.
   * Without it an include is an error.
   */
  readonly include?: (entry: ConfigEntry, builder: ConfigBuilder) => void
}

export interface ConfigBuilder {
  /** Applies one entry; throws a located CtrError (CTR_CONFIG_*) when LXC would refuse it. */
  apply(entry: ConfigEntry): void
  readonly config: ContainerConfig
  readonly warnings: ConfigWarning[]
}

export interface BuildResult {
  readonly config: ContainerConfig
  readonly warnings: ConfigWarning[]
}

/**
 * Applies entries in order to a default config. Returns the config and the
 * warnings; throws the first error. Pure (see BuildOptions.include).
 */
export function buildContainerConfig(entries: Iterable<ConfigEntry>, options: BuildOptions = {}): BuildResult {
  const builder = createConfigBuilder(options)
  for (const entry of entries) builder.apply(entry)
  return {config: builder.config, warnings: builder.warnings}
}

/** An incremental builder, for the loader (includes are applied where they occur). */
export function createConfigBuilder(options: BuildOptions = {}): ConfigBuilder {
  const state = new BuilderState(options)
  const builder: ConfigBuilder = {
    apply: (entry) => state.apply(entry, builder),
    config: state.config,
    warnings: state.warnings,
  }
  return builder
}

interface NicState extends NetConfig {
  /** Keys set on this NIC since its type, for the "type wipes" warning. */
  setKeys: Map<string, SourceLocation>
}

class BuilderState {
  readonly config = createDefaultConfig()
  readonly warnings: ConfigWarning[] = []
  private readonly nics = new Map<number, NicState>()
  private readonly sysctlIndex = new Map<string, number>()
  private sysctlIndexOf: unknown = undefined
  private legacyNic: number | undefined
  readonly env: Readonly<Record<string, string | undefined>>
  private readonly capLastCap: number

  constructor(private readonly options: BuildOptions) {
    this.env = options.env ?? {}
    this.capLastCap = options.capLastCap ?? DEFAULT_CAP_LAST_CAP
  }

  apply(entry: ConfigEntry, builder: ConfigBuilder): void {
    const resolved = resolveKey(entry.key)
    if (resolved === undefined) throw unsupportedKey(entry)
    let canonical = resolved.legacy?.to ?? entry.key
    if (resolved.ref.type === 'legacy-net') canonical = this.legacyNetCanonical(entry, resolved.ref.sub)
    else if (resolved.ref.type === 'net') canonical = `lxc.net.${resolved.ref.index}.${resolved.ref.sub}`
    if (resolved.legacy !== undefined) {
      this.warn(entry, 'CTR_CONFIG_LEGACY', `Legacy key "${entry.key}" read as "${canonical}" (LXC 3.0 and later refuse it)`)
    }
    this.config.entries.push({...entry, canonical})
    try {
      this.applyRef(resolved.ref, entry, canonical, builder)
    } catch (error) {
      throw locate(error, entry)
    }
  }

  warn(loc: SourceLocation, code: string, message: string): void {
    this.warnings.push({file: loc.file, line: loc.line, code, message})
  }

  // -- bookkeeping for isSet/usedKeys

  private markUsed(entry: ConfigEntry, key: string, pattern: string, group: string): void {
    this.config.used.set(key, {key, pattern, group, written: entry.key, file: entry.file, line: entry.line})
  }

  private unmark(key: string): void {
    this.config.used.delete(key)
  }

  private unmarkGroup(group: string): void {
    for (const [key, used] of this.config.used) if (used.group === group) this.config.used.delete(key)
  }

  private track(entry: ConfigEntry, key: string, empty: boolean, pattern = key, group = key): void {
    if (empty) this.unmark(key)
    else this.markUsed(entry, key, pattern, group)
  }

  // -- dispatch

  private applyRef(ref: KeyRef, entry: ConfigEntry, canonical: string, builder: ConfigBuilder): void {
    const empty = entry.value === ''
    switch (ref.type) {
      case 'exact':
        this.applyExact(ref.name, entry, builder)
        return
      case 'net':
        this.applyNet(ref.index, ref.sub, entry)
        return
      case 'legacy-net':
        this.applyLegacyNet(ref.sub, entry, canonical)
        return
      case 'net-nic':
        if (!empty || ref.index === undefined) throw unsupportedKey(entry)
        this.removeNic(ref.index)
        return
      case 'net-invalid':
        throw unsupportedKey(entry, [ref.reason])
      case 'cgroup':
        this.applyCgroup(ref.version, ref.subsystem, entry)
        return
      case 'cgroup-all':
        if (!empty) throw unsupportedKey(entry)
        if (ref.version === 2) this.config.cgroup.v2 = []
        else this.config.cgroup.v1 = []
        this.unmarkGroup(`cgroup${ref.version}`)
        return
      case 'cgroup-invalid':
      case 'family-invalid':
        throw unsupportedKey(entry)
      case 'share':
        this.applyShare(ref.namespace, entry)
        return
      case 'prlimit':
        this.applyPrlimit(ref.resource, entry)
        return
      case 'sysctl':
        this.applyKeyedValue('sysctl', ref.name, entry)
        return
      case 'proc':
        this.applyKeyedValue('proc', ref.name, entry)
        return
      case 'prlimit-all':
      case 'sysctl-all':
      case 'proc-all':
        if (!empty) throw unsupportedKey(entry)
        this.clearFamily(ref.type)
        return
      case 'legacy-ignored':
        this.warn(entry, 'CTR_CONFIG_LEGACY', `Legacy key "${entry.key}" ignored (LXC 2.x ignored it too; LXC 3.0 and later refuse it)`)
        return
      case 'legacy-backend':
        this.applyLegacyBackend(entry)
        return
    }
  }

  private clearFamily(type: 'prlimit-all' | 'sysctl-all' | 'proc-all'): void {
    if (type === 'prlimit-all') this.config.prlimits = []
    else if (type === 'sysctl-all') this.config.sysctls = []
    else this.config.procs = []
    this.unmarkGroup(type.slice(0, -4))
  }

  // -- exact keys

  private applyExact(name: string, entry: ConfigEntry, builder: ConfigBuilder): void {
    const v = entry.value
    const empty = v === ''
    const c = this.config
    if (name.startsWith('lxc.hook.') && name !== 'lxc.hook.version') {
      const type = name.slice('lxc.hook.'.length) as HookType
      if (empty) c.hooks[type] = []
      else c.hooks[type].push(v)
      this.track(entry, name, empty, name, 'hook')
      return
    }
    const handled = this.applySimple(name, entry) || this.applySpecial(name, entry, builder)
    if (!handled) throw new CtrError('CTR_INTERNAL', `No handler for config key ${name}`)
  }

  // Scalars (last value wins) and lists (lines append); an empty value does
  // what LXC's setter does with it, which is not always the default.
  private applySimple(name: string, entry: ConfigEntry): boolean {
    const setter = SIMPLE_SETTERS.get(name)
    if (setter === undefined) return false
    setter(this.config, entry.value, this, entry)
    this.track(entry, name, entry.value === '')
    return true
  }

  // The keys whose setter needs more than a value: the mutually exclusive
  // ones, the clear-only ones and includes.
  private applySpecial(name: string, entry: ConfigEntry, builder: ConfigBuilder): boolean {
    const v = entry.value
    const empty = v === ''
    if (name === 'lxc.cap.drop' || name === 'lxc.cap.keep') {
      this.applyCaps(entry, name === 'lxc.cap.keep')
    } else if (name === 'lxc.include') {
      this.applyInclude(entry, builder)
    } else if (name === 'lxc.hook') {
      if (!empty) throw new CtrError('CTR_CONFIG_VALUE', 'lxc.hook must not have a value (an empty value clears every hook)', {hints: ['Use lxc.hook.<type>, e.g. lxc.hook.pre-start']})
      for (const type of HOOK_TYPES) this.config.hooks[type] = []
      this.unmarkGroup('hook')
    } else if (name === 'lxc.net') {
      if (!empty) throw new CtrError('CTR_CONFIG_VALUE', 'lxc.net must not have a value (an empty value removes every network)', {hints: ['Use lxc.net.<N>.<subkey>, e.g. lxc.net.0.type = veth']})
      this.removeAllNics()
    } else if (name === 'lxc.namespace.clone' || name === 'lxc.namespace.keep') {
      this.applyNamespaceList(entry, name === 'lxc.namespace.clone' ? 'clone' : 'keep')
      this.track(entry, name, empty)
    } else {
      return false
    }
    return true
  }

  signal(entry: ConfigEntry): number {
    const n = parseSignalValue(entry.value)
    if (n > 64) this.warn(entry, 'CTR_CONFIG_SIGNAL', `Signal ${n} does not exist on Linux; LXC accepts it, but sending it will fail`)
    return n
  }

  // LXC stores 0 for an empty value and treats 0 as "use the default signal".
  optionalSignal(entry: ConfigEntry): number | undefined {
    if (entry.value === '') return undefined
    const n = this.signal(entry)
    return n === 0 ? undefined : n
  }

  setTmpfsSize(entry: ConfigEntry): void {
    if (entry.value === '') {
      this.config.autodevTmpfsSize = DEFAULT_AUTODEV_TMPFS_SIZE
      return
    }
    try {
      this.config.autodevTmpfsSize = parseInt32(entry.value)
    } catch {
      // LXC silently falls back to its default here.
      this.config.autodevTmpfsSize = DEFAULT_AUTODEV_TMPFS_SIZE
      this.warn(entry, 'CTR_CONFIG_VALUE', `Invalid lxc.autodev.tmpfs.size "${entry.value}": using ${DEFAULT_AUTODEV_TMPFS_SIZE}, as LXC does`)
    }
  }

  private applyInclude(entry: ConfigEntry, builder: ConfigBuilder): void {
    if (entry.value === '') return
    if (this.options.include === undefined) {
      throw new CtrError('CTR_CONFIG_INCLUDE', `lxc.include needs the config loader (cannot include "${entry.value}" here)`)
    }
    this.options.include(entry, builder)
  }

  // -- rootfs

  setRootfsPath(entry: ConfigEntry): void {
    const r = this.config.rootfs
    if (entry.value === '') {
      r.raw = undefined
      r.path = undefined
      r.parts = []
      this.refreshRootfsType(entry)
      return
    }
    const {prefix, path} = parseRootfsPath(entry.value)
    if (prefix === undefined && r.typePrefix !== undefined) {
      this.warn(entry, 'CTR_CONFIG_ROOTFS', `lxc.rootfs.path has no storage type: the type "${r.typePrefix}" set earlier still applies, as in LXC`)
    }
    if (prefix !== undefined) r.typePrefix = prefix
    r.raw = entry.value
    r.path = path
    this.refreshRootfsType(entry)
  }

  private applyLegacyBackend(entry: ConfigEntry): void {
    this.warn(entry, 'CTR_CONFIG_LEGACY', `Legacy key "${entry.key}" read as the storage type of lxc.rootfs.path (LXC 3.0 and later refuse it)`)
    this.config.rootfs.typePrefix = entry.value === '' ? undefined : entry.value
    this.refreshRootfsType(entry)
    this.track(entry, 'lxc.rootfs.backend', entry.value === '')
  }

  private refreshRootfsType(entry: ConfigEntry): void {
    const r = this.config.rootfs
    const matched = r.typePrefix === undefined ? undefined : matchRootfsType(r.typePrefix)
    if (r.typePrefix !== undefined && matched === undefined && r.path !== undefined) {
      this.warn(entry, 'CTR_CONFIG_ROOTFS', `Unknown storage type "${r.typePrefix}" in lxc.rootfs.path: the type will be detected from the path, as in LXC`)
    }
    r.type = matched ?? 'detected'
    r.parts = r.path === undefined ? [] : rootfsParts(r.type, r.path)
  }

  // -- caps, namespaces, mounts

  private applyCaps(entry: ConfigEntry, keep: boolean): void {
    const c = this.config
    const name = keep ? 'lxc.cap.keep' : 'lxc.cap.drop'
    if (entry.value === '') {
      c.caps = {drop: [], keep: undefined}
      this.unmarkGroup('caps')
      return
    }
    const keeping = c.caps.keep !== undefined
    if ((keep && !keeping && c.caps.drop.length > 0) || (!keep && keeping)) {
      throw new CtrError('CTR_CONFIG_VALUE', 'Keeping and dropping capabilities are mutually exclusive', {
        hints: ['Use either lxc.cap.drop or lxc.cap.keep (an empty "lxc.cap.drop =" clears both)'],
      })
    }
    // In place, like every list here: linear in the number of lines.
    const list = keep ? (c.caps.keep ?? []) : c.caps.drop
    for (const token of splitBlanks(entry.value)) {
      if (token === 'none') {
        if (!keep) throw new CtrError('CTR_CONFIG_VALUE', 'The "none" keyword is only valid in lxc.cap.keep')
        list.length = 0
        continue
      }
      list.push(parseCapability(token, this.capLastCap))
    }
    c.caps = keep ? {drop: [], keep: list} : {drop: list, keep: undefined}
    this.markUsed(entry, name, name, 'caps')
  }

  private applyNamespaceList(entry: ConfigEntry, which: 'clone' | 'keep'): void {
    const ns = this.config.namespaces
    if (entry.value === '') {
      ns[which] = undefined
      return
    }
    const other = which === 'clone' ? ns.keep : ns.clone
    if (other !== undefined && other.length > 0) {
      throw new CtrError('CTR_CONFIG_VALUE', 'Cannot set both "lxc.namespace.clone" and "lxc.namespace.keep"')
    }
    const set = new Set([...(ns[which] ?? []), ...parseNamespaceList(entry.value)])
    // LXC keeps a flag mask: a value with no names leaves it unset.
    ns[which] = set.size === 0 ? undefined : NAMESPACES.filter((name) => set.has(name))
  }

  private applyShare(namespace: string, entry: ConfigEntry): void {
    const ns = NAMESPACES.find((n) => n === namespace)
    // lxc_namespace_2_ns_idx compares exactly: `NET` and `mount` are refused.
    if (ns === undefined) throw unsupportedKey(entry)
    if (entry.value === '') delete this.config.namespaces.share[ns]
    else this.config.namespaces.share[ns] = entry.value
    this.track(entry, `lxc.namespace.share.${ns}`, entry.value === '', 'lxc.namespace.share.*', 'share')
  }

  applyMountAuto(entry: ConfigEntry): void {
    const m = this.config.mountAuto
    if (entry.value === '') {
      this.config.mountAuto = emptyMountAuto()
      return
    }
    for (const token of parseMountAuto(entry.value)) {
      switch (token.family) {
        case 'proc':
          m.proc = token.mode
          break
        case 'sys':
          m.sys = token.mode
          break
        case 'cgroup':
          m.cgroup2 = undefined
          m.cgroup = {mode: token.mode, full: token.full, force: token.force}
          break
        case 'cgroup2':
          m.cgroup = undefined
          m.cgroup2 = {ro: token.ro, force: true}
          break
        case 'shmounts':
          if (token.host !== undefined) m.shmounts = {host: token.host, container: token.container}
          else if (m.shmounts === undefined) {
            m.shmounts = {host: '', container: token.container}
            this.warn(entry, 'CTR_CONFIG_MOUNT', '"shmounts:" without a host path: LXC accepts it, but there is nothing to share')
          }
          break
      }
    }
  }

  applyMountEntry(entry: ConfigEntry): void {
    const c = this.config
    if (entry.value === '') {
      c.mountEntries = []
      c.mountEntriesRaw = []
      return
    }
    c.mountEntriesRaw.push(entry.value)
    const parsed = parseMountEntry(entry.value, entry)
    if (parsed === undefined) {
      this.warn(entry, 'CTR_CONFIG_MOUNT', 'lxc.mount.entry starting with "#" is ignored (getmntent reads it as a comment)')
      return
    }
    c.mountEntries.push(parsed)
  }

  // -- cgroup, prlimit, sysctl, proc

  private applyCgroup(version: 1 | 2, subsystem: string, entry: ConfigEntry): void {
    const list = version === 2 ? 'v2' : 'v1'
    const root = version === 2 ? 'lxc.cgroup2' : 'lxc.cgroup'
    const key = `${root}.${subsystem}`
    if (entry.value === '') {
      this.config.cgroup[list] = this.config.cgroup[list].filter((s) => s.file !== subsystem)
      this.unmark(key)
      return
    }
    if (subsystem === '') throw unsupportedKey(entry)
    const dot = subsystem.indexOf('.')
    const controller = dot === -1 ? subsystem : subsystem.slice(0, dot)
    this.config.cgroup[list].push({controller, file: subsystem, value: entry.value, source: {file: entry.file, line: entry.line}})
    this.markUsed(entry, key, `${root}.*`, `cgroup${version}`)
  }

  private applyPrlimit(resource: string, entry: ConfigEntry): void {
    const key = `lxc.prlimit.${resource}`
    if (entry.value === '') {
      this.config.prlimits = this.config.prlimits.filter((p) => p.resource !== resource)
      this.unmark(key)
      return
    }
    const {soft, hard} = parsePrlimit(entry.value)
    // LXC accepts it here and fails only at start: refuse it where it is written.
    if (!isKnownRlimit(resource)) {
      throw configError('CTR_CONFIG_PRLIMIT', entry, `Unknown resource "${resource}" in ${entry.key}`, [
        `Resources are setrlimit(2)'s, lower case without RLIMIT_: ${RLIMIT_RESOURCES.join(', ')}`,
      ], {key: entry.key, value: entry.value})
    }
    const limit = {resource, soft, hard}
    const at = this.config.prlimits.findIndex((p) => p.resource === resource)
    if (at === -1) this.config.prlimits.push(limit)
    else this.config.prlimits[at] = limit
    this.markUsed(entry, key, 'lxc.prlimit.*', 'prlimit')
  }

  // Where sysctl `name` is in config.sysctls (an index rebuilt when the list changed under it).
  private sysctlAt(name: string): number | undefined {
    const list = this.config.sysctls
    if (this.sysctlIndexOf !== list || this.sysctlIndex.size !== list.length) {
      this.sysctlIndex.clear()
      list.forEach((s, i) => this.sysctlIndex.set(s.name, i))
      this.sysctlIndexOf = list
    }
    const at = this.sysctlIndex.get(name)
    if (at === undefined) this.sysctlIndex.set(name, list.length)
    return at
  }

  private applyKeyedValue(family: 'sysctl' | 'proc', name: string, entry: ConfigEntry): void {
    const key = `lxc.${family}.${name}`
    const list = family === 'sysctl' ? this.config.sysctls : this.config.procs
    if (entry.value === '') {
      const kept = list.filter((s) => s.name !== name)
      if (family === 'sysctl') this.config.sysctls = kept
      else this.config.procs = kept
      this.unmark(key)
      return
    }
    if (name === '') throw unsupportedKey(entry)
    // lxc.sysctl.X replaces its earlier value in place; lxc.proc.X appends.
    // The index keeps 100k distinct sysctls linear.
    const at = family === 'sysctl' ? this.sysctlAt(name) : undefined
    if (at !== undefined) list[at] = {name, value: entry.value}
    else list.push({name, value: entry.value})
    this.markUsed(entry, key, `lxc.${family}.*`, family)
  }

  // -- networks

  private syncNets(): void {
    this.config.nets = [...this.nics.values()].sort((a, b) => a.index - b.index)
  }

  private removeAllNics(): void {
    this.nics.clear()
    this.legacyNic = undefined
    this.syncNets()
    for (const [key] of this.config.used) if (key.startsWith('lxc.net.')) this.unmark(key)
  }

  private removeNic(index: number): void {
    const nic = this.nics.get(index)
    if (nic !== undefined) {
      for (const k of nic.setKeys.keys()) this.unmark(k)
      this.unmark(`lxc.net.${index}.type`)
    }
    this.nics.delete(index)
    if (this.legacyNic === index) this.legacyNic = undefined
    this.syncNets()
  }

  private legacyNetCanonical(entry: ConfigEntry, sub: string): string {
    if (sub === 'type') {
      if (entry.value === '') return 'lxc.net'
      return `lxc.net.${this.nextNicIndex()}.type`
    }
    const index = this.currentLegacyNic()
    return index === undefined ? `lxc.net.<N>.${sub}` : `lxc.net.${index}.${sub}`
  }

  private nextNicIndex(): number {
    let max = -1
    for (const index of this.nics.keys()) max = Math.max(max, index)
    return max + 1
  }

  private currentLegacyNic(): number | undefined {
    if (this.legacyNic !== undefined && this.nics.has(this.legacyNic)) return this.legacyNic
    const indexes = [...this.nics.keys()]
    return indexes.length === 0 ? undefined : Math.max(...indexes)
  }

  // LXC 2.x: `lxc.network.type` starts a new NIC (empty clears them all) and
  // the other unindexed keys apply to the NIC started last.
  private applyLegacyNet(sub: string, entry: ConfigEntry, canonical: string): void {
    if (sub === 'type') {
      if (entry.value === '') {
        this.removeAllNics()
        return
      }
      const index = Number(canonical.split('.')[2])
      this.applyNet(index, 'type', entry)
      this.legacyNic = index
      return
    }
    const index = this.currentLegacyNic()
    if (index === undefined) {
      throw new CtrError('CTR_CONFIG_VALUE', `${entry.key} comes before any lxc.network.type line`, {
        hints: ['Start each network with lxc.net.<N>.type (legacy: lxc.network.type)'],
      })
    }
    this.applyNet(index, sub, entry)
  }

  private newNic(index: number, loc: SourceLocation): NicState {
    return {
      index,
      type: 'empty',
      implicit: true,
      link: undefined,
      up: false,
      name: undefined,
      hwaddr: undefined,
      mtu: undefined,
      l2proxy: false,
      ipv4: {addresses: [], gateway: undefined},
      ipv6: {addresses: [], gateway: undefined},
      script: {up: undefined, down: undefined},
      veth: {pair: undefined, mode: undefined, ipv4Routes: [], ipv6Routes: [], vlanId: undefined, vlanTaggedIds: [], rxQueues: undefined, txQueues: undefined},
      macvlan: {mode: undefined},
      ipvlan: {mode: undefined, isolation: undefined},
      vlan: {id: 0},
      source: {file: loc.file, line: loc.line},
      setKeys: new Map(),
    }
  }

  private applyNet(index: number, sub: string, entry: ConfigEntry): void {
    const key = `lxc.net.${index}.${sub}`
    const empty = entry.value === ''
    let nic = this.nics.get(index)
    if (nic === undefined) {
      // LXC's clear path looks the NIC up without creating it and fails.
      if (empty) throw new CtrError('CTR_CONFIG_VALUE', `Cannot clear ${key}: network ${index} is not defined`)
      nic = this.newNic(index, entry)
      this.nics.set(index, nic)
      // NICs usually come in order: append then, sort only otherwise.
      const last = this.config.nets.at(-1)
      if (last === undefined || last.index < index) this.config.nets.push(nic)
      else this.syncNets()
      if (sub !== 'type') {
        this.warn(entry, 'CTR_CONFIG_NET_ORDER', `${key} comes before lxc.net.${index}.type: LXC treats network ${index} as type "empty" until a type line, which then discards this key`)
      }
    }
    if (sub === 'type') {
      this.setNetType(nic, entry)
      return
    }
    const info = netKeyInfo(sub)
    if (!empty && info?.requires !== undefined && nic.type !== info.requires) {
      throw new CtrError('CTR_CONFIG_VALUE', `${key} requires lxc.net.${index}.type = ${info.requires} (network ${index} is ${nic.type === undefined ? 'without a type' : `type ${nic.type}`})`, {
        hints: [`lxc.net.${index}.type must come first: setting it discards the NIC's earlier keys`],
      })
    }
    this.setNetKey(nic, sub, entry)
    if (empty) {
      nic.setKeys.delete(key)
      this.unmark(key)
    } else {
      nic.setKeys.set(key, {file: entry.file, line: entry.line})
      this.markUsed(entry, key, `lxc.net.N.${sub}`, `net:${index}`)
    }
  }

  private setNetType(nic: NicState, entry: ConfigEntry): void {
    const key = `lxc.net.${nic.index}.type`
    const type = entry.value === '' ? undefined : parseNetType(entry.value)
    if (nic.setKeys.size > 0) {
      const lost = [...nic.setKeys].map(([k, loc]) => `${k} (${formatLocation(loc)})`).join(', ')
      this.warn(entry, 'CTR_CONFIG_NET_ORDER', `${key} discards the keys set before it for network ${nic.index}: ${lost}`)
    }
    // The NIC's used keys are its setKeys and its type: unmark those (not a
    // scan of every used key, which made 100k NICs quadratic).
    for (const k of nic.setKeys.keys()) this.unmark(k)
    this.unmark(key)
    const fresh = this.newNic(nic.index, entry)
    Object.assign(nic, fresh, {type, implicit: false})
    // The defaults LXC's set_config_net_type gives a freshly wiped NIC.
    if (type === 'veth') nic.veth.mode = 'bridge'
    if (type === 'macvlan') nic.macvlan.mode = 'private'
    if (type === 'ipvlan') nic.ipvlan = {mode: 'l2', isolation: 'bridge'}
    if (type === 'empty') nic.name = 'lo'
    if (type !== undefined) this.markUsed(entry, key, 'lxc.net.N.type', `net:${nic.index}`)
  }

  private setNetKey(nic: NicState, sub: string, entry: ConfigEntry): void {
    const setter = NET_SETTERS.get(sub)
    if (setter === undefined) throw new CtrError('CTR_INTERNAL', `No handler for network key ${sub}`)
    const requires = netKeyInfo(sub)?.requires
    // The type-specific clears are no-ops on another type, as in LXC.
    if (entry.value === '' && requires !== undefined && nic.type !== requires) return
    setter(nic, entry.value, this, entry)
  }

  addIpv4(nic: NicState, entry: ConfigEntry): void {
    if (entry.value === '') {
      nic.ipv4.addresses = []
      return
    }
    const {classful, ...address} = parseIpv4Address(entry.value)
    if (classful) {
      this.warn(entry, 'CTR_CONFIG_NET_PREFIX', `${entry.key} has no prefix length: LXC derives /${address.prefix} from the last octet; write it explicitly (e.g. ${address.address}/24)`)
    }
    nic.ipv4.addresses = [...nic.ipv4.addresses, address]
  }

  addIpv6(nic: NicState, entry: ConfigEntry): void {
    if (entry.value === '') {
      nic.ipv6.addresses = []
      return
    }
    const address = parseIpv6Address(entry.value)
    if (address.prefix > 128) {
      this.warn(entry, 'CTR_CONFIG_NET_PREFIX', `${entry.key}: prefix length ${address.prefix} is above 128; LXC accepts it but adding the address will fail`)
    }
    nic.ipv6.addresses = [...nic.ipv6.addresses, address]
  }
}

// ---------------------------------------------------------------------------
// Setter tables

type Setter = (c: ContainerConfig, v: string, b: BuilderState, entry: ConfigEntry) => void
type NetSetter = (nic: NicState, v: string, b: BuilderState, entry: ConfigEntry) => void

function orUndefined<T>(v: string, parse: (value: string) => T): T | undefined {
  return v === '' ? undefined : parse(v)
}

function orZero(v: string, parse: (value: string) => number): number {
  return v === '' ? 0 : parse(v)
}

/** A 0/1 key whose empty value means 0. */
function flag(v: string): boolean {
  return v !== '' && parseBool01(v)
}

// In place: a config of 100k lines must load in linear time (copying the
// list on every append made 100k lxc.environment lines take minutes).
function appendOrClear<T>(list: T[], v: string, parse: (value: string) => T[]): T[] {
  if (v === '') return []
  for (const item of parse(v)) list.push(item)
  return list
}

const SIMPLE_SETTERS: ReadonlyMap<string, Setter> = new Map<string, Setter>([
  ['lxc.arch', (c, v) => {
    c.arch = {name: v, personality: parsePersonality(v)}
  }],
  ['lxc.apparmor.profile', (c, v) => {
    c.apparmor.profile = orUndefined(v, String)
  }],
  ['lxc.apparmor.allow_incomplete', (c, v) => {
    c.apparmor.allowIncomplete = flag(v)
  }],
  ['lxc.apparmor.allow_nesting', (c, v) => {
    c.apparmor.allowNesting = flag(v)
  }],
  ['lxc.apparmor.raw', (c, v) => {
    c.apparmor.raw = appendOrClear(c.apparmor.raw, v, (x) => [x])
  }],
  ['lxc.autodev.tmpfs.size', (_c, _v, b, entry) => {
    b.setTmpfsSize(entry)
  }],
  ['lxc.autodev', (c, v) => {
    c.autodev = flag(v)
  }],
  ['lxc.cgroup.dir.monitor.pivot', (c, v) => {
    c.cgroup.dirMonitorPivot = orUndefined(v, (x) => parseCgroupDir('lxc.cgroup.dir.monitor.pivot', x))
  }],
  ['lxc.cgroup.dir.monitor', (c, v) => {
    c.cgroup.dirMonitor = orUndefined(v, (x) => parseCgroupDir('lxc.cgroup.dir.monitor', x))
  }],
  ['lxc.cgroup.dir.container.inner', (c, v) => {
    c.cgroup.dirContainerInner = orUndefined(v, parseCgroupInnerDir)
  }],
  ['lxc.cgroup.dir.container', (c, v) => {
    c.cgroup.dirContainer = orUndefined(v, (x) => parseCgroupDir('lxc.cgroup.dir.container', x))
  }],
  ['lxc.cgroup.dir', (c, v) => {
    c.cgroup.dir = orUndefined(v, (x) => parseCgroupDir('lxc.cgroup.dir', x))
  }],
  ['lxc.cgroup.relative', (c, v) => {
    c.cgroup.relative = flag(v)
  }],
  ['lxc.console.buffer.size', (c, v) => {
    c.console.bufferSize = orZero(v, parseConsoleSize)
  }],
  ['lxc.console.logfile', (c, v) => {
    c.console.logfile = orUndefined(v, parsePath)
  }],
  ['lxc.console.path', (c, v) => {
    c.console.path = orUndefined(v, parsePath)
  }],
  ['lxc.console.rotate', (c, v) => {
    c.console.rotate = flag(v)
  }],
  ['lxc.console.size', (c, v) => {
    c.console.size = orZero(v, parseConsoleSize)
  }],
  ['lxc.sched.core', (c, v) => {
    c.schedCore = flag(v)
  }],
  ['lxc.environment', (c, v, b) => {
    c.environment = appendOrClear(c.environment, v, (x) => [parseEnvironment(x, b.env)])
  }],
  ['lxc.environment.runtime', (c, v, b) => {
    c.environmentRuntime = appendOrClear(c.environmentRuntime, v, (x) => [parseEnvironment(x, b.env)])
  }],
  ['lxc.environment.hooks', (c, v, b) => {
    c.environmentHooks = appendOrClear(c.environmentHooks, v, (x) => [parseEnvironment(x, b.env)])
  }],
  ['lxc.ephemeral', (c, v) => {
    c.ephemeral = flag(v)
  }],
  ['lxc.execute.cmd', (c, v) => {
    c.executeCmd = orUndefined(v, (x) => ({raw: x, argv: splitCommand(x)}))
  }],
  ['lxc.group', (c, v) => {
    c.groups = appendOrClear(c.groups, v, splitBlanks)
  }],
  ['lxc.hook.version', (c, v) => {
    c.hookVersion = flag(v) ? 1 : 0
  }],
  ['lxc.idmap', (c, v) => {
    c.idmaps = appendOrClear(c.idmaps, v, (x) => [parseIdmap(x)])
  }],
  ['lxc.init.cmd', (c, v) => {
    c.initCmd = orUndefined(v, (x) => ({raw: x, argv: splitCommand(x)}))
  }],
  ['lxc.init.gid', (c, v) => {
    c.initGid = orZero(v, (x) => parseId(x, 'gid'))
  }],
  ['lxc.init.groups', (c, v) => {
    c.initGroups = appendOrClear(c.initGroups, v, parseInitGroups)
  }],
  ['lxc.init.uid', (c, v) => {
    c.initUid = orZero(v, parseId)
  }],
  ['lxc.init.cwd', (c, v) => {
    c.initCwd = orUndefined(v, parsePath)
  }],
  ['lxc.keyring.session', (c, v) => {
    c.keyringSession = v === '' || parseBool01(v)
  }],
  ['lxc.log.file', (c, v) => {
    c.log.file = orUndefined(v, parsePath)
  }],
  ['lxc.log.level', (c, v) => {
    c.log.level = orUndefined(v, parseLogLevel)
  }],
  ['lxc.log.syslog', (c, v) => {
    c.log.syslog = orUndefined(v, parseSyslogFacility)
  }],
  ['lxc.monitor.unshare', (c, v) => {
    c.monitorUnshare = orZero(v, parseUint)
  }],
  ['lxc.monitor.signal.pdeath', (c, v, b, entry) => {
    c.monitorSignalPdeath = orZero(v, () => b.signal(entry))
  }],
  ['lxc.mount.auto', (_c, _v, b, entry) => {
    b.applyMountAuto(entry)
  }],
  ['lxc.mount.entry', (_c, _v, b, entry) => {
    b.applyMountEntry(entry)
  }],
  ['lxc.mount.fstab', (c, v) => {
    if (v === '') throw new CtrError('CTR_CONFIG_VALUE', 'lxc.mount.fstab needs a path (LXC refuses an empty value)')
    c.mountFstab = parsePath(v)
  }],
  ['lxc.time.offset.boot', (c, v) => {
    c.timeOffsets.boot = orUndefined(v, (x) => parseTimeOffset(x, c.timeOffsets.boot))
  }],
  ['lxc.time.offset.monotonic', (c, v) => {
    c.timeOffsets.monotonic = orUndefined(v, (x) => parseTimeOffset(x, c.timeOffsets.monotonic))
  }],
  ['lxc.no_new_privs', (c, v) => {
    c.noNewPrivs = flag(v)
  }],
  ['lxc.pty.max', (c, v) => {
    c.ptyMax = orZero(v, parseUint)
  }],
  ['lxc.rootfs.managed', (c, v) => {
    c.rootfs.managed = v === '' || parseBool01(v)
  }],
  ['lxc.rootfs.mount', (c, v) => {
    c.rootfs.mount = orUndefined(v, parsePath)
  }],
  ['lxc.rootfs.options', (c, v) => {
    c.rootfs.options = orUndefined(v, (x) => ({raw: x, ...withIdmap(parseRootfsOptions(x))}))
  }],
  ['lxc.rootfs.path', (_c, _v, b, entry) => {
    b.setRootfsPath(entry)
  }],
  ['lxc.seccomp.allow_nesting', (c, v) => {
    c.seccomp.allowNesting = flag(v)
  }],
  ['lxc.seccomp.notify.cookie', (c, v) => {
    c.seccomp.notifyCookie = orUndefined(v, String)
  }],
  ['lxc.seccomp.notify.proxy', (c, v) => {
    c.seccomp.notifyProxy = orUndefined(v, parseNotifyProxy)
  }],
  ['lxc.seccomp.profile', (c, v) => {
    c.seccomp.profile = orUndefined(v, parsePath)
  }],
  ['lxc.selinux.context.keyring', (c, v) => {
    c.selinux.keyring = orUndefined(v, String)
  }],
  ['lxc.selinux.context', (c, v) => {
    c.selinux.context = orUndefined(v, String)
  }],
  ['lxc.signal.halt', (c, _v, b, entry) => {
    c.signals.halt = b.optionalSignal(entry)
  }],
  ['lxc.signal.reboot', (c, _v, b, entry) => {
    c.signals.reboot = b.optionalSignal(entry)
  }],
  ['lxc.signal.stop', (c, _v, b, entry) => {
    c.signals.stop = b.optionalSignal(entry)
  }],
  ['lxc.start.auto', (c, v) => {
    c.start.auto = v !== '' && parseStartValue('auto', v) === 1
  }],
  ['lxc.start.delay', (c, v) => {
    c.start.delay = orZero(v, (x) => parseStartValue('delay', x))
  }],
  ['lxc.start.order', (c, v) => {
    c.start.order = orZero(v, (x) => parseStartValue('order', x))
  }],
  ['lxc.tty.dir', (c, v) => {
    c.tty.dir = orUndefined(v, parseTtyDir)
  }],
  ['lxc.tty.max', (c, v) => {
    c.tty.max = orZero(v, parseUint)
  }],
  ['lxc.uts.name', (c, v) => {
    c.utsName = orUndefined(v, parseUtsName)
  }],
])

function setVethList<T>(v: string, list: T[], parse: (value: string) => T): T[] {
  return v === '' ? [] : [...list, parse(v)]
}

const NET_SETTERS: ReadonlyMap<string, NetSetter> = new Map<string, NetSetter>([
  ['flags', (nic, v) => {
    nic.up = v !== ''
  }],
  ['hwaddr', (nic, v) => {
    nic.hwaddr = orUndefined(v, String)
  }],
  ['ipv4.address', (nic, _v, b, entry) => {
    b.addIpv4(nic, entry)
  }],
  ['ipv4.gateway', (nic, v) => {
    nic.ipv4.gateway = orUndefined(v, (x) => parseGateway(x, 4))
  }],
  ['ipv6.address', (nic, _v, b, entry) => {
    b.addIpv6(nic, entry)
  }],
  ['ipv6.gateway', (nic, v) => {
    nic.ipv6.gateway = orUndefined(v, (x) => parseGateway(x, 6))
  }],
  ['link', (nic, v) => {
    nic.link = orUndefined(v, (x) => parseIfnameOrPattern(x, nic.type))
  }],
  ['l2proxy', (nic, v) => {
    nic.l2proxy = flag(v)
  }],
  ['macvlan.mode', (nic, v) => {
    nic.macvlan.mode = orUndefined(v, parseMacvlanMode)
  }],
  ['ipvlan.mode', (nic, v) => {
    nic.ipvlan.mode = orUndefined(v, parseIpvlanMode)
  }],
  ['ipvlan.isolation', (nic, v) => {
    nic.ipvlan.isolation = orUndefined(v, parseIpvlanIsolation)
  }],
  ['mtu', (nic, v) => {
    nic.mtu = orUndefined(v, String)
  }],
  ['name', (nic, v) => {
    nic.name = orUndefined(v, parseIfname)
  }],
  ['script.down', (nic, v) => {
    nic.script.down = orUndefined(v, String)
  }],
  ['script.up', (nic, v) => {
    nic.script.up = orUndefined(v, String)
  }],
  ['vlan.id', (nic, v) => {
    nic.vlan.id = orZero(v, parseVlanId)
  }],
  ['veth.mode', (nic, v) => {
    nic.veth.mode = orUndefined(v, parseVethMode)
  }],
  ['veth.n_rxqueues', (nic, v) => {
    nic.veth.rxQueues = orUndefined(v, parseQueueCount)
  }],
  ['veth.n_txqueues', (nic, v) => {
    nic.veth.txQueues = orUndefined(v, parseQueueCount)
  }],
  ['veth.pair', (nic, v) => {
    nic.veth.pair = orUndefined(v, parseIfname)
  }],
  ['veth.ipv4.route', (nic, v) => {
    nic.veth.ipv4Routes = setVethList(v, nic.veth.ipv4Routes, (x) => parseRoute(x, 4))
  }],
  ['veth.ipv6.route', (nic, v) => {
    nic.veth.ipv6Routes = setVethList(v, nic.veth.ipv6Routes, (x) => parseRoute(x, 6))
  }],
  ['veth.vlan.id', (nic, v) => {
    nic.veth.vlanId = orUndefined(v, (x) => parseBridgeVlanId(x, true))
  }],
  ['veth.vlan.tagged.id', (nic, v) => {
    nic.veth.vlanTaggedIds = setVethList(v, nic.veth.vlanTaggedIds, (x) => parseBridgeVlanId(x, false) as number)
  }],
])

// A phys link ending in `+` names every host interface with that prefix;
// LXC expands it against the host's interfaces while parsing, we keep the
// pattern for the start code.
function parseIfnameOrPattern(value: string, type: NetType | undefined): string {
  if (type === 'phys' && value.endsWith('+')) return value
  return parseIfname(value)
}

function withIdmap(o: {options: string[]; idmap?: string}): {options: string[]; idmap: string | undefined} {
  return {options: o.options, idmap: o.idmap}
}

function rootfsParts(type: RootfsType, path: string): string[] {
  if (type === 'overlay' || type === 'overlayfs') {
    // ovl_mount: layers are separated by ":/", the last one is the upper dir.
    return path.split(/:(?=\/)/)
  }
  if (type === 'nbd') {
    const m = /^(.*):([0-9]+)$/.exec(path)
    return m === null ? [path] : [m[1] as string, m[2] as string]
  }
  return [path]
}

function unsupportedKey(entry: ConfigEntry, extraHints: string[] = []): CtrError {
  return configError('CTR_CONFIG_KEY', entry, `Unsupported config key "${entry.key}"`, [...extraHints, ...suggestKey(entry.key)], {
    key: entry.key,
    value: entry.value,
  })
}

// Validators throw an unlocated CTR_CONFIG_VALUE; add the place and the key.
function locate(error: unknown, entry: ConfigEntry): unknown {
  if (!(error instanceof CtrError) || error.details?.['file'] !== undefined) return error
  if (error.code === 'CTR_CONFIG_VALUE') {
    return configError(error.code, entry, `Invalid value for "${entry.key}": ${error.message}`, error.hints, {key: entry.key, value: entry.value})
  }
  if (error.code === 'CTR_CONFIG_INCLUDE') return configError(error.code, entry, error.message, error.hints, {key: entry.key, value: entry.value})
  return error
}

// ---------------------------------------------------------------------------
// Queries

/**
 * Whether a key currently has an explicitly set value. `key` is a modern key
 * (`lxc.net.0.link`) or a pattern from usedKeys (`lxc.net.N.link`,
 * `lxc.cgroup2.*`). Legacy names count under their modern key. Pure.
 */
export function isSet(config: ContainerConfig, key: string): boolean {
  if (config.used.has(key)) return true
  for (const used of config.used.values()) if (used.pattern === key) return true
  return false
}

/** The explicitly set keys with where they were last set, in setting order. Pure. */
export function usedKeys(config: ContainerConfig): UsedKey[] {
  return [...config.used.values()]
}

// ---------------------------------------------------------------------------
// Mount entries and commands

// glibc's decode_name: only \040, \011, \012, \134 and \\ are escapes.
function decodeMountField(field: string): string {
  return field.replace(/\\040|\\011|\\012|\\134|\\\\/g, (m) => {
    switch (m) {
      case '\\040': return ' '
      case '\\011': return '\t'
      case '\\012': return '\n'
      default: return '\\'
    }
  })
}

// sscanf(" %d %d "): leading white space, an optional sign, digits.
function scanInts(text: string): [number, number] {
  const out: number[] = []
  let pos = 0
  while (out.length < 2) {
    while (isCSpace(text[pos])) pos++
    const m = /^[+-]?[0-9]+/.exec(text.slice(pos))
    if (m === null) break
    out.push(Number.parseInt(m[0], 10) | 0)
    pos += m[0].length
  }
  return [out[0] ?? 0, out.length === 2 ? (out[1] as number) : 0]
}

/**
 * Parses one fstab line (an lxc.mount.entry value) like glibc's getmntent:
 * trailing blanks dropped, fields split on runs of blanks, missing fields
 * empty, `\040`-style escapes decoded, dump/pass default 0. Returns
 * undefined for a blank or `#` line (getmntent skips those). Pure.
 */
export function parseMountEntry(raw: string, loc: SourceLocation): MountEntry | undefined {
  const line = raw.replace(/[ \t]+$/, '')
  const head = line.replace(/^[ \t]+/, '')
  if (head === '' || head.startsWith('#')) return undefined
  const fields: string[] = []
  let rest = head
  for (let i = 0; i < 4; i++) {
    const m = /^([^ \t]*)(?:[ \t]|$)/.exec(rest) as RegExpExecArray
    fields.push(decodeMountField(m[1] as string))
    rest = rest.slice(m[0].length).replace(/^[ \t]+/, '')
  }
  const [source, target, fstype, optionsRaw] = fields as [string, string, string, string]
  // LXC finds out only when it mounts: say it where the line is.
  if (target === '') {
    throw configError('CTR_CONFIG_MOUNT', loc, `A mount entry needs at least a source and a target: "${raw}"`, ['The fields are SOURCE TARGET [FSTYPE [OPTIONS [DUMP [PASS]]]], as in fstab(5)'])
  }
  const [dump, pass] = scanInts(rest)
  const {lxc, rest: options} = splitMountOptions(optionsRaw)
  return {
    raw,
    file: loc.file,
    line: loc.line,
    source,
    target,
    fstype,
    optionsRaw,
    options,
    optional: lxc.optional,
    createDir: lxc.createDir,
    createFile: lxc.createFile,
    relative: lxc.relative,
    idmap: lxc.idmap,
    dump,
    pass,
  }
}

/**
 * Parses the text of an lxc.mount.fstab file: lines split on "\n" only (a
 * "\r" stays in the line, as with getmntent), blank and `#` lines skipped.
 * Pure.
 */
export function parseFstab(text: string, file: string): MountEntry[] {
  const out: MountEntry[] = []
  text.split('\n').forEach((line, i) => {
    if (line.includes('\0')) throw configError('CTR_FSTAB', {file, line: i + 1}, 'A NUL byte in the line', ['An fstab is text: remove the NUL byte'])
    const entry = parseMountEntry(line, {file, line: i + 1})
    if (entry !== undefined) out.push(entry)
  })
  return out
}

/**
 * Replaces each x/X of an `lxc.net.N.hwaddr` template with a random hex
 * digit, keeping the address unicast like LXC (the second character gets an
 * even digit). `randomNibble` returns 0..15. Pure apart from the callback.
 */
export function completeHwaddr(template: string, randomNibble: () => number): string {
  let out = ''
  for (let i = 0; i < template.length; i++) {
    const ch = template[i] as string
    if (ch === 'x' || ch === 'X') {
      const nibble = randomNibble() & (i === 1 ? 0x0e : 0x0f)
      out += nibble.toString(16)
    } else {
      out += ch
    }
  }
  return out
}
