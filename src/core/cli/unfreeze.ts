// `ctr unfreeze` (lxc-unfreeze): option table and argv parsing. Placeholder until
// the command is implemented: it refuses to run instead of pretending.

import {CtrError} from '../errors.js'
import type {CommonOptions, Parsed} from '../options.js'
import type {CommandSpec} from './specs.js'

export const SPEC: CommandSpec = {
  id: 'unfreeze',
  lxcTool: 'lxc-unfreeze',
  summary: 'Not implemented yet',
  description: 'This command is not implemented yet.',
  synopsis: 'ctr unfreeze',
  examples: [],
  options: [],
}

export function parse(_argv: string[], _env: Record<string, string | undefined>): Parsed<CommonOptions> {
  throw new CtrError('CTR_NOT_IMPLEMENTED', 'ctr unfreeze is not implemented yet')
}
