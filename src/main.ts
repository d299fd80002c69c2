// The entry for everything that is not a fast-path command (bin/run.js):
// the version, help, shell completion, an unknown command (exit 1 with a
// did-you-mean, JSON under --json), and the oclif command classes. Every
// failure, oclif's own included, goes through the shared renderer
// (src/output.ts): exit 1 for usage errors, never oclif's default 2.

import {COMMAND_NAMES} from './core/cli/command-names.js'
import type {ContainerCandidate} from './core/cli/completion.js'
import {CtrError, UsageError} from './core/errors.js'
import {packageVersion} from './dispatch.js'
import {emitError, emitOutcome, writeOut, type OutputOptions} from './output.js'
import {setInvokedAs} from './program.js'
import {PACKAGE_ROOT} from './sys/package-files.js'

// Loaded only on the paths that need them: a command that goes on to oclif
// pays for none of the option tables, the completion or the suggestions.
const catalog = (): Promise<typeof import('./core/cli/catalog.js')> => import('./core/cli/catalog.js')
const completion = (): Promise<typeof import('./core/cli/completion.js')> => import('./core/cli/completion.js')
const suggestions = (): Promise<typeof import('./core/suggest.js')> => import('./core/suggest.js')

function commandNames(): readonly string[] {
  return COMMAND_NAMES
}

/**
 * Runs `ctr ARGV` for everything bin/run.js does not send down the fast
 * path; `invokedAs` is the lxc-* link ctr was called through, if any.
 */
export async function main(argv: string[], invokedAs?: string): Promise<void> {
  setInvokedAs(invokedAs)
  const [first, ...rest] = argv
  const out: OutputOptions = {prog: invokedAs ?? (first && !first.startsWith('-') && commandNames().includes(first) ? `ctr ${first}` : 'ctr'), json: jsonRequested(argv), quiet: false}
  try {
    if (invokedAs !== undefined && first !== undefined && !commandNames().includes(first)) {
      throw new CtrError('CTR_NOT_SUPPORTED', `ctr has no ${first} command yet: ${invokedAs} cannot run through it`, {hints: [`Remove the ${invokedAs} link to ctr (ctr install-links --remove DIR) to use LXC's own`]})
    }
    if (first === '--version' || first === '-V') return printVersion(out)
    if (first === 'version') return printVersion(out, rest)
    if (first === '__complete') return await printCompletion(rest[0] ?? '')
    if (first === 'completion') return await printScript(rest)
    if (first === 'install-links') return await installLinks(rest)
    if (first === 'help') return await showHelp(rest.filter((a) => a !== '--json'))
    if (first === undefined || first === '--help' || first === '-h') return await showHelp([])
    if (first.startsWith('-')) {
      throw new UsageError(`Unknown option "${first}"`, {hints: ['Options come after the command: ctr COMMAND [OPTIONS]; see ctr help']})
    }
    if (!commandNames().includes(first)) throw await unknownCommand(first)
    await runOclif(argv)
  } catch (error) {
    emitError(fromOclif(error), out)
  }
}

async function installLinks(args: string[]): Promise<void> {
  const out: OutputOptions = {prog: 'ctr install-links', json: jsonRequested(args), quiet: false}
  const {INSTALL_LINKS_USAGE, parseInstallLinks} = await import('./core/cli/install-links.js')
  try {
    const opts = parseInstallLinks(args)
    if (opts.help) return writeOut(1, INSTALL_LINKS_USAGE)
    const {runInstallLinks} = await import('./runners/install-links.js')
    emitOutcome(runInstallLinks(opts), {...out, json: opts.json})
  } catch (error) {
    emitError(error, out, INSTALL_LINKS_USAGE.split('\n\n')[0])
  }
}

async function unknownCommand(word: string): Promise<UsageError> {
  const {didYouMean, suggest} = await suggestions()
  return new UsageError(`Unknown command "${word}"`, {
    code: 'CTR_UNKNOWN_COMMAND',
    hints: [...didYouMean(suggest(word, commandNames())), 'Run ctr help for the list of commands'],
    details: {command: word},
  })
}

function printVersion(out: OutputOptions, args: string[] = []): void {
  const extra = args.filter((a) => a !== '--json')
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"`, {code: 'CTR_UNEXPECTED_ARGUMENT'})
  const version = packageVersion()
  emitOutcome({exitCode: 0, result: {version, node: process.version, platform: process.platform, arch: process.arch}, text: `${version}\n`}, out)
}

async function showHelp(args: string[]): Promise<void> {
  const [topic] = args
  if (topic !== undefined && !(await catalog()).COMMAND_CATALOG.some((c) => c.id === topic)) {
    if (commandNames().includes(topic)) throw new UsageError(`No help beyond "ctr help" for "${topic}"`, {code: 'CTR_NO_HELP'})
    throw await unknownCommand(topic)
  }
  const {Config, loadHelpClass} = await import('@oclif/core')
  const config = await Config.load(PACKAGE_ROOT)
  const Help = await loadHelpClass(config)
  await new Help(config).showHelp(topic === undefined ? [] : [topic])
}

async function printScript(args: string[]): Promise<void> {
  const [{SHELLS}, {completionScript}, {didYouMean, suggest}] = await Promise.all([catalog(), completion(), suggestions()])
  const [shell, ...extra] = args.filter((a) => a !== '--json')
  if (shell === undefined || !(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(shell === undefined ? 'Missing shell' : `Unknown shell "${shell}"`, {
      code: 'CTR_UNKNOWN_SHELL',
      hints: [...didYouMean(shell === undefined ? [] : suggest(shell, SHELLS)), `Give one of ${SHELLS.join(', ')}: eval "$(ctr completion bash)"`],
    })
  }
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"`, {code: 'CTR_UNEXPECTED_ARGUMENT'})
  writeOut(1, completionScript(shell as (typeof SHELLS)[number]))
}

// Completion must never print an error into the user's command line:
// anything that fails yields no container names.
async function printCompletion(line: string): Promise<void> {
  const {complete, formatCompletion} = await completion()
  const names = await containerCandidates(line)
  writeOut(1, formatCompletion(complete(line, {containers: (lxcpath) => names(lxcpath)})))
}

// complete() is synchronous; the listing is not: list the containers of the
// lxcpath on the line (-P PATH) up front, once there is a command to complete for.
async function containerCandidates(line: string): Promise<(lxcpath: string | undefined) => ContainerCandidate[]> {
  const words = (await completion()).splitLine(line)
  if (words.length < 3) return () => []
  const p = words.findIndex((w) => w === '-P' || w === '--lxcpath')
  const lxcpath = p >= 0 ? words[p + 1] : undefined
  let names: ContainerCandidate[] = []
  try {
    const [lsCli, {run}] = await Promise.all([import('./core/cli/ls.js'), import('./runners/ls.js')])
    const parsed = lsCli.parse(lxcpath ? ['-P', lxcpath] : [], process.env)
    if (parsed.action === 'run') names = (await run(parsed.options)).result.map((e) => ({name: e.name, state: e.state}))
  } catch {
    // an unreadable lxcpath completes no names
  }
  return () => names
}

async function runOclif(argv: string[]): Promise<void> {
  const {run, flush} = await import('@oclif/core')
  await run(argv, PACKAGE_ROOT)
  await flush()
}

/**
 * oclif's errors as ours: a parse error (CLIError with oclif.exit 2) is a
 * usage error, exit 1; `this.exit(n)` keeps its status.
 */
export function fromOclif(error: unknown): unknown {
  if (error instanceof CtrError || !(error instanceof Error)) return error
  const oclif = (error as {oclif?: {exit?: number}}).oclif
  if (oclif === undefined) return error
  if (error.constructor.name === 'ExitError') return new CtrError('CTR_EXIT', error.message, {exitCode: oclif.exit ?? 1})
  return new UsageError(error.message.replace(/\n[\s\S]*$/, ''), {hints: ['See ctr help']})
}

function jsonRequested(argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json')
}
