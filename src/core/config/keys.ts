// The LXC container-config key table (LXC 5.0/6.0 `config_jump_table` and
// `config_jump_table_net`, confile.c), the LXC 1.x/2.x key names accepted as
// aliases, and every value validator those keys use.
//
// Key lookup follows lxc_get_config(): exact names first, then the prefix
// families `lxc.cgroup2`, `lxc.cgroup`, `lxc.namespace.share.`, `lxc.net.`,
// `lxc.prlimit`, `lxc.sysctl` and `lxc.proc`. Whether a family key is valid
// can depend on the value (`lxc.net.0 =` removes NIC 0, `lxc.net.0 = x` is an
// error), so `resolveKey` only classifies and model.ts decides.
//
// Validators reproduce LXC's checks exactly, including its C number syntax
// (see lexer.ts), and throw CtrError CTR_CONFIG_VALUE with a reason; the model
// adds the file:line. Where LXC only logs and carries on with a mangled value
// (interface names of 16 bytes or more are truncated) we refuse instead;
// those places say so.

import {CtrError} from '../errors.js'
import {parseSignal} from '../signals.js'
import {
  cStrtoul,
  isCSpace,
  lxcGetU16,
  lxcSafeInt,
  lxcSafeInt64Residual,
  lxcSafeLongLong,
  lxcSafeUint,
  lxcSafeUlong,
} from './lexer.js'

// ---------------------------------------------------------------------------
// The table

/**
 * scalar: last value wins, empty resets. list: each line appends, empty
 * empties. keyed: one value per sub-key (same sub-key replaces). clear-only:
 * only `KEY =` is valid. include: handled by the loader. ignored: accepted
 * and dropped (obsolete LXC 2.x keys).
 */
export type KeyKind = 'scalar' | 'list' | 'keyed' | 'clear-only' | 'include' | 'ignored'

export interface KeyInfo {
  /** The key, or its family pattern (`lxc.net.<N>.type`, `lxc.cgroup2.<controller>.<file>`). */
  readonly name: string
  readonly kind: KeyKind
  /** What `KEY =` (an empty value) does, per LXC's setter. */
  readonly clear: string
  /** Set for keys LXC 5.0/6.0 do not know (added by LXC 7.0). */
  readonly since?: string
}

function k(name: string, kind: KeyKind, clear: string, since?: string): KeyInfo {
  return since === undefined ? {name, kind, clear} : {name, kind, clear, since}
}

const RESET = 'resets to the default'
const EMPTIES = 'empties the list'
const UNSETS = 'unsets the value'

/** Every exact key LXC 5.0/6.0 accept, in their table order, plus LXC 7.0's environment lists. */
export const EXACT_KEYS: readonly KeyInfo[] = [
  k('lxc.arch', 'scalar', 'is an error (LXC refuses an empty personality)'),
  k('lxc.apparmor.profile', 'scalar', UNSETS),
  k('lxc.apparmor.allow_incomplete', 'scalar', 'sets 0'),
  k('lxc.apparmor.allow_nesting', 'scalar', 'sets 0'),
  k('lxc.apparmor.raw', 'list', EMPTIES),
  k('lxc.autodev.tmpfs.size', 'scalar', 'sets 500000'),
  k('lxc.autodev', 'scalar', 'sets 0 (not the default 1)'),
  k('lxc.cap.drop', 'list', 'empties the capability list (drop and keep)'),
  k('lxc.cap.keep', 'list', 'empties the capability list (drop and keep)'),
  k('lxc.cgroup.dir.monitor.pivot', 'scalar', UNSETS),
  k('lxc.cgroup.dir.monitor', 'scalar', UNSETS),
  k('lxc.cgroup.dir.container.inner', 'scalar', UNSETS),
  k('lxc.cgroup.dir.container', 'scalar', UNSETS),
  k('lxc.cgroup.dir', 'scalar', UNSETS),
  k('lxc.cgroup.relative', 'scalar', 'sets 0'),
  k('lxc.console.buffer.size', 'scalar', 'sets 0'),
  k('lxc.console.logfile', 'scalar', UNSETS),
  k('lxc.console.path', 'scalar', UNSETS),
  k('lxc.console.rotate', 'scalar', 'sets 0'),
  k('lxc.console.size', 'scalar', 'sets 0'),
  k('lxc.sched.core', 'scalar', 'sets 0'),
  k('lxc.environment.runtime', 'list', EMPTIES, '7.0'),
  k('lxc.environment.hooks', 'list', EMPTIES, '7.0'),
  k('lxc.environment', 'list', EMPTIES),
  k('lxc.ephemeral', 'scalar', 'sets 0'),
  k('lxc.execute.cmd', 'scalar', UNSETS),
  k('lxc.group', 'list', EMPTIES),
  k('lxc.hook.autodev', 'list', EMPTIES),
  k('lxc.hook.clone', 'list', EMPTIES),
  k('lxc.hook.destroy', 'list', EMPTIES),
  k('lxc.hook.mount', 'list', EMPTIES),
  k('lxc.hook.post-stop', 'list', EMPTIES),
  k('lxc.hook.pre-mount', 'list', EMPTIES),
  k('lxc.hook.pre-start', 'list', EMPTIES),
  k('lxc.hook.start', 'list', EMPTIES),
  k('lxc.hook.start-host', 'list', EMPTIES),
  k('lxc.hook.stop', 'list', EMPTIES),
  k('lxc.hook.version', 'scalar', 'sets 0'),
  k('lxc.hook', 'clear-only', 'empties every hook list'),
  k('lxc.idmap', 'list', EMPTIES),
  k('lxc.include', 'include', 'does nothing'),
  k('lxc.init.cmd', 'scalar', UNSETS),
  k('lxc.init.gid', 'scalar', 'sets 0'),
  k('lxc.init.groups', 'list', EMPTIES),
  k('lxc.init.uid', 'scalar', 'sets 0'),
  k('lxc.init.cwd', 'scalar', UNSETS),
  k('lxc.keyring.session', 'scalar', RESET),
  k('lxc.log.file', 'scalar', UNSETS),
  k('lxc.log.level', 'scalar', 'unsets the level (NOTSET)'),
  k('lxc.log.syslog', 'scalar', UNSETS),
  k('lxc.monitor.unshare', 'scalar', 'sets 0'),
  k('lxc.monitor.signal.pdeath', 'scalar', 'sets 0 (no signal; the default is SIGKILL)'),
  k('lxc.mount.auto', 'list', 'drops every token'),
  k('lxc.mount.entry', 'list', EMPTIES),
  k('lxc.mount.fstab', 'scalar', 'is an error'),
  k('lxc.namespace.clone', 'list', EMPTIES),
  k('lxc.namespace.keep', 'list', EMPTIES),
  k('lxc.time.offset.boot', 'scalar', 'sets 0'),
  k('lxc.time.offset.monotonic', 'scalar', 'sets 0'),
  k('lxc.net', 'clear-only', 'removes every network'),
  k('lxc.no_new_privs', 'scalar', 'sets 0'),
  k('lxc.pty.max', 'scalar', 'sets 0'),
  k('lxc.rootfs.managed', 'scalar', 'sets 1'),
  k('lxc.rootfs.mount', 'scalar', UNSETS),
  k('lxc.rootfs.options', 'scalar', UNSETS),
  k('lxc.rootfs.path', 'scalar', 'unsets the path (a storage type given earlier stays)'),
  k('lxc.seccomp.allow_nesting', 'scalar', 'sets 0'),
  k('lxc.seccomp.notify.cookie', 'scalar', UNSETS),
  k('lxc.seccomp.notify.proxy', 'scalar', UNSETS),
  k('lxc.seccomp.profile', 'scalar', UNSETS),
  k('lxc.selinux.context.keyring', 'scalar', UNSETS),
  k('lxc.selinux.context', 'scalar', UNSETS),
  k('lxc.signal.halt', 'scalar', 'sets 0 (the default signal)'),
  k('lxc.signal.reboot', 'scalar', 'sets 0 (the default signal)'),
  k('lxc.signal.stop', 'scalar', 'sets 0 (the default signal)'),
  k('lxc.start.auto', 'scalar', 'sets 0'),
  k('lxc.start.delay', 'scalar', 'sets 0'),
  k('lxc.start.order', 'scalar', 'sets 0'),
  k('lxc.tty.dir', 'scalar', UNSETS),
  k('lxc.tty.max', 'scalar', 'sets 0'),
  k('lxc.uts.name', 'scalar', UNSETS),
]

/** The prefix families, in lookup order. */
export const FAMILY_KEYS: readonly KeyInfo[] = [
  k('lxc.cgroup2.<controller>.<file>', 'list', 'removes the entries of that file; `lxc.cgroup2 =` removes all'),
  k('lxc.cgroup.<controller>.<file>', 'list', 'removes the entries of that file; `lxc.cgroup =` removes all'),
  k('lxc.namespace.share.<namespace>', 'scalar', UNSETS),
  k('lxc.net.<N>.<subkey>', 'scalar', 'see NET_KEYS; `lxc.net.<N> =` removes NIC N'),
  k('lxc.prlimit.<resource>', 'keyed', 'removes that limit; `lxc.prlimit =` removes all'),
  k('lxc.sysctl.<name>', 'keyed', 'removes that sysctl; `lxc.sysctl =` removes all'),
  k('lxc.proc.<file>', 'list', 'removes the entries of that file; `lxc.proc =` removes all'),
]

export const NET_TYPES = ['empty', 'veth', 'macvlan', 'ipvlan', 'phys', 'vlan', 'none'] as const
export type NetType = (typeof NET_TYPES)[number]

export interface NetKeyInfo extends KeyInfo {
  /** The NIC type a non-empty value requires (LXC refuses it otherwise). */
  readonly requires?: NetType
}

function n(name: string, kind: KeyKind, clear: string, requires?: NetType): NetKeyInfo {
  return requires === undefined ? {name, kind, clear} : {name, kind, clear, requires}
}

/** The `lxc.net.<N>.<subkey>` sub-keys (config_jump_table_net). */
export const NET_KEYS: readonly NetKeyInfo[] = [
  n('flags', 'scalar', 'sets down'),
  n('hwaddr', 'scalar', UNSETS),
  n('ipv4.address', 'list', EMPTIES),
  n('ipv4.gateway', 'scalar', UNSETS),
  n('ipv6.address', 'list', EMPTIES),
  n('ipv6.gateway', 'scalar', UNSETS),
  n('link', 'scalar', UNSETS),
  n('l2proxy', 'scalar', 'sets 0'),
  n('macvlan.mode', 'scalar', UNSETS, 'macvlan'),
  n('ipvlan.mode', 'scalar', UNSETS, 'ipvlan'),
  n('ipvlan.isolation', 'scalar', UNSETS, 'ipvlan'),
  n('mtu', 'scalar', UNSETS),
  n('name', 'scalar', UNSETS),
  n('script.down', 'scalar', UNSETS),
  n('script.up', 'scalar', UNSETS),
  n('type', 'scalar', 'wipes every key of the NIC and leaves it without a type'),
  n('vlan.id', 'scalar', 'sets 0', 'vlan'),
  n('veth.mode', 'scalar', UNSETS, 'veth'),
  n('veth.n_rxqueues', 'scalar', UNSETS, 'veth'),
  n('veth.n_txqueues', 'scalar', UNSETS, 'veth'),
  n('veth.pair', 'scalar', UNSETS, 'veth'),
  n('veth.ipv4.route', 'list', EMPTIES, 'veth'),
  n('veth.ipv6.route', 'list', EMPTIES, 'veth'),
  n('veth.vlan.id', 'scalar', UNSETS, 'veth'),
  n('veth.vlan.tagged.id', 'list', EMPTIES, 'veth'),
]

const EXACT_BY_NAME: ReadonlyMap<string, KeyInfo> = new Map(EXACT_KEYS.map((info) => [info.name, info]))
const NET_BY_NAME: ReadonlyMap<string, NetKeyInfo> = new Map(NET_KEYS.map((info) => [info.name, info]))

/** Hook types in LXC's order (lxchook_names). */
export const HOOK_TYPES = [
  'pre-start', 'pre-mount', 'mount', 'autodev', 'start', 'stop', 'post-stop', 'clone', 'destroy', 'start-host',
] as const
export type HookType = (typeof HOOK_TYPES)[number]

/** Namespaces in LXC's ns_info order: the names of /proc/PID/ns. */
export const NAMESPACES = ['user', 'mnt', 'pid', 'uts', 'ipc', 'net', 'cgroup', 'time'] as const
export type Namespace = (typeof NAMESPACES)[number]

// ---------------------------------------------------------------------------
// Legacy names (LXC 1.x/2.x), from lxc-update-config and LXC 2.1's table.

/** Renamed keys: legacy name -> modern name. */
export const LEGACY_RENAMES: ReadonlyMap<string, string> = new Map([
  ['lxc.aa_allow_incomplete', 'lxc.apparmor.allow_incomplete'],
  ['lxc.aa_profile', 'lxc.apparmor.profile'],
  ['lxc.console', 'lxc.console.path'],
  ['lxc.devttydir', 'lxc.tty.dir'],
  ['lxc.haltsignal', 'lxc.signal.halt'],
  ['lxc.id_map', 'lxc.idmap'],
  ['lxc.init_cmd', 'lxc.init.cmd'],
  ['lxc.init_gid', 'lxc.init.gid'],
  ['lxc.init_uid', 'lxc.init.uid'],
  ['lxc.limit', 'lxc.prlimit'],
  ['lxc.logfile', 'lxc.log.file'],
  ['lxc.loglevel', 'lxc.log.level'],
  ['lxc.mount', 'lxc.mount.fstab'],
  ['lxc.network', 'lxc.net'],
  ['lxc.pts', 'lxc.pty.max'],
  ['lxc.rebootsignal', 'lxc.signal.reboot'],
  ['lxc.rootfs', 'lxc.rootfs.path'],
  ['lxc.se_context', 'lxc.selinux.context'],
  ['lxc.seccomp', 'lxc.seccomp.profile'],
  ['lxc.stopsignal', 'lxc.signal.stop'],
  ['lxc.syslog', 'lxc.log.syslog'],
  ['lxc.tty', 'lxc.tty.max'],
  ['lxc.utsname', 'lxc.uts.name'],
])

/** Legacy families: `lxc.limit.<res>` and `lxc.network[.<N>].<sub>`. */
export const LEGACY_FAMILIES: ReadonlyMap<string, string> = new Map([
  ['lxc.limit.', 'lxc.prlimit.'],
  ['lxc.network.', 'lxc.net.'],
])

/** Obsolete keys LXC 2.x already ignored: accepted with a warning. */
export const LEGACY_IGNORED: ReadonlySet<string> = new Set(['lxc.kmsg', 'lxc.pivotdir'])

/** `lxc.rootfs.backend` (LXC 2.x): the storage type of a bare `lxc.rootfs` path. */
export const LEGACY_ROOTFS_BACKEND = 'lxc.rootfs.backend'

// LXC 2.x NIC sub-keys whose modern name differs.
const LEGACY_NET_SUBKEYS: ReadonlyMap<string, string> = new Map([
  ['ipv4', 'ipv4.address'],
  ['ipv6', 'ipv6.address'],
])

// ---------------------------------------------------------------------------
// Key resolution

/** What a key names, before its value is looked at. */
export type KeyRef =
  | {readonly type: 'exact'; readonly name: string}
  | {readonly type: 'net'; readonly index: number; readonly sub: string}
  /** `lxc.net.<N>` alone; `index` follows LXC's clear path (lxc_safe_uint), undefined if that fails. */
  | {readonly type: 'net-nic'; readonly index: number | undefined}
  /** `lxc.net.<junk>`: never valid (LXC: bad index or sub-key). */
  | {readonly type: 'net-invalid'; readonly reason: string}
  | {readonly type: 'cgroup'; readonly version: 1 | 2; readonly subsystem: string}
  | {readonly type: 'cgroup-all'; readonly version: 1 | 2}
  /** `lxc.cgroupX`, `lxc.cgroup2X`: matched by LXC's prefix entry, then refused. */
  | {readonly type: 'cgroup-invalid'; readonly version: 1 | 2}
  | {readonly type: 'share'; readonly namespace: string}
  | {readonly type: 'prlimit'; readonly resource: string}
  | {readonly type: 'prlimit-all'}
  | {readonly type: 'sysctl'; readonly name: string}
  | {readonly type: 'sysctl-all'}
  | {readonly type: 'proc'; readonly name: string}
  | {readonly type: 'proc-all'}
  /** `lxc.prlimitX`, `lxc.sysctlX`, `lxc.procX`. */
  | {readonly type: 'family-invalid'; readonly family: string}
  /** LXC 2.x `lxc.network.<sub>` without index: applies to the last NIC. */
  | {readonly type: 'legacy-net'; readonly sub: string}
  | {readonly type: 'legacy-ignored'}
  | {readonly type: 'legacy-backend'}

export interface ResolvedKey {
  readonly ref: KeyRef
  /** The modern name (with index and sub-key) when the key is a legacy alias. */
  readonly legacy?: {readonly from: string; readonly to: string}
}

/**
 * Classifies a config key. Returns undefined for a key LXC does not know
 * under any name (LXC: `Unsupported config key`). Pure.
 */
export function resolveKey(key: string): ResolvedKey | undefined {
  const modern = resolveModernKey(key)
  if (modern !== undefined) return {ref: modern}
  return resolveLegacyKey(key)
}

function resolveModernKey(key: string): KeyRef | undefined {
  if (EXACT_BY_NAME.has(key)) return {type: 'exact', name: key}
  if (key.startsWith('lxc.cgroup2')) return resolveCgroupKey(key, 2)
  if (key.startsWith('lxc.cgroup')) return resolveCgroupKey(key, 1)
  if (key.startsWith('lxc.namespace.share.')) return {type: 'share', namespace: key.slice('lxc.namespace.share.'.length)}
  if (key.startsWith('lxc.net.')) return resolveNetKey(key.slice('lxc.net.'.length))
  if (key.startsWith('lxc.prlimit')) return resolveKeyedFamily(key, 'lxc.prlimit')
  if (key.startsWith('lxc.sysctl')) return resolveKeyedFamily(key, 'lxc.sysctl')
  if (key.startsWith('lxc.proc')) return resolveKeyedFamily(key, 'lxc.proc')
  return undefined
}

function resolveCgroupKey(key: string, version: 1 | 2): KeyRef {
  const root = version === 2 ? 'lxc.cgroup2' : 'lxc.cgroup'
  if (key === root) return {type: 'cgroup-all', version}
  if (!key.startsWith(root + '.')) return {type: 'cgroup-invalid', version}
  return {type: 'cgroup', version, subsystem: key.slice(root.length + 1)}
}

function resolveKeyedFamily(key: string, root: 'lxc.prlimit' | 'lxc.sysctl' | 'lxc.proc'): KeyRef {
  const sub = key.startsWith(root + '.') ? key.slice(root.length + 1) : undefined
  if (root === 'lxc.prlimit') {
    if (key === root) return {type: 'prlimit-all'}
    return sub === undefined ? {type: 'family-invalid', family: root} : {type: 'prlimit', resource: sub}
  }
  if (root === 'lxc.sysctl') {
    if (key === root) return {type: 'sysctl-all'}
    return sub === undefined ? {type: 'family-invalid', family: root} : {type: 'sysctl', name: sub}
  }
  if (key === root) return {type: 'proc-all'}
  return sub === undefined ? {type: 'family-invalid', family: root} : {type: 'proc', name: sub}
}

// LXC's NETWORK_SUBKEY_SIZE_MAX: the index parser keeps at most 37 characters
// of what follows the digits.
const NET_SUBKEY_BUFFER = 38
const INT_MAX = 0x7fffffff

// get_network_config_ops(): `<digits>` parsed base 10 by strtoll, then
// `.<subkey>` looked up exactly. `lxc.net.<N>` alone is the "remove NIC" form,
// whose index LXC parses with lxc_safe_uint (base 0) instead.
function resolveNetKey(rest: string): KeyRef {
  if (!/^[0-9]/.test(rest)) return {type: 'net-invalid', reason: 'the network index must be a number'}
  if (!rest.includes('.')) return {type: 'net-nic', index: lxcSafeUint(rest)}
  const parsed = lxcSafeInt64Residual(rest, NET_SUBKEY_BUFFER)
  if (parsed === undefined) return {type: 'net-invalid', reason: 'the network index does not parse'}
  if (parsed.value >= BigInt(INT_MAX)) return {type: 'net-invalid', reason: 'the network index must be below 2147483647'}
  if (!parsed.residual.startsWith('.')) return {type: 'net-invalid', reason: 'the network index must be followed by "."'}
  const sub = parsed.residual.slice(1)
  if (!NET_BY_NAME.has(sub)) return {type: 'net-invalid', reason: `unknown network sub-key "${sub}"`}
  return {type: 'net', index: Number(parsed.value), sub}
}

function resolveLegacyKey(key: string): ResolvedKey | undefined {
  if (LEGACY_IGNORED.has(key)) return {ref: {type: 'legacy-ignored'}}
  if (key === LEGACY_ROOTFS_BACKEND) return {ref: {type: 'legacy-backend'}}
  const renamed = LEGACY_RENAMES.get(key)
  if (renamed !== undefined) {
    const ref = resolveModernKey(renamed)
    return ref === undefined ? undefined : {ref, legacy: {from: key, to: renamed}}
  }
  if (key.startsWith('lxc.limit.')) {
    const to = 'lxc.prlimit.' + key.slice('lxc.limit.'.length)
    return {ref: {type: 'prlimit', resource: key.slice('lxc.limit.'.length)}, legacy: {from: key, to}}
  }
  if (!key.startsWith('lxc.network.')) return undefined
  const rest = key.slice('lxc.network.'.length)
  const indexed = /^([0-9]+)\.(.+)$/.exec(rest)
  if (indexed !== null) {
    const sub = LEGACY_NET_SUBKEYS.get(indexed[2] as string) ?? (indexed[2] as string)
    const to = `lxc.net.${indexed[1] as string}.${sub}`
    const ref = resolveNetKey(`${indexed[1] as string}.${sub}`)
    return ref.type === 'net' ? {ref, legacy: {from: key, to}} : undefined
  }
  const sub = LEGACY_NET_SUBKEYS.get(rest) ?? rest
  if (!NET_BY_NAME.has(sub)) return undefined
  return {ref: {type: 'legacy-net', sub}, legacy: {from: key, to: `lxc.net.<N>.${sub}`}}
}

/** The sub-key table entry of `lxc.net.<N>.<sub>`. */
export function netKeyInfo(sub: string): NetKeyInfo | undefined {
  return NET_BY_NAME.get(sub)
}

/** The table entry of an exact key. */
export function exactKeyInfo(name: string): KeyInfo | undefined {
  return EXACT_BY_NAME.get(name)
}

// ---------------------------------------------------------------------------
// Did you mean

const GLOBAL_ONLY_KEYS = ['lxc.lxcpath', 'lxc.default_config', 'lxc.bdev.', 'lxc.cgroup.use', 'lxc.cgroup.pattern']

/**
 * Hints for an unsupported key: the closest valid key or family form, or
 * why the key is not accepted here. Returns an empty list when nothing is
 * close. Pure.
 */
export function suggestKey(key: string): string[] {
  if (GLOBAL_ONLY_KEYS.some((g) => key === g || (g.endsWith('.') && key.startsWith(g)))) {
    return [`"${key}" belongs in the global config (ctr.conf / lxc.conf), not in a container config`]
  }
  const net = suggestNetKey(key)
  if (net !== undefined) return [net]
  const family = suggestFamilyKey(key)
  if (family !== undefined) return [family]
  const closest = closestName(key, [...EXACT_BY_NAME.keys(), ...LEGACY_RENAMES.keys()])
  if (closest === undefined) return []
  const modern = LEGACY_RENAMES.get(closest) ?? closest
  return [`Did you mean "${modern}"?`]
}

function suggestNetKey(key: string): string | undefined {
  const m = /^lxc\.(?:net|network)\.(.*)$/.exec(key)
  if (m === null) return undefined
  const rest = m[1] as string
  const indexed = /^([0-9]+)(?:\.(.*))?$/.exec(rest)
  if (indexed === null) {
    const sub = LEGACY_NET_SUBKEYS.get(rest) ?? closestName(rest, [...NET_BY_NAME.keys()]) ?? 'type'
    return `Network keys need an index: did you mean "lxc.net.0.${sub}"?`
  }
  const index = indexed[1] as string
  const sub = indexed[2]
  if (sub === undefined || sub === '') return `Did you mean "lxc.net.${index}.type"? ("lxc.net.${index} =" with an empty value removes NIC ${index})`
  const closest = closestName(sub, [...NET_BY_NAME.keys()])
  if (closest !== undefined) return `Did you mean "lxc.net.${index}.${closest}"?`
  return `Network sub-keys are: ${[...NET_BY_NAME.keys()].join(', ')}`
}

function suggestFamilyKey(key: string): string | undefined {
  const share = /^lxc\.namespace\.share\.?(.*)$/.exec(key)
  if (share !== null) {
    const ns = share[1] as string
    if (ns.toLowerCase() === 'mount') return 'Did you mean "lxc.namespace.share.mnt"? (the namespace is called mnt)'
    const closest = closestName(ns.toLowerCase(), NAMESPACES)
    if (closest !== undefined) return `Did you mean "lxc.namespace.share.${closest}"?`
    return `Namespaces are: ${NAMESPACES.join(', ')}`
  }
  const hook = /^lxc\.hooks?\.(.+)$/.exec(key)
  if (hook !== null) {
    const closest = closestName(hook[1] as string, HOOK_TYPES)
    if (closest !== undefined) return `Did you mean "lxc.hook.${closest}"?`
    return `Hook types are: ${HOOK_TYPES.join(', ')}`
  }
  if (/^lxc\.cgroup2?$/.test(key) || /^lxc\.cgroup2?\.$/.test(key)) {
    return `Cgroup keys name a controller file, e.g. "${key.replace(/\.$/, '')}.memory.max"`
  }
  if (/^lxc\.(prlimit|sysctl|proc)\.?$/.test(key)) {
    return `"${key.replace(/\.$/, '')}" needs a name after it, e.g. "lxc.prlimit.nofile", "lxc.sysctl.net.ipv4.ip_forward", "lxc.proc.oom_score_adj"`
  }
  return undefined
}

/**
 * The candidate closest to `word` by Damerau-Levenshtein distance (case
 * folded), if it is close enough to be a likely typo: at most 3 edits and at
 * most a third of the word.
 */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  const folded = word.toLowerCase()
  const limit = Math.min(3, Math.max(1, Math.floor(folded.length / 3)))
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    // The distance is at least the difference in length: skip what cannot
    // be close, so a 1 MB key costs nothing here.
    if (Math.abs(candidate.length - folded.length) > limit) continue
    const d = editDistance(folded, candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return bestDistance <= limit ? best : undefined
}

// Optimal string alignment distance (insert, delete, substitute, swap).
function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[] = new Array<number>(rows * cols).fill(0)
  const at = (i: number, j: number): number => d[i * cols + j] as number
  for (let i = 0; i < rows; i++) d[i * cols] = i
  for (let j = 0; j < cols; j++) d[j] = j
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1)
      d[i * cols + j] = v
    }
  }
  return at(a.length, b.length)
}

// ---------------------------------------------------------------------------
// Value validators. Each returns the parsed value or throws CTR_CONFIG_VALUE.

/** Throws the CtrError every validator uses; model.ts adds the location. */
export function invalidValue(reason: string, hints: string[] = []): never {
  throw new CtrError('CTR_CONFIG_VALUE', reason, {hints})
}

/** lxc_safe_uint: 0..4294967295, C syntax (`0x10`, `010` octal, leading `+`). */
export function parseUint(value: string): number {
  const v = lxcSafeUint(value)
  if (v === undefined) invalidValue('expected an unsigned integer')
  return v
}

/** (uid_t)-1 and (gid_t)-1: setresuid/setresgid/setgroups read them as "leave unchanged". */
const UNCHANGED_ID = 0xffffffff

/**
 * lxc.init.uid / lxc.init.gid / lxc.init.groups ids: lxc_safe_uint syntax as
 * LXC (`0x10` is 16), but 4294967295, which LXC accepts, is refused: the
 * kernel reads (uid_t)-1 as "unchanged", so init would keep running as root.
 */
export function parseId(value: string, what: 'uid' | 'gid' = 'uid'): number {
  const v = parseUint(value)
  if (v === UNCHANGED_ID) invalidValue(`${v} is not a ${what}: the kernel reads it as "leave unchanged" (init would stay root)`)
  return v
}

/** lxc_safe_int: -2147483648..2147483647, C syntax. */
export function parseInt32(value: string): number {
  const v = lxcSafeInt(value)
  if (v === undefined) invalidValue('expected an integer')
  return v
}

/** The 0/1 flags (lxc_safe_uint then "> 1 is an error"). */
export function parseBool01(value: string): boolean {
  const v = lxcSafeUint(value)
  if (v === undefined || v > 1) invalidValue('expected 0 or 1')
  return v === 1
}

/** A signal per LXC's sig_parse (see signals.ts). */
export function parseSignalValue(value: string): number {
  const v = parseSignal(value)
  if (v === undefined) {
    invalidValue('expected a signal number or a name with the SIG prefix', [
      'Examples: SIGPWR, sigterm, SIGRTMIN+3, SIGRTMAX-1, 30 (PWR or RTMIN+3 without SIG are refused, as in LXC)',
    ])
  }
  return v
}

const PATH_MAX = 4096

/**
 * LXC's lxc_path_simplify (taken from systemd): collapses `//` and `/./`,
 * drops a leading `./` and trailing slashes; `..` is kept. Pure.
 */
export function simplifyPath(path: string): string {
  if (path === '') return ''
  const absolute = path.startsWith('/')
  let f = 0
  let ignoreSlash = false
  if (path[0] === '.' && (path[1] === undefined || path[1] === '/')) {
    ignoreSlash = true
    f = 1
  }
  let out = ''
  let slash = false
  for (; f < path.length; f++) {
    const ch = path[f] as string
    if (ch === '/') {
      slash = true
      continue
    }
    if (slash) {
      if (ch === '.' && (path[f + 1] === undefined || path[f + 1] === '/')) continue
      slash = false
      if (ignoreSlash) ignoreSlash = false
      else out += '/'
    }
    out += ch
  }
  if (out === '') out = absolute ? '/' : '.'
  return out
}

/** set_config_path_item: the simplified path, shorter than PATH_MAX bytes. */
export function parsePath(value: string): string {
  const simplified = simplifyPath(value)
  if (byteLength(simplified) >= PATH_MAX) invalidValue(`the path is too long (>= ${PATH_MAX} bytes)`)
  return simplified
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/** lxc.uts.name: at most 64 bytes (struct utsname's nodename is 65 with the NUL). */
export function parseUtsName(value: string): string {
  if (byteLength(value) >= 65) invalidValue('a hostname is at most 64 bytes')
  return value
}

/** lxc.tty.dir: shorter than NAME_MAX + 1 bytes. */
export function parseTtyDir(value: string): string {
  if (byteLength(value) >= 256) invalidValue('the directory name is too long (>= 256 bytes)')
  return value
}

/**
 * A network interface name. LXC copies it into a 16-byte buffer and, when it
 * does not fit, only logs an error and keeps the first 15 bytes; we refuse it
 * instead, because a truncated name can collide with another interface.
 */
export function parseIfname(value: string): string {
  if (byteLength(value) >= 16) invalidValue('an interface name is at most 15 bytes (LXC would silently truncate it)')
  return value
}

/** lxc.arch names (lxc_config_parse_arch, LXC 6.0 table, which extends 5.0's). */
const PERSONALITIES: ReadonlyMap<string, 'linux32' | 'linux64'> = new Map([
  ...['arm', 'armel', 'armhf', 'armv7l', 'athlon', 'i386', 'i486', 'i586', 'i686', 'linux32', 'mips', 'mipsel', 'ppc',
    'powerpc', 'x32', 'x86'].map((a): [string, 'linux32'] => [a, 'linux32']),
  ...['aarch64', 'amd64', 'arm64', 'linux64', 'loongarch64', 'loong64', 'mips64', 'mips64el', 'ppc64', 'ppc64el',
    'ppc64le', 'powerpc64', 'riscv64', 's390x', 'x86_64'].map((a): [string, 'linux64'] => [a, 'linux64']),
])

/** lxc.arch: a known architecture name (case-sensitive); empty is refused too. */
export function parsePersonality(value: string): 'linux32' | 'linux64' {
  const p = PERSONALITIES.get(value)
  if (p === undefined) invalidValue(`unsupported personality "${value}"`, [`Known: ${[...PERSONALITIES.keys()].join(', ')}`])
  return p
}

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'NOTICE', 'WARN', 'ERROR', 'CRIT', 'ALERT', 'FATAL'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** lxc.log.level: 0..8 (lxc_safe_int when the first character is a digit) or a name, any case. */
export function parseLogLevel(value: string): LogLevel {
  let index: number
  if (/^[0-9]/.test(value)) {
    const v = lxcSafeInt(value)
    if (v === undefined) invalidValue('expected a log level')
    index = v
  } else {
    index = LOG_LEVELS.findIndex((l) => l === value.toUpperCase())
  }
  const level = LOG_LEVELS[index]
  if (level === undefined) invalidValue('expected a log level 0-8 or a name', [`Levels: ${LOG_LEVELS.join(', ')}`])
  return level
}

const SYSLOG_FACILITIES = ['daemon', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7']

/** lxc.log.syslog: daemon or local0..local7, any case; kept as written. */
export function parseSyslogFacility(value: string): string {
  if (!SYSLOG_FACILITIES.includes(value.toLowerCase())) {
    invalidValue('unknown syslog facility', [`Facilities: ${SYSLOG_FACILITIES.join(', ')}`])
  }
  return value
}

const PAGE_SIZE = 4096n
const SIZE_SUFFIXES: ReadonlyMap<string, bigint> = new Map([['KB', 1024n], ['MB', 1024n ** 2n], ['GB', 1024n ** 3n]])

// parse_byte_size_string: a C long long with an optional KB/MB/GB suffix (any
// case); a one-letter suffix is dropped and ignored, as in LXC.
function parseByteSize(value: string): bigint | undefined {
  if (value.length === 0 || value.length > 20) return undefined
  const last = value[value.length - 1] as string
  let suffixLen = 0
  if (/[0-9]/.test(last)) suffixLen = 0
  else if (/[A-Za-z]/.test(last)) suffixLen = 1
  else return undefined
  if (suffixLen > 0) {
    if (value.length === 1) return undefined
    if (value.length === 2) {
      if (/[A-Za-z]/.test(value[0] as string)) return undefined
    } else if (/[A-Za-z]/.test(value[value.length - 2] as string)) {
      suffixLen = 2
    }
  }
  const suffix = value.slice(value.length - suffixLen)
  let number = value.slice(0, value.length - suffixLen)
  number = number.replace(/[ \t\n]+$/, '')
  const conv = lxcSafeLongLong(number)
  if (conv === undefined) return undefined
  if (suffixLen !== 2) return conv
  const multiplier = SIZE_SUFFIXES.get(suffix.toUpperCase())
  if (multiplier === undefined) return undefined
  const result = conv * multiplier
  if (result > (1n << 63n) - 1n || result < -(1n << 63n)) return undefined
  return result
}

/**
 * lxc.console.size / lxc.console.buffer.size: `auto` (128 KiB) or a byte
 * size (`12MB`, `4096`); raised to a page and rounded up to a power of two,
 * as LXC does. Returns bytes.
 */
export function parseConsoleSize(value: string): number {
  if (value === 'auto') return 1 << 17
  let size = parseByteSize(value)
  if (size === undefined || size < 0n) invalidValue('expected a size such as 128KB, 1MB or auto')
  if (size < PAGE_SIZE) size = PAGE_SIZE
  let p = 1n
  while (p < size) p <<= 1n
  if (p >= 1n << 64n) invalidValue('the size is too large')
  return Number(p)
}

/** A time namespace offset: seconds or nanoseconds, as LXC keeps them. */
export interface TimeOffset {
  readonly seconds: bigint
  readonly nanoseconds: bigint
}

const TIME_UNITS: ReadonlyMap<string, readonly [bigint, 's' | 'ns']> = new Map([
  ['h', [3600n, 's']], ['m', [60n, 's']], ['s', [1n, 's']], ['ms', [1000000n, 'ns']], ['us', [1000n, 'ns']], ['ns', [1n, 'ns']],
] as const)

const INT64_MAX = (1n << 63n) - 1n
const INT64_MIN = -(1n << 63n)

/**
 * lxc.time.offset.*: `<int><unit>` with unit h, m, s, ms, us or ns (at most
 * two characters after the number, blanks trimmed). h/m/s set the seconds
 * part, ms/us/ns the nanoseconds part; the other part is left untouched by
 * LXC, so `previous` is merged in.
 */
export function parseTimeOffset(value: string, previous: TimeOffset | undefined): TimeOffset {
  const parsed = lxcSafeInt64Residual(value, 3)
  if (parsed === undefined) invalidValue('expected an integer followed by h, m, s, ms, us or ns')
  const unit = parsed.residual.replace(/^[ \t]+|[ \t\n]+$/g, '')
  const factor = TIME_UNITS.get(unit)
  if (factor === undefined) invalidValue('the unit must be h, m, s, ms, us or ns')
  const amount = parsed.value * factor[0]
  if (amount > INT64_MAX || amount < INT64_MIN) invalidValue('the offset overflows')
  const base = previous ?? {seconds: 0n, nanoseconds: 0n}
  return factor[1] === 's' ? {...base, seconds: amount} : {...base, nanoseconds: amount}
}

/** One `lxc.idmap` line. */
export interface IdMap {
  readonly kind: 'u' | 'g'
  readonly nsid: number
  readonly hostid: number
  readonly range: number
}

/**
 * lxc.idmap: `u|g <nsid> <hostid> <range>` separated by blanks, each number
 * in lxc_safe_ulong syntax, nothing after the range (parse_idmaps).
 */
export function parseIdmap(value: string): IdMap {
  const m = /^[ \t\r]*([ug])[ \t\r]+(\S+)[ \t\r]+(\S+)[ \t\r]+(\S+)[ \t\r\n]*$/.exec(value)
  const fail = (): never => invalidValue('expected "u|g <container id> <host id> <range>"', ['Example: lxc.idmap = u 0 100000 65536'])
  if (m === null) return fail()
  const ids = [m[2], m[3], m[4]].map((t) => lxcSafeUlong(t as string))
  const [nsid, hostid, range] = ids
  if (nsid === undefined || hostid === undefined || range === undefined) return fail()
  return {kind: m[1] as 'u' | 'g', nsid: Number(nsid), hostid: Number(hostid), range: Number(range)}
}

/** lxc.init.groups: comma-separated GIDs (empty pieces skipped), each lxc_safe_uint. */
export function parseInitGroups(value: string): number[] {
  const pieces = value.split(',').filter((p) => p !== '')
  if (pieces.length === 0) invalidValue('no group given')
  return pieces.map((p) => {
    const v = lxcSafeUint(p)
    if (v === undefined || v === UNCHANGED_ID) invalidValue(`"${p}" is not a group id`)
    return v
  })
}

/** Splits on runs of blanks like LXC's lxc_iterate_parts(" \t"). */
export function splitBlanks(value: string): string[] {
  return value.split(/[ \t]+/).filter((t) => t !== '')
}

/**
 * lxc.namespace.clone / keep: blank-separated namespace names, any case.
 * `mount` is refused (the name is `mnt`), as in LXC.
 */
export function parseNamespaceList(value: string): Namespace[] {
  return splitBlanks(value).map((token) => {
    const ns = NAMESPACES.find((name) => name === token.toLowerCase())
    if (ns === undefined) {
      const hint = token.toLowerCase() === 'mount' ? ['The mount namespace is called "mnt"'] : [`Namespaces: ${NAMESPACES.join(' ')}`]
      invalidValue(`invalid namespace name "${token}"`, hint)
    }
    return ns
  })
}

/** Capability names as LXC spells them (no CAP_ prefix, lower case) and their numbers. */
export const CAPABILITIES: readonly string[] = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
]

/** CAP_LAST_CAP of the kernels LXC 6.0 knows (checkpoint_restore, Linux 5.9). */
export const DEFAULT_CAP_LAST_CAP = CAPABILITIES.length - 1

export interface CapEntry {
  /** As written in the config (LXC prints it back this way). */
  readonly name: string
  readonly value: number
}

/**
 * One capability token of lxc.cap.drop/keep (parse_cap): an exact lower-case
 * name, or a number up to the kernel's last capability.
 */
export function parseCapability(token: string, capLastCap = DEFAULT_CAP_LAST_CAP): CapEntry {
  const index = CAPABILITIES.indexOf(token)
  if (index !== -1) return {name: token, value: index}
  const v = lxcSafeUint(token)
  if (v === undefined || v > capLastCap) {
    const upper = /^cap_/i.test(token) ? [`Write "${token.slice(4).toLowerCase()}": LXC wants the name without CAP_, in lower case`] : []
    invalidValue(`invalid capability "${token}"`, upper)
  }
  return {name: token, value: v}
}

/** The `lxc.mount.auto` families; cgroup and cgroup2 share one (LXC_AUTO_CGROUP_MASK). */
export type MountAutoToken =
  | {readonly family: 'proc'; readonly mode: 'mixed' | 'rw'}
  | {readonly family: 'sys'; readonly mode: 'mixed' | 'ro' | 'rw'}
  | {readonly family: 'cgroup'; readonly mode?: 'mixed' | 'ro' | 'rw'; readonly full: boolean; readonly force: boolean}
  | {readonly family: 'cgroup2'; readonly ro: boolean}
  /** host undefined: a bare `shmounts:` (LXC sets the flag and keeps any earlier paths). */
  | {readonly family: 'shmounts'; readonly host: string | undefined; readonly container: string}

const MOUNT_AUTO_TOKENS: ReadonlyMap<string, MountAutoToken> = (() => {
  const m = new Map<string, MountAutoToken>([
    ['proc', {family: 'proc', mode: 'mixed'}],
    ['proc:mixed', {family: 'proc', mode: 'mixed'}],
    ['proc:rw', {family: 'proc', mode: 'rw'}],
    ['sys', {family: 'sys', mode: 'mixed'}],
    ['sys:ro', {family: 'sys', mode: 'ro'}],
    ['sys:mixed', {family: 'sys', mode: 'mixed'}],
    ['sys:rw', {family: 'sys', mode: 'rw'}],
    ['cgroup2', {family: 'cgroup2', ro: false}],
    ['cgroup2:ro', {family: 'cgroup2', ro: true}],
    ['cgroup2:force', {family: 'cgroup2', ro: false}],
    ['cgroup2:ro:force', {family: 'cgroup2', ro: true}],
  ])
  for (const full of [false, true]) {
    for (const force of [false, true]) {
      for (const mode of [undefined, 'mixed', 'ro', 'rw'] as const) {
        const name = (full ? 'cgroup-full' : 'cgroup') + (mode === undefined ? '' : `:${mode}`) + (force ? ':force' : '')
        m.set(name, mode === undefined ? {family: 'cgroup', full, force} : {family: 'cgroup', mode, full, force})
      }
    }
  }
  return m
})()

/**
 * lxc.mount.auto: blank-separated tokens from LXC's allowed_auto_mounts
 * table, plus `shmounts:HOST[:CONTAINER]` (container path defaults to
 * /dev/.lxc-mounts). Unknown tokens are refused.
 */
export function parseMountAuto(value: string): MountAutoToken[] {
  return splitBlanks(value).map((token) => {
    const known = MOUNT_AUTO_TOKENS.get(token)
    if (known !== undefined) return known
    // A bare "shmounts:" matches LXC's table entry itself, so LXC takes it
    // without looking for paths; "shmounts:" followed by text must name one.
    if (token === 'shmounts:') return {family: 'shmounts', host: undefined, container: '/dev/.lxc-mounts'}
    if (token.startsWith('shmounts:')) {
      const spec = token.slice('shmounts:'.length)
      const colon = spec.indexOf(':')
      if (colon === -1 || colon === spec.length - 1) {
        return {family: 'shmounts', host: colon === -1 ? spec : spec.slice(0, colon), container: '/dev/.lxc-mounts'}
      }
      return {family: 'shmounts', host: spec.slice(0, colon), container: spec.slice(colon + 1)}
    }
    const closest = closestName(token, MOUNT_AUTO_TOKENS.keys())
    invalidValue(`invalid filesystem to automount "${token}"`, closest === undefined ? [] : [`Did you mean "${closest}"?`])
  })
}

/** An rlimit value: a number (bigint, up to 2^64-1) or unlimited. */
export type RlimitValue = bigint | 'unlimited'

const RLIM_INFINITY = (1n << 64n) - 1n

/**
 * lxc.prlimit.<res>: `soft[:hard]`, each a number or `unlimited`; one value
 * sets both. Numbers follow strtoull, except that a sign `-` is refused (LXC
 * wraps `-1` to unlimited and `-5` to 2^64-5).
 */
export function parsePrlimit(value: string): {soft: RlimitValue; hard: RlimitValue} {
  const fail = (): never => invalidValue('expected SOFT[:HARD], each a number or "unlimited"')
  let pos = 0
  const parseLimit = (): RlimitValue => {
    if (value.startsWith('unlimited', pos)) {
      pos += 'unlimited'.length
      return 'unlimited'
    }
    // strtoull takes "-5" as 2^64-5 (LXC even reads "-1" as unlimited):
    // a negative limit is a mistake, refused with the way to say it.
    let sign = pos
    while (isCSpace(value[sign])) sign++
    if (value[sign] === '-') invalidValue('a resource limit cannot be negative', ['Write "unlimited" for no limit'])
    const r = cStrtoul(value.slice(pos), 10)
    if (r.erange) return fail()
    pos += r.end
    return r.value === RLIM_INFINITY ? 'unlimited' : r.value
  }
  const soft = parseLimit()
  while (isCSpace(value[pos])) pos++
  if (value[pos] === ':') pos++
  else if (pos < value.length) fail()
  while (isCSpace(value[pos])) pos++
  if (pos >= value.length) return {soft, hard: soft}
  const hard = parseLimit()
  while (isCSpace(value[pos])) pos++
  if (pos < value.length) fail()
  return {soft, hard}
}

/** Resource names setup_resource_limits knows; numbers are accepted too. */
export const RLIMIT_RESOURCES = [
  'as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio',
  'rttime', 'sigpending', 'stack',
] as const

/** Whether LXC will accept this resource name when it applies the limits. */
export function isKnownRlimit(resource: string): boolean {
  return (RLIMIT_RESOURCES as readonly string[]).includes(resource) || lxcSafeInt(resource) !== undefined
}

/** lxc.cgroup.dir and friends: relative, no `..` anywhere (LXC's dotdot is a substring test). */
export function parseCgroupDir(key: string, value: string): string {
  if (value.startsWith('/')) invalidValue(`${key} paths may not be absolute`)
  if (value.includes('..')) invalidValue(`${key} paths may not walk upwards via "../"`)
  return parsePath(value)
}

/** lxc.cgroup.dir.container.inner: one directory name. */
export function parseCgroupInnerDir(value: string): string {
  if (value.startsWith('/')) invalidValue('lxc.cgroup.dir.container.inner paths may not be absolute')
  if (value.includes('/') || value === '.' || value === '..') {
    invalidValue('lxc.cgroup.dir.container.inner must be a single directory name')
  }
  return value
}

/**
 * lxc.seccomp.notify.proxy: `unix:/path` or `unix:@abstract`, fitting a
 * sockaddr_un. Returns the part after `unix:`.
 */
export function parseNotifyProxy(value: string): string {
  if (!value.startsWith('unix:')) invalidValue('expected unix:/path or unix:@name')
  const path = value.slice(5)
  if (path === '' || (path[0] !== '/' && path[0] !== '@') || path.length === 1) {
    invalidValue('expected unix:/path or unix:@name')
  }
  if (byteLength(path) + 1 > 108) invalidValue('the socket path is too long')
  return path
}

/** The LXC-specific mount options (lxc_mount_options_info). */
export interface LxcMountOptions {
  readonly optional: boolean
  readonly createDir: boolean
  readonly createFile: boolean
  readonly relative: boolean
  readonly idmap?: string
}

/**
 * Splits fstab options into the LXC-specific ones and the rest. LXC finds
 * its own options with strstr (so `nooptional` would count as `optional`);
 * we match whole comma-separated options, which is what every real config
 * means.
 */
export function splitMountOptions(options: string): {lxc: LxcMountOptions; rest: string[]} {
  let optional = false
  let createDir = false
  let createFile = false
  let relative = false
  let idmap: string | undefined
  const rest: string[] = []
  for (const opt of options.split(',')) {
    if (opt === '') continue
    if (opt === 'optional') optional = true
    else if (opt === 'create=dir') createDir = true
    else if (opt === 'create=file') createFile = true
    else if (opt === 'relative') relative = true
    else if (opt.startsWith('idmap=')) idmap = opt.slice('idmap='.length)
    else rest.push(opt)
  }
  const lxc = {optional, createDir, createFile, relative}
  return {lxc: idmap === undefined ? lxc : {...lxc, idmap}, rest}
}

/** lxc.rootfs.options: fstab options; optional/create=/relative are refused, idmap= needs a value. */
export function parseRootfsOptions(value: string): {options: string[]; idmap?: string} {
  const {lxc, rest} = splitMountOptions(value)
  if (lxc.optional || lxc.createDir || lxc.createFile || lxc.relative) {
    invalidValue('invalid LXC specific mount option for rootfs mount', ['optional, create=dir, create=file and relative only apply to lxc.mount.entry'])
  }
  if (lxc.idmap === '') invalidValue('missing idmap path for "idmap=<path>"')
  return lxc.idmap === undefined ? {options: rest} : {options: rest, idmap: lxc.idmap}
}

/** lxc.environment: `NAME=VALUE`, or `NAME` copied from `env` (an error if unset there). */
export function parseEnvironment(value: string, env: Readonly<Record<string, string | undefined>>): [string, string] {
  const eq = value.indexOf('=')
  if (eq !== -1) return [value.slice(0, eq), value.slice(eq + 1)]
  const inherited = env[value]
  if (inherited === undefined || !Object.hasOwn(env, value)) {
    invalidValue(`environment variable "${value}" is not set`, [
      `"lxc.environment = ${value}" copies ${value} from the caller's environment; set it or write ${value}=VALUE`,
    ])
  }
  return [value, inherited]
}

/** lxc.start.auto / lxc.start.delay / lxc.start.order. */
export function parseStartValue(key: 'auto' | 'delay' | 'order', value: string): number {
  if (key === 'auto') return parseBool01(value) ? 1 : 0
  if (key === 'delay') return parseUint(value)
  return parseInt32(value)
}

// ---------------------------------------------------------------------------
// Addresses (glibc inet_pton/inet_ntop semantics)

/** glibc inet_pton(AF_INET): exactly four decimal octets, no leading zeros. */
export function inetPton4(text: string): number[] | undefined {
  const out: number[] = [0]
  let sawDigit = false
  let octets = 0
  for (const ch of text) {
    if (ch >= '0' && ch <= '9') {
      const cur = out[out.length - 1] as number
      if (sawDigit && cur === 0) return undefined
      const next = cur * 10 + (ch.charCodeAt(0) - 48)
      if (next > 255) return undefined
      out[out.length - 1] = next
      if (!sawDigit) {
        if (++octets > 4) return undefined
        sawDigit = true
      }
    } else if (ch === '.' && sawDigit) {
      if (octets === 4) return undefined
      out.push(0)
      sawDigit = false
    } else {
      return undefined
    }
  }
  return octets < 4 ? undefined : out
}

/** glibc inet_pton(AF_INET6): returns the 16 bytes, or undefined. Zone ids (`%eth0`) are refused. */
export function inetPton6(text: string): number[] | undefined {
  const bytes: number[] = new Array<number>(16).fill(0)
  let tp = 0
  let colon = -1
  let src = 0
  if (text.length === 0) return undefined
  if (text[0] === ':') {
    src++
    if (text[src] !== ':') return undefined
  }
  let curtok = src
  let digits = 0
  let val = 0
  while (src < text.length) {
    const ch = text[src++] as string
    const digit = /[0-9a-fA-F]/.test(ch) ? parseInt(ch, 16) : -1
    if (digit >= 0) {
      if (digits === 4) return undefined
      val = (val << 4) | digit
      digits++
      continue
    }
    if (ch === ':') {
      curtok = src
      if (digits === 0) {
        if (colon !== -1) return undefined
        colon = tp
        continue
      } else if (src === text.length) {
        return undefined
      }
      if (tp + 2 > 16) return undefined
      bytes[tp++] = (val >> 8) & 0xff
      bytes[tp++] = val & 0xff
      digits = 0
      val = 0
      continue
    }
    if (ch === '.' && tp + 4 <= 16) {
      const v4 = inetPton4(text.slice(curtok))
      if (v4 === undefined) return undefined
      for (const b of v4) bytes[tp++] = b
      digits = 0
      break
    }
    return undefined
  }
  if (digits > 0) {
    if (tp + 2 > 16) return undefined
    bytes[tp++] = (val >> 8) & 0xff
    bytes[tp++] = val & 0xff
  }
  if (colon !== -1) {
    if (tp === 16) return undefined
    const moved = bytes.slice(colon, tp)
    for (let i = colon; i < 16; i++) bytes[i] = 0
    for (let i = 0; i < moved.length; i++) bytes[16 - moved.length + i] = moved[i] as number
    tp = 16
  }
  return tp === 16 ? bytes : undefined
}

/** glibc inet_ntop(AF_INET). */
export function inetNtop4(bytes: readonly number[]): string {
  return bytes.slice(0, 4).join('.')
}

/** glibc inet_ntop(AF_INET6): longest zero run (>= 2 words) as `::`, embedded IPv4 for ::a.b.c.d and ::ffff:a.b.c.d. */
export function inetNtop6(bytes: readonly number[]): string {
  const words: number[] = []
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number))
  let best = {base: -1, len: 0}
  let cur = {base: -1, len: 0}
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      cur = cur.base === -1 ? {base: i, len: 1} : {base: cur.base, len: cur.len + 1}
    } else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur
      cur = {base: -1, len: 0}
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur
  if (best.base !== -1 && best.len < 2) best = {base: -1, len: 0}
  let out = ''
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':'
      continue
    }
    if (i !== 0) out += ':'
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += inetNtop4(bytes.slice(12))
      break
    }
    out += (words[i] as number).toString(16)
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ':'
  return out
}

export interface Ipv4Address {
  /** Canonical dotted quad. */
  readonly address: string
  readonly prefix: number
  readonly broadcast: string
}

export interface Ipv6Address {
  /** Canonical (inet_ntop) form. */
  readonly address: string
  readonly prefix: number
}

export type Gateway = {readonly kind: 'auto'} | {readonly kind: 'dev'} | {readonly kind: 'address'; readonly address: string}

/**
 * lxc.net.N.ipv4.address: `a.b.c.d[/prefix][ broadcast]`. Without a prefix
 * LXC derives a "classful" one from the address as a little-endian integer,
 * i.e. from the last octet (< 128: /8, < 192: /16, < 224: /24, else /0) —
 * reproduced here, with a warning in the model. The broadcast is computed
 * like LXC 6.0 (0.0.0.0 for /31 and /32).
 */
export function parseIpv4Address(value: string): Ipv4Address & {readonly classful: boolean} {
  const space = value.indexOf(' ')
  const addrPart = space === -1 ? value : value.slice(0, space)
  const bcastPart = space === -1 ? undefined : value.slice(space + 1)
  const slash = addrPart.indexOf('/')
  const addrText = slash === -1 ? addrPart : addrPart.slice(0, slash)
  const bytes = inetPton4(addrText)
  if (bytes === undefined) invalidValue(`invalid ipv4 address "${value}"`)
  let bcast: number[] | undefined
  if (bcastPart !== undefined) {
    bcast = inetPton4(bcastPart)
    if (bcast === undefined) invalidValue(`invalid ipv4 broadcast address "${value}"`)
  }
  let prefix: number
  if (slash !== -1) {
    const p = lxcSafeUint(addrPart.slice(slash + 1))
    if (p === undefined || p > 32) invalidValue('the prefix length must be 0..32')
    prefix = p
  } else {
    const last = bytes[3] as number
    prefix = last < 128 ? 8 : last < 192 ? 16 : last < 224 ? 24 : 0
  }
  if (bcast === undefined) {
    if (prefix >= 31) {
      bcast = [0, 0, 0, 0]
    } else {
      const host = prefix === 0 ? 0xffffffff : 0xffffffff >>> prefix
      bcast = bytes.map((b, i) => b | ((host >>> (8 * (3 - i))) & 0xff))
    }
  }
  return {address: inetNtop4(bytes), prefix, broadcast: inetNtop4(bcast), classful: slash === -1}
}

/** lxc.net.N.ipv6.address: `addr[/prefix]`, prefix 64 by default; LXC does not bound the prefix. */
export function parseIpv6Address(value: string): Ipv6Address {
  const slash = value.indexOf('/')
  let prefix = 64
  if (slash !== -1) {
    const p = lxcSafeUint(value.slice(slash + 1))
    if (p === undefined) invalidValue('invalid ipv6 prefix length')
    prefix = p
  }
  const bytes = inetPton6(slash === -1 ? value : value.slice(0, slash))
  if (bytes === undefined) invalidValue(`invalid ipv6 address "${slash === -1 ? value : value.slice(0, slash)}"`)
  return {address: inetNtop6(bytes), prefix}
}

/** lxc.net.N.ipv4.gateway / ipv6.gateway: `auto`, `dev` or an address. */
export function parseGateway(value: string, family: 4 | 6): Gateway {
  if (value === 'auto') return {kind: 'auto'}
  if (value === 'dev') return {kind: 'dev'}
  if (family === 4) {
    const b = inetPton4(value)
    if (b === undefined) invalidValue(`invalid ipv4 gateway address "${value}"`)
    return {kind: 'address', address: inetNtop4(b)}
  }
  const b = inetPton6(value)
  if (b === undefined) invalidValue(`invalid ipv6 gateway address "${value}"`)
  return {kind: 'address', address: inetNtop6(b)}
}

/** lxc.net.N.veth.ipv4.route / ipv6.route: `addr/prefix`, prefix required and bounded. */
export function parseRoute(value: string, family: 4 | 6): Ipv6Address {
  const slash = value.indexOf('/')
  if (slash === -1 || slash === value.length - 1) invalidValue('expected ADDRESS/PREFIX')
  const prefix = lxcSafeUint(value.slice(slash + 1))
  const max = family === 4 ? 32 : 128
  if (prefix === undefined || prefix > max) invalidValue(`the prefix length must be 0..${max}`)
  const text = value.slice(0, slash)
  const bytes = family === 4 ? inetPton4(text) : inetPton6(text)
  if (bytes === undefined) invalidValue(`invalid ipv${family} address "${text}"`)
  return {address: family === 4 ? inetNtop4(bytes) : inetNtop6(bytes), prefix}
}

/** lxc.net.N.vlan.id: 0..65535 (get_u16). */
export function parseVlanId(value: string): number {
  const v = lxcGetU16(value)
  if (v === undefined) invalidValue('expected a VLAN id 0..65535')
  return v
}

/** lxc.net.N.veth.vlan.id (`none` or 0..4094) and veth.vlan.tagged.id (0..4094). */
export function parseBridgeVlanId(value: string, allowNone: boolean): number | 'none' {
  if (allowNone && value === 'none') return 'none'
  const v = lxcGetU16(value)
  if (v === undefined || v > 4094) invalidValue(allowNone ? 'expected "none" or a VLAN id 0..4094' : 'expected a VLAN id 0..4094')
  return v
}

/** lxc.net.N.veth.n_rxqueues / n_txqueues: a positive int. */
export function parseQueueCount(value: string): number {
  const v = lxcSafeInt(value)
  if (v === undefined || v <= 0) invalidValue('expected a positive number of queues')
  return v
}

const VETH_MODES = ['bridge', 'router'] as const
const MACVLAN_MODES = ['private', 'vepa', 'bridge', 'passthru'] as const
const IPVLAN_MODES = ['l3', 'l3s', 'l2'] as const
const IPVLAN_ISOLATIONS = ['bridge', 'private', 'vepa'] as const
export type VethMode = (typeof VETH_MODES)[number]
export type MacvlanMode = (typeof MACVLAN_MODES)[number]
export type IpvlanMode = (typeof IPVLAN_MODES)[number]
export type IpvlanIsolation = (typeof IPVLAN_ISOLATIONS)[number]

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  const found = allowed.find((a) => a === value)
  if (found === undefined) invalidValue(`invalid ${what} "${value}"`, [`Allowed: ${allowed.join(', ')}`])
  return found
}

/** lxc.net.N.veth.mode: bridge or router. */
export function parseVethMode(value: string): VethMode {
  return oneOf(value, VETH_MODES, 'veth mode')
}

/** lxc.net.N.macvlan.mode: private, vepa, bridge or passthru. */
export function parseMacvlanMode(value: string): MacvlanMode {
  return oneOf(value, MACVLAN_MODES, 'macvlan mode')
}

/** lxc.net.N.ipvlan.mode: l3, l3s or l2. */
export function parseIpvlanMode(value: string): IpvlanMode {
  return oneOf(value, IPVLAN_MODES, 'ipvlan mode')
}

/** lxc.net.N.ipvlan.isolation: bridge, private or vepa. */
export function parseIpvlanIsolation(value: string): IpvlanIsolation {
  return oneOf(value, IPVLAN_ISOLATIONS, 'ipvlan isolation')
}

/** lxc.net.N.type: one of NET_TYPES, exact case. */
export function parseNetType(value: string): NetType {
  return oneOf(value, NET_TYPES, 'network type')
}

/** Storage types of lxc.rootfs.path, in LXC's lookup order (storage.c bdevs). */
export const ROOTFS_TYPES = ['dir', 'zfs', 'lvm', 'rbd', 'btrfs', 'overlay', 'overlayfs', 'loop', 'nbd'] as const
export type RootfsStorage = (typeof ROOTFS_TYPES)[number]

/**
 * The storage a `type:` prefix selects, as get_storage_by_name matches it:
 * the first table name the prefix is a prefix of (`over` is overlay).
 * Undefined for an empty or unknown prefix: LXC then detects the type from
 * the path at start.
 */
export function matchRootfsType(prefix: string): RootfsStorage | undefined {
  if (prefix === '') return undefined
  return ROOTFS_TYPES.find((t) => t.startsWith(prefix))
}

/**
 * lxc.rootfs.path: split at the first `:` into the storage type and the
 * path, the path simplified like every LXC path (only the path part is what
 * `lxc-info -c lxc.rootfs.path` prints).
 */
export function parseRootfsPath(value: string): {prefix?: string; path: string} {
  const colon = value.indexOf(':')
  if (colon === -1) return {path: parsePath(value)}
  return {prefix: simplifyPath(value.slice(0, colon)), path: parsePath(value.slice(colon + 1))}
}

/**
 * lxc_string_split_quoted, used for lxc.init.cmd: words split on blanks; a
 * word starting with `'` or `"` runs to the next same quote (the quotes are
 * dropped, the next word starts right after); a quote inside a word is
 * literal; an unterminated quoted word is dropped; no escapes. Pure.
 */
export function splitCommand(cmd: string): string[] {
  const words: string[] = []
  let state: ' ' | 'a' | '"' | "'" = ' '
  let start = 0
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i] as string
    if (state === ' ') {
      if (isCSpace(ch)) continue
      start = i
      state = ch === '"' || ch === "'" ? ch : 'a'
    } else if (state === 'a') {
      if (isCSpace(ch)) {
        words.push(cmd.slice(start, i))
        state = ' '
      }
    } else if (ch === state) {
      words.push(cmd.slice(start + 1, i))
      state = ' '
    }
  }
  if (state === 'a') words.push(cmd.slice(start))
  return words
}
