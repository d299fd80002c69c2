// Process facts from /proc. Liveness is never taken from a pid alone: a pid
// counts only while its start time matches the recorded one (crun's rule).

import {readFileSync} from 'node:fs'

export interface ProcStat {
  state: string
  ppid: number
  starttime: number
}

/** Fields of /proc/<pid>/stat, or undefined if the process is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // comm may contain spaces and ')': the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return {state: fields[0] ?? '', ppid: Number(fields[1]), starttime: Number(fields[19])}
}

/** True if pid is alive (not a zombie) and still the process that started at `starttime`. */
export function isSameProcessAlive(pid: number, starttime: number): boolean {
  const stat = readProcStat(pid)
  return stat !== undefined && stat.starttime === starttime && stat.state !== 'Z' && stat.state !== 'X'
}

/** Signal masks from /proc/<pid>/status (SigBlk, SigIgn, SigCgt), as bigints. */
export function readSignalMasks(pid: number): {blocked: bigint; ignored: bigint; caught: bigint} | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return undefined
  }
  const mask = (name: string): bigint => {
    const match = new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(text)
    return match?.[1] ? BigInt(`0x${match[1]}`) : 0n
  }
  return {blocked: mask('SigBlk'), ignored: mask('SigIgn'), caught: mask('SigCgt')}
}
