// The host's cgroup layout, from /proc/self/mountinfo and /proc/self/cgroup
// (and /proc/1/cgroup, where root containers go): which hierarchies are
// mounted where, which controllers each holds, and where this process sits
// in each. Pure: src/sys/cgroup.ts reads the files.
//
// Kinds: `v1` (only cgroup v1 controller hierarchies), `v2` (only the
// unified hierarchy holds controllers; a named v1 hierarchy such as
// name=systemd may remain), `hybrid` (both, e.g. v1 controllers plus a
// cgroup2 mount at /sys/fs/cgroup/unified, possibly holding a controller
// of its own such as hugetlb).

/** One mounted cgroup hierarchy, as seen by this process. */
export interface CgroupHierarchy {
  readonly version: 1 | 2
  /**
   * v1: the controller field of /proc/self/cgroup (`cpu,cpuacct`, `memory`,
   * `name=systemd`), which names the hierarchy in /proc/PID/cgroup. v2: ''.
   */
  readonly id: string
  /** v1: the controllers bound to it (named hierarchies have none). v2: [] (see available). */
  readonly controllers: readonly string[]
  /** Where it is mounted (the first usable mount in mountinfo order). */
  readonly mountPoint: string
  /** The hierarchy path mounted there: mountinfo's root field, `/` unless a subtree was mounted. */
  readonly mountRoot: string
  /** This process's cgroup in this hierarchy (/proc/self/cgroup). */
  readonly selfPath: string
  /** pid 1's, when /proc/1/cgroup was readable. */
  readonly initPath: string | undefined
  /** v2: cgroup.controllers at selfPath and at initPath (filled in by sys). */
  available?: {self?: readonly string[]; init?: readonly string[]}
  /** Non-root: whether selfPath's directory is writable (filled in by sys). */
  selfWritable?: boolean
}

export interface CgroupLayout {
  readonly kind: 'v1' | 'hybrid' | 'v2'
  /** v1 hierarchies in /proc/self/cgroup order, then the unified one. */
  readonly hierarchies: readonly CgroupHierarchy[]
  /** Effective uid of the process that looked (root containers go under init's cgroup, LXC's rule). */
  readonly euid: number
}

/** A cgroup or cgroup2 line of mountinfo. */
export interface CgroupMount {
  readonly fstype: 'cgroup' | 'cgroup2'
  readonly mountPoint: string
  readonly root: string
  /** Super options (v1: the controllers and `name=X`, plus rw, xattr, ...). */
  readonly superOptions: readonly string[]
}

/** A line of /proc/PID/cgroup: `ID:CONTROLLERS:PATH`. */
export interface ProcCgroupLine {
  readonly id: number
  readonly controllers: string
  readonly path: string
}

const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)))

/** The cgroup and cgroup2 mounts of a mountinfo text, in order. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = []
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ')
    if (sep < 0) continue
    const left = line.slice(0, sep).split(' ')
    const right = line.slice(sep + 3).split(' ')
    const fstype = right[0]
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue
    out.push({fstype, mountPoint: unescape(left[4] ?? ''), root: unescape(left[3] ?? '/'), superOptions: (right[2] ?? '').split(',')})
  }
  return out
}

/** /proc/PID/cgroup lines (the path may contain colons). */
export function parseProcCgroup(text: string): ProcCgroupLine[] {
  const out: ProcCgroupLine[] = []
  for (const line of text.split('\n')) {
    const a = line.indexOf(':')
    const b = line.indexOf(':', a + 1)
    if (a < 0 || b < 0) continue
    out.push({id: Number(line.slice(0, a)), controllers: line.slice(a + 1, b), path: line.slice(b + 1)})
  }
  return out
}

/**
 * The layout from the three texts, or undefined when no cgroup hierarchy is
 * both mounted and listed in /proc/self/cgroup. A v1 line matches the first
 * cgroup mount whose super options hold all its controllers (or its name=)
 * and whose root contains this process's path.
 */
export function buildCgroupLayout(input: {mountinfo: string; selfCgroup: string; initCgroup?: string; euid: number}): CgroupLayout | undefined {
  const mounts = parseCgroupMounts(input.mountinfo)
  const init = input.initCgroup === undefined ? [] : parseProcCgroup(input.initCgroup)
  const hierarchies: CgroupHierarchy[] = []
  let unified: CgroupHierarchy | undefined
  for (const line of parseProcCgroup(input.selfCgroup)) {
    const isV2 = line.id === 0 && line.controllers === ''
    const wanted = isV2 ? [] : line.controllers.split(',').filter((c) => c !== '')
    const mount = mounts.find((m) => {
      if (isV2 ? m.fstype !== 'cgroup2' : m.fstype !== 'cgroup' || !wanted.every((c) => m.superOptions.includes(c))) return false
      return hierarchyDir(m.mountPoint, m.root, line.path) !== undefined
    })
    if (!mount) continue
    const initLine = init.find((l) => l.id === line.id && l.controllers === line.controllers)
    const h: CgroupHierarchy = {
      version: isV2 ? 2 : 1,
      id: isV2 ? '' : line.controllers,
      controllers: wanted.filter((c) => !c.startsWith('name=')),
      mountPoint: mount.mountPoint,
      mountRoot: mount.root,
      selfPath: line.path,
      initPath: initLine?.path,
    }
    if (isV2) unified = h
    else hierarchies.push(h)
  }
  if (unified) hierarchies.push(unified)
  if (hierarchies.length === 0) return undefined
  const v1Controllers = hierarchies.some((h) => h.version === 1 && h.controllers.length > 0)
  const kind = !unified ? 'v1' : v1Controllers ? 'hybrid' : 'v2'
  return {kind, hierarchies, euid: input.euid}
}

/**
 * The directory of hierarchy path `path` through a mount of `root` at
 * `mountPoint`, or undefined when the mount does not show that path.
 */
export function hierarchyDir(mountPoint: string, root: string, path: string): string | undefined {
  const base = mountPoint.replace(/\/+$/, '')
  if (root === '/') return path === '/' ? base || '/' : `${base}${path}`
  if (path === root) return base || '/'
  if (path.startsWith(`${root}/`)) return `${base}${path.slice(root.length)}`
  return undefined
}

/** LXC's prune_init_scope: a trailing /init.scope is dropped (systemd puts pid 1 there). */
export function pruneInitScope(path: string): string {
  if (path === '/init.scope') return '/'
  return path.endsWith('/init.scope') ? path.slice(0, -'/init.scope'.length) : path
}
