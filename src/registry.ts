// Every command with an LXC-compatible argv parser and runner, for the
// oclif command classes. The fast path bundles only some of them
// (src/hot/*.ts).

import type {CommandEntry} from './dispatch.js'
import * as entries from './entries.js'

export const COMMANDS: Record<string, CommandEntry> = {...entries}
