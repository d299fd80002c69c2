// The container's cgroup: placement and limits. Placeholder: cgroups are not
// implemented yet, so a config that sets limits or placement is refused.

import type {ContainerConfig} from '../config/index.js'
import {formatLocation} from '../config/index.js'
import {CtrError} from '../errors.js'
import type {MonitorSpec} from '../monitor-spec.js'

/** What the host's cgroup mounts look like (read by sys code). */
export interface CgroupLayout {
  readonly kind: 'none'
}

/**
 * The cgroup part of the monitor spec for container `name`, or undefined
 * for no cgroup of its own. Throws CTR_NOT_SUPPORTED / CTR_CONFIG_INVALID
 * naming file:line for settings it cannot apply. Pure.
 */
export function planCgroup(config: ContainerConfig, _name: string, _layout: CgroupLayout | undefined): MonitorSpec['cgroup'] {
  const used = [...config.used.values()].find((u) => u.key.startsWith('lxc.cgroup.') || u.key.startsWith('lxc.cgroup2.'))
  if (used) throw new CtrError('CTR_NOT_SUPPORTED', `${formatLocation(used)}: ${used.key}: cgroup limits and placement are not supported yet`)
  return undefined
}
