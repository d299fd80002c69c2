// Facts about a running container that `ctr ls` columns show, read from
// /proc where the kernel offers them (interfaces, the uid map) and from the
// monitor binary's ifaddrs helper for addresses (the same helper `ctr info`
// uses, so both commands list the same IPs). The helper runs asynchronously
// so that the addresses of many running containers are gathered in parallel.

import {readFileSync} from 'node:fs'

import {CtrError} from '../core/errors.js'
import {childProcess} from './builtins.js'
import {monitorBinary, monitorBroken} from './monitor-binary.js'
import {isSameProcessAlive} from './proc.js'

/**
 * The network interfaces of pid's network namespace, in the kernel's order,
 * loopback included (what lxc-ls's INTERFACE column shows), from
 * /proc/PID/net/dev. Returns [] when the process is gone.
 */
export function readInterfaces(pid: number): string[] {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/net/dev`, 'utf8')
  } catch {
    return []
  }
  // Two header lines, then `  name: counters...`.
  return text
    .split('\n')
    .slice(2)
    .map((line) => line.slice(0, line.indexOf(':')).trim())
    .filter((name) => name !== '')
}

/**
 * Whether pid's network namespace has no interface but `lo` (lxc.net.N.type
 * = empty): then there is no address to list and no helper to run, a file
 * read instead of a process. The start time, checked after the read, makes
 * sure the interfaces were that process's; any doubt says false, and the
 * helper answers.
 */
export function onlyLoopback(pid: number, starttime: number): boolean {
  const names = readInterfaces(pid)
  if (names.length === 0 || names.some((name) => name !== 'lo')) return false
  return isSameProcessAlive(pid, starttime)
}

/**
 * Whether pid runs in a user namespace that maps ids (anything but the
 * initial namespace's identity map `0 0 4294967295`), from
 * /proc/PID/uid_map. Returns undefined when the process is gone.
 */
export function hasUserNamespace(pid: number): boolean | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/uid_map`, 'utf8')
  } catch {
    return undefined
  }
  return text.trim().split(/\s+/).join(' ') !== '0 0 4294967295'
}

export interface Addresses {
  ipv4: string[]
  ipv6: string[]
}

/**
 * The addresses in pid's network namespace except loopback, split by
 * family, through `ctr-monitor ifaddrs` (checks pid against its start
 * time, so a reused pid lists nothing). Resolves to empty lists when the
 * process is gone; rejects with CtrError CTR_IFADDRS when the helper fails.
 */
export function listAddressesAsync(pid: number, starttime: number): Promise<Addresses> {
  if (onlyLoopback(pid, starttime)) return Promise.resolve({ipv4: [], ipv6: []})
  const args = ['ifaddrs', '--pid', String(pid), '--starttime', String(starttime)]
  const binary = monitorBinary()
  return new Promise((resolve, reject) => {
    childProcess().execFile(binary, args, {encoding: 'utf8'}, (error, stdout, stderr) => {
      if (error && typeof error.code === 'string') return reject(monitorBroken(binary, error as NodeJS.ErrnoException))
      const status = error ? (typeof error.code === 'number' ? error.code : undefined) : 0
      if (status === 3) return resolve({ipv4: [], ipv6: []})
      if (status !== 0) {
        return reject(new CtrError('CTR_IFADDRS', stderr.trim() || `Failed to list the addresses of ${pid}: ${error?.message ?? ''}`, {cause: error}))
      }
      const out: Addresses = {ipv4: [], ipv6: []}
      for (const line of stdout.split('\n')) {
        const [, family, address] = line.split(' ')
        if (address === undefined || address === '') continue
        if (family === 'inet') out.ipv4.push(address)
        else if (family === 'inet6') out.ipv6.push(address)
      }
      resolve(out)
    })
  })
}
