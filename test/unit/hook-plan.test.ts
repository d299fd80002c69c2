import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {CgroupLayout} from '../../src/core/cgroup/layout.js'
import {buildContainerConfig, lexConfig, type ContainerConfig} from '../../src/core/config/index.js'
import {hookEnvironment, hookTimeout, planHooks, DEFAULT_HOOK_TIMEOUT_S, type HookPlanInput} from '../../src/core/hook-plan.js'
import {encodeMonitorSpec} from '../../src/core/monitor-spec.js'
import {hookFailureError, parseHookDetail} from '../../src/core/start-errors.js'
import {filesystemOps, planStart} from '../../src/core/start-plan.js'
import type {StartOptions} from '../../src/core/options.js'

function config(text: string): ContainerConfig {
  return buildContainerConfig(lexConfig(text, 'config').entries, {env: {}}).config
}

function input(text: string, extra: Partial<HookPlanInput> = {}): HookPlanInput {
  return {
    name: 'web', configFile: '/l/web/config', rootfsMount: '/l/web/rootfs', config: config(text), callerEnv: {PATH: '/usr/bin', HOME: '/root'},
    logLevel: 'ERROR', cgroupNs: true, timeoutS: 300, mountNs: true, mountHookIndex: 7, ...extra,
  }
}

describe('planHooks', () => {
  it('is undefined without hooks', () => {
    assert.equal(planHooks(input('lxc.uts.name = a')), undefined)
  })
  it('lists hooks in LXC start order, each type in config order', () => {
    const h = planHooks(input('lxc.hook.post-stop = /p\nlxc.hook.start-host = /sh\nlxc.hook.mount = /m1\nlxc.hook.mount = /m2 --flag\nlxc.hook.pre-start = /ps\nlxc.hook.start = /s\nlxc.hook.clone = /c\nlxc.hook.destroy = /d'))
    assert.deepEqual(h?.hooks, [
      {type: 'pre-start', script: '/ps'}, {type: 'mount', script: '/m1'}, {type: 'mount', script: '/m2 --flag'},
      {type: 'start', script: '/s'}, {type: 'start-host', script: '/sh'}, {type: 'post-stop', script: '/p'},
    ])
    assert.deepEqual(h?.at, [{type: 'mount', index: 7}])
  })
  it('runs autodev hooks only with lxc.autodev = 1, as LXC', () => {
    assert.equal(planHooks(input('lxc.autodev = 0\nlxc.hook.autodev = /a')), undefined)
    assert.deepEqual(planHooks(input('lxc.autodev = 1\nlxc.hook.autodev = /a'))?.at, [{type: 'autodev', index: 7}])
  })
  it('passes lxc.hook.version and the timeout', () => {
    const h = planHooks(input('lxc.hook.version = 1\nlxc.hook.stop = /s', {timeoutS: 9}))
    assert.equal(h?.version, 1)
    assert.equal(h?.timeoutS, 9)
    assert.ok(h?.env.includes('LXC_HOOK_VERSION=1'))
  })
  it('refuses container-side mount hooks without a mount namespace', () => {
    assert.throws(() => planHooks(input('lxc.hook.mount = /m', {mountNs: false})), {code: 'CTR_CONFIG_INVALID'})
    assert.ok(planHooks(input('lxc.hook.pre-start = /m', {mountNs: false})))
  })
})

describe('hookEnvironment', () => {
  it('is the caller\'s environment plus LXC\'s variables; runtime names are never inherited', () => {
    const env = hookEnvironment({...input('lxc.rootfs.path = dir:/l/web/rootfs\nlxc.console.logfile = /log/c'), callerEnv: {PATH: '/bin', LXC_PID: '1', LXC_NAME: 'other', LXC_NET_NS: 'x', LXC_OTHER: 'kept'}})
    assert.deepEqual(env, [
      'PATH=/bin', 'LXC_OTHER=kept', 'LXC_NAME=web', 'LXC_CONFIG_FILE=/l/web/config', 'LXC_ROOTFS_MOUNT=/l/web/rootfs', 'LXC_ROOTFS_PATH=/l/web/rootfs',
      'LXC_CONSOLE_LOGPATH=/log/c', 'LXC_CGNS_AWARE=1', 'LXC_LOG_LEVEL=ERROR', 'LXC_HOOK_VERSION=0',
    ])
  })
  it('gives container-side hooks lxc.environment too, and every hook lxc.environment.hooks', () => {
    const h = planHooks(input('lxc.environment = FOO=1\nlxc.environment.hooks = BAR=2\nlxc.hook.mount = /m\nlxc.hook.stop = /s'))
    assert.ok(h?.envContainer.includes('FOO=1'))
    assert.ok(!h?.env.includes('FOO=1'))
    assert.ok(h?.env.includes('BAR=2') && h.envContainer.includes('BAR=2'))
  })
  it('leaves out the start-time variables for destroy and clone hooks', () => {
    const env = hookEnvironment({name: 'web', configFile: '/c', rootfsMount: '/r', config: config('lxc.hook.destroy = /d'), callerEnv: {}})
    assert.deepEqual(env, ['LXC_NAME=web', 'LXC_CONFIG_FILE=/c', 'LXC_ROOTFS_MOUNT=/r'])
  })
})

describe('hookTimeout', () => {
  it('reads CTR_HOOK_TIMEOUT in seconds', () => {
    assert.equal(hookTimeout(undefined), DEFAULT_HOOK_TIMEOUT_S)
    assert.equal(hookTimeout('12'), 12)
    assert.throws(() => hookTimeout('0'), {code: 'CTR_HOOK_TIMEOUT_INVALID'})
    assert.throws(() => hookTimeout('1.5'), {code: 'CTR_HOOK_TIMEOUT_INVALID'})
  })
})

const options: StartOptions = {
  name: 'web', lxcpath: '/var/lib/ctr', logfile: undefined, logpriority: undefined, quiet: false, rcfile: undefined, json: false,
  daemon: true, defines: [], console: undefined, consoleLog: undefined, closeAllFds: false, pidfile: undefined, share: {}, command: [],
}

describe('hooks in the start plan', () => {
  const plan = (text: string) => planStart({
    name: 'web', lxcpath: '/var/lib/ctr', rundir: '/run/ctr/x', config: config(text), configFile: '/var/lib/ctr/web/config',
    options, exitfile: undefined, logfile: undefined, shares: [], kernel: {cgroupNs: true, capLastCap: 40}, pidfile: undefined,
    callerEnv: {PATH: '/bin'}, hookTimeoutS: 5,
  }).spec
  it('puts mount and autodev hooks after the mounts and before /dev\'s nodes, as LXC', () => {
    const spec = plan('lxc.rootfs.path = dir:/r\nlxc.autodev = 1\nlxc.mount.auto = proc:mixed\nlxc.hook.mount = /m\nlxc.hook.autodev = /a')
    const index = spec.hooks?.at[0]?.index ?? -1
    const before = spec.fsops[index - 1]
    const after = spec.fsops[index]
    assert.equal(before?.kind === 'mount' && before.target, 'proc/sysrq-trigger')
    assert.equal(after?.kind === 'mknod' && after.path, 'dev/full')
    assert.equal(spec.hooks?.timeoutS, 5)
    assert.ok(spec.hooks?.env.includes('LXC_ROOTFS_MOUNT=/r'))
  })
  it('mounts cgroup hierarchies before pivot_root when hooks run before it', () => {
    const layout: CgroupLayout = {kind: 'v2', euid: 0, hierarchies: [{version: 2, id: '', controllers: [], mountPoint: '/sys/fs/cgroup', mountRoot: '/', selfPath: '/', initPath: '/'}]}
    const ctx = {hasRootfs: true, netAdmin: true, gid5Mapped: true, fstab: [], entries: {rootfsPath: '/r', defaultRootfs: '/r'}, cgroups: {layout, cgroupNs: true, sysAdmin: false}}
    const cfg = config('lxc.rootfs.path = dir:/r\nlxc.mount.auto = cgroup:mixed\nlxc.hook.mount = /m')
    const late = filesystemOps(cfg, ctx).ops.filter((op) => op.opts & 32)
    const early = filesystemOps(cfg, {...ctx, earlyHooks: true}).ops.filter((op) => op.opts & 32)
    assert.ok(late.length > 0)
    assert.equal(early.length, 0)
  })
  it('encodes the hook records', () => {
    const text = encodeMonitorSpec(plan('lxc.hook.version = 1\nlxc.hook.stop = /s a')).toString('utf8')
    assert.ok(text.includes('hookversion\u00001\u0000hooktimeout\u00005\u0000hook\u0000stop\u0000/s a\u0000'))
    assert.ok(text.includes('hookenv\u0000PATH=/bin\u0000'))
  })
})

describe('hook failures', () => {
  it('parse the monitor\'s escaped detail', () => {
    const f = parseHookDetail('mount exit 3 /usr/share/x\\shook\\s--a line\\sone\\nline\\\\two\\x09end\\n')
    assert.deepEqual(f, {type: 'mount', kind: 'exit', value: 3, script: '/usr/share/x hook --a', stderr: 'line one\nline\\two\tend'})
  })
  it('read as LXC users expect', () => {
    const e = hookFailureError('web', {type: 'mount', kind: 'exit', value: 3, script: '/h', stderr: 'no'})
    assert.equal(e.message, 'web: Hook "mount" (/h) failed with exit status 3: no')
    assert.equal(e.code, 'CTR_HOOK_FAILED')
    assert.equal(hookFailureError('web', {type: 'stop', kind: 'signal', value: 9, script: '/h', stderr: ''}).message, 'web: Hook "stop" (/h) was killed by SIGKILL')
    assert.match(hookFailureError('web', {type: 'start', kind: 'timeout', value: 5, script: '/h', stderr: ''}).message, /did not finish within 5 s/)
  })
})

describe('hookCommand (destroy and clone hooks)', () => {
  it('builds LXC\'s command line for both versions', async () => {
    const {hookCommand} = await import('../../src/sys/hooks.js')
    const run = {name: 'web', type: 'clone' as const, scripts: [], env: [], timeoutS: 1, args: ['x', 'y']}
    assert.equal(hookCommand({...run, version: 0}, '/h --opt'), 'exec /h --opt web lxc clone x y')
    assert.equal(hookCommand({...run, version: 1}, '/h'), 'exec /h x y')
  })
})
