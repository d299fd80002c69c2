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

const utf8 = new TextEncoder()

/**
 * FNV-1a 64-bit over the UTF-8 bytes, as 16 lower-case hex digits.
 *
 * In four 16-bit limbs of plain numbers rather than BigInt: every start,
 * stop and query hashes its run dir, and the BigInt form allocated two
 * BigInts per byte (~14 KB per call, a good part of what a library start
 * left for the garbage collector, issue 13). The prime is 2^40 + 0x1b3:
 * multiplying by it is 0x1b3 times each limb plus the hash shifted left by
 * 40 bits (limb i into limb i + 2, times 2^8); every product stays below
 * 2^26, exact in a double.
 */
export function fnv1a64(text: string): string {
  let h0 = 0x2325
  let h1 = 0x8422
  let h2 = 0x9ce4
  let h3 = 0xcbf2
  for (const byte of utf8.encode(text)) {
    h0 ^= byte
    const r0 = h0 * 0x1b3
    const r1 = h1 * 0x1b3 + (r0 >>> 16)
    const r2 = h2 * 0x1b3 + (h0 << 8) + (r1 >>> 16)
    h3 = (h3 * 0x1b3 + (h1 << 8) + (r2 >>> 16)) & 0xffff
    h2 = r2 & 0xffff
    h1 = r1 & 0xffff
    h0 = r0 & 0xffff
  }
  return hex4(h3) + hex4(h2) + hex4(h1) + hex4(h0)
}

function hex4(limb: number): string {
  return limb.toString(16).padStart(4, '0')
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
