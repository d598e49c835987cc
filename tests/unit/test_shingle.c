/*
 * test_shingle.c - unit tests of word n-gram shingling (include/neardup/shingle.h).
 *
 * What is tested: token hashing (XXH3-64, pinned and compared with libxxhash); shingle
 * counts and hashes for 0 tokens, fewer than n, exactly n, n = 1, n = 5 (the unrolled
 * default) and other n up to ND_NGRAM_MAX, each checked against nd_shingle_combine of the
 * token hashes; order sensitivity; repeated text giving repeated hashes that
 * nd_u64_sort_unique collapses; token sub-ranges (paragraphs); nd_u64_sort_unique against
 * qsort + unique on random arrays of many sizes (both the insertion and the radix path,
 * and the fallback when the radix buffer cannot be allocated); nd_u64s growth; and a
 * failing allocator.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "alloc.h"
#include "normalize.h"
#include "shingle.h"
#include "testutil.h"

static nd_normalizer *nz;
static nd_tokens toks;
static nd_u64s scratch, out;

static void setup(void)
{
    ck_assert_int_eq(nd_normalizer_create(&nz), ND_OK);
    nd_tokens_init(&toks);
    memset(&scratch, 0, sizeof scratch);
    memset(&out, 0, sizeof out);
}

static void teardown(void)
{
    nd_u64s_clear(&scratch);
    nd_u64s_clear(&out);
    nd_tokens_clear(&toks);
    nd_normalizer_free(nz);
    nz = NULL;
}

static void tokenize(const char *s)
{
    ck_assert_int_eq(nd_normalize(nz, s, strlen(s), &toks, NULL), ND_OK);
}

/* Token hashes of toks[first .. first+count) into h (caller's array). */
static void token_hashes(size_t first, size_t count, uint64_t *h)
{
    for (size_t i = 0; i < count; i++) {
        const nd_token *t = &toks.v[first + i];
        h[i] = nd_token_hash(toks.text + t->off, t->len);
    }
}

/* ------------------------------------------------------------------------------------- */
/* core                                                                                  */

START_TEST(test_token_hash_is_xxh3)
{
    /* Known answer: XXH3-64 of the empty input (xxHash's own test vector). */
    ck_assert_uint_eq(nd_token_hash("", 0), UINT64_C(0x2d06800538d394c2));
    /* Pinned: changing the token hash changes every stored signature. */
    ck_assert_uint_eq(nd_token_hash("negara", 6), UINT64_C(0xdf78138ada38cfa0));
    static const char *const words[] = {"a", "negara", "besar-besaran", "\303\251cole",
                                        "0123456789abcdef0123456789abcdef0123456789"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        ck_assert_uint_eq(nd_token_hash(words[i], strlen(words[i])),
                          XXH3_64bits(words[i], strlen(words[i])));
    /* The hash covers exactly len bytes. */
    ck_assert_uint_eq(nd_token_hash("negara-negara", 6), nd_token_hash("negara", 6));
    ck_assert_uint_ne(nd_token_hash("negara", 6), nd_token_hash("negara", 5));
}
END_TEST

START_TEST(test_combine_kat_and_order)
{
    const uint64_t h[3] = {1, 2, 3}, r[3] = {3, 2, 1};
    /* Pinned: shingle hashes feed MinHash, so changing this breaks stored indexes. */
    ck_assert_uint_eq(nd_shingle_combine(h, 3), UINT64_C(0x9d84bf53217bc69d));
    ck_assert_uint_ne(nd_shingle_combine(h, 3), nd_shingle_combine(r, 3));
    /* The count takes part: a prefix differs from the whole. */
    ck_assert_uint_ne(nd_shingle_combine(h, 2), nd_shingle_combine(h, 3));
    const uint64_t z[2] = {0, 0};
    ck_assert_uint_ne(nd_shingle_combine(z, 1), nd_shingle_combine(z, 2));
}
END_TEST

START_TEST(test_shingle_count)
{
    ck_assert_uint_eq(nd_shingle_count(0, 5), 0);
    ck_assert_uint_eq(nd_shingle_count(0, 1), 0);
    ck_assert_uint_eq(nd_shingle_count(1, 5), 1);
    ck_assert_uint_eq(nd_shingle_count(4, 5), 1);
    ck_assert_uint_eq(nd_shingle_count(5, 5), 1);
    ck_assert_uint_eq(nd_shingle_count(6, 5), 2);
    ck_assert_uint_eq(nd_shingle_count(100, 5), 96);
    ck_assert_uint_eq(nd_shingle_count(7, 1), 7);
    ck_assert_uint_eq(nd_shingle_count(64, 64), 1);
    ck_assert_uint_eq(nd_shingle_count(1000, 64), 937);
    for (size_t t = 0; t < 200; t++)
        for (unsigned n = 1; n <= ND_NGRAM_MAX; n++) {
            size_t want = t == 0 ? 0 : t >= n ? t - n + 1 : 1;
            TU_REQUIRE(nd_shingle_count(t, n) == want, "count(%zu, %u)", t, n);
        }
}
END_TEST

START_TEST(test_zero_tokens)
{
    tokenize(" — “” ... ");
    ck_assert_uint_eq(toks.n, 0);
    /* `out` had contents: they are replaced by nothing. */
    ck_assert_int_eq(nd_u64s_reserve(&out, 4), ND_OK);
    out.v[0] = 42;
    out.n = 1;
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, 0, 5, &scratch, &out), ND_OK);
    ck_assert_uint_eq(out.n, 0);
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, 0, 1, &scratch, &out), ND_OK);
    ck_assert_uint_eq(out.n, 0);
}
END_TEST

START_TEST(test_fewer_than_n)
{
    tokenize("Presiden “Putin” berkata");
    ck_assert_uint_eq(toks.n, 3);
    uint64_t h[3];
    token_hashes(0, 3, h);
    for (unsigned n = 4; n <= ND_NGRAM_MAX; n++) {
        ck_assert_int_eq(nd_shingle_hashes(&toks, 0, 3, n, &scratch, &out), ND_OK);
        ck_assert_uint_eq(out.n, 1);
        ck_assert_uint_eq(out.v[0], nd_shingle_combine(h, 3));
    }
    /* A single token with n = 5. */
    tokenize("Rusia");
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, 1, 5, &scratch, &out), ND_OK);
    ck_assert_uint_eq(out.n, 1);
    uint64_t one = nd_token_hash("rusia", 5);
    ck_assert_uint_eq(out.v[0], nd_shingle_combine(&one, 1));
}
END_TEST

START_TEST(test_exactly_n)
{
    tokenize("satu dua tiga empat lima");
    uint64_t h[5];
    token_hashes(0, 5, h);
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, 5, 5, &scratch, &out), ND_OK);
    ck_assert_uint_eq(out.n, 1);
    ck_assert_uint_eq(out.v[0], nd_shingle_combine(h, 5));
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, 3, 3, &scratch, &out), ND_OK);
    ck_assert_uint_eq(out.n, 1);
    ck_assert_uint_eq(out.v[0], nd_shingle_combine(h, 3));
}
END_TEST

START_TEST(test_n_is_one)
{
    tokenize("Negara-negara Barat selama tahun-tahun");
    ck_assert_uint_eq(toks.n, 6);
    uint64_t h[6];
    token_hashes(0, 6, h);
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, 6, 1, &scratch, &out), ND_OK);
    ck_assert_uint_eq(out.n, 6);
    for (size_t i = 0; i < 6; i++)
        ck_assert_uint_eq(out.v[i], nd_shingle_combine(&h[i], 1));
    /* "negara negara" and "tahun tahun": equal tokens give equal 1-shingles. */
    ck_assert_uint_eq(out.v[0], out.v[1]);
    ck_assert_uint_eq(out.v[4], out.v[5]);
    ck_assert_uint_ne(out.v[0], out.v[2]);
}
END_TEST

START_TEST(test_windows_match_combine)
{
    /* Every window of every n (5 takes an unrolled path) on a real article. */
    size_t len;
    char *text = tu_read_file(tu_src("data/001_038cac575548727a.txt"), &len);
    ck_assert_int_eq(nd_normalize(nz, text, len, &toks, NULL), ND_OK);
    ck_assert_uint_gt(toks.n, 500);
    uint64_t *h = malloc(toks.n * sizeof *h);
    ck_assert_ptr_nonnull(h);
    token_hashes(0, toks.n, h);
    static const unsigned ns[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 32, 63, ND_NGRAM_MAX};
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
        unsigned n = ns[k];
        ck_assert_int_eq(nd_shingle_hashes(&toks, 0, toks.n, n, &scratch, &out), ND_OK);
        ck_assert_uint_eq(out.n, toks.n - n + 1);
        for (size_t i = 0; i < out.n; i++)
            TU_REQUIRE(out.v[i] == nd_shingle_combine(h + i, n), "n=%u, shingle %zu", n, i);
    }
    free(h);
    free(text);
}
END_TEST

START_TEST(test_order_sensitive)
{
    nd_u64s other = {0};
    tokenize("a b c d e");
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, toks.n, 5, &scratch, &out), ND_OK);
    tokenize("e d c b a");
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, toks.n, 5, &scratch, &other), ND_OK);
    ck_assert_uint_eq(out.n, 1);
    ck_assert_uint_eq(other.n, 1);
    ck_assert_uint_ne(out.v[0], other.v[0]);
    /* Swapping two neighbours anywhere changes the shingle. */
    tokenize("a b c e d");
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, toks.n, 5, &scratch, &other), ND_OK);
    ck_assert_uint_ne(out.v[0], other.v[0]);
    tokenize("b a c d e");
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, toks.n, 5, &scratch, &other), ND_OK);
    ck_assert_uint_ne(out.v[0], other.v[0]);
    /* Case, punctuation and quotes do not matter: same tokens, same shingle. */
    tokenize("“A”, B - C... D! ‘e’");
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, toks.n, 5, &scratch, &other), ND_OK);
    ck_assert_uint_eq(out.v[0], other.v[0]);
    nd_u64s_clear(&other);
}
END_TEST

START_TEST(test_repeated_text_collapses)
{
    /* Six distinct tokens repeated ten times: 56 shingles with period 6, 6 distinct. */
    char buf[1024] = "";
    for (int r = 0; r < 10; r++)
        strcat(buf, "presiden rusia vladimir putin bulan lalu ");
    tokenize(buf);
    ck_assert_uint_eq(toks.n, 60);
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, toks.n, 5, &scratch, &out), ND_OK);
    ck_assert_uint_eq(out.n, 56);
    for (size_t i = 0; i + 6 < out.n; i++)
        ck_assert_uint_eq(out.v[i], out.v[i + 6]);
    for (size_t i = 0; i < 6; i++)
        for (size_t j = i + 1; j < 6; j++)
            ck_assert_uint_ne(out.v[i], out.v[j]);
    uint64_t first6[6];
    memcpy(first6, out.v, sizeof first6);
    size_t u = nd_u64_sort_unique(out.v, out.n, &scratch);
    ck_assert_uint_eq(u, 6);
    size_t w = tu_sort_unique(first6, 6);
    ck_assert_uint_eq(w, 6);
    ck_assert_mem_eq(out.v, first6, sizeof first6);
}
END_TEST

START_TEST(test_token_subrange)
{
    /* Shingling a range of tokens (a paragraph) equals shingling that paragraph alone. */
    static const char p1[] = "Menteri Luar Negeri Sergei Lavrov membacakan pernyataan Putin.";
    static const char p2[] = "Dia juga menyerukan kesepakatan global untuk menyetujui.";
    static const char p3[] = "Tiga kata saja.";
    char doc[512];
    snprintf(doc, sizeof doc, "%s\n%s\n%s\n", p1, p2, p3);
    tokenize(doc);
    ck_assert_uint_eq(toks.n, 8 + 7 + 3);
    nd_u64s alone = {0};
    nd_tokens t2;
    nd_tokens_init(&t2);
    const char *paras[3] = {p1, p2, p3};
    size_t first[3] = {0, 8, 15}, count[3] = {8, 7, 3};
    for (size_t k = 0; k < 3; k++) {
        for (unsigned n = 1; n <= 6; n++) {
            ck_assert_int_eq(nd_shingle_hashes(&toks, first[k], count[k], n, &scratch, &out),
                             ND_OK);
            ck_assert_int_eq(nd_normalize(nz, paras[k], strlen(paras[k]), &t2, NULL), ND_OK);
            ck_assert_uint_eq(t2.n, count[k]);
            ck_assert_int_eq(nd_shingle_hashes(&t2, 0, t2.n, n, &scratch, &alone), ND_OK);
            ck_assert_uint_eq(out.n, nd_shingle_count(count[k], n));
            ck_assert_uint_eq(out.n, alone.n);
            ck_assert_mem_eq(out.v, alone.v, out.n * sizeof *out.v);
        }
    }
    /* The range after the last token is empty. */
    ck_assert_int_eq(nd_shingle_hashes(&toks, toks.n, 0, 5, &scratch, &out), ND_OK);
    ck_assert_uint_eq(out.n, 0);
    nd_tokens_clear(&t2);
    nd_u64s_clear(&alone);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* limits                                                                                */

static void check_sort_unique(size_t n, uint64_t mask, const char *what)
{
    uint64_t *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] = tu_rand() & mask;
    size_t got = nd_u64_sort_unique(a, n, &scratch);
    size_t want = tu_sort_unique(b, n);
    ck_assert_msg(got == want, "%s n=%zu: %zu unique, reference %zu", what, n, got, want);
    if (want)
        ck_assert_msg(memcmp(a, b, want * sizeof *a) == 0, "%s n=%zu: order differs", what, n);
    free(a);
    free(b);
}

START_TEST(test_sort_unique_random)
{
    static const size_t sizes[] = {0, 1, 2, 3, 63, 64, 65, 100, 1000, 4097, 100000};
    tu_rand_seed(101);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        check_sort_unique(sizes[i], UINT64_MAX, "random");
        check_sort_unique(sizes[i], 0xff, "few distinct");
        check_sort_unique(sizes[i], UINT64_C(0xff00000000000000), "high byte only");
        check_sort_unique(sizes[i], UINT64_C(0x8000000000000001), "extreme bits");
    }
}
END_TEST

START_TEST(test_sort_unique_patterns)
{
    enum { N = 1000 };
    static uint64_t a[N];
    /* Already sorted, reverse sorted, all equal, alternating extremes. */
    for (size_t i = 0; i < N; i++)
        a[i] = i * 3;
    ck_assert_uint_eq(nd_u64_sort_unique(a, N, &scratch), N);
    for (size_t i = 0; i < N; i++)
        ck_assert_uint_eq(a[i], i * 3);
    for (size_t i = 0; i < N; i++)
        a[i] = UINT64_MAX - i;
    ck_assert_uint_eq(nd_u64_sort_unique(a, N, &scratch), N);
    for (size_t i = 0; i < N; i++)
        ck_assert_uint_eq(a[i], UINT64_MAX - (N - 1) + i);
    for (size_t i = 0; i < N; i++)
        a[i] = 7;
    ck_assert_uint_eq(nd_u64_sort_unique(a, N, &scratch), 1);
    ck_assert_uint_eq(a[0], 7);
    for (size_t i = 0; i < N; i++)
        a[i] = i % 2 ? UINT64_MAX : 0;
    ck_assert_uint_eq(nd_u64_sort_unique(a, N, &scratch), 2);
    ck_assert_uint_eq(a[0], 0);
    ck_assert_uint_eq(a[1], UINT64_MAX);
    /* n = 0 and n = 1 do not touch the array. */
    a[0] = 5;
    ck_assert_uint_eq(nd_u64_sort_unique(a, 0, &scratch), 0);
    ck_assert_uint_eq(nd_u64_sort_unique(a, 1, &scratch), 1);
    ck_assert_uint_eq(a[0], 5);
}
END_TEST

START_TEST(test_sort_unique_without_memory)
{
    /* With no memory for the radix buffer the result is still right (insertion sort). */
    enum { N = 3000 };
    uint64_t *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    tu_rand_seed(7);
    for (size_t i = 0; i < N; i++)
        a[i] = b[i] = tu_rand() % 2000;
    nd_u64s empty = {0};
    nd_alloc_fail_after(0);
    size_t got = nd_u64_sort_unique(a, N, &empty);
    nd_alloc_fail_after(-1);
    size_t want = tu_sort_unique(b, N);
    ck_assert_uint_eq(got, want);
    ck_assert_mem_eq(a, b, want * sizeof *a);
    ck_assert_ptr_null(empty.v);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_u64s_reserve)
{
    nd_u64s a = {0};
    ck_assert_int_eq(nd_u64s_reserve(&a, 0), ND_OK);
    ck_assert_int_eq(nd_u64s_reserve(&a, 1), ND_OK);
    ck_assert_ptr_nonnull(a.v);
    ck_assert_uint_ge(a.cap, 1);
    a.v[0] = 11;
    a.n = 1;
    ck_assert_int_eq(nd_u64s_reserve(&a, 100000), ND_OK);
    ck_assert_uint_ge(a.cap, 100000);
    ck_assert_uint_eq(a.n, 1);
    ck_assert_uint_eq(a.v[0], 11);
    a.v[99999] = 12; /* the whole capacity is usable (ASan checks) */
    size_t cap = a.cap;
    ck_assert_int_eq(nd_u64s_reserve(&a, 10), ND_OK); /* never shrinks */
    ck_assert_uint_eq(a.cap, cap);
    nd_u64s_clear(&a);
    ck_assert_ptr_null(a.v);
    ck_assert_uint_eq(a.cap, 0);
    ck_assert_uint_eq(a.n, 0);
    nd_u64s_clear(&a); /* twice is fine */
}
END_TEST

START_TEST(test_many_tokens)
{
    /* 200,000 tokens from a repeated real article: counts and periodicity hold. */
    size_t len;
    char *text = tu_read_file(tu_src("data/002_a894bd07f7f79a4f.txt"), &len);
    ck_assert_int_eq(nd_normalize(nz, text, len, &toks, NULL), ND_OK);
    size_t per = toks.n;
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, per, 5, &scratch, &out), ND_OK);
    size_t uniq1 = nd_u64_sort_unique(out.v, out.n, &scratch);
    size_t reps = 200000 / per + 1;
    char *big = malloc((len + 1) * reps);
    ck_assert_ptr_nonnull(big);
    for (size_t r = 0; r < reps; r++) {
        memcpy(big + r * (len + 1), text, len);
        big[r * (len + 1) + len] = '\n';
    }
    ck_assert_int_eq(nd_normalize(nz, big, (len + 1) * reps, &toks, NULL), ND_OK);
    ck_assert_uint_eq(toks.n, per * reps);
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, toks.n, 5, &scratch, &out), ND_OK);
    ck_assert_uint_eq(out.n, per * reps - 4);
    for (size_t i = 0; i + per < out.n; i++)
        TU_REQUIRE(out.v[i] == out.v[i + per], "shingle %zu", i);
    /* The repetition adds only the 4 shingles that straddle the joint. */
    size_t uniq = nd_u64_sort_unique(out.v, out.n, &scratch);
    ck_assert_uint_eq(uniq, uniq1 + 4);
    free(big);
    free(text);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* oom                                                                                   */

START_TEST(test_oom_reserve)
{
    long n;
    for (n = 0;; n++) {
        nd_u64s a = {0};
        ck_assert_int_eq(nd_u64s_reserve(&a, 10), ND_OK);
        for (size_t i = 0; i < 10; i++)
            a.v[i] = i * 7;
        a.n = 10;
        uint64_t *v = a.v;
        size_t cap = a.cap;
        nd_alloc_fail_after(n);
        nd_status st = nd_u64s_reserve(&a, 5000);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            ck_assert_uint_ge(a.cap, 5000);
            ck_assert_uint_eq(a.n, 10);
            for (size_t i = 0; i < 10; i++)
                ck_assert_uint_eq(a.v[i], i * 7);
            nd_u64s_clear(&a);
            break;
        }
        ck_assert_int_eq(st, ND_ENOMEM);
        /* Unchanged: same buffer, capacity, length, contents. */
        ck_assert_ptr_eq(a.v, v);
        ck_assert_uint_eq(a.cap, cap);
        ck_assert_uint_eq(a.n, 10);
        for (size_t i = 0; i < 10; i++)
            ck_assert_uint_eq(a.v[i], i * 7);
        nd_u64s_clear(&a);
    }
    ck_assert_int_eq(n, 1);
}
END_TEST

START_TEST(test_oom_shingle_hashes)
{
    size_t len;
    char *text = tu_read_file(tu_src("data/000_beebcc9d70568a44.txt"), &len);
    ck_assert_int_eq(nd_normalize(nz, text, len, &toks, NULL), ND_OK);
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, toks.n, 5, &scratch, &out), ND_OK);
    long n;
    for (n = 0;; n++) {
        nd_u64s s = {0}, o = {0};
        nd_alloc_fail_after(n);
        nd_status st = nd_shingle_hashes(&toks, 0, toks.n, 5, &s, &o);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            ck_assert_uint_eq(o.n, out.n);
            ck_assert_mem_eq(o.v, out.v, out.n * sizeof *out.v);
            nd_u64s_clear(&s);
            nd_u64s_clear(&o);
            break;
        }
        ck_assert_int_eq(st, ND_ENOMEM);
        ck_assert_uint_eq(o.n, 0);
        nd_u64s_clear(&s);
        nd_u64s_clear(&o);
    }
    ck_assert_int_ge(n, 1);
    free(text);
}
END_TEST

static Suite *shingle_suite(void)
{
    Suite *s = suite_create("shingle");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_token_hash_is_xxh3);
    tcase_add_test(tc, test_combine_kat_and_order);
    tcase_add_test(tc, test_shingle_count);
    tcase_add_test(tc, test_zero_tokens);
    tcase_add_test(tc, test_fewer_than_n);
    tcase_add_test(tc, test_exactly_n);
    tcase_add_test(tc, test_n_is_one);
    tcase_add_test(tc, test_windows_match_combine);
    tcase_add_test(tc, test_order_sensitive);
    tcase_add_test(tc, test_repeated_text_collapses);
    tcase_add_test(tc, test_token_subrange);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sort_unique_random);
    tcase_add_test(tc, test_sort_unique_patterns);
    tcase_add_test(tc, test_sort_unique_without_memory);
    tcase_add_test(tc, test_u64s_reserve);
    tcase_add_test(tc, test_many_tokens);
    suite_add_tcase(s, tc);

    tc = tcase_create("oom");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_oom_reserve);
    tcase_add_test(tc, test_oom_shingle_hashes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(shingle_suite());
}
