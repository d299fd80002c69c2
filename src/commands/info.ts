import {INFO_SPEC} from '../core/cli/specs.js'
import {commandClass} from '../base-command.js'

/** `ctr info` (INFO_SPEC.lxcTool): argv by core/cli, behaviour by runners/info. */
export default commandClass('info', INFO_SPEC)
