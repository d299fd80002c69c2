// The config facts `ctr ls` shows (AUTOSTART, GROUPS, UNPRIVILEGED), read
// with the real config parser. Loaded only when a column or filter needs
// them: the parser's modules alone cost ~13 ms to import.
//
// A config without lxc.include is parsed from the text read here, with the
// same lexer and builder the loader uses, skipping the loader's per-file
// realpath and cap_last_cap reads (the include-cycle bookkeeping that a
// single file does not need); a config with includes goes through the
// loader itself. Files are read synchronously on purpose: measured on 1000
// small configs, readFileSync takes ~7 ms where 1000 parallel
// fs.promises.readFile take ~130 ms (four libuv threads, several round
// trips per file).

import {readFileSync} from 'node:fs'

import {createConfigBuilder, DEFAULT_CAP_LAST_CAP, lexEntries} from '../core/config/index.js'
import type {ConfigEntry} from '../core/config/index.js'
import {toCtrError} from '../core/errors.js'
import {loadContainerConfig} from './config-loader.js'
import {readTextFile} from './read-text.js'

export interface ConfigFacts {
  /** lxc.start.auto = 1. */
  autostart: boolean
  /** lxc.group values in order. */
  groups: string[]
  /** Any lxc.idmap line. */
  unprivileged: boolean
}

/** The kernel's last capability, read once per ls rather than once per config. */
export function readCapLastCap(): number {
  try {
    const n = Number.parseInt(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'), 10)
    return Number.isInteger(n) && n >= 0 ? n : DEFAULT_CAP_LAST_CAP
  } catch {
    return DEFAULT_CAP_LAST_CAP
  }
}

class HasIncludes extends Error {}

/**
 * Parses the config at `path` and returns its ls facts, or `{error}` with
 * the parser's located message (`file:line: ...`) or the read error, so one
 * bad config does not hide the others. Never throws.
 */
export function readConfigFacts(path: string, capLastCap: number): ConfigFacts | {error: string} {
  try {
    let config
    try {
      const text = readTextFile(path)
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
