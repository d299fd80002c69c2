#define _GNU_SOURCE
#include "harness.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TESTS 512

static struct {
	const char *name;
	ctr_test_fn fn;
} tests[MAX_TESTS];
static int ntests;
static int failures;
static char dir[64];

void ctr_test_register(const char *name, ctr_test_fn fn)
{
	if (ntests < MAX_TESTS)
		tests[ntests++] = (typeof(tests[0])){name, fn};
}

void ctr_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
}

const char *ctr_test_dir(void)
{
	return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Runs one test in a child: 0 if it passed. */
static int run_one(int i)
{
	pid_t pid;
	int status;

	(void)snprintf(dir, sizeof(dir), "/tmp/ctr-native-test.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	/* Marks where this test's stderr (sanitizer reports) begins. */
	fprintf(stderr, "### %s\n", tests[i].name);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		tests[i].fn();
		fflush(stdout);
		exit(failures ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		;
	(void)nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (WIFSIGNALED(status))
		printf("# killed by signal %d\n", WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1)
		printf("# exited with status %d (a sanitizer report?)\n", WEXITSTATUS(status));
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(int argc, char **argv)
{
	int n = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < ntests; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		n++;
		if (run_one(i)) {
			failed++;
			printf("not ok %d - %s\n", n, tests[i].name);
		} else {
			printf("ok %d - %s\n", n, tests[i].name);
		}
	}
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
