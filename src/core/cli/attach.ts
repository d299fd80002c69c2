// `ctr attach` (lxc-attach): option table and argv parsing (lxc_attach.c
// my_longopts and my_parser). Pure.
//
// Differences from lxc-attach, on purpose (README "ctr attach"):
// * -s does not imply -e. lxc-attach elevates every privilege when -s is
//   given ("WARNING: Using -s implies -e"), so a process that joins only the
//   network namespace also keeps every capability and skips seccomp; ctr
//   confines it like init unless -e is given too.
// * -c/--context (an SELinux label) is not offered: ctr applies no LSM.

import {parsePersonality} from '../config/keys.js'
import {CtrError, UsageError} from '../errors.js'
import type {CommonOptions, Parsed} from '../options.js'
import {resolveName, scanCommon, type Env} from './parse.js'
import {commonOptions, type CommandSpec, type CommonOptionKey} from './specs.js'

export type AttachOptionKey =
  | CommonOptionKey
  | 'elevate'
  | 'arch'
  | 'namespaces'
  | 'remount'
  | 'clearEnv'
  | 'keepEnv'
  | 'keepVar'
  | 'setVar'
  | 'ptyLog'
  | 'uid'
  | 'gid'

/** -e's privileges (lxc_fill_elevated_privileges). */
export const ELEVATE = {CAP: 1, CGROUP: 2, LSM: 4} as const
export const ELEVATE_ALL = ELEVATE.CAP | ELEVATE.CGROUP | ELEVATE.LSM

/** CLONE_NEW* of each namespace, by LXC's names (namespace.c ns_info, plus lxc-attach's MOUNT, UTSNAME, NETWORK). */
export const NAMESPACE_FLAGS: Readonly<Record<string, number>> = {
  user: 0x10000000,
  mnt: 0x00020000,
  mount: 0x00020000,
  pid: 0x20000000,
  uts: 0x04000000,
  utsname: 0x04000000,
  ipc: 0x08000000,
  net: 0x40000000,
  network: 0x40000000,
  cgroup: 0x02000000,
  time: 0x00000080,
}

export interface AttachOptions extends CommonOptions {
  /** -e: CTR elevate bits (ELEVATE); 0 = confined like init. */
  elevate: number
  /** -s: the CLONE_NEW* flags to join; undefined = every namespace of init. */
  namespaces: number | undefined
  /** -R/--remount-sys-proc. */
  remount: boolean
  /** --clear-env/--keep-env, last one wins (keep is lxc-attach's default). */
  clearEnv: boolean
  /** --keep-var NAME, in order (only with --clear-env). */
  keepVars: string[]
  /** -v/--set-var NAME=VALUE, in order. */
  setVars: string[]
  /** -L/--pty-log FILE. */
  ptyLog: string | undefined
  /** -u/-g; undefined = lxc-attach's default. */
  uid: number | undefined
  gid: number | undefined
  /** -a/--arch: the personality; undefined = the container's. */
  arch: 'linux32' | 'linux64' | undefined
  /** The command after the name or `--`; empty = the user's login shell. */
  command: string[]
}

export const SPEC: CommandSpec<AttachOptionKey> = {
  id: 'attach',
  lxcTool: 'lxc-attach',
  summary: 'Run a command in a running container',
  description:
    "Runs COMMAND (default: the user's login shell from the container's /etc/passwd, else /bin/sh) in the " +
    "running container NAME: in every namespace of its init (-s picks some), in init's cgroup, confined like " +
    'init (its capability bounding set, no_new_privs and seccomp policy; -e lifts those), as root of the ' +
    'container unless -u/-g say otherwise. The environment is kept (--clear-env clears it) with container=lxc, ' +
    "the container's lxc.environment and -v added; the working directory is the caller's when it exists in the " +
    'container, else /. When any of stdin, stdout and stderr is a terminal, the command gets a new terminal of ' +
    'the container on those (raw mode, window size kept in step, the terminal restored at the end); the ' +
    'others are passed as they are. SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are forwarded. The ' +
    'exit status is the command\'s (128+N if killed by signal N); 126/127 when it cannot be run, 1 when ' +
    'the attach itself fails. The process is started by the container\'s monitor, never from this process ' +
    '(docs/architecture.md §13). --json prints the exit record once the command ended.',
  synopsis:
    'ctr attach -n NAME [-e[=CAP|CGROUP|LSM]] [-s NAMESPACES] [-R] [--clear-env|--keep-env] [-v VAR=VALUE]... ' +
    '[--keep-var VAR]... [-u UID] [-g GID] [-L FILE] [-a ARCH] [-- COMMAND [ARG...]]',
  examples: [
    {description: 'A shell in the container', command: 'ctr attach -n web'},
    {description: 'Run one command; its exit status is ctr attach\'s', command: 'ctr attach -n web -- ls -l /etc'},
    {description: 'With an environment of its own', command: 'ctr attach -n web --clear-env --keep-var TERM -v LANG=C.UTF-8 -- env'},
    {description: 'As a user of the container', command: 'ctr attach -n web -u 1000 -g 1000 -- id'},
    {description: 'Only in its network namespace, with /proc and /sys to match', command: "ctr attach -n web -s 'NETWORK' -R -- ip addr"},
    {description: 'Pipe data through a command in the container', command: 'tar -cf - site | ctr attach -n web -- tar -xf - -C /srv'},
    {description: 'The exit record as JSON', command: 'ctr attach -n web --json -- true'},
  ],
  options: [
    {
      key: 'elevate', short: 'e', long: 'elevated-privileges', hasArg: false, optionalArg: true,
      description: "Don't drop privileges: CAP, CGROUP and LSM joined by | (-e=CAP|CGROUP); all three without a value",
    },
    {key: 'arch', short: 'a', long: 'arch', hasArg: true, argName: 'ARCH', description: "Run COMMAND with ARCH's personality (x86, i686, x86_64, ...)"},
    {
      key: 'namespaces', short: 's', long: 'namespaces', hasArg: true, argName: 'NAMESPACES',
      description: 'Join only these namespaces, joined by |: MOUNT, PID, UTSNAME, IPC, USER, NETWORK, CGROUP, TIME',
    },
    {key: 'remount', short: 'R', long: 'remount-sys-proc', hasArg: false, description: 'Without the mount namespace: mount a /proc and /sys that match the namespaces joined'},
    {key: 'clearEnv', long: 'clear-env', hasArg: false, description: 'Start with an empty environment (PATH and container=lxc set)'},
    {key: 'keepEnv', long: 'keep-env', hasArg: false, description: 'Keep the environment (the default)'},
    {key: 'keepVar', long: 'keep-var', hasArg: true, argName: 'VAR', multiple: true, description: 'With --clear-env, keep VAR; repeatable'},
    {key: 'setVar', short: 'v', long: 'set-var', hasArg: true, argName: 'VAR=VALUE', multiple: true, description: 'Set VAR in the environment of COMMAND; repeatable'},
    {key: 'ptyLog', short: 'L', long: 'pty-log', hasArg: true, argName: 'FILE', description: "Append the terminal's output to FILE"},
    {key: 'uid', short: 'u', long: 'uid', hasArg: true, argName: 'UID', description: 'Run COMMAND as UID of the container'},
    {key: 'gid', short: 'g', long: 'gid', hasArg: true, argName: 'GID', description: 'Run COMMAND with GID of the container'},
    ...commonOptions(true).map((row) =>
      row.key === 'rcfile' ? {...row, short: 'f', description: "Load FILE as the container's config (lxc.environment, ...)"} : row,
    ),
  ],
}

/** lxc_fill_elevated_privileges: no value is all of them; else CAP, CGROUP, LSM joined by |. */
export function parseElevate(value: string | undefined): number {
  if (value === undefined) return ELEVATE_ALL
  let flags = 0
  // getopt leaves the `=` of `-e=CAP` in the value; lxc-attach then refuses "=CAP".
  for (const token of value.replace(/^=/, '').split('|')) {
    if (token === '') continue
    const flag = (ELEVATE as Record<string, number>)[token]
    if (flag === undefined) {
      throw new UsageError(`Invalid elevated privilege "${token}" requested`, {
        code: 'CTR_INVALID_PRIVILEGE',
        hints: ['Give -e alone for all privileges, or some of CAP, CGROUP and LSM joined by |, attached: -e=CAP|CGROUP'],
      })
    }
    flags |= flag
  }
  return flags
}

/** lxc_fill_namespace_flags after lxc_namespace_2_std_identifiers: names joined by |, any case. */
export function parseNamespaces(value: string): number {
  let flags = 0
  for (const token of value.split('|')) {
    if (token === '') continue
    const flag = NAMESPACE_FLAGS[token.toLowerCase()]
    if (flag === undefined) {
      throw new UsageError(`Invalid namespace name "${token}"`, {
        code: 'CTR_INVALID_NAMESPACE',
        hints: ['Namespaces: MOUNT, PID, UTSNAME, IPC, USER, NETWORK, CGROUP, TIME, joined by |'],
      })
    }
    flags |= flag
  }
  if (flags === 0) throw new UsageError('At least one namespace is needed', {code: 'CTR_INVALID_NAMESPACE', hints: ["For example -s 'NETWORK|UTSNAME'"]})
  return flags
}

// lxc_safe_uint: decimal digits only, below 2^32 - 1 (which means "unset").
function parseId(value: string, flag: string): number {
  const id = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(id) || id >= 0xffffffff) {
    throw new UsageError(`Invalid id ${JSON.stringify(value)} for ${flag}`, {code: 'CTR_INVALID_ID', hints: [`Give ${flag} a numeric id of the container, for example ${flag} 1000`]})
  }
  return id
}

/**
 * Parses `ctr attach` argv. The command is what follows the name (an
 * operand, or everything after `--`). Throws UsageError (exit 1) for argv
 * problems and CtrError for a bad -a.
 */
export function parse(argv: string[], env: Env): Parsed<AttachOptions> {
  const o = {elevate: 0, namespaces: undefined as number | undefined, remount: false, clearEnv: false, keepVars: [] as string[], setVars: [] as string[]}
  const ids: {uid?: number; gid?: number} = {}
  let ptyLog: string | undefined
  let arch: 'linux32' | 'linux64' | undefined
  const scan = scanCommon<AttachOptionKey>(SPEC, argv, {
    elevate: (value) => (o.elevate = parseElevate(value === '' ? undefined : value)),
    arch: (value) => {
      try {
        arch = parsePersonality(value)
      } catch {
        throw new CtrError('CTR_INVALID_ARCH', `Invalid architecture specified: ${value}`, {hints: ['For example -a i686 (32-bit) or -a x86_64']})
      }
    },
    namespaces: (value) => (o.namespaces = parseNamespaces(value)),
    remount: () => (o.remount = true),
    clearEnv: () => (o.clearEnv = true),
    keepEnv: () => (o.clearEnv = false),
    keepVar: (value) => o.keepVars.push(value),
    setVar: (value) => o.setVars.push(value),
    ptyLog: (value) => (ptyLog = value),
    uid: (value, flag) => (ids.uid = parseId(value, flag)),
    gid: (value, flag) => (ids.gid = parseId(value, flag)),
  })
  if ('action' in scan) return scan
  const {name, rest} = resolveName(scan, env)
  const command = [...rest.operands, ...rest.afterDashDash]
  return {action: 'run', options: {...scan.common, name, ...o, ptyLog, uid: ids.uid, gid: ids.gid, arch, command}}
}
