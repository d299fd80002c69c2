// Finding the containers of an lxcpath: the defined ones (a directory with a
// config file, as LXC's list_defined_containers) and the running ones (a run
// dir whose state.json names this lxcpath, volatile containers included),
// with each running container's live state.
//
// The state comes from state.json, checked against /proc, not from a socket
// round trip per container: the monitor rewrites state.json atomically on
// every change before it tells anyone, so while the monitor that wrote it is
// alive (its pid and /proc start time match) the file is the monitor's
// current state. A run dir whose monitor is dead is a stopped container,
// unless its init survived (lxc.monitor.signal.pdeath = 0), exactly as
// queryStatus/orphanStatus decide. Reading a file cannot hang, so a hung
// monitor does not hang `ctr ls` (lxc/lxc#3254). A stopped container has no
// run dir, so it costs nothing beyond its config directory.

import {readdirSync, existsSync} from 'node:fs'
import {dirname} from 'node:path'

import {SysError} from '../core/errors.js'
import {isValidName} from '../core/names.js'
import {didYouMean, suggest} from '../core/suggest.js'
import {containerConfigPath, containerDir} from '../core/paths.js'
import {parseInfoReply, pathContext, queryStatus, type ContainerRef} from './container.js'
import {assertTrustedDir} from './rundir-trust.js'
import {isOwnRundir, readStateFile, statusFromStateFile, type RuntimeStatus, type StateFile} from './state-file.js'

export {isOwnRundir, readStateFile, statusFromStateFile, type StateFile} from './state-file.js'

/** A running container: where its run dir is and its live status. */
export interface ActiveContainer extends RuntimeStatus {
  name: string
  rundir: string
  oomKills: number
}

/**
 * The running containers of `lxcpath`, by name: every run dir under
 * `runtimeBase` whose state.json names this lxcpath and whose monitor (or
 * orphaned init) is alive. A missing base means none. Throws SysError
 * when the base cannot be read for another reason (EACCES).
 */
export async function listActive(runtimeBase: string, lxcpath: string): Promise<Map<string, ActiveContainer>> {
  const found = new Map<string, ActiveContainer>()
  const asks: Array<Promise<void>> = []
  // Entries of a trusted base can only be root's or ours (rundir-trust.ts).
  assertTrustedDir(runtimeBase, {base: true})
  for (const entry of readDirOrEmpty(runtimeBase)) {
    const rundir = `${runtimeBase}/${entry}`
    const file = readStateFile(rundir)
    if (file === undefined && existsSync(`${rundir}/command.sock`)) {
      asks.push(askUnrecorded(rundir, lxcpath).then((active) => {
        if (active) found.set(active.name, active)
      }))
      continue
    }
    if (file === undefined || file.lxcpath !== lxcpath || !isOwnRundir(rundir, file)) continue
    const status = statusFromStateFile(file)
    if (status === 'ask') {
      asks.push(askMonitor(rundir, file).then((active) => {
        if (active) found.set(file.name, active)
      }))
    } else if (status !== undefined) {
      found.set(file.name, {name: file.name, rundir, ...status, oomKills: status.oomKills ?? file.oomKills})
    }
  }
  await Promise.all(asks)
  return found
}

// A live monitor without a state.json: it removes the file when it cannot
// rewrite it (its filesystem is full), so that nobody reads a stale state.
// Its socket says which container it runs; the run dir's name must match.
async function askUnrecorded(rundir: string, lxcpath: string): Promise<ActiveContainer | undefined> {
  const {connectMonitor} = await import('./monitor-client.js')
  const conn = await connectMonitor(rundir)
  if (!conn) return undefined
  let name: string | undefined
  try {
    name = parseInfoReply(await conn.request('info')).name
  } catch {
    return undefined
  } finally {
    conn.close()
  }
  if (name === undefined || !isValidName(name) || !isOwnRundir(rundir, {name, lxcpath})) return undefined
  return askMonitor(rundir, {name, lxcpath})
}

// The socket path of liveness, for a state.json that cannot be checked
// against /proc on its own.
async function askMonitor(rundir: string, file: Pick<StateFile, 'name' | 'lxcpath'> & {oomKills?: number}): Promise<ActiveContainer | undefined> {
  const ref: ContainerRef = {
    name: file.name, lxcpath: file.lxcpath, dir: containerDir(file.lxcpath, file.name), configPath: containerConfigPath(file.lxcpath, file.name),
    runtimeBase: dirname(rundir), rundir, ctx: pathContext(),
  }
  const status = await queryStatus(ref)
  if (!status.running) return undefined
  return {...status, name: file.name, rundir, oomKills: status.oomKills ?? file.oomKills ?? 0}
}

/**
 * The defined containers of `lxcpath`: entries that do not start with "."
 * and hold a `config` file (LXC's list_defined_containers), unsorted.
 * Entries whose name ctr cannot address are returned in `invalid`. A
 * missing lxcpath has none (lxc-ls lists nothing and exits 0). Throws
 * SysError for other readdir failures.
 */
export function listDefined(lxcpath: string): {names: string[]; invalid: string[]} {
  const names: string[] = []
  const invalid: string[] = []
  for (const entry of readDirOrEmpty(lxcpath)) {
    if (entry.startsWith('.')) continue
    if (!existsSync(`${lxcpath === '/' ? '' : lxcpath}/${entry}/config`)) continue
    if (isValidName(entry)) names.push(entry)
    else invalid.push(entry)
  }
  return {names, invalid}
}

function readDirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
    if (code === 'ENOENT' || code === 'ENOTDIR') return []
    throw new SysError('read directory', code, dir, {cause: error})
  }
}

/**
 * "Did you mean ...?" for a container name that is not defined: the
 * closest defined names of the lxcpath (empty when the name is defined, or
 * when the lxcpath cannot be read). Only on error paths: it lists the lxcpath.
 */
export function nameSuggestions(lxcpath: string, name: string): string[] {
  try {
    if (existsSync(containerConfigPath(lxcpath, name))) return []
    return didYouMean(suggest(name, listDefined(lxcpath).names, 2))
  } catch {
    return []
  }
}
