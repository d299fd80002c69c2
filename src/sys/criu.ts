// CRIU on this host: where it is and whether it can work, asked afresh on
// every call (`criu --version`, `criu check`): a kernel, a CRIU upgrade or a
// capability change between two calls must never be answered from a cache.

import {spawnSync} from 'node:child_process'
import {accessSync, constants, statSync} from 'node:fs'
import {release} from 'node:os'
import {delimiter, isAbsolute, join} from 'node:path'

import {criuCheckReason} from '../core/checkpoint-plan.js'
import {CtrError} from '../core/errors.js'

export interface Criu {
  path: string
  /** `Version: X` of criu --version. */
  version: string
}

// `criu check` takes about a second; one that hangs must not hang ctr.
const CHECK_TIMEOUT_MS = 60_000

/** criu's absolute path from PATH (as LXC's on_path does), or undefined. */
export function findCriu(path: string | undefined = process.env.PATH): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue
    const candidate = join(dir, 'criu')
    try {
      if (!statSync(candidate).isFile()) continue
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/**
 * The criu to use, checked with `criu check`; throws CTR_CRIU_MISSING when
 * there is none on PATH and CTR_CRIU_UNUSABLE with criu's own reason when
 * it cannot work here. Changes nothing on the host.
 */
export function usableCriu(): Criu {
  const path = findCriu()
  if (path === undefined) {
    throw new CtrError('CTR_CRIU_MISSING', 'CRIU is not installed: there is no criu on PATH', {
      hints: ['Install it (Debian and Ubuntu: apt-get install criu), or put the directory holding criu on PATH'],
      details: {path: process.env.PATH ?? ''},
    })
  }
  const versionRun = spawnSync(path, ['--version'], {encoding: 'utf8', timeout: CHECK_TIMEOUT_MS})
  const version = /^Version:\s*(\S+)/m.exec(versionRun.stdout ?? '')?.[1] ?? 'unknown'
  const check = spawnSync(path, ['check'], {encoding: 'utf8', timeout: CHECK_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe']})
  if (check.error === undefined && check.status === 0) return {path, version}
  const output = `${check.stdout ?? ''}${check.stderr ?? ''}`
  const signal = check.error !== undefined ? `${check.error.message}` : check.signal
  const {reason, lines, errorLines} = criuCheckReason(output, check.status, signal)
  throw new CtrError('CTR_CRIU_UNUSABLE', `CRIU cannot work on this host: ${reason}`, {
    hints: [`\`${path} check\` (CRIU ${version}, Linux ${release()}) fails${errorLines.length > 0 ? ':' : ''}`, ...errorLines.map((l) => `  ${l}`), 'Nothing was changed'],
    details: {criu: path, version, status: check.status, output: lines},
  })
}
