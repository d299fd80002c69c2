// The rule database of libseccomp 2.5 (src/db.c), ported line for line so
// that several rules for one system call combine exactly as they do under
// LXC: the first rule without arguments wins over everything after it, a
// rule without arguments replaces earlier argument rules, argument rules
// merge into a decision tree (nodes on one level are tried in turn, a level
// that matches nothing falls through to the next node of the level above),
// a shorter rule absorbs a longer one with the same action, and conflicting
// actions for the same comparison are refused (-EEXIST).
//
// The port keeps libseccomp's reference counts, because the tree-pruning
// code's control flow depends on whether a node was freed. Node counts
// (libseccomp's evaluation priority) are left out: they only order the
// generated code, not what it decides.

import type {ArchDef} from './arch.js'

/** enum scmp_compare. */
export const CMP = {NE: 1, LT: 2, LE: 3, EQ: 4, GE: 5, GT: 6, MASKED_EQ: 7} as const
export type Cmp = (typeof CMP)[keyof typeof CMP]

/** The errno values addRule returns (negated), as libseccomp does. */
export const EINVAL = 22
export const EEXIST = 17
export const EACCES = 13

const ARG_COUNT_MAX = 6
const U32 = 0xffffffffn
const DATUM_MAX = 0xffffffffffffffffn

/** One comparison of a rule: scmp_arg_cmp as LXC builds it. */
export interface ArgCmp {
  index: number
  op: Cmp
  /** SCMP_CMP_MASKED_EQ: the mask; otherwise unused. */
  mask: bigint
  value: bigint
}

/** A node of the argument tree (struct db_arg_chain_tree). */
export interface ChainNode {
  arg: number
  argHi: boolean
  /** Byte offset of the 32-bit word in struct seccomp_data. */
  offset: number
  op: Cmp
  opOrig: Cmp
  mask: number
  datum: number
  datumFull: bigint
  actTFlg: boolean
  actFFlg: boolean
  actT: number
  actF: number
  lvlPrv: ChainNode | null
  lvlNxt: ChainNode | null
  nxtT: ChainNode | null
  nxtF: ChainNode | null
  refcnt: number
}

/** One system call of a filter (struct db_sys_list). */
export interface SysEntry {
  /** The number as seccomp_data.nr carries it (unsigned). */
  num: number
  chains: ChainNode | null
  /** The action when there are no argument chains. */
  action: number
  valid: boolean
}

/** The rules of one ABI (struct db_filter), all sharing the filter's default action. */
export interface ArchFilter {
  arch: ArchDef
  /** Sorted by number. */
  syscalls: SysEntry[]
}

interface ApiArg {
  valid: boolean
  arg: number
  op: Cmp
  mask: bigint
  datum: bigint
}

interface Rule {
  action: number
  syscall: number
  args: ApiArg[]
}

// A C `T **`: read and write a pointer held somewhere else.
interface Ref {
  v: ChainNode | null
}

function fieldRef<K extends 'nxtT' | 'nxtF'>(node: ChainNode, key: K): Ref {
  return {
    get v() {
      return node[key]
    },
    set v(value: ChainNode | null) {
      node[key] = value
    },
  }
}

function chainsRef(sys: SysEntry): Ref {
  return {
    get v() {
      return sys.chains
    },
    set v(value: ChainNode | null) {
      sys.chains = value
    },
  }
}

const IST_MATCH = 0x1
const IST_MATCH_ONCE = 0x2
const IST_X_FINISHED = 0x10
const IST_N_FINISHED = 0x20
const IST_X_PREFIX = 0x100
const IST_N_PREFIX = 0x200
const IST_M_MATCHSET = IST_MATCH | IST_MATCH_ONCE
const IST_M_REDUNDANT = IST_MATCH | IST_X_FINISHED | IST_N_PREFIX

interface IterState {
  flags: number
  action: number
  sx: SysEntry
}

/** A new, empty filter for one ABI. */
export function newFilter(arch: ArchDef): ArchFilter {
  return {arch, syscalls: []}
}

/**
 * seccomp_rule_add{,_exact}_array on a context holding just this filter:
 * adds a rule for system call NR (already this ABI's number) and returns 0,
 * or a negative errno as libseccomp does: -EACCES when the action is the
 * default one, -EINVAL for an argument compared twice, -EEXIST for a
 * conflict with an earlier rule. On failure the filter may be half updated
 * (libseccomp rolls back; callers here abandon the whole policy anyway).
 */
export function addRule(filter: ArchFilter, defaultAction: number, action: number, nr: number, cmps: ArgCmp[]): number {
  if (action === defaultAction) return -EACCES
  const args: ApiArg[] = Array.from({length: ARG_COUNT_MAX}, () => ({valid: false, arg: 0, op: CMP.EQ, mask: 0n, datum: 0n}))
  for (const c of cmps) {
    const slot = args[c.index]
    if (!slot || slot.valid) return -EINVAL
    slot.valid = true
    slot.arg = c.index
    slot.op = c.op
    if (c.op === CMP.MASKED_EQ) {
      slot.mask = c.mask
      slot.datum = c.value
    } else {
      slot.mask = DATUM_MAX
      slot.datum = c.value
    }
  }
  return dbRuleAdd(filter, {action, syscall: nr, args})
}

// ---------------------------------------------------------------------------
// Node helpers (_db_chain_*, _db_node_*, _db_tree_*)

function argPriority(a: ChainNode): number {
  return (a.arg << 1) + (a.argHi ? 1 : 0)
}

function opPriority(op: Cmp): number {
  switch (op) {
    case CMP.MASKED_EQ:
    case CMP.EQ:
    case CMP.NE:
      return 3
    case CMP.LE:
    case CMP.LT:
      return 2
    case CMP.GE:
    case CMP.GT:
      return 1
    default:
      return 0
  }
}

function chainLt(a: ChainNode, b: ChainNode): boolean {
  const aArg = argPriority(a)
  const bArg = argPriority(b)
  if (aArg < bArg) return true
  if (aArg > bArg) return false
  const aOp = opPriority(a.opOrig)
  const bOp = opPriority(b.opOrig)
  if (aOp < bOp) return true
  if (aOp > bOp) return false
  switch (a.opOrig) {
    case CMP.LE:
    case CMP.LT:
      // Inverted so that smaller LT/LE values come first.
      if (a.datum > b.datum) return true
      break
    default:
      if (a.datum < b.datum) return true
      break
  }
  return false
}

function chainEq(a: ChainNode, b: ChainNode): boolean {
  return argPriority(a) === argPriority(b) && a.op === b.op && a.datum === b.datum && a.mask === b.mask
}

function isLeaf(n: ChainNode): boolean {
  return n.nxtT === null && n.nxtF === null
}

function isZombie(n: ChainNode): boolean {
  return isLeaf(n) && !n.actTFlg && !n.actFFlg
}

function nodeGet(n: ChainNode | null): ChainNode | null {
  if (n !== null) n.refcnt++
  return n
}

function levelClean(node: ChainNode): number {
  let cnt = 0
  let n: ChainNode | null = node
  while (n.lvlPrv) n = n.lvlPrv
  const start: ChainNode = n
  for (let it: ChainNode | null = start; it !== null; it = it.lvlNxt) {
    const links = (it.lvlPrv ? 1 : 0) + (it.lvlNxt ? 1 : 0)
    if (it.refcnt > links) return cnt
  }
  const ref: Ref = {v: start}
  while (ref.v !== null) {
    const before = ref.v
    const freed = nodePut(ref)
    // Cannot happen with consistent reference counts; fail rather than spin.
    if (freed === 0 && ref.v === before && before.refcnt <= 0) throw new Error('seccomp rule tree: reference count underflow')
    cnt += freed
  }
  return cnt
}

function treePut(ref: Ref): number {
  let cnt = nodePut(ref)
  if (ref.v) cnt += levelClean(ref.v)
  return cnt
}

function nodePut(ref: Ref): number {
  let cnt = 0
  const n = ref.v
  if (n === null) return 0
  if (--n.refcnt === 0) {
    const lvlP: Ref = {v: n.lvlPrv}
    const lvlN: Ref = {v: n.lvlNxt}
    const nxtT: Ref = {v: n.nxtT}
    const nxtF: Ref = {v: n.nxtF}
    // Split the level, dropping the references it held on both sides.
    if (lvlP.v) lvlP.v.lvlNxt = null
    if (lvlN.v) lvlN.v.lvlPrv = null
    if (lvlP.v) cnt += nodePut(lvlP)
    if (lvlN.v) cnt += nodePut(lvlN)
    // Re-link what is left of the level.
    if (lvlP.v) lvlP.v.lvlNxt = nodeGet(lvlN.v)
    if (lvlN.v) lvlN.v.lvlPrv = nodeGet(lvlP.v)
    ref.v = lvlP.v ?? lvlN.v ?? null
    cnt += treePut(nxtT)
    cnt += treePut(nxtF)
    cnt++
  }
  return cnt
}

function treeRemove(tree: Ref, node: ChainNode): number {
  let cnt = 0
  if (tree.v === null) return 0
  let c: ChainNode | null = tree.v
  while (c.lvlPrv !== null) c = c.lvlPrv
  let found: ChainNode | null = null
  do {
    if (c === node) {
      found = c
      break
    }
    cnt += treeRemove(fieldRef(c, 'nxtT'), node)
    cnt += treeRemove(fieldRef(c, 'nxtF'), node)
    if (isZombie(c)) {
      found = c
      break
    }
    c = c.lvlNxt
  } while (c !== null && cnt === 0)
  if (found === null) return cnt

  if (found === tree.v) tree.v = found.lvlPrv !== null ? found.lvlPrv : found.lvlNxt
  if (found.lvlPrv) found.lvlPrv.lvlNxt = found.lvlNxt
  if (found.lvlNxt) found.lvlNxt.lvlPrv = found.lvlPrv
  found.lvlPrv = null
  found.lvlNxt = null
  cnt += nodePut({v: found})
  return cnt
}

function treeActCheck(tree: ChainNode | null, action: number): number {
  if (tree === null) return 0
  let c: ChainNode | null = tree
  while (c.lvlPrv !== null) c = c.lvlPrv
  do {
    if (c.actTFlg && c.actT !== action) return -EEXIST
    if (c.actFFlg && c.actF !== action) return -EEXIST
    let rc = treeActCheck(c.nxtT, action)
    if (rc < 0) return rc
    rc = treeActCheck(c.nxtF, action)
    if (rc < 0) return rc
    c = c.lvlNxt
  } while (c !== null)
  return 0
}

// ---------------------------------------------------------------------------
// _db_tree_prune

function treePrune(existing: ChainNode | null, newNode: ChainNode | null, state: IterState): number {
  let cnt = 0
  const stateNew: IterState = {...state}
  let x: ChainNode | null = existing
  const n = newNode

  const finish = (): number => {
    if (stateNew.flags & IST_MATCH) state.flags |= stateNew.flags
    else state.flags &= ~IST_MATCH
    return cnt
  }

  if (n === null || x === null) return finish()
  if ((state.flags & IST_M_MATCHSET) === IST_MATCH_ONCE) return finish()
  while (x.lvlPrv) x = x.lvlPrv

  // Descends into SUB with a reference held on X (so X survives if the
  // descent removes it); returns the flags the descent produced, and X,
  // which is null (or a neighbour) when the descent freed it.
  const descend = (sub: ChainNode | null, newSub: ChainNode | null, flags: (f: number) => number, x0: ChainNode): {nxt: IterState; x: ChainNode | null} => {
    nodeGet(x0)
    const stateNxt: IterState = {...state, flags: flags(state.flags)}
    cnt += treePrune(sub, newSub, stateNxt)
    const ref: Ref = {v: x0}
    cnt += nodePut(ref)
    return {nxt: stateNxt, x: ref.v}
  }

  do {
    const xNext: ChainNode | null = x.lvlNxt
    let cur: ChainNode | null = x
    if (chainEq(cur, n)) {
      stateNew.flags |= IST_M_MATCHSET
      if (isLeaf(n)) stateNew.flags |= IST_N_FINISHED
      if (isLeaf(cur)) stateNew.flags |= IST_X_FINISHED
      // Do not remove nodes if there are more actions or levels.
      if ((cur.actTFlg || cur.nxtT) && !(n.actTFlg || n.nxtT)) return finish()
      if ((cur.actFFlg || cur.nxtF) && !(n.actFFlg || n.nxtF)) return finish()
      if (stateNew.flags & IST_N_FINISHED && stateNew.flags & IST_X_FINISHED) {
        if (n.actTFlg !== cur.actTFlg || n.actT !== cur.actT) return finish()
        if (n.actFFlg !== cur.actFFlg || n.actF !== cur.actF) return finish()
      }
      if (n.nxtT) {
        const r = descend(cur.nxtT, n.nxtT, (f) => f | IST_M_MATCHSET, cur)
        cur = r.x
        if (r.nxt.flags & IST_MATCH) stateNew.flags |= r.nxt.flags
        if (cur === null) {
          x = xNext
          continue
        }
      }
      if (n.nxtF) {
        const r = descend(cur.nxtF, n.nxtF, (f) => f | IST_M_MATCHSET, cur)
        cur = r.x
        if (r.nxt.flags & IST_MATCH) stateNew.flags |= r.nxt.flags
        if (cur === null) {
          x = xNext
          continue
        }
      }
      if (treeActCheck(cur, stateNew.action) === 0 && stateNew.flags & IST_MATCH && stateNew.flags & IST_N_FINISHED && stateNew.flags & IST_X_PREFIX) {
        // The new tree is shorter: it replaces this branch.
        cnt += treeRemove(chainsRef(state.sx), cur)
        if (state.sx.chains === null) return finish()
      } else if (treeActCheck(cur, stateNew.action) === 0 && stateNew.flags & IST_MATCH && stateNew.flags & IST_X_FINISHED && stateNew.flags & IST_N_PREFIX) {
        // The new tree is longer.
        return finish()
      }
    } else if (chainLt(cur, n)) {
      if (state.flags & IST_N_PREFIX) return finish()
      const deeper = (f: number): number => (f & ~IST_MATCH) | IST_X_PREFIX
      if (cur.nxtT) {
        const r = descend(cur.nxtT, n, deeper, cur)
        cur = r.x
        if (r.nxt.flags & IST_MATCH) {
          stateNew.flags |= r.nxt.flags
          return finish()
        }
        if (cur === null) {
          x = xNext
          continue
        }
      }
      if (cur.nxtF) {
        const r = descend(cur.nxtF, n, deeper, cur)
        cur = r.x
        if (r.nxt.flags & IST_MATCH) {
          stateNew.flags |= r.nxt.flags
          return finish()
        }
        if (cur === null) {
          x = xNext
          continue
        }
      }
    } else {
      if (state.flags & IST_X_PREFIX) return finish()
      const deeper = (f: number): number => (f & ~IST_MATCH) | IST_N_PREFIX
      if (n.nxtT) {
        const r = descend(cur, n.nxtT, deeper, cur)
        cur = r.x
        if (r.nxt.flags & IST_MATCH) {
          stateNew.flags |= r.nxt.flags
          return finish()
        }
        if (cur === null) {
          x = xNext
          continue
        }
      }
      if (n.nxtF) {
        const r = descend(cur, n.nxtF, deeper, cur)
        cur = r.x
        if (r.nxt.flags & IST_MATCH) {
          stateNew.flags |= r.nxt.flags
          return finish()
        }
        if (cur === null) {
          x = xNext
          continue
        }
      }
    }
    x = xNext
  } while (x !== null)

  // Falling through: nothing on this level matched.
  stateNew.flags &= ~IST_MATCH
  return finish()
}

// ---------------------------------------------------------------------------
// _db_tree_add

function treeAdd(existing: Ref, newNode: ChainNode, state: IterState): number {
  let x: ChainNode | null = existing.v
  const n = newNode
  while (x !== null) {
    if (chainEq(x, n)) {
      if (n.actTFlg) {
        if (!x.actTFlg) {
          const rc = treeActCheck(x.nxtT, n.actT)
          if (rc !== 0) return rc
          nodePut(fieldRef(x, 'nxtT'))
          x.nxtT = null
          x.actT = n.actT
          x.actTFlg = true
        } else if (n.actT !== x.actT) {
          // libseccomp's adjustment for 64-bit GT/GE on the high word.
          if (n.argHi && n.datumFull > x.datumFull) x.actT = n.actT
          if (isLeaf(x) || isLeaf(n)) return -EEXIST
        }
      }
      if (n.actFFlg) {
        if (!x.actFFlg) {
          const rc = treeActCheck(x.nxtF, n.actF)
          if (rc !== 0) return rc
          nodePut(fieldRef(x, 'nxtF'))
          x.nxtF = null
          x.actF = n.actF
          x.actFFlg = true
        } else if (n.actF !== x.actF) {
          // libseccomp 2.5 sets act_t here (not act_f); kept as is.
          if (n.argHi && n.datumFull < x.datumFull) x.actT = n.actT
          if (isLeaf(x) || isLeaf(n)) return -EEXIST
        }
      }
      if (n.nxtT) {
        if (x.nxtT) {
          const rc = treeAdd(fieldRef(x, 'nxtT'), n.nxtT, state)
          if (rc !== 0) return rc
        } else if (!x.actTFlg) {
          x.nxtT = nodeGet(n.nxtT)
        } else {
          return 0
        }
      }
      if (n.nxtF) {
        if (x.nxtF) {
          const rc = treeAdd(fieldRef(x, 'nxtF'), n.nxtF, state)
          if (rc !== 0) return rc
        } else if (!x.actFFlg) {
          x.nxtF = nodeGet(n.nxtF)
        } else {
          return 0
        }
      }
      return 0
    } else if (!chainLt(x, n)) {
      if (x.lvlNxt === null) {
        // Append to the end of this level.
        n.lvlPrv = nodeGet(x)
        x.lvlNxt = nodeGet(n)
        return 0
      }
      x = x.lvlNxt
    } else {
      // Insert before x on this level.
      if (x.lvlPrv !== null) {
        x.lvlPrv.lvlNxt = nodeGet(n)
        n.lvlPrv = x.lvlPrv
        x.lvlPrv = nodeGet(n)
        n.lvlNxt = x
      } else {
        x.lvlPrv = nodeGet(n)
        n.lvlNxt = nodeGet(x)
      }
      if (existing.v === x) {
        existing.v = nodeGet(n)
        nodePut({v: x})
      }
      return 0
    }
  }
  return 0
}

// ---------------------------------------------------------------------------
// Rule generation (_db_rule_gen_64, _db_rule_gen_32)

function newNode(arg: number, argHi: boolean, offset: number): ChainNode {
  return {
    arg, argHi, offset, op: CMP.EQ, opOrig: CMP.EQ, mask: 0, datum: 0, datumFull: 0n,
    actTFlg: false, actFFlg: false, actT: 0, actF: 0,
    lvlPrv: null, lvlNxt: null, nxtT: null, nxtF: null, refcnt: 0,
  }
}

const hi = (v: bigint): number => Number((v >> 32n) & U32)
const lo = (v: bigint): number => Number(v & U32)

// struct seccomp_data: nr, arch, instruction_pointer, then args[6] as u64
// (little endian: the low word first).
function argOffsetLo(arg: number): number {
  return 16 + 8 * arg
}

function needLo(a: ApiArg): boolean {
  return !(a.op === CMP.MASKED_EQ && lo(a.mask) === 0)
}

function needHi(a: ApiArg): boolean {
  return !(a.op === CMP.MASKED_EQ && hi(a.mask) === 0)
}

function fixup(n: ChainNode): void {
  n.datum = (n.datum & n.mask) >>> 0
}

function ruleGen64(rule: Rule): SysEntry {
  const s: SysEntry = {num: rule.syscall >>> 0, chains: null, action: 0, valid: true}
  let c: Array<ChainNode | null> = [null, null, null]
  let prev: Array<ChainNode | null> = [null, null, null]
  let opPrev: Cmp | undefined
  for (const a of rule.args) {
    if (!a.valid) continue
    if (!needHi(a) && !needLo(a)) continue
    const arg = a.arg
    const c0 = newNode(arg, true, argOffsetLo(arg) + 4)
    const c1 = newNode(arg, false, 0)
    let c2: ChainNode | null = null
    switch (a.op) {
      case CMP.GT:
      case CMP.GE:
      case CMP.LE:
      case CMP.LT: {
        // hi > R.hi, else hi == R.hi and lo >(=) R.lo (libseccomp's diagram).
        c1.argHi = true
        c1.offset = argOffsetLo(arg) + 4
        c2 = newNode(arg, false, argOffsetLo(arg))
        c0.mask = hi(a.mask)
        c1.mask = hi(a.mask)
        c2.mask = lo(a.mask)
        c0.datum = hi(a.datum)
        c1.datum = hi(a.datum)
        c2.datum = lo(a.datum)
        c0.datumFull = c1.datumFull = c2.datumFull = a.datum
        fixup(c0)
        fixup(c1)
        fixup(c2)
        c0.op = CMP.GT
        c1.op = CMP.EQ
        c2.op = a.op === CMP.GT || a.op === CMP.LE ? CMP.GT : CMP.GE
        c0.opOrig = c1.opOrig = c2.opOrig = a.op
        c0.nxtF = nodeGet(c1)
        c1.nxtT = nodeGet(c2)
        break
      }
      default: {
        c1.offset = argOffsetLo(arg)
        c0.mask = hi(a.mask)
        c1.mask = lo(a.mask)
        c0.datum = hi(a.datum)
        c1.datum = lo(a.datum)
        c0.datumFull = c1.datumFull = a.datum
        fixup(c0)
        fixup(c1)
        const op = a.op === CMP.MASKED_EQ ? CMP.MASKED_EQ : CMP.EQ
        c0.op = c1.op = op
        c0.opOrig = c1.opOrig = a.op
        c0.nxtT = nodeGet(c1)
        break
      }
    }
    const [p0, p1, p2] = prev
    if (p0) {
      switch (opPrev) {
        case CMP.GT:
        case CMP.GE:
          p0.nxtT = nodeGet(c0)
          if (p2) p2.nxtT = nodeGet(c0)
          break
        case CMP.EQ:
        case CMP.MASKED_EQ:
          if (p1) p1.nxtT = nodeGet(c0)
          break
        case CMP.LE:
        case CMP.LT:
          if (p1) p1.nxtF = nodeGet(c0)
          if (p2) p2.nxtF = nodeGet(c0)
          break
        case CMP.NE:
          p0.nxtF = nodeGet(c0)
          if (p1) p1.nxtF = nodeGet(c0)
          break
        default:
          break
      }
    } else {
      s.chains = nodeGet(c0)
    }
    c = [c0, c1, c2]
    prev = c
    opPrev = a.op
  }
  const [c0, c1, c2] = c
  if (c0 && c1) {
    switch (opPrev) {
      case CMP.GT:
      case CMP.GE:
        c0.actTFlg = true
        c0.actT = rule.action
        if (c2) {
          c2.actTFlg = true
          c2.actT = rule.action
        }
        break
      case CMP.LE:
      case CMP.LT:
        c1.actFFlg = true
        c1.actF = rule.action
        if (c2) {
          c2.actFFlg = true
          c2.actF = rule.action
        }
        break
      case CMP.EQ:
      case CMP.MASKED_EQ:
        c1.actTFlg = true
        c1.actT = rule.action
        break
      case CMP.NE:
        c0.actFFlg = true
        c0.actF = rule.action
        c1.actFFlg = true
        c1.actF = rule.action
        break
      default:
        break
    }
  } else {
    s.action = rule.action
  }
  return s
}

function ruleGen32(rule: Rule): SysEntry {
  const s: SysEntry = {num: rule.syscall >>> 0, chains: null, action: 0, valid: true}
  let c: ChainNode | null = null
  let prev: ChainNode | null = null
  let tf = true
  for (const a of rule.args) {
    if (!a.valid) continue
    if (!needLo(a)) continue
    c = newNode(a.arg, false, argOffsetLo(a.arg))
    c.op = a.op
    c.opOrig = a.op
    // Only the low word of mask and value survive on a 32-bit ABI.
    c.mask = lo(a.mask)
    c.datum = lo(a.datum)
    c.datumFull = a.datum
    if (prev !== null) {
      if (tf) prev.nxtT = nodeGet(c)
      else prev.nxtF = nodeGet(c)
    } else {
      s.chains = nodeGet(c)
    }
    // NE, LT and LE become EQ, GE and GT with the action on the false side.
    switch (c.op) {
      case CMP.NE:
        c.op = CMP.EQ
        tf = false
        break
      case CMP.LT:
        c.op = CMP.GE
        tf = false
        break
      case CMP.LE:
        c.op = CMP.GT
        tf = false
        break
      default:
        tf = true
    }
    fixup(c)
    prev = c
  }
  if (c !== null) {
    if (tf) {
      c.actTFlg = true
      c.actT = rule.action
    } else {
      c.actFFlg = true
      c.actF = rule.action
    }
  } else {
    s.action = rule.action
  }
  return s
}

// ---------------------------------------------------------------------------
// db_rule_add

function dbRuleAdd(db: ArchFilter, rule: Rule): number {
  const sNew = db.arch.size === 64 ? ruleGen64(rule) : ruleGen32(rule)
  const num = rule.syscall >>> 0
  let idx = 0
  while (idx < db.syscalls.length && (db.syscalls[idx] as SysEntry).num < num) idx++
  const sIter = db.syscalls[idx]
  if (sIter === undefined || sIter.num !== num) {
    db.syscalls.splice(idx, 0, sNew)
    return 0
  }
  let rmFlag = false
  for (;;) {
    if (sIter.chains === null) {
      if (rmFlag || !sIter.valid) {
        sIter.chains = sNew.chains
        sIter.action = sNew.action
        sIter.valid = true
        return 0
      }
      // The existing rule has no arguments: it covers the new one.
      treePut(chainsRef(sNew))
      return 0
    }
    if (sNew.chains === null) {
      // The new rule has no arguments: it replaces the argument rules.
      treePut(chainsRef(sIter))
      sIter.chains = null
      sIter.action = rule.action
      treePut(chainsRef(sNew))
      return 0
    }
    const pruneState: IterState = {flags: 0, action: rule.action, sx: sIter}
    const pruned = treePrune(sIter.chains, sNew.chains, pruneState)
    if (pruned > 0) {
      rmFlag = true
      if (sIter.chains === null) continue
    } else if ((pruneState.flags & IST_M_REDUNDANT) === IST_M_REDUNDANT) {
      // The existing tree is shorter: drop the new one.
      treePut(chainsRef(sNew))
      return 0
    }
    const rc = treeAdd(chainsRef(sIter), sNew.chains, {flags: 0, action: 0, sx: sIter})
    if (rc < 0) return rc
    treePut(chainsRef(sNew))
    return 0
  }
}
