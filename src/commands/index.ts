// oclif's explicit command strategy: the command classes, loaded on demand.
import Info from './info.js'
import Start from './start.js'
import Stop from './stop.js'
import Wait from './wait.js'

export const COMMANDS = {info: Info, start: Start, stop: Stop, wait: Wait}
