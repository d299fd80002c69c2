// A ctr-monitor that cannot run (missing, not executable, not a program for
// this machine) is one error that names the fix, never a stack trace, in
// human output and under --json. The packaged case (no prebuilt binary and
// no build) is in install.test.ts.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {chmodSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {MONITOR_BIN, describeResult, json, rootOnly, useSandbox} from './helpers.js'

const T = {timeout: 60_000}

describe('an unusable ctr-monitor', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('monbin')

  it('is reported with its cause and the fix, also with --json', T, async () => {
    const sb = sandbox()
    const notExecutable = join(sb.root, 'monitor-noexec')
    writeFileSync(notExecutable, '\x7fELF not really\n')
    const garbage = join(sb.root, 'monitor-garbage')
    writeFileSync(garbage, '\x00\x01\x02\x03 not a program\n')
    chmodSync(garbage, 0o755)
    // The real monitor with another machine in its ELF header (e_machine, offset 18).
    const foreign = join(sb.root, 'monitor-foreign')
    const elf = readFileSync(MONITOR_BIN)
    elf.writeUInt16LE(process.arch === 'arm64' ? 62 : 183, 18)
    writeFileSync(foreign, elf, {mode: 0o755})
    const cases: Array<[binary: string, why: RegExp]> = [
      [join(sb.root, 'no-such-monitor'), /: missing \(ENOENT\)$/],
      [notExecutable, /: not executable \(EACCES\)$/],
      [garbage, /: not a program for this machine \(not an ELF file\) \(ENOEXEC\)$/],
      [foreign, new RegExp(`: built for ${process.arch === 'arm64' ? 'x64' : 'arm64'}, this machine is ${process.arch} \\(ENOEXEC\\)$`)],
    ]
    for (const [binary, why] of cases) {
      const name = sb.name('monbin')
      const human = await sb.ctr(['start', '-n', name, '--', '/bin/true'], {env: {CTR_MONITOR: binary}})
      assert.equal(human.code, 1, describeResult(human))
      // (/bin/sh may say something first: libc's execvp hands a file the kernel refused to it.)
      const line = human.stderr.split('\n').find((l) => l.startsWith('ctr start: ')) ?? ''
      assert.match(line, new RegExp(`^ctr start: Failed to run ctr-monitor "${binary}"`), describeResult(human))
      assert.match(line, why, describeResult(human))
      assert.doesNotMatch(human.stderr, /\n\s+at /, 'no stack trace')
      assert.match(human.stderr, /apt-get install gcc make libc6-dev/)
      const machine = await sb.ctr(['start', '-n', name, '--json', '--', '/bin/true'], {env: {CTR_MONITOR: binary}})
      assert.equal(machine.code, 1, describeResult(machine))
      const body = json<{status: number; error: {code: string; hints: string[]}}>(machine)
      assert.equal(body.error.code, 'CTR_MONITOR_BROKEN')
      assert.ok(body.error.hints.length >= 1)
    }
  })
})
