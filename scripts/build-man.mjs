// Writes the man pages (man/ctr.1, man/ctr-COMMAND.1) from the option tables,
// the same source as --help (src/core/cli/man.ts, through tsc's dist/).
// package.json's "man" lists them, so npm installs them with the package.
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'

import {COMMAND_CATALOG} from '../dist/core/cli/catalog.js'
import {commandPage, mainPage} from '../dist/core/cli/man.js'

const {version, man} = JSON.parse(readFileSync('package.json', 'utf8'))
const pages = {'man/ctr.1': mainPage(version)}
for (const spec of COMMAND_CATALOG) pages[`man/ctr-${spec.id}.1`] = commandPage(spec, version)

const listed = [...man].map((p) => p.replace(/^\.\//, '')).sort()
const made = Object.keys(pages).sort()
if (JSON.stringify(listed) !== JSON.stringify(made)) {
  process.stderr.write(`package.json "man" must list exactly: ${made.map((p) => `./${p}`).join(', ')}\n`)
  process.exit(1)
}
rmSync('man', {recursive: true, force: true})
mkdirSync('man')
for (const [path, text] of Object.entries(pages)) writeFileSync(path, text)
