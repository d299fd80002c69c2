// The filesystem work of `ctr create` and `ctr destroy`: atomic config
// writes, the `partial` marker, building a template's rootfs, shifting its
// owners for a user namespace, and removing a container directory without
// ever leaving it.
//
// The removal is the part that must not go wrong. fs.rmSync({recursive})
// does not follow symlinks, but it does descend into whatever is mounted
// below the path (a leftover bind mount of the host's / inside a rootfs
// would be emptied), and it walks by path names, so a directory swapped for
// a symlink between its lstat and its readdir is followed. removeTree walks
// by open directory descriptors instead (every lookup goes through
// /proc/self/fd/N, Node's stand-in for openat/unlinkat), stays on the
// starting directory's filesystem like LXC's lxc_rmdir_onedev, and unlinks
// symlinks without reading them.

import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fstatSync,
  fsyncSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import {randomBytes} from 'node:crypto'
import {basename, dirname, join} from 'node:path'

import {CtrError, SysError} from '../core/errors.js'
import type {IdShift} from '../core/templates/idmap.js'
import type {RootfsEntry} from '../core/templates/index.js'

/** The marker of an unfinished create, as LXC names it; `start` refuses a container that has one. */
export const PARTIAL_MARKER = 'partial'

function sysError(syscall: string, path: string, error: unknown): SysError {
  return new SysError(syscall, (error as NodeJS.ErrnoException).code ?? 'EIO', path, {cause: error})
}

/** Flushes a directory's entries (a rename or unlink in it) to disk; errors are ignored (some filesystems refuse fsync on a directory). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY)
    fsyncSync(fd)
  } catch {
    // best effort: the data itself was fsynced
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * Writes `text` to `path` atomically: a unique temp file beside it (mode
 * `mode`), write, fsync, rename over `path`, fsync the directory. A reader
 * sees the old file or the new one, never part of one. Throws SysError; the
 * temp file is removed on failure.
 */
export function writeFileAtomic(path: string, text: string, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
  let fd: number | undefined
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode)
    writeSync(fd, text)
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    // The mode given to open is cut by the umask; the config's mode is not the caller's business.
    chmodSync(tmp, mode)
    renameSync(tmp, path)
  } catch (error) {
    if (fd !== undefined) closeSync(fd)
    try {
      unlinkSync(tmp)
    } catch {
      // never created, or already renamed
    }
    throw sysError('write', path, error)
  }
  fsyncDir(dirname(path))
}

/**
 * Creates `dir/partial` (O_EXCL) holding who made it. Returns true if this
 * call created it, false if it was already there. Throws SysError otherwise.
 */
export function createPartialMarker(dir: string, what: string): boolean {
  const path = join(dir, PARTIAL_MARKER)
  let fd: number
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw sysError('create', path, error)
  }
  try {
    writeSync(fd, `${what} ${process.pid}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  fsyncDir(dir)
  return true
}

/** Removes `dir/partial` and flushes the directory. Throws SysError (a missing marker is fine). */
export function removePartialMarker(dir: string): void {
  const path = join(dir, PARTIAL_MARKER)
  try {
    unlinkSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw sysError('unlink', path, error)
  }
  fsyncDir(dir)
}

/** The file type at `path` without following a final symlink, or undefined if nothing is there. Throws SysError for other errors. */
export function entryType(path: string): 'dir' | 'symlink' | 'file' | 'other' | undefined {
  try {
    const st = lstatSync(path)
    if (st.isSymbolicLink()) return 'symlink'
    if (st.isDirectory()) return 'dir'
    return st.isFile() ? 'file' : 'other'
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw sysError('stat', path, error)
  }
}

/** True if `path` is a directory (following symlinks) with no entries. Throws SysError if it cannot be read. */
export function isEmptyDir(path: string): boolean {
  try {
    return readdirSync(path).length === 0
  } catch (error) {
    throw sysError('read directory', path, error)
  }
}

/**
 * Creates a template's rootfs entries under `root` (an existing, empty
 * directory), in order, with exactly the modes given (the umask does not
 * apply). Nothing already there is overwritten: an existing entry is an
 * error, except a directory where a directory is wanted. Throws SysError.
 */
export function buildRootfs(root: string, entries: readonly RootfsEntry[]): void {
  for (const entry of entries) {
    const path = join(root, entry.path)
    try {
      switch (entry.kind) {
        case 'dir':
          try {
            mkdirSync(path, {mode: entry.mode})
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || entryType(path) !== 'dir') throw error
          }
          chmodSync(path, entry.mode)
          break
        case 'file':
          writeNewFile(path, entry.content, entry.mode)
          break
        case 'copy':
          copyFileSync(entry.source, path, constants.COPYFILE_EXCL)
          chmodSync(path, entry.mode)
          break
        case 'symlink':
          symlinkSync(entry.target, path)
          break
        case 'hardlink':
          linkSync(join(root, entry.target), path)
          break
      }
    } catch (error) {
      if (error instanceof CtrError) throw error
      throw sysError(entry.kind === 'dir' ? 'mkdir' : entry.kind === 'symlink' ? 'symlink' : entry.kind === 'hardlink' ? 'link' : 'create', path, error)
    }
  }
}

function writeNewFile(path: string, content: string, mode: number): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode)
  try {
    writeSync(fd, content)
  } finally {
    closeSync(fd)
  }
  chmodSync(path, mode)
}

/**
 * Gives every entry under `root` (root included) the host owner `shift`
 * maps its container owner to, with lchown: symlinks are changed, never
 * followed. For a tree this process just built; it does not guard against
 * concurrent changes. chown clears set-id bits, as chown(1) does. Returns
 * the number of inodes changed (a hard-linked file counts once). Throws SysError, or the CtrError of `shift`.
 */
export function shiftOwnership(root: string, shift: IdShift): number {
  let count = 0
  // Hard links (sbin/init and bin/busybox) are one inode: shift it once.
  const seen = new Set<string>()
  const visit = (path: string): void => {
    let st
    try {
      st = lstatSync(path)
    } catch (error) {
      throw sysError('stat', path, error)
    }
    const id = `${st.dev}:${st.ino}`
    if (seen.has(id)) return
    seen.add(id)
    const to = shift(st.uid, st.gid)
    try {
      lchownSync(path, to.uid, to.gid)
    } catch (error) {
      throw sysError('chown', path, error)
    }
    count++
    if (!st.isDirectory()) return
    for (const name of readdirSync(path)) visit(join(path, name))
  }
  visit(root)
  return count
}

export interface RemoveResult {
  /** Entries removed (files, links, directories). */
  removed: number
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW

/**
 * Removes the directory `path` and everything in it (with `keepTop`, only
 * what is in it). Never follows a symlink: `path` itself must be a real
 * directory (CtrError CTR_UNSAFE_PATH otherwise), and links inside are
 * unlinked. Never leaves the filesystem `path` is on: a directory on
 * another device (a mount point) is not entered, and the removal then fails
 * with CtrError CTR_REMOVE_MOUNTED naming it, having removed everything
 * else. Throws SysError for other failures, after removing what it could.
 * Yields to the event loop every few hundred entries, so that ctr stays
 * responsive while a large rootfs goes.
 */
export async function removeTree(path: string, opts: {keepTop?: boolean} = {}): Promise<RemoveResult> {
  let fd: number
  try {
    fd = openSync(path, DIR_FLAGS)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP' || code === 'ENOTDIR') {
      throw new CtrError('CTR_UNSAFE_PATH', `${path} is not a directory${code === 'ELOOP' ? ' but a symbolic link' : ''}; refusing to remove it`, {
        hints: ['ctr removes only a real directory and never follows a link out of it'],
      })
    }
    throw sysError('open', path, error)
  }
  const walk = new TreeWalk(fstatSync(fd).dev)
  try {
    await walk.emptyDir(fd, path)
  } finally {
    closeSync(fd)
  }
  if (walk.mounts.length > 0) {
    throw new CtrError('CTR_REMOVE_MOUNTED', `Not removing ${walk.mounts[0] ?? ''}: another filesystem is mounted there`, {
      hints: [...walk.mounts.slice(1).map((m) => `${m} is a mount point too`), `Unmount it (umount -R), then run the command again`],
      details: {mounts: walk.mounts},
    })
  }
  if (!opts.keepTop) {
    try {
      rmdirSync(path)
    } catch (error) {
      throw sysError('rmdir', path, error)
    }
    walk.removed++
  }
  return {removed: walk.removed}
}

// Entries between two yields to the event loop.
const YIELD_EVERY = 256

class TreeWalk {
  removed = 0
  readonly mounts: string[] = []
  private sinceYield = 0

  constructor(private readonly dev: number) {}

  private async pace(): Promise<void> {
    if (++this.sinceYield < YIELD_EVERY) return
    this.sinceYield = 0
    await new Promise((resolve) => setImmediate(resolve))
  }

  // Empties the open directory `fd` (shown as `shown` in messages); every
  // name is looked up through the descriptor, so a rename of a parent
  // cannot redirect the walk.
  async emptyDir(fd: number, shown: string): Promise<void> {
    const here = `/proc/self/fd/${fd}`
    let names: string[]
    try {
      names = readdirSync(here)
    } catch (error) {
      throw sysError('read directory', shown, error)
    }
    for (const name of names) {
      await this.pace()
      const child = `${here}/${name}`
      const childShown = `${shown}/${name}`
      let st
      try {
        st = lstatSync(child)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw sysError('stat', childShown, error)
      }
      if (!st.isDirectory()) {
        this.unlink(child, childShown)
        continue
      }
      if (st.dev !== this.dev) {
        this.mounts.push(childShown)
        continue
      }
      await this.removeDir(child, childShown, st.ino)
    }
  }

  private async removeDir(child: string, shown: string, ino: number): Promise<void> {
    let fd: number
    try {
      fd = openSync(child, DIR_FLAGS)
    } catch (error) {
      // Swapped for a symlink or a file since the lstat: unlink that instead.
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ELOOP' || code === 'ENOTDIR') return this.unlink(child, shown)
      throw sysError('open', shown, error)
    }
    const mountsBefore = this.mounts.length
    try {
      const st = fstatSync(fd)
      // Swapped for another directory (or a mount appeared) since the lstat.
      if (st.dev !== this.dev) {
        this.mounts.push(shown)
        return
      }
      if (st.ino !== ino) throw new CtrError('CTR_REMOVE_RACE', `${shown} changed while it was being removed`, {hints: ['Something else is writing to the container directory; run the command again']})
      await this.emptyDir(fd, shown)
    } finally {
      closeSync(fd)
    }
    if (this.mounts.length > mountsBefore) return
    try {
      rmdirSync(child)
      this.removed++
    } catch (error) {
      throw sysError('rmdir', shown, error)
    }
  }

  private unlink(child: string, shown: string): void {
    try {
      unlinkSync(child)
      this.removed++
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw sysError('unlink', shown, error)
    }
  }
}

/**
 * Mount points in this process's mount namespace at or below `path`
 * (compared after resolving symlinks in `path`), from /proc/self/mountinfo.
 * Returns [] if /proc cannot be read.
 */
export function mountsAtOrBelow(path: string): string[] {
  let real: string
  try {
    real = realpathSync(path)
  } catch {
    real = path
  }
  let text: string
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8')
  } catch {
    return []
  }
  const prefix = real === '/' ? '/' : `${real}/`
  const out: string[] = []
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4]
    if (field === undefined) continue
    const point = field.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))
    if (point === real || point.startsWith(prefix)) out.push(point)
  }
  return out
}

/**
 * Whether `inner` lies inside the directory `outer` (or is it), comparing
 * real paths where they exist, so that a symlink inside `outer` pointing
 * out counts as outside. Pure string comparison when a path is missing.
 */
export function isInside(inner: string, outer: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p)
    } catch {
      return p.replace(/\/+$/, '')
    }
  }
  const a = real(inner)
  const b = real(outer)
  return a === b || a.startsWith(b === '/' ? '/' : `${b}/`)
}
