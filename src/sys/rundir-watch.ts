// Waiting for a container's monitor to appear, event-driven: an inotify
// watch (fs.watch) on the run-dir base for the container's directory, and on
// that directory for command.sock. The caller arms, then re-checks, then
// awaits, so a monitor that appears in between is never missed.

import {mkdirSync, watch, type FSWatcher} from 'node:fs'
import {basename} from 'node:path'

import type {ContainerRef} from './container.js'

export interface RundirWatch {
  /** Resolves on a relevant change (or at once if watching was impossible). */
  changed: Promise<void>
  close(): void
}

export function watchRundir(ref: ContainerRef): RundirWatch {
  const watchers: FSWatcher[] = []
  let fire!: () => void
  const changed = new Promise<void>((resolve) => {
    fire = resolve
  })
  const hash = basename(ref.rundir)
  try {
    mkdirSync(ref.runtimeBase, {recursive: true, mode: 0o700})
    watchers.push(watch(ref.runtimeBase, (_event, file) => {
      if (file === null || file === hash) fire()
    }))
  } catch {
    // Nothing to watch (no permission): the caller's deadline still applies,
    // and a later start is seen on its next attempt.
    fire()
  }
  try {
    watchers.push(watch(ref.rundir, (_event, file) => {
      if (file === null || file === 'command.sock') fire()
    }))
  } catch {
    // No run dir yet: the base watch reports its creation.
  }
  for (const w of watchers) w.on('error', () => fire())
  return {
    changed,
    close: () => {
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
