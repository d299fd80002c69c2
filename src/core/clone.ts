// Cloning a container's config and the clone records, as LXC's clone does
// (lxccontainer.c do_lxcapi_clone, confile.c network_new_hwaddrs and
// clone_update_unexp_hooks, overlay.c ovl_update_abs_paths), on the text of
// the container's own config file. Pure: randomness comes in as a callback.
//
// LXC rewrites only its "unexpanded" config, the lines of the container's
// own file (never what lxc.include pulls in), so does ctr. Each rewrite is
// line-based: the key is the text before the first `=` with blanks
// trimmed, the value what follows it with blanks trimmed (LXC's parse_line).
//
// The clone records (docs/lxc-contract.md §15.1): `$lxcpath/ORIGIN/lxc_snapshots`
// lists the snapshot clones that depend on ORIGIN's rootfs, and
// `$lxcpath/CLONE/lxc_rdepends` the containers CLONE depends on, each as
// pairs of lines "LXCPATH\nNAME\n". LXC's older lxc_snapshots held a bare
// count instead; that form is read and kept.

import {UsageError} from './errors.js'
import {containerDir} from './paths.js'

/** One container a clone record names. */
export interface ContainerId {
  lxcpath: string
  name: string
}

export interface CloneConfigInput {
  /** The source container's own config file, as text. */
  text: string
  from: ContainerId
  to: ContainerId
  /** The new lxc.rootfs.path value (with its `dir:`/`overlay:` prefix). */
  rootfsPath: string
  /** -K: keep lxc.uts.name. */
  keepName: boolean
  /** -M: keep every lxc.net.N.hwaddr. */
  keepMac: boolean
  /** lxc.mount.fstab's new value (its file is copied into the clone's directory), if it has one. */
  fstab: string | undefined
  /** Lines appended after LXC's (lxc.ephemeral, -m mount entries), in order. */
  append: ReadonlyArray<{key: string; value: string}>
  /** 0..255, for new hardware addresses. */
  randomByte: () => number
}

export interface CloneConfigResult {
  text: string
  /** Hook scripts inside the source's directory, copied beside the clone's config: [from, to] paths. */
  hookCopies: Array<[string, string]>
  /** The hardware addresses replaced: [old, new]. */
  hwaddrs: Array<[string, string]>
}

interface Line {
  /** The line without its newline. */
  body: string
  key: string | undefined
  /** Offset of the value in `body` (after `=` and blanks). */
  valueAt: number
  value: string
}

const BLANK = /^[ \t]*/

function splitLines(text: string): Line[] {
  const bodies = text.split('\n')
  if (bodies.at(-1) === '') bodies.pop()
  return bodies.map((body) => {
    const lead = (BLANK.exec(body) as RegExpExecArray)[0].length
    const eq = body.indexOf('=')
    if (!body.startsWith('lxc.', lead) || eq < 0) return {body, key: undefined, valueAt: body.length, value: ''}
    const valueAt = eq + 1 + (BLANK.exec(body.slice(eq + 1)) as RegExpExecArray)[0].length
    return {body, key: body.slice(lead, eq).trim(), valueAt, value: body.slice(valueAt).trimEnd()}
  })
}

/** `$lxcpath/NAME`, the container directory. */
export function containerPath(id: ContainerId): string {
  return containerDir(id.lxcpath, id.name)
}

/** Whether `path` is `dir` or lies below it. */
export function isBelow(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`)
}

const HWADDR_KEY = /^lxc\.(net|network)\.[0-9]+\.hwaddr$|^lxc\.network\.hwaddr$/

/** LXC's new_hwaddr: `00:16:3e:` and three random bytes (rand() % 255). */
export function newHwaddr(randomByte: () => number): string {
  const byte = (): string => (randomByte() % 255).toString(16).padStart(2, '0')
  return `00:16:3e:${byte()}:${byte()}:${byte()}`
}

/**
 * The clone's config text: the source's lines with lxc.rootfs.path (and,
 * unless keepName, lxc.uts.name / lxc.utsname) removed and appended anew at
 * the end, new hardware addresses (unless keepMac), hook paths and overlay
 * mount-entry dirs moved from the source's directory to the clone's,
 * lxc.mount.fstab pointing at the copied file, then `append`. Every other
 * line (comments and blank lines too) is kept as it is.
 */
export function cloneConfigText(input: CloneConfigInput): CloneConfigResult {
  const oldDir = containerPath(input.from)
  const newDir = containerPath(input.to)
  const hookCopies: Array<[string, string]> = []
  const hwaddrs: Array<[string, string]> = []
  const out: string[] = []
  for (const line of splitLines(input.text)) {
    const key = line.key
    if (key === 'lxc.rootfs.path' || key === 'lxc.rootfs') continue
    if (!input.keepName && (key === 'lxc.uts.name' || key === 'lxc.utsname')) continue
    if (key === 'lxc.mount.fstab' && input.fstab !== undefined) continue
    if (key !== undefined && !input.keepMac && HWADDR_KEY.test(key) && line.value.length === 17) {
      const fresh = newHwaddr(input.randomByte)
      hwaddrs.push([line.value, fresh])
      out.push(`${line.body.slice(0, line.valueAt)}${fresh}${line.body.slice(line.valueAt + 17)}`)
      continue
    }
    if (key !== undefined && key.startsWith('lxc.hook') && isBelow(firstWord(line.value), oldDir)) {
      const script = firstWord(line.value)
      const moved = `${newDir}${script.slice(oldDir.length)}`
      hookCopies.push([script, moved])
      out.push(`${line.body.slice(0, line.valueAt)}${moved}${line.body.slice(line.valueAt + script.length)}`)
      continue
    }
    if (key === 'lxc.mount.entry' && / overlay/.test(line.value)) {
      out.push(moveOverlayDirs(line.body, oldDir, newDir))
      continue
    }
    out.push(line.body)
  }
  if (input.fstab !== undefined) out.push(`lxc.mount.fstab = ${input.fstab}`)
  out.push(`lxc.rootfs.path = ${input.rootfsPath}`)
  if (!input.keepName) out.push(`lxc.uts.name = ${input.to.name}`)
  for (const {key, value} of input.append) out.push(`${key} = ${value}`)
  return {text: `${out.join('\n')}\n`, hookCopies, hwaddrs}
}

function firstWord(value: string): string {
  return value.split(/[ \t]/, 1)[0] ?? ''
}

// ovl_update_abs_paths: upperdir=, workdir= and br= options naming the old
// container directory now name the new one.
function moveOverlayDirs(body: string, oldDir: string, newDir: string): string {
  let out = body
  for (const option of ['br', 'upperdir', 'workdir']) {
    out = out.split(`${option}=${oldDir}/`).join(`${option}=${newDir}/`)
  }
  return out
}

/**
 * The config text of a container renamed in place (`ctr copy -R`): the
 * hostname is the new name, paths inside the old directory (hooks, fstab,
 * log files, overlay mount-entry dirs) move to the new one, and
 * lxc.rootfs.path is replaced by `rootfsPath` when it is given.
 */
export function renameConfigText(text: string, from: ContainerId, to: ContainerId, rootfsPath: string | undefined): string {
  const oldDir = containerPath(from)
  const newDir = containerPath(to)
  const out: string[] = []
  for (const line of splitLines(text)) {
    const key = line.key
    if (key === 'lxc.uts.name' || key === 'lxc.utsname') continue
    if ((key === 'lxc.rootfs.path' || key === 'lxc.rootfs') && rootfsPath !== undefined) continue
    if (key !== undefined && line.value !== '' && isBelow(firstWord(line.value), oldDir) && movesWithContainer(key)) {
      out.push(`${line.body.slice(0, line.valueAt)}${newDir}${line.body.slice(line.valueAt + oldDir.length)}`)
      continue
    }
    if (key === 'lxc.mount.entry' && / overlay/.test(line.value)) {
      out.push(moveOverlayDirs(line.body, oldDir, newDir))
      continue
    }
    out.push(line.body)
  }
  if (rootfsPath !== undefined) out.push(`lxc.rootfs.path = ${rootfsPath}`)
  out.push(`lxc.uts.name = ${to.name}`)
  return `${out.join('\n')}\n`
}

// Keys whose value is a path that moves when the directory is renamed.
function movesWithContainer(key: string): boolean {
  return key.startsWith('lxc.hook') || key === 'lxc.mount.fstab' || key === 'lxc.log.file' || key === 'lxc.console.logfile'
}

/**
 * A rootfs path (the part after the type prefix) moved from one container
 * directory to another: `overlay:LOWER:OLD/overlay/delta` keeps its lowers
 * and gets the new upper; a directory inside the old container directory
 * moves with it. Returns undefined when nothing in it names the old directory.
 */
export function movedRootfsPath(raw: string, oldDir: string, newDir: string): string | undefined {
  const colon = raw.indexOf(':')
  const prefix = colon > 0 && !raw.startsWith('/') ? raw.slice(0, colon + 1) : ''
  const parts = raw.slice(prefix.length).split(/:(?=\/)/)
  let changed = false
  const moved = parts.map((p) => {
    if (!isBelow(p, oldDir)) return p
    changed = true
    return `${newDir}${p.slice(oldDir.length)}`
  })
  return changed ? `${prefix}${moved.join(':')}` : undefined
}

// ---------------------------------------------------------------------------
// lxc_snapshots and lxc_rdepends

export type CloneList = {kind: 'entries'; entries: ContainerId[]} | {kind: 'count'; count: number}

/**
 * Parses lxc_snapshots or lxc_rdepends: pairs of lines, or (lxc_snapshots
 * of old LXC) a bare count. A trailing line without its pair is dropped, as
 * LXC's readers drop it.
 */
export function parseCloneList(text: string): CloneList {
  const trimmed = text.trim()
  if (/^[0-9]+$/.test(trimmed)) return {kind: 'count', count: Number(trimmed)}
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  const entries: ContainerId[] = []
  for (let i = 0; i + 1 < lines.length; i += 2) entries.push({lxcpath: lines[i] as string, name: lines[i + 1] as string})
  return {kind: 'entries', entries}
}

/** The file text for a list; undefined when it is empty (LXC then removes the file). */
export function formatCloneList(list: CloneList): string | undefined {
  if (list.kind === 'count') return list.count > 0 ? `${list.count}\n` : undefined
  if (list.entries.length === 0) return undefined
  return list.entries.map((e) => `${e.lxcpath}\n${e.name}\n`).join('')
}

/** The list with `id` added (once) or removed (every occurrence), as LXC's mod_rdep does. */
export function updateCloneList(list: CloneList, id: ContainerId, add: boolean): CloneList {
  if (list.kind === 'count') return {kind: 'count', count: Math.max(0, list.count + (add ? 1 : -1))}
  const same = (e: ContainerId): boolean => e.lxcpath === id.lxcpath && e.name === id.name
  if (add) return list.entries.some(same) ? list : {kind: 'entries', entries: [...list.entries, id]}
  return {kind: 'entries', entries: list.entries.filter((e) => !same(e))}
}

/** How many clones a list counts. */
export function cloneCount(list: CloneList): number {
  return list.kind === 'count' ? list.count : list.entries.length
}

// ---------------------------------------------------------------------------
// -m mounts of an ephemeral clone (lxc_copy.c parse_bind_mnt, parse_ovl_mnt)

export interface CopyMount {
  type: 'bind' | 'overlay'
  /** Absolute host path. */
  source: string
  /** Path inside the container, without the leading slash (a relative lxc.mount.entry target). */
  target: string
  /** bind: ro or rw. */
  mode: 'ro' | 'rw'
}

/**
 * Parses one -m value: `bind=SRC[:DEST][:ro|rw]` or `overlay=SRC[:DEST]`,
 * several separated by commas (getsubopt). Paths are normalised (`.` and
 * `..` resolved) and must be absolute. Throws UsageError CTR_INVALID_MOUNT.
 */
export function parseCopyMounts(value: string): CopyMount[] {
  return value.split(',').filter((part) => part !== '').map(parseOneMount)
}

function parseOneMount(spec: string): CopyMount {
  const eq = spec.indexOf('=')
  const type = eq < 0 ? spec : spec.slice(0, eq)
  if (type !== 'bind' && type !== 'overlay') throw badMount(spec, `unknown mount type "${type}"`)
  const fields = eq < 0 ? [] : spec.slice(eq + 1).split(':')
  if (fields.length === 0 || fields[0] === '') throw badMount(spec, 'no source path')
  const max = type === 'bind' ? 3 : 2
  if (fields.length > max) throw badMount(spec, 'too many ":"-separated fields')
  const [src = '', second, third] = fields
  let dest = src
  let mode: 'ro' | 'rw' = 'rw'
  if (type === 'bind' && fields.length === 2 && (second === 'ro' || second === 'rw')) mode = second
  else if (second !== undefined) dest = second
  if (third !== undefined) {
    if (third !== 'ro' && third !== 'rw') throw badMount(spec, `the option must be ro or rw, not "${third}"`)
    mode = third
  }
  if (!src.startsWith('/') || !dest.startsWith('/')) throw badMount(spec, 'paths must be absolute')
  const target = normalise(dest).slice(1)
  if (target === '') throw badMount(spec, 'the destination cannot be the container\'s root')
  return {type, source: normalise(src), target, mode}
}

function normalise(path: string): string {
  const out: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return `/${out.join('/')}`
}

function badMount(spec: string, why: string): UsageError {
  return new UsageError(`Invalid mount "${spec}": ${why}`, {
    code: 'CTR_INVALID_MOUNT',
    hints: ['Give -m bind=SRC[:DEST][:ro|rw] or -m overlay=SRC[:DEST], absolute paths'],
  })
}

/**
 * The lxc.mount.entry value LXC writes for a -m mount (lxc_copy.c
 * set_mnt_entry); `upper` and `work` are the overlay's directories in the
 * clone's directory, `isDir` whether a bind's source is a directory.
 */
export function copyMountEntry(m: CopyMount, opts: {isDir: boolean; upper?: string; work?: string}): string {
  const src = fstabEscape(m.source)
  const target = fstabEscape(m.target)
  if (m.type === 'overlay') {
    return `${src} ${target} overlay lowerdir=${src},upperdir=${fstabEscape(opts.upper ?? '')},workdir=${fstabEscape(opts.work ?? '')},create=dir`
  }
  return `${src} ${target} none bind,optional,${m.mode},${opts.isDir ? 'create=dir' : 'create=file'} 0 0`
}

// getmntent's escapes, so that a path with blanks stays one field.
function fstabEscape(path: string): string {
  return path.replace(/\\/g, '\\134').replace(/ /g, '\\040').replace(/\t/g, '\\011').replace(/\n/g, '\\012')
}
