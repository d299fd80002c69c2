// `ctr create` and `ctr destroy` argv (core/cli/create.ts, destroy.ts):
// lxc-create's and lxc-destroy's option tables with getopt_long rules, and
// lxc_create.c main's checks. Messages marked "LXC" are lxc-create 5.0.2's
// exact texts (checked on the dev machine).

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {parse as parseCreate, SPEC as CREATE_SPEC, type CreateOptions} from '../../src/core/cli/create.js'
import {parse as parseDestroy, SPEC as DESTROY_SPEC, type DestroyOptions} from '../../src/core/cli/destroy.js'
import {formatUsage} from '../../src/core/cli/specs.js'
import {CtrError, UsageError} from '../../src/core/errors.js'
import type {Parsed} from '../../src/core/options.js'

const ENV = {}

function options<T>(parsed: Parsed<T>): T {
  assert.equal(parsed.action, 'run')
  return (parsed as {action: 'run'; options: T}).options
}

function create(...argv: string[]): CreateOptions {
  return options(parseCreate(argv, ENV))
}

function destroy(...argv: string[]): DestroyOptions {
  return options(parseDestroy(argv, ENV))
}

function fails(run: () => unknown, code: string, message: string | RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof CtrError, `not a CtrError: ${String(error)}`)
    assert.equal(error.code, code)
    if (typeof message === 'string') assert.equal(error.message, message)
    else assert.match(error.message, message)
    assert.equal(error.exitCode, 1)
    return true
  })
}

describe('ctr create argv', () => {
  it('reads the name, template and common options', () => {
    const o = create('-n', 'web', '-t', 'busybox', '-P', '/srv/lxc/', '-q', '--json')
    assert.equal(o.name, 'web')
    assert.deepEqual(o.template, {name: 'busybox', busyboxPath: undefined})
    assert.equal(o.lxcpath, '/srv/lxc')
    assert.equal(o.quiet, true)
    assert.equal(o.json, true)
    assert.equal(o.bdev, 'dir')
    assert.equal(o.dir, undefined)
    assert.equal(o.configFile, undefined)
    assert.deepEqual(o.templateArgs, [])
    assert.equal(o.unprivileged, false)
  })

  it('--unprivileged takes no argument; a prefix such as --unpriv works (getopt_long)', () => {
    assert.equal(create('-n', 'web', '-t', 'busybox', '--unprivileged').unprivileged, true)
    assert.equal(create('--unpriv', '-t', 'busybox', 'web').unprivileged, true)
    fails(() => create('-n', 'web', '-t', 'busybox', '--unprivileged=yes'), 'CTR_USAGE', /doesn't allow an argument/)
  })

  it('follows getopt_long: long prefixes, attached values, permutation, positional name', () => {
    const o = create('--temp=none', 'web', '--con', './seed.conf', '-B', 'dir', '--dir=/srv/rootfs/web')
    assert.equal(o.name, 'web')
    assert.deepEqual(o.template, {name: 'none'})
    assert.equal(o.configFile, './seed.conf')
    assert.equal(o.dir, '/srv/rootfs/web')
    assert.equal(create('-tbusybox', '-nweb').name, 'web')
  })

  it('hands the template everything after the name: operands and what follows --', () => {
    const o = create('-n', 'web', '-t', 'busybox', '--', '--busybox-path', '/opt/bb')
    assert.deepEqual(o.template, {name: 'busybox', busyboxPath: '/opt/bb'})
    assert.deepEqual(o.templateArgs, ['--busybox-path', '/opt/bb'])
    // An unambiguous prefix of the template's own option works too (getopt).
    assert.deepEqual(create('-n', 'web', '-t', 'busybox', '--', '--busybox=/x').template, {name: 'busybox', busyboxPath: '/x'})
  })

  it('accepts the spellings of a directory backing store', () => {
    for (const b of ['dir', 'none', 'best']) assert.equal(create('-n', 'w', '-t', 'none', '-B', b).bdev, 'dir')
  })

  const refusals: Array<[string, string[], string, string | RegExp]> = [
    // LXC: "A template must be specified" then 'Use "none" if ...'
    ['no template', ['-n', 'w'], 'CTR_NO_TEMPLATE', 'A template must be specified'],
    ['no name', ['-t', 'busybox'], 'CTR_NO_NAME', 'No container name specified'],
    ['an unknown template', ['-n', 'w', '-t', 'download'], 'CTR_UNKNOWN_TEMPLATE', 'Template "download" not found'],
    ['a template script path', ['-n', 'w', '-t', '/usr/share/lxc/templates/lxc-busybox'], 'CTR_UNKNOWN_TEMPLATE', /^Template ".*lxc-busybox" not found$/],
    // LXC: "--dir should use absolute path"
    ['a relative --dir', ['-n', 'w', '-t', 'none', '--dir', 'rootfs'], 'CTR_INVALID_DIR', '--dir should use absolute path'],
    ['a --dir with a line break', ['-n', 'w', '-t', 'none', '--dir', '/a\nb'], 'CTR_INVALID_DIR', /cannot be written to a config file/],
    // LXC: "foo is not a valid backing storage type"
    ['an invalid -B', ['-n', 'w', '-t', 'none', '-B', 'foo'], 'CTR_INVALID_BDEV', 'foo is not a valid backing storage type'],
    ['-B lvm', ['-n', 'w', '-t', 'none', '-B', 'lvm'], 'CTR_NOT_SUPPORTED', 'Backing store "lvm" is not supported yet'],
    ['-B btrfs', ['-n', 'w', '-t', 'busybox', '-B', 'btrfs'], 'CTR_NOT_SUPPORTED', 'Backing store "btrfs" is not supported yet'],
    // LXC: "--lvname, --vgname and --thinpool are only valid with -B lvm"
    ['--lvname without -B lvm', ['-n', 'w', '-t', 'none', '--lvname', 'x'], 'CTR_OPTION_CONFLICT', '--lvname, --vgname and --thinpool are only valid with -B lvm'],
    ['--fstype with -B dir', ['-n', 'w', '-t', 'none', '-B', 'dir', '--fstype', 'ext4'], 'CTR_OPTION_CONFLICT', 'Filesystem type and size are only valid with block devices'],
    ['--zfsroot without -B zfs', ['-n', 'w', '-t', 'none', '--zfsroot', 'tank'], 'CTR_OPTION_CONFLICT', 'zfsroot is only valid with -B zfs'],
    ['--rbdname without -B rbd', ['-n', 'w', '-t', 'none', '--rbdname', 'x'], 'CTR_OPTION_CONFLICT', '--rbdname and --rbdpool are only valid with -B rbd'],
    ['--lvname with -B lvm', ['-n', 'w', '-t', 'none', '-B', 'lvm', '--lvname', 'x'], 'CTR_NOT_SUPPORTED', 'Backing store "lvm" is not supported yet'],
    ['an unknown busybox option', ['-n', 'w', '-t', 'busybox', '--', '--rootfs', '/x'], 'CTR_TEMPLATE_ARGS', "Template busybox: unrecognized option '--rootfs'"],
    ['a stray template operand', ['-n', 'w', '-t', 'busybox', 'extra'], 'CTR_TEMPLATE_ARGS', 'Template busybox: unexpected argument "extra"'],
    ['arguments for none', ['-n', 'w', '-t', 'none', '--', '-x'], 'CTR_TEMPLATE_ARGS', 'Template none takes no arguments (got "-x")'],
    ['--rcfile (lxc-create ignores it; the seed is -f)', ['-n', 'w', '-t', 'none', '--rcfile', 'x'], 'CTR_USAGE', "unrecognized option '--rcfile'"],
    ['a bad name', ['-n', '../x', '-t', 'none'], 'CTR_INVALID_NAME', 'Invalid container name "../x"'],
  ]
  for (const [what, argv, code, message] of refusals) {
    it(`refuses ${what}`, () => fails(() => parseCreate(argv, ENV), code, message))
  }

  it('lists the known templates when -t names another', () => {
    assert.throws(() => parseCreate(['-n', 'w', '-t', 'ubuntu'], ENV), (error: CtrError) => {
      assert.ok(error.hints.some((h) => h.startsWith('Known templates: busybox (') && h.includes('none (')), error.hints.join(' | '))
      return true
    })
  })

  it('answers help, usage and version before checking anything else', () => {
    assert.deepEqual(parseCreate(['--usage'], ENV), {action: 'usage'})
    assert.deepEqual(parseCreate(['--version', '-t', 'bogus'], ENV), {action: 'version'})
    assert.deepEqual(parseCreate(['-?'], ENV), {action: 'help', exitCode: 1})
  })

  it('is ambiguous where lxc-create is: --l matches --lvname and the common --log*, --lxcpath', () => {
    assert.throws(() => parseCreate(['--l', 'x', '-n', 'w', '-t', 'none'], ENV), (error: unknown) => {
      assert.ok(error instanceof UsageError)
      assert.match(error.message, /^option '--l' is ambiguous; possibilities: '--lvname' '--logfile' '--logpriority' '--lxcpath'$/)
      return true
    })
  })

  it('documents itself: summary, examples, every option in --usage', () => {
    assert.ok(CREATE_SPEC.examples.length >= 4)
    const usage = formatUsage(CREATE_SPEC, 'ctr create')
    for (const flag of ['-B|--bdev=BDEV', '-f|--config=CONFIG', '-t|--template=TEMPLATE', '--dir=DIR', '--json']) assert.ok(usage.includes(flag), `${flag} in ${usage}`)
  })
})

describe('ctr destroy argv', () => {
  it('reads -f and -s', () => {
    assert.deepEqual([destroy('-n', 'web').force, destroy('-n', 'web').snapshots], [false, false])
    const o = destroy('web', '-fs', '--rcfile', '/x.conf')
    assert.deepEqual([o.name, o.force, o.snapshots, o.rcfile], ['web', true, true, '/x.conf'])
    assert.equal(destroy('--forc', '--snap', '-n', 'web').force, true)
  })

  it('refuses extra operands (lxc-destroy ignores them) and a missing name', () => {
    fails(() => parseDestroy(['web', 'db'], ENV), 'CTR_UNEXPECTED_ARGUMENT', 'Unexpected argument "db"')
    fails(() => parseDestroy(['-f'], ENV), 'CTR_NO_NAME', 'No container name specified')
    // As everywhere in ctr, a word after -- is never the name.
    fails(() => parseDestroy(['-f', '--', 'x'], ENV), 'CTR_NO_NAME', 'No container name specified')
  })

  it('takes the name from $CTR_NAME last', () => {
    assert.equal(options(parseDestroy(['-f'], {CTR_NAME: 'web'})).name, 'web')
  })

  it('documents itself', () => {
    assert.ok(DESTROY_SPEC.examples.length >= 3)
    assert.ok(formatUsage(DESTROY_SPEC, 'ctr destroy').includes('[-f|--force]'))
  })
})
