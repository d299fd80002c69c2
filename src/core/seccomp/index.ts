// LXC seccomp policies compiled to a classic BPF program. Placeholder: the
// compiler is not written yet, so a policy is refused rather than ignored.

import {CtrError} from '../errors.js'

/**
 * Compiles an LXC seccomp policy (version 1 or 2) for this machine's
 * architecture into a classic BPF program: struct sock_filter[] as bytes,
 * native byte order, 8 bytes per instruction. Throws a CtrError naming
 * `file:line` for a policy it cannot compile. Pure.
 */
export function compileSeccompPolicy(_text: string, file: string): Buffer {
  throw new CtrError('CTR_NOT_SUPPORTED', `${file}: seccomp policies are not supported yet`)
}
