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
  let apparmor = false
  try {
    apparmor = readFileSync('/sys/module/apparmor/parameters/enabled', 'latin1').startsWith('Y')
  } catch {
    // no AppArmor module
  }
  return {apparmor, selinux: existsSync('/sys/fs/selinux/enforce') && existsSync('/etc/selinux/config')}
}
