// The getopt_long argv forms of docs/lxc-contract.md §0.1, end to end on
// real containers, both ways in: positional names and states, $CTR_NAME,
// grouped and attached short options, long-option prefixes, --opt=val,
// options after operands, `--`, and what is refused.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {WAYS, describeResult, rootOnly, useSandbox} from './helpers.js'

const T = {timeout: 60_000}

describe('argv forms', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('argv')

  for (const via of WAYS) {
    it(`takes the states as an operand: ctr wait -n NAME RUNNING -t 5, ctr wait NAME RUNNING (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('web')
      sb.defineRootfs(name, {init: '/sbin/test-init pause'})
      assert.equal((await sb.ctr(['start', name], {via})).code, 0, 'the name as the first operand')
      for (const args of [['-n', name, 'RUNNING', '-t', '5'], [name, 'RUNNING', '-t', '5'], [name, '-t', '5', 'RUNNING|FROZEN']]) {
        const r = await sb.ctr(['wait', ...args], {via})
        assert.equal(r.code, 0, describeResult(r))
      }
    })

    it(`takes the name from $CTR_NAME: CTR_NAME=web ctr start; ctr wait RUNNING -t 5 (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('env')
      sb.defineRootfs(name, {init: '/sbin/test-init pause'})
      const env = {CTR_NAME: name}
      const start = await sb.ctr(['start'], {via, env})
      assert.equal(start.code, 0, describeResult(start))
      const wait = await sb.ctr(['wait', 'RUNNING', '-t', '5'], {via, env})
      assert.equal(wait.code, 0, describeResult(wait))
      const info = await sb.ctr(['info', '-sH'], {via, env})
      assert.equal(info.stdout, 'RUNNING\n')
      // -n wins over $CTR_NAME.
      const other = await sb.ctr(['info', '-n', sb.name('other'), '-sH'], {via, env})
      assert.equal(other.code, 1, describeResult(other))
      const stop = await sb.ctr(['stop', '-k'], {via, env})
      assert.equal(stop.code, 0, describeResult(stop))
      assert.equal((await sb.ctr(['info', '-sH'], {via, env})).stdout, 'STOPPED\n')
    })

    it(`groups short options and attaches values: -sHn NAME, -nNAME, -kn NAME, -t5 (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('grp')
      sb.defineRootfs(name, {init: '/sbin/test-init pause'})
      assert.equal((await sb.ctr([`start`, `-n${name}`], {via})).code, 0)
      const info = await sb.ctr(['info', '-sHn', name], {via})
      assert.equal(info.stdout, 'RUNNING\n', describeResult(info))
      const wait = await sb.ctr(['wait', `-n${name}`, '-sRUNNING', '-t5'], {via})
      assert.equal(wait.code, 0, describeResult(wait))
      const stop = await sb.ctr(['stop', '-kn', name], {via})
      assert.equal(stop.code, 0, describeResult(stop))
      // -d then -F: the last one wins (foreground: the output comes back).
      const fg = await sb.ctr(['start', '-dFn', name, '--', '/sbin/test-init', 'print', 'pid'], {via})
      assert.equal(fg.code, 0, describeResult(fg))
      assert.equal(fg.stdout, 'pid 1\n')
    })

    it(`accepts unambiguous long prefixes and --opt=val: --fore, --na, --time, --name=NAME (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('long')
      sb.defineRootfs(name, {init: '/sbin/test-init pause'})
      const fg = await sb.ctr(['start', '--na', name, '--fore', '--', '/sbin/test-init', 'print', 'pid'], {via})
      assert.equal(fg.code, 0, describeResult(fg))
      assert.equal(fg.stdout, 'pid 1\n')
      assert.equal((await sb.ctr(['start', `--name=${name}`, '--daemon'], {via})).code, 0)
      const wait = await sb.ctr(['wait', '--na', name, '--st', 'RUNNING', '--time', '5'], {via})
      assert.equal(wait.code, 0, describeResult(wait))
      const timeout = await sb.ctr(['wait', `--name=${name}`, '--state=FROZEN', '--timeout=0'], {via})
      assert.equal(timeout.code, 1, describeResult(timeout))
      // `--stat` could be --state or --stats: ambiguous, exit 1.
      const ambiguous = await sb.ctr(['info', '-n', name, '--stat'], {via})
      assert.equal(ambiguous.code, 1, describeResult(ambiguous))
      assert.match(ambiguous.stderr, /ambiguous/)
      assert.equal((await sb.ctr(['stop', '--na', name, '--k'], {via})).code, 0)
    })

    it(`takes options after operands: ctr stop NAME -k, ctr info NAME -sH (${via})`, T, async () => {
      const sb = sandbox()
      const name = sb.name('after')
      sb.defineRootfs(name, {init: '/sbin/test-init pause'})
      assert.equal((await sb.ctr(['start', name, '-d'], {via})).code, 0)
      assert.equal((await sb.ctr(['info', name, '-sH'], {via})).stdout, 'RUNNING\n')
      const stop = await sb.ctr(['stop', name, '-k'], {via})
      assert.equal(stop.code, 0, describeResult(stop))
      assert.equal((await sb.ctr(['info', name, '-sH'], {via})).stdout, 'STOPPED\n')
      // The name first, the command after --: lxc-start c1 -F -- /bin/sh.
      const fg = await sb.ctr(['start', name, '-F', '--', '/sbin/test-init', 'print', 'pid'], {via})
      assert.equal(fg.stdout, 'pid 1\n', describeResult(fg))
    })
  }

  it('stops option parsing at --: options of the command are not ctr\'s', T, async () => {
    const sb = sandbox()
    const name = sb.name('dashdash')
    sb.defineRootfs(name)
    const r = await sb.ctr(['start', '-n', name, '-F', '--', '/bin/sh', '-c', 'echo "$@"', 'sh', '-h', '--version', '-n', 'x'])
    assert.equal(r.code, 0, describeResult(r))
    assert.equal(r.stdout, '-h --version -n x\n')
  })

  it('removes trailing slashes from -P and refuses a second -P', T, async () => {
    const sb = sandbox()
    const name = sb.name('lxcpath')
    sb.defineRootfs(name, {init: '/sbin/test-init pause'})
    assert.equal((await sb.ctr(['start', '-n', name, '-P', `${sb.lxcpath}//`], {env: {CTR_PATH: undefined}})).code, 0)
    // The same container whichever way the path is spelled.
    const info = await sb.ctr(['info', '-n', name, '-sH', '-P', sb.lxcpath], {env: {CTR_PATH: undefined}})
    assert.equal(info.stdout, 'RUNNING\n', describeResult(info))
    const twice = await sb.ctr(['info', '-n', name, '-P', sb.lxcpath, '-P', sb.lxcpath])
    assert.equal(twice.code, 1, describeResult(twice))
    assert.match(twice.stderr, /^This command only accepts 1 -P,--lxcpath arguments$/m)
  })

  it('silences `ctr <command>:` messages with -q, but not lxc-info\'s bare "doesn\'t exist"', T, async () => {
    const sb = sandbox()
    const name = sb.name('quiet')
    const stop = await sb.ctr(['stop', '-n', name, '-q'])
    assert.equal(stop.code, 2, describeResult(stop))
    assert.equal(stop.stderr, '')
    const wait = await sb.ctr(['wait', '-q', '-n', name, '-s', 'RUNNING', '-t', '0'])
    assert.equal(wait.code, 1, describeResult(wait))
    assert.equal(wait.stderr, '')
    const info = await sb.ctr(['info', '-q', '-n', name])
    assert.equal(info.code, 1, describeResult(info))
    assert.match(info.stderr, new RegExp(`^${name} doesn't exist$`, 'm'))
  })

  it('refuses extra operands, bad names and a missing option argument: exit 1', T, async () => {
    const sb = sandbox()
    const cases: Array<[string[], RegExp]> = [
      [['stop', 'a', 'b'], /Unexpected argument "b"/],
      [['info', '-n', '../etc'], /Invalid container name/],
      [['info', '-n', '.'], /Invalid container name/],
      [['wait', '-n', 'x', '-s'], /requires an argument/],
      [['stop', '-n', 'x', '-t'], /requires an argument/],
    ]
    for (const [args, message] of cases) {
      const r = await sb.ctr(args)
      assert.equal(r.code, 1, describeResult(r))
      assert.match(r.stderr, message)
    }
  })
})
