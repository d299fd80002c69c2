import {STOP_SPEC} from '../core/cli/specs.js'
import {commandClass} from '../base-command.js'

/** `ctr stop` (STOP_SPEC.lxcTool): argv by core/cli, behaviour by runners/stop. */
export default commandClass('stop', STOP_SPEC)
