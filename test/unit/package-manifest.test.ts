// The published manifest agrees with package.json (docs/packaging.md): a
// dependency, command or man page added to one and not the other would
// otherwise be found only by the install tests, or by users.
import assert from 'node:assert/strict'
import {dirname, join} from 'node:path'
import {test} from 'node:test'
import {fileURLToPath} from 'node:url'
// @ts-expect-error: a plain .mjs build script, without types
import {manifestProblems} from '../../scripts/manifest-check.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

test('npm/ctr-lxc/package.json agrees with package.json', () => {
  assert.deepEqual(manifestProblems(ROOT), [], 'edit npm/ctr-lxc/package.json to match package.json')
})
