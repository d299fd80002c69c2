// Config as LXC 5.0.2 treats it on the host at hand, and LXC's mount
// safety: a rootfs whose /proc, /sys or /dev is a symlink is refused for the
// automounts (LXC: "proc in ROOTFS/proc was a symbolic link!"), with the
// path and the fix, and nothing is mounted through the link.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, readdirSync, renameSync, rmSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'

import {buildRootfs, describeResult, mountsUnder, rootOnly, useSandbox} from './helpers.js'

const T = {timeout: 60_000}

describe('LXC mount safety: proc, sys and dev are never mounted through a symlink', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('msafe')

  // The automount that meets each link first: proc:mixed, sys:mixed, autodev.
  const cases = [
    {dir: 'proc', config: ['lxc.autodev = 0', 'lxc.mount.auto = proc:mixed']},
    {dir: 'sys', config: ['lxc.autodev = 0', 'lxc.mount.auto = proc:mixed sys:mixed']},
    {dir: 'dev', config: ['lxc.autodev = 1']},
    {dir: 'dev', config: ['lxc.autodev = 0', 'lxc.pty.max = 2']},
  ]
  for (const c of cases) {
    it(`refuses ${c.config.join(', ')} when /${c.dir} is a symlink, naming it and the fix`, T, async () => {
      const sb = sandbox()
      const name = sb.name(`link${c.dir}`)
      const rootfs = join(sb.root, `linkroot-${name}`)
      buildRootfs(rootfs)
      // /DIR -> elsewhere, a directory of the rootfs that must stay untouched.
      rmSync(join(rootfs, c.dir), {recursive: true})
      mkdirSync(join(rootfs, 'elsewhere'))
      symlinkSync('elsewhere', join(rootfs, c.dir))
      sb.writeConfig(name, [`lxc.rootfs.path = dir:${rootfs}`, 'lxc.net.0.type = empty', ...c.config, 'lxc.init.cmd = /sbin/test-init pause', ''].join('\n'))
      try {
        for (const args of [[], ['-F']]) {
          const r = await sb.ctr(['start', '-n', name, ...args])
          assert.equal(r.code, 1, describeResult(r))
          assert.match(r.stderr, new RegExp(`^ctr start: ${name}: Refusing to mount on "/${c.dir}[^"]*": "/${c.dir}" in the root filesystem is a symbolic link \\(to "elsewhere"\\)$`, 'm'), describeResult(r))
          assert.match(r.stderr, /never mounts proc, sys or dev through a symlink/)
          assert.ok(r.stderr.includes(`rm ${rootfs}/${c.dir} && mkdir ${rootfs}/${c.dir}`), describeResult(r))
          assert.deepEqual(readdirSync(join(rootfs, 'elsewhere')), [], 'nothing was created or mounted through the link')
          assert.deepEqual(mountsUnder(rootfs), [])
          const info = await sb.ctr(['info', '-n', name, '-sH'])
          assert.equal(info.stdout, 'STOPPED\n')
        }
        // The fix it names works.
        rmSync(join(rootfs, c.dir))
        mkdirSync(join(rootfs, c.dir))
        const ok = await sb.ctr(['start', '-n', name, '-F', '--', '/sbin/test-init', 'print', 'hostname'])
        assert.equal(ok.code, 0, describeResult(ok))
      } finally {
        rmSync(rootfs, {recursive: true, force: true})
      }
    })
  }

  it('still resolves an lxc.mount.entry target through a symlink inside the rootfs', T, async () => {
    const sb = sandbox()
    const name = sb.name('entrylink')
    const rootfs = join(sb.root, `linkroot-${name}`)
    buildRootfs(rootfs)
    mkdirSync(join(rootfs, 'data'))
    symlinkSync('/data', join(rootfs, 'srv'))
    const source = join(sb.root, `src-${name}`)
    mkdirSync(source)
    renameSync(join(rootfs, 'etc/group'), join(source, 'group'))
    sb.writeConfig(name, [`lxc.rootfs.path = dir:${rootfs}`, 'lxc.net.0.type = empty', 'lxc.mount.auto = proc:mixed sys:mixed', `lxc.mount.entry = ${source} srv/x none bind,create=dir 0 0`, ''].join('\n'))
    try {
      const r = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/ls', '/data/x'])
      assert.equal(r.code, 0, describeResult(r))
      assert.equal(r.stdout, 'group\n', 'srv -> /data resolved inside the root, as the container sees it')
    } finally {
      rmSync(rootfs, {recursive: true, force: true})
      rmSync(source, {recursive: true, force: true})
    }
  })
})
