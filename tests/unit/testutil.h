/*
 * testutil.h - helpers shared by the unit tests.
 */
#ifndef NEARDUP_TESTUTIL_H
#define NEARDUP_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Fails the test with a printf-style message unless cond holds (cheap in hot loops). */
#define TU_REQUIRE(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) ck_abort_msg(__VA_ARGS__);                                                    \
    } while (0)

/* Reads a whole file into a NUL-terminated malloc'd buffer; aborts the test on failure. */
char *tu_read_file(const char *path, size_t *len);
/* Reads all of stream f (rewound first) into a NUL-terminated malloc'd buffer; f stays open. */
char *tu_read_stream(FILE *f, size_t *len);
/* Path of a file in the source tree / in the team's shared directory: $ND_SHARED_DIR when
 * set (ctest sets it), else ../shared beside the source tree (static buffer per call site is
 * not thread-safe; tests are single-threaded). */
const char *tu_src(const char *rel);
const char *tu_shared(const char *rel);

/* The exit status of a test program that skipped (ctest: SKIP_RETURN_CODE 77). */
#define TU_SKIP 77
/* Returns 1 if every file rels[0..n) exists in the shared directory. Otherwise prints
 * "TEST: skipped: PATH not found (...)" on stdout and returns 0: the caller's
 * main then returns TU_SKIP. For the test programs that read ../shared (unit.*_shared):
 * a plain clone has no ../shared, and its suite must still pass. */
int tu_have_shared(const char *test, const char *const *rels, size_t n);
/* A fresh temporary directory (mkdtemp); removed by tu_rmtree. */
char *tu_tmpdir(void);
void tu_rmtree(const char *dir);
/* Writes len bytes to dir/name; returns the malloc'd path. */
char *tu_write(const char *dir, const char *name, const char *data, size_t len);

/* Unchecked fixture: one temporary base directory per test case, made TMPDIR for its tests
 * and removed (TMPDIR restored) in the runner's process, even when a forked test fails. */
void tu_tmp_fixture_setup(void);
void tu_tmp_fixture_teardown(void);

/* Seeds the deterministic splitmix64 generator behind tu_rand. */
void tu_rand_seed(uint64_t seed);
/* The next splitmix64 value (reproducible for a given tu_rand_seed). */
uint64_t tu_rand(void);

/* qsort/bsearch comparator of uint64_t values. */
int tu_cmp_u64(const void *x, const void *y);
/* Reference sort + de-duplicate of a[0..n) with qsort; returns the new length. */
size_t tu_sort_unique(uint64_t *a, size_t n);

/* A growable NUL-terminated string; zero-initialise ({0}), free p when done. */
typedef struct tu_sbuf {
    char *p;
    size_t n, cap;
} tu_sbuf;
/* Appends s[0..len) to b; returns the offset it was written at. */
size_t tu_sb_add(tu_sbuf *b, const char *s, size_t len);
/* Appends the NUL-terminated s to b; returns the offset it was written at. */
size_t tu_sb_puts(tu_sbuf *b, const char *s);

/* Runs suite s (CK_NORMAL output), frees it; returns EXIT_SUCCESS or EXIT_FAILURE for main. */
int tu_run_suite(Suite *s);

#endif
