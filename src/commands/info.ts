import {INFO_SPEC} from '../core/cli/specs.js'
import {BaseCommand, examplesFromSpec, flagsFromSpec} from '../base-command.js'
import {runHotCommand} from '../dispatch.js'

/** `ctr info` (INFO_SPEC.lxcTool): LXC argv rules, parsed by core/cli, run by runners/info. */
export default class Info extends BaseCommand {
  static override summary = INFO_SPEC.summary
  static override description = INFO_SPEC.description
  // oclif prints "$ ctr <command>" itself; the synopsis carries both.
  static override usage = INFO_SPEC.synopsis.replace(/^ctr \w+ /, "")
  static override examples = examplesFromSpec(INFO_SPEC)
  static override flags = flagsFromSpec(INFO_SPEC)
  static override strict = false

  override async run(): Promise<void> {
    await runHotCommand('info', this.argv, async (id) => this.showCommandHelp(id))
  }
}
