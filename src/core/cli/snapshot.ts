// `ctr snapshot` (lxc-snapshot): option table and argv parsing
// (lxc_snapshot.c my_longopts, my_parser and do_snapshot_restore). Pure.
//
// Where ctr differs from lxc-snapshot: only the exact word ALL destroys
// every snapshot (lxc-snapshot's prefix compare takes `-d A` and `-d ''`
// for ALL), two tasks at once are an error (lxc-snapshot: the last wins),
// and -N, -C and -c are refused where they mean nothing.

import {UsageError} from '../errors.js'
import {validateName} from '../names.js'
import type {CommonOptions, Parsed} from '../options.js'
import {resolveName, scanCommon, type Env} from './parse.js'
import {commonOptions, type CommandSpec, type CommonOptionKey} from './specs.js'

export type SnapshotOptionKey = CommonOptionKey | 'list' | 'restore' | 'newname' | 'destroy' | 'comment' | 'showcomments'

export type SnapshotTask = {kind: 'create'; commentFile: string | undefined} | {kind: 'list'; comments: boolean} | {kind: 'restore'; snapshot: string; newname: string | undefined} | {kind: 'destroy'; snapshot: string}

export interface SnapshotOptions extends CommonOptions {
  task: SnapshotTask
}

export const SPEC: CommandSpec<SnapshotOptionKey> = {
  id: 'snapshot',
  lxcTool: 'lxc-snapshot',
  summary: 'Snapshot a container, list, restore and destroy its snapshots',
  description:
    'Without a task, makes the next snapshot snapN of the stopped container NAME in $lxcpath/NAME/snaps/snapN, ' +
    'LXC\'s layout (a config, the rootfs, `ts` with the time and, with -c FILE, `comment`), so LXC and ctr read ' +
    'each other\'s snapshots. A container on a directory rootfs is copied whole; one on an overlay (a snapshot ' +
    'clone) gets an overlay snapshot: the same lower layer and a copy of its changes. -L lists the snapshots ' +
    '("snapN (DIR) TIMESTAMP", with -C each comment below), -r SNAP restores one over the stopped container (its ' +
    'snapshots are kept) or, with -N NEWNAME (or NEWNAME as the operand), as a new container; -d SNAP destroys ' +
    'one, -d ALL every one.',
  synopsis: 'ctr snapshot -n NAME [-c FILE]\n       ctr snapshot -n NAME -L [-C]\n       ctr snapshot -n NAME -r SNAP [-N NEWNAME]\n       ctr snapshot -n NAME -d SNAP|ALL',
  examples: [
    {description: 'Snapshot a stopped container with a comment', command: 'echo "before the upgrade" > note; ctr snapshot -n web -c note'},
    {description: 'List its snapshots with their comments', command: 'ctr snapshot -n web -L -C'},
    {description: 'Go back to a snapshot', command: 'ctr snapshot -n web -r snap0'},
    {description: 'Restore a snapshot as a new container', command: 'ctr snapshot -n web -r snap0 -N web-old'},
    {description: 'Destroy every snapshot', command: 'ctr snapshot -n web -d ALL'},
  ],
  options: [
    {key: 'list', short: 'L', long: 'list', hasArg: false, description: 'List the snapshots'},
    {key: 'restore', short: 'r', long: 'restore', hasArg: true, argName: 'SNAP', description: 'Restore snapshot SNAP'},
    {key: 'newname', short: 'N', long: 'newname', hasArg: true, argName: 'NEWNAME', description: 'With -r: restore as the new container NEWNAME'},
    {key: 'destroy', short: 'd', long: 'destroy', hasArg: true, argName: 'SNAP', description: 'Destroy snapshot SNAP, or ALL of them'},
    {key: 'comment', short: 'c', long: 'comment', hasArg: true, argName: 'FILE', description: 'Keep the text of FILE as the new snapshot\'s comment'},
    {key: 'showcomments', short: 'C', long: 'showcomments', hasArg: false, description: 'With -L: print each snapshot\'s comment'},
    ...commonOptions(true),
  ],
}

/** Parses `ctr snapshot` argv. Throws UsageError (exit 1). */
export function parse(argv: string[], env: Env): Parsed<SnapshotOptions> {
  const tasks: SnapshotTask[] = []
  let newname: string | undefined
  let comment: string | undefined
  let comments = false
  const scan = scanCommon<SnapshotOptionKey>(SPEC, argv, {
    list: () => tasks.push({kind: 'list', comments: false}),
    restore: (v) => tasks.push({kind: 'restore', snapshot: v, newname: undefined}),
    newname: (v) => (newname = v),
    destroy: (v) => tasks.push({kind: 'destroy', snapshot: v}),
    comment: (v) => (comment = v),
    showcomments: () => (comments = true),
  })
  if ('action' in scan) return scan
  const {name, rest} = resolveName(scan, env)
  const operands = [...rest.operands, ...rest.afterDashDash]
  const conflict = (message: string, hint: string): UsageError => new UsageError(message, {code: 'CTR_OPTION_CONFLICT', hints: [hint]})
  if (new Set(tasks.map((t) => t.kind)).size > 1 || tasks.length > 1) throw conflict('Give one task: -L, -r SNAP or -d SNAP (none makes a snapshot)', 'Run ctr snapshot once per task')
  const task: SnapshotTask = tasks[0] ?? {kind: 'create', commentFile: comment}
  if (task.kind !== 'create' && comment !== undefined) throw conflict('-c is only valid when making a snapshot', 'Leave out -L, -r and -d to make one')
  if (task.kind !== 'list' && comments) throw conflict('-C is only valid with -L', 'ctr snapshot -n NAME -L -C')
  if (task.kind === 'list') task.comments = comments
  if (task.kind === 'restore') {
    // lxc_snapshot.c: without -N, one operand is the new name.
    if (newname === undefined && operands.length === 1) newname = operands.shift()
    if (newname !== undefined) validateName(newname)
    task.newname = newname
  } else if (newname !== undefined) {
    throw conflict('-N is only valid with -r', 'ctr snapshot -n NAME -r SNAP -N NEWNAME')
  }
  if (operands.length > 0) {
    throw new UsageError(`Unexpected argument ${JSON.stringify(operands[0])}`, {code: 'CTR_UNEXPECTED_ARGUMENT', hints: ['ctr snapshot works on one container, named with -n']})
  }
  if ((task.kind === 'restore' || task.kind === 'destroy') && !(task.kind === 'destroy' && task.snapshot === 'ALL') && !/^snap[0-9]+$/.test(task.snapshot)) {
    throw new UsageError(`Invalid snapshot name "${task.snapshot}"`, {code: 'CTR_INVALID_SNAPSHOT', hints: ['Snapshots are named snap0, snap1, ...: see ctr snapshot -n NAME -L']})
  }
  return {action: 'run', options: {...scan.common, name, task}}
}
