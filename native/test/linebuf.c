/* native/linebuf.c: the command socket's line framing
 * (docs/monitor-protocol.md §4.2). */
#define _GNU_SOURCE
#include <stdio.h>

#include "harness.h"
#include "linebuf.h"

/* Feeds `data` as if recv returned it, at most `chunk` bytes at a time
 * (never more than the buffer's room). Returns false if the data did not fit. */
static bool feed(struct ctr_linebuf *b, const char *data, size_t chunk)
{
	size_t len = strlen(data);

	while (len > 0) {
		size_t room, n;
		char *tail = ctr_linebuf_tail(b, &room);
		if (room == 0)
			return false;
		n = len < chunk ? len : chunk;
		if (n > room)
			n = room;
		memcpy(tail, data, n);
		ctr_linebuf_added(b, n);
		data += n;
		len -= n;
	}
	return true;
}

/* Appends every complete line to `out`, each followed by '|'. */
static void drain(struct ctr_linebuf *b, char *out, size_t size)
{
	char *line;
	size_t used, o = strlen(out);

	while ((line = ctr_linebuf_line(b, &used))) {
		o += (size_t)snprintf(out + o, size - o, "%s|", line);
		ctr_linebuf_consume(b, used);
	}
}

TEST(linebuf_one_command)
{
	struct ctr_linebuf b = {0};
	char out[128] = "";

	CHECK(feed(&b, "state\n", 64));
	drain(&b, out, sizeof(out));
	CHECK_STR(out, "state|");
	CHECK_INT(b.len, 0);
}

TEST(linebuf_several_commands_in_one_read)
{
	struct ctr_linebuf b = {0};
	char out[128] = "";

	CHECK(feed(&b, "watch\nkill\ninfo\n", 64));
	drain(&b, out, sizeof(out));
	CHECK_STR(out, "watch|kill|info|");
}

TEST(linebuf_split_anywhere)
{
	const char *input = "watch\nsignal 15\n\nhalt\n";

	for (size_t chunk = 1; chunk <= strlen(input); chunk++) {
		struct ctr_linebuf b = {0};
		char all[128] = "";
		const char *p = input;
		while (*p) {
			char piece[64];
			size_t n = strlen(p) < chunk ? strlen(p) : chunk;
			memcpy(piece, p, n);
			piece[n] = '\0';
			CHECK(feed(&b, piece, n));
			drain(&b, all, sizeof(all));
			p += n;
		}
		/* The empty line is a command too (answered err EINVAL). */
		if (strcmp(all, "watch|signal 15||halt|") != 0)
			ctr_test_fail(__FILE__, __LINE__, "chunk %zu: \"%s\"", chunk, all);
	}
}

TEST(linebuf_partial_line_waits)
{
	struct ctr_linebuf b = {0};
	size_t used = 0;

	CHECK(feed(&b, "sta", 64));
	CHECK(ctr_linebuf_line(&b, &used) == NULL);
	CHECK(!ctr_linebuf_overflow(&b));
	CHECK(feed(&b, "te\nfre", 64));
	CHECK_STR(ctr_linebuf_line(&b, &used), "state");
	CHECK_INT(used, 6);
	ctr_linebuf_consume(&b, used);
	CHECK_INT(b.len, 3);
	CHECK(ctr_linebuf_line(&b, &used) == NULL);
	CHECK_STR(b.buf, "fre");
}

TEST(linebuf_holds_511_bytes_of_unread_input)
{
	struct ctr_linebuf b = {0};
	char line[CTR_LINEBUF_SIZE + 2];
	size_t room, used;

	/* 510 characters and the newline: the longest line that fits. */
	memset(line, 'a', CTR_LINEBUF_SIZE - 2);
	line[CTR_LINEBUF_SIZE - 2] = '\n';
	line[CTR_LINEBUF_SIZE - 1] = '\0';
	CHECK(feed(&b, line, 7));
	CHECK(!ctr_linebuf_overflow(&b));
	(void)ctr_linebuf_tail(&b, &room);
	CHECK_INT(room, 0);
	CHECK(ctr_linebuf_line(&b, &used) != NULL);
	CHECK_INT(used, CTR_LINEBUF_SIZE - 1);
}

TEST(linebuf_overlong_line_overflows)
{
	struct ctr_linebuf b = {0};
	char line[CTR_LINEBUF_SIZE + 1];
	size_t used;

	memset(line, 'x', CTR_LINEBUF_SIZE);
	line[CTR_LINEBUF_SIZE] = '\0';
	CHECK(!feed(&b, line, 100));
	CHECK_INT(b.len, CTR_LINEBUF_SIZE - 1);
	CHECK(ctr_linebuf_line(&b, &used) == NULL);
	CHECK(ctr_linebuf_overflow(&b));
	CHECK_INT(b.buf[CTR_LINEBUF_SIZE - 1], '\0');
}

TEST(linebuf_complete_lines_before_the_limit_are_served)
{
	struct ctr_linebuf b = {0};
	char line[CTR_LINEBUF_SIZE + 1], out[64] = "";

	/* "state\n" then a line that will be too long: the first is a command,
	 * and only what is left counts against the limit. */
	memset(line, 'x', CTR_LINEBUF_SIZE);
	memcpy(line, "state\n", 6);
	line[CTR_LINEBUF_SIZE - 1] = '\0';
	CHECK(feed(&b, line, 600));
	drain(&b, out, sizeof(out));
	CHECK_STR(out, "state|");
	CHECK(!ctr_linebuf_overflow(&b));
}

TEST(linebuf_nul_in_a_line_ends_the_command)
{
	struct ctr_linebuf b = {0};
	size_t room, used;
	char *tail = ctr_linebuf_tail(&b, &room);

	memcpy(tail, "sta\0te\n", 7);
	ctr_linebuf_added(&b, 7);
	CHECK_STR(ctr_linebuf_line(&b, &used), "sta");
	CHECK_INT(used, 7);
}

TEST(linebuf_added_never_exceeds_the_room)
{
	struct ctr_linebuf b = {0};

	ctr_linebuf_added(&b, CTR_LINEBUF_SIZE * 2);
	CHECK_INT(b.len, CTR_LINEBUF_SIZE - 1);
	ctr_linebuf_consume(&b, CTR_LINEBUF_SIZE * 2);
	CHECK_INT(b.len, 0);
}
