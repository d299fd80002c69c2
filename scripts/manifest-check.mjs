// The published manifest (npm/ctr-lxc/package.json, docs/packaging.md) must
// agree with the repository root's on everything that decides what runs:
// one place for that list, used by stage-main.mjs before it packs and by
// the unit tests, so that a dependency or command added to package.json
// and not to the published manifest fails at `npm test`, not at install.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

export const SHARED = ['name', 'version', 'description', 'license', 'type', 'main', 'types', 'exports', 'bin', 'man', 'engines', 'oclif', 'dependencies']

/** The problems found, one sentence each (empty when the manifests agree). */
export function manifestProblems(root) {
  const read = (path) => JSON.parse(readFileSync(join(root, path), 'utf8'))
  const main = read('package.json')
  const published = read('npm/ctr-lxc/package.json')
  const problems = []
  for (const key of SHARED) {
    if (JSON.stringify(main[key]) !== JSON.stringify(published[key])) problems.push(`"${key}" differs between package.json and npm/ctr-lxc/package.json`)
  }
  for (const [name, version] of Object.entries(published.optionalDependencies ?? {})) {
    const platform = read(join('npm', name.replace(/^ctr-lxc-/, ''), 'package.json'))
    if (platform.name !== name || platform.version !== version || version !== published.version) problems.push(`${name} must be ${published.version} everywhere`)
  }
  return problems
}
