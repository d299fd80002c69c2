// Every command of ctr, for what is generated from the option tables rather
// than run: shell completion (core/cli/completion.ts), man pages
// (core/cli/man.ts), the command list of did-you-mean. Pure data. The
// fast path never imports this module (it would load every table).

import {SPEC as ATTACH} from './attach.js'
import {SPEC as AUTOSTART} from './autostart.js'
import {SPEC as CHECKPOINT} from './checkpoint.js'
import {SPEC as COPY} from './copy.js'
import {SPEC as CONSOLE} from './console.js'
import {SPEC as CREATE} from './create.js'
import {SPEC as DESTROY} from './destroy.js'
import {SPEC as EXECUTE} from './execute.js'
import {SPEC as FREEZE} from './freeze.js'
import {SPEC as LS} from './ls.js'
import {SPEC as MONITOR} from './monitor.js'
import {SPEC as SNAPSHOT} from './snapshot.js'
import {SPEC as UNFREEZE} from './unfreeze.js'
import {INFO_SPEC, START_SPEC, STOP_SPEC, WAIT_SPEC, type CommandSpec} from './specs.js'

/** The container commands, in the order help and the man page list them. */
export const COMMAND_CATALOG: readonly CommandSpec[] = [START_SPEC, STOP_SPEC, WAIT_SPEC, INFO_SPEC, LS, MONITOR, CONSOLE, CREATE, DESTROY, COPY, SNAPSHOT, CHECKPOINT, FREEZE, UNFREEZE, AUTOSTART, ATTACH, EXECUTE]

/** Commands about ctr itself rather than a container. */
export const META_COMMANDS = [
  {id: 'help', synopsis: 'ctr help [COMMAND]', summary: 'Show help for ctr or a command'},
  {id: 'version', synopsis: 'ctr version [--json]', summary: 'Print the version (the same as --version)'},
  {id: 'completion', synopsis: 'ctr completion bash|zsh|fish', summary: 'Print a shell completion script'},
  {id: 'install-links', synopsis: 'ctr install-links [--remove] [--force] DIR', summary: 'Make lxc-start, lxc-info, ... links to ctr in DIR, to put first on PATH'},
] as const

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = (typeof SHELLS)[number]

/** Every command name the CLI accepts as its first argument. */
export function commandNames(): string[] {
  return [...COMMAND_CATALOG.map((c) => c.id), ...META_COMMANDS.map((c) => c.id)]
}

export function findSpec(id: string): CommandSpec | undefined {
  return COMMAND_CATALOG.find((c) => c.id === id)
}
