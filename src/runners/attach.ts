// `ctr attach` (lxc-attach): run a command in a running container through
// its monitor (docs/architecture.md §13), with our stdio or a pty, and exit
// with its status.

import {attachEnvironment, attachPersonality} from '../core/attach-plan.js'
import type {AttachOptions} from '../core/cli/attach.js'
import {CtrError} from '../core/errors.js'
import type {CommandOutcome} from '../output.js'
import {runAttachClient, type AttachReport} from '../sys/attach.js'
import {loadConfigForCommand} from '../sys/config.js'
import {queryStatus, resolveFromOptions} from '../sys/container.js'
import {nameSuggestions} from '../sys/discover.js'

export interface AttachResult {
  name: string
  /** The attached process's pid on the host. */
  pid: number | null
  /** Its exit status: the code, or 128 + the signal that killed it. */
  exitStatus: number
  /** The signal that killed it, or null. */
  signal: number | null
}

const ERRNO_NAMES: Record<number, string> = {1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 8: 'ENOEXEC', 9: 'EBADF', 10: 'ECHILD', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 16: 'EBUSY', 20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL', 24: 'EMFILE', 25: 'ENOTTY', 32: 'EPIPE', 36: 'ENAMETOOLONG', 40: 'ELOOP', 71: 'EPROTO'}

function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`
}

function callerCwd(): string {
  try {
    return process.cwd()
  } catch {
    return '/'
  }
}

/** Runs `ctr attach`; the exit status is the command's. Throws CtrError (exit 1) when the attach fails. */
export async function run(opts: AttachOptions): Promise<CommandOutcome<AttachResult>> {
  const ref = resolveFromOptions(opts)
  const {config} = loadConfigForCommand(ref, opts)
  const status = await queryStatus(ref)
  if (!status.running) throw notRunning(ref.name, ref.lxcpath, status.state)
  const report = await runAttachClient(
    ref.rundir,
    {
      argv: opts.command,
      env: attachEnvironment(process.env, opts, config),
      cwd: callerCwd(),
      uid: opts.uid,
      gid: opts.gid,
      namespaces: opts.namespaces,
      elevate: opts.elevate,
      personality: attachPersonality(opts.arch),
      remount: opts.remount,
      failpoint: process.env.CTR_TEST_FAILPOINT === 'attach-exec',
    },
    opts.ptyLog,
  )
  return outcome(ref.name, ref.lxcpath, opts, report)
}

function notRunning(name: string, lxcpath: string, state: string): CtrError {
  return new CtrError('CTR_NOT_RUNNING', `${name} is not running`, {hints: [...nameSuggestions(lxcpath, name), `It is ${state}; start it with ctr start -n ${name}`]})
}

function outcome(name: string, lxcpath: string, opts: AttachOptions, report: AttachReport): CommandOutcome<AttachResult> {
  const {exit, error} = report
  if (error) throw attachError(name, lxcpath, error)
  if (!exit) throw new CtrError('CTR_ATTACH', `Failed to attach to ${name}: the attach client exited with status ${report.clientStatus}`)
  const notices: string[] = []
  // The process could not exec: lxc-attach's statuses (126, 127), with the reason.
  if (exit.errno) notices.push(`Failed to exec "${opts.command[0] ?? 'the login shell'}": ${errnoName(exit.errno)}`)
  return {exitCode: exit.status, result: {name, pid: report.pid ?? null, exitStatus: exit.status, signal: exit.signal || null}, notices}
}

function attachError(name: string, lxcpath: string, e: NonNullable<AttachReport['error']>): CtrError {
  const details = {step: e.step, errno: errnoName(e.errno), detail: e.detail}
  if (e.step === 'state') {
    const state = e.detail === '' ? 'STOPPED' : e.detail
    if (state === 'STOPPED' || state === 'STOPPING') return notRunning(name, lxcpath, state)
    return new CtrError('CTR_NOT_RUNNING', `${name} is ${state}`, {hints: state === 'FROZEN' || state === 'FREEZING' ? [`Unfreeze it first: ctr unfreeze -n ${name}`] : ['Wait until it is RUNNING: ctr wait -s RUNNING'], details})
  }
  if (e.step === 'pty-log') return new CtrError('CTR_PTY_LOG', `Failed to open the pty log "${e.detail}": ${errnoName(e.errno)}`, {details})
  if (e.step === 'session' && e.errno === 16) return new CtrError('CTR_BUSY', `Too many attach sessions on ${name}`, {hints: ['Wait for some to end'], details})
  const what = e.detail ? ` (${e.detail})` : ''
  return new CtrError('CTR_ATTACH', `Failed to attach to ${name}: ${e.step}${what}: ${errnoName(e.errno)}`, {details})
}
