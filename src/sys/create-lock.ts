// The container lock, taken by `ctr create` and `ctr destroy` while they
// change a container's files: the very lock a running container's monitor
// holds for its whole life, an flock on `<rundir>/lock` (docs/architecture.md
// §5). One protocol for every command that changes a container, so that a
// destroy can never remove what a starting monitor is about to run, and a
// start can never launch what a create is still writing.
//
// Node has no flock(2): `ctr-monitor lock --rundir DIR` takes it, says
// `locked` (or `busy`), and holds it until its stdin closes. The kernel
// drops an flock however its holder dies, and the helper's stdin closes
// however ctr dies, so the lock is never stale.

import type {ChildProcess} from 'node:child_process'
import type {Readable} from 'node:stream'

import {CtrError} from '../core/errors.js'
import {childProcess} from './builtins.js'
import type {ContainerRef} from './container.js'
import {monitorBinary, monitorBroken} from './monitor-binary.js'

/** How long taking or releasing the lock may take (the helper only opens a file and flocks it). */
const LOCK_HELPER_TIMEOUT_MS = 10_000

export interface ContainerLock {
  /** Where the lock lives (the run dir's `lock` file). */
  readonly path: string
  /** Throws CtrError CTR_LOCK_LOST if the helper holding the lock died: the caller must stop changing files. */
  assertHeld(): void
  /** Releases the lock (closes the helper's stdin, waits for it); never throws. */
  release(): Promise<void>
}

/** The lock file of a container: `lock` in its run dir, the monitor's. */
export function containerLockPath(ref: ContainerRef): string {
  return `${ref.rundir}/lock`
}

/**
 * Takes the container lock without waiting. `command` names the taker in
 * messages. Throws CtrError CTR_LOCKED (exit 1) when another holder has it
 * (a running container's monitor, another create or destroy), CTR_LOCK for
 * other failures.
 */
export async function lockContainer(ref: ContainerRef, command: string): Promise<ContainerLock> {
  return lockRundir(ref.rundir, ref.name, command, () =>
    new CtrError('CTR_LOCKED', `${ref.name} is locked: it is running, or another ctr create or destroy of it is running`, {
      hints: ['Stop it first, or wait for the other command to finish, and run the command again'],
    }))
}

/**
 * Takes the lock of any run-dir-like directory `rundir` (the same protocol
 * as the container lock, docs/architecture.md §5); `what` names it in
 * messages, `busy` makes the error for a lock another holder has. Throws
 * that error, or CtrError CTR_LOCK for other failures.
 */
export async function lockRundir(rundir: string, what: string, command: string, busy: () => CtrError): Promise<ContainerLock> {
  const path = `${rundir}/lock`
  const binary = monitorBinary()
  const helper = childProcess().spawn(binary, ['lock', '--rundir', rundir], {stdio: ['pipe', 'pipe', 'pipe']})
  const exited = new Promise<void>((resolve) => helper.once('close', () => resolve()))
  let answer: string
  try {
    answer = await firstLine(helper, LOCK_HELPER_TIMEOUT_MS)
  } catch (error) {
    helper.kill('SIGKILL')
    await exited
    if (error instanceof CtrError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EMFILE' || code === 'ENFILE') {
      throw new CtrError('CTR_LOCK', `Failed to lock ${what} (${path}): ${code}`, {hints: ['Too many open files: raise the limit (ulimit -n) and run the command again'], cause: error})
    }
    throw monitorBroken(binary, error as NodeJS.ErrnoException)
  }
  if (answer === 'busy') {
    await exited
    throw busy()
  }
  if (answer !== 'locked') {
    await exited
    throw new CtrError('CTR_LOCK', `Failed to lock ${what} (${path}): ${answer || 'the lock helper exited'}`)
  }
  return {
    path,
    assertHeld() {
      if (helper.exitCode === null && helper.signalCode === null) return
      throw new CtrError('CTR_LOCK_LOST', `Lost the lock on ${what} while running ctr ${command}: its helper ${helper.pid ?? ''} exited`, {
        hints: ['Another process may be changing the container; check it with ctr info and run the command again'],
      })
    },
    async release() {
      helper.stdin?.end()
      const timer = setTimeout(() => helper.kill('SIGKILL'), LOCK_HELPER_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    },
  }
}

// The helper's first line of stdout (`locked` or `busy`), or its stderr
// when it exits without one; rejects on a spawn error or after `timeoutMs`.
function firstLine(helper: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new CtrError('CTR_LOCK', `The lock helper did not answer within ${timeoutMs / 1000} s`)), timeoutMs)
    const done = (fn: () => void): void => {
      clearTimeout(timer)
      fn()
    }
    helper.once('error', (error) => done(() => reject(error)))
    ;(helper.stderr as Readable).setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
    ;(helper.stdout as Readable).setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const nl = out.indexOf('\n')
      if (nl >= 0) done(() => resolve(out.slice(0, nl)))
    })
    helper.once('close', () => done(() => resolve(out.includes('\n') ? (out.split('\n')[0] as string) : err.trim())))
  })
}
