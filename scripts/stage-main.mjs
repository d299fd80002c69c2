// Stages the published ctr-lxc package in npm/ctr-lxc/: its package.json is
// checked in (the published manifest: the repository root's, plus the
// optional platform packages and the install steps, minus what only a
// checkout needs); this copies in the files it lists from the built
// checkout. Run by `npm pack` there (prepack), which builds first; the
// install tests run it with --no-build on a tree `npm test` just built.
// The same layout as esbuild's npm/esbuild/. docs/packaging.md.
//
//   node scripts/stage-main.mjs [--no-build]
import {spawnSync} from 'node:child_process'
import {cpSync, existsSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {manifestProblems} from './manifest-check.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const STAGE = join(ROOT, 'npm', 'ctr-lxc')
const problems = manifestProblems(ROOT)
if (problems.length > 0) fail(problems.join('\n'))
const published = JSON.parse(readFileSync(join(STAGE, 'package.json'), 'utf8'))

if (!process.argv.includes('--no-build')) {
  const build = spawnSync('npm', ['run', 'build'], {cwd: ROOT, stdio: 'inherit'})
  if (build.status !== 0) process.exit(build.status ?? 1)
}

// Start from the manifest alone, then copy what "files" names (plus the
// LICENSE and README npm always packs).
for (const entry of readdirSync(STAGE)) if (entry !== 'package.json') rmSync(join(STAGE, entry), {recursive: true, force: true})
for (const pattern of [...published.files, 'LICENSE', 'README.md']) {
  const star = pattern.indexOf('*')
  if (star < 0) {
    if (!existsSync(join(ROOT, pattern))) fail(`${pattern} is missing: build first (npm run build)`)
    cpSync(join(ROOT, pattern), join(STAGE, pattern), {recursive: true})
    continue
  }
  // dir/*.ext
  const dir = pattern.slice(0, pattern.lastIndexOf('/'))
  const suffix = pattern.slice(star + 1)
  for (const file of readdirSync(join(ROOT, dir))) {
    if (file.endsWith(suffix)) cpSync(join(ROOT, dir, file), join(STAGE, dir, file))
  }
}
process.stdout.write(`${STAGE}\n`)
