// `ctr ls`: lxc-ls's listing (LXC's src/lxc/tools/lxc_ls.c), with --json.
//
// Cost model, because `ctr ls` over a thousand containers must stay well
// under 300 ms: a stopped container costs one stat (its config) and, only
// when a column or -g needs it, one read of its config and a parse of the
// keys ls shows (sys/ls-config.ts); a running
// one costs one state.json read and a /proc check (no socket round trip, see
// sys/discover.ts), plus, when those columns are shown, the helper spawn for
// its IPs and the cgroup files (found from the run dir, sys/cgroup-stats.ts)
// for memory. The filters that need no config (the name regex, the state
// flags) run first, so the config of a container filtered out is never read.

import {compileNameRegex} from '../core/posix-regex.js'
import type {LsOptions} from '../core/cli/ls.js'
import {columnNeeds, formatNames, formatTable, hasAllGroups, matchesSelection, type ColumnNeeds, type LsEntry} from '../core/format/ls.js'
import {globalConfigPath, resolveLxcpath, runtimeBase, containerConfigPath} from '../core/paths.js'
import {isTerminal, type CommandOutcome} from '../output.js'
import {canonicalLxcpath, pathContext, readGlobalValue} from '../sys/container.js'
import {readContainerStats} from '../sys/cgroup-stats.js'
import {listActive, listDefined, type ActiveContainer} from '../sys/discover.js'
import {hasUserNamespace, listAddressesAsync, readInterfaces} from '../sys/ls-facts.js'
import {heldByCtr, queryLxc, readAbstractSockets} from '../sys/lxc.js'
import {readProcStat} from '../sys/proc.js'

export type LsResult = LsEntry[]

/**
 * Lists the containers of the lxcpath (see the file comment). Returns the
 * entries (the --json result), the text in the chosen layout, and notices
 * for configs that did not parse and names ctr cannot address; exit 0,
 * also for an empty or missing lxcpath. Throws SysError when the lxcpath or
 * the run-dir base cannot be read (EACCES), CTR_GLOBAL_CONFIG for an
 * unreadable global config. Reads only; never signals or connects to a
 * monitor unless a state.json lacks the monitor's start time.
 */
export async function run(opts: LsOptions): Promise<CommandOutcome<LsResult>> {
  const ctx = pathContext()
  const fromGlobal = opts.lxcpath === undefined && !ctx.env.CTR_PATH ? readGlobalValue(globalConfigPath(ctx), 'lxc.lxcpath') : undefined
  const lxcpath = canonicalLxcpath(resolveLxcpath(ctx, opts.lxcpath, fromGlobal))
  const notices: string[] = []

  const defined = listDefined(lxcpath)
  for (const name of defined.invalid) notices.push(`Skipped ${JSON.stringify(name)}: not a valid container name`)
  const active = withLxc(await listActive(runtimeBase(ctx), lxcpath), lxcpath, defined.names)
  const isDefined = new Set(defined.names)
  const regex = opts.filter === undefined ? undefined : compileNameRegex(opts.filter, false, '--filter')
  const names = [...new Set([...defined.names, ...active.keys()])]
    .sort(compareBytes)
    .filter((name) => regex === undefined || regex.test(name))
    .filter((name) => matchesSelection({state: active.get(name)?.state ?? 'STOPPED', defined: isDefined.has(name)}, opts))

  const needs = columnNeeds(opts.fancy ? opts.columns : [], opts.json)
  let entries = names.map((name) => baseEntry(name, active.get(name), isDefined.has(name)))
  if (needs.config || opts.groups.length > 0) {
    await addConfigFacts(entries, lxcpath, notices)
    entries = entries.filter((e) => hasAllGroups(e.groups, opts.groups))
  }
  // Only running containers have runtime facts: no promise per stopped one.
  await Promise.all(entries.filter((e) => e.running).map(async (entry) => addRuntimeFacts(entry, active.get(entry.name), needs, notices)))

  let text: string
  if (opts.fancy) text = formatTable(entries, opts.columns)
  else text = formatNames(entries.map((e) => e.name), isTerminal(1) ? process.stdout.columns : 0, opts.line)
  return {exitCode: 0, result: entries, text, notices}
}

// strcmp order, as LXC sorts names (names are ASCII, so UTF-16 order is byte order).
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function baseEntry(name: string, running: (ActiveContainer & {runBy?: 'lxc'}) | undefined, defined: boolean): LsEntry {
  const state = running?.state ?? 'STOPPED'
  const entry: LsEntry = {
    name, state, running: state !== 'STOPPED', defined,
    autostart: false, groups: [], interfaces: [], ipv4: [], ipv6: [], unprivileged: false,
    pid: running?.initPid ?? null, memory: null, memoryLimit: null, ram: null, swap: null,
    orphan: running?.orphan === true, runBy: state === 'STOPPED' ? null : (running?.runBy ?? 'ctr'), configError: null,
  }
  return entry
}

/**
 * Adds the containers LXC runs on this lxcpath (sys/lxc.ts): defined ones
 * whose LXC command socket is bound, and volatile ones found by that
 * socket's name alone. What ctr runs wins; one read of /proc/net/unix, and
 * one helper call per container LXC runs.
 */
function withLxc(active: Map<string, ActiveContainer & {runBy?: 'lxc'}>, lxcpath: string, defined: readonly string[]): Map<string, ActiveContainer & {runBy?: 'lxc'}> {
  const bound = readAbstractSockets()
  if (bound.size === 0) return active
  const prefix = `${lxcpath}/`
  const seen = [...bound].filter((n) => n.startsWith(prefix) && n.endsWith('/command')).map((n) => n.slice(prefix.length, -'/command'.length))
  const candidates = new Set([...defined, ...seen.filter((n) => !n.includes('/'))])
  for (const name of candidates) {
    if (active.has(name)) continue
    const holder = queryLxc(lxcpath, name, bound)
    if (!holder || heldByCtr(holder) || holder.state === 'STOPPED') continue
    const entry: ActiveContainer & {runBy?: 'lxc'} = {name, rundir: '', oomKills: 0, state: holder.state, running: true, runBy: 'lxc'}
    if (holder.initPid !== undefined) {
      entry.initPid = holder.initPid
      const stat = readProcStat(holder.initPid)
      if (stat) entry.initStartTime = stat.starttime
    }
    active.set(name, entry)
  }
  return active
}

// The quick read is imported only here, when a column or -g needs it, and
// the parser only for a config the quick read leaves to it (sys/ls-quick.ts).
async function addConfigFacts(entries: LsEntry[], lxcpath: string, notices: string[]): Promise<void> {
  const withConfig = entries.filter((e) => e.defined)
  if (withConfig.length === 0) return
  const {quickConfigFacts} = await import('../sys/ls-quick.js')
  let parser: {parse: typeof import('../sys/ls-config.js').parseConfigFacts; capLastCap: number} | undefined
  for (const entry of withConfig) {
    const path = containerConfigPath(lxcpath, entry.name)
    let facts = quickConfigFacts(path)
    if (facts === undefined) {
      if (parser === undefined) {
        const {parseConfigFacts, readCapLastCap} = await import('../sys/ls-config.js')
        parser = {parse: parseConfigFacts, capLastCap: readCapLastCap()}
      }
      const parsed = parser.parse(path, parser.capLastCap)
      if ('error' in parsed) {
        entry.configError = parsed.error
        notices.push(`Failed to load the config of ${entry.name}: ${parsed.error}`)
        continue
      }
      facts = parsed
    }
    entry.autostart = facts.autostart
    entry.groups = facts.groups
    entry.unprivileged = facts.unprivileged
  }
}

async function addRuntimeFacts(entry: LsEntry, running: ActiveContainer | undefined, needs: ColumnNeeds, notices: string[]): Promise<void> {
  const pid = running?.initPid
  if (!entry.running || running === undefined || pid === undefined) return
  if (needs.interfaces) entry.interfaces = readInterfaces(pid)
  if (needs.memory && running.rundir !== '') {
    const stats = readContainerStats(running.rundir)
    const bytes = (value: bigint | undefined): number | null => (value === undefined ? null : Number(value))
    entry.memory = entry.ram = bytes(stats?.memoryBytes)
    entry.memoryLimit = bytes(stats?.memoryLimitBytes)
    entry.swap = bytes(stats?.swapBytes)
  }
  // The live fact beats the on-disk config: what the container runs with.
  if (needs.uidMap) entry.unprivileged = hasUserNamespace(pid) ?? entry.unprivileged
  if (needs.ips) {
    try {
      const addresses = await listAddressesAsync(pid, running.initStartTime ?? 0)
      entry.ipv4 = addresses.ipv4
      entry.ipv6 = addresses.ipv6
    } catch (error) {
      notices.push(`Failed to list the addresses of ${entry.name}: ${(error as Error).message}`)
    }
  }
}
