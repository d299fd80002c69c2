import {SPEC} from '../core/cli/copy.js'
import {commandClass} from '../base-command.js'

/** `ctr copy`: argv by core/cli/copy, behaviour by runners/copy. */
export default commandClass('copy', SPEC)
