import {SPEC} from '../core/cli/attach.js'
import {commandClass} from '../base-command.js'

/** `ctr attach`: argv by core/cli/attach, behaviour by runners/attach. */
export default commandClass('attach', SPEC)
