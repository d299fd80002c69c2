/* Cleanup attributes (the lxc/systemd pattern): a variable declared with one
 * of these is released on every return path, so early `return ret` is safe.
 * Ownership leaves such a variable only through move_fd()/move_ptr(). */
#ifndef CTR_CLEANUP_H
#define CTR_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void ctr_freep(void *p)
{
	free(*(void **)p);
}

/* Closing keeps errno, so a cleanup never hides the error being returned. */
static inline void ctr_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
	*fd = -EBADF;
}

static inline void ctr_fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		(void)fclose(*f);
		errno = saved;
	}
	*f = NULL;
}

static inline void ctr_closedirp(DIR **d)
{
	if (*d) {
		int saved = errno;
		(void)closedir(*d);
		errno = saved;
	}
	*d = NULL;
}

#define _cleanup_free_ __attribute__((cleanup(ctr_freep)))
#define _cleanup_close_ __attribute__((cleanup(ctr_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(ctr_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(ctr_closedirp)))

#define move_fd(fd)                      \
	({                               \
		int __moved = (fd);      \
		(fd) = -EBADF;           \
		__moved;                 \
	})

#define move_ptr(ptr)                        \
	({                                   \
		typeof(ptr) __moved = (ptr); \
		(ptr) = NULL;                \
		__moved;                     \
	})

/* Retry a call interrupted by a signal; the monitor blocks nearly all
 * signals, but helpers and foreground children may not. */
#define RETRY_EINTR(expr)                                    \
	({                                                   \
		long __r;                                    \
		do                                           \
			__r = (long)(expr);                  \
		while (__r < 0 && errno == EINTR);           \
		__r;                                         \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
