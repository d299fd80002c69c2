// ctr as a drop-in for LXC's tools: `ctr install-links DIR` makes lxc-start,
// lxc-info, ... links to ctr; called through one, ctr runs the matching
// command (both ways in: the fast path and oclif) and names itself after it,
// so an existing LXC script runs unchanged with DIR first on PATH.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {commandNames} from '../../src/core/cli/catalog.js'
import {RUN_JS, REPO, WAYS, describeResult, json, rootOnly, useSandbox, type CtrResult, type Sandbox, type Way} from './helpers.js'

const T = {timeout: 90_000}
const TOOLS = JSON.parse(readFileSync(join(REPO, 'bin/lxc-tools.json'), 'utf8')) as Record<string, string>

/** Runs `argv` (a link, or a shell) with the sandbox's environment, `dir` first on PATH. */
function run(sb: Sandbox, dir: string, argv: string[], via: Way = 'fast'): Promise<CtrResult> {
  return sb.run(argv, {env: {PATH: `${dir}:${process.env.PATH ?? ''}`}, via})
}

function linkDir(sb: Sandbox, label: string): string {
  const dir = join(sb.root, `links-${label}`)
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir)
  return dir
}

describe('a drop-in for LXC\'s tools: lxc-* links to ctr', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('links')

  it('install-links links every LXC tool ctr has a command for, and says which it skipped', T, async () => {
    const sb = sandbox()
    const dir = linkDir(sb, 'install')
    const r = await sb.ctr(['install-links', dir, '--json'])
    assert.equal(r.code, 0, describeResult(r))
    const result = json<{result: {dir: string; target: string; links: Array<{name: string; action: string; command: string}>}; warnings: string[]}>(r)
    const target = realpathSync(RUN_JS)
    assert.equal(result.result.target, target)
    const made = result.result.links.filter((l) => l.action === 'created').map((l) => l.name)
    for (const name of ['lxc-start', 'lxc-stop', 'lxc-info', 'lxc-wait', 'lxc-ls', 'lxc-monitor', 'lxc-freeze', 'lxc-unfreeze', 'lxc-create', 'lxc-destroy']) {
      assert.ok(made.includes(name), `${name} linked`)
      assert.equal(readlinkSync(join(dir, name)), target)
    }
    const skipped = result.result.links.filter((l) => l.action === 'skipped')
    assert.deepEqual(skipped.map((l) => l.command), Object.values(TOOLS).filter((c) => !commandNames().includes(c)))
    for (const l of skipped) {
      assert.ok(!existsSync(join(dir, l.name)))
      assert.ok(result.warnings.includes(`${l.name} not linked: ctr has no ${l.command} command yet`), r.stdout)
    }
    assert.deepEqual([...made, ...skipped.map((l) => l.name)].sort(), Object.keys(TOOLS).sort(), 'the whole table, linked or skipped')
    // Again: nothing changes; human output names each link.
    const again = await sb.ctr(['install-links', dir])
    assert.equal(again.code, 0, describeResult(again))
    assert.ok(again.stdout.includes(`${dir}/lxc-start -> ${target} (kept)\n`), again.stdout)
  })

  it('leaves a file that is not a link to ctr alone unless --force; --remove removes only its own links', T, async () => {
    const sb = sandbox()
    const dir = linkDir(sb, 'force')
    writeFileSync(join(dir, 'lxc-info'), '#!/bin/sh\necho the real one\n', {mode: 0o755})
    symlinkSync('/bin/true', join(dir, 'lxc-stop'))
    const r = await sb.ctr(['install-links', dir])
    assert.equal(r.code, 1, describeResult(r))
    // In the table's order: lxc-stop comes before lxc-info.
    assert.equal(r.stderr.split('\n').slice(0, 2).join('\n'), `ctr install-links: ${dir}/lxc-stop exists and is not a link to ctr\n${dir}/lxc-info exists and is not a link to ctr`)
    assert.deepEqual(readdirSync(dir).sort(), ['lxc-info', 'lxc-stop'], 'nothing was changed')
    const forced = await sb.ctr(['install-links', '--force', dir])
    assert.equal(forced.code, 0, describeResult(forced))
    assert.ok(lstatSync(join(dir, 'lxc-info')).isSymbolicLink())
    assert.equal(realpathSync(join(dir, 'lxc-stop')), realpathSync(RUN_JS))
    writeFileSync(join(dir, 'lxc-other'), 'x')
    const removed = await sb.ctr(['install-links', '--remove', dir])
    assert.equal(removed.code, 0, describeResult(removed))
    assert.deepEqual(readdirSync(dir), ['lxc-other'])
    const usage = await sb.ctr(['install-links'])
    assert.equal(usage.code, 1)
    assert.match(usage.stderr, /Missing the directory/)
    const missing = await sb.ctr(['install-links', join(dir, 'nope')])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /is not a directory/)
  })

  for (const via of WAYS) {
    it(`an LXC script runs unchanged with the links first on PATH, messages named after the tool (${via})`, T, async () => {
      const sb = sandbox()
      const dir = linkDir(sb, via)
      assert.equal((await sb.ctr(['install-links', dir])).code, 0)
      const name = sb.name('script')
      const ready = sb.ready(name)
      sb.defineRootfs(name, {init: `/sbin/test-init pause --ready ${ready.inside}`})
      const script = [
        'set -e',
        `lxc-start -n ${name}`,
        `lxc-wait -n ${name} -s RUNNING -t 5`,
        `lxc-info -n ${name} -sH`,
        'lxc-ls -1',
        `lxc-freeze -n ${name}`,
        `lxc-info -n ${name} -sH`,
        `lxc-unfreeze -n ${name}`,
        `lxc-stop -n ${name} -k`,
        `lxc-info -n ${name} -sH`,
        `lxc-stop -n ${name} -k || echo "stop again: $?"`,
      ].join('\n')
      const r = await run(sb, dir, ['/bin/sh', '-c', script], via)
      assert.equal(r.code, 0, describeResult(r))
      assert.equal(r.stdout, `RUNNING\n${name}\nFROZEN\nSTOPPED\nstop again: 2\n`)
      assert.equal(r.stderr, `lxc-stop: ${name} is not running\n`, 'the message carries the tool name, as LXC\'s do')
      assert.ok(existsSync(ready.host))
    })
  }

  it('each link runs its command: --version, --help, argv errors and create/destroy', T, async () => {
    const sb = sandbox()
    const dir = linkDir(sb, 'each')
    assert.equal((await sb.ctr(['install-links', dir])).code, 0)
    const version = (await sb.ctr(['--version'])).stdout
    for (const tool of ['lxc-start', 'lxc-info', 'lxc-ls', 'lxc-create']) {
      const v = await run(sb, dir, [join(dir, tool), '--version'])
      assert.equal(v.stdout, version, `${tool} --version`)
    }
    const help = await run(sb, dir, [join(dir, 'lxc-wait'), '--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /STATE/)
    const bad = await run(sb, dir, [join(dir, 'lxc-info'), '--bogus'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /^lxc-info: unrecognized option '--bogus'/m)
    const ghost = await run(sb, dir, [join(dir, 'lxc-info'), '-n', 'nosuch'])
    assert.equal(ghost.code, 1)
    assert.equal(ghost.stderr.split('\n')[0], 'nosuch doesn\'t exist')
    const name = sb.name('made')
    const create = await run(sb, dir, [join(dir, 'lxc-create'), '-n', name, '-t', 'none'])
    assert.equal(create.code, 0, describeResult(create))
    assert.ok(existsSync(join(sb.lxcpath, name, 'config')))
    const destroy = await run(sb, dir, [join(dir, 'lxc-destroy'), '-n', name])
    assert.equal(destroy.code, 0, describeResult(destroy))
    assert.equal(existsSync(join(sb.lxcpath, name)), false)
    const monitor = await run(sb, dir, [join(dir, 'lxc-monitor'), '--bogus'])
    assert.match(monitor.stderr, /^lxc-monitor: /m)
  })

  const absent = Object.entries(TOOLS).filter(([, command]) => !commandNames().includes(command))
  it('a link for a command ctr does not have yet says so, naming itself', {...T, skip: absent.length === 0 ? 'ctr has a command for every tool of bin/lxc-tools.json' : false}, async () => {
    const sb = sandbox()
    const dir = linkDir(sb, 'missing')
    const [tool, command] = absent[0] as [string, string]
    symlinkSync(realpathSync(RUN_JS), join(dir, tool))
    const r = await run(sb, dir, [join(dir, tool), '-n', 'x'])
    assert.equal(r.code, 1, describeResult(r))
    assert.equal(r.stderr.split('\n')[0], `${tool}: ctr has no ${command} command yet: ${tool} cannot run through it`)
  })
})
