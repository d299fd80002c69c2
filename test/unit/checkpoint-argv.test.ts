// `ctr checkpoint`: its argv (core/cli/checkpoint.ts, lxc_checkpoint.c's
// table and checker) and the criu command lines it builds
// (core/checkpoint-plan.ts, LXC's criu.c exec_criu), what of a config it
// refuses, and how `criu check`'s output becomes one reason.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {bindMounts, cgroupRoot, cgroupsFromPlan, cgroupsFromRecord, criuCheckReason, dumpArgv, freezeCgroup, restoreArgv, unsupportedConfig, type CriuCgroup} from '../../src/core/checkpoint-plan.js'
import {parseCgroupRecord} from '../../src/core/cgroup/stats.js'
import {parse, type CheckpointOptions} from '../../src/core/cli/checkpoint.js'
import {createDefaultConfig as newConfig, type MountEntry} from '../../src/core/config/model.js'
import {UsageError} from '../../src/core/errors.js'

function run(argv: string[]): CheckpointOptions {
  const parsed = parse(argv, {})
  if (parsed.action !== 'run') throw new Error(`expected run, got ${parsed.action}`)
  return parsed.options
}

function refused(argv: string[], code: string, message: RegExp): void {
  assert.throws(() => run(argv), (e: unknown) => e instanceof UsageError && e.code === code && message.test(e.message), argv.join(' '))
}

describe('ctr checkpoint argv', () => {
  it('dumps by default, restores with -r, in the background unless -F comes last', () => {
    const d = run(['-n', 'web', '-D', '/ckpt/web/', '-s', '-v'])
    assert.deepEqual([d.name, d.directory, d.restore, d.stop, d.verbose, d.preDump], ['web', '/ckpt/web', false, true, true, false])
    const r = run(['-n', 'web', '-D', '/ckpt/web', '-r'])
    assert.deepEqual([r.restore, r.daemon, r.stop], [true, true, false])
    assert.equal(run(['-n', 'web', '-D', 'd', '-r', '-F']).daemon, false)
    assert.equal(run(['-n', 'web', '-D', 'd', '-r', '-F', '-d']).daemon, true)
    assert.equal(run(['-n', 'web', '-D', 'd', '-r', '--rcfile', '/etc/c']).rcfile, '/etc/c')
    const p = run(['web', '--checkpoint-dir=d', '-p', '--predump-dir', '../pre', '-A', '/bin/act'])
    assert.deepEqual([p.name, p.preDump, p.predumpDir, p.actionScript], ['web', true, '../pre', '/bin/act'])
  })

  it("refuses what lxc-checkpoint's checker refuses, in its order", () => {
    refused(['-n', 'web', '-D', 'd', '-r', '-s'], 'CTR_OPTION_CONFLICT', /^-s is not compatible with -r$/)
    refused(['-n', 'web', '-D', 'd', '-F'], 'CTR_OPTION_CONFLICT', /^-d and -F are only valid with -r$/)
    refused(['-n', 'web', '-d'], 'CTR_OPTION_CONFLICT', /-d and -F/)
    refused(['-n', 'web'], 'CTR_NO_CHECKPOINT_DIR', /^-D is required$/)
    refused(['-n', 'web', '-D', 'd', '-r', '-p'], 'CTR_OPTION_CONFLICT', /^-p is not compatible with -r$/)
    refused(['-n', 'web', '-D', 'd', 'extra'], 'CTR_UNEXPECTED_ARGUMENT', /extra/)
    refused(['-D', 'd'], 'CTR_NO_NAME', /No container name/)
  })
})

const V1: CriuCgroup = {version: 1, id: 'freezer', hierarchyPath: '/ctr.payload.web.0123456789abcdef', dir: '/sys/fs/cgroup/freezer/ctr.payload.web.0123456789abcdef'}
const V1CPU: CriuCgroup = {version: 1, id: 'cpu,cpuacct', hierarchyPath: '//ctr.payload.web.0123456789abcdef/', dir: '/sys/fs/cgroup/cpu,cpuacct/ctr.payload.web.0123456789abcdef'}
const V2: CriuCgroup = {version: 2, id: '', hierarchyPath: '/ctr.payload.web.0123456789abcdef', dir: '/sys/fs/cgroup/unified/ctr.payload.web.0123456789abcdef'}

const FIXED = ['--tcp-established', '--file-locks', '--link-remap', '--manage-cgroups=full', '--ext-mount-map', 'auto', '--enable-external-sharing', '--enable-external-masters', '--enable-fs', 'hugetlbfs', '--enable-fs', 'tracefs']

describe('criu command lines (LXC criu.c exec_criu)', () => {
  it('dumps init of the container cgroup, frozen through the v1 freezer, leaving it running unless -s', () => {
    const argv = dumpArgv({criu: '/usr/sbin/criu', action: 'dump', directory: '/ck', cgroups: [V1CPU, V1, V2], binds: [{source: '/srv/data', target: 'mnt/data'}], verbose: true, initPid: 4242, stop: false})
    assert.deepEqual(argv, [
      '/usr/sbin/criu', 'dump', ...FIXED, '-D', '/ck', '-o', '/ck/dump.log',
      '--cgroup-root', 'cpu,cpuacct:/ctr.payload.web.0123456789abcdef', '--cgroup-root', 'freezer:/ctr.payload.web.0123456789abcdef', '--cgroup-root', '/ctr.payload.web.0123456789abcdef',
      '-v4', '--ext-mount-map', '/mnt/data:mnt/data',
      '-t', '4242', '--skip-in-flight', '--freeze-cgroup', '/sys/fs/cgroup/freezer/ctr.payload.web.0123456789abcdef', '--force-irmap', '--leave-running',
    ])
    const stop = dumpArgv({criu: '/c', action: 'dump', directory: '/ck', cgroups: [V2], binds: [], verbose: false, initPid: 7, stop: true, actionScript: '/bin/act'})
    assert.deepEqual(stop.slice(-10), ['--cgroup-root', '/ctr.payload.web.0123456789abcdef', '--action-script', '/bin/act', '-t', '7', '--skip-in-flight', '--freeze-cgroup', V2.dir, '--force-irmap'])
    const pre = dumpArgv({criu: '/c', action: 'pre-dump', directory: '/ck', cgroups: [], binds: [], verbose: false, initPid: 7, stop: true, predumpDir: '../p0'})
    assert.equal(pre[1], 'pre-dump')
    assert.ok(pre.includes('/ck/pre-dump.log'))
    assert.deepEqual(pre.slice(pre.indexOf('--prev-images-dir')), ['--prev-images-dir', '../p0', '--track-mem', '--force-irmap'])
    assert.ok(!pre.includes('--leave-running') && !pre.includes('--freeze-cgroup'))
  })

  it('restores as a sibling of criu into the new cgroups, rooted at the rootfs, writing the pidfile', () => {
    const cgroups = cgroupsFromPlan({limit: 'ctr.payload.web.0123456789abcdef', hierarchies: [{version: 1, id: 'freezer', baseDir: '/sys/fs/cgroup/freezer/', basePath: '/'}, {version: 2, id: '', baseDir: '/sys/fs/cgroup/unified/lxc', basePath: '/lxc'}]})
    assert.deepEqual(cgroups.map(cgroupRoot), ['freezer:/ctr.payload.web.0123456789abcdef', '/lxc/ctr.payload.web.0123456789abcdef'])
    assert.equal(freezeCgroup(cgroups), '/sys/fs/cgroup/freezer/ctr.payload.web.0123456789abcdef')
    const argv = restoreArgv({criu: '/usr/sbin/criu', directory: '/ck', cgroups, binds: [{source: '/srv/data', target: 'mnt/data'}], verbose: false, root: '/var/lib/ctr/web/rootfs', pidfile: '/run/ctr/0123456789abcdef/restore.pid'})
    assert.deepEqual(argv, [
      '/usr/sbin/criu', 'restore', ...FIXED, '-D', '/ck', '-o', '/ck/restore.log',
      '--cgroup-root', 'freezer:/ctr.payload.web.0123456789abcdef', '--cgroup-root', '/lxc/ctr.payload.web.0123456789abcdef',
      '--ext-mount-map', 'mnt/data:/srv/data', '--root', '/var/lib/ctr/web/rootfs',
      '--restore-detached', '--restore-sibling', '--pidfile', '/run/ctr/0123456789abcdef/restore.pid',
    ])
    // The host root: no --root.
    assert.ok(!restoreArgv({criu: '/c', directory: '/ck', cgroups: [], binds: [], verbose: true, pidfile: '/p'}).includes('--root'))
  })

  it("takes the dump's cgroups from the monitor's record, limit directories only", () => {
    const record = parseCgroupRecord('limit\t1\tfreezer\t/ctr.payload.web.0123456789abcdef\t/sys/fs/cgroup/freezer/ctr.payload.web.0123456789abcdef\ninner\t2\t-\t/x/in\t/sys/fs/cgroup/unified/x/in\nlimit\t2\t-\t/x\t/sys/fs/cgroup/unified/x\n')
    assert.deepEqual(cgroupsFromRecord(record).map(cgroupRoot), ['freezer:/ctr.payload.web.0123456789abcdef', '/x'])
    assert.equal(freezeCgroup(cgroupsFromRecord(record).filter((c) => c.version === 2)), '/sys/fs/cgroup/unified/x')
    assert.equal(freezeCgroup([]), undefined)
  })

  it('maps only the bind mounts of lxc.mount.entry, by their target inside the container', () => {
    const entry = (source: string, target: string, options: string[]): MountEntry => ({source, target, options} as unknown as MountEntry)
    assert.deepEqual(bindMounts([entry('/srv', 'srv', ['bind', 'create=dir']), entry('tmpfs', 'tmp', ['size=1m']), entry('/a', '/rootfs/b/c', ['rbind']), entry('/x', '/', ['bind'])], '/rootfs'), [
      {source: '/srv', target: 'srv'},
      {source: '/a', target: 'b/c'},
    ])
  })
})

describe('what ctr checkpoint refuses in a config', () => {
  it('a console, ttys, network interfaces and shared namespaces; passes the rest', () => {
    const ok = newConfig()
    ok.console.path = 'none'
    ok.nets.push({index: 0, type: 'empty'} as never, {index: 1, type: 'none'} as never)
    assert.equal(unsupportedConfig(ok), undefined)
    assert.match(unsupportedConfig(newConfig())?.reason ?? '', /has a console/)
    const veth = newConfig()
    veth.console.path = 'none'
    veth.nets.push({index: 2, type: 'veth'} as never)
    assert.match(unsupportedConfig(veth)?.reason ?? '', /^lxc\.net\.2\.type = veth/)
    const ttys = newConfig()
    ttys.console.path = 'none'
    ttys.tty.max = 4
    assert.match(unsupportedConfig(ttys)?.reason ?? '', /lxc\.tty\.max = 4/)
    const shared = newConfig()
    shared.console.path = 'none'
    shared.namespaces.share.net = 'other'
    assert.match(unsupportedConfig(shared)?.reason ?? '', /lxc\.namespace\.share\.net/)
  })
})

describe("criu check's output as one reason", () => {
  it("names the first error, and criu's own last line, without helpers' noise", () => {
    // CRIU 3.17.1 on Linux 6.18 (this repository's CI host), verbatim.
    const out = [
      'Error (criu/util.c:642): exited, status=1',
      'Error (criu/util.c:642): exited, status=1',
      'Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds',
      'Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable',
      'Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.',
      'Error (criu/crtools.c:260): Could not initialize kernel features detection.',
      '',
    ].join('\n')
    const r = criuCheckReason(out, 1, null)
    assert.equal(r.reason, 'vdso: Unexpected rt vDSO area bounds (Could not initialize kernel features detection)')
    assert.equal(r.errorLines.length, 4)
    assert.equal(r.lines.length, 6)
    assert.equal(criuCheckReason('Error (criu/cr-check.c:1): Must be run as root\n', 1, null).reason, 'Must be run as root')
    assert.equal(criuCheckReason('(00.012) Error (x.c:1): one\n', 1, null).reason, 'one')
    assert.equal(criuCheckReason('Looks bad\n', 1, null).reason, 'Looks bad')
    assert.equal(criuCheckReason('', 3, null).reason, 'criu check exited with status 3')
    assert.equal(criuCheckReason('', null, 'SIGKILL').reason, 'criu check was killed by SIGKILL')
  })
})
