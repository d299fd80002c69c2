// Finishing an ephemeral container whose monitor could not (docs/architecture.md
// §9): a monitor killed by SIGKILL never execs its `ctr destroy`, and
// leaves its run dir behind. `ctr start` and `ctr stop` of that container
// notice the left-over run dir and destroy the container then.

import {existsSync} from 'node:fs'

import type {ContainerConfig} from '../core/config/index.js'
import type {ContainerRef} from '../sys/container.js'
import {cleanupRundir} from '../sys/tools.js'

/**
 * Destroys `ref` when its config says lxc.ephemeral = 1 and it has a run
 * dir that no monitor holds (its monitor died): the container is stopped
 * (the caller checked) and should be gone. Returns whether it destroyed it.
 * Throws what ctr destroy throws.
 */
export async function finishEphemeral(ref: ContainerRef, config: ContainerConfig | undefined): Promise<boolean> {
  if (config?.ephemeral !== true || !existsSync(ref.rundir)) return false
  if (!cleanupRundir(ref.rundir)) return false
  await destroyEphemeral(ref)
  return true
}

/** Destroys the stopped ephemeral container `ref` (ctr destroy, quietly). */
export async function destroyEphemeral(ref: ContainerRef): Promise<void> {
  const {run} = await import('./destroy.js')
  await run({name: ref.name, lxcpath: ref.lxcpath, logfile: undefined, logpriority: undefined, quiet: true, rcfile: undefined, json: false, force: false, snapshots: false})
}
