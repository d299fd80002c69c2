import {SPEC} from '../core/cli/console.js'
import {commandClass} from '../base-command.js'

/** `ctr console`: argv by core/cli/console, behaviour by runners/console. */
export default commandClass('console', SPEC)
