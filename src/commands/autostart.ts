import {SPEC} from '../core/cli/autostart.js'
import {commandClass} from '../base-command.js'

/** `ctr autostart`: argv by core/cli/autostart, behaviour by runners/autostart. */
export default commandClass('autostart', SPEC)
