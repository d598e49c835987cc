/*
 * test_index_code.c - unit tests of the archive index's byte formats (src/index_code.h).
 *
 * What is tested: document records and map chunks decode to exactly what was encoded, for
 * hand cases (one token, one distinct token repeated, no sentence, extreme hash values) and
 * random documents of Zipf-like words; the size of a record of a benchmark-like article (a
 * regression guard on the compactness the README states); every single flipped bit and
 * every truncation is reported as ND_ECORRUPT (the checksum), never decoded; and a failing
 * allocator (ND_ENOMEM, no leak).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "index_code.h"
#include "testutil.h"

/* A random document: ntok token hashes drawn from `vocab` distinct values with a skew (a
 * few frequent words), and sentences of 4 to 20 tokens on increasing lines. */
typedef struct rdoc {
    uint64_t *th;
    size_t ntok;
    nd_rec_sent *s;
    size_t ns;
} rdoc;

static rdoc random_doc(size_t ntok, size_t vocab)
{
    rdoc d;
    d.th = malloc((ntok ? ntok : 1) * sizeof *d.th);
    d.s = malloc((ntok ? ntok : 1) * sizeof *d.s);
    ck_assert(d.th && d.s);
    uint64_t *words = malloc(vocab * sizeof *words);
    ck_assert_ptr_nonnull(words);
    for (size_t i = 0; i < vocab; i++)
        words[i] = tu_rand();
    for (size_t i = 0; i < ntok; i++) {
        size_t r = tu_rand() % vocab;
        if (tu_rand() % 2) r %= 1 + vocab / 16; /* frequent words */
        d.th[i] = words[r];
    }
    d.ntok = ntok;
    d.ns = 0;
    uint32_t line = 1;
    for (size_t i = 0; i + 4 <= ntok;) {
        size_t len = 4 + tu_rand() % 17;
        if (i + len > ntok) len = ntok - i;
        d.s[d.ns++] = (nd_rec_sent){line, (uint32_t)i, (uint32_t)len};
        line += (uint32_t)(tu_rand() % 3);
        i += len + tu_rand() % 3;
    }
    free(words);
    return d;
}

static void check_roundtrip(const rdoc *d)
{
    nd_rec_scratch sc = {0};
    nd_bytes out = {0};
    ck_assert_int_eq(nd_rec_encode(d->th, d->ntok, d->s, d->ns, &sc, &out), ND_OK);
    nd_rec r = {0};
    ck_assert_int_eq(nd_rec_decode(out.p, out.len, &r), ND_OK);
    ck_assert_uint_eq(r.ntok, d->ntok);
    for (size_t i = 0; i < d->ntok; i++)
        TU_REQUIRE(r.th[i] == d->th[i], "token %zu differs", i);
    ck_assert_uint_eq(r.ns, d->ns);
    for (size_t i = 0; i < d->ns; i++) {
        ck_assert_uint_eq(r.s[i].line, d->s[i].line);
        ck_assert_uint_eq(r.s[i].first, d->s[i].first);
        ck_assert_uint_eq(r.s[i].ntok, d->s[i].ntok);
    }
    nd_rec_clear(&r);
    nd_bytes_clear(&out);
    nd_rec_scratch_clear(&sc);
}

START_TEST(test_record_hand)
{
    uint64_t one[] = {42};
    rdoc d = {one, 1, NULL, 0};
    check_roundtrip(&d);
    uint64_t same[] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
    nd_rec_sent s1 = {7, 1, 4};
    d = (rdoc){same, 5, &s1, 1};
    check_roundtrip(&d);
    uint64_t ext[] = {0, UINT64_MAX, 1, UINT64_MAX - 1, 0, 1u << 31};
    nd_rec_sent s2[] = {{1, 0, 2}, {1, 2, 2}, {3, 4, 2}};
    d = (rdoc){ext, 6, s2, 3};
    check_roundtrip(&d);
    d = (rdoc){ext, 0, NULL, 0}; /* no token at all */
    check_roundtrip(&d);
}
END_TEST

START_TEST(test_record_random)
{
    tu_rand_seed(13);
    for (int t = 0; t < 200; t++) {
        rdoc d = random_doc(tu_rand() % 2000, 1 + tu_rand() % 700);
        check_roundtrip(&d);
        free(d.th);
        free(d.s);
    }
}
END_TEST

/* A record costs about log2(2^64 / distinct) + 2 bits a distinct token hash, ceil(log2(
 * distinct)) bits a token and a few bits a sentence (a guard on the compactness the README
 * states: 2.3 KB for the benchmark's 425-token articles, where 8 bytes a distinct hash alone
 * would be 2 KB). */
START_TEST(test_record_size)
{
    tu_rand_seed(5);
    for (int t = 0; t < 50; t++) {
        rdoc d = random_doc(425, 380);
        nd_rec_scratch sc = {0};
        nd_bytes out = {0};
        ck_assert_int_eq(nd_rec_encode(d.th, d.ntok, d.s, d.ns, &sc, &out), ND_OK);
        size_t nd = sc.sorted.n, lg = 0;
        while (((size_t)1 << lg) < nd)
            lg++;
        double bits = (double)nd * (64.0 - (double)lg + 2.5) + (double)(d.ntok * lg) +
                      (double)d.ns * 12.0 + 64.0;
        ck_assert_msg((double)out.len <= bits / 8 + 8, "record of %zu bytes, bound %.0f",
                      out.len, bits / 8 + 8);
        nd_bytes_clear(&out);
        nd_rec_scratch_clear(&sc);
        free(d.th);
        free(d.s);
    }
}
END_TEST

START_TEST(test_record_damage)
{
    tu_rand_seed(3);
    rdoc d = random_doc(120, 60);
    nd_rec_scratch sc = {0};
    nd_bytes out = {0};
    ck_assert_int_eq(nd_rec_encode(d.th, d.ntok, d.s, d.ns, &sc, &out), ND_OK);
    nd_rec r = {0};
    for (size_t bit = 0; bit < out.len * 8; bit++) {
        out.p[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        TU_REQUIRE(nd_rec_decode(out.p, out.len, &r) == ND_ECORRUPT, "bit %zu not caught", bit);
        out.p[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    }
    for (size_t len = 0; len < out.len; len++)
        TU_REQUIRE(nd_rec_decode(out.p, len, &r) == ND_ECORRUPT, "length %zu not caught", len);
    ck_assert_int_eq(nd_rec_decode(out.p, out.len, &r), ND_OK);
    nd_rec_clear(&r);
    nd_bytes_clear(&out);
    nd_rec_scratch_clear(&sc);
    free(d.th);
    free(d.s);
}
END_TEST

/* ---- chunks ---------------------------------------------------------------------------- */

static void chunk_roundtrip(const nd_kentry *e, size_t n)
{
    nd_bytes out = {0};
    ck_assert_int_eq(nd_chunk_encode(e, n, &out), ND_OK);
    nd_kentry *got = NULL;
    size_t m = 0, cap = 0;
    ck_assert_int_eq(nd_chunk_decode(out.p, out.len, e[0].key, &got, &m, &cap), ND_OK);
    ck_assert_uint_eq(m, n);
    for (size_t i = 0; i < n; i++)
        TU_REQUIRE(got[i].key == e[i].key && got[i].doc == e[i].doc, "entry %zu differs", i);
    free(got);
    nd_bytes_clear(&out);
}

static int kentry_cmp(const void *x, const void *y)
{
    const nd_kentry *a = x, *b = y;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

START_TEST(test_chunk_roundtrip)
{
    const nd_kentry one[] = {{5, 0}};
    chunk_roundtrip(one, 1);
    const nd_kentry same_key[] = {{9, 1}, {9, 2}, {9, UINT32_MAX}};
    chunk_roundtrip(same_key, 3);
    const nd_kentry wide[] = {{0, 3}, {1, 2}, {(uint64_t)1 << 41, 1}, {((uint64_t)1 << 42) - 1, 0}};
    chunk_roundtrip(wide, 4);
    tu_rand_seed(17);
    for (int t = 0; t < 100; t++) {
        size_t n = 1 + tu_rand() % 3000;
        nd_kentry *e = malloc(n * sizeof *e);
        ck_assert_ptr_nonnull(e);
        uint64_t span = (uint64_t)1 << (tu_rand() % 42);
        for (size_t i = 0; i < n; i++)
            e[i] = (nd_kentry){tu_rand() % span, (uint32_t)(tu_rand() % (1u + t * 1000u))};
        qsort(e, n, sizeof *e, kentry_cmp);
        size_t u = 1;
        for (size_t i = 1; i < n; i++)
            if (kentry_cmp(&e[i], &e[u - 1]) != 0) e[u++] = e[i];
        chunk_roundtrip(e, u);
        free(e);
    }
}
END_TEST

START_TEST(test_chunk_damage)
{
    nd_kentry e[64];
    for (size_t i = 0; i < 64; i++)
        e[i] = (nd_kentry){1000 + i * 977, (uint32_t)(i * 31 % 50)};
    nd_bytes out = {0};
    ck_assert_int_eq(nd_chunk_encode(e, 64, &out), ND_OK);
    nd_kentry *got = NULL;
    size_t m = 0, cap = 0;
    for (size_t bit = 0; bit < out.len * 8; bit++) {
        out.p[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        TU_REQUIRE(nd_chunk_decode(out.p, out.len, 1000, &got, &m, &cap) == ND_ECORRUPT,
                   "bit %zu not caught", bit);
        out.p[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    }
    free(got);
    nd_bytes_clear(&out);
}
END_TEST

START_TEST(test_failing_allocator)
{
    tu_rand_seed(11);
    rdoc d = random_doc(300, 100);
    for (long n = 0;; n++) {
        nd_rec_scratch sc = {0};
        nd_bytes out = {0};
        nd_rec r = {0};
        nd_alloc_fail_after(n);
        nd_status st = nd_rec_encode(d.th, d.ntok, d.s, d.ns, &sc, &out);
        if (st == ND_OK) st = nd_rec_decode(out.p, out.len, &r);
        nd_alloc_fail_after(-1);
        nd_rec_clear(&r);
        nd_bytes_clear(&out);
        nd_rec_scratch_clear(&sc);
        if (st == ND_OK) break;
        ck_assert_int_eq(st, ND_ENOMEM);
        ck_assert_int_lt(n, 100);
    }
    free(d.th);
    free(d.s);
}
END_TEST

static Suite *index_code_suite(void)
{
    Suite *s = suite_create("index_code");
    TCase *tc = tcase_create("records");
    tcase_add_test(tc, test_record_hand);
    tcase_add_test(tc, test_record_random);
    tcase_add_test(tc, test_record_size);
    tcase_add_test(tc, test_record_damage);
    suite_add_tcase(s, tc);
    tc = tcase_create("chunks");
    tcase_add_test(tc, test_chunk_roundtrip);
    tcase_add_test(tc, test_chunk_damage);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_failing_allocator);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(index_code_suite());
}
