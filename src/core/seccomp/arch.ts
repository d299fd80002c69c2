// The three ABIs an x86_64 kernel runs and the filter must cover, as
// libseccomp defines them (src/arch-x86_64.c, arch-x86.c, arch-x32.c):
// which audit token seccomp_data.arch carries, how wide the arguments are
// compared, and how a system call name resolves to a number.

import {SYSCALLS_I386} from './syscalls-i386.js'
import {SYSCALLS_X32} from './syscalls-x32.js'
import {SYSCALLS_X86_64} from './syscalls-x86_64.js'

export type ArchName = 'x86_64' | 'x86' | 'x32'

/** AUDIT_ARCH_* values (linux/audit.h): EM_* | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
export const AUDIT_ARCH_X86_64 = 0xc000003e
export const AUDIT_ARCH_I386 = 0x40000003

/** x32 system calls run as AUDIT_ARCH_X86_64 with this bit set in the number. */
export const X32_SYSCALL_BIT = 0x40000000

export interface ArchDef {
  name: ArchName
  /** seccomp_data.arch for this ABI (x32 shares x86_64's). */
  auditArch: number
  /** libseccomp compares 64-bit arguments word by word only on 64-bit ABIs; x32 and i386 compare the low word. */
  size: 32 | 64
  /** The number seccomp_data.nr carries for NAME, or undefined when the ABI has no such call. */
  resolve(name: string): number | undefined
}

function table(entries: ReadonlyArray<readonly [string, number]>, bit = 0): Map<string, number> {
  return new Map(entries.map(([name, nr]) => [name, (nr | bit) >>> 0]))
}

// libseccomp resolves these names on i386 to negative pseudo numbers
// (socketcall/ipc multiplexing, syscalls.c abi_syscall_resolve_name_munge)
// even where the kernel also wires them directly, and LXC skips a compat rule
// whose name resolves below zero (seccomp.c do_resolve_add_rule). So an LXC
// policy never reaches 32-bit x86 processes for them.
const I386_MULTIPLEXED = new Set([
  'socket', 'bind', 'connect', 'listen', 'accept', 'getsockname', 'getpeername', 'socketpair', 'send', 'recv',
  'sendto', 'recvfrom', 'shutdown', 'setsockopt', 'getsockopt', 'sendmsg', 'recvmsg', 'accept4', 'recvmmsg', 'sendmmsg',
  'semop', 'semget', 'semctl', 'semtimedop', 'msgsnd', 'msgrcv', 'msgget', 'msgctl', 'shmat', 'shmdt', 'shmget', 'shmctl',
])

const X86_64_TABLE = table(SYSCALLS_X86_64)
const I386_TABLE = table(SYSCALLS_I386)
const X32_TABLE = table(SYSCALLS_X32, X32_SYSCALL_BIT)

/** The three ABIs of an x86_64 kernel (libseccomp's SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32). */
export const X86_64: ArchDef = {name: 'x86_64', auditArch: AUDIT_ARCH_X86_64, size: 64, resolve: (name) => X86_64_TABLE.get(name)}
export const X86: ArchDef = {
  name: 'x86',
  auditArch: AUDIT_ARCH_I386,
  size: 32,
  resolve: (name) => (I386_MULTIPLEXED.has(name) ? undefined : I386_TABLE.get(name)),
}
export const X32: ArchDef = {name: 'x32', auditArch: AUDIT_ARCH_X86_64, size: 32, resolve: (name) => X32_TABLE.get(name)}

/** True when NAME is a system call of any of the three ABIs (libseccomp knows it). */
export function isKnownSyscall(name: string): boolean {
  return X86_64_TABLE.has(name) || I386_TABLE.has(name) || X32_TABLE.has(name)
}

/** True when NAME is an i386 call LXC leaves unfiltered for 32-bit processes (see I386_MULTIPLEXED). */
export function isI386Multiplexed(name: string): boolean {
  return I386_MULTIPLEXED.has(name) && I386_TABLE.has(name)
}
