/*
 * test_minhash.c - unit tests of MinHash signatures (include/neardup/minhash.h).
 *
 * What is tested: known-answer vectors (the signature of a fixed sentence and of fixed
 * shingle values with ND_MINHASH_SEED, pinned: stored indexes depend on them); the empty
 * set; k that is not a multiple of the 16-lane vectors (1, 100, 1000, 1024) giving the
 * prefix of a larger k; independence of order and repeats; the minimum property
 * sig(A u B) = min(sig(A), sig(B)); seeds; nd_minhash_estimate; the exact Jaccard and the
 * estimate on families of near-copies this test writes (against a reference computed from
 * the words written) and on unrelated pairs; invalid k; and a failing allocator. The same on
 * the team's real corpus is in test_minhash_shared.c (skipped without ../shared).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "minhash.h"
#include "normalize.h"
#include "shingle.h"
#include "verify.h"
#include "testutil.h"

/* A sorted, unique 5-shingle set of text[0..len) (malloc'd, *n elements). */
static uint64_t *shingle_set(nd_normalizer *nz, const char *text, size_t len, size_t *n)
{
    nd_tokens t;
    nd_tokens_init(&t);
    nd_u64s scratch = {0}, out = {0};
    ck_assert_int_eq(nd_normalize(nz, text, len, &t, NULL), ND_OK);
    ck_assert_int_eq(nd_shingle_hashes(&t, 0, t.n, 5, &scratch, &out), ND_OK);
    out.n = nd_u64_sort_unique(out.v, out.n, &scratch);
    uint64_t *v = malloc((out.n ? out.n : 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    if (out.n) memcpy(v, out.v, out.n * sizeof *v);
    *n = out.n;
    nd_u64s_clear(&scratch);
    nd_u64s_clear(&out);
    nd_tokens_clear(&t);
    return v;
}

static nd_minhash *mh128;

static void setup(void)
{
    mh128 = NULL;
    ck_assert_int_eq(nd_minhash_create(128, ND_MINHASH_SEED, &mh128), ND_OK);
    ck_assert_ptr_nonnull(mh128);
}

static void teardown(void)
{
    nd_minhash_free(mh128);
    mh128 = NULL;
}

/* ------------------------------------------------------------------------------------- */
/* core                                                                                  */

static const char kat_sentence[] =
    "Presiden Rusia Vladimir Putin mengusulkan kesepakatan dengan Amerika Serikat untuk "
    "tidak saling campur tangan dalam pemilu.";

START_TEST(test_kat_sentence)
{
    /*
     * Known answer: the first 8 values of the k = 128 signature (ND_MINHASH_SEED) of the
     * 5-shingle set of kat_sentence. Signatures and band keys are stored in indexes; if
     * these values change, every stored index is silently invalid. Do not update them
     * without a format version bump.
     */
    static const uint32_t want[8] = {0x03d5c4cbu, 0x23615908u, 0x1538b4d1u, 0x01226588u,
                                     0x04afbb99u, 0x0f033325u, 0x0faa42dbu, 0x128a4914u};
    nd_normalizer *nz;
    ck_assert_int_eq(nd_normalizer_create(&nz), ND_OK);
    size_t n;
    uint64_t *set = shingle_set(nz, kat_sentence, sizeof kat_sentence - 1, &n);
    ck_assert_uint_eq(n, 12); /* 16 tokens, 12 distinct 5-grams */
    uint32_t sig[128];
    nd_minhash_sign(mh128, set, n, sig);
    for (int i = 0; i < 8; i++)
        ck_assert_msg(sig[i] == want[i], "sig[%d] = 0x%08x, expected 0x%08x", i, sig[i], want[i]);
    free(set);
    nd_normalizer_free(nz);
}
END_TEST

START_TEST(test_kat_raw_shingles)
{
    /* Known answer independent of tokenising: fixed 64-bit shingle values, k = 16 and the
     * last lanes of k = 1024 (pinned for the same reason as above). */
    static const uint64_t x[5] = {1, 2, 3, UINT64_C(0x0123456789abcdef), UINT64_MAX};
    static const uint32_t want16[8] = {0x009a9b3du, 0x046845e5u, 0x12a75443u, 0x07ba613du,
                                       0x061a462cu, 0x054bab26u, 0x2059c685u, 0x1839753bu};
    static const uint32_t want1024_tail[4] = {0x25aaa65du, 0x12fdacb1u, 0x402a227eu, 0x07ab89f5u};
    nd_minhash *m16, *m1024;
    ck_assert_int_eq(nd_minhash_create(16, ND_MINHASH_SEED, &m16), ND_OK);
    ck_assert_int_eq(nd_minhash_create(1024, ND_MINHASH_SEED, &m1024), ND_OK);
    uint32_t s16[16], s1024[1024];
    nd_minhash_sign(m16, x, 5, s16);
    nd_minhash_sign(m1024, x, 5, s1024);
    for (int i = 0; i < 8; i++)
        ck_assert_msg(s16[i] == want16[i], "k=16 sig[%d] = 0x%08x, expected 0x%08x", i, s16[i],
                      want16[i]);
    for (int i = 0; i < 4; i++)
        ck_assert_msg(s1024[1020 + i] == want1024_tail[i],
                      "k=1024 sig[%d] = 0x%08x, expected 0x%08x", 1020 + i, s1024[1020 + i],
                      want1024_tail[i]);
    ck_assert_mem_eq(s16, s1024, sizeof s16);
    nd_minhash_free(m16);
    nd_minhash_free(m1024);
}
END_TEST

START_TEST(test_empty_set)
{
    static const unsigned ks[] = {1, 16, 100, 128, 1024};
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
        nd_minhash *m;
        ck_assert_int_eq(nd_minhash_create(ks[i], ND_MINHASH_SEED, &m), ND_OK);
        ck_assert_uint_eq(nd_minhash_k(m), ks[i]);
        uint32_t sig[1024];
        memset(sig, 0, sizeof sig);
        nd_minhash_sign(m, NULL, 0, sig);
        for (unsigned j = 0; j < ks[i]; j++)
            TU_REQUIRE(sig[j] == UINT32_MAX, "k=%u sig[%u] = %u", ks[i], j, sig[j]);
        nd_minhash_free(m);
    }
}
END_TEST

START_TEST(test_k_prefix)
{
    /* Parameters are drawn lane by lane from one stream: the signature for k is the
     * prefix of the signature for any larger k, and nothing past sig[k-1] is written. */
    enum { NX = 700 };
    static uint64_t x[NX];
    tu_rand_seed(3);
    for (size_t i = 0; i < NX; i++)
        x[i] = tu_rand();
    nd_minhash *big;
    ck_assert_int_eq(nd_minhash_create(ND_PERMS_MAX, ND_MINHASH_SEED, &big), ND_OK);
    static uint32_t full[ND_PERMS_MAX];
    nd_minhash_sign(big, x, NX, full);
    static const unsigned ks[] = {1, 2, 15, 16, 17, 31, 33, 64, 100, 127, 128, 129, 500, 1000};
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
        unsigned k = ks[i];
        nd_minhash *m;
        ck_assert_int_eq(nd_minhash_create(k, ND_MINHASH_SEED, &m), ND_OK);
        ck_assert_uint_eq(nd_minhash_k(m), k);
        uint32_t sig[ND_PERMS_MAX + 32];
        for (size_t j = 0; j < sizeof sig / sizeof *sig; j++)
            sig[j] = 0xdeadbeefu;
        nd_minhash_sign(m, x, NX, sig);
        ck_assert_msg(memcmp(sig, full, k * sizeof *sig) == 0, "k=%u is not a prefix", k);
        for (size_t j = k; j < sizeof sig / sizeof *sig; j++)
            TU_REQUIRE(sig[j] == 0xdeadbeefu, "k=%u wrote sig[%zu]", k, j);
        nd_minhash_free(m);
    }
    nd_minhash_free(big);
}
END_TEST

START_TEST(test_order_and_repeats_do_not_matter)
{
    enum { N = 300 };
    uint64_t a[N], b[3 * N];
    tu_rand_seed(11);
    for (size_t i = 0; i < N; i++)
        a[i] = tu_rand();
    /* b: a reversed, then a twice more in a shuffled order. */
    for (size_t i = 0; i < N; i++)
        b[i] = a[N - 1 - i];
    for (size_t i = 0; i < 2 * N; i++)
        b[N + i] = a[(i * 7919) % N];
    uint32_t sa[128], sb[128];
    nd_minhash_sign(mh128, a, N, sa);
    nd_minhash_sign(mh128, b, 3 * N, sb);
    ck_assert_mem_eq(sa, sb, sizeof sa);
    ck_assert_double_eq(nd_minhash_estimate(sa, sb, 128), 1.0);
}
END_TEST

START_TEST(test_union_is_elementwise_min)
{
    /* min over A u B = min(min over A, min over B), position by position; and a one-element
     * set's values are its hashes, which are distinct for distinct shingles. */
    enum { N = 200 };
    uint64_t x[N];
    tu_rand_seed(5);
    for (size_t i = 0; i < N; i++)
        x[i] = tu_rand();
    uint32_t all[128], left[128], right[128];
    for (size_t cut = 0; cut <= N; cut += 25) {
        nd_minhash_sign(mh128, x, N, all);
        nd_minhash_sign(mh128, x, cut, left);
        nd_minhash_sign(mh128, x + cut, N - cut, right);
        for (int i = 0; i < 128; i++)
            TU_REQUIRE(all[i] == (left[i] < right[i] ? left[i] : right[i]), "cut %zu pos %d", cut,
                       i);
    }
    /* Each signature value is the hash of some member: the minimum over singletons. */
    static uint32_t single[N][128];
    for (size_t j = 0; j < N; j++)
        nd_minhash_sign(mh128, &x[j], 1, single[j]);
    for (int i = 0; i < 128; i++) {
        uint32_t m = UINT32_MAX;
        for (size_t j = 0; j < N; j++)
            if (single[j][i] < m) m = single[j][i];
        ck_assert_uint_eq(all[i], m);
    }
    /* A permutation: two shingles differing in their folded 32 bits never collide. */
    for (int i = 0; i < 128; i++)
        ck_assert_uint_ne(single[0][i], single[1][i]);
}
END_TEST

START_TEST(test_seed_matters)
{
    enum { N = 100 };
    uint64_t x[N];
    tu_rand_seed(9);
    for (size_t i = 0; i < N; i++)
        x[i] = tu_rand();
    nd_minhash *other;
    ck_assert_int_eq(nd_minhash_create(128, ND_MINHASH_SEED + 1, &other), ND_OK);
    uint32_t a[128], b[128], c[128];
    nd_minhash_sign(mh128, x, N, a);
    nd_minhash_sign(other, x, N, b);
    /* Another seed: independent permutations, so few positions agree (J = 1 only
     * because both sets are the same; the *values* differ). */
    int same = 0;
    for (int i = 0; i < 128; i++)
        same += a[i] == b[i];
    ck_assert_int_le(same, 2);
    /* The same seed again: the same signature (reproducible). */
    nd_minhash *again;
    ck_assert_int_eq(nd_minhash_create(128, ND_MINHASH_SEED, &again), ND_OK);
    nd_minhash_sign(again, x, N, c);
    ck_assert_mem_eq(a, c, sizeof a);
    nd_minhash_free(other);
    nd_minhash_free(again);
}
END_TEST

START_TEST(test_estimate)
{
    const uint32_t a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 0, 4}, c[4] = {9, 9, 9, 9};
    ck_assert_double_eq(nd_minhash_estimate(a, a, 4), 1.0);
    ck_assert_double_eq(nd_minhash_estimate(a, b, 4), 0.75);
    ck_assert_double_eq(nd_minhash_estimate(a, c, 4), 0.0);
    ck_assert_double_eq(nd_minhash_estimate(a, b, 2), 1.0);
    ck_assert_double_eq(nd_minhash_estimate(a, b, 3), 2.0 / 3.0);
    ck_assert_double_eq(nd_minhash_estimate(a, b, 0), 0.0);
}
END_TEST

START_TEST(test_synthetic_jaccard)
{
    /* Sets with a known Jaccard: 2000 shared and 2 x 500 own values: J = 2000/3000. With
     * k = 1024 the estimate's standard deviation is about 0.015. */
    enum { SHARED = 2000, OWN = 500 };
    static uint64_t a[SHARED + OWN], b[SHARED + OWN];
    tu_rand_seed(77);
    for (size_t i = 0; i < SHARED; i++)
        a[i] = b[i] = tu_rand();
    for (size_t i = 0; i < OWN; i++) {
        a[SHARED + i] = tu_rand();
        b[SHARED + i] = tu_rand();
    }
    nd_minhash *m;
    ck_assert_int_eq(nd_minhash_create(1024, ND_MINHASH_SEED, &m), ND_OK);
    static uint32_t sa[1024], sb[1024];
    nd_minhash_sign(m, a, SHARED + OWN, sa);
    nd_minhash_sign(m, b, SHARED + OWN, sb);
    double j = 2.0 / 3.0, est = nd_minhash_estimate(sa, sb, 1024);
    ck_assert_msg(fabs(est - j) <= 5 * sqrt(j * (1 - j) / 1024), "estimate %f, J %f", est, j);
    /* Disjoint sets: no position agrees. */
    nd_minhash_sign(m, a + SHARED, OWN, sa);
    nd_minhash_sign(m, b + SHARED, OWN, sb);
    ck_assert_double_eq(nd_minhash_estimate(sa, sb, 1024), 0.0);
    nd_minhash_free(m);
}
END_TEST

/* The allowed error of a k = 128 estimate at Jaccard j: 5 standard deviations + 0.02. */
static double tolerance(double j)
{
    return 5.0 * sqrt(j * (1.0 - j) / 128.0) + 0.02;
}

/* ------------------------------------------------------------------------------------- */
/* generated pairs                                                                       */

/* Articles this test writes itself, in families of near-copies (word substitutions,
 * truncation, an added footer, other punctuation and capitals), so that the exact Jaccard
 * is known from the words that were written: the reference below compares 5-grams of word
 * numbers, with no tokeniser and no hashing. Checks that the normaliser + shingler +
 * nd_verify_exact give exactly the reference Jaccard on rendered text, and that the k = 128
 * estimate stays within its error bound of it, for near and unrelated pairs (the same as
 * unit.minhash_shared checks on the team's real corpus when it is there). */

enum { GEN_FAMILIES = 24, GEN_COPIES = 4, GEN_DOCS = GEN_FAMILIES * (GEN_COPIES + 1) };
enum { GEN_VOCAB = 3000, GEN_NGRAM = 5 };

typedef struct gen_doc {
    uint32_t *w; /* word numbers, in order */
    size_t n;
} gen_doc;

/* Word number i as text: three letters that name i, then a suffix of 0-2 letters that
 * depends on i only, so distinct numbers are distinct words. */
static size_t gen_word(uint32_t i, char *out)
{
    uint32_t v = i + 26 * 26; /* >= 26^2, < 26^3: three letters */
    out[0] = (char)('a' + v / 676 % 26);
    out[1] = (char)('a' + v / 26 % 26);
    out[2] = (char)('a' + v % 26);
    size_t n = 3;
    for (uint32_t k = 0; k < i % 3; k++)
        out[n++] = (char)('q' + k);
    return n;
}

/* Renders d as text: sentences of 9-16 words starting with a capital, commas, full stops,
 * a line break after some sentences; `style` picks other choices for the same words. */
static void gen_render(const gen_doc *d, uint64_t style, tu_sbuf *out)
{
    out->n = 0;
    tu_sb_add(out, "", 0);
    uint64_t r = style;
    size_t left = 0; /* words left in the sentence */
    for (size_t i = 0; i < d->n; i++) {
        char w[8];
        size_t wl = gen_word(d->w[i], w);
        r = r * 6364136223846793005u + 1442695040888963407u;
        if (left == 0) {
            left = 9 + (size_t)(r >> 60) % 8;
            w[0] = (char)(w[0] - 'a' + 'A');
        }
        tu_sb_add(out, w, wl);
        left--;
        if (i + 1 == d->n)
            tu_sb_puts(out, ".\n");
        else if (left == 0)
            tu_sb_puts(out, (r >> 33) % 3 == 0 ? ".\n" : ". ");
        else
            tu_sb_puts(out, (r >> 40) % 7 == 0 ? ", " : (r >> 40) % 7 == 1 ? " - " : " ");
    }
}

static uint32_t gen_rand_word(void)
{
    return (uint32_t)(tu_rand() % GEN_VOCAB);
}

/* A sorted, unique array of the 5-grams of d, each as its five word numbers. */
typedef struct gram {
    uint32_t w[GEN_NGRAM];
} gram;

static int gram_cmp(const void *x, const void *y)
{
    int c = memcmp(x, y, sizeof(gram)); /* any total order will do */
    return (c > 0) - (c < 0);
}

static gram *gen_grams(const gen_doc *d, size_t *n)
{
    ck_assert_uint_ge(d->n, GEN_NGRAM);
    size_t m = d->n - GEN_NGRAM + 1;
    gram *g = calloc(m, sizeof *g);
    ck_assert_ptr_nonnull(g);
    for (size_t i = 0; i < m; i++)
        memcpy(g[i].w, d->w + i, sizeof g[i].w);
    qsort(g, m, sizeof *g, gram_cmp);
    size_t u = 1;
    for (size_t i = 1; i < m; i++)
        if (gram_cmp(&g[i], &g[u - 1]) != 0) g[u++] = g[i];
    *n = u;
    return g;
}

/* The reference Jaccard of two sorted, unique gram arrays. */
static double gen_jaccard(const gram *a, size_t na, const gram *b, size_t nb)
{
    size_t i = 0, j = 0, inter = 0;
    while (i < na && j < nb) {
        int c = gram_cmp(&a[i], &b[j]);
        inter += c == 0;
        i += c <= 0;
        j += c >= 0;
    }
    return (double)inter / (double)(na + nb - inter);
}

/* Family f's copy c of the original o: what a scraper or a syndicator makes of it. */
static void gen_copy(const gen_doc *o, size_t f, size_t c, gen_doc *out)
{
    size_t cap = o->n + 40;
    out->w = malloc(cap * sizeof *out->w);
    ck_assert_ptr_nonnull(out->w);
    memcpy(out->w, o->w, o->n * sizeof *o->w);
    out->n = o->n;
    switch ((f + c) % 5) {
    case 0: /* a few words changed */
    case 1: /* many words changed: Jaccard from about 0.4 to 1 */
        for (size_t k = 0, nk = (f + c) % 5 ? tu_rand() % 30 : 1 + tu_rand() % 6; k < nk; k++)
            out->w[tu_rand() % out->n] = gen_rand_word();
        break;
    case 2: /* truncated to 60-100% */
        out->n = o->n * (60 + tu_rand() % 41) / 100;
        break;
    case 3: /* a footer and one word changed */
        for (size_t k = 0; k < 12 + tu_rand() % 28; k++)
            out->w[out->n++] = gen_rand_word();
        out->w[tu_rand() % o->n] = gen_rand_word();
        break;
    default: /* the same words (rendered with other punctuation and capitals) */
        break;
    }
}

START_TEST(test_estimate_on_generated_pairs)
{
    gen_doc docs[GEN_DOCS];
    uint64_t *set[GEN_DOCS];
    size_t nset[GEN_DOCS], ngram[GEN_DOCS];
    gram *grams[GEN_DOCS];
    static uint32_t sig[GEN_DOCS][128];
    nd_normalizer *nz;
    ck_assert_int_eq(nd_normalizer_create(&nz), ND_OK);
    tu_sbuf text = {0};
    tu_rand_seed(2024);
    for (size_t f = 0; f < GEN_FAMILIES; f++) {
        gen_doc *o = &docs[f * (GEN_COPIES + 1)];
        o->n = 150 + tu_rand() % 250;
        o->w = malloc(o->n * sizeof *o->w);
        ck_assert_ptr_nonnull(o->w);
        for (size_t i = 0; i < o->n; i++)
            o->w[i] = gen_rand_word();
        for (size_t c = 0; c < GEN_COPIES; c++)
            gen_copy(o, f, c, o + 1 + c);
    }
    for (size_t d = 0; d < GEN_DOCS; d++) {
        gen_render(&docs[d], d * 7919 + 1, &text);
        set[d] = shingle_set(nz, text.p, text.n, &nset[d]);
        nd_minhash_sign(mh128, set[d], nset[d], sig[d]);
        grams[d] = gen_grams(&docs[d], &ngram[d]);
        ck_assert_uint_eq(nset[d], ngram[d]);
    }

    size_t npairs = 0, above = 0, below = 0;
    double sum_err = 0.0;
    for (size_t f = 0; f < GEN_FAMILIES; f++)
        for (size_t a = f * (GEN_COPIES + 1), e = a + GEN_COPIES + 1; a < e; a++)
            for (size_t b = a + 1; b < e; b++) {
                double jr = gen_jaccard(grams[a], ngram[a], grams[b], ngram[b]);
                nd_sim s = nd_verify_exact(set[a], nset[a], set[b], nset[b]);
                ck_assert_msg(fabs(s.jaccard - jr) < 1e-12, "docs %zu %zu: exact %f, reference %f",
                              a, b, s.jaccard, jr);
                double est = nd_minhash_estimate(sig[a], sig[b], 128);
                double err = fabs(est - jr);
                ck_assert_msg(err <= tolerance(jr), "docs %zu %zu: estimate %f, exact %f", a, b,
                              est, jr);
                if (jr == 1.0) ck_assert_mem_eq(sig[a], sig[b], sizeof sig[a]);
                sum_err += err;
                above += jr >= 0.8;
                below += jr < 0.8;
                npairs++;
            }
    ck_assert_uint_eq(npairs, GEN_FAMILIES * (GEN_COPIES + 1) * GEN_COPIES / 2);
    /* Both sides of the default threshold are exercised. */
    ck_assert_uint_ge(above, npairs / 5);
    ck_assert_uint_ge(below, npairs / 5);
    ck_assert_msg(sum_err / (double)npairs <= 0.03, "mean absolute error %f over %zu pairs",
                  sum_err / (double)npairs, npairs);

    /* Unrelated articles: originals of different families. */
    sum_err = 0.0;
    size_t nnon = 0;
    for (size_t f = 0; f + 1 < GEN_FAMILIES; f++) {
        size_t a = f * (GEN_COPIES + 1), b = a + GEN_COPIES + 1;
        double jr = gen_jaccard(grams[a], ngram[a], grams[b], ngram[b]);
        nd_sim s = nd_verify_exact(set[a], nset[a], set[b], nset[b]);
        ck_assert_msg(fabs(s.jaccard - jr) < 1e-12, "docs %zu %zu: exact %f, reference %f", a, b,
                      s.jaccard, jr);
        double est = nd_minhash_estimate(sig[a], sig[b], 128);
        ck_assert_msg(fabs(est - jr) <= tolerance(jr), "docs %zu %zu: estimate %f, exact %f", a, b,
                      est, jr);
        sum_err += fabs(est - jr);
        nnon++;
    }
    ck_assert_msg(sum_err / (double)nnon <= 0.03, "mean absolute error %f (unrelated)",
                  sum_err / (double)nnon);

    for (size_t d = 0; d < GEN_DOCS; d++) {
        free(docs[d].w);
        free(set[d]);
        free(grams[d]);
    }
    free(text.p);
    nd_normalizer_free(nz);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* errors and oom                                                                        */

START_TEST(test_create_invalid_k)
{
    nd_minhash *m = (nd_minhash *)&m;
    ck_assert_int_eq(nd_minhash_create(0, ND_MINHASH_SEED, &m), ND_EINVAL);
    ck_assert_ptr_eq(m, (nd_minhash *)&m);
    ck_assert_int_eq(nd_minhash_create(ND_PERMS_MAX + 1, ND_MINHASH_SEED, &m), ND_EINVAL);
    ck_assert_int_eq(nd_minhash_create(UINT32_MAX, ND_MINHASH_SEED, &m), ND_EINVAL);
    ck_assert_ptr_eq(m, (nd_minhash *)&m);
    ck_assert_int_eq(nd_minhash_create(ND_PERMS_MAX, 0, &m), ND_OK);
    ck_assert_uint_eq(nd_minhash_k(m), ND_PERMS_MAX);
    nd_minhash_free(m);
    nd_minhash_free(NULL);
}
END_TEST

START_TEST(test_oom_create)
{
    static const unsigned ks[] = {1, 100, 128, ND_PERMS_MAX};
    uint64_t x[3] = {1, 2, 3};
    uint32_t want[128], got[ND_PERMS_MAX];
    nd_minhash_sign(mh128, x, 3, want);
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
        long n;
        for (n = 0;; n++) {
            nd_minhash *m = (nd_minhash *)&n;
            nd_alloc_fail_after(n);
            nd_status st = nd_minhash_create(ks[i], ND_MINHASH_SEED, &m);
            nd_alloc_fail_after(-1);
            if (st == ND_OK) {
                nd_minhash_sign(m, x, 3, got);
                ck_assert_mem_eq(got, want, (ks[i] < 128 ? ks[i] : 128) * sizeof *got);
                nd_minhash_free(m);
                break;
            }
            ck_assert_int_eq(st, ND_ENOMEM);
            ck_assert_ptr_eq(m, (nd_minhash *)&n);
        }
        ck_assert_int_ge(n, 1);
    }
}
END_TEST

static Suite *minhash_suite(void)
{
    Suite *s = suite_create("minhash");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_kat_sentence);
    tcase_add_test(tc, test_kat_raw_shingles);
    tcase_add_test(tc, test_empty_set);
    tcase_add_test(tc, test_k_prefix);
    tcase_add_test(tc, test_order_and_repeats_do_not_matter);
    tcase_add_test(tc, test_union_is_elementwise_min);
    tcase_add_test(tc, test_seed_matters);
    tcase_add_test(tc, test_estimate);
    tcase_add_test(tc, test_synthetic_jaccard);
    suite_add_tcase(s, tc);

    tc = tcase_create("text");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_estimate_on_generated_pairs);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_create_invalid_k);
    suite_add_tcase(s, tc);

    tc = tcase_create("oom");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_oom_create);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(minhash_suite());
}
