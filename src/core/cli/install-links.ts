// `ctr install-links [--remove] [--force] DIR`: links named after LXC's
// tools (bin/lxc-tools.json) that run ctr (README "A drop-in for LXC's
// tools"). Argv and the plan are pure; src/runners/install-links.ts acts.

import {UsageError} from '../errors.js'

export interface InstallLinksOptions {
  dir: string
  remove: boolean
  force: boolean
  json: boolean
  help: boolean
}

export const INSTALL_LINKS_USAGE = `Usage: ctr install-links [--remove] [--force] [--json] DIR

Makes DIR/lxc-start, DIR/lxc-info, ... symbolic links to ctr, one for each
LXC tool ctr has a command for; ctr called through such a link runs that
command and names itself after it. Put DIR first on PATH to run existing
LXC scripts with ctr:

  ctr install-links /usr/local/lib/ctr/lxc-bin
  export PATH=/usr/local/lib/ctr/lxc-bin:$PATH

  -f, --force   replace files of those names that are not links to ctr
  --remove      remove the links to ctr from DIR instead (nothing else)
  --json        print the result as JSON
`

/** Parses the argv after `install-links`. Throws UsageError (exit 1). */
export function parseInstallLinks(argv: string[]): InstallLinksOptions {
  const out: InstallLinksOptions = {dir: '', remove: false, force: false, json: false, help: false}
  const operands: string[] = []
  let options = true
  for (const arg of argv) {
    if (options && arg === '--') options = false
    else if (options && (arg === '-f' || arg === '--force')) out.force = true
    else if (options && arg === '--remove') out.remove = true
    else if (options && arg === '--json') out.json = true
    else if (options && (arg === '-h' || arg === '--help')) out.help = true
    else if (options && arg.startsWith('-') && arg !== '-') throw new UsageError(`Unknown option "${arg}"`, {hints: ['See ctr install-links --help']})
    else operands.push(arg)
  }
  if (out.help) return out
  if (operands.length !== 1) {
    throw new UsageError(operands.length === 0 ? 'Missing the directory for the links' : `Unexpected argument "${operands[1]}"`, {
      hints: ['ctr install-links DIR; see ctr install-links --help'],
    })
  }
  out.dir = operands[0] as string
  return out
}

export interface LinkPlan {
  /** lxc-start, ... */
  name: string
  command: string
  /** false: ctr has no such command yet (lxc-attach before ctr attach exists). */
  available: boolean
}

/** The table's tools with whether ctr has their command, in table order. */
export function planLinks(tools: Readonly<Record<string, string>>, commands: readonly string[]): LinkPlan[] {
  return Object.entries(tools).map(([name, command]) => ({name, command, available: commands.includes(command)}))
}
