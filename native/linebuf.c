#define _GNU_SOURCE
#include "linebuf.h"

#include <string.h>

char *ctr_linebuf_tail(struct ctr_linebuf *b, size_t *room)
{
	*room = sizeof(b->buf) - 1 - b->len;
	return b->buf + b->len;
}

void ctr_linebuf_added(struct ctr_linebuf *b, size_t n)
{
	size_t room = sizeof(b->buf) - 1 - b->len;

	b->len += n < room ? n : room;
	b->buf[b->len] = '\0';
}

char *ctr_linebuf_line(struct ctr_linebuf *b, size_t *used)
{
	char *nl = memchr(b->buf, '\n', b->len);

	if (!nl)
		return NULL;
	*nl = '\0';
	*used = (size_t)(nl - b->buf) + 1;
	return b->buf;
}

void ctr_linebuf_consume(struct ctr_linebuf *b, size_t used)
{
	if (used > b->len)
		used = b->len;
	memmove(b->buf, b->buf + used, b->len - used);
	b->len -= used;
	b->buf[b->len] = '\0';
}

bool ctr_linebuf_overflow(const struct ctr_linebuf *b)
{
	return b->len == sizeof(b->buf) - 1 && !memchr(b->buf, '\n', b->len);
}
