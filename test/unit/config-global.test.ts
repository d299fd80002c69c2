// The global config parser, which follows lxc_global_config_value
// (docs/lxc-contract.md §7.1), not the container grammar.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {GLOBAL_CONFIG_KEYS, globalConfigValue, isGlobalConfigKey, parseGlobalConfig} from '../../src/core/config/global.js'

describe('globalConfigValue', () => {
  const cases: Array<{why: string; text: string; key: string; want: string | undefined}> = [
    {why: 'plain', text: 'lxc.lxcpath = /srv/lxc\n', key: 'lxc.lxcpath', want: '/srv/lxc'},
    {why: 'no blanks', text: 'lxc.lxcpath=/srv/lxc\n', key: 'lxc.lxcpath', want: '/srv/lxc'},
    {why: 'indented key', text: ' \tlxc.lxcpath = /srv/lxc\n', key: 'lxc.lxcpath', want: '/srv/lxc'},
    {why: 'the first line wins', text: 'lxc.lxcpath = /a\nlxc.lxcpath = /b\n', key: 'lxc.lxcpath', want: '/a'},
    {why: 'trailing blanks are kept', text: 'lxc.default_config = /etc/x.conf  \n', key: 'lxc.default_config', want: '/etc/x.conf  '},
    {why: 'a CR is kept (getline splits on LF only)', text: 'lxc.cgroup.use = @all\r\n', key: 'lxc.cgroup.use', want: '@all\r'},
    {why: 'lxcpath loses trailing slashes', text: 'lxc.lxcpath = /srv/lxc///\n', key: 'lxc.lxcpath', want: '/srv/lxc'},
    {why: 'lxcpath "/" becomes empty', text: 'lxc.lxcpath = /\n', key: 'lxc.lxcpath', want: ''},
    {why: 'other keys keep slashes', text: 'lxc.default_config = /etc/\n', key: 'lxc.default_config', want: '/etc/'},
    {why: '# in column 0 is a comment', text: '#lxc.lxcpath = /a\nlxc.lxcpath = /b\n', key: 'lxc.lxcpath', want: '/b'},
    {why: 'an indented # hides the key too', text: ' # lxc.lxcpath = /a\nlxc.lxcpath = /b\n', key: 'lxc.lxcpath', want: '/b'},
    {why: 'text before the key hides it', text: 'x lxc.lxcpath = /a\n', key: 'lxc.lxcpath', want: undefined},
    {why: 'a longer key is not the key', text: 'lxc.lxcpath2 = /a\nlxc.lxcpath = /b\n', key: 'lxc.lxcpath', want: '/b'},
    {why: 'a line without = is skipped', text: 'lxc.lxcpath /a\nlxc.lxcpath = /b\n', key: 'lxc.lxcpath', want: '/b'},
    {why: 'an empty value with a newline counts', text: 'lxc.cgroup.pattern =\nlxc.cgroup.pattern = x\n', key: 'lxc.cgroup.pattern', want: ''},
    {why: 'an empty value at EOF does not', text: 'lxc.cgroup.pattern = x\nlxc.cgroup.pattern =', key: 'lxc.cgroup.pattern', want: 'x'},
    {why: 'inline # is data', text: 'lxc.bdev.zfs.root = tank # pool\n', key: 'lxc.bdev.zfs.root', want: 'tank # pool'},
    {why: 'no newline at EOF', text: 'lxc.bdev.lvm.vg = vg0', key: 'lxc.bdev.lvm.vg', want: 'vg0'},
    {why: 'quotes are kept', text: 'lxc.lxcpath = "/a"\n', key: 'lxc.lxcpath', want: '"/a"'},
    {why: 'absent', text: '', key: 'lxc.lxcpath', want: undefined},
    {why: 'not a global key', text: 'lxc.uts.name = x\n', key: 'lxc.uts.name', want: undefined},
  ]
  for (const c of cases) {
    it(c.why, () => assert.equal(globalConfigValue(c.text, c.key), c.want))
  }
})

describe('parseGlobalConfig', () => {
  it('collects every key and fills the storage defaults', () => {
    const g = parseGlobalConfig('lxc.lxcpath = /srv\nlxc.default_config = /etc/d.conf\nlxc.cgroup.use = @all\nlxc.cgroup.pattern = lxc/%n\nlxc.bdev.rbd.rbduser = admin\n')
    assert.deepEqual(
      [g.lxcpath, g.defaultConfig, g.cgroupUse, g.cgroupPattern],
      ['/srv', '/etc/d.conf', '@all', 'lxc/%n'],
    )
    assert.deepEqual(g.bdev, {lvmVg: 'lxc', lvmThinPool: 'lxc', zfsRoot: 'lxc', rbdPool: 'lxc', rbdUser: 'admin'})
    assert.equal(globalConfigValue(g, 'lxc.cgroup.use'), '@all')
    assert.equal(globalConfigValue(g, 'lxc.bdev.lvm.vg'), undefined)
  })

  it('warns about unknown lxc.* keys, which LXC ignores', () => {
    const g = parseGlobalConfig('lxc.lxcpath = /a\nlxc.lxcpth = /b\n  lxc.uts.name = x\n# lxc.bogus = 1\n', 'ctr.conf')
    assert.deepEqual(g.warnings.map((w) => [w.file, w.line, w.code]), [['ctr.conf', 2, 'CTR_GLOBAL_CONFIG_KEY'], ['ctr.conf', 3, 'CTR_GLOBAL_CONFIG_KEY']])
  })

  it('knows exactly the nine keys of LXC', () => {
    assert.equal(GLOBAL_CONFIG_KEYS.length, 9)
    assert.equal(isGlobalConfigKey('lxc.lxcpath'), true)
    assert.equal(isGlobalConfigKey('lxc.uts.name'), false)
  })
})
