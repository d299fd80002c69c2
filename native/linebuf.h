/* Line framing for the command socket (docs/monitor-protocol.md §4.2): bytes
 * arrive in any pieces, commands are the lines they form. Pure: no I/O, so
 * native/test/ can drive it directly.
 *
 *   size_t room;
 *   char *tail = ctr_linebuf_tail(b, &room);   recv at most `room` bytes here
 *   ctr_linebuf_added(b, n);
 *   while ((line = ctr_linebuf_line(b, &used))) { ...; ctr_linebuf_consume(b, used); }
 *   if (ctr_linebuf_overflow(b)) drop the peer
 */
#ifndef CTR_LINEBUF_H
#define CTR_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

/* At most CTR_LINEBUF_SIZE - 1 bytes of unread input (a NUL always fits). */
#define CTR_LINEBUF_SIZE 512

struct ctr_linebuf {
	size_t len;
	char buf[CTR_LINEBUF_SIZE];
};

/* Where the next bytes go, and (in *room) how many fit. */
char *ctr_linebuf_tail(struct ctr_linebuf *b, size_t *room);
/* Records n bytes written at the tail (n <= room). */
void ctr_linebuf_added(struct ctr_linebuf *b, size_t n);
/* The first complete line, its '\n' replaced by a NUL, or NULL when none is
 * complete. *used is its length with the newline, for ctr_linebuf_consume.
 * The line stays valid until the next consume. */
char *ctr_linebuf_line(struct ctr_linebuf *b, size_t *used);
/* Drops the first `used` bytes (a line returned by ctr_linebuf_line). */
void ctr_linebuf_consume(struct ctr_linebuf *b, size_t used);
/* True when the buffer is full and holds no complete line: the peer sent a
 * line longer than the limit. */
bool ctr_linebuf_overflow(const struct ctr_linebuf *b);

#endif
