// `ctr create` (lxc-create): option table and argv parsing, with the checks
// lxc_create.c's main makes before it touches the container (a template is
// required, --dir must be absolute, the block-store options need their -B).
// Pure.
//
// Where ctr differs from lxc-create:
// * Templates are built in (busybox, none); LXC template scripts are not
//   run. An unknown -t is refused here, before anything is created.
// * -t and -B are compared exactly: lxc-create compares with
//   strncmp(value, "none", strlen(value)), so `-t n` or `-t ""` also mean none.
// * -B takes dir (also spelled none or best, as in LXC, where best falls
//   back to dir on a plain filesystem); every other backing store LXC
//   knows is refused as not supported yet, instead of being tried.
// * `-t none --dir DIR` writes `lxc.rootfs.path = dir:DIR`; lxc-create
//   ignores --dir without a template.
// * --rcfile is not accepted: lxc-create takes it (common option) and
//   ignores it; the seed config is -f/--config.

import {UsageError} from '../errors.js'
import type {CommonOptions, Parsed} from '../options.js'
import {chooseTemplate, TEMPLATE_NAMES, TEMPLATE_SUMMARIES, type TemplateChoice} from '../templates/index.js'
import {BUSYBOX_TEMPLATE_OPTIONS} from '../templates/busybox.js'
import {resolveName, scanCommon, type Env} from './parse.js'
import {commonOptions, type CommandSpec, type CommonOptionKey} from './specs.js'

export type CreateOptionKey =
  | CommonOptionKey
  | 'bdev'
  | 'config'
  | 'template'
  | 'lvname'
  | 'vgname'
  | 'thinpool'
  | 'fstype'
  | 'fssize'
  | 'zfsroot'
  | 'dir'
  | 'rbdname'
  | 'rbdpool'
  | 'rbduser'
  | 'unprivileged'

export interface CreateOptions extends CommonOptions {
  /** -t and the template arguments (operands after the name and everything after `--`), parsed. */
  template: TemplateChoice
  /** The template arguments as given, for the config header. */
  templateArgs: string[]
  /** -f/--config: the seed config instead of lxc.default_config. */
  configFile: string | undefined
  /** -B: only directories so far. */
  bdev: 'dir'
  /** --dir: where the rootfs goes (absolute). */
  dir: string | undefined
  /** --unprivileged: map container root to the caller's subordinate ids (lxc.idmap from /etc/subuid, /etc/subgid). */
  unprivileged: boolean
}

/** The backing stores lxc-create accepts (storage_utils.c lxc_is_valid_storage_type). */
export const LXC_STORAGE_TYPES = ['dir', 'btrfs', 'loop', 'lvm', 'nbd', 'overlay', 'overlayfs', 'rbd', 'zfs'] as const

const busyboxOptionText = BUSYBOX_TEMPLATE_OPTIONS.map((o) => `--${o.long} ${o.argName}`).join(', ')

export const SPEC: CommandSpec<CreateOptionKey> = {
  id: 'create',
  lxcTool: 'lxc-create',
  summary: 'Create a container from a template',
  description:
    'Creates the container NAME in the lxcpath: the directory $lxcpath/NAME, its config and, with a ' +
    'template that builds one, its root filesystem. The config starts as a copy of lxc.default_config ' +
    '(global config; /etc/ctr/default.conf for root), or of -f CONFIG, followed by the template\'s keys. ' +
    'Templates: ' +
    TEMPLATE_NAMES.map((t) => `${t}, ${TEMPLATE_SUMMARIES[t]}`).join('; ') +
    '. The busybox rootfs goes to $lxcpath/NAME/rootfs, or to --dir DIR (which must be new or empty). ' +
    `Template options come after --; busybox takes ${busyboxOptionText} (a static busybox to copy; default: busybox from $PATH). ` +
    'If the config has lxc.idmap lines, the rootfs is shifted: every file is owned by the host ids that ' +
    'container root maps to. A create that is interrupted leaves a "partial" marker that makes start ' +
    'refuse the container until ctr destroy removes it. Exits 1 if NAME already exists. ' +
    'A container is privileged unless lxc.idmap maps its root to another host id: root in a privileged ' +
    'container is root on the host, and the container is not a security boundary (see the README, "Security"). ' +
    '--unprivileged makes an unprivileged one: it adds lxc.idmap lines mapping uid and gid 0..65535 to the ' +
    'first range of at least 65536 ids that /etc/subuid and /etc/subgid give the user running ctr ' +
    '($CTR_SUBUID_FILE and $CTR_SUBGID_FILE name other files). On success it prints one line saying which ' +
    'kind it made (lxc-create prints nothing); -q leaves it out.',
  synopsis: 'ctr create -n NAME -t TEMPLATE [-f CONFIG] [-B dir] [--dir DIR] [--unprivileged] [-- TEMPLATE-OPTIONS]',
  examples: [
    {description: 'A busybox container, started and stopped like any other', command: 'ctr create -n web -t busybox && ctr start -n web'},
    {description: 'An unprivileged one: its root is host uid 100000 with root:100000:65536 in /etc/subuid and /etc/subgid', command: 'ctr create -n web -t busybox --unprivileged'},
    {description: 'Seed the config from a file instead of lxc.default_config', command: 'ctr create -n web -t busybox -f ./web.conf'},
    {description: 'Put the rootfs elsewhere (destroy leaves it in place)', command: 'ctr create -n web -t busybox --dir /srv/rootfs/web'},
    {description: 'Use another static busybox', command: 'ctr create -n web -t busybox -- --busybox-path /opt/busybox/busybox'},
    {description: 'A config for a rootfs you already have', command: 'ctr create -n app -t none --dir /srv/app-rootfs'},
    {description: 'What was created, as JSON', command: 'ctr create -n web -t busybox --json'},
  ],
  options: [
    {
      key: 'bdev', short: 'B', long: 'bdev', hasArg: true, argName: 'BDEV',
      description: 'Backing store: dir (none and best mean dir too); others are not supported yet',
    },
    {key: 'config', short: 'f', long: 'config', hasArg: true, argName: 'CONFIG', description: 'Seed the config from CONFIG instead of lxc.default_config'},
    {key: 'template', short: 't', long: 'template', hasArg: true, argName: 'TEMPLATE', description: `Template: ${TEMPLATE_NAMES.join(' or ')}`},
    {key: 'lvname', long: 'lvname', hasArg: true, argName: 'LVNAME', description: 'LVM logical volume name (-B lvm, not supported yet)'},
    {key: 'vgname', long: 'vgname', hasArg: true, argName: 'VG', description: 'LVM volume group (-B lvm, not supported yet)'},
    {key: 'thinpool', long: 'thinpool', hasArg: true, argName: 'TP', description: 'LVM thin pool (-B lvm, not supported yet)'},
    {key: 'fstype', long: 'fstype', hasArg: true, argName: 'TYPE', description: 'Filesystem type (-B lvm/loop/rbd, not supported yet)'},
    {key: 'fssize', long: 'fssize', hasArg: true, argName: 'SIZE', description: 'Filesystem size (-B lvm/loop/rbd, not supported yet)'},
    {key: 'zfsroot', long: 'zfsroot', hasArg: true, argName: 'PATH', description: 'ZFS root (-B zfs, not supported yet)'},
    {key: 'dir', long: 'dir', hasArg: true, argName: 'DIR', description: 'Put the rootfs in DIR (an absolute path) instead of $lxcpath/NAME/rootfs'},
    {key: 'rbdname', long: 'rbdname', hasArg: true, argName: 'RBDNAME', description: 'Ceph RBD name (-B rbd, not supported yet)'},
    {key: 'rbdpool', long: 'rbdpool', hasArg: true, argName: 'POOL', description: 'Ceph RBD pool (-B rbd, not supported yet)'},
    {key: 'rbduser', long: 'rbduser', hasArg: true, argName: 'RBDUSER', description: 'Ceph RBD user (-B rbd, not supported yet)'},
    {
      key: 'unprivileged', long: 'unprivileged', hasArg: false,
      description: 'Map container root to subordinate ids from /etc/subuid and /etc/subgid (lxc.idmap) and shift the rootfs',
    },
    ...commonOptions(false),
  ],
}

type StoreOption = 'lvname' | 'vgname' | 'thinpool' | 'fstype' | 'fssize' | 'zfsroot' | 'rbdname' | 'rbdpool' | 'rbduser'

/**
 * Parses `ctr create` argv. The template arguments are every operand left
 * after the name plus everything after `--` (lxc-create hands the template
 * argv[optind..]). Returns an informational action or CreateOptions.
 * Throws UsageError (exit 1) for argv problems, the missing template, a
 * relative --dir and misplaced block-store options; CtrError
 * CTR_NOT_SUPPORTED (exit 1) for a backing store other than dir and
 * CTR_UNKNOWN_TEMPLATE for a template ctr does not have.
 */
export function parse(argv: string[], env: Env): Parsed<CreateOptions> {
  let bdev: string | undefined
  let configFile: string | undefined
  let template: string | undefined
  let dir: string | undefined
  let unprivileged = false
  const store: Partial<Record<StoreOption, string>> = {}
  const keep = (key: StoreOption) => (value: string): void => {
    store[key] = value
  }
  const scan = scanCommon<CreateOptionKey>(SPEC, argv, {
    bdev: (value) => (bdev = value),
    config: (value) => (configFile = value),
    template: (value) => (template = value),
    dir: (value) => (dir = value),
    unprivileged: () => (unprivileged = true),
    lvname: keep('lvname'),
    vgname: keep('vgname'),
    thinpool: keep('thinpool'),
    fstype: keep('fstype'),
    fssize: keep('fssize'),
    zfsroot: keep('zfsroot'),
    rbdname: keep('rbdname'),
    rbdpool: keep('rbdpool'),
    rbduser: keep('rbduser'),
  })
  if ('action' in scan) return scan
  const {name, rest} = resolveName(scan, env)
  const templateArgs = [...rest.operands, ...rest.afterDashDash]
  // lxc_create.c main, in its order.
  if (template === undefined) {
    throw new UsageError('A template must be specified', {
      code: 'CTR_NO_TEMPLATE',
      hints: [`Use "none" if you really want a container without a rootfs; templates: ${TEMPLATE_NAMES.join(', ')}`],
    })
  }
  if (dir !== undefined) checkDir(dir)
  const options: CreateOptions = {
    ...scan.common,
    name,
    template: chooseTemplate(template, templateArgs),
    templateArgs,
    configFile,
    bdev: checkBdev(bdev, store),
    dir,
    unprivileged,
  }
  return {action: 'run', options}
}

function checkDir(dir: string): void {
  if (!dir.startsWith('/')) {
    throw new UsageError('--dir should use absolute path', {code: 'CTR_INVALID_DIR', hints: [`Give --dir an absolute path, for example --dir ${process.cwd()}/${dir}`]})
  }
  // The path becomes the value of an lxc.rootfs.path line; LXC's grammar
  // has no escapes, and the ends of a value are trimmed.
  if (/[\r\n]/.test(dir) || dir !== dir.trim()) {
    throw new UsageError(`--dir ${JSON.stringify(dir)} cannot be written to a config file`, {
      code: 'CTR_INVALID_DIR',
      hints: ['A config value cannot hold a line break or start or end with blanks'],
    })
  }
}

// validate_bdev_args, then lxc-create's "valid backing storage type" check;
// then ctr's own: only directories.
function checkBdev(bdev: string | undefined, store: Partial<Record<StoreOption, string>>): 'dir' {
  const type = bdev === undefined || bdev === 'none' || bdev === 'best' ? 'dir' : bdev
  const given = (keys: StoreOption[]): StoreOption | undefined => keys.find((k) => store[k] !== undefined)
  const misplaced: Array<[StoreOption[], string[], string]> = [
    [['fstype', 'fssize'], ['lvm', 'loop', 'rbd'], 'Filesystem type and size are only valid with block devices'],
    [['lvname', 'vgname', 'thinpool'], ['lvm'], '--lvname, --vgname and --thinpool are only valid with -B lvm'],
    [['rbdname', 'rbdpool'], ['rbd'], '--rbdname and --rbdpool are only valid with -B rbd'],
    [['zfsroot'], ['zfs'], 'zfsroot is only valid with -B zfs'],
  ]
  // `-B best` skips these checks in lxc-create: any store might be chosen.
  if (bdev !== 'best') {
    for (const [keys, types, message] of misplaced) {
      const key = given(keys)
      if (key !== undefined && !types.includes(type)) {
        throw new UsageError(message, {code: 'CTR_OPTION_CONFLICT', hints: [`--${key} needs -B ${types.join(' or ')}, which ctr does not support yet`]})
      }
    }
  }
  if (!(LXC_STORAGE_TYPES as readonly string[]).includes(type)) {
    throw new UsageError(`${type} is not a valid backing storage type`, {
      code: 'CTR_INVALID_BDEV',
      hints: [`LXC's backing stores: ${LXC_STORAGE_TYPES.join(', ')}; ctr supports dir`],
    })
  }
  if (type !== 'dir') {
    throw new UsageError(`Backing store "${type}" is not supported yet`, {
      code: 'CTR_NOT_SUPPORTED',
      hints: ['ctr creates directory root filesystems only: leave out -B or give -B dir (and --dir DIR to choose where)'],
    })
  }
  const stray = given(['lvname', 'vgname', 'thinpool', 'fstype', 'fssize', 'zfsroot', 'rbdname', 'rbdpool', 'rbduser'])
  if (stray !== undefined) {
    throw new UsageError(`--${stray} is not supported with a directory backing store`, {code: 'CTR_OPTION_CONFLICT', hints: ['Leave it out: ctr creates directory root filesystems only']})
  }
  return 'dir'
}
