// Node built-ins that the fast path loads only when a command needs them.
//
// `node:child_process` pulls in `node:net` and the whole stream stack, which
// costs 2 to 3 ms of every `ctr info`, `wait` or `stop`, although most of
// them never spawn anything (only interface addresses and orphan cleanup
// run a helper) and `info -sH` does not even open a socket (state.json
// answers it). A static import would load them at startup; these getters
// load them on first use. createRequire works both in tsc's ESM output and
// in the CommonJS bundles (where import.meta.url is the bundle's URL).

import {createRequire} from 'node:module'

// Made on first use too: createRequire converts the module's URL to a
// path, ~35 KiB of young heap that `ls` and `stop` never need.
let required: NodeJS.Require | undefined
const load = (id: string): unknown => (required ??= createRequire(import.meta.url))(id)

export const childProcess = (): typeof import('node:child_process') => load('node:child_process') as typeof import('node:child_process')
export const net = (): typeof import('node:net') => load('node:net') as typeof import('node:net')
// node:os is small, but compiling it costs ~0.5 ms of a call that needs no home directory.
export const os = (): typeof import('node:os') => load('node:os') as typeof import('node:os')
// node:v8, for the one flag a fleet start sets (src/runners/start.ts).
export const v8 = (): typeof import('node:v8') => load('node:v8') as typeof import('node:v8')
