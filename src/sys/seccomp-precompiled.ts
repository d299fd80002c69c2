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

/** The stored program for a policy whose text is exactly a shipped policy's, else undefined. Never throws. */
export function precompiledSeccomp(text: string): Buffer | undefined {
  for (const name of SHIPPED) {
    let stored: {text?: unknown; filter?: unknown}
    try {
      stored = JSON.parse(readFileSync(packagePath(`dist/seccomp/${name}.json`), 'utf8')) as typeof stored
    } catch {
      continue
    }
    if (stored.text !== text || typeof stored.filter !== 'string' || !/^([0-9a-f]{16})+$/.test(stored.filter)) continue
    return Buffer.from(stored.filter, 'hex')
  }
  return undefined
}
