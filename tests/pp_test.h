/* pp_test.h - a tiny test harness: cases of checks, a closing count line.
 * Each PT_RUN'd case passes when none of its checks failed. */
#ifndef PP_TEST_H
#define PP_TEST_H

#include <stdint.h>
#include <stdio.h>

static int pt_cases_pass, pt_cases_fail, pt_case_failed;

#define PT_CHECK(cond, ...)                                                      \
	do {                                                                     \
		if (!(cond)) {                                                   \
			pt_case_failed = 1;                                      \
			fprintf(stderr, "  FAIL %s:%d: ", __FILE__, __LINE__);   \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
		}                                                                \
	} while (0)

#define PT_RUN(fn)                                                               \
	do {                                                                     \
		pt_case_failed = 0;                                              \
		fn();                                                            \
		if (pt_case_failed) {                                            \
			pt_cases_fail++;                                         \
			fprintf(stderr, "not ok - %s\n", #fn);                   \
		} else {                                                         \
			pt_cases_pass++;                                         \
			printf("ok - %s\n", #fn);                                \
		}                                                                \
	} while (0)

/* Marsaglia's xorshift64: the tests' reproducible random numbers, from the
 * state *s (borrowed, never 0). */
static inline uint64_t pt_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Prints the closing line and returns the exit status for main(). */
#define PT_DONE(name)                                                             \
	(printf("%s: %d passed, %d failed\n", name, pt_cases_pass, pt_cases_fail), \
	 pt_cases_fail ? 1 : 0)

#endif
