// `ctr install-links`: creates (or with --remove, removes) the lxc-* links
// to ctr in a directory. A name that exists and is not a link to ctr is
// left alone unless --force; every link is made under a random name and
// renamed into place, so a reader never sees a half-made one.

import {randomBytes} from 'node:crypto'
import {lstatSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync} from 'node:fs'
import {resolve} from 'node:path'

import {commandNames} from '../core/cli/catalog.js'
import {planLinks, type InstallLinksOptions} from '../core/cli/install-links.js'
import {CtrError} from '../core/errors.js'
import type {CommandOutcome} from '../output.js'
import {packagePath} from '../sys/package-files.js'

export interface LinkResult {
  name: string
  path: string
  command: string
  action: 'created' | 'kept' | 'replaced' | 'removed' | 'skipped'
  /** Why it was skipped; null otherwise. */
  reason: string | null
}

export interface InstallLinksResult {
  dir: string
  /** What the links point to: ctr's bin/run.js. */
  target: string
  links: LinkResult[]
}

/** The lxc-* table of bin/lxc-tools.json. */
export function readLxcTools(): Record<string, string> {
  return JSON.parse(readFileSync(packagePath('bin/lxc-tools.json'), 'utf8')) as Record<string, string>
}

export function runInstallLinks(opts: InstallLinksOptions): CommandOutcome<InstallLinksResult> {
  const dir = resolve(opts.dir)
  let isDir = false
  try {
    isDir = statSync(dir).isDirectory()
  } catch {
    // reported below
  }
  if (!isDir) throw new CtrError('CTR_NO_DIRECTORY', `"${dir}" is not a directory`, {hints: ['Create it first: mkdir -p DIR']})
  const target = realpathSync(packagePath('bin/run.js'))
  const links: LinkResult[] = []
  const conflicts: string[] = []
  for (const plan of planLinks(readLxcTools(), commandNames())) {
    const path = `${dir}/${plan.name}`
    const base = {name: plan.name, path, command: plan.command, reason: null}
    const current = linkState(path, target)
    if (opts.remove) {
      if (current === 'ours') {
        unlinkSync(path)
        links.push({...base, action: 'removed'})
      }
      continue
    }
    if (!plan.available) {
      links.push({...base, action: 'skipped', reason: `ctr has no ${plan.command} command yet`})
      continue
    }
    if (current === 'ours') links.push({...base, action: 'kept'})
    else if (current === 'absent') links.push({...base, action: 'created'})
    else if (opts.force) links.push({...base, action: 'replaced'})
    else conflicts.push(path)
  }
  if (conflicts.length > 0) {
    throw new CtrError('CTR_LINK_EXISTS', `${conflicts[0]} exists and is not a link to ctr`, {
      hints: [...conflicts.slice(1).map((p) => `${p} exists and is not a link to ctr`), 'Nothing was changed; --force replaces them, or pick a directory of its own and put it first on PATH'],
      details: {conflicts},
    })
  }
  for (const link of links) if (link.action === 'created' || link.action === 'replaced') placeLink(link.path, target)
  const text = links.map((l) => (l.action === 'skipped' ? '' : `${l.path} -> ${target} (${l.action})\n`)).join('')
  const notices = links.filter((l) => l.action === 'skipped').map((l) => `${l.name} not linked: ${l.reason ?? ''}`)
  return {exitCode: 0, result: {dir, target, links}, text, notices}
}

// 'ours': a symlink that resolves to ctr's run.js.
function linkState(path: string, target: string): 'absent' | 'ours' | 'other' {
  try {
    if (!lstatSync(path).isSymbolicLink()) return 'other'
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'
    throw error
  }
  try {
    return realpathSync(path) === target || readlinkSync(path) === target ? 'ours' : 'other'
  } catch {
    return 'other'
  }
}

function placeLink(path: string, target: string): void {
  const temp = `${path}.ctr-${randomBytes(6).toString('hex')}`
  symlinkSync(target, temp)
  try {
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, {force: true})
    throw error
  }
}
