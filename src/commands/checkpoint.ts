import {SPEC} from '../core/cli/checkpoint.js'
import {commandClass} from '../base-command.js'

/** `ctr checkpoint`: argv by core/cli/checkpoint, behaviour by runners/checkpoint. */
export default commandClass('checkpoint', SPEC)
