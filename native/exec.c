#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int ctr_execvpe(const char *file, char *const argv[], char *const envp[], const char *path)
{
	char buf[4096];
	size_t flen = strlen(file);
	int saved = ENOENT;

	if (strchr(file, '/')) {
		execve(file, argv, envp);
		return -errno;
	}
	if (!path || !*path)
		path = DEFAULT_PATH;
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);
		if (dlen + flen + 2 <= sizeof(buf)) {
			if (dlen) {
				memcpy(buf, p, dlen);
				buf[dlen++] = '/';
			}
			memcpy(buf + dlen, file, flen + 1);
			execve(buf, argv, envp);
			if (errno == EACCES)
				saved = EACCES;
			else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
				return -errno;
		}
		p = end;
		if (*p == '\0')
			break;
	}
	return -saved;
}
