// The running container's interfaces, as its monitor recorded them in
// `<rundir>/network` (native/netrecord.c), and what `lxc-info` shows of
// them: one `Link:` per lxc.net.N from N = 0 up, the host-side veth (or
// the link of the other types), with that device's byte counters read the
// other way round, so that they are the container's (lxc_info.c
// print_net_stats). Pure.

/** One `nic` line of the record. */
export interface RecordedNic {
  /** N of lxc.net.N. */
  index: number
  type: string
  link: string | undefined
  /** veth: the host side. */
  host: string | undefined
  hostIfindex: number
  /** The name inside the container. */
  name: string | undefined
  ifindex: number
}

const dash = (s: string | undefined): string | undefined => (s === undefined || s === '-' || s === '' ? undefined : s)

/** The `nic` lines of a record (other lines are for the monitor's cleanup). */
export function parseNetworkRecord(text: string): RecordedNic[] {
  const out: RecordedNic[] = []
  for (const line of text.split('\n')) {
    const f = line.split('\t')
    if (f[0] !== 'nic' || f.length < 8) continue
    out.push({
      index: Number(f[1]),
      type: f[2] ?? '',
      link: dash(f[3]),
      host: dash(f[4]),
      hostIfindex: Number(f[5]),
      name: dash(f[6]),
      ifindex: Number(f[7]),
    })
  }
  return out
}

export interface LinkCounters {
  rxBytes: bigint
  txBytes: bigint
}

/** /proc/PID/net/dev: receive and transmit bytes per interface. */
export function parseNetDev(text: string): Map<string, LinkCounters> {
  const out = new Map<string, LinkCounters>()
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const fields = line.slice(colon + 1).trim().split(/\s+/)
    if (fields.length < 9) continue
    out.set(line.slice(0, colon).trim(), {rxBytes: BigInt(fields[0] ?? '0'), txBytes: BigInt(fields[8] ?? '0')})
  }
  return out
}

/** A `Link:` entry: the host-side name and, when it has them there, its counters from the container's side. */
export interface InfoLink {
  name: string
  txBytes?: bigint
  rxBytes?: bigint
}

/**
 * lxc-info's links: lxc.net.0, .1, ... until one is missing or has no
 * name to show (a veth's host side, else the link: an empty or none
 * network ends the list). TX is what the host side received.
 */
export function infoLinks(nics: readonly RecordedNic[], counters: ReadonlyMap<string, LinkCounters>): InfoLink[] {
  const out: InfoLink[] = []
  for (let n = 0; ; n++) {
    const entries = nics.filter((nic) => nic.index === n)
    if (entries.length === 0) return out
    for (const nic of entries) {
      const name = nic.type === 'veth' ? nic.host : nic.link
      if (name === undefined) return out
      const c = counters.get(name)
      out.push(c ? {name, txBytes: c.rxBytes, rxBytes: c.txBytes} : {name})
    }
  }
}
