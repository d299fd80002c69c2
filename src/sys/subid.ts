// Reads the subordinate id files for `ctr create --unprivileged`:
// /etc/subuid and /etc/subgid, or the files $CTR_SUBUID_FILE and
// $CTR_SUBGID_FILE name (so that tests use ranges of their own and never
// edit the host's files), and who the ranges are looked up for.

import {readFileSync} from 'node:fs'
import {userInfo} from 'node:os'

import {SysError} from '../core/errors.js'
import type {SubidFiles, SubidOwner} from '../core/templates/subid.js'

/** Both files' paths and texts; a missing file reads as empty (it then holds no range). Throws SysError for other read errors. */
export function readSubidFiles(env: Readonly<Record<string, string | undefined>> = process.env): SubidFiles {
  const read = (path: string): {path: string; text: string} => {
    try {
      return {path, text: readFileSync(path, 'utf8')}
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
      if (code === 'ENOENT') return {path, text: ''}
      throw new SysError('read', code, path, {cause: error})
    }
  }
  return {uid: read(env.CTR_SUBUID_FILE || '/etc/subuid'), gid: read(env.CTR_SUBGID_FILE || '/etc/subgid')}
}

/** The user running ctr, whose ranges container root gets (root's, when ctr runs as root). */
export function currentSubidOwner(): SubidOwner {
  const uid = process.geteuid?.() ?? 0
  let name = uid === 0 ? 'root' : String(uid)
  try {
    name = userInfo().username
  } catch {
    // no passwd entry: the uid alone
  }
  return {name, uid}
}
