#define _GNU_SOURCE
#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;
static int log_level = CTR_LOG_ERROR;
static int log_stderr;
static const char *log_name = "";

static const char *const level_names[] = {
	"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRIT", "ALERT", "FATAL",
};

int ctr_log_open(const char *path, int level, const char *name)
{
	struct stat st;
	int fd;

	log_level = level;
	log_name = name ? name : "";
	if (!path || !*path)
		return 0;
	/* Never through a symlink, and never a FIFO or device someone planted
	 * where the log goes (O_NONBLOCK: opening a FIFO must not hang us). */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0640);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int err = fstat(fd, &st) < 0 ? -errno : -EINVAL;
		(void)close(fd);
		return err;
	}
	(void)fcntl(fd, F_SETFL, O_WRONLY | O_APPEND);
	log_fd = fd;
	return 0;
}

void ctr_log_set_stderr(int enabled)
{
	log_stderr = enabled;
}

int ctr_log_fd(void)
{
	return log_fd;
}

void ctr_log_close(void)
{
	if (log_fd >= 0)
		(void)close(log_fd);
	log_fd = -1;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

void ctr_log_write(int level, const char *file, const char *func, int line, const char *fmt, ...)
{
	char msg[1024], out[1400];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int saved = errno, n;

	if (level < log_level && !(log_stderr && level >= CTR_LOG_ERROR))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_fd >= 0 && level >= log_level) {
		(void)gettimeofday(&tv, NULL);
		(void)gmtime_r(&tv.tv_sec, &tm);
		n = snprintf(out, sizeof(out), "ctr-monitor %s %04d%02d%02d%02d%02d%02d.%03ld %s monitor - %s:%s:%d - %s\n",
			     log_name, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			     (long)(tv.tv_usec / 1000), level_names[level], basename_of(file), func, line, msg);
		if (n > 0)
			(void)!write(log_fd, out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1);
	}
	if (log_stderr && level >= CTR_LOG_ERROR) {
		n = snprintf(out, sizeof(out), "ctr-monitor: %s: %s\n", log_name, msg);
		if (n > 0)
			(void)!write(STDERR_FILENO, out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1);
	}
	errno = saved;
}
