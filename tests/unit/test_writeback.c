/*
 * test_writeback.c - unit tests of the writeback thread (src/writeback.h).
 *
 * What is tested: on Linux the thread starts the writeback of each file given (its first
 * round runs before it can be stopped, so there is one round at least) and skips a negative
 * descriptor; it changes no byte and leaves the descriptors open; no file at all is
 * allowed; stopping NULL does nothing. No timing is asserted.
 */
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "writeback.h"

START_TEST(test_writeback_files)
{
    char *dir = tu_tmpdir();
    static const char data[] = "some bytes that stay as they are\n";
    char *a = tu_write(dir, "a", data, sizeof data - 1);
    char *b = tu_write(dir, "b", data, sizeof data - 1);
    int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY);
    ck_assert_int_ge(fa, 0);
    ck_assert_int_ge(fb, 0);
    const int fds[3] = {fa, -1, fb};
    nd_writeback *w = nd_writeback_start(fds, 3, 1000);
    uint64_t calls = nd_writeback_stop(w);
#ifdef __linux__
    ck_assert_ptr_nonnull(w);
    /* one round at least, of the two files; rounds come in pairs */
    ck_assert_uint_ge(calls, 2);
    ck_assert_uint_eq(calls % 2, 0);
#else
    ck_assert_ptr_null(w);
    ck_assert_uint_eq(calls, 0);
#endif
    /* the descriptors are still the caller's */
    ck_assert_int_eq(close(fa), 0);
    ck_assert_int_eq(close(fb), 0);
    size_t len = 0;
    char *got = tu_read_file(a, &len);
    ck_assert_uint_eq(len, sizeof data - 1);
    ck_assert_mem_eq(got, data, len);
    free(got);
    free(a);
    free(b);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_writeback_nothing)
{
    nd_writeback *w = nd_writeback_start(NULL, 0, 5);
    ck_assert_uint_eq(nd_writeback_stop(w), 0);
    ck_assert_uint_eq(nd_writeback_stop(NULL), 0);
}
END_TEST

static Suite *writeback_suite(void)
{
    Suite *s = suite_create("writeback");
    TCase *tc = tcase_create("writeback");
    tcase_add_test(tc, test_writeback_files);
    tcase_add_test(tc, test_writeback_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(writeback_suite());
}
