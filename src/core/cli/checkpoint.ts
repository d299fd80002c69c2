// `ctr checkpoint` (lxc-checkpoint): option table and argv parsing
// (lxc_checkpoint.c my_longopts, my_parser and my_checker). Pure.
//
// Where ctr differs from lxc-checkpoint: the messages say what to do
// ("-d/-F not compatible with -r" reads as the opposite of what LXC means),
// operands other than the name are refused, and -D DIR keeps its trailing
// slashes off.

import {UsageError} from '../errors.js'
import type {CommonOptions, Parsed} from '../options.js'
import {rejectLeftovers, resolveName, scanCommon, stripTrailingSlashes, type Env} from './parse.js'
import {commonOptions, type CommandSpec, type CommonOptionKey} from './specs.js'

export type CheckpointOptionKey =
  | CommonOptionKey
  | 'checkpointDir'
  | 'actionScript'
  | 'stop'
  | 'verbose'
  | 'restore'
  | 'daemon'
  | 'foreground'
  | 'preDump'
  | 'predumpDir'

export interface CheckpointOptions extends CommonOptions {
  /** -D: the images directory (required). */
  directory: string
  /** -r: restore from -D instead of dumping into it. */
  restore: boolean
  /** -s: the container stops after the dump. */
  stop: boolean
  /** -v: criu -v4. */
  verbose: boolean
  /** -A: criu --action-script. */
  actionScript: string | undefined
  /** -p: only pre-dump the memory; the container keeps running. */
  preDump: boolean
  /** --predump-dir: a previous pre-dump's images, relative to -D (criu --prev-images-dir). */
  predumpDir: string | undefined
  /** Restore: true unless -F came last among -d/-F (LXC's default is -d). */
  daemon: boolean
}

export const SPEC: CommandSpec<CheckpointOptionKey> = {
  id: 'checkpoint',
  lxcTool: 'lxc-checkpoint',
  summary: 'Checkpoint a running container to disk with CRIU, or restore it',
  description:
    'Dumps the running container NAME with CRIU into the directory DIR (-D, a fresh one): its processes, ' +
    'their memory, files, sockets and namespaces. It keeps running, or with -s stops once the dump is ' +
    'complete (its exit is recorded as a checkpoint, not a crash). -r restores the container from DIR: the ' +
    'restored processes have the pids they had, and the container is RUNNING under a ctr monitor as if ' +
    'it had been started (info, stop, wait, monitor, the exit record). -d (the default) returns once it ' +
    'runs, -F keeps the monitor in the foreground. Needs root and a host where `criu check` passes; where ' +
    'it fails, ctr says why and changes nothing.',
  synopsis: 'ctr checkpoint -n NAME -D DIR [-s] [-v] [-A SCRIPT] [-p] [--predump-dir DIR]\n       ctr checkpoint -n NAME -D DIR -r [-d|-F] [-v] [--rcfile FILE]',
  examples: [
    {description: 'Checkpoint a running container and stop it', command: 'ctr checkpoint -n web -D /var/lib/ctr-ckpt/web -s'},
    {description: 'Restore it, running in the background again', command: 'ctr checkpoint -n web -D /var/lib/ctr-ckpt/web -r'},
    {description: 'Checkpoint it and leave it running, with CRIU\'s verbose log in DIR/dump.log', command: 'ctr checkpoint -n web -D /tmp/web.ckpt -v'},
    {description: 'Say why checkpoints cannot work on this host, as JSON', command: 'ctr checkpoint -n web -D /tmp/web.ckpt --json'},
  ],
  options: [
    {key: 'checkpointDir', short: 'D', long: 'checkpoint-dir', hasArg: true, argName: 'DIR', description: 'The directory the checkpoint is saved in or restored from (required)'},
    {key: 'actionScript', short: 'A', long: 'action-script', hasArg: true, argName: 'PATH', description: "CRIU's action script"},
    {key: 'stop', short: 's', long: 'stop', hasArg: false, description: 'Stop the container after checkpointing it'},
    {key: 'verbose', short: 'v', long: 'verbose', hasArg: false, description: "Verbose CRIU log (DIR/dump.log, DIR/restore.log)"},
    {key: 'restore', short: 'r', long: 'restore', hasArg: false, description: 'Restore the container from DIR'},
    {key: 'daemon', short: 'd', long: 'daemon', hasArg: false, description: 'With -r: run the restored container in the background (the default)'},
    {key: 'foreground', short: 'F', long: 'foreground', hasArg: false, description: 'With -r: keep its monitor in the foreground; exit with its init\'s status'},
    {key: 'preDump', short: 'p', long: 'pre-dump', hasArg: false, description: 'Only pre-dump the memory; it keeps running and later dumps save only the changes'},
    {key: 'predumpDir', long: 'predump-dir', hasArg: true, argName: 'DIR', description: 'A previous pre-dump\'s images, relative to -D'},
    ...commonOptions(true),
  ],
}

/** Parses `ctr checkpoint` argv. Throws UsageError (exit 1). */
export function parse(argv: string[], env: Env): Parsed<CheckpointOptions> {
  let directory: string | undefined
  let actionScript: string | undefined
  let predumpDir: string | undefined
  let stop = false
  let verbose = false
  let restore = false
  let preDump = false
  let daemon: boolean | undefined
  const scan = scanCommon<CheckpointOptionKey>(SPEC, argv, {
    checkpointDir: (v) => (directory = v),
    actionScript: (v) => (actionScript = v),
    stop: () => (stop = true),
    verbose: () => (verbose = true),
    restore: () => (restore = true),
    daemon: () => (daemon = true),
    foreground: () => (daemon = false),
    preDump: () => (preDump = true),
    predumpDir: (v) => (predumpDir = v),
  })
  if ('action' in scan) return scan
  const {name, rest} = resolveName(scan, env)
  rejectLeftovers(rest, 'ctr checkpoint works on one container, named with -n')
  const conflict = (message: string, hint: string): UsageError => new UsageError(message, {code: 'CTR_OPTION_CONFLICT', hints: [hint]})
  // lxc_checkpoint.c my_checker, in its order.
  if (restore && stop) throw conflict('-s is not compatible with -r', 'A restore starts the container; -s stops it after a dump')
  if (!restore && daemon !== undefined) throw conflict('-d and -F are only valid with -r', 'They choose how the restored container runs: ctr checkpoint -n NAME -D DIR -r -F')
  if (directory === undefined) {
    throw new UsageError('-D is required', {code: 'CTR_NO_CHECKPOINT_DIR', hints: ['Name the checkpoint\'s directory: ctr checkpoint -n NAME -D DIR']})
  }
  if (preDump && restore) throw conflict('-p is not compatible with -r', 'A pre-dump saves memory for a later dump; restore from the final dump')
  if (predumpDir !== undefined && restore) throw conflict('--predump-dir is not compatible with -r', 'It names the images a dump builds on')
  const dir = stripTrailingSlashes(directory)
  if (dir === '') throw new UsageError('Invalid checkpoint directory ""', {code: 'CTR_NO_CHECKPOINT_DIR', hints: ['Give -D a directory']})
  return {
    action: 'run',
    options: {...scan.common, name, directory: dir, restore, stop, verbose, actionScript, preDump, predumpDir, daemon: daemon ?? true},
  }
}
