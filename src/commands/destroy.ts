import {SPEC} from '../core/cli/destroy.js'
import {commandClass} from '../base-command.js'

/** `ctr destroy`: argv by core/cli/destroy, behaviour by runners/destroy. */
export default commandClass('destroy', SPEC)
