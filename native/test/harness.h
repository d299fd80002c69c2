/* A small test harness for the monitor's C code (`make -C native check`,
 * run by test/unit/native.test.ts under `npm test`).
 *
 *   TEST(spec_minimal) { CHECK(x == 1); CHECK_INT(ret, -EINVAL); CHECK_STR(s, "a"); }
 *
 * Each test runs in its own child process, so a crash or a sanitizer report
 * fails that test alone, and LeakSanitizer checks each test's leaks when its
 * child exits. Output is TAP: `ok N - name` or `not ok N - name` followed by
 * `# file:line: what failed` lines, then `1..N`; each test's stderr begins
 * with a `### name` line. The exit status is 1 if any test failed. An argument runs only the tests whose names contain it. */
#ifndef CTR_TEST_HARNESS_H
#define CTR_TEST_HARNESS_H

#include <stdbool.h>
#include <string.h>

typedef void (*ctr_test_fn)(void);

void ctr_test_register(const char *name, ctr_test_fn fn);
void ctr_test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A fresh empty directory for this test (removed after it). */
const char *ctr_test_dir(void);

#define TEST(name)                                                              \
	static void test_##name(void);                                          \
	__attribute__((constructor)) static void register_##name(void)          \
	{                                                                       \
		ctr_test_register(#name, test_##name);                          \
	}                                                                       \
	static void test_##name(void)

#define CHECK(cond)                                                             \
	do {                                                                    \
		if (!(cond))                                                    \
			ctr_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
	} while (0)

#define CHECK_INT(actual, expected)                                                                         \
	do {                                                                                                \
		long long a_ = (long long)(actual), e_ = (long long)(expected);                             \
		if (a_ != e_)                                                                               \
			ctr_test_fail(__FILE__, __LINE__, "%s is %lld, expected %lld", #actual, a_, e_);    \
	} while (0)

#define CHECK_STR(actual, expected)                                                                               \
	do {                                                                                                      \
		const char *a_ = (actual), *e_ = (expected);                                                      \
		if (!a_ || !e_ || strcmp(a_, e_) != 0)                                                            \
			ctr_test_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #actual, a_ ? a_ : "(null)", \
				      e_ ? e_ : "(null)");                                                        \
	} while (0)

/* True if `haystack` contains `needle`. */
static inline bool contains(const char *haystack, const char *needle)
{
	return haystack && strstr(haystack, needle) != NULL;
}

#endif
