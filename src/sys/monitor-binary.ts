// Where ctr-monitor is. In order: $CTR_MONITOR (an ASan build, say); the one
// built from source into build/ (a git checkout, or the install fallback of
// scripts/install.cjs when no prebuilt binary fits); the prebuilt binary of
// the platform package npm chose at install (ctr-lxc-linux-x64,
// ctr-lxc-linux-arm64: optionalDependencies with os/cpu fields, the way
// esbuild ships its binaries; docs/packaging.md). A missing or unusable
// binary is a CtrError that names the fix, never a spawn stack trace.

import {accessSync, closeSync, constants, existsSync, openSync, readFileSync, readSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname} from 'node:path'

import {CtrError} from '../core/errors.js'
import {childProcess} from './builtins.js'
import {PACKAGE_ROOT, packagePath} from './package-files.js'

/** The npm package that carries the prebuilt monitor for each platform. */
export const PLATFORM_PACKAGES: Record<string, string> = {
  'linux-x64': 'ctr-lxc-linux-x64',
  'linux-arm64': 'ctr-lxc-linux-arm64',
}

export function platformKey(): string {
  return `${process.platform}-${process.arch}`
}

/** The prebuilt binary of this platform's package, if that package is installed. */
export function prebuiltMonitor(): string | undefined {
  const name = PLATFORM_PACKAGES[platformKey()]
  if (name === undefined) return undefined
  try {
    const manifest = createRequire(`${PACKAGE_ROOT}/package.json`).resolve(`${name}/package.json`)
    const binary = `${dirname(manifest)}/bin/ctr-monitor`
    return existsSync(binary) ? binary : undefined
  } catch {
    return undefined
  }
}

let found: string | undefined

/** The ctr-monitor binary (see the file comment). Throws CTR_MONITOR_MISSING if there is none. */
export function monitorBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CTR_MONITOR) return env.CTR_MONITOR
  if (found !== undefined) return found
  const built = packagePath('build/ctr-monitor')
  const binary = existsSync(built) ? built : prebuiltMonitor()
  if (binary === undefined) throw monitorMissing()
  found = binary
  return binary
}

/** What to do when there is no monitor: the two ways to get one. */
export function monitorFixHints(): string[] {
  const name = PLATFORM_PACKAGES[platformKey()]
  const build = `Or build it from source: install gcc, make and libc6-dev (Debian, Ubuntu: apt-get install gcc make libc6-dev), then run make -C ${PACKAGE_ROOT}/native monitor`
  if (name === undefined) return [`There is no prebuilt ctr-monitor for ${platformKey()}`, build.replace(/^Or build/, 'Build')]
  return [`Reinstall ctr-lxc with its optional dependencies (without --omit=optional or --no-optional): they bring ${name}`, build]
}

export function monitorMissing(): CtrError {
  return new CtrError('CTR_MONITOR_MISSING', `ctr-monitor is not installed for ${platformKey()}`, {hints: monitorFixHints()})
}

/** A monitor that exists but cannot run (EACCES, ENOEXEC: another architecture, a broken file). */
export function monitorBroken(binary: string, error: NodeJS.ErrnoException): CtrError {
  const code = error.code ?? 'EIO'
  const why = code === 'ENOEXEC' ? 'not a program for this machine' : code === 'EACCES' ? 'not executable' : code === 'ENOENT' ? 'missing' : code
  return new CtrError('CTR_MONITOR_BROKEN', `Failed to run ctr-monitor "${binary}": ${why} (${code})`, {hints: monitorFixHints(), cause: error})
}

/** Whether the binary can be executed by this process (for `ctr version --json`). */
export function isExecutable(binary: string): boolean {
  try {
    accessSync(binary, constants.X_OK)
    return true
  } catch {
    return false
  }
}

const ELF_MACHINES: Record<number, string> = {3: 'ia32', 62: 'x64', 40: 'arm', 183: 'arm64', 243: 'riscv64', 21: 'ppc64', 22: 's390x'}

/**
 * Why a monitor that exited without a word cannot work here, if that is
 * the cause: not an ELF file, an ELF for another machine, or one that does
 * not print ctr's version. (The kernel's ENOEXEC never reaches Node: libc's
 * execvp hands such a file to /bin/sh.) For the error path only: it reads
 * the file and runs `ctr-monitor version`.
 */
export function diagnoseMonitor(binary: string): CtrError | undefined {
  const head = Buffer.alloc(20)
  try {
    const fd = openSync(binary, 'r')
    try {
      readSync(fd, head, 0, 20, 0)
    } finally {
      closeSync(fd)
    }
  } catch (error) {
    return monitorBroken(binary, error as NodeJS.ErrnoException)
  }
  const broken = (why: string): CtrError => new CtrError('CTR_MONITOR_BROKEN', `Failed to run ctr-monitor "${binary}": ${why}`, {hints: monitorFixHints()})
  // A script is a wrapper ($CTR_MONITOR = strace, valgrind ... around the
  // real binary): the kernel runs it, so it says nothing about the monitor.
  if (head.subarray(0, 2).toString('latin1') === '#!') return undefined
  if (head.readUInt32BE(0) !== 0x7f454c46) return broken('not a program for this machine (not an ELF file) (ENOEXEC)')
  const machine = ELF_MACHINES[head.readUInt16LE(18)] ?? `machine ${head.readUInt16LE(18)}`
  if (machine !== process.arch) return broken(`built for ${machine}, this machine is ${process.arch} (ENOEXEC)`)
  const out = childProcess().spawnSync(binary, ['version'], {encoding: 'utf8', timeout: 5000})
  if (out.error) return monitorBroken(binary, out.error as NodeJS.ErrnoException)
  const expected = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as {version: string}).version
  const got = out.stdout.trim()
  if (out.status !== 0 || got !== expected) {
    const said = out.status === 0 ? `is version ${got || '(none)'}, ctr is ${expected}` : `\`ctr-monitor version\` exited ${out.status ?? out.signal}`
    return broken(said)
  }
  return undefined
}
