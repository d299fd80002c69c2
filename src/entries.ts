// Every command that takes LXC-compatible argv, one export each, so that a
// fast-path bundle (src/hot/*.ts) contains only the commands it imports.
// The calls are marked pure for the bundler's tree shaking.

import {lxcCommand, moduleCommand} from './dispatch.js'

export const start = /* @__PURE__ */ lxcCommand('start', async () => (await import('./runners/start.js')).runStartCommand)
export const wait = /* @__PURE__ */ lxcCommand('wait', async () => (await import('./runners/wait.js')).runWait)
export const info = /* @__PURE__ */ lxcCommand('info', async () => (await import('./runners/info.js')).runInfo)
export const stop = /* @__PURE__ */ lxcCommand('stop', async () => (await import('./runners/stop.js')).runStopCommand)
export const ls = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/ls.js'), import('./runners/ls.js')]))
export const monitor = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/monitor.js'), import('./runners/monitor.js')]))
export const console = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/console.js'), import('./runners/console.js')]))
export const create = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/create.js'), import('./runners/create.js')]))
export const destroy = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/destroy.js'), import('./runners/destroy.js')]))
export const copy = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/copy.js'), import('./runners/copy.js')]))
export const autostart = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/autostart.js'), import('./runners/autostart.js')]))
export const snapshot = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/snapshot.js'), import('./runners/snapshot.js')]))
export const checkpoint = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/checkpoint.js'), import('./runners/checkpoint.js')]))
export const freeze = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/freeze.js'), import('./runners/freeze.js')]))
export const execute = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/execute.js'), import('./runners/execute.js')]))
export const attach = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/attach.js'), import('./runners/attach.js')]))
export const unfreeze = /* @__PURE__ */ moduleCommand(() => Promise.all([import('./core/cli/unfreeze.js'), import('./runners/unfreeze.js')]))
