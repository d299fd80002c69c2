import {WAIT_SPEC} from '../core/cli/specs.js'
import {commandClass} from '../base-command.js'

/** `ctr wait` (WAIT_SPEC.lxcTool): argv by core/cli, behaviour by runners/wait. */
export default commandClass('wait', WAIT_SPEC)
