/*
 * test_lsh.c - unit tests of LSH banding (src/lsh.h).
 *
 * What is tested: the S-curve nd_lsh_probability against 1 - (1 - j^r)^b; the bands x rows
 * chosen for thresholds 0.5 .. 1 (b * r <= k, high probability at the threshold, low well
 * below it, rows growing with the threshold) and invalid thresholds; the empirical rate at
 * which pairs of signed sets with an exact Jaccard of 0.5 .. 0.9 become candidates, within
 * 4 binomial standard deviations of nd_lsh_probability; the pairs sharing a bucket against
 * a brute-force band comparison (stride, a subset of documents); a bucket of 500 identical
 * signatures and the candidate components of the union-find, against brute force; the
 * buckets and union-find from kept band keys against those from signatures; pinned
 * band keys; nd_pairs_push / nd_pairs_sort_unique; the thread count not changing the
 * result; and a failing allocator.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "lsh.h"
#include "lsh_dist.h"
#include "minhash.h"
#include "testutil.h"

static nd_pairs out;

static void setup(void)
{
    memset(&out, 0, sizeof out);
}

static void teardown(void)
{
    nd_pairs_clear(&out);
}

/* Asserts out is sorted by (a, b), unique, and a < b < ndocs for every pair. */
static void check_sorted_unique(const nd_pairs *p, size_t ndocs)
{
    for (size_t i = 0; i < p->n; i++) {
        TU_REQUIRE(p->v[i].a < p->v[i].b && p->v[i].b < ndocs, "pair %zu (%u, %u)", i, p->v[i].a,
                   p->v[i].b);
        if (i)
            TU_REQUIRE(p->v[i - 1].a < p->v[i].a ||
                           (p->v[i - 1].a == p->v[i].a && p->v[i - 1].b < p->v[i].b),
                       "pairs %zu and %zu out of order", i - 1, i);
    }
}

/* The brute-force candidates: every used pair that agrees on all rows of some band. */
static void brute_force(const uint32_t *sigs, size_t ndocs, size_t stride, const unsigned char *use,
                        const nd_lsh_params *p, nd_pairs *ref)
{
    for (size_t i = 0; i < ndocs; i++) {
        if (use && !use[i]) continue;
        for (size_t j = i + 1; j < ndocs; j++) {
            if (use && !use[j]) continue;
            for (unsigned b = 0; b < p->bands; b++) {
                const uint32_t *x = sigs + i * stride + b * p->rows;
                const uint32_t *y = sigs + j * stride + b * p->rows;
                if (memcmp(x, y, p->rows * sizeof *x) == 0) {
                    ck_assert_int_eq(nd_pairs_push(ref, (uint32_t)i, (uint32_t)j), ND_OK);
                    break;
                }
            }
        }
    }
}

static void expect_same_pairs(const nd_pairs *got, const nd_pairs *want)
{
    ck_assert_msg(got->n == want->n, "%zu pairs, expected %zu", got->n, want->n);
    for (size_t i = 0; i < got->n; i++)
        TU_REQUIRE(got->v[i].a == want->v[i].a && got->v[i].b == want->v[i].b,
                   "pair %zu: (%u, %u), expected (%u, %u)", i, got->v[i].a, got->v[i].b,
                   want->v[i].a, want->v[i].b);
}

/* Signatures over a small alphabet so that bands collide often: n docs, stride values each
 * (the values past bands * rows are noise that must not matter). */
static uint32_t *collision_sigs(size_t n, size_t stride, unsigned alphabet)
{
    uint32_t *s = malloc(n * stride * sizeof *s);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < n * stride; i++)
        s[i] = (uint32_t)(tu_rand() % alphabet);
    return s;
}

/* The candidate pairs LSH proposes: every pair of documents that share a bucket of some
 * band (nd_lsh_bucket_all over the used documents), appended to out, sorted and unique. */
static nd_status candidates(const uint32_t *sigs, size_t n, size_t stride, const unsigned char *use,
                            const nd_lsh_params *p, unsigned threads, nd_pairs *pairs)
{
    uint32_t *map = calloc(n ? n : 1, sizeof *map);
    uint32_t *sub = malloc((n ? n : 1) * stride * sizeof *sub);
    ck_assert(map && sub);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!use || use[i]) {
            memcpy(sub + m * stride, sigs + i * stride, stride * sizeof *sub);
            map[m++] = (uint32_t)i;
        }
    nd_lsh_bands b = {0};
    nd_status st = nd_lsh_bucket_all(sub, m, stride, p, threads, NULL, &b);
    for (unsigned band = 0; st == ND_OK && band < b.nbands; band++)
        for (size_t k = 0; k < b.nbuckets[band]; k++)
            for (uint32_t x = b.start[band][k]; x < b.start[band][k + 1]; x++)
                for (uint32_t y = x + 1; y < b.start[band][k + 1]; y++)
                    ck_assert_int_eq(nd_pairs_push(pairs, map[b.rec[band][x]], map[b.rec[band][y]]),
                                     ND_OK);
    nd_lsh_bands_clear(&b);
    free(map);
    free(sub);
    if (st == ND_OK) st = nd_pairs_sort_unique(pairs);
    return st;
}

/* ------------------------------------------------------------------------------------- */
/* core: parameters                                                                      */

START_TEST(test_probability_formula)
{
    for (unsigned b = 1; b <= 40; b += 3)
        for (unsigned r = 1; r <= 20; r += 2)
            for (int k = 0; k <= 100; k++) {
                double j = k / 100.0;
                double want = 1.0 - pow(1.0 - pow(j, r), b);
                double got = nd_lsh_probability(j, b, r);
                TU_REQUIRE(fabs(got - want) <= 1e-12, "P(%f, %u, %u) = %f, expected %f", j, b, r,
                           got, want);
            }
    ck_assert_double_eq(nd_lsh_probability(0.0, 18, 7), 0.0);
    ck_assert_double_eq(nd_lsh_probability(1.0, 18, 7), 1.0);
    ck_assert_double_eq_tol(nd_lsh_probability(0.5, 1, 1), 0.5, 1e-15);
    ck_assert_double_eq_tol(nd_lsh_probability(0.5, 2, 1), 0.75, 1e-15);
    ck_assert_double_eq_tol(nd_lsh_probability(0.5, 1, 2), 0.25, 1e-15);
}
END_TEST

START_TEST(test_params_default)
{
    nd_lsh_params p = {0, 0};
    ck_assert_int_eq(nd_lsh_params_for(0.8, 128, &p), ND_OK);
    ck_assert_uint_ge(p.bands, 1);
    ck_assert_uint_ge(p.rows, 1);
    ck_assert_uint_le(p.bands * p.rows, 128);
    /* Recall first: a pair at the threshold is a candidate with probability >= 0.9995. */
    ck_assert_double_ge(nd_lsh_probability(0.8, p.bands, p.rows), 0.9995);
    ck_assert_double_le(nd_lsh_probability(0.4, p.bands, p.rows), 0.2);
    /* Deterministic. */
    nd_lsh_params q;
    ck_assert_int_eq(nd_lsh_params_for(0.8, 128, &q), ND_OK);
    ck_assert_uint_eq(q.bands, p.bands);
    ck_assert_uint_eq(q.rows, p.rows);
}
END_TEST

START_TEST(test_params_other_thresholds)
{
    static const double ts[] = {0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95};
    unsigned prev_rows = 0;
    for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
        nd_lsh_params p;
        ck_assert_int_eq(nd_lsh_params_for(ts[i], 128, &p), ND_OK);
        ck_assert_uint_le(p.bands * p.rows, 128);
        double at = nd_lsh_probability(ts[i], p.bands, p.rows);
        double below = nd_lsh_probability(ts[i] - 0.4, p.bands, p.rows);
        ck_assert_msg(at >= 0.9995, "t=%.2f: %ux%u gives P(t) = %f", ts[i], p.bands, p.rows, at);
        ck_assert_msg(below <= 0.3, "t=%.2f: %ux%u gives P(t - 0.4) = %f", ts[i], p.bands, p.rows,
                      below);
        /* ... and no band more than it needs: one fewer misses the target. */
        ck_assert_msg(p.bands == 1 || nd_lsh_probability(ts[i], p.bands - 1, p.rows) < 0.9995,
                      "t=%.2f: %ux%u has a band to spare", ts[i], p.bands, p.rows);
        /* A higher threshold needs at least as many rows per band. */
        ck_assert_msg(p.rows >= prev_rows, "t=%.2f: %u rows < %u", ts[i], p.rows, prev_rows);
        prev_rows = p.rows;
    }
    /* Threshold 1: only identical signatures matter; one band of all rows is optimal. */
    nd_lsh_params p;
    ck_assert_int_eq(nd_lsh_params_for(1.0, 128, &p), ND_OK);
    ck_assert_uint_le(p.bands * p.rows, 128);
    ck_assert_double_le(nd_lsh_probability(0.95, p.bands, p.rows), 0.01);
    /* Other k. */
    static const unsigned ks[] = {1, 2, 16, 64, 100, 256};
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
        ck_assert_int_eq(nd_lsh_params_for(0.8, ks[i], &p), ND_OK);
        ck_assert_uint_ge(p.bands, 1);
        ck_assert_uint_ge(p.rows, 1);
        ck_assert_uint_le(p.bands * p.rows, ks[i]);
        if (ks[i] >= 16) ck_assert_double_ge(nd_lsh_probability(0.8, p.bands, p.rows), 0.95);
    }
}
END_TEST

START_TEST(test_params_invalid)
{
    static const double bad[] = {0.0, -0.1, -1.0, 1.0000001, 2.0, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        nd_lsh_params p = {77, 88};
        ck_assert_msg(nd_lsh_params_for(bad[i], 128, &p) == ND_EINVAL, "t = %f", bad[i]);
        ck_assert_uint_eq(p.bands, 77);
        ck_assert_uint_eq(p.rows, 88);
    }
    nd_lsh_params p = {77, 88};
    ck_assert_int_eq(nd_lsh_params_for(0.8, 0, &p), ND_EINVAL);
    ck_assert_uint_eq(p.bands, 77);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* core: candidates                                                                      */

START_TEST(test_band_key_kat)
{
    uint32_t sig[128];
    for (unsigned i = 0; i < 128; i++)
        sig[i] = i * 0x9e3779b9u;
    /* Pinned (computed apart, in Python, from the formula in lsh.h): band keys are stored
     * in indexes; changing them invalidates every index. */
    static const uint32_t want[4] = {0xcc4bb96fu, 0xa9f658d9u, 0xa923f4bcu, 0x14c88240u};
    for (unsigned b = 0; b < 4; b++)
        ck_assert_msg(nd_lsh_band_key(sig, b, 7) == want[b], "band %u: 0x%08x", b,
                      nd_lsh_band_key(sig, b, 7));
    /* Same rows in different bands give different keys (the band number is mixed in). */
    uint32_t zero[14] = {0};
    ck_assert_uint_ne(nd_lsh_band_key(zero, 0, 7), nd_lsh_band_key(zero, 1, 7));
    /* A band's key depends only on its own rows, and on each of them. */
    uint32_t k1 = nd_lsh_band_key(sig, 1, 7);
    sig[6] ^= 1;
    sig[14] ^= 1;
    ck_assert_uint_eq(nd_lsh_band_key(sig, 1, 7), k1);
    for (unsigned r = 7; r < 14; r++) {
        sig[r] ^= 1u << (r * 3 % 32);
        ck_assert_uint_ne(nd_lsh_band_key(sig, 1, 7), k1);
        sig[r] ^= 1u << (r * 3 % 32);
    }
}
END_TEST

START_TEST(test_identical_always_candidates)
{
    enum { N = 20, K = 128 };
    nd_lsh_params p;
    ck_assert_int_eq(nd_lsh_params_for(0.8, K, &p), ND_OK);
    static uint32_t sigs[N * K];
    tu_rand_seed(1);
    for (size_t i = 0; i < K; i++)
        sigs[i] = (uint32_t)tu_rand();
    for (size_t d = 1; d < N; d++)
        memcpy(sigs + d * K, sigs, K * sizeof *sigs);
    ck_assert_int_eq(candidates(sigs, N, K, NULL, &p, 1, &out), ND_OK);
    ck_assert_uint_eq(out.n, N * (N - 1) / 2);
    check_sorted_unique(&out, N);
    /* Differing everywhere but one band: still a candidate. */
    nd_pairs_clear(&out);
    for (size_t i = 0; i < K; i++)
        if (i / p.rows != 3) sigs[K + i] = ~sigs[i];
    ck_assert_int_eq(candidates(sigs, 2, K, NULL, &p, 1, &out), ND_OK);
    ck_assert_uint_eq(out.n, 1);
    ck_assert_uint_eq(out.v[0].a, 0);
    ck_assert_uint_eq(out.v[0].b, 1);
    /* Differing in one row of every band: never. */
    nd_pairs_clear(&out);
    memcpy(sigs + K, sigs, K * sizeof *sigs);
    for (unsigned b = 0; b < p.bands; b++)
        sigs[K + b * p.rows + b % p.rows] ^= 0x10;
    ck_assert_int_eq(candidates(sigs, 2, K, NULL, &p, 1, &out), ND_OK);
    ck_assert_uint_eq(out.n, 0);
}
END_TEST

START_TEST(test_candidates_match_brute_force)
{
    enum { N = 300, STRIDE = 11 };
    const nd_lsh_params p = {4, 2};
    tu_rand_seed(2024);
    uint32_t *sigs = collision_sigs(N, STRIDE, 3);
    nd_pairs ref = {0};
    brute_force(sigs, N, STRIDE, NULL, &p, &ref);
    ck_assert_int_eq(nd_pairs_sort_unique(&ref), ND_OK);
    ck_assert_uint_gt(ref.n, 5000); /* plenty of collisions */
    ck_assert_int_eq(candidates(sigs, N, STRIDE, NULL, &p, 1, &out), ND_OK);
    check_sorted_unique(&out, N);
    expect_same_pairs(&out, &ref);
    /* The noise past bands * rows does not matter. */
    for (size_t i = 0; i < N; i++)
        for (size_t j = 8; j < STRIDE; j++)
            sigs[i * STRIDE + j] = (uint32_t)tu_rand();
    nd_pairs again = {0};
    ck_assert_int_eq(candidates(sigs, N, STRIDE, NULL, &p, 1, &again), ND_OK);
    expect_same_pairs(&again, &ref);
    nd_pairs_clear(&again);
    nd_pairs_clear(&ref);
    free(sigs);
}
END_TEST

START_TEST(test_use_mask)
{
    enum { N = 200, K = 6 };
    const nd_lsh_params p = {3, 2};
    tu_rand_seed(99);
    uint32_t *sigs = collision_sigs(N, K, 3);
    unsigned char use[N];
    for (size_t i = 0; i < N; i++)
        use[i] = (unsigned char)(i % 3 != 0);
    nd_pairs ref = {0};
    brute_force(sigs, N, K, use, &p, &ref);
    ck_assert_int_eq(nd_pairs_sort_unique(&ref), ND_OK);
    ck_assert_uint_gt(ref.n, 1000);
    ck_assert_int_eq(candidates(sigs, N, K, use, &p, 1, &out), ND_OK);
    for (size_t i = 0; i < out.n; i++)
        TU_REQUIRE(use[out.v[i].a] && use[out.v[i].b], "unused document in (%u, %u)", out.v[i].a,
                   out.v[i].b);
    expect_same_pairs(&out, &ref);
    /* Nothing used: nothing out. */
    memset(use, 0, sizeof use);
    nd_pairs_clear(&out);
    ck_assert_int_eq(candidates(sigs, N, K, use, &p, 1, &out), ND_OK);
    ck_assert_uint_eq(out.n, 0);
    nd_pairs_clear(&ref);
    free(sigs);
}
END_TEST

START_TEST(test_appends_to_existing_output)
{
    /* Pairs already in `out` are kept, and merged (sorted, de-duplicated) with the new. */
    const nd_lsh_params p = {2, 2};
    const uint32_t sigs[3 * 4] = {1, 2, 3, 4,  /* doc 0 */
                                  1, 2, 9, 9,  /* doc 1: band 0 as doc 0 */
                                  7, 7, 3, 4}; /* doc 2: band 1 as doc 0 */
    ck_assert_int_eq(nd_pairs_push(&out, 1, 2), ND_OK);
    ck_assert_int_eq(nd_pairs_push(&out, 0, 1), ND_OK);
    ck_assert_int_eq(nd_pairs_push(&out, 50, 7), ND_OK);
    ck_assert_int_eq(candidates(sigs, 3, 4, NULL, &p, 1, &out), ND_OK);
    static const nd_pair want[] = {{0, 1}, {0, 2}, {1, 2}, {7, 50}};
    ck_assert_uint_eq(out.n, 4);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_uint_eq(out.v[i].a, want[i].a);
        ck_assert_uint_eq(out.v[i].b, want[i].b);
    }
}
END_TEST

START_TEST(test_zero_and_one_document)
{
    const nd_lsh_params p = {18, 7};
    ck_assert_int_eq(candidates(NULL, 0, 128, NULL, &p, 1, &out), ND_OK);
    ck_assert_uint_eq(out.n, 0);
    uint32_t sig[128] = {0};
    ck_assert_int_eq(candidates(sig, 1, 128, NULL, &p, 1, &out), ND_OK);
    ck_assert_uint_eq(out.n, 0);
}
END_TEST

START_TEST(test_invalid_params)
{
    uint32_t sig[16] = {0};
    nd_lsh_params p = {0, 4};
    ck_assert_int_eq(candidates(sig, 2, 8, NULL, &p, 1, &out), ND_EINVAL);
    p.bands = 2;
    p.rows = 0;
    ck_assert_int_eq(candidates(sig, 2, 8, NULL, &p, 1, &out), ND_EINVAL);
    ck_assert_uint_eq(out.n, 0);
}
END_TEST

/* 500 identical signatures after 100 unrelated ones: every band has one bucket, of the 500
 * copies in input order (no cap, nothing quadratic), and the union-find joins them into one
 * component; the unrelated documents are in no bucket and stay alone. */
START_TEST(test_large_bucket_and_components)
{
    enum { N = 500, K = 128 };
    nd_lsh_params p;
    ck_assert_int_eq(nd_lsh_params_for(0.8, K, &p), ND_OK);
    uint32_t *sigs = malloc((N + 100) * K * sizeof *sigs);
    ck_assert_ptr_nonnull(sigs);
    tu_rand_seed(500);
    for (size_t i = 0; i < 101 * K; i++)
        sigs[i] = (uint32_t)tu_rand();
    for (size_t d = 101; d < N + 100; d++)
        memcpy(sigs + d * K, sigs + 100 * K, K * sizeof *sigs);
    nd_uf *uf = NULL;
    ck_assert_int_eq(nd_uf_create(N + 100, &uf), ND_OK);
    nd_lsh_bands b = {0};
    ck_assert_int_eq(nd_lsh_bucket_all(sigs, N + 100, K, &p, 2, uf, &b), ND_OK);
    ck_assert_uint_eq(b.nbands, p.bands);
    for (unsigned band = 0; band < p.bands; band++) {
        ck_assert_uint_eq(b.nbuckets[band], 1);
        ck_assert_uint_eq(b.start[band][0], 0);
        ck_assert_uint_eq(b.start[band][1], N);
        for (uint32_t i = 0; i < N; i++)
            TU_REQUIRE(b.rec[band][i] == 100 + i, "band %u member %u", band, i);
    }
    uint32_t r = nd_uf_find(uf, 100);
    ck_assert_uint_eq(nd_uf_size(uf, r), N);
    for (uint32_t i = 0; i < 100; i++)
        ck_assert_uint_eq(nd_uf_size(uf, nd_uf_find(uf, i)), 1);
    nd_lsh_bands_clear(&b);
    nd_lsh_bands_clear(&b); /* twice is fine */
    nd_uf_free(uf);
    free(sigs);
}
END_TEST

/* The union-find's components are those of the brute-force candidate graph. */
START_TEST(test_components_match_brute_force)
{
    enum { N = 300, K = 12 };
    const nd_lsh_params p = {4, 3};
    tu_rand_seed(77);
    uint32_t *sigs = collision_sigs(N, K, 6);
    nd_pairs ref = {0};
    brute_force(sigs, N, K, NULL, &p, &ref);
    ck_assert_uint_gt(ref.n, 50);
    nd_uf *want = NULL, *got = NULL;
    ck_assert_int_eq(nd_uf_create(N, &want), ND_OK);
    ck_assert_int_eq(nd_uf_create(N, &got), ND_OK);
    for (size_t i = 0; i < ref.n; i++)
        nd_uf_union(want, ref.v[i].a, ref.v[i].b);
    nd_lsh_bands b = {0};
    ck_assert_int_eq(nd_lsh_bucket_all(sigs, N, K, &p, 3, got, &b), ND_OK);
    for (uint32_t i = 0; i < N; i++)
        for (uint32_t j = i + 1; j < N; j++)
            TU_REQUIRE((nd_uf_find(want, i) == nd_uf_find(want, j)) ==
                           (nd_uf_find(got, i) == nd_uf_find(got, j)),
                       "documents %u and %u", i, j);
    nd_lsh_bands_clear(&b);
    nd_uf_free(want);
    nd_uf_free(got);
    nd_pairs_clear(&ref);
    free(sigs);
}
END_TEST

/* Asserts two sets of bands are the same buckets, member for member. */
static void expect_same_bands(const nd_lsh_bands *got, const nd_lsh_bands *want)
{
    ck_assert_uint_eq(got->nbands, want->nbands);
    for (unsigned band = 0; band < want->nbands; band++) {
        ck_assert_msg(got->nbuckets[band] == want->nbuckets[band], "band %u: %zu buckets, not %zu",
                      band, got->nbuckets[band], want->nbuckets[band]);
        size_t m = want->start[band][want->nbuckets[band]];
        ck_assert_mem_eq(got->start[band], want->start[band],
                         (want->nbuckets[band] + 1) * sizeof *want->start[band]);
        ck_assert_mem_eq(got->rec[band], want->rec[band], m * sizeof *want->rec[band]);
    }
}

/* The band keys pass 1 keeps instead of signatures (nd_dkeys_add, then
 * nd_lsh_bucket_keys) give the same bands, bucket for bucket, and the same union-find as the
 * signatures (nd_lsh_bucket_all): on signatures over a small alphabet (many buckets, of
 * every size, rows not dividing the stride), and on 500 copies after 100 unrelated
 * documents, for 1 to 3 threads; and none at all for no document. */
START_TEST(test_bucket_keys_match_signatures)
{
    enum { N = 300, STRIDE = 14 };
    const nd_lsh_params ps[] = {{4, 3}, {3, 1}};
    tu_rand_seed(1717);
    uint32_t *sigs = collision_sigs(N, STRIDE, 4);
    for (size_t i = 250 * STRIDE; i < N * STRIDE; i++) /* 50 copies of document 249 */
        sigs[i] = sigs[249 * STRIDE + i % STRIDE];
    for (size_t q = 0; q < sizeof ps / sizeof *ps; q++) {
        const nd_lsh_params *p = &ps[q];
        nd_dkeys keys = {0};
        for (size_t i = 0; i < N; i++)
            ck_assert_int_eq(nd_dkeys_add(&keys, sigs + i * STRIDE, p), ND_OK);
        ck_assert_uint_eq(keys.n, N);
        for (unsigned threads = 1; threads <= 3; threads++) {
            nd_uf *want_uf = NULL, *got_uf = NULL;
            ck_assert_int_eq(nd_uf_create(N, &want_uf), ND_OK);
            ck_assert_int_eq(nd_uf_create(N, &got_uf), ND_OK);
            nd_lsh_bands want = {0}, got = {0};
            ck_assert_int_eq(nd_lsh_bucket_all(sigs, N, STRIDE, p, threads, want_uf, &want), ND_OK);
            ck_assert_int_eq(nd_lsh_bucket_keys(keys.v, N, p, threads, got_uf, &got), ND_OK);
            size_t members = 0;
            for (unsigned band = 0; band < p->bands; band++)
                members += want.start[band][want.nbuckets[band]];
            ck_assert_uint_gt(members, N); /* plenty of buckets */
            expect_same_bands(&got, &want);
            for (uint32_t i = 0; i < N; i++) {
                ck_assert_uint_eq(nd_uf_size(got_uf, nd_uf_find(got_uf, i)),
                                  nd_uf_size(want_uf, nd_uf_find(want_uf, i)));
                for (uint32_t j = i + 1; j < N; j++)
                    TU_REQUIRE((nd_uf_find(want_uf, i) == nd_uf_find(want_uf, j)) ==
                                   (nd_uf_find(got_uf, i) == nd_uf_find(got_uf, j)),
                               "documents %u and %u", i, j);
            }
            nd_lsh_bands_clear(&want);
            nd_lsh_bands_clear(&got);
            nd_uf_free(want_uf);
            nd_uf_free(got_uf);
        }
        nd_dkeys_clear(&keys);
    }
    /* No document: no bucket in any band. */
    nd_lsh_bands none = {0};
    ck_assert_int_eq(nd_lsh_bucket_keys(NULL, 0, &ps[0], 2, NULL, &none), ND_OK);
    ck_assert_uint_eq(none.nbands, ps[0].bands);
    for (unsigned band = 0; band < none.nbands; band++)
        ck_assert_uint_eq(none.nbuckets[band], 0);
    nd_lsh_bands_clear(&none);
    ck_assert_int_eq(nd_lsh_bucket_keys(NULL, 0, &(nd_lsh_params){0, 3}, 1, NULL, &none),
                     ND_EINVAL);
    free(sigs);
}
END_TEST

START_TEST(test_pairs_push_and_sort_unique)
{
    nd_pairs p = {0};
    ck_assert_int_eq(nd_pairs_sort_unique(&p), ND_OK); /* empty */
    ck_assert_uint_eq(p.n, 0);
    ck_assert_int_eq(nd_pairs_push(&p, 5, 2), ND_OK);
    ck_assert_uint_eq(p.v[0].a, 2); /* stored a < b */
    ck_assert_uint_eq(p.v[0].b, 5);
    ck_assert_int_eq(nd_pairs_sort_unique(&p), ND_OK); /* one */
    ck_assert_uint_eq(p.n, 1);
    /* 3000 pushes (crosses the first growth) in a scrambled order, both orientations,
     * with repeats; then two pairs at the top of the range. */
    nd_pairs_clear(&p);
    static unsigned char seen[40][41];
    memset(seen, 0, sizeof seen);
    tu_rand_seed(4);
    for (int i = 0; i < 3000; i++) {
        uint32_t a = (uint32_t)(tu_rand() % 40), b = (uint32_t)(tu_rand() % 40);
        if (a == b) b = a + 1;
        seen[a < b ? a : b][a < b ? b : a] = 1;
        ck_assert_int_eq(nd_pairs_push(&p, a, b), ND_OK);
    }
    ck_assert_int_eq(nd_pairs_push(&p, UINT32_MAX - 1, UINT32_MAX), ND_OK);
    ck_assert_int_eq(nd_pairs_push(&p, UINT32_MAX, 0), ND_OK);
    ck_assert_int_eq(nd_pairs_sort_unique(&p), ND_OK);
    check_sorted_unique(&p, (size_t)UINT32_MAX + 1);
    /* Exactly the distinct pushed pairs, in (a, b) order. */
    size_t k = 0;
    for (uint32_t a = 0; a < 40; a++) {
        for (uint32_t b = a + 1; b <= 40; b++)
            if (seen[a][b]) {
                ck_assert_msg(k < p.n && p.v[k].a == a && p.v[k].b == b,
                              "pair %zu should be (%u, %u)", k, a, b);
                k++;
            }
        if (a == 0) {
            ck_assert_uint_eq(p.v[k].a, 0);
            ck_assert_uint_eq(p.v[k].b, UINT32_MAX);
            k++;
        }
    }
    ck_assert_uint_eq(p.v[k].a, UINT32_MAX - 1);
    ck_assert_uint_eq(p.v[k].b, UINT32_MAX);
    ck_assert_uint_eq(k + 1, p.n);
    ck_assert_uint_gt(p.n, 500);
    nd_pairs_clear(&p);
    ck_assert_ptr_null(p.v);
    ck_assert_uint_eq(p.n, 0);
    nd_pairs_clear(&p);
}
END_TEST

START_TEST(test_threads_do_not_change_result)
{
    enum { N = 400, K = 24 };
    const nd_lsh_params p = {8, 3};
    tu_rand_seed(31337);
    uint32_t *sigs = collision_sigs(N, K, 4);
    ck_assert_int_eq(candidates(sigs, N, K, NULL, &p, 1, &out), ND_OK);
    ck_assert_uint_gt(out.n, 1000);
    static const unsigned threads[] = {0, 1, 2, 3, 8, 100};
    for (size_t i = 0; i < sizeof threads / sizeof *threads; i++) {
        nd_pairs mt = {0};
        ck_assert_int_eq(candidates(sigs, N, K, NULL, &p, threads[i], &mt), ND_OK);
        expect_same_pairs(&mt, &out);
        nd_pairs_clear(&mt);
    }
    free(sigs);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* probability                                                                           */

START_TEST(test_empirical_banding_probability)
{
    /*
     * Pairs of sets of random shingles with an exact Jaccard J: a union of 300 values, of
     * which 300 J are shared and the rest split evenly. Signed with k = 128 and banded with
     * the parameters for threshold 0.8, a pair becomes a candidate with probability
     * P(J) = 1 - (1 - J^r)^b; the observed share over `npairs` pairs must lie within 4
     * binomial standard deviations (plus 0.01 for the hash family) of it. Different pairs
     * share no shingle, so no pair across them may appear.
     */
    enum { NPAIRS = 1500, UNION = 300, K = 128 };
    static const double js[] = {0.5, 0.6, 0.7, 0.8, 0.9};
    nd_lsh_params p;
    ck_assert_int_eq(nd_lsh_params_for(0.8, K, &p), ND_OK);
    nd_minhash *mh;
    ck_assert_int_eq(nd_minhash_create(K, ND_MINHASH_SEED, &mh), ND_OK);
    uint32_t *sigs = malloc((size_t)2 * NPAIRS * K * sizeof *sigs);
    ck_assert_ptr_nonnull(sigs);
    tu_rand_seed(8080);
    for (size_t t = 0; t < sizeof js / sizeof *js; t++) {
        size_t shared = (size_t)lround(js[t] * UNION), own = (UNION - shared) / 2;
        ck_assert_uint_eq(shared + 2 * own, UNION);
        for (size_t q = 0; q < NPAIRS; q++) {
            uint64_t a[UNION], b[UNION];
            for (size_t i = 0; i < shared; i++)
                a[i] = b[i] = tu_rand();
            for (size_t i = 0; i < own; i++) {
                a[shared + i] = tu_rand();
                b[shared + i] = tu_rand();
            }
            nd_minhash_sign(mh, a, shared + own, sigs + 2 * q * K);
            nd_minhash_sign(mh, b, shared + own, sigs + (2 * q + 1) * K);
        }
        nd_pairs_clear(&out);
        ck_assert_int_eq(candidates(sigs, 2 * NPAIRS, K, NULL, &p, 1, &out), ND_OK);
        size_t hits = 0;
        for (size_t i = 0; i < out.n; i++) {
            TU_REQUIRE(out.v[i].a % 2 == 0 && out.v[i].b == out.v[i].a + 1,
                       "J=%.1f: pair (%u, %u) across unrelated sets", js[t], out.v[i].a,
                       out.v[i].b);
            hits++;
        }
        double pr = nd_lsh_probability(js[t], p.bands, p.rows);
        double obs = (double)hits / NPAIRS;
        double tol = 4.0 * sqrt(pr * (1.0 - pr) / NPAIRS) + 0.01;
        ck_assert_msg(fabs(obs - pr) <= tol, "J=%.1f, %ux%u: observed %f, expected %f +- %f", js[t],
                      p.bands, p.rows, obs, pr, tol);
    }
    free(sigs);
    nd_minhash_free(mh);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* oom                                                                                   */

/* A failing allocator: nd_lsh_bucket_all returns ND_ENOMEM and leaves its output empty
 * until it has memory enough, then gives the same buckets as with plenty. */
START_TEST(test_oom_bucket_all)
{
    enum { N = 300, K = 8 };
    const nd_lsh_params p = {4, 2};
    tu_rand_seed(77);
    uint32_t *sigs = collision_sigs(N, K, 3);
    nd_lsh_bands ref = {0};
    ck_assert_int_eq(nd_lsh_bucket_all(sigs, N, K, &p, 1, NULL, &ref), ND_OK);
    long n;
    int failures = 0;
    for (n = 0;; n++) {
        nd_lsh_bands got = {0};
        nd_alloc_fail_after(n);
        nd_status st = nd_lsh_bucket_all(sigs, N, K, &p, 1, NULL, &got);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            for (unsigned band = 0; band < p.bands; band++) {
                ck_assert_uint_eq(got.nbuckets[band], ref.nbuckets[band]);
                size_t m = ref.start[band][ref.nbuckets[band]];
                ck_assert_mem_eq(got.start[band], ref.start[band],
                                 (ref.nbuckets[band] + 1) * sizeof *ref.start[band]);
                ck_assert_mem_eq(got.rec[band], ref.rec[band], m * sizeof *ref.rec[band]);
            }
            nd_lsh_bands_clear(&got);
            break;
        }
        failures++;
        ck_assert_msg(st == ND_ENOMEM, "n=%ld: status %d", n, st);
        ck_assert_msg(got.nbands == 0 && got.rec == NULL, "n=%ld: output after ND_ENOMEM", n);
    }
    ck_assert_int_ge(failures, 5);
    nd_lsh_bands_clear(&ref);
    free(sigs);
}
END_TEST

START_TEST(test_oom_pairs_push)
{
    long n;
    for (n = 0;; n++) {
        nd_pairs p = {0};
        nd_alloc_fail_after(n);
        nd_status st = ND_OK;
        size_t pushed = 0;
        for (uint32_t i = 0; i < 5000 && st == ND_OK; i++) {
            st = nd_pairs_push(&p, i, i + 1);
            pushed += st == ND_OK;
        }
        nd_alloc_fail_after(-1);
        ck_assert_uint_eq(p.n, pushed);
        for (size_t i = 0; i < p.n; i++)
            TU_REQUIRE(p.v[i].a == i && p.v[i].b == i + 1, "pair %zu", i);
        nd_pairs_clear(&p);
        if (st == ND_OK) break;
        ck_assert_int_eq(st, ND_ENOMEM);
    }
    ck_assert_int_ge(n, 2);
}
END_TEST

static Suite *lsh_suite(void)
{
    Suite *s = suite_create("lsh");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_probability_formula);
    tcase_add_test(tc, test_params_default);
    tcase_add_test(tc, test_params_other_thresholds);
    tcase_add_test(tc, test_band_key_kat);
    tcase_add_test(tc, test_identical_always_candidates);
    tcase_add_test(tc, test_candidates_match_brute_force);
    tcase_add_test(tc, test_use_mask);
    tcase_add_test(tc, test_appends_to_existing_output);
    tcase_add_test(tc, test_zero_and_one_document);
    tcase_add_test(tc, test_pairs_push_and_sort_unique);
    tcase_add_test(tc, test_threads_do_not_change_result);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_large_bucket_and_components);
    tcase_add_test(tc, test_components_match_brute_force);
    tcase_add_test(tc, test_bucket_keys_match_signatures);
    tcase_add_test(tc, test_empirical_banding_probability);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_params_invalid);
    tcase_add_test(tc, test_invalid_params);
    suite_add_tcase(s, tc);

    tc = tcase_create("oom");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_oom_bucket_all);
    tcase_add_test(tc, test_oom_pairs_push);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(lsh_suite());
}
