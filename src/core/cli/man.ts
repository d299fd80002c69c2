// Man pages (roff, man(7) macros) from the same option tables as --help
// (core/cli/catalog.ts): ctr(1) and one ctr-COMMAND(1) per command,
// generated at build time by scripts/build-man.mjs into man/. Pure.

import {COMMAND_CATALOG, META_COMMANDS} from './catalog.js'
import type {CommandSpec, OptionSpec} from './specs.js'

/** Text for roff: backslashes, hyphens and leading control characters escaped. */
export function roffEscape(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n')
}

function header(name: string, version: string): string[] {
  // No date: the page is the same whenever it is built.
  return [`.TH ${name.toUpperCase()} 1 "" "ctr ${version}" "ctr manual"`]
}

function optionLine(option: OptionSpec): string {
  const names = [option.short === undefined ? undefined : `\\fB\\-${roffEscape(option.short)}\\fR`, option.long === undefined ? undefined : `\\fB\\-\\-${roffEscape(option.long)}\\fR`]
    .filter((n) => n !== undefined)
    .join(', ')
  return option.hasArg ? `${names} \\fI${roffEscape(option.argName ?? 'ARG')}\\fR` : names
}

function example(description: string, command: string): string[] {
  return ['.PP', roffEscape(description), '.PP', '.RS 4', '.nf', roffEscape(command), '.fi', '.RE']
}

/** The page ctr-COMMAND(1). */
export function commandPage(spec: CommandSpec, version: string): string {
  const own = spec.options.filter((o) => !o.common)
  const common = spec.options.filter((o) => o.common)
  const lines = [
    ...header(`ctr-${spec.id}`, version),
    '.SH NAME',
    `ctr\\-${spec.id} \\- ${roffEscape(spec.summary)}`,
    '.SH SYNOPSIS',
    // Filled, not verbatim: start's synopsis is longer than a terminal line.
    '.ad l',
    roffEscape(spec.synopsis),
    '.ad b',
    '.SH DESCRIPTION',
    roffEscape(spec.description),
    '.PP',
    `\\fBctr ${spec.id}\\fR takes the options and arguments of \\fB${roffEscape(spec.lxcTool)}\\fR(1), with GNU getopt_long rules.`,
  ]
  if (own.length > 0) {
    lines.push('.SH OPTIONS')
    for (const option of own) lines.push('.TP', optionLine(option), roffEscape(option.description))
  }
  lines.push('.SH COMMON OPTIONS')
  for (const option of common) lines.push('.TP', optionLine(option), roffEscape(option.description))
  lines.push('.SH EXAMPLES')
  for (const e of spec.examples) lines.push(...example(e.description, e.command))
  lines.push(...exitStatus(), '.SH SEE ALSO', `\\fBctr\\fR(1), \\fB${roffEscape(spec.lxcTool)}\\fR(1)`)
  return `${lines.join('\n')}\n`
}

function exitStatus(): string[] {
  return [
    '.SH EXIT STATUS',
    '.TP', '\\fB0\\fR', 'Success.',
    '.TP', '\\fB1\\fR', 'Failure, including usage errors (an unknown command or option, a bad argument).',
    '.TP', '\\fB2\\fR', '\\fBctr stop\\fR only: the container was not running (or does not exist).',
    '.TP', '\\fBN\\fR', '\\fBctr attach\\fR: the command\\(aqs exit status, 128+N when it was killed by signal N, 126 or 127 when it could not be executed.',
    '.PP',
    'With \\fB\\-\\-json\\fR every outcome, failures included, is one JSON object on standard output.',
  ]
}

/** The page ctr(1): the commands, the environment, the files. */
export function mainPage(version: string): string {
  const lines = [
    ...header('ctr', version),
    '.SH NAME',
    'ctr \\- LXC\\-compatible container lifecycle tool',
    '.SH SYNOPSIS',
    '.nf',
    'ctr COMMAND [OPTIONS] [\\-\\- ARGS]',
    'ctr help [COMMAND]',
    'ctr \\-\\-version',
    '.fi',
    '.SH DESCRIPTION',
    'ctr starts, stops, waits for and inspects containers described by LXC configuration files, with the',
    'options, exit codes and output layouts of the LXC tools it replaces. Each running container has one',
    'small monitor process, ctr\\-monitor. The same package is also a Node.js library (see the README).',
    '.SH COMMANDS',
  ]
  for (const spec of COMMAND_CATALOG) lines.push('.TP', `\\fBctr\\-${spec.id}\\fR(1)`, `${roffEscape(spec.summary)} (${roffEscape(spec.lxcTool)}).`)
  for (const meta of META_COMMANDS) lines.push('.TP', `\\fB${roffEscape(meta.synopsis)}\\fR`, `${roffEscape(meta.summary)}.`)
  lines.push(
    ...exitStatus(),
    '.SH ENVIRONMENT',
    '.TP', '\\fBCTR_PATH\\fR', 'The container store (lxcpath) when \\fB\\-P\\fR is not given.',
    '.TP', '\\fBCTR_NAME\\fR', 'The container name when neither \\fB\\-n\\fR nor an operand gives one.',
    '.TP', '\\fBCTR_MONITOR\\fR', 'Run this ctr\\-monitor binary instead of the installed one.',
    '.TP', '\\fBNO_COLOR\\fR', 'Print no colour.',
    '.SH FILES',
    '.TP', '\\fI/var/lib/ctr/NAME/config\\fR', 'A container\'s configuration (root; others: \\fI~/.local/share/ctr\\fR).',
    '.TP', '\\fI/run/ctr/\\fR', 'Run directories of running containers.',
    '.SH SEE ALSO',
    COMMAND_CATALOG.map((s) => `\\fBctr\\-${s.id}\\fR(1)`).join(', ') + ', \\fBlxc\\fR(7)',
  )
  return `${lines.join('\n')}\n`
}
