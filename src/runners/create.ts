// `ctr create` (lxc-create, and lxccontainer.c __lxcapi_create): seed the
// config from lxc.default_config or -f, add the template's keys, build the
// template's rootfs, shift it for a user namespace, all under the
// container's create/destroy lock and between a `partial` marker created
// first and removed last, so that an interrupted create never leaves a
// container `start` accepts. A failed create removes what it made, as
// LXC's does; the marker stays if even that fails.

import {randomBytes} from 'node:crypto'
import {chmodSync, existsSync, lchownSync, mkdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {join, resolve} from 'node:path'

import type {CreateOptions} from '../core/cli/create.js'
import type {ContainerConfig} from '../core/config/index.js'
import {CtrError, SysError} from '../core/errors.js'
import {expandHwaddrLines} from '../core/net-plan.js'
import {builtinDefaultConfig, globalConfigPath} from '../core/paths.js'
import {unsupportedFeatures} from '../core/start-plan.js'
import {busyboxConfig} from '../core/templates/busybox.js'
import {idShift, type IdShift} from '../core/templates/idmap.js'
import {describeRootMap, isUnprivileged, unprivilegedMaps, type UnprivilegedMaps} from '../core/templates/subid.js'
import type {IdMap} from '../core/config/index.js'
import {composeConfigText, rootfsLine, type ConfigLine, type RootfsEntry, type TemplateName} from '../core/templates/index.js'
import type {CommandOutcome} from '../output.js'
import {loadContainerConfig, readError} from '../sys/config-loader.js'
import {readTextFile} from '../sys/read-text.js'
import {DEFAULT_SECCOMP_POLICY, formatWarnings} from '../sys/config.js'
import {readGlobalValue, resolveFromOptions, type ContainerRef} from '../sys/container.js'
import {
  buildRootfs,
  createPartialMarker,
  entryType,
  isEmptyDir,
  PARTIAL_MARKER,
  removePartialMarker,
  removeTree,
  shiftOwnership,
  writeFileAtomic,
} from '../sys/create-fs.js'
import {lockContainer, type ContainerLock} from '../sys/create-lock.js'
import {readLsmFacts} from '../sys/lsm.js'
import {currentSubidOwner, readSubidFiles} from '../sys/subid.js'
import {templateRootfs} from '../sys/templates.js'

export interface CreateResult {
  name: string
  lxcpath: string
  /** The container directory, $lxcpath/NAME. */
  path: string
  /** The config file written. */
  config: string
  template: TemplateName
  /** The file the config was seeded from (lxc.default_config or -f), or null. */
  seed: string | null
  /** The rootfs directory, or null when the container runs on the host's root. */
  rootfs: string | null
  /** The template built the rootfs (false: `none`, the rootfs is the user's). */
  rootfsBuilt: boolean
  /** With lxc.idmap: the host uid and gid that own the rootfs (container root's). */
  shiftedTo: {uid: number; gid: number} | null
  /**
   * privileged: root in the container is root on the host (no lxc.idmap,
   * or one that maps container root to host root); unprivileged: lxc.idmap
   * maps it to another host id (README, "Security").
   */
  privilege: 'privileged' | 'unprivileged'
  /** The config's lxc.idmap lines (empty without a user namespace). */
  idmap: Array<{kind: 'u' | 'g'; nsid: number; hostid: number; range: number}>
  /** --unprivileged: the files the ranges came from (null without it, or when the seed had its own maps). */
  subidFiles: {uid: string; gid: string} | null
  durationMs: number
}

// lxc-create makes the container directory 0770 (do_create_container_dir)
// and ctr writes the config 0640: neither is for other users to read.
const CONTAINER_DIR_MODE = 0o770
const CONFIG_MODE = 0o640

interface Seed {
  path: string
  label: string
  text: string
  config: ContainerConfig
}

/**
 * Creates the container. Returns exit 0 with the result, and notices for
 * keys ctr cannot start yet. Throws CtrError (exit 1): CTR_EXISTS when it
 * is already defined (or partly created), CTR_LOCKED when another create or
 * destroy holds it, config errors of the seed, template and filesystem
 * errors (after removing what this call made).
 */
export async function run(opts: CreateOptions): Promise<CommandOutcome<CreateResult>> {
  const started = Date.now()
  const ref = resolveFromOptions(opts)
  const notices: string[] = []
  ensureLxcpath(ref.lxcpath)
  const seed = loadSeed(ref, opts.configFile, notices)
  // Everything that can be checked without touching the container comes
  // first: a missing busybox, subordinate ids or an unmapped root fails
  // before any file exists.
  const added = opts.unprivileged ? unprivilegedIds(seed, notices) : undefined
  const shift = idShift(added?.maps ?? seed?.config.idmaps ?? [])
  const entries = templateRootfs(opts.template)
  const lock = await lockContainer(ref, 'create')
  try {
    const made = new Creation(ref, lock)
    try {
      return made.run(opts, seed, added, entries, shift, notices, started)
    } catch (error) {
      throw await made.rollback(error)
    }
  } finally {
    await lock.release()
  }
}

/** --unprivileged's lxc.idmap lines and the files their ranges came from. */
type AddedIds = UnprivilegedMaps & {files: {uid: string; gid: string}}

// --unprivileged: lxc.idmap lines from the caller's subordinate ids, unless
// the seed config maps ids already (then it says so, and the seed's maps
// must make container root unprivileged).
function unprivilegedIds(seed: Seed | undefined, notices: string[]): AddedIds | undefined {
  const seeded = seed?.config.idmaps ?? []
  if (seeded.length === 0) {
    const files = readSubidFiles()
    return {...unprivilegedMaps(files, currentSubidOwner()), files: {uid: files.uid.path, gid: files.gid.path}}
  }
  if (!isUnprivileged(seeded)) {
    throw new CtrError('CTR_IDMAP', `--unprivileged: the lxc.idmap lines of ${seed?.label ?? 'the seed config'} map container root to host root`, {
      hints: ['Map container id 0 to a host id other than 0, or remove the lxc.idmap lines from the seed config so that --unprivileged adds its own'],
    })
  }
  notices.push(`--unprivileged adds no lxc.idmap lines: ${seed?.label ?? 'the seed config'} has its own`)
  return undefined
}

// LXC: lxc_mkdir_p(lxcpath, 0755) before anything else.
function ensureLxcpath(lxcpath: string): void {
  try {
    mkdirSync(lxcpath, {recursive: true, mode: 0o755})
  } catch (error) {
    throw new SysError('mkdir', (error as NodeJS.ErrnoException).code ?? 'EIO', lxcpath, {cause: error, hints: ['The lxcpath (-P, $CTR_PATH or lxc.lxcpath) must be a directory ctr can create']})
  }
}

// The seed: -f CONFIG, else lxc.default_config (global config, else the
// built-in path). A missing default is an empty seed, as in LXC; a missing
// -f is an error (lxc-create would silently go on with an empty config).
function loadSeed(ref: ContainerRef, configFile: string | undefined, notices: string[]): Seed | undefined {
  let path: string
  let label: string
  if (configFile !== undefined) {
    path = resolve(configFile)
    label = `-f ${configFile}`
    if (!existsSync(path)) {
      throw new CtrError('CTR_CONFIG_MISSING', `Failed to load config file "${configFile}": no such file`, {
        hints: ['-f/--config names the config to seed the new container\'s config from'],
      })
    }
  } else {
    const configured = readGlobalValue(globalConfigPath(ref.ctx), 'lxc.default_config')
    path = resolve(configured ?? builtinDefaultConfig(ref.ctx))
    label = `lxc.default_config ${path}`
    if (!existsSync(path)) {
      if (configured !== undefined) notices.push(`lxc.default_config ${path} does not exist; the config starts empty`)
      return undefined
    }
  }
  const {config} = loadContainerConfig({files: path})
  let text: string
  try {
    text = readTextFile(path)
  } catch (error) {
    throw readError(path, error)
  }
  return {path, label, text, config}
}

// What one create made, so that a failure removes exactly that.
class Creation {
  private createdDir = false
  private createdMarker = false
  private wroteConfig = false
  /** The top-most directory made for an external rootfs (mkdir -p), to remove whole. */
  private rootfsCreated: string | undefined
  /** An existing empty directory filled with the rootfs: emptied again. */
  private rootfsFilled: string | undefined

  constructor(private readonly ref: ContainerRef, private readonly lock: ContainerLock) {}

  run(
    opts: CreateOptions,
    seed: Seed | undefined,
    added: AddedIds | undefined,
    entries: RootfsEntry[] | undefined,
    shift: IdShift | undefined,
    notices: string[],
    started: number,
  ): CommandOutcome<CreateResult> {
    const {ref} = this
    this.makeContainerDir()
    const rootfs = this.rootfsTarget(opts, seed)
    const lines: ConfigLine[] = []
    if (rootfs !== undefined && rootfs.writeLine) lines.push(rootfsLine(rootfs.path))
    if (opts.template.name === 'busybox') {
      lines.push(
        ...busyboxConfig(ref.name, {
          seedKeepsCaps: seed?.config.used.has('lxc.cap.keep') ?? false,
          seedHasSeccomp: seed?.config.seccomp.profile !== undefined,
          seccompProfile: DEFAULT_SECCOMP_POLICY,
        }),
      )
    }
    const text = composeConfigText({
      template: opts.template.name,
      templateArgs: opts.templateArgs,
      // LXC saves the seed with its hwaddr x's completed: the container keeps one MAC.
      seed: seed === undefined ? undefined : {label: seed.label, text: expandHwaddrLines(seed.text, (n) => randomBytes(n))},
      ...(added === undefined ? {} : {added: {label: `From --unprivileged (subordinate ids in ${added.files.uid} and ${added.files.gid})`, lines: added.lines}}),
      lines,
    })
    // LXC saves the config before running the template; the marker keeps
    // `start` away from it until the rootfs is complete.
    writeFileAtomic(ref.configPath, text, CONFIG_MODE)
    this.wroteConfig = true
    const loaded = loadContainerConfig({files: ref.configPath})
    notices.push(...formatWarnings(loaded.warnings))

    if (entries !== undefined && rootfs !== undefined) {
      this.prepareRootfsDir(rootfs.path)
      buildRootfs(rootfs.path, entries)
    }
    let shiftedTo: {uid: number; gid: number} | undefined
    if (shift !== undefined) {
      shiftedTo = shift(0, 0)
      // LXC chowns the container directory to container root too, so that
      // the user namespace can reach a rootfs inside it.
      chown(ref.dir, shiftedTo)
      if (entries !== undefined && rootfs !== undefined) shiftOwnership(rootfs.path, shift)
      else if (rootfs !== undefined) checkOwner(rootfs.path, shiftedTo, ref.name, notices)
    }
    if (rootfs === undefined) notices.push(`${ref.name} has no lxc.rootfs.path: it will run on the host's root filesystem`)
    for (const m of unsupportedFeatures(loaded.config, readLsmFacts())) {
      notices.push(`${ref.name} cannot be started yet: ${m.where}: ${m.key}: ${m.message}`)
    }
    this.lock.assertHeld()
    removePartialMarker(ref.dir)
    const result: CreateResult = {
      name: ref.name,
      lxcpath: ref.lxcpath,
      path: ref.dir,
      config: ref.configPath,
      template: opts.template.name,
      seed: seed?.path ?? null,
      rootfs: rootfs?.path ?? null,
      rootfsBuilt: entries !== undefined,
      shiftedTo: shiftedTo ?? null,
      privilege: isUnprivileged(loaded.config.idmaps) ? 'unprivileged' : 'privileged',
      idmap: loaded.config.idmaps.map((m) => ({kind: m.kind, nsid: m.nsid, hostid: m.hostid, range: m.range})),
      subidFiles: added?.files ?? null,
      durationMs: Date.now() - started,
    }
    return {exitCode: 0, result, notices, ...(opts.quiet ? {} : {text: `${kindLine(ref.name, loaded.config.idmaps)}\n`})}
  }

  // $lxcpath/NAME: new (mode 0770), or an existing real directory that holds
  // neither a config nor a partial marker (someone put a rootfs there first).
  private makeContainerDir(): void {
    const {ref} = this
    const type = entryType(ref.dir)
    if (type === 'symlink' || (type !== undefined && type !== 'dir')) {
      throw new CtrError('CTR_UNSAFE_PATH', `${ref.dir} exists and is not a directory${type === 'symlink' ? ' but a symbolic link' : ''}`, {
        hints: ['ctr keeps each container in a real directory of the lxcpath; remove or rename what is there'],
      })
    }
    if (type === 'dir' && (existsSync(ref.configPath) || existsSync(join(ref.dir, PARTIAL_MARKER)))) {
      const partial = existsSync(join(ref.dir, PARTIAL_MARKER))
      // lxc-create's message.
      throw new CtrError('CTR_EXISTS', 'Container already exists', {
        hints: [
          partial
            ? `${ref.name} is only partly created (an interrupted create); remove it with ctr destroy -n ${ref.name} first`
            : `${ref.dir} holds a container; remove it with ctr destroy -n ${ref.name}, or choose another name`,
        ],
        details: {name: ref.name, path: ref.dir, partial},
      })
    }
    if (type === undefined) {
      try {
        mkdirSync(ref.dir, {mode: CONTAINER_DIR_MODE})
        this.createdDir = true
        chmodSync(ref.dir, CONTAINER_DIR_MODE)
      } catch (error) {
        throw new SysError('mkdir', (error as NodeJS.ErrnoException).code ?? 'EIO', ref.dir, {cause: error})
      }
    }
    if (!createPartialMarker(ref.dir, 'create')) {
      throw new CtrError('CTR_EXISTS', 'Container already exists', {hints: [`${ref.name} is only partly created; remove it with ctr destroy -n ${ref.name} first`]})
    }
    this.createdMarker = true
  }

  // Where the rootfs is: --dir, else the seed's lxc.rootfs.path, else (for a
  // template that builds one) $lxcpath/NAME/rootfs. `writeLine`: the
  // template writes lxc.rootfs.path (not when the seed already says it).
  private rootfsTarget(opts: CreateOptions, seed: Seed | undefined): {path: string; writeLine: boolean} | undefined {
    const seedRootfs = seed?.config.rootfs
    if (opts.dir === undefined && seedRootfs?.path !== undefined && seedRootfs.type !== 'dir' && seedRootfs.type !== 'detected') {
      if (opts.template.name === 'none') return undefined
      throw new CtrError('CTR_NOT_SUPPORTED', `The seed config's lxc.rootfs.path is a ${seedRootfs.type} root filesystem; the ${opts.template.name} template builds a directory`, {
        hints: ['Give the directory with --dir DIR'],
      })
    }
    const path = opts.dir ?? seedRootfs?.path
    if (opts.template.name === 'none') {
      if (path === undefined) return undefined
      // LXC's check for a rootfs the config names (__lxcapi_create).
      if (!existsSync(path)) {
        throw new CtrError('CTR_NO_ROOTFS', `The rootfs "${path}" does not exist`, {
          hints: ['The none template writes a config for a root filesystem you bring: create it first, or use -t busybox'],
        })
      }
      return {path, writeLine: opts.dir !== undefined}
    }
    return {path: path ?? join(this.ref.dir, 'rootfs'), writeLine: opts.dir !== undefined || path === undefined}
  }

  // A built rootfs goes into a new directory (mkdir -p) or an empty one;
  // never over files that are already there.
  private prepareRootfsDir(path: string): void {
    const type = entryType(path)
    if (type === undefined) {
      try {
        this.rootfsCreated = mkdirSync(path, {recursive: true, mode: 0o755}) ?? path
        chmodSync(path, 0o755)
      } catch (error) {
        throw new SysError('mkdir', (error as NodeJS.ErrnoException).code ?? 'EIO', path, {cause: error})
      }
      return
    }
    const isDir = type === 'dir' || (type === 'symlink' && statSync(path).isDirectory())
    if (!isDir || !isEmptyDir(path)) {
      throw new CtrError('CTR_ROOTFS_EXISTS', `The rootfs directory ${path} already exists and is not empty`, {
        hints: ['The template fills a new or empty directory; choose another with --dir DIR, or empty it first'],
      })
    }
    this.rootfsFilled = path
  }

  /**
   * After a failure: removes what this create made (the rootfs it built,
   * the container directory if it made it, else the config and marker it
   * wrote). Returns the error to throw: the original one, with a hint when
   * the clean-up failed too (then the partial marker stays).
   */
  async rollback(error: unknown): Promise<unknown> {
    const {ref} = this
    try {
      // A rootfs made inside a container directory made here goes with it.
      if (this.rootfsCreated !== undefined && !(this.createdDir && isUnder(this.rootfsCreated, ref.dir))) await removeTree(this.rootfsCreated)
      if (this.rootfsFilled !== undefined) await removeTree(this.rootfsFilled, {keepTop: true})
      if (this.createdDir) {
        await removeTree(ref.dir)
      } else {
        if (this.wroteConfig) rmSync(ref.configPath, {force: true})
        // Only a marker this create made: another one means an earlier create was interrupted.
        if (this.createdMarker) removePartialMarker(ref.dir)
      }
    } catch (cleanup) {
      if (error instanceof CtrError) {
        return new CtrError(error.code, error.message, {
          exitCode: error.exitCode,
          hints: [...error.hints, `Cleaning up failed too (${(cleanup as Error).message}); remove what is left with ctr destroy -n ${ref.name}`],
          cause: error,
          ...(error.details ? {details: error.details} : {}),
        })
      }
    }
    return error
  }
}

// The one line create prints: which kind of container it made.
function kindLine(name: string, maps: readonly IdMap[]): string {
  if (isUnprivileged(maps)) return `Created ${name}: unprivileged (${describeRootMap(maps)})`
  return `Created ${name}: privileged (root in it is root on the host; ctr create --unprivileged makes an unprivileged one)`
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`)
}

function chown(path: string, to: {uid: number; gid: number}): void {
  try {
    lchownSync(path, to.uid, to.gid)
  } catch (error) {
    throw new SysError('chown', (error as NodeJS.ErrnoException).code ?? 'EIO', path, {cause: error})
  }
}

// A rootfs the user brings (`-t none`) is not shifted; say so when its
// owner is not the container's root, which then cannot own its own files.
function checkOwner(path: string, root: {uid: number; gid: number}, name: string, notices: string[]): void {
  let st
  try {
    st = statSync(path)
  } catch {
    return
  }
  if (st.uid !== root.uid || st.gid !== root.gid) {
    notices.push(`${path} is owned by ${st.uid}:${st.gid}, not by ${name}'s root (${root.uid}:${root.gid} on the host): shift it first (see the README, "Root filesystems for user namespaces")`)
  }
}
