// Reading the text files a user names (configs and their includes, fstabs,
// seccomp policies, the global config) without letting one hang ctr or eat
// its memory: only regular files (`lxc.include = /dev/zero` grew to 16 GB,
// a FIFO blocked forever), at most MAX_TEXT_FILE_BYTES each. The open is
// non-blocking, so a FIFO is refused without waiting for a writer.

import {closeSync, constants, fstatSync, openSync, readSync, type Stats} from 'node:fs'

/** The largest config, fstab or policy ctr reads (LXC's own are a few KiB). */
export const MAX_TEXT_FILE_BYTES = 16 * 1024 * 1024

/** Why a file was refused: `code` is an errno name, `reason` a phrase for messages. */
export class TextFileError extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
    readonly path: string,
  ) {
    super(`${path}: ${reason}`)
  }
}

/**
 * The UTF-8 text of the regular file at `path` (symlinks followed). Throws
 * TextFileError (EINVAL: not a regular file; EFBIG: over `maxBytes`) or the
 * system error of open/read (with its `code`).
 */
export function readTextFile(path: string, maxBytes = MAX_TEXT_FILE_BYTES): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const st = fstatSync(fd)
    // A directory keeps the errno read(2) would give (EISDIR), as before.
    if (st.isDirectory()) throw new TextFileError('EISDIR', 'not a regular file (a directory, EISDIR)', path)
    if (!st.isFile()) throw new TextFileError('EINVAL', `not a regular file (${fileKind(st)})`, path)
    if (st.size > maxBytes) throw tooBig(path, maxBytes)
    // The size may change under us (and /proc files say 0): read in
    // chunks, at most one byte past the cap. The first chunk is the size
    // fstat gave plus one byte, so a file that did not change is read by
    // one read(2): a short read of a regular file that already gave the
    // size fstat saw is its end. A config is a few hundred bytes; a 64 KiB
    // buffer per file, even only to see EOF, made `ctr ls -f` over 100
    // configs allocate 6 MB and collect it.
    const chunks: Buffer[] = []
    let used = 0
    let next = st.size > 0 ? st.size + 1 : 64 * 1024
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(next, maxBytes + 1 - used))
      next = 64 * 1024
      const n = readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n))
      used += n
      if (used > maxBytes) throw tooBig(path, maxBytes)
      if (n < chunk.length && st.size > 0 && used >= st.size) break
    }
    const buf = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, used)
    return buf.toString('utf8', 0, used)
  } finally {
    closeSync(fd)
  }
}

/** The phrase for a read failure: TextFileError's reason, else the errno name. */
export function readFailure(error: unknown): string {
  if (error instanceof TextFileError) return error.reason
  return (error as NodeJS.ErrnoException).code ?? 'EIO'
}

/** The errno name of a read failure. */
export function readErrno(error: unknown): string {
  return (error as {code?: string}).code ?? 'EIO'
}

function tooBig(path: string, maxBytes: number): TextFileError {
  return new TextFileError('EFBIG', `larger than ${maxBytes / (1024 * 1024)} MiB, the most ctr reads`, path)
}

function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isFIFO()) return 'a FIFO'
  if (st.isSocket()) return 'a socket'
  return 'not a file'
}
