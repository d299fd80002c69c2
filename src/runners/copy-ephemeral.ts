// `ctr copy -e` (lxc_copy.c do_clone_ephemeral): an overlay snapshot clone
// with lxc.ephemeral = 1 (unless -D) and the -m mounts, started at once.
// Its monitor destroys it when it stops (docs/architecture.md §12).
//
// Where ctr differs: the words after `--` are the clone's init command (LXC
// starts the clone's own init, attaches the command and shuts the clone
// down after it), so `-e -F -- CMD` exits with CMD's status.
//
// -t (lxc_copy.c mount_tmpfs): as LXC does, a pre-mount hook script written
// into the clone's directory mounts a tmpfs on its overlay/ directory in the
// container's mount namespace, before the rootfs is mounted, so the upper
// layer (and every change) lives in memory and goes with the container.

import {randomInt} from 'node:crypto'
import {statSync} from 'node:fs'
import {join} from 'node:path'

import type {CopyOptions} from '../core/cli/copy.js'
import {copyMountEntry} from '../core/clone.js'
import {CtrError} from '../core/errors.js'
import {validateName} from '../core/names.js'
import {overlayWorkdir} from '../core/start-plan.js'
import {writeOut, type CommandOutcome} from '../output.js'
import {makeDir, writeUniqueFile} from '../sys/clone-fs.js'
import {loadContainerConfig} from '../sys/config-loader.js'
import {entryType} from '../sys/create-fs.js'
import {resolveContainer, type ContainerRef} from '../sys/container.js'
import type {CopyResult} from './copy.js'
import {makeClone} from './copy.js'

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

// LXC's mkdtemp("NAME_XXXXXX"): a name no container has yet.
function randomName(source: ContainerRef, lxcpath: string): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    let suffix = ''
    for (let i = 0; i < 6; i++) suffix += NAME_CHARS[randomInt(NAME_CHARS.length)]
    const name = `${source.name}_${suffix}`
    if (entryType(join(lxcpath, name)) === undefined) return name
  }
  throw new CtrError('CTR_EXISTS', `Could not find a free name ${source.name}_XXXXXX in ${lxcpath}`, {hints: ['Give the name with -N']})
}

/**
 * Makes the ephemeral clone and starts it (in the background, or with -F
 * in the foreground, returning its init's exit status). A clone that fails
 * to start is destroyed unless -D keeps it, as lxc-copy does.
 */
export async function runEphemeral(source: ContainerRef, opts: CopyOptions, started: number): Promise<CommandOutcome<CopyResult>> {
  if (opts.tmpfs) checkTmpfs(source, opts)
  for (const m of opts.mounts) {
    if (entryType(m.source) === undefined) {
      throw new CtrError('CTR_INVALID_MOUNT', `The mount source ${m.source} does not exist`, {hints: ['-m bind=SRC[:DEST] and overlay=SRC[:DEST] take an existing host path']})
    }
  }
  const lxcpath = opts.newpath ?? source.lxcpath
  const newname = opts.newname ?? randomName(source, resolveContainer(source.name, lxcpath).lxcpath)
  validateName(newname)
  const target = resolveContainer(newname, lxcpath)
  const append = (dir: string): Array<{key: string; value: string}> => {
    const lines: Array<{key: string; value: string}> = []
    if (opts.tmpfs) lines.push({key: 'lxc.hook.pre-mount', value: writeTmpfsHook(dir, target.name, opts.keepName)})
    if (!opts.keepData) lines.push({key: 'lxc.ephemeral', value: '1'})
    opts.mounts.forEach((m, i) => {
      if (m.type === 'bind') {
        lines.push({key: 'lxc.mount.entry', value: copyMountEntry(m, {isDir: statSync(m.source).isDirectory()})})
        return
      }
      // lxc_copy.c mk_rand_ovl_dirs: an upper and a work dir per overlay mount, in the clone's directory.
      const upper = join(dir, `delta${i}`)
      const work = join(dir, `work${i}`)
      makeDir(upper, 0o755)
      makeDir(work, 0o755)
      lines.push({key: 'lxc.mount.entry', value: copyMountEntry(m, {isDir: true, upper, work})})
    })
    return lines
  }
  const made = await makeClone(source, target, {...opts, snapshot: true}, append)
  const notices = [...made.notices]
  // lxc-copy's lines, printed before the clone starts (LXC leaves out the last newline).
  if (!opts.json && !opts.quiet) writeOut(1, `Created ${target.name} as clone of ${source.name}\n`)
  if (opts.tmpfs && !opts.json && !opts.quiet) writeOut(1, 'Container is placed on tmpfs.\nRebooting will cause all changes made to it to be lost!\n')
  const {runStart} = await import('./start.js')
  let start
  try {
    start = await runStart({
      name: target.name, lxcpath: target.lxcpath, logfile: opts.logfile, logpriority: opts.logpriority, quiet: opts.quiet, rcfile: undefined, json: opts.json,
      daemon: !opts.foreground, defines: [], console: undefined, consoleLog: undefined, closeAllFds: false, pidfile: undefined, share: {}, command: opts.args,
    })
  } catch (error) {
    if (!opts.keepData) await destroyQuietly(target)
    throw error
  }
  notices.push(...(start.notices ?? []))
  const result: CopyResult = {
    ...made.result,
    started: true,
    initPid: start.result.pid,
    ephemeral: !opts.keepData,
    exitStatus: start.result.exitStatus,
    durationMs: Date.now() - started,
  }
  return {exitCode: start.exitCode, result, notices}
}

// lxc_copy.c: -t with -D, or with a backing store other than overlay, and
// a source that is not a plain directory are refused with LXC's messages.
function checkTmpfs(source: ContainerRef, opts: CopyOptions): void {
  if (opts.keepData || (opts.backingStore !== undefined && opts.backingStore !== 'overlay')) {
    throw new CtrError('CTR_INVALID_ARGS', 'A container can only be placed on a tmpfs when the overlay storage driver is used', {
      hints: [opts.keepData ? 'Leave out -D: a tmpfs does not outlive the container' : 'Leave out -B, or give -B overlay'],
    })
  }
  const {config} = loadContainerConfig({files: source.configPath})
  const type = config.rootfs.type
  if (type !== 'dir' && type !== 'detected') {
    throw new CtrError('CTR_NOT_SUPPORTED', `Cannot currently use tmpfs with ${type} storage backend.`, {
      hints: [`${source.name}'s rootfs is not a plain directory: copy it first (ctr copy -n ${source.name} -N NEW), then make the ephemeral clone of that`],
    })
  }
}

// Single quotes for sh(1): the paths go into a script.
function shQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`
}

/**
 * lxc_copy.c mount_tmpfs: the script `DIR/pre-start-XXXXXX` (mode 0755, a
 * name no file has) that mounts a tmpfs on DIR/overlay and writes the new
 * hostname into the upper layer there (the one written at clone time is
 * hidden under the tmpfs). Unlike LXC's, it also makes the upper and work
 * directories, which LXC's overlay driver makes when it mounts the rootfs
 * and ctr makes before the monitor runs (hidden there too).
 */
function writeTmpfsHook(dir: string, name: string, keepName: boolean): string {
  const overlay = join(dir, 'overlay')
  const upper = join(overlay, 'delta')
  const lines = [
    '#! /bin/sh',
    'set -e',
    `mount -n -t tmpfs -o mode=0755 none ${shQuote(overlay)}`,
    `mkdir -p ${shQuote(upper)} ${shQuote(overlayWorkdir(upper))}`,
  ]
  if (!keepName) lines.push(`mkdir -p ${shQuote(join(upper, 'etc'))}`, `echo ${shQuote(name)} > ${shQuote(join(upper, 'etc', 'hostname'))}`)
  return writeUniqueFile(dir, 'pre-start-', `${lines.join('\n')}\n`, 0o755)
}

// A clone that failed to start: its monitor (if it got as far as taking
// the lock) destroys it too; whichever comes second finds nothing to do.
async function destroyQuietly(target: ContainerRef): Promise<void> {
  const {run} = await import('./destroy.js')
  try {
    await run({name: target.name, lxcpath: target.lxcpath, logfile: undefined, logpriority: undefined, quiet: true, rcfile: undefined, json: false, force: true, snapshots: false})
  } catch {
    // already gone, or being destroyed by its monitor
  }
}
