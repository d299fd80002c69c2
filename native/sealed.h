/* Re-executing ctr-monitor from an unwritable copy of itself (sealed.c). */
#ifndef CTR_SEALED_H
#define CTR_SEALED_H

/* Re-executes the current program, with argv and the environment, from a
 * copy that cannot be opened for writing, unless this process already is
 * that copy (then it returns 0). Returns only on failure (-errno) or when
 * already sealed. Open fds without O_CLOEXEC survive the re-exec. */
int ctr_reexec_sealed(char **argv);

#endif
