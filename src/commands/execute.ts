import {SPEC} from '../core/cli/execute.js'
import {commandClass} from '../base-command.js'

/** `ctr execute`: argv by core/cli/execute, behaviour by runners/execute. */
export default commandClass('execute', SPEC)
