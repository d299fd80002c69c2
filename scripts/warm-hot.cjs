// Produces dist/hot-*.cjs.cache: runs each fast-path bundle through a few
// harmless commands in a throw-away sandbox (so the functions they use are
// compiled), then saves V8's code cache next to the bundle. Run by
// scripts/build-hot.mjs with fds 1 and 2 on /dev/null (the commands write
// to them directly, src/output.ts); its own errors go to fd 3.
'use strict'

const {mkdtempSync, mkdirSync, rmSync, writeFileSync, writeSync, renameSync} = require('node:fs')
const {tmpdir} = require('node:os')
const {join, resolve} = require('node:path')
const {pathToFileURL} = require('node:url')
const {loadWithCache} = require('./hot-loader.cjs')

async function main() {
  const sandbox = mkdtempSync(join(tmpdir(), 'ctr-warm-'))
  try {
    Object.assign(process.env, {
      CTR_RUNTIME_DIR: join(sandbox, 'run'),
      CTR_PATH: join(sandbox, 'lxc'),
      CTR_GLOBAL_CONFIG: join(sandbox, 'ctr.conf'),
      NO_COLOR: '1',
    })
    mkdirSync(join(sandbox, 'lxc', 'warm'), {recursive: true})
    writeFileSync(join(sandbox, 'lxc', 'warm', 'config'), 'lxc.uts.name = warm\nlxc.net.0.type = empty\nlxc.mount.auto = proc:mixed sys:ro\n')
    // What `ctr create -t busybox` writes (src/core/templates/busybox.ts,
    // built by tsc before this runs), with the network empty as the bench
    // runs it: the functions a real start runs (mount entries, cap.drop,
    // autodev, the seccomp profile) are compiled into the cache too, not
    // lazily at every start.
    const {busyboxConfig} = await import(pathToFileURL(resolve(__dirname, '../dist/core/templates/busybox.js')).href)
    const bb = join(sandbox, 'lxc', 'bb')
    mkdirSync(join(bb, 'rootfs'), {recursive: true})
    const lines = busyboxConfig('bb', {seedKeepsCaps: false, seedHasSeccomp: false, seccompProfile: resolve(__dirname, '../config/default.seccomp')})
    const text = [`lxc.rootfs.path = dir:${join(bb, 'rootfs')}`, ...lines.map((l) => `${l.key} = ${l.value}`), 'lxc.net.0.type = empty', '']
    writeFileSync(join(bb, 'config'), text.join('\n'))
    // $CTR_MONITOR (src/sys/monitor-binary.ts) for the warm-up start: it
    // reads the spec (`LENGTH\n` and the body) and reports a start
    // (docs/monitor-protocol.md §3) without starting anything. Under
    // $CTR_MONITOR the launch takes child_process's path, not the blocking
    // one a real `ctr start` takes (src/sys/monitor.ts): that one function
    // is still compiled at run time.
    const fakeMonitor = join(sandbox, 'monitor')
    writeFileSync(fakeMonitor, '#!/bin/sh\nread n <&3\nhead -c "$n" <&3 >/dev/null\nprintf "monitor $$\\ninit 1\\nrunning 1 0 0\\n" >&3\n', {mode: 0o755})
    // A few defined containers for ls -f (groups, autostart).
    for (const [name, extra] of [['web1', 'lxc.group = web\nlxc.start.auto = 1\n'], ['db', 'lxc.group = db\n']]) {
      mkdirSync(join(sandbox, 'lxc', name), {recursive: true})
      writeFileSync(join(sandbox, 'lxc', name, 'config'), `lxc.uts.name = ${name}\nlxc.rootfs.path = dir:${join(sandbox, 'lxc', name, 'rootfs')}\nlxc.net.0.type = empty\n${extra}`)
    }
    const runs = {
      // Each bundle's cache holds what its own commands ran (src/hot/*.ts).
      'hot-info': [
        ['info', ['-n', 'warm']],
        ['info', ['-n', 'warm', '-sH', '--json']],
        ['info', ['-n', 'bb', '-sH']],
      ],
      'hot-stop': [
        ['stop', ['-n', 'warm', '-k']],
        ['stop', ['-n', 'warm', '-t', '5']],
        ['stop', ['-n', 'bb', '-k']],
      ],
      'hot-ls': [['ls', ['-f']], ['ls', ['-f', '--json']]],
      'hot-query': [
        ['wait', ['-n', 'warm', '-s', 'STOPPED', '-t', '0']],
        ['wait', ['-n', 'warm', '-s', 'RUNNING', '-t', '0']],
      ],
      // Through the start plan, which refuses an unknown lxc.prlimit
      // resource (LXC checks them at start too): no container ever runs.
      'hot-start': [
        ['start', ['-n', 'warm', '--bogus']],
        ['start', ['-n', 'warm', '-s', 'lxc.prlimit.bogus=1']],
        // The busybox config through the planner and the launch, to a
        // stand-in monitor that reports `running` without starting anything.
        ['start', ['-n', 'bb'], {CTR_MONITOR: fakeMonitor}],
      ],
    }
    for (const [name, commands] of Object.entries(runs)) {
      const bundle = resolve(__dirname, `../dist/${name}.cjs`)
      // Made under a neutral name: the cache ships in the package and must
      // not record where it was built (the loader accepts it under any name).
      const {exports, script} = loadWithCache(bundle, require, `ctr-lxc/dist/${name}.cjs`)
      for (const [command, argv, env = {}] of commands) {
        Object.assign(process.env, env)
        await exports.dispatch(command, argv)
        for (const key of Object.keys(env)) delete process.env[key]
      }
      const cache = join(sandbox, `${name}.cjs.cache`)
      writeFileSync(cache, script.createCachedData())
      renameSync(cache, `${bundle}.cache`)
    }
  } finally {
    rmSync(sandbox, {recursive: true, force: true})
  }
}

main().then(
  () => {
    process.exitCode = 0
  },
  (error) => {
    writeSync(3, `${error?.stack ?? error}\n`)
    process.exitCode = 1
  },
)
