// `ctr monitor`: placeholder until implemented.
import {CtrError} from '../core/errors.js'
import type {CommandOutcome} from '../output.js'

export async function run(_options: unknown): Promise<CommandOutcome> {
  throw new CtrError('CTR_NOT_IMPLEMENTED', 'ctr monitor is not implemented yet')
}
