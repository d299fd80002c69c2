// What an attached process gets (lxc-attach's rules, attach.c
// lxc_attach_set_environment), computed purely from the options, the
// caller's environment and the container's config.

import type {AttachOptions} from './cli/attach.js'
import type {ContainerConfig} from './config/index.js'

/** LXC's PATH for a cleared environment (attach.c). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/**
 * The environment, as NAME=VALUE entries: the caller's (or, with
 * --clear-env, only the --keep-var ones and a PATH), then container=lxc,
 * lxc.environment and lxc.environment.runtime, then -v; a later NAME
 * replaces an earlier one, as putenv does. A -v without `=` is dropped, as
 * putenv would remove it.
 */
export function attachEnvironment(caller: Record<string, string | undefined>, opts: Pick<AttachOptions, 'clearEnv' | 'keepVars' | 'setVars'>, config: ContainerConfig | undefined): string[] {
  const env = new Map<string, string>()
  if (opts.clearEnv) {
    for (const name of opts.keepVars) {
      const value = caller[name]
      if (value !== undefined) env.set(name, value)
    }
    if (!opts.keepVars.includes('PATH') || caller.PATH === undefined) env.set('PATH', DEFAULT_PATH)
  } else {
    for (const [name, value] of Object.entries(caller)) if (value !== undefined) env.set(name, value)
  }
  env.set('container', 'lxc')
  for (const [name, value] of [...(config?.environment ?? []), ...(config?.environmentRuntime ?? [])]) env.set(name, value)
  for (const entry of opts.setVars) {
    const eq = entry.indexOf('=')
    if (eq <= 0) env.delete(entry)
    else env.set(entry.slice(0, eq), entry.slice(eq + 1))
  }
  return [...env].map(([name, value]) => `${name}=${value}`)
}

/** The personality(2) value of -a (PER_LINUX32 or PER_LINUX), or undefined for the container's. */
export function attachPersonality(arch: AttachOptions['arch']): number | undefined {
  if (arch === undefined) return undefined
  return arch === 'linux32' ? 0x0008 : 0
}
