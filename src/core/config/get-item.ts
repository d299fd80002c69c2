// `lxc-info -c KEY`: the text LXC's get_config_item returns for a key, from
// the loaded config (docs/lxc-contract.md §3, §12: it reads the on-disk config, not the
// running container).
//
// Formats follow the get_config_* callbacks of LXC 6.0 (confile.c) and were
// checked against lxc-info 5.0.2 on the dev machine. Lists are several
// "\n"-terminated lines, except idmaps, addresses, routes and tagged VLANs,
// which are joined by "\n" without a final one; unset strings print nothing,
// but `lxc.cgroup.dir*` and `lxc.namespace.share.*` print "(null)" (glibc's
// printf of a NULL string). Where 5.0 and 6.0 differ we print 6.0's
// (fixed) form: `lxc.time.offset.*` as `5s`/`0ns` (5.0: "5 s\n"),
// `lxc.cap.drop`/`keep` only the list of the active mode, and
// `lxc.net.N.veth.vlan.id` empty until set (5.0: 0).
//
// undefined means "invalid key" (lxc-info prints `KEY invalid`).

import {HOOK_TYPES, NAMESPACES, resolveKey} from './keys.js'
import type {HookType, KeyRef, NetType} from './keys.js'
import type {ContainerConfig, NetConfig} from './model.js'

export interface GetItemOptions {
  /** What `lxc.rootfs.mount` prints when unset: LXC's build-time LXCROOTFSMOUNT. */
  readonly rootfsMountDefault?: string
}

/** Debian's LXC 5.0 value of LXCROOTFSMOUNT. */
export const LXC_DEFAULT_ROOTFS_MOUNT = '/usr/lib/x86_64-linux-gnu/lxc/rootfs'

/**
 * The value of `key` as LXC's get_config_item would print it, or undefined
 * when LXC reports the key as invalid. Legacy names answer for their modern
 * key (LXC 3.0 and later call them invalid). Pure.
 */
export function getConfigItem(config: ContainerConfig, key: string, options: GetItemOptions = {}): string | undefined {
  const resolved = resolveKey(key)
  if (resolved === undefined) return undefined
  return getByRef(config, resolved.ref, options)
}

function getByRef(c: ContainerConfig, ref: KeyRef, options: GetItemOptions): string | undefined {
  switch (ref.type) {
    case 'exact':
      return getExact(c, ref.name, options)
    case 'net': {
      const nic = c.nets.find((n) => n.index === ref.index)
      return nic === undefined ? undefined : getNet(nic, ref.sub)
    }
    case 'cgroup': {
      const list = ref.version === 2 ? c.cgroup.v2 : c.cgroup.v1
      return lines(list.filter((s) => s.file === ref.subsystem).map((s) => s.value))
    }
    case 'cgroup-all': {
      const root = ref.version === 2 ? 'lxc.cgroup2' : 'lxc.cgroup'
      const list = ref.version === 2 ? c.cgroup.v2 : c.cgroup.v1
      return lines(list.map((s) => `${root}.${s.file} = ${s.value}`))
    }
    case 'share': {
      const ns = NAMESPACES.find((n) => n === ref.namespace)
      if (ns === undefined) return undefined
      return c.namespaces.share[ns] ?? '(null)'
    }
    case 'prlimit': {
      const limit = c.prlimits.find((p) => p.resource === ref.resource)
      return limit === undefined ? '' : formatLimit(limit.soft, limit.hard)
    }
    case 'prlimit-all':
      return lines(c.prlimits.map((p) => `lxc.prlimit.${p.resource} = ${formatLimit(p.soft, p.hard)}`))
    case 'sysctl':
      return c.sysctls.filter((s) => s.name === ref.name).map((s) => s.value).join('')
    case 'sysctl-all':
      return lines(c.sysctls.map((s) => `lxc.sysctl.${s.name} = ${s.value}`))
    case 'proc':
      return c.procs.filter((s) => s.name === ref.name).map((s) => s.value).join('')
    case 'proc-all':
      return lines(c.procs.map((s) => `lxc.proc.${s.name} = ${s.value}`))
    // LXC 2.x printed the storage type it kept for a bare lxc.rootfs.
    case 'legacy-backend':
      return str(c.rootfs.typePrefix)
    default:
      return undefined
  }
}

function lines(items: readonly string[]): string {
  return items.map((i) => `${i}\n`).join('')
}

function str(value: string | undefined): string {
  return value ?? ''
}

function num(value: number | boolean): string {
  return String(typeof value === 'boolean' ? Number(value) : value)
}

function nullStr(value: string | undefined): string {
  return value ?? '(null)'
}

function formatLimit(soft: bigint | 'unlimited', hard: bigint | 'unlimited'): string {
  return soft === hard ? String(soft) : `${String(soft)}:${String(hard)}`
}

function formatOffset(offset: {seconds: bigint; nanoseconds: bigint} | undefined): string {
  if (offset !== undefined && offset.seconds !== 0n) return `${offset.seconds}s`
  return `${offset?.nanoseconds ?? 0n}ns`
}

// get_config_mount_auto: proc, sys, then the cgroup family; cgroup2 and any
// `:force` variant print nothing (their bits fall outside LXC's switch), and
// shmounts alone prints nothing either.
function formatMountAuto(c: ContainerConfig): string {
  const m = c.mountAuto
  const parts: string[] = []
  if (m.proc !== undefined) parts.push(`proc:${m.proc}`)
  if (m.sys !== undefined) parts.push(`sys:${m.sys}`)
  if (m.cgroup !== undefined && !m.cgroup.force) {
    const base = m.cgroup.full ? 'cgroup-full' : 'cgroup'
    parts.push(m.cgroup.mode === undefined ? base : `${base}:${m.cgroup.mode}`)
  }
  return parts.join(' ')
}

function getExact(c: ContainerConfig, name: string, options: GetItemOptions): string | undefined {
  if (name.startsWith('lxc.hook.') && name !== 'lxc.hook.version') {
    const type = name.slice('lxc.hook.'.length)
    return (HOOK_TYPES as readonly string[]).includes(type) ? lines(c.hooks[type as HookType]) : undefined
  }
  switch (name) {
    case 'lxc.arch': return c.arch === undefined ? '' : c.arch.personality === 'linux32' ? 'i686' : 'x86_64'
    case 'lxc.apparmor.profile': return str(c.apparmor.profile)
    case 'lxc.apparmor.allow_incomplete': return num(c.apparmor.allowIncomplete)
    case 'lxc.apparmor.allow_nesting': return num(c.apparmor.allowNesting)
    case 'lxc.apparmor.raw': return lines(c.apparmor.raw)
    // LXC only fills the default in when it mounts /dev, so an unset size reads 0.
    case 'lxc.autodev.tmpfs.size': return num(c.autodevTmpfsSize ?? 0)
    case 'lxc.autodev': return num(c.autodev)
    case 'lxc.cap.drop': return c.caps.keep === undefined ? lines(c.caps.drop.map((e) => e.name)) : ''
    case 'lxc.cap.keep': return c.caps.keep === undefined ? '' : lines(c.caps.keep.map((e) => e.name))
    case 'lxc.cgroup.dir.monitor.pivot': return nullStr(c.cgroup.dirMonitorPivot)
    case 'lxc.cgroup.dir.monitor': return nullStr(c.cgroup.dirMonitor)
    case 'lxc.cgroup.dir.container.inner': return nullStr(c.cgroup.dirContainerInner)
    case 'lxc.cgroup.dir.container': return nullStr(c.cgroup.dirContainer)
    case 'lxc.cgroup.dir': return nullStr(c.cgroup.dir)
    case 'lxc.cgroup.relative': return num(c.cgroup.relative)
    case 'lxc.console.buffer.size': return num(c.console.bufferSize)
    case 'lxc.console.logfile': return str(c.console.logfile)
    case 'lxc.console.path': return str(c.console.path)
    case 'lxc.console.rotate': return num(c.console.rotate)
    case 'lxc.console.size': return num(c.console.size)
    case 'lxc.sched.core': return num(c.schedCore)
    case 'lxc.environment': return lines(c.environment.map(([k, v]) => `${k}=${v}`))
    case 'lxc.environment.runtime': return lines(c.environmentRuntime.map(([k, v]) => `${k}=${v}`))
    case 'lxc.environment.hooks': return lines(c.environmentHooks.map(([k, v]) => `${k}=${v}`))
    case 'lxc.ephemeral': return num(c.ephemeral)
    case 'lxc.execute.cmd': return str(c.executeCmd?.raw)
    case 'lxc.group': return lines(c.groups)
    case 'lxc.hook.version': return num(c.hookVersion)
    case 'lxc.idmap': return c.idmaps.map((m) => `${m.kind} ${m.nsid} ${m.hostid} ${m.range}`).join('\n')
    case 'lxc.init.cmd': return str(c.initCmd?.raw)
    case 'lxc.init.gid': return num(c.initGid)
    case 'lxc.init.groups': return c.initGroups.join(',')
    case 'lxc.init.uid': return num(c.initUid)
    case 'lxc.init.cwd': return str(c.initCwd)
    // LXC stores this value in its "disable session keyring" flag and prints it as such.
    case 'lxc.keyring.session': return c.used.has('lxc.keyring.session') && c.keyringSession ? '1' : '0'
    case 'lxc.log.file': return str(c.log.file)
    case 'lxc.log.level': return c.log.level ?? 'NOTSET'
    case 'lxc.log.syslog': return str(c.log.syslog)
    case 'lxc.monitor.unshare': return num(c.monitorUnshare)
    case 'lxc.monitor.signal.pdeath': return num(c.monitorSignalPdeath)
    case 'lxc.mount.auto': return formatMountAuto(c)
    case 'lxc.mount.entry': return lines(c.mountEntriesRaw)
    case 'lxc.mount.fstab': return str(c.mountFstab)
    case 'lxc.namespace.clone': return lines(c.namespaces.clone ?? [])
    case 'lxc.namespace.keep': return lines(c.namespaces.keep ?? [])
    case 'lxc.time.offset.boot': return formatOffset(c.timeOffsets.boot)
    case 'lxc.time.offset.monotonic': return formatOffset(c.timeOffsets.monotonic)
    case 'lxc.net': return lines(c.nets.map((n) => n.type ?? '(invalid)'))
    case 'lxc.no_new_privs': return num(c.noNewPrivs)
    case 'lxc.pty.max': return num(c.ptyMax)
    case 'lxc.rootfs.managed': return num(c.rootfs.managed)
    case 'lxc.rootfs.mount': return c.rootfs.mount ?? options.rootfsMountDefault ?? LXC_DEFAULT_ROOTFS_MOUNT
    case 'lxc.rootfs.options': return str(c.rootfs.options?.raw)
    case 'lxc.rootfs.path': return str(c.rootfs.path)
    case 'lxc.seccomp.allow_nesting': return num(c.seccomp.allowNesting)
    case 'lxc.seccomp.notify.cookie': return str(c.seccomp.notifyCookie)
    // LXC prints sun_path: an abstract name loses its "@".
    case 'lxc.seccomp.notify.proxy': return str(c.seccomp.notifyProxy?.replace(/^@/, ''))
    case 'lxc.seccomp.profile': return str(c.seccomp.profile)
    case 'lxc.selinux.context.keyring': return str(c.selinux.keyring)
    case 'lxc.selinux.context': return str(c.selinux.context)
    case 'lxc.signal.halt': return num(c.signals.halt ?? 0)
    case 'lxc.signal.reboot': return num(c.signals.reboot ?? 0)
    case 'lxc.signal.stop': return num(c.signals.stop ?? 0)
    case 'lxc.start.auto': return num(c.start.auto)
    case 'lxc.start.delay': return num(c.start.delay)
    case 'lxc.start.order': return num(c.start.order)
    case 'lxc.tty.dir': return str(c.tty.dir)
    case 'lxc.tty.max': return num(c.tty.max)
    case 'lxc.uts.name': return str(c.utsName)
    // lxc.hook (no type) and lxc.include have no getter in LXC.
    default: return undefined
  }
}

function requireType(nic: NetConfig, type: NetType, value: () => string): string | undefined {
  return nic.type === type ? value() : undefined
}

function getNet(nic: NetConfig, sub: string): string | undefined {
  switch (sub) {
    case 'type': return nic.type ?? '(null)'
    case 'flags': return nic.up ? 'up' : ''
    case 'link': return str(nic.link)
    case 'l2proxy': return num(nic.l2proxy)
    case 'name': return str(nic.name)
    case 'hwaddr': return str(nic.hwaddr)
    case 'mtu': return str(nic.mtu)
    case 'script.up': return str(nic.script.up)
    case 'script.down': return str(nic.script.down)
    case 'ipv4.address': return nic.ipv4.addresses.map((a) => `${a.address}/${a.prefix}`).join('\n')
    case 'ipv6.address': return nic.ipv6.addresses.map((a) => `${a.address}/${a.prefix}`).join('\n')
    case 'ipv4.gateway': return formatGateway(nic.ipv4.gateway)
    case 'ipv6.gateway': return formatGateway(nic.ipv6.gateway)
    case 'macvlan.mode': return requireType(nic, 'macvlan', () => nic.macvlan.mode ?? '(invalid)')
    case 'ipvlan.mode': return requireType(nic, 'ipvlan', () => nic.ipvlan.mode ?? '(invalid)')
    case 'ipvlan.isolation': return requireType(nic, 'ipvlan', () => nic.ipvlan.isolation ?? '(invalid)')
    case 'vlan.id': return requireType(nic, 'vlan', () => num(nic.vlan.id))
    default: return getVeth(nic, sub)
  }
}

function getVeth(nic: NetConfig, sub: string): string | undefined {
  const v = nic.veth
  switch (sub) {
    case 'veth.mode': return requireType(nic, 'veth', () => v.mode ?? '(invalid)')
    case 'veth.n_rxqueues': return requireType(nic, 'veth', () => (v.rxQueues === undefined ? '' : num(v.rxQueues)))
    case 'veth.n_txqueues': return requireType(nic, 'veth', () => (v.txQueues === undefined ? '' : num(v.txQueues)))
    // Before start LXC has no generated host-side name, so an unset pair is empty.
    case 'veth.pair': return requireType(nic, 'veth', () => str(v.pair))
    case 'veth.vlan.id': return requireType(nic, 'veth', () => (v.vlanId === undefined ? '' : v.vlanId === 'none' ? '-1' : num(v.vlanId)))
    case 'veth.vlan.tagged.id': return requireType(nic, 'veth', () => v.vlanTaggedIds.join('\n'))
    case 'veth.ipv4.route': return requireType(nic, 'veth', () => v.ipv4Routes.map((r) => `${r.address}/${r.prefix}`).join('\n'))
    case 'veth.ipv6.route': return requireType(nic, 'veth', () => v.ipv6Routes.map((r) => `${r.address}/${r.prefix}`).join('\n'))
    default: return undefined
  }
}

function formatGateway(gateway: {kind: 'auto'} | {kind: 'dev'} | {kind: 'address'; address: string} | undefined): string {
  if (gateway === undefined) return ''
  return gateway.kind === 'address' ? gateway.address : gateway.kind
}
