// `ctr copy` (lxc-copy): option table and argv parsing (lxc_copy.c
// my_longopts, my_parser and main's checks). Pure.
//
// Where ctr differs from lxc-copy (each is an error or a documented choice
// where LXC silently does something else):
// * -R, -s and -e are not "the last one wins": -e with -s is an ephemeral
//   snapshot clone (lxc-copy -e -s makes a plain snapshot clone and starts
//   nothing), -R with -s, -e or -p is an error.
// * -B overlay alone makes a snapshot clone (lxc-copy -B overlay without -s
//   fails: "The overlay storage driver can only be used for snapshots").
// * -t, -D, -m and -F need -e (lxc-copy ignores them without it).
// * -L (a block device's size) and every backing store but dir and overlay
//   are refused as not supported.
// * After --, the words are the clone hook's arguments, as in LXC; with -e
//   they are the command the ephemeral container runs as its init (LXC
//   attaches them to the clone's init and shuts it down afterwards).

import {parseCopyMounts, type CopyMount} from '../clone.js'
import {UsageError} from '../errors.js'
import type {CommonOptions, Parsed} from '../options.js'
import {resolveName, scanCommon, stripTrailingSlashes, type Env} from './parse.js'
import {commonOptions, type CommandSpec, type CommonOptionKey} from './specs.js'
import {validateName} from '../names.js'

export type CopyOptionKey =
  | CommonOptionKey
  | 'newname'
  | 'newpath'
  | 'rename'
  | 'snapshot'
  | 'allowrunning'
  | 'foreground'
  | 'daemon'
  | 'ephemeral'
  | 'mount'
  | 'backingstorage'
  | 'fssize'
  | 'keepdata'
  | 'keepname'
  | 'keepmac'
  | 'tmpfs'

export interface CopyOptions extends CommonOptions {
  /** -N; undefined only with -e (a random name is made, as LXC's NAME_XXXXXX). */
  newname: string | undefined
  /** -p: the clone's lxcpath (default: the source's). */
  newpath: string | undefined
  /** -R: rename in place. */
  rename: boolean
  /** -s (or -B overlay, or -e): an overlay snapshot clone. */
  snapshot: boolean
  /** -a: allow a running source. */
  allowRunning: boolean
  /** -e: start the clone, destroy it when it stops. */
  ephemeral: boolean
  /** -F: the ephemeral clone runs in the foreground (the default is -d). */
  foreground: boolean
  /** -m mounts for the ephemeral clone, in order. */
  mounts: CopyMount[]
  /** -B: the clone's backing store (undefined: LXC's choice, dir or overlay with -s). */
  backingStore: 'dir' | 'overlay' | undefined
  /** -D: keep the ephemeral clone after it stops (no lxc.ephemeral). */
  keepData: boolean
  /** -K: keep the hostname. */
  keepName: boolean
  /** -M: keep the hardware addresses. */
  keepMac: boolean
  /** -t: put the ephemeral clone's upper layer on a tmpfs. */
  tmpfs: boolean
  /** The words after the name: clone hook arguments, or with -e the command to run. */
  args: string[]
}

export const SPEC: CommandSpec<CopyOptionKey> = {
  id: 'copy',
  lxcTool: 'lxc-copy',
  summary: 'Clone, rename or snapshot-clone a container; run an ephemeral copy',
  description:
    'Copies the stopped container NAME to NEWNAME (-N), in the same lxcpath or in -p NEWPATH: a new directory ' +
    'with the config rewritten as LXC rewrites it (lxc.rootfs.path, lxc.uts.name and /etc/hostname unless -K, a new ' +
    'random lxc.net.N.hwaddr unless -M, hook scripts and lxc.mount.fstab copied beside the new config) and a full ' +
    'copy of the root filesystem. -s makes an overlay snapshot clone instead: the new rootfs is an overlay whose ' +
    'lower layer is the source\'s rootfs and whose changes go to $lxcpath/NEWNAME/overlay/delta; the source records ' +
    'it in its lxc_snapshots file and cannot be destroyed while the clone exists (ctr destroy -s takes the clones ' +
    'too). -R renames the container in place. -e makes an ephemeral snapshot clone (named NAME_XXXXXX without -N), ' +
    'starts it, and destroys it when it stops; -D keeps it, -t puts its changes on a tmpfs, -m adds bind or overlay ' +
    'mounts, and a COMMAND after -- runs as its init (with -F in the foreground, exiting with its status). ' +
    'lxc.hook.clone scripts run with the words after -- as arguments.',
  synopsis:
    'ctr copy -n NAME -N NEWNAME [-p NEWPATH] [-s] [-B dir|overlay] [-K] [-M] [-a] [-- HOOK-ARGS]\n' +
    '       ctr copy -n NAME -N NEWNAME -R\n' +
    '       ctr copy -n NAME -e [-N NEWNAME] [-p NEWPATH] [-d|-F] [-D] [-K] [-M] [-t] [-m MOUNT]... [-- COMMAND...]',
  examples: [
    {description: 'A full copy of a stopped container', command: 'ctr copy -n golden -N web1'},
    {description: 'An overlay snapshot clone: only the changes take space', command: 'ctr copy -n golden -N web2 -s'},
    {description: 'Rename a container', command: 'ctr copy -n web1 -N frontend -R'},
    {description: 'A throw-away copy that is destroyed when it stops', command: 'ctr copy -n golden -e -N scratch'},
    {description: 'Run a command in a throw-away copy, in the foreground, with a host directory bound in', command: 'ctr copy -n golden -e -F -m bind=/srv/src:/src:ro -- /bin/sh -c "make -C /src test"'},
    {description: 'Copy into another lxcpath, keeping the hostname and MAC addresses', command: 'ctr copy -n golden -N golden -p /srv/containers -K -M'},
    {description: 'What was made, as JSON', command: 'ctr copy -n golden -N web3 -s --json'},
  ],
  options: [
    {key: 'newname', short: 'N', long: 'newname', hasArg: true, argName: 'NEWNAME', description: 'Name of the new container'},
    {key: 'newpath', short: 'p', long: 'newpath', hasArg: true, argName: 'NEWPATH', description: 'lxcpath of the new container (default: the source\'s)'},
    {key: 'rename', short: 'R', long: 'rename', hasArg: false, description: 'Rename the container in place'},
    {key: 'snapshot', short: 's', long: 'snapshot', hasArg: false, description: 'Make an overlay snapshot clone instead of a full copy'},
    {key: 'allowrunning', short: 'a', long: 'allowrunning', hasArg: false, description: 'Allow copying a running container'},
    {key: 'foreground', short: 'F', long: 'foreground', hasArg: false, description: 'With -e: run the clone in the foreground'},
    {key: 'daemon', short: 'd', long: 'daemon', hasArg: false, description: 'With -e: run the clone in the background (the default)'},
    {key: 'ephemeral', short: 'e', long: 'ephemeral', hasArg: false, description: 'Start an ephemeral snapshot clone, destroyed when it stops'},
    {
      key: 'mount', short: 'm', long: 'mount', hasArg: true, argName: 'MOUNT', multiple: true,
      description: 'With -e: bind=SRC[:DEST][:ro|rw] or overlay=SRC[:DEST]; repeatable',
    },
    {key: 'backingstorage', short: 'B', long: 'backingstorage', hasArg: true, argName: 'BDEV', description: 'Backing store of the clone: dir or overlay'},
    {key: 'fssize', short: 'L', long: 'fssize', hasArg: true, argName: 'SIZE', description: 'Size of a block-device clone (not supported)'},
    {key: 'keepdata', short: 'D', long: 'keepdata', hasArg: false, description: 'With -e: keep the clone after it stops'},
    {key: 'keepname', short: 'K', long: 'keepname', hasArg: false, description: 'Keep the hostname (lxc.uts.name and /etc/hostname)'},
    {key: 'keepmac', short: 'M', long: 'keepmac', hasArg: false, description: 'Keep the hardware addresses (lxc.net.N.hwaddr)'},
    {key: 'tmpfs', short: 't', long: 'tmpfs', hasArg: false, description: 'With -e: keep the clone\'s changes on a tmpfs'},
    ...commonOptions(true),
  ],
}

/**
 * Parses `ctr copy` argv. Returns an informational action or CopyOptions.
 * Throws UsageError (exit 1): CTR_NO_NEWNAME (no -N without -e, LXC's "You
 * must provide a NEWNAME for the clone"), CTR_OPTION_CONFLICT,
 * CTR_INVALID_BDEV, CTR_NOT_SUPPORTED, CTR_INVALID_MOUNT, and getopt errors.
 */
export function parse(argv: string[], env: Env): Parsed<CopyOptions> {
  const f = {rename: false, snapshot: false, allowRunning: false, ephemeral: false, foreground: false, daemonGiven: false, keepData: false, keepName: false, keepMac: false, tmpfs: false}
  let newname: string | undefined
  let newpath: string | undefined
  let bdev: string | undefined
  let fssize = false
  const mounts: CopyMount[] = []
  const scan = scanCommon<CopyOptionKey>(SPEC, argv, {
    newname: (v) => (newname = v),
    newpath: (v) => (newpath = v),
    rename: () => (f.rename = true),
    snapshot: () => (f.snapshot = true),
    allowrunning: () => (f.allowRunning = true),
    foreground: () => (f.foreground = true),
    daemon: () => ((f.foreground = false), (f.daemonGiven = true)),
    ephemeral: () => (f.ephemeral = true),
    mount: (v) => mounts.push(...parseCopyMounts(v)),
    backingstorage: (v) => (bdev = v),
    fssize: () => (fssize = true),
    keepdata: () => (f.keepData = true),
    keepname: () => (f.keepName = true),
    keepmac: () => (f.keepMac = true),
    tmpfs: () => (f.tmpfs = true),
  })
  if ('action' in scan) return scan
  const {name, rest} = resolveName(scan, env)
  const args = [...rest.operands, ...rest.afterDashDash]
  if (newname !== undefined) validateName(newname)
  if (newname === undefined && !f.ephemeral) {
    throw new UsageError('You must provide a NEWNAME for the clone', {code: 'CTR_NO_NEWNAME', hints: [`Give the new name with -N, for example: ctr copy -n ${name} -N ${name}-copy`]})
  }
  const backingStore = checkBdev(bdev, fssize)
  checkCombinations(f, newpath, backingStore, mounts.length > 0)
  const path = newpath === undefined ? undefined : stripTrailingSlashes(newpath)
  if (path === '') throw new UsageError('Invalid lxcpath "" for -p', {code: 'CTR_INVALID_LXCPATH', hints: ['Give -p a directory']})
  return {
    action: 'run',
    options: {
      ...scan.common, name, newname, newpath: path, rename: f.rename, allowRunning: f.allowRunning, ephemeral: f.ephemeral,
      snapshot: f.snapshot || f.ephemeral || backingStore === 'overlay', foreground: f.foreground, mounts, backingStore,
      keepData: f.keepData, keepName: f.keepName, keepMac: f.keepMac, tmpfs: f.tmpfs, args,
    },
  }
}

// lxc_copy.c's -B: "overlay" and "overlayfs" (any prefix of "overlay", as its
// strncmp reads it) mean overlay; ctr also takes dir. -L only makes sense
// for block devices.
function checkBdev(bdev: string | undefined, fssize: boolean): 'dir' | 'overlay' | undefined {
  if (fssize) {
    throw new UsageError('-L (--fssize) is not supported', {code: 'CTR_NOT_SUPPORTED', hints: ['It sizes a block-device clone; ctr clones directories and overlays only']})
  }
  if (bdev === undefined) return undefined
  if (bdev === 'dir') return 'dir'
  if (bdev === 'overlay' || bdev === 'overlayfs') return 'overlay'
  const lxc = ['btrfs', 'loop', 'lvm', 'nbd', 'rbd', 'zfs']
  if (lxc.includes(bdev)) {
    throw new UsageError(`Backing store "${bdev}" is not supported yet`, {code: 'CTR_NOT_SUPPORTED', hints: ['ctr clones to -B dir (a full copy) or -B overlay (a snapshot clone)']})
  }
  throw new UsageError(`${bdev} is not a valid backing storage type`, {code: 'CTR_INVALID_BDEV', hints: ['Give -B dir or -B overlay']})
}

function checkCombinations(
  f: {rename: boolean; snapshot: boolean; ephemeral: boolean; foreground: boolean; keepData: boolean; tmpfs: boolean},
  newpath: string | undefined,
  bdev: 'dir' | 'overlay' | undefined,
  hasMounts: boolean,
): void {
  const conflict = (message: string, hint: string): UsageError => new UsageError(message, {code: 'CTR_OPTION_CONFLICT', hints: [hint]})
  if (f.rename && (f.snapshot || f.ephemeral || newpath !== undefined || bdev !== undefined)) {
    throw conflict('-R renames in place: it cannot be used with -s, -e, -p or -B', 'Rename with -N NEWNAME -R alone, or copy without -R')
  }
  if (f.snapshot && bdev === 'dir') throw conflict('-s makes an overlay snapshot clone: -B dir cannot be one', 'Leave out -B, or give -B overlay')
  if (f.ephemeral && bdev === 'dir') throw conflict('An ephemeral clone is an overlay snapshot clone: -B dir cannot be one', 'Leave out -B')
  if (!f.ephemeral) {
    const needsE = f.tmpfs ? '-t' : f.keepData ? '-D' : hasMounts ? '-m' : f.foreground ? '-F' : undefined
    if (needsE !== undefined) throw conflict(`${needsE} is only valid with -e`, `Add -e for an ephemeral clone, or drop ${needsE}`)
  }
  // lxc_copy.c mount_tmpfs's checks.
  if (f.tmpfs && f.keepData) {
    throw conflict('A container can only be placed on a tmpfs when the overlay storage driver is used', '-t keeps the changes in memory, so they cannot be kept (-D): drop one of them')
  }
}
