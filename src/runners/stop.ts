// `ctr stop`: clean shutdown with the halt signal, a timeout, then the stop
// signal (docs/lxc-contract.md §6). Signals go to init through the monitor's pidfd, never
// through a pid read from a file; the monitor reports the container gone by
// closing the watch connection, so the wait is event-driven.

import {CtrError} from '../core/errors.js'
import type {StopOptions} from '../core/options.js'
import {signalName} from '../core/signals.js'
import type {CommandOutcome} from '../output.js'
import {runFleet, type FleetResult} from './fleet.js'
import {loadConfigForCommand} from '../sys/config.js'
import {queryStatus, resolveFromOptions, type ContainerRef, type RuntimeStatus} from '../sys/container.js'
import {connectMonitor, isGone, REQUEST_TIMEOUT_MS, type MonitorConnection} from '../sys/monitor-client.js'
import {nameSuggestions} from '../sys/discover.js'
import {heldByCtr, queryLxc} from '../sys/lxc.js'
import {readSignalMasks} from '../sys/proc.js'
import {readStateFile} from '../sys/state-file.js'
import {cleanupRundir, pidfdKill} from '../sys/tools.js'
import {destroyEphemeral, finishEphemeral} from './ephemeral.js'

export type StopMethod = 'halt' | 'kill' | 'halt-then-kill' | 'signal-sent' | 'reboot' | 'reboot-requested'

export interface StopResult {
  name: string
  method: StopMethod
  /** The signals sent, by name, in order. */
  signals: string[]
  durationMs: number
}

const DEFAULT_TIMEOUT = 60

/**
 * How long the monitor may take to tear a container down once the stop
 * signal (SIGKILL by default) was sent: -k takes no timeout (as in LXC), but
 * a monitor that never finishes must not hang ctr (LXC's does, lxc/lxc#3254).
 */
export const KILL_WAIT_MS = 30_000

const SIGKILL = 9
const SIGPWR = 30
const SIGRTMIN_PLUS_3 = 37

/** `ctr stop`: one container, or with --many / --all-matching many at once (src/runners/fleet.ts). */
export async function runStopCommand(opts: StopOptions): Promise<CommandOutcome<StopResult | FleetResult<StopResult>>> {
  return opts.fleet ? runFleet(opts, opts.fleet, true, runStop) : runStop(opts)
}

export async function runStop(opts: StopOptions): Promise<CommandOutcome<StopResult>> {
  const started = Date.now()
  const ref = resolveFromOptions(opts)
  // Read-only: a program may get the config it had parsed before (src/sys/config.ts).
  const {config} = loadConfigForCommand(ref, opts, {readOnly: true})
  const status = await queryStatus(ref)
  if (!status.running) {
    // A monitor that died by SIGKILL leaves its run dir: clean it up here,
    // so that nothing stale outlives the container. Best effort: failing to
    // (EMFILE) does not change what the container is.
    const hints: string[] = []
    try {
      // An ephemeral container whose monitor was killed is destroyed now (docs/architecture.md §12).
      if (config?.ephemeral === true && opts.rcfile === undefined && (await finishEphemeral(ref, config))) {
        hints.push(`${ref.name} was an ephemeral container whose monitor was killed: it has been destroyed now`)
      }
      cleanupRundir(ref.rundir)
    } catch (error) {
      hints.push(`Could not clean up ${ref.name}: ${(error as Error).message}`)
    }
    // LXC runs it: ctr has no say over LXC's monitor (its halt, kill and
    // state-client commands are not ctr's protocol).
    const lxc = queryLxc(ref.lxcpath, ref.name)
    if (lxc && !heldByCtr(lxc)) {
      throw new CtrError('CTR_RUN_BY_LXC', `${ref.name} is running under LXC, not ctr`, {
        hints: [`Stop it with LXC's tools: lxc-stop -P ${ref.lxcpath} -n ${ref.name}`],
        details: {state: lxc.state, ...(lxc.initPid === undefined ? {} : {pid: lxc.initPid})},
      })
    }
    // lxc-stop exits 2 for "not running", and also for a container that does not exist.
    throw new CtrError('CTR_NOT_RUNNING', `${ref.name} is not running`, {exitCode: 2, hints: [...nameSuggestions(ref.lxcpath, ref.name), ...hints]})
  }
  if (status.orphan) {
    const outcome = await stopOrphan(ref, status, opts, started, config?.signals ?? {halt: undefined, stop: undefined})
    if (config?.ephemeral === true && opts.rcfile === undefined && outcome.result.method !== 'signal-sent') {
      await destroyEphemeral(ref)
      outcome.notices?.push(`${ref.name} is ephemeral: it has been destroyed`)
    }
    return outcome
  }
  // An ephemeral container's monitor destroys it once it has stopped
  // (docs/architecture.md §12): a stop that waits returns after that.
  const file = config?.ephemeral === true && opts.rcfile === undefined && !opts.reboot && !opts.nowait ? readStateFile(ref.rundir) : undefined
  const conn = await connectMonitor(ref.rundir)
  const run = conn && new StopRun(ref, conn, started, status.monitorPid)
  if (!conn || !run) return {exitCode: 0, result: {name: ref.name, method: 'kill', signals: [], durationMs: Date.now() - started}}
  let outcome: CommandOutcome<StopResult>
  try {
    if (opts.kill) outcome = await run.kill()
    else if (opts.reboot) outcome = await run.reboot(opts.timeout ?? DEFAULT_TIMEOUT)
    else outcome = await run.shutdown(opts.timeout ?? DEFAULT_TIMEOUT, opts.nokill)
  } catch (error) {
    // Another stop (or init itself) ended the container while we talked to
    // its monitor: it is stopped, which is what was asked (not for -r).
    if (isGone(error) && !opts.reboot) outcome = await run.gone()
    else throw error
  } finally {
    conn.close()
  }
  if (file !== undefined && outcome.result.method !== 'signal-sent') {
    if (pidfdKill(file.monitorPid, file.monitorStartTime, 0, KILL_WAIT_MS) === 'timeout') {
      outcome.notices = [...(outcome.notices ?? []), `${ref.name} is ephemeral, and its monitor ${file.monitorPid} had not destroyed it within ${KILL_WAIT_MS / 1000} s`]
    }
  }
  return outcome
}

class StopRun {
  private readonly signals: string[] = []
  private readonly notices: string[] = []

  constructor(
    private readonly ref: ContainerRef,
    private readonly conn: MonitorConnection,
    private readonly started: number,
    private readonly monitorPid: number | undefined,
  ) {}

  /** -k: the stop signal (SIGKILL by default), then wait for the monitor to drop us. */
  async kill(): Promise<CommandOutcome<StopResult>> {
    await this.send('kill', true)
    await this.untilKilled()
    return this.done('kill')
  }

  /** -r: the reboot signal; wait for RUNNING again unless -t 0 (or -W). */
  async reboot(timeout: number): Promise<CommandOutcome<StopResult>> {
    if (timeout === 0) {
      await this.send('reboot')
      return this.done('reboot-requested')
    }
    const deadline = timeout < 0 ? Infinity : this.started + timeout * 1000
    await this.send('reboot', true, deadline)
    let restarted = false
    for (;;) {
      const event = await this.conn.nextEvent(deadline)
      if (event === null) throw new CtrError('CTR_REBOOT_TIMEOUT', `${this.ref.name} did not come back within ${timeout} s after ${this.signals.join(', ')}`)
      if (event === undefined) {
        throw new CtrError('CTR_REBOOT_HALTED', `${this.ref.name} halted instead of rebooting`, {
          hints: ['Its init exited without calling reboot(2); check lxc.signal.reboot against what init expects'],
        })
      }
      if (event.kind !== 'state') continue
      if (event.state === 'STARTING') restarted = true
      if (event.state === 'RUNNING' && restarted) return this.done('reboot')
    }
  }

  /** Default: the halt signal, wait up to `timeout`, then the stop signal unless --nokill. */
  async shutdown(timeout: number, nokill: boolean): Promise<CommandOutcome<StopResult>> {
    if (timeout === 0) {
      // lxc-stop -W / -t 0 returns 0 once the signal is sent, even if sending failed.
      try {
        await this.send('halt')
      } catch (error) {
        this.notices.push(`Failed to send the halt signal: ${(error as Error).message}`)
      }
      return this.done('signal-sent')
    }
    // -t bounds the whole stop up to the kill, the monitor's answer included.
    const deadline = timeout < 0 ? Infinity : this.started + timeout * 1000
    await this.send('halt', true, deadline)
    if (await this.untilGone(deadline)) return this.done('halt')
    const halt = this.signals[0] ?? 'the halt signal'
    if (nokill) {
      throw new CtrError('CTR_STOP_TIMEOUT', `${this.ref.name} did not stop within ${timeout} s after ${halt}`, {
        hints: ['Its init may ignore that signal or not have set up its handler yet: set lxc.signal.halt, or stop with -k'],
      })
    }
    await this.send('kill')
    await this.untilKilled()
    // LXC exits 0 silently here (or with a scary EAGAIN line, lxc/lxc#2342):
    // say plainly what happened instead.
    this.notices.push(`${this.ref.name} did not stop within ${timeout} s after ${halt}; killed it with ${this.signals[1] ?? 'the stop signal'}`)
    return this.done('halt-then-kill')
  }

  // With `watch`, subscribes to events in the same round trip first. The
  // answer must come by `deadline` (else REQUEST_TIMEOUT_MS from now); when
  // it does not, the connection is closed with the command unanswered, and
  // the monitor drops what a closed client sent (docs/architecture.md).
  private async send(command: 'halt' | 'kill' | 'reboot', watch = false, deadline?: number): Promise<void> {
    const timeoutMs = deadline === undefined ? REQUEST_TIMEOUT_MS : Math.max(deadline - Date.now(), 1)
    try {
      const replies = await this.conn.pipeline(watch ? ['watch', command] : [command], timeoutMs)
      this.signals.push(signalName(Number(replies.at(-1))))
    } catch (error) {
      if ((error as {code?: string}).code !== 'CTR_MONITOR_TIMEOUT') throw error
      throw new CtrError('CTR_MONITOR_TIMEOUT', `${this.ref.name}: its monitor did not answer "${command}" within ${formatSeconds(timeoutMs)}; nothing was sent to the container`, {
        hints: this.hungHints(),
        cause: error,
      })
    }
  }

  private hungHints(): string[] {
    const who = this.monitorPid ? `its monitor (pid ${this.monitorPid})` : 'its monitor'
    return [`${who} is hung or stopped (state T in ps); kill it with SIGKILL to stop the container, or resume it with SIGCONT and run ctr stop again`]
  }

  // After the stop signal: the monitor closes the connection once the
  // container is gone; it may take KILL_WAIT_MS.
  private async untilKilled(): Promise<void> {
    if (await this.untilGone(Date.now() + KILL_WAIT_MS)) return
    throw new CtrError('CTR_STOP_TIMEOUT', `${this.ref.name} was sent ${this.signals.at(-1) ?? 'the stop signal'} but did not go away within ${KILL_WAIT_MS / 1000} s`, {
      hints: this.hungHints(),
    })
  }

  // True once the monitor closed the connection (container gone), false at the deadline.
  private async untilGone(deadline: number): Promise<boolean> {
    for (;;) {
      const event = await this.conn.nextEvent(deadline)
      if (event === undefined) return true
      if (event === null) return false
    }
  }

  /** The container went away during the exchange: wait for the monitor to finish, report it stopped. */
  async gone(): Promise<CommandOutcome<StopResult>> {
    await this.untilKilled()
    return this.done(this.signals.length > 0 ? 'kill' : 'halt')
  }

  private done(method: StopMethod): CommandOutcome<StopResult> {
    return {exitCode: 0, result: {name: this.ref.name, method, signals: this.signals, durationMs: Date.now() - this.started}, notices: this.notices}
  }
}

// The monitor is gone but init runs on (lxc.monitor.signal.pdeath = 0): reach
// it through a pidfd pinned by its recorded start time, with the signals the
// config names now (lxc.signal.halt, lxc.signal.stop), as a monitor would.
async function stopOrphan(
  ref: ContainerRef,
  status: RuntimeStatus,
  opts: StopOptions,
  started: number,
  configured: {halt: number | undefined; stop: number | undefined},
): Promise<CommandOutcome<StopResult>> {
  const pid = status.initPid ?? 0
  const starttime = status.initStartTime ?? 0
  const halt = configured.halt ?? defaultHaltSignal(pid)
  const stop = configured.stop ?? SIGKILL
  const signals: string[] = []
  const result = (method: StopMethod): CommandOutcome<StopResult> => ({
    exitCode: 0,
    result: {name: ref.name, method, signals, durationMs: Date.now() - started},
    notices: [`${ref.name} had lost its monitor; signalled its init ${pid} directly`],
  })
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT
  if (!opts.kill && !opts.reboot) {
    signals.push(signalName(halt))
    const waitMs = timeout < 0 ? -1 : timeout * 1000
    const outcome = pidfdKill(pid, starttime, halt, timeout === 0 ? undefined : waitMs)
    if (outcome !== 'timeout') {
      if (timeout !== 0) cleanupRundir(ref.rundir)
      return result(timeout === 0 ? 'signal-sent' : 'halt')
    }
    if (opts.nokill) throw new CtrError('CTR_STOP_TIMEOUT', `${ref.name} did not stop within ${timeout} s after ${signalName(halt)}`)
  }
  if (opts.reboot) throw new CtrError('CTR_NO_MONITOR', `${ref.name} has no monitor to restart it; stop it and start it again`)
  signals.push(signalName(stop))
  if (pidfdKill(pid, starttime, stop, KILL_WAIT_MS) === 'timeout') {
    throw new CtrError('CTR_STOP_TIMEOUT', `${ref.name} was sent ${signalName(stop)} but its init ${pid} did not exit within ${KILL_WAIT_MS / 1000} s`, {
      hints: ['Check lxc.signal.stop: init may ignore that signal'],
    })
  }
  cleanupRundir(ref.rundir)
  return result(opts.kill ? 'kill' : 'halt-then-kill')
}

// LXC's default halt signal: SIGRTMIN+3 for an init that blocks it (systemd
// announces that it wants it so), else SIGPWR (native/cmdsock.c does the same).
function defaultHaltSignal(pid: number): number {
  const masks = readSignalMasks(pid)
  return masks !== undefined && ((masks.blocked >> BigInt(SIGRTMIN_PLUS_3 - 1)) & 1n) === 1n ? SIGRTMIN_PLUS_3 : SIGPWR
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`
}
