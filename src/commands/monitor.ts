import {SPEC} from '../core/cli/monitor.js'
import {commandClass} from '../base-command.js'

/** `ctr monitor`: argv by core/cli/monitor, behaviour by runners/monitor. */
export default commandClass('monitor', SPEC)
