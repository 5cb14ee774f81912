/* Minimal test harness: CHECK macros that report file:line and keep going, a summary exit code,
 * and helpers to find the project, the build and ../shared. Exit 77 means "skipped". */
#ifndef CH_TESTLIB_H
#define CH_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int ch_test_failures;
extern int ch_test_checks;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		ch_test_checks++;                                                     \
		if (!(cond)) {                                                        \
			ch_test_failures++;                                           \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,       \
				__LINE__, #cond);                                     \
		}                                                                     \
	} while (0)

#define CHECK_STR(a, b)                                                               \
	do {                                                                          \
		const char *a_ = (a), *b_ = (b);                                      \
		ch_test_checks++;                                                     \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                              \
			ch_test_failures++;                                           \
			fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" vs \"%s\"\n",  \
				__FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)",       \
				b_ ? b_ : "(null)");                                  \
		}                                                                     \
	} while (0)

#define CHECK_INT(a, b)                                                               \
	do {                                                                          \
		long long a_ = (long long)(a), b_ = (long long)(b);                   \
		ch_test_checks++;                                                     \
		if (a_ != b_) {                                                       \
			ch_test_failures++;                                           \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld vs %lld\n",      \
				__FILE__, __LINE__, #a, #b, a_, b_);                  \
		}                                                                     \
	} while (0)

/* ch_test_done prints a summary and returns the process exit code. */
int ch_test_done(const char *name);

/* ch_test_skip prints why a test is skipped and returns 77. */
int ch_test_skip(const char *why);

/* Paths: the source tree, the build tree, ../shared (NULL if absent), the CLI binary. */
const char *ch_test_source_dir(void);
const char *ch_test_build_dir(void);
const char *ch_test_shared_dir(void);
const char *ch_test_cli(void);

/* ch_test_read_file reads a whole (small, test fixture) file; caller frees. NULL on error. */
uint8_t *ch_test_read_file(const char *path, size_t *out_len);

/* ch_test_write_file replaces the file at path with len bytes of data. False when it cannot be
 * opened or not all of it is written. */
bool ch_test_write_file(const char *path, const void *data, size_t len);

/* ch_test_tmpdir makes a fresh temporary directory (removed by the caller or left in /tmp). */
const char *ch_test_tmpdir(void);

#endif
