/*
 * test_status.c - nd_status_str: every code has its own non-empty description, and an
 * unknown value is still a string (never NULL), so a message can always be printed.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "neardup/status.h"
#include "testutil.h"

START_TEST(test_every_code_described)
{
    for (int a = ND_OK; a <= ND_EINTERNAL; a++) {
        const char *s = nd_status_str((nd_status)a);
        ck_assert_ptr_nonnull(s);
        ck_assert_uint_gt(strlen(s), 0);
        for (int b = ND_OK; b < a; b++)
            ck_assert_msg(strcmp(s, nd_status_str((nd_status)b)) != 0,
                          "codes %d and %d share the description '%s'", a, b, s);
    }
    ck_assert_str_eq(nd_status_str(ND_OK), "success");
    ck_assert_str_eq(nd_status_str(ND_ENOMEM), "out of memory");
    ck_assert_int_eq(ND_OK, 0);
}
END_TEST

START_TEST(test_unknown_code)
{
    const char *s = nd_status_str((nd_status)12345);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "unknown status");
}
END_TEST

static Suite *status_suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_every_code_described);
    tcase_add_test(tc, test_unknown_code);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(status_suite());
}
