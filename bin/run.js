#!/usr/bin/env node
// Two ways in, one behaviour (docs/architecture.md §6). The LXC-compatible hot
// commands go straight to our getopt parser and runner, bundled in
// dist/hot-*.cjs (scripts/build-hot.mjs) and loaded with V8's code cache
// (scripts/hot-loader.cjs), because importing
// @oclif/core alone costs ~75 ms and Node's ESM loader another ~10;
// everything else (the version, help, completion, an unknown command,
// the other commands) goes through dist/main.js, which loads oclif only for
// help and the oclif command classes; those run the same code.
// CTR_VIA_OCLIF=1 sends the hot commands through oclif too, which the tests
// use to prove both ways behave the same. Through a link named lxc-start,
// lxc-info, ... (README "A drop-in for LXC's tools") both ways run the
// matching command.
// (CommonJS on purpose: bin/package.json says so.)
'use strict'

// Each hot command's bundle: start and execute carry the start planner and
// the seccomp compiler; info, stop and ls have one each; the rest share one.
const HOT = {start: 'hot-start', execute: 'hot-start', info: 'hot-info', stop: 'hot-stop', ls: 'hot-ls', wait: 'hot-query', monitor: 'hot-query', attach: 'hot-query'}
// Called through a link named after an LXC tool (lxc-start, ...: the table
// in lxc-tools.json), ctr runs that command and names itself after the link.
const script = process.argv[1] || ''
const self = script.slice(script.lastIndexOf('/') + 1)
const tool = self.startsWith('lxc-') ? require('./lxc-tools.json')[self] : undefined
const invokedAs = typeof tool === 'string' ? self : undefined
const argv = invokedAs ? [tool, ...process.argv.slice(2)] : process.argv.slice(2)
const command = argv[0]
const bundle = Object.hasOwn(HOT, command) ? HOT[command] : undefined

if (bundle && !process.env.CTR_VIA_OCLIF) {
  const {join} = require('node:path')
  const {loadWithCache} = require('../scripts/hot-loader.cjs')
  const done = loadWithCache(join(__dirname, `../dist/${bundle}.cjs`), require).exports.dispatch(command, argv.slice(1), invokedAs)
  done.then(() => process.once('beforeExit', endNow))
} else {
  // A system error met while loading (EMFILE under a low `ulimit -n`)
  // would otherwise end in an unhandled rejection's stack trace.
  import('../dist/main.js')
    .then(({main}) => main(argv, invokedAs))
    .catch((error) => loadFailure(error) || Promise.reject(error))
}

// Once the command has finished and printed (src/output.ts writes to fds 1
// and 2 synchronously) and Node's event loop has run dry ('beforeExit':
// no pending write, socket, child or timer is left), Node would end, but
// only after tearing down its environment, heap and isolate: ~10 ms more
// for a process of this size than process.exit(), which still runs the
// 'exit' listeners and keeps the exit code. So end then, unless another
// 'beforeExit' listener may have scheduled more work (then Node goes on as
// usual). Not done by the library (src/index.ts), which runs in its
// caller's process.
function endNow() {
  if (process.listenerCount('beforeExit') === 0) process.exit()
}

// A failed system call before any command ran: `ctr CMD: Failed to load ctr (open): EMFILE`.
function loadFailure(error) {
  const code = error && typeof error.code === 'string' && /^E[A-Z0-9]+$/.test(error.code) ? error.code : undefined
  if (!code || typeof error.syscall !== 'string') return false
  const prog = invokedAs ?? (command && !command.startsWith('-') ? `ctr ${command}` : 'ctr')
  let text = `${prog}: Failed to load ctr (${error.syscall}): ${code}\n`
  if (code === 'EMFILE' || code === 'ENFILE') text += 'Too many open files: raise the limit (ulimit -n) and run the command again\n'
  process.stderr.write(text)
  process.exitCode = 1
  return true
}
