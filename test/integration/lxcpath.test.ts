// One container, one spelling (issue 11, defect 1): the lxcpath is made
// canonical once, at the edge, so every way of writing it (repeated slashes,
// a trailing dot, a relative path, a symbolic link) names the same container,
// run dir and lock; a relative -P never reaches a file ctr writes; a -P that
// is not a directory is refused.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'

import {describeResult, json, rootOnly, useSandbox, waitForFile, type CtrResult} from './helpers.js'
import {withDefaultConfig} from './create-helpers.js'

const T = {timeout: 60_000}

function ok(r: CtrResult): CtrResult {
  assert.equal(r.code, 0, describeResult(r))
  return r
}

describe('lxcpath spellings', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('lxcpath')

  it('every spelling of -P reaches the one running container', T, async () => {
    const sb = sandbox()
    const name = sb.name('spell')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    const link = join(sb.root, 'lxc-link')
    symlinkSync(sb.lxcpath, link)
    const spellings = [`${sb.lxcpath}//`, relative(sb.root, sb.lxcpath), `${sb.root}//lxc/.`, link, `${sb.root}/run/../lxc`]

    ok(await sb.ctr(['start', '-n', name, '-P', spellings[0] as string]))
    await waitForFile(ready.host)
    for (const spelling of spellings) {
      const info = ok(await sb.ctr(['info', '-n', name, '-P', spelling, '-s', '--json']))
      assert.equal(json<{result: {state: string; lxcpath: string}}>(info).result.state, 'RUNNING', `-P ${spelling}`)
      assert.equal(json<{result: {lxcpath: string}}>(info).result.lxcpath, sb.lxcpath, `-P ${spelling}`)
      // A second start under another spelling finds the same monitor.
      const again = ok(await sb.ctr(['start', '-n', name, '-P', spelling, '--json']))
      assert.equal(json<{result: {alreadyRunning?: boolean}}>(again).result.alreadyRunning, true, describeResult(again))
    }
    const stop = await sb.ctr(['stop', '-n', name, '-P', spellings[1] as string, '-k'])
    assert.equal(stop.code, 0, describeResult(stop))
    const gone = await sb.ctr(['info', '-n', name, '-P', link, '-s', '--json'])
    assert.equal(json<{result: {state: string}}>(gone).result.state, 'STOPPED', describeResult(gone))
  })

  it('a relative -P writes absolute paths and the container runs from anywhere', T, async () => {
    const sb = sandbox()
    const name = sb.name('rel')
    const env = {CTR_GLOBAL_CONFIG: withDefaultConfig(sb, 'rel', '# empty seed\n').CTR_GLOBAL_CONFIG}
    ok(await sb.ctr(['create', '-n', name, '-P', 'lxc', '-t', 'none', '--dir', sb.rootfs], {cwd: sb.root, env}))
    const config = readFileSync(join(sb.lxcpath, name, 'config'), 'utf8')
    const rootfsLine = /^lxc\.rootfs\.path = (.*)$/m.exec(config)?.[1]
    assert.equal(rootfsLine, `dir:${sb.rootfs}`, config)
    // The monitor records the lxcpath it runs under: absolute, canonical.
    const ready = sb.ready(name)
    writeFileSync(join(sb.lxcpath, name, 'config'), `${config}lxc.init.cmd = /sbin/test-init pause --ready ${ready.inside}\nlxc.net.0.type = empty\n`)
    ok(await sb.ctr(['start', '-n', name, '-P', './lxc/'], {cwd: sb.root}))
    await waitForFile(ready.host)
    const state = JSON.parse(readFileSync(join(sb.rundirOf(name), 'state.json'), 'utf8')) as {lxcpath: string}
    assert.equal(state.lxcpath, sb.lxcpath)
    ok(await sb.ctr(['stop', '-n', name, '-k'], {cwd: '/'}))
  })

  it('a busybox container created with a relative -P has an absolute rootfs path', T, async () => {
    const sb = sandbox()
    const name = sb.name('bbrel')
    const env = {CTR_GLOBAL_CONFIG: withDefaultConfig(sb, 'bbrel', '# empty seed\n').CTR_GLOBAL_CONFIG}
    ok(await sb.ctr(['create', '-n', name, '-P', './/lxc', '-t', 'busybox'], {cwd: sb.root, env}))
    const config = readFileSync(join(sb.lxcpath, name, 'config'), 'utf8')
    assert.match(config, new RegExp(`^lxc\\.rootfs\\.path = dir:${sb.lxcpath}/${name}/rootfs$`, 'm'), config)
    ok(await sb.ctr(['destroy', '-n', name, '-P', `${sb.lxcpath}/`], {cwd: '/', env}))
  })

  it('a -P that is a file, or under a file, is refused with a message', T, async () => {
    const sb = sandbox()
    const name = sb.name('file')
    const file = join(sb.root, 'not-a-dir')
    writeFileSync(file, 'x\n')
    for (const lxcpath of [file, `${file}/sub`]) {
      for (const command of [['start', '-n', name], ['info', '-n', name], ['stop', '-n', name], ['create', '-n', name, '-t', 'none'], ['ls']]) {
        const r = await sb.ctr([...command, '-P', lxcpath])
        assert.equal(r.code, 1, describeResult(r))
        assert.match(r.stderr, /The lxcpath ".*" is not a directory/, describeResult(r))
        assert.doesNotMatch(r.stderr, /\n\s+at /, describeResult(r))
      }
    }
  })
})
