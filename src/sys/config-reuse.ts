// Whether this process reuses a config it parsed before (src/sys/config.ts,
// src/sys/config-loader.ts loadContainerConfigReused): the library turns it
// on (src/index.ts), since a
// program asks about the same containers again and again; the CLI parses
// once per process and leaves it off. Its own module, so that the library
// sets it without loading the config parser.

let enabled = false

/** Lets start, info and stop reuse a parsed config while its files read the same (the library). */
export function reuseParsedConfigs(): void {
  enabled = true
}

export function parsedConfigsReused(): boolean {
  return enabled
}
