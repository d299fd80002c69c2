// The global config (`ctr.conf`), read the way LXC reads lxc.conf
// (lxc_global_config_value in initutils.c; docs/lxc-contract.md §7.1). This is not the
// container grammar:
//   - only the keys below are looked for, each on its own;
//   - a line starting with `#` in column 0 is a comment; an indented key is
//     fine, but anything other than blanks before the key hides it;
//   - `key = value` with only blanks between key and `=`; the FIRST such
//     line wins, even when its value is empty;
//   - the value keeps trailing blanks (and a "\r"); only the "\n" goes;
//     `lxc.lxcpath` also loses trailing slashes;
//   - a line is only split on "\n" (getline).
// Unknown `lxc.*` lines are ignored, as LXC does; we return them as warnings.

import type {ConfigWarning} from './lexer.js'

export const GLOBAL_CONFIG_KEYS = [
  'lxc.lxcpath',
  'lxc.default_config',
  'lxc.cgroup.use',
  'lxc.cgroup.pattern',
  'lxc.bdev.lvm.vg',
  'lxc.bdev.lvm.thin_pool',
  'lxc.bdev.zfs.root',
  'lxc.bdev.rbd.rbdpool',
  'lxc.bdev.rbd.rbduser',
] as const
export type GlobalConfigKey = (typeof GLOBAL_CONFIG_KEYS)[number]

/** LXC's built-in values for the storage keys (initutils.h); the others have no fixed default. */
export const GLOBAL_CONFIG_DEFAULTS: Readonly<Partial<Record<GlobalConfigKey, string>>> = Object.freeze({
  'lxc.bdev.lvm.vg': 'lxc',
  'lxc.bdev.lvm.thin_pool': 'lxc',
  'lxc.bdev.zfs.root': 'lxc',
  'lxc.bdev.rbd.rbdpool': 'lxc',
})

export interface GlobalConfig {
  /** The values found in the file, first matching line per key. */
  readonly values: ReadonlyMap<GlobalConfigKey, string>
  readonly warnings: ConfigWarning[]
  readonly lxcpath: string | undefined
  readonly defaultConfig: string | undefined
  readonly cgroupUse: string | undefined
  readonly cgroupPattern: string | undefined
  readonly bdev: {
    readonly lvmVg: string
    readonly lvmThinPool: string
    readonly zfsRoot: string
    readonly rbdPool: string
    readonly rbdUser: string | undefined
  }
}

/**
 * Parses global config text. `file` only names warnings. The path defaults
 * (lxcpath, default_config, which depend on the user) are the caller's job;
 * the storage defaults are filled in. Pure.
 */
export function parseGlobalConfig(text: string, file = 'ctr.conf'): GlobalConfig {
  const lines = splitGetline(text)
  const values = new Map<GlobalConfigKey, string>()
  for (const key of GLOBAL_CONFIG_KEYS) {
    const value = findValue(lines, key)
    if (value !== undefined) values.set(key, value)
  }
  const get = (key: GlobalConfigKey): string | undefined => values.get(key) ?? GLOBAL_CONFIG_DEFAULTS[key]
  return {
    values,
    warnings: unknownKeyWarnings(lines, file),
    lxcpath: values.get('lxc.lxcpath'),
    defaultConfig: values.get('lxc.default_config'),
    cgroupUse: values.get('lxc.cgroup.use'),
    cgroupPattern: values.get('lxc.cgroup.pattern'),
    bdev: {
      lvmVg: get('lxc.bdev.lvm.vg') as string,
      lvmThinPool: get('lxc.bdev.lvm.thin_pool') as string,
      zfsRoot: get('lxc.bdev.zfs.root') as string,
      rbdPool: get('lxc.bdev.rbd.rbdpool') as string,
      rbdUser: get('lxc.bdev.rbd.rbduser'),
    },
  }
}

/**
 * The value a global config (its text, or the result of parseGlobalConfig)
 * gives `key`: the first matching line's value, or undefined when no line
 * sets it or the key is not a global config key. No defaults are applied
 * (see GLOBAL_CONFIG_DEFAULTS). Pure.
 */
export function globalConfigValue(source: string | GlobalConfig, key: string): string | undefined {
  if (!isGlobalConfigKey(key)) return undefined
  if (typeof source !== 'string') return source.values.get(key)
  return findValue(splitGetline(source), key)
}

/** Whether `key` is one of the global config keys. */
export function isGlobalConfigKey(key: string): key is GlobalConfigKey {
  return (GLOBAL_CONFIG_KEYS as readonly string[]).includes(key)
}

// getline: each piece keeps its "\n"; a final piece without one is a line too.
function splitGetline(text: string): string[] {
  const out: string[] = []
  let start = 0
  while (start < text.length) {
    const nl = text.indexOf('\n', start)
    const end = nl === -1 ? text.length : nl + 1
    out.push(text.slice(start, end))
    start = end
  }
  return out
}

function isBlank(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t'
}

// One pass of lxc_global_config_value's loop for one key.
function findValue(lines: readonly string[], key: GlobalConfigKey): string | undefined {
  for (const line of lines) {
    if (line.startsWith('#')) continue
    const at = line.indexOf(key)
    if (at === -1) continue
    if (![...line.slice(0, at)].every(isBlank)) continue
    const eq = line.indexOf('=', at)
    if (eq === -1) continue
    if (![...line.slice(at + key.length, eq)].every(isBlank)) continue
    let v = eq + 1
    while (isBlank(line[v])) v++
    // LXC only skips a line whose value part is completely empty (the last
    // line of a file without a newline); "key =\n" yields "".
    if (v >= line.length) continue
    let value = line.slice(v)
    if (value.endsWith('\n')) value = value.slice(0, -1)
    if (key === 'lxc.lxcpath') value = value.replace(/[/\n]+$/, '')
    return value
  }
  return undefined
}

function unknownKeyWarnings(lines: readonly string[], file: string): ConfigWarning[] {
  const warnings: ConfigWarning[] = []
  lines.forEach((line, i) => {
    const m = /^[ \t]*(lxc\.[^ \t=]*)[ \t]*=/.exec(line)
    if (m === null || isGlobalConfigKey(m[1] as string)) return
    warnings.push({
      file,
      line: i + 1,
      code: 'CTR_GLOBAL_CONFIG_KEY',
      message: `Ignored unknown global config key "${m[1] as string}" (known: ${GLOBAL_CONFIG_KEYS.join(', ')})`,
    })
  })
  return warnings
}
