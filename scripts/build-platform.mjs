// Builds the static ctr-monitor for one platform package (npm/linux-ARCH/
// bin/ctr-monitor): with the system compiler for the machine's own
// architecture (into build/, the same build as `make -C native`), else with
// Debian's cross compiler (gcc-aarch64-linux-gnu and libc6-dev-arm64-cross
// for arm64, gcc-x86-64-linux-gnu and libc6-dev-amd64-cross for x64) into
// build/ARCH/, so that it never mixes with the native build; then stripped. Run by `npm pack` in the platform
// package (prepack), and by the install tests. docs/packaging.md.
//
//   node scripts/build-platform.mjs x64|arm64
import {spawnSync} from 'node:child_process'
import {copyFileSync, mkdirSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const TRIPLETS = {x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu'}
const APT = {x64: 'gcc-x86-64-linux-gnu libc6-dev-amd64-cross', arm64: 'gcc-aarch64-linux-gnu libc6-dev-arm64-cross'}

const arch = process.argv[2]
if (!(arch in TRIPLETS)) {
  process.stderr.write(`usage: node scripts/build-platform.mjs ${Object.keys(TRIPLETS).join('|')}\n`)
  process.exit(2)
}
const pkgDir = join(ROOT, 'npm', `linux-${arch}`)
const main = JSON.parse(readFileSync(join(ROOT, 'npm', 'ctr-lxc', 'package.json'), 'utf8'))
const platform = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
if (platform.version !== main.version || main.optionalDependencies?.[platform.name] !== main.version) {
  process.stderr.write(`${platform.name} is ${platform.version}, ctr-lxc is ${main.version} and wants ${main.optionalDependencies?.[platform.name]}: they must be the same version\n`)
  process.exit(1)
}

const native = process.arch === arch
const triplet = TRIPLETS[arch]
const cc = native ? process.env.CC || 'cc' : `${triplet}-gcc`
const strip = native ? 'strip' : `${triplet}-strip`
const probe = spawnSync(cc, ['--version'], {stdio: 'ignore'})
if (probe.error || probe.status !== 0) {
  process.stderr.write(`No ${cc} to build ctr-monitor for ${arch}${native ? ': install gcc, make and libc6-dev' : `: apt-get install ${APT[arch]}`}\n`)
  process.exit(1)
}
const build = native ? join(ROOT, 'build') : join(ROOT, 'build', arch)
const make = spawnSync('make', ['-s', '-C', join(ROOT, 'native'), 'monitor', `BUILD=${build}`, `CC=${cc}`], {stdio: 'inherit'})
if (make.status !== 0) process.exit(make.status ?? 1)
mkdirSync(join(pkgDir, 'bin'), {recursive: true})
const out = join(pkgDir, 'bin', 'ctr-monitor')
copyFileSync(join(build, 'ctr-monitor'), out)
const stripped = spawnSync(strip, ['--strip-all', out], {stdio: 'inherit'})
if (stripped.status !== 0) process.exit(stripped.status ?? 1)
process.stdout.write(`${out}\n`)
