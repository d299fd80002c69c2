// The library, imported by the package's name as a program would import it:
// start, wait, info, freeze, unfreeze, stop, ls, events, attach and execute
// on real containers, plain JSON-safe results in the shapes of docs/json-schema.json,
// and CtrErrors with the CLI's codes and exit statuses.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {Container, CtrError, STATES, type ContainerEventJson} from 'ctr-lxc'

import {rootOnly, useSandbox, waitForFile} from './helpers.js'
import {validate} from './json-schema.js'
import {existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

const T = {timeout: 90_000}
const SCHEMA = JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/json-schema.json'), 'utf8')) as {$defs: Record<string, Record<string, unknown>>}

function conforms(value: unknown, def: string): void {
  assert.deepEqual(validate(value, {$ref: `#/$defs/${def}`}), [], `${def}: ${JSON.stringify(value)}`)
  // Plain data: JSON round-trips it unchanged (no BigInt, no class instances).
  assert.deepEqual(JSON.parse(JSON.stringify(value)), value)
}

async function rejectsWith(promise: Promise<unknown>, code: string, exitCode: number): Promise<CtrError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof CtrError, String(error))
    assert.equal(error.code, code, error.message)
    assert.equal(error.exitCode, exitCode)
    return error
  }
  throw new Error(`expected ${code}`)
}

describe('the library (import {Container} from \'ctr-lxc\')', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('library')

  it('starts, waits for, inspects, freezes, thaws, lists and stops a container, with its events', T, async () => {
    const sb = sandbox()
    // The library reads the environment as the CLI does.
    Object.assign(process.env, {CTR_RUNTIME_DIR: sb.runtimeDir, CTR_GLOBAL_CONFIG: sb.globalConfig})
    const name = sb.name('lib')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside} --exit-on SIGPWR:0`, uts: 'lib'})
    const c = new Container(name, {lxcpath: sb.lxcpath})
    assert.equal(c.lxcpath, sb.lxcpath)

    const abort = new AbortController()
    const seen: ContainerEventJson[] = []
    const collecting = (async () => {
      for await (const event of c.events({signal: abort.signal})) {
        seen.push(event)
        if (event.event === 'exit') break
      }
    })()

    const started = await c.start()
    conforms(started, 'start')
    assert.equal(started.state, 'RUNNING')
    await waitForFile(ready.host)
    conforms(await c.wait('RUNNING', {timeout: 5}), 'wait')

    const info = await c.info({config: ['lxc.uts.name']})
    conforms(info, 'info')
    assert.equal(info.pid, started.pid)
    assert.equal(typeof info.stats?.memoryBytes, 'number')
    assert.deepEqual(info.config, {'lxc.uts.name': 'lib'})

    const frozen = await c.freeze()
    conforms(frozen, 'freezer')
    assert.equal(frozen.state, 'FROZEN')
    assert.equal((await c.unfreeze()).state, 'RUNNING')

    const listed = await Container.ls({lxcpath: sb.lxcpath})
    conforms(listed, 'ls')
    assert.equal(listed.find((e) => e.name === name)?.state, 'RUNNING')

    const stopped = await c.stop({timeout: 10})
    conforms(stopped, 'stop')
    assert.equal(stopped.method, 'halt')
    await collecting
    abort.abort()
    for (const event of seen) conforms(event, 'event')
    const states = seen.filter((e) => e.event === 'state').map((e) => (e.event === 'state' ? e.state : ''))
    assert.ok(states.includes('RUNNING') && states.includes('FROZEN') && states.at(-1) === 'STOPPED', states.join(' '))
    assert.deepEqual(seen.at(-1), {...seen.at(-1), event: 'exit', status: 0, signal: null})

    const after = await c.info()
    conforms(after, 'info')
    assert.deepEqual([after.state, after.pid, after.stats, after.lastExit?.exitStatus], ['STOPPED', null, null, 0])
  })

  it('throws CtrErrors with the CLI\'s codes and exit statuses', T, async () => {
    const sb = sandbox()
    Object.assign(process.env, {CTR_RUNTIME_DIR: sb.runtimeDir, CTR_GLOBAL_CONFIG: sb.globalConfig})
    const name = sb.name('liberr')
    const c = new Container(name, {lxcpath: sb.lxcpath})
    await rejectsWith(c.stop(), 'CTR_NOT_RUNNING', 2)
    await rejectsWith(c.info(), 'CTR_NOT_FOUND', 1)
    await rejectsWith(c.wait('RUNNING', {timeout: 0}), 'CTR_WAIT_TIMEOUT', 1)
    await rejectsWith(c.freeze(), 'CTR_NOT_RUNNING', 1)
    await rejectsWith(c.start(), 'CTR_NO_CONFIG', 1)
    const bad = await rejectsWith(new Container('../etc', {lxcpath: sb.lxcpath}).info(), 'CTR_INVALID_NAME', 1)
    assert.ok(bad.hints.length > 0)
    assert.equal(STATES.includes('RUNNING'), true)
  })

  it('info() sees every change of the config between calls, though it reuses a parsed config while its file is unchanged', T, async () => {
    const sb = sandbox()
    Object.assign(process.env, {CTR_RUNTIME_DIR: sb.runtimeDir, CTR_GLOBAL_CONFIG: sb.globalConfig})
    const name = sb.name('reuse')
    const config = sb.writeConfig(name, 'lxc.autodev = 1\n')
    const c = new Container(name, {lxcpath: sb.lxcpath})
    const autodev = async (): Promise<string | null | undefined> => (await c.info({config: ['lxc.autodev']})).config['lxc.autodev']
    assert.equal(await autodev(), '1')
    // Rewritten in place at once: same size, maybe the same file-time tick.
    writeFileSync(config, 'lxc.autodev = 0\n')
    assert.equal(await autodev(), '0')
    // A file written long before (the package's default config, which says
    // lxc.autodev = 0) is the one whose parse gets reused...
    const settled = join(import.meta.dirname, '../../config/default.conf')
    rmSync(config)
    symlinkSync(settled, config)
    assert.equal(await autodev(), '0')
    assert.equal(await autodev(), '0')
    // ...until the config is another file, and again once it is that one.
    rmSync(config)
    writeFileSync(config, 'lxc.autodev = 1\n')
    assert.equal(await autodev(), '1')
    rmSync(config)
    symlinkSync(settled, config)
    assert.equal(await autodev(), '0')
    writeFileSync(config.replace(/config$/, 'other'), 'lxc.autodev = 1\n')
    rmSync(config)
    symlinkSync(config.replace(/config$/, 'other'), config)
    assert.equal(await autodev(), '1')
  })

  it('start() sees every change of the config, of an included file and of an included directory between two starts', T, async () => {
    const sb = sandbox()
    Object.assign(process.env, {CTR_RUNTIME_DIR: sb.runtimeDir, CTR_GLOBAL_CONFIG: sb.globalConfig})
    const name = sb.name('restart')
    // Each start's init says which config it ran with: the ready file its lxc.init.cmd names.
    const readies = ['a', 'b', 'c', 'd', 'e'].map((x) => sb.ready(`${name}${x}`))
    const init = (i: number): string => `lxc.init.cmd = /sbin/test-init pause --ready ${readies[i]?.inside}\n`
    const dir = join(sb.lxcpath, name)
    const included = join(dir, 'init.conf')
    const includedDir = join(dir, 'conf.d')
    const config = sb.defineRootfs(name, {extra: [`lxc.include = ${included}`, `lxc.include = ${includedDir}`]})
    mkdirSync(includedDir)
    writeFileSync(included, init(0))
    const c = new Container(name, {lxcpath: sb.lxcpath})
    const runs = async (i: number): Promise<void> => {
      await c.start()
      try {
        await waitForFile(readies[i]?.host ?? '')
        for (const [j, r] of readies.entries()) assert.equal(existsSync(r.host), j === i, `ready file ${j} after start ${i}`)
      } finally {
        await c.stop({kill: true})
        rmSync(readies[i]?.host ?? '', {force: true})
      }
    }
    await runs(0)
    await runs(0)
    // Rewritten in place at once: the same size, maybe the same file-time tick.
    writeFileSync(included, init(1))
    await runs(1)
    // A file appears in the included directory (read after init.conf).
    writeFileSync(join(includedDir, 'init.conf'), init(2))
    await runs(2)
    // The included file is replaced by a symlink to another one.
    writeFileSync(join(dir, 'other.conf'), init(3))
    rmSync(join(includedDir, 'init.conf'))
    rmSync(included)
    symlinkSync(join(dir, 'other.conf'), included)
    await runs(3)
    // The container's own config changes: a line after the includes.
    writeFileSync(config, `${readFileSync(config, 'utf8')}${init(4)}`)
    await runs(4)
  })

  it('attaches a command to a running container, and executes one under ctr\'s init', T, async () => {
    const sb = sandbox()
    Object.assign(process.env, {CTR_RUNTIME_DIR: sb.runtimeDir, CTR_GLOBAL_CONFIG: sb.globalConfig})
    const name = sb.name('libatt')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
    const c = new Container(name, {lxcpath: sb.lxcpath})
    const started = await c.start()
    await waitForFile(ready.host)
    // The command's exit status is its result, not an error; -v reaches it.
    const attached = await c.attach(['/bin/sh', '-c', 'exit "$LIB_STATUS"'], {env: {LIB_STATUS: '5'}})
    conforms(attached, 'attach')
    assert.deepEqual([attached.exitStatus, attached.signal, typeof attached.pid], [5, null, 'number'])
    assert.notEqual(attached.pid, started.pid)
    await c.stop({kill: true})
    await rejectsWith(c.attach(['true']), 'CTR_NOT_RUNNING', 1)

    const name2 = sb.name('libexec')
    const ready2 = sb.ready(name2)
    sb.defineRootfs(name2)
    const e = new Container(name2, {lxcpath: sb.lxcpath})
    const executed = await e.execute({command: ['/bin/sh', '-c', `touch ${ready2.inside}; exec sleep 600`]})
    conforms(executed, 'start')
    assert.equal(executed.state, 'RUNNING')
    await waitForFile(ready2.host, 10_000, () => true)
    assert.equal(readFileSync(`/proc/${executed.pid}/comm`, 'utf8'), 'ctr-init\n')
    await e.stop({kill: true})
  })
})
