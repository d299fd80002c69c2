// lxc-info's number formatting, bit for bit (src/lxc/tools/lxc_info.c,
// size_humanize and print_stats): scripts and eyes are used to it.

const KIB = 1n << 10n
const MIB = 1n << 20n
const GIB = 1n << 30n

/**
 * Humanised size: strictly above 2^30 `X.YY GiB` (fraction truncated),
 * above 2^20 `X.YY MiB` and above 2^10 `X.YY KiB` (both rounded by adding
 * about half a unit in the last digit, as LXC does), else `N bytes`. The
 * comparisons are strict: exactly 1024 is `1024 bytes`.
 */
export function humanizeSize(value: bigint | number): string {
  const val = BigInt(value)
  if (val > GIB) {
    const whole = val >> 30n
    const frac = (val & (GIB - 1n)) / 10737419n
    return `${whole}.${pad2(frac)} GiB`
  }
  if (val > MIB) {
    // LXC adds in 32-bit unsigned arithmetic; below 2^30 it cannot overflow.
    const x = val + 5243n
    return `${x >> 20n}.${pad2(((x & (MIB - 1n)) * 100n) >> 20n)} MiB`
  }
  if (val > KIB) {
    const x = val + 5n
    return `${x >> 10n}.${pad2(((x & (KIB - 1n)) * 100n) >> 10n)} KiB`
  }
  return `${val} bytes`
}

/**
 * CPU use: LXC reads nanoseconds with strtof, divides by 1e9 into a float and
 * prints `%.2f seconds`. Reproduce the single-precision rounding, then
 * printf's round-half-to-even on the exact binary value.
 */
export function formatCpuSeconds(nanoseconds: bigint | number): string {
  const seconds = Math.fround(Math.fround(Number(nanoseconds)) / 1e9)
  return `${toFixed2Exact(seconds)} seconds`
}

/** printf("%.2f", x) for x ≥ 0: rounds the exact binary value, ties to even. */
export function toFixed2Exact(x: number): string {
  const {num, den} = exactRational(x)
  const scaled = num * 100n
  let q = scaled / den
  const r = scaled % den
  if (r * 2n > den || (r * 2n === den && q % 2n === 1n)) q += 1n
  return `${q / 100n}.${pad2(q % 100n)}`
}

// The exact value of a non-negative finite double as num/den (den a power of two).
function exactRational(x: number): {num: bigint; den: bigint} {
  if (x === 0) return {num: 0n, den: 1n}
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const bits = view.getBigUint64(0)
  const exponent = Number((bits >> 52n) & 0x7ffn)
  let mantissa = bits & ((1n << 52n) - 1n)
  let e: number
  if (exponent === 0) {
    e = -1074
  } else {
    mantissa |= 1n << 52n
    e = exponent - 1075
  }
  return e >= 0 ? {num: mantissa << BigInt(e), den: 1n} : {num: mantissa, den: 1n << BigInt(-e)}
}

function pad2(n: bigint): string {
  return n.toString().padStart(2, '0')
}
