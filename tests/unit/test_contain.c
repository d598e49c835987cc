/*
 * test_contain.c - unit tests of winnowing (src/winnow.h) and containment candidates
 * (src/contain.h).
 *
 * What is tested: nd_winnow against a brute-force winnowing (every window's rightmost
 * minimum, recorded when it changes) for every window width on random and on repetitive
 * hashes; the guarantee that two texts sharing a run of w shingles share a fingerprint;
 * texts shorter than the window; nd_u32_sort_unique. nd_contain_candidates: a contained
 * copy is a candidate and an unrelated or barely overlapping document is not; documents
 * already joined are never paired; a copy of a group's later member is found although an
 * earlier member holds some of the same fingerprints (the count is per document, not per
 * group); a fingerprint shared by more components than ND_CONTAIN_ALL costs pairs linear
 * in their number.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "contain.h"
#include "testutil.h"
#include "winnow.h"

/* ------------------------------------------------------------------------------------- */
/* winnowing                                                                             */

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Every window's rightmost minimum, recorded when its position changes. */
static size_t brute_winnow(const uint64_t *h, size_t n, unsigned w, uint32_t *out)
{
    if (n == 0) return 0;
    if (n < w) w = (unsigned)n;
    size_t k = 0, last = SIZE_MAX;
    for (size_t s = 0; s + w <= n; s++) {
        size_t m = s;
        for (size_t i = s; i < s + w; i++)
            if (h[i] <= h[m]) m = i;
        if (m != last) {
            last = m;
            out[k++] = (uint32_t)(h[m] >> 32);
        }
    }
    return k;
}

START_TEST(test_winnow_brute_force)
{
    enum { N = 700 };
    uint64_t h[N];
    uint32_t a[N], b[N];
    for (int rep = 0; rep < 2; rep++) {
        for (size_t i = 0; i < N; i++) /* random, then few distinct values (many ties) */
            h[i] = rep == 0 ? rnd() : (rnd() % 5) << 32;
        for (unsigned w = 1; w <= ND_WINNOW_MAXW; w++)
            for (size_t n = 0; n <= N; n += n < 80 ? 1 : 97) {
                size_t ka = nd_winnow(h, n, w, a), kb = brute_winnow(h, n, w, b);
                ck_assert_uint_eq(ka, kb);
                ck_assert_int_eq(memcmp(a, b, ka * sizeof *a), 0);
            }
    }
}
END_TEST

START_TEST(test_winnow_shared_run)
{
    /* Two random texts with one common run of exactly w shingles somewhere in each share a
     * fingerprint, whatever surrounds it. */
    enum { N = 300 };
    uint64_t x[N], y[N];
    uint32_t fx[N], fy[N];
    for (int trial = 0; trial < 2000; trial++) {
        unsigned w = 1 + (unsigned)(rnd() % ND_WINNOW_MAXW);
        for (size_t i = 0; i < N; i++) {
            x[i] = rnd();
            y[i] = rnd();
        }
        size_t px = rnd() % (N - w + 1), py = rnd() % (N - w + 1);
        for (size_t i = 0; i < w; i++)
            y[py + i] = x[px + i];
        size_t nx = nd_winnow(x, N, w, fx), ny = nd_winnow(y, N, w, fy);
        nx = nd_u32_sort_unique(fx, nx);
        ny = nd_u32_sort_unique(fy, ny);
        int common = 0;
        for (size_t i = 0, j = 0; i < nx && j < ny && !common;)
            if (fx[i] == fy[j])
                common = 1;
            else if (fx[i] < fy[j])
                i++;
            else
                j++;
        ck_assert_msg(common, "trial %d, w %u: a shared run of w shingles shares no fingerprint",
                      trial, w);
    }
}
END_TEST

START_TEST(test_winnow_short_text)
{
    const uint64_t h[] = {9ull << 32, 3ull << 32, 7ull << 32};
    uint32_t out[3];
    ck_assert_uint_eq(nd_winnow(h, 3, 16, out), 1);
    ck_assert_uint_eq(out[0], 3);
    ck_assert_uint_eq(nd_winnow(h, 0, 16, out), 0);
    ck_assert_uint_eq(nd_winnow(h, 1, 1, out), 1);
    ck_assert_uint_eq(out[0], 9);
}
END_TEST

START_TEST(test_sort_unique)
{
    uint32_t a[] = {5, 1, 5, 3, 1, 1, UINT32_MAX, 0};
    size_t n = nd_u32_sort_unique(a, 8);
    const uint32_t want[] = {0, 1, 3, 5, UINT32_MAX};
    ck_assert_uint_eq(n, 5);
    ck_assert_int_eq(memcmp(a, want, sizeof want), 0);
    ck_assert_uint_eq(nd_u32_sort_unique(a, 0), 0);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* candidates                                                                            */

typedef struct fpbuf {
    uint64_t *v;
    size_t n, cap;
} fpbuf;

/* Document d's fingerprints lo, lo + 1, ..., hi - 1. */
static void add_fps(fpbuf *b, uint32_t d, uint32_t lo, uint32_t hi)
{
    for (uint32_t f = lo; f < hi; f++) {
        if (b->n == b->cap) {
            b->cap = b->cap ? 2 * b->cap : 256;
            b->v = realloc(b->v, b->cap * sizeof *b->v);
            ck_assert_ptr_nonnull(b->v);
        }
        b->v[b->n++] = (uint64_t)f << 32 | d;
    }
}

static int has_pair(const nd_pair *p, size_t n, uint32_t a, uint32_t b)
{
    for (size_t i = 0; i < n; i++)
        if (p[i].a == a && p[i].b == b) return 1;
    return 0;
}

START_TEST(test_candidates_basic)
{
    fpbuf b = {0};
    add_fps(&b, 0, 1, 101);   /* the original */
    add_fps(&b, 1, 1, 51);    /* its first half: contained */
    add_fps(&b, 2, 500, 600); /* unrelated */
    add_fps(&b, 3, 1, 11);    /* shares 10 of 100 */
    add_fps(&b, 3, 700, 790);
    add_fps(&b, 4, 51, 96); /* a middle part with 5 of its own */
    add_fps(&b, 4, 900, 905);
    nd_uf *uf;
    ck_assert_int_eq(nd_uf_create(5, &uf), ND_OK);
    nd_pair *p;
    size_t n;
    ck_assert_int_eq(nd_contain_candidates(b.v, b.n, 5, uf, 0.8, &p, &n), ND_OK);
    ck_assert(has_pair(p, n, 0, 1));
    ck_assert(has_pair(p, n, 0, 4)); /* 45 of 50 = 0.9 */
    ck_assert(!has_pair(p, n, 0, 2));
    ck_assert(!has_pair(p, n, 0, 3));
    ck_assert(!has_pair(p, n, 1, 4)); /* nothing shared */
    for (size_t i = 0; i < n; i++)
        ck_assert(p[i].a < p[i].b && (i == 0 || p[i - 1].a < p[i].a ||
                                      (p[i - 1].a == p[i].a && p[i - 1].b < p[i].b)));
    free(p);

    /* Joined documents are one: no pair between them. */
    nd_uf_union(uf, 0, 1);
    b.n = 0;
    add_fps(&b, 0, 1, 101);
    add_fps(&b, 1, 1, 51);
    add_fps(&b, 4, 51, 96);
    add_fps(&b, 4, 900, 905);
    ck_assert_int_eq(nd_contain_candidates(b.v, b.n, 5, uf, 0.8, &p, &n), ND_OK);
    ck_assert(!has_pair(p, n, 0, 1));
    ck_assert(has_pair(p, n, 0, 4));
    free(p);
    nd_uf_free(uf);
    free(b.v);
}
END_TEST

START_TEST(test_candidates_later_member)
{
    /* X (doc 0) and O (doc 1) are one group: X holds fingerprints 1-150, O 1-200. C (doc 2)
     * is O's last half, 101-200: it shares 50 with X and all 100 with O. Counted per group's
     * first document, O would get only 151-200 and the pair would be missed. */
    fpbuf b = {0};
    add_fps(&b, 0, 1, 151);
    add_fps(&b, 1, 1, 201);
    add_fps(&b, 2, 101, 201);
    nd_uf *uf;
    ck_assert_int_eq(nd_uf_create(3, &uf), ND_OK);
    nd_uf_union(uf, 0, 1);
    nd_pair *p;
    size_t n;
    ck_assert_int_eq(nd_contain_candidates(b.v, b.n, 3, uf, 0.9, &p, &n), ND_OK);
    ck_assert(has_pair(p, n, 1, 2));
    ck_assert(!has_pair(p, n, 0, 2)); /* 50 of 100 */
    free(p);
    nd_uf_free(uf);
    free(b.v);
}
END_TEST

START_TEST(test_candidates_common_fingerprint)
{
    /* 1,000 unrelated documents, each with 1 fingerprint of its own and one that all share:
     * more components than ND_CONTAIN_ALL, so each is paired only with the first
     * ND_CONTAIN_FIRST; with share 0.5 of 2 fingerprints, those pairs are candidates. */
    enum { D = 1000 };
    fpbuf b = {0};
    for (uint32_t d = 0; d < D; d++) {
        add_fps(&b, d, 7, 8);
        add_fps(&b, d, 1000 + d, 1001 + d);
    }
    nd_uf *uf;
    ck_assert_int_eq(nd_uf_create(D, &uf), ND_OK);
    nd_pair *p;
    size_t n;
    ck_assert_int_eq(nd_contain_candidates(b.v, b.n, D, uf, 0.5, &p, &n), ND_OK);
    size_t first = ND_CONTAIN_FIRST;
    ck_assert_uint_eq(n, first * (first - 1) / 2 + first * (D - first));
    ck_assert(has_pair(p, n, 0, D - 1));
    ck_assert(!has_pair(p, n, first, D - 1));
    free(p);
    nd_uf_free(uf);
    free(b.v);
}
END_TEST

static Suite *contain_suite(void)
{
    Suite *s = suite_create("contain");
    TCase *tc = tcase_create("winnow");
    tcase_add_test(tc, test_winnow_brute_force);
    tcase_add_test(tc, test_winnow_shared_run);
    tcase_add_test(tc, test_winnow_short_text);
    tcase_add_test(tc, test_sort_unique);
    suite_add_tcase(s, tc);
    tc = tcase_create("candidates");
    tcase_add_test(tc, test_candidates_basic);
    tcase_add_test(tc, test_candidates_later_member);
    tcase_add_test(tc, test_candidates_common_fingerprint);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(contain_suite());
}
