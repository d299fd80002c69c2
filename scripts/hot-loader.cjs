// Loads a fast-path bundle (dist/hot-*.cjs) with its V8 code cache (.cache), which Node
// 20 has no built-in switch for (Node 22's module.enableCompileCache does
// the same). Compiling a ~200 KB bundle costs ~7 ms of every `ctr info`;
// with the cache it is deserialised instead. A cache that is missing, stale
// (another Node or V8 version) or corrupt is simply not used: V8 rejects it
// and compiles the source as usual.
'use strict'

const {readFileSync} = require('node:fs')
const {dirname} = require('node:path')
const vm = require('node:vm')

/**
 * Runs the CommonJS file `file`, written already wrapped as a function of
 * (exports, require, module, __filename, __dirname) (scripts/build-hot.mjs:
 * concatenating the wrapper here cost a copy of the whole source), with
 * `file + '.cache'` as its code cache,
 * and returns its exports, plus the compiled script so a caller can produce
 * a fresh cache after running it. `scriptName` names the script for V8
 * (stack traces); V8 accepts a cache made under another name, so the cache
 * that ships is made under a neutral one and holds no builder's path.
 */
function loadWithCache(file, require, scriptName = file) {
  const source = readFileSync(file, 'utf8')
  let cachedData
  try {
    cachedData = readFileSync(`${file}.cache`)
  } catch {
    cachedData = undefined
  }
  const script = new vm.Script(source, {filename: scriptName, ...(cachedData ? {cachedData} : {})})
  const module = {exports: {}}
  script.runInThisContext().call(module.exports, module.exports, require, module, file, dirname(file))
  return {exports: module.exports, script}
}

module.exports = {loadWithCache}
