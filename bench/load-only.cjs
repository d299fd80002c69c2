// The floor of a hot command in this architecture (docs/architecture.md §9):
// what bin/run.js does for `ctr COMMAND` up to, not including, running it:
// Node's boot, loading the command's bundle with its V8 code cache
// (scripts/hot-loader.cjs), then ending as a hot command ends
// (process.exit() once done). `node bench/load-only.cjs info` minus
// `node -e 0` is the least a per-call `ctr info` can add to Node's boot
// while its code is JavaScript loaded per call.
'use strict'

const {join} = require('node:path')
const {loadWithCache} = require('../scripts/hot-loader.cjs')

const bundle = {start: 'hot-start', info: 'hot-info', stop: 'hot-stop', ls: 'hot-ls'}[process.argv[2]]
if (!bundle) {
  process.stderr.write('usage: node bench/load-only.cjs start|info|stop|ls\n')
  process.exit(2)
}
loadWithCache(join(__dirname, `../dist/${bundle}.cjs`), require)
process.exit()
