/* Logging in LXC's log-file line format:
 *   <prog> <name> <YYYYMMDDhhmmss.mmm> <LEVEL> <category> - <file>:<func>:<line> - <msg>
 * Messages go to the log file when one is configured and, in foreground
 * mode, ERROR and above also go to stderr as "ctr-monitor: <name>: <msg>". */
#ifndef CTR_LOG_H
#define CTR_LOG_H

#include <errno.h>

enum ctr_log_level {
	CTR_LOG_TRACE = 0,
	CTR_LOG_DEBUG,
	CTR_LOG_INFO,
	CTR_LOG_NOTICE,
	CTR_LOG_WARN,
	CTR_LOG_ERROR,
	CTR_LOG_CRIT,
	CTR_LOG_ALERT,
	CTR_LOG_FATAL,
};

/* Opens the log file (append, O_CLOEXEC) and sets the level and the name
 * printed on each line. Returns 0 or -errno; logging stays off on failure. */
int ctr_log_open(const char *path, int level, const char *name);
/* Mirrors ERROR+ lines to stderr (foreground runs). */
void ctr_log_set_stderr(int enabled);
int ctr_log_fd(void);
void ctr_log_close(void);
void ctr_log_write(int level, const char *file, const char *func, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#define log_at(lvl, ...) ctr_log_write(lvl, __FILE__, __func__, __LINE__, __VA_ARGS__)
#define log_trace(...) log_at(CTR_LOG_TRACE, __VA_ARGS__)
#define log_debug(...) log_at(CTR_LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_at(CTR_LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_at(CTR_LOG_WARN, __VA_ARGS__)
#define log_error(...) log_at(CTR_LOG_ERROR, __VA_ARGS__)
/* Appends ": <strerror(errno)>" like %m, keeping errno for the caller. */
#define log_syserr(fmt, ...) log_at(CTR_LOG_ERROR, fmt ": %m", ##__VA_ARGS__)

#endif
