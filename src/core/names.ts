// Container names become path components ($lxcpath/<name>/config, the run
// dir) and socket names, so they are checked before any path is built. LXC
// itself accepts almost anything (`lxc-start -- /bin/sh` looks up a
// container called "/bin/sh"); ctr only accepts names that are safe as a
// single path component and in a shell: no `/`, no leading `-` or `.`
// (which also rules out `.` and `..`), nothing outside ASCII.

import {CtrError} from './errors.js'

export const NAME_MAX_LENGTH = 64

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

const NAME_RULE = `A name is 1 to ${NAME_MAX_LENGTH} characters from A-Z, a-z, 0-9, "_", "." and "-", and starts with a letter or digit`

/** True if `name` is a valid container name (see validateName). */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name)
}

/**
 * Returns `name` unchanged if it matches `[A-Za-z0-9][A-Za-z0-9_.-]{0,63}`.
 * Throws CtrError CTR_INVALID_NAME (exit 1) otherwise, with a hint naming
 * what is wrong. No side effects.
 */
export function validateName(name: string): string {
  if (isValidName(name)) return name
  // JSON.stringify makes control characters and blanks visible in the message.
  throw new CtrError('CTR_INVALID_NAME', `Invalid container name ${JSON.stringify(name)}`, {
    hints: [describeProblem(name), NAME_RULE],
    details: {name},
  })
}

function describeProblem(name: string): string {
  if (name === '') return 'The name is empty'
  if (name === '.' || name === '..') return `"${name}" is a directory reference, not a name`
  if (name.length > NAME_MAX_LENGTH) return `The name is ${name.length} characters long; the limit is ${NAME_MAX_LENGTH}`
  if (!/^[A-Za-z0-9]/.test(name)) return `The name starts with ${JSON.stringify([...name][0])}`
  const bad = [...name].find((char) => !/^[A-Za-z0-9_.-]$/.test(char)) ?? ''
  return `The name contains ${JSON.stringify(bad)}`
}
