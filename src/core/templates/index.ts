// ctr's built-in templates (what `ctr create -t NAME` runs) and the config
// file a create writes. LXC runs template scripts from
// /usr/share/lxc/templates; ctr builds its templates in, as data, so that
// what a template writes is tested and only uses keys ctr can start. Pure.

import {CtrError, UsageError} from '../errors.js'
import {parseBusyboxArgs} from './busybox.js'
import type {ConfigLine} from './rootfs-plan.js'

export type {ConfigLine, RootfsEntry} from './rootfs-plan.js'

export const TEMPLATE_NAMES = ['busybox', 'none'] as const
export type TemplateName = (typeof TEMPLATE_NAMES)[number]

/** A template and its parsed options. */
export type TemplateChoice =
  | {name: 'busybox'; busyboxPath: string | undefined}
  /** No rootfs is built: a config only, for a rootfs the user brings (--dir). */
  | {name: 'none'}

/** One line per template, for help and the unknown-template hint. */
export const TEMPLATE_SUMMARIES: Readonly<Record<TemplateName, string>> = {
  busybox: "a root filesystem of the host's static busybox, with busybox init",
  none: 'a config only; bring the rootfs with --dir DIR',
}

/**
 * Resolves `-t NAME` and the template arguments. Throws CtrError
 * CTR_UNKNOWN_TEMPLATE (exit 1) for a name ctr does not have, listing the
 * known ones, and UsageError CTR_TEMPLATE_ARGS for arguments the template
 * does not take.
 */
export function chooseTemplate(name: string, args: readonly string[]): TemplateChoice {
  if (name === 'busybox') return {name, ...parseBusyboxArgs(args)}
  if (name === 'none') {
    if (args.length > 0) {
      throw new UsageError(`Template none takes no arguments (got ${JSON.stringify(args[0])})`, {
        code: 'CTR_TEMPLATE_ARGS',
        hints: ['The none template writes a config only; give the rootfs with --dir DIR'],
      })
    }
    return {name}
  }
  const known = TEMPLATE_NAMES.map((t) => `${t} (${TEMPLATE_SUMMARIES[t]})`)
  // LXC's wording for a template it cannot find.
  throw new CtrError('CTR_UNKNOWN_TEMPLATE', `Template "${name}" not found`, {
    hints: [
      ...(name.includes('/') ? ['ctr does not run LXC template scripts; its templates are built in'] : []),
      `Known templates: ${known.join(', ')}`,
    ],
    details: {template: name, known: [...TEMPLATE_NAMES]},
  })
}

export interface ConfigTextInput {
  template: TemplateName
  /** The template arguments as given, for the header. */
  templateArgs: readonly string[]
  /** The seed config (lxc.default_config or -f) and where it came from. */
  seed: {readonly label: string; readonly text: string} | undefined
  /** Lines an option of create adds (--unprivileged's lxc.idmap), after the seed, with the comment naming where they come from. */
  added?: {readonly label: string; readonly lines: readonly ConfigLine[]}
  /** The template's lines (lxc.rootfs.path first when it writes one). */
  lines: readonly ConfigLine[]
}

/**
 * The new container's config text: a header naming the template (as
 * lxc-create writes one), the seed config verbatim, then the template's
 * lines, so that for a scalar key the template wins and list keys add up,
 * exactly as when LXC's template appends to the seeded file; lines an
 * option adds (--unprivileged) sit between the two. Throws
 * CtrError CTR_INTERNAL if a value holds a newline (it would become a line
 * of its own).
 */
export function composeConfigText(input: ConfigTextInput): string {
  const out = [`# Template used to create this container: ${input.template} (built into ctr)`]
  out.push(`# Parameters passed to the template:${input.templateArgs.map((a) => ` ${a}`).join('')}`)
  out.push('# For the keys, see lxc.container.conf(5) and the ctr README')
  if (input.seed !== undefined) {
    out.push('', `# From ${commentText(input.seed.label)}:`)
    const text = input.seed.text.endsWith('\n') || input.seed.text === '' ? input.seed.text : `${input.seed.text}\n`
    out.push(text.replace(/\n$/, ''))
  }
  if (input.added !== undefined && input.added.lines.length > 0) {
    out.push('', `# ${commentText(input.added.label)}:`)
    for (const line of input.added.lines) out.push(configLine(line))
  }
  if (input.lines.length > 0) {
    out.push('', `# From the ${input.template} template:`)
    for (const line of input.lines) out.push(configLine(line))
  }
  return `${out.join('\n')}\n`
}

// A path in a comment line stays on that line (a -f path may hold a newline).
function commentText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ')
}

function configLine(line: ConfigLine): string {
  if (/[\r\n]/.test(line.key) || /[\r\n]/.test(line.value)) {
    throw new CtrError('CTR_INTERNAL', `A config value for ${line.key} holds a line break`)
  }
  return `${line.key} = ${line.value}`
}

/** The `lxc.rootfs.path` line for a directory rootfs. */
export function rootfsLine(dir: string): ConfigLine {
  return {key: 'lxc.rootfs.path', value: `dir:${dir}`}
}
