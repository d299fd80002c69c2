import {SPEC} from '../core/cli/create.js'
import {commandClass} from '../base-command.js'

/** `ctr create`: argv by core/cli/create, behaviour by runners/create. */
export default commandClass('create', SPEC)
