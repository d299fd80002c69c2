import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {listeningAbstractNames, lxcSocketName, parseLxcState} from '../../src/core/lxc-socket.js'
import {fnv1a64} from '../../src/core/paths.js'

describe('LXC\'s command socket name (lxc_make_abstract_socket_name)', () => {
  it('is LXCPATH/NAME/command while that is shorter than 106 bytes', () => {
    assert.equal(lxcSocketName('/var/lib/lxc', 'web'), '/var/lib/lxc/web/command')
    const lxcpath = `/${'p'.repeat(105 - '/x/command'.length - 1)}`
    assert.equal(Buffer.byteLength(`${lxcpath}/x/command`), 105)
    assert.equal(lxcSocketName(lxcpath, 'x'), `${lxcpath}/x/command`)
  })
  it('is lxc/<FNV-1a 64 of LXCPATH/NAME>/command from 106 bytes on, counted in bytes', () => {
    const lxcpath = `/${'p'.repeat(106 - '/x/command'.length - 1)}`
    assert.equal(lxcSocketName(lxcpath, 'x'), `lxc/${fnv1a64(`${lxcpath}/x`)}/command`)
    const wide = `/${'é'.repeat(50)}`
    assert.equal(Buffer.byteLength(`${wide}/x/command`) >= 106, true)
    assert.equal(lxcSocketName(wide, 'x'), `lxc/${fnv1a64(`${wide}/x`)}/command`)
    assert.match(lxcSocketName(lxcpath, 'x'), /^lxc\/[0-9a-f]{16}\/command$/)
  })
})

describe('/proc/net/unix', () => {
  const TEXT = [
    'Num       RefCount Protocol Flags    Type St Inode Path',
    '000000003fdb2119: 00000002 00000000 00010000 0001 01 1711801 @/var/lib/lxc/web/command',
    '0000000011111111: 00000003 00000000 00000000 0001 03 1711802 @/var/lib/lxc/web/command',
    '0000000022222222: 00000002 00000000 00010000 0001 01 1711803 /run/ctr/abc/command.sock',
    '0000000033333333: 00000002 00000000 00010000 0001 01 1711804 @lxc/0123456789abcdef/command',
    '0000000044444444: 00000002 00000000 00000000 0002 07 1711805 @/var/lib/lxc/db/command',
    '0000000055555555: 00000002 00000000 00010000 0001 01 1711806 @/srv/my lxc/a b/command',
    '0000000066666666: 00000002 00000000 00010000 0001 01 1711807',
  ].join('\n')
  it('lists the listening abstract names only', () => {
    assert.deepEqual([...listeningAbstractNames(TEXT)].sort(), ['/srv/my lxc/a b/command', '/var/lib/lxc/web/command', 'lxc/0123456789abcdef/command'])
  })
})

describe('ctr-monitor lxc-state\'s line', () => {
  it('parses state, pid, holder, uid and comm (last, blanks and all)', () => {
    assert.deepEqual(parseLxcState('state=RUNNING pid=322 holder=317 uid=0 comm=lxc-start\n'), {state: 'RUNNING', initPid: 322, holderPid: 317, uid: 0, comm: 'lxc-start'})
    assert.deepEqual(parseLxcState('state=STARTING pid=-1 holder=9 uid=0 comm=a b'), {state: 'STARTING', holderPid: 9, uid: 0, comm: 'a b'})
  })
  it('refuses anything else', () => {
    assert.equal(parseLxcState('state=BOGUS pid=1 holder=1 uid=0 comm=x'), undefined)
    assert.equal(parseLxcState('holder=1 uid=1000 comm=x'), undefined)
    assert.equal(parseLxcState(''), undefined)
  })
})
