// The package as users get it: `npm pack` of ctr-lxc and of its platform
// packages, installed by npm from a registry on 127.0.0.1 that serves those
// tarballs (test/integration/registry.ts), into fresh prefixes under a path
// that contains /src/ and /dist/ (the package root is not found by a path
// pattern), with no C compiler on PATH; then start, info and stop run from
// PATH (or npx). One pack and one registry for every case.

import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {REPO, describeResult, json, rootOnly, useSandbox, type CtrResult, type Sandbox} from './helpers.js'
import {startRegistry, type LocalRegistry} from './registry.js'

const T = {timeout: 240_000}
const NPM_CLI = join(dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js')
const NPX_CLI = join(dirname(NPM_CLI), 'npx-cli.js')
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string}).version
const HOST = `ctr-lxc-linux-${process.arch}`
const OTHER = process.arch === 'arm64' ? 'ctr-lxc-linux-x64' : 'ctr-lxc-linux-arm64'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs = 180_000): Promise<Run & {args: string[]}> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {env, cwd, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr, args})
    })
  })
}

function show(r: Run & {args: string[]}): string {
  return `${r.args.join(' ')} -> ${r.code}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`
}

describe('installing the packed tarballs', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('install')
  let work = ''
  let registry: LocalRegistry | undefined
  const tarballs: Record<string, string> = {}
  let nodeOnly = ''
  let arm64Why: string | undefined

  before(async () => {
    // <tmp>/src/dist/: ~/src/ctr broke the old path-pattern package root.
    work = join(mkdtempSync(join(tmpdir(), 'ctr-install-')), 'src', 'dist')
    mkdirSync(work, {recursive: true})
    const host = spawnSync(process.execPath, [join(REPO, 'scripts/build-platform.mjs'), process.arch], {encoding: 'utf8'})
    assert.equal(host.status, 0, host.stderr)
    // The published ctr-lxc is staged in npm/ctr-lxc/ (esbuild's layout): its manifest plus the built files.
    const stage = spawnSync(process.execPath, [join(REPO, 'scripts/stage-main.mjs'), '--no-build'], {encoding: 'utf8'})
    assert.equal(stage.status, 0, stage.stderr)
    const dirs = [join(REPO, 'npm', 'ctr-lxc'), join(REPO, 'npm', `linux-${process.arch}`)]
    if (process.arch === 'x64') {
      const cross = spawnSync(process.execPath, [join(REPO, 'scripts/build-platform.mjs'), 'arm64'], {encoding: 'utf8'})
      if (cross.status === 0) dirs.push(join(REPO, 'npm', 'linux-arm64'))
      else arm64Why = `no arm64 build: ${cross.stderr.trim()}`
    }
    // --ignore-scripts: the tree is built already (npm test's pretest); the
    // prepack steps would rebuild dist/ under the other test files' feet.
    const pack = spawnSync(process.execPath, [NPM_CLI, 'pack', '--ignore-scripts', '--json', '--pack-destination', work, ...dirs], {encoding: 'utf8', env: npmEnv([])})
    assert.equal(pack.status, 0, pack.stderr)
    for (const entry of JSON.parse(pack.stdout) as Array<{name: string; filename: string}>) tarballs[entry.name] = join(work, entry.filename)
    registry = await startRegistry(REPO, Object.values(tarballs))
    // A PATH with node and a shell (npm runs scripts and npx with sh) and nothing else: no cc, no make.
    nodeOnly = join(work, 'node-only')
    mkdirSync(nodeOnly)
    symlinkSync(process.execPath, join(nodeOnly, 'node'))
    symlinkSync('/bin/sh', join(nodeOnly, 'sh'))
  })

  after(async () => {
    await registry?.close()
    if (work) rmSync(dirname(dirname(work)), {recursive: true, force: true})
  })

  /** npm's environment: the local registry, a fresh cache and config, none of the npm_* of `npm test`. */
  function npmEnv(path: string[]): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {}
    for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'NODE_OPTIONS' && k !== 'NODE_TEST_CONTEXT') env[k] = v
    mkdirSync(join(work, 'home'), {recursive: true})
    writeFileSync(join(work, 'npmrc'), '')
    writeFileSync(join(work, 'npmrc-global'), '')
    Object.assign(env, {
      HOME: join(work, 'home'),
      PATH: path.join(':'),
      npm_config_userconfig: join(work, 'npmrc'),
      npm_config_globalconfig: join(work, 'npmrc-global'),
      npm_config_cache: join(work, 'cache'),
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      ...(registry ? {npm_config_registry: registry.url} : {}),
    })
    return env
  }

  function npm(args: string[], path: string[], cwd = work): Promise<Run & {args: string[]}> {
    return run(process.execPath, [NPM_CLI, ...args], npmEnv(path), cwd)
  }

  function prefix(label: string): string {
    const dir = join(work, label)
    mkdirSync(dir)
    return dir
  }

  /** start, info, stop through `ctr` found on PATH (or through npx in `cwd`). */
  async function lifecycle(sb: Sandbox, path: string[], opts: {npx?: string} = {}): Promise<void> {
    // npx costs seconds a call: it runs start and --version; the rest runs the bin npx runs.
    const ctr = (args: string[], viaNpx = false): Promise<CtrResult> => {
      const env = {...sb.env(), PATH: path.join(':')}
      const local = opts.npx ? join(opts.npx, 'node_modules/.bin/ctr') : 'ctr'
      const [file, argv, cwd] = opts.npx && viaNpx ? [process.execPath, [NPX_CLI, '--no-install', 'ctr', ...args], opts.npx] : [local, args, sb.root]
      return run(file, argv, {...npmEnv(path), ...env}, cwd).then((r) => ({...r, signal: null, ms: 0, args}))
    }
    const name = sb.name('inst')
    const ready = sb.hostReady(name)
    const start = await ctr(['start', '-n', name, '--', sb.testInit, 'pause', '--ready', ready, '--exit-on', 'SIGPWR:0'], true)
    assert.equal(start.code, 0, describeResult(start))
    const info = await ctr(['info', '-n', name, '-sH'])
    assert.equal(info.stdout, 'RUNNING\n', describeResult(info))
    const infoJson = json<{result: {state: string; pid: number}}>(await ctr(['info', '-n', name, '--json']))
    assert.equal(infoJson.result.state, 'RUNNING')
    const stop = await ctr(['stop', '-n', name])
    assert.equal(stop.code, 0, describeResult(stop))
    const after = await ctr(['wait', '-n', name, '-s', 'STOPPED', '-t', '0'])
    assert.equal(after.code, 0, describeResult(after))
    const version = await ctr(['--version'], true)
    assert.equal(version.stdout, `${VERSION}\n`, describeResult(version))
  }

  it('packs what runs and nothing else', T, async () => {
    const main = tarballs['ctr-lxc'] ?? ''
    const files = spawnSync('tar', ['-tzf', main], {encoding: 'utf8'}).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''))
    for (const needed of ['package.json', 'LICENSE', 'README.md', 'bin/run.js', 'dist/main.js', 'dist/index.js', 'dist/index.d.ts', 'dist/hot-start.cjs', 'dist/hot-query.cjs', 'dist/hot-info.cjs', 'dist/hot-stop.cjs', 'dist/hot-ls.cjs', 'config/default.conf', 'native/Makefile', 'native/main.c', 'scripts/install.cjs', 'scripts/hot-loader.cjs', 'man/ctr.1', 'man/ctr-start.1']) {
      assert.ok(files.includes(needed), `${needed} is in the tarball`)
    }
    for (const file of files) {
      assert.doesNotMatch(file, /^(src|test|bench|build|npm|docs)\/|\.o$|test-init|^native\/test|\.map$|warm-hot|build-(hot|man|platform)/, `${file} does not belong in the tarball`)
    }
    // The V8 code caches ship, made under a neutral name: no builder's path in them.
    const caches = files.filter((f) => f.endsWith('.cjs.cache'))
    assert.deepEqual(caches.sort(), ['dist/hot-info.cjs.cache', 'dist/hot-ls.cjs.cache', 'dist/hot-query.cjs.cache', 'dist/hot-start.cjs.cache', 'dist/hot-stop.cjs.cache'])
    for (const cache of caches) {
      const bytes = spawnSync('tar', ['-xzOf', main, `package/${cache}`]).stdout
      assert.equal(bytes.includes(Buffer.from(REPO)), false, `${cache} records ${REPO}`)
    }
    const host = spawnSync('tar', ['-tzvf', tarballs[HOST] ?? ''], {encoding: 'utf8'}).stdout
    assert.match(host, /^-rwx.* package\/bin\/ctr-monitor$/m)
    assert.deepEqual(host.split('\n').filter(Boolean).map((l) => l.split(/\s+/).pop()).sort(), ['package/README.md', 'package/bin/ctr-monitor', 'package/package.json'])
  })

  it('ships a static arm64 monitor that runs under qemu', T, async (t) => {
    if (process.arch !== 'x64') return t.skip('the arm64 package is cross-built on x64 hosts only')
    if (arm64Why) return t.skip(arm64Why)
    const dir = join(work, 'arm64')
    mkdirSync(dir)
    spawnSync('tar', ['-xzf', tarballs['ctr-lxc-linux-arm64'] ?? '', '-C', dir])
    const binary = join(dir, 'package/bin/ctr-monitor')
    const file = spawnSync('file', ['-b', binary], {encoding: 'utf8'})
    assert.match(file.stdout, /^ELF 64-bit LSB (pie )?executable, ARM aarch64, .*(statically|static-pie) linked/, file.stdout)
    const pkg = JSON.parse(readFileSync(join(dir, 'package/package.json'), 'utf8')) as {os: string[]; cpu: string[]; version: string}
    assert.deepEqual([pkg.os, pkg.cpu, pkg.version], [['linux'], ['arm64'], VERSION])
    const qemu = spawnSync('qemu-aarch64-static', [binary, 'version'], {encoding: 'utf8'})
    if (qemu.error) return t.skip('qemu-user-static is not installed: the arm64 binary was checked with file(1) only')
    assert.equal(qemu.stdout, `${VERSION}\n`, qemu.stderr)
  })

  // npm 11.19 runs a dependency's (and a global package's) install scripts
  // only when allowed (--allow-scripts, allowScripts); by default it skips
  // them, as pnpm does, and so does --ignore-scripts.
  for (const scripts of [true, false]) {
    it(`installs globally with${scripts ? '' : 'out'} install scripts and no compiler, and runs from PATH`, T, async () => {
      const sb = sandbox()
      const p = prefix(`global-${scripts ? 'scripts' : 'noscripts'}`)
      const install = await npm(['install', '-g', '--prefix', p, scripts ? '--allow-scripts=ctr-lxc' : '--ignore-scripts', 'ctr-lxc'], [nodeOnly])
      assert.equal(install.code, 0, show(install))
      const root = join(p, 'lib/node_modules/ctr-lxc')
      assert.ok(existsSync(join(root, 'node_modules', HOST, 'bin/ctr-monitor')), 'npm installed the platform package of this machine')
      assert.equal(existsSync(join(root, 'node_modules', OTHER)), false, 'and not the other one')
      assert.equal(existsSync(join(root, 'build')), false, 'nothing was built')
      for (const bin of ['ctr', 'ctr-lxc']) assert.ok(lstatSync(join(p, 'bin', bin)).isSymbolicLink(), bin)
      for (const page of ['ctr.1', 'ctr-start.1', 'ctr-stop.1']) assert.ok(existsSync(join(p, 'share/man/man1', page)), `man page ${page}`)
      await lifecycle(sb, [join(p, 'bin'), nodeOnly])
    })
  }

  it('installs locally (npm\'s default: no dependency install scripts) and runs through npx', T, async () => {
    const sb = sandbox()
    const project = prefix('project')
    writeFileSync(join(project, 'package.json'), '{"name": "uses-ctr", "version": "1.0.0", "private": true}\n')
    const install = await npm(['install', 'ctr-lxc'], [nodeOnly], project)
    assert.equal(install.code, 0, show(install))
    assert.ok(existsSync(join(project, 'node_modules', HOST, 'bin/ctr-monitor')))
    await lifecycle(sb, [nodeOnly], {npx: project})
    // The library, by name, from the project.
    const lib = await run(process.execPath, ['--input-type=module', '-e', "import {Container, CtrError} from 'ctr-lxc'; console.log(typeof Container.ls, typeof CtrError)"], npmEnv([nodeOnly]), project)
    assert.equal(lib.stdout, 'function function\n', show(lib))
  })

  // --cpu=riscv64: npm then installs neither platform package, as on a
  // machine none fits (npm ignores --omit=optional on a global install).
  it('without a fitting platform package: builds from source with a compiler, and says what to install without one', T, async () => {
    const sb = sandbox()
    // No compiler, scripts on: the install fails and names the packages.
    const bare = prefix('omit-nocc')
    const refused = await npm(['install', '-g', '--prefix', bare, '--cpu=riscv64', '--allow-scripts=ctr-lxc', 'ctr-lxc'], [nodeOnly])
    assert.notEqual(refused.code, 0, show(refused))
    assert.match(refused.stderr, /ctr-lxc: no prebuilt ctr-monitor for linux-\w+ \(ctr-lxc-linux-\w+ is not installed\), and no make or cc to build one/, show(refused))
    assert.match(refused.stderr, /apt-get install gcc make libc6-dev/)
    assert.equal(existsSync(join(bare, 'bin/ctr')), false, 'npm rolled the install back')

    // No compiler, scripts off (pnpm's default): installs; start says what is missing, in one error, also as JSON.
    const noscripts = prefix('omit-noscripts')
    const installed = await npm(['install', '-g', '--prefix', noscripts, '--cpu=riscv64', '--ignore-scripts', 'ctr-lxc'], [nodeOnly])
    assert.equal(installed.code, 0, show(installed))
    const env = {...npmEnv([join(noscripts, 'bin'), nodeOnly]), ...sb.env(), PATH: `${join(noscripts, 'bin')}:${nodeOnly}`}
    const name = sb.name('nomon')
    const start = await run('ctr', ['start', '-n', name, '--', '/bin/true'], env, sb.root)
    assert.equal(start.code, 1, show(start))
    assert.match(start.stderr, new RegExp(`^ctr start: ctr-monitor is not installed for linux-${process.arch}\n`), show(start))
    assert.doesNotMatch(start.stderr, /\n\s+at /, 'no stack trace')
    assert.match(start.stderr, /apt-get install gcc make libc6-dev/)
    const startJson = await run('ctr', ['start', '-n', name, '--json', '--', '/bin/true'], env, sb.root)
    assert.equal(startJson.code, 1)
    assert.equal(JSON.parse(startJson.stdout).error.code, 'CTR_MONITOR_MISSING', show(startJson))

    // A compiler on PATH: the install step builds the monitor alone, and keeps no objects.
    const withCc = prefix('omit-cc')
    const built = await npm(['install', '-g', '--prefix', withCc, '--cpu=riscv64', '--allow-scripts=ctr-lxc', 'ctr-lxc'], [nodeOnly, ...(process.env.PATH ?? '').split(':')])
    assert.equal(built.code, 0, show(built))
    const root = join(withCc, 'lib/node_modules/ctr-lxc')
    assert.deepEqual(readdirSync(join(root, 'build')), ['ctr-monitor'], 'the monitor only: no objects, no test init')
    await lifecycle(sb, [join(withCc, 'bin'), nodeOnly])
  })

  // What npm does when the prefix's bin/ctr is another program's (containerd's
  // /usr/bin/ctr with Debian's prefix /usr): it checks every bin before it
  // runs any script, so no install step of ours can speak first. Then the
  // README's way out: another prefix, and ours as ctr-lxc next to the other ctr.
  it('leaves a foreign ctr (containerd\'s) alone: npm stops with EEXIST, and the README\'s way works', T, async () => {
    const sb = sandbox()
    const p = prefix('foreign')
    mkdirSync(join(p, 'bin'))
    const foreign = '#!/bin/sh\necho containerd ctr\n'
    writeFileSync(join(p, 'bin/ctr'), foreign, {mode: 0o755})
    for (const scripts of [['--allow-scripts=ctr-lxc'], []]) {
      const refused = await npm(['install', '-g', '--prefix', p, ...scripts, 'ctr-lxc'], [nodeOnly])
      assert.notEqual(refused.code, 0, show(refused))
      assert.match(refused.stderr, new RegExp(`EEXIST: file already exists\nnpm error File exists: ${join(p, 'bin/ctr')}`), show(refused))
      assert.equal(readFileSync(join(p, 'bin/ctr'), 'utf8'), foreign, 'the foreign ctr is untouched')
      assert.equal(existsSync(join(p, 'lib/node_modules/ctr-lxc')), false)
    }
    // npm install -g --prefix /opt/ctr-lxc ctr-lxc && ln -s /opt/ctr-lxc/bin/ctr-lxc /usr/local/bin/
    const opt = prefix('opt-ctr-lxc')
    const install = await npm(['install', '-g', '--prefix', opt, 'ctr-lxc'], [nodeOnly])
    assert.equal(install.code, 0, show(install))
    symlinkSync(join(opt, 'bin/ctr-lxc'), join(p, 'bin/ctr-lxc'))
    const path = [join(p, 'bin'), nodeOnly]
    const ours = await run('ctr-lxc', ['--version'], {...npmEnv(path), ...sb.env(), PATH: path.join(':')}, sb.root)
    assert.equal(ours.stdout, `${VERSION}\n`, show(ours))
    const theirs = await run('ctr', [], {...npmEnv(path), PATH: path.join(':')}, sb.root)
    assert.equal(theirs.stdout, 'containerd ctr\n')
  })
})
