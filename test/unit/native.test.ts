// The monitor's C unit tests (native/test/: the spec reader, the command
// socket's line framing, the path and number helpers). `npm run pretest`
// builds them with ASan and UBSan (`make -C native asan`); this file runs the
// binary once and reports each of its cases as a test here, so npm test's
// counts include them and a C failure, crash or sanitizer report fails
// npm test.

import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import assert from 'node:assert/strict'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'build/asan/native-tests')

interface Case {
  name: string
  ok: boolean
  details: string[]
}

interface Run {
  cases: Case[]
  planned: number | undefined
  status: number | null
  signal: NodeJS.Signals | null
  stderr: string
  error?: Error
}

function runBinary(): Run {
  if (!existsSync(BIN)) return {cases: [], planned: undefined, status: null, signal: null, stderr: '', error: new Error(`${BIN} is missing: run npm run pretest (make -C native asan)`)}
  const out = spawnSync(BIN, [], {
    encoding: 'utf8',
    timeout: 120_000,
    // Reports on stderr, fatal: a leak or undefined behaviour fails its case.
    env: {...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1'},
  })
  const cases: Case[] = []
  let planned: number | undefined
  let pending: string[] = []
  for (const line of out.stdout.split('\n')) {
    const result = /^(not )?ok \d+ - (.+)$/.exec(line)
    if (result) {
      cases.push({name: result[2] as string, ok: result[1] === undefined, details: pending})
      pending = []
    } else if (line.startsWith('#')) {
      pending.push(line.slice(1).trim())
    } else if (/^1\.\.\d+$/.test(line)) {
      planned = Number(line.slice(3))
    }
  }
  return {cases, planned, status: out.status, signal: out.signal, stderr: out.stderr, ...(out.error ? {error: out.error} : {})}
}

// Each case's stderr starts with a `### name` line (native/test/harness.c).
function stderrOf(run: Run, name: string): string {
  const start = run.stderr.indexOf(`### ${name}\n`)
  if (start < 0) return ''
  const body = run.stderr.slice(start + name.length + 5)
  const next = body.indexOf('\n### ')
  return (next < 0 ? body : body.slice(0, next)).trim().slice(0, 8000)
}

const run = runBinary()

describe('native (C unit tests under ASan/UBSan)', () => {
  it('the test binary runs to completion', () => {
    if (run.error) throw run.error
    assert.equal(run.signal, null, `killed by ${run.signal}: ${run.stderr.slice(-4000)}`)
    assert.ok(run.planned !== undefined, `no 1..N plan line: ${run.stderr.slice(-4000)}`)
    assert.equal(run.cases.length, run.planned)
    assert.ok(run.cases.length > 0, 'no C test cases ran')
    assert.equal(run.status, run.cases.every((c) => c.ok) ? 0 : 1)
  })

  for (const c of run.cases) {
    it(c.name, () => {
      assert.ok(c.ok, [...c.details, stderrOf(run, c.name)].filter(Boolean).join('\n') || 'failed')
    })
  }
})
