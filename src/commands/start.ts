import {START_SPEC} from '../core/cli/specs.js'
import {commandClass} from '../base-command.js'

/** `ctr start` (START_SPEC.lxcTool): argv by core/cli, behaviour by runners/start. */
export default commandClass('start', START_SPEC)
