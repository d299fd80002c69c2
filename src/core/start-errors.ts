// Turning the monitor's one-line start failure (`error <step> <errno>
// <detail>`) into a message that says what failed and what to do about it
// (LXC's "Received container state ABORTING instead of RUNNING" says
// neither, lxc/lxc#4314).

import {CtrError} from './errors.js'
import {signalName} from './signals.js'

export interface StartFailure {
  step: string
  errno: number
  detail: string
  /** Init died of this signal during setup, before its exec (no errno then). */
  signal?: number
}

export interface ErrnoInfo {
  name: string
  message: string
}

/** Why a run directory is refused (native/util.c ctr_dir_trusted, src/sys/rundir-trust.ts). */
export const RUNDIR_TRUST_HINT =
  'ctr keeps a container\'s state there and acts on it as root: the run directory and every directory above it must belong to root (or to you) and must not be writable by anyone else (a sticky /tmp is fine); check CTR_RUNTIME_DIR'

interface StepText {
  what: (detail: string) => string
  hints?: (f: StartFailure, ctx: FailureContext) => string[]
}

export interface FailureContext {
  name: string
  rootfs: string | undefined
  path: string | undefined
  foreground: boolean
  /** The effective uid ctr runs as (namespaces need root or a user namespace). */
  uid?: number
  /** lxc.net.N -> its type, to name what a missing link is. */
  netTypes?: Readonly<Record<number, string>>
  /** The failed mount was a proc, sys or dev automount (MNT.NO_SYMLINKS). */
  automount?: boolean
  /** The symlink of the rootfs that such a mount met (ELOOP), found by the caller. */
  symlink?: {path: string; target: string}
}

const ELOOP = 40

const STEPS: Record<string, StepText> = {
  exec: {
    what: (d) => `Failed to exec "${d}"`,
    hints: (f, ctx) => {
      const where = ctx.rootfs ? `inside the root filesystem ${ctx.rootfs}` : 'on the host root (the embedded default config)'
      if (f.errno === 2) return [`"${f.detail}" was not found ${where}${f.detail.includes('/') ? '' : ` in PATH=${ctx.path ?? ''}`}`, 'Check the command after -- or lxc.init.cmd']
      if (f.errno === 13) return [`"${f.detail}" is not executable ${where}`]
      if (f.errno === 8) return [`"${f.detail}" is not a program for this machine (a script needs a #! line)`]
      return []
    },
  },
  mount: {
    what: (d) => `Failed to set up the mount on "${d.replace(/^\d+ /, '')}"`,
    hints: () => ['Check lxc.mount.auto, lxc.mount.entry and lxc.autodev; run with -l DEBUG -o FILE for the monitor log'],
  },
  'rootfs-bind': {what: (d) => `Failed to bind-mount the root filesystem "${d}"`},
  'rootfs-open': {what: (d) => `Failed to open the root filesystem "${d}"`},
  'pivot-root': {what: (d) => `Failed to pivot_root into "${d}"`},
  'detach-oldroot': {what: () => 'Failed to detach the old root after pivot_root'},
  'rootfs-readonly': {what: () => 'Failed to make the root filesystem read-only'},
  propagation: {what: () => 'Failed to make the container\'s mounts private'},
  setns: {what: (d) => `Failed to join the namespace "${d}"`},
  share: {
    what: (d) => `Failed to open the shared namespace "${d}"`,
    hints: (f) => (f.errno === 3 ? ['The process that owns it has exited'] : []),
  },
  'userns-ids': {what: () => 'Failed to become root in the new user namespace', hints: () => ['Check lxc.idmap: uid 0 and gid 0 inside must be mapped']},
  idmap: {what: (d) => `Failed to write ${d}`, hints: () => ['Check lxc.idmap ranges against /etc/subuid and /etc/subgid']},
  hostname: {what: (d) => `Failed to set the hostname "${d}"`},
  cgroupns: {what: () => 'Failed to create the cgroup namespace'},
  keyring: {what: () => 'Failed to create a session keyring', hints: () => ['Set lxc.keyring.session = 0 to keep the caller\'s keyring']}, 
  sysctl: {what: (d) => `Failed to set the sysctl "${d}"`},
  proc: {what: (d) => `Failed to write /proc/self/${d}`},
  prlimit: {what: (d) => `Failed to set the resource limit ${d}`, hints: (f) => (f.errno === 1 ? ['Raising a hard limit needs CAP_SYS_RESOURCE'] : [])},
  cwd: {what: (d) => `Failed to change to the working directory "${d}"`, hints: () => ['Check lxc.init.cwd']},
  setgroups: {what: () => 'Failed to set the supplementary groups', hints: () => ['Check lxc.init.groups']},
  setgid: {what: () => 'Failed to switch to lxc.init.gid'},
  setuid: {what: () => 'Failed to switch to lxc.init.uid'},
  capabilities: {what: () => 'Failed to set capabilities'},
  'no-new-privs': {what: () => 'Failed to set no_new_privs'},
  seccomp: {what: () => 'Failed to load the seccomp filter'},
  personality: {what: () => 'Failed to set the personality (lxc.arch)'},
  stdio: {what: () => 'Failed to set up init\'s standard input and output'},
  clone: {
    what: () => 'Failed to create the container\'s namespaces (clone3)',
    hints: (f, ctx) => {
      if (f.errno !== 1) return []
      if (ctx.uid !== undefined && ctx.uid !== 0) {
        return [
          `Containers need root: ctr runs as uid ${ctx.uid}; run it as root (sudo ctr start ...)`,
          'Without root a container needs lxc.idmap lines (a user namespace, with ids from /etc/subuid and /etc/subgid) and a cgroup delegated to this user (systemd-run --user --scope -p Delegate=yes ctr start ...)',
        ]
      }
      return ['The kernel refused the new namespaces: check user.max_*_namespaces (sysctl) and any seccomp or security policy around ctr (a container it runs in)']
    },
  },
  console: {
    what: (d) => (d === '/dev/console' || d === '' ? 'Failed to set up the console' : `Failed to use "${d}" for the console`),
    hints: (f) => (f.detail === '/dev/console' || f.detail === ''
      ? ['The console is a pty from a devpts instance of the container\'s own, bound on /dev/console; check lxc.pty.max and lxc.tty.dir']
      : ['lxc.console.path must be a terminal device on the host; lxc.console.logfile (-L) a regular file, not a symlink, in an existing directory']),
  },
  tty: {what: (d) => `Failed to set up ${d}`, hints: () => ['Each of lxc.tty.max ttys is a pty of the container\'s devpts (lxc.pty.max + lxc.tty.max of them), bound on /dev/ttyN; check lxc.tty.dir']},
  cgroup: {what: (d) => `Failed to set up the container's cgroup${d ? ` (${d})` : ''}`},
  lock: {
    what: (d) => `Failed to lock the run directory "${d}"`,
    hints: (f) => (f.errno === 1 ? [RUNDIR_TRUST_HINT] : []),
  },
  rundir: {
    what: (d) => `Failed to set up the run directory "${d}"`,
    hints: (f, ctx) => (f.errno === 13 && ctx.uid !== undefined && ctx.uid !== 0
      ? ['Containers need root: run ctr as root', 'As another user, the run directories go to $XDG_RUNTIME_DIR/ctr (or $CTR_RUNTIME_DIR), which must be this user\'s']
      : []),
  },
  socket: {what: (d) => `Failed to create the command socket in "${d}"`},
  pidfile: {what: (d) => `Failed to write the pidfile "${d}"`, hints: (f) => (f.errno === 28 ? ['Its filesystem is full'] : [])},
  spec: {what: (d) => `The monitor rejected the start spec${d ? ` (${d})` : ''}, a ctr bug`},
  seal: {
    what: () => 'Failed to re-execute ctr-monitor from a sealed copy of itself',
    hints: () => ['ctr-monitor runs from a read-only overlayfs or a sealed memfd, so that no container can rewrite it; check that overlayfs or memfd_create(MFD_EXEC) are available (vm.memfd_noexec)'],
  },
  'clone-init': {what: () => 'Failed to fork init into the shared pid namespace'},
  log: {what: (d) => `Failed to open the log file "${d}"`, hints: () => ['Check -o/--logfile and lxc.log.file']},
  'lxc-lock': {
    what: (d) => `LXC's command socket "@${d}" is taken: the container is running under LXC`,
    hints: () => ['LXC and ctr both take that name as their "already running" lock; see lxc-info'],
  },
}

/** The CtrError for a failed start (exit 1). `errno` names come from the caller (sys has the table). */
export function startFailureError(f: StartFailure, err: ErrnoInfo, ctx: FailureContext): CtrError {
  if (f.signal !== undefined) return killedDuringSetup(f, ctx)
  if (f.step === 'hook') return hookFailureError(ctx.name, parseHookDetail(f.detail), err)
  if (f.step === 'network') return networkFailure(f, err, ctx)
  if (f.step === 'restore') {
    // ctr checkpoint -r: the monitor's criu restore failed (docs/monitor-protocol.md §5.6); the detail is criu's error.
    return new CtrError('CTR_RESTORE_FAILED', `Restoring ${ctx.name} failed: ${f.detail || err.message}`, {
      hints: ["CRIU's log is restore.log in the checkpoint directory (-v makes it verbose); the container is stopped and nothing of it is left"],
      details: {step: f.step, errno: err.name, detail: f.detail},
    })
  }
  if (f.step === 'mount' && f.errno === ELOOP && ctx.automount) return automountThroughSymlink(f, ctx)
  const step = STEPS[f.step]
  const what = step ? step.what(f.detail) : `Failed at step "${f.step}"${f.detail ? ` (${f.detail})` : ''}`
  const hints = [...(step?.hints?.(f, ctx) ?? [])]
  if (!ctx.foreground) hints.push(`The container failed to start; run it in the foreground (-F) to see its own output`)
  return new CtrError('CTR_START_FAILED', `${ctx.name}: ${what}: ${err.message} (${err.name})`, {
    hints,
    details: {step: f.step, errno: err.name, detail: f.detail},
  })
}

/**
 * A proc, sys or dev automount met a symlink of the rootfs: LXC refuses it
 * too ("proc in ROOTFS/proc was a symbolic link!"), since the mount would
 * land wherever the link points.
 */
function automountThroughSymlink(f: StartFailure, ctx: FailureContext): CtrError {
  const target = `/${f.detail.replace(/^\d+ /, '')}`
  const link = ctx.symlink
  const what = link
    ? `Refusing to mount on "${target}": "${link.path}" in the root filesystem is a symbolic link (to "${link.target}")`
    : `Refusing to mount on "${target}": a directory on the way is a symbolic link in the root filesystem`
  const where = `${ctx.rootfs ?? ''}${link?.path ?? target}`
  const hints = [
    'ctr, like LXC, never mounts proc, sys or dev through a symlink: the mount would land wherever the link points',
    `Make it a directory: rm ${where} && mkdir ${where}`,
  ]
  return new CtrError('CTR_START_FAILED', `${ctx.name}: ${what}`, {
    hints,
    details: {step: f.step, errno: 'ELOOP', detail: f.detail, ...(link ? {symlink: link.path, symlinkTarget: link.target} : {})},
  })
}

/** Init died of a signal before its exec: no errno to show, but the step it was in. */
function killedDuringSetup(f: StartFailure, ctx: FailureContext): CtrError {
  const signal = signalName(f.signal ?? 0)
  const hints = ['Something killed the container\'s init while ctr-monitor was setting it up (an OOM kill, or a signal sent to it)']
  if (!ctx.foreground) hints.push('Run with -l DEBUG -o FILE for the monitor log')
  return new CtrError('CTR_START_FAILED', `${ctx.name}: Init was killed by ${signal} during setup, at step "${f.step}", before its exec`, {
    hints,
    details: {step: f.step, signal},
  })
}

/** A failed hook as the monitor reports it (native/hooks.c ctr_hooks_failure_detail). */
export interface HookFailure {
  type: string
  kind: 'exit' | 'signal' | 'timeout' | 'error'
  value: number
  script: string
  stderr: string
}

// The monitor escapes backslash, space, newline and control bytes in the
// script and stderr fields (docs/monitor-protocol.md §3).
function unescapeField(s: string): string {
  return s.replace(/\\(x[0-9a-f]{2}|[sn\\])/g, (_, c: string) => {
    if (c === 's') return ' '
    if (c === 'n') return '\n'
    if (c === '\\') return '\\'
    return String.fromCharCode(Number.parseInt(c.slice(1), 16))
  })
}

/** Parses "TYPE KIND VALUE SCRIPT STDERR". */
export function parseHookDetail(detail: string): HookFailure {
  const [type = 'unknown', kind = 'exit', value = '0', script = '', stderr = ''] = detail.split(' ')
  const k = (['exit', 'signal', 'timeout', 'error'] as const).find((x) => x === kind) ?? 'exit'
  return {type, kind: k, value: Number(value), script: unescapeField(script), stderr: unescapeField(stderr).trim()}
}

/** `NAME: Hook "mount" (/path) failed with exit status 3: <stderr>`, shared by start and destroy. */
export function hookFailureError(name: string, h: HookFailure, err?: ErrnoInfo): CtrError {
  let how: string
  const hints: string[] = []
  if (h.kind === 'signal') how = `was killed by ${signalName(h.value)}`
  else if (h.kind === 'timeout') {
    how = `did not finish within ${h.value} s and was killed`
    hints.push('Hooks are bounded by CTR_HOOK_TIMEOUT (seconds, default 300)')
  } else if (h.kind === 'error') how = `could not be run: ${err?.message ?? `errno ${h.value}`}`
  else how = `failed with exit status ${h.value}`
  if (h.kind === 'exit' && h.value === 127) hints.push(`"${h.script.split(' ')[0] ?? h.script}" was not found${h.type === 'start' ? ' inside the container (a start hook runs there)' : ''}, or /bin/sh is missing`)
  hints.push(`Check lxc.hook.${h.type}; run with -l DEBUG -o FILE to log the hook's output`)
  return new CtrError('CTR_HOOK_FAILED', `${name}: Hook "${h.type}" (${h.script}) ${how}${h.stderr ? `: ${h.stderr}` : ''}`, {
    hints,
    details: {step: 'hook', hook: h.type, script: h.script, kind: h.kind, value: h.value, stderr: h.stderr},
  })
}

/**
 * The monitor's network detail is `N CODE TEXT` (native/network.h): the
 * lxc.net index (`-` for none), a code, and the object or message.
 */
export function parseNetworkDetail(detail: string): {index: number | undefined; code: string; text: string} {
  const m = /^(-|\d+) (\S+) ?([\s\S]*)$/.exec(detail)
  if (!m) return {index: undefined, code: 'netlink', text: detail}
  return {index: m[1] === '-' ? undefined : Number(m[1]), code: m[2] as string, text: m[3] as string}
}

function linkWhat(type: string | undefined, link: string): string {
  if (type === 'veth') return `the bridge "${link}" does not exist`
  if (type === 'phys') return `the device "${link}" to move into the container does not exist`
  return `the parent device "${link}" does not exist`
}

function bridgeHints(index: number, link: string): string[] {
  const hints = [
    `Create it: ip link add ${link} type bridge && ip link set ${link} up (and give it an address, e.g. ip addr add 10.0.3.1/24 dev ${link}, to reach the containers)`,
  ]
  if (link === 'lxcbr0') hints.push("lxcbr0 is the bridge of LXC's lxc-net service: start it (systemctl start lxc-net, or /usr/libexec/lxc/lxc-net start)")
  hints.push(`Or set lxc.net.${index}.link to an existing bridge, or lxc.net.${index}.type = empty for a container without a network (README, "Networking")`)
  return hints
}

function networkHints(code: string, index: number, type: string | undefined, text: string): string[] {
  switch (code) {
    case 'nolink':
      return type === 'veth' ? bridgeHints(index, text) : [`Check lxc.net.${index}.link: it names a device of the network namespace ctr runs in`]
    case 'notbridge':
      return [`A veth attaches to a Linux bridge or an Open vSwitch bridge; to use the device itself, see lxc.net.${index}.type = macvlan, ipvlan or phys`]
    case 'exists':
      return [`Another interface already has that name (a running container, or one left behind); change lxc.net.${index}.${type === 'veth' ? 'veth.pair' : 'name'} or remove it`]
    case 'sysctl':
      return [`Set it in the network namespace ctr runs in: sysctl -w ${text}`]
    case 'vlanfilter':
      return [`Turn VLAN filtering on: ip link set ${text} type bridge vlan_filtering 1`]
    case 'ovs':
      return ['Check that Open vSwitch runs (ovs-vsctl show) and knows the bridge']
    default:
      return []
  }
}

function networkText(code: string, type: string | undefined, text: string): string {
  switch (code) {
    case 'nolink': return linkWhat(type, text)
    case 'notbridge': {
      const [link, kind] = text.split(' ')
      return `"${link}" is a ${kind ?? 'device'}, not a bridge`
    }
    case 'exists': return `the interface name "${text}" is taken`
    case 'sysctl': return `it needs the sysctl ${text}`
    case 'vlanfilter': return `the bridge "${text}" does not filter VLANs, so veth.vlan.id and veth.vlan.tagged.id cannot apply`
    default: return text
  }
}

function networkFailure(f: StartFailure, err: ErrnoInfo, ctx: FailureContext): CtrError {
  const {index, code, text} = parseNetworkDetail(f.detail)
  const type = index === undefined ? undefined : ctx.netTypes?.[index]
  const where = index === undefined ? 'the network' : `lxc.net.${index}${type ? ` (${type})` : ''}`
  const hints = networkHints(code, index ?? 0, type, text)
  if (!ctx.foreground) hints.push('Run with -l DEBUG -o FILE for the monitor\'s log of each network step')
  // A script's status, a missing sysctl: the errno would only mislead.
  const errno = ['script', 'ovs', 'sysctl', 'vlanfilter'].includes(code) ? '' : `: ${err.message} (${err.name})`
  return new CtrError('CTR_START_FAILED', `${ctx.name}: Failed to set up ${where}: ${networkText(code, type, text)}${errno}`, {
    hints,
    details: {step: f.step, errno: err.name, detail: f.detail, network: {index, code, object: text}},
  })
}
