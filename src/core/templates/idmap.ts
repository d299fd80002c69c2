// Host ids for container ids through lxc.idmap, for shifting a root
// filesystem so that a user-namespaced container's root owns it. Pure.

import {CtrError} from '../errors.js'
import type {IdMap} from '../config/index.js'

/** The host id container id `id` maps to under `maps` (kind 'u' or 'g'), or undefined if none does. */
export function hostIdFor(maps: readonly IdMap[], kind: 'u' | 'g', id: number): number | undefined {
  for (const map of maps) {
    if (map.kind === kind && id >= map.nsid && id < map.nsid + map.range) return map.hostid + (id - map.nsid)
  }
  return undefined
}

/** A function from container (uid, gid) to host (uid, gid). */
export type IdShift = (uid: number, gid: number) => {uid: number; gid: number}

/**
 * The shift for a rootfs built with container ids: each uid and gid goes
 * through the maps. Returns undefined when there are no maps (nothing to
 * shift). Throws CtrError CTR_IDMAP (exit 1) when container root (uid or
 * gid 0) is not mapped, which LXC refuses too ("No uid/gid mapping for
 * container root"); the returned function throws the same for any other
 * unmapped id.
 */
export function idShift(maps: readonly IdMap[]): IdShift | undefined {
  if (maps.length === 0) return undefined
  const root = {uid: hostIdFor(maps, 'u', 0), gid: hostIdFor(maps, 'g', 0)}
  if (root.uid === undefined || root.gid === undefined) {
    throw new CtrError('CTR_IDMAP', `lxc.idmap maps no ${root.uid === undefined ? 'uid' : 'gid'} for container root`, {
      hints: ['Map container id 0 for both kinds, for example: lxc.idmap = u 0 100000 65536 and lxc.idmap = g 0 100000 65536'],
    })
  }
  return (uid, gid) => {
    const hostUid = hostIdFor(maps, 'u', uid)
    const hostGid = hostIdFor(maps, 'g', gid)
    if (hostUid === undefined || hostGid === undefined) {
      throw new CtrError('CTR_IDMAP', `lxc.idmap maps no ${hostUid === undefined ? `uid ${uid}` : `gid ${gid}`}`, {
        hints: ['Every owner in the rootfs must be mapped: widen the lxc.idmap ranges'],
      })
    }
    return {uid: hostUid, gid: hostGid}
  }
}
