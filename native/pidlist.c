/* native/pidlist.h: a bounded parser of a list of pids. */
#define _GNU_SOURCE
#include "pidlist.h"

#include <limits.h>

/* Ends the number being read: returns it if it is a pid, else 0. */
static pid_t finish(struct ctr_pidlist *p)
{
	pid_t pid = p->cur > 0 && !p->toolong ? (pid_t)p->cur : 0;

	p->cur = -1;
	p->toolong = 0;
	return pid;
}

pid_t ctr_pidlist_next(struct ctr_pidlist *p, const char *buf, size_t n, size_t *off)
{
	while (*off < n) {
		char c = buf[(*off)++];
		pid_t pid;

		if (c >= '0' && c <= '9') {
			/* Bounded: past INT_MAX the number is no pid, however
			 * many digits follow (no overflow of cur). */
			if (!p->toolong) {
				p->cur = (p->cur < 0 ? 0 : p->cur * 10) + (c - '0');
				if (p->cur > INT_MAX)
					p->toolong = 1;
			}
			continue;
		}
		if (p->cur < 0)
			continue;
		pid = finish(p);
		if (pid > 0)
			return pid;
	}
	return 0;
}

pid_t ctr_pidlist_end(struct ctr_pidlist *p)
{
	return p->cur < 0 ? 0 : finish(p);
}
