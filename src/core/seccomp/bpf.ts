// The rule database as a classic BPF program for SECCOMP_SET_MODE_FILTER.
//
// Shape (libseccomp's, gen_bpf.c): check seccomp_data.arch, then per ABI
// compare the system call number against each filtered call; a call with
// argument rules runs its decision tree; anything unmatched gets the default
// action and an unknown arch gets the bad-arch action. x32 calls arrive as
// AUDIT_ARCH_X86_64 with X32_SYSCALL_BIT set in the number: with an x32
// filter they are matched against its (bit-carrying) numbers, without one
// (version 1 policies) they get the bad-arch action, except nr -1, which
// tracers use to skip a call.
//
// Conditional jumps reach 255 instructions at most. Code is laid out so that
// every jump goes forward, then a relaxation pass gives each jump that would
// be too long a trampoline within reach: a copy of the `ret` it targets, or a
// `ja` (32-bit offset) to the code. Each instruction is struct sock_filter,
// {u16 code; u8 jt; u8 jf; u32 k}, little-endian as on x86_64.

import {X32_SYSCALL_BIT} from './arch.js'
import {CMP, type ArchFilter, type ChainNode} from './db.js'

/** The kernel's limit (BPF_MAXINSNS) and what native/spec.c accepts. */
export const MAX_INSNS = 4096

const BPF_LD_W_ABS = 0x20
const BPF_ALU_AND_K = 0x54
const BPF_JMP_JA = 0x05
const BPF_JMP_JEQ_K = 0x15
const BPF_JMP_JGT_K = 0x25
const BPF_JMP_JGE_K = 0x35
const BPF_RET_K = 0x06

const OFFSET_NR = 0
const OFFSET_ARCH = 4

type Target = {label: number} | {ret: number}

interface Insn {
  code: number
  k: number
  /** Conditional jumps: both targets. */
  jt?: Target
  jf?: Target
  /** `ja`: the label it jumps to (its 32-bit offset is computed at the end). */
  to?: number
  /** Labels that name this instruction. */
  labels: number[]
}

/** The program would exceed MAX_INSNS instructions (LENGTH is how far it got). */
export class ProgramTooLarge extends Error {
  constructor(readonly length: number) {
    super(`The seccomp program needs ${length} instructions; the kernel accepts ${MAX_INSNS}`)
  }
}

/** The filters checked under one seccomp_data.arch value (x32 shares x86_64's). */
export interface ArchBlock {
  auditArch: number
  filters: ArchFilter[]
}

/**
 * Generates the program: the arch check over BLOCKS (in order), their rules,
 * DEFAULT_ACTION for unmatched calls and BADARCH for other arches. Throws
 * ProgramTooLarge past MAX_INSNS instructions. Pure.
 */
export function generateProgram(blocks: ArchBlock[], defaultAction: number, badArch: number): Buffer {
  const asm = new Assembler()
  asm.emit({code: BPF_LD_W_ABS, k: OFFSET_ARCH})
  const entries = blocks.map(() => asm.newLabel())
  blocks.forEach((block, i) => {
    const next: Target = i + 1 < blocks.length ? {label: asm.newLabel()} : {ret: badArch}
    asm.emit({code: BPF_JMP_JEQ_K, k: block.auditArch, jt: {label: entries[i] as number}, jf: next})
    if ('label' in next) asm.place(next.label)
  })
  blocks.forEach((block, i) => {
    asm.place(entries[i] as number)
    emitBlock(asm, block, defaultAction, badArch)
  })
  return asm.assemble()
}

function emitBlock(asm: Assembler, block: ArchBlock, defaultAction: number, badArch: number): void {
  asm.emit({code: BPF_LD_W_ABS, k: OFFSET_NR})
  const names = new Set(block.filters.map((f) => f.arch.name))
  if (names.has('x86_64') && !names.has('x32')) {
    // x32 calls without x32 rules: libseccomp's "filter out x32".
    const dispatch = asm.newLabel()
    const x32 = asm.newLabel()
    asm.emit({code: BPF_JMP_JGE_K, k: X32_SYSCALL_BIT, jt: {label: x32}, jf: {label: dispatch}})
    asm.place(x32)
    asm.emit({code: BPF_JMP_JEQ_K, k: 0xffffffff, jt: {label: dispatch}, jf: {ret: badArch}})
    asm.place(dispatch)
  }
  const trees = new Trees(asm, {ret: defaultAction})
  // Pseudo numbers (negative) never reach a filter (libseccomp skips them).
  const entries = block.filters.flatMap((f) => f.syscalls.filter((s) => s.valid && s.num < 0x80000000))
  entries.sort((a, b) => a.num - b.num)
  for (const s of entries) {
    const target: Target = s.chains === null ? {ret: s.action} : trees.add(s.chains)
    const next = asm.newLabel()
    asm.emit({code: BPF_JMP_JEQ_K, k: s.num, jt: target, jf: {label: next}})
    asm.place(next)
  }
  asm.emit({code: BPF_RET_K, k: defaultAction})
  trees.emit()
}

// A node of a decision tree as code: the comparison, where it leads, and
// what the accumulator holds on the ways in.
interface Block {
  label: number
  node: ChainNode
  t: Target
  f: Target
  entries: AccState[]
}

/** A = the 32-bit word at OFFSET of seccomp_data, ANDed with MASK. */
interface AccState {
  offset: number
  mask: number
}

/**
 * The decision trees of one ABI's system calls. Nodes on a level are tried
 * in turn; a node whose comparison leads nowhere continues with the next
 * node of its level, the last one with the level's fall-off (the next node
 * of the level above; the default action at the top). Identical code is
 * emitted once (libseccomp shares sub-levels between parents in 64-bit
 * GT/LT chains and merged rules, and identical rules recur across calls);
 * blocks are laid out in topological order, so every jump goes forward; a
 * block skips loading the accumulator when every way in leaves it holding
 * what the block compares.
 */
class Trees {
  private readonly blocks = new Map<number, Block>()
  private readonly byShape = new Map<string, number>()
  private readonly byNode = new Map<string, number>()
  private readonly ids = new Map<ChainNode, number>()
  private readonly roots: number[] = []

  constructor(
    private readonly asm: Assembler,
    private readonly defaultTarget: Target,
  ) {}

  /** Adds the tree CHAINS, reached from the system call dispatch; returns where it starts. */
  add(chains: ChainNode): Target {
    const root = this.level(chains, this.defaultTarget)
    if (!('label' in root)) throw new Error('seccomp: empty decision tree')
    this.roots.push(root.label)
    // Reached from the dispatch: A holds seccomp_data.nr.
    this.blocks.get(root.label)?.entries.push({offset: OFFSET_NR, mask: 0xffffffff})
    return root
  }

  /** Emits every block added, after the dispatch that jumps to them. */
  emit(): void {
    const order: Block[] = []
    const seen = new Set<number>()
    const visit = (l: number): void => {
      if (seen.has(l)) return
      seen.add(l)
      const b = this.blocks.get(l)
      if (!b) return
      for (const t of [b.f, b.t]) if ('label' in t) visit(t.label)
      order.push(b)
    }
    // Reverse post-order: every jump goes to a later block.
    for (const root of [...this.roots].reverse()) visit(root)
    order.reverse()
    for (const b of order) {
      for (const t of [b.t, b.f]) if ('label' in t) this.blocks.get(t.label)?.entries.push({offset: b.node.offset, mask: b.node.mask})
    }
    for (const b of order) {
      this.asm.place(b.label)
      const {offset, mask} = b.node
      const loaded = b.entries.every((e) => e.offset === offset && e.mask === 0xffffffff)
      const masked = b.entries.every((e) => e.offset === offset && e.mask === mask)
      if (!masked) {
        if (!loaded) this.asm.emit({code: BPF_LD_W_ABS, k: offset})
        if (mask !== 0xffffffff) this.asm.emit({code: BPF_ALU_AND_K, k: mask})
      }
      this.asm.emit({code: jumpCode(b.node), k: b.node.datum, jt: b.t, jf: b.f})
    }
  }

  private level(head: ChainNode, fallOff: Target): Target {
    let first: ChainNode = head
    while (first.lvlPrv) first = first.lvlPrv
    const nodes: ChainNode[] = []
    for (let n: ChainNode | null = first; n; n = n.lvlNxt) nodes.push(n)
    let next = fallOff
    for (const node of nodes.reverse()) {
      if (!this.ids.has(node)) this.ids.set(node, this.ids.size)
      // A node's code depends on the node and on where its level falls off.
      const nodeKey = `${this.ids.get(node)}|${key(next)}`
      let l = this.byNode.get(nodeKey)
      if (l === undefined) {
        const t: Target = node.nxtT ? this.level(node.nxtT, next) : node.actTFlg ? {ret: node.actT} : next
        const f: Target = node.nxtF ? this.level(node.nxtF, next) : node.actFFlg ? {ret: node.actF} : next
        const shape = `${node.offset},${node.mask},${jumpCode(node)},${node.datum},${key(t)},${key(f)}`
        l = this.byShape.get(shape)
        if (l === undefined) {
          l = this.asm.newLabel()
          this.byShape.set(shape, l)
          this.blocks.set(l, {label: l, node, t, f, entries: []})
        }
        this.byNode.set(nodeKey, l)
      }
      next = {label: l}
    }
    return next
  }
}

function key(t: Target): string {
  return 'label' in t ? `l${t.label}` : `r${t.ret}`
}

function jumpCode(node: ChainNode): number {
  switch (node.op) {
    case CMP.EQ:
    case CMP.MASKED_EQ:
      return BPF_JMP_JEQ_K
    case CMP.GT:
      return BPF_JMP_JGT_K
    case CMP.GE:
      return BPF_JMP_JGE_K
    default:
      // The rule generator rewrites NE, LT and LE; nothing else reaches here.
      throw new Error(`seccomp: unexpected comparison ${node.op} in the rule tree`)
  }
}

// Instructions after which nothing falls through, so a trampoline may follow.
function endsFlow(insn: Insn): boolean {
  return insn.code === BPF_RET_K || insn.code === BPF_JMP_JA || insn.jt !== undefined
}

class Assembler {
  private readonly insns: Insn[] = []
  private pending: number[] = []
  private nextLabel = 0

  newLabel(): number {
    return this.nextLabel++
  }

  /** Names the next emitted instruction. */
  place(label: number): void {
    this.pending.push(label)
  }

  emit(insn: Omit<Insn, 'labels'>): void {
    this.insns.push({...insn, labels: this.pending})
    this.pending = []
    // Nested decision trees can grow quickly; stop long before memory does.
    if (this.insns.length > MAX_INSNS * 4) throw new ProgramTooLarge(this.insns.length)
  }

  assemble(): Buffer {
    if (this.pending.length > 0) throw new Error('seccomp: label placed after the last instruction')
    this.relax()
    const insns = this.insns
    if (insns.length > MAX_INSNS) throw new ProgramTooLarge(insns.length)
    const at = this.labelPositions()
    const out = Buffer.alloc(insns.length * 8)
    insns.forEach((insn, i) => {
      let jt = 0
      let jf = 0
      let k = insn.k
      if (insn.jt && insn.jf) {
        jt = this.resolve(i, insn.jt, at) - i - 1
        jf = this.resolve(i, insn.jf, at) - i - 1
        if (jt < 0 || jt > 255 || jf < 0 || jf > 255) throw new Error(`seccomp: jump out of range at ${i}`)
      }
      if (insn.to !== undefined) k = this.resolve(i, {label: insn.to}, at) - i - 1
      out.writeUInt16LE(insn.code, i * 8)
      out.writeUInt8(jt, i * 8 + 2)
      out.writeUInt8(jf, i * 8 + 3)
      out.writeUInt32LE(k >>> 0, i * 8 + 4)
    })
    return out
  }

  private labelPositions(): Map<number, number> {
    const at = new Map<number, number>()
    this.insns.forEach((insn, i) => {
      for (const l of insn.labels) at.set(l, i)
    })
    return at
  }

  // The instruction a jump from FROM lands on: the label's, or for a return
  // target the nearest `ret K` within a conditional jump's reach (any copy
  // does the same); past the end when there is none.
  private resolve(from: number, target: Target, at: Map<number, number>): number {
    if ('label' in target) {
      const pos = at.get(target.label)
      if (pos === undefined || pos <= from) throw new Error(`seccomp: label ${target.label} is not ahead of ${from}`)
      return pos
    }
    const end = Math.min(from + 1 + 256, this.insns.length)
    for (let i = from + 1; i < end; i++) {
      const insn = this.insns[i] as Insn
      if (insn.code === BPF_RET_K && insn.k === target.ret) return i
    }
    return Number.MAX_SAFE_INTEGER
  }

  // Inserts trampolines until every conditional jump fits in 8 bits. Jumps
  // are checked in order; an insertion can only lengthen jumps that start
  // at most 256 instructions before it, so checking resumes there.
  private relax(): void {
    let start = 0
    for (;;) {
      const at = this.labelPositions()
      let inserted = -1
      for (let i = start; i < this.insns.length && inserted < 0; i++) {
        const insn = this.insns[i] as Insn
        for (const side of ['jt', 'jf'] as const) {
          const target = insn[side]
          if (!target || this.resolve(i, target, at) - i - 1 <= 255) continue
          inserted = this.insertTrampoline(i, side, target)
          break
        }
      }
      if (inserted < 0) return
      if (this.insns.length > MAX_INSNS * 4) throw new ProgramTooLarge(this.insns.length)
      start = Math.max(0, inserted - 257)
    }
  }

  // Points FROM's SIDE at a trampoline to TARGET within reach (an existing
  // one or a new one) and returns the trampoline's index.
  private insertTrampoline(from: number, side: 'jt' | 'jf', target: Target): number {
    const insn = this.insns[from] as Insn
    const label = this.newLabel()
    insn[side] = {label}
    if ('label' in target) {
      // An existing `ja` to the same code within reach serves as well.
      for (let i = from + 1; i < Math.min(from + 257, this.insns.length); i++) {
        const t = this.insns[i] as Insn
        if (t.to === target.label) {
          t.labels.push(label)
          return i
        }
      }
    }
    // As far ahead as possible, so that the following jumps can share it,
    // with slack for trampolines later insertions push in between.
    let pos = Math.min(from + 200, this.insns.length)
    while (pos > from + 1 && !endsFlow(this.insns[pos - 1] as Insn)) pos--
    const trampoline: Insn = 'ret' in target ? {code: BPF_RET_K, k: target.ret, labels: [label]} : {code: BPF_JMP_JA, k: 0, to: target.label, labels: [label]}
    this.insns.splice(pos, 0, trampoline)
    return pos
  }
}
