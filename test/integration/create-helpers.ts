// What the create/destroy tests need beyond helpers.ts: a default config of
// their own (so that /etc/ctr/default.conf on the machine never seeds a
// test container), the readiness of busybox init, and a leftover check for
// processes of containers whose rootfs the sandbox did not build (their
// busybox is the container's own copy, which helpers.ts does not know).

import {lstatSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {fileId, isAlive, listPids, procExeId, readCmdline, until, waitForFile, type Sandbox} from './helpers.js'

/**
 * Writes `<sandbox>/<label>.ctr.conf` naming `<sandbox>/<label>.default.conf`
 * (holding `defaultConfig`) as lxc.default_config. Returns the env that
 * makes ctr use it.
 */
export function withDefaultConfig(sb: Sandbox, label: string, defaultConfig: string): {CTR_GLOBAL_CONFIG: string; defaultConfigPath: string} {
  const defaultConfigPath = join(sb.root, `${label}.default.conf`)
  const globalConfig = join(sb.root, `${label}.ctr.conf`)
  writeFileSync(defaultConfigPath, defaultConfig)
  writeFileSync(globalConfig, `lxc.default_config = ${defaultConfigPath}\n`)
  return {CTR_GLOBAL_CONFIG: globalConfig, defaultConfigPath}
}

/**
 * Resolves once busybox init in `rootfs` (host path) is up: its supervised
 * syslogd has logged that it started, which happens after init ran the
 * sysinit action, and busybox init blocks its halt and reboot signals
 * before that (so a `ctr stop` from now on is never lost). Follows inotify
 * events on /var/log; rejects after `timeoutMs`.
 */
export async function waitForBusyboxInit(rootfs: string, timeoutMs = 10_000): Promise<void> {
  await waitForFile(join(rootfs, 'var/log/messages'), timeoutMs, (content) => content.includes('syslogd started'))
}

/**
 * Remembers the busybox binaries of containers created in a test, and finds
 * processes still running any of them.
 */
export class BusyboxTracker {
  private readonly ids = new Set<string>()

  /** Call right after a create: records `<rootfs>/bin/busybox`. */
  track(rootfs: string): void {
    const id = fileId(join(rootfs, 'bin/busybox'))
    if (id !== undefined) this.ids.add(id)
  }

  /** Live processes running a tracked busybox (by dev:ino of /proc/PID/exe). */
  running(): Array<{pid: number; cmdline: string}> {
    const out: Array<{pid: number; cmdline: string}> = []
    for (const pid of listPids()) {
      const exe = procExeId(pid)
      if (exe !== undefined && this.ids.has(exe) && isAlive(pid)) out.push({pid, cmdline: readCmdline(pid)})
    }
    return out
  }

  /**
   * After a test: fails if a tracked busybox still runs, after killing it
   * (they are ours: started by this test's containers). Forgets the ids.
   */
  async assertNoneLeft(): Promise<void> {
    let left = this.running()
    if (left.length > 0) await until(() => (left = this.running()).length === 0, 5_000).catch(() => undefined)
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL')
      } catch {
        // gone meanwhile
      }
    }
    this.ids.clear()
    if (left.length > 0) throw new Error(`Container processes left behind: ${left.map((p) => `${p.pid} ${p.cmdline}`).join(', ')}`)
  }
}

/** uid and gid of a path, without following a final symlink. */
export function ownerOf(path: string): {uid: number; gid: number} {
  const st = lstatSync(path)
  return {uid: st.uid, gid: st.gid}
}
