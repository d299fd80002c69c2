import {STOP_SPEC} from '../core/cli/specs.js'
import {BaseCommand, examplesFromSpec, flagsFromSpec} from '../base-command.js'
import {runHotCommand} from '../dispatch.js'

/** `ctr stop` (STOP_SPEC.lxcTool): LXC argv rules, parsed by core/cli, run by runners/stop. */
export default class Stop extends BaseCommand {
  static override summary = STOP_SPEC.summary
  static override description = STOP_SPEC.description
  // oclif prints "$ ctr <command>" itself; the synopsis carries both.
  static override usage = STOP_SPEC.synopsis.replace(/^ctr \w+ /, "")
  static override examples = examplesFromSpec(STOP_SPEC)
  static override flags = flagsFromSpec(STOP_SPEC)
  static override strict = false

  override async run(): Promise<void> {
    await runHotCommand('stop', this.argv, async (id) => this.showCommandHelp(id))
  }
}
