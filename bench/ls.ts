// `ctr ls` over many containers, side by side with `lxc-ls` on the same
// lxcpath (docs/architecture.md §9: `ctr ls` over 1000 containers ≤ 300 ms).
//
//   node --import tsx bench/ls.ts [-n RUNS] [--warmup N] [--count N] [--running N] [--no-lxc]
//
// Creates COUNT defined containers (small LXC-valid configs: uts name,
// rootfs path, an empty network, every 10th autostarted, every 3rd in a
// group) in a private lxcpath under a temp dir, starts RUNNING of them with
// ctr (host-root configs running `sleep`, root only), then times whole
// processes, spawn to exit, with stdout on a pipe: `ctr ls`, `ctr ls -f`,
// `lxc-ls` and `lxc-ls -f`, plus `node -e 0` as Node's floor. Each output is
// checked (one line per container, a header for -f) so a fast wrong answer
// does not count. LXC does not know ctr's monitors, so lxc-ls sees every
// container as STOPPED. Everything is stopped (only the containers started
// here, by name) and removed at the end, also on failure or Ctrl-C.

import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const RUN_JS = join(REPO, 'bin/run.js')

interface Options {
  runs: number
  warmup: number
  count: number
  running: number
  lxc: boolean
}

const USAGE = `Usage: node --import tsx bench/ls.ts [options]

  -n, --runs N     measured runs per command (default 10)
      --warmup N   unmeasured runs first (default 2)
      --count N    defined containers (default 1000)
      --running N  of which ctr starts this many (default 5 as root, else 0)
      --no-lxc     skip lxc-ls even if it is installed
  -h, --help       this text
`

function parseOptions(argv: string[]): Options {
  const root = process.geteuid?.() === 0
  const opts: Options = {runs: 10, warmup: 2, count: 1000, running: root ? 5 : 0, lxc: true}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const value = (): number => {
      const text = argv[++i]
      const n = Number(text)
      if (text === undefined || !Number.isInteger(n) || n < 0) fail(`${arg} needs a whole number\n\n${USAGE}`)
      return n
    }
    if (arg === '-n' || arg === '--runs') opts.runs = Math.max(1, value())
    else if (arg === '--warmup') opts.warmup = value()
    else if (arg === '--count') opts.count = value()
    else if (arg === '--running') opts.running = value()
    else if (arg === '--no-lxc') opts.lxc = false
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE)
      process.exit(0)
    } else fail(`unknown argument "${arg}"\n\n${USAGE}`)
  }
  if (opts.running > opts.count) fail('--running cannot exceed --count')
  if (opts.running > 0 && !root) fail('--running needs root (it starts containers)')
  return opts
}

function fail(message: string): never {
  process.stderr.write(`bench/ls: ${message}\n`)
  process.exit(2)
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, cmd)
    if (spawnSync('test', ['-x', path]).status === 0) return path
  }
  return undefined
}

// ------------------------------------------------------------- the lxcpath

interface Sandbox {
  root: string
  lxcpath: string
  env: NodeJS.ProcessEnv
  started: string[]
}

function makeSandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'ctr-bench-ls-'))
  const lxcpath = join(root, 'lxc')
  mkdirSync(lxcpath)
  mkdirSync(join(root, 'run'))
  writeFileSync(join(root, 'ctr.conf'), '# bench/ls.ts: nothing\n')
  const env: NodeJS.ProcessEnv = {...process.env, CTR_RUNTIME_DIR: join(root, 'run'), CTR_GLOBAL_CONFIG: join(root, 'ctr.conf'), NO_COLOR: '1'}
  for (const key of ['CTR_PATH', 'CTR_NAME', 'CTR_VIA_OCLIF', 'CTR_DEBUG', 'NODE_OPTIONS']) delete env[key]
  return {root, lxcpath, env, started: []}
}

function containerName(i: number, count: number): string {
  return `c${String(i).padStart(String(count).length, '0')}`
}

function defineContainers(sb: Sandbox, opts: Options): string[] {
  const names: string[] = []
  const hostRoot = readFileSync(join(REPO, 'config/default.conf'), 'utf8')
  for (let i = 0; i < opts.count; i++) {
    const name = containerName(i, opts.count)
    names.push(name)
    const dir = join(sb.lxcpath, name)
    mkdirSync(dir)
    const lines = i < opts.running
      ? [hostRoot, `lxc.uts.name = ${name}`, 'lxc.init.cmd = /bin/sleep 3600']
      : [`lxc.uts.name = ${name}`, `lxc.rootfs.path = dir:${dir}/rootfs`, 'lxc.net.0.type = empty']
    if (i % 10 === 0) lines.push('lxc.start.auto = 1')
    if (i % 3 === 0) lines.push('lxc.group = web')
    writeFileSync(join(dir, 'config'), `${lines.join('\n')}\n`)
  }
  return names
}

function ctrSync(sb: Sandbox, args: string[]): {status: number | null; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, [RUN_JS, ...args], {env: sb.env, encoding: 'utf8'})
  return {status: r.status, stdout: r.stdout, stderr: r.stderr}
}

function startRunning(sb: Sandbox, names: string[], opts: Options): void {
  for (const name of names.slice(0, opts.running)) {
    const r = ctrSync(sb, ['start', '-n', name, '-P', sb.lxcpath])
    if (r.status !== 0) throw new Error(`ctr start -n ${name} failed (${r.status}): ${r.stderr}`)
    sb.started.push(name)
  }
}

function cleanup(sb: Sandbox): void {
  for (const name of sb.started.splice(0)) {
    const r = ctrSync(sb, ['stop', '-n', name, '-P', sb.lxcpath, '-k'])
    if (r.status !== 0 && r.status !== 2) process.stderr.write(`bench/ls: ctr stop -n ${name} -k: ${r.stderr}`)
  }
  rmSync(sb.root, {recursive: true, force: true})
}

// ------------------------------------------------------------- measuring

interface Run {
  ms: number
  stdout: string
}

function timeOnce(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(cmd, args, {env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    let ms = 0
    child.on('exit', () => {
      ms = Number(process.hrtime.bigint() - started) / 1e6
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`))
      else resolvePromise({ms, stdout})
    })
  })
}

interface Figure {
  label: string
  min: number
  median: number
  max: number
}

async function measure(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, opts: Options, check: (stdout: string) => void): Promise<Figure> {
  for (let i = 0; i < opts.warmup; i++) check((await timeOnce(cmd, args, env)).stdout)
  const times: number[] = []
  for (let i = 0; i < opts.runs; i++) {
    const run = await timeOnce(cmd, args, env)
    check(run.stdout)
    times.push(run.ms)
  }
  times.sort((a, b) => a - b)
  const mid = times.length >> 1
  const median = times.length % 2 === 1 ? (times[mid] as number) : ((times[mid - 1] as number) + (times[mid] as number)) / 2
  return {label, min: times[0] as number, median, max: times[times.length - 1] as number}
}

function expectLines(what: string, want: number, running?: {count: number}): (stdout: string) => void {
  return (stdout) => {
    const lines = stdout.split('\n').filter((l) => l !== '')
    if (lines.length !== want) throw new Error(`${what}: ${lines.length} lines, expected ${want}`)
    if (running !== undefined) {
      const seen = lines.filter((l) => / RUNNING /.test(l)).length
      if (seen !== running.count) throw new Error(`${what}: ${seen} RUNNING rows, expected ${running.count}`)
    }
  }
}

// ------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2))
  const lxcLs = opts.lxc ? which('lxc-ls') : undefined
  const sb = makeSandbox()
  let interrupted = false
  const onSignal = (): void => {
    interrupted = true
    cleanup(sb)
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const names = defineContainers(sb, opts)
    startRunning(sb, names, opts)
    const P = ['-P', sb.lxcpath]
    const figures: Figure[] = []
    figures.push(await measure('node -e 0', process.execPath, ['-e', '0'], sb.env, opts, () => undefined))
    figures.push(await measure('ctr ls', process.execPath, [RUN_JS, 'ls', ...P], sb.env, opts, expectLines('ctr ls', opts.count)))
    figures.push(await measure('ctr ls -f', process.execPath, [RUN_JS, 'ls', '-f', ...P], sb.env, opts, expectLines('ctr ls -f', opts.count + 1, {count: opts.running})))
    if (lxcLs !== undefined) {
      figures.push(await measure('lxc-ls', lxcLs, P, sb.env, opts, expectLines('lxc-ls', opts.count)))
      figures.push(await measure('lxc-ls -f', lxcLs, ['-f', ...P], sb.env, opts, expectLines('lxc-ls -f', opts.count + 1)))
    }
    report(figures, opts, lxcLs)
  } finally {
    if (!interrupted) cleanup(sb)
  }
}

function report(figures: Figure[], opts: Options, lxcLs: string | undefined): void {
  const f = (n: number): string => n.toFixed(1)
  const out = [
    `ctr ls over ${opts.count} defined containers (${opts.running} running under ctr), ${opts.runs} runs after ${opts.warmup} warm-up, wall ms spawn to exit`,
    '',
    '| command | min | median | max |',
    '|---|---|---|---|',
    ...figures.map((x) => `| \`${x.label}\` | ${f(x.min)} | **${f(x.median)}** | ${f(x.max)} |`),
    '',
  ]
  const fancy = figures.find((x) => x.label === 'ctr ls -f')
  if (fancy) out.push(`target: ctr ls -f ≤ 300 ms: ${fancy.median <= 300 ? 'met' : 'MISSED'} (median ${f(fancy.median)} ms)`)
  if (lxcLs === undefined) out.push('lxc-ls: not run (not installed, or --no-lxc)')
  else out.push('lxc-ls sees every container as STOPPED (it does not know ctr monitors), so its -f reads no running state')
  process.stdout.write(`${out.join('\n')}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/ls: ${(error as Error).message}\n`)
  process.exitCode = 1
})
