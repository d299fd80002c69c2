// Reading the host's cgroup layout for `ctr start` (core/cgroup/layout.ts
// does the parsing): /proc/self/mountinfo, /proc/self/cgroup, /proc/1/cgroup,
// and the v2 cgroup.controllers where the container's cgroup may go.

import {accessSync, constants as fsConstants, readFileSync} from 'node:fs'

import {buildCgroupLayout, hierarchyDir, pruneInitScope, type CgroupLayout} from '../core/cgroup/layout.js'

/**
 * The cgroup layout as this process sees it, or undefined when no cgroup
 * hierarchy is mounted (or /proc is unreadable). Never throws. Reads a
 * handful of small files; no side effects.
 */
export function readCgroupLayout(): CgroupLayout | undefined {
  const mountinfo = readText('/proc/self/mountinfo')
  const selfCgroup = readText('/proc/self/cgroup')
  if (mountinfo === undefined || selfCgroup === undefined) return undefined
  const initCgroup = readText('/proc/1/cgroup')
  const euid = process.geteuid?.() ?? 0
  const layout = parsedLayout(mountinfo, selfCgroup, initCgroup, euid)
  if (!layout) return undefined
  for (const h of layout.hierarchies) {
    const selfDir = hierarchyDir(h.mountPoint, h.mountRoot, h.selfPath)
    if (h.version === 2) {
      const initDir = h.initPath === undefined ? undefined : hierarchyDir(h.mountPoint, h.mountRoot, pruneInitScope(h.initPath))
      const self = selfDir === undefined ? undefined : readControllers(selfDir)
      const init = initDir === undefined ? undefined : readControllers(initDir)
      h.available = {...(self === undefined ? {} : {self}), ...(init === undefined ? {} : {init})}
    }
    if (euid !== 0) h.selfWritable = selfDir !== undefined && isWritable(selfDir)
  }
  return layout
}

// The parse of the last texts read: a program that starts many containers
// (the library, --many) reads the same three files for each, and parsing
// them cost more than reading them (issue 13). The texts are read every
// time, so a mount, a move to another cgroup or a change of pid 1's is seen
// at the next start; only an identical input reuses the parse, copied, since
// the caller fills in per-hierarchy facts (below) that are read afresh.
let last: {mountinfo: string; selfCgroup: string; initCgroup: string | undefined; euid: number; layout: CgroupLayout | undefined} | undefined

function parsedLayout(mountinfo: string, selfCgroup: string, initCgroup: string | undefined, euid: number): CgroupLayout | undefined {
  if (last === undefined || last.mountinfo !== mountinfo || last.selfCgroup !== selfCgroup || last.initCgroup !== initCgroup || last.euid !== euid) {
    const layout = buildCgroupLayout({mountinfo, selfCgroup, ...(initCgroup === undefined ? {} : {initCgroup}), euid})
    last = {mountinfo, selfCgroup, initCgroup, euid, layout}
  }
  const layout = last.layout
  if (!layout) return undefined
  return {...layout, hierarchies: layout.hierarchies.map((h) => {
    const {available: _a, selfWritable: _w, ...facts} = h
    return facts
  })}
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

function readControllers(dir: string): string[] | undefined {
  const text = readText(`${dir}/cgroup.controllers`)
  return text === undefined ? undefined : text.split(/\s+/).filter((c) => c !== '')
}

function isWritable(dir: string): boolean {
  try {
    accessSync(dir, fsConstants.W_OK)
    return true
  } catch {
    return false
  }
}
