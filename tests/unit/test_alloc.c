/*
 * test_alloc.c - the allocation seam: the failing-allocator hook fails exactly the Nth
 * allocation on, counts calls, turns off again; nd_reallocarray refuses overflowing sizes;
 * nd_strndup copies and terminates; nd_free(NULL) is a no-op.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "testutil.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ND_CLANG_ASAN 1
#endif
#endif

START_TEST(test_hook_fails_from_nth)
{
    nd_alloc_fail_after(2);
    void *a = nd_malloc(8), *b = nd_calloc(2, 8), *c = nd_malloc(8), *d = nd_strndup("x", 1);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_null(c);
    ck_assert_ptr_null(d);
    ck_assert_int_eq(nd_alloc_count(), 4);
    nd_alloc_fail_after(-1);
    void *e = nd_malloc(8);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(nd_alloc_count(), 1);
    nd_free(a);
    nd_free(b);
    nd_free(e);
}
END_TEST

START_TEST(test_fail_at_zero_and_realloc)
{
    void *p = nd_malloc(4);
    ck_assert_ptr_nonnull(p);
    nd_alloc_fail_after(0);
    ck_assert_ptr_null(nd_reallocarray(p, 100, 4)); /* p is untouched on failure */
    nd_alloc_fail_after(-1);
    void *q = nd_reallocarray(p, 100, 4);
    ck_assert_ptr_nonnull(q);
    memset(q, 1, 400);
    nd_free(q);
}
END_TEST

START_TEST(test_overflow_refused)
{
    void *p = nd_reallocarray(NULL, SIZE_MAX / 2, 4);
    ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_strndup_and_free_null)
{
    char *s = nd_strndup("abcdef", 3);
    ck_assert_str_eq(s, "abc");
    nd_free(s);
    char *e = nd_strndup("", 0);
    ck_assert_str_eq(e, "");
    nd_free(e);
    nd_free(NULL);
}
END_TEST

/* Data grown through nd_realloc_align64 stays 64-byte aligned and intact, also when
 * realloc moves the block to another alignment (small blocks, with other allocations in
 * between, move to wherever the heap has room). */
START_TEST(test_realloc_align64)
{
    void *junk[64] = {0};
    void *block = NULL;
    size_t used = 0, moved = 0;
    tu_rand_seed(5);
    for (int step = 0; step < 400; step++) {
        size_t size = used + 1 + tu_rand() % 300;
        size_t off = block ? (size_t)((char *)nd_align64(block) - (char *)block) : 0;
        void *b = nd_realloc_align64(block, used, size);
        ck_assert_ptr_nonnull(b);
        unsigned char *d = nd_align64(b);
        ck_assert_uint_eq((uintptr_t)d % 64, 0);
        moved += block && (size_t)(d - (unsigned char *)b) != off;
        for (size_t i = 0; i < used; i++)
            TU_REQUIRE(d[i] == (unsigned char)(i * 7 + 3), "byte %zu of %zu, step %d", i, used,
                       step);
        for (size_t i = used; i < size; i++)
            d[i] = (unsigned char)(i * 7 + 3);
        block = b;
        used = size;
        size_t j = tu_rand() % 64; /* churn the heap */
        nd_free(junk[j]);
        junk[j] = nd_malloc(1 + tu_rand() % 200);
        if (used > 20000) used = 0; /* start over small: keep the blocks in the heap's bins */
    }
#if !defined(__SANITIZE_ADDRESS__) && !defined(ND_CLANG_ASAN)
    ck_assert_uint_gt(moved, 0); /* the move path ran (ASan's allocator keeps the alignment) */
#else
    (void)moved;
#endif
    nd_free(block);
    for (size_t j = 0; j < 64; j++)
        nd_free(junk[j]);
    /* Without memory: NULL, and the block is untouched. */
    block = nd_realloc_align64(NULL, 0, 100);
    memset(nd_align64(block), 9, 100);
    nd_alloc_fail_after(0);
    ck_assert_ptr_null(nd_realloc_align64(block, 100, 1000));
    nd_alloc_fail_after(-1);
    ck_assert_uint_eq(((unsigned char *)nd_align64(block))[99], 9);
    nd_free(block);
    ck_assert_ptr_null(nd_realloc_align64(NULL, 0, SIZE_MAX - 10));
}
END_TEST

static Suite *alloc_suite(void)
{
    Suite *s = suite_create("alloc");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_hook_fails_from_nth);
    tcase_add_test(tc, test_fail_at_zero_and_realloc);
    tcase_add_test(tc, test_overflow_refused);
    tcase_add_test(tc, test_strndup_and_free_null);
    tcase_add_test(tc, test_realloc_align64);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(alloc_suite());
}
