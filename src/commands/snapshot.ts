import {SPEC} from '../core/cli/snapshot.js'
import {commandClass} from '../base-command.js'

/** `ctr snapshot`: argv by core/cli/snapshot, behaviour by runners/snapshot. */
export default commandClass('snapshot', SPEC)
