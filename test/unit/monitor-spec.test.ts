import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {encodeMonitorSpec, type MonitorSpec} from '../../src/core/monitor-spec.js'

const base: MonitorSpec = {
  name: 'web', lxcpath: '/var/lib/ctr', rundir: '/run/ctr/x', loglevel: 5, foreground: false, stdioInherit: false,
  argv: ['sh', '-c', 'echo a b'], env: ['container=lxc'], newKeyring: true, cloneFlags: 0x20000, shares: [], rootfsReadonly: false,
  fsops: [{kind: 'mount', source: 'proc', target: 'proc', fstype: 'proc', flags: 14, data: '', opts: 64}],
  uid: 0, gid: 0, haltSignal: 0, rebootSignal: 2, stopSignal: 9, pdeathSignal: 9, noNewPrivs: false, rlimits: [], sysctls: [], procs: [],
}

function tokens(buf: Buffer): string[] {
  const text = buf.toString('utf8')
  const nl = text.indexOf('\n')
  const body = text.slice(nl + 1)
  assert.equal(Number(text.slice(0, nl)), Buffer.byteLength(body), 'the header is the body length in bytes')
  assert.ok(body.endsWith('end\0'))
  return body.slice(0, -1).split('\0')
}

describe('encodeMonitorSpec', () => {
  it('writes NUL-terminated records with fixed arity and a closing end record', () => {
    const t = tokens(encodeMonitorSpec(base))
    assert.deepEqual(t.slice(0, 6), ['name', 'web', 'lxcpath', '/var/lib/ctr', 'rundir', '/run/ctr/x'])
    // Arguments with spaces need no quoting: NUL separates tokens.
    const args = t.flatMap((tok, i) => (tok === 'arg' ? [t[i + 1]] : []))
    assert.deepEqual(args, ['sh', '-c', 'echo a b'])
    const m = t.indexOf('mount')
    assert.deepEqual(t.slice(m, m + 7), ['mount', 'proc', 'proc', 'proc', '14', '', '64'])
    assert.equal(t.at(-1), 'end')
  })
  it('encodes the console and ttys, the boot id and the shared root', () => {
    const t = tokens(encodeMonitorSpec({
      ...base, bootId: true, rootShared: true,
      tty: {console: true, consoleDevpts: 'max=1', hold: true, peer: '/dev/ttyS0', logfile: '/l', logSize: 4096, logRotate: true, bufferSize: 8192, ttyMax: 4, ttyDir: 'lxc', bindTtys: true},
    }))
    const pairs = ['console', 'console_devpts', 'console_hold', 'console_peer', 'console_log', 'console_size', 'console_rotate', 'console_buffer', 'tty_max', 'tty_dir', 'tty_bind', 'boot_id', 'root_shared']
      .map((rec) => [rec, t[t.indexOf(rec) + 1]])
    assert.deepEqual(pairs, [
      ['console', '1'], ['console_devpts', 'max=1'], ['console_hold', '1'], ['console_peer', '/dev/ttyS0'], ['console_log', '/l'], ['console_size', '4096'],
      ['console_rotate', '1'], ['console_buffer', '8192'], ['tty_max', '4'], ['tty_dir', 'lxc'], ['tty_bind', '1'], ['boot_id', '1'], ['root_shared', '1'],
    ])
  })
  it('counts the length in bytes, not UTF-16 units', () => {
    const buf = encodeMonitorSpec({...base, name: 'wéb'})
    tokens(buf)
  })
  it('refuses a NUL byte inside a token', () => {
    assert.throws(() => encodeMonitorSpec({...base, argv: ['a\0b']}), /NUL byte/)
  })
  it('encodes groups, capabilities and cgroup settings', () => {
    const cgroup = {
      limit: 'ctr.web',
      hierarchies: [{version: 2 as const, id: '', baseDir: '/sys/fs/cgroup', basePath: '/', selfDir: '', enable: ['memory', 'pids']}],
      settings: [{hierarchy: 0, file: 'pids.max', value: '10'}],
    }
    const t = tokens(encodeMonitorSpec({...base, groups: [4, 27], capKeep: 0xffn, cgroup}))
    assert.deepEqual(t.slice(t.indexOf('set_groups'), t.indexOf('set_groups') + 6), ['set_groups', '1', 'group', '4', 'group', '27'])
    assert.equal(t[t.indexOf('caps') + 1], 'ff')
    assert.deepEqual(t.slice(t.indexOf('cgroup'), t.indexOf('cgroup') + 2), ['cgroup', 'ctr.web'])
    assert.deepEqual(t.slice(t.indexOf('cghier'), t.indexOf('cghier') + 7), ['cghier', '2', '', '/sys/fs/cgroup', '/', '', 'memory,pids'])
    assert.deepEqual(t.slice(t.indexOf('cgset'), t.indexOf('cgset') + 4), ['cgset', '0', 'pids.max', '10'])
  })
})
