import {SPEC} from '../core/cli/ls.js'
import {commandClass} from '../base-command.js'

/** `ctr ls`: argv by core/cli/ls, behaviour by runners/ls. */
export default commandClass('ls', SPEC)
