// The per-container lock that `ctr create` and `ctr destroy` hold while they
// change a container's files, so that two of them never work on one
// container at once (LXC takes its disk lock, $rundir/lxc/lock/..., for the
// same reason). proper-lockfile: an atomic mkdir of `<run dir>.lock` beside
// the container's run dir, refreshed while held; a holder killed with
// SIGKILL leaves it behind, and it counts as stale after STALE_MS
// (docs/architecture.md §5).

import {mkdirSync} from 'node:fs'

import lockfile from 'proper-lockfile'

import {CtrError} from '../core/errors.js'
import type {ContainerRef} from './container.js'

/** A lock older than this (not refreshed by a live holder) is taken over. */
export const STALE_MS = 10_000

export interface ContainerLock {
  /** Where the lock lives (a directory). */
  readonly path: string
  /**
   * Throws CtrError CTR_LOCK_LOST if the lock was lost while held (its
   * directory removed, or not refreshed in time and taken over): the caller
   * must not go on changing the container's files.
   */
  assertHeld(): void
  /** Releases the lock; never throws (a lost lock is already gone). */
  release(): Promise<void>
}

/** The lock directory of a container: its run dir's path plus `.lock`. */
export function containerLockPath(ref: ContainerRef): string {
  return `${ref.rundir}.lock`
}

/**
 * Takes the container's create/destroy lock without waiting. `command`
 * names the taker in messages. Throws CtrError CTR_LOCKED (exit 1) when
 * another process holds it, SysError-like CtrError CTR_LOCK for other
 * failures. Creates the run-dir base (mode 0700) if needed.
 */
export async function lockContainer(ref: ContainerRef, command: string): Promise<ContainerLock> {
  const path = containerLockPath(ref)
  mkdirSync(ref.runtimeBase, {recursive: true, mode: 0o700})
  let lost: Error | undefined
  let release: () => Promise<void>
  try {
    release = await lockfile.lock(ref.dir, {
      realpath: false,
      lockfilePath: path,
      stale: STALE_MS,
      retries: 0,
      // The default handler throws from a timer, which would kill the
      // process mid-change; record the loss and let the caller stop at its
      // next step instead.
      onCompromised: (error: Error) => {
        lost = error
      },
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new CtrError('CTR_LOCKED', `${ref.name} is locked: another ctr create or destroy of it is running`, {
        hints: [
          'Wait for it to finish and run the command again',
          `If no such command is running, the lock (${path}) counts as stale ${STALE_MS / 1000} s after its holder died`,
        ],
      })
    }
    throw new CtrError('CTR_LOCK', `Failed to lock ${ref.name} (${path}): ${(error as Error).message}`, {cause: error})
  }
  return {
    path,
    assertHeld() {
      if (lost === undefined) return
      throw new CtrError('CTR_LOCK_LOST', `Lost the lock on ${ref.name} while running ctr ${command}: ${lost.message}`, {
        hints: ['Another process may be changing the container; check it with ctr info and run the command again'],
        cause: lost,
      })
    },
    async release() {
      try {
        await release()
      } catch {
        // Already released or compromised: nothing of ours is left to remove.
      }
    },
  }
}
