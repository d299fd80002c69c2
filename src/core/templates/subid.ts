// Subordinate id ranges (subuid(5), subgid(5)) for `ctr create
// --unprivileged`: the lxc.idmap lines that make container root an
// unprivileged host id, from the ranges /etc/subuid and /etc/subgid give the
// user, as LXC's unprivileged containers use them. Pure: the file texts come
// in as arguments.

import {CtrError} from '../errors.js'
import type {IdMap} from '../config/index.js'
import {hostIdFor} from './idmap.js'
import type {ConfigLine} from './rootfs-plan.js'

/** How many ids a container gets: 0..65535, as LXC's examples and templates map (nobody is 65534). */
export const CONTAINER_IDS = 65536

/** The highest host id plus one a map may reach (ids are 32-bit; 4294967295 means "no id"). */
const ID_LIMIT = 4294967295

export interface SubidRange {
  start: number
  count: number
  /** 1-based line of the file it came from. */
  line: number
}

/** Whose ranges to look for: a line's first field is a login name or a uid. */
export interface SubidOwner {
  name: string
  uid: number
}

/**
 * The first range in a subuid/subgid file's TEXT that belongs to OWNER (by
 * name or uid) and holds at least `min` ids. Lines are `owner:start:count`;
 * blank lines, `#` comments and malformed lines are skipped, as shadow's
 * tools skip what they cannot parse. A range that starts at 0 or runs past
 * the 32-bit id space is skipped too: mapping container root to host root
 * would make the container privileged again. Returns undefined when none fits.
 */
export function findSubidRange(text: string, owner: SubidOwner, min = CONTAINER_IDS): SubidRange | undefined {
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (line === '' || line.startsWith('#')) continue
    const fields = line.split(':')
    if (fields.length !== 3) continue
    const [who = '', startText = '', countText = ''] = fields
    if (who !== owner.name && who !== String(owner.uid)) continue
    if (!/^[0-9]+$/.test(startText) || !/^[0-9]+$/.test(countText)) continue
    const start = Number(startText)
    const count = Number(countText)
    if (start === 0 || count < min || start + min > ID_LIMIT) continue
    return {start, count, line: i + 1}
  }
  return undefined
}

export interface SubidFiles {
  uid: {path: string; text: string}
  gid: {path: string; text: string}
}

/** The maps for an unprivileged container: uid and gid 0..65535 onto the first fitting range of each file. */
export interface UnprivilegedMaps {
  maps: IdMap[]
  lines: ConfigLine[]
}

/**
 * The lxc.idmap lines for OWNER from the subuid and subgid files. Throws
 * CtrError CTR_NO_SUBID (exit 1) naming the file and the fix when a file
 * has no range of at least 65536 ids for OWNER.
 */
export function unprivilegedMaps(files: SubidFiles, owner: SubidOwner): UnprivilegedMaps {
  const uid = findSubidRange(files.uid.text, owner)
  if (uid === undefined) throw noRange('uid', files.uid.path, owner)
  const gid = findSubidRange(files.gid.text, owner)
  if (gid === undefined) throw noRange('gid', files.gid.path, owner)
  const maps: IdMap[] = [
    {kind: 'u', nsid: 0, hostid: uid.start, range: CONTAINER_IDS},
    {kind: 'g', nsid: 0, hostid: gid.start, range: CONTAINER_IDS},
  ]
  return {maps, lines: maps.map((m) => ({key: 'lxc.idmap', value: `${m.kind} ${m.nsid} ${m.hostid} ${m.range}`}))}
}

function noRange(kind: 'uid' | 'gid', path: string, owner: SubidOwner): CtrError {
  const sample = `${owner.name}:100000:${CONTAINER_IDS}`
  return new CtrError('CTR_NO_SUBID', `No subordinate ${kind} range of at least ${CONTAINER_IDS} ids for ${owner.name} in ${path}`, {
    hints: [
      `Give ${owner.name} one (the range must not overlap another user's): usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${owner.name}`,
      `or add the line "${sample}" to /etc/subuid and /etc/subgid`,
      'or write lxc.idmap lines yourself (lxc.idmap = u 0 100000 65536, lxc.idmap = g 0 100000 65536) in a config given with -f',
    ],
    details: {kind, file: path, user: owner.name},
  })
}

/** True when container root is a host id other than root under MAPS (uid and gid): LXC's unprivileged container. */
export function isUnprivileged(maps: readonly IdMap[]): boolean {
  const uid = hostIdFor(maps, 'u', 0)
  const gid = hostIdFor(maps, 'g', 0)
  return uid !== undefined && gid !== undefined && uid !== 0 && gid !== 0
}

/** `uid 0..65535 -> host 100000..165535, gid 0..65535 -> host 100000..165535`: the maps that hold container root. */
export function describeRootMap(maps: readonly IdMap[]): string {
  const part = (kind: 'u' | 'g'): string => {
    const m = maps.find((x) => x.kind === kind && x.nsid === 0)
    if (m === undefined) return `${kind}id 0 -> host ${hostIdFor(maps, kind, 0) ?? 'unmapped'}`
    return `${kind}id 0..${m.range - 1} -> host ${m.hostid}..${m.hostid + m.range - 1}`
  }
  return `${part('u')}, ${part('g')}`
}
