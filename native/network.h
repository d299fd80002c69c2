/* The container's network interfaces (lxc.net.*), made by the monitor over
 * netlink while the cloned init waits at its barrier, so that they exist
 * with their addresses before init's first instruction (docs/networking.md).
 *
 * Lifecycle, all in the monitor:
 *   ctr_net_cleanup_rundir  before a start: a dead monitor's leftovers
 *   ctr_net_prepare         after clone, while the child waits at its first
 *                           barrier: the namespaces held, the links and
 *                           gateways looked up, the record written
 *   ctr_net_setup           before init is released: host side
 *                           (veth pairs, bridge/OVS ports, VLANs, routes,
 *                           proxies, script.up), then inside the new network
 *                           namespace (names, MAC, addresses, up, gateways)
 *   ctr_net_teardown        once init and every container process are gone:
 *                           phys devices given back, script.down, host veths,
 *                           proxies and OVS ports removed
 *
 * The run-dir record `<rundir>/network` (one tab-separated line per fact)
 * says what the running container has (src/sys/network.ts reads it for
 * `ctr info`) and what a dead monitor left behind. A container with a
 * `phys` interface also pins its network namespace and the monitor's at
 * `<rundir>/netns` and `<rundir>/netns.host` (nsfs bind mounts): a monitor
 * killed with SIGKILL takes init with it, and without the pin the kernel
 * would destroy a virtual device (or hand a physical one to the initial
 * namespace) with the container's namespace; ctr stop or the next start then
 * gives it back to the namespace it came from. */
#ifndef CTR_NETWORK_H
#define CTR_NETWORK_H

struct ctr_monitor;

/* Both: 0, or -errno with ctr_net_error_detail() saying what failed; what
 * was made so far stays in m->net for ctr_net_teardown. No-ops without
 * interfaces or without a new network namespace (LXC ignores lxc.net.*
 * when the namespace is shared or kept). Holding the container's namespace
 * from before the child runs means a child that fails meanwhile cannot make
 * the setup fail in its place: its own error is reported. */
int ctr_net_prepare(struct ctr_monitor *m);
int ctr_net_setup(struct ctr_monitor *m);
/* Never fails: problems are logged and the rest is still undone. */
void ctr_net_teardown(struct ctr_monitor *m);
/* Undoes what the record in rundir says a dead monitor left: phys devices
 * moved back and restored, host veths, proxies and OVS ports removed, pins
 * unmounted, the record removed. The caller holds the run-dir lock. 0, or
 * -errno when something could not be undone (the record is kept). */
int ctr_net_cleanup_rundir(const char *rundir);
/* "N CODE TEXT" for the last failure: the lxc.net index, a stable code
 * (src/core/start-errors.ts) and what failed. */
const char *ctr_net_error_detail(void);

#endif
