#!/usr/bin/env node
// Two ways in, one behaviour (DESIGN.md): the LXC-compatible hot commands go
// straight to our getopt parser and runner, because importing @oclif/core
// alone costs ~75 ms; everything else (help, other commands, completion)
// goes through oclif. CTR_VIA_OCLIF=1 sends the hot commands through oclif
// too, which the tests use to prove both ways behave the same.
const HOT = new Set(['start', 'wait', 'info', 'stop'])
const command = process.argv[2]

if (HOT.has(command) && !process.env.CTR_VIA_OCLIF) {
  const {dispatch} = await import('../dist/dispatch.js')
  await dispatch(command, process.argv.slice(3))
} else {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
