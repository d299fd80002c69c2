// The config facts `ctr ls` shows (AUTOSTART, GROUPS, UNPRIVILEGED), read
// quickly: only the keys ls shows are parsed, with the parser's own
// functions and LXC's rules (lxc.start.auto, lxc.group, lxc.idmap and its
// legacy name); every other line is cut as the lexer cuts it and its key
// looked up in the key table, but its value is not checked (`ctr start`,
// `info` and `lxc-info -c` do that). A full build of the config allocated
// ~20 KiB per config even for a three-line one, so `ls -f` over 100 configs
// paid scavenges, page faults and an optimising compile of the lexer for
// values it never showed. Whenever the quick read meets something the
// parser might refuse or must follow (an unknown or malformed key, a bad
// value of those keys, a line without `=`, lxc.include), it answers
// undefined and the config goes through the real parser
// (src/sys/ls-config.ts, loaded only then), so every error ls reports reads
// as before. Files are read synchronously on purpose: measured on 1000
// small configs, readFileSync takes ~7 ms where 1000 parallel
// fs.promises.readFile take ~130 ms (four libuv threads, several round
// trips per file).

import {closeSync, constants, openSync, readSync} from 'node:fs'

import {exactKeyInfo, netKeyInfo, parseIdmap, parseStartValue, resolveKey, splitBlanks} from '../core/config/keys.js'

export interface ConfigFacts {
  /** lxc.start.auto = 1. */
  autostart: boolean
  /** lxc.group values in order. */
  groups: string[]
  /** Any lxc.idmap line. */
  unprivileged: boolean
}

/** The facts of the config at `path`, or undefined when the parser must read it (see above). Never throws. */
export function quickConfigFacts(path: string): ConfigFacts | undefined {
  const text = quickRead(path)
  return text === undefined ? undefined : quickFacts(text)
}

// What a config may hold to be read into the shared buffer below; a larger
// one (or anything unusual) is read by readTextFile, with its checks.
const QUICK_READ_BYTES = 64 * 1024
let sharedBuffer: Buffer | undefined

/**
 * The text of a config that is a regular file of 1 to 64 KiB, read into one
 * buffer shared by every config of the listing (readTextFile's fstat,
 * buffers and second read cost ~2.4 KiB of heap per file, and the listing
 * should not need a scavenge). pread, not read: it fails on a FIFO or a
 * terminal (ESPIPE), a directory says EISDIR, and an empty or full read
 * (a device, a file too big) leaves the file to readTextFile, whose
 * errors ls reports as before. O_NONBLOCK: a FIFO never blocks the open.
 */
function quickRead(path: string): string | undefined {
  sharedBuffer ??= Buffer.allocUnsafe(QUICK_READ_BYTES)
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch {
    return undefined
  }
  try {
    const n = readSync(fd, sharedBuffer, 0, QUICK_READ_BYTES, 0)
    return n === 0 || n === QUICK_READ_BYTES ? undefined : sharedBuffer.toString('utf8', 0, n)
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

/**
 * The three facts from the keys that set them, or undefined when the real
 * parser must read the file (see the file comment). The lines are cut as
 * the lexer cuts them (src/core/config/lexer.ts, LXC's rules: lines end at
 * "\r" or "\n", a NUL ends the file, leading blanks and `#` comments and
 * lines not starting with `lxc.` skipped, KEY before the first `=` minus
 * trailing blanks, VALUE trimmed and one pair of outer quotes removed), but
 * nothing is cut out of a line except its key, and the value of a key ls
 * shows: the lexer's line and entry objects cost more heap than the whole
 * rest of a listing. String builtins find the line ends: a loop over
 * characters here made V8 optimise this function, ~150 ms of compiling on
 * a background thread per listing.
 */
function quickFacts(whole: string): ConfigFacts | undefined {
  const nul = whole.indexOf('\0')
  let text = nul === -1 ? whole : whole.slice(0, nul)
  if (text.includes('\r')) text = text.replaceAll('\r', '\n')
  let autostart = false
  let groups: string[] = []
  let idmaps = 0
  try {
    for (let at = 0; at < text.length; ) {
      let end = text.indexOf('\n', at)
      if (end === -1) end = text.length
      let start = at
      at = end + 1
      while (text[start] === ' ' || text[start] === '\t') start++
      if (!text.startsWith('lxc.', start)) continue
      const eq = text.indexOf('=', start)
      if (eq === -1 || eq > end) return undefined
      let keyEnd = eq
      while (text[keyEnd - 1] === ' ' || text[keyEnd - 1] === '\t') keyEnd--
      const key = text.slice(start, keyEnd)
      // Exact keys first, as resolveKey does, and the usual lxc.net.N.SUB
      // (a Map lookup each: nothing allocated); the rest through resolveKey.
      const exact = exactKeyInfo(key) !== undefined
      if (!exact && isPlainNetKey(key)) continue
      const ref = exact ? undefined : resolveKey(key)?.ref
      if (!exact && ref === undefined) return undefined
      const name = exact ? key : ref?.type === 'exact' ? ref.name : undefined
      if (name !== undefined) {
        const value = KEYS_SHOWN.has(name) || CLEAR_ONLY.has(name) ? lineValue(text, eq + 1, end) : ''
        if (name === 'lxc.start.auto') autostart = value !== '' && parseStartValue('auto', value) === 1
        else if (name === 'lxc.group') groups = value === '' ? [] : [...groups, ...splitBlanks(value)]
        else if (name === 'lxc.idmap') idmaps = value === '' ? 0 : (parseIdmap(value), idmaps + 1)
        else if (value !== '') return undefined
      } else if (ref?.type === 'net-invalid' || ref?.type === 'cgroup-invalid' || ref?.type === 'family-invalid') {
        return undefined
      } else if (ref?.type === 'net-nic' || ref?.type === 'cgroup-all' || ref?.type === 'prlimit-all' || ref?.type === 'sysctl-all' || ref?.type === 'proc-all') {
        if (lineValue(text, eq + 1, end) !== '' || (ref.type === 'net-nic' && ref.index === undefined)) return undefined
      }
    }
  } catch {
    return undefined
  }
  return {autostart, groups, unprivileged: idmaps > 0}
}

// `lxc.net.N.SUB` with N a plain decimal below 10^9 and SUB a known
// sub-key: what resolveKey reads as that NIC's key (its index parser
// allocates ~600 bytes a call, which 100 configs feel).
function isPlainNetKey(key: string): boolean {
  if (!key.startsWith('lxc.net.')) return false
  let i = 8
  while (i < key.length && key[i]! >= '0' && key[i]! <= '9') i++
  const digits = i - 8
  if (digits === 0 || digits > 9 || (digits > 1 && key[8] === '0') || key[i] !== '.') return false
  return netKeyInfo(key.slice(i + 1)) !== undefined
}

// The keys whose value ls reads: those it shows, and the ones whose value
// the parser refuses or must follow (only `KEY =` is valid for the
// clear-only ones; lxc.include goes to the loader).
const KEYS_SHOWN = new Set(['lxc.start.auto', 'lxc.group', 'lxc.idmap'])
const CLEAR_ONLY = new Set(['lxc.include', 'lxc.hook', 'lxc.net'])

// VALUE of the line text[from, to): blanks around it removed, then one
// pair of matching outer quotes.
function lineValue(text: string, from: number, to: number): string {
  while (from < to && (text[from] === ' ' || text[from] === '\t')) from++
  while (to > from && (text[to - 1] === ' ' || text[to - 1] === '\t')) to--
  const first = text[from]
  if ((first === '"' || first === "'") && to - from > 1 && text[to - 1] === first) return text.slice(from + 1, to - 1)
  return text.slice(from, to)
}
