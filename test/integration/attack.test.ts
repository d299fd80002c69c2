// The escapes open to root in a container on a host without an LSM,
// performed for real by build/test-attack (native/test/attack.c) as the
// container's init, against the configs ctr makes by default: the embedded
// default config, the busybox template (`ctr create -t busybox`), and an
// unprivileged busybox container (`ctr create --unprivileged`). Each test
// fails if an attack gets through. The positive controls run the same
// program with the protections taken away (`-s lxc.cap.drop=` and `-s
// lxc.seccomp.profile=`: privileged, CAP_SYS_ADMIN kept, no seccomp) and
// require it to get through, so that no test here passes because the
// program does not work.
//
// The attacks (see native/test/attack.c): shocker (open_by_handle_at with
// the handle of a host file the test creates, and the guessed filesystem
// root), core_pattern (a fresh procfs's kernel/core_pattern opened for
// writing: never written), proc_sys_rw (/proc/sys remounted rw or
// unmounted) and sysfs_rw (a fresh or remounted sysfs, a host-global
// attribute opened for writing); the last three also from a new user
// namespace inside the container.

import {afterEach, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, copyFileSync, existsSync, mkdirSync, statSync, writeFileSync} from 'node:fs'
import {randomBytes} from 'node:crypto'
import {join} from 'node:path'

import {REPO, describeResult, rootOnly, useSandbox, type CtrResult, type Sandbox} from './helpers.js'
import {BusyboxTracker, withDefaultConfig} from './create-helpers.js'

const T = {timeout: 60_000}
const ATTACK_BUILD = join(REPO, 'build/test-attack')
const ATTACKS = ['shocker', 'core_pattern', 'proc_sys_rw', 'sysfs_rw'] as const
type Attack = (typeof ATTACKS)[number]
// Takes the protections away for one start (a -s define applies after the config).
const UNPROTECTED = ['-s', 'lxc.cap.drop=', '-s', 'lxc.seccomp.profile=']
// Host ids for the unprivileged containers, from subuid/subgid files of the test's own.
const SUBID_BASE = 4_200_000

interface Outcome {
  verdict: 'blocked' | 'ESCAPED'
  detail: string
}

describe('attacks from root in a container (README, "Security")', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('attack')
  const tracker = new BusyboxTracker()
  let env: Record<string, string> = {}
  let secret = ''
  let handle = ''

  before(() => {
    const sb = sandbox()
    if (!existsSync(ATTACK_BUILD)) throw new Error(`Missing ${ATTACK_BUILD}: build it with npm run pretest (make -C native tests)`)
    // An empty seed config, so that a /etc/ctr/default.conf on the machine never changes what is created.
    env = {CTR_GLOBAL_CONFIG: withDefaultConfig(sb, 'attack', '# no keys\n').CTR_GLOBAL_CONFIG}
    // The host file shocker goes after: outside every container's root,
    // readable only by the host's root; its handle is computed on the host.
    secret = `ctr-attack-secret-${randomBytes(8).toString('hex')}`
    const file = join(sb.root, 'secret')
    writeFileSync(file, `${secret}\n`, {mode: 0o600})
    const r = spawnSync(ATTACK_BUILD, ['handle', file], {encoding: 'utf8'})
    assert.equal(r.status, 0, r.stderr)
    handle = r.stdout.trim()
    assert.match(handle, /^[0-9]+:([0-9a-f]{2})+$/)
    const subid = join(sb.root, 'subid')
    writeFileSync(subid, `root:${SUBID_BASE}:65536\n`)
    env.CTR_SUBUID_FILE = subid
    env.CTR_SUBGID_FILE = subid
  })
  afterEach(async () => {
    await tracker.assertNoneLeft()
  })

  const ctr = (args: string[]): Promise<CtrResult> => sandbox().ctr(args, {env})

  /** Runs the attacker as init of NAME (extra start args first); returns each attack's outcome. */
  async function attack(name: string, program: string, dir: string, extra: string[] = []): Promise<Map<Attack, Outcome>> {
    const r = await ctr(['start', '-n', name, ...extra, '-F', '--', program, 'run', '--dir', dir, '--handle', handle, '--secret', secret])
    assert.equal(r.code, 0, describeResult(r))
    const outcomes = new Map<Attack, Outcome>()
    for (const line of r.stdout.split('\n').filter((l) => l !== '')) {
      const match = /^(\S+) (blocked|ESCAPED) (.*)$/.exec(line)
      assert.ok(match, `an attack line: ${line}\n${describeResult(r)}`)
      outcomes.set(match[1] as Attack, {verdict: match[2] as Outcome['verdict'], detail: match[3] ?? ''})
    }
    assert.deepEqual([...outcomes.keys()], [...ATTACKS], describeResult(r))
    return outcomes
  }

  function assertBlocked(outcomes: Map<Attack, Outcome>, which: readonly Attack[] = ATTACKS): void {
    for (const name of which) {
      const o = outcomes.get(name)
      assert.equal(o?.verdict, 'blocked', `${name} got through: ${o?.detail}`)
    }
  }

  function assertEscaped(outcomes: Map<Attack, Outcome>): void {
    for (const name of ATTACKS) {
      const o = outcomes.get(name)
      assert.equal(o?.verdict, 'ESCAPED', `the positive control: ${name} must get through without the protections, or the program does not work: ${o?.detail}`)
    }
    assert.match(outcomes.get('shocker')?.detail ?? '', /read the secret/, 'shocker read the host file by its handle')
  }

  /** `ctr create -t busybox` (plus ARGS), with the attacker copied into the rootfs; returns the rootfs. */
  async function createBusybox(name: string, args: string[] = []): Promise<string> {
    const sb = sandbox()
    const r = await ctr(['create', '-n', name, '-t', 'busybox', ...args])
    assert.equal(r.code, 0, describeResult(r))
    const rootfs = join(sb.lxcpath, name, 'rootfs')
    tracker.track(rootfs)
    copyFileSync(ATTACK_BUILD, join(rootfs, 'bin/test-attack'))
    chmodSync(join(rootfs, 'bin/test-attack'), 0o755)
    // The handle only opens through a descriptor on the same filesystem.
    assert.equal(statSync(rootfs).dev, statSync(join(sb.root, 'secret')).dev, 'the rootfs and the secret share a filesystem')
    return rootfs
  }

  /** A directory on the host for the default config's mounts (its own mount namespace keeps them). */
  function hostDir(sb: Sandbox, name: string): string {
    const dir = join(sb.root, `mnt-${name}`)
    mkdirSync(dir, {recursive: true})
    return dir
  }

  it('the embedded default config blocks shocker, core_pattern through a fresh proc, a rw /proc/sys and a rw sysfs', T, async () => {
    const sb = sandbox()
    const name = sb.name('default')
    const outcomes = await attack(name, ATTACK_BUILD, hostDir(sb, name))
    assertBlocked(outcomes)
    assert.match(outcomes.get('shocker')?.detail ?? '', /open_by_handle_at\(the host file's handle\): EPERM/)
    assert.match(outcomes.get('core_pattern')?.detail ?? '', /mount a fresh proc: EPERM/)
  })

  it('the busybox template config (ctr create -t busybox) blocks them', T, async () => {
    const sb = sandbox()
    const name = sb.name('template')
    await createBusybox(name)
    const outcomes = await attack(name, '/bin/test-attack', '/mnt')
    assertBlocked(outcomes)
    assert.match(outcomes.get('proc_sys_rw')?.detail ?? '', /remount \/proc\/sys rw: EPERM/)
  })

  it('an unprivileged busybox container (ctr create --unprivileged) blocks them', T, async () => {
    const sb = sandbox()
    const name = sb.name('unpriv')
    await createBusybox(name, ['--unprivileged'])
    assertBlocked(await attack(name, '/bin/test-attack', '/mnt'))
  })

  it('in an unprivileged container the user namespace alone blocks them, without the cap drops and the denylist', T, async () => {
    const sb = sandbox()
    const name = sb.name('userns')
    await createBusybox(name, ['--unprivileged'])
    const outcomes = await attack(name, '/bin/test-attack', '/mnt', UNPROTECTED)
    assertBlocked(outcomes)
    // It may mount and remount (it owns its mount namespace); the kernel
    // still refuses the host-global files to a root that is not the host's.
    assert.match(outcomes.get('proc_sys_rw')?.detail ?? '', /EACCES/)
  })

  it('each layer alone stops shocker: the denylist with dac_read_search kept, the cap drop without the denylist', T, async () => {
    const sb = sandbox()
    const name = sb.name('layers')
    await createBusybox(name)
    const seccompOnly = await attack(name, '/bin/test-attack', '/mnt', ['-s', 'lxc.cap.drop='])
    assertBlocked(seccompOnly, ['shocker'])
    const capsOnly = await attack(name, '/bin/test-attack', '/mnt', ['-s', 'lxc.seccomp.profile='])
    assertBlocked(capsOnly, ['shocker'])
  })

  it('positive control: without the protections (privileged, CAP_SYS_ADMIN kept, no seccomp) every attack gets through', T, async () => {
    const sb = sandbox()
    const template = sb.name('control')
    await createBusybox(template)
    assertEscaped(await attack(template, '/bin/test-attack', '/mnt', UNPROTECTED))
    const dflt = sb.name('control-default')
    assertEscaped(await attack(dflt, ATTACK_BUILD, hostDir(sb, dflt), UNPROTECTED))
  })
})
