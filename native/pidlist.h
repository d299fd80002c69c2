/* A bounded parser of a list of pids as /proc/<pid>/task/<tid>/children
 * gives it ("12 345 6789 "), read in chunks of any size. Pure: no I/O, so
 * native/test/ can drive it directly. The monitor kills what it yields
 * (monitor.c, kill_listed_children): it must never yield a pid that is not
 * in the list, such as a number cut in two by a short read or one that does
 * not fit a pid_t.
 *
 *   struct ctr_pidlist p = CTR_PIDLIST_INIT;
 *   while ((n = read(fd, buf, sizeof(buf))) > 0)
 *       for (size_t off = 0; (pid = ctr_pidlist_next(&p, buf, n, &off)) > 0;) use(pid);
 *   if ((pid = ctr_pidlist_end(&p)) > 0) use(pid);
 */
#ifndef CTR_PIDLIST_H
#define CTR_PIDLIST_H

#include <stddef.h>
#include <sys/types.h>

struct ctr_pidlist {
	long long cur; /* the number being read, -1 between numbers */
	int toolong;   /* the number being read has overflowed a pid_t */
};

#define CTR_PIDLIST_INIT {.cur = -1, .toolong = 0}

/* The next complete pid in buf[*off, n), advancing *off past it, or 0 when
 * the rest of buf holds none (a number at its end may continue in the next
 * chunk). A number of 0 or beyond INT_MAX, however long, is skipped. Any
 * byte that is not a digit separates numbers. */
pid_t ctr_pidlist_next(struct ctr_pidlist *p, const char *buf, size_t n, size_t *off);
/* At the end of the input: the last number, if one was being read, or 0. */
pid_t ctr_pidlist_end(struct ctr_pidlist *p);

#endif
