// The one error model of ctr (docs/style.md §1.2).
//
// Every failure that reaches the user is a CtrError: a stable `code`, the
// process exit status it maps to (LXC's, docs/lxc-contract.md, never
// oclif's default 2), the message printed after `<prog>: `, and hints printed
// one per line below it. Core throws these; only the command layer prints.

export interface CtrErrorOptions {
  /** Exit status; defaults to 1, what every LXC tool uses for failures. */
  exitCode?: number
  hints?: string[]
  cause?: unknown
  /** Extra machine-readable facts for `--json` error output. */
  details?: Record<string, unknown>
  /** Print the message without the `<prog>: ` prefix (LXC prints some API messages bare). */
  bare?: boolean
}

export class CtrError extends Error {
  readonly code: string
  readonly exitCode: number
  readonly hints: string[]
  readonly details: Record<string, unknown> | undefined
  readonly bare: boolean

  constructor(code: string, message: string, options: CtrErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.code = code
    this.exitCode = options.exitCode ?? 1
    this.hints = options.hints ?? []
    this.details = options.details
    this.bare = options.bare ?? false
  }
}
CtrError.prototype.name = 'CtrError'

/** A failed system call, rendered as `Failed to <syscall> "<path>": <ERRNO>`. */
export class SysError extends CtrError {
  readonly syscall: string
  readonly path: string | undefined
  readonly errno: string

  constructor(syscall: string, errno: string, path?: string, options: CtrErrorOptions = {}) {
    const target = path === undefined ? '' : ` "${path}"`
    super('CTR_SYSCALL', `Failed to ${syscall}${target}: ${errno}`, options)
    this.syscall = syscall
    this.path = path
    this.errno = errno
  }
}
SysError.prototype.name = 'SysError'

/**
 * Argv errors. LXC prints getopt's complaint, then the usage, and exits 1.
 * `showUsage` asks the renderer to print the short usage after the message.
 */
export class UsageError extends CtrError {
  readonly showUsage: boolean

  constructor(message: string, options: CtrErrorOptions & {showUsage?: boolean; code?: string} = {}) {
    super(options.code ?? 'CTR_USAGE', message, options)
    this.showUsage = options.showUsage ?? false
  }
}
UsageError.prototype.name = 'UsageError'

/** Wraps anything thrown into a CtrError (unexpected errors exit 1). */
export function toCtrError(error: unknown): CtrError {
  if (error instanceof CtrError) return error
  if (error instanceof Error) {
    const errno = (error as NodeJS.ErrnoException).code
    const syscall = (error as NodeJS.ErrnoException).syscall
    if (typeof errno === 'string' && typeof syscall === 'string') {
      return new SysError(syscall, errno, (error as NodeJS.ErrnoException).path, {cause: error})
    }
    return new CtrError('CTR_INTERNAL', error.message, {cause: error})
  }
  return new CtrError('CTR_INTERNAL', String(error))
}
