// The monitor binary's one-shot helpers (native/tools.h), for the few things
// Node cannot do itself: signal through a pidfd, enter a network namespace,
// take an flock.

import {CtrError} from '../core/errors.js'
import {childProcess} from './builtins.js'
import {monitorBinary, monitorBroken} from './monitor-binary.js'
import {onlyLoopback} from './ls-facts.js'

/** How long a one-shot helper may run beyond what it was asked to wait. */
const HELPER_TIMEOUT_MS = 10_000

// Every run is bounded: `timeoutMs` (Infinity only for a wait the user
// asked to be unbounded, `-t -1`).
function runTool(args: string[], timeoutMs = HELPER_TIMEOUT_MS): {status: number; stdout: string; stderr: string} {
  const binary = monitorBinary()
  const bounded = Number.isFinite(timeoutMs) ? {timeout: timeoutMs, killSignal: 'SIGKILL' as const} : {}
  const out = childProcess().spawnSync(binary, args, {encoding: 'utf8', ...bounded})
  if (out.error) {
    const code = (out.error as NodeJS.ErrnoException).code ?? 'EIO'
    if (code === 'ETIMEDOUT') throw new CtrError('CTR_HELPER', `${binary} ${args[0]} did not finish within ${timeoutMs / 1000} s`, {cause: out.error})
    if (code === 'EMFILE' || code === 'ENFILE') {
      throw new CtrError('CTR_HELPER', `Failed to run ${binary} ${args[0]}: ${code}`, {hints: ['Too many open files: raise the limit (ulimit -n) and run the command again'], cause: out.error})
    }
    throw monitorBroken(binary, out.error)
  }
  return {status: out.status ?? 1, stdout: out.stdout, stderr: out.stderr}
}

/**
 * Signals pid through a pidfd after checking its start time. With `waitMs`,
 * also waits up to that long for it to exit. Returns 'sent', 'gone' (no such
 * process any more) or 'timeout'.
 */
export function pidfdKill(pid: number, starttime: number, signal: number, waitMs?: number): 'sent' | 'gone' | 'timeout' {
  const args = ['kill', '--pid', String(pid), '--starttime', String(starttime), '--signal', String(signal)]
  if (waitMs !== undefined) args.push('--wait', String(waitMs))
  const {status, stderr} = runTool(args, waitMs === undefined ? HELPER_TIMEOUT_MS : waitMs < 0 ? Infinity : waitMs + HELPER_TIMEOUT_MS)
  if (status === 0) return 'sent'
  if (status === 3) return 'gone'
  if (status === 4) return 'timeout'
  throw new CtrError('CTR_SIGNAL', stderr.trim() || `Failed to signal ${pid}`)
}

/** Addresses in pid's network namespace except loopback: [{ifname, family, address}]. */
export function listAddresses(pid: number, starttime: number): Array<{ifname: string; family: 'inet' | 'inet6'; address: string}> {
  if (onlyLoopback(pid, starttime)) return []
  const {status, stdout, stderr} = runTool(['ifaddrs', '--pid', String(pid), '--starttime', String(starttime)])
  if (status === 3) return []
  if (status !== 0) throw new CtrError('CTR_IFADDRS', stderr.trim() || 'Failed to list addresses')
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [ifname = '', family = 'inet', address = ''] = line.split(' ')
      return {ifname, family: family as 'inet' | 'inet6', address}
    })
}

/** Removes a dead monitor's run dir when no monitor holds its lock. Returns false if a live monitor holds it. */
export function cleanupRundir(rundir: string): boolean {
  const {status, stderr} = runTool(['cleanup', '--rundir', rundir])
  if (status === 0) return true
  if (status === 2) return false
  throw new CtrError('CTR_CLEANUP', stderr.trim() || `Failed to clean up ${rundir}`)
}
