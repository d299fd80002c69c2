// Waiting for a container's monitor to appear, event-driven: an inotify
// watch (fs.watch) on the run-dir base for the container's directory, and on
// that directory for command.sock. The caller arms, then re-checks, then
// awaits, so a monitor that appears in between is never missed.

import {mkdirSync, watch, type FSWatcher} from 'node:fs'
import {basename} from 'node:path'

import type {ContainerRef} from './container.js'

export interface RundirWatch {
  /** Resolves on a relevant change; without inotify, after POLL_INTERVAL_MS. */
  changed: Promise<void>
  /** Why inotify could not be used (the watch polls instead), e.g. "ENOSPC". */
  degraded?: string
  close(): void
}

/**
 * How often to look when inotify is unavailable: the per-user limits on
 * instances (EMFILE) and watches (ENOSPC) are reached easily on a busy host,
 * and a wait must then sleep between looks, not spin.
 */
export const POLL_INTERVAL_MS = 250

export function watchRundir(ref: ContainerRef): RundirWatch {
  const watchers: FSWatcher[] = []
  let fire!: () => void
  const changed = new Promise<void>((resolve) => {
    fire = resolve
  })
  let degraded: string | undefined
  let timer: NodeJS.Timeout | undefined
  // Watching failed: wake after a sleep, never at once (the caller looks
  // again and re-arms, so firing now would spin).
  const poll = (code: string | undefined): void => {
    degraded ??= code ?? 'EIO'
    timer ??= setTimeout(fire, POLL_INTERVAL_MS)
  }
  const hash = basename(ref.rundir)
  try {
    mkdirSync(ref.runtimeBase, {recursive: true, mode: 0o700})
    watchers.push(watch(ref.runtimeBase, (_event, file) => {
      if (file === null || file === hash) fire()
    }))
  } catch (error) {
    // No inotify (limits), or nothing we may watch: the caller's deadline
    // still applies, and it looks again after each sleep.
    poll((error as NodeJS.ErrnoException).code)
  }
  try {
    watchers.push(watch(ref.rundir, (_event, file) => {
      if (file === null || file === 'command.sock') fire()
    }))
  } catch (error) {
    // No run dir yet: the base watch reports its creation.
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') poll(code)
  }
  for (const w of watchers) w.on('error', (error: NodeJS.ErrnoException) => poll(error.code))
  return {
    changed,
    ...(degraded === undefined ? {} : {degraded}),
    close: () => {
      if (timer) clearTimeout(timer)
      for (const w of watchers) w.close()
    },
  }
}

/** Resolves when `promise` settles or `deadline` (ms since epoch; Infinity = never) passes; true if it settled. */
export function raceDeadline(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  if (!Number.isFinite(deadline)) return promise.then(() => true)
  const left = deadline - Date.now()
  if (left <= 0) return Promise.resolve(false)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), left)
    void promise.then(() => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}
