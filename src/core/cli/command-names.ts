// The first words ctr accepts, without loading any option table: src/main.ts
// checks a command against this list before it loads anything else (a unit
// test keeps it equal to core/cli/catalog.ts). Pure data.

export const COMMAND_NAMES = ['start', 'stop', 'wait', 'info', 'ls', 'monitor', 'console', 'create', 'destroy', 'copy', 'snapshot', 'checkpoint', 'freeze', 'unfreeze', 'autostart', 'attach', 'execute', 'help', 'version', 'completion', 'install-links'] as const
