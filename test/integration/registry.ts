// A throw-away npm registry on 127.0.0.1 for the install tests: serves the
// tarballs `npm pack` made (ctr-lxc and its platform packages) and, for the
// dependencies, tarballs of the packages already in this checkout's
// node_modules. npm installs from it exactly as it would from the public
// registry (metadata, os/cpu selection of optional dependencies, tarballs,
// integrity), with nothing fetched from elsewhere. Read-only; stops with
// `close()`.

import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {dirname, join} from 'node:path'

interface Version {
  manifest: Record<string, unknown>
  tarball: Buffer
}

export interface LocalRegistry {
  url: string
  close(): Promise<void>
}

/** The tarball of a package directory as npm lays one out (everything under package/, no node_modules). */
function tarDirectory(dir: string): Buffer {
  return execFileSync('tar', ['-czf', '-', '--exclude=./node_modules', '--transform', 's,^\\.,package,', '-C', dir, '.'], {maxBuffer: 256 << 20})
}

function manifestOfTarball(tarball: Buffer): Record<string, unknown> {
  return JSON.parse(execFileSync('tar', ['-xzOf', '-', 'package/package.json'], {input: tarball}).toString('utf8')) as Record<string, unknown>
}

/**
 * The production dependency closure of `root`'s package.json, found the way
 * Node resolves them (each from the directory of the package that needs it).
 */
function dependencyDirs(root: string): string[] {
  const seen = new Set<string>()
  const queue: Array<[name: string, from: string]> = []
  const deps = (dir: string): string[] => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {dependencies?: Record<string, string>}
    return Object.keys(pkg.dependencies ?? {})
  }
  for (const name of deps(root)) queue.push([name, root])
  while (queue.length > 0) {
    const [name, from] = queue.shift() as [string, string]
    let dir: string | undefined
    for (let d = from; ; d = dirname(d)) {
      const candidate = join(d, 'node_modules', name)
      if (existsSync(join(candidate, 'package.json'))) {
        dir = candidate
        break
      }
      if (dirname(d) === d) break
    }
    if (dir === undefined) throw new Error(`${name} (needed by ${from}) is not installed: run npm ci first`)
    if (seen.has(dir)) continue
    seen.add(dir)
    for (const dep of deps(dir)) queue.push([dep, dir])
  }
  return [...seen]
}

/** Starts the registry with the given packed tarballs plus `repo`'s installed production dependencies. */
export async function startRegistry(repo: string, tarballs: string[]): Promise<LocalRegistry> {
  const packages = new Map<string, Map<string, Version>>()
  const add = (tarball: Buffer): void => {
    const manifest = manifestOfTarball(tarball)
    const name = manifest.name as string
    const versions = packages.get(name) ?? new Map<string, Version>()
    versions.set(manifest.version as string, {manifest, tarball})
    packages.set(name, versions)
  }
  for (const file of tarballs) add(readFileSync(file))
  for (const dir of dependencyDirs(repo)) add(tarDirectory(dir))

  let base = ''
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/').slice(1)
    const tar = /^(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(path)
    if (tar) {
      const version = packages.get(tar[1] ?? '')?.get(tar[2] ?? '')
      if (!version) return void res.writeHead(404).end()
      res.writeHead(200, {'content-type': 'application/octet-stream'}).end(version.tarball)
      return
    }
    const versions = packages.get(path)
    if (!versions) return void res.writeHead(404, {'content-type': 'application/json'}).end('{"error":"Not found"}')
    const entries = [...versions.entries()]
    const packument = {
      name: path,
      'dist-tags': {latest: entries[entries.length - 1]?.[0]},
      versions: Object.fromEntries(
        entries.map(([v, {manifest, tarball}]) => [
          v,
          {
            ...manifest,
            _id: `${path}@${v}`,
            dist: {
              tarball: `${base}/${path}/-/${path.split('/').pop()}-${v}.tgz`,
              integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
            },
          },
        ]),
      ),
    }
    res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(packument))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: `${base}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
