// The host side of the built-in templates: finding the busybox to copy,
// checking it can run without libraries, and asking it for its applets.
// What goes into the rootfs is decided in core/templates.

import {spawnSync} from 'node:child_process'
import {accessSync, closeSync, constants, openSync, readSync, statSync} from 'node:fs'
import {delimiter, isAbsolute, join, resolve} from 'node:path'

import {CtrError} from '../core/errors.js'
import {busyboxRootfs, dynamicBusyboxError, parseAppletList} from '../core/templates/busybox.js'
import {elfLinkage} from '../core/templates/elf.js'
import type {RootfsEntry, TemplateChoice} from '../core/templates/index.js'

// lxc-busybox appends these to $PATH before `command -v busybox`.
const EXTRA_PATH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin']

/**
 * The busybox to copy: `explicit` (--busybox-path, relative to the cwd),
 * else the first executable `busybox` on $PATH and then the usual system
 * directories. Returns an absolute path to a static ELF executable. Throws
 * CtrError CTR_BUSYBOX_MISSING when there is none, CTR_BUSYBOX_DYNAMIC when
 * it needs libraries the container would not have.
 */
export function findBusybox(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  let path: string | undefined
  if (explicit !== undefined) {
    path = resolve(explicit)
    if (!isExecutableFile(path)) {
      throw new CtrError('CTR_BUSYBOX_MISSING', `Failed to find busybox binary (${explicit})`, {
        hints: ['--busybox-path must name an executable file'],
      })
    }
  } else {
    const dirs = [...(env.PATH ?? '').split(delimiter).filter((d) => d !== '' && isAbsolute(d)), ...EXTRA_PATH]
    path = dirs.map((d) => join(d, 'busybox')).find(isExecutableFile)
    if (path === undefined) {
      throw new CtrError('CTR_BUSYBOX_MISSING', 'Failed to find a busybox binary', {
        hints: ['Install a static busybox (apt-get install busybox-static), or give one with: ctr create -t busybox -n NAME -- --busybox-path PATH'],
      })
    }
  }
  const linkage = readLinkage(path)
  if (linkage === 'dynamic') throw dynamicBusyboxError(path)
  if (linkage === 'not-elf') {
    throw new CtrError('CTR_BUSYBOX_MISSING', `${path} is not a busybox executable (not an ELF program)`, {
      hints: ['Give the busybox binary itself with --busybox-path, not a wrapper script'],
    })
  }
  return path
}

/** The applet names `busybox --list` prints. Throws CtrError CTR_BUSYBOX_LIST if it fails. */
export function listApplets(busybox: string): string[] {
  const out = spawnSync(busybox, ['--list'], {encoding: 'utf8', timeout: 10_000})
  if (out.error || out.status !== 0) {
    throw new CtrError('CTR_BUSYBOX_LIST', `Failed to run ${busybox} --list: ${out.error?.message ?? (out.stderr.trim() || `exit status ${out.status ?? 'unknown'}`)}`)
  }
  return parseAppletList(out.stdout)
}

/** A template's rootfs: undefined for `none`; for busybox, after finding and checking the binary. Throws CtrError. */
export function templateRootfs(choice: TemplateChoice): RootfsEntry[] | undefined {
  if (choice.name === 'none') return undefined
  const busybox = findBusybox(choice.busyboxPath)
  return busyboxRootfs(busybox, listApplets(busybox))
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function readLinkage(path: string): ReturnType<typeof elfLinkage> {
  const buffer = Buffer.alloc(64 * 1024)
  let fd: number | undefined
  try {
    fd = openSync(path, constants.O_RDONLY)
    const n = readSync(fd, buffer, 0, buffer.length, 0)
    return elfLinkage(buffer.subarray(0, n))
  } catch {
    return 'not-elf'
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
