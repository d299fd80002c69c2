// `ctr execute` (lxc-execute): option table and argv parsing (lxc_execute.c
// my_longopts and my_parser). Pure. The container runs like `ctr start`'s
// (the same config handling, -s defines, --share-*), with ctr's own small
// init as pid 1 running COMMAND (native/init.c).

import type {Parsed, StartOptions} from '../options.js'
import {parseDefine, resolveName, scanCommon, type Env} from './parse.js'
import {START_SPEC, commonOptions, type CommandSpec, type CommonOptionKey, type StartOptionKey} from './specs.js'
import {UsageError} from '../errors.js'

export type ExecuteOptionKey = CommonOptionKey | 'daemon' | 'define' | 'uid' | 'gid' | 'shareNet' | 'shareIpc' | 'shareUts' | 'sharePid'

const startRow = (key: StartOptionKey) => {
  const row = START_SPEC.options.find((o) => o.key === key)
  if (row === undefined) throw new Error(`no start option ${key}`)
  return row as typeof row & {key: ExecuteOptionKey}
}

export const SPEC: CommandSpec<ExecuteOptionKey> = {
  id: 'execute',
  lxcTool: 'lxc-execute',
  summary: 'Run one command as an application container',
  description:
    "Starts the container NAME like `ctr start` (its config, -s defines, --share-*), but its pid 1 is ctr's own " +
    'small init (as lxc-execute\'s lxc-init): it runs COMMAND (default: lxc.execute.cmd), forwards the signals it ' +
    'gets to it, reaps every orphan, and when COMMAND exits, ends the rest of the container (SIGTERM, then SIGKILL ' +
    'a second later) and exits with its status. In the foreground (the default) stdio passes through and ctr ' +
    'exits with COMMAND\'s status (128+N if killed by signal N); -d returns once it runs. The init is run from the ' +
    "monitor's sealed copy, so nothing is added to the container's filesystem. A container without a config " +
    'file is refused, as lxc-execute does.',
  synopsis: 'ctr execute -n NAME [-f FILE] [-s KEY=VAL]... [-d] [-u UID] [-g GID] [--share-net|--share-ipc|--share-uts|--share-pid NAME|PID|PATH] [-- COMMAND [ARG...]]',
  examples: [
    {description: 'Run a command in a fresh container; its exit status is ctr\'s', command: 'ctr execute -n job -- /usr/bin/make -C /src'},
    {description: 'In the background, as an unprivileged user', command: 'ctr execute -n job -d -u 1000 -g 1000 -- /usr/bin/worker'},
    {description: 'With a memory limit for this run only', command: "ctr execute -n job -s 'lxc.cgroup2.memory.max=256M' -- ./build.sh"},
    {description: 'The exit record as JSON', command: 'ctr execute -n job --json -- true'},
  ],
  options: [
    {...startRow('daemon'), description: 'Run in the background and return once RUNNING'},
    startRow('define'),
    {key: 'uid', short: 'u', long: 'uid', hasArg: true, argName: 'UID', description: 'Run COMMAND (and the init) as UID (lxc.init.uid)'},
    {key: 'gid', short: 'g', long: 'gid', hasArg: true, argName: 'GID', description: 'Run COMMAND (and the init) with GID (lxc.init.gid)'},
    startRow('shareNet'),
    startRow('shareIpc'),
    startRow('shareUts'),
    startRow('sharePid'),
    ...commonOptions(true).map((row) => (row.key === 'rcfile' ? {...row, short: 'f', description: "Load FILE as the container's config"} : row)),
  ],
}

// lxc_safe_uint: decimal digits only, below 2^32 - 1 (which means "unset").
function parseId(value: string, flag: string): number {
  const id = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(id) || id >= 0xffffffff) {
    throw new UsageError(`Invalid id ${JSON.stringify(value)} for ${flag}`, {code: 'CTR_INVALID_ID', hints: [`Give ${flag} a numeric id, for example ${flag} 1000`]})
  }
  return id
}

/** Parses `ctr execute` argv into start's options with `execute` set (foreground unless -d). */
export function parse(argv: string[], env: Env): Parsed<StartOptions> {
  let daemon = false
  const ids: {uid?: number; gid?: number} = {}
  const defines: StartOptions['defines'] = []
  const share: StartOptions['share'] = {}
  const scan = scanCommon<ExecuteOptionKey>(SPEC, argv, {
    daemon: () => (daemon = true),
    define: (value) => defines.push(parseDefine(value)),
    uid: (value, flag) => (ids.uid = parseId(value, flag)),
    gid: (value, flag) => (ids.gid = parseId(value, flag)),
    shareNet: (value) => (share.net = value),
    shareIpc: (value) => (share.ipc = value),
    shareUts: (value) => (share.uts = value),
    sharePid: (value) => (share.pid = value),
  })
  if ('action' in scan) return scan
  const {name, rest} = resolveName(scan, env)
  const command = [...rest.operands, ...rest.afterDashDash]
  const options: StartOptions = {
    ...scan.common, name, daemon, defines, console: undefined, consoleLog: undefined, closeAllFds: false, pidfile: undefined, share, command,
    execute: {uid: ids.uid, gid: ids.gid},
  }
  return {action: 'run', options}
}
