#ifndef CTR_UTIL_H
#define CTR_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes/reads the whole buffer, retrying on EINTR and short counts.
 * Return 0 (read: bytes read, 0 = EOF) or -errno. */
int ctr_write_all(int fd, const void *buf, size_t len);
ssize_t ctr_read_all(int fd, void *buf, size_t len);

/* Formats one line into buf (clamped to size - 1 bytes) and sends all of
 * it on fd with MSG_NOSIGNAL (a reader that went away is an error, never a
 * SIGPIPE), retrying EINTR and short sends; write(2) when fd is not a
 * socket. 0, or -errno (-EINVAL: the format failed, nothing sent). */
int ctr_send_line(int fd, char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int ctr_send_linev(int fd, char *buf, size_t size, const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* Replaces dir/name atomically: a unique sibling tmp file, write, optional
 * fsync, rename, optional fsync of the directory. Readers never see partial
 * content. `durable` is for files that must survive a crash; runtime state
 * under the run dir is void after a crash anyway, so it skips the fsyncs
 * (they cost milliseconds on a disk-backed /run). Returns 0 or -errno. */
int ctr_strv_push(const char ***arr, size_t *n, const char *s);
int ctr_atomic_write(const char *dir, const char *name, const char *data, size_t len, mode_t mode, bool durable);

/* fsyncs dir/name and then dir: makes an earlier non-durable
 * ctr_atomic_write durable, for callers that publish first and sync after. */
void ctr_fsync_path(const char *dir, const char *name);

/* mkdir -p with the given mode for every created component. 0 or -errno
 * (-ENOTDIR when the path exists but is not a directory). */
int ctr_mkdir_p(const char *path, mode_t mode);

/* Start time of a process (field 22 of /proc/PID/stat, clock ticks since
 * boot); 0 if the process is gone. `state` (may be NULL) gets field 3. */
unsigned long long ctr_proc_starttime(pid_t pid, char *state);

/* A process's name (comm, field 2 of /proc/PID/stat) and, if `state` is
 * not NULL, its state letter. 0 or -errno (-ENOENT once it is reaped). */
int ctr_proc_comm(pid_t pid, char *comm, size_t size, char *state);

/* Strict decimal parsers: the whole string, no leading space or '+', a '-'
 * only for int. 0 or -EINVAL/-ERANGE; *out is untouched on failure. */
int ctr_parse_int(const char *s, int *out);
int ctr_parse_ull(const char *s, unsigned long long *out);

/* CLOCK_MONOTONIC in microseconds. */
long long ctr_monotonic_us(void);

/* Wall clock in milliseconds since the epoch. */
long long ctr_now_ms(void);

/* pidfd helpers: the raw syscalls (glibc 2.36 has no wrappers). */
int ctr_pidfd_open(pid_t pid);
int ctr_pidfd_send_signal(int pidfd, int sig);

/* Opens a pidfd for pid and checks that the process still has the expected
 * start time, so a recycled pid is never signalled. -ESRCH when it differs. */
int ctr_pidfd_open_checked(pid_t pid, unsigned long long starttime);

/* Whether root may trust a directory it keeps state in (the run dir): it
 * and every directory above it, as given and after resolving symlinks,
 * belong to us or root and cannot be renamed or replaced by anyone else
 * (not group/other-writable, or sticky with the entry ours); the directory
 * itself is ours and not group/other-writable. 0, -EPERM, or -errno. */
int ctr_dir_trusted(const char *path);

/* JSON string escaping into buf (always NUL-terminated, truncates). */
void ctr_json_escape(char *buf, size_t size, const char *s);

#endif
