import {WAIT_SPEC} from '../core/cli/specs.js'
import {BaseCommand, examplesFromSpec, flagsFromSpec} from '../base-command.js'
import {runHotCommand} from '../dispatch.js'

/** `ctr wait` (WAIT_SPEC.lxcTool): LXC argv rules, parsed by core/cli, run by runners/wait. */
export default class Wait extends BaseCommand {
  static override summary = WAIT_SPEC.summary
  static override description = WAIT_SPEC.description
  // oclif prints "$ ctr <command>" itself; the synopsis carries both.
  static override usage = WAIT_SPEC.synopsis.replace(/^ctr \w+ /, "")
  static override examples = examplesFromSpec(WAIT_SPEC)
  static override flags = flagsFromSpec(WAIT_SPEC)
  static override strict = false

  override async run(): Promise<void> {
    await runHotCommand('wait', this.argv, async (id) => this.showCommandHelp(id))
  }
}
