// `ctr create` and `ctr destroy` end to end: a busybox container built by
// the template boots busybox init, halts cleanly on `ctr stop` and leaves
// nothing behind on destroy; `-t none --dir`; the refusals (existing name,
// unknown template, running container); interrupted creates; the symlink,
// mount and symlinked-directory cases destroy must not follow; and a
// rootfs shifted for a user namespace.

import {afterEach, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'

import {
  REPO,
  buildRootfs,
  describeResult,
  fileId,
  isAlive,
  json,
  procExeId,
  procStatusField,
  readCmdline,
  rootOnly,
  useSandbox,
  waitForFile,
  waitForPidGone,
  type CtrResult,
} from './helpers.js'
import {BusyboxTracker, ownerOf, waitForBusyboxInit, withDefaultConfig} from './create-helpers.js'

const T = {timeout: 60_000}
const CAP_SYS_ADMIN = 21n
const CAP_SYS_BOOT = 22n

interface CreateJson {
  status: number
  result: {
    name: string
    path: string
    config: string
    template: string
    seed?: string
    rootfs?: string
    rootfsBuilt: boolean
    shiftedTo: {uid: number; gid: number} | null
    privilege: 'privileged' | 'unprivileged'
    idmap: Array<{kind: string; nsid: number; hostid: number; range: number}>
    subidFiles: {uid: string; gid: string} | null
  }
  warnings?: string[]
}
interface DestroyJson {
  status: number
  result: {name: string; path: string; killed: boolean; partial: boolean; keptRootfs: string[]; removedEntries: number}
  warnings?: string[]
}
interface ErrorJson {
  status: number
  error: {code: string; message: string; hints: string[]}
}
interface StopJson {
  result: {method: string; signals: string[]}
}
interface InfoJson {
  result: {state: string; lastExit?: {reason: string; exitStatus: number; signal: number | null}}
}

function ok(r: CtrResult): CtrResult {
  assert.equal(r.code, 0, describeResult(r))
  return r
}

function failsWith(r: CtrResult, code: string): ErrorJson['error'] {
  assert.equal(r.code, 1, describeResult(r))
  const body = json<ErrorJson>(r)
  assert.equal(body.status, 1)
  assert.equal(body.error.code, code, describeResult(r))
  return body.error
}

describe('create and destroy', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('create')
  const tracker = new BusyboxTracker()
  // Every test but the idmap one seeds from this (empty) default config, so
  // that a /etc/ctr/default.conf on the machine never changes what is created.
  let env: Record<string, string> = {}

  before(() => {
    env = {CTR_GLOBAL_CONFIG: withDefaultConfig(sandbox(), 'plain', '# no keys: loopback-only network, as ctr has no default.conf\n').CTR_GLOBAL_CONFIG}
  })
  afterEach(async () => {
    await tracker.assertNoneLeft()
  })

  const ctr = (args: string[], extra: Record<string, string> = {}): Promise<CtrResult> => sandbox().ctr(args, {env: {...env, ...extra}})

  async function createBusybox(name: string, extra: string[] = []): Promise<string> {
    const sb = sandbox()
    const r = ok(await ctr(['create', '-n', name, '-t', 'busybox', ...extra]))
    // lxc-create prints nothing; ctr says which kind of container it made.
    assert.equal(r.stdout, `Created ${name}: privileged (root in it is root on the host; ctr create --unprivileged makes an unprivileged one)\n`)
    assert.equal(r.stderr, '')
    const rootfs = join(sb.lxcpath, name, 'rootfs')
    tracker.track(rootfs)
    return rootfs
  }

  it('creates a busybox container that boots busybox init, halts cleanly on stop and is destroyed without a trace', T, async () => {
    const sb = sandbox()
    const name = sb.name('bb')
    const dir = join(sb.lxcpath, name)
    const rootfs = await createBusybox(name)

    // What lxc-busybox builds, and no partial marker left.
    assert.equal(statSync(dir).mode & 0o777, 0o770)
    assert.equal(statSync(join(dir, 'config')).mode & 0o777, 0o640)
    assert.equal(existsSync(join(dir, 'partial')), false)
    assert.equal(fileId(join(rootfs, 'sbin/init')), fileId(join(rootfs, 'bin/busybox')), '/sbin/init is a hard link to busybox')
    assert.equal(lstatSync(join(rootfs, 'bin/sh')).isSymbolicLink(), true)
    assert.equal(statSync(join(rootfs, 'tmp')).mode & 0o7777, 0o1777)
    assert.match(readFileSync(join(rootfs, 'etc/inittab'), 'utf8'), /^::sysinit:\/etc\/init\.d\/rcS$/m)
    const config = readFileSync(join(dir, 'config'), 'utf8')
    for (const line of [
      `lxc.rootfs.path = dir:${rootfs}`,
      `lxc.uts.name = ${name}`,
      'lxc.signal.halt = SIGUSR1',
      'lxc.signal.reboot = SIGTERM',
      `lxc.seccomp.profile = ${join(REPO, 'config/default.seccomp')}`,
    ]) {
      assert.ok(config.split('\n').includes(line), `${line} in\n${config}`)
    }

    ok(await ctr(['start', '-n', name]))
    const pid = await sb.initPid(name)
    assert.equal(procExeId(pid), fileId(join(rootfs, 'bin/busybox')), "init runs the container's busybox")
    // Without CAP_SYS_ADMIN (README, "Security"), but with CAP_SYS_BOOT for
    // the halt below, and under ctr's seccomp denylist.
    const bounding = BigInt(`0x${procStatusField(pid, 'CapBnd') ?? '0'}`)
    assert.equal((bounding >> CAP_SYS_ADMIN) & 1n, 0n, 'sys_admin is dropped')
    assert.equal((bounding >> CAP_SYS_BOOT) & 1n, 1n, 'sys_boot is kept')
    assert.equal(procStatusField(pid, 'Seccomp'), '2')
    assert.equal(readCmdline(pid), 'init', 'busybox init (it rewrites its argv to "init")')
    await waitForBusyboxInit(rootfs)

    const stop = ok(await ctr(['stop', '-n', name, '--json']))
    const stopped = json<StopJson>(stop)
    assert.equal(stopped.result.method, 'halt', 'stopped by the halt signal, without the kill fallback')
    assert.deepEqual(stopped.result.signals, ['SIGUSR1'])
    await waitForPidGone(pid)
    const info = json<InfoJson>(ok(await ctr(['info', '-n', name, '--json'])))
    assert.equal(info.result.state, 'STOPPED')
    // busybox init halts with reboot(2), which ends a pid namespace's init
    // as if by SIGINT (the kernel's "halt" code): a clean halt, exit 0, as
    // LXC reports it (docs/console.md); a kill would be 137.
    assert.deepEqual([info.result.lastExit?.reason, info.result.lastExit?.signal, info.result.lastExit?.exitStatus], ['halted', null, 0])

    const again = await ctr(['create', '-n', name, '-t', 'busybox'])
    assert.equal(again.code, 1, describeResult(again))
    assert.match(again.stderr, /^ctr create: Container already exists\n/)
    assert.equal(readFileSync(join(dir, 'config'), 'utf8'), config, 'the existing config is untouched')

    const destroyed = json<DestroyJson>(ok(await ctr(['destroy', '-n', name, '--json'])))
    assert.deepEqual([destroyed.result.killed, destroyed.result.partial, destroyed.result.keptRootfs], [false, false, []])
    assert.ok(destroyed.result.removedEntries > 270, `${destroyed.result.removedEntries} entries`)
    assert.equal(existsSync(dir), false)
    assert.equal(existsSync(`${sb.rundirOf(name)}.lock`), false, 'the lock is released')
    const gone = await ctr(['destroy', '-n', name])
    assert.equal(gone.code, 1, describeResult(gone))
    assert.equal(gone.stderr.split('\n')[0], `ctr destroy: ${name}: Container is not defined`)
  })

  it('writes a config only with -t none, for a rootfs brought with --dir, and destroy leaves that rootfs', T, async () => {
    const sb = sandbox()
    const name = sb.name('none')
    const rootfs = join(sb.root, `rootfs-${name}`)
    buildRootfs(rootfs)
    writeFileSync(join(rootfs, 'etc/marker'), `${name}\n`)

    const created = json<CreateJson>(ok(await ctr(['create', '-n', name, '-t', 'none', '--dir', rootfs, '--json'])))
    assert.deepEqual([created.result.rootfs, created.result.rootfsBuilt, created.result.template], [rootfs, false, 'none'])
    assert.deepEqual(readdirSync(join(sb.lxcpath, name)).sort(), ['config'])
    const lines = readFileSync(join(sb.lxcpath, name, 'config'), 'utf8').split('\n').filter((l) => l.startsWith('lxc.'))
    assert.deepEqual(lines, [`lxc.rootfs.path = dir:${rootfs}`])

    const run = ok(await ctr(['start', '-n', name, '-F', '--', '/bin/busybox', 'cat', '/etc/marker']))
    assert.equal(run.stdout, `${name}\n`, 'the command ran in the --dir rootfs')

    const destroyed = await ctr(['destroy', '-n', name, '--json'])
    const body = json<DestroyJson>(ok(destroyed))
    assert.deepEqual(body.result.keptRootfs, [rootfs])
    assert.ok(body.warnings?.some((w) => w.startsWith(`Left ${rootfs} in place`)), JSON.stringify(body.warnings))
    assert.equal(existsSync(join(sb.lxcpath, name)), false)
    assert.equal(readFileSync(join(rootfs, 'etc/marker'), 'utf8'), `${name}\n`, 'the rootfs outside the container directory survives')

    const human = await ctr(['create', '-n', name, '-t', 'none', '--dir', join(sb.root, 'no-such-rootfs')])
    assert.equal(human.code, 1, describeResult(human))
    assert.match(human.stderr, /^ctr create: The rootfs ".*no-such-rootfs" does not exist\n/)
    assert.equal(existsSync(join(sb.lxcpath, name)), false, 'a failed create removes what it made')
  })

  it('builds the busybox rootfs in --dir and keeps it on destroy', T, async () => {
    const sb = sandbox()
    const name = sb.name('dir')
    const rootfs = join(sb.root, 'elsewhere', name)
    ok(await ctr(['create', '-n', name, '-t', 'busybox', '--dir', rootfs]))
    tracker.track(rootfs)
    assert.equal(existsSync(join(rootfs, 'bin/busybox')), true)
    assert.equal(existsSync(join(sb.lxcpath, name, 'rootfs')), false)
    const busy = await ctr(['create', '-n', sb.name('dir2'), '-t', 'busybox', '--dir', rootfs, '--json'])
    assert.match(failsWith(busy, 'CTR_ROOTFS_EXISTS').message, /already exists and is not empty/)
    ok(await ctr(['destroy', '-n', name]))
    assert.equal(existsSync(join(rootfs, 'bin/busybox')), true)
    rmSync(join(sb.root, 'elsewhere'), {recursive: true, force: true})
  })

  it('refuses unknown templates and other backing stores before creating anything', T, async () => {
    const sb = sandbox()
    const name = sb.name('bad')
    const unknown = await ctr(['create', '-n', name, '-t', 'ubuntu'])
    assert.equal(unknown.code, 1, describeResult(unknown))
    assert.match(unknown.stderr, /^ctr create: Template "ubuntu" not found\nKnown templates: busybox \(.*\), none \(.*\)\n/)
    failsWith(await ctr(['create', '-n', name, '-t', 'busybox', '-B', 'lvm', '--json']), 'CTR_NOT_SUPPORTED')
    failsWith(await ctr(['create', '-n', name, '--json']), 'CTR_NO_TEMPLATE')
    failsWith(await ctr(['create', '-n', name, '-t', 'busybox', '--json', '--', '--busybox-path', '/etc/passwd']), 'CTR_BUSYBOX_MISSING')
    assert.equal(existsSync(join(sb.lxcpath, name)), false)
  })

  it('refuses to start a container with a partial marker, and destroy removes it', T, async () => {
    const sb = sandbox()
    const name = sb.name('part')
    await createBusybox(name)
    // What an interrupted create leaves: the marker is created first and removed last.
    writeFileSync(join(sb.lxcpath, name, 'partial'), 'create 1\n')
    const start = await ctr(['start', '-n', name])
    assert.equal(start.code, 1, describeResult(start))
    assert.match(start.stderr, new RegExp(`^ctr start: ${name} is only partly created\n.*ctr destroy -n ${name}`, 's'))
    failsWith(await ctr(['create', '-n', name, '-t', 'busybox', '--json']), 'CTR_EXISTS')
    const destroyed = json<DestroyJson>(ok(await ctr(['destroy', '-n', name, '--json'])))
    assert.equal(destroyed.result.partial, true)
    assert.equal(existsSync(join(sb.lxcpath, name)), false)
  })

  it('refuses to destroy a running container without -f; -f kills it and removes it', T, async () => {
    const sb = sandbox()
    const name = sb.name('run')
    await createBusybox(name)
    ok(await ctr(['start', '-n', name]))
    const pid = await sb.initPid(name)

    const refused = await ctr(['destroy', '-n', name])
    assert.equal(refused.code, 1, describeResult(refused))
    assert.match(refused.stderr, new RegExp(`^ctr destroy: ${name} is running\n`))
    assert.ok(isAlive(pid), 'still running')
    assert.equal(existsSync(join(sb.lxcpath, name, 'partial')), false, 'a refused destroy leaves no marker')
    assert.equal(existsSync(join(sb.lxcpath, name, 'config')), true)

    const destroyed = json<DestroyJson>(ok(await ctr(['destroy', '-n', name, '-f', '--json'])))
    assert.equal(destroyed.result.killed, true)
    await waitForPidGone(pid)
    assert.equal(existsSync(join(sb.lxcpath, name)), false)
    assert.equal(existsSync(sb.rundirOf(name)), false)
  })

  it('never follows a symlink out of the container directory', T, async () => {
    const sb = sandbox()
    const name = sb.name('link')
    const rootfs = await createBusybox(name)
    const outside = join(sb.root, `outside-${name}`)
    mkdirSync(join(outside, 'sub'), {recursive: true})
    writeFileSync(join(outside, 'keep.txt'), 'must survive\n')
    writeFileSync(join(outside, 'sub', 'deep.txt'), 'must survive too\n')
    symlinkSync(outside, join(rootfs, 'root/abs-dir-link'))
    symlinkSync(relative(join(rootfs, 'tmp'), outside), join(rootfs, 'tmp/rel-dir-link'))
    symlinkSync(join(outside, 'keep.txt'), join(rootfs, 'etc/file-link'))
    symlinkSync(outside, join(sb.lxcpath, name, 'escape'))
    assert.equal(readFileSync(join(rootfs, 'tmp/rel-dir-link/keep.txt'), 'utf8'), 'must survive\n', 'the relative link does lead out')

    ok(await ctr(['destroy', '-n', name]))
    assert.equal(existsSync(join(sb.lxcpath, name)), false)
    assert.equal(readFileSync(join(outside, 'keep.txt'), 'utf8'), 'must survive\n')
    assert.equal(readFileSync(join(outside, 'sub', 'deep.txt'), 'utf8'), 'must survive too\n')
  })

  it('refuses a container directory that is a symlink, and one with a mount inside', T, async () => {
    const sb = sandbox()
    const linked = sb.name('symdir')
    const real = join(sb.root, `real-${linked}`)
    mkdirSync(real)
    writeFileSync(join(real, 'config'), 'lxc.uts.name = x\n')
    symlinkSync(real, join(sb.lxcpath, linked))
    const refused = failsWith(await ctr(['destroy', '-n', linked, '-f', '--json']), 'CTR_UNSAFE_PATH')
    assert.match(refused.message, /is a symbolic link/)
    assert.equal(readFileSync(join(real, 'config'), 'utf8'), 'lxc.uts.name = x\n')
    assert.equal(lstatSync(join(sb.lxcpath, linked)).isSymbolicLink(), true)

    const name = sb.name('mnt')
    const rootfs = await createBusybox(name)
    const outside = join(sb.root, `mounted-${name}`)
    mkdirSync(outside)
    writeFileSync(join(outside, 'keep.txt'), 'must survive\n')
    const mountPoint = join(rootfs, 'mnt')
    const bind = spawnSync('mount', ['--bind', outside, mountPoint], {encoding: 'utf8'})
    assert.equal(bind.status, 0, bind.stderr)
    try {
      const mounted = failsWith(await ctr(['destroy', '-n', name, '--json']), 'CTR_MOUNTED')
      assert.match(mounted.message, /is mounted/)
      assert.equal(readFileSync(join(outside, 'keep.txt'), 'utf8'), 'must survive\n')
      assert.equal(existsSync(join(sb.lxcpath, name, 'config')), true, 'nothing was removed')
      assert.equal(existsSync(join(sb.lxcpath, name, 'partial')), false)
    } finally {
      spawnSync('umount', [mountPoint])
    }
    ok(await ctr(['destroy', '-n', name]))
    assert.equal(readFileSync(join(outside, 'keep.txt'), 'utf8'), 'must survive\n')
  })

  it('shifts the rootfs to the host ids of lxc.idmap from the default config; init runs as that host uid', T, async () => {
    const sb = sandbox()
    const name = sb.name('userns')
    const host = 3_000_000
    const idmapEnv = withDefaultConfig(sb, 'idmap', `lxc.idmap = u 0 ${host} 65536\nlxc.idmap = g 0 ${host} 65536\n`)
    const created = json<CreateJson>(ok(await ctr(['create', '-n', name, '-t', 'busybox', '--json'], {CTR_GLOBAL_CONFIG: idmapEnv.CTR_GLOBAL_CONFIG})))
    assert.deepEqual(created.result.shiftedTo, {uid: host, gid: host})
    assert.equal(created.result.seed, idmapEnv.defaultConfigPath)
    const dir = join(sb.lxcpath, name)
    const rootfs = join(dir, 'rootfs')
    tracker.track(rootfs)
    for (const path of [dir, rootfs, join(rootfs, 'bin/busybox'), join(rootfs, 'bin/sh'), join(rootfs, 'etc/shadow'), join(rootfs, 'tmp'), join(rootfs, 'usr/bin')]) {
      assert.deepEqual(ownerOf(path), {uid: host, gid: host}, path)
    }
    assert.deepEqual(ownerOf(join(dir, 'config')), {uid: 0, gid: 0}, 'the config stays the host root\'s')
    assert.ok(readFileSync(join(dir, 'config'), 'utf8').includes(`lxc.idmap = u 0 ${host} 65536`), 'the seed is copied into the config')

    ok(await ctr(['start', '-n', name]))
    const pid = await sb.initPid(name)
    assert.deepEqual(procStatusField(pid, 'Uid')?.split(/\s+/), [String(host), String(host), String(host), String(host)])
    assert.equal(procExeId(pid), fileId(join(rootfs, 'bin/busybox')))
    await waitForBusyboxInit(rootfs)
    assert.equal(json<StopJson>(ok(await ctr(['stop', '-n', name, '--json']))).result.method, 'halt')
    await waitForPidGone(pid)
    ok(await ctr(['destroy', '-n', name]))
    assert.equal(existsSync(dir), false)
  })

  it('--unprivileged maps root to the subuid/subgid range, says so, and the container boots and halts cleanly', T, async () => {
    const sb = sandbox()
    const name = sb.name('unpriv')
    const host = 3_300_000
    // Ranges of the test's own: the host's /etc/subuid and /etc/subgid are never read or edited.
    const subuid = join(sb.root, 'unpriv.subuid')
    const subgid = join(sb.root, 'unpriv.subgid')
    writeFileSync(subuid, `alice:100000:65536\nroot:${host}:1000\nroot:${host}:65536\n`)
    writeFileSync(subgid, `0:${host + 100_000}:131072\n`)
    const subEnv = {CTR_SUBUID_FILE: subuid, CTR_SUBGID_FILE: subgid}
    const gidHost = host + 100_000
    const human = ok(await ctr(['create', '-n', name, '-t', 'busybox', '--unprivileged'], subEnv))
    assert.equal(human.stdout, `Created ${name}: unprivileged (uid 0..65535 -> host ${host}..${host + 65535}, gid 0..65535 -> host ${gidHost}..${gidHost + 65535})\n`)
    assert.equal(human.stderr, '')
    const dir = join(sb.lxcpath, name)
    const rootfs = join(dir, 'rootfs')
    tracker.track(rootfs)
    const config = readFileSync(join(dir, 'config'), 'utf8')
    assert.ok(config.includes(`# From --unprivileged (subordinate ids in ${subuid} and ${subgid}):\nlxc.idmap = u 0 ${host} 65536\nlxc.idmap = g 0 ${gidHost} 65536\n`), config)
    for (const path of [dir, rootfs, join(rootfs, 'bin/busybox'), join(rootfs, 'etc/shadow')]) assert.deepEqual(ownerOf(path), {uid: host, gid: gidHost}, path)

    ok(await ctr(['start', '-n', name]))
    const pid = await sb.initPid(name)
    assert.deepEqual(procStatusField(pid, 'Uid')?.split(/\s+/), [String(host), String(host), String(host), String(host)])
    await waitForBusyboxInit(rootfs)
    const stopped = json<StopJson>(ok(await ctr(['stop', '-n', name, '--json'])))
    assert.equal(stopped.result.method, 'halt', 'busybox init halted on SIGUSR1, without the kill fallback')
    await waitForPidGone(pid)
    const info = json<InfoJson>(ok(await ctr(['info', '-n', name, '--json'])))
    assert.deepEqual([info.result.state, info.result.lastExit?.reason, info.result.lastExit?.exitStatus], ['STOPPED', 'halted', 0])
    ok(await ctr(['destroy', '-n', name]))

    // --json says the same; -q leaves the line out.
    const again = json<CreateJson>(ok(await ctr(['create', '-n', name, '-t', 'none', '--unprivileged', '--json'], subEnv)))
    assert.equal(again.result.privilege, 'unprivileged')
    assert.deepEqual(again.result.idmap, [
      {kind: 'u', nsid: 0, hostid: host, range: 65536},
      {kind: 'g', nsid: 0, hostid: gidHost, range: 65536},
    ])
    assert.deepEqual(again.result.subidFiles, {uid: subuid, gid: subgid})
    ok(await ctr(['destroy', '-n', name]))
    const quiet = ok(await ctr(['create', '-n', name, '-t', 'none', '-q']))
    assert.equal(quiet.stdout, '')
    const privileged = json<CreateJson>(ok(await ctr(['create', '-n', sb.name('priv'), '-t', 'none', '--json'])))
    assert.equal(privileged.result.privilege, 'privileged')
    assert.deepEqual([privileged.result.idmap, privileged.result.subidFiles, privileged.result.shiftedTo], [[], null, null])
  })

  it('--unprivileged without a range for root fails before creating anything, and says how to add one', T, async () => {
    const sb = sandbox()
    const name = sb.name('nosub')
    const empty = join(sb.root, 'nosub.subuid')
    writeFileSync(empty, 'alice:100000:65536\nroot:200000:100\n')
    const r = await ctr(['create', '-n', name, '-t', 'busybox', '--unprivileged'], {CTR_SUBUID_FILE: empty, CTR_SUBGID_FILE: empty})
    assert.equal(r.code, 1, describeResult(r))
    assert.equal(
      r.stderr,
      [
        `ctr create: No subordinate uid range of at least 65536 ids for root in ${empty}`,
        "Give root one (the range must not overlap another user's): usermod --add-subuids 100000-165535 --add-subgids 100000-165535 root",
        'or add the line "root:100000:65536" to /etc/subuid and /etc/subgid',
        'or write lxc.idmap lines yourself (lxc.idmap = u 0 100000 65536, lxc.idmap = g 0 100000 65536) in a config given with -f',
        '',
      ].join('\n'),
    )
    assert.equal(existsSync(join(sb.lxcpath, name)), false)
    const body = failsWith(await ctr(['create', '-n', name, '-t', 'busybox', '--unprivileged', '--json'], {CTR_SUBUID_FILE: empty, CTR_SUBGID_FILE: empty}), 'CTR_NO_SUBID')
    assert.ok(body.hints.length === 3)
  })

  it('--unprivileged keeps the seed\'s own lxc.idmap (with a notice), and refuses one that maps root to host root', T, async () => {
    const sb = sandbox()
    const name = sb.name('seedmap')
    const host = 3_400_000
    const seeded = withDefaultConfig(sb, 'seedmap', `lxc.idmap = u 0 ${host} 65536\nlxc.idmap = g 0 ${host} 65536\n`)
    const r = ok(await ctr(['create', '-n', name, '-t', 'none', '--unprivileged'], {CTR_GLOBAL_CONFIG: seeded.CTR_GLOBAL_CONFIG}))
    assert.equal(r.stderr.split('\n')[0], `ctr create: --unprivileged adds no lxc.idmap lines: lxc.default_config ${seeded.defaultConfigPath} has its own`)
    assert.match(r.stdout, new RegExp(`^Created ${name}: unprivileged \\(uid 0\\.\\.65535 -> host ${host}\\.\\.`))
    assert.equal(readFileSync(join(sb.lxcpath, name, 'config'), 'utf8').split('\n').filter((l) => l.startsWith('lxc.idmap')).length, 2)
    const rootMapped = withDefaultConfig(sb, 'rootmap', 'lxc.idmap = u 0 0 65536\nlxc.idmap = g 0 0 65536\n')
    const other = sb.name('rootmap')
    failsWith(await ctr(['create', '-n', other, '-t', 'none', '--unprivileged', '--json'], {CTR_GLOBAL_CONFIG: rootMapped.CTR_GLOBAL_CONFIG}), 'CTR_IDMAP')
    assert.equal(existsSync(join(sb.lxcpath, other)), false)
  })
})
