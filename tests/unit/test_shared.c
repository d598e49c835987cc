/*
 * test_shared.c - unit tests of paragraphs shared across articles (src/shared.h, link.h),
 * through nd_scan, the public way to run the cross-article stage: the quotes 000 and 001
 * share, boilerplate in six articles, near-duplicate articles left out, sentences that
 * differ in their short tails.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "paratest.h"
#include "shingle.h"

/* ---- across articles (nd_scan) -------------------------------------------------------- */

static nd_scan_result *scan_paths(const nd_scan_opts *o, const char *const *paths, size_t n)
{
    nd_scan_result *res = NULL;
    ck_assert_int_eq(nd_scan(o, paths, n, &res), ND_OK);
    ck_assert_ptr_nonnull(res);
    ck_assert_uint_eq(res->nskipped, 0);
    return res;
}

/* Asserts shared paragraph k: its places (doc, line) pairs, ndocs and flags. */
static void expect_shared(const nd_scan_result *res, size_t k, const uint32_t (*places)[2],
                          size_t nplaces, uint32_t ndocs, int identical, int boilerplate,
                          const char *text_prefix)
{
    ck_assert_uint_gt(res->nshared, k);
    const nd_shared_para *sp = &res->shared[k];
    ck_assert_uint_eq(sp->nplaces, nplaces);
    for (size_t i = 0; i < nplaces; i++)
        ck_assert_msg(sp->places[i].doc == places[i][0] && sp->places[i].line == places[i][1],
                      "shared %zu place %zu: doc %u line %u, expected doc %u line %u", k, i,
                      sp->places[i].doc, sp->places[i].line, places[i][0], places[i][1]);
    ck_assert_uint_eq(sp->ndocs, ndocs);
    ck_assert_int_eq(sp->identical, identical);
    ck_assert_int_eq(sp->boilerplate, boilerplate);
    ck_assert_msg(strncmp(sp->text, text_prefix, strlen(text_prefix)) == 0, "shared %zu text '%s'",
                  k, sp->text);
}

START_TEST(test_shared_seeds)
{
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.parts = ND_PART_SHARED;
    o.threads = 1;
    char p0[4096], p1[4096];
    snprintf(p0, sizeof p0, "%s", tu_src(SEED0));
    snprintf(p1, sizeof p1, "%s", tu_src(SEED1));
    const char *paths[] = {p0, p1};
    nd_scan_result *res = scan_paths(&o, paths, 2);
    ck_assert_uint_eq(res->ndocs, 2);
    ck_assert_uint_eq(res->ngroups, 0);
    /* Only the shared part was asked for. */
    ck_assert_uint_eq(res->nrepeats, 0);
    /* 001:11 (and its doubled copy 001:21) quotes two sentences, 000:7 and 000:8; 000:18
     * is quoted in 001:15 and 001:25; all with words changed or added (near-identical:
     * word Jaccard 0.80 to 0.88, bigram Jaccard only 0.71 to 0.77), in order of first
     * occurrence. The text is the first shared sentence from its first word (without the
     * opening quote). */
    ck_assert_uint_eq(res->nshared, 3);
    static const uint32_t q[][2] = {{0, 7}, {1, 11}, {1, 21}};
    static const uint32_t a[][2] = {{0, 8}, {1, 11}, {1, 21}};
    static const uint32_t b[][2] = {{0, 18}, {1, 15}, {1, 25}};
    expect_shared(res, 0, q, 3, 2, 0, 0, "Salah satu tantangan strategis");
    expect_shared(res, 1, a, 3, 2, 0, 0, "Tanggung jawab khusus");
    expect_shared(res, 2, b, 3, 2, 0, 0, "Seperti yang telah kami katakan");
    nd_scan_result_free(res);

    /* With every part on, the same shared paragraphs. */
    o.parts = ND_PART_ALL;
    res = scan_paths(&o, paths, 2);
    ck_assert_uint_eq(res->nshared, 3);
    expect_shared(res, 0, q, 3, 2, 0, 0, "Salah satu tantangan strategis");
    expect_shared(res, 1, a, 3, 2, 0, 0, "Tanggung jawab khusus");
    expect_shared(res, 2, b, 3, 2, 0, 0, "Seperti yang telah kami katakan");
    ck_assert_uint_eq(res->nrepeats, 1);
    ck_assert_uint_eq(res->repeats[0].doc, 1);
    ck_assert_int_eq(res->repeats[0].doubled, 1);
    ck_assert_uint_eq(res->ndoubled, 1);
    nd_scan_result_free(res);
}
END_TEST

/* An article of two paragraphs of made-up words (unique to `seed`) around `line3` as its
 * third line (NULL: none). */
static void made_up_article(tu_sbuf *b, unsigned seed, const char *line3)
{
    uint32_t x = 2654435761u * (seed + 1);
    for (int para = 0; para < 2; para++) {
        for (int w = 0; w < 40; w++) {
            x = x * 1664525u + 1013904223u;
            char word[32];
            snprintf(word, sizeof word, "%s%c%u", w ? " " : "", 'b' + (x >> 28) % 20,
                     (x >> 8) % 100000u);
            tu_sb_puts(b, word);
        }
        tu_sb_puts(b, ".\n");
    }
    if (line3) sb_line(b, line3);
}

#define BOILER                                                                                     \
    "Ikuti berita terkini dan menarik lainnya dari redaksi kami di saluran WhatsApp resmi "        \
    "setiap hari."

START_TEST(test_shared_boilerplate)
{
    char *dir = tu_tmpdir();
    char *paths[6];
    for (unsigned i = 0; i < 6; i++) {
        tu_sbuf b = {0};
        made_up_article(&b, i, BOILER);
        char name[16];
        snprintf(name, sizeof name, "%c.txt", 'a' + i);
        paths[i] = tu_write(dir, name, b.p, b.n);
        free(b.p);
    }
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    ck_assert_uint_eq(o.boilerplate_docs, 5);
    /* Six articles: boilerplate (>= 5). */
    nd_scan_result *res = scan_paths(&o, (const char *const *)paths, 6);
    ck_assert_uint_eq(res->ngroups, 0);
    ck_assert_uint_eq(res->nrepeats, 0);
    ck_assert_uint_eq(res->nshared, 1);
    static const uint32_t six[][2] = {{0, 3}, {1, 3}, {2, 3}, {3, 3}, {4, 3}, {5, 3}};
    expect_shared(res, 0, six, 6, 6, 1, 1, BOILER);
    nd_scan_result_free(res);
    /* With the limit raised to 7: a passage. */
    o.boilerplate_docs = 7;
    res = scan_paths(&o, (const char *const *)paths, 6);
    ck_assert_uint_eq(res->nshared, 1);
    expect_shared(res, 0, six, 6, 6, 1, 0, BOILER);
    nd_scan_result_free(res);
    /* ... or by share: 6 of 6 articles >= 0.5. */
    o.boilerplate_share = 0.5;
    res = scan_paths(&o, (const char *const *)paths, 6);
    expect_shared(res, 0, six, 6, 6, 1, 1, BOILER);
    nd_scan_result_free(res);
    /* Exactly at the limit: in 6 articles with boilerplate_docs 6 it is boilerplate, in 5
     * not; by share, 6 of 6 articles reach a share of exactly 1.0. */
    o.boilerplate_share = 0;
    o.boilerplate_docs = 6;
    res = scan_paths(&o, (const char *const *)paths, 6);
    expect_shared(res, 0, six, 6, 6, 1, 1, BOILER);
    nd_scan_result_free(res);
    res = scan_paths(&o, (const char *const *)paths, 5);
    static const uint32_t five[][2] = {{0, 3}, {1, 3}, {2, 3}, {3, 3}, {4, 3}};
    expect_shared(res, 0, five, 5, 5, 1, 0, BOILER);
    nd_scan_result_free(res);
    o.boilerplate_docs = 1000;
    o.boilerplate_share = 1.0;
    res = scan_paths(&o, (const char *const *)paths, 6);
    expect_shared(res, 0, six, 6, 6, 1, 1, BOILER);
    nd_scan_result_free(res);
    /* Two articles: a passage in 2. */
    nd_scan_opts_init(&o);
    o.threads = 1;
    res = scan_paths(&o, (const char *const *)paths + 2, 2);
    ck_assert_uint_eq(res->nshared, 1);
    static const uint32_t two[][2] = {{0, 3}, {1, 3}};
    expect_shared(res, 0, two, 2, 2, 1, 0, BOILER);
    nd_scan_result_free(res);
    /* One article: nothing shared. */
    res = scan_paths(&o, (const char *const *)paths, 1);
    ck_assert_uint_eq(res->nshared, 0);
    nd_scan_result_free(res);
    for (unsigned i = 0; i < 6; i++)
        free(paths[i]);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Seed 000 with three words changed (the near-copy of tests/e2e/lib.sh's edit_words). */
static char *seed_near_copy(size_t *len)
{
    seed_lines s = read_seed(SEED0);
    tu_sbuf b = {0};
    for (size_t i = 1; i <= s.n; i++) {
        const char *from = i == 1 ? "Jumat" : i == 3 ? "troll" : i == 5 ? "khusus" : NULL;
        const char *to = i == 1 ? "Kamis" : i == 3 ? "bot" : "umum";
        const char *at = from ? strstr(s.v[i], from) : NULL;
        if (from) ck_assert_ptr_nonnull(at);
        if (at) {
            tu_sb_add(&b, s.v[i], strlen(s.v[i]) - strlen(at));
            tu_sb_puts(&b, to);
            tu_sb_puts(&b, at + strlen(from));
        } else {
            tu_sb_puts(&b, s.v[i]);
        }
        if (i < s.n) tu_sb_add(&b, "\n", 1);
    }
    free_seed(&s);
    *len = b.n;
    return b.p;
}

START_TEST(test_shared_not_within_group)
{
    char *dir = tu_tmpdir();
    size_t len;
    char *copy = seed_near_copy(&len);
    char *pc = tu_write(dir, "copy.txt", copy, len);
    char p0[4096], p1[4096], p4[4096];
    snprintf(p0, sizeof p0, "%s", tu_src(SEED0));
    snprintf(p1, sizeof p1, "%s", tu_src(SEED1));
    snprintf(p4, sizeof p4, "%s", tu_src(SEED4));
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    /* 000 and its near-copy share every paragraph but are one article group: none of it is
     * a shared paragraph. */
    const char *paths[] = {p0, pc, p4};
    nd_scan_result *res = scan_paths(&o, paths, 3);
    ck_assert_uint_eq(res->ngroups, 1);
    ck_assert_uint_eq(res->groups[0].nmembers, 2);
    ck_assert_uint_eq(res->nshared, 0);
    nd_scan_result_free(res);
    /* The same with groups not reported: still one article group, nothing shared. */
    o.parts = ND_PART_SHARED;
    res = scan_paths(&o, paths, 3);
    ck_assert_uint_eq(res->nshared, 0);
    nd_scan_result_free(res);
    /* When an article outside the group (001) quotes them too, the paragraph is listed with
     * all its places. */
    o.parts = ND_PART_ALL;
    const char *paths2[] = {p0, pc, p1};
    res = scan_paths(&o, paths2, 3);
    ck_assert_uint_eq(res->ngroups, 1);
    ck_assert_uint_eq(res->nshared, 3);
    static const uint32_t q[][2] = {{0, 7}, {1, 7}, {2, 11}, {2, 21}};
    static const uint32_t a[][2] = {{0, 8}, {1, 8}, {2, 11}, {2, 21}};
    static const uint32_t b[][2] = {{0, 18}, {1, 18}, {2, 15}, {2, 25}};
    expect_shared(res, 0, q, 4, 3, 0, 0, "Salah satu tantangan strategis");
    expect_shared(res, 1, a, 4, 3, 0, 0, "Tanggung jawab khusus");
    expect_shared(res, 2, b, 4, 3, 0, 0, "Seperti yang telah kami katakan");
    nd_scan_result_free(res);
    free(copy);
    free(pc);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* A short tail joins the sentence before it (sentences.h), so two sentences that differ
 * only in their tails are not identical: with the tails (two bigrams each) their bigram
 * Jaccard is 19/23 = 0.83, so the paragraph is shared, near-identical. */
#define TAIL_SENTENCE                                                                              \
    "Presiden itu membacakan pernyataan panjang di depan para wartawan istana pada hari "          \
    "Jumat pagi setelah rapat kabinet yang berlangsung tertutup."

/* A paragraph of two sentences shared by two articles: its first sentence word for word,
 * its second with one word changed. The two sentence groups have the same places and
 * become one entry, which is near-identical: it is identical only if every sentence is. */
START_TEST(test_shared_mixed_identical_near)
{
    static const char one[] = "Kalimat pertama ini dikutip persis sama oleh kedua media besar itu. "
                              "Kalimat kedua ini dikutip dengan satu kata yang berbeda di sini.\n";
    static const char two[] =
        "Kalimat pertama ini dikutip persis sama oleh kedua media besar itu. "
        "Kalimat kedua ini dikutip dengan satu kata yang berlainan di sini.\n";
    char *dir = tu_tmpdir();
    tu_sbuf a = {0}, b = {0};
    made_up_article(&a, 1, NULL);
    tu_sb_puts(&a, one);
    made_up_article(&b, 2, NULL);
    tu_sb_puts(&b, two);
    char *paths[2] = {tu_write(dir, "a.txt", a.p, a.n), tu_write(dir, "b.txt", b.p, b.n)};
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    nd_scan_result *res = scan_paths(&o, (const char *const *)paths, 2);
    ck_assert_uint_eq(res->ngroups, 0);
    ck_assert_uint_eq(res->nshared, 1);
    static const uint32_t places[][2] = {{0, 3}, {1, 3}};
    expect_shared(res, 0, places, 2, 2, 0, 0, "Kalimat pertama");
    nd_scan_result_free(res);
    /* Both sentences word for word: identical. */
    char *same = tu_write(dir, "c.txt", a.p, a.n);
    free(b.p);
    b = (tu_sbuf){0};
    made_up_article(&b, 2, NULL);
    tu_sb_puts(&b, one);
    char *p2[2] = {same, tu_write(dir, "d.txt", b.p, b.n)};
    res = scan_paths(&o, (const char *const *)p2, 2);
    ck_assert_uint_eq(res->nshared, 1);
    expect_shared(res, 0, places, 2, 2, 1, 0, "Kalimat pertama");
    nd_scan_result_free(res);
    free(a.p);
    free(b.p);
    free(paths[0]);
    free(paths[1]);
    free(p2[0]);
    free(p2[1]);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- hash collisions never decide a match ----------------------------------------------- */

typedef struct hword {
    uint64_t key; /* the bits compared */
    uint32_t n;   /* the word is "w<n>" */
} hword;

static int hword_cmp(const void *x, const void *y)
{
    const hword *a = x, *b = y;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->n > b->n) - (a->n < b->n);
}

/* Searches the words w0, w1, ... w<limit-1> for pairs whose token hashes agree on their top
 * `bits` bits; writes up to max pairs (word numbers) to out, returns how many. */
static size_t colliding_words(unsigned bits, uint32_t limit, uint32_t (*out)[2], size_t max)
{
    hword *v = malloc(limit * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (uint32_t i = 0; i < limit; i++) {
        char w[16];
        int len = snprintf(w, sizeof w, "w%u", i);
        v[i].key = nd_token_hash(w, (size_t)len) >> (64 - bits);
        v[i].n = i;
    }
    qsort(v, limit, sizeof *v, hword_cmp);
    size_t k = 0;
    for (uint32_t i = 1; i < limit && k < max; i++)
        if (v[i].key == v[i - 1].key) {
            out[k][0] = v[i - 1].n;
            out[k][1] = v[i].n;
            k++;
        }
    free(v);
    return k;
}

/* Two articles whose long paragraph is one sentence of the same five words plus one word
 * each: "wA" and "wB". Their word Jaccard is 5/7 = 0.71 (below 0.8) unless A == B (1.0). */
static size_t shared_for_words(const char *dir, uint32_t a, uint32_t b)
{
    char *paths[2];
    for (int i = 0; i < 2; i++) {
        /* Articles otherwise unrelated: not one near-duplicate group. */
        tu_sbuf t = {0};
        made_up_article(&t, (unsigned)i + 7, NULL);
        char line[128], name[32];
        snprintf(line, sizeof line, "Kalimat ini dikutip oleh media w%u lain.\n", i ? b : a);
        tu_sb_puts(&t, line);
        snprintf(name, sizeof name, "%c-%u-%u.txt", 'a' + i, a, b);
        paths[i] = tu_write(dir, name, t.p, t.n);
        free(t.p);
    }
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    o.parts = ND_PART_SHARED;
    nd_scan_result *res = scan_paths(&o, (const char *const *)paths, 2);
    size_t n = res->nshared;
    nd_scan_result_free(res);
    free(paths[0]);
    free(paths[1]);
    return n;
}

/* Words whose hashes collide on 16 bits (what sentences were once matched on) and on 32
 * bits, searched for here: a sentence with one of them never matches the sentence with the
 * other, since words are compared on their bytes. The same pair of words matches (control),
 * and so does the example the issue that found this gave, with its numbers swapped for
 * equal ones. */
START_TEST(test_shared_hash_collisions)
{
    char *dir = tu_tmpdir();
    uint32_t pairs[64][2];
    size_t n16 = colliding_words(16, 4000, pairs, 32);
    ck_assert_uint_ge(n16, 20); /* birthday: about 120 expected among 4,000 words */
    size_t n32 = colliding_words(32, 300000, pairs + n16, 8);
    ck_assert_uint_ge(n32, 1); /* about 10 expected among 300,000 words */
    size_t candidates = 0;
    for (size_t i = 0; i < n16 + n32; i++) {
        TU_REQUIRE(shared_for_words(dir, pairs[i][0], pairs[i][1]) == 0,
                   "w%u and w%u (hashes equal on %u bits) made a shared sentence", pairs[i][0],
                   pairs[i][1], i < n16 ? 16u : 32u);
        candidates++;
    }
    ck_assert_uint_eq(shared_for_words(dir, pairs[0][0], pairs[0][0]), 1);
    /* The example from the issue: true word Jaccard 0.571, once reported near-identical. */
    static const char x[] = "Story number 0 about topic 0 in the news today.\n";
    static const char y[] = "Story number 28352 about topic 198464 in the news today.\n";
    char *paths[2] = {tu_write(dir, "x.txt", x, sizeof x - 1),
                      tu_write(dir, "y.txt", y, sizeof y - 1)};
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    nd_scan_result *res = scan_paths(&o, (const char *const *)paths, 2);
    ck_assert_uint_eq(res->nshared, 0);
    nd_scan_result_free(res);
    free(paths[0]);
    free(paths[1]);
    ck_assert_uint_gt(candidates, 20);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_shared_tail_not_identical)
{
    static const char a[] = TAIL_SENTENCE " Lalu pergi.\n"
                                          "Isi lain artikel pertama tentang sesuatu yang "
                                          "berbeda sekali dari yang kedua ini.\n";
    static const char b[] = TAIL_SENTENCE " Bukan begitu?\n"
                                          "Artikel kedua membahas topik lain yang sama sekali "
                                          "tidak berhubungan dengan itu.\n";
    char *dir = tu_tmpdir();
    char *pa = tu_write(dir, "a.txt", a, sizeof a - 1);
    char *pb = tu_write(dir, "b.txt", b, sizeof b - 1);
    const char *paths[] = {pa, pb};
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    nd_scan_result *res = scan_paths(&o, paths, 2);
    ck_assert_uint_eq(res->ngroups, 0);
    ck_assert_uint_eq(res->nshared, 1);
    static const uint32_t places[][2] = {{0, 1}, {1, 1}};
    expect_shared(res, 0, places, 2, 2, 0, 0, "Presiden itu");
    nd_scan_result_free(res);
    free(pa);
    free(pb);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *shared_suite(void)
{
    Suite *s = suite_create("shared");
    TCase *tc;

    tc = tcase_create("shared");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_shared_seeds);
    tcase_add_test(tc, test_shared_boilerplate);
    tcase_add_test(tc, test_shared_not_within_group);
    tcase_add_test(tc, test_shared_tail_not_identical);
    tcase_add_test(tc, test_shared_mixed_identical_near);
    tcase_add_test(tc, test_shared_hash_collisions);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(shared_suite());
}
