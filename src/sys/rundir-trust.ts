// Whether a run directory may be trusted. ctr acts on what a container's
// run dir holds (the pids in state.json get signalled, the cgroups listed in
// `cgroups` get killed and removed), as root: a run dir, or a directory
// above it, that another user can write or replace would let that user
// choose what root kills (docs/architecture.md §11.3). The rule is the
// monitor's (native/util.c, ctr_dir_trusted), which refuses to create or
// use such a run dir:
//
// - every component of the path, as given and after resolving symlinks,
//   belongs to root or to us, and the directory holding it is root's or
//   ours and not writable by group or others, unless it is sticky (/tmp),
//   where only an entry's owner may rename it;
// - the directory itself is ours (a run-dir base may also be root's) and not
//   writable by group or others.

import {lstatSync, realpathSync, type Stats} from 'node:fs'

import {CtrError} from '../core/errors.js'
import {RUNDIR_TRUST_HINT} from '../core/start-errors.js'

const S_ISVTX = 0o1000
const GROUP_OTHER_WRITE = 0o022

const trusted = new Set<string>()

/**
 * Throws CtrError CTR_UNSAFE_RUNDIR (exit 1) when `dir` exists and may not be
 * trusted; returns quietly for a trusted or missing directory. `base`: a
 * run-dir base, which may belong to root (another user then gets EACCES
 * from it, not this error). Remembers trusted directories for the life of
 * the process.
 */
export function assertTrustedDir(dir: string, opts: {base?: boolean} = {}): void {
  if (trusted.has(dir)) return
  let real: string
  try {
    real = realpathSync(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return
    throw error
  }
  // The real path needs its own walk only when a link made it differ.
  const reason = untrustedComponent(dir) ?? (real === dir ? undefined : untrustedComponent(real)) ?? untrustedLeaf(real, opts.base === true)
  if (reason !== undefined) {
    throw new CtrError('CTR_UNSAFE_RUNDIR', `Refusing the run directory "${dir}": ${reason}`, {hints: [RUNDIR_TRUST_HINT]})
  }
  trusted.add(dir)
}

/** The reason one component of `path` is not trusted, or undefined. */
function untrustedComponent(path: string): string | undefined {
  const me = process.geteuid?.() ?? 0
  const parts = path.split('/').filter((p) => p !== '')
  let parent = lstatSync('/')
  let prefix = ''
  for (const part of parts) {
    prefix += `/${part}`
    let st: Stats
    try {
      st = lstatSync(prefix)
    } catch {
      return undefined
    }
    if (!isOwner(st.uid, me)) return `${prefix} belongs to uid ${st.uid}`
    if (!isOwner(parent.uid, me)) return `${dirOf(prefix)} belongs to uid ${parent.uid}`
    if ((parent.mode & GROUP_OTHER_WRITE) !== 0 && (parent.mode & S_ISVTX) === 0) return `${dirOf(prefix)} is writable by others`
    parent = st
  }
  return undefined
}

function untrustedLeaf(real: string, base: boolean): string | undefined {
  const me = process.geteuid?.() ?? 0
  const st = lstatSync(real)
  if (!st.isDirectory()) return `${real} is not a directory`
  if (st.uid !== me && !(base && st.uid === 0)) return `${real} belongs to uid ${st.uid}`
  if ((st.mode & GROUP_OTHER_WRITE) !== 0) return `${real} is writable by others (mode ${(st.mode & 0o7777).toString(8)})`
  return undefined
}

function isOwner(uid: number, me: number): boolean {
  return uid === 0 || uid === me
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/')
  return i <= 0 ? '/' : path.slice(0, i)
}
