import {SPEC} from '../core/cli/unfreeze.js'
import {commandClass} from '../base-command.js'

/** `ctr unfreeze`: argv by core/cli/unfreeze, behaviour by runners/unfreeze. */
export default commandClass('unfreeze', SPEC)
