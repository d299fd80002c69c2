// Device rules (`lxc.cgroup2.devices.allow/deny`, and the v1 keys where
// they are applied the same way) compiled into the eBPF program a cgroup2
// host uses instead of the v1 devices controller: a
// BPF_PROG_TYPE_CGROUP_DEVICE program, attached to the container's cgroup
// by the monitor (native/devices.c). Pure.
//
// The semantics are LXC's (src/lxc/cgroups/cgroup2_devices.c and
// cgfsng.c's device_cgroup_rule_parse, LXC 5.0):
// * the list starts as an allowlist: every device denied unless a rule
//   allows it;
// * `a` alone (type a, no numbers, no access) resets the list: in
//   devices.allow everything is allowed unless denied (a denylist), in
//   devices.deny everything is denied unless allowed;
// * a later rule with the same type, numbers and access string replaces an
//   earlier one (LXC flips it); rules of the default's own kind are skipped
//   (an allow rule in an allow-all list changes nothing);
// * the program tests the remaining rules newest first (LXC prepends
//   them); a request matches a rule when its type equals the rule's (or the
//   rule's type is a), its major and minor equal the rule's (or the rule
//   says *), and its access bits are all in the rule's.
//
// One deliberate difference: LXC attaches no program when its list ends up
// empty, so `lxc.cgroup2.devices.deny = a` alone allows every device; ctr
// attaches the program whenever the config has a device rule, so that
// line denies every device, as it says.

export type DeviceType = 'a' | 'b' | 'c'

export interface DeviceRule {
  allow: boolean
  type: DeviceType
  /** -1: `*` */
  major: number
  /** -1: `*` */
  minor: number
  /** The access letters as written (at most three of r, w, m), compared as a string like LXC. */
  access: string
}

/** What the program decides: the default and the rules that say otherwise, newest first. */
export interface DeviceList {
  defaultAllow: boolean
  rules: DeviceRule[]
}

/** A rule LXC cannot parse; `reason` completes "Invalid device rule: ". */
export class DeviceRuleError extends Error {}

const INT_MAX = 2147483647

/**
 * Parses the value of devices.allow (allow = true) or devices.deny as LXC's
 * device_cgroup_rule_parse does: `a`, or `TYPE MAJOR:MINOR ACCESS` with
 * TYPE a, b or c, exactly one blank after it, numbers or `*`, a blank, then
 * up to three of r, w, m (more text after three letters is ignored, as in
 * LXC). Throws DeviceRuleError.
 */
export function parseDeviceRule(value: string, allow: boolean): DeviceRule {
  if (value === 'a') return {allow, type: 'a', major: -1, minor: -1, access: ''}
  let i = 0
  const type = value[i]
  if (type !== 'a' && type !== 'b' && type !== 'c') throw new DeviceRuleError(`"${value}" does not start with a, b or c`)
  i++
  if (!isSpace(value[i])) throw new DeviceRuleError(`"${value}": a blank must follow the type`)
  i++
  const number = (what: string): number => {
    if (value[i] === '*') {
      i++
      return -1
    }
    const start = i
    while (i < value.length && isDigit(value[i])) i++
    if (i === start) throw new DeviceRuleError(`"${value}": the ${what} number must be digits or *`)
    const n = Number(value.slice(start, i))
    if (n > INT_MAX) throw new DeviceRuleError(`"${value}": the ${what} number is too large`)
    return n
  }
  const major = number('major')
  if (value[i] !== ':') throw new DeviceRuleError(`"${value}": expected MAJOR:MINOR`)
  i++
  const minor = number('minor')
  if (!isSpace(value[i])) throw new DeviceRuleError(`"${value}": a blank and the access (r, w, m) must follow MAJOR:MINOR`)
  i++
  let access = ''
  for (let n = 0; n < 3; n++, i++) {
    const c = value[i]
    if (c === undefined || c === '\n') break
    if (c !== 'r' && c !== 'w' && c !== 'm') throw new DeviceRuleError(`"${value}": the access may hold only r, w and m`)
    access += c
  }
  return {allow, type, major, minor, access}
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r'
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9'
}

/** Applies rules in config order as LXC's bpf_list_add_device does. */
export function buildDeviceList(rules: readonly DeviceRule[]): DeviceList {
  let defaultAllow = false
  let items: DeviceRule[] = []
  const decides = (r: DeviceRule): boolean => r.allow !== defaultAllow
  for (const rule of rules) {
    if (rule.type === 'a' && rule.major < 0 && rule.minor < 0 && rule.access === '') {
      defaultAllow = rule.allow
      items = []
      continue
    }
    const same = items.find((d) => d.type === rule.type && d.major === rule.major && d.minor === rule.minor && d.access === rule.access && decides(d))
    if (same) same.allow = rule.allow
    else items.unshift({...rule})
  }
  return {defaultAllow, rules: items.filter(decides)}
}

// <linux/bpf.h>: the cgroup device context and the access and type bits.
const ACC = {m: 1, r: 2, w: 4} as const
const DEV_BLOCK = 1
const DEV_CHAR = 2
const CTX_ACCESS_TYPE = 0
const CTX_MAJOR = 4
const CTX_MINOR = 8

// eBPF opcodes used here.
const LDX_MEM_W = 0x61 // BPF_LDX | BPF_W | BPF_MEM
const ALU32_AND_K = 0x54 // BPF_ALU | BPF_AND | BPF_K
const ALU32_RSH_K = 0x74 // BPF_ALU | BPF_RSH | BPF_K
const ALU32_MOV_X = 0xbc // BPF_ALU | BPF_MOV | BPF_X
const ALU64_MOV_K = 0xb7 // BPF_ALU64 | BPF_MOV | BPF_K
const JNE_K = 0x55 // BPF_JMP | BPF_JNE | BPF_K
const JNE_X = 0x5d // BPF_JMP | BPF_JNE | BPF_X
const EXIT = 0x95 // BPF_JMP | BPF_EXIT

/** One eBPF instruction: struct bpf_insn, 8 bytes, little-endian. */
export interface Insn {
  code: number
  dst: number
  src: number
  off: number
  imm: number
}

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({code, dst, src, off, imm})

/** The access bits of an access string. */
export function accessMask(access: string): number {
  let mask = 0
  for (const c of access) mask |= ACC[c as keyof typeof ACC] ?? 0
  return mask
}

/**
 * The program LXC's bpf_program_init, bpf_program_append_device and
 * bpf_program_finalize build: r2 = device type, r3 = access, r4 = major,
 * r5 = minor; one block per rule that returns its decision when every
 * check passes; then the default.
 */
export function devicesProgram(list: DeviceList): Insn[] {
  const out: Insn[] = [
    insn(LDX_MEM_W, 2, 1, CTX_ACCESS_TYPE, 0),
    insn(ALU32_AND_K, 2, 0, 0, 0xffff),
    insn(LDX_MEM_W, 3, 1, CTX_ACCESS_TYPE, 0),
    insn(ALU32_RSH_K, 3, 0, 0, 16),
    insn(LDX_MEM_W, 4, 1, CTX_MAJOR, 0),
    insn(LDX_MEM_W, 5, 1, CTX_MINOR, 0),
  ]
  for (const rule of list.rules) {
    const mask = accessMask(rule.access)
    const allAccess = mask === (ACC.r | ACC.w | ACC.m)
    const type = rule.type === 'b' ? DEV_BLOCK : rule.type === 'c' ? DEV_CHAR : 0
    // Each failed check jumps past the remaining checks and the decision.
    let skip = 1 + (allAccess ? 0 : 1) + (type ? 1 : 0) + (rule.major >= 0 ? 1 : 0) + (rule.minor >= 0 ? 1 : 0)
    if (!allAccess) {
      out.push(insn(ALU32_MOV_X, 1, 3, 0, 0), insn(ALU32_AND_K, 1, 0, 0, mask), insn(JNE_X, 1, 3, skip--, 0))
    }
    if (type) out.push(insn(JNE_K, 2, 0, skip--, type))
    if (rule.major >= 0) out.push(insn(JNE_K, 4, 0, skip--, rule.major))
    if (rule.minor >= 0) out.push(insn(JNE_K, 5, 0, skip--, rule.minor))
    out.push(insn(ALU64_MOV_K, 0, 0, 0, rule.allow ? 1 : 0), insn(EXIT, 0, 0, 0, 0))
  }
  out.push(insn(ALU64_MOV_K, 0, 0, 0, list.defaultAllow ? 1 : 0), insn(EXIT, 0, 0, 0, 0))
  return out
}

/** struct bpf_insn[] as the kernel takes it. */
export function encodeInsns(insns: readonly Insn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8)
  insns.forEach((x, i) => {
    buf.writeUInt8(x.code, i * 8)
    buf.writeUInt8(((x.src & 0xf) << 4) | (x.dst & 0xf), i * 8 + 1)
    buf.writeInt16LE(x.off, i * 8 + 2)
    buf.writeInt32LE(x.imm | 0, i * 8 + 4)
  })
  return buf
}
