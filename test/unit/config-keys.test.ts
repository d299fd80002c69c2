// The key table, key resolution (exact keys, prefix families, legacy names),
// did-you-mean hints and the value validators. Validator rows marked as
// refused were each checked to make lxc-info 5.0.2 fail to load the config.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {
  EXACT_KEYS,
  FAMILY_KEYS,
  LEGACY_IGNORED,
  LEGACY_RENAMES,
  NET_KEYS,
  closestName,
  inetNtop6,
  inetPton4,
  inetPton6,
  parseConsoleSize,
  parseIdmap,
  parseIpv4Address,
  parseIpv6Address,
  parseLogLevel,
  parseMountAuto,
  parseNamespaceList,
  parseId,
  parseInitGroups,
  parsePrlimit,
  parseRootfsPath,
  parseTimeOffset,
  resolveKey,
  simplifyPath,
  splitCommand,
  suggestKey,
} from '../../src/core/config/keys.js'
import {CtrError} from '../../src/core/errors.js'

describe('key table', () => {
  it('has every LXC 5.0/6.0 exact key once, plus the two 7.0 environment lists', () => {
    const names = EXACT_KEYS.map((k) => k.name)
    assert.equal(new Set(names).size, names.length)
    // Every name is a well-formed key that resolves to itself (no count:
    // adding a key must not break this test).
    for (const name of names) {
      assert.match(name, /^lxc\.[a-z0-9_]+(\.[a-z0-9_-]+)*$/, name)
      assert.deepEqual(resolveKey(name), {ref: {type: 'exact', name}}, name)
    }
    for (const known of ['lxc.arch', 'lxc.uts.name', 'lxc.rootfs.path', 'lxc.init.cmd', 'lxc.mount.entry', 'lxc.idmap', 'lxc.signal.halt', 'lxc.include']) assert.ok(names.includes(known), known)
    assert.deepEqual(EXACT_KEYS.filter((k) => k.since === '7.0').map((k) => k.name), ['lxc.environment.runtime', 'lxc.environment.hooks'])
    assert.equal(FAMILY_KEYS.length, 7)
    assert.equal(NET_KEYS.length, 25)
  })

  it('gives every key a clear rule', () => {
    for (const k of [...EXACT_KEYS, ...FAMILY_KEYS, ...NET_KEYS]) assert.ok(k.clear.length > 0, k.name)
  })
})

describe('resolveKey', () => {
  const cases: Array<[key: string, ref: unknown]> = [
    ['lxc.uts.name', {type: 'exact', name: 'lxc.uts.name'}],
    ['lxc.cgroup.dir', {type: 'exact', name: 'lxc.cgroup.dir'}],
    ['lxc.cgroup.dir.foo', {type: 'cgroup', version: 1, subsystem: 'dir.foo'}],
    ['lxc.cgroup.use', {type: 'cgroup', version: 1, subsystem: 'use'}],
    ['lxc.cgroup2.memory.max', {type: 'cgroup', version: 2, subsystem: 'memory.max'}],
    ['lxc.cgroup2.', {type: 'cgroup', version: 2, subsystem: ''}],
    ['lxc.cgroup2', {type: 'cgroup-all', version: 2}],
    ['lxc.cgroup', {type: 'cgroup-all', version: 1}],
    ['lxc.cgroup2x', {type: 'cgroup-invalid', version: 2}],
    ['lxc.cgroupx', {type: 'cgroup-invalid', version: 1}],
    ['lxc.namespace.share.net', {type: 'share', namespace: 'net'}],
    ['lxc.net.0.type', {type: 'net', index: 0, sub: 'type'}],
    ['lxc.net.01.veth.vlan.tagged.id', {type: 'net', index: 1, sub: 'veth.vlan.tagged.id'}],
    ['lxc.net.2147483646.link', {type: 'net', index: 2147483646, sub: 'link'}],
    ['lxc.net.0', {type: 'net-nic', index: 0}],
    ['lxc.net.010', {type: 'net-nic', index: 8}],
    ['lxc.net.1a', {type: 'net-nic', index: undefined}],
    ['lxc.prlimit', {type: 'prlimit-all'}],
    ['lxc.prlimit.nofile', {type: 'prlimit', resource: 'nofile'}],
    ['lxc.prlimit.', {type: 'prlimit', resource: ''}],
    ['lxc.prlimitx', {type: 'family-invalid', family: 'lxc.prlimit'}],
    ['lxc.sysctl.net.ipv4.ip_forward', {type: 'sysctl', name: 'net.ipv4.ip_forward'}],
    ['lxc.sysctl', {type: 'sysctl-all'}],
    ['lxc.proc.oom_score_adj', {type: 'proc', name: 'oom_score_adj'}],
    ['lxc.process', {type: 'family-invalid', family: 'lxc.proc'}],
  ]
  for (const [key, ref] of cases) {
    it(key, () => assert.deepEqual(resolveKey(key), {ref}))
  }

  const netInvalid = ['lxc.net.x.type', 'lxc.net.0.', 'lxc.net.0.foo', 'lxc.net.0x1.type', 'lxc.net.1a.type', 'lxc.net.2147483647.type', 'lxc.net.-1.type', 'lxc.net.type']
  for (const key of netInvalid) {
    it(`${key} is never valid`, () => assert.equal(resolveKey(key)?.ref.type, 'net-invalid'))
  }

  const unknown = ['lxc.bogus', 'lxc.hook.bogus', 'lxc.namespace.share', 'lxc.netx', 'lxc.uts', 'lxc.lxcpath', 'lxc.network.0.foo', 'lxc.network.foo', 'lxc.UTS.name']
  for (const key of unknown) {
    it(`${key} is unknown`, () => assert.equal(resolveKey(key), undefined))
  }
})

describe('legacy names', () => {
  // The whole rename table of lxc-update-config (plus LXC 2.1's names).
  const renames: Array<[legacy: string, modern: string]> = [
    ['lxc.utsname', 'lxc.uts.name'],
    ['lxc.id_map', 'lxc.idmap'],
    ['lxc.pts', 'lxc.pty.max'],
    ['lxc.tty', 'lxc.tty.max'],
    ['lxc.devttydir', 'lxc.tty.dir'],
    ['lxc.aa_profile', 'lxc.apparmor.profile'],
    ['lxc.aa_allow_incomplete', 'lxc.apparmor.allow_incomplete'],
    ['lxc.se_context', 'lxc.selinux.context'],
    ['lxc.mount', 'lxc.mount.fstab'],
    ['lxc.seccomp', 'lxc.seccomp.profile'],
    ['lxc.console', 'lxc.console.path'],
    ['lxc.haltsignal', 'lxc.signal.halt'],
    ['lxc.rebootsignal', 'lxc.signal.reboot'],
    ['lxc.stopsignal', 'lxc.signal.stop'],
    ['lxc.syslog', 'lxc.log.syslog'],
    ['lxc.loglevel', 'lxc.log.level'],
    ['lxc.logfile', 'lxc.log.file'],
    ['lxc.init_cmd', 'lxc.init.cmd'],
    ['lxc.init_uid', 'lxc.init.uid'],
    ['lxc.init_gid', 'lxc.init.gid'],
    ['lxc.rootfs', 'lxc.rootfs.path'],
    ['lxc.limit', 'lxc.prlimit'],
    ['lxc.network', 'lxc.net'],
  ]
  it('covers the whole table', () => assert.equal(LEGACY_RENAMES.size, renames.length))
  for (const [legacy, modern] of renames) {
    it(`${legacy} -> ${modern}`, () => {
      const r = resolveKey(legacy)
      assert.deepEqual(r?.legacy, {from: legacy, to: modern})
      assert.deepEqual(r?.ref, resolveKey(modern)?.ref)
    })
  }

  const families: Array<[legacy: string, to: string, ref: unknown]> = [
    ['lxc.limit.nofile', 'lxc.prlimit.nofile', {type: 'prlimit', resource: 'nofile'}],
    ['lxc.network.0.type', 'lxc.net.0.type', {type: 'net', index: 0, sub: 'type'}],
    ['lxc.network.1.ipv4', 'lxc.net.1.ipv4.address', {type: 'net', index: 1, sub: 'ipv4.address'}],
    ['lxc.network.1.ipv6', 'lxc.net.1.ipv6.address', {type: 'net', index: 1, sub: 'ipv6.address'}],
    ['lxc.network.1.ipv4.gateway', 'lxc.net.1.ipv4.gateway', {type: 'net', index: 1, sub: 'ipv4.gateway'}],
    ['lxc.network.type', 'lxc.net.<N>.type', {type: 'legacy-net', sub: 'type'}],
    ['lxc.network.ipv4', 'lxc.net.<N>.ipv4.address', {type: 'legacy-net', sub: 'ipv4.address'}],
    ['lxc.network.veth.pair', 'lxc.net.<N>.veth.pair', {type: 'legacy-net', sub: 'veth.pair'}],
  ]
  for (const [legacy, to, ref] of families) {
    it(`${legacy} -> ${to}`, () => assert.deepEqual(resolveKey(legacy), {ref, legacy: {from: legacy, to}}))
  }

  it('knows the obsolete keys LXC 2.x ignored and lxc.rootfs.backend', () => {
    assert.deepEqual([...LEGACY_IGNORED].sort(), ['lxc.kmsg', 'lxc.pivotdir'])
    assert.deepEqual(resolveKey('lxc.kmsg'), {ref: {type: 'legacy-ignored'}})
    assert.deepEqual(resolveKey('lxc.rootfs.backend'), {ref: {type: 'legacy-backend'}})
  })
})

describe('suggestKey', () => {
  const cases: Array<[key: string, hint: RegExp]> = [
    ['lxc.uts.nmae', /"lxc\.uts\.name"/],
    ['lxc.rootfs.pth', /"lxc\.rootfs\.path"/],
    ['lxc.cap.drops', /"lxc\.cap\.drop"/],
    ['lxc.apparmor.allow-nesting', /"lxc\.apparmor\.allow_nesting"/],
    ['lxc.UTS.NAME', /"lxc\.uts\.name"/],
    ['lxc.utsnmae', /"lxc\.uts\.name"/],
    ['lxc.net.0.lnk', /"lxc\.net\.0\.link"/],
    ['lxc.net.3.veth.pari', /"lxc\.net\.3\.veth\.pair"/],
    ['lxc.net.0', /"lxc\.net\.0\.type"/],
    ['lxc.net.0.', /"lxc\.net\.0\.type"/],
    ['lxc.net.type', /need an index.*"lxc\.net\.0\.type"/],
    ['lxc.net.ipv4', /"lxc\.net\.0\.ipv4\.address"/],
    ['lxc.hook.prestart', /"lxc\.hook\.pre-start"/],
    ['lxc.hooks.post-stop', /"lxc\.hook\.post-stop"/],
    ['lxc.namespace.share.mount', /"lxc\.namespace\.share\.mnt"/],
    ['lxc.namespace.share.NET', /"lxc\.namespace\.share\.net"/],
    ['lxc.lxcpath', /global config/],
    ['lxc.bdev.lvm.vg', /global config/],
    ['lxc.cgroup2', /memory\.max/],
    ['lxc.prlimit', /lxc\.prlimit\.nofile/],
  ]
  for (const [key, hint] of cases) {
    it(key, () => assert.match(suggestKey(key).join('\n'), hint))
  }

  it('says nothing when nothing is close', () => {
    assert.deepEqual(suggestKey('lxc.completely.different.thing'), [])
    assert.equal(closestName('abc', ['xyz']), undefined)
  })
})

function refusal(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof CtrError)
    assert.equal(error.code, 'CTR_CONFIG_VALUE')
    return error.message
  }
  assert.fail('expected CTR_CONFIG_VALUE')
}

describe('validators', () => {
  it('lxc.namespace.clone/keep: any case, mnt not mount', () => {
    assert.deepEqual(parseNamespaceList('mnt PID\tNet'), ['mnt', 'pid', 'net'])
    assert.match(refusal(() => parseNamespaceList('mount')), /invalid namespace name "mount"/)
    assert.match(refusal(() => parseNamespaceList('net bogus')), /"bogus"/)
  })

  it('lxc.log.level', () => {
    assert.equal(parseLogLevel('4'), 'WARN')
    assert.equal(parseLogLevel('debug'), 'DEBUG')
    assert.equal(parseLogLevel('0'), 'TRACE')
    refusal(() => parseLogLevel('9'))
    refusal(() => parseLogLevel('-1'))
    refusal(() => parseLogLevel('loud'))
  })

  it('lxc.console.size: page minimum, next power of two, KB/MB/GB', () => {
    assert.equal(parseConsoleSize('0'), 4096)
    assert.equal(parseConsoleSize('5000'), 8192)
    assert.equal(parseConsoleSize('12K'), 4096)
    assert.equal(parseConsoleSize('1MB'), 1048576)
    assert.equal(parseConsoleSize('3 kb'), 4096)
    assert.equal(parseConsoleSize('auto'), 131072)
    refusal(() => parseConsoleSize('1.5MB'))
    refusal(() => parseConsoleSize('-1'))
    refusal(() => parseConsoleSize('MB'))
    refusal(() => parseConsoleSize('1TB'))
  })

  it('lxc.time.offset.*', () => {
    assert.deepEqual(parseTimeOffset('5h', undefined), {seconds: 18000n, nanoseconds: 0n})
    assert.deepEqual(parseTimeOffset('-3us', undefined), {seconds: 0n, nanoseconds: -3000n})
    assert.deepEqual(parseTimeOffset('2ms', {seconds: 5n, nanoseconds: 0n}), {seconds: 5n, nanoseconds: 2000000n})
    assert.deepEqual(parseTimeOffset('5 s', undefined), {seconds: 5n, nanoseconds: 0n})
    for (const bad of ['5', '5 ms', '5d', 'ms', '9223372036854775807h']) refusal(() => parseTimeOffset(bad, undefined))
  })

  it('lxc.idmap', () => {
    assert.deepEqual(parseIdmap('u 0 100000 65536'), {kind: 'u', nsid: 0, hostid: 100000, range: 65536})
    assert.deepEqual(parseIdmap('g\t0 0x10  010 '), {kind: 'g', nsid: 0, hostid: 16, range: 8})
    for (const bad of ['b 0 0 1', 'u 0 0', 'u 0 0 1 2', 'u0 0 1', 'u -1 0 1', 'u a 0 1']) refusal(() => parseIdmap(bad))
  })

  it('lxc.prlimit.*', () => {
    assert.deepEqual(parsePrlimit('10'), {soft: 10n, hard: 10n})
    assert.deepEqual(parsePrlimit('10:unlimited'), {soft: 10n, hard: 'unlimited'})
    assert.deepEqual(parsePrlimit('10 : 20'), {soft: 10n, hard: 20n})
    assert.deepEqual(parsePrlimit('unlimited'), {soft: 'unlimited', hard: 'unlimited'})
    assert.deepEqual(parsePrlimit('18446744073709551615'), {soft: 'unlimited', hard: 'unlimited'})
    // LXC refuses 0x10 too; it wraps -1 to unlimited and -5 to 2^64-5, ctr refuses a sign.
    for (const bad of ['abc', 'unlimitedx', '1:2:3', '1 2', '99999999999999999999', '0x10', '10:0x20', '-1', '-5', ' -1', '10:-1']) refusal(() => parsePrlimit(bad))
    assert.match(refusal(() => parsePrlimit('-1')), /cannot be negative/)
  })

  it('lxc.init.uid, lxc.init.gid and lxc.init.groups refuse (uid_t)-1, which means "unchanged" to the kernel', () => {
    assert.equal(parseId('0x10'), 16)
    assert.equal(parseId('4294967294'), 4294967294)
    assert.match(refusal(() => parseId('4294967295')), /leave unchanged/)
    assert.match(refusal(() => parseId('0xffffffff', 'gid')), /not a gid/)
    for (const bad of ['-1', '4294967296', 'root']) refusal(() => parseId(bad))
    refusal(() => parseInitGroups('5,4294967295'))
  })

  it('lxc.mount.auto tokens', () => {
    assert.deepEqual(parseMountAuto('proc sys:ro cgroup:mixed:force cgroup2:ro shmounts:/a:/b shmounts:/h'), [
      {family: 'proc', mode: 'mixed'},
      {family: 'sys', mode: 'ro'},
      {family: 'cgroup', mode: 'mixed', full: false, force: true},
      {family: 'cgroup2', ro: true},
      {family: 'shmounts', host: '/a', container: '/b'},
      {family: 'shmounts', host: '/h', container: '/dev/.lxc-mounts'},
    ])
    assert.deepEqual(parseMountAuto('cgroup-full'), [{family: 'cgroup', full: true, force: false}])
    assert.match(refusal(() => parseMountAuto('proc:ro')), /invalid filesystem to automount "proc:ro"/)
    assert.match(refusal(() => parseMountAuto('cgroup:mixd')).toString(), /cgroup:mixd/)
  })

  it('lxc.rootfs.path splits at the first colon', () => {
    assert.deepEqual(parseRootfsPath('dir:/x//y/./z/'), {prefix: 'dir', path: '/x/y/z'})
    assert.deepEqual(parseRootfsPath('overlay:/lower:/upper'), {prefix: 'overlay', path: '/lower:/upper'})
    assert.deepEqual(parseRootfsPath('/a/b:c/'), {prefix: '/a/b', path: 'c'})
    assert.deepEqual(parseRootfsPath('/plain/'), {path: '/plain'})
  })
})

describe('addresses', () => {
  it('inet_pton4 is strict like glibc', () => {
    assert.deepEqual(inetPton4('10.0.0.1'), [10, 0, 0, 1])
    for (const bad of ['10.0.0.01', '10.0.0', '10.0.0.1.2', '256.0.0.1', '1.2.3.4 ', '0x1.2.3.4', '']) assert.equal(inetPton4(bad), undefined, bad)
  })

  it('inet_pton6/ntop6 round trips like glibc', () => {
    const cases: Array<[string, string]> = [
      ['2001:DB8::0:1', '2001:db8::1'],
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
      ['::1.2.3.4', '::1.2.3.4'],
      ['0:0:0:0:0:ffff:102:304', '::ffff:1.2.3.4'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['fe80::1:2', 'fe80::1:2'],
    ]
    for (const [text, canonical] of cases) {
      const bytes = inetPton6(text)
      assert.ok(bytes, text)
      assert.equal(inetNtop6(bytes), canonical, text)
    }
    for (const bad of ['fe80::1%eth0', ':1::', '1:::2', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', '', ':', '1:']) {
      assert.equal(inetPton6(bad), undefined, bad)
    }
  })

  it('ipv4 addresses: classful prefix from the last octet, broadcast like LXC 6.0', () => {
    assert.deepEqual(parseIpv4Address('10.0.0.1'), {address: '10.0.0.1', prefix: 8, broadcast: '10.255.255.255', classful: true})
    assert.equal(parseIpv4Address('10.0.0.200').prefix, 24)
    assert.equal(parseIpv4Address('10.0.0.129').prefix, 16)
    assert.equal(parseIpv4Address('10.0.0.250').prefix, 0)
    assert.deepEqual(parseIpv4Address('10.0.0.193/024'), {address: '10.0.0.193', prefix: 20, broadcast: '10.0.15.255', classful: false})
    assert.equal(parseIpv4Address('10.0.0.1/31').broadcast, '0.0.0.0')
    assert.equal(parseIpv4Address('10.0.0.1/0').broadcast, '255.255.255.255')
    assert.equal(parseIpv4Address('10.0.0.1/24 10.0.0.127').broadcast, '10.0.0.127')
    for (const bad of ['10.0.0.1/33', '10.0.0.01/24', '10.0.0.1/24 garbage', '10.0.0.1/24  10.0.0.255', 'x']) refusal(() => parseIpv4Address(bad))
  })

  it('ipv6 addresses: default /64, prefix not bounded (as in LXC)', () => {
    assert.deepEqual(parseIpv6Address('fe80::1'), {address: 'fe80::1', prefix: 64})
    assert.deepEqual(parseIpv6Address('::ffff:1.2.3.4/200'), {address: '::ffff:1.2.3.4', prefix: 200})
    refusal(() => parseIpv6Address('fe80::1%eth0'))
  })
})

describe('helpers', () => {
  it('splitCommand follows lxc_string_split_quoted', () => {
    const cases: Array<[string, string[]]> = [
      ['/sbin/init', ['/sbin/init']],
      ['  a  b\tc ', ['a', 'b', 'c']],
      ['sh -c "echo a; echo b"', ['sh', '-c', 'echo a; echo b']],
      ["a 'b c' d", ['a', 'b c', 'd']],
      ['a "" b', ['a', '', 'b']],
      ['"a"b', ['a', 'b']],
      ['a"b c"', ['a"b', 'c"']],
      ['sh -c "echo', ['sh', '-c']],
      ['a \\"b c\\"', ['a', '\\"b', 'c\\"']],
      ['', []],
    ]
    for (const [cmd, argv] of cases) assert.deepEqual(splitCommand(cmd), argv, cmd)
  })

  it('simplifyPath follows lxc_path_simplify', () => {
    const cases: Array<[string, string]> = [
      ['/x//y/./z/', '/x/y/z'],
      ['./x/.//y/', 'x/y'],
      ['..//y', '../y'],
      ['/', '/'],
      ['.', '.'],
      ['./', '.'],
      ['//', '/'],
      ['a/../b', 'a/../b'],
      ['', ''],
    ]
    for (const [path, want] of cases) assert.equal(simplifyPath(path), want, path)
  })
})
