// How results and errors reach the user, shared by both ways in (the fast
// dispatch path and the oclif commands), so neither can behave differently.
//
// Human: results on stdout, messages on stderr as `<prog>: <message>` with
// each hint on its own line below. JSON (--json): one object on stdout,
// `{"status": 0, "result": ..., "warnings": [...]}` or
// `{"status": <exit>, "error": {"code", "message", "hints", "details"}}`,
// the same keys every time (docs/json.md).

import {fstatSync, writeSync} from 'node:fs'

import {CtrError, SysError, UsageError, toCtrError} from './core/errors.js'

export interface OutputOptions {
  prog: string
  json: boolean
  quiet: boolean
}

/** A finished command: what to print and the exit status. */
export interface CommandOutcome<R = unknown> {
  exitCode: number
  result: R
  /** Human stdout text (already formatted; ignored with --json). */
  text?: string
  /** Messages for stderr (`<prog>: ...`), also listed as JSON warnings. */
  notices?: string[]
  /** Raw stderr lines printed without the prefix (lxc-info's `KEY invalid`). */
  rawStderr?: string[]
  /** The runner already wrote its output as it went (ctr monitor's stream, JSON lines too): print nothing more. */
  streamed?: boolean
}

/**
 * Writes text to fd 1 or 2 directly. process.stdout and process.stderr on a
 * pipe or a terminal are net.Sockets, and creating one loads Node's net and
 * stream modules: 2 to 3 ms of every short command that prints. Writes to
 * pipes, files and terminals are synchronous on Linux either way, so the
 * order of the output does not change. A reader that went away (EPIPE:
 * `ctr ls --json | head -1`) ends the output, not the command; a
 * non-blocking descriptor that is full (EAGAIN) gets the rest through the
 * stream, which waits for the reader.
 */
export function writeOut(fd: 1 | 2, text: string): void {
  const data = Buffer.from(text)
  let offset = 0
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EPIPE') return
      if (code !== 'EAGAIN') throw error
      const stream = fd === 1 ? process.stdout : process.stderr
      if (fd === 1) ignoreClosedStdout()
      stream.write(data.subarray(offset))
      return
    }
  }
}

/**
 * Whether fd is a terminal, without loading node:tty (which loads net) for
 * the usual pipe, file or /dev/null: only a character device other than the
 * memory devices (major 1: null, zero, ...) can be one.
 */
export function isTerminal(fd: 1 | 2): boolean {
  let rdev: number
  try {
    const st = fstatSync(fd)
    if (!st.isCharacterDevice()) return false
    rdev = st.rdev
  } catch {
    return false
  }
  if (Math.floor(rdev / 256) % 4096 === 1) return false
  return fd === 1 ? process.stdout.isTTY === true : process.stderr.isTTY === true
}

// Colour only on a terminal, never with NO_COLOR (https://no-color.org) or
// TERM=dumb. The only colour ctr prints is a dim hint: one escape sequence,
// so no colour library is loaded (chalk, for one, ignores NO_COLOR).
function dim(text: string): string {
  if (process.env.NO_COLOR || process.env.TERM === 'dumb' || !isTerminal(2)) return text
  return `\u001B[2m${text}\u001B[22m`
}

/** Prints a successful outcome and sets process.exitCode. */
export function emitOutcome(outcome: CommandOutcome, opts: OutputOptions): void {
  process.exitCode = outcome.exitCode
  if (outcome.streamed) return
  if (opts.json) {
    const warnings = outcome.notices ?? []
    writeOut(1, `${JSON.stringify({status: outcome.exitCode, result: outcome.result, warnings}, jsonReplacer, 2)}\n`)
    return
  }
  if (outcome.text) writeOut(1, outcome.text)
  for (const line of outcome.rawStderr ?? []) writeOut(2, `${line}\n`)
  if (!opts.quiet) for (const notice of outcome.notices ?? []) writeOut(2, `${opts.prog}: ${notice}\n`)
}

/**
 * Prints an error (human or JSON) and sets process.exitCode from it; never
 * oclif's default 2. `usage` is printed after getopt-style argv errors.
 */
export function emitError(error: unknown, opts: OutputOptions, usage?: string): void {
  const err = withPermissionHints(toCtrError(error))
  process.exitCode = err.exitCode
  if (opts.json) {
    const body = {status: err.exitCode, error: {code: err.code, message: err.message, hints: err.hints, details: err.details ?? null}}
    writeOut(1, `${JSON.stringify(body, jsonReplacer, 2)}\n`)
    return
  }
  // -q silences `<prog>: ...` messages like LXC's log appender; LXC's bare
  // fprintf messages (`X doesn't exist`) and getopt complaints still print.
  if (opts.quiet && !(err instanceof UsageError) && !err.bare) return
  writeOut(2, err.bare ? `${err.message}\n` : `${opts.prog}: ${err.message}\n`)
  for (const hint of err.hints) writeOut(2, `${dim(hint)}\n`)
  if (err instanceof UsageError && err.showUsage && usage) writeOut(2, usage)
  if (process.env.CTR_DEBUG && !(err instanceof CtrError && err.code !== 'CTR_INTERNAL') && error instanceof Error) {
    writeOut(2, `${error.stack ?? ''}\n`)
  }
}

/**
 * A failed system call on a path this user may not write or read (EACCES,
 * EPERM) or on a read-only filesystem (EROFS), as a SysError or as the
 * cause of another error, says which it is and what to do, unless the code
 * that threw it said more already.
 */
export function withPermissionHints(err: CtrError): CtrError {
  if (err.hints.length > 0) return err
  const cause = err.cause as NodeJS.ErrnoException | undefined
  const errno = err instanceof SysError ? err.errno : typeof cause?.code === 'string' ? cause.code : undefined
  const path = err instanceof SysError ? err.path : cause?.path
  const hints = permissionHints(errno, path, process.geteuid?.() ?? 0)
  if (hints.length === 0) return err
  if (err instanceof SysError) return new SysError(err.syscall, err.errno, err.path, {exitCode: err.exitCode, hints, cause: err.cause, ...(err.details ? {details: err.details} : {})})
  return new CtrError(err.code, err.message, {exitCode: err.exitCode, hints, cause: err.cause, bare: err.bare, ...(err.details ? {details: err.details} : {})})
}

function permissionHints(errno: string | undefined, path: string | undefined, uid: number): string[] {
  const store = 'Use a container store of your own: -P PATH or $CTR_PATH (the default for a user is ~/.local/share/ctr)'
  if (errno === 'EROFS') return [`${path ?? 'The target'} is on a read-only filesystem`, store.replace(' of your own', ' on a writable filesystem')]
  if (errno !== 'EACCES' && errno !== 'EPERM') return []
  const where = path === undefined ? '' : ` on ${path}`
  if (uid === 0) return [`Permission denied to root${where}: a read-only bind mount, an immutable file (chattr +i) or a security policy`]
  return [`Permission denied${where} for uid ${uid}: it belongs to another user (root?)`, `Run ctr as root, or: ${store.charAt(0).toLowerCase()}${store.slice(1)}`]
}

// A reader that went away (`ctr ls --json | head -1`) ends the output, not
// the command: without a listener Node throws the EPIPE with a stack trace.
function ignoreClosedStdout(): void {
  if (process.stdout.listenerCount('error') > 0) return
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value
}
