/* One-shot helper commands run by ctr (not by the monitor). */
#ifndef CTR_TOOLS_H
#define CTR_TOOLS_H

/* kill --pid P --starttime T --signal S: signal a process through a pidfd
 * after checking its start time (no pid-reuse race); with --wait MS, wait
 * that long for it to exit. Exit 0, 3 = gone, 4 = still alive after --wait, 1. */
int ctr_tool_kill(int argc, char **argv);
/* ifaddrs --pid P --starttime T: list the addresses in that process's
 * network namespace, `<ifname> <inet|inet6> <address>` per line, in
 * interface order, without loopback. */
int ctr_tool_ifaddrs(int argc, char **argv);
/* cleanup --rundir D: if no monitor holds D's lock, kill what is left in the
 * cgroups the dead monitor recorded there, remove them and its stale files.
 * Exit 0 = cleaned (or nothing there), 2 = a live monitor holds it,
 * 1 = a cgroup could not be removed (the record stays for a retry). */
int ctr_tool_cleanup(int argc, char **argv);
/* lock --rundir D: take D's container lock (the monitor's flock on
 * D/lock, docs/architecture.md §5) without waiting, print "locked", hold it
 * until stdin reaches EOF (the ctr that asked released it, or died), then
 * remove the lock file and D if empty. Exit 0; 2 ("busy") when another
 * holder has it; 1 on errors. */
int ctr_tool_lock(int argc, char **argv);
/* lxc-state --lxcpath P --name N: asks whatever holds LXC's command socket
 * of that container (lxcsock.h) for its state and init's pid, and prints
 * `state=S pid=P holder=PID uid=U comm=NAME`. Exit 0; 3 = nothing holds it
 * (not running under LXC); 5 = a holder that is neither root nor us, which
 * is not asked (printed `holder=PID uid=U comm=NAME`); 1 = error. */
int ctr_tool_lxc_state(int argc, char **argv);

#endif
