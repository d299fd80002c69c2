// The console and ttys of a start (lxc.console.*, lxc.tty.*, lxc.pty.max),
// as LXC 5 lays them out (conf.c lxc_setup_console, lxc_create_ttys,
// lxc_setup_devpts_child; terminal.c): a console pty on /dev/console that
// is init's stdin, stdout and stderr, ttys on /dev/tty1..N (or
// /dev/<lxc.tty.dir>/ttyN with /dev/ttyN links), every pty from a devpts
// instance of the container's own. Pure; docs/console.md.

import type {ContainerConfig} from './config/index.js'
import type {TtySpec} from './monitor-spec.js'

export interface ConsolePlanContext {
  /** The container has a mount namespace of its own (without one, nothing can be bound). */
  mountNs: boolean
  hasRootfs: boolean
  /** ctr start -F (else the monitor runs in the background). */
  foreground: boolean
  /** ctr's stdin and stdout are terminals. */
  terminal: boolean
  /** A user namespace: devpts gets gid=5 only if that gid is mapped. */
  gid5Mapped: boolean
}

export interface ConsolePlan {
  /** Undefined: no console and no ttys. */
  tty: TtySpec | undefined
  /** Init inherits ctr's stdio (foreground, and no console it should use instead). */
  stdioInherit: boolean
  /** ctr start -F proxies this terminal to the console itself (tty-proxy). */
  interactive: boolean
  /** `container_ttys=...` for init's environment, as LXC sets it for systemd. */
  containerTtys: string | undefined
  warnings: string[]
}

/** How many ptys the container's devpts instance may hold: LXC mounts one for lxc.pty.max + lxc.tty.max. */
export function devptsMax(config: ContainerConfig): number {
  return config.ptyMax + config.tty.max
}

/**
 * The console and tty plan. The console comes from the container's devpts
 * when lxc.pty.max > 1 (LXC's rule: it is pts/0 there, and counts against
 * the limit); otherwise LXC takes one from the host's devpts, which a
 * privileged container could then chmod; ctr takes it from a private
 * instance instead, mounted only while the pty is made. ttys always come
 * from the container's instance, which a tty.max > 0 makes sure exists.
 */
export function planConsole(config: ContainerConfig, ctx: ConsolePlanContext): ConsolePlan {
  const path = config.console.path
  const warnings: string[] = []
  let wantsConsole = path !== 'none'
  if (wantsConsole && !ctx.mountNs) {
    if (path !== undefined) warnings.push(`lxc.console.path: a console needs a mount namespace of its own (/dev/console is bound in it); "${path}" is not used`)
    wantsConsole = false
  }
  const peer = wantsConsole && path !== undefined ? path : undefined
  const interactive = wantsConsole && ctx.foreground && ctx.terminal && peer === undefined
  const stdioInherit = ctx.foreground && (!wantsConsole || (!interactive && peer === undefined))
  const ttyMax = ctx.mountNs ? config.tty.max : 0
  if (!wantsConsole && ttyMax === 0) return {tty: undefined, stdioInherit, interactive: false, containerTtys: undefined, warnings}

  const consoleInContainerPts = config.ptyMax > 1
  const tty: TtySpec = {console: wantsConsole, ttyMax, bindTtys: ctx.hasRootfs && ttyMax > 0}
  if (wantsConsole && !consoleInContainerPts) tty.consoleDevpts = `${ctx.gid5Mapped ? 'gid=5,' : ''}newinstance,ptmxmode=0666,mode=0620,max=1`
  if (interactive) tty.hold = true
  if (peer !== undefined) tty.peer = peer
  if (wantsConsole && config.console.logfile !== undefined) {
    tty.logfile = config.console.logfile
    if (config.console.size > 0) tty.logSize = config.console.size
    if (config.console.rotate) tty.logRotate = true
  }
  if (wantsConsole && config.console.bufferSize > 0) tty.bufferSize = config.console.bufferSize
  if (config.tty.dir) tty.ttyDir = config.tty.dir
  // The ttys' names in their devpts, in the order they are made: after the
  // console when it comes from the same instance.
  const first = wantsConsole && consoleInContainerPts ? 1 : 0
  const names = Array.from({length: ttyMax}, (_, i) => `pts/${first + i}`)
  return {tty, stdioInherit, interactive, containerTtys: names.length > 0 ? names.join(' ') : undefined, warnings}
}
