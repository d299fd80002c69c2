// The console and ttys through real terminals (a pty made by
// test/integration/pty-driver.py): `ctr console` and `ctr start -F` typed
// into as a user would, window sizes, the escape sequence, several clients,
// ttys a getty runs on, the console log, lxc.console.path, and the host's
// device nodes left untouched by a guest that chowns and chmods its own.

import assert from 'node:assert/strict'
import {existsSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'

import {RUN_JS, describeResult, json, rootOnly, useSandbox, waitForFile, type Sandbox} from './helpers.js'
import {PtySession, ptyUnavailable} from './pty.js'

const skip = rootOnly() || ptyUnavailable()
const T = {skip, timeout: 90_000}

// A shell as init, on the console: what a user types goes to it.
function defineShell(sb: Sandbox, name: string, extra: string[] = []): void {
  sb.defineRootfs(name, {init: '/bin/sh', extra: ['lxc.pty.max = 8', ...extra]})
}

describe('console and ttys', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('console')
  const sessions: PtySession[] = []
  const open = (sb: Sandbox, args: string[], rows = 30, cols = 100): PtySession => {
    const s = new PtySession([process.execPath, RUN_JS, ...args], {rows, cols, env: sb.env()})
    sessions.push(s)
    return s
  }
  after(() => {
    for (const s of sessions) s.destroy()
  })

  it('ctr console: a shell typed into, window size and SIGWINCH, Ctrl-a q detaches and the container runs on', T, async () => {
    const sb = sandbox()
    const name = sb.name('shell')
    defineShell(sb, name)
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const s = open(sb, ['console', '-n', name, '-t', '0'])
    await s.expect('Type <Ctrl+a q> to exit the console')
    s.write('echo sum=$((6*7)); tty; stty size\r')
    await s.expect(/sum=42\r*\n\/dev\/console\r*\n30 100\r*\n/)
    const raw = await s.termios()
    assert.ok(raw.raw, 'the terminal is raw while connected')
    // SIGWINCH goes to the foreground of a terminal's session: a shell that
    // makes the console its controlling terminal (init has none, as in LXC).
    s.write(`setsid -c sh -c 'trap "echo got-winch; stty size" WINCH; echo ar""med; while :; do sleep 0.1; done'\r`)
    await s.expect('armed')
    const from = s.mark()
    s.resize(40, 120)
    await s.expect(/got-winch\r*\n40 120/, 30_000, from)
    s.write('\x03')
    await s.expect('# ', 30_000, from)
    s.write('\x01q')
    const end = await s.wait()
    assert.equal(end.code, 0, s.output)
    assert.ok(!end.termios.raw, 'the terminal is restored')
    const info = json<{result: {state: string}}>(await sb.ctr(['info', '-n', name, '--json']))
    assert.equal(info.result.state, 'RUNNING', 'detaching leaves the container running')
  })

  it('Ctrl-a Ctrl-a sends one Ctrl-a; -e changes the prefix', T, async () => {
    const sb = sandbox()
    const name = sb.name('escape')
    defineShell(sb, name)
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const s = open(sb, ['console', '-n', name, '-t', '0', '-e', '^b'])
    await s.expect('Type <Ctrl+b q>')
    // Ctrl-a passes as it is; Ctrl-b Ctrl-b is one Ctrl-b; od shows what arrived.
    // READY (not RE''ADY, the echo of what was typed) once the tty is raw.
    s.write("stty raw -echo; echo RE''ADY; head -c 2 | od -An -c; stty sane\r")
    await s.expect('READY')
    const from = s.mark()
    s.write('\x01\x02\x02')
    await s.expect(/001\s+002/, 30_000, from)
    s.write('\x02q')
    assert.equal((await s.wait()).code, 0)
  })

  it('several clients share the console; one detaching leaves the other attached', T, async () => {
    const sb = sandbox()
    const name = sb.name('shared')
    defineShell(sb, name)
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const a = open(sb, ['console', '-n', name, '-t', '0'])
    const b = open(sb, ['console', '-n', name, '-t', '0'])
    await a.expect('Connected to tty 0')
    await b.expect('Connected to tty 0')
    a.write('echo from-a-$((1+1))\r')
    await a.expect('from-a-2')
    await b.expect('from-a-2')
    a.write('\x01q')
    assert.equal((await a.wait()).code, 0)
    const from = b.mark()
    b.write('echo from-b-$((2+2))\r')
    await b.expect('from-b-4', 30_000, from)
    b.write('\x01q')
    assert.equal((await b.wait()).code, 0)
  })

  it('lxc.tty.max: /dev/tty1..N are ptys a getty runs on; ctr console picks the first free tty', T, async () => {
    const sb = sandbox()
    const name = sb.name('ttys')
    const ready = sb.ready(name)
    // busybox getty prints its login prompt on each tty before anyone
    // attaches: the monitor holds it in the pty for the first client.
    sb.defineRootfs(name, {
      init: `/bin/sh -c "getty 38400 tty1 & getty 38400 tty2 & ls -l /dev/tty1 /dev/tty2 > ${ready.inside}.ls; echo $container_ttys > ${ready.inside}; exec sleep 100000"`,
      extra: ['lxc.tty.max = 2', 'lxc.pty.max = 1'],
    })
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    assert.equal((await waitForFile(ready.host)).trim(), 'pts/0 pts/1', 'container_ttys names them, as LXC sets it for systemd')
    const ls = readFileSync(`${ready.host}.ls`, 'utf8')
    assert.match(ls, /^c.* 136, +0 .*\/dev\/tty1$/m, ls)
    assert.match(ls, /^c.* 136, +1 .*\/dev\/tty2$/m, ls)
    const first = open(sb, ['console', '-n', name])
    await first.expect('Connected to tty 1')
    await first.expect(`${name} login:`)
    const second = open(sb, ['console', '-n', name])
    await second.expect('Connected to tty 2')
    await second.expect(`${name} login:`)
    const third = await sb.ctr(['console', '-n', name])
    assert.equal(third.code, 1, describeResult(third))
    assert.match(third.stderr, /Every tty of .* is in use/)
    const none = await sb.ctr(['console', '-n', name, '-t', '3'])
    assert.equal(none.code, 1, describeResult(none))
    assert.match(none.stderr, /has no tty 3/)
    first.write('\x01q')
    second.write('\x01q')
    assert.equal((await first.wait()).code, 0)
    assert.equal((await second.wait()).code, 0)
  })

  it('start -F on a terminal: the console, raw mode, window size, the terminal restored, the exit status', T, async () => {
    const sb = sandbox()
    const name = sb.name('fg')
    // lxc.autodev = 1 (the default, spelled out): this once failed with
    // "console: EINVAL" from any terminal.
    defineShell(sb, name, ['lxc.autodev = 1'])
    const s = open(sb, ['start', '-n', name, '-F'], 33, 99)
    const before = await s.started
    // The first prompt: nothing init wrote before ctr attached is lost.
    await s.expect('# ')
    assert.ok((await s.termios()).raw, 'raw while the container runs')
    s.write('tty; stty size\r')
    await s.expect(/\/dev\/console\r*\n33 99\r*\n/)
    const from = s.mark()
    s.resize(44, 111)
    s.write('stty size\r')
    await s.expect(/44 111/, 30_000, from)
    s.write('exit 3\r')
    const end = await s.wait()
    assert.equal(end.code, 3, s.output)
    assert.deepEqual(end.termios.attrs, before.attrs, 'the terminal settings are restored')
  })

  it('start -F from a pipe passes stdio through; /dev/console is still a pty of the container', T, async () => {
    const sb = sandbox()
    const name = sb.name('pipe')
    sb.defineRootfs(name)
    const r = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/sh', '-c', 'ls -l /dev/console; tty; echo out; echo err >&2; exit 5'])
    assert.equal(r.code, 5, describeResult(r))
    assert.match(r.stdout, /^c.* 136, +0 .*\/dev\/console$/m)
    assert.match(r.stdout, /not a tty/)
    assert.match(r.stdout, /out/)
    assert.match(r.stderr, /err/)
  })

  it('the console log: -L, lxc.console.size and lxc.console.rotate keep one old log', T, async () => {
    const sb = sandbox()
    const name = sb.name('log')
    const log = join(sb.root, `${name}.log`)
    sb.defineRootfs(name, {extra: ['lxc.console.size = 4096', 'lxc.console.rotate = 1']})
    const script = 'i=0; while [ $i -lt 1000 ]; do echo "line $i"; i=$((i+1)); done; echo the-end'
    const r = await sb.ctr(['start', '-n', name, '-L', log, '--', '/bin/sh', '-c', script])
    assert.equal(r.code, 0, describeResult(r))
    await sb.ctr(['wait', '-n', name, '-s', 'STOPPED', '-t', '20'])
    const current = readFileSync(log, 'utf8')
    const old = readFileSync(`${log}.1`, 'utf8')
    assert.equal(statSync(`${log}.1`).size, 4096, 'the old log is full')
    assert.ok(statSync(log).size <= 4096)
    assert.match(current, /line 999\r*\nthe-end\r*\n$/)
    assert.equal(statSync(log).mode & 0o777, 0o600)
    assert.ok(old.includes('line '), old)
  })

  it('lxc.console.path: the console on a terminal of the host', T, async () => {
    const sb = sandbox()
    const name = sb.name('peer')
    // A terminal nobody reads but the monitor: `sleep` on a fresh pty.
    const peer = new PtySession(['sleep', '600'])
    sessions.push(peer)
    await peer.started
    defineShell(sb, name, [`lxc.console.path = ${peer.tty}`])
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    peer.write('echo peer-$((3*3))\r')
    await peer.expect('peer-9')
    assert.equal((await sb.ctr(['stop', '-n', name, '-k'])).code, 0)
    peer.destroy()
  })

  for (const userns of [false, true]) {
    it(`a ${userns ? 'user-namespace' : 'privileged'} guest that chowns and chmods its console, ttys and /dev leaves the host's nodes untouched`, T, async () => {
      const sb = sandbox()
      const name = sb.name(userns ? 'nodesu' : 'nodesp')
      const nodes = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/ptmx', '/dev/console']
      const before = nodes.filter((n) => existsSync(n)).map((n) => [n, statOf(n)] as const)
      const extra = ['lxc.tty.max = 2', 'lxc.pty.max = 1']
      if (userns) extra.push('lxc.idmap = u 0 300000 65536', 'lxc.idmap = g 0 300000 65536')
      sb.defineRootfs(name, {extra})
      const attack = 'for f in /dev/console /dev/tty1 /dev/tty2 /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/ptmx; do ' +
        'chown 1:1 $f && echo "chown $f ok"; chmod 777 $f && echo "chmod $f ok"; done; ls -ln /dev/console'
      const r = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/sh', '-c', attack])
      assert.equal(r.code, 0, describeResult(r))
      // The guest's own console and ttys are its to change: the attack ran.
      assert.match(r.stdout, /chmod \/dev\/console ok/)
      assert.match(r.stdout, /chmod \/dev\/tty1 ok/)
      if (userns) assert.doesNotMatch(r.stdout, /chmod \/dev\/null ok/, 'a host node bound in a user namespace cannot be changed')
      for (const [node, st] of before) assert.deepEqual(statOf(node), st, `the host's ${node} is unchanged`)
    })
  }

  it('ctr console on a stopped container, or a container without a console, fails with exit 1', T, async () => {
    const sb = sandbox()
    const name = sb.name('nocons')
    sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: ['lxc.console.path = none']})
    const stopped = await sb.ctr(['console', '-n', name, '-t', '0'])
    assert.equal(stopped.code, 1, describeResult(stopped))
    assert.match(stopped.stderr, /is not running/)
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    const none = await sb.ctr(['console', '-n', name, '-t', '0', '--json'])
    assert.equal(none.code, 1, describeResult(none))
    assert.equal(json<{error: {code: string}}>(none).error.code, 'CTR_NO_TTY')
  })

  it('ctr console --json reports the session when its input ends (checked against docs/json-schema.json)', T, async () => {
    const sb = sandbox()
    const name = sb.name('cjson')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['start', '-n', name])).code, 0)
    // stdin is /dev/null: nothing to type, and its end detaches.
    const r = await sb.ctr(['console', '-n', name, '-t', '0', '--json'])
    assert.equal(r.code, 0, describeResult(r))
    assert.deepEqual(json<{result: unknown}>(r).result, {name, tty: 0, endedBy: 'input'})
    const info = json<{result: {state: string}}>(await sb.ctr(['info', '-n', name, '--json']))
    assert.equal(info.result.state, 'RUNNING', 'detaching leaves the container running')
  })
})

function statOf(path: string): {uid: number; gid: number; mode: number; ctimeMs: number} {
  const st = statSync(path)
  return {uid: st.uid, gid: st.gid, mode: st.mode, ctimeMs: st.ctimeMs}
}

