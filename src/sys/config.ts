// Which config a command uses, and loading it (docs/lxc-contract.md §1.2,
// §3, §7).

import {accessSync, constants as fsConstants, existsSync, statSync} from 'node:fs'

import type {ContainerConfig, ConfigWarning} from '../core/config/index.js'
import {formatLocation} from '../core/config/index.js'
import {CtrError} from '../core/errors.js'
import type {CommonOptions, StartOptions} from '../core/options.js'
import {loadContainerConfig, loadContainerConfigReused} from './config-loader.js'
import {parsedConfigsReused} from './config-reuse.js'
import type {ContainerRef} from './container.js'
import {packagePath} from './package-files.js'

/** The embedded default config (config/default.conf), used by `start` when a container has none. */
export const EMBEDDED_DEFAULT_CONFIG = packagePath('config/default.conf')

/**
 * ctr's default seccomp denylist (config/default.seccomp): LXC's
 * common.seccomp and what a host without an LSM needs beyond it
 * (docs/security.md). The embedded default config and the busybox template
 * name it in lxc.seccomp.profile.
 */
export const DEFAULT_SECCOMP_POLICY = packagePath('config/default.seccomp')

export interface CommandConfig {
  /** undefined when the container has no config file and no --rcfile was given. */
  config: ContainerConfig | undefined
  /** The file that is "the container's config" (LXC's c->configfile). */
  file: string | undefined
  warnings: ConfigWarning[]
}

/**
 * LXC's container object: $lxcpath/NAME/config if it exists, then --rcfile
 * replaces it. A bad on-disk config is fatal even with --rcfile (LXC loads it
 * while creating the object). Throws the located config error (exit 1).
 */
export function loadConfigForCommand(ref: ContainerRef, opts: CommonOptions, use: {readOnly?: boolean} = {}): CommandConfig {
  const file = commandConfigFile(ref, opts)
  if (file === undefined) return {config: undefined, file: undefined, warnings: []}
  if (use.readOnly === true && opts.rcfile === undefined && parsedConfigsReused()) return loadReused(file)
  const {config, warnings} = loadContainerConfig({files: file})
  return {config, file, warnings}
}

/**
 * A config parsed before, when the library asks (src/sys/config-reuse.ts):
 * parsing is most of what the library's `info()` and `start()` cost in
 * JavaScript (issue 13 asks for at most 0.2× lxc-info and 0.5×
 * lxc-start -d). It is reused only while reading its files, includes and
 * directories again gives the same (src/sys/config-loader.ts,
 * loadContainerConfigReused); only callers that do not change the config
 * get it (the same object is handed out again).
 */
function loadReused(file: string): CommandConfig {
  const {config, warnings} = loadContainerConfigReused({files: file})
  return {config, file, warnings}
}

/**
 * Which file is the container's config (--rcfile, else $lxcpath/NAME/config
 * if it exists), without loading it, so that each command parses it once.
 * With --rcfile the on-disk config is still loaded for its errors.
 */
function commandConfigFile(ref: ContainerRef, opts: CommonOptions): string | undefined {
  const onDisk = configExists(ref)
  if (opts.rcfile === undefined) return onDisk ? ref.configPath : undefined
  if (onDisk) loadContainerConfig({files: ref.configPath})
  if (!existsSync(opts.rcfile)) {
    throw new CtrError('CTR_RCFILE', `Failed to load rcfile "${opts.rcfile}": no such file`, {
      hints: ['--rcfile names a config file to use instead of $lxcpath/NAME/config'],
    })
  }
  return opts.rcfile
}

/**
 * Whether the container has a config file. One this user may not read (a
 * root-only container seen by another user) is a permission error, not a
 * container that does not exist.
 */
export function configExists(ref: ContainerRef): boolean {
  try {
    accessSync(ref.configPath, fsConstants.R_OK)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return false
    if (code !== 'EACCES' && code !== 'EPERM') return existsSync(ref.configPath)
    throw new CtrError('CTR_PERMISSION', `Permission denied: cannot read ${ref.configPath}`, {
      hints: [`${ref.name} belongs to ${ownerOf(ref.dir)}; run ctr as that user or as root`],
      details: {path: ref.configPath, errno: code},
      cause: error,
    })
  }
}

function ownerOf(path: string): string {
  try {
    const uid = statSync(path).uid
    return uid === 0 ? 'root' : `uid ${uid}`
  } catch {
    return 'another user'
  }
}

export interface StartConfig extends CommandConfig {
  config: ContainerConfig
  /** The embedded default is in use (no config file, no --rcfile). */
  isDefault: boolean
}

/**
 * The config for `start`: the container's (or --rcfile), with -s defines and
 * --share-* applied after it like extra lines. With neither, the embedded
 * default, which needs a command: without a config of its own a container
 * does not run the host's /sbin/init (LXC refuses too: "No container config
 * specified").
 */
export function loadConfigForStart(ref: ContainerRef, opts: StartOptions): StartConfig {
  // An interrupted `ctr create` leaves this marker: never start a half-made container.
  if (existsSync(`${ref.dir}/partial`)) {
    throw new CtrError('CTR_PARTIAL', `${ref.name} is only partly created`, {
      hints: [`A \`ctr create\` of it was interrupted; remove it with \`ctr destroy -n ${ref.name}\` and create it again`],
    })
  }
  // The file is loaded once, with the options' lines after it.
  const file = commandConfigFile(ref, opts)
  // Options that set config keys are applied like extra lines after the
  // file, as LXC does; each is located by the option that set it.
  const settings = [
    ...Object.entries(opts.share).map(([ns, value]) => ({line: `lxc.namespace.share.${ns}=${value}`, origin: `<--share-${ns}>`})),
    ...(opts.console === undefined ? [] : [{line: `lxc.console.path=${opts.console}`, origin: '<--console>'}]),
    ...(opts.consoleLog === undefined ? [] : [{line: `lxc.console.logfile=${opts.consoleLog}`, origin: '<--console-log>'}]),
  ]
  const defines = opts.defines.map((d) => `${d.key}=${d.value}`)
  // The library reuses a parse while its files read the same (the start
  // path changes neither the config nor its warnings).
  const loadConfig = parsedConfigsReused() ? loadContainerConfigReused : loadContainerConfig
  if (file !== undefined) {
    const {config, warnings} = loadConfig({files: file, settings, defines})
    return {config, file, warnings, isDefault: false}
  }
  if (opts.execute) {
    // lxc-execute: "Executing a container with no configuration file may crash the host".
    throw new CtrError('CTR_NO_CONFIG', 'No container config specified', {
      hints: [`There is no ${ref.configPath} and no -f FILE was given; ctr execute needs a config with its own root (lxc.rootfs.path)`],
    })
  }
  if (opts.command.length === 0) {
    throw new CtrError('CTR_NO_CONFIG', 'No container config specified', {
      hints: [
        `There is no ${ref.configPath} and no -f FILE was given`,
        `To run a command on the embedded default config (host root, new namespaces), give it after --: ctr start -n ${ref.name} -F -- sh`,
      ],
    })
  }
  // The embedded default names the host after the container and loads the
  // shipped denylist (its path depends on where the package is installed);
  // a -s define can still override either.
  const defaults = [
    {line: `lxc.uts.name=${ref.name}`, origin: '<default config>'},
    {line: `lxc.seccomp.profile=${DEFAULT_SECCOMP_POLICY}`, origin: '<default config>'},
  ]
  const {config, warnings} = loadConfig({files: EMBEDDED_DEFAULT_CONFIG, settings: [...defaults, ...settings], defines})
  return {config, file: undefined, warnings, isDefault: true}
}

/** `file:line: message` for each warning. */
export function formatWarnings(warnings: ConfigWarning[]): string[] {
  return warnings.map((w) => `${formatLocation(w)}: ${w.message}`)
}
