/*
 * test_verify.c - unit tests of exact set similarity (include/neardup/verify.h).
 *
 * What is tested: nd_verify_exact (intersection, Jaccard, both containments) on small hand
 * sets, a truncated copy, disjoint, identical and empty sets, symmetry, extreme values,
 * random sets against a brute-force count and a large set; nd_verify_passes exactly at the
 * threshold (4 of 5 passes at 0.8, every k/100 and k/1000 at the threshold written as a
 * decimal, one shingle fewer fails), threshold 1.0 passing only identical sets, and the
 * empty union.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify.h"
#include "testutil.h"

/* ------------------------------------------------------------------------------------- */
/* core                                                                                  */

START_TEST(test_hand_sets)
{
    const uint64_t a[] = {1, 2, 3, 4, 5}, b[] = {2, 3, 4, 5, 6};
    nd_sim s = nd_verify_exact(a, 5, b, 5);
    ck_assert_uint_eq(s.inter, 4);
    ck_assert_double_eq_tol(s.jaccard, 4.0 / 6.0, 1e-15);
    ck_assert_double_eq_tol(s.contain_a, 0.8, 1e-15);
    ck_assert_double_eq_tol(s.contain_b, 0.8, 1e-15);

    const uint64_t c[] = {10, 20, 30}, d[] = {5, 10, 15, 20, 25, 30, 35};
    s = nd_verify_exact(c, 3, d, 7);
    ck_assert_uint_eq(s.inter, 3);
    ck_assert_double_eq_tol(s.jaccard, 3.0 / 7.0, 1e-15);
    ck_assert_double_eq(s.contain_a, 1.0);
    ck_assert_double_eq_tol(s.contain_b, 3.0 / 7.0, 1e-15);
}
END_TEST

START_TEST(test_truncated_copy)
{
    /* A is the first 40% of B: containment of A in B stays 1, Jaccard is 0.4. */
    uint64_t b[100];
    for (size_t i = 0; i < 100; i++)
        b[i] = 1000 + 3 * i;
    nd_sim s = nd_verify_exact(b, 40, b, 100);
    ck_assert_uint_eq(s.inter, 40);
    ck_assert_double_eq_tol(s.jaccard, 0.4, 1e-15);
    ck_assert_double_eq(s.contain_a, 1.0);
    ck_assert_double_eq_tol(s.contain_b, 0.4, 1e-15);
}
END_TEST

START_TEST(test_identical_and_disjoint)
{
    const uint64_t a[] = {0, 7, UINT64_MAX - 1, UINT64_MAX}, b[] = {1, 8, 9};
    nd_sim s = nd_verify_exact(a, 4, a, 4);
    ck_assert_uint_eq(s.inter, 4);
    ck_assert_double_eq(s.jaccard, 1.0);
    ck_assert_double_eq(s.contain_a, 1.0);
    ck_assert_double_eq(s.contain_b, 1.0);
    s = nd_verify_exact(a, 4, b, 3);
    ck_assert_uint_eq(s.inter, 0);
    ck_assert_double_eq(s.jaccard, 0.0);
    ck_assert_double_eq(s.contain_a, 0.0);
    ck_assert_double_eq(s.contain_b, 0.0);
    /* Extreme values are compared correctly (no signed or subtracting comparison). */
    const uint64_t c[] = {0, UINT64_MAX};
    s = nd_verify_exact(a, 4, c, 2);
    ck_assert_uint_eq(s.inter, 2);
    ck_assert_double_eq_tol(s.jaccard, 0.5, 1e-15);
    ck_assert_double_eq(s.contain_b, 1.0);
    ck_assert_double_eq_tol(s.contain_a, 0.5, 1e-15);
}
END_TEST

START_TEST(test_empty_sets)
{
    const uint64_t a[] = {1, 2, 3};
    nd_sim s = nd_verify_exact(NULL, 0, NULL, 0);
    ck_assert_uint_eq(s.inter, 0);
    ck_assert_double_eq(s.jaccard, 1.0); /* two empty sets are identical */
    ck_assert_double_eq(s.contain_a, 0.0);
    ck_assert_double_eq(s.contain_b, 0.0);
    s = nd_verify_exact(NULL, 0, a, 3);
    ck_assert_uint_eq(s.inter, 0);
    ck_assert_double_eq(s.jaccard, 0.0);
    ck_assert_double_eq(s.contain_a, 0.0);
    ck_assert_double_eq(s.contain_b, 0.0);
    s = nd_verify_exact(a, 3, NULL, 0);
    ck_assert_double_eq(s.jaccard, 0.0);
    ck_assert_double_eq(s.contain_a, 0.0);
    ck_assert_double_eq(s.contain_b, 0.0);
}
END_TEST

START_TEST(test_random_against_brute_force)
{
    enum { MAXN = 400 };
    static uint64_t a[MAXN], b[MAXN];
    tu_rand_seed(42);
    for (int round = 0; round < 300; round++) {
        size_t na = (size_t)(tu_rand() % MAXN), nb = (size_t)(tu_rand() % MAXN);
        uint64_t range = 1 + tu_rand() % 600;
        for (size_t i = 0; i < na; i++)
            a[i] = tu_rand() % range;
        for (size_t i = 0; i < nb; i++)
            b[i] = tu_rand() % range;
        na = tu_sort_unique(a, na);
        nb = tu_sort_unique(b, nb);
        size_t inter = 0;
        for (size_t i = 0; i < na; i++)
            inter += bsearch(&a[i], b, nb, sizeof *b, tu_cmp_u64) != NULL;
        nd_sim s = nd_verify_exact(a, na, b, nb), t = nd_verify_exact(b, nb, a, na);
        TU_REQUIRE(s.inter == inter, "round %d: inter %zu, expected %zu", round, s.inter, inter);
        size_t uni = na + nb - inter;
        double j = uni ? (double)inter / (double)uni : 1.0;
        TU_REQUIRE(s.jaccard == j, "round %d: jaccard %f, expected %f", round, s.jaccard, j);
        TU_REQUIRE(s.contain_a == (na ? (double)inter / (double)na : 0.0), "round %d", round);
        TU_REQUIRE(s.contain_b == (nb ? (double)inter / (double)nb : 0.0), "round %d", round);
        /* Symmetry: the same Jaccard, containments swapped. */
        TU_REQUIRE(t.inter == s.inter && t.jaccard == s.jaccard && t.contain_a == s.contain_b &&
                       t.contain_b == s.contain_a,
                   "round %d: not symmetric", round);
    }
}
END_TEST

START_TEST(test_large_sets)
{
    /* Two million-element sets sharing every other element of a common range. */
    enum { N = 1000000 };
    uint64_t *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < N; i++) {
        a[i] = 2 * (uint64_t)i;           /* evens below 2N */
        b[i] = (uint64_t)N + (uint64_t)i; /* N .. 2N - 1 */
    }
    nd_sim s = nd_verify_exact(a, N, b, N);
    ck_assert_uint_eq(s.inter, N / 2);
    ck_assert_double_eq_tol(s.jaccard, 0.5 / 1.5, 1e-12);
    free(a);
    free(b);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* threshold                                                                             */

START_TEST(test_passes_at_threshold)
{
    /* 4 shared of a union of 5 is exactly 0.8: it passes at 0.8; one fewer does not. */
    ck_assert_int_eq(nd_verify_passes(4, 5, 4, 0.8), 1);
    ck_assert_int_eq(nd_verify_passes(4, 4, 5, 0.8), 1);
    ck_assert_int_eq(nd_verify_passes(3, 5, 3, 0.8), 0); /* 3/5 */
    ck_assert_int_eq(nd_verify_passes(4, 5, 5, 0.8), 0); /* 4/6 */
    ck_assert_int_eq(nd_verify_passes(4, 5, 4, 0.79999), 1);
    /* A pair at 0.79999 fails at 0.8, passes at 0.79999. */
    ck_assert_int_eq(nd_verify_passes(79999, 100000, 79999, 0.8), 0);
    ck_assert_int_eq(nd_verify_passes(79999, 100000, 79999, 0.79999), 1);
    ck_assert_int_eq(nd_verify_passes(799999999, 1000000000, 799999999, 0.8), 0);
    ck_assert_int_eq(nd_verify_passes(800000000, 1000000000, 800000000, 0.8), 1);

    /* Every threshold written as a decimal (as a user types it) with 2 and 3 digits:
     * inter / uni equal to it passes, one shared shingle fewer fails. */
    static const size_t unis[] = {100, 1000, 700, 300};
    for (size_t u = 0; u < sizeof unis / sizeof *unis; u++) {
        size_t uni = unis[u];
        for (size_t k = 1; k <= 1000; k++) {
            char buf[32];
            snprintf(buf, sizeof buf, "0.%03zu", k);
            if (k == 1000) snprintf(buf, sizeof buf, "1.0");
            double t = strtod(buf, NULL);
            if ((k * uni) % 1000 != 0) continue; /* t * uni is not a whole number of shingles */
            size_t inter = k * uni / 1000;
            /* A has all of the union, B only the shared part. */
            TU_REQUIRE(nd_verify_passes(inter, uni, inter, t) == 1, "%zu/%zu at t=%s", inter, uni,
                       buf);
            if (inter > 0)
                TU_REQUIRE(nd_verify_passes(inter - 1, uni, inter - 1, t) == 0, "%zu/%zu at t=%s",
                           inter - 1, uni, buf);
        }
    }
}
END_TEST

START_TEST(test_passes_threshold_one)
{
    for (size_t n = 1; n <= 1000000; n = n * 3 + 1) {
        ck_assert_int_eq(nd_verify_passes(n, n, n, 1.0), 1);
        ck_assert_int_eq(nd_verify_passes(n - 1, n, n, 1.0), 0);
        ck_assert_int_eq(nd_verify_passes(n, n + 1, n, 1.0), 0); /* a strict subset */
    }
    /* The empty union: two empty sets are identical and pass any threshold. */
    ck_assert_int_eq(nd_verify_passes(0, 0, 0, 1.0), 1);
    ck_assert_int_eq(nd_verify_passes(0, 0, 0, 0.8), 1);
    /* Nothing shared fails any positive threshold. */
    ck_assert_int_eq(nd_verify_passes(0, 10, 10, 0.01), 0);
    ck_assert_int_eq(nd_verify_passes(0, 1, 0, 0.5), 0);
}
END_TEST

START_TEST(test_passes_agrees_with_exact)
{
    /* nd_verify_passes(inter, na, nb, t) is nd_verify_exact's Jaccard >= t away from the
     * threshold. */
    tu_rand_seed(5);
    for (int i = 0; i < 100000; i++) {
        size_t na = 1 + (size_t)(tu_rand() % 5000), nb = 1 + (size_t)(tu_rand() % 5000);
        size_t lo = na < nb ? na : nb;
        size_t inter = (size_t)(tu_rand() % (lo + 1));
        double j = (double)inter / (double)(na + nb - inter);
        double t = (double)(tu_rand() % 1000 + 1) / 1000.0;
        if (j > t - 1e-9 && j < t + 1e-9) continue;
        TU_REQUIRE(nd_verify_passes(inter, na, nb, t) == (j >= t), "%zu of %zu, %zu at %f", inter,
                   na, nb, t);
    }
}
END_TEST

static Suite *verify_suite(void)
{
    Suite *s = suite_create("verify");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_hand_sets);
    tcase_add_test(tc, test_truncated_copy);
    tcase_add_test(tc, test_identical_and_disjoint);
    tcase_add_test(tc, test_empty_sets);
    tcase_add_test(tc, test_random_against_brute_force);
    suite_add_tcase(s, tc);

    tc = tcase_create("threshold");
    tcase_add_test(tc, test_passes_at_threshold);
    tcase_add_test(tc, test_passes_threshold_one);
    tcase_add_test(tc, test_passes_agrees_with_exact);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_large_sets);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(verify_suite());
}
