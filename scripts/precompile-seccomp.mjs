// Compiles the seccomp policies shipped in config/ (config/default.seccomp)
// to BPF at build time, into dist/seccomp/NAME.json: {text, filter}. `ctr
// start` uses the stored program when a container's policy text is exactly
// a shipped one (src/sys/seccomp-precompiled.ts), so the embedded default
// config and the busybox template do not load the compiler and its system
// call tables on every start (about 15 ms). A policy whose text differs in
// any byte is compiled as usual. Run after tsc (it uses dist/).
import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'

const {compileSeccompPolicy} = await import('../dist/core/seccomp/index.js')

mkdirSync('dist/seccomp', {recursive: true})
for (const name of ['default']) {
  const source = `config/${name}.seccomp`
  const text = readFileSync(source, 'utf8')
  const {filter, warnings} = compileSeccompPolicy(text, source)
  // A shipped policy compiles cleanly: warnings would name this build's path.
  if (warnings.length > 0) {
    process.stderr.write(`${source} compiles with warnings:\n${warnings.join('\n')}\n`)
    process.exit(1)
  }
  const out = `dist/seccomp/${name}.json`
  writeFileSync(`${out}.tmp`, `${JSON.stringify({text, filter: filter.toString('hex')})}\n`)
  renameSync(`${out}.tmp`, out)
}
