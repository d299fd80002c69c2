// `ctr stop`: clean shutdown with the halt signal, a timeout, then the stop
// signal (docs/lxc-contract.md §6). Signals go to init through the monitor's pidfd, never
// through a pid read from a file; the monitor reports the container gone by
// closing the watch connection, so the wait is event-driven.

import {CtrError} from '../core/errors.js'
import type {StopOptions} from '../core/options.js'
import {signalName} from '../core/signals.js'
import type {CommandOutcome} from '../output.js'
import {loadConfigForCommand} from '../sys/config.js'
import {queryStatus, resolveFromOptions, type ContainerRef, type RuntimeStatus} from '../sys/container.js'
import {connectMonitor, isGone, type MonitorConnection} from '../sys/monitor-client.js'
import {nameSuggestions} from '../sys/discover.js'
import {cleanupRundir, pidfdKill} from '../sys/tools.js'

export type StopMethod = 'halt' | 'kill' | 'halt-then-kill' | 'signal-sent' | 'reboot' | 'reboot-requested'

export interface StopResult {
  name: string
  method: StopMethod
  /** The signals sent, by name, in order. */
  signals: string[]
  durationMs: number
}

const DEFAULT_TIMEOUT = 60

export async function runStop(opts: StopOptions): Promise<CommandOutcome<StopResult>> {
  const started = Date.now()
  const ref = resolveFromOptions(opts)
  loadConfigForCommand(ref, opts)
  const status = await queryStatus(ref)
  if (!status.running) {
    // A monitor that died by SIGKILL leaves its run dir: clean it up here,
    // so that nothing stale outlives the container.
    cleanupRundir(ref.rundir)
    // lxc-stop exits 2 for "not running", and also for a container that does not exist.
    throw new CtrError('CTR_NOT_RUNNING', `${ref.name} is not running`, {exitCode: 2, hints: nameSuggestions(ref.lxcpath, ref.name)})
  }
  if (status.orphan) return stopOrphan(ref, status, opts, started)
  const conn = await connectMonitor(ref.rundir)
  const run = conn && new StopRun(ref, conn, started)
  if (!conn || !run) return {exitCode: 0, result: {name: ref.name, method: 'kill', signals: [], durationMs: Date.now() - started}}
  try {
    if (opts.kill) return await run.kill()
    if (opts.reboot) return await run.reboot(opts.timeout ?? DEFAULT_TIMEOUT)
    return await run.shutdown(opts.timeout ?? DEFAULT_TIMEOUT, opts.nokill)
  } catch (error) {
    // Another stop (or init itself) ended the container while we talked to
    // its monitor: it is stopped, which is what was asked (not for -r).
    if (isGone(error) && !opts.reboot) return run.gone()
    throw error
  } finally {
    conn.close()
  }
}

class StopRun {
  private readonly signals: string[] = []
  private readonly notices: string[] = []

  constructor(private readonly ref: ContainerRef, private readonly conn: MonitorConnection, private readonly started: number) {}

  /** -k: the stop signal (SIGKILL by default), then wait for the monitor to drop us. */
  async kill(): Promise<CommandOutcome<StopResult>> {
    await this.send('kill', true)
    await this.untilGone(Infinity)
    return this.done('kill')
  }

  /** -r: the reboot signal; wait for RUNNING again unless -t 0 (or -W). */
  async reboot(timeout: number): Promise<CommandOutcome<StopResult>> {
    if (timeout === 0) {
      await this.send('reboot')
      return this.done('reboot-requested')
    }
    await this.send('reboot', true)
    const deadline = timeout < 0 ? Infinity : Date.now() + timeout * 1000
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
    await this.send('halt', true)
    const deadline = timeout < 0 ? Infinity : Date.now() + timeout * 1000
    if (await this.untilGone(deadline)) return this.done('halt')
    const halt = this.signals[0] ?? 'the halt signal'
    if (nokill) {
      throw new CtrError('CTR_STOP_TIMEOUT', `${this.ref.name} did not stop within ${timeout} s after ${halt}`, {
        hints: ['Its init may ignore that signal or not have set up its handler yet: set lxc.signal.halt, or stop with -k'],
      })
    }
    await this.send('kill')
    await this.untilGone(Infinity)
    // LXC exits 0 silently here (or with a scary EAGAIN line, lxc/lxc#2342):
    // say plainly what happened instead.
    this.notices.push(`${this.ref.name} did not stop within ${timeout} s after ${halt}; killed it with ${this.signals[1] ?? 'the stop signal'}`)
    return this.done('halt-then-kill')
  }

  // With `watch`, subscribes to events in the same round trip first.
  private async send(command: 'halt' | 'kill' | 'reboot', watch = false): Promise<void> {
    const replies = await this.conn.pipeline(watch ? ['watch', command] : [command])
    this.signals.push(signalName(Number(replies.at(-1))))
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
    await this.untilGone(Infinity)
    return this.done(this.signals.length > 0 ? 'kill' : 'halt')
  }

  private done(method: StopMethod): CommandOutcome<StopResult> {
    return {exitCode: 0, result: {name: this.ref.name, method, signals: this.signals, durationMs: Date.now() - this.started}, notices: this.notices}
  }
}

// The monitor is gone but init runs on (lxc.monitor.signal.pdeath = 0): reach
// it through a pidfd pinned by its recorded start time.
async function stopOrphan(ref: ContainerRef, status: RuntimeStatus, opts: StopOptions, started: number): Promise<CommandOutcome<StopResult>> {
  const pid = status.initPid ?? 0
  const starttime = status.initStartTime ?? 0
  const SIGKILL = 9
  const SIGPWR = 30
  const signals: string[] = []
  const result = (method: StopMethod): CommandOutcome<StopResult> => ({
    exitCode: 0,
    result: {name: ref.name, method, signals, durationMs: Date.now() - started},
    notices: [`${ref.name} had lost its monitor; signalled its init ${pid} directly`],
  })
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT
  if (!opts.kill && !opts.reboot) {
    signals.push(signalName(SIGPWR))
    const waitMs = timeout < 0 ? -1 : timeout * 1000
    const outcome = pidfdKill(pid, starttime, SIGPWR, timeout === 0 ? undefined : waitMs)
    if (outcome !== 'timeout') {
      if (timeout !== 0) cleanupRundir(ref.rundir)
      return result(timeout === 0 ? 'signal-sent' : 'halt')
    }
    if (opts.nokill) throw new CtrError('CTR_STOP_TIMEOUT', `${ref.name} did not stop within ${timeout} s after SIGPWR`)
  }
  if (opts.reboot) throw new CtrError('CTR_NO_MONITOR', `${ref.name} has no monitor to restart it; stop it and start it again`)
  signals.push(signalName(SIGKILL))
  pidfdKill(pid, starttime, SIGKILL, -1)
  cleanupRundir(ref.rundir)
  return result(opts.kill ? 'kill' : 'halt-then-kill')
}
