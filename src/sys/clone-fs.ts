// The filesystem side of clones and snapshots (`ctr copy`, `ctr snapshot`,
// `ctr destroy`): copying a root filesystem, an overlay clone's directories,
// the clone records lxc_snapshots and lxc_rdepends (docs/lxc-contract.md
// §15.1), and the hostname in a clone's rootfs.
//
// An origin's lxc_snapshots is shared by every clone of it, and clones come
// and go while the origin runs (an ephemeral clone's monitor removes its
// entry when it stops), so it is only ever changed under a lock of its own:
// the run-dir lock protocol (docs/architecture.md §5) on a directory keyed
// by "LXCPATH/NAME/lxc_snapshots", which no container name can hash to. The
// container's own lock cannot serve: a running origin's monitor holds it.

import {randomInt} from 'node:crypto'
import {chmodSync, constants, copyFileSync, fchmodSync, lchownSync, lstatSync, mkdirSync, openSync, closeSync, readFileSync, statSync, unlinkSync, writeSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {formatCloneList, parseCloneList, updateCloneList, type CloneList, type ContainerId} from '../core/clone.js'
import {CtrError, SysError} from '../core/errors.js'
import {runtimeDir} from '../core/paths.js'
import {childProcess} from './builtins.js'
import {fsyncDir, writeFileAtomic} from './create-fs.js'
import {lockRundir, type ContainerLock} from './create-lock.js'
import {cleanupRundir} from './tools.js'

/** The files of the clone records, in the container directory (LXC's names). */
export const SNAPSHOTS_FILE = 'lxc_snapshots'
export const RDEPENDS_FILE = 'lxc_rdepends'

function sysError(syscall: string, path: string, error: unknown): SysError {
  return new SysError(syscall, (error as NodeJS.ErrnoException).code ?? 'EIO', path, {cause: error})
}

const RANDOM_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

/**
 * Creates `dir/PREFIXxxxxxx` (six random characters, as mkstemp(3) picks
 * them) holding `content`, with `mode`; never opens an existing file or a
 * symlink. Returns its path.
 */
export function writeUniqueFile(dir: string, prefix: string, content: string, mode: number): string {
  for (let attempt = 0; ; attempt++) {
    let suffix = ''
    for (let i = 0; i < 6; i++) suffix += RANDOM_CHARS[randomInt(RANDOM_CHARS.length)]
    const path = join(dir, `${prefix}${suffix}`)
    let fd: number
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 100) continue
      throw sysError('create', path, error)
    }
    try {
      writeSync(fd, content)
      fchmodSync(fd, mode)
    } finally {
      closeSync(fd)
    }
    return path
  }
}

/**
 * Copies the directory tree `src` to `dest` (which must not exist) with
 * everything a root filesystem needs: owners, modes, times, hard links,
 * device nodes, extended attributes and sparse files (`cp -a`, LXC uses
 * `rsync -aHXS`). It stays on `src`'s filesystem: what is mounted inside is
 * not copied. Rejects with CtrError CTR_COPY naming cp's complaint.
 */
export function copyTree(src: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = childProcess().spawn('cp', ['-a', '-x', '--reflink=auto', '-T', '--', src, dest], {stdio: ['ignore', 'ignore', 'pipe']})
    let err = ''
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-2000)))
    child.once('error', (error) => reject(new CtrError('CTR_COPY', `Failed to copy ${src} to ${dest}: ${error.message}`, {cause: error})))
    child.once('close', (code, signal) => {
      if (code === 0) return resolve()
      const why = err.trim().split('\n').slice(-3).join('; ') || (signal ? `cp was killed by ${signal}` : `cp exited with status ${code}`)
      reject(new CtrError('CTR_COPY', `Failed to copy ${src} to ${dest}: ${why}`, {hints: ['Check the space and the files of the source rootfs; nothing of the new container is kept']}))
    })
  })
}

/** mkdir with exactly `mode`; an existing directory is fine when `existOk`. */
export function makeDir(path: string, mode: number, existOk = false): void {
  try {
    mkdirSync(path, {mode})
    chmodSync(path, mode)
  } catch (error) {
    if (existOk && (error as NodeJS.ErrnoException).code === 'EEXIST' && lstatSync(path).isDirectory()) return
    throw sysError('mkdir', path, error)
  }
}

/**
 * An overlay clone's directories in its container directory `dir`, as LXC
 * makes them (overlay.c ovl_clonepaths): `overlay/delta` (the upper layer),
 * `overlay/work` (overlayfs's work dir) and `rootfs` (the mount point).
 * Returns the upper dir.
 */
export function makeOverlayDirs(dir: string): string {
  makeDir(join(dir, 'overlay'), 0o755)
  makeDir(join(dir, 'overlay', 'delta'), 0o755)
  makeDir(join(dir, 'overlay', 'work'), 0o755)
  makeDir(join(dir, 'rootfs'), 0o755, true)
  return join(dir, 'overlay', 'delta')
}

/**
 * Writes the container's hostname into its rootfs's /etc/hostname, as LXC's
 * clone does (the name without a newline), only if the rootfs has that file. `lower` is where the file
 * is read from; `upper` (an overlay clone) is where it is written: the
 * directories above it are made with the lower's modes and owners, as
 * overlayfs's copy-up would. A /etc or /etc/hostname that is a symlink is
 * left alone (it could point out of the rootfs). Returns whether it wrote.
 */
export function writeHostname(lower: string, upper: string, name: string): boolean {
  const etc = join(lower, 'etc')
  const file = join(etc, 'hostname')
  let st
  try {
    if (!lstatSync(etc).isDirectory()) return false
    st = lstatSync(file)
  } catch {
    return false
  }
  if (!st.isFile()) return false
  if (upper !== lower) {
    const etcSt = lstatSync(etc)
    const upperEtc = join(upper, 'etc')
    try {
      mkdirSync(upperEtc, {mode: etcSt.mode & 0o7777})
      chmodSync(upperEtc, etcSt.mode & 0o7777)
      lchownSync(upperEtc, etcSt.uid, etcSt.gid)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw sysError('mkdir', upperEtc, error)
    }
  }
  const target = join(upper, 'etc', 'hostname')
  // LXC writes the bare name, without a newline.
  writeFileAtomic(target, name, st.mode & 0o7777)
  lchownSync(target, st.uid, st.gid)
  return true
}

/** Copies a regular file (a hook script, an fstab) to a new path that must not exist, keeping its mode. */
export function copyFile(from: string, to: string): void {
  try {
    mkdirSync(dirname(to), {recursive: true, mode: 0o755})
    copyFileSync(from, to, constants.COPYFILE_EXCL)
    chmodSync(to, statSync(from).mode & 0o7777)
  } catch (error) {
    throw sysError('copy', `${from} to ${to}`, error)
  }
}

/** The clone list in `dir/file` (lxc_snapshots or lxc_rdepends); an empty entries list when it is absent. */
export function readCloneList(dir: string, file: string): CloneList {
  const path = join(dir, file)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return {kind: 'entries', entries: []}
    throw sysError('read', path, error)
  }
  return parseCloneList(text)
}

/** Writes a clone list (mode 0644, atomically), or removes the file when it is empty. */
export function writeCloneList(dir: string, file: string, list: CloneList): void {
  const path = join(dir, file)
  const text = formatCloneList(list)
  if (text !== undefined) {
    writeFileAtomic(path, text, 0o644)
    return
  }
  try {
    unlinkSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw sysError('unlink', path, error)
  }
  fsyncDir(dir)
}

/** The directory whose lock guards ORIGIN's lxc_snapshots (see the top of this file). */
export function snapshotsLockDir(base: string, origin: ContainerId): string {
  return runtimeDir(base, origin.lxcpath, `${origin.name}/${SNAPSHOTS_FILE}`)
}

/**
 * Adds `clone` to, or removes it from, `origin`'s lxc_snapshots, under the
 * list's lock (LXC's mod_rdep). An origin that no longer exists is left
 * alone (LXC: "Unable to find dependent container"). Throws CtrError
 * CTR_LOCKED when another ctr holds the list's lock for longer than a few
 * tries, SysError when the file cannot be written.
 */
export async function updateOriginSnapshots(base: string, origin: ContainerId, clone: ContainerId, add: boolean): Promise<void> {
  const dir = `${origin.lxcpath}/${origin.name}`
  try {
    if (!lstatSync(dir).isDirectory()) return
  } catch {
    return
  }
  const lock = await lockListWithRetry(base, origin)
  try {
    const list = readCloneList(dir, SNAPSHOTS_FILE)
    lock.assertHeld()
    writeCloneList(dir, SNAPSHOTS_FILE, updateCloneList(list, clone, add))
  } finally {
    await lock.release()
    // The lock's directory goes with it, unless another editor took it meanwhile.
    try {
      cleanupRundir(snapshotsLockDir(base, origin))
    } catch {
      // best effort: the next editor cleans it up
    }
  }
}

// Another editor holds the list only for the few milliseconds of one edit:
// a busy lock is retried for about two seconds, then reported.
async function lockListWithRetry(base: string, origin: ContainerId): Promise<ContainerLock> {
  const busy = (): CtrError =>
    new CtrError('CTR_LOCKED', `The clone list of ${origin.name} (${origin.lxcpath}/${origin.name}/${SNAPSHOTS_FILE}) is locked by another ctr`, {
      hints: ['Run the command again in a moment'],
    })
  for (let attempt = 0; ; attempt++) {
    try {
      return await lockRundir(snapshotsLockDir(base, origin), `${origin.name}'s clone list`, 'copy', busy)
    } catch (error) {
      if ((error as CtrError).code !== 'CTR_LOCKED' || attempt >= 40) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/** Appends one "LXCPATH\nNAME\n" entry to `dir/file` (a clone's own lxc_rdepends, written while the clone is locked). */
export function appendCloneEntry(dir: string, file: string, id: ContainerId): void {
  const path = join(dir, file)
  let fd: number | undefined
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW, 0o644)
    writeSync(fd, `${id.lxcpath}\n${id.name}\n`)
  } catch (error) {
    throw sysError('write', path, error)
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
