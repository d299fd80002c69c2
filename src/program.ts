// The name messages start with: `ctr COMMAND`, or the LXC tool name when
// ctr runs through a link named after it (`lxc-start: ...`, as LXC's own
// tools print; bin/run.js and bin/lxc-tools.json).

let invokedAs: string | undefined

/** Records that ctr was called as `name` (lxc-start, ...); undefined: as ctr. */
export function setInvokedAs(name: string | undefined): void {
  invokedAs = name
}

/** The prefix of a command's messages. */
export function programName(command: string): string {
  return invokedAs ?? `ctr ${command}`.trim()
}

/** The LXC tool name ctr was called as, if any. */
export function lxcToolName(): string | undefined {
  return invokedAs
}
