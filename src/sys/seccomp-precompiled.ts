// The BPF programs of the seccomp policies shipped in config/, compiled at
// build time by scripts/precompile-seccomp.mjs into dist/seccomp/NAME.json.
// A container whose policy text is byte for byte a shipped one gets the
// stored program without loading the compiler (core/seccomp and its system
// call tables: about 15 ms of every start of the embedded default config and
// the busybox template). Any other text, or no stored program (a build that
// did not run the script), means compiling as usual.

import {readFileSync} from 'node:fs'

import {packagePath} from './package-files.js'

const SHIPPED = ['default'] as const

// Read once per process: a fleet start (--many) or a program starting
// containers through the library asks once per container.
let shipped: Map<string, string> | undefined

/** The stored program for a policy whose text is exactly a shipped policy's, else undefined. Never throws. */
export function precompiledSeccomp(text: string): Buffer | undefined {
  shipped ??= readShipped()
  const filter = shipped.get(text)
  // A fresh Buffer each time: the caller owns what it gets.
  return filter === undefined ? undefined : Buffer.from(filter, 'hex')
}

function readShipped(): Map<string, string> {
  const programs = new Map<string, string>()
  for (const name of SHIPPED) {
    let stored: {text?: unknown; filter?: unknown}
    try {
      stored = JSON.parse(readFileSync(packagePath(`dist/seccomp/${name}.json`), 'utf8')) as typeof stored
    } catch {
      continue
    }
    if (typeof stored.text !== 'string' || typeof stored.filter !== 'string' || !/^([0-9a-f]{16})+$/.test(stored.filter)) continue
    programs.set(stored.text, stored.filter)
  }
  return programs
}
