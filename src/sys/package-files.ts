// Files shipped with the package (config/default.conf, package.json, the
// monitor built from source), found from the package root. The same module
// runs as tsc output (dist/sys/*.js), inside the fast-path bundle
// (dist/hot-*.cjs) and from the sources under tsx (src/sys/*.ts): the root
// is the nearest directory above this file that holds a package.json
// (neither dist/ nor src/ has one). Never a pattern over the path: the
// package may itself live under a directory named src or dist (~/src/ctr).

import {existsSync} from 'node:fs'
import {dirname} from 'node:path'
import {fileURLToPath} from 'node:url'

function findRoot(file: string): string {
  let dir = dirname(file)
  for (;;) {
    if (existsSync(`${dir}/package.json`)) return dir
    const parent = dirname(dir)
    if (parent === dir) return dirname(file)
    dir = parent
  }
}

/** The package root: the nearest directory above this module with a package.json. */
export const PACKAGE_ROOT = findRoot(fileURLToPath(import.meta.url))

/** An absolute path to a file of the package, e.g. packagePath('config/default.conf'). */
export function packagePath(relative: string): string {
  return `${PACKAGE_ROOT}/${relative}`
}
