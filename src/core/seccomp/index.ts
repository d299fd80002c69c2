// LXC seccomp policies (lxc.seccomp.profile) compiled into the classic BPF
// program the monitor loads with seccomp(SECCOMP_SET_MODE_FILTER), doing
// what LXC and libseccomp do with the same policy on an x86_64 host, without
// linking libseccomp.
//
// Architectures. seccomp_data.arch is always checked. Like LXC on x86_64:
// - version 2 policies cover three ABIs, each with the policy's default
//   action: x86_64, 32-bit x86 (AUDIT_ARCH_I386, the i386 table) and x32
//   (AUDIT_ARCH_X86_64 with X32_SYSCALL_BIT in the number, the x32 table).
//   Every rule goes to each ABI whose table has the name, whatever section
//   ([x86_64], [x86], [x32], [all]) it sits in, as LXC adds it; sections of
//   other arches are skipped. So a denylist cannot be bypassed by making the
//   same call through int 0x80 or the x32 ABI. One hole is LXC's own: on
//   i386, libseccomp resolves the socket and SysV IPC calls to multiplexer
//   pseudo numbers and LXC skips them, so such rules do not reach 32-bit
//   processes (a warning says so; deny socketcall and ipc to close it).
// - version 1 policies (numbers) cover x86_64 only: any other arch, and x32
//   numbers, get the bad-arch action.
// - Anything else (there is nothing else on x86_64) gets the bad-arch action,
//   SECCOMP_RET_KILL_THREAD (libseccomp's default).
//
// Actions: kill is SCMP_ACT_KILL, which is SECCOMP_RET_KILL_THREAD (as in
// LXC, not KILL_PROCESS); errno N is SECCOMP_RET_ERRNO | (N & 0xffff) (the
// kernel caps it at 4095); trap, allow; trace N and log are ctr extensions
// (LXC refuses them); notify is refused (no supervisor in ctr).
//
// Several rules for one system call combine as libseccomp combines them
// (db.ts), including its refusals: a rule whose action is the default one
// (EACCES), an argument compared twice in one rule, and conflicting actions.

import {CtrError} from '../errors.js'
import {X32, X86, X86_64, isI386Multiplexed, isKnownSyscall, type ArchDef} from './arch.js'
import {generateProgram, MAX_INSNS, ProgramTooLarge} from './bpf.js'
import {CMP, EACCES, EEXIST, EINVAL, addRule, newFilter, type ArchFilter, type ArgCmp} from './db.js'
import {ACT, PolicyError, parsePolicy, policyError} from './parse.js'


export interface CompiledSeccomp {
  /** struct sock_filter[], 8 bytes per instruction, little-endian. */
  filter: Buffer
  /** `file:line: message` for rules LXC skips and ctr extensions. */
  warnings: string[]
}

const MNT_FORCE = 1n

/**
 * Compiles an LXC seccomp policy (version 1 or 2; FILE names it in
 * messages) into a BPF program for this x86_64 host. Returns the program
 * and warnings for lines LXC would skip (unknown system calls, for one).
 * Throws CtrError CTR_SECCOMP_POLICY, `FILE:LINE: message` with hints, for
 * a policy LXC refuses, one using notify, or one whose program would exceed
 * 4096 instructions. Pure.
 */
export function compileSeccompPolicy(text: string, file: string): CompiledSeccomp {
  try {
    return compile(text, file)
  } catch (error) {
    if (error instanceof PolicyError) throw policyError(file, error)
    if (error instanceof ProgramTooLarge) {
      throw new CtrError('CTR_SECCOMP_POLICY', `${file}: the policy compiles to ${error.length} BPF instructions; the kernel accepts ${MAX_INSNS}`, {
        hints: ['Split argument rules less finely, or use fewer rules'],
      })
    }
    throw error
  }
}

function compile(text: string, file: string): CompiledSeccomp {
  const policy = parsePolicy(text)
  const warnings = policy.warnings.map((w) => ({...w}))
  const x86_64 = newFilter(X86_64)
  if (policy.version === 1) {
    for (const {line, nr} of policy.numbers) check(addRule(x86_64, policy.defaultAction, ACT.ALLOW, nr, []), line, 'this system call')
    return {filter: generateProgram([{auditArch: X86_64.auditArch, filters: [x86_64]}], policy.defaultAction, ACT.KILL_THREAD), warnings: format(file, warnings)}
  }
  const x86 = newFilter(X86)
  const x32 = newFilter(X32)
  for (const rule of policy.rules) {
    if (rule.name.startsWith('reject_force_umount')) {
      // umount2(target, flags & MNT_FORCE) fails with EACCES; the line's own
      // action and arguments are parsed, then ignored (LXC).
      const force: ArgCmp[] = [{index: 1, op: CMP.MASKED_EQ, mask: MNT_FORCE, value: MNT_FORCE}]
      for (const f of [x86_64, x86, x32]) addResolved(f, 'umount2', ACT.ERRNO | EACCES, force, policy.defaultAction, rule.line)
      continue
    }
    if (!isKnownSyscall(rule.name)) {
      warnings.push({line: rule.line, message: `Unknown system call ${JSON.stringify(rule.name)}: rule skipped (LXC skips it too)`})
      continue
    }
    if (isI386Multiplexed(rule.name)) {
      warnings.push({line: rule.line, message: `${rule.name}: like LXC, the rule does not reach 32-bit x86 processes (libseccomp multiplexes it there); a rule for socketcall or ipc covers them`})
    }
    for (const f of [x86_64, x86, x32]) addResolved(f, rule.name, rule.action, rule.args, policy.defaultAction, rule.line)
  }
  const blocks = [
    {auditArch: X86_64.auditArch, filters: [x86_64, x32]},
    {auditArch: X86.auditArch, filters: [x86]},
  ]
  return {filter: generateProgram(blocks, policy.defaultAction, ACT.KILL_THREAD), warnings: format(file, warnings)}
}

// LXC's do_resolve_add_rule for one ABI: nothing when the ABI lacks the call.
function addResolved(filter: ArchFilter, name: string, action: number, args: ArgCmp[], defaultAction: number, line: number): void {
  const nr = filter.arch.resolve(name)
  if (nr === undefined) return
  check(addRule(filter, defaultAction, action, nr, args), line, `${name} (${describe(filter.arch)})`)
}

function describe(arch: ArchDef): string {
  return arch.name === 'x86' ? '32-bit x86' : arch.name
}

function check(rc: number, line: number, what: string): void {
  if (rc === 0) return
  if (rc === -EACCES) {
    throw new PolicyError(line, `The rule for ${what} has the policy's default action, which libseccomp refuses`, ['Remove the rule, or give it another action'])
  }
  if (rc === -EINVAL) {
    throw new PolicyError(line, `The rule for ${what} compares the same argument twice, which libseccomp refuses`, ['Write one comparison per argument index (two rules make an OR)'])
  }
  if (rc === -EEXIST) {
    throw new PolicyError(line, `The rule for ${what} conflicts with an earlier rule: the same comparison with another action`, ['libseccomp refuses two actions for one comparison; keep one of the rules'])
  }
  throw new PolicyError(line, `libseccomp would refuse the rule for ${what} (error ${-rc})`)
}

function format(file: string, warnings: Array<{line: number; message: string}>): string[] {
  return warnings.map((w) => `${file}:${w.line}: ${w.message}`)
}
