// The LXC seccomp policy compiler, checked by behaviour: every program is
// run through a classic BPF interpreter over struct seccomp_data (below),
// which also applies the kernel's load-time checks, and the test asserts the
// action a system call gets, never the bytes.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {readFileSync} from 'node:fs'

import {CtrError} from '../../src/core/errors.js'
import {X32 as X32_ABI, X86 as I386_ABI, X86_64 as X86_64_ABI} from '../../src/core/seccomp/arch.js'
import {compileSeccompPolicy} from '../../src/core/seccomp/index.js'
import {SYSCALLS_X86_64} from '../../src/core/seccomp/syscalls-x86_64.js'
import {precompiledSeccomp} from '../../src/sys/seccomp-precompiled.js'
import {packagePath} from '../../src/sys/package-files.js'

// ---------------------------------------------------------------------------
// A classic BPF interpreter for seccomp programs

const AUDIT_ARCH_X86_64 = 0xc000003e
const AUDIT_ARCH_I386 = 0x40000003
const X32 = 0x40000000

const RET = {
  KILL_THREAD: 0x00000000,
  KILL_PROCESS: 0x80000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const
const errno = (n: number): number => RET.ERRNO | n

interface Call {
  nr: number
  arch?: number
  args?: bigint[]
}

function insn(prog: Buffer, pc: number): {code: number; jt: number; jf: number; k: number} {
  return {code: prog.readUInt16LE(pc * 8), jt: prog.readUInt8(pc * 8 + 2), jf: prog.readUInt8(pc * 8 + 3), k: prog.readUInt32LE(pc * 8 + 4)}
}

/** The kernel's checks at load (bpf_check_classic, seccomp_check_filter), for what ctr emits. */
function verify(prog: Buffer): void {
  assert.equal(prog.length % 8, 0, 'whole instructions')
  const n = prog.length / 8
  assert.ok(n >= 1 && n <= 4096, `1 to 4096 instructions, got ${n}`)
  for (let pc = 0; pc < n; pc++) {
    const {code, jt, jf, k} = insn(prog, pc)
    switch (code) {
      case 0x20: // ld [k]: aligned, inside struct seccomp_data
        assert.ok(k % 4 === 0 && k < 64, `ld offset ${k} at ${pc}`)
        break
      case 0x54: // and #k
      case 0x06: // ret #k
        break
      case 0x05: // ja
        assert.ok(pc + 1 + k < n, `ja out of the program at ${pc}`)
        break
      case 0x15: // jeq, jgt, jge #k
      case 0x25:
      case 0x35:
        assert.ok(pc + 1 + jt < n && pc + 1 + jf < n, `jump out of the program at ${pc}`)
        break
      default:
        assert.fail(`unexpected opcode 0x${code.toString(16)} at ${pc}`)
    }
  }
  assert.equal(insn(prog, n - 1).code, 0x06, 'ends with ret')
}

/** Runs PROG on one system call; returns the SECCOMP_RET_* value. */
function run(prog: Buffer, call: Call): number {
  const data = Buffer.alloc(64)
  data.writeInt32LE(call.nr | 0, 0)
  data.writeUInt32LE((call.arch ?? AUDIT_ARCH_X86_64) >>> 0, 4)
  const args = call.args ?? []
  for (let i = 0; i < 6; i++) data.writeBigUInt64LE(BigInt.asUintN(64, args[i] ?? 0n), 16 + 8 * i)
  let a = 0
  let pc = 0
  for (let steps = 0; steps < 10_000; steps++) {
    const {code, jt, jf, k} = insn(prog, pc++)
    switch (code) {
      case 0x20:
        a = data.readUInt32LE(k)
        break
      case 0x54:
        a = (a & k) >>> 0
        break
      case 0x05:
        pc += k
        break
      case 0x15:
        pc += a === k ? jt : jf
        break
      case 0x25:
        pc += a > k ? jt : jf
        break
      case 0x35:
        pc += a >= k ? jt : jf
        break
      case 0x06:
        return k >>> 0
      default:
        throw new Error(`opcode 0x${code.toString(16)}`)
    }
  }
  throw new Error('no ret')
}

function compile(text: string): {prog: Buffer; warnings: string[]} {
  const {filter, warnings} = compileSeccompPolicy(text, '/etc/p.seccomp')
  verify(filter)
  return {prog: filter, warnings}
}

/** Compiles TEXT and returns a function giving the action for a call. */
function policy(text: string): (nr: number, arch?: number, ...args: bigint[]) => number {
  const {prog} = compile(text)
  return (nr, arch = AUDIT_ARCH_X86_64, ...args) => run(prog, {nr, arch, args})
}

function refused(text: string, message: RegExp): CtrError {
  try {
    compileSeccompPolicy(text, '/etc/p.seccomp')
  } catch (error) {
    assert.ok(error instanceof CtrError, `a CtrError, got ${String(error)}`)
    assert.equal(error.code, 'CTR_SECCOMP_POLICY')
    assert.match(error.message, message)
    assert.ok(error.hints.length > 0, 'with a hint')
    return error
  }
  assert.fail(`accepted:\n${text}`)
}

// A few system call numbers, per ABI.
const NR = {
  read: 0, write: 1, mkdir: 83, umount2: 166, unshare: 272, kexec_load: 246, getpid: 39, personality: 135, clone: 56, socket: 41,
  i386: {mkdir: 39, umount2: 52, unshare: 310, kexec_load: 283, getpid: 20, socketcall: 102, socket: 359, personality: 136},
  x32: {mkdir: X32 | 83, kexec_load: X32 | 528, getpid: X32 | 39, umount2: X32 | 166},
}

// LXC's config/templates/common.seccomp.
const COMMON = `2
denylist
reject_force_umount  # comment this to allow umount -f;  not recommended
[all]
kexec_load errno 1
open_by_handle_at errno 1
init_module errno 1
finit_module errno 1
delete_module errno 1
`

describe('seccomp: the policy LXC ships (common.seccomp)', () => {
  const act = policy(COMMON)
  it('denies the listed calls with EPERM on every x86 ABI and allows the rest', () => {
    assert.equal(act(NR.kexec_load), errno(1))
    assert.equal(act(NR.i386.kexec_load, AUDIT_ARCH_I386), errno(1))
    assert.equal(act(NR.x32.kexec_load), errno(1))
    assert.equal(act(313), errno(1), 'finit_module')
    assert.equal(act(NR.mkdir), RET.ALLOW)
    assert.equal(act(NR.i386.mkdir, AUDIT_ARCH_I386), RET.ALLOW)
    assert.equal(act(NR.x32.mkdir), RET.ALLOW)
  })
  it('reject_force_umount: umount2 with MNT_FORCE gets EACCES, without it is allowed', () => {
    assert.equal(act(NR.umount2, AUDIT_ARCH_X86_64, 0n, 1n), errno(13))
    assert.equal(act(NR.umount2, AUDIT_ARCH_X86_64, 0n, 3n), errno(13))
    assert.equal(act(NR.umount2, AUDIT_ARCH_X86_64, 0n, 2n), RET.ALLOW)
    assert.equal(act(NR.i386.umount2, AUDIT_ARCH_I386, 0n, 1n), errno(13))
    assert.equal(act(NR.x32.umount2, AUDIT_ARCH_X86_64, 0n, 1n), errno(13))
  })
  it('kills (SECCOMP_RET_KILL_THREAD, libseccomp\'s bad-arch action) any other arch', () => {
    assert.equal(act(NR.getpid, 0xc00000b7), RET.KILL_THREAD)
  })
})

describe('seccomp: ctr\'s default denylist (config/default.seccomp)', () => {
  const text = readFileSync(packagePath('config/default.seccomp'), 'utf8')
  const act = policy(text)
  // Every ABI that has the call: x86_64, i386 (int 0x80) and x32.
  const everyAbi = (name: string): Array<[number, number, string]> => {
    const abis: Array<[number | undefined, number, string]> = [
      [X86_64_ABI.resolve(name), AUDIT_ARCH_X86_64, 'x86_64'],
      [I386_ABI.resolve(name), AUDIT_ARCH_I386, 'i386'],
      [X32_ABI.resolve(name), AUDIT_ARCH_X86_64, 'x32'],
    ]
    return abis.filter((e): e is [number, number, string] => e[0] !== undefined)
  }

  it('compiles without warnings (LXC reads it the same way)', () => {
    assert.deepEqual(compile(text).warnings, [])
  })
  it('holds LXC\'s common.seccomp: kexec_load, open_by_handle_at and module loading get EPERM, umount -f EACCES', () => {
    for (const name of ['kexec_load', 'open_by_handle_at', 'init_module', 'finit_module', 'delete_module']) {
      const abis = everyAbi(name)
      assert.ok(abis.length >= 2, name)
      for (const [nr, arch, abi] of abis) assert.equal(act(nr, arch), errno(1), `${name} (${abi})`)
    }
    assert.equal(act(NR.umount2, AUDIT_ARCH_X86_64, 0n, 1n), errno(13))
    assert.equal(act(NR.umount2, AUDIT_ARCH_X86_64, 0n, 2n), RET.ALLOW)
  })
  it('adds kexec_file_load, bpf, perf_event_open and userfaultfd (EPERM) and the keyring calls (ENOSYS)', () => {
    for (const name of ['kexec_file_load', 'bpf', 'perf_event_open', 'userfaultfd']) {
      for (const [nr, arch, abi] of everyAbi(name)) assert.equal(act(nr, arch), errno(1), `${name} (${abi})`)
    }
    for (const name of ['keyctl', 'add_key', 'request_key']) {
      const abis = everyAbi(name)
      assert.equal(abis.length, 3, name)
      for (const [nr, arch, abi] of abis) assert.equal(act(nr, arch), errno(38), `${name} (${abi})`)
    }
  })
  it('leaves the rest to the capability drops: name_to_handle_at, mount, unshare and clone are allowed', () => {
    for (const name of ['name_to_handle_at', 'mount', 'unshare', 'clone', 'mkdir', 'ptrace', 'reboot']) {
      for (const [nr, arch, abi] of everyAbi(name)) assert.equal(act(nr, arch), RET.ALLOW, `${name} (${abi})`)
    }
  })
  it('the build stored the compiler\'s program for exactly this text (dist/seccomp/default.json)', () => {
    const stored = precompiledSeccomp(text)
    assert.ok(stored !== undefined, 'built by scripts/precompile-seccomp.mjs (npm run build)')
    assert.deepEqual(stored, compile(text).prog)
    assert.equal(precompiledSeccomp(`${text}# edited\n`), undefined, 'an edited copy is compiled as usual')
  })
})

describe('seccomp: version 1 (numbers, allowlist)', () => {
  const act = policy('1\nallowlist\n0\n1\n  39\n60 trailing text is ignored by sscanf\n')
  it('allows the listed numbers and kills everything else (SCMP_ACT_KILL: the thread)', () => {
    for (const nr of [0, 1, 39, 60]) assert.equal(act(nr), RET.ALLOW)
    assert.equal(act(NR.mkdir), RET.KILL_THREAD)
  })
  it('covers x86_64 only: i386 and x32 calls hit the bad-arch action; nr -1 (tracer skip) gets the default', () => {
    assert.equal(act(NR.i386.getpid, AUDIT_ARCH_I386), RET.KILL_THREAD)
    assert.equal(act(X32 | 0), RET.KILL_THREAD)
    assert.equal(act(-1), RET.KILL_THREAD)
  })
  it('accepts "whitelist" (LXC 4) with a warning that LXC 5 refuses it', () => {
    const {warnings} = compile('1\nwhitelist\n0\n')
    assert.match(warnings[0] ?? '', /^\/etc\/p\.seccomp:2: .*whitelist/)
  })
  for (const [text, message] of [
    ['1\nallowlist\n0\n\n1\n', /:4: Expected a system call number/],
    ['1\nallowlist\nread\n', /:3: Expected a system call number, found "read"/],
    ['1\nallowlist\n-5\n', /:3: Invalid system call number -5/],
    ['1\ndenylist\n0\n', /:2: Only allowlist/],
    ['1\nallowlist debug\n0\n', /:2: The debug directive/],
    ['3\nallowlist\n', /:1: Invalid version/],
    ['\n\n  x\n', /:3: Invalid version/],
    ['2\n', /:2: The policy type line .* is missing/],
  ] as const) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      refused(text, message)
    })
  }
})

describe('seccomp: version 2 default actions', () => {
  const cases: Array<[string, number, number]> = [
    // directive, a call without a rule, a rule without an action
    ['denylist', RET.ALLOW, RET.KILL_THREAD],
    ['blacklist', RET.ALLOW, RET.KILL_THREAD],
    ['allowlist', RET.KILL_THREAD, RET.ALLOW],
    ['whitelist', RET.KILL_THREAD, RET.ALLOW],
    ['denylist errno 38', errno(38), RET.KILL_THREAD],
    ['allowlist trap', RET.TRAP, RET.ALLOW],
    ['allowlist errno 1', errno(1), RET.ALLOW],
    ['allowlist kill', RET.KILL_THREAD, RET.ALLOW],
    ['denylist killer', RET.KILL_THREAD, RET.KILL_THREAD],
  ]
  for (const [directive, unlisted, listed] of cases) {
    it(`${directive}: unlisted ${unlisted.toString(16)}, listed ${listed.toString(16)}`, () => {
      if (unlisted === listed) {
        // A rule with the default action is refused (libseccomp's EACCES).
        refused(`2\n${directive}\nmkdir\n`, /:3: .*default action/)
        return
      }
      const act = policy(`2\n${directive}\nmkdir\n`)
      assert.equal(act(NR.getpid), unlisted)
      assert.equal(act(NR.mkdir), listed)
    })
  }
  it('refuses white space after the policy type (LXC reads the newline as an action)', () => {
    refused('2\ndenylist \nmkdir\n', /:2: White space after the policy type/)
    refused('2\ndenylist errno\n', /:2: Failed to parse the errno value/)
    refused('2\nallowlist please\n', /:2: Unrecognized seccomp action "please"/)
    refused('2\nmaybelist\n', /:2: Bad seccomp policy style "maybelist"/)
  })
  it('the version line may be followed by blank lines (fscanf "%d\\n")', () => {
    assert.equal(policy('2\n\n\ndenylist\nmkdir errno 2\n')(NR.mkdir), errno(2))
  })
})

describe('seccomp: rule actions', () => {
  const act = policy(`2
denylist
mkdir errno 17
unshare trap
personality kill
getpid trace 7
read log
write errno 65537
`)
  it('errno N, trap, kill (thread), allow, and ctr\'s trace N and log', () => {
    assert.equal(act(NR.mkdir), errno(17))
    assert.equal(act(NR.unshare), RET.TRAP)
    assert.equal(act(NR.personality), RET.KILL_THREAD)
    assert.equal(act(NR.getpid), RET.TRACE | 7)
    assert.equal(act(NR.read), RET.LOG)
  })
  it('matches action words by prefix, as LXC does (allow_me is allow)', () => {
    refused('2\ndenylist\nclone allow_me\n', /default action/)
  })
  it('keeps the low 16 bits of errno N (SCMP_ACT_ERRNO)', () => {
    assert.equal(act(NR.write), errno(1))
  })
  it('warns that trace and log are ctr extensions', () => {
    const {warnings} = compile('2\ndenylist\nread log\ngetpid trace 1\n')
    assert.equal(warnings.length, 2)
    assert.match(warnings[0] ?? '', /:3: "log" is a ctr extension/)
    assert.match(warnings[1] ?? '', /:4: "trace" is a ctr extension/)
  })
  it('refuses notify, naming file and line', () => {
    const error = refused('2\ndenylist\n# a comment\nmkdir notify\n', /^\/etc\/p\.seccomp:4: The notify action is not supported/)
    assert.match(error.hints.join('\n'), /lxc\.seccomp\.profile/)
    refused('2\nallowlist notify\n', /:2: The notify action/)
  })
})

describe('seccomp: lines, comments and sections', () => {
  it('# comments only in the first column; blank lines are skipped', () => {
    const act = policy('2\ndenylist\n# mkdir errno 1\n\nunshare errno 2 # why\n')
    assert.equal(act(NR.mkdir), RET.ALLOW)
    assert.equal(act(NR.unshare), errno(2))
  })
  it('[x86_64], [x86], [x32] and [all] rules reach every x86 ABI (LXC adds each rule to all three)', () => {
    for (const section of ['[x86_64]', '[x86]', '[X32]', '[all]', '[ALL]']) {
      const act = policy(`2\ndenylist\n${section}\nmkdir errno 1\n`)
      assert.equal(act(NR.mkdir), errno(1), section)
      assert.equal(act(NR.i386.mkdir, AUDIT_ARCH_I386), errno(1), section)
      assert.equal(act(NR.x32.mkdir), errno(1), section)
    }
  })
  it('skips the rules of other arches\' sections until the next x86 section', () => {
    const act = policy('2\ndenylist\n[arm64]\nmkdir errno 1\n[PPC64LE]\nread errno 1\n[all]\nunshare errno 3\n')
    assert.equal(act(NR.mkdir), RET.ALLOW)
    assert.equal(act(NR.read), RET.ALLOW)
    assert.equal(act(NR.unshare), errno(3))
  })
  it('refuses an unknown section', () => {
    refused('2\ndenylist\n[riscv64]\nmkdir\n', /:3: Unsupported architecture "\[riscv64\]"/)
    refused('2\ndenylist\n[all] # x\n', /:3: Unsupported architecture/)
  })
  it('skips unknown system calls with a warning, as LXC does', () => {
    const {prog, warnings} = compile('2\ndenylist\nno_such_call errno 1\nmkdir\tkill\nmkdir errno 2\n')
    assert.deepEqual(warnings.map((w) => w.replace(/:.*?: /, ': ')), [
      '/etc/p.seccomp: Unknown system call "no_such_call": rule skipped (LXC skips it too)',
      '/etc/p.seccomp: Unknown system call "mkdir\\tkill": rule skipped (LXC skips it too)',
    ])
    assert.equal(run(prog, {nr: NR.mkdir}), errno(2))
  })
  it('applies calls that only i386 has to i386 only (socketcall)', () => {
    const act = policy('2\ndenylist\nsocketcall errno 1\n')
    assert.equal(act(NR.i386.socketcall, AUDIT_ARCH_I386), errno(1))
    assert.equal(act(102), RET.ALLOW, 'x86_64 102 is getuid')
  })
  it('like LXC, socket calls do not reach i386 processes, and says so', () => {
    const {prog, warnings} = compile('2\ndenylist\nsocket errno 97\n')
    assert.equal(run(prog, {nr: NR.socket}), errno(97))
    assert.equal(run(prog, {nr: NR.i386.socket, arch: AUDIT_ARCH_I386}), RET.ALLOW)
    assert.match(warnings[0] ?? '', /:3: socket: .*32-bit x86.*socketcall/)
  })
  it('a rule line starting with a space has an empty name: skipped, with a warning', () => {
    const {prog, warnings} = compile('2\ndenylist\n kill\n')
    assert.equal(run(prog, {nr: NR.mkdir}), RET.ALLOW)
    assert.match(warnings[0] ?? '', /:3: The line starts with a space/)
  })
})

describe('seccomp: argument comparisons', () => {
  const OPS: Array<[string, (a: bigint, v: bigint) => boolean]> = [
    ['SCMP_CMP_EQ', (a, v) => a === v],
    ['==', (a, v) => a === v],
    ['SCMP_CMP_NE', (a, v) => a !== v],
    ['!=', (a, v) => a !== v],
    ['SCMP_CMP_LT', (a, v) => a < v],
    ['<', (a, v) => a < v],
    ['SCMP_CMP_LE', (a, v) => a <= v],
    ['<=', (a, v) => a <= v],
    ['SCMP_CMP_GT', (a, v) => a > v],
    ['>', (a, v) => a > v],
    ['SCMP_CMP_GE', (a, v) => a >= v],
    ['>=', (a, v) => a >= v],
  ]
  // Values around the 32-bit word boundary, where a split comparison goes wrong.
  const VALUES = [0n, 1n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn, 0x100000000n, 0x100000001n, 0x1ffffffffn, 0xffffffff00000000n, 0xffffffff00000001n, 0xfffffffffffffffen, 0xffffffffffffffffn]
  for (const [op, holds] of OPS) {
    it(`${op} compares all 64 bits on x86_64`, () => {
      for (const v of VALUES) {
        const act = policy(`2\ndenylist\nmkdir errno 1 [2,${v},${op}]\n`)
        for (const a of VALUES) {
          assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, 0n, 0n, a), holds(a, v) ? errno(1) : RET.ALLOW, `a2=${a.toString(16)} ${op} ${v.toString(16)}`)
        }
      }
    })
  }
  it('SCMP_CMP_MASKED_EQ: (arg & mask) == (value & mask), both words', () => {
    const act = policy('2\ndenylist\nunshare errno 1 [0,0x10000000,SCMP_CMP_MASKED_EQ,0x10000000]\nclone errno 2 [0,0x100000002,&=,0x1000000ff]\nmkdir errno 3 [1,0xff,&=,0x0f]\n')
    assert.equal(act(NR.unshare, AUDIT_ARCH_X86_64, 0x10000000n), errno(1))
    assert.equal(act(NR.unshare, AUDIT_ARCH_X86_64, 0x30020000n), errno(1))
    assert.equal(act(NR.unshare, AUDIT_ARCH_X86_64, 0x20000000n), RET.ALLOW)
    assert.equal(act(NR.clone, AUDIT_ARCH_X86_64, 0x100000f02n), errno(2))
    assert.equal(act(NR.clone, AUDIT_ARCH_X86_64, 0x000000f02n), RET.ALLOW, 'high word differs')
    assert.equal(act(NR.clone, AUDIT_ARCH_X86_64, 0x100000f03n), RET.ALLOW, 'low word differs')
    // Value bits outside the mask are dropped (libseccomp masks the datum).
    assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, 0n, 0x0fn), errno(3))
    assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, 0n, 0xffn), errno(3))
    assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, 0n, 0x0en), RET.ALLOW)
  })
  it('several comparisons in one rule must all hold; the order written does not matter', () => {
    const act = policy('2\ndenylist\nmkdir errno 1 [1,0x1ff,<=] [0,5,==]\n')
    assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, 5n, 0x1ffn), errno(1))
    assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, 5n, 0x200n), RET.ALLOW)
    assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, 4n, 0n), RET.ALLOW)
  })
  it('compares only the low word on the 32-bit ABIs (i386, x32), as libseccomp does', () => {
    const act = policy('2\ndenylist\nmkdir errno 1 [0,0x100000005,==]\nunshare errno 2 [0,0x100000000,>=]\n')
    assert.equal(act(NR.i386.mkdir, AUDIT_ARCH_I386, 5n), errno(1))
    assert.equal(act(NR.x32.mkdir, AUDIT_ARCH_X86_64, 0xffffffff00000005n), errno(1))
    assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, 5n), RET.ALLOW)
    assert.equal(act(NR.i386.unshare, AUDIT_ARCH_I386, 0n), errno(2))
  })
  it('accepts decimal, hex and octal values and index', () => {
    const act = policy('2\ndenylist\nmkdir errno 1 [0x1, 010,==]\n')
    assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, 0n, 8n), errno(1))
  })
  it('random single rules agree with a direct evaluation of the comparisons', () => {
    let seed = 42
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const ops = OPS.filter((_, i) => i % 2 === 0)
    for (let round = 0; round < 40; round++) {
      const conds = [0, 1, 2].filter(() => rand(2) === 0).map((index) => ({index, op: ops[rand(ops.length)] as (typeof ops)[number], v: VALUES[rand(VALUES.length)] as bigint}))
      if (conds.length === 0) continue
      const act = policy(`2\nallowlist errno 9\nmkdir errno 3 ${conds.map((c) => `[${c.index},${c.v},${c.op[0]}]`).join(' ')}\n`)
      for (let t = 0; t < 60; t++) {
        const args = [0, 1, 2].map(() => VALUES[rand(VALUES.length)] as bigint)
        const expected = conds.every((c) => c.op[1](args[c.index] as bigint, c.v)) ? errno(3) : errno(9)
        assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, ...args), expected, `${JSON.stringify(conds, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString(16) : x))} on ${args.map((a) => a.toString(16))}`)
      }
    }
  })
  for (const [text, message] of [
    ['mkdir [0,1,==]', /Unrecognized seccomp action "\[0,1,==\]".*/],
    ['mkdir errno 1 [0,1,==] # no comments here', /Failed to interpret the argument " # no comments here"/],
    ['mkdir errno 1 [6,1,==]', /argument index 6/],
    ['mkdir errno 1 [-1,1,==]', /argument index 4294967295/],
    ['mkdir errno 1 [0,-1,==]', /invalid value "-1"/],
    ['mkdir errno 1 [0,1, ==]', /unknown operator " =="/],
    ['mkdir errno 1 [0,1,=]', /unknown operator "="/],
    ['mkdir errno 1 [0,1]', /expected \[index,value,op\]/],
    ['mkdir errno 1 [0,18446744073709551616,==]', /invalid value/],
    ['mkdir errno 1 [0,1,&=,0x1g]', /invalid mask/],
    ['mkdir errno', /Failed to parse the errno value/],
  ] as const) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      const error = refused(`2\ndenylist\n${text}\n`, message)
      assert.match(error.message, /^\/etc\/p\.seccomp:3: /)
    })
  }
})

describe('seccomp: several rules for one system call (libseccomp)', () => {
  it('the first rule without arguments wins over later rules', () => {
    const act = policy('2\ndenylist\nmkdir errno 1\nmkdir errno 2\nmkdir errno 3 [0,0,==]\n')
    assert.equal(act(NR.mkdir), errno(1))
  })
  it('a rule without arguments replaces earlier argument rules', () => {
    const act = policy('2\ndenylist\nmkdir errno 1 [0,0,==]\nmkdir errno 2\n')
    assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, 0n), errno(2))
    assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, 1n), errno(2))
  })
  it('argument rules add up (OR)', () => {
    const act = policy('2\ndenylist\npersonality errno 1 [0,8,==]\npersonality errno 2 [0,0xffffffff,==]\n')
    assert.equal(act(NR.personality, AUDIT_ARCH_X86_64, 8n), errno(1))
    assert.equal(act(NR.personality, AUDIT_ARCH_X86_64, 0xffffffffn), errno(2))
    assert.equal(act(NR.personality, AUDIT_ARCH_X86_64, 0n), RET.ALLOW)
  })
  it('overlapping 64-bit GT rules: above both thresholds the larger one\'s action wins, whatever the order', () => {
    const act = policy('2\ndenylist\nmkdir errno 1 [0,0x100000005,>]\nmkdir errno 2 [0,0x100000009,>]\nunshare errno 1 [0,0x100000009,>]\nunshare errno 2 [0,0x100000005,>]\n')
    const expect: Array<[bigint, number, number]> = [
      [0x200000000n, errno(2), errno(1)],
      [0x10000000an, errno(2), errno(1)],
      [0x100000007n, errno(1), errno(2)],
      [0x100000005n, RET.ALLOW, RET.ALLOW],
    ]
    for (const [a0, mkdir, unshare] of expect) {
      assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, a0), mkdir, `mkdir ${a0.toString(16)}`)
      assert.equal(act(NR.unshare, AUDIT_ARCH_X86_64, a0), unshare, `unshare ${a0.toString(16)}`)
    }
  })
  it('overlapping 64-bit LT/LE rules: below both high words the first rule\'s action wins', () => {
    const act = policy('2\ndenylist\nmkdir errno 1 [0,0x100000005,<]\nmkdir errno 2 [0,0x100000009,<]\nunshare errno 1 [0,0x100000009,<=]\nunshare errno 2 [0,0x100000005,<=]\n')
    const expect: Array<[bigint, number, number]> = [
      [0n, errno(1), errno(1)],
      [0x100000004n, errno(1), errno(2)],
      [0x100000006n, errno(2), errno(1)],
      [0x10000000an, RET.ALLOW, RET.ALLOW],
    ]
    for (const [a0, mkdir, unshare] of expect) {
      assert.equal(act(NR.mkdir, AUDIT_ARCH_X86_64, a0), mkdir, `mkdir ${a0.toString(16)}`)
      assert.equal(act(NR.unshare, AUDIT_ARCH_X86_64, a0), unshare, `unshare ${a0.toString(16)}`)
    }
  })
  it('refuses a rule with the default action, an argument compared twice, and conflicting actions', () => {
    refused('2\ndenylist\nmkdir allow\n', /:3: The rule for mkdir \(x86_64\) has the policy's default action/)
    refused('2\ndenylist errno 13\nreject_force_umount\n', /:3: The rule for umount2 .*default action/)
    refused('2\ndenylist\nmkdir errno 1 [0,1,==] [0,2,==]\n', /:3: .*compares the same argument twice/)
    refused('2\ndenylist\nmkdir errno 1 [0,1,==]\nmkdir errno 2 [0,1,==]\n', /:4: .*conflicts with an earlier rule/)
  })

  // LXC's parse_config_v2 (lxc e7b855a5) with libseccomp 2.5.4 compiled this
  // policy; this is its seccomp_export_pfc() output, i.e. the rule tree
  // libseccomp built. The program ctr generates must decide as that tree.
  const MERGED = `2
denylist
unshare errno 1 [0,0x10000000,SCMP_CMP_MASKED_EQ,0x10000000]
unshare errno 2 [0,0x20000000,SCMP_CMP_MASKED_EQ,0x20000000]
clone errno 3 [0,0x7e020000,&=,0x7e020000]
personality errno 4 [0,0xffffffff,!=] [1,3,>]
personality errno 4 [0,8,==]
mkdir errno 5 [1,0x1ff,<=]
mkdir errno 6
`
  const LIBSECCOMP_PFC = `
if ($arch == 3221225534)
  if ($syscall == 83)
    action ERRNO(6);
  if ($syscall == 56)
    if ($a0.hi32 & 0x00000000 == 0)
      if ($a0.lo32 & 0x7e020000 == 2114060288)
        action ERRNO(3);
  if ($syscall == 272)
    if ($a0.hi32 & 0x00000000 == 0)
      if ($a0.lo32 & 0x20000000 == 536870912)
        action ERRNO(2);
      if ($a0.lo32 & 0x10000000 == 268435456)
        action ERRNO(1);
  if ($syscall == 135)
    if ($a0.hi32 == 0)
      if ($a0.lo32 == 4294967295)
      else
        if ($a1.hi32 > 0)
          action ERRNO(4);
        else
          if ($a1.hi32 == 0)
            if ($a1.lo32 > 3)
              action ERRNO(4);
      if ($a0.lo32 == 8)
        action ERRNO(4);
    else
      if ($a1.hi32 > 0)
        action ERRNO(4);
      else
        if ($a1.hi32 == 0)
          if ($a1.lo32 > 3)
            action ERRNO(4);
  action ALLOW;
if ($arch == 1073741827)
  if ($syscall == 39)
    action ERRNO(6);
  if ($syscall == 120)
    if ($a0 & 0x7e020000 == 2114060288)
      action ERRNO(3);
  if ($syscall == 310)
    if ($a0 & 0x20000000 == 536870912)
      action ERRNO(2);
    if ($a0 & 0x10000000 == 268435456)
      action ERRNO(1);
  if ($syscall == 136)
    if ($a0 == 4294967295)
    else
      if ($a1 > 3)
        action ERRNO(4);
    if ($a0 == 8)
      action ERRNO(4);
  action ALLOW;
action KILL;
`
  it('merges argument rules into the same decision tree as libseccomp (its pseudo filter code)', () => {
    const {prog} = compile(MERGED)
    const tree = parsePfc(LIBSECCOMP_PFC)
    const values = [0n, 3n, 4n, 8n, 0x1ffn, 0x200n, 0x10000000n, 0x20000000n, 0x30000000n, 0x7e020000n, 0xffffffffn, 0x100000000n, 0x100000008n, 0xffffffffffffffffn]
    let checked = 0
    for (const [arch, nrs] of [[AUDIT_ARCH_X86_64, [83, 56, 272, 135, 39]], [AUDIT_ARCH_I386, [39, 120, 310, 136, 20]]] as const) {
      for (const nr of nrs) {
        for (const a0 of values) {
          for (const a1 of values) {
            const call = {nr, arch, args: [a0, a1]}
            assert.equal(run(prog, call), evalPfc(tree, call), JSON.stringify(call, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString(16) : x)))
            checked++
          }
        }
      }
    }
    assert.equal(checked, 1960)
    // The case this pins: both flags set, the higher mask's rule decides.
    assert.equal(run(prog, {nr: NR.unshare, args: [0x30000000n]}), errno(2))
  })
})

describe('seccomp: program size and jump range', () => {
  it('a rule for every x86_64 system call: each gets its own errno (jumps past 255 instructions)', () => {
    const lines = SYSCALLS_X86_64.map(([name, nr]) => `${name} errno ${(nr % 4000) + 1}`)
    const {prog} = compile(`2\ndenylist\n${lines.join('\n')}\n`)
    assert.ok(prog.length / 8 > 256)
    for (const [, nr] of SYSCALLS_X86_64) assert.equal(run(prog, {nr}), errno((nr % 4000) + 1))
    assert.equal(run(prog, {nr: 1000}), RET.ALLOW)
  })
  it('long decision trees behind a long dispatch still work (trampolines)', () => {
    const rules = SYSCALLS_X86_64.slice(0, 120).map(([name], i) => `${name} errno ${i + 1} [0,${i},>] [1,${i * 3},<=]`)
    const {prog} = compile(`2\ndenylist\n${rules.join('\n')}\n`)
    SYSCALLS_X86_64.slice(0, 120).forEach(([, nr], i) => {
      assert.equal(run(prog, {nr, args: [BigInt(i + 1), BigInt(i * 3)]}), errno(i + 1))
      assert.equal(run(prog, {nr, args: [BigInt(i), 0n]}), RET.ALLOW)
      assert.equal(run(prog, {nr, args: [BigInt(i + 1), BigInt(i * 3 + 1)]}), RET.ALLOW)
    })
  })
  it('refuses a policy whose program exceeds 4096 instructions', () => {
    const rules = SYSCALLS_X86_64.flatMap(([name, nr]) => [1, 2, 3, 4].map((k) => `${name} errno ${k} [${k},${k * 1000 + nr},>=] [0,${k},!=]`))
    const error = refused(`2\ndenylist\n${rules.join('\n')}\n`, /^\/etc\/p\.seccomp: the policy compiles to \d+ BPF instructions; the kernel accepts 4096/)
    assert.ok(error instanceof CtrError)
  })
})

// ---------------------------------------------------------------------------
// libseccomp's pseudo filter code: nested if/else, `action X;` ends the
// evaluation; a branch that reaches no action continues after its `if`.

type Pfc = Array<{cond: string; then: Pfc; else?: Pfc} | {action: number}>

function parsePfc(text: string): Pfc {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  let i = 0
  const block = (indent: number): Pfc => {
    const out: Pfc = []
    while (i < lines.length) {
      const line = lines[i] as string
      const depth = (line.length - line.trimStart().length) / 2
      if (depth < indent) break
      i++
      const t = line.trim()
      if (t === 'else') {
        const last = out.at(-1)
        if (!last || !('cond' in last)) throw new Error('else without if')
        last.else = block(indent + 1)
      } else if (t.startsWith('if (')) {
        out.push({cond: t.slice(4, -1), then: block(indent + 1)})
      } else {
        const m = /^action (\w+)(?:\((\d+)\))?;$/.exec(t)
        if (!m) throw new Error(`pfc: ${t}`)
        const n = Number(m[2] ?? 0)
        out.push({action: m[1] === 'ERRNO' ? errno(n) : m[1] === 'ALLOW' ? RET.ALLOW : RET.KILL_THREAD})
      }
    }
    return out
  }
  return block(0)
}

function evalPfc(pfc: Pfc, call: Required<Call>): number {
  const test = (cond: string): boolean => {
    let m = /^\$(arch|syscall) == (\d+)$/.exec(cond)
    if (m) return (m[1] === 'arch' ? call.arch : call.nr) >>> 0 === Number(m[2])
    m = /^\$a(\d)(\.hi32|\.lo32)?(?: & 0x([0-9a-f]+))? (==|>=|>) (\d+)$/.exec(cond)
    if (!m) throw new Error(`pfc: ${cond}`)
    const arg = call.args[Number(m[1])] ?? 0n
    let word = Number(m[2] === '.hi32' ? (arg >> 32n) & 0xffffffffn : arg & 0xffffffffn)
    if (m[3] !== undefined) word = (word & Number.parseInt(m[3], 16)) >>> 0
    const k = Number(m[5])
    return m[4] === '==' ? word === k : m[4] === '>=' ? word >= k : word > k
  }
  const exec = (stmts: Pfc): number | undefined => {
    for (const s of stmts) {
      if ('action' in s) return s.action
      const r = test(s.cond) ? exec(s.then) : s.else ? exec(s.else) : undefined
      if (r !== undefined) return r
    }
    return undefined
  }
  const result = exec(pfc)
  if (result === undefined) throw new Error('pfc: no action')
  return result
}
