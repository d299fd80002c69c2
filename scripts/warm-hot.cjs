// Produces dist/hot-*.cjs.cache: runs each fast-path bundle through a few
// harmless commands in a throw-away sandbox (so the functions they use are
// compiled), then saves V8's code cache next to the bundle. Run by
// scripts/build-hot.mjs with fds 1 and 2 on /dev/null (the commands write
// to them directly, src/output.ts); its own errors go to fd 3.
'use strict'

const {mkdtempSync, mkdirSync, rmSync, writeFileSync, writeSync, renameSync} = require('node:fs')
const {tmpdir} = require('node:os')
const {join, resolve} = require('node:path')
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
    const runs = {
      // Each bundle's cache holds what its own commands ran (src/hot/*.ts).
      'hot-info': [
        ['info', ['-n', 'warm']],
        ['info', ['-n', 'warm', '-sH', '--json']],
      ],
      'hot-stop': [
        ['stop', ['-n', 'warm', '-k']],
        ['stop', ['-n', 'warm', '-t', '5']],
      ],
      'hot-ls': [['ls', ['-f']]],
      'hot-query': [
        ['wait', ['-n', 'warm', '-s', 'STOPPED', '-t', '0']],
        ['wait', ['-n', 'warm', '-s', 'RUNNING', '-t', '0']],
      ],
      // Through the start plan, which refuses an unknown lxc.prlimit
      // resource (LXC checks them at start too): no container ever runs.
      'hot-start': [
        ['start', ['-n', 'warm', '--bogus']],
        ['start', ['-n', 'warm', '-s', 'lxc.prlimit.bogus=1']],
      ],
    }
    for (const [name, commands] of Object.entries(runs)) {
      const bundle = resolve(__dirname, `../dist/${name}.cjs`)
      // Made under a neutral name: the cache ships in the package and must
      // not record where it was built (the loader accepts it under any name).
      const {exports, script} = loadWithCache(bundle, require, `ctr-lxc/dist/${name}.cjs`)
      for (const [command, argv] of commands) await exports.dispatch(command, argv)
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
