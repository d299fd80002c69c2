import {START_SPEC} from '../core/cli/specs.js'
import {BaseCommand, examplesFromSpec, flagsFromSpec} from '../base-command.js'
import {runHotCommand} from '../dispatch.js'

/** `ctr start` (START_SPEC.lxcTool): LXC argv rules, parsed by core/cli, run by runners/start. */
export default class Start extends BaseCommand {
  static override summary = START_SPEC.summary
  static override description = START_SPEC.description
  // oclif prints "$ ctr <command>" itself; the synopsis carries both.
  static override usage = START_SPEC.synopsis.replace(/^ctr \w+ /, "")
  static override examples = examplesFromSpec(START_SPEC)
  static override flags = flagsFromSpec(START_SPEC)
  static override strict = false

  override async run(): Promise<void> {
    await runHotCommand('start', this.argv, async (id) => this.showCommandHelp(id))
  }
}
