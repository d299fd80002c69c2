// Bundles the fast path into the CommonJS files that bin/run.js loads
// (through scripts/hot-loader.cjs, with V8's code cache): dist/hot-start.cjs
// for `start` and `execute` (src/hot/start.ts), dist/hot-info.cjs,
// hot-stop.cjs and hot-ls.cjs for those three commands alone, and
// dist/hot-query.cjs for wait, monitor and attach (src/hot/query.ts).
// Separate bundles, so that the queries do not load the start planner they
// never use, and `info`, `stop` and `ls` (what scripts call in loops) do
// not deserialise each other's code: a bundle's cost grows with its size.
//
// Why: Node 20 spends ~10 ms initialising its ESM loader and more resolving
// and linking ~35 small modules; one CommonJS file loads in a fraction of
// that, which is the difference between ~+35 ms and ~+10 ms over `node -e 0`
// for `ctr info -sH`. The oclif commands keep using tsc's dist/**/*.js, built
// from the same sources.
import {spawnSync} from 'node:child_process'
import {rmSync} from 'node:fs'

import {build} from 'esbuild'

// The bundles, named after their entry points (src/hot/NAME.ts: hot-NAME).
const HOT_BUNDLES = ['hot-start', 'hot-query', 'hot-info', 'hot-stop', 'hot-ls']

const options = {
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
  // Written already wrapped as the function CommonJS runs a module in
  // (Node's Module.wrap): wrapping it at load time made V8 copy the whole
  // source into a flat string before compiling (scripts/hot-loader.cjs).
  banner: {js: "(function (exports, require, module, __filename, __dirname) { 'use strict';\nconst __ctrModuleUrl = require('node:url').pathToFileURL(__filename).href;"},
  footer: {js: '\n})'},
  logLevel: 'warning',
  // The bundle runs under vm.Script (for its code cache, see bin/run.js),
  // where import() has no loader: require oclif instead (it is CommonJS).
  supported: {'dynamic-import': false},
  minifyWhitespace: true,
  minifySyntax: true,
}
// Local names are minified in start's bundle only (~60 KB less to read,
// ~85 fewer page faults per `ctr start`). The others would fall under V8's
// large-object size (128 KiB) and their source string would be allocated
// in the young generation instead, where it brought `ctr stop -k` a
// scavenge (measured); error names are set on their prototypes
// (src/core/errors.ts), so no output depends on a function's name.
const entry = (bundle) => ({[bundle]: `src/hot/${bundle.slice(4)}.ts`})
await build({...options, entryPoints: entry('hot-start'), minifyIdentifiers: true})
await build({...options, entryPoints: Object.assign({}, ...HOT_BUNDLES.filter((b) => b !== 'hot-start').map(entry))})

// V8's code cache for the bundle (scripts/warm-hot.cjs): a stale cache
// from an earlier build must not survive a failure to make a new one.
for (const bundle of HOT_BUNDLES) rmSync(`dist/${bundle}.cjs.cache`, {force: true})
// The warm-up commands print to fds 1 and 2 directly: those go to /dev/null,
// the script's own errors come back on fd 3.
const warm = spawnSync(process.execPath, ['scripts/warm-hot.cjs'], {stdio: ['ignore', 'ignore', 'ignore', 'pipe'], encoding: 'utf8'})
if (warm.status !== 0) {
  process.stderr.write(`scripts/warm-hot.cjs failed (${warm.status ?? warm.signal}):\n${warm.output[3] ?? ''}`)
  process.exit(1)
}
