// The least a per-call Node start can add to `node -e 0` (bench/README.md,
// "floor rows"): no config, no plan, no CLI. It hands `ctr-monitor start` a
// spec that ctr's own planner wrote earlier, the way ctr's start does (the
// blocking spawn of src/sys/monitor.ts launchDaemonSync, which loads no
// stream stack), waits for the report and ends as a hot command ends.
//
//   node bench/spec-handoff.cjs MONITOR NAME LXCPATH SPECFILE
'use strict'

const {readFileSync} = require('node:fs')

const [monitor, name, lxcpath, specFile] = process.argv.slice(2)
if (!specFile) {
  process.stderr.write('usage: node bench/spec-handoff.cjs MONITOR NAME LXCPATH SPECFILE\n')
  process.exit(2)
}
const envPairs = []
for (const [key, value] of Object.entries(process.env)) if (value !== undefined) envPairs.push(`${key}=${value}`)
const result = process.binding('spawn_sync').spawn({
  file: monitor,
  args: [monitor, 'start', '--name', name, '--lxcpath', lxcpath],
  envPairs,
  stdio: [{type: 'ignore'}, {type: 'ignore'}, {type: 'inherit', fd: 2}, {type: 'pipe', readable: true, writable: true, input: readFileSync(specFile)}],
  timeout: 30_000,
  killSignal: 9,
  maxBuffer: 1 << 20,
  detached: false,
  windowsHide: false,
  windowsVerbatimArguments: false,
})
const said = result.output?.[3]?.toString('utf8') ?? ''
if (!said.includes('running ')) {
  process.stderr.write(`spec-handoff: the monitor said "${said.trim()}" (spawn error ${result.error ?? 0}, status ${result.status})\n`)
  process.exitCode = 1
}
process.exit()
