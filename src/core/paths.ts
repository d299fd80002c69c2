// Where things live (docs/architecture.md §3). Pure: the caller passes
// the uid, home and environment, so every rule is testable without a machine.

export interface PathContext {
  uid: number
  home: string | undefined
  env: Record<string, string | undefined>
}

const ROOT_LXCPATH = '/var/lib/ctr'

/** The global config file (ctr's lxc.conf): $CTR_GLOBAL_CONFIG, else /etc/ctr/ctr.conf for root, else ~/.config/ctr/ctr.conf. */
export function globalConfigPath(ctx: PathContext): string {
  const override = ctx.env.CTR_GLOBAL_CONFIG
  if (override) return override
  if (ctx.uid === 0) return '/etc/ctr/ctr.conf'
  return `${userConfigHome(ctx)}/ctr/ctr.conf`
}

/** The built-in lxcpath when neither -P, $CTR_PATH nor lxc.lxcpath says otherwise. */
export function builtinLxcpath(ctx: PathContext): string {
  if (ctx.uid === 0) return ROOT_LXCPATH
  const data = ctx.env.XDG_DATA_HOME || `${requireHome(ctx)}/.local/share`
  return `${data}/ctr`
}

/** lxc.default_config's built-in value (what `ctr create` seeds a config from). */
export function builtinDefaultConfig(ctx: PathContext): string {
  if (ctx.uid === 0) return '/etc/ctr/default.conf'
  return `${userConfigHome(ctx)}/ctr/default.conf`
}

/**
 * The lxcpath in effect: -P, else $CTR_PATH, else lxc.lxcpath from the global
 * config, else the built-in default. Trailing slashes are removed (not from "/").
 */
export function resolveLxcpath(ctx: PathContext, flag: string | undefined, fromGlobal: string | undefined): string {
  const chosen = flag ?? (ctx.env.CTR_PATH || undefined) ?? fromGlobal ?? builtinLxcpath(ctx)
  return stripTrailingSlashes(chosen)
}

/** The directory holding every container's run dir: $CTR_RUNTIME_DIR, /run/ctr (root), $XDG_RUNTIME_DIR/ctr, ~/.cache/ctr/run. */
export function runtimeBase(ctx: PathContext): string {
  const override = ctx.env.CTR_RUNTIME_DIR
  if (override) return stripTrailingSlashes(override)
  if (ctx.uid === 0) return '/run/ctr'
  if (ctx.env.XDG_RUNTIME_DIR) return `${ctx.env.XDG_RUNTIME_DIR}/ctr`
  return `${requireHome(ctx)}/.cache/ctr/run`
}

/**
 * A container's run dir: <base>/<16 hex digits of FNV-1a 64 over "lxcpath/name">.
 * Hashing keeps the command socket path short (sun_path is 108 bytes) and
 * lets two lxcpaths hold containers of the same name; LXC names its command
 * socket the same way when the path is long.
 */
export function runtimeDir(base: string, lxcpath: string, name: string): string {
  return `${base}/${fnv1a64(`${lxcpath}/${name}`)}`
}

/** FNV-1a 64-bit over the UTF-8 bytes, as 16 lower-case hex digits. */
export function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte)
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn
  }
  return hash.toString(16).padStart(16, '0')
}

/** $lxcpath/<name>, and the files LXC keeps there. */
export function containerDir(lxcpath: string, name: string): string {
  return `${lxcpath === '/' ? '' : lxcpath}/${name}`
}

export function containerConfigPath(lxcpath: string, name: string): string {
  return `${containerDir(lxcpath, name)}/config`
}

/** Where the monitor records how the container last stopped (defined containers only). */
export function lastExitPath(lxcpath: string, name: string): string {
  return `${containerDir(lxcpath, name)}/last-exit.json`
}

/**
 * The log file used with -l but no -o (docs/lxc-contract.md §0.2): /var/log/ctr/<name>.log
 * for root with the built-in lxcpath, else $lxcpath/<name>/<name>.log.
 */
export function defaultLogFile(ctx: PathContext, lxcpath: string, name: string): string {
  if (ctx.uid === 0 && lxcpath === ROOT_LXCPATH) return `/var/log/ctr/${name}.log`
  return `${containerDir(lxcpath, name)}/${name}.log`
}

export function stripTrailingSlashes(path: string): string {
  const stripped = path.replace(/\/+$/, '')
  return stripped === '' && path.startsWith('/') ? '/' : stripped
}

function userConfigHome(ctx: PathContext): string {
  return ctx.env.XDG_CONFIG_HOME || `${requireHome(ctx)}/.config`
}

function requireHome(ctx: PathContext): string {
  return ctx.home ?? ctx.env.HOME ?? '/'
}
