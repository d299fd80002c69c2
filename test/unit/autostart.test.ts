// `ctr autostart` without containers: argv, the selection and order
// (core/cli/autostart.ts), the exit statuses, and the systemd unit the
// package ships (config/ctr-autostart.service), whose commands must parse.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {autostartExitCode, parse, selectAutostart, type AutostartCandidate, type AutostartOptions} from '../../src/core/cli/autostart.js'
import {CtrError} from '../../src/core/errors.js'

function opts(...argv: string[]): AutostartOptions {
  const parsed = parse(argv, {})
  assert.equal(parsed.action, 'run')
  return (parsed as {action: 'run'; options: AutostartOptions}).options
}

const C = (name: string, over: Partial<AutostartCandidate> = {}): AutostartCandidate => ({name, auto: true, groups: [], order: 0, delay: 0, running: false, ...over})

describe('ctr autostart argv', () => {
  it('reads lxc-autostart\'s options', () => {
    const o = opts('-s', '-t', '30', '-g', 'web,,db', '-g', 'web', '-A')
    assert.deepEqual([o.action, o.timeout, o.groups, o.ignoreAuto, o.all, o.list], ['shutdown', 30, ['web', '', 'db'], true, false, false])
    assert.deepEqual([opts().action, opts().groups, opts().timeout], ['start', [''], 60])
    assert.equal(opts('-k', '-a', '-L').action, 'kill')
    assert.equal(opts('--reboot').action, 'reboot')
  })

  it('refuses contradictions', () => {
    for (const argv of [['-s', '-r'], ['-a', '-g', 'x'], ['-t', '1s'], ['name']]) {
      assert.throws(() => parse(argv, {}), CtrError, argv.join(' '))
    }
  })
})

describe('autostart selection', () => {
  const all = [
    C('b', {order: 1, delay: 3}),
    C('a', {order: 1}),
    C('z', {order: -1}),
    C('web', {groups: ['web']}),
    C('webdb', {groups: ['db', 'web'], order: 7}),
    C('manual', {auto: false}),
    C('up', {running: true}),
  ]

  it('orders by lxc.start.order then name, the empty group by default, stopped ones only', () => {
    assert.deepEqual(selectAutostart(all, opts()).map((s) => [s.name, s.delay, s.group]), [['z', 0, ''], ['a', 0, ''], ['b', 3, '']])
  })

  it('takes the groups in the order given, each container once', () => {
    assert.deepEqual(selectAutostart(all, opts('-g', 'web,')).map((s) => s.name), ['web', 'webdb', 'z', 'a', 'b'])
    assert.deepEqual(selectAutostart(all, opts('-g', 'db,web')).map((s) => s.name), ['webdb', 'web'])
    assert.deepEqual(selectAutostart(all, opts('-g', 'we')).map((s) => s.name), [])
  })

  it('-a ignores groups, -A ignores lxc.start.auto; -s and -k take the running ones in reverse', () => {
    assert.deepEqual(selectAutostart(all, opts('-a')).map((s) => s.name), ['z', 'web', 'a', 'b', 'webdb'])
    assert.deepEqual(selectAutostart(all, opts('-A')).map((s) => s.name), ['z', 'manual', 'a', 'b'])
    const running = all.map((c) => ({...c, running: true}))
    assert.deepEqual(selectAutostart(running, opts('-a', '-s')).map((s) => s.name), ['webdb', 'b', 'a', 'web', 'up', 'z'])
    assert.deepEqual(selectAutostart(all, opts('-k')).map((s) => s.name), ['up'])
  })

  it('exits 0 for nothing to do, 1 when all tries failed, 2 when some did (lxc/lxc#3847, #4662)', () => {
    assert.deepEqual([autostartExitCode(0, 0), autostartExitCode(3, 0), autostartExitCode(2, 2), autostartExitCode(3, 1)], [0, 0, 1, 2])
  })
})

describe('the systemd unit', () => {
  it('runs ctr autostart directly (its exit status reaches systemd) with valid arguments', () => {
    const unit = readFileSync(join(import.meta.dirname, '../../config/ctr-autostart.service'), 'utf8')
    const line = (key: string): string[] => {
      const found = unit.split('\n').find((l) => l.startsWith(`${key}=`))
      assert.ok(found, key)
      return found.slice(key.length + 1).split(' ')
    }
    const start = line('ExecStart')
    const stop = line('ExecStop')
    assert.deepEqual(start.slice(0, 2), ['ctr', 'autostart'])
    assert.deepEqual(stop.slice(0, 2), ['ctr', 'autostart'])
    assert.deepEqual(opts(...start.slice(2)).groups, ['onboot', ''])
    const s = opts(...stop.slice(2))
    assert.deepEqual([s.action, s.all, s.ignoreAuto, s.timeout], ['shutdown', true, true, 30])
    assert.match(unit, /^Type=oneshot$/m)
    assert.match(unit, /^RemainAfterExit=yes$/m)
  })
})
