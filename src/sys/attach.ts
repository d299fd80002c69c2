// Running `ctr-monitor attach` (native/attach-client.c), the client of an
// attach session (docs/monitor-protocol.md §4.6): it passes our stdio to the
// container's monitor, which starts the process (docs/architecture.md §13),
// and proxies a pty when one of them is a terminal. This module writes the
// request on the client's fd 3, forwards our signals to the client, and
// reads its report lines back.

import type {ChildProcess} from 'node:child_process'
import type {Readable, Writable} from 'node:stream'

import {childProcess} from './builtins.js'
import {monitorBinary, monitorBroken} from './monitor-binary.js'

/** The records of a request (docs/monitor-protocol.md §4.6), without the client's stdio, winsize and end. */
export interface AttachRequest {
  argv: string[]
  env: string[]
  cwd: string
  uid: number | undefined
  gid: number | undefined
  namespaces: number | undefined
  elevate: number
  personality: number | undefined
  remount: boolean
  /** Tests: stop the process before its exec (docs/monitor-protocol.md §5.4). */
  failpoint: boolean
}

export interface AttachReport {
  pid: number | undefined
  /** From the `exit` line: the status (128+signal if killed), the signal, a failed exec's errno. */
  exit: {status: number; signal: number; errno: number} | undefined
  /** From an `err` line: the step, errno and detail. */
  error: {step: string; errno: number; detail: string} | undefined
  /** The client's own exit status. */
  clientStatus: number
}

/** The signals ctr forwards to the attached process (SIGWINCH: the terminal's size). */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH']

/** The request's bytes: NUL-terminated record names and values. */
export function encodeRequest(r: AttachRequest): Buffer {
  const tokens: string[] = []
  const rec = (name: string, ...values: Array<string | number>): void => {
    tokens.push(name, ...values.map(String))
  }
  for (const arg of r.argv) rec('arg', arg)
  for (const entry of r.env) rec('env', entry)
  rec('cwd', r.cwd)
  if (r.uid !== undefined) rec('uid', r.uid)
  if (r.gid !== undefined) rec('gid', r.gid)
  if (r.namespaces !== undefined) rec('ns', r.namespaces)
  rec('elevate', r.elevate)
  if (r.personality !== undefined) rec('personality', r.personality)
  if (r.remount) rec('remount')
  if (r.failpoint) rec('failpoint')
  return Buffer.from(tokens.map((t) => `${t}\0`).join(''))
}

function parseReport(lines: string[], clientStatus: number): AttachReport {
  const report: AttachReport = {pid: undefined, exit: undefined, error: undefined, clientStatus}
  for (const line of lines) {
    const [kind, a = '', b = '', ...rest] = line.split(' ')
    if (kind === 'pid') report.pid = Number(a)
    else if (kind === 'exit') report.exit = {status: Number(a), signal: Number(b), errno: Number(rest[0] ?? 0)}
    else if (kind === 'err') report.error = {step: a, errno: Number(b), detail: rest.join(' ')}
  }
  return report
}

/**
 * Runs the client with our stdio until the attached process ended (or the
 * attach failed) and returns its report. Our signals go to the client while
 * it runs, which has the monitor deliver them to the process.
 */
export async function runAttachClient(rundir: string, request: AttachRequest, ptyLog: string | undefined): Promise<AttachReport> {
  const binary = monitorBinary()
  const args = ['attach', '--rundir', rundir, '--parent', String(process.pid), ...(ptyLog === undefined ? [] : ['--pty-log', ptyLog])]
  // A session of its own: a terminal's ^C (stdout a terminal, stdin not)
  // reaches us only, and we forward it once.
  const child: ChildProcess = childProcess().spawn(binary, args, {stdio: ['inherit', 'inherit', 'inherit', 'pipe'], detached: true})
  const forward = (signal: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  for (const signal of FORWARDED) process.on(signal, forward)
  try {
    return await new Promise<AttachReport>((resolve, reject) => {
      const channel = child.stdio[3] as (Readable & Writable) | null
      let text = ''
      child.on('error', (error) => reject(monitorBroken(binary, error as NodeJS.ErrnoException)))
      channel?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
      channel?.on('error', () => undefined)
      const body = encodeRequest(request)
      channel?.write(Buffer.concat([Buffer.from(`${body.length}\n`), body]))
      child.on('close', (code, signal) => {
        const lines = text.split('\n').filter((l) => l !== '')
        resolve(parseReport(lines, code ?? (signal ? 1 : 0)))
      })
    })
  } finally {
    for (const signal of FORWARDED) process.removeListener(signal, forward)
  }
}
