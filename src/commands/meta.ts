// help, version, completion and install-links as oclif commands, so that `ctr help` lists
// them; src/main.ts runs them before oclif is loaded, and these classes
// call the same code when oclif does (CTR_VIA_OCLIF).

import {Command} from '@oclif/core'

import {META_COMMANDS} from '../core/cli/catalog.js'

function metaCommand(id: (typeof META_COMMANDS)[number]['id'], examples: string[]): typeof Command {
  const meta = META_COMMANDS.find((m) => m.id === id) ?? META_COMMANDS[0]
  return class extends Command {
    static override summary = meta.summary
    static override usage = meta.synopsis.replace(/^ctr \w+ ?/, '')
    static override examples = examples
    static override strict = false

    override async run(): Promise<void> {
      const {main} = await import('../main.js')
      await main([id, ...this.argv])
    }
  }
}

export const HelpCommand = metaCommand('help', ['<%= config.bin %> help start'])
export const VersionCommand = metaCommand('version', ['<%= config.bin %> version', '<%= config.bin %> version --json'])
export const CompletionCommand = metaCommand('completion', [
  'eval "$(<%= config.bin %> completion bash)"   # in ~/.bashrc',
  '<%= config.bin %> completion zsh > "${fpath[1]}/_ctr"',
  '<%= config.bin %> completion fish > ~/.config/fish/completions/ctr.fish',
])
export const InstallLinksCommand = metaCommand('install-links', [
  '<%= config.bin %> install-links /usr/local/lib/ctr/lxc-bin && export PATH=/usr/local/lib/ctr/lxc-bin:$PATH',
  '<%= config.bin %> install-links --remove /usr/local/lib/ctr/lxc-bin',
])
