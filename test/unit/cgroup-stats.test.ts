// Stats parsing (core/cgroup/stats.ts) on recorded cgroup files: hybrid is
// a container's v1 files on this dev machine, v2 a Debian 12 host's, v1's
// blkio file a CentOS 7 host's. Also the run-dir record format, the
// lxc-info lines the stats become, and `ctr freeze`/`unfreeze` argv.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {
  parseBlkioTotal,
  parseCgroupRecord,
  parseIoStat,
  parseKeyed,
  parseLimit,
  parseV2MemoryStat,
  statsDir,
  statsFromFiles,
  type CgroupFileReader,
} from '../../src/core/cgroup/stats.js'
import {parse as parseFreeze} from '../../src/core/cli/freeze.js'
import {parse as parseUnfreeze} from '../../src/core/cli/unfreeze.js'
import {UsageError} from '../../src/core/errors.js'
import {formatInfo} from '../../src/core/format/info.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/cgroup/', import.meta.url))

/** A reader over one fixture directory, answering for the given version only. */
function reader(kind: string, version: 1 | 2): CgroupFileReader {
  return (v, _controller, file) => {
    const path = `${FIXTURES}${kind}/${file}`
    return v === version && existsSync(path) ? readFileSync(path, 'utf8') : undefined
  }
}

describe('cgroup stats from recorded files', () => {
  it('hybrid (this host): every figure from v1', () => {
    const stats = statsFromFiles(reader('hybrid', 1))
    assert.deepEqual(stats, {
      cpuNs: 8055055n,
      blkioBytes: 0n,
      memoryBytes: 475136n,
      kmemBytes: 163840n,
      swapBytes: 0n,
      pidsCurrent: 2,
    })
  })

  it('v2: cpu.stat usage_usec × 1000, io.stat summed, memory.stat as LXC 7.0, limits, pids', () => {
    assert.deepEqual(statsFromFiles(reader('v2', 2)), {
      cpuNs: 4210512000n,
      blkioBytes: 1048576n + 12058624n + 4096n,
      memoryBytes: 1228800n + 4096000n,
      kmemBytes: 65536n + 118784n + 4096n + 221184n,
      memoryLimitBytes: 33554432n,
      swapBytes: 0n,
      pidsCurrent: 3,
    })
  })

  it('v1 figures win over v2 ones, each falls back on its own', () => {
    const both: CgroupFileReader = (v, c, f) => reader('hybrid', 1)(v, c, f) ?? reader('v2', 2)(v, c, f)
    const stats = statsFromFiles(both)
    assert.equal(stats.cpuNs, 8055055n)
    assert.equal(stats.memoryBytes, 475136n)
    const noCpuacct: CgroupFileReader = (v, c, f) => (f === 'cpuacct.usage' ? undefined : both(v, c, f))
    assert.equal(statsFromFiles(noCpuacct).cpuNs, 4210512000n)
  })

  it('v1 Memory and KMem come together or not at all (lxc-info)', () => {
    const noKmem: CgroupFileReader = (v, c, f) => (f === 'memory.kmem.usage_in_bytes' ? undefined : reader('hybrid', 1)(v, c, f))
    const stats = statsFromFiles(noKmem)
    assert.equal(stats.memoryBytes, undefined)
    assert.equal(stats.kmemBytes, undefined)
  })

  it('a host with nothing: no figures', () => {
    assert.deepEqual(statsFromFiles(() => undefined), {})
  })

  it('file parsers', () => {
    assert.equal(parseBlkioTotal(readFileSync(`${FIXTURES}v1/blkio.throttle.io_service_bytes`, 'utf8')), 13107200n)
    assert.equal(parseBlkioTotal('Total 0\n'), 0n)
    assert.equal(parseBlkioTotal('8:0 Read 5\n'), undefined, 'LXC prints nothing unless the last line is Total')
    assert.equal(parseIoStat(''), 0n)
    assert.equal(parseIoStat('8:0 rbytes=10 wbytes=5 rios=1 wios=1 dbytes=7 dios=1\n'), 15n)
    assert.deepEqual(parseV2MemoryStat('anon 1\nfile 2\nslab 4\nsock 8\n'), {memoryBytes: 3n, kmemBytes: 12n})
    assert.equal(parseKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n').get('oom_kill'), 3n)
    assert.equal(parseLimit('max\n'), undefined)
    assert.equal(parseLimit('9223372036854771712\n'), undefined, 'v1 unlimited')
    assert.equal(parseLimit('67108864\n'), 67108864n)
  })

  it('the stats become lxc-info\'s lines, humanised and raw', () => {
    const stats = statsFromFiles(reader('hybrid', 1))
    const sel = {showState: false, showPid: false, showIps: false, showStats: true, raw: false, filterCount: 5, configKeys: []}
    const facts = {name: 'c', state: 'RUNNING' as const, running: true, ips: [], config: [], stats}
    assert.equal(formatInfo(facts, sel).stdout, [
      'CPU use:        0.01 seconds',
      'BlkIO use:      0 bytes',
      'Memory use:     464.00 KiB',
      'KMem use:       160.00 KiB',
      '',
    ].join('\n'))
    assert.equal(formatInfo(facts, {...sel, raw: true}).stdout, 'CPU use:        8055055\nBlkIO use:      0\nMemory use:     475136\nKMem use:       163840\n')
  })
})

describe('the run-dir cgroup record', () => {
  const text = [
    'dir\t1\tmemory\t/machines\t/sys/fs/cgroup/memory/machines',
    'limit\t1\tmemory\t/machines/c1\t/sys/fs/cgroup/memory/machines/c1',
    'limit\t1\tcpu,cpuacct\t/c1\t/sys/fs/cgroup/cpu,cpuacct/c1',
    'inner\t2\t-\t/c1/ns\t/sys/fs/cgroup/unified/c1/ns',
    'limit\t2\t-\t/c1\t/sys/fs/cgroup/unified/c1',
    'monitor\t2\t-\t/m1\t/sys/fs/cgroup/unified/with space/m1',
    'junk line',
    'limit\t3\t-\t/x\t/x',
    '',
  ].join('\n')

  it('parses the lines the monitor writes and skips junk', () => {
    const record = parseCgroupRecord(text)
    assert.equal(record.length, 6)
    assert.deepEqual(record[5], {role: 'monitor', version: 2, id: '', hierarchyPath: '/m1', dir: '/sys/fs/cgroup/unified/with space/m1'})
  })

  it('stats are read from the limit cgroup of the hierarchy holding the controller', () => {
    const record = parseCgroupRecord(text)
    assert.equal(statsDir(record, 1, 'memory'), '/sys/fs/cgroup/memory/machines/c1')
    assert.equal(statsDir(record, 1, 'cpuacct'), '/sys/fs/cgroup/cpu,cpuacct/c1')
    assert.equal(statsDir(record, 1, 'blkio'), undefined)
    assert.equal(statsDir(record, 2, 'memory'), '/sys/fs/cgroup/unified/c1')
  })
})

describe('ctr freeze / ctr unfreeze argv (lxc-freeze: -n and the common options)', () => {
  for (const [id, parse] of [['freeze', parseFreeze], ['unfreeze', parseUnfreeze]] as const) {
    it(`${id}: -n, -P, -q, --rcfile, --json, the operand name and $CTR_NAME`, () => {
      assert.deepEqual(parse(['-n', 'web', '-P', '/srv/lxc/', '-q', '--rcfile', 'f', '--json'], {}), {
        action: 'run',
        options: {name: 'web', lxcpath: '/srv/lxc', logfile: undefined, logpriority: undefined, quiet: true, rcfile: 'f', json: true},
      })
      const operand = parse(['web'], {})
      assert.equal(operand.action === 'run' && operand.options.name, 'web')
      const env = parse([], {CTR_NAME: 'db'})
      assert.equal(env.action === 'run' && env.options.name, 'db')
      assert.deepEqual(parse(['--help'], {}), {action: 'help', exitCode: 0})
    })

    it(`${id}: no name, a second name or an unknown option is a usage error (exit 1)`, () => {
      for (const argv of [[], ['-n', 'a', 'b'], ['-n', 'a', '-k']]) {
        assert.throws(() => parse(argv, {}), (e: unknown) => e instanceof UsageError && e.exitCode === 1, JSON.stringify(argv))
      }
    })
  }
})
