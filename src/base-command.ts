// The oclif side: shared flags generated from the same option tables the
// getopt parser uses (core/cli/specs.ts), error rendering through the shared
// output module, explicit exit codes (never oclif's default 2).

import {Command, Flags, loadHelpClass, type Interfaces} from '@oclif/core'

import type {CommandSpec} from './core/cli/specs.js'
import {runCommand} from './dispatch.js'
import {COMMANDS} from './registry.js'
import {emitError} from './output.js'
import {programName} from './program.js'

type FlagDefinitions = Interfaces.FlagInput

const LETTER = /^[A-Za-z]$/

/**
 * oclif flag definitions for help and completion, from a command's option
 * table. Parsing never goes through them: the LXC-compatible commands parse
 * argv with core/argv (getopt_long rules oclif's parser lacks).
 */
export function flagsFromSpec(spec: CommandSpec): FlagDefinitions {
  const flags: FlagDefinitions = {}
  for (const option of spec.options) {
    if (option.long === undefined) continue
    const char = option.short !== undefined && LETTER.test(option.short) ? (option.short as 'a') : undefined
    const base = {
      description: option.description,
      ...(char ? {char} : {}),
      ...(option.common ? {helpGroup: 'GLOBAL'} : {}),
    }
    const helpValue = option.argName ? {helpValue: option.argName} : {}
    if (!option.hasArg) flags[option.long] = Flags.boolean(base)
    else if (option.multiple) flags[option.long] = Flags.string({...base, ...helpValue, multiple: true})
    else flags[option.long] = Flags.string({...base, ...helpValue})
  }
  return flags
}

/** Examples in oclif's format from a spec. */
export function examplesFromSpec(spec: CommandSpec): Array<{description: string; command: string}> {
  return spec.examples.map((e) => ({description: e.description, command: e.command.replace(/^ctr /, '<%= config.bin %> ')}))
}

export abstract class BaseCommand extends Command {
  /** oclif's help for a command, on stdout. */
  protected async showCommandHelp(id: string): Promise<void> {
    const Help = await loadHelpClass(this.config)
    await new Help(this.config).showHelp([id])
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    emitError(error, {prog: programName(this.id ?? ''), json: this.argv.includes('--json'), quiet: false})
    // Our renderer printed it; oclif must not print it again or exit 2.
    ;(error as {skipOclifErrorHandling?: boolean}).skipOclifErrorHandling = true
    return undefined
  }
}

/**
 * The oclif class of an LXC-compatible command: help text, examples and
 * flags (for help and completion) from its option table; argv is parsed by
 * our getopt parser in runCommand, exactly as on the fast path.
 */
export function commandClass(id: string, spec: CommandSpec): typeof BaseCommand {
  return class extends BaseCommand {
    static override summary = spec.summary
    static override description = spec.description
    // oclif prints "$ ctr <command>" itself; the synopsis carries both.
    static override usage = spec.synopsis.replace(/^ctr \w+ /, '')
    static override examples = examplesFromSpec(spec)
    static override flags = flagsFromSpec(spec)
    static override strict = false

    override async run(): Promise<void> {
      await runCommand(id, this.argv, async (command) => this.showCommandHelp(command), COMMANDS)
    }
  }
}
