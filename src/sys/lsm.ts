// Which Linux security modules LXC 5.0 would use on this host
// (lsm_init_static): AppArmor, then SELinux, else its "nop" driver.

import {existsSync, readFileSync} from 'node:fs'

import type {LsmFacts} from '../core/start-plan.js'

/**
 * AppArmor when /sys/module/apparmor/parameters/enabled starts with Y (LXC's
 * apparmor_enabled); SELinux when selinuxfs is mounted and
 * /etc/selinux/config exists (libselinux's is_selinux_enabled).
 */
export function readLsmFacts(): LsmFacts {
  return {apparmor: apparmorEnabled(), selinux: existsSync('/sys/fs/selinux/enforce') && existsSync('/etc/selinux/config')}
}

// AppArmor is built into the kernel or not (an LSM is never a loadable
// module), and its `enabled` parameter is read-only (0444), set at boot: a
// fact of the running kernel, read once per process. A program that starts
// many containers paid ~60 µs per start for it, most of it the ENOENT
// exception on a host without AppArmor.
let apparmor: boolean | undefined

function apparmorEnabled(): boolean {
  if (apparmor !== undefined) return apparmor
  try {
    apparmor = readFileSync('/sys/module/apparmor/parameters/enabled', 'latin1').startsWith('Y')
  } catch {
    // no AppArmor in this kernel
    apparmor = false
  }
  return apparmor
}
