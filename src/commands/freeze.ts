import {SPEC} from '../core/cli/freeze.js'
import {commandClass} from '../base-command.js'

/** `ctr freeze`: argv by core/cli/freeze, behaviour by runners/freeze. */
export default commandClass('freeze', SPEC)
