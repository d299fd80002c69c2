// Cgroup planning (core/cgroup/plan.ts): placement (LXC's lxc.cgroup.dir*
// and lxc.cgroup.relative rules), limit validation (nothing may be written
// outside the container's cgroup), controller availability per host kind,
// and the spec records the monitor reads.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {buildCgroupLayout, type CgroupLayout} from '../../src/core/cgroup/layout.js'
import {buildDeviceList, devicesProgram, encodeInsns, parseDeviceRule} from '../../src/core/cgroup/devices.js'
import {planCgroup, validateCgroupFile, type CgroupSpec} from '../../src/core/cgroup/plan.js'
import {buildContainerConfig, lexConfig, type ContainerConfig} from '../../src/core/config/index.js'
import {CtrError} from '../../src/core/errors.js'
import {encodeMonitorSpec, type MonitorSpec} from '../../src/core/monitor-spec.js'
import {fnv1a64} from '../../src/core/paths.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/cgroup/', import.meta.url))
const read = (kind: string, file: string): string => readFileSync(`${FIXTURES}${kind}/${file}`, 'utf8')

function config(text: string): ContainerConfig {
  return buildContainerConfig(lexConfig(text, '/c/config').entries, {env: {}}).config
}

function layout(kind: 'hybrid' | 'v1' | 'v2', euid = 0, v2Available: string[] = ['hugetlb']): CgroupLayout {
  const l = buildCgroupLayout({mountinfo: read(kind, 'mountinfo'), selfCgroup: read(kind, 'self.cgroup'), initCgroup: read(kind, 'init.cgroup'), euid})
  assert.ok(l)
  for (const h of l.hierarchies) if (h.version === 2) h.available = {self: v2Available, init: v2Available}
  return l
}

const V2_ALL = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc']
const HASH = fnv1a64('/var/lib/ctr/web')
const plan = (text: string, l: CgroupLayout | undefined): CgroupSpec | undefined => planCgroup(config(text), 'web', l, '/var/lib/ctr')

function minimalSpec(): MonitorSpec {
  return {
    name: 'web', lxcpath: '/var/lib/ctr', rundir: '/run/ctr/x', loglevel: 5, foreground: false, stdioInherit: false, argv: ['/sbin/init'], env: [],
    newKeyring: true, cloneFlags: 0, shares: [], rootfsReadonly: false, fsops: [], uid: 0, gid: 0, haltSignal: 0, rebootSignal: 2, stopSignal: 9,
    pdeathSignal: 9, noNewPrivs: false, rlimits: [], sysctls: [], procs: [],
  }
}

function throwsCode(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof CtrError, String(error))
    assert.equal(error.code, code)
    assert.match(error.message, message)
    return true
  })
}

describe('cgroup placement', () => {
  it('root: ctr.payload.<name>.<hash of lxcpath/name> under pid 1\'s cgroup in every hierarchy', () => {
    const spec = plan('', layout('hybrid'))
    assert.ok(spec)
    assert.equal(spec.limit, `ctr.payload.web.${HASH}`)
    assert.equal(spec.hierarchies.length, 10)
    const memory = spec.hierarchies.find((h) => h.id === 'memory')
    // The caller sits in /process_api/<hash> in memory; root containers escape it.
    assert.deepEqual(memory, {
      version: 1, id: 'memory', baseDir: '/sys/fs/cgroup/memory', basePath: '/',
      selfDir: '/sys/fs/cgroup/memory/process_api/bfc4cb2531589d2754e9dc35015af551', enable: [],
    })
    assert.deepEqual(spec.hierarchies.at(-1), {version: 2, id: '', baseDir: '/sys/fs/cgroup/unified', basePath: '/', selfDir: '/sys/fs/cgroup/unified', enable: []})
  })

  it('two lxcpaths holding the same name get two cgroups', () => {
    const a = planCgroup(config(''), 'web', layout('v2'), '/var/lib/ctr')
    const b = planCgroup(config(''), 'web', layout('v2'), '/srv/other')
    assert.notEqual(a?.limit, b?.limit)
  })

  it('root on a systemd v2 host: /init.scope is dropped from the base; controllers for stats are enabled', () => {
    const spec = plan('', layout('v2', 0, V2_ALL))
    assert.deepEqual(spec?.hierarchies, [{version: 2, id: '', baseDir: '/sys/fs/cgroup', basePath: '/', selfDir: '/sys/fs/cgroup/user.slice/user-0.slice/session-3.scope', enable: ['cpu', 'io', 'memory', 'pids']}])
  })

  it('lxc.cgroup.relative = 1 and non-root users: under the caller\'s own cgroup', () => {
    const relative = plan('lxc.cgroup.relative = 1', layout('hybrid'))
    assert.equal(relative?.hierarchies.find((h) => h.id === 'memory')?.baseDir, '/sys/fs/cgroup/memory/process_api/bfc4cb2531589d2754e9dc35015af551')
    const user = layout('v2', 1000, V2_ALL)
    for (const h of user.hierarchies) h.selfWritable = true
    assert.equal(plan('', user)?.hierarchies[0]?.basePath, '/user.slice/user-0.slice/session-3.scope')
  })

  it('non-root without a writable cgroup: no cgroup, unless limits need one', () => {
    const user = layout('v2', 1000, V2_ALL)
    for (const h of user.hierarchies) h.selfWritable = false
    assert.equal(plan('', user), undefined)
    throwsCode(() => plan('lxc.cgroup2.memory.max = 1G', user), 'CTR_CGROUP_UNAVAILABLE', /^\/c\/config:1: lxc\.cgroup2\.memory\.max: no cgroup hierarchy/)
  })

  it('lxc.cgroup.dir = D: D/ctr.payload.<name>.<hash>', () => {
    assert.equal(plan('lxc.cgroup.dir = machines/ctr/', layout('v1'))?.limit, `machines/ctr/ctr.payload.web.${HASH}`)
  })

  it('lxc.cgroup.dir.container, .monitor, .container.inner and .monitor.pivot', () => {
    const spec = plan('lxc.cgroup.dir.container = cts/web\nlxc.cgroup.dir.monitor = mon/web\nlxc.cgroup.dir.container.inner = ns\nlxc.cgroup.dir.monitor.pivot = pivot', layout('v2', 0, V2_ALL))
    assert.equal(spec?.limit, 'cts/web')
    assert.equal(spec?.inner, 'ns')
    assert.equal(spec?.monitor, 'mon/web')
    assert.equal(spec?.monitorPivot, 'pivot')
    assert.deepEqual(spec?.hierarchies[0]?.enable, V2_ALL, 'with an inner cgroup every controller is delegated to the container')
  })

  it('LXC\'s placement rules: dir conflicts with dir.container; container and monitor go together', () => {
    throwsCode(() => plan('lxc.cgroup.dir = a\nlxc.cgroup.dir.container = b\nlxc.cgroup.dir.monitor = c', layout('v1')), 'CTR_CONFIG_INVALID', /lxc\.cgroup\.dir conflicts/)
    throwsCode(() => plan('lxc.cgroup.dir.container = b', layout('v1')), 'CTR_CONFIG_INVALID', /^\/c\/config:1: .*must both be set/)
    throwsCode(() => plan('lxc.cgroup.dir.monitor = b', layout('v1')), 'CTR_CONFIG_INVALID', /must both be set/)
    throwsCode(() => plan('lxc.cgroup.dir.container = a\nlxc.cgroup.dir.monitor = a/m', layout('v1')), 'CTR_CONFIG_INVALID', /separate/)
  })

  it('no cgroup hierarchy at all: no cgroup, unless limits need one', () => {
    assert.equal(plan('', undefined), undefined)
    throwsCode(() => plan('\nlxc.cgroup.pids.max = 10', undefined), 'CTR_CGROUP_UNAVAILABLE', /^\/c\/config:2: lxc\.cgroup\.pids\.max: no cgroup hierarchy is mounted/)
  })
})

describe('cgroup limits', () => {
  it('v1 limits go to the hierarchy holding the controller, in order, memsw after the memory limit', () => {
    const spec = plan([
      'lxc.cgroup.memory.memsw.limit_in_bytes = 2G',
      'lxc.cgroup.memory.limit_in_bytes = 1G',
      'lxc.cgroup.cpu.shares = 512',
      'lxc.cgroup.cpuacct.usage = 0',
    ].join('\n'), layout('v1'))
    assert.ok(spec)
    assert.deepEqual(spec.settings.map((s) => [spec.hierarchies[s.hierarchy]?.id, s.file, s.value]), [
      ['memory', 'memory.limit_in_bytes', '1G'],
      ['cpu,cpuacct', 'cpu.shares', '512'],
      ['cpu,cpuacct', 'cpuacct.usage', '0'],
      ['memory', 'memory.memsw.limit_in_bytes', '2G'],
    ])
  })

  it('v1 device rules are written as devices.deny / devices.allow files', () => {
    const spec = plan('lxc.cgroup.devices.deny = a\nlxc.cgroup.devices.allow = c 1:3 rwm', layout('hybrid'))
    assert.ok(spec)
    assert.deepEqual(spec.settings.map((s) => [spec.hierarchies[s.hierarchy]?.id, s.file, s.value]), [
      ['devices', 'devices.deny', 'a'],
      ['devices', 'devices.allow', 'c 1:3 rwm'],
    ])
  })

  it('a v1 controller that is not mounted is named', () => {
    throwsCode(() => plan('lxc.cgroup.devices.deny = a', layout('v1')), 'CTR_CGROUP_UNAVAILABLE', /^\/c\/config:1: lxc\.cgroup\.devices\.deny: the devices controller is not mounted as a cgroup v1 hierarchy here/)
  })

  it('v2 limits go to the unified hierarchy and enable their controllers', () => {
    const spec = plan('lxc.cgroup2.memory.max = 64M\nlxc.cgroup2.pids.max = 20\nlxc.cgroup2.cgroup.max.descendants = 5', layout('v2', 0, V2_ALL))
    assert.deepEqual(spec?.settings, [
      {hierarchy: 0, file: 'memory.max', value: '64M'},
      {hierarchy: 0, file: 'pids.max', value: '20'},
      {hierarchy: 0, file: 'cgroup.max.descendants', value: '5'},
    ])
  })

  it('hybrid: a v2 limit on a controller cgroup2 holds works (hugetlb here), one bound to v1 is refused naming the v1 key family', () => {
    const spec = plan('lxc.cgroup2.hugetlb.2MB.max = 0', layout('hybrid'))
    assert.deepEqual(spec?.settings, [{hierarchy: 9, file: 'hugetlb.2MB.max', value: '0'}])
    assert.deepEqual(spec?.hierarchies[9]?.enable, ['hugetlb'])
    throwsCode(() => plan('lxc.cgroup2.memory.max = 1G', layout('hybrid')), 'CTR_CGROUP_UNAVAILABLE', /^\/c\/config:1: lxc\.cgroup2\.memory\.max: the memory controller is bound to cgroup v1 here.*lxc\.cgroup\.\*/)
    throwsCode(() => plan('lxc.cgroup.hugetlb.2MB.limit_in_bytes = 0', layout('hybrid')), 'CTR_CGROUP_UNAVAILABLE', /hugetlb controller is on cgroup v2 here: use lxc\.cgroup2/)
  })

  it('pure v2: lxc.cgroup.* is an error (LXC 5/6 ignore it, which would drop the limit)', () => {
    throwsCode(() => plan('lxc.cgroup.memory.limit_in_bytes = 1G', layout('v2', 0, V2_ALL)), 'CTR_CGROUP_UNAVAILABLE', /the memory controller is on cgroup v2 here: use lxc\.cgroup2/)
  })

  it('pure v1: lxc.cgroup2.* is an error', () => {
    throwsCode(() => plan('lxc.cgroup2.memory.max = 1G', layout('v1')), 'CTR_CGROUP_UNAVAILABLE', /this host has no cgroup2 hierarchy mounted/)
  })

  it('a v2 controller missing from cgroup.controllers is named with what is there', () => {
    throwsCode(() => plan('lxc.cgroup2.memory.max = 1G', layout('v2', 0, ['cpu', 'pids'])), 'CTR_CGROUP_UNAVAILABLE', /not available in the cgroup2 hierarchy here \(cgroup\.controllers: cpu pids\)/)
  })

  const BOTH = 'lxc.cgroup.devices.deny = a\nlxc.cgroup.devices.allow = c 1:3 rwm\nlxc.cgroup2.devices.deny = a\nlxc.cgroup2.devices.allow = c 1:3 rwm\n'
  const planWarn = (text: string, l: CgroupLayout): {spec: CgroupSpec | undefined; warnings: string[]} => {
    const warnings: string[] = []
    return {spec: planCgroup(config(text), 'web', l, '/var/lib/ctr', warnings), warnings}
  }

  it('devices on v1 (hybrid): the v1 rules are written, the cgroup2 ones skipped with file:line, as LXC does', () => {
    const {spec, warnings} = planWarn(BOTH, layout('hybrid'))
    assert.deepEqual(spec?.settings.map((s) => [spec.hierarchies[s.hierarchy]?.id, s.file, s.value]), [['devices', 'devices.deny', 'a'], ['devices', 'devices.allow', 'c 1:3 rwm']])
    assert.equal(spec?.devices, undefined)
    assert.deepEqual(warnings, [
      '/c/config:3: lxc.cgroup2.devices.deny: skipped: the devices controller is cgroup v1 here, where the lxc.cgroup.devices rules apply (LXC ignores cgroup2 keys on such a host too)',
      '/c/config:4: lxc.cgroup2.devices.allow: skipped: the devices controller is cgroup v1 here, where the lxc.cgroup.devices rules apply (LXC ignores cgroup2 keys on such a host too)',
    ])
  })

  it('pure v2: the cgroup2 rules become the BPF device program, the v1 ones are skipped with file:line', () => {
    const {spec, warnings} = planWarn(BOTH, layout('v2', 0, V2_ALL))
    assert.deepEqual(spec?.settings, [])
    const expected = encodeInsns(devicesProgram(buildDeviceList([parseDeviceRule('a', false), parseDeviceRule('c 1:3 rwm', true)])))
    assert.deepEqual(spec?.devices, {hierarchy: 0, program: expected})
    assert.equal(warnings.length, 2)
    assert.match(warnings[0] ?? '', /^\/c\/config:1: lxc\.cgroup\.devices\.deny: skipped: this host has no cgroup v1 devices controller: the lxc\.cgroup2\.devices rules apply, as a BPF program/)
    assert.ok(spec)
    assert.ok(encodeMonitorSpec({...minimalSpec(), cgroup: spec}).toString('latin1').includes(`\0cgdevices\x000\x00${expected.toString('hex')}\0`), 'the cgdevices record')
  })

  it('a config with one family gets it enforced wherever possible: v2 rules on hybrid, v1 rules on pure v2', () => {
    const hybrid = planWarn('lxc.cgroup2.devices.deny = a\nlxc.cgroup2.devices.allow = c 1:3 rwm', layout('hybrid'))
    assert.equal(hybrid.spec?.devices?.hierarchy, 9, 'the unified hierarchy of the hybrid layout')
    assert.deepEqual(hybrid.warnings, [])
    const v2 = planWarn('lxc.cgroup.devices.deny = a\nlxc.cgroup.devices.allow = c 1:3 rwm', layout('v2', 0, V2_ALL))
    assert.deepEqual(v2.spec?.devices?.program, encodeInsns(devicesProgram(buildDeviceList([parseDeviceRule('a', false), parseDeviceRule('c 1:3 rwm', true)]))))
    assert.deepEqual(v2.warnings, [])
    throwsCode(() => plan('lxc.cgroup2.devices.deny = a', layout('v1')), 'CTR_CGROUP_UNAVAILABLE', /^\/c\/config:1: lxc\.cgroup2\.devices\.deny: this host has no cgroup2 hierarchy mounted/)
  })

  it('refuses a device rule LXC cannot parse, another devices file, and device paths, naming file:line', () => {
    throwsCode(() => plan('\n\nlxc.cgroup2.devices.allow = c 1:3 rx', layout('v2', 0, V2_ALL)), 'CTR_CONFIG_INVALID', /^\/c\/config:3: lxc\.cgroup2\.devices\.allow: Invalid device rule "c 1:3 rx": the access may hold only r, w and m$/)
    throwsCode(() => plan('lxc.cgroup2.devices.list = a', layout('v2', 0, V2_ALL)), 'CTR_CONFIG_INVALID', /devices\.list: a device rule is devices\.allow or devices\.deny/)
    throwsCode(() => plan('lxc.cgroup2.devices.allow = /dev/null rwm', layout('v2', 0, V2_ALL)), 'CTR_NOT_SUPPORTED', /^\/c\/config:1: lxc\.cgroup2\.devices\.allow: device paths are not supported yet/)
    throwsCode(() => plan('lxc.cgroup.devices.allow = /dev/null rwm', layout('v1')), 'CTR_NOT_SUPPORTED', /device paths are not supported yet/)
  })
})

describe('cgroup file validation: nothing outside the container\'s cgroup', () => {
  const setting = (file: string) => ({controller: file.split('.')[0] ?? '', file, value: '1', source: {file: '/c/config', line: 7}})
  const good = ['memory.max', 'memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'hugetlb.2MB.max', 'cpu.rt_runtime_us', 'io.bfq.weight', 'net_cls.classid', 'cgroup.max.depth', 'cpu.uclamp.min']
  for (const file of good) {
    it(`accepts ${file}`, () => assert.equal(validateCgroupFile(setting(file), 2), file.slice(0, file.indexOf('.'))))
  }
  const bad = [
    '../memory.max', 'memory/../../x', 'memory.max/', '/etc/passwd', 'memory..max', 'memory.', '.memory', 'memory',
    'release_agent', 'tasks', 'memory.max\n', 'memory max', 'memory.max\0', '..', 'a/b.c',
  ]
  for (const file of bad) {
    it(`refuses ${JSON.stringify(file)} naming file:line`, () => {
      throwsCode(() => validateCgroupFile(setting(file), 1), 'CTR_CONFIG_INVALID', /^\/c\/config:7: lxc\.cgroup\..*is not a cgroup file name/)
    })
  }
  for (const file of ['cgroup.procs', 'cgroup.threads', 'cgroup.kill', 'cgroup.freeze', 'cgroup.subtree_control', 'freezer.state', 'cgroup.event_control']) {
    it(`refuses the managed file ${file}`, () => throwsCode(() => validateCgroupFile(setting(file), 2), 'CTR_CONFIG_INVALID', /is managed by ctr/))
  }
  it('through the whole planner too', () => {
    throwsCode(() => plan('lxc.cgroup2.memory.max/../../cgroup.procs = 1', layout('v2', 0, V2_ALL)), 'CTR_CONFIG_INVALID', /not a cgroup file name/)
  })
  it('placement paths with a tab or newline are refused (the run-dir record is tab-separated)', () => {
    throwsCode(() => plan('lxc.cgroup.dir = a\tb', layout('v1')), 'CTR_CONFIG_INVALID', /tab or a newline/)
  })
})

describe('the spec records the monitor reads', () => {
  it('cgroup, cgroup_inner, cgroup_monitor, cgroup_pivot, cghier and cgset', () => {
    const cgroup = plan('lxc.cgroup.dir.container = c\nlxc.cgroup.dir.monitor = m\nlxc.cgroup.dir.container.inner = i\nlxc.cgroup.dir.monitor.pivot = p\nlxc.cgroup2.pids.max = 5', layout('v2', 0, ['pids']))
    assert.ok(cgroup)
    const spec: MonitorSpec = {
      name: 'web', lxcpath: '/var/lib/ctr', rundir: '/run/ctr/x', loglevel: 5, foreground: false, stdioInherit: false, argv: ['/sbin/init'], env: [],
      newKeyring: true, cloneFlags: 0, shares: [], rootfsReadonly: false, fsops: [], uid: 0, gid: 0, haltSignal: 0, rebootSignal: 2, stopSignal: 9,
      pdeathSignal: 9, noNewPrivs: false, rlimits: [], sysctls: [], procs: [], cgroup,
    }
    const body = encodeMonitorSpec(spec).toString('utf8')
    const tokens = body.slice(body.indexOf('\n') + 1).split('\0')
    const at = (name: string, n: number): string[] => {
      const i = tokens.indexOf(name)
      assert.ok(i >= 0, `record ${name}`)
      return tokens.slice(i + 1, i + 1 + n)
    }
    assert.deepEqual(at('cgroup', 1), ['c'])
    assert.deepEqual(at('cgroup_inner', 1), ['i'])
    assert.deepEqual(at('cgroup_monitor', 1), ['m'])
    assert.deepEqual(at('cgroup_pivot', 1), ['p'])
    assert.deepEqual(at('cghier', 6), ['2', '', '/sys/fs/cgroup', '/', '/sys/fs/cgroup/user.slice/user-0.slice/session-3.scope', 'pids'])
    assert.deepEqual(at('cgset', 3), ['0', 'pids.max', '5'])
  })
})
