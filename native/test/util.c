/* native/util.c and native/state.c helpers: strict number parsing, mkdir -p,
 * atomic writes, state names and masks, JSON escaping, sending a line. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "state.h"
#include "util.h"

TEST(parse_int_accepts_decimal)
{
	int v = 7;

	CHECK_INT(ctr_parse_int("0", &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(ctr_parse_int("42", &v), 0);
	CHECK_INT(v, 42);
	CHECK_INT(ctr_parse_int("-17", &v), 0);
	CHECK_INT(v, -17);
	CHECK_INT(ctr_parse_int("2147483647", &v), 0);
	CHECK_INT(v, INT_MAX);
	CHECK_INT(ctr_parse_int("-2147483648", &v), 0);
	CHECK_INT(v, INT_MIN);
}

TEST(parse_int_refuses_junk_and_overflow)
{
	const char *junk[] = {"", "abc", "12abc", "1 ", "0x10", "1.5", "--1", "1\n"};
	int v = 99;

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		if (ctr_parse_int(junk[i], &v) != -EINVAL)
			ctr_test_fail(__FILE__, __LINE__, "ctr_parse_int(\"%s\") is not -EINVAL", junk[i]);
	}
	CHECK_INT(ctr_parse_int(NULL, &v), -EINVAL);
	CHECK_INT(ctr_parse_int("2147483648", &v), -ERANGE);
	CHECK_INT(ctr_parse_int("-2147483649", &v), -ERANGE);
	CHECK_INT(ctr_parse_int("99999999999999999999999", &v), -ERANGE);
	CHECK_INT(v, 99); /* untouched on failure */
}

TEST(parse_int_refuses_leading_space_and_plus)
{
	int v = 99;

	CHECK_INT(ctr_parse_int(" 1", &v), -EINVAL);
	CHECK_INT(ctr_parse_int("\t1", &v), -EINVAL);
	CHECK_INT(ctr_parse_int("+1", &v), -EINVAL);
	CHECK_INT(v, 99);
}

TEST(parse_ull_is_strict)
{
	unsigned long long v = 5;

	CHECK_INT(ctr_parse_ull("18446744073709551615", &v), 0);
	CHECK(v == ULLONG_MAX);
	CHECK_INT(ctr_parse_ull("18446744073709551616", &v), -ERANGE);
	CHECK_INT(ctr_parse_ull("-1", &v), -EINVAL);
	CHECK_INT(ctr_parse_ull("+1", &v), -EINVAL);
	CHECK_INT(ctr_parse_ull(" 1", &v), -EINVAL);
	CHECK_INT(ctr_parse_ull("", &v), -EINVAL);
	CHECK_INT(ctr_parse_ull("1x", &v), -EINVAL);
	CHECK_INT(ctr_parse_ull(NULL, &v), -EINVAL);
}

TEST(mkdir_p_creates_every_component)
{
	char path[PATH_MAX];
	struct stat st;

	(void)snprintf(path, sizeof(path), "%s/a/b/c", ctr_test_dir());
	CHECK_INT(ctr_mkdir_p(path, 0700), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_INT(st.st_mode & 07777 & ~0700, 0);
	/* Existing directories are fine, and a trailing slash too. */
	CHECK_INT(ctr_mkdir_p(path, 0700), 0);
	(void)snprintf(path, sizeof(path), "%s/a/b/c/", ctr_test_dir());
	CHECK_INT(ctr_mkdir_p(path, 0700), 0);
}

TEST(mkdir_p_fails_through_a_file)
{
	char file[PATH_MAX], path[PATH_MAX + 8];
	int fd;

	(void)snprintf(file, sizeof(file), "%s/file", ctr_test_dir());
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	(void)close(fd);
	(void)snprintf(path, sizeof(path), "%s/x", file);
	CHECK_INT(ctr_mkdir_p(path, 0700), -ENOTDIR);
	/* Like mkdir -p: a path that exists as something else is an error. */
	CHECK_INT(ctr_mkdir_p(file, 0700), -ENOTDIR);
}

TEST(mkdir_p_refuses_empty_and_overlong)
{
	char *longp = malloc(PATH_MAX + 2);

	CHECK(longp != NULL);
	memset(longp, 'a', PATH_MAX + 1);
	longp[0] = '/';
	longp[PATH_MAX + 1] = '\0';
	CHECK_INT(ctr_mkdir_p("", 0700), -EINVAL);
	CHECK_INT(ctr_mkdir_p(longp, 0700), -EINVAL);
	free(longp);
}

static int read_file(const char *dir, const char *name, char *buf, size_t size, struct stat *st)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (st)
		(void)fstat(fd, st);
	(void)close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

static int count_entries(const char *dir)
{
	char cmd[PATH_MAX + 32];
	FILE *p;
	int n = 0;
	char line[PATH_MAX];

	(void)snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		n++;
	(void)pclose(p);
	return n;
}

TEST(atomic_write_creates_and_replaces)
{
	const char *dir = ctr_test_dir();
	char buf[64];
	struct stat st;

	CHECK_INT(ctr_atomic_write(dir, "f", "one", 3, 0600, false), 0);
	CHECK_INT(read_file(dir, "f", buf, sizeof(buf), &st), 3);
	CHECK_STR(buf, "one");
	CHECK_INT(st.st_mode & 07777, 0600);
	CHECK_INT(ctr_atomic_write(dir, "f", "second", 6, 0644, true), 0);
	CHECK_INT(read_file(dir, "f", buf, sizeof(buf), &st), 6);
	CHECK_STR(buf, "second");
	CHECK_INT(st.st_mode & 07777, 0644);
	/* No temporary file is left beside it. */
	CHECK_INT(count_entries(dir), 1);
}

TEST(atomic_write_keeps_the_mode_despite_umask)
{
	const char *dir = ctr_test_dir();
	char buf[8];
	struct stat st;
	mode_t old = umask(077);

	CHECK_INT(ctr_atomic_write(dir, "f", "x", 1, 0644, false), 0);
	(void)umask(old);
	CHECK_INT(read_file(dir, "f", buf, sizeof(buf), &st), 1);
	CHECK_INT(st.st_mode & 07777, 0644);
}

TEST(atomic_write_replaces_a_symlink_not_its_target)
{
	const char *dir = ctr_test_dir();
	char link[PATH_MAX], target[PATH_MAX], buf[16];
	struct stat st;

	(void)snprintf(target, sizeof(target), "%s/target", dir);
	(void)snprintf(link, sizeof(link), "%s/f", dir);
	CHECK_INT(ctr_atomic_write(dir, "target", "orig", 4, 0600, false), 0);
	CHECK_INT(symlink(target, link), 0);
	CHECK_INT(ctr_atomic_write(dir, "f", "new", 3, 0600, false), 0);
	CHECK_INT(read_file(dir, "target", buf, sizeof(buf), NULL), 4);
	CHECK_STR(buf, "orig");
	CHECK_INT(lstat(link, &st), 0);
	CHECK(S_ISREG(st.st_mode));
}

TEST(atomic_write_fails_without_the_directory)
{
	char dir[PATH_MAX];

	(void)snprintf(dir, sizeof(dir), "%s/missing", ctr_test_dir());
	CHECK_INT(ctr_atomic_write(dir, "f", "x", 1, 0600, false), -ENOENT);
	CHECK_INT(count_entries(ctr_test_dir()), 0);
}

TEST(state_names_and_numbers_are_lxcs)
{
	const char *names[] = {"STOPPED", "STARTING", "RUNNING", "STOPPING", "ABORTING", "FREEZING", "FROZEN", "THAWED"};

	CHECK_INT(CTR_NSTATES, 8);
	for (int i = 0; i < CTR_NSTATES; i++)
		CHECK_STR(ctr_state_name(i), names[i]);
	CHECK_STR(ctr_state_name(-1), "UNKNOWN");
	CHECK_STR(ctr_state_name(CTR_NSTATES), "UNKNOWN");
}

TEST(state_mask_parses_lxc_wait_lists)
{
	unsigned int mask = 0;

	CHECK_INT(ctr_state_mask("RUNNING", &mask), 0);
	CHECK_INT(mask, 1u << CTR_RUNNING);
	CHECK_INT(ctr_state_mask("RUNNING|STOPPED", &mask), 0);
	CHECK_INT(mask, (1u << CTR_RUNNING) | (1u << CTR_STOPPED));
	/* Empty pieces are ignored, as lxc-wait does. */
	CHECK_INT(ctr_state_mask("|FROZEN||THAWED|", &mask), 0);
	CHECK_INT(mask, (1u << CTR_FROZEN) | (1u << CTR_THAWED));
	CHECK_INT(ctr_state_mask("", &mask), 0);
	CHECK_INT(mask, 0);
}

TEST(state_mask_refuses_unknown_names)
{
	unsigned int mask = 0;

	/* Exact upper-case names only, no trimming, no prefixes. */
	CHECK_INT(ctr_state_mask("running", &mask), -EINVAL);
	CHECK_INT(ctr_state_mask("RUNNING |STOPPED", &mask), -EINVAL);
	CHECK_INT(ctr_state_mask("RUN", &mask), -EINVAL);
	CHECK_INT(ctr_state_mask("RUNNINGX", &mask), -EINVAL);
	CHECK_INT(ctr_state_mask("RUNNING|BOGUS", &mask), -EINVAL);
}

TEST(json_escape_quotes_and_control_characters)
{
	char buf[64];

	ctr_json_escape(buf, sizeof(buf), "a\"b\\c\nd\x01");
	CHECK_STR(buf, "a\\\"b\\\\c\\u000ad\\u0001");
	/* Truncates, but always terminates and never splits an escape. */
	ctr_json_escape(buf, 10, "\"\"\"\"\"\"\"\"");
	CHECK(strlen(buf) < 10);
	CHECK(strlen(buf) % 2 == 0);
}

TEST(send_line_clamps_and_survives_a_gone_reader)
{
	char line[8], got[32];
	int sv[2], pfd[2];
	ssize_t n;

	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* Clamped to the buffer, terminated, sent whole. */
	CHECK_INT(ctr_send_line(sv[0], line, sizeof(line), "ok %d\n", 1234567), 0);
	n = read(sv[1], got, sizeof(got) - 1);
	CHECK_INT((int)n, 7);
	got[n > 0 ? n : 0] = '\0';
	CHECK_STR(got, "ok 1234");
	/* A reader that went away: an error, not a SIGPIPE (which would end
	 * this test process). */
	close(sv[1]);
	CHECK_INT(ctr_send_line(sv[0], line, sizeof(line), "x\n"), -EPIPE);
	close(sv[0]);
	/* Not a socket: written instead. */
	CHECK_INT(pipe(pfd), 0);
	CHECK_INT(ctr_send_line(pfd[1], line, sizeof(line), "p%s\n", "q"), 0);
	n = read(pfd[0], got, sizeof(got) - 1);
	CHECK_INT((int)n, 3);
	close(pfd[0]);
	close(pfd[1]);
}
