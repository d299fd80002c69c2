// sys/config-loader.ts against real files in a temp directory: includes
// (file, directory, missing, relative, cycles), several files, `-s`
// defines, and the global config file. No mocks.

import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {getConfigItem} from '../../src/core/config/get-item.js'
import {CtrError, SysError} from '../../src/core/errors.js'
import {loadContainerConfig, loadGlobalConfig, MAX_CONFIG_FILES, MAX_INCLUDE_DEPTH} from '../../src/sys/config-loader.js'
import {MAX_TEXT_FILE_BYTES} from '../../src/sys/read-text.js'
import type {LoadConfigOptions} from '../../src/sys/config-loader.js'

let root: string

before(() => {
  root = mkdtempSync(join(tmpdir(), 'ctr-config-'))
})

after(() => {
  rmSync(root, {recursive: true, force: true})
})

let counter = 0

/** A fresh directory with the given files (relative path -> content). */
function tree(files: Record<string, string>): string {
  const dir = join(root, `t${counter++}`)
  mkdirSync(dir)
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), {recursive: true})
    writeFileSync(join(dir, name), content)
  }
  return dir
}

function load(options: LoadConfigOptions) {
  return loadContainerConfig({env: {}, capLastCap: 40, ...options})
}

function fails(options: LoadConfigOptions): CtrError {
  try {
    load(options)
  } catch (error) {
    assert.ok(error instanceof CtrError, String(error))
    return error
  }
  assert.fail('expected the load to fail')
}

describe('loadContainerConfig: files', () => {
  it('reads one file and reports martian lines with file:line', () => {
    const dir = tree({config: 'lxc.uts.name = a\nlcx.tty.max = 1\n'})
    const {config, warnings, files} = load({files: join(dir, 'config')})
    assert.equal(config.utsName, 'a')
    assert.deepEqual(files, [join(dir, 'config')])
    assert.deepEqual(warnings.map((w) => [w.file, w.line, w.code]), [[join(dir, 'config'), 2, 'CTR_CONFIG_MARTIAN']])
  })

  it('applies several files in order into one config', () => {
    const dir = tree({a: 'lxc.uts.name = a\nlxc.mount.entry = x y z w\n', b: 'lxc.uts.name = b\nlxc.mount.entry = p q r s\n'})
    const {config} = load({files: [join(dir, 'a'), join(dir, 'b')]})
    assert.equal(config.utsName, 'b')
    assert.deepEqual(config.mountEntriesRaw, ['x y z w', 'p q r s'])
  })

  it('a missing top-level file is a SysError', () => {
    assert.throws(() => load({files: join(root, 'nope', 'config')}), (e: unknown) => {
      assert.ok(e instanceof SysError)
      assert.equal(e.errno, 'ENOENT')
      assert.equal(e.message, `Failed to open "${join(root, 'nope', 'config')}": ENOENT`)
      return true
    })
  })

  it('errors point at the file and line', () => {
    const dir = tree({config: 'lxc.uts.name = a\n\nlxc.bogus = 1\n'})
    const e = fails({files: join(dir, 'config')})
    assert.equal(e.message, `${join(dir, 'config')}:3: Unsupported config key "lxc.bogus"`)
  })

  it('reports the first error in file order, as LXC does', () => {
    const dir = tree({config: 'lxc.bogus = 1\nlxc.uts.name\n'})
    assert.match(fails({files: join(dir, 'config')}).message, /config:1: Unsupported config key/)
  })
})

describe('loadContainerConfig: lxc.include', () => {
  it('includes a file where the line is', () => {
    const dir = tree({'inc.conf': 'lxc.uts.name = inc\nlxc.tty.max = 3\n'})
    const top = tree({config: `lxc.uts.name = before\nlxc.include = ${join(dir, 'inc.conf')}\nlxc.tty.max = 4\n`})
    const {config, files} = load({files: join(top, 'config')})
    assert.deepEqual([config.utsName, config.tty.max], ['inc', 4])
    assert.deepEqual(files, [join(top, 'config'), join(dir, 'inc.conf')])
    assert.deepEqual(config.entries.map((e) => [e.file === join(dir, 'inc.conf') ? 'inc' : 'top', e.line]), [
      ['top', 1], ['top', 2], ['inc', 1], ['inc', 2], ['top', 3],
    ])
  })

  it('includes a directory: *.conf of 6+ characters, sorted, not recursive', () => {
    const dir = tree({
      'd/b.conf': 'lxc.uts.name = b\nlxc.group = b\n',
      'd/a.conf': 'lxc.uts.name = a\nlxc.group = a\n',
      'd/10-z.conf': 'lxc.group = 10-z\n',
      'd/.conf': 'lxc.group = hidden-too-short\n',
      'd/x.CONF': 'lxc.group = upper\n',
      'd/c.conf.bak': 'lxc.group = bak\n',
      'd/sub/e.conf': 'lxc.group = nested\n',
    })
    const top = tree({config: `lxc.include = ${join(dir, 'd')}\n`})
    const {config} = load({files: join(top, 'config')})
    assert.deepEqual(config.groups, ['10-z', 'a', 'b'])
    assert.equal(config.utsName, 'b', 'the last file in sorted order wins')
  })

  it('a trailing slash means a directory', () => {
    const dir = tree({'d/one.conf': 'lxc.uts.name = one\n'})
    assert.equal(load({files: tree({config: `lxc.include = ${join(dir, 'd')}/\n`}) + '/config'}).config.utsName, 'one')
  })

  it('skips a missing directory with a warning', () => {
    const top = tree({config: `lxc.include = ${join(root, 'absent.d')}/\nlxc.uts.name = x\n`})
    const {config, warnings} = load({files: join(top, 'config')})
    assert.equal(config.utsName, 'x')
    assert.deepEqual(warnings.map((w) => [w.line, w.code]), [[1, 'CTR_CONFIG_INCLUDE_MISSING']])
  })

  it('a missing file is an error at the including line', () => {
    const top = tree({config: `lxc.uts.name = x\nlxc.include = ${join(root, 'absent.conf')}\n`})
    const e = fails({files: join(top, 'config')})
    assert.equal(e.code, 'CTR_CONFIG_INCLUDE')
    assert.equal(e.message, `${join(top, 'config')}:2: Failed to include "${join(root, 'absent.conf')}": ENOENT`)
    assert.equal(e.details?.['errno'], 'ENOENT')
  })

  it('an empty include does nothing', () => {
    assert.equal(load({files: join(tree({config: 'lxc.include =\nlxc.uts.name = x\n'}), 'config')}).config.utsName, 'x')
  })

  it('resolves relative paths against the working directory, not the including file (LXC)', () => {
    const dir = tree({'sub/a.conf': 'lxc.uts.name = rel\n', 'c.conf': 'lxc.include = sub/a.conf\n'})
    const top = tree({config: 'lxc.include = c.conf\n'})
    assert.equal(load({files: join(top, 'config'), cwd: dir}).config.utsName, 'rel')
    assert.equal(fails({files: join(top, 'config'), cwd: top}).code, 'CTR_CONFIG_INCLUDE')
  })

  it('reports include cycles instead of recursing', () => {
    const dir = tree({})
    writeFileSync(join(dir, 'a.conf'), `lxc.uts.name = a\nlxc.include = ${join(dir, 'b.conf')}\n`)
    writeFileSync(join(dir, 'b.conf'), `lxc.include = ${join(dir, 'a.conf')}\n`)
    const e = fails({files: join(dir, 'a.conf')})
    assert.equal(e.code, 'CTR_CONFIG_INCLUDE')
    assert.equal(e.message, `${join(dir, 'b.conf')}:1: Include cycle: ${join(dir, 'a.conf')} -> ${join(dir, 'b.conf')} -> ${join(dir, 'a.conf')}`)
  })

  it('sees through symlinks when looking for cycles', () => {
    const dir = tree({})
    writeFileSync(join(dir, 'self.conf'), `lxc.include = ${join(dir, 'link.conf')}\n`)
    symlinkSync(join(dir, 'self.conf'), join(dir, 'link.conf'))
    assert.match(fails({files: join(dir, 'self.conf')}).message, /Include cycle/)
  })

  it('allows the same file twice when it is not nested', () => {
    const dir = tree({'g.conf': 'lxc.group = g\n'})
    const top = tree({config: `lxc.include = ${join(dir, 'g.conf')}\nlxc.include = ${join(dir, 'g.conf')}\n`})
    assert.deepEqual(load({files: join(top, 'config')}).config.groups, ['g', 'g'])
  })

  it('an error inside an included file names that file', () => {
    const dir = tree({'bad.conf': '\nlxc.tty.max = x\n'})
    const top = tree({config: `lxc.include = ${join(dir, 'bad.conf')}\n`})
    assert.match(fails({files: join(top, 'config')}).message, new RegExp(`^${join(dir, 'bad.conf')}:2: Invalid value for "lxc.tty.max"`))
  })
})

describe('loadContainerConfig: -s defines', () => {
  const dir = (): string => tree({config: 'lxc.uts.name = file\nlxc.mount.entry = a b c d\nlxc.tty.max = 2\nlxc.cap.drop = mknod\n'})

  it('apply after the files: scalars override, lists append, empty clears', () => {
    const {config} = load({files: join(dir(), 'config'), defines: ['lxc.uts.name=def', 'lxc.mount.entry = e f g h', 'lxc.tty.max=', 'lxc.cap.drop=sys_module']})
    assert.equal(config.utsName, 'def')
    assert.deepEqual(config.mountEntriesRaw, ['a b c d', 'e f g h'])
    assert.equal(config.tty.max, 0)
    assert.deepEqual(config.caps.drop.map((c) => c.name), ['mknod', 'sys_module'])
    assert.equal(getConfigItem(config, 'lxc.uts.name'), 'def')
    assert.deepEqual(config.entries.at(-1), {key: 'lxc.cap.drop', value: 'sys_module', file: '<define>', line: 4, canonical: 'lxc.cap.drop'})
  })

  it('are located as <define>', () => {
    const e = fails({files: join(dir(), 'config'), defines: ['lxc.uts.name=x', 'lxc.bogus=1']})
    assert.equal(e.message, '<define>:2: Unsupported config key "lxc.bogus"')
    assert.match(fails({files: join(dir(), 'config'), defines: ['uts.name=x']}).message, /^<define>:1: Invalid define/)
  })

  it('an include define reads the file', () => {
    const inc = tree({'i.conf': 'lxc.uts.name = included\n'})
    assert.equal(load({files: join(dir(), 'config'), defines: [`lxc.include=${join(inc, 'i.conf')}`]}).config.utsName, 'included')
  })

  it('lxc.environment = NAME copies from the given environment', () => {
    const top = tree({config: 'lxc.environment = TERM\n'})
    assert.deepEqual(load({files: join(top, 'config'), env: {TERM: 'xterm'}}).config.environment, [['TERM', 'xterm']])
    assert.match(fails({files: join(top, 'config'), env: {}}).message, /"TERM" is not set/)
  })
})

describe('loadGlobalConfig', () => {
  it('reads the file', () => {
    const dir = tree({'ctr.conf': 'lxc.lxcpath = /srv/ctr//\nlxc.bdev.lvm.vg = vg0\nlxc.bogus = 1\n'})
    const g = loadGlobalConfig(join(dir, 'ctr.conf'))
    assert.deepEqual([g.lxcpath, g.bdev.lvmVg, g.bdev.zfsRoot], ['/srv/ctr', 'vg0', 'lxc'])
    assert.deepEqual(g.warnings.map((w) => [w.file, w.line, w.code]), [[join(dir, 'ctr.conf'), 3, 'CTR_GLOBAL_CONFIG_KEY']])
  })

  it('gives the defaults when the file is missing', () => {
    const g = loadGlobalConfig(join(root, 'missing.conf'))
    assert.deepEqual([g.lxcpath, g.defaultConfig, g.bdev.lvmVg, g.bdev.rbdUser], [undefined, undefined, 'lxc', undefined])
  })

  it('fails on a directory', () => {
    assert.throws(() => loadGlobalConfig(root), (e: unknown) => e instanceof CtrError && /^Failed to read ".*": not a regular file \(a directory, EISDIR\)$/.test(e.message))
  })
})

// Issue 11, defect 6: input that hung ctr or ate its memory.
describe('bounded config input', () => {
  const located = (pattern: RegExp) => (e: unknown): boolean => e instanceof CtrError && pattern.test(e.message)

  it('refuses to include, read or seed from anything but a regular file', () => {
    for (const [device, kind] of [['/dev/zero', 'a character device'], ['/dev/urandom', 'a character device'], ['/', 'a directory']] as const) {
      const dir = tree({config: `lxc.uts.name = a\nlxc.include = ${device === '/' ? '/proc/self/cwd/' : device}\n`})
      if (device === '/') continue
      assert.throws(() => load({files: join(dir, 'config')}), located(new RegExp(`config:2: Failed to include "${device}": not a regular file \\(${kind}\\)$`)))
    }
    assert.throws(() => load({files: '/dev/zero'}), located(/^Failed to read "\/dev\/zero": not a regular file \(a character device\)$/))
  })

  it('refuses a FIFO without waiting for a writer', {timeout: 20_000}, () => {
    const dir = tree({})
    const fifo = join(dir, 'fifo.conf')
    const made = spawnSync('mkfifo', [fifo])
    assert.equal(made.status, 0, String(made.stderr))
    writeFileSync(join(dir, 'config'), `lxc.include = ${fifo}\n`)
    assert.throws(() => load({files: join(dir, 'config')}), located(/config:1: Failed to include ".*fifo\.conf": not a regular file \(a FIFO\)$/))
  })

  it('refuses a file over the size cap', () => {
    const dir = tree({'big.conf': `# ${'x'.repeat(MAX_TEXT_FILE_BYTES)}\n`, config: 'lxc.include = big.conf\n'})
    assert.throws(() => load({files: join(dir, 'config'), cwd: dir}), located(/config:1: Failed to include ".*big\.conf": larger than 16 MiB, the most ctr reads$/))
    assert.throws(() => load({files: join(dir, 'big.conf')}), located(/^Failed to read ".*big\.conf": larger than 16 MiB/))
  })

  it('bounds the fan-out of includes (4^10 includes) and their depth', {timeout: 20_000}, () => {
    // Within the depth bound: 10 files each including the next 4 times.
    const files: Record<string, string> = {'f10.conf': 'lxc.uts.name = leaf\n'}
    for (let i = 0; i < 10; i++) files[`f${i}.conf`] = `lxc.include = f${i + 1}.conf\n`.repeat(4)
    const dir = tree(files)
    assert.throws(() => load({files: join(dir, 'f0.conf'), cwd: dir}), located(new RegExp(`More than ${MAX_CONFIG_FILES} config files to read`)))
    const chain: Record<string, string> = {'c40.conf': 'lxc.uts.name = leaf\n'}
    for (let i = 0; i < 40; i++) chain[`c${i}.conf`] = `lxc.include = c${i + 1}.conf\n`
    const deep = tree(chain)
    assert.throws(() => load({files: join(deep, 'c0.conf'), cwd: deep}), located(new RegExp(`c${MAX_INCLUDE_DEPTH - 1}\\.conf:1: Includes nest deeper than ${MAX_INCLUDE_DEPTH} files`)))
    // Just inside the bound still loads.
    const ok: Record<string, string> = {[`d${MAX_INCLUDE_DEPTH - 1}.conf`]: 'lxc.uts.name = leaf\n'}
    for (let i = 0; i < MAX_INCLUDE_DEPTH - 1; i++) ok[`d${i}.conf`] = `lxc.include = d${i + 1}.conf\n`
    const fine = tree(ok)
    assert.equal(load({files: join(fine, 'd0.conf'), cwd: fine}).config.utsName, 'leaf')
  })

  // The node:test timeout guards against a hang; timing belongs in bench/.
  // 100k lines of the kinds that were quadratic (a list copied on every
  // append, a scan of every key per NIC), 20k of the others.
  it('loads 100k list lines, and a 1 MB key, in linear time', {timeout: 180_000}, () => {
    const many = new Set(['env', 'capdrop', 'net', 'sysctl'])
    const kinds: Record<string, (i: number) => string> = {
      env: (i) => `lxc.environment = V${i}=x`,
      mount: (i) => `lxc.mount.entry = /a${i} b${i} none bind 0 0`,
      sysctl: (i) => `lxc.sysctl.net.x${i} = 1`,
      capdrop: () => 'lxc.cap.drop = sys_admin',
      cgroup: (i) => `lxc.cgroup2.memory.max = ${i}`,
      hook: (i) => `lxc.hook.pre-start = /bin/true ${i}`,
      net: (i) => `lxc.net.${i}.type = empty`,
    }
    for (const [kind, line] of Object.entries(kinds)) {
      const n = many.has(kind) ? 100_000 : 20_000
      const dir = tree({config: `${Array.from({length: n}, (_, i) => line(i)).join('\n')}\n`})
      const {config} = load({files: join(dir, 'config')})
      const sizes: Record<string, number> = {
        env: config.environment.length, mount: config.mountEntries.length, sysctl: config.sysctls.length, capdrop: config.caps.drop.length,
        cgroup: config.cgroup.v2.length, hook: config.hooks['pre-start'].length, net: config.nets.length,
      }
      assert.equal(sizes[kind], n, kind)
    }
    const dir = tree({config: `lxc.${'a'.repeat(1 << 20)} = 1\n`})
    assert.throws(() => load({files: join(dir, 'config')}), located(/config:1: Unsupported config key "lxc\.aaaa/))
  })
})
