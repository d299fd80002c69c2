// `ctr start --many` / `ctr stop --many`: many containers in one call, at
// most --at-once of them under way at a time, each reported on its own
// (README "Many containers at once", docs/json.md).

import {toCtrError} from '../core/errors.js'
import type {CommonOptions, FleetOptions} from '../core/options.js'
import {compileNameRegex} from '../core/posix-regex.js'
import type {CommandOutcome} from '../output.js'
import {resolveContainer} from '../sys/container.js'
import {listActive, listDefined} from '../sys/discover.js'

/** One container's outcome: its result, or its error as `--json` prints errors. */
export interface FleetItem<R> {
  name: string
  /** The exit status `ctr COMMAND -n NAME` would have had. */
  status: number
  result: R | null
  error: {code: string; message: string; hints: string[]; details: Record<string, unknown> | null} | null
}

/** `--json`'s result with --many: every container in the order named, then the regex's matches in name order. */
export interface FleetResult<R> {
  containers: Array<FleetItem<R>>
  succeeded: number
  failed: number
}

/**
 * Runs `runOne` for every container of the fleet, at most `atOnce` at a
 * time. Each failure becomes a notice `NAME: message`; the exit status is
 * 0 when every one succeeded, else the largest of their statuses.
 * `matchRunning`: --all-matching picks running containers (stop) rather
 * than defined ones (start).
 */
export async function runFleet<O extends CommonOptions, R>(
  opts: O,
  fleet: FleetOptions,
  matchRunning: boolean,
  runOne: (opts: O) => Promise<CommandOutcome<R>>,
): Promise<CommandOutcome<FleetResult<R>>> {
  const names = [...fleet.names]
  if (fleet.allMatching !== undefined) {
    const regex = compileNameRegex(fleet.allMatching, true, '--all-matching')
    const ref = resolveContainer(names[0] ?? 'fleet', opts.lxcpath)
    const pool = matchRunning ? [...(await listActive(ref.runtimeBase, ref.lxcpath)).keys()] : listDefined(ref.lxcpath).names
    for (const name of pool.sort()) if (regex.test(name) && !names.includes(name)) names.push(name)
  }
  const items: Array<FleetItem<R>> = new Array(names.length)
  const notices: string[] = names.length === 0 ? [`No container matches ${JSON.stringify(fleet.allMatching ?? '')}`] : []
  let next = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < names.length; i = next++) {
      const name = names[i] as string
      try {
        const outcome = await runOne({...opts, name, fleet: undefined})
        items[i] = {name, status: outcome.exitCode, result: outcome.result, error: null}
        for (const notice of outcome.notices ?? []) notices.push(notice.startsWith(`${name}:`) ? notice : `${name}: ${notice}`)
      } catch (error) {
        const err = toCtrError(error)
        items[i] = {name, status: err.exitCode, result: null, error: {code: err.code, message: err.message, hints: err.hints, details: err.details ?? null}}
        notices.push(err.message.startsWith(`${name}`) ? err.message : `${name}: ${err.message}`)
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(fleet.atOnce, names.length)}, worker))
  const failed = items.filter((item) => item.status !== 0).length
  const exitCode = items.reduce((worst, item) => Math.max(worst, item.status), 0)
  return {exitCode, result: {containers: items, succeeded: items.length - failed, failed}, notices}
}
