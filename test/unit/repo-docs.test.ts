// The repository explains itself (issue 11, defect 11): comments, docs and
// scripts cite documents that are in the repository (docs/...), never notes
// that live elsewhere, and every docs/ file they name exists.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const ROOTS = ['src', 'native', 'test', 'stress', 'bench', 'scripts', 'bin', 'docs', '.ci', 'README.md', 'package.json']
const TEXT = /\.(ts|js|mjs|cjs|c|h|md|json|sh)$|^(Makefile|run|sanitizer-pass)$/
const SELF = fileURLToPath(import.meta.url)

function* files(path: string): Generator<string> {
  const st = statSync(path)
  if (st.isFile()) {
    if (TEXT.test(path.split('/').pop() as string)) yield path
    return
  }
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue
    yield* files(join(path, entry))
  }
}

// Names of documents outside the repository, built so that this file does
// not match itself: design and style notes, the reference pages, the
// toolchain notes, and the directory that held them.
const OUTSIDE = [
  ['DESIGN', '.md'], ['STYLE', '.md'], ['toolchain', '.md'], ['lxc-cli', '.md'], ['lxc-real-use', '.md'], ['lxc-baseline', '.md'],
  ['/work/', 'shared'], ['shared/', 'reference'], ['reference ', '§'], ['reference/', 'lxc'],
].map(([a, b]) => (a as string) + (b as string))

describe('the repository explains itself', () => {
  const all = ROOTS.map((r) => join(REPO, r)).filter(existsSync).flatMap((r) => [...files(r)]).filter((f) => f !== SELF)

  it('finds the sources it checks', () => {
    assert.ok(all.some((f) => f.endsWith('native/monitor.c')) && all.some((f) => f.endsWith('src/runners/start.ts')), `${all.length} files`)
  })

  it('cites no document that is not in the repository', () => {
    const found: string[] = []
    for (const file of all) {
      const lines = readFileSync(file, 'utf8').split('\n')
      lines.forEach((line, i) => {
        for (const name of OUTSIDE) if (line.includes(name)) found.push(`${relative(REPO, file)}:${i + 1}: ${name}`)
      })
    }
    assert.deepEqual(found, [])
  })

  it('every docs/ file cited exists', () => {
    const missing: string[] = []
    for (const file of all) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/\bdocs\/([A-Za-z0-9_.-]+\.(md|json))\b/g)) {
        if (!existsSync(join(REPO, 'docs', m[1] as string))) missing.push(`${relative(REPO, file)}: docs/${m[1]}`)
      }
    }
    assert.deepEqual(missing, [])
  })
})
