/* native/pidlist.c: the bounded parse of /proc/<pid>/task/<tid>/children
 * whose pids the monitor SIGKILLs (issue 11, defect 3: a list longer than
 * one read must never yield a truncated pid, which could be an unrelated
 * host process). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>

#include "harness.h"
#include "pidlist.h"

/* Parses `data` fed `chunk` bytes at a time; writes the pids found to
 * `out` as "a,b,c," and returns how many. */
static int parse(const char *data, size_t chunk, char *out, size_t size)
{
	struct ctr_pidlist p = CTR_PIDLIST_INIT;
	size_t len = strlen(data), o = 0;
	int count = 0;
	pid_t pid;

	out[0] = '\0';
	for (size_t at = 0; at < len; at += chunk) {
		size_t n = len - at < chunk ? len - at : chunk;
		for (size_t off = 0; (pid = ctr_pidlist_next(&p, data + at, n, &off)) > 0; count++)
			o += (size_t)snprintf(out + o, size - o, "%d,", (int)pid);
	}
	pid = ctr_pidlist_end(&p);
	if (pid > 0) {
		o += (size_t)snprintf(out + o, size - o, "%d,", (int)pid);
		count++;
	}
	return count;
}

TEST(pidlist_as_the_kernel_writes_it)
{
	char out[128];

	CHECK_INT(parse("12 345 6789 ", 4096, out, sizeof(out)), 3);
	CHECK_STR(out, "12,345,6789,");
	CHECK_INT(parse("", 4096, out, sizeof(out)), 0);
	CHECK_STR(out, "");
	/* Without the trailing space, the last pid comes from ctr_pidlist_end. */
	CHECK_INT(parse("7 8", 4096, out, sizeof(out)), 2);
	CHECK_STR(out, "7,8,");
}

/* Every split of the input between two reads gives the same pids: a
 * number cut by a read's end continues in the next one. */
TEST(pidlist_same_pids_at_every_chunk_size)
{
	const char *list = "1 22 333 4444 55555 666666 4194304 2147483647 ";
	char out[256];

	for (size_t chunk = 1; chunk <= strlen(list); chunk++) {
		CHECK_INT(parse(list, chunk, out, sizeof(out)), 8);
		CHECK_STR(out, "1,22,333,4444,55555,666666,4194304,2147483647,");
	}
}

/* A list far longer than the monitor's 4096-byte read buffer, read 4096
 * bytes at a time as the monitor does: every pid whole, none invented. */
TEST(pidlist_longer_than_one_read)
{
	static char list[40000], want[40000];
	static char out[40000];
	size_t o = 0, w = 0;
	int n = 0;

	for (int pid = 1000003; o < sizeof(list) - 16; pid += 7919, n++) {
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%d ", pid);
		w += (size_t)snprintf(want + w, sizeof(want) - w, "%d,", pid);
	}
	CHECK(o > 4096 * 5);
	CHECK_INT(parse(list, 4096, out, sizeof(out)), n);
	CHECK_STR(out, want);
}

/* Numbers that are no pid are skipped, never wrapped or truncated: 0,
 * INT_MAX + 1, and one so long it would overflow a 64-bit accumulator. */
TEST(pidlist_skips_what_is_no_pid)
{
	char out[128], big[200];

	CHECK_INT(parse("0 5 2147483648 6 ", 4096, out, sizeof(out)), 2);
	CHECK_STR(out, "5,6,");
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (size_t chunk = 1; chunk <= 64; chunk *= 2) {
		CHECK_INT(parse(big, chunk, out, sizeof(out)), 0);
		char mixed[256];
		(void)snprintf(mixed, sizeof(mixed), "3 %s 4", big);
		CHECK_INT(parse(mixed, chunk, out, sizeof(out)), 2);
		CHECK_STR(out, "3,4,");
	}
	/* Leading zeros are the same number. */
	CHECK_INT(parse("0042 ", 4096, out, sizeof(out)), 1);
	CHECK_STR(out, "42,");
}

/* Any non-digit separates: newlines, several spaces, junk. */
TEST(pidlist_separators)
{
	char out[128];

	CHECK_INT(parse("\n 10\n\n20  x30-40\t", 4096, out, sizeof(out)), 4);
	CHECK_STR(out, "10,20,30,40,");
}
