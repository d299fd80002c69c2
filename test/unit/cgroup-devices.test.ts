import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {accessMask, buildDeviceList, devicesProgram, encodeInsns, parseDeviceRule, DeviceRuleError, type DeviceList, type DeviceRule, type Insn} from '../../src/core/cgroup/devices.js'

const allow = (v: string): DeviceRule => parseDeviceRule(v, true)
const deny = (v: string): DeviceRule => parseDeviceRule(v, false)

interface Request {
  type: 'b' | 'c'
  major: number
  minor: number
  access: string
}

/**
 * Runs a device program the way the kernel would on a request (only the
 * instructions devicesProgram emits): struct bpf_cgroup_dev_ctx in r1.
 */
function run(prog: readonly Insn[], req: Request): number {
  const ctx = [((accessMask(req.access) << 16) | (req.type === 'b' ? 1 : 2)) >>> 0, req.major, req.minor]
  const r = new Array<number>(11).fill(0)
  for (let pc = 0, steps = 0; pc < prog.length && steps < 100_000; pc++, steps++) {
    const x = prog[pc] as Insn
    switch (x.code) {
      case 0x61: assert.equal(x.src, 1, 'loads only from the context'); r[x.dst] = ctx[x.off / 4] as number; break
      case 0x54: r[x.dst] = ((r[x.dst] as number) & x.imm) >>> 0; break
      case 0x74: r[x.dst] = (r[x.dst] as number) >>> x.imm; break
      case 0xbc: r[x.dst] = (r[x.src] as number) >>> 0; break
      case 0xb7: r[x.dst] = x.imm; break
      case 0x55: if (r[x.dst] !== x.imm) pc += x.off; break
      case 0x5d: if (r[x.dst] !== r[x.src]) pc += x.off; break
      case 0x95: return r[0] as number
      default: assert.fail(`unexpected opcode 0x${x.code.toString(16)}`)
    }
  }
  return assert.fail('the program ran off its end')
}

// The meaning LXC gives a list: the newest matching rule decides, else the default.
function reference(list: DeviceList, req: Request): number {
  for (const rule of list.rules) {
    const typeOk = rule.type === 'a' || rule.type === req.type
    const numsOk = (rule.major < 0 || rule.major === req.major) && (rule.minor < 0 || rule.minor === req.minor)
    const accessOk = (accessMask(req.access) & ~accessMask(rule.access)) === 0
    if (typeOk && numsOk && accessOk) return rule.allow ? 1 : 0
  }
  return list.defaultAllow ? 1 : 0
}

// /usr/share/lxc/config/common.conf's cgroup2 device rules, in order.
const COMMON = [
  deny('a'), allow('c *:* m'), allow('b *:* m'), allow('c 1:3 rwm'), allow('c 1:5 rwm'), allow('c 1:7 rwm'), allow('c 5:0 rwm'),
  allow('c 5:1 rwm'), allow('c 5:2 rwm'), allow('c 1:8 rwm'), allow('c 1:9 rwm'), allow('c 136:* rwm'), allow('c 10:229 rwm'),
]

describe('device rules: LXC\'s device_cgroup_rule_parse', () => {
  it('parses a, TYPE MAJOR:MINOR ACCESS and *', () => {
    assert.deepEqual(allow('a'), {allow: true, type: 'a', major: -1, minor: -1, access: ''})
    assert.deepEqual(deny('c 1:3 rwm'), {allow: false, type: 'c', major: 1, minor: 3, access: 'rwm'})
    assert.deepEqual(allow('b *:* m'), {allow: true, type: 'b', major: -1, minor: -1, access: 'm'})
    assert.deepEqual(allow('c 136:* rw'), {allow: true, type: 'c', major: 136, minor: -1, access: 'rw'})
    assert.deepEqual(allow('a *:* rwm'), {allow: true, type: 'a', major: -1, minor: -1, access: 'rwm'})
    assert.deepEqual(allow('c\t1:3\tr'), {allow: true, type: 'c', major: 1, minor: 3, access: 'r'})
    // As in LXC: the access is an empty string after the blank, text after three letters is ignored.
    assert.deepEqual(allow('c 1:3 '), {allow: true, type: 'c', major: 1, minor: 3, access: ''})
    assert.deepEqual(allow('c 1:3 rwm # null'), {allow: true, type: 'c', major: 1, minor: 3, access: 'rwm'})
  })
  for (const bad of ['x 1:3 rwm', 'c1:3 rwm', 'c  1:3 rwm', 'c 1 rwm', 'c 1:3', 'c 1:3rwm', 'c -1:3 rwm', 'c 1:3 rx', 'c a:3 rwm', 'c 1:99999999999 rwm', '', 'all']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => allow(bad), DeviceRuleError)
    })
  }
})

describe('device lists: LXC\'s bpf_list_add_device', () => {
  it('common.conf: deny everything but the allowed nodes', () => {
    const list = buildDeviceList(COMMON)
    assert.equal(list.defaultAllow, false)
    assert.equal(list.rules.length, 12)
    assert.deepEqual(list.rules[0], allow('c 10:229 rwm'), 'newest first')
  })
  it('a resets: rules before it are dropped', () => {
    assert.deepEqual(buildDeviceList([allow('c 1:3 rwm'), deny('a')]), {defaultAllow: false, rules: []})
    assert.deepEqual(buildDeviceList([deny('a'), allow('c 1:3 rwm'), allow('a'), deny('b 8:* rwm')]), {defaultAllow: true, rules: [deny('b 8:* rwm')]})
  })
  it('rules of the default\'s own kind change nothing', () => {
    assert.deepEqual(buildDeviceList([deny('c 1:3 rwm')]), {defaultAllow: false, rules: []})
    assert.deepEqual(buildDeviceList([allow('a'), allow('c 1:3 rwm')]), {defaultAllow: true, rules: []})
  })
  it('a later rule with the same type, numbers and access replaces the earlier one', () => {
    assert.deepEqual(buildDeviceList([allow('c 1:3 rwm'), deny('c 1:3 rwm')]).rules, [])
    assert.deepEqual(buildDeviceList([allow('c 1:3 rwm'), deny('c 1:3 rwm'), allow('c 1:3 rwm')]).rules, [allow('c 1:3 rwm')])
    // Another access string is another rule: deny "c 1:3 rw" does not take back "c 1:3 rwm".
    assert.deepEqual(buildDeviceList([allow('c 1:3 rwm'), deny('c 1:3 rw')]).rules, [allow('c 1:3 rwm')])
  })
})

describe('device programs: LXC\'s bpf_program_* instructions', () => {
  it('encodes struct bpf_insn exactly (preamble, one rule, the default)', () => {
    const bytes = encodeInsns(devicesProgram(buildDeviceList([deny('a'), allow('c 1:3 rw')])))
    assert.equal(bytes.toString('hex'), [
      '6112000000000000', '54020000ffff0000', '6113000000000000', '7403000010000000', '6114040000000000', '6115080000000000',
      'bc31000000000000', '5401000006000000', '5d31050000000000', '5502040002000000', '5504030001000000', '5505020003000000',
      'b700000001000000', '9500000000000000',
      'b700000000000000', '9500000000000000',
    ].join(''))
  })
  it('common.conf: /dev/null and ptys are usable, disks and others are not', () => {
    const prog = devicesProgram(buildDeviceList(COMMON))
    assert.equal(run(prog, {type: 'c', major: 1, minor: 3, access: 'rw'}), 1)
    assert.equal(run(prog, {type: 'c', major: 136, minor: 7, access: 'rw'}), 1)
    assert.equal(run(prog, {type: 'b', major: 8, minor: 0, access: 'm'}), 1, 'mknod of any node is allowed')
    assert.equal(run(prog, {type: 'b', major: 8, minor: 0, access: 'r'}), 0)
    assert.equal(run(prog, {type: 'c', major: 1, minor: 1, access: 'r'}), 0, '/dev/mem')
    assert.equal(run(prog, {type: 'c', major: 10, minor: 229, access: 'rwm'}), 1)
  })
  it('deny a alone denies every device (LXC attaches no program then)', () => {
    const prog = devicesProgram(buildDeviceList([deny('a')]))
    assert.equal(run(prog, {type: 'c', major: 1, minor: 3, access: 'r'}), 0)
  })
  it('agrees with the list\'s meaning on random lists and requests', () => {
    let seed = 12345
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const accesses = ['r', 'w', 'm', 'rw', 'wr', 'rm', 'rwm', 'mw', '']
    for (let round = 0; round < 300; round++) {
      const rules: DeviceRule[] = []
      for (let i = rand(12); i > 0; i--) {
        if (rand(8) === 0) rules.push(rand(2) ? allow('a') : deny('a'))
        else {
          const num = (): string => (rand(3) === 0 ? '*' : String(rand(4)))
          rules.push(parseDeviceRule(`${'abc'[rand(3)]} ${num()}:${num()} ${accesses[rand(accesses.length)]}`, rand(2) === 0))
        }
      }
      const list = buildDeviceList(rules)
      const prog = devicesProgram(list)
      for (let q = 0; q < 40; q++) {
        const req: Request = {type: rand(2) ? 'b' : 'c', major: rand(4), minor: rand(4), access: ['r', 'w', 'm', 'rw', 'rwm', 'wm'][rand(6)] as string}
        assert.equal(run(prog, req), reference(list, req), `${JSON.stringify(rules)} on ${JSON.stringify(req)}`)
      }
    }
  })
})
