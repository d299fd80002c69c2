/* The container's pid 1 for `ctr execute` (init.c). */
#ifndef CTR_INIT_H
#define CTR_INIT_H

/* init [--] COMMAND [ARG...]: runs COMMAND, forwards signals, reaps,
 * exits with COMMAND's status. */
int ctr_init_main(int argc, char **argv);

#endif
