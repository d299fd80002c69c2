// The busybox template: what LXC's lxc-busybox (templates/lxc-busybox.in)
// builds, as data. A root filesystem of the host's static busybox with every
// applet linked in /bin and /sbin/init a hard link to it, the directory tree,
// users, an inittab and boot scripts; and the config lines that make busybox
// init behave as a container init. Pure: the applet list and busybox's host
// path come in as arguments.
//
// Differences from lxc-busybox, on purpose:
// * Only keys ctr can start today are written (BUSYBOX_CONFIG below); what
//   lxc-busybox writes beyond them waits for ctr to support it.
// * The config drops more capabilities than lxc-busybox's (CAP_SYS_ADMIN
//   among them) and loads ctr's seccomp denylist: LXC's containers also get
//   an AppArmor profile, ctr's none (docs/security.md). So rcS mounts
//   nothing: /dev/shm and /dev/mqueue are lxc.mount.entry lines, as in
//   lxc-busybox.
// * rcS starts no udhcpc: ctr has no veth networking yet, and udhcpc
//   without a lease would hold the boot forever.
// * syslogd is supervised by init (`respawn`) instead of started from rcS,
//   and there is a `shutdown` action; there is no getty on tty1 (no ttys yet)
//   and no askfirst shell on a console that is /dev/null in the background.
// * busybox is not made setuid (lxc-busybox's `chmod +s bin/passwd` makes
//   the whole multi-call binary, and /sbin/init with it, setuid root).
// * /etc/shadow has a locked root entry instead of being empty.

import {scanArgv, type OptionDef} from '../argv.js'
import {CtrError, UsageError} from '../errors.js'
import type {ConfigLine, RootfsEntry} from './rootfs-plan.js'

export interface BusyboxTemplateOptions {
  /** --busybox-path: the busybox to copy; undefined = `busybox` from $PATH. */
  busyboxPath: string | undefined
}

/** The options `ctr create -t busybox -- ...` takes (lxc-busybox's own, minus LXC's internal ones). */
export const BUSYBOX_TEMPLATE_OPTIONS: ReadonlyArray<OptionDef<'busyboxPath'> & {argName: string; description: string}> = [
  {key: 'busyboxPath', long: 'busybox-path', hasArg: true, argName: 'PATH', description: 'The busybox binary to copy (default: busybox from $PATH); it must be statically linked'},
]

/**
 * Parses the template arguments (what follows `--`, and operands after the
 * name). Throws UsageError CTR_TEMPLATE_ARGS (exit 1) for an unknown option
 * or a stray operand; getopt_long rules, so `--busybox=/x` works.
 */
export function parseBusyboxArgs(args: readonly string[]): BusyboxTemplateOptions {
  const options: BusyboxTemplateOptions = {busyboxPath: undefined}
  const hint = `The busybox template takes: ${BUSYBOX_TEMPLATE_OPTIONS.map((o) => `--${o.long} ${o.argName}`).join(', ')}`
  let rest: {operands: string[]; afterDashDash: string[]}
  try {
    rest = scanArgv(args, BUSYBOX_TEMPLATE_OPTIONS, (option) => {
      if (option.key === 'busyboxPath') options.busyboxPath = option.value
    })
  } catch (error) {
    throw new UsageError(`Template busybox: ${(error as Error).message}`, {code: 'CTR_TEMPLATE_ARGS', hints: [hint], cause: error})
  }
  const extra = [...rest.operands, ...rest.afterDashDash]
  if (extra.length > 0) {
    throw new UsageError(`Template busybox: unexpected argument ${JSON.stringify(extra[0])}`, {code: 'CTR_TEMPLATE_ARGS', hints: [hint]})
  }
  if (options.busyboxPath === '') throw new UsageError('Template busybox: --busybox-path needs a path', {code: 'CTR_TEMPLATE_ARGS', hints: [hint]})
  return options
}

/**
 * ctr's capability drops for a container that runs as root without an LSM:
 * LXC's common.conf list (mac_admin mac_override sys_time sys_module
 * sys_rawio), then what AppArmor keeps from LXC's containers and nothing
 * keeps from ctr's: sys_admin (mounting a fresh proc or sysfs, remounting
 * /proc/sys, and the kernel's other global knobs), dac_read_search
 * (open_by_handle_at: "shocker"), mknod (nodes for the host's disks: ctr
 * sets no device cgroup by default), and host-wide state without a
 * namespace (sys_pacct, syslog, audit_control, bpf, perfmon, wake_alarm,
 * block_suspend). docs/security.md gives the reasons one by one.
 * sys_boot stays: busybox init halts with reboot(2), which in a pid
 * namespace only ends the container (kexec is in the seccomp denylist).
 */
export const LXC_COMMON_CAP_DROP = 'mac_admin mac_override sys_time sys_module sys_rawio'
export const CTR_CAP_DROP = 'sys_admin dac_read_search mknod sys_pacct syslog audit_control bpf perfmon wake_alarm block_suspend'

export interface BusyboxConfigOptions {
  /**
   * The seed config uses lxc.cap.keep, which excludes lxc.cap.drop (LXC
   * refuses both in one config): the seed's choice wins.
   */
  seedKeepsCaps: boolean
  /** The seed config names a seccomp profile: the seed's choice wins. */
  seedHasSeccomp: boolean
  /** ctr's default denylist (config/default.seccomp), an absolute path. */
  seccompProfile: string
}

/**
 * The config lines of the busybox template, after lxc.rootfs.path: the one
 * place to edit when ctr learns more keys. lxc-busybox also writes these,
 * left out on purpose:
 *   lxc.tty.max = 5                         container ttys (not implemented)
 *   lxc.mount.entry = /lib, /usr/lib, /lib64, /usr/lib64 (ro binds) and
 *     /sys/kernel/security                  a static busybox needs no host
 *                                           libraries
 */
export function busyboxConfig(name: string, opts: BusyboxConfigOptions): ConfigLine[] {
  const lines: ConfigLine[] = [
    {key: 'lxc.uts.name', value: name},
    // busybox init halts on SIGUSR1 and reboots on SIGTERM; LXC's defaults
    // (SIGPWR, SIGINT) would leave `ctr stop` waiting for its timeout.
    {key: 'lxc.signal.halt', value: 'SIGUSR1'},
    {key: 'lxc.signal.reboot', value: 'SIGTERM'},
    {key: 'lxc.autodev', value: '1'},
    {key: 'lxc.pty.max', value: '1'},
    {key: 'lxc.mount.auto', value: 'cgroup:mixed proc:mixed sys:ro'},
    // lxc-busybox's two entries; relative targets land in the rootfs (here
    // on the lxc.autodev tmpfs).
    {key: 'lxc.mount.entry', value: 'shm dev/shm tmpfs nosuid,nodev,mode=1777,create=dir 0 0'},
    {key: 'lxc.mount.entry', value: 'mqueue dev/mqueue mqueue nosuid,nodev,noexec,optional,create=dir 0 0'},
  ]
  if (!opts.seedKeepsCaps) {
    lines.push({key: 'lxc.cap.drop', value: LXC_COMMON_CAP_DROP}, {key: 'lxc.cap.drop', value: CTR_CAP_DROP})
  }
  if (!opts.seedHasSeccomp) lines.push({key: 'lxc.seccomp.profile', value: opts.seccompProfile})
  return lines
}

/** lxc-busybox's directory tree, all mode 0755 except /tmp (1777). */
export const BUSYBOX_TREE: readonly string[] = [
  'selinux', 'dev', 'home', 'root', 'etc', 'etc/init.d', 'bin', 'usr/bin', 'sbin', 'usr/sbin', 'proc', 'sys', 'mnt', 'tmp',
  'var/log', 'var/run', 'dev/pts', 'lib', 'usr/lib', 'lib64', 'usr/lib64',
]

export const INITTAB = `# busybox init's table, written by \`ctr create -t busybox\`.
# The container config sets lxc.signal.halt = SIGUSR1 (busybox init halts:
# \`ctr stop\`) and lxc.signal.reboot = SIGTERM (it reboots: \`ctr stop -r\`).
# On either, init runs the shutdown actions, then sends TERM and, a second
# later, KILL to every process left.
::sysinit:/etc/init.d/rcS
::respawn:/bin/syslogd -n
::shutdown:/etc/init.d/rcK
`

export const RCS = `#!/bin/sh
# Runs once at boot (::sysinit in /etc/inittab), before the respawn actions.
# ctr has mounted what the container gets: /proc, /sys and the cgroup
# hierarchies (lxc.mount.auto), a minimal /dev (lxc.autodev), /dev/shm and
# /dev/mqueue (lxc.mount.entry). Root in the container cannot mount more:
# the config drops CAP_SYS_ADMIN (see the README, "Security"). Start
# one-shot jobs here; services go into /etc/inittab as respawn actions.
`

export const RCK = `#!/bin/sh
# Runs at halt and reboot (::shutdown in /etc/inittab), before busybox init
# sends TERM, then KILL, to every process left: stop services cleanly here.
sync
`

/**
 * The rootfs of the busybox template. `busybox` is the host path of the
 * (static) binary to copy; `applets` is what `busybox --list` printed. Each
 * applet becomes a /bin symlink to busybox, as lxc-busybox does; names that
 * are not a single safe path component are skipped. Throws nothing.
 */
export function busyboxRootfs(busybox: string, applets: readonly string[]): RootfsEntry[] {
  const entries: RootfsEntry[] = withParents(BUSYBOX_TREE).map((path) => ({kind: 'dir', path, mode: path === 'tmp' ? 0o1777 : 0o755}))
  entries.push(
    {kind: 'file', path: 'etc/passwd', mode: 0o644, content: 'root:x:0:0:root:/root:/bin/sh\n'},
    {kind: 'file', path: 'etc/group', mode: 0o644, content: 'root:x:0:\n'},
    // A locked root: no password login until someone sets one with passwd.
    {kind: 'file', path: 'etc/shadow', mode: 0o600, content: 'root:*::0:::::\n'},
    // lxc-busybox writes an empty one too.
    {kind: 'file', path: 'etc/fstab', mode: 0o644, content: '# <file system> <mount point> <type> <options> <dump> <pass>\n'},
    {kind: 'file', path: 'etc/inittab', mode: 0o644, content: INITTAB},
    {kind: 'file', path: 'etc/init.d/rcS', mode: 0o744, content: RCS},
    {kind: 'file', path: 'etc/init.d/rcK', mode: 0o744, content: RCK},
    {kind: 'copy', path: 'bin/busybox', mode: 0o755, source: busybox},
  )
  const seen = new Set<string>(['busybox'])
  for (const applet of applets) {
    if (seen.has(applet) || !isAppletName(applet)) continue
    seen.add(applet)
    entries.push({kind: 'symlink', path: `bin/${applet}`, target: 'busybox'})
  }
  entries.push({kind: 'hardlink', path: 'sbin/init', target: 'bin/busybox'})
  return entries
}

/** Applet names that `busybox --list` prints, one per line; blank lines dropped. */
export function parseAppletList(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '')
}

// mkdir -p order: every parent before its children, each once.
function withParents(paths: readonly string[]): string[] {
  const out: string[] = []
  for (const path of paths) {
    const parts = path.split('/')
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/')
      if (!out.includes(prefix)) out.push(prefix)
    }
  }
  return out
}

function isAppletName(name: string): boolean {
  return name !== '.' && name !== '..' && /^[^/\0\s]+$/.test(name)
}

/** Thrown when the busybox to copy cannot run in the container. */
export function dynamicBusyboxError(path: string): CtrError {
  return new CtrError('CTR_BUSYBOX_DYNAMIC', `${path} is dynamically linked and cannot run in a busybox container`, {
    hints: [
      'The container has no libraries of its own: install a static busybox (apt-get install busybox-static)',
      'or give one with: ctr create -t busybox -n NAME -- --busybox-path /path/to/static/busybox',
    ],
  })
}
