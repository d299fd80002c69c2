// sys/discover.ts on real files and the real /proc (no root needed): which
// directories are defined containers, and when a run dir's state.json counts
// as a live state. The "monitor" and "init" pids are this test process,
// with its true /proc start time (alive) or a wrong one (a reused pid).

import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {fnv1a64} from '../../src/core/paths.js'
import {isOwnRundir, listActive, listDefined, readStateFile, statusFromStateFile, type StateFile} from '../../src/sys/discover.js'

const root = mkdtempSync(join(tmpdir(), 'ctr-ls-discover-'))
after(() => rmSync(root, {recursive: true, force: true}))

function ownStartTime(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
}

const ALIVE = {pid: process.pid, start: ownStartTime()}
const REUSED = {pid: process.pid, start: ownStartTime() + 1}

function stateFile(lxcpath: string, name: string, extra: Partial<StateFile> = {}): StateFile {
  return {
    state: 'RUNNING', name, lxcpath, monitorPid: ALIVE.pid, monitorStartTime: ALIVE.start, initPid: ALIVE.pid, initStartTime: ALIVE.start,
    startedAt: 1_700_000_000_000, updatedAt: 1_700_000_000_000, oomKills: 0, ...extra,
  }
}

function writeRundir(base: string, file: StateFile, hash = fnv1a64(`${file.lxcpath}/${file.name}`)): string {
  const dir = join(base, hash)
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'state.json'), JSON.stringify(file))
  return dir
}

describe('statusFromStateFile', () => {
  it('takes the state while the monitor that wrote it is alive', () => {
    assert.deepEqual(statusFromStateFile(stateFile('/l', 'a', {state: 'FROZEN', oomKills: 2})), {
      state: 'FROZEN', running: true, monitorPid: ALIVE.pid, oomKills: 2, initPid: ALIVE.pid, initStartTime: ALIVE.start, startedAt: 1_700_000_000_000,
    })
  })
  it('gives no init pid for a STOPPED state', () => {
    const status = statusFromStateFile(stateFile('/l', 'a', {state: 'STOPPED'}))
    assert.ok(status !== undefined && status !== 'ask')
    assert.equal(status.initPid, undefined)
  })
  it('reads a dead (or reused) monitor pid with a dead init as stopped', () => {
    const file = stateFile('/l', 'a', {monitorStartTime: REUSED.start, initStartTime: REUSED.start})
    assert.equal(statusFromStateFile(file), undefined)
  })
  it('reads a dead monitor with a live init as RUNNING, orphaned', () => {
    const file = stateFile('/l', 'a', {state: 'FROZEN', monitorStartTime: REUSED.start})
    assert.deepEqual(statusFromStateFile(file), {
      state: 'RUNNING', running: true, initPid: ALIVE.pid, initStartTime: ALIVE.start, oomKills: 0, orphan: true, startedAt: 1_700_000_000_000,
    })
  })
  it('asks the socket when the file has no monitor start time', () => {
    assert.equal(statusFromStateFile(stateFile('/l', 'a', {monitorStartTime: 0})), 'ask')
  })
})

describe('readStateFile and isOwnRundir', () => {
  const base = join(root, 'run-read')
  it('reads the monitor\'s fields and refuses anything else', () => {
    const dir = writeRundir(base, stateFile('/l', 'good'))
    assert.equal(readStateFile(dir)?.name, 'good')
    assert.equal(isOwnRundir(dir, readStateFile(dir) as StateFile), true)
    const bad = join(base, 'bad')
    mkdirSync(bad, {recursive: true})
    for (const text of ['', '{', 'null', '{"state":"BOGUS","name":"x","lxcpath":"/l"}', '{"state":"RUNNING","lxcpath":"/l"}']) {
      writeFileSync(join(bad, 'state.json'), text)
      assert.equal(readStateFile(bad), undefined, text)
    }
    assert.equal(readStateFile(join(base, 'missing')), undefined)
  })
  it('refuses a state.json in a run dir that is not its name\'s', () => {
    const dir = writeRundir(base, stateFile('/l', 'moved'), '0000000000000000')
    assert.equal(isOwnRundir(dir, readStateFile(dir) as StateFile), false)
  })
})

describe('listActive', () => {
  it('returns the live containers of one lxcpath, volatile or not, by name', async () => {
    const base = join(root, 'run-list')
    writeRundir(base, stateFile('/srv/a', 'web'))
    writeRundir(base, stateFile('/srv/a', 'db', {state: 'FROZEN'}))
    writeRundir(base, stateFile('/srv/b', 'web'))
    writeRundir(base, stateFile('/srv/a', 'ghost', {monitorStartTime: REUSED.start, initStartTime: REUSED.start}))
    writeRundir(base, stateFile('/srv/a', 'stray'), 'ffffffffffffffff')
    mkdirSync(join(base, 'starting'))
    const active = await listActive(base, '/srv/a')
    assert.deepEqual([...active.keys()].sort(), ['db', 'web'])
    assert.equal(active.get('db')?.state, 'FROZEN')
    assert.equal(active.get('web')?.rundir, join(base, fnv1a64('/srv/a/web')))
  })
  it('has nothing for a missing base', async () => {
    assert.equal((await listActive(join(root, 'nope'), '/srv/a')).size, 0)
  })
})

describe('listDefined', () => {
  it('lists directories holding a config, skipping hidden ones and setting aside invalid names', () => {
    const lxcpath = join(root, 'lxc')
    for (const [name, config] of [['web', true], ['db', true], ['.hidden', true], ['noconf', false], ['bad name', true]] as const) {
      mkdirSync(join(lxcpath, name), {recursive: true})
      if (config) writeFileSync(join(lxcpath, name, 'config'), 'lxc.uts.name = x\n')
    }
    writeFileSync(join(lxcpath, 'afile'), '')
    const found = listDefined(lxcpath)
    assert.deepEqual(found.names.sort(), ['db', 'web'])
    assert.deepEqual(found.invalid, ['bad name'])
  })
  it('has nothing for a missing lxcpath', () => {
    assert.deepEqual(listDefined(join(root, 'none')), {names: [], invalid: []})
  })
})
