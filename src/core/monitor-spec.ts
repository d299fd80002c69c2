// The resolved spec that ctr hands to ctr-monitor (native/spec.h has the
// reader). Everything here is decided in TypeScript; the monitor executes it.
// Wire format: "<byte length>\n", then records of NUL-terminated tokens, a
// record name followed by its fixed fields, closed by the record `end`.

import type {CgroupSpec} from './cgroup/plan.js'
import type {HookSpec} from './hook-plan.js'
import type {NetPlan} from './net-plan.js'

/** Mount flags from <sys/mount.h>. */
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOSYMFOLLOW: 0x100,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  SILENT: 0x8000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  STRICTATIME: 0x1000000,
  LAZYTIME: 0x2000000,
} as const

/** Per-operation options (native/spec.h CTR_MNT_*). */
export const MNT = {
  CREATE_DIR: 1 << 0,
  CREATE_FILE: 1 << 1,
  OPTIONAL: 1 << 2,
  SRC_IN_ROOT: 1 << 3,
  RO_REMOUNT: 1 << 4,
  AFTER_PIVOT: 1 << 5,
  SKIP_ENOENT: 1 << 6,
  /** Resolve without following any symlink (ELOOP): the proc, sys and dev automounts, as LXC. */
  NO_SYMLINKS: 1 << 7,
} as const

/** CLONE_NEW* flags, by /proc/PID/ns name. */
export const CLONE_NS = {
  cgroup: 0x02000000,
  ipc: 0x08000000,
  mnt: 0x00020000,
  net: 0x40000000,
  pid: 0x20000000,
  time: 0x00000080,
  user: 0x10000000,
  uts: 0x04000000,
} as const

export type NamespaceName = keyof typeof CLONE_NS
export const NAMESPACE_NAMES = Object.keys(CLONE_NS) as NamespaceName[]

export type FsOp =
  | {kind: 'mount'; source: string; target: string; fstype: string; flags: number; data: string; opts: number}
  | {kind: 'mknod'; path: string; mode: number; dev: number; opts: number}
  | {kind: 'symlink'; target: string; path: string; opts: number}
  | {kind: 'mkdir'; path: string; mode: number; opts: number}
  | {kind: 'umount'; path: string; opts: number}

export interface ShareSpec {
  ns: NamespaceName
  path: string
  /** >0: the monitor pins this pid with a pidfd and checks its start time. */
  pid: number
  starttime: number
}

/** The console and ttys (native/console.h, native/tty.h; docs/monitor-protocol.md §2.2). */
export interface TtySpec {
  /** A console pty on /dev/console, init's stdio unless it inherits ctr's. */
  console: boolean
  /** Mount data of a private devpts instance the console comes from; undefined: the container's dev/pts. */
  consoleDevpts?: string
  /** Read nothing from the console until a client attaches (start -F on a terminal attaches at once). */
  hold?: boolean
  /** lxc.console.path: a host terminal the monitor proxies the console to. */
  peer?: string
  /** lxc.console.logfile, .size (bytes, 0 unlimited), .rotate. */
  logfile?: string
  logSize?: number
  logRotate?: boolean
  /** lxc.console.buffer.size in bytes. */
  bufferSize?: number
  /** lxc.tty.max: tty1..N from the container's dev/pts. */
  ttyMax: number
  /** lxc.tty.dir. */
  ttyDir?: string
  /** Bind the ttys on /dev/ttyN (a rootfs). */
  bindTtys: boolean
}

export interface MonitorSpec {
  name: string
  lxcpath: string
  rundir: string
  /** Where the monitor records the last exit (defined containers only). */
  exitfile?: string
  pidfile?: string
  logfile?: string
  loglevel: number
  configPath?: string
  foreground: boolean
  /** true: init inherits ctr's stdio (foreground without a console); false: /dev/null. */
  stdioInherit: boolean
  argv: string[]
  env: string[]
  /**
   * What the monitor execs once the container has stopped and its run dir
   * is gone: an ephemeral container's `ctr destroy` (docs/architecture.md §12).
   */
  onexit?: string[]
  /** PATH used to find argv[0] (the container's PATH, else a default). */
  pathSearch?: string
  /** ctr execute: argv runs ctr-monitor's `init` mode from its sealed copy (docs/architecture.md §14). */
  execute?: boolean
  hostname?: string
  /** lxc.keyring.session: join a new session keyring. */
  newKeyring: boolean
  cloneFlags: number
  shares: ShareSpec[]
  rootfs?: string
  rootfsReadonly: boolean
  /** How the rootfs is mounted on `rootfs`: fstype '' binds the directory onto itself. */
  rootfsMount?: {fstype: string; source: string; data: string; flags: number}
  tty?: TtySpec
  /** autodev: a fresh boot id per start (/proc/sys/kernel/random/boot_id), as LXC gives. */
  bootId?: boolean
  /** A rootfs: its mounts become shared after pivot_root, as LXC makes them. */
  rootShared?: boolean
  fsops: FsOp[]
  cwd?: string
  uid: number
  gid: number
  groups?: number[]
  haltSignal: number
  rebootSignal: number
  stopSignal: number
  pdeathSignal: number
  capKeep?: bigint
  noNewPrivs: boolean
  rlimits: Array<{resource: number; soft: bigint; hard: bigint}>
  sysctls: Array<[string, string]>
  procs: Array<[string, string]>
  uidMap?: string
  gidMap?: string
  /** The compiled seccomp program (struct sock_filter[], 8 bytes per instruction). */
  seccompFilter?: Buffer
  personality?: number
  /** The container's cgroup (core/cgroup/plan.ts); none when no hierarchy is usable. */
  cgroup?: CgroupSpec
  /** lxc.hook.* (core/hook-plan.ts); none without hooks. */
  hooks?: HookSpec
  /** The interfaces to make in the new network namespace (core/net-plan.ts). */
  net?: NetPlan
  /**
   * `ctr checkpoint -r`: init is not cloned but restored by this CRIU
   * command (core/checkpoint-plan.ts), which the monitor runs as its child
   * (docs/monitor-protocol.md §5.6); `pidfile` is criu's --pidfile.
   */
  restore?: {argv: string[]; pidfile: string}
}

function encodeTty(rec: (name: string, ...fields: Array<string | number>) => void, tty: TtySpec): void {
  if (tty.console) rec('console', 1)
  if (tty.consoleDevpts !== undefined) rec('console_devpts', tty.consoleDevpts)
  if (tty.hold) rec('console_hold', 1)
  if (tty.peer !== undefined) rec('console_peer', tty.peer)
  if (tty.logfile !== undefined) rec('console_log', tty.logfile)
  if (tty.logSize) rec('console_size', tty.logSize)
  if (tty.logRotate) rec('console_rotate', 1)
  if (tty.bufferSize) rec('console_buffer', tty.bufferSize)
  if (tty.ttyMax > 0) rec('tty_max', tty.ttyMax)
  if (tty.ttyDir) rec('tty_dir', tty.ttyDir)
  if (tty.bindTtys) rec('tty_bind', 1)
}

/** Serializes a spec into the monitor's wire format. */
export function encodeMonitorSpec(spec: MonitorSpec): Buffer {
  // Plain loops, no spread or iterators: a start runs this once, cold, and
  // in a program every start's garbage adds up to scavenges (issue 13).
  const tokens: string[] = []
  const rec = (name: string, ...fields: Array<string | number | bigint>): void => {
    tokens.push(name)
    for (let i = 0; i < fields.length; i++) tokens.push(String(fields[i]))
  }
  rec('name', spec.name)
  rec('lxcpath', spec.lxcpath)
  rec('rundir', spec.rundir)
  if (spec.exitfile) rec('exitfile', spec.exitfile)
  if (spec.pidfile) rec('pidfile', spec.pidfile)
  if (spec.logfile) rec('logfile', spec.logfile)
  rec('loglevel', spec.loglevel)
  if (spec.configPath) rec('config', spec.configPath)
  rec('foreground', spec.foreground ? 1 : 0)
  rec('stdio', spec.stdioInherit ? 'inherit' : 'null')
  for (const arg of spec.argv) rec('arg', arg)
  for (const arg of spec.onexit ?? []) rec('onexit', arg)
  for (const entry of spec.env) rec('env', entry)
  if (spec.pathSearch) rec('path', spec.pathSearch)
  if (spec.execute) rec('execute', 1)
  if (spec.hostname !== undefined) rec('hostname', spec.hostname)
  rec('keyring', spec.newKeyring ? 1 : 0)
  rec('clone', spec.cloneFlags)
  for (const share of spec.shares) rec('share', CLONE_NS[share.ns], share.path, share.pid, share.starttime)
  if (spec.rootfs) rec('rootfs', spec.rootfs)
  if (spec.rootfsReadonly) rec('rootfs_ro', 1)
  if (spec.rootfsMount) rec('rootfs_fs', spec.rootfsMount.fstype, spec.rootfsMount.source, spec.rootfsMount.data, spec.rootfsMount.flags)
  if (spec.tty) encodeTty(rec, spec.tty)
  if (spec.bootId) rec('boot_id', 1)
  if (spec.rootShared) rec('root_shared', 1)
  for (const op of spec.fsops) {
    if (op.kind === 'mount') rec('mount', op.source, op.target, op.fstype, op.flags, op.data, op.opts)
    else if (op.kind === 'mknod') rec('mknod', op.path, op.mode, op.dev, op.opts)
    else if (op.kind === 'symlink') rec('symlink', op.target, op.path, op.opts)
    else if (op.kind === 'umount') rec('umount', op.path, op.opts)
    else rec('mkdir', op.path, op.mode, op.opts)
  }
  if (spec.cwd) rec('cwd', spec.cwd)
  rec('uid', spec.uid)
  rec('gid', spec.gid)
  if (spec.groups) {
    rec('set_groups', 1)
    for (const gid of spec.groups) rec('group', gid)
  }
  rec('halt', spec.haltSignal)
  rec('reboot', spec.rebootSignal)
  rec('stopsig', spec.stopSignal)
  rec('pdeath', spec.pdeathSignal)
  if (spec.capKeep !== undefined) rec('caps', spec.capKeep.toString(16))
  if (spec.noNewPrivs) rec('nnp', 1)
  for (const r of spec.rlimits) rec('rlimit', r.resource, r.soft, r.hard)
  for (const [key, value] of spec.sysctls) rec('sysctl', key, value)
  for (const [key, value] of spec.procs) rec('proc', key, value)
  if (spec.uidMap) rec('uidmap', spec.uidMap)
  if (spec.gidMap) rec('gidmap', spec.gidMap)
  if (spec.seccompFilter && spec.seccompFilter.length > 0) rec('seccomp', spec.seccompFilter.toString('hex'))
  if (spec.personality !== undefined) rec('personality', spec.personality)
  if (spec.cgroup) {
    const cg = spec.cgroup
    rec('cgroup', cg.limit)
    if (cg.inner !== undefined) rec('cgroup_inner', cg.inner)
    if (cg.monitor !== undefined) rec('cgroup_monitor', cg.monitor)
    if (cg.monitorPivot !== undefined) rec('cgroup_pivot', cg.monitorPivot)
    for (const h of cg.hierarchies) rec('cghier', h.version, h.id, h.baseDir, h.basePath, h.selfDir, h.enable.join(','))
    for (const s of cg.settings) rec('cgset', s.hierarchy, s.file, s.value)
    if (cg.devices) rec('cgdevices', cg.devices.hierarchy, cg.devices.program.toString('hex'))
  }
  if (spec.hooks) {
    const h = spec.hooks
    rec('hookversion', h.version)
    rec('hooktimeout', h.timeoutS)
    for (const hook of h.hooks) rec('hook', hook.type, hook.script)
    for (const entry of h.env) rec('hookenv', entry)
    for (const entry of h.envContainer) rec('hookenv_ct', entry)
    for (const at of h.at) rec('hookat', at.type, at.index)
  }
  if (spec.net && spec.net.nics.length > 0) encodeNet(spec.net, rec)
  if (spec.restore) {
    for (const arg of spec.restore.argv) rec('restore_arg', arg)
    rec('restore_pidfile', spec.restore.pidfile)
  }
  rec('end')
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string
    if (token.includes('\0')) throw new Error(`NUL byte in monitor spec token ${JSON.stringify(token)}`)
  }
  const body = `${tokens.join('\0')}\0`
  const length = Buffer.byteLength(body, 'utf8')
  const header = `${length}\n`
  const out = Buffer.allocUnsafe(header.length + length)
  out.write(header, 0, 'latin1')
  out.write(body, header.length, 'utf8')
  return out
}

type Rec = (name: string, ...fields: Array<string | number | bigint>) => void

const opt = (v: number | undefined): string => (v === undefined ? '' : String(v))

// native/netspec.h: the `net` records first, then the others by position.
function encodeNet(net: NetPlan, rec: Rec): void {
  net.nics.forEach((n) => {
    rec('net', n.index, n.type, n.up ? 1 : 0, n.l2proxy ? 1 : 0, n.link, n.name, n.hwaddr, opt(n.mtu))
  })
  net.nics.forEach((n, i) => {
    rec('netmode', i, n.mode, n.isolation, n.type === 'veth' || n.type === 'vlan' ? opt(n.vlanId) : '', n.pair, opt(n.rxQueues), opt(n.txQueues))
    for (const a of n.addresses) rec('netaddr', i, a.family, a.address, a.prefix, a.broadcast ?? '')
    for (const r of n.routes) rec('netroute', i, r.family, r.address, r.prefix)
    for (const [family, gw] of [[4, n.gateway4], [6, n.gateway6]] as const) {
      if (gw) rec('netgw', i, family, gw.kind, gw.kind === 'address' ? gw.address : '')
    }
    for (const vid of n.taggedVlans) rec('nettag', i, vid)
    if (n.scriptUp !== undefined) rec('netscript', i, 'up', n.scriptUp)
    if (n.scriptDown !== undefined) rec('netscript', i, 'down', n.scriptDown)
  })
  for (const entry of net.scriptEnv) rec('netenv', entry)
  rec('nethooks', net.hookVersion)
}
