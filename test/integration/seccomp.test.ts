// lxc.seccomp.profile end to end: a real container whose init probes system
// calls from inside (test-init syscall: the x86_64 call, the same call
// through int 0x80 as a 32-bit process and through the x32 ABI), the filter
// seen from the host in /proc/PID/status, and policies ctr refuses before
// anything starts.

import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {REPO, TEST_INIT_BUILD, describeResult, procStatusField, rootOnly, useSandbox, waitForFile, type Sandbox} from './helpers.js'

/**
 * The 32-bit probes need a kernel that runs int 0x80 system calls (ia32
 * emulation; off with CONFIG_IA32_EMULATION=n or ia32_emulation=0, where
 * int 0x80 dies with SIGSEGV even without a policy). Probed on the host,
 * with no policy, in a directory of its own.
 */
function ia32Skip(): string | false {
  if (!existsSync(TEST_INIT_BUILD)) return false
  const dir = mkdtempSync(join(tmpdir(), 'ctr-ia32-'))
  try {
    const r = spawnSync(TEST_INIT_BUILD, ['syscall', 'mkdir-i386', join(dir, 'x')], {encoding: 'utf8'})
    if (r.status === 0 && r.stdout.includes('mkdir-i386 ok')) return false
    return `the kernel cannot run 32-bit (int 0x80) system calls: the probe ${r.signal ? `died of ${r.signal}` : `said ${JSON.stringify(r.stdout.trim())}`}`
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
const IA32 = ia32Skip()

const T = {timeout: 60_000}

// CLONE_NEWUTS and CLONE_NEWIPC, for unshare(2).
const NEWUTS = '0x04000000'
const NEWIPC = '0x08000000'

const POLICY = `2
denylist
# mkdir fails with EPERM for every x86 ABI; unshare only when it asks for a UTS namespace
mkdir errno 1
unshare errno 38 [0,${NEWUTS},SCMP_CMP_MASKED_EQ,${NEWUTS}]
`

/** Writes a policy file in the sandbox; returns its path. */
function writePolicy(sb: Sandbox, name: string, text: string): string {
  const path = join(sb.root, `${name}.seccomp`)
  writeFileSync(path, text)
  return path
}

/** Runs `test-init syscall ARGS` in the foreground under POLICY; returns its output lines. */
async function probe(sb: Sandbox, name: string, policy: string, args: string[]): Promise<{lines: string[]; code: number | null; stderr: string}> {
  sb.defineRootfs(name, {extra: [`lxc.seccomp.profile = ${writePolicy(sb, name, policy)}`]})
  const r = await sb.ctr(['start', '-n', name, '-F', '--', '/sbin/test-init', 'syscall', ...args])
  return {lines: r.stdout.split('\n').filter((l) => l !== ''), code: r.code, stderr: r.stderr}
}

describe('seccomp', {skip: rootOnly()}, () => {
  const sandbox = useSandbox('seccomp')

  it('the denied call fails with the policy\'s errno; other calls and arguments still work', T, async () => {
    const sb = sandbox()
    const name = sb.name('deny')
    const dir = `/tmp/${name}`
    const r = await probe(sb, name, POLICY, ['mkdir', `${dir}-a`, 'unshare', NEWUTS, 'unshare', NEWIPC, 'unshare', `${Number(NEWUTS) | Number(NEWIPC)}`])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.lines, ['mkdir errno 1', 'unshare errno 38', 'unshare ok', 'unshare errno 38'])
    assert.ok(!existsSync(join(sb.rootfs, `${dir}-a`)), 'mkdir did not run')
  })

  it('covers 32-bit x86 (int 0x80) system calls too, so they cannot bypass a denylist', {...T, skip: IA32}, async () => {
    const sb = sandbox()
    const name = sb.name('abi')
    const dir = `/tmp/${name}`
    const r = await probe(sb, name, POLICY, ['mkdir-i386', `${dir}-b`])
    assert.equal(r.code, 0, r.stderr)
    // Without the rule, i386 mkdir would succeed.
    assert.deepEqual(r.lines, ['mkdir-i386 errno 1'])
    assert.ok(!existsSync(join(sb.rootfs, `${dir}-b`)))
  })

  it('covers x32 system calls too, so they cannot bypass a denylist', T, async () => {
    const sb = sandbox()
    const name = sb.name('x32')
    const dir = `/tmp/${name}`
    const r = await probe(sb, name, POLICY, ['mkdir-x32', `${dir}-c`])
    assert.equal(r.code, 0, r.stderr)
    // Without the rule, x32 mkdir would be ENOSYS (38) on a kernel without x32.
    assert.deepEqual(r.lines, ['mkdir-x32 errno 1'])
    assert.ok(!existsSync(join(sb.rootfs, `${dir}-c`)))
  })

  // The i386 probe only where the kernel runs it (IA32); the rest always.
  it('without a policy the same probes succeed (the probe itself is sound)', T, async (t) => {
    const sb = sandbox()
    const name = sb.name('none')
    const dir = `/tmp/${name}`
    sb.defineRootfs(name)
    const i386 = IA32 === false ? ['mkdir-i386', `${dir}-b`] : []
    if (IA32 !== false) t.diagnostic(`i386 probe left out: ${IA32}`)
    const r = await sb.ctr(['start', '-n', name, '-F', '--', '/sbin/test-init', 'syscall', 'mkdir', `${dir}-a`, ...i386, 'unshare', NEWUTS])
    assert.equal(r.code, 0, describeResult(r))
    assert.deepEqual(r.stdout.split('\n').filter((l) => l !== ''), ['mkdir ok', ...(i386.length ? ['mkdir-i386 ok'] : []), 'unshare ok'])
    assert.ok(existsSync(join(sb.rootfs, `${dir}-a`)))
    if (i386.length) assert.ok(existsSync(join(sb.rootfs, `${dir}-b`)))
  })

  it('kill ends the payload with SIGSYS (exit status 128 + 31)', T, async () => {
    const sb = sandbox()
    const name = sb.name('kill')
    const r = await probe(sb, name, '2\ndenylist\nmkdir kill\n', ['unshare', NEWIPC, 'mkdir', `/tmp/${name}`])
    assert.equal(r.code, 159, r.stderr)
    assert.deepEqual(r.lines, ['unshare ok'])
  })

  it('the host sees the filter: Seccomp: 2 in /proc/PID/status of init', T, async () => {
    const sb = sandbox()
    const name = sb.name('status')
    const ready = sb.ready(name)
    sb.defineRootfs(name, {
      init: `/sbin/test-init pause --ready ${ready.inside}`,
      extra: [`lxc.seccomp.profile = ${writePolicy(sb, name, POLICY)}`],
    })
    const r = await sb.ctr(['start', '-n', name])
    assert.equal(r.code, 0, describeResult(r))
    await waitForFile(ready.host)
    const pid = await sb.initPid(name)
    assert.equal(procStatusField(pid, 'Seccomp'), '2')
    assert.equal(procStatusField(pid, 'Seccomp_filters'), '1')
    assert.equal(procStatusField(process.pid, 'Seccomp'), '0', 'the host side is not filtered')
  })

  it('LXC\'s common.seccomp loads, and warnings (an unknown call) reach stderr with file:line', T, async () => {
    const sb = sandbox()
    const name = sb.name('common')
    const policy = '2\ndenylist\nreject_force_umount  # comment this to allow umount -f;  not recommended\n[all]\nkexec_load errno 1\nopen_by_handle_at errno 1\ninit_module errno 1\nfinit_module errno 1\ndelete_module errno 1\nno_such_call errno 1\n'
    const r = await probe(sb, name, policy, ['mkdir', `/tmp/${name}`])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.lines, ['mkdir ok'])
    assert.match(r.stderr, new RegExp(`${name}\\.seccomp:10: Unknown system call "no_such_call"`))
  })

  it('names this installation\'s denylist when a config names the shipped one of another ctr that is gone', T, async () => {
    const sb = sandbox()
    const name = sb.name('moved')
    const gone = join(sb.root, 'old-ctr/config/default.seccomp')
    sb.defineRootfs(name, {extra: [`lxc.seccomp.profile = ${gone}`]})
    const r = await sb.ctr(['start', '-n', name, '-F', '--', '/sbin/test-init', 'true'])
    assert.equal(r.code, 1, describeResult(r))
    assert.equal(
      r.stderr,
      [
        `ctr start: Failed to read the seccomp policy "${gone}": ENOENT`,
        `It looks like ctr's default denylist from another installation of ctr: this one's is ${join(REPO, 'config/default.seccomp')}`,
        'Check lxc.seccomp.profile',
        '',
      ].join('\n'),
    )
  })

  it('refuses a policy it cannot honour before starting anything (notify), naming file and line', T, async () => {
    const sb = sandbox()
    const name = sb.name('notify')
    const r = await probe(sb, name, '2\ndenylist\nmkdir notify\n', ['mkdir', `/tmp/${name}`])
    assert.equal(r.code, 1)
    assert.match(r.stderr, new RegExp(`${name}\\.seccomp:3: The notify action is not supported`))
    assert.deepEqual(r.lines, [])
    assert.ok(!existsSync(join(sb.rootfs, `/tmp/${name}`)))
  })
})
