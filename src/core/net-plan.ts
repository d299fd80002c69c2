// lxc.net.* at start: from the parsed interfaces to what the monitor makes
// (native/netspec.h), with the checks LXC 5.0.2 only does while starting
// (src/lxc/network.c) done here first, each naming its file:line. Also
// LXC's random hwaddr completion (confile_utils.c rand_complete_hwaddr) and
// its write-back of completed addresses at create (confile.c update_hwaddr).
// Pure: randomness and the host's interface names come from the caller.
// docs/networking.md describes the whole feature.

import type {ContainerConfig, Gateway, NetConfig, NetType} from './config/index.js'
import {formatLocation, lxcSafeUint} from './config/index.js'
import {LXC_DEFAULT_ROOTFS_MOUNT} from './config/get-item.js'
import {CtrError} from './errors.js'

/** n random bytes (crypto.randomBytes in ctr; fixed bytes in tests). */
export type RandomBytes = (n: number) => Uint8Array

export interface NicAddress {
  family: 4 | 6
  address: string
  prefix: number
  /** IPv4 only. */
  broadcast?: string
}

/** One interface for the monitor: the `net`, `netmode`, `netaddr`, ... records. */
export interface NicSpec {
  /** N of lxc.net.N. */
  index: number
  type: Exclude<NetType, 'none'>
  up: boolean
  l2proxy: boolean
  link: string
  /** '' lets the kernel name it eth%d. */
  name: string
  /** Completed and canonical (aa:bb:cc:dd:ee:ff), or ''. */
  hwaddr: string
  mtu: number | undefined
  /** veth: bridge|router; macvlan: private|vepa|bridge|passthru; ipvlan: l2|l3|l3s. */
  mode: string
  isolation: string
  /** vlan: the id; veth: the untagged VLAN, -1 for `none`. */
  vlanId: number | undefined
  pair: string
  rxQueues: number | undefined
  txQueues: number | undefined
  addresses: NicAddress[]
  /** veth.ipv4.route / veth.ipv6.route. */
  routes: NicAddress[]
  gateway4: Gateway | undefined
  gateway6: Gateway | undefined
  taggedVlans: number[]
  scriptUp: string | undefined
  scriptDown: string | undefined
}

export interface NetPlan {
  nics: NicSpec[]
  /** LXC's hook environment for script.up/script.down (empty without scripts). */
  scriptEnv: string[]
  hookVersion: number
}

export interface NetPlanContext {
  name: string
  configFile: string | undefined
  /** The kernel has cgroup namespaces (LXC_CGNS_AWARE). */
  cgroupNs: boolean
  /** The log level name (LXC_LOG_LEVEL). */
  logLevel: string
  random: RandomBytes
  /** Interface names in the monitor's network namespace: only for a phys `link+` pattern. */
  interfaces?: readonly string[]
}

const HEX = '0123456789abcdef'

/**
 * LXC's rand_complete_hwaddr: every x or X becomes a random hex digit; the
 * second character gets an even one, so that the address stays unicast.
 */
export function completeHwaddr(text: string, random: RandomBytes): string {
  const count = [...text].filter((c) => c === 'x' || c === 'X').length
  if (count === 0) return text
  const bytes = random(count)
  let k = 0
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (c !== 'x' && c !== 'X') {
      out += c
      continue
    }
    const r = bytes[k++] ?? 0
    out += HEX[i === 1 ? r & 0x0e : r & 0x0f]
  }
  return out
}

/**
 * lxc_convert_mac's grammar: pairs of hex digits with optional `:` between
 * them, a lone digit before `:` or the end being one byte. LXC reads stack
 * garbage after fewer than six bytes and ignores anything after six; both
 * are refused here. Returns the canonical form; throws the reason.
 */
export function parseHwaddr(text: string): string {
  const bytes: number[] = []
  let i = 0
  const hex = (c: string | undefined): number => (c === undefined ? -1 : HEX.indexOf(c.toLowerCase()))
  while (i < text.length && bytes.length < 6) {
    const hi = hex(text[i++])
    if (hi < 0) throw new Error(`"${text}" is not a MAC address (${JSON.stringify(text[i - 1])} is not a hex digit)`)
    const next = text[i]
    if (next === undefined || next === ':') bytes.push(hi)
    else {
      const lo = hex(next)
      if (lo < 0) throw new Error(`"${text}" is not a MAC address (${JSON.stringify(next)} is not a hex digit)`)
      bytes.push(hi * 16 + lo)
      i++
    }
    if (text[i] === ':') i++
  }
  if (bytes.length < 6) throw new Error(`"${text}" is not a MAC address (six bytes are needed)`)
  if (i < text.length) throw new Error(`"${text}" is not a MAC address (more than six bytes)`)
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')
}

/**
 * LXC's update_hwaddr at create: in the lines of the top-level config file
 * (not of included ones), every `lxc.net.N.hwaddr` / `lxc.network.hwaddr`
 * value has its x's completed, so that the saved config keeps one address.
 * Other lines are kept byte for byte.
 */
export function expandHwaddrLines(text: string, random: RandomBytes): string {
  return text.replace(/^([ \t]*)(lxc\.net(?:work)?(?:\.[0-9]+)?\.hwaddr[^=\n]*=[ \t]*)([^\n]*)$/gm, (line, lead: string, key: string, value: string) => {
    if (!isHwaddrKey(key.replace(/=[ \t]*$/, '').trim())) return line
    return `${lead}${key}${completeHwaddr(value, random)}`
  })
}

// lxc_config_net_is_hwaddr: lxc.net.hwaddr, lxc.network.hwaddr, or
// lxc.net[work].<unsigned>.<6 chars starting "hwaddr">.
function isHwaddrKey(key: string): boolean {
  return /^lxc\.net(work)?(\.[0-9]+)?\.hwaddr/.test(key)
}

function configError(nic: NetConfig, config: ContainerConfig, sub: string, message: string, hints: string[] = []): CtrError {
  const used = config.used.get(`lxc.net.${nic.index}.${sub}`)
  const where = formatLocation(used ?? nic.source)
  return new CtrError('CTR_CONFIG_INVALID', `${where}: lxc.net.${nic.index}.${sub}: ${message}`, {hints})
}

const NEEDS_LINK: ReadonlySet<NetType> = new Set(['macvlan', 'ipvlan', 'vlan', 'phys'])

function checkNic(nic: NetConfig, config: ContainerConfig): void {
  const err = (sub: string, message: string, hints: string[] = []): never => {
    throw configError(nic, config, sub, message, hints)
  }
  if (nic.type === undefined) err('type', 'the network has no type (an empty lxc.net.N.type line cleared it)', ['Set a type, or remove the network with "lxc.net.N ="'])
  // LXC makes such a NIC an unnamed loopback, which it then refuses to start.
  if (nic.implicit) err('type', `network ${nic.index} has keys but no type line before them`, [`Put lxc.net.${nic.index}.type first: setting the type discards the network's earlier keys`])
  const type = nic.type as NetType
  if (NEEDS_LINK.has(type) && nic.link === undefined) err('link', `a ${type} network needs a link (the ${type === 'phys' ? 'device to move into the container' : 'parent device'})`)
  if (type === 'empty' && nic.name !== 'lo') err('name', 'an empty network is the loopback device: its name can only be lo (LXC: custom loopback device names are not supported)')
  for (const [family, gw, addresses] of [[4, nic.ipv4.gateway, nic.ipv4.addresses], [6, nic.ipv6.gateway, nic.ipv6.addresses]] as const) {
    if (gw === undefined) continue
    const key = `ipv${family}.gateway`
    if (!nic.up) err(key, 'a gateway needs the interface up', [`Add lxc.net.${nic.index}.flags = up`])
    const linkLocal = gw.kind === 'address' && family === 6 && /^fe[89ab]/i.test(gw.address)
    if (addresses.length === 0 && !linkLocal) err(key, `a gateway needs an IPv${family} address on the interface`, [`Add lxc.net.${nic.index}.ipv${family}.address`])
    if (gw.kind === 'auto' && type !== 'veth' && type !== 'macvlan') err(key, 'auto finds the gateway on the link: only veth and macvlan networks have one')
    if (gw.kind === 'auto' && nic.link === undefined) err(key, 'auto takes the gateway from the link\'s address, and there is no link', [`Set lxc.net.${nic.index}.link, or give the gateway's address`])
  }
  if (type === 'veth') checkVeth(nic, err)
  if (type === 'ipvlan' && nic.l2proxy && nic.ipvlan.mode !== 'l3s') err('l2proxy', 'l2proxy with ipvlan needs ipvlan.mode = l3s')
}

function checkVeth(nic: NetConfig, err: (sub: string, message: string, hints?: string[]) => never): void {
  const v = nic.veth
  if (v.mode === undefined) err('veth.mode', 'the veth mode was cleared: set bridge or router')
  const vlans = v.vlanId !== undefined || v.vlanTaggedIds.length > 0
  // LXC validate_veth.
  if (vlans && (v.mode !== 'bridge' || nic.link === undefined)) {
    err(v.vlanId !== undefined ? 'veth.vlan.id' : 'veth.vlan.tagged.id', 'VLANs need veth.mode = bridge and a bridge in lxc.net.N.link')
  }
  if (typeof v.vlanId === 'number' && v.vlanTaggedIds.includes(v.vlanId)) err('veth.vlan.tagged.id', `VLAN ${v.vlanId} is already the untagged veth.vlan.id`)
}

/** lxc.net.N.mtu: lxc_safe_uint at start; 0 leaves the default. */
function parseMtu(nic: NetConfig, config: ContainerConfig): number | undefined {
  if (nic.mtu === undefined) return undefined
  const v = lxcSafeUint(nic.mtu)
  if (v === undefined) throw configError(nic, config, 'mtu', `"${nic.mtu}" is not an MTU (a number of bytes)`)
  return v === 0 ? undefined : v
}

function hwaddrOf(nic: NetConfig, config: ContainerConfig, random: RandomBytes): string {
  if (nic.hwaddr === undefined) return ''
  try {
    return parseHwaddr(completeHwaddr(nic.hwaddr, random))
  } catch (error) {
    throw configError(nic, config, 'hwaddr', (error as Error).message, ['Write six bytes, e.g. 00:16:3e:xx:xx:xx (each x becomes a random digit)'])
  }
}

function nicSpec(nic: NetConfig, config: ContainerConfig, ctx: NetPlanContext): NicSpec {
  checkNic(nic, config)
  const type = nic.type as Exclude<NetType, 'none'>
  const mode = type === 'veth' ? nic.veth.mode ?? 'bridge' : type === 'macvlan' ? nic.macvlan.mode ?? 'private' : type === 'ipvlan' ? nic.ipvlan.mode ?? 'l2' : ''
  const v4 = nic.ipv4.addresses.map((a): NicAddress => ({family: 4, address: a.address, prefix: a.prefix, broadcast: a.broadcast}))
  const v6 = nic.ipv6.addresses.map((a): NicAddress => ({family: 6, address: a.address, prefix: a.prefix}))
  return {
    index: nic.index,
    type,
    up: nic.up,
    l2proxy: nic.l2proxy,
    link: nic.link ?? '',
    // LXC: a phys device keeps its own name unless one is given.
    name: type === 'phys' ? nic.name ?? nic.link ?? '' : nic.name ?? '',
    hwaddr: hwaddrOf(nic, config, ctx.random),
    mtu: parseMtu(nic, config),
    mode,
    isolation: type === 'ipvlan' ? nic.ipvlan.isolation ?? 'bridge' : '',
    vlanId: type === 'vlan' ? nic.vlan.id : type === 'veth' && nic.veth.vlanId !== undefined ? (nic.veth.vlanId === 'none' ? -1 : nic.veth.vlanId) : undefined,
    pair: type === 'veth' ? nic.veth.pair ?? '' : '',
    rxQueues: type === 'veth' ? nic.veth.rxQueues : undefined,
    txQueues: type === 'veth' ? nic.veth.txQueues : undefined,
    addresses: [...v4, ...v6],
    routes: type === 'veth' ? [...nic.veth.ipv4Routes.map((r): NicAddress => ({family: 4, ...r})), ...nic.veth.ipv6Routes.map((r): NicAddress => ({family: 6, ...r}))] : [],
    gateway4: nic.ipv4.gateway,
    gateway6: nic.ipv6.gateway,
    taggedVlans: type === 'veth' ? [...nic.veth.vlanTaggedIds] : [],
    scriptUp: nic.script.up,
    scriptDown: nic.script.down,
  }
}

/**
 * A phys `link` ending in `+` names every interface of the monitor's
 * namespace with that prefix; each moves in under its own name. (LXC's
 * parser means the same but, re-setting one NIC per match, keeps only the
 * last.) Settings that cannot apply to several devices are refused.
 */
function expandPattern(spec: NicSpec, nic: NetConfig, config: ContainerConfig, interfaces: readonly string[]): NicSpec[] {
  const prefix = spec.link.slice(0, -1)
  const matches = interfaces.filter((i) => i.startsWith(prefix) && i !== 'lo')
  if (matches.length === 0) throw configError(nic, config, 'link', `no interface matches "${spec.link}"`, ['A link ending in + moves every interface whose name starts with what precedes it'])
  if (matches.length > 1) {
    const single = [['name', nic.name], ['hwaddr', nic.hwaddr], ['ipv4.address', nic.ipv4.addresses[0]], ['ipv6.address', nic.ipv6.addresses[0]]] as const
    for (const [sub, value] of single) {
      if (value !== undefined) throw configError(nic, config, sub, `"${spec.link}" matches ${matches.length} interfaces (${matches.join(', ')}), and ${sub} can only apply to one`)
    }
  }
  return matches.map((m) => ({...spec, link: m, name: nic.name ?? m}))
}

function scriptEnvironment(config: ContainerConfig, ctx: NetPlanContext): string[] {
  const env: string[] = [`LXC_NAME=${ctx.name}`]
  if (ctx.configFile !== undefined) env.push(`LXC_CONFIG_FILE=${ctx.configFile}`)
  env.push(`LXC_ROOTFS_MOUNT=${config.rootfs.mount ?? LXC_DEFAULT_ROOTFS_MOUNT}`)
  if (config.rootfs.path !== undefined) env.push(`LXC_ROOTFS_PATH=${config.rootfs.path}`)
  if (config.console.path !== undefined) env.push(`LXC_CONSOLE=${config.console.path}`)
  if (config.console.logfile !== undefined) env.push(`LXC_CONSOLE_LOGPATH=${config.console.logfile}`)
  if (ctx.cgroupNs) env.push('LXC_CGNS_AWARE=1')
  env.push(`LXC_LOG_LEVEL=${ctx.logLevel}`, `LXC_HOOK_VERSION=${config.hookVersion > 0 ? 1 : 0}`)
  return env
}

/**
 * The interfaces to make in a new network namespace, checked. Throws
 * CTR_CONFIG_INVALID (with file:line) for what LXC would refuse while
 * starting. Only call it when the container gets a network namespace of its
 * own: LXC ignores lxc.net.* otherwise.
 */
export function planNetwork(config: ContainerConfig, ctx: NetPlanContext): NetPlan {
  const nics: NicSpec[] = []
  for (const nic of config.nets) {
    if (nic.type === 'none') continue
    const spec = nicSpec(nic, config, ctx)
    if (spec.type === 'phys' && spec.link.endsWith('+')) nics.push(...expandPattern(spec, nic, config, ctx.interfaces ?? []))
    else nics.push(spec)
  }
  const named = new Map<string, number>()
  for (const nic of nics) {
    if (nic.name === '' || nic.name.includes('%')) continue
    const other = named.get(nic.name)
    if (other !== undefined) {
      throw new CtrError('CTR_CONFIG_INVALID', `lxc.net.${other} and lxc.net.${nic.index} both want the name "${nic.name}" inside the container`)
    }
    named.set(nic.name, nic.index)
  }
  const scripts = nics.some((n) => n.scriptUp !== undefined || n.scriptDown !== undefined)
  return {nics, scriptEnv: scripts ? scriptEnvironment(config, ctx) : [], hookVersion: config.hookVersion > 0 ? 1 : 0}
}

/** True when a phys link is a `+` pattern: the caller then lists the interfaces. */
export function needsInterfaceList(config: ContainerConfig): boolean {
  return config.nets.some((n) => n.type === 'phys' && n.link?.endsWith('+') === true)
}
