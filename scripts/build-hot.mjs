// Bundles the fast path into two CommonJS files that bin/run.js loads
// (through scripts/hot-loader.cjs, with V8's code cache): dist/hot-start.cjs
// for `start` and `execute` (src/hot/start.ts) and dist/hot-query.cjs for
// wait, info, stop, ls, monitor and attach (src/hot/query.ts). Two bundles, so that the queries
// do not load the config model and start planner they never use.
//
// Why: Node 20 spends ~10 ms initialising its ESM loader and more resolving
// and linking ~35 small modules; one CommonJS file loads in a fraction of
// that, which is the difference between ~+35 ms and ~+10 ms over `node -e 0`
// for `ctr info -sH`. The oclif commands keep using tsc's dist/**/*.js, built
// from the same sources.
import {spawnSync} from 'node:child_process'
import {rmSync} from 'node:fs'

import {build} from 'esbuild'

await build({
  entryPoints: {'hot-start': 'src/hot/start.ts', 'hot-query': 'src/hot/query.ts'},
  outdir: 'dist',
  outExtension: {'.js': '.cjs'},
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // oclif is loaded only for --help, from node_modules as usual.
  external: ['@oclif/core'],
  // import.meta.url is empty in CommonJS: give the bundle its own file URL
  // (src/sys/package-files.ts finds the package root from it).
  define: {'import.meta.url': '__ctrModuleUrl'},
  banner: {js: "'use strict';\nconst __ctrModuleUrl = require('node:url').pathToFileURL(__filename).href;"},
  logLevel: 'warning',
  // The bundle runs under vm.Script (for its code cache, see bin/run.js),
  // where import() has no loader: require oclif instead (it is CommonJS).
  supported: {'dynamic-import': false},
  minifyWhitespace: true,
  minifySyntax: true,
})

// V8's code cache for the bundle (scripts/warm-hot.cjs): a stale cache
// from an earlier build must not survive a failure to make a new one.
for (const bundle of ['hot-start', 'hot-query']) rmSync(`dist/${bundle}.cjs.cache`, {force: true})
// The warm-up commands print to fds 1 and 2 directly: those go to /dev/null,
// the script's own errors come back on fd 3.
const warm = spawnSync(process.execPath, ['scripts/warm-hot.cjs'], {stdio: ['ignore', 'ignore', 'ignore', 'pipe'], encoding: 'utf8'})
if (warm.status !== 0) {
  process.stderr.write(`scripts/warm-hot.cjs failed (${warm.status ?? warm.signal}):\n${warm.output[3] ?? ''}`)
  process.exit(1)
}
