// "Did you mean ...?" for a mistyped command or container name. Pure.
//
// The distance is the optimal string alignment distance (Levenshtein plus
// the transposition of two neighbours, so `stpo` is one edit from `stop`).
// A candidate is offered only when it is close relative to the word's
// length: at most 1 edit for words of up to 4 characters, 2 up to 8, 3
// beyond; a prefix of a single candidate counts too (`wa` -> `wait`).

/** The optimal string alignment distance between a and b. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[][] = Array.from({length: rows}, (_, i) => Array.from({length: cols}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min((d[i - 1]?.[j] ?? 0) + 1, (d[i]?.[j - 1] ?? 0) + 1, (d[i - 1]?.[j - 1] ?? 0) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (d[i - 2]?.[j - 2] ?? 0) + 1)
      ;(d[i] as number[])[j] = best
    }
  }
  return d[a.length]?.[b.length] ?? 0
}

function allowedEdits(word: string): number {
  if (word.length <= 4) return 1
  if (word.length <= 8) return 2
  return 3
}

/**
 * The candidates closest to `word`, best first (at most `limit`), or an
 * empty list when none is close enough. Case-insensitive ties go to the
 * exact-case spelling, then to byte order.
 */
export function suggest(word: string, candidates: Iterable<string>, limit = 1): string[] {
  const unique = [...new Set(candidates)].filter((c) => c !== word)
  const prefixed = unique.filter((c) => word.length > 0 && c.startsWith(word))
  if (prefixed.length === 1) return prefixed
  const max = allowedEdits(word)
  return unique
    .map((candidate) => ({candidate, distance: Math.min(editDistance(word, candidate), editDistance(word.toLowerCase(), candidate.toLowerCase()) + 0.5)}))
    .filter((s) => s.distance <= max)
    .sort((x, y) => x.distance - y.distance || (x.candidate < y.candidate ? -1 : 1))
    .slice(0, limit)
    .map((s) => s.candidate)
}

/** The hint line for a suggestion list, or none. */
export function didYouMean(suggestions: string[]): string[] {
  if (suggestions.length === 0) return []
  return [`Did you mean ${suggestions.map((s) => JSON.stringify(s)).join(' or ')}?`]
}
