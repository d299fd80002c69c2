// The suite synchronises on states and events, never on sleeps, and asserts
// no clocks (issue 11, defect 12; docs/architecture.md §10). Timing
// is a benchmark's question (bench/): a bound such as `reaction < 2_000`
// fails only when the machine is loaded, and a sleep either wastes time or
// loses the race it was meant to win. This check keeps new ones out.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync, readdirSync, statSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SELF = fileURLToPath(import.meta.url)

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) {
      if (entry !== 'fixtures') yield* sources(path)
    } else if (/\.(ts|js|mjs|cjs)$/.test(entry) && path !== SELF) {
      yield path
    }
  }
}

interface Rule {
  what: string
  pattern: RegExp
}

// Each pattern is built from parts, so that this file does not match itself.
const CLOCK = ['performance', '\\.now\\(\\)|Date', '\\.now\\(\\)|\\.ms\\b'].join('')
const RULES: Rule[] = [
  // An assertion that reads a clock or a run's duration is a timing bound.
  {what: 'assertion on a clock or a duration', pattern: new RegExp(`\\bassert(\\.\\w+)?\\(.*(${CLOCK})`)},
  // `new Promise((r) => setTimeout(r, 100))`: a fixed sleep. A timer armed
  // for what is left of a deadline (`setTimeout(resolve, left)`) while an
  // event is awaited is not one, nor is `until()`'s poll interval.
  {what: 'fixed sleep', pattern: new RegExp(['set', 'Timeout\\(\\s*(r|res|resolve|done)\\s*,\\s*\\d'].join(''))},
  // A sleep(1) the test blocks on to let something happen (a long-lived
  // `sleep 1000` spawned as a victim or a payload is not a wait).
  {what: 'blocking sleep command', pattern: new RegExp(['(exec|execFile|spawn)Sync\\(\\s*[\'"](/bin/|/usr/bin/)?', 'sleep[\'" ]'].join(''))},
  {what: 'blocking wait', pattern: new RegExp(['Atomics', '\\.wait\\('].join(''))},
]

describe('test hygiene: no sleeps, no clock bounds', () => {
  const files = [...sources(join(REPO, 'test'))]

  it('finds the tests it checks', () => {
    assert.ok(files.some((f) => f.endsWith('wait.test.ts')) && files.some((f) => f.endsWith('helpers.ts')), `${files.length} files`)
  })

  for (const rule of RULES) {
    it(`has no ${rule.what}`, () => {
      const found: string[] = []
      for (const file of files) {
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (rule.pattern.test(line)) found.push(`${relative(REPO, file)}:${i + 1}: ${line.trim()}`)
          })
      }
      assert.deepEqual(found, [])
    })
  }

  it('recognises each kind it forbids', () => {
    const samples = [
      'assert.ok(performance.now() - t < 2_000)',
      'assert.ok(r.ms < 500)',
      'await new Promise((r) => setTimeout(r, 100))',
      "spawnSync('sleep', ['1'])",
      'Atomics.wait(view, 0, 0, 50)',
    ]
    for (const sample of samples) assert.ok(RULES.some((rule) => rule.pattern.test(sample)), sample)
    // What stays allowed: a deadline-bounded wait for an event, and clocks in diagnostics.
    for (const allowed of ['const timer = setTimeout(resolve, left)', 't.diagnostic(`took ${Math.round(performance.now() - t)} ms`)', "sb.ctr(['start', '-n', x, '--', '/bin/sleep', '600'])"]) {
      assert.ok(!RULES.some((rule) => rule.pattern.test(allowed)), allowed)
    }
  })
})
