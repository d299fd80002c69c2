/* Finding and executing a program without allocating: for children between
 * fork and exec (spawn.c, attach.c), where malloc and stdio are off limits. */
#ifndef CTR_EXEC_H
#define CTR_EXEC_H

/* execvpe with an explicit search PATH (NULL or empty: a default) and a
 * stack buffer: a file with a slash is executed as is, otherwise each PATH
 * entry is tried in order, EACCES remembered, as execvp does. Returns only
 * on failure, with -errno. */
int ctr_execvpe(const char *file, char *const argv[], char *const envp[], const char *path);

#endif
