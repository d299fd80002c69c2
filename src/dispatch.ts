// Running an LXC-compatible command: argv (our getopt_long parser) to the
// command's runner and the shared output, without loading @oclif/core. The
// fast path (src/hot/*.ts, bundled for bin/run.js) and the oclif command
// classes both call `runCommand`, so both ways in run this exact code.

import {readFileSync} from 'node:fs'

import {formatUsage, type CommandSpec} from './core/cli/specs.js'
import type {Parsed} from './core/options.js'
import {emitError, emitOutcome, writeOut, type CommandOutcome, type OutputOptions} from './output.js'
import {programName} from './program.js'
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

/**
 * One of the four LXC tools: its table from core/cli/specs.ts, its parser
 * from core/cli/parse.ts, and the runner `loadRunner` imports on demand.
 */
export function lxcCommand(id: 'start' | 'wait' | 'info' | 'stop', loadRunner: () => Promise<unknown>): CommandEntry {
  return once(async () => {
    const [{COMMAND_SPECS}, parsers, run] = await Promise.all([import('./core/cli/specs.js'), import('./core/cli/parse.js'), loadRunner()])
    const parse = {start: parsers.parseStartArgv, wait: parsers.parseWaitArgv, info: parsers.parseInfoArgv, stop: parsers.parseStopArgv}[id]
    return {spec: COMMAND_SPECS[id], parse: parse as Parser, run: run as Runner}
  })
}

/** A command whose SPEC and parse live in core/cli/<id>.ts and whose run lives in runners/<id>.ts. */
export function moduleCommand(load: () => Promise<[{SPEC: CommandSpec; parse: unknown}, {run: unknown}]>): CommandEntry {
  return once(async () => {
    const [cli, runner] = await load()
    return {spec: cli.SPEC, parse: cli.parse as Parser, run: runner.run as Runner}
  })
}

// The library calls load() on every method call: the modules are loaded
// once, and an import() of a loaded module still costs the ESM loader's
// resolution each time, so the answer is kept. A failed load (EMFILE) is
// not kept: the next call tries again.
function once(load: CommandEntry['load']): CommandEntry {
  let loaded: ReturnType<CommandEntry['load']> | undefined
  return {
    load() {
      loaded ??= load().catch((error: unknown) => {
        loaded = undefined
        throw error
      })
      return loaded
    },
  }
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
  const prog = programName(command)
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
  let parsed: Parsed<BaseOptions>
  try {
    parsed = parse(argv, process.env)
  } catch (error) {
    emitError(error, out, formatUsage(spec, prog))
    return
  }
  switch (parsed.action) {
    case 'help':
      await showHelp(command)
      process.exitCode = parsed.exitCode
      return
    case 'usage':
      writeOut(2, formatUsage(spec, prog))
      process.exitCode = 0
      return
    case 'version':
      writeOut(1, `${packageVersion()}\n`)
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

/** oclif's help for a command, loaded only when asked for (the fast path's `showHelp`). */
export async function oclifHelp(command: string): Promise<void> {
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
