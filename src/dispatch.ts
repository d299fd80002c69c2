// The fast way in for `ctr start|wait|info|stop`: LXC-compatible argv
// (core/cli) to the command's runner and the shared output, without loading
// @oclif/core. The oclif command classes call `runHotCommand` too, so both
// ways in run this exact code.

import {readFileSync} from 'node:fs'

import {parseInfoArgv, parseStartArgv, parseStopArgv, parseWaitArgv} from './core/cli/parse.js'
import {COMMAND_SPECS, formatUsage, type CommandId} from './core/cli/specs.js'
import type {CommonOptions, Parsed} from './core/options.js'
import {emitError, emitOutcome, type CommandOutcome, type OutputOptions} from './output.js'

type Runner = (options: never) => Promise<CommandOutcome>

const PARSERS: Record<CommandId, (argv: string[], env: NodeJS.ProcessEnv) => Parsed<CommonOptions>> = {
  start: parseStartArgv,
  wait: parseWaitArgv,
  info: parseInfoArgv,
  stop: parseStopArgv,
}

// Runners are imported on demand: `ctr info` never loads the start code.
const RUNNERS: Record<CommandId, () => Promise<Runner>> = {
  start: async () => (await import('./runners/start.js')).runStart as Runner,
  wait: async () => (await import('./runners/wait.js')).runWait as Runner,
  info: async () => (await import('./runners/info.js')).runInfo as Runner,
  stop: async () => (await import('./runners/stop.js')).runStop as Runner,
}

/** The package version, as `--version` prints it (LXC prints its bare version). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {version: string}
  return pkg.version
}

/** Parses argv for a hot command, runs it and prints the outcome; sets process.exitCode. */
export async function runHotCommand(command: CommandId, argv: string[], showHelp: (command: CommandId) => Promise<void>): Promise<void> {
  const prog = `ctr ${command}`
  const out: OutputOptions = {prog, json: jsonRequested(argv), quiet: false}
  const usage = formatUsage(COMMAND_SPECS[command], prog)
  // oclif shows help whenever --help or -h appears before `--`, whatever
  // else is on the line; do the same so that both ways in agree.
  if (helpRequested(argv)) {
    await showHelp(command)
    process.exitCode = 0
    return
  }
  let parsed: Parsed<CommonOptions>
  try {
    parsed = PARSERS[command](argv, process.env)
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
  const options = parsed.options
  const opts: OutputOptions = {prog, json: options.json, quiet: options.quiet}
  try {
    const run = await RUNNERS[command]()
    emitOutcome(await run(options as never), opts)
  } catch (error) {
    emitError(error, opts)
  }
}

/** Entry from bin/run.js: help goes to oclif, loaded only when asked for. */
export async function dispatch(command: CommandId, argv: string[]): Promise<void> {
  await runHotCommand(command, argv, oclifHelp)
}

async function oclifHelp(command: CommandId): Promise<void> {
  const {Config, loadHelpClass} = await import('@oclif/core')
  const config = await Config.load(new URL('..', import.meta.url).pathname)
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
