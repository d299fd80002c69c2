import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {buildContainerConfig, lexConfig, type ContainerConfig} from '../../src/core/config/index.js'
import {devptsMax, planConsole, type ConsolePlanContext} from '../../src/core/console-plan.js'

function config(text: string): ContainerConfig {
  return buildContainerConfig(lexConfig(text, 'config').entries, {env: {}}).config
}

const daemon: ConsolePlanContext = {mountNs: true, hasRootfs: true, foreground: false, terminal: false, gid5Mapped: true}

describe('planConsole (LXC 5: conf.c lxc_setup_console, lxc_create_ttys)', () => {
  it('by default: a console pty, init\'s stdio, from a private devpts when lxc.pty.max <= 1 (LXC would take the host\'s)', () => {
    const p = planConsole(config(''), daemon)
    assert.deepEqual(p.tty, {console: true, ttyMax: 0, bindTtys: false, consoleDevpts: 'gid=5,newinstance,ptmxmode=0666,mode=0620,max=1'})
    assert.equal(p.stdioInherit, false)
    assert.equal(p.interactive, false)
    assert.equal(p.containerTtys, undefined)
  })
  it('from the container\'s own devpts when lxc.pty.max > 1, where it is pts/0; the ttys follow', () => {
    const p = planConsole(config('lxc.pty.max = 1024\nlxc.tty.max = 4'), daemon)
    assert.equal(p.tty?.consoleDevpts, undefined)
    assert.equal(p.tty?.ttyMax, 4)
    assert.equal(p.tty?.bindTtys, true)
    assert.equal(p.containerTtys, 'pts/1 pts/2 pts/3 pts/4')
  })
  it('ttys without a console of that devpts start at pts/0 (lxc-busybox: pty.max 1, tty.max 5)', () => {
    assert.equal(planConsole(config('lxc.pty.max = 1\nlxc.tty.max = 5'), daemon).containerTtys, 'pts/0 pts/1 pts/2 pts/3 pts/4')
    assert.equal(planConsole(config('lxc.console.path = none\nlxc.pty.max = 8\nlxc.tty.max = 2'), daemon).containerTtys, 'pts/0 pts/1')
  })
  it('devpts holds lxc.pty.max + lxc.tty.max ptys, as LXC mounts it', () => {
    assert.equal(devptsMax(config('lxc.pty.max = 1\nlxc.tty.max = 5')), 6)
    assert.equal(devptsMax(config('')), 0)
  })
  it('lxc.console.path = none: no console; the foreground inherits ctr\'s stdio', () => {
    assert.deepEqual(planConsole(config('lxc.console.path = none'), daemon), {tty: undefined, stdioInherit: false, interactive: false, containerTtys: undefined, warnings: []})
    assert.equal(planConsole(config('lxc.console.path = none'), {...daemon, foreground: true, terminal: true}).stdioInherit, true)
  })
  it('start -F on a terminal: ctr proxies the console (held until it attaches); from a pipe, stdio passes through', () => {
    const term = planConsole(config(''), {...daemon, foreground: true, terminal: true})
    assert.equal(term.interactive, true)
    assert.equal(term.stdioInherit, false)
    assert.equal(term.tty?.hold, true)
    const pipe = planConsole(config(''), {...daemon, foreground: true, terminal: false})
    assert.equal(pipe.interactive, false)
    assert.equal(pipe.stdioInherit, true)
    assert.equal(pipe.tty?.console, true, '/dev/console is still a pty')
  })
  it('lxc.console.path = PATH: the monitor proxies the console to that terminal; init uses the console', () => {
    const p = planConsole(config('lxc.console.path = /dev/ttyS0'), {...daemon, foreground: true, terminal: true})
    assert.equal(p.tty?.peer, '/dev/ttyS0')
    assert.equal(p.interactive, false)
    assert.equal(p.stdioInherit, false)
  })
  it('the console log, its size, rotation and the ring buffer', () => {
    const p = planConsole(config('lxc.console.logfile = /var/log/c.log\nlxc.console.size = 1MB\nlxc.console.rotate = 1\nlxc.console.buffer.size = auto'), daemon)
    assert.equal(p.tty?.logfile, '/var/log/c.log')
    assert.equal(p.tty?.logSize, 1 << 20)
    assert.equal(p.tty?.logRotate, true)
    assert.equal(p.tty?.bufferSize, 128 << 10)
  })
  it('lxc.tty.dir; ttys are bound only into a rootfs (LXC binds none on the host root)', () => {
    assert.equal(planConsole(config('lxc.tty.dir = lxc\nlxc.tty.max = 1'), daemon).tty?.ttyDir, 'lxc')
    assert.equal(planConsole(config('lxc.tty.max = 1'), {...daemon, hasRootfs: false}).tty?.bindTtys, false)
  })
  it('gid=5 only when it is mapped (a user namespace)', () => {
    assert.equal(planConsole(config(''), {...daemon, gid5Mapped: false}).tty?.consoleDevpts, 'newinstance,ptmxmode=0666,mode=0620,max=1')
  })
  it('without a mount namespace there is no console; a path given is reported', () => {
    const p = planConsole(config('lxc.console.path = /dev/ttyS0'), {...daemon, mountNs: false})
    assert.equal(p.tty, undefined)
    assert.match(p.warnings[0] ?? '', /needs a mount namespace/)
  })
})
