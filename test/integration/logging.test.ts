// The monitor's log (issue 11, defect 9): -l and -o reach a file, its
// directory is created as LXC's log.c does, -l alone logs to the default
// file, and a log that cannot be opened stops the start with a message
// instead of a run that silently logs nothing, whether ctr finds that out
// before launching or the monitor does when it opens the log (`error log`,
// docs/monitor-protocol.md §3.1).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {MONITOR_BIN, describeResult, rootOnly, useSandbox, waitForFile} from './helpers.js'

const T = {timeout: 60_000}

// LXC's log line: <prog> <name> <YYYYMMDDhhmmss.mmm> <LEVEL> <category> - <file>:<func>:<line> - <msg>
const LINE = (name: string, level: string, msg: string): RegExp => new RegExp(`^ctr-monitor ${name} \\d{14}\\.\\d{3} ${level} monitor - [a-z_]+\\.c:\\w+:\\d+ - ${msg}$`, 'm')

describe('monitor log', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('logging')

  it('-l DEBUG -o FILE logs the lifecycle, creating the directory', T, async () => {
    const sb = sandbox()
    const name = sb.name('dbg')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    const log = join(sb.root, 'logs', name, 'deeper', 'monitor.log')
    const start = await sb.ctr(['start', '-n', name, '-l', 'DEBUG', '-o', log])
    assert.equal(start.code, 0, describeResult(start))
    await waitForFile(ready.host)
    const stop = await sb.ctr(['stop', '-n', name, '-k'])
    assert.equal(stop.code, 0, describeResult(stop))
    const text = readFileSync(log, 'utf8')
    assert.match(text, LINE(name, 'INFO', 'State is now RUNNING'), text)
    assert.match(text, LINE(name, 'INFO', 'State is now STOPPED'), text)
  })

  it('-l INFO without -o logs to $lxcpath/NAME/NAME.log, for a volatile container too', T, async () => {
    const sb = sandbox()
    const name = sb.name('dflt')
    const ready = sb.hostReady(name)
    assert.equal(existsSync(join(sb.lxcpath, name)), false, 'precondition: no container directory')
    const start = await sb.ctr(['start', '-n', name, '-l', 'INFO', '--', '/bin/sh', '-c', `echo $$ > ${ready}; exec sleep 600`])
    assert.equal(start.code, 0, describeResult(start))
    await waitForFile(ready)
    assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
    const text = readFileSync(join(sb.lxcpath, name, `${name}.log`), 'utf8')
    assert.match(text, LINE(name, 'INFO', 'State is now RUNNING'), text)
  })

  it('a log file that cannot be opened stops the start with a message', T, async () => {
    const sb = sandbox()
    const name = sb.name('bad')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const file = join(sb.root, `${name}.file`)
    writeFileSync(file, '')
    for (const [args, pattern] of [
      [['-o', join(file, 'x.log')], /Failed to open the log file ".*\.file\/x\.log": (ENOTDIR|EEXIST)/],
      [['-l', 'DEBUG', '-o', sb.root], /Failed to open the log file ".*": EISDIR/],
    ] as const) {
      const r = await sb.ctr(['start', '-n', name, ...args])
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, pattern, describeResult(r))
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
    }
  })

  // ctr opens the log before launching, so the monitor's own check is
  // reached only when the monitor sees another filesystem than ctr did.
  // The monitor runs here through a wrapper ($CTR_MONITOR) in a mount
  // namespace of its own, where the log's directory is bound read-only: the
  // file ctr created is there, but the monitor cannot open it for writing.
  it('a log the monitor cannot open (error log) stops the start with its path and errno', T, async (t) => {
    const sb = sandbox()
    if (spawnSync('unshare', ['-m', 'true']).status !== 0) {
      t.skip('unshare -m does not work here (util-linux unshare, CAP_SYS_ADMIN)')
      return
    }
    const name = sb.name('rolog')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    const dir = join(sb.root, `${name}-logs`)
    mkdirSync(dir)
    const log = join(dir, 'monitor.log')
    const wrapper = join(sb.root, `${name}-monitor.sh`)
    writeFileSync(wrapper, `#!/bin/sh\nexec unshare -m --propagation private sh -c 'mount -o bind,ro "$1" "$1" && shift && exec "$@"' sh ${dir} ${MONITOR_BIN} "$@"\n`, {mode: 0o755})
    for (const via of ['fast', 'oclif'] as const) {
      const r = await sb.ctr(['start', '-n', name, '-l', 'DEBUG', '-o', log], {via, env: {CTR_MONITOR: wrapper}})
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, new RegExp(`${name}: Failed to open the log file "${log}": .*\\(EROFS\\)`), describeResult(r))
      assert.doesNotMatch(r.stderr, /\n\s+at /, describeResult(r))
      assert.equal(existsSync(log), true, 'ctr created the log before launching')
      assert.equal((await sb.ctr(['info', '-n', name, '-sH'])).stdout, 'STOPPED\n')
    }
    // Without the wrapper the same start logs as asked.
    const ok = await sb.ctr(['start', '-n', name, '-l', 'DEBUG', '-o', log])
    assert.equal(ok.code, 0, describeResult(ok))
    assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
    assert.match(readFileSync(log, 'utf8'), LINE(name, 'INFO', 'State is now RUNNING'))
  })
})
