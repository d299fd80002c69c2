// The container-config layer: LXC's line grammar, key table and validators,
// the typed model, `lxc-info -c` output and the global config. Pure; the
// files are read by sys/config-loader.ts.

export * from './lexer.js'
export * from './keys.js'
export * from './model.js'
export * from './get-item.js'
export * from './global.js'
