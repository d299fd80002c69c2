// Running an LXC-compatible command: argv (our getopt_long parser) to the
// command's runner and the shared output, without loading @oclif/core. The
// fast path in bin/run.js and the oclif command classes both call
// `runCommand`, so both ways in run this exact code.

import {readFileSync} from 'node:fs'

import {formatUsage, type CommandSpec} from './core/cli/specs.js'
import type {Parsed} from './core/options.js'
import {emitError, emitOutcome, type CommandOutcome, type OutputOptions} from './output.js'
import {PACKAGE_ROOT, packagePath} from './sys/package-files.js'

/** What every parsed option set has: enough to render output. */
interface BaseOptions {
  json: boolean
  quiet: boolean
}

export type Parser = (argv: string[], env: NodeJS.ProcessEnv) => Parsed<BaseOptions>
export type Runner = (options: never) => Promise<CommandOutcome>

export interface CommandEntry {
  /** The option table, parser and runner, loaded on demand: `ctr info` never loads start's code. */
  load(): Promise<{spec: CommandSpec; parse: Parser; run: Runner}>
}

const lxcCommand = (id: 'start' | 'wait' | 'info' | 'stop'): CommandEntry => ({
  async load() {
    const [{COMMAND_SPECS}, parsers] = await Promise.all([import('./core/cli/specs.js'), import('./core/cli/parse.js')])
    const parse = {start: parsers.parseStartArgv, wait: parsers.parseWaitArgv, info: parsers.parseInfoArgv, stop: parsers.parseStopArgv}[id]
    const runner = await {
      start: async () => (await import('./runners/start.js')).runStart,
      wait: async () => (await import('./runners/wait.js')).runWait,
      info: async () => (await import('./runners/info.js')).runInfo,
      stop: async () => (await import('./runners/stop.js')).runStop,
    }[id]()
    return {spec: COMMAND_SPECS[id], parse: parse as Parser, run: runner as Runner}
  },
})

// A command whose SPEC and parse live in core/cli/<id>.ts and run in runners/<id>.ts.
const moduleCommand = (load: () => Promise<[{SPEC: CommandSpec; parse: unknown}, {run: unknown}]>): CommandEntry => ({
  async load() {
    const [cli, runner] = await load()
    return {spec: cli.SPEC, parse: cli.parse as Parser, run: runner.run as Runner}
  },
})

/** The hot commands (the four LXC-compatible ones, ls and monitor); src/registry.ts adds the others. */
export const HOT_COMMANDS: Record<string, CommandEntry> = {
  start: lxcCommand('start'),
  wait: lxcCommand('wait'),
  info: lxcCommand('info'),
  stop: lxcCommand('stop'),
  // ls must list a thousand containers in well under 300 ms, of which oclif's import alone would take 75.
  ls: moduleCommand(() => Promise.all([import('./core/cli/ls.js'), import('./runners/ls.js')])),
  monitor: moduleCommand(() => Promise.all([import('./core/cli/monitor.js'), import('./runners/monitor.js')])),
}

/** The package version, as `--version` prints it (LXC prints its bare version). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as {version: string}
  return pkg.version
}

/** Parses argv for a command, runs it and prints the outcome; sets process.exitCode. */
export async function runCommand(
  command: string,
  argv: string[],
  showHelp: (command: string) => Promise<void>,
  registry: Record<string, CommandEntry>,
): Promise<void> {
  const prog = `ctr ${command}`
  const entry = registry[command]
  if (!entry) throw new Error(`unknown command ${command}`)
  const out: OutputOptions = {prog, json: jsonRequested(argv), quiet: false}
  // oclif shows help whenever --help or -h appears before `--`, whatever
  // else is on the line; do the same so that both ways in agree.
  if (helpRequested(argv)) {
    await showHelp(command)
    process.exitCode = 0
    return
  }
  const {spec, parse, run} = await entry.load()
  const usage = formatUsage(spec, prog)
  let parsed: Parsed<BaseOptions>
  try {
    parsed = parse(argv, process.env)
  } catch (error) {
    emitError(error, out, usage)
    return
  }
  switch (parsed.action) {
    case 'help':
      await showHelp(command)
      process.exitCode = parsed.exitCode
      return
    case 'usage':
      process.stderr.write(usage)
      process.exitCode = 0
      return
    case 'version':
      process.stdout.write(`${packageVersion()}\n`)
      process.exitCode = 0
      return
    case 'run':
      break
  }
  const opts: OutputOptions = {prog, json: parsed.options.json, quiet: parsed.options.quiet}
  try {
    emitOutcome(await run(parsed.options as never), opts)
  } catch (error) {
    emitError(error, opts)
  }
}

/** Entry from bin/run.js (through the dist/hot.cjs bundle): help goes to oclif, loaded only when asked for. */
export async function dispatch(command: string, argv: string[]): Promise<void> {
  await runCommand(command, argv, oclifHelp, HOT_COMMANDS)
}

async function oclifHelp(command: string): Promise<void> {
  const {Config, loadHelpClass} = await import('@oclif/core')
  const config = await Config.load(PACKAGE_ROOT)
  const Help = await loadHelpClass(config)
  await new Help(config).showHelp([command])
}

// Before the argv is parsed, so that a parse error is JSON too: --json (or
// an abbreviation of it) anywhere before `--`.
function jsonRequested(argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--json' || (a.length > 3 && '--json'.startsWith(a)))
}

function helpRequested(argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h')
}
