import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {builtinLxcpath, defaultLogFile, fnv1a64, globalConfigPath, resolveLxcpath, runtimeBase, runtimeDir, stripTrailingSlashes} from '../../src/core/paths.js'

const root = {uid: 0, home: '/root', env: {}}
const user = {uid: 1000, home: '/home/u', env: {}}

describe('paths', () => {
  it('lxcpath precedence: -P, $CTR_PATH, lxc.lxcpath, built-in', () => {
    const env = {CTR_PATH: '/env/path/'}
    assert.equal(resolveLxcpath({...root, env}, '/flag//', '/global'), '/flag')
    assert.equal(resolveLxcpath({...root, env}, undefined, '/global'), '/env/path')
    assert.equal(resolveLxcpath(root, undefined, '/global/'), '/global')
    assert.equal(resolveLxcpath(root, undefined, undefined), '/var/lib/ctr')
    assert.equal(resolveLxcpath(user, undefined, undefined), '/home/u/.local/share/ctr')
    assert.equal(builtinLxcpath({...user, env: {XDG_DATA_HOME: '/x'}}), '/x/ctr')
  })
  it('keeps "/" when stripping slashes', () => {
    assert.equal(stripTrailingSlashes('///'), '/')
    assert.equal(stripTrailingSlashes('/a/b//'), '/a/b')
  })
  it('global config and runtime base follow root vs user and the overrides', () => {
    assert.equal(globalConfigPath(root), '/etc/ctr/ctr.conf')
    assert.equal(globalConfigPath(user), '/home/u/.config/ctr/ctr.conf')
    assert.equal(globalConfigPath({...root, env: {CTR_GLOBAL_CONFIG: '/t/c.conf'}}), '/t/c.conf')
    assert.equal(runtimeBase(root), '/run/ctr')
    assert.equal(runtimeBase({...user, env: {XDG_RUNTIME_DIR: '/run/user/1000'}}), '/run/user/1000/ctr')
    assert.equal(runtimeBase(user), '/home/u/.cache/ctr/run')
    assert.equal(runtimeBase({...root, env: {CTR_RUNTIME_DIR: '/tmp/r/'}}), '/tmp/r')
  })
  it('run dirs are FNV-1a 64 of lxcpath/name (16 hex digits), distinct per lxcpath', () => {
    // FNV-1a 64 test vectors.
    assert.equal(fnv1a64(''), 'cbf29ce484222325')
    assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c')
    assert.equal(fnv1a64('foobar'), '85944171f73967e8')
    // The limb arithmetic agrees with the definition in BigInt, on every
    // byte value, multi-byte UTF-8 and long inputs.
    const reference = (text: string): string => {
      let hash = 0xcbf29ce484222325n
      for (const byte of new TextEncoder().encode(text)) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn
      return hash.toString(16).padStart(16, '0')
    }
    const inputs = ['/var/lib/ctr/web', 'é€😀\u0000', 'x'.repeat(5000)]
    for (let i = 0; i < 256; i++) inputs.push(String.fromCharCode(i), `/var/lib/lxc/${String.fromCharCode(i, 255 - i)}${i}`)
    for (const text of inputs) assert.equal(fnv1a64(text), reference(text), JSON.stringify(text))
    assert.match(runtimeDir('/run/ctr', '/var/lib/ctr', 'web'), /^\/run\/ctr\/[0-9a-f]{16}$/)
    assert.notEqual(runtimeDir('/run/ctr', '/a', 'web'), runtimeDir('/run/ctr', '/b', 'web'))
  })
  it('default log file: /var/log/ctr for root on the built-in lxcpath, else in the container dir', () => {
    assert.equal(defaultLogFile(root, '/var/lib/ctr', 'web'), '/var/log/ctr/web.log')
    assert.equal(defaultLogFile(root, '/srv/ctr', 'web'), '/srv/ctr/web/web.log')
  })
})
