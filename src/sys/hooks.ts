// Running LXC hooks from ctr itself: lxc.hook.destroy (ctr destroy) and
// lxc.hook.clone (for `ctr copy`). Start-time hooks run in ctr-monitor
// (native/hooks.c); this runner follows the same rules: `/bin/sh -c "exec
// SCRIPT NAME lxc TYPE ARGS"` for lxc.hook.version 0, `exec SCRIPT ARGS`
// with LXC_HOOK_TYPE and LXC_HOOK_SECTION for 1; cwd /; a process group of
// its own, killed when the hook outlives its timeout; the first failure
// stops the list and is a CTR_HOOK_FAILED error carrying the end of stderr.

import type {ChildProcess} from 'node:child_process'
import {constants} from 'node:os'

import {CtrError} from '../core/errors.js'
import {hookFailureError} from '../core/start-errors.js'
import {childProcess} from './builtins.js'

const TAIL_BYTES = 512

export interface HookRun {
  /** The container name passed as LXC passes it (the new name for clone). */
  name: string
  type: 'clone' | 'destroy'
  /** lxc.hook.TYPE values, in config order. */
  scripts: readonly string[]
  version: 0 | 1
  /** NAME=VALUE entries (core/hook-plan.ts hookEnvironment, plus LXC_SRC_NAME for clone). */
  env: readonly string[]
  /** Extra arguments after LXC's (lxc-copy passes its own to clone hooks). */
  args?: readonly string[]
  timeoutS: number
  /**
   * Run each hook in a private mount namespace of its own with this overlay
   * mounted (an overlay snapshot clone's rootfs, as lxc-copy mounts it for
   * clone hooks): `unshare -m --propagation private`, then mount(8). The
   * mount goes with the namespace when the hook ends, whatever happens.
   */
  overlay?: {target: string; data: string}
}

/** The shell command LXC builds (conf.c run_script_argv): the script is not quoted. */
export function hookCommand(run: HookRun, script: string): string {
  const base = run.version === 0 ? `exec ${script} ${run.name} lxc ${run.type}` : `exec ${script}`
  return [base, ...(run.args ?? [])].join(' ')
}

/** Runs every hook of `run` in order; throws CTR_HOOK_FAILED at the first that fails. */
export async function runHooks(run: HookRun): Promise<void> {
  for (const script of run.scripts) await runOne(run, script)
}

function environment(run: HookRun): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const entry of run.env) {
    const eq = entry.indexOf('=')
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1)
  }
  if (run.version === 1) {
    env.LXC_HOOK_TYPE = run.type
    env.LXC_HOOK_SECTION = 'lxc'
  }
  return env
}

function runOne(run: HookRun, script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess
    try {
      // detached: a session and process group of its own, killed as a whole.
      const command = hookCommand(run, script)
      const [file, argv]: [string, string[]] = run.overlay
        ? ['unshare', ['-m', '--propagation', 'private', '/bin/sh', '-c', 'mount -t overlay -o "$1" overlay "$2" || exit 1; exec /bin/sh -c "$3"', 'sh', run.overlay.data, run.overlay.target, command]]
        : ['/bin/sh', ['-c', command]]
      child = childProcess().spawn(file, argv, {
        cwd: '/', env: environment(run), stdio: ['ignore', 'pipe', 'pipe'], detached: true,
      })
    } catch (error) {
      reject(new CtrError('CTR_HOOK_FAILED', `${run.name}: Hook "${run.type}" (${script}) could not be run: ${(error as Error).message}`, {cause: error}))
      return
    }
    let tail = Buffer.alloc(0)
    let timedOut = false
    child.stdout?.resume()
    child.stderr?.on('data', (chunk: Buffer) => {
      tail = Buffer.concat([tail, chunk])
      if (tail.length > TAIL_BYTES) tail = tail.subarray(tail.length - TAIL_BYTES)
    })
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child)
    }, run.timeoutS * 1000)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new CtrError('CTR_HOOK_FAILED', `${run.name}: Hook "${run.type}" (${script}) could not be run: ${error.message}`, {cause: error}))
    })
    // 'exit', not 'close': a daemon the hook started may keep its pipes open.
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      child.stdout?.destroy()
      child.stderr?.destroy()
      if (!timedOut && code === 0) {
        resolve()
        return
      }
      const stderr = tail.toString('utf8').trim()
      if (timedOut) reject(hookFailureError(run.name, {type: run.type, kind: 'timeout', value: run.timeoutS, script, stderr}))
      else if (signal) reject(hookFailureError(run.name, {type: run.type, kind: 'signal', value: signalNumber(signal), script, stderr}))
      else reject(hookFailureError(run.name, {type: run.type, kind: 'exit', value: code ?? 1, script, stderr}))
    })
  })
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    child.kill('SIGKILL')
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0
}
