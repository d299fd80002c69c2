// Permissions said plainly: not root, another user's container, a
// container store this user may not write, a read-only one. Each failure
// names its cause and the fix, and a container that exists is never
// reported as missing.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, chownSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {RUN_JS, describeResult, json, rootOnly, useSandbox} from './helpers.js'

const T = {timeout: 60_000}
const NOBODY = {uid: 65534, gid: 65534}

interface ErrorJson {
  status: number
  error: {code: string; message: string; hints: string[]}
}

describe('permissions', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('perm')

  it('says that containers need root (or lxc.idmap and a delegated cgroup) when clone3 is refused', T, async () => {
    const sb = sandbox()
    // A store and run dir nobody owns, so that the start gets as far as creating the namespaces.
    const own = join(sb.root, 'nobody')
    for (const dir of [own, join(own, 'lxc'), join(own, 'run')]) {
      mkdirSync(dir, {recursive: true})
      chownSync(dir, NOBODY.uid, NOBODY.gid)
    }
    const name = sb.name('noroot')
    const env = {CTR_PATH: join(own, 'lxc'), CTR_RUNTIME_DIR: join(own, 'run')}
    const r = await sb.ctr(['start', '-n', name, '--', '/bin/true'], {...NOBODY, env})
    assert.equal(r.code, 1, describeResult(r))
    assert.match(r.stderr, /Failed to create the container's namespaces \(clone3\): Operation not permitted \(EPERM\)/, describeResult(r))
    assert.match(r.stderr, /^Containers need root: ctr runs as uid 65534; run it as root/m)
    assert.match(r.stderr, /lxc\.idmap/)
    assert.match(r.stderr, /Delegate=yes/)
    const machine = json<ErrorJson>(await sb.ctr(['start', '-n', name, '--json', '--', '/bin/true'], {...NOBODY, env}))
    assert.equal(machine.error.code, 'CTR_START_FAILED')
    assert.match(machine.error.hints[0] ?? '', /^Containers need root/)
  })

  it('reports a root-only container read by another user as permission denied, not missing', T, async () => {
    const sb = sandbox()
    const name = sb.name('rootonly')
    sb.writeConfig(name, 'lxc.uts.name = rootonly\n')
    chmodSync(join(sb.lxcpath, name), 0o700)
    for (const args of [['info', '-n', name], ['stop', '-n', name], ['wait', '-n', name, '-s', 'RUNNING', '-t', '0']]) {
      const r = await sb.ctr([...args, '--json'], NOBODY)
      assert.equal(r.code, 1, describeResult(r))
      const body = json<ErrorJson>(r)
      assert.equal(body.error.code, 'CTR_PERMISSION', describeResult(r))
      assert.equal(body.error.message, `Permission denied: cannot read ${join(sb.lxcpath, name, 'config')}`)
      assert.deepEqual(body.error.hints, [`${name} belongs to root; run ctr as that user or as root`])
    }
    const human = await sb.ctr(['info', '-n', name], NOBODY)
    assert.doesNotMatch(human.stderr, /doesn't exist/)
  })

  it('names the cause and the fix for a store another user owns (EACCES) and a read-only one (EROFS)', T, async (t) => {
    const sb = sandbox()
    const name = sb.name('store')
    // nobody's own run dir (the lock lives there), root's store.
    const run = join(sb.root, 'nobody-run')
    mkdirSync(run)
    chownSync(run, NOBODY.uid, NOBODY.gid)
    const foreign = await sb.ctr(['create', '-n', name, '-t', 'none', '--json'], {...NOBODY, env: {CTR_RUNTIME_DIR: run}})
    assert.equal(foreign.code, 1, describeResult(foreign))
    const denied = json<ErrorJson>(foreign)
    assert.match(denied.error.message, /EACCES/)
    assert.match(denied.error.hints[0] ?? '', /^Permission denied on .* for uid 65534: it belongs to another user/)
    assert.match(denied.error.hints[1] ?? '', /^Run ctr as root, or: use a container store of your own: -P PATH or \$CTR_PATH/)

    // A read-only store, mounted in a mount namespace of its own (nothing is left on the host).
    const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true'])
    if (probe.status !== 0) return t.skip('unshare --mount is not available')
    const ro = join(sb.root, 'ro-store')
    mkdirSync(ro)
    const script = `mount -t tmpfs -o ro tmpfs "$1" && exec "$2" "$3" create -n "$4" -t none -P "$1" --json`
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ro, process.execPath, RUN_JS, name], {encoding: 'utf8', env: sb.env()})
    assert.equal(r.status, 1, `${r.stdout}${r.stderr}`)
    const body = JSON.parse(r.stdout) as ErrorJson
    assert.match(body.error.message, /EROFS/)
    assert.match(body.error.hints[0] ?? '', /is on a read-only filesystem$/)
    assert.match(body.error.hints[1] ?? '', /-P PATH or \$CTR_PATH/)
  })
})
