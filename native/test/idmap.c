/* native/idmap.c: a map is written whole or the write fails with an errno
 * that means something (a short write sets none). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "idmap.h"

TEST(idmap_write_whole_map)
{
	int p[2];
	char buf[64];

	CHECK_INT(pipe2(p, O_CLOEXEC), 0);
	CHECK_INT(ctr_idmap_write_text(p[1], "0 100000 65536\n"), 0);
	CHECK_INT(read(p[0], buf, sizeof(buf)), 15);
	(void)close(p[0]);
	(void)close(p[1]);
}

TEST(idmap_short_write_is_eio)
{
	int p[2];
	size_t len = 3 * 4096;
	char *text = malloc(len + 1);

	CHECK(text != NULL);
	memset(text, '0', len);
	text[len] = '\0';
	/* A one-page pipe that cannot block: the write is cut at 4096 bytes. */
	CHECK_INT(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	CHECK_INT(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
	errno = 0;
	CHECK_INT(ctr_idmap_write_text(p[1], text), -EIO);
	(void)close(p[0]);
	(void)close(p[1]);
	free(text);
}

TEST(idmap_failed_write_is_its_errno)
{
	int p[2];

	(void)signal(SIGPIPE, SIG_IGN);
	CHECK_INT(pipe2(p, O_CLOEXEC), 0);
	(void)close(p[0]);
	CHECK_INT(ctr_idmap_write_text(p[1], "0 0 1\n"), -EPIPE);
	(void)close(p[1]);
	CHECK_INT(ctr_idmap_write_text(p[1], "0 0 1\n"), -EBADF);
}
