// Every command with an LXC-compatible argv parser and runner. The fast
// path (dist/hot.cjs) only bundles dispatch.ts's HOT_COMMANDS; the oclif
// command classes use this full registry.

import {HOT_COMMANDS, type CommandEntry, type Parser, type Runner} from './dispatch.js'
import type {CommandSpec} from './core/cli/specs.js'

// Each further command lives in core/cli/<id>.ts (SPEC and parse) and
// runners/<id>.ts (run).
const moduleCommand = (load: () => Promise<[{SPEC: CommandSpec; parse: unknown}, {run: unknown}]>): CommandEntry => ({
  async load() {
    const [cli, runner] = await load()
    return {spec: cli.SPEC, parse: cli.parse as Parser, run: runner.run as Runner}
  },
})

export const COMMANDS: Record<string, CommandEntry> = {
  ...HOT_COMMANDS,
  create: moduleCommand(() => Promise.all([import('./core/cli/create.js'), import('./runners/create.js')])),
  destroy: moduleCommand(() => Promise.all([import('./core/cli/destroy.js'), import('./runners/destroy.js')])),
  freeze: moduleCommand(() => Promise.all([import('./core/cli/freeze.js'), import('./runners/freeze.js')])),
  unfreeze: moduleCommand(() => Promise.all([import('./core/cli/unfreeze.js'), import('./runners/unfreeze.js')])),
}

