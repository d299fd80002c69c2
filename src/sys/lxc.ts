// Seeing containers that LXC runs on the same lxcpath: LXC's monitor holds
// an abstract unix socket per container (core/lxc-socket.ts,
// native/lxcsock.h). /proc/net/unix says which names are bound, without a
// connection; only for those, `ctr-monitor lxc-state` asks the holder for
// its state and init's pid (and checks that it is root or us). Both see
// only this network namespace, as LXC's own tools do.

import {readFileSync} from 'node:fs'

import {CtrError} from '../core/errors.js'
import {lxcSocketName, listeningAbstractNames, parseLxcState, type LxcHolder} from '../core/lxc-socket.js'
import {childProcess} from './builtins.js'
import {monitorBinary, monitorBroken} from './monitor-binary.js'

export type {LxcHolder} from '../core/lxc-socket.js'

/** The listening abstract socket names of this network namespace (empty if /proc/net/unix cannot be read). */
export function readAbstractSockets(): Set<string> {
  try {
    return listeningAbstractNames(readFileSync('/proc/net/unix', 'latin1'))
  } catch {
    return new Set()
  }
}

/**
 * What holds LXC's command socket of container `name` of `lxcpath`:
 * undefined when nothing does (LXC does not run it), or when the holder is
 * neither root nor us (it cannot be LXC running this container). `bound`:
 * readAbstractSockets(), to share one read among many containers.
 */
export function queryLxc(lxcpath: string, name: string, bound: Set<string> = readAbstractSockets()): LxcHolder | undefined {
  if (!bound.has(lxcSocketName(lxcpath, name))) return undefined
  const binary = monitorBinary()
  const out = childProcess().spawnSync(binary, ['lxc-state', '--lxcpath', lxcpath, '--name', name], {encoding: 'utf8', timeout: 10_000})
  if (out.error) throw monitorBroken(binary, out.error)
  if (out.status === 3 || out.status === 5) return undefined
  const holder = out.status === 0 ? parseLxcState(out.stdout) : undefined
  if (!holder) {
    throw new CtrError('CTR_LXC_QUERY', `Failed to ask LXC's monitor of ${name} for its state: ${out.stderr.trim() || `exit ${out.status ?? 'by signal'}`}`, {
      hints: [`Something holds LXC's command socket @${lxcSocketName(lxcpath, name)} but did not answer as LXC does`],
    })
  }
  return holder
}

/** Whether the holder is a ctr monitor (of another run-dir base) rather than LXC. */
export function heldByCtr(holder: LxcHolder): boolean {
  return holder.comm === 'ctr-monitor'
}
