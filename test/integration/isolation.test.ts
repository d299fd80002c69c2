// Isolation, checked from the host and from inside: the root filesystem and
// its mounts (pivot_root with the old root gone, no host mount visible,
// propagation slave/private, mount entries, symlink escapes that must stay
// inside the rootfs, overlay and read-only roots), /dev, user namespaces,
// capabilities, no_new_privs, prlimits, sysctls, lxc.proc, and process
// hygiene (only fds 0-2, a cleared environment, a created cwd).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {spawnSync} from 'node:child_process'

import {describeResult, json, procStatusField, rootOnly, useSandbox, waitForFile, type Sandbox} from './helpers.js'

const T = {timeout: 60_000}

/** Starts a busybox-rootfs container running `test-init pause` with extra config lines; returns init's host pid. */
async function startPause(sb: Sandbox, name: string, extra: string[] = [], opts: {uts?: string} = {}): Promise<number> {
  const ready = sb.ready(name)
  sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside} --exit-on SIGPWR:0`, extra, ...opts})
  const r = await sb.ctr(['start', '-n', name])
  assert.equal(r.code, 0, describeResult(r))
  await waitForFile(ready.host)
  return sb.initPid(name)
}

interface Mount {
  root: string
  mountPoint: string
  majorMinor: string
  options: string[]
  /** Optional fields: shared:N, master:N, ... */
  tags: string[]
  fstype: string
  superOptions: string
}

// /proc/PID/mountinfo with the optional (propagation) fields and super
// options, which the shared helper leaves out.
function mounts(pid: number | 'self'): Mount[] {
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').filter((l) => l !== '').map((line) => {
    const [left = '', right = ''] = line.split(' - ')
    const f = left.split(' ')
    const r = right.split(' ')
    const unescape = (p: string): string => p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)))
    return {
      root: unescape(f[3] ?? ''),
      mountPoint: unescape(f[4] ?? ''),
      majorMinor: f[2] ?? '',
      options: (f[5] ?? '').split(','),
      tags: f.slice(6),
      fstype: r[0] ?? '',
      superOptions: r[2] ?? '',
    }
  })
}

function mountPoints(pid: number): string[] {
  return mounts(pid).map((m) => m.mountPoint)
}

function mountAt(pid: number, point: string): Mount {
  const m = mounts(pid).find((e) => e.mountPoint === point)
  assert.ok(m, `no mount at ${point} in ${mountPoints(pid).join(' ')}`)
  return m
}

function capMask(pid: number, field: string): bigint {
  return BigInt(`0x${procStatusField(pid, field) ?? '0'}`)
}

describe('isolation', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('iso')

  describe('root filesystem and mounts', () => {
    it('pivots into the rootfs: the old root is gone and no host mount is visible', T, async () => {
      const sb = sandbox()
      const name = sb.name('pivot')
      const pid = await startPause(sb, name)
      const inside = mounts(pid)
      // The root is the rootfs directory itself (a bind of it), not the host's /.
      assert.equal(inside[0]?.mountPoint, '/')
      assert.equal(inside[0]?.root, sb.rootfs)
      // Only what the config asks for: autodev (with the fresh boot id LXC
      // binds, docs/console.md), proc:mixed, sys:mixed.
      for (const m of inside) {
        assert.ok(['/', '/dev', '/proc', '/proc/sys', '/proc/sys/net', '/proc/sysrq-trigger', '/proc/sys/kernel/random/boot_id', '/sys', '/sys/devices/virtual/net', '/dev/console'].includes(m.mountPoint), `unexpected mount ${m.mountPoint}`)
      }
      // The host's other mounts (this machine has /sys/fs/cgroup/*, /work...) are not there.
      const host = new Set(mounts('self').map((m) => m.mountPoint))
      assert.ok(host.has('/proc'))
      assert.equal(inside.filter((m) => m.mountPoint.startsWith('/sys/fs/cgroup')).length, 0)
      // Inside, / is the rootfs: its test-init is /sbin/test-init.
      assert.ok(existsSync(`/proc/${pid}/root/sbin/test-init`))
      assert.equal(readlinkSync(`/proc/${pid}/root`), '/')
    })

    it('keeps mount propagation away from the host: no peer group or master shared with it', T, async () => {
      const sb = sandbox()
      const pid = await startPause(sb, sb.name('prop'))
      // / is shared inside, as LXC makes it (systemd relies on it), but in
      // peer groups of the container's own: none is the host's.
      const groups = (tags: string[]): string[] => tags.filter((t) => t.startsWith('shared:') || t.startsWith('master:')).map((t) => t.split(':')[1] as string)
      const host = new Set(mounts('self').flatMap((m) => groups(m.tags)))
      for (const m of mounts(pid)) {
        assert.ok(!m.tags.some((t) => t.startsWith('master:')), `${m.mountPoint} receives propagation: ${m.tags.join(' ')}`)
        for (const g of groups(m.tags)) assert.ok(!host.has(g), `${m.mountPoint} is in the host's peer group ${g}`)
      }
      assert.ok(groups(mountAt(pid, '/').tags).length > 0, '/ is shared inside, as under LXC')
    })

    it('applies lxc.mount.entry: bind ro, create=dir, create=file, relative source, absolute target under the rootfs', T, async () => {
      const sb = sandbox()
      const name = sb.name('entries')
      const share = join(sb.root, `${name}-share`)
      mkdirSync(share)
      writeFileSync(join(share, 'hello'), 'hi\n')
      writeFileSync(join(sb.rootfs, 'etc', `${name}.src`), 'relative\n')
      const pid = await startPause(sb, name, [
        `lxc.mount.entry = ${share} mnt/${name}/share none bind,ro,create=dir 0 0`,
        `lxc.mount.entry = tmpfs mnt/${name}/tmp tmpfs size=1m,nosuid,create=dir 0 0`,
        `lxc.mount.entry = etc/${name}.src mnt/${name}/file none bind,create=file,relative 0 0`,
        `lxc.mount.entry = tmpfs ${sb.rootfs}/mnt/${name}/abs tmpfs size=1m,create=dir 0 0`,
        `lxc.mount.entry = /nonexistent-${name} mnt/${name}/opt none bind,optional,create=dir 0 0`,
      ])
      const bind = mountAt(pid, `/mnt/${name}/share`)
      assert.ok(bind.options.includes('ro'), `bind is read-only: ${bind.options.join(',')}`)
      assert.equal(readFileSync(`/proc/${pid}/root/mnt/${name}/share/hello`, 'utf8'), 'hi\n')
      assert.ok(mountAt(pid, `/mnt/${name}/tmp`).options.includes('nosuid'))
      assert.equal(readFileSync(`/proc/${pid}/root/mnt/${name}/file`, 'utf8'), 'relative\n')
      mountAt(pid, `/mnt/${name}/abs`)
      assert.ok(!mountPoints(pid).includes(`/mnt/${name}/opt`), 'an optional entry that fails is skipped')
      rmSync(join(sb.rootfs, 'mnt'), {recursive: true, force: true})
      rmSync(join(sb.rootfs, 'etc', `${name}.src`), {force: true})
    })

    it('ignores an absolute target outside the rootfs, with a warning naming file:line', T, async () => {
      const sb = sandbox()
      const name = sb.name('outside')
      const ready = sb.ready(name)
      const config = sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`, extra: [`lxc.mount.entry = tmpfs /elsewhere-${name} tmpfs size=1m,create=dir 0 0`]})
      const r = await sb.ctr(['start', '-n', name])
      assert.equal(r.code, 0, describeResult(r))
      assert.match(r.stderr, new RegExp(`${config}:\\d+: Ignoring mount point "/elsewhere-${name}"`))
      await waitForFile(ready.host)
      assert.equal(existsSync(`/elsewhere-${name}`), false)
    })

    it('never lets a symlink in the rootfs put a mount outside it', T, async () => {
      const sb = sandbox()
      const name = sb.name('escape')
      // ../../.. climbs above the rootfs on the host, but resolves to the
      // rootfs's own / inside; /etc is the host's /etc on the host, the
      // container's /etc inside.
      const up = join(sb.rootfs, `up-${name}`)
      const abs = join(sb.rootfs, `abs-${name}`)
      symlinkSync('../../../../../../../..', up)
      symlinkSync('/etc', abs)
      try {
        const pid = await startPause(sb, name, [
          `lxc.mount.entry = tmpfs up-${name}/landed-${name} tmpfs size=1m,create=dir 0 0`,
          `lxc.mount.entry = tmpfs abs-${name}/landed-${name} tmpfs size=1m,create=dir 0 0`,
        ])
        // Both landed inside the rootfs...
        assert.ok(mountPoints(pid).includes(`/landed-${name}`), mountPoints(pid).join(' '))
        assert.ok(mountPoints(pid).includes(`/etc/landed-${name}`), mountPoints(pid).join(' '))
        assert.ok(existsSync(join(sb.rootfs, `landed-${name}`)))
        assert.ok(existsSync(join(sb.rootfs, 'etc', `landed-${name}`)))
        // ...and nothing was created or mounted on the host outside it.
        assert.equal(existsSync(`/landed-${name}`), false)
        assert.equal(existsSync(`/etc/landed-${name}`), false)
        assert.equal(mounts('self').filter((m) => m.mountPoint.includes(`landed-${name}`)).length, 0)
      } finally {
        rmSync(up, {force: true})
        rmSync(abs, {force: true})
        rmSync(join(sb.rootfs, `landed-${name}`), {recursive: true, force: true})
        rmSync(join(sb.rootfs, 'etc', `landed-${name}`), {recursive: true, force: true})
      }
    })

    it('a dangling symlink target fails the start instead of escaping', T, async () => {
      const sb = sandbox()
      const name = sb.name('dangling')
      const link = join(sb.rootfs, `dl-${name}`)
      symlinkSync(join(sb.root, `outside-${name}`), link)
      try {
        sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: [`lxc.mount.entry = tmpfs dl-${name}/x tmpfs size=1m,create=dir 0 0`]})
        const r = await sb.ctr(['start', '-n', name])
        assert.equal(r.code, 1, describeResult(r))
        assert.match(r.stderr, /Failed to set up the mount on "dl-.*\/x": No such file or directory \(ENOENT\)/)
        assert.equal(existsSync(join(sb.root, `outside-${name}`)), false, 'nothing was created outside the rootfs')
      } finally {
        rmSync(link, {force: true})
      }
    })

    it('makes the root read-only with lxc.rootfs.options = ro, after creating mount targets', T, async () => {
      const sb = sandbox()
      const name = sb.name('ro')
      // No ready file: init cannot write one on a read-only root.
      sb.defineRootfs(name, {init: '/sbin/test-init pause', extra: ['lxc.rootfs.options = ro,nosuid', `lxc.mount.entry = tmpfs mnt/ro-${name} tmpfs size=1m,create=dir 0 0`]})
      const r = await sb.ctr(['start', '-n', name])
      assert.equal(r.code, 0, describeResult(r))
      const pid = await sb.initPid(name)
      const root = mountAt(pid, '/')
      assert.ok(root.options.includes('ro'), root.options.join(','))
      assert.ok(root.options.includes('nosuid'), root.options.join(','))
      mountAt(pid, `/mnt/ro-${name}`)
      rmSync(join(sb.rootfs, 'mnt'), {recursive: true, force: true})
    })

    it('runs on an overlay rootfs: writes land in the upper dir, the lower dir is untouched', T, async () => {
      const sb = sandbox()
      const name = sb.name('ovl')
      const upper = join(sb.root, `${name}-ovl`, 'upper')
      mkdirSync(upper, {recursive: true})
      sb.writeConfig(name, [
        `lxc.rootfs.path = overlay:${sb.rootfs}:${upper}`,
        'lxc.net.0.type = empty',
        'lxc.mount.auto = proc:mixed',
        'lxc.environment = PATH=/bin:/sbin',
        `lxc.init.cmd = /bin/sh -c 'echo written > /${name}; cat /${name}'`,
      ].join('\n'))
      const r = await sb.ctr(['start', '-n', name, '-F'])
      assert.equal(r.code, 0, describeResult(r))
      assert.equal(r.stdout, 'written\n')
      assert.equal(readFileSync(join(upper, name), 'utf8'), 'written\n')
      assert.equal(existsSync(join(sb.rootfs, name)), false)
      assert.ok(statSync(join(sb.root, `${name}-ovl`, 'olwork')).isDirectory(), 'ctr manages the work dir beside the upper dir')
    })
  })

  describe('cgroup automounts', () => {
    it('cgroup:ro:force mounts every hierarchy read-only, rooted at the container\'s own cgroup', T, async () => {
      const sb = sandbox()
      const name = sb.name('cgauto')
      const pid = await startPause(sb, name, ['lxc.mount.auto = cgroup:ro:force'])
      const cg = mounts(pid).filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2')
      assert.ok(cg.length > 0, 'cgroup hierarchies are mounted')
      const host = mounts('self').filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2')
      assert.equal(cg.length, host.length, 'one mount per host hierarchy')
      for (const m of cg) {
        assert.ok(m.mountPoint.startsWith('/sys/fs/cgroup'), m.mountPoint)
        assert.ok(m.options.includes('ro'), `${m.mountPoint} is read-only`)
        // The cgroup namespace makes the container's cgroup the root it sees.
        assert.match(m.root, new RegExp(`ctr\\.payload\\.${name.replace(/[.]/g, '\\.')}\\.`), m.root)
      }
    })

    it('plain cgroup:mixed with CAP_SYS_ADMIN leaves the mounting to init, as LXC does', T, async () => {
      const sb = sandbox()
      const pid = await startPause(sb, sb.name('cgnone'), ['lxc.mount.auto = cgroup:mixed'])
      assert.equal(mounts(pid).filter((m) => m.fstype.startsWith('cgroup')).length, 0)
    })
  })

  describe('/dev', () => {
    it('lxc.autodev builds a fresh /dev with the standard nodes, links and /dev/console', T, async () => {
      const sb = sandbox()
      const pid = await startPause(sb, sb.name('autodev'))
      const dev = `/proc/${pid}/root/dev`
      assert.equal(mountAt(pid, '/dev').fstype, 'tmpfs')
      const nodes: Array<[string, number, number]> = [['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]]
      for (const [node, major, minor] of nodes) {
        const st = statSync(join(dev, node))
        assert.ok(st.isCharacterDevice(), `${node} is a character device`)
        assert.equal(st.rdev, (major << 8) | minor, `${node} is ${major}:${minor}`)
        assert.equal(st.mode & 0o777, 0o666, `${node} is rw for everyone`)
      }
      assert.equal(readlinkSync(join(dev, 'fd')), '/proc/self/fd')
      assert.equal(readlinkSync(join(dev, 'stdin')), '/proc/self/fd/0')
      assert.equal(readlinkSync(join(dev, 'stdout')), '/proc/self/fd/1')
      assert.equal(readlinkSync(join(dev, 'stderr')), '/proc/self/fd/2')
      assert.ok(statSync(join(dev, 'shm')).isDirectory())
      assert.ok(statSync(join(dev, 'console')).isCharacterDevice())
      // No private devpts without lxc.pty.max.
      assert.ok(!mountPoints(pid).includes('/dev/pts'))
    })

    it('lxc.pty.max mounts a private devpts instance with its own ptmx', T, async () => {
      const sb = sandbox()
      const pid = await startPause(sb, sb.name('pts'), ['lxc.pty.max = 8'])
      const pts = mountAt(pid, '/dev/pts')
      assert.equal(pts.fstype, 'devpts')
      assert.match(pts.superOptions, /max=8/)
      assert.match(pts.superOptions, /ptmxmode=666/)
      const ptmx = mountAt(pid, '/dev/ptmx')
      assert.equal(ptmx.root, '/ptmx', 'the ptmx of that instance')
      // A different devpts instance than the host's.
      const hostPts = mounts('self').find((m) => m.mountPoint === '/dev/pts')
      if (hostPts) assert.notEqual(pts.majorMinor, hostPts.majorMinor)
    })
  })

  describe('users and privileges', () => {
    it('lxc.idmap: root inside is an unprivileged uid on the host', T, async () => {
      const sb = sandbox()
      const pid = await startPause(sb, sb.name('userns'), ['lxc.idmap = u 0 200000 65536', 'lxc.idmap = g 0 200000 65536'])
      assert.deepEqual(procStatusField(pid, 'Uid')?.split(/\s+/), ['200000', '200000', '200000', '200000'])
      assert.deepEqual(procStatusField(pid, 'Gid')?.split(/\s+/), ['200000', '200000', '200000', '200000'])
      assert.deepEqual(readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split(/\s+/), ['0', '200000', '65536'])
      assert.deepEqual(readFileSync(`/proc/${pid}/gid_map`, 'utf8').trim().split(/\s+/), ['0', '200000', '65536'])
      assert.notEqual(readlinkSync(`/proc/${pid}/ns/user`), readlinkSync('/proc/self/ns/user'))
      // Its /proc and /sys still mounted (as root of its own namespaces).
      assert.equal(mountAt(pid, '/proc').fstype, 'proc')
    })

    it('lxc.cap.drop removes those capabilities from the bounding set', T, async () => {
      const sb = sandbox()
      const pid = await startPause(sb, sb.name('capdrop'), ['lxc.cap.drop = sys_admin sys_module', 'lxc.cap.drop = mknod'])
      const bnd = capMask(pid, 'CapBnd')
      for (const cap of [21, 16, 27]) assert.equal(bnd & (1n << BigInt(cap)), 0n, `cap ${cap} dropped`)
      assert.notEqual(bnd & (1n << 0n), 0n, 'chown kept')
      // Root init: permitted = effective = bounding; inheritable and ambient empty.
      assert.equal(capMask(pid, 'CapEff'), bnd)
      assert.equal(capMask(pid, 'CapPrm'), bnd)
      assert.equal(capMask(pid, 'CapInh'), 0n)
      assert.equal(capMask(pid, 'CapAmb'), 0n)
    })

    it('lxc.cap.keep keeps exactly those; none keeps nothing', T, async () => {
      const sb = sandbox()
      const pid = await startPause(sb, sb.name('capkeep'), ['lxc.cap.keep = chown kill setuid setgid'])
      const want = (1n << 0n) | (1n << 5n) | (1n << 7n) | (1n << 6n)
      assert.equal(capMask(pid, 'CapBnd'), want)
      assert.equal(capMask(pid, 'CapEff'), want)
      const none = await startPause(sb, sb.name('capnone'), ['lxc.cap.keep = none'])
      assert.equal(capMask(none, 'CapBnd'), 0n)
      assert.equal(capMask(none, 'CapEff'), 0n)
    })

    it('lxc.init.uid/gid/groups: init runs as that user, with no capabilities left', T, async () => {
      const sb = sandbox()
      const pid = await startPause(sb, sb.name('uid'), ['lxc.init.uid = 1234', 'lxc.init.gid = 2345', 'lxc.init.groups = 10,20'])
      assert.deepEqual(procStatusField(pid, 'Uid')?.split(/\s+/), ['1234', '1234', '1234', '1234'])
      assert.deepEqual(procStatusField(pid, 'Gid')?.split(/\s+/), ['2345', '2345', '2345', '2345'])
      assert.deepEqual(procStatusField(pid, 'Groups')?.trim().split(/\s+/), ['10', '20'])
      assert.equal(capMask(pid, 'CapEff'), 0n)
    })

    it('lxc.no_new_privs, lxc.prlimit.*, lxc.sysctl.* and lxc.proc.* are applied', T, async () => {
      const sb = sandbox()
      const pid = await startPause(sb, sb.name('limits'), [
        'lxc.no_new_privs = 1',
        'lxc.prlimit.nofile = 123:456',
        'lxc.prlimit.core = 0',
        'lxc.sysctl.net.ipv4.ip_forward = 1',
        'lxc.proc.oom_score_adj = 321',
      ])
      assert.equal(procStatusField(pid, 'NoNewPrivs'), '1')
      const limits = readFileSync(`/proc/${pid}/limits`, 'utf8')
      assert.match(limits, /^Max open files\s+123\s+456\s+files/m)
      assert.match(limits, /^Max core file size\s+0\s+0\s+bytes/m)
      // The sysctl is the container's (its own network namespace), not the
      // host's: /proc/sys/net answers for the reader's network namespace.
      const inside = spawnSync('nsenter', ['-t', String(pid), '-n', 'cat', '/proc/sys/net/ipv4/ip_forward'], {encoding: 'utf8'})
      assert.equal(inside.stdout.trim(), '1', inside.stderr)
      assert.equal(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim(), '321')
    })

    it('runs with the unconfined AppArmor and SELinux values (compat-config.test.ts has the others)', T, async () => {
      const sb = sandbox()
      const ok = sb.name('unconfined')
      await startPause(sb, ok, ['lxc.apparmor.profile = unconfined', 'lxc.selinux.context = unconfined_t'])
    })
  })

  describe('process hygiene', () => {
    it('init holds only fds 0, 1 and 2 (the runc CVE-2024-21626 class): its console when detached, else /dev/null', T, async () => {
      const sb = sandbox()
      // A devpts instance and mount entries open fds during setup; none may survive.
      const pid = await startPause(sb, sb.name('fds'), ['lxc.pty.max = 2'])
      const fds = ['0', '1', '2']
      assert.deepEqual(readdirSync(`/proc/${pid}/fd`).sort(), fds)
      // The console: a pty of the container's own devpts (docs/console.md §1).
      for (const fd of fds) assert.equal(readlinkSync(`/proc/${pid}/fd/${fd}`), '/dev/console')
      assert.equal(statSync(`/proc/${pid}/fd/0`).rdev >> 8, 136, 'a pty slave')
      const quiet = await startPause(sb, sb.name('nocons'), ['lxc.console.path = none'])
      assert.deepEqual(readdirSync(`/proc/${quiet}/fd`).sort(), fds)
      for (const fd of fds) assert.equal(readlinkSync(`/proc/${quiet}/fd/${fd}`), '/dev/null')
      // The payload, not the monitor, is what runs (CVE-2019-5736 class: the
      // monitor binary is never exec'd inside the container).
      assert.equal(readlinkSync(`/proc/${pid}/exe`), '/sbin/test-init')
    })

    it('clears the environment: container=lxc plus lxc.environment only', T, async () => {
      const sb = sandbox()
      const pid = await startPause(sb, sb.name('env'), ['lxc.environment = A=1', 'lxc.environment = B=two words'])
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter((e) => e !== '').sort()
      assert.deepEqual(env, ['A=1', 'B=two words', 'PATH=/bin:/sbin', 'container=lxc'])
    })

    it('creates lxc.init.cwd when it is missing', T, async () => {
      const sb = sandbox()
      const name = sb.name('cwd')
      const pid = await startPause(sb, name, [`lxc.init.cwd = /work/${name}/deep`])
      assert.equal(readlinkSync(`/proc/${pid}/cwd`), `/work/${name}/deep`)
      assert.ok(lstatSync(join(sb.rootfs, 'work', name, 'deep')).isDirectory())
      rmSync(join(sb.rootfs, 'work'), {recursive: true, force: true})
    })

    it('--json of info reports the facts the monitor recorded', T, async () => {
      const sb = sandbox()
      const name = sb.name('json')
      const pid = await startPause(sb, name)
      const info = json<{result: {pid: number; state: string}}>(await sb.ctr(['info', '-n', name, '--json']))
      assert.equal(info.result.pid, pid)
      assert.equal(info.result.state, 'RUNNING')
    })
  })
})
