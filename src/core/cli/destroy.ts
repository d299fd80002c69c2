// `ctr destroy` (lxc-destroy): option table and argv parsing
// (lxc_destroy.c my_longopts and my_parser). Pure.
//
// Where ctr differs from lxc-destroy: extra operands are an error (LXC
// ignores them), and -s destroys the snapshot clones listed in lxc_snapshots
// as lxc_destroy.c means to (LXC 5.0.2 refuses with "has clones").

import type {CommonOptions, Parsed} from '../options.js'
import {rejectLeftovers, resolveName, scanCommon, type Env} from './parse.js'
import {commonOptions, type CommandSpec, type CommonOptionKey} from './specs.js'

export type DestroyOptionKey = CommonOptionKey | 'force' | 'snapshots'

export interface DestroyOptions extends CommonOptions {
  /** -f: kill a running container first instead of refusing. */
  force: boolean
  /** -s: also destroy snapshot clones (lxc_snapshots) and snapshots ($lxcpath/NAME/snaps). */
  snapshots: boolean
}

export const SPEC: CommandSpec<DestroyOptionKey> = {
  id: 'destroy',
  lxcTool: 'lxc-destroy',
  summary: 'Destroy a container',
  description:
    'Removes the container NAME: its directory $lxcpath/NAME with everything in it (the config, the ' +
    'rootfs when it lives there, logs and the last-exit record). A running container is refused (exit 1) ' +
    'unless -f is given, which kills it first. A rootfs outside the container directory (created with ' +
    '--dir, or an lxc.rootfs.path pointing elsewhere) is left in place and named in a notice, where ' +
    'lxc-destroy would delete it. The removal stays on the container directory\'s filesystem and never ' +
    'follows a symbolic link: links are removed, not what they point to, and a container directory that ' +
    'is itself a link, or has something mounted in it, is refused. Exits 1 if NAME is not defined. An ' +
    'interrupted create (a "partial" marker) is destroyed like any other container. A container with snapshot ' +
    'clones (ctr copy -s, listed in its lxc_snapshots) or snapshots (snaps/) is refused; -s destroys them first ' +
    '(not recursively: a clone with clones of its own refuses). Destroying a snapshot clone removes it from its ' +
    'origin\'s lxc_snapshots.',
  synopsis: 'ctr destroy -n NAME [-f] [-s]',
  examples: [
    {description: 'Remove a stopped container', command: 'ctr destroy -n web'},
    {description: 'Kill it first if it is running', command: 'ctr destroy -n web -f'},
    {description: 'In a script: remove it if it exists', command: 'ctr info -n web >/dev/null 2>&1 && ctr destroy -n web -f'},
    {description: 'What was removed and what was kept, as JSON', command: 'ctr destroy -n web --json'},
  ],
  options: [
    {key: 'force', short: 'f', long: 'force', hasArg: false, description: 'Kill the container first if it is running'},
    {key: 'snapshots', short: 's', long: 'snapshots', hasArg: false, description: 'Also destroy its snapshots and snapshot clones'},
    ...commonOptions(true),
  ],
}

/**
 * Parses `ctr destroy` argv. Returns an informational action or
 * DestroyOptions; throws UsageError (exit 1) for argv problems and extra
 * operands.
 */
export function parse(argv: string[], env: Env): Parsed<DestroyOptions> {
  let force = false
  let snapshots = false
  const scan = scanCommon<DestroyOptionKey>(SPEC, argv, {
    force: () => (force = true),
    snapshots: () => (snapshots = true),
  })
  if ('action' in scan) return scan
  const {name, rest} = resolveName(scan, env)
  rejectLeftovers(rest, 'ctr destroy removes one container; run it once per name')
  return {action: 'run', options: {...scan.common, name, force, snapshots}}
}
