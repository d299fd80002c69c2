// npm's install step for ctr-lxc: make sure there is a ctr-monitor.
//
// 1. The platform package npm chose for this machine (ctr-lxc-linux-x64,
//    ctr-lxc-linux-arm64: optionalDependencies with os/cpu fields) has a
//    prebuilt static binary: check that it runs and is this version. Done.
// 2. Otherwise (another architecture, --omit=optional, a registry mirror
//    without the platform packages) build it from native/ with make and the
//    C compiler, into build/, without the object files or the test init.
// 3. No compiler either: say exactly what to install and fail, rather
//    than leave a ctr that cannot start a container.
//
// With install scripts disabled (pnpm's default, --ignore-scripts) none of
// this runs: ctr then finds the platform package itself at run time, and
// without one `ctr start` says what is missing (src/sys/monitor-binary.ts).
// docs/packaging.md.
'use strict'

const {spawnSync} = require('node:child_process')
const {existsSync, rmSync} = require('node:fs')
const {dirname, join} = require('node:path')

const ROOT = join(__dirname, '..')
const {version, optionalDependencies = {}} = require('../package.json')
const PLATFORM = `${process.platform}-${process.arch}`
const PACKAGE = Object.keys(optionalDependencies).find((name) => name.endsWith(`-${PLATFORM}`))
const CC = process.env.CC || 'cc'

function runsAsThisVersion(binary) {
  const out = spawnSync(binary, ['version'], {encoding: 'utf8', timeout: 10_000})
  return out.status === 0 && out.stdout.trim() === version
}

function prebuilt() {
  if (PACKAGE === undefined) return undefined
  try {
    const binary = join(dirname(require.resolve(`${PACKAGE}/package.json`, {paths: [ROOT]})), 'bin', 'ctr-monitor')
    return existsSync(binary) ? binary : undefined
  } catch {
    return undefined
  }
}

function onPath(tool) {
  return spawnSync('/bin/sh', ['-c', `command -v "$1"`, 'sh', tool], {stdio: 'ignore'}).status === 0
}

function fail(lines) {
  process.stderr.write(`${lines.map((l) => `ctr-lxc: ${l}`).join('\n')}\n`)
  process.exit(1)
}

function main() {
  const binary = prebuilt()
  if (binary !== undefined) {
    if (runsAsThisVersion(binary)) return
    process.stderr.write(`ctr-lxc: the prebuilt ${binary} does not run here; building ctr-monitor from source\n`)
  }
  const built = join(ROOT, 'build', 'ctr-monitor')
  const missing = ['make', CC].filter((tool) => !onPath(tool))
  if (missing.length > 0) {
    fail([
      `no prebuilt ctr-monitor for ${PLATFORM}${PACKAGE ? ` (${PACKAGE} is not installed)` : ''}, and no ${missing.join(' or ')} to build one`,
      'install a C compiler, make and the C library headers, then reinstall:',
      '  Debian, Ubuntu: apt-get install gcc make libc6-dev',
      '  Fedora: dnf install gcc make glibc-static; Alpine: apk add gcc make musl-dev',
      ...(PACKAGE ? [`or reinstall with the optional dependencies, which bring ${PACKAGE}`] : []),
    ])
  }
  const make = spawnSync('make', ['-s', '-C', join(ROOT, 'native'), 'monitor', `CC=${CC}`], {stdio: ['ignore', 'inherit', 'inherit']})
  if (make.status !== 0 || !runsAsThisVersion(built)) {
    fail([`building ctr-monitor from source failed (make exited ${make.status ?? make.signal}); the static link needs the C library's static archive (libc6-dev, glibc-static)`])
  }
  // An installed package keeps what runs, not the objects (a git checkout keeps them for make).
  if (!existsSync(join(ROOT, '.git'))) rmSync(join(ROOT, 'build', 'obj'), {recursive: true, force: true})
}

main()
