// oclif's explicit command strategy: the command classes, loaded on demand.
import Attach from './attach.js'
import Autostart from './autostart.js'
import Console from './console.js'
import Copy from './copy.js'
import Create from './create.js'
import Destroy from './destroy.js'
import Freeze from './freeze.js'
import Info from './info.js'
import Ls from './ls.js'
import {CompletionCommand, HelpCommand, InstallLinksCommand, VersionCommand} from './meta.js'
import Monitor from './monitor.js'
import Snapshot from './snapshot.js'
import Start from './start.js'
import Stop from './stop.js'
import Unfreeze from './unfreeze.js'
import Wait from './wait.js'

export const COMMANDS = {attach: Attach, autostart: Autostart, completion: CompletionCommand, console: Console, copy: Copy, create: Create, destroy: Destroy, freeze: Freeze, help: HelpCommand, info: Info, 'install-links': InstallLinksCommand, ls: Ls, monitor: Monitor, snapshot: Snapshot, start: Start, stop: Stop, unfreeze: Unfreeze, version: VersionCommand, wait: Wait}
