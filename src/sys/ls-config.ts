// The config facts `ctr ls` shows (AUTOSTART, GROUPS, UNPRIVILEGED) of a
// config that the quick read (src/sys/ls-quick.ts) leaves to the real
// parser: with the same lexer and builder the loader uses, and the loader
// itself for includes, so that every error ls reports reads as `start`'s.
// Loaded only when a config needs it: the parser's modules alone cost ~13
// ms to import.

import {createConfigBuilder, lexEntries} from '../core/config/index.js'
import type {ConfigEntry} from '../core/config/index.js'
import {toCtrError} from '../core/errors.js'
import {loadContainerConfig} from './config-loader.js'
import {quickConfigFacts, type ConfigFacts} from './ls-quick.js'
import {readTextFile} from './read-text.js'

export type {ConfigFacts} from './ls-quick.js'

// The kernel's last capability, read once per process (when a config needs the parser).
export {readCapLastCap} from './config-loader.js'

class HasIncludes extends Error {}

/**
 * The ls facts of the config at `path`, or `{error}` with the parser's
 * located message (`file:line: ...`) or the read error, so one bad config
 * does not hide the others (src/sys/ls-quick.ts says what is checked).
 * Never throws.
 */
export function readConfigFacts(path: string, capLastCap: number): ConfigFacts | {error: string} {
  return quickConfigFacts(path) ?? parseConfigFacts(path, capLastCap)
}

/** readConfigFacts through the parser alone: for a config the quick read left to it. */
export function parseConfigFacts(path: string, capLastCap: number): ConfigFacts | {error: string} {
  let text: string
  try {
    text = readTextFile(path)
  } catch (error) {
    return {error: toCtrError(error).message}
  }
  return parsedFacts(text, path, capLastCap)
}

// The whole config through the parser: the same lexer and builder the
// loader uses, skipping the loader's per-file realpath and cap_last_cap
// reads (the include-cycle bookkeeping that a single file does not need);
// a config with includes goes through the loader itself.
function parsedFacts(text: string, path: string, capLastCap: number): ConfigFacts | {error: string} {
  try {
    let config
    try {
      const builder = createConfigBuilder({
        env: process.env,
        capLastCap,
        include: (_entry: ConfigEntry) => {
          throw new HasIncludes()
        },
      })
      for (const entry of lexEntries(text, path, builder.warnings)) builder.apply(entry)
      config = builder.config
    } catch (error) {
      if (!(error instanceof HasIncludes)) throw error
      config = loadContainerConfig({files: path, capLastCap}).config
    }
    return {autostart: config.start.auto, groups: [...config.groups], unprivileged: config.idmaps.length > 0}
  } catch (error) {
    return {error: toCtrError(error).message}
  }
}
