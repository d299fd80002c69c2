// Reads container configs from disk: the files in order, `lxc.include`d
// files and directories where they occur, then `-s KEY=VAL` defines; and the
// global config. The only I/O of the config layer (core/config is pure).
//
// Includes follow LXC (set_config_includefiles, do_includedir) with two
// deliberate improvements:
//   - a directory's `*.conf` entries (names of at least 6 characters, not
//     recursive) are read in sorted byte order, not readdir order, which was
//     the stated intent in lxc/lxc#402 (LXC's order depends on the
//     filesystem);
//   - including a file that is already being read is reported as a cycle;
//     LXC recurses until it runs out of stack.
// As in LXC, a relative include path is resolved against the process's
// working directory (not the including file), a missing directory is
// skipped (we warn), a missing file is an error at the including line, and
// a path ending in "/" is always a directory.

import {readFileSync, readdirSync, realpathSync, statSync} from 'node:fs'
import {isAbsolute, join, resolve} from 'node:path'

import {CtrError, SysError} from '../core/errors.js'
import {
  DEFAULT_CAP_LAST_CAP,
  configError,
  createConfigBuilder,
  lexDefine,
  lexEntries,
  parseGlobalConfig,
} from '../core/config/index.js'
import type {ConfigBuilder, ConfigEntry, ConfigWarning, ContainerConfig, GlobalConfig} from '../core/config/index.js'
import {MAX_TEXT_FILE_BYTES, readErrno, readFailure, readTextFile, TextFileError} from './read-text.js'

/**
 * Bounds on includes (LXC has none: 30 files each including the next twice
 * is 2^30 includes, and a cycle recurses until the stack runs out): how
 * deep includes nest, how many files one load reads, and how many bytes.
 */
export const MAX_INCLUDE_DEPTH = 16
export const MAX_CONFIG_FILES = 256
export const MAX_CONFIG_BYTES = 4 * MAX_TEXT_FILE_BYTES

export interface LoadConfigOptions {
  /** Config files applied in order into one config (usually one: `$lxcpath/$name/config` or `-f FILE`). */
  readonly files: string | readonly string[]
  /**
   * Settings that come from other options (--share-net, -c, the embedded
   * default's hostname), applied after the files and before the defines;
   * each is located as `<origin>:1`.
   */
  readonly settings?: ReadonlyArray<{readonly line: string; readonly origin: string}>
  /** `-s KEY=VAL` defines, applied after the files like extra config lines, located `<define>:N` by their order. */
  readonly defines?: readonly string[]
  /** The caller's environment for `lxc.environment = NAME` (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Base of relative include paths (default: process.cwd(), as in LXC). */
  readonly cwd?: string
  /** Default: /proc/sys/kernel/cap_last_cap, else 40. */
  readonly capLastCap?: number
}

export interface LoadedConfig {
  readonly config: ContainerConfig
  readonly warnings: ConfigWarning[]
  /** Every file read, in reading order (includes too). */
  readonly files: string[]
}

/**
 * Loads and validates container config files. Returns the typed config and
 * the warnings. Throws SysError when a top-level file cannot be read, and a
 * located CtrError (CTR_CONFIG_SYNTAX, _KEY, _VALUE, _INCLUDE) for the first
 * problem in the files or defines.
 */
export function loadContainerConfig(options: LoadConfigOptions): LoadedConfig {
  return load(options, new IncludeReader(options.cwd ?? process.cwd()))
}

function load(options: LoadConfigOptions, reader: IncludeReader): LoadedConfig {
  const builder = createConfigBuilder({
    env: options.env ?? process.env,
    capLastCap: options.capLastCap ?? readCapLastCap(),
    include: (entry, b) => reader.include(entry, b),
  })
  const files = typeof options.files === 'string' ? [options.files] : options.files
  for (const file of files) reader.readTopLevel(file, builder)
  for (const setting of options.settings ?? []) builder.apply(lexDefine(setting.line, 1, setting.origin))
  const defines = options.defines ?? []
  for (let i = 0; i < defines.length; i++) builder.apply(lexDefine(defines[i] as string, i + 1))
  return {config: builder.config, warnings: builder.warnings, files: reader.read}
}

// ---- Reusing a parse (the library: src/sys/config-reuse.ts)
//
// A program starts, inspects and stops the same containers again and again;
// parsing their configs is most of what ctr does in JavaScript per call
// (issue 13). A parse is a function of what it read: the text of every
// file, in order, which include targets were directories, and their
// listings (plus the options, the working directory for relative includes,
// and cap_last_cap). So a parse is reused only when reading the same things
// again gives the same answers: each observation is repeated in its order
// (realpath and text of each file, each directory test and listing) and
// compared, and the first difference parses afresh. Unlike a check of file
// times, this sees a rewrite within one tick of the file-time clock too.
// What it skips is the lexing and applying, not the reads. A config that
// copies a variable of the environment (lxc.environment = NAME) is not
// reused: the environment is not observed.
//
// One shortcut keeps a reused parse as cheap to check as a stat (the
// library's info() is held to 0.2× lxc-info): a file whose stat (device,
// inode, size, modification and change times) is the same as when it was
// read, and whose change time was then already SETTLED_NS old, has not been
// written since (a write sets the change time to now, and nothing sets it
// back; the margin covers the coarse tick of file times), so its text is
// not read again. Its realpath is not asked either: the path still names the
// same inode, and the parse depends on realpaths only through include
// cycles (two equal realpaths, hence one inode twice on the include stack),
// so the shortcut is taken only when every file of the parse is a distinct
// inode; a parse with a cycle threw, and was never kept.

/** What one load read, in order: enough to tell whether reading again gives the same. */
type Observation =
  | {kind: 'file'; path: string; real: string; text: string; before: FileStamp | undefined; stamp?: string}
  | {kind: 'isdir'; path: string; value: boolean}
  | {kind: 'list'; path: string; names: string[] | 'ENOENT'}

/** File times tick coarsely: a file changed this recently could change again without its stamp changing. */
const SETTLED_NS = 2_000_000_000n

interface FileStamp {
  inode: string
  stamp: string
  settled: boolean
}

/** device:inode:size:mtime:ctime of the file at `path` (symlinks followed), and whether it had settled; undefined if not a regular file. */
function fileStamp(path: string): FileStamp | undefined {
  let st
  try {
    st = statSync(path, {bigint: true})
  } catch {
    // Not there or not ours: no stamp (the read reports it).
    return undefined
  }
  if (!st.isFile()) return undefined
  const inode = `${st.dev}:${st.ino}`
  return {inode, stamp: `${inode}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`, settled: st.ctimeNs < BigInt(Date.now()) * 1_000_000n - SETTLED_NS}
}

/**
 * Gives each file observation its stamp when the shortcut (above) may be
 * taken for this parse: each taken before its file was read (so a change
 * after the stat shows in the next one), all settled, all distinct inodes.
 */
function stampFiles(seen: Observation[]): void {
  const files = seen.filter((o): o is Extract<Observation, {kind: 'file'}> => o.kind === 'file')
  const inodes = new Set<string>()
  for (const o of files) {
    if (o.before === undefined || !o.before.settled || inodes.has(o.before.inode)) return
    inodes.add(o.before.inode)
  }
  for (const o of files) if (o.before !== undefined) o.stamp = o.before.stamp
}

const reusable = new Map<string, {seen: Observation[]; loaded: LoadedConfig}>()
const MAX_REUSABLE = 1024

/**
 * loadContainerConfig, reusing an earlier parse of the same options while
 * every file, include and listing it read is unchanged (see above). The
 * same objects are handed out again: callers must not change them.
 */
export function loadContainerConfigReused(options: LoadConfigOptions): LoadedConfig {
  const cwd = options.cwd ?? process.cwd()
  const capLastCap = options.capLastCap ?? readCapLastCap()
  const key = JSON.stringify([options.files, options.settings ?? [], options.defines ?? [], cwd, capLastCap])
  const hit = reusable.get(key)
  if (hit !== undefined && options.env === undefined && unchanged(hit.seen, cwd)) return hit.loaded
  reusable.delete(key)
  const reader = new IncludeReader(cwd, [])
  const loaded = load({...options, cwd, capLastCap}, reader)
  const fromEnv = loaded.config.entries.some((e) => e.key.startsWith('lxc.environment') && e.value !== '' && !e.value.includes('='))
  if (options.env === undefined && !fromEnv && reader.seen) {
    stampFiles(reader.seen)
    if (reusable.size >= MAX_REUSABLE) reusable.clear()
    reusable.set(key, {seen: reader.seen, loaded})
  }
  return loaded
}

function unchanged(seen: Observation[], cwd: string): boolean {
  try {
    for (const o of seen) {
      if (o.kind === 'file') {
        if (o.stamp !== undefined && fileStamp(resolve(cwd, o.path))?.stamp === o.stamp) continue
        // One realpath(3) call; were it ever to spell a path differently
        // from the reader's realpathSync, that is a miss, not a wrong hit.
        const real = realpathSync.native(resolve(cwd, o.path))
        if (real !== o.real || readTextFile(real) !== o.text) return false
      } else if (o.kind === 'isdir') {
        if (isDirectory(o.path) !== o.value) return false
      } else {
        const names = listConfs(o.path)
        if (names === 'ENOENT' || o.names === 'ENOENT' ? names !== o.names : names.join('/') !== o.names.join('/')) return false
      }
    }
    return true
  } catch {
    // Unreadable now: parse afresh, which reports it.
    return false
  }
}

/** An included directory's `*.conf` names (at least 6 characters) in sorted byte order, or ENOENT. */
function listConfs(dir: string): string[] | 'ENOENT' {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return 'ENOENT'
    throw error
  }
  return names.filter((name) => name.length >= 6 && name.endsWith('.conf')).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}

/**
 * Reads the global config at `path`. A missing file gives the defaults (as
 * in LXC); other read errors throw SysError. The parser's warnings name `path`.
 */
export function loadGlobalConfig(path: string): GlobalConfig {
  let text = ''
  try {
    text = readTextFile(path)
  } catch (error) {
    const code = readErrno(error)
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw readError(path, error)
  }
  return parseGlobalConfig(text, path)
}

let capLastCap: number | undefined

/** /proc/sys/kernel/cap_last_cap, the highest capability number LXC accepts (the running kernel's constant: read once per process). */
export function readCapLastCap(): number {
  if (capLastCap !== undefined) return capLastCap
  try {
    const n = Number.parseInt(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'), 10)
    capLastCap = Number.isInteger(n) && n >= 0 ? n : DEFAULT_CAP_LAST_CAP
  } catch {
    capLastCap = DEFAULT_CAP_LAST_CAP
  }
  return capLastCap
}

function errnoOf(error: unknown): string {
  return readErrno(error)
}

/** A file that cannot be read, as a SysError (`Failed to open "F": ENOENT`) or, when refused, `Failed to read "F": not a regular file ...`. */
export function readError(path: string, error: unknown): CtrError {
  if (error instanceof TextFileError) {
    return new CtrError('CTR_CONFIG_READ', `Failed to read "${path}": ${error.reason}`, {details: {errno: error.code}, cause: error})
  }
  return new SysError('open', errnoOf(error), path, {cause: error})
}

class IncludeReader {
  readonly read: string[] = []
  /** Real paths of the files being read, outermost first. */
  private readonly stack: Array<{real: string; shown: string}> = []
  private bytes = 0

  /**
   * @param seen when given, every read is noted in it, in order, for
   * loadContainerConfigReused
   */
  constructor(
    private readonly cwd: string,
    readonly seen?: Observation[],
  ) {}

  readTopLevel(file: string, builder: ConfigBuilder): void {
    let text: string
    let real: string
    const before = this.seen ? fileStamp(resolve(this.cwd, file)) : undefined
    try {
      real = realpathSync(resolve(this.cwd, file))
      text = readTextFile(real)
    } catch (error) {
      throw readError(file, error)
    }
    this.seen?.push({kind: 'file', path: file, real, text, before})
    this.applyText(file, real, text, builder)
  }

  include(entry: ConfigEntry, builder: ConfigBuilder): void {
    const target = isAbsolute(entry.value) ? entry.value : resolve(this.cwd, entry.value)
    let dir = entry.value.endsWith('/')
    if (!dir) {
      dir = isDirectory(target)
      this.seen?.push({kind: 'isdir', path: target, value: dir})
    }
    if (dir) this.includeDirectory(entry, target, builder)
    else this.includeFile(entry, target, builder)
  }

  private includeDirectory(entry: ConfigEntry, dir: string, builder: ConfigBuilder): void {
    let confs: string[] | 'ENOENT'
    try {
      confs = listConfs(dir)
    } catch (error) {
      throw includeError(entry, `Failed to read included directory "${entry.value}": ${errnoOf(error)}`, error)
    }
    this.seen?.push({kind: 'list', path: dir, names: confs})
    if (confs === 'ENOENT') {
      builder.warnings.push({file: entry.file, line: entry.line, code: 'CTR_CONFIG_INCLUDE_MISSING', message: `Included directory "${entry.value}" does not exist (skipped, as LXC does)`})
      return
    }
    for (const name of confs) this.includeFile(entry, join(dir, name), builder)
  }

  private includeFile(entry: ConfigEntry, file: string, builder: ConfigBuilder): void {
    let real: string
    let text: string
    if (this.stack.length >= MAX_INCLUDE_DEPTH) {
      throw configError('CTR_CONFIG_INCLUDE', entry, `Includes nest deeper than ${MAX_INCLUDE_DEPTH} files at "${file}"`, ['Flatten the chain of lxc.include lines'], {include: entry.value})
    }
    if (this.read.length >= MAX_CONFIG_FILES) {
      throw configError('CTR_CONFIG_INCLUDE', entry, `More than ${MAX_CONFIG_FILES} config files to read at "${file}"`, ['A file included more than once is read each time: check the lxc.include lines'], {include: entry.value})
    }
    const before = this.seen ? fileStamp(file) : undefined
    try {
      real = realpathSync(file)
      text = readTextFile(real)
    } catch (error) {
      throw includeError(entry, `Failed to include "${file}": ${readFailure(error)}`, error)
    }
    this.seen?.push({kind: 'file', path: file, real, text, before})
    const loop = this.stack.findIndex((f) => f.real === real)
    if (loop !== -1) {
      const chain = [...this.stack.slice(loop).map((f) => f.shown), file].join(' -> ')
      throw configError('CTR_CONFIG_INCLUDE', entry, `Include cycle: ${chain}`, ['LXC would recurse until it crashes; remove one of the lxc.include lines'], {chain})
    }
    this.applyText(file, real, text, builder)
  }

  private applyText(shown: string, real: string, text: string, builder: ConfigBuilder): void {
    this.bytes += text.length
    if (this.bytes > MAX_CONFIG_BYTES) {
      throw new CtrError('CTR_CONFIG_INCLUDE', `${shown}: the config and its includes are larger than ${MAX_CONFIG_BYTES / (1024 * 1024)} MiB together`, {
        hints: ['Check the lxc.include lines'],
      })
    }
    this.read.push(shown)
    this.stack.push({real, shown})
    try {
      for (const entry of lexEntries(text, shown, builder.warnings)) builder.apply(entry)
    } finally {
      this.stack.pop()
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function includeError(entry: ConfigEntry, message: string, cause: unknown): CtrError {
  return configError('CTR_CONFIG_INCLUDE', entry, message, [], {include: entry.value, errno: errnoOf(cause)}, cause)
}
