/* The client side of `ctr attach` (attach-client.c). */
#ifndef CTR_ATTACH_CLIENT_H
#define CTR_ATTACH_CLIENT_H

/* attach --rundir DIR --parent PID [--pty-log FILE]: the request on fd 3,
 * reports back there; exit status: the attached process's, or 1. */
int ctr_tool_attach(int argc, char **argv);

#endif
