// LXC's command socket as ctr sees it (native/lxcsock.h has the protocol):
// its abstract name, how /proc/net/unix lists it, and what
// `ctr-monitor lxc-state` prints. Pure.

import {fnv1a64} from './paths.js'
import {STATES, type State} from './state.js'

// sun_path (108 bytes) minus the leading NUL and a trailing one.
const ROOM = 106

/**
 * The abstract name (without the leading NUL) LXC's monitor binds for
 * container `name` of `lxcpath`: `LXCPATH/NAME/command`, or
 * `lxc/<FNV-1a 64 of "LXCPATH/NAME">/command` when that is 106 bytes or
 * longer (LXC's lxc_make_abstract_socket_name).
 */
export function lxcSocketName(lxcpath: string, name: string): string {
  const plain = `${lxcpath}/${name}/command`
  if (Buffer.byteLength(plain) < ROOM) return plain
  return `lxc/${fnv1a64(`${lxcpath}/${name}`)}/command`
}

// /proc/net/unix: "Num RefCount Protocol Flags Type St Inode Path"; a
// listening socket has __SO_ACCEPTCON (0x10000) in Flags; an abstract
// path starts with @.
const ACCEPTCON = 0x10000

/** The abstract names (without @) of listening sockets in /proc/net/unix's text. */
export function listeningAbstractNames(text: string): Set<string> {
  const out = new Set<string>()
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/)
    const path = fields.slice(7).join(' ')
    if (!path.startsWith('@')) continue
    const flags = Number.parseInt(fields[3] ?? '', 16)
    if (Number.isNaN(flags) || (flags & ACCEPTCON) === 0) continue
    out.add(path.slice(1))
  }
  return out
}

/** What holds LXC's socket of a container, as `ctr-monitor lxc-state` reports it. */
export interface LxcHolder {
  state: State
  /** init's pid, when it said. */
  initPid?: number
  /** The process holding the name (LXC's monitor, `[lxc monitor]`; or a ctr-monitor). */
  holderPid: number
  uid: number
  comm: string
}

/** Parses `state=S pid=P holder=H uid=U comm=C` (comm last: it may hold blanks); undefined if it is not that. */
export function parseLxcState(line: string): LxcHolder | undefined {
  const m = /^state=(\S+) pid=(-?\d+) holder=(\d+) uid=(\d+) comm=(.*)$/.exec(line.replace(/\n$/, ''))
  if (!m) return undefined
  const state = m[1] as State
  if (!STATES.includes(state)) return undefined
  const holder: LxcHolder = {state, holderPid: Number(m[3]), uid: Number(m[4]), comm: m[5] ?? ''}
  const pid = Number(m[2])
  if (pid > 0) holder.initPid = pid
  return holder
}
