// From a loaded config and the start options to the monitor spec: every
// policy decision of a start (which namespaces, which mounts in which order,
// which argv and environment, which signals) is made here, purely, so that
// it is unit-tested without a kernel. LXC's own order and defaults are
// followed (src/lxc/start.c resolve_clone_flags, conf.c lxc_setup).

import type {ContainerConfig, MountEntry, UsedKey} from './config/index.js'
import {formatLocation} from './config/index.js'
import {CtrError} from './errors.js'
import type {CgroupLayout} from './cgroup/plan.js'
import {planCgroup} from './cgroup/plan.js'
import {devptsMax, planConsole} from './console-plan.js'
import {mountEntryOps, type EntryContext, type EntryOps} from './mount-entries.js'
import {parseMountOptions} from './mount-options.js'
import {planNetwork, type RandomBytes} from './net-plan.js'
import {cgroupMounts, procSysMounts, type CgroupAutoContext} from './mounts.js'
import {DEFAULT_HOOK_TIMEOUT_S, hasEarlyContainerHooks, planHooks} from './hook-plan.js'
import {CLONE_NS, MNT, MS, NAMESPACE_NAMES, type FsOp, type MonitorSpec, type NamespaceName, type ShareSpec} from './monitor-spec.js'
import type {StartOptions} from './options.js'

export const SIGINT = 2
export const SIGKILL = 9
export const SIGPWR = 30
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** Log levels as the monitor numbers them (native/log.h). */
const LOG_LEVEL_NUMBERS: Record<string, number> = {
  TRACE: 0, DEBUG: 1, INFO: 2, NOTICE: 3, WARN: 4, ERROR: 5, CRIT: 6, ALERT: 7, FATAL: 8,
}

export interface KernelFacts {
  /** /proc/self/ns/cgroup exists. */
  cgroupNs: boolean
  /** /proc/sys/kernel/cap_last_cap. */
  capLastCap: number
  /** The host's cgroup mounts (undefined: none usable). */
  cgroups?: CgroupLayout
  /** Interface names of ctr's network namespace (the monitor's): read only for a phys `link+`. */
  interfaces?: string[]
  /** Which LSMs LXC would use here (undefined: assume both, refuse what ctr cannot apply). */
  lsm?: LsmFacts
}

/**
 * The LSMs LXC 5.0's lsm_init_static would pick: AppArmor when
 * /sys/module/apparmor/parameters/enabled says Y, SELinux when
 * is_selinux_enabled(); with neither, its "nop" driver ignores every
 * lxc.apparmor.* and lxc.selinux.* key.
 */
export interface LsmFacts {
  apparmor: boolean
  selinux: boolean
}

export interface StartPlanInput {
  name: string
  lxcpath: string
  rundir: string
  config: ContainerConfig
  configFile: string | undefined
  options: StartOptions
  /** The last-exit record path (defined containers only). */
  exitfile: string | undefined
  /** -o, else lxc.log.file, else the default log file when -l was given. */
  logfile: string | undefined
  /** Shared namespaces, already resolved to namespace files (and pinned pids). */
  shares: ShareSpec[]
  kernel: KernelFacts
  /** The pidfile path, already made absolute. */
  pidfile: string | undefined
  /** lxc.seccomp.profile compiled by the caller (core/seccomp: loaded only when a profile is set). */
  seccomp?: {filter: Buffer; warnings: string[]}
  /** lxc.mount.fstab's entries, read and parsed by the caller. */
  fstab?: readonly MountEntry[]
  /** The caller's environment, which hooks inherit (as they inherit lxc-start's). */
  callerEnv?: Readonly<Record<string, string | undefined>>
  /** Bound on one hook run, in seconds (core/hook-plan.ts). */
  hookTimeoutS?: number
  /** Randomness for lxc.net.N.hwaddr's x's (crypto.randomBytes). */
  random?: RandomBytes
  /** ctr's stdin and stdout are terminals: start -F proxies the console to them. */
  terminal?: boolean
}

/** A start plan: the monitor spec and what to warn about. */
export interface StartPlan {
  spec: MonitorSpec
  warnings: string[]
}

/** A config key the start cannot honour (not implemented yet, or not on this host). */
export interface Unsupported {
  key: string
  where: string
  /** A whole sentence after `where: key: `. */
  message: string
}

/**
 * Keys set in the config that ctr parses and validates but cannot honour. A
 * start with any of them fails: silently ignoring a key would run a
 * container with less isolation than its config asks for.
 */
export function unsupportedFeatures(config: ContainerConfig, lsm: LsmFacts = {apparmor: true, selinux: true}): Unsupported[] {
  const out: Unsupported[] = []
  const at = (key: string): string => {
    const used: UsedKey | undefined = config.used.get(key)
    return used ? formatLocation(used) : '<config>'
  }
  const notYet = (key: string, what: string): void => {
    out.push({key, where: at(key), message: `${what} are not supported yet`})
  }
  // Every key of every start goes through this: no closure or prefix
  // string per key (issue 13).
  for (const used of config.used.values()) {
    for (let i = 0; i < NOT_YET.length; i++) {
      const family = NOT_YET[i] as (typeof NOT_YET)[number]
      if (used.key === family[0] || (used.key.startsWith(family[0]) && used.key[family[0].length] === '.')) {
        out.push({key: used.key, where: formatLocation(used), message: `${family[1]} are not supported yet`})
        break
      }
    }
  }
  const rootType = config.rootfs.type
  if (config.rootfs.path !== undefined && !['dir', 'detected', 'overlay', 'overlayfs'].includes(rootType)) notYet('lxc.rootfs.path', `${rootType} root filesystems`)
  if (config.mountAuto.shmounts) notYet('lxc.mount.auto', 'shmounts')
  if (config.schedCore) notYet('lxc.sched.core', 'core scheduling domains')
  if (config.monitorUnshare) notYet('lxc.monitor.unshare', 'unshared monitor mount namespaces')
  // No LSM is applied: where LXC would apply one, only the values that
  // mean "no profile" can be honoured. Without that LSM LXC skips the keys
  // (lsmSkipped says so instead).
  if (lsm.apparmor) {
    const profile = config.apparmor.profile
    if (profile !== undefined && profile !== 'unconfined' && profile !== 'unchanged') {
      out.push({key: 'lxc.apparmor.profile', where: at('lxc.apparmor.profile'), message: `ctr does not apply AppArmor profiles; "${profile}" cannot be honoured on this host, which has AppArmor: use unconfined`})
    }
    if (config.apparmor.raw.length > 0) out.push({key: 'lxc.apparmor.raw', where: at('lxc.apparmor.raw'), message: 'raw AppArmor rules are not supported yet (this host has AppArmor)'})
  }
  if (lsm.selinux) {
    const context = config.selinux.context
    if (context !== undefined && context !== 'unconfined_t') {
      out.push({key: 'lxc.selinux.context', where: at('lxc.selinux.context'), message: `ctr does not apply SELinux contexts; "${context}" cannot be honoured on this host, which has SELinux: use unconfined_t`})
    }
    const keyring = config.selinux.keyring
    if (keyring !== undefined && keyring !== 'unconfined_t') {
      out.push({key: 'lxc.selinux.context.keyring', where: at('lxc.selinux.context.keyring'), message: `ctr does not label keyrings; "${keyring}" cannot be honoured on this host, which has SELinux`})
    }
  }
  return out
}

/**
 * The lxc.apparmor.* and lxc.selinux.* lines that ask for confinement on a
 * host without that LSM: LXC 5.0.2 skips them without a word (its "nop"
 * driver); ctr skips them too and says so, `file:line: key: ...`.
 */
export function lsmSkipped(config: ContainerConfig, lsm: LsmFacts): string[] {
  const out: string[] = []
  const skip = (key: string, what: string, lsmName: string): void => {
    const used: UsedKey | undefined = config.used.get(key)
    const where = used ? formatLocation(used) : '<config>'
    out.push(`${where}: ${key}: this host has no ${lsmName}, so ${what} is not applied (LXC skips it too)`)
  }
  if (!lsm.apparmor) {
    const profile = config.apparmor.profile
    if (profile !== undefined && profile !== 'unconfined' && profile !== 'unchanged') skip('lxc.apparmor.profile', `the profile "${profile}"`, 'AppArmor')
    if (config.apparmor.allowNesting) skip('lxc.apparmor.allow_nesting', 'nesting', 'AppArmor')
    if (config.apparmor.allowIncomplete) skip('lxc.apparmor.allow_incomplete', 'allow_incomplete', 'AppArmor')
    if (config.apparmor.raw.length > 0) skip('lxc.apparmor.raw', `${config.apparmor.raw.length === 1 ? 'the raw rule' : `${config.apparmor.raw.length} raw rules`}`, 'AppArmor')
  }
  if (!lsm.selinux) {
    const context = config.selinux.context
    if (context !== undefined && context !== 'unconfined_t') skip('lxc.selinux.context', `the context "${context}"`, 'SELinux')
    const keyring = config.selinux.keyring
    if (keyring !== undefined && keyring !== 'unconfined_t') skip('lxc.selinux.context.keyring', `the keyring context "${keyring}"`, 'SELinux')
  }
  return out
}

// Key families with no implementation yet, by key prefix.
const NOT_YET: Array<[string, string]> = [
  ['lxc.log.syslog', 'logs to syslog'],
  ['lxc.time.offset', 'time namespace offsets'],
  ['lxc.seccomp.notify', 'seccomp notifications'],
]

/** Throws CTR_NOT_SUPPORTED naming every key that cannot be honoured, with its file:line. */
export function assertSupported(config: ContainerConfig, lsm?: LsmFacts): void {
  const missing = unsupportedFeatures(config, lsm)
  const first = missing[0]
  if (!first) return
  throw new CtrError('CTR_NOT_SUPPORTED', `${first.where}: ${first.key}: ${first.message}`, {
    hints: [
      ...missing.slice(1).map((m) => `${m.where}: ${m.key}: ${m.message}`),
      'ctr refuses to start rather than run the container with less than its config asks for; change or remove the line',
    ],
    details: {unsupported: missing},
  })
}

/**
 * The namespaces to create (LXC's resolve_clone_flags): lxc.namespace.clone
 * exactly, or everything but lxc.namespace.keep, or the defaults (user only
 * with lxc.idmap, net unless every NIC is `none`, cgroup if the kernel has
 * it, time only with offsets); shared namespaces are never created.
 */
export function resolveNamespaces(config: ContainerConfig, kernel: KernelFacts, shared: Set<NamespaceName>): Set<NamespaceName> {
  const {clone, keep} = config.namespaces
  const out = new Set<NamespaceName>()
  for (const ns of NAMESPACE_NAMES) {
    if (keep !== undefined) {
      if (!keep.includes(ns)) out.add(ns)
    } else if (clone !== undefined) {
      if (clone.includes(ns)) out.add(ns)
    } else {
      if (ns === 'user' && config.idmaps.length === 0) continue
      if (ns === 'net' && config.nets.length > 0 && config.nets.every((n) => n.type === 'none')) continue
      if (ns === 'cgroup' && !kernel.cgroupNs) continue
      if (ns === 'time' && !config.timeOffsets.boot && !config.timeOffsets.monotonic) continue
      out.add(ns)
    }
    if (shared.has(ns)) out.delete(ns)
  }
  return out
}

/**
 * ctr execute's init argv: ctr-monitor's `init` mode (native/init.c, run
 * from the monitor's sealed copy) with the command after --, else
 * lxc.execute.cmd. Throws CTR_NO_COMMAND without either (lxc-execute:
 * "Missing command to execute!").
 */
export function executeArgv(config: ContainerConfig, command: string[]): string[] {
  const argv = command.length > 0 ? command : (config.executeCmd?.argv ?? [])
  if (argv.length === 0) {
    throw new CtrError('CTR_NO_COMMAND', 'Missing command to execute', {hints: ['Give it after --: ctr execute -n NAME -- COMMAND, or set lxc.execute.cmd']})
  }
  return ['ctr-init', 'init', '--', ...argv]
}

/** The init argv: the command after --, else lxc.init.cmd, else /sbin/init. */
export function initArgv(config: ContainerConfig, command: string[]): string[] {
  if (command.length > 0) return command
  if (config.initCmd && config.initCmd.argv.length > 0) return config.initCmd.argv
  return ['/sbin/init']
}

/**
 * init's environment: cleared, then container=lxc, then lxc.environment and
 * lxc.environment.runtime in order; a later NAME replaces an earlier one.
 * With ttys, container_ttys names them last, as LXC sets it for systemd's
 * getty generator (LXC 5.0.2 means to and fails: README).
 */
export function initEnvironment(config: ContainerConfig, containerTtys?: string): string[] {
  const env = new Map<string, string>([['container', 'lxc']])
  for (const [name, value] of [...config.environment, ...config.environmentRuntime]) {
    env.delete(name)
    env.set(name, value)
  }
  if (containerTtys !== undefined) {
    env.delete('container_ttys')
    env.set('container_ttys', containerTtys)
  }
  return [...env].map(([name, value]) => `${name}=${value}`)
}

export interface FsContext {
  hasRootfs: boolean
  /** The container keeps CAP_NET_ADMIN: /proc/sys/net stays writable under proc:mixed. */
  netAdmin: boolean
  /** A user namespace: devpts gets no gid=5 unless that gid is mapped. */
  gid5Mapped: boolean
  /** lxc.mount.fstab's lines (read by the caller), applied before lxc.mount.entry. */
  fstab: readonly MountEntry[]
  entries: EntryContext
  /** For the cgroup families of lxc.mount.auto. */
  cgroups: CgroupAutoContext
  /** Hooks run before pivot_root: the cgroup mounts come before them, as in LXC. */
  earlyHooks?: boolean
}

/** The filesystem operations and where mount and autodev hooks run among them. */
export interface FsPlan extends EntryOps {
  /** Index of the operation before which lxc.hook.mount and .autodev run. */
  mountHookIndex: number
}

/**
 * The filesystem operations of a start, in LXC's order (conf.c lxc_setup):
 * the autodev tmpfs, proc/sys automounts, fstab, mount entries, the device
 * nodes, devpts. Returns warnings for ignored mount entries.
 */
export function filesystemOps(config: ContainerConfig, ctx: FsContext): FsPlan {
  const ops: FsOp[] = []
  if (config.autodev) {
    const size = config.autodevTmpfsSize ?? 500000
    ops.push(...automount([
      {kind: 'mkdir', path: 'dev', mode: 0o755, opts: 0},
      {kind: 'mount', source: 'none', target: 'dev', fstype: 'tmpfs', flags: MS.NOSUID | MS.NOEXEC, data: `size=${size},mode=755`, opts: 0},
      {kind: 'mkdir', path: 'dev/pts', mode: 0o755, opts: 0},
    ]))
  }
  ops.push(...automount(procSysMounts(config.mountAuto, ctx)))
  const entries = mountEntryOps([...ctx.fstab, ...config.mountEntries], ctx.entries)
  ops.push(...entries.ops)
  // After the entries, as LXC does: /sys may come from one of them. With
  // hooks before pivot_root the child is in its cgroup namespace by then,
  // and the cgroup mounts come before the mount hooks, as in LXC.
  const cgroupOps = automount(cgroupMounts(config.mountAuto, ctx.cgroups))
  ops.push(...(ctx.earlyHooks ? cgroupOps.map((op) => ({...op, opts: op.opts & ~MNT.AFTER_PIVOT})) : cgroupOps))
  // LXC: mount hooks, then autodev hooks, then /dev's nodes.
  const mountHookIndex = ops.length
  if (config.autodev) ops.push(...automount(autodevNodes()))
  // LXC mounts one for the ttys too, with room for both (lxc_setup_devpts_child).
  if (devptsMax(config) > 0) ops.push(...automount(devptsOps(devptsMax(config), ctx.gid5Mapped)))
  return {ops, warnings: entries.warnings, mountHookIndex}
}

// LXC never mounts proc, sys or dev (or anything in them) through a
// symlink of the rootfs (open_without_symlink: "proc in ROOTFS/proc was a
// symbolic link!"): the mount would land wherever the link points. Mount
// entries keep resolving links inside the root (docs/lxc-contract.md).
function automount(ops: FsOp[]): FsOp[] {
  return ops.map((op) => ({...op, opts: op.opts | MNT.NO_SYMLINKS}))
}

// lxc_setup_devpts_child: a private devpts instance limited to lxc.pty.max
// ptys, and /dev/ptmx bound to its ptmx so that openpty() uses it.
function devptsOps(max: number, gid5: boolean): FsOp[] {
  const data = `${gid5 ? 'gid=5,' : ''}newinstance,ptmxmode=0666,mode=0620,max=${max}`
  return [
    {kind: 'mkdir', path: 'dev/pts', mode: 0o755, opts: 0},
    {kind: 'mount', source: 'devpts', target: 'dev/pts', fstype: 'devpts', flags: MS.NOSUID | MS.NOEXEC, data, opts: 0},
    {kind: 'mount', source: 'dev/pts/ptmx', target: 'dev/ptmx', fstype: '', flags: MS.BIND, data: '', opts: MNT.CREATE_FILE | MNT.SRC_IN_ROOT},
  ]
}

// lxc_fill_autodev's nodes (mknod, or a bind of the host's node where mknod
// is refused) and lxc_setup_dev_symlinks's links.
function autodevNodes(): FsOp[] {
  const S_IFCHR = 0o020000
  const nodes: Array<[string, number, number]> = [
    ['full', 1, 7], ['null', 1, 3], ['random', 1, 8], ['tty', 5, 0], ['urandom', 1, 9], ['zero', 1, 5],
  ]
  const ops: FsOp[] = nodes.map(([name, major, minor]) => ({
    kind: 'mknod', path: `dev/${name}`, mode: S_IFCHR | 0o666, dev: makedev(major, minor), opts: 0,
  }))
  ops.push({kind: 'mkdir', path: 'dev/shm', mode: 0o1777, opts: 0})
  const links: Array<[string, string]> = [
    ['/proc/self/fd', 'dev/fd'], ['/proc/self/fd/0', 'dev/stdin'], ['/proc/self/fd/1', 'dev/stdout'], ['/proc/self/fd/2', 'dev/stderr'],
  ]
  for (const [target, path] of links) ops.push({kind: 'symlink', target, path, opts: 0})
  return ops
}

/**
 * How the rootfs is mounted: dir (or a bare directory) is bound onto itself;
 * overlay:LOWER[:LOWER...]:UPPER is an overlayfs on the run dir's staging
 * directory (or lxc.rootfs.mount) with ctr's work dir beside the upper dir,
 * where LXC keeps it too. lxc.rootfs.options flags apply to that mount; `ro`
 * makes the root read-only once every mount target exists.
 */
export function rootfsSpec(config: ContainerConfig, rundir: string): Pick<MonitorSpec, 'rootfs' | 'rootfsReadonly' | 'rootfsMount'> {
  const options = parseMountOptions(config.rootfs.options?.options ?? [])
  const readonly = (options.flags & MS.RDONLY) !== 0
  const flags = options.flags & ~MS.RDONLY
  const type = config.rootfs.type
  if (type === 'overlay' || type === 'overlayfs') {
    const parts = config.rootfs.parts
    const upper = parts.at(-1) ?? ''
    const lowers = parts.slice(0, -1)
    const target = config.rootfs.mount ?? `${rundir}/rootfs`
    const data = [overlayMountData(lowers, upper)]
    if (options.data) data.push(options.data)
    return {rootfs: target, rootfsReadonly: readonly, rootfsMount: {fstype: 'overlay', source: 'overlay', data: data.join(','), flags}}
  }
  return {rootfs: config.rootfs.path as string, rootfsReadonly: readonly, rootfsMount: {fstype: '', source: '', data: '', flags}}
}

/** The overlay work dir ctr manages: `olwork` beside the upper dir (LXC's choice), same filesystem. */
/** overlayfs mount data for these layers, with ctr's work dir beside the upper one (overlayWorkdir). */
export function overlayMountData(lowers: readonly string[], upper: string): string {
  return [`lowerdir=${lowers.map(overlayEscape).join(':')}`, `upperdir=${overlayEscape(upper)}`, `workdir=${overlayEscape(overlayWorkdir(upper))}`].join(',')
}

export function overlayWorkdir(upper: string): string {
  const trimmed = upper.replace(/\/+$/, '')
  const slash = trimmed.lastIndexOf('/')
  return `${slash <= 0 ? '' : trimmed.slice(0, slash)}/olwork`
}

// overlayfs option values: `\`, `,` and `:` are escaped with a backslash.
function overlayEscape(path: string): string {
  return path.replace(/[\\,:]/g, (c) => `\\${c}`)
}

/** glibc's makedev for the dev_t the kernel expects. */
export function makedev(major: number, minor: number): number {
  return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12)
}

/**
 * Builds the monitor spec. Throws CTR_NOT_SUPPORTED for keys not implemented
 * yet and CTR_CONFIG_INVALID for combinations that cannot work (a rootfs
 * without a mount namespace, for example).
 */
export function planStart(input: StartPlanInput): StartPlan {
  const {config, options} = input
  assertSupported(config, input.kernel.lsm)
  const shared = new Set(input.shares.map((s) => s.ns))
  const namespaces = resolveNamespaces(config, input.kernel, shared)
  const hasRootfs = config.rootfs.path !== undefined
  // The container joins a shared pid namespace only once it is set up
  // (docs/architecture.md §11.2): from a user namespace
  // of its own it has no right to join one that the host's owns.
  if (shared.has('pid') && namespaces.has('user')) {
    throw new CtrError('CTR_CONFIG_INVALID', 'A container with a user namespace of its own (lxc.idmap) cannot share another pid namespace', {
      hints: ['Share the user namespace too (lxc.namespace.share.user), or remove --share-pid / lxc.namespace.share.pid'],
    })
  }
  if (hasRootfs && !namespaces.has('mnt')) {
    throw new CtrError('CTR_CONFIG_INVALID', 'A root filesystem needs a mount namespace of its own', {
      hints: ['Remove mnt from lxc.namespace.keep (or add it to lxc.namespace.clone), and do not share it'],
    })
  }
  const capKeep = capabilityMask(config, input.kernel.capLastCap)
  const keeps = (cap: number): boolean => capKeep === undefined || (capKeep & (1n << BigInt(cap))) !== 0n
  const CAP_NET_ADMIN = 12
  const CAP_SYS_ADMIN = 21
  const gid5Mapped = !namespaces.has('user') || config.idmaps.some((m) => m.kind === 'g' && m.nsid <= 5 && 5 < m.nsid + m.range)
  const fs = namespaces.has('mnt')
    ? filesystemOps(config, {
      hasRootfs,
      netAdmin: keeps(CAP_NET_ADMIN),
      gid5Mapped,
      fstab: input.fstab ?? [],
      entries: {rootfsPath: config.rootfs.path, defaultRootfs: `${input.lxcpath}/${input.name}/rootfs`},
      cgroups: {layout: input.kernel.cgroups, cgroupNs: namespaces.has('cgroup'), sysAdmin: keeps(CAP_SYS_ADMIN)},
      earlyHooks: hasEarlyContainerHooks(config),
    })
    : {ops: [], warnings: [], mountHookIndex: 0}
  const fsops = fs.ops
  if (!namespaces.has('mnt') && (config.mountAuto.proc || config.mountAuto.sys || config.mountEntries.length > 0 || (input.fstab ?? []).length > 0 || config.ptyMax > 0 || config.tty.max > 0 || (config.autodev && hasRootfs))) {
    throw new CtrError('CTR_CONFIG_INVALID', 'lxc.mount.*, lxc.autodev, lxc.pty.max and lxc.tty.max need a mount namespace of its own', {
      hints: ['Without one, the mounts would land on the host'],
    })
  }
  let cloneFlags = 0
  for (const ns of namespaces) cloneFlags |= CLONE_NS[ns]
  const argv = options.execute ? executeArgv(config, options.command) : initArgv(config, options.command)
  const consolePlan = planConsole(config, {
    mountNs: namespaces.has('mnt'), hasRootfs, foreground: !options.daemon, terminal: input.terminal === true, gid5Mapped,
  })
  const env = initEnvironment(config, consolePlan.containerTtys)
  const pathEntry = env.find((e) => e.startsWith('PATH='))
  const logLevel = options.logpriority ?? config.log.level ?? 'ERROR'

  const spec: MonitorSpec = {
    name: input.name,
    lxcpath: input.lxcpath,
    rundir: input.rundir,
    loglevel: LOG_LEVEL_NUMBERS[logLevel] ?? 5,
    foreground: !options.daemon,
    stdioInherit: consolePlan.stdioInherit,
    argv,
    env,
    pathSearch: pathEntry ? pathEntry.slice(5) : DEFAULT_PATH,
    ...(options.execute ? {execute: true} : {}),
    newKeyring: config.keyringSession,
    cloneFlags,
    shares: input.shares,
    rootfsReadonly: false,
    fsops,
    uid: options.execute?.uid ?? config.initUid,
    gid: options.execute?.gid ?? config.initGid,
    // ctr-init blocks every signal (it reads them from a signalfd): the
    // monitor would take it for systemd; SIGPWR is the one it halts on.
    haltSignal: config.signals.halt ?? (options.execute ? SIGPWR : 0),
    rebootSignal: config.signals.reboot ?? SIGINT,
    stopSignal: config.signals.stop ?? SIGKILL,
    pdeathSignal: config.monitorSignalPdeath,
    noNewPrivs: config.noNewPrivs,
    rlimits: [],
    sysctls: config.sysctls.map((s) => [s.name, s.value]),
    procs: config.procs.map((p) => [p.name, p.value]),
  }
  if (input.exitfile) spec.exitfile = input.exitfile
  if (input.pidfile) spec.pidfile = input.pidfile
  if (input.logfile) spec.logfile = input.logfile
  if (input.configFile) spec.configPath = input.configFile
  if (config.utsName !== undefined && namespaces.has('uts')) spec.hostname = config.utsName
  if (config.rootfs.path !== undefined) Object.assign(spec, rootfsSpec(config, input.rundir))
  if (consolePlan.tty) spec.tty = consolePlan.tty
  if (config.autodev && namespaces.has('mnt')) spec.bootId = true
  if (hasRootfs) spec.rootShared = true
  if (config.initCwd !== undefined) spec.cwd = config.initCwd
  if (config.initGroups.length > 0) spec.groups = config.initGroups
  if (config.arch) spec.personality = config.arch.personality === 'linux32' ? 0x0008 : 0
  if (capKeep !== undefined) spec.capKeep = capKeep
  if (namespaces.has('user')) {
    spec.uidMap = idmapText(config, 'u')
    spec.gidMap = idmapText(config, 'g')
  }
  const hooks = planHooks({
    name: input.name,
    configFile: input.configFile,
    rootfsMount: spec.rootfs ?? '/',
    config,
    callerEnv: input.callerEnv ?? {},
    logLevel,
    cgroupNs: input.kernel.cgroupNs,
    timeoutS: input.hookTimeoutS ?? DEFAULT_HOOK_TIMEOUT_S,
    mountNs: namespaces.has('mnt'),
    mountHookIndex: fs.mountHookIndex,
  })
  if (hooks) spec.hooks = hooks
  const warnings = [...(input.kernel.lsm ? lsmSkipped(config, input.kernel.lsm) : []), ...fs.warnings, ...consolePlan.warnings]
  if (input.seccomp) {
    spec.seccompFilter = input.seccomp.filter
    warnings.push(...input.seccomp.warnings)
  }
  const cgroup = planCgroup(config, input.name, input.kernel.cgroups, input.lxcpath, warnings)
  if (cgroup) spec.cgroup = cgroup
  // LXC makes the interfaces only in a network namespace of its own: with
  // the namespace shared or kept, lxc.net.* is ignored entirely.
  if (namespaces.has('net') && config.nets.some((n) => n.type !== 'none')) {
    spec.net = planNetwork(config, {
      name: input.name,
      configFile: input.configFile,
      cgroupNs: input.kernel.cgroupNs,
      logLevel,
      random: input.random ?? noRandom,
      ...(input.kernel.interfaces ? {interfaces: input.kernel.interfaces} : {}),
    })
  }
  spec.rlimits = config.prlimits.map((p) => ({
    resource: rlimitResource(p.resource),
    soft: p.soft === 'unlimited' ? RLIM_INFINITY : p.soft,
    hard: p.hard === 'unlimited' ? RLIM_INFINITY : p.hard,
  }))
  return {spec, warnings}
}

const RLIM_INFINITY = (1n << 64n) - 1n

// Without a random source, x's in lxc.net.N.hwaddr become 0.
function noRandom(n: number): Uint8Array {
  return new Uint8Array(n)
}

/**
 * The capability bounding set to keep (lxc.cap.keep: exactly those, `none`:
 * nothing; lxc.cap.drop: all but those), or undefined to keep everything.
 */
export function capabilityMask(config: ContainerConfig, capLastCap: number): bigint | undefined {
  const all = (1n << BigInt(capLastCap + 1)) - 1n
  if (config.caps.keep !== undefined) return config.caps.keep.reduce((mask, c) => mask | (1n << BigInt(c.value)), 0n)
  if (config.caps.drop.length === 0) return undefined
  return config.caps.drop.reduce((mask, c) => mask & ~(1n << BigInt(c.value)), all)
}

/** The text of /proc/PID/{u,g}id_map from lxc.idmap lines of one kind. */
export function idmapText(config: ContainerConfig, kind: 'u' | 'g'): string {
  return config.idmaps.filter((m) => m.kind === kind).map((m) => `${m.nsid} ${m.hostid} ${m.range}\n`).join('')
}

const RLIMITS: Record<string, number> = {
  cpu: 0, fsize: 1, data: 2, stack: 3, core: 4, rss: 5, nproc: 6, nofile: 7, memlock: 8, as: 9,
  locks: 10, sigpending: 11, msgqueue: 12, nice: 13, rtprio: 14, rttime: 15,
}

/** The RLIMIT_* number of an lxc.prlimit resource name (checked at start, like LXC). */
export function rlimitResource(name: string): number {
  const n = RLIMITS[name]
  if (n === undefined) {
    throw new CtrError('CTR_CONFIG_INVALID', `Unknown resource "${name}" in lxc.prlimit.${name}`, {
      hints: [`Known resources: ${Object.keys(RLIMITS).join(', ')}`],
    })
  }
  return n
}
