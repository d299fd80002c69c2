/* The launcher: one long-lived ctr-monitor per Node process that forks a
 * monitor per spec (launcher.c, docs/monitor-protocol.md §8). */
#ifndef CTR_LAUNCHER_H
#define CTR_LAUNCHER_H

#include <stdbool.h>

#include "spec.h"

/* `ctr-monitor launcher --parent PID`: serves fd 3 until EOF. */
int ctr_launcher_main(int argc, char **argv);

/* What `ctr-monitor start` does once it has read the spec (spec_ret is
 * ctr_spec_read's or ctr_spec_parse's result; the report goes to fd 3):
 * shared by main.c's start and the launcher's children (`launched`: see
 * ctr_monitor_run). Returns the exit status. */
int ctr_start_monitor(int spec_ret, struct ctr_spec *spec, long long spec_us, bool launched);

#endif
