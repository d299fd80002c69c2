// Files shipped with the package (the monitor binary, config/default.conf,
// package.json), found from the package root. The same module runs as tsc
// output (dist/sys/*.js), inside the fast-path bundle (dist/hot-*.cjs) and from
// the sources under tsx (src/sys/*.ts), so paths are taken from the root,
// never relative to this file.

import {fileURLToPath} from 'node:url'

const here = fileURLToPath(import.meta.url)

/** The package root: the directory holding dist/ (or src/). */
export const PACKAGE_ROOT = here.replace(/\/(dist|src)(\/[^/]*)*$/, '') || '/'

/** An absolute path to a file of the package, e.g. packagePath('build/ctr-monitor'). */
export function packagePath(relative: string): string {
  return `${PACKAGE_ROOT}/${relative}`
}
