// The messages for a failed start: an automount through a symlink, and a
// start the monitor refused (`error spec EINVAL <reason>`,
// docs/monitor-protocol.md §2.1), which carries the monitor's reason.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {startFailureError} from '../../src/core/start-errors.js'

const ELOOP = {name: 'ELOOP', message: 'Too many levels of symbolic links'}

describe('startFailureError: an automount through a symlink of the rootfs', () => {
  const f = {step: 'mount', errno: 40, detail: '3 proc/sys'}
  it('names the link, where it points and the fix', () => {
    const e = startFailureError(f, ELOOP, {name: 'web', rootfs: '/srv/web', path: undefined, foreground: false, automount: true, symlink: {path: '/proc', target: 'elsewhere'}})
    assert.equal(e.code, 'CTR_START_FAILED')
    assert.equal(e.message, 'web: Refusing to mount on "/proc/sys": "/proc" in the root filesystem is a symbolic link (to "elsewhere")')
    assert.deepEqual(e.hints, [
      'ctr, like LXC, never mounts proc, sys or dev through a symlink: the mount would land wherever the link points',
      'Make it a directory: rm /srv/web/proc && mkdir /srv/web/proc',
    ])
  })
  it('says so without the link when it could not be found', () => {
    const e = startFailureError(f, ELOOP, {name: 'web', rootfs: '/srv/web', path: undefined, foreground: false, automount: true})
    assert.equal(e.message, 'web: Refusing to mount on "/proc/sys": a directory on the way is a symbolic link in the root filesystem')
  })
  it('leaves ELOOP of a mount entry to the generic message', () => {
    const e = startFailureError({...f, detail: '7 srv/data'}, ELOOP, {name: 'web', rootfs: '/srv/web', path: undefined, foreground: false})
    assert.equal(e.message, 'web: Failed to set up the mount on "srv/data": Too many levels of symbolic links (ELOOP)')
  })
})

const ctx = {name: 'c1', rootfs: undefined, path: undefined, foreground: true}
const einval = {name: 'EINVAL', message: 'Invalid argument'}

describe('startFailureError: a spec the monitor refused', () => {
  it('names the record the monitor refused', () => {
    const reason = 'record "uid" field 1 ("4294967296"): out of range'
    const error = startFailureError({step: 'spec', errno: 22, detail: reason}, einval, ctx)
    assert.equal(error.code, 'CTR_START_FAILED')
    assert.equal(error.exitCode, 1)
    assert.equal(error.message, `c1: The monitor rejected the start spec (${reason}), a ctr bug: Invalid argument (EINVAL)`)
  })

  it('without a reason still says what happened', () => {
    const error = startFailureError({step: 'spec', errno: 22, detail: ''}, einval, ctx)
    assert.equal(error.message, 'c1: The monitor rejected the start spec, a ctr bug: Invalid argument (EINVAL)')
  })
})
