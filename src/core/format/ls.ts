// lxc-ls's output (lxc_ls.c ls_print_names, ls_print_table,
// ls_print_fancy_format, ls_field_width), its column set plus ctr's MEMORY,
// the selection rules (ls_get, ls_has_all_grps) and the --json entry. Pure.
//
// The fancy table is lxc-ls's byte for byte: every cell is `%-*s ` (so each
// line ends in a blank), widths are the longest value or the header, RAM and
// SWAP are `%*.2fMB` and PID `%-*d`. Bare names differ on purpose: lxc-ls
// pads every name to the longest one even one per line, and takes its
// column width from stderr or stdin when stdout is not a terminal, so
// `lxc-ls | wc -l` counts rows of several names in an interactive shell.
// Here names go in columns only when stdout itself is a terminal, lines
// carry no trailing blanks, and otherwise it is one bare name per line
// (what `lxc-ls -1` prints).

import {UsageError} from '../errors.js'
import {isRunningState, type State} from '../state.js'
import {humanizeSize, toFixed2Exact} from './humanize.js'

/** The columns -F accepts: lxc-ls's, plus MEMORY (ctr's: the memory use humanised like lxc-info's "Memory use"). */
export const LS_COLUMNS = ['NAME', 'STATE', 'AUTOSTART', 'GROUPS', 'INTERFACE', 'IPV4', 'IPV6', 'UNPRIVILEGED', 'PID', 'MEMORY', 'RAM', 'SWAP'] as const

export type LsColumn = (typeof LS_COLUMNS)[number]

/** lxc-ls -f without -F (ls_print_table). */
export const DEFAULT_FANCY_COLUMNS: readonly LsColumn[] = ['NAME', 'STATE', 'AUTOSTART', 'GROUPS', 'IPV4', 'IPV6', 'UNPRIVILEGED']

/** Everything ls knows about one container; also the --json entry (raw values, sizes in bytes). */
export interface LsEntry {
  name: string
  state: State
  /** LXC's is_running: state ≠ STOPPED. */
  running: boolean
  /** Has $lxcpath/NAME/config; false for a volatile running container. */
  defined: boolean
  /** lxc.start.auto = 1. */
  autostart: boolean
  /** lxc.group values in config order. */
  groups: string[]
  /** Network interfaces in the container's network namespace (running only). */
  interfaces: string[]
  ipv4: string[]
  ipv6: string[]
  /** Runs in a user namespace: a non-identity uid map while running, else any lxc.idmap in the config. */
  unprivileged: boolean
  /** init's host pid while running, else null. */
  pid: number | null
  /** Memory use in bytes, lxc-info's "Memory use" (running only; null when unknown). */
  memory: number | null
  /** The cgroup's memory limit in bytes (running only; null when unlimited or unknown). */
  memoryLimit: number | null
  /** RAM in bytes as lxc-ls reads it: the same figure as memory, shown in MiB (running only; null when unknown). */
  ram: number | null
  /** Swap in use, in bytes (running only; null when unknown). */
  swap: number | null
  /** The monitor is gone but init still runs (lxc.monitor.signal.pdeath = 0). */
  orphan: boolean
  /** Who runs it: ctr, or LXC (its command socket answered); null when stopped. */
  runBy: 'ctr' | 'lxc' | null
  /** Why the config could not be read (its columns then show their defaults); null when it was read or not needed. */
  configError: string | null
}

/** What each column needs gathered, so the runner reads only that. */
export interface ColumnNeeds {
  config: boolean
  interfaces: boolean
  ips: boolean
  memory: boolean
  uidMap: boolean
}

/**
 * Which facts the columns need: config for AUTOSTART, GROUPS and
 * UNPRIVILEGED, the network namespace for INTERFACE and IPV4/IPV6, the
 * cgroup for MEMORY/RAM/SWAP. Returns all of them for --json.
 */
export function columnNeeds(columns: readonly LsColumn[], json: boolean): ColumnNeeds {
  const has = (...names: LsColumn[]): boolean => json || names.some((n) => columns.includes(n))
  return {
    config: has('AUTOSTART', 'GROUPS', 'UNPRIVILEGED'),
    interfaces: has('INTERFACE'),
    ips: has('IPV4', 'IPV6'),
    memory: has('MEMORY', 'RAM', 'SWAP'),
    uidMap: has('UNPRIVILEGED'),
  }
}

/**
 * Parses -F: comma-separated, blanks trimmed, empty pieces dropped, any
 * case (lxc-ls uses strcasecmp); duplicates are kept, as lxc-ls prints
 * them. Throws UsageError CTR_INVALID_COLUMN (exit 1) for an unknown name
 * or an empty list.
 */
export function parseColumns(spec: string): LsColumn[] {
  const names = spec.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (names.length === 0) {
    throw new UsageError(`No columns in ${JSON.stringify(spec)}`, {
      code: 'CTR_INVALID_COLUMN',
      hints: [`Give -F a comma-separated list of ${LS_COLUMNS.join(', ')}`],
    })
  }
  return names.map((name) => {
    const upper = name.toUpperCase()
    if ((LS_COLUMNS as readonly string[]).includes(upper)) return upper as LsColumn
    throw new UsageError(`Invalid key: ${name}`, {
      code: 'CTR_INVALID_COLUMN',
      hints: [`Valid columns: ${LS_COLUMNS.join(', ')}`],
      details: {column: name},
    })
  })
}

/**
 * The state flags of ls_get: --running keeps state ≠ STOPPED, --frozen
 * FROZEN (unless --active is also given, which lists every active state),
 * --stopped STOPPED, --active anything but STOPPED, --defined those with a
 * config. All given flags must hold.
 */
export function matchesSelection(entry: {state: State; defined: boolean}, sel: {active: boolean; running: boolean; frozen: boolean; stopped: boolean; defined: boolean}): boolean {
  const running = isRunningState(entry.state)
  if (sel.defined && !entry.defined) return false
  if ((sel.active || sel.frozen) && !running) return false
  if (sel.running && !running) return false
  if (sel.frozen && !sel.active && entry.state !== 'FROZEN') return false
  if (sel.stopped && entry.state !== 'STOPPED') return false
  return true
}

/** ls_has_all_grps: true if `must` is empty or every group in it is among `has`. */
export function hasAllGroups(has: readonly string[], must: readonly string[]): boolean {
  return must.every((group) => has.includes(group))
}

/**
 * Bare names. `width` is the terminal's column count, or 0 when stdout is
 * not a terminal: then (and with `oneLine`) one name per line. On a
 * terminal, ls_print_names's layout: every name padded to the longest (at
 * least 4), a blank between them, a new line when the next name would not
 * fit; trailing blanks are dropped. Returns '' for no names.
 */
export function formatNames(names: readonly string[], width: number, oneLine: boolean): string {
  if (names.length === 0) return ''
  if (oneLine || width <= 0) return names.map((n) => `${n}\n`).join('')
  const cell = Math.max(4, ...names.map((n) => n.length))
  const lines: string[] = []
  let line = ''
  let used = 0
  for (const name of names) {
    line += name.padEnd(cell)
    used += cell
    if (used + cell >= width) {
      lines.push(line)
      line = ''
      used = 0
    } else {
      line += ' '
      used++
    }
  }
  if (used > 0) lines.push(line)
  return lines.map((l) => `${l.trimEnd()}\n`).join('')
}

const MIB = 1024 * 1024

// A column's header, its minimum width, and each row's text. `pad` says how
// the text is aligned: RAM and SWAP right-align their number in front of
// "MB", as `%*.2fMB` does.
interface ColumnFormat {
  header: string
  cell(entry: LsEntry): string
}

const COLUMN_FORMATS: Record<LsColumn, ColumnFormat> = {
  NAME: {header: 'NAME', cell: (e) => e.name},
  STATE: {header: 'STATE', cell: (e) => e.state},
  AUTOSTART: {header: 'AUTOSTART', cell: (e) => (e.autostart ? '1' : '0')},
  // ls_get_groups: the config's lines joined by ", ".
  GROUPS: {header: 'GROUPS', cell: (e) => (e.groups.length > 0 ? e.groups.join(', ') : '-')},
  INTERFACE: {header: 'INTERFACE', cell: (e) => (e.running && e.interfaces.length > 0 ? e.interfaces.join(', ') : '-')},
  IPV4: {header: 'IPV4', cell: (e) => (e.running && e.ipv4.length > 0 ? e.ipv4.join(', ') : '-')},
  IPV6: {header: 'IPV6', cell: (e) => (e.running && e.ipv6.length > 0 ? e.ipv6.join(', ') : '-')},
  UNPRIVILEGED: {header: 'UNPRIVILEGED', cell: (e) => (e.unprivileged ? 'true' : 'false')},
  PID: {header: 'PID', cell: (e) => (e.running && e.pid !== null && e.pid > 0 ? String(e.pid) : '-')},
  MEMORY: {header: 'MEMORY', cell: (e) => (e.running && e.memory !== null ? humanizeSize(e.memory) : '-')},
  RAM: {header: 'RAM', cell: (e) => mebibytes(e, e.ram, false)},
  SWAP: {header: 'SWAP', cell: (e) => mebibytes(e, e.swap, true)},
}

// lxc-ls keeps RAM as a double (bytes / 1024 / 1024) and SWAP as whole MiB
// (integer division) before printing both with %.2f.
function mebibytes(entry: LsEntry, bytes: number | null, whole: boolean): string {
  if (!entry.running || bytes === null) return '-'
  return toFixed2Exact(whole ? Math.floor(bytes / MIB) : bytes / MIB)
}

/**
 * The fancy table (lxc-ls -f, or -F COLUMNS) for `entries` in order: a
 * header line, then one line per container. Returns '' when there are no
 * entries (lxc-ls prints no header then).
 */
export function formatTable(entries: readonly LsEntry[], columns: readonly LsColumn[]): string {
  if (entries.length === 0) return ''
  const widths = new Map<LsColumn, number>()
  for (const column of columns) {
    const format = COLUMN_FORMATS[column]
    let width = format.header.length
    for (const entry of entries) width = Math.max(width, cellWidth(column, format.cell(entry)))
    widths.set(column, width)
  }
  const header = columns.map((column) => {
    const width = widths.get(column) ?? 0
    // `%-*s ` with RAM/SWAP's header two wider, to cover the "MB".
    return `${COLUMN_FORMATS[column].header.padEnd(isMebibytes(column) ? width + 2 : width)} `
  })
  const lines = [header.join('')]
  for (const entry of entries) {
    const cells = columns.map((column) => {
      const width = widths.get(column) ?? 0
      const text = COLUMN_FORMATS[column].cell(entry)
      if (!isMebibytes(column)) return `${text.padEnd(width)} `
      return text === '-' ? `${'-'.padEnd(width)}   ` : `${text.padStart(width)}MB `
    })
    lines.push(cells.join(''))
  }
  return lines.map((l) => `${l}\n`).join('')
}

// ls_field_width measures RAM and SWAP as "%.2f" of every entry, stopped
// ones included (0.00), so their width is at least 4 as soon as there is a row.
function cellWidth(column: LsColumn, text: string): number {
  if (isMebibytes(column)) return text === '-' ? 4 : text.length
  return text.length
}

function isMebibytes(column: LsColumn): boolean {
  return column === 'RAM' || column === 'SWAP'
}
