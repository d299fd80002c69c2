// LXC's hooks, planned purely (docs/lxc-contract.md §8): which scripts run
// for which type, with which environment, and where the container-side ones
// run among the filesystem operations. The monitor (native/hooks.c) builds
// the command lines (`exec SCRIPT NAME lxc TYPE` for lxc.hook.version 0,
// `exec SCRIPT` for 1), adds what exists only at run time (LXC_PID,
// LXC_TARGET, the namespace paths, LXC_HOOK_TYPE) and runs them.

import type {ContainerConfig} from './config/index.js'
import type {HookType} from './config/keys.js'
import {CtrError} from './errors.js'

/** The start-time types, in the order a start runs them (LXC 5.0.2, measured). */
export const START_HOOK_TYPES = ['pre-start', 'pre-mount', 'mount', 'autodev', 'start', 'start-host', 'stop', 'post-stop'] as const
export type StartHookType = (typeof START_HOOK_TYPES)[number]

/** Types that run inside the container (forked by its setup process). */
export const CONTAINER_HOOK_TYPES: readonly StartHookType[] = ['pre-mount', 'mount', 'autodev', 'start']

/** Default bound on one hook run, in seconds (LXC waits forever; CTR_HOOK_TIMEOUT changes it). */
export const DEFAULT_HOOK_TIMEOUT_S = 300

export interface HookSpec {
  version: 0 | 1
  timeoutS: number
  hooks: Array<{type: StartHookType; script: string}>
  /** Environment of host-side hooks. */
  env: string[]
  /** Environment of container-side hooks (adds lxc.environment, as LXC's child has it). */
  envContainer: string[]
  /** mount and autodev hooks run before filesystem operation `index`. */
  at: Array<{type: 'mount' | 'autodev'; index: number}>
}

/** What the hook environment is made of (LXC's lxc_init and container_destroy). */
export interface HookEnvInput {
  name: string
  configFile: string | undefined
  /** Where the rootfs is mounted while the hooks run (LXC_ROOTFS_MOUNT). */
  rootfsMount: string | undefined
  config: ContainerConfig
  /** The caller's environment: hooks inherit it, as they inherit lxc-start's. */
  callerEnv: Readonly<Record<string, string | undefined>>
  /** For start-time hooks: the log level name and whether cgroup namespaces exist. */
  logLevel?: string
  cgroupNs?: boolean
}

// Set by the monitor at run time: never inherited from the caller.
const RUNTIME_NAME = /^LXC_(PID|TARGET|HOOK_TYPE|HOOK_SECTION|(USER|MNT|PID|UTS|IPC|NET|CGROUP|TIME)_NS)$/

/**
 * The environment every hook of a container gets: the caller's, then
 * LXC_NAME, LXC_CONFIG_FILE, LXC_ROOTFS_MOUNT, LXC_ROOTFS_PATH, LXC_CONSOLE,
 * LXC_CONSOLE_LOGPATH, LXC_CGNS_AWARE, LXC_LOG_LEVEL, LXC_HOOK_VERSION (the
 * last three for start-time hooks only), then lxc.environment.hooks.
 */
export function hookEnvironment(input: HookEnvInput, extra: ReadonlyArray<readonly [string, string]> = []): string[] {
  const {config} = input
  const own = new Map<string, string>()
  own.set('LXC_NAME', input.name)
  if (input.configFile !== undefined) own.set('LXC_CONFIG_FILE', input.configFile)
  if (input.rootfsMount !== undefined) own.set('LXC_ROOTFS_MOUNT', input.rootfsMount)
  if (config.rootfs.path !== undefined) own.set('LXC_ROOTFS_PATH', config.rootfs.path)
  if (config.console.path !== undefined) own.set('LXC_CONSOLE', config.console.path)
  if (config.console.logfile !== undefined) own.set('LXC_CONSOLE_LOGPATH', config.console.logfile)
  if (input.cgroupNs) own.set('LXC_CGNS_AWARE', '1')
  if (input.logLevel !== undefined) own.set('LXC_LOG_LEVEL', input.logLevel)
  if (input.logLevel !== undefined) own.set('LXC_HOOK_VERSION', String(config.hookVersion))
  for (const [name, value] of [...extra, ...config.environmentHooks]) {
    own.delete(name)
    own.set(name, value)
  }
  const out: string[] = []
  for (const [name, value] of Object.entries(input.callerEnv)) {
    if (value === undefined || own.has(name) || RUNTIME_NAME.test(name) || name.includes('=')) continue
    out.push(`${name}=${value}`)
  }
  for (const [name, value] of own) out.push(`${name}=${value}`)
  return out
}

export interface HookPlanInput extends HookEnvInput {
  logLevel: string
  cgroupNs: boolean
  timeoutS: number
  /** The container has a mount namespace of its own. */
  mountNs: boolean
  /** Index of the filesystem operation before which mount and autodev hooks run. */
  mountHookIndex: number
}

/** The hooks of a start, or undefined when the config has none. */
export function planHooks(input: HookPlanInput): HookSpec | undefined {
  const {config} = input
  const hooks: HookSpec['hooks'] = []
  for (const type of START_HOOK_TYPES) {
    // autodev hooks run only with lxc.autodev = 1 (LXC's lxc_setup).
    if (type === 'autodev' && !config.autodev) continue
    for (const script of config.hooks[type as HookType]) hooks.push({type, script})
  }
  if (hooks.length === 0) return undefined
  if (!input.mountNs && hooks.some((h) => h.type === 'pre-mount' || h.type === 'mount' || h.type === 'autodev')) {
    const used = hooks.find((h) => h.type === 'pre-mount' || h.type === 'mount' || h.type === 'autodev')
    throw new CtrError('CTR_CONFIG_INVALID', `lxc.hook.${used?.type ?? 'mount'} needs a mount namespace of its own`, {
      hints: ['Without one, the hook would run in the host\'s mount namespace; remove mnt from lxc.namespace.keep or do not share it'],
    })
  }
  const env = hookEnvironment(input)
  const envContainer = hookEnvironment(input, config.environment)
  const at: HookSpec['at'] = []
  if (hooks.some((h) => h.type === 'mount')) at.push({type: 'mount', index: input.mountHookIndex})
  if (hooks.some((h) => h.type === 'autodev')) at.push({type: 'autodev', index: input.mountHookIndex})
  return {version: config.hookVersion, timeoutS: input.timeoutS, hooks, env, envContainer, at}
}

/** Whether hooks run inside the container before pivot_root (the child then joins its cgroups first). */
export function hasEarlyContainerHooks(config: ContainerConfig): boolean {
  return config.hooks['pre-mount'].length > 0 || config.hooks.mount.length > 0 || (config.autodev && config.hooks.autodev.length > 0)
}

/** CTR_HOOK_TIMEOUT (seconds), else the default. Throws for a value that is not a positive integer. */
export function hookTimeout(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_HOOK_TIMEOUT_S
  if (!/^[1-9][0-9]{0,6}$/.test(value)) {
    throw new CtrError('CTR_HOOK_TIMEOUT_INVALID', `CTR_HOOK_TIMEOUT must be a whole number of seconds, not "${value}"`)
  }
  return Number(value)
}
