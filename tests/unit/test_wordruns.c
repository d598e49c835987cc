/*
 * test_wordruns.c - unit tests of the runs of words repeated inside one paragraph
 * (src/wordruns.h): seed 001 flattened onto one line (its doubled body found as one run, at
 * word positions computed here from its lines), a body three times, a word repeated many
 * times, against a brute-force reference of the same rule on random texts over three words
 * (no hash, no table: every earlier window compared), words whose hashes are all equal (a
 * hash never decides a match), a long paragraph (linear time), and a failing allocator.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "paratest.h"
#include "shingle.h"
#include "wordruns.h"

/* The runs found among all tokens of r (one paragraph), min_words m. */
typedef struct found {
    nd_word_run *v;
    size_t n, cap;
    uint32_t words;
} found;

static void find_with(nd_wordruns *w, const para_run *r, const uint64_t *th, unsigned m, found *f)
{
    memset(f, 0, sizeof *f);
    ck_assert_int_eq(
        nd_wordruns_find(w, &r->toks, th, 0, r->toks.n, m, &f->v, &f->n, &f->cap, &f->words),
        ND_OK);
}

static void find_all(const para_run *r, const uint64_t *th, unsigned m, found *f)
{
    nd_wordruns w = {0};
    find_with(&w, r, th, m, f);
    nd_wordruns_clear(&w);
}

/* The lines of a seed joined by blanks: a page flattened onto one line. */
static char *flatten_seed(const char *rel, size_t *len)
{
    seed_lines s = read_seed(rel);
    tu_sbuf b = {0};
    for (size_t i = 1; i <= s.n; i++) {
        if (ws_words(s.v[i]) == 0) continue;
        if (b.n) tu_sb_add(&b, " ", 1);
        tu_sb_puts(&b, s.v[i]);
    }
    tu_sb_add(&b, "\n", 1);
    free_seed(&s);
    *len = b.n;
    return b.p;
}

/* ---- the seed ----------------------------------------------------------------------------- */

/* 001 flattened: its lines 7-16 again as 17-26 become words 42-417 again as 418-793. */
START_TEST(test_seed_001_flattened)
{
    size_t len, flen;
    char *text = tu_read_file(tu_src(SEED1), &len);
    para_run lines;
    analyze(&lines, NULL, text, len);
    uint32_t before = words_in_lines(&lines, 1, 6), first = words_in_lines(&lines, 7, 16);
    uint32_t copy = words_in_lines(&lines, 17, 26), all = (uint32_t)lines.toks.n;
    ck_assert_uint_eq(first, copy);
    ck_assert_uint_eq(before + first + copy + 1, all); /* "(min)" after line 26 */
    run_clear(&lines);

    char *flat = flatten_seed(SEED1, &flen);
    para_run r;
    analyze(&r, NULL, flat, flen);
    ck_assert_uint_eq(r.toks.n, all);
    ck_assert_uint_eq(r.dp.n, 1);
    ck_assert_uint_eq(r.dp.nblocks, 0);
    ck_assert_uint_eq(r.dp.nruns, 1);
    const nd_word_run *wr = &r.dp.runs[0];
    ck_assert_uint_eq(wr->para, 0);
    ck_assert_uint_eq(wr->a, before);
    ck_assert_uint_eq(wr->b, before + first);
    ck_assert_uint_eq(wr->len, first);
    ck_assert_uint_eq(r.dp.repeated_words, first);
    /* A doubled body, as the unflattened article is: 376 of 794 words. */
    ck_assert_uint_eq(first, 376);
    ck_assert_double_ge((double)r.dp.repeated_words / r.dp.words, 0.4);
    /* Off: nothing. */
    nd_para_opts o;
    nd_para_opts_init(&o);
    o.min_repeat_words = 0;
    para_run off;
    analyze(&off, &o, flat, flen);
    ck_assert_uint_eq(off.dp.nruns, 0);
    ck_assert_uint_eq(off.dp.repeated_words, 0);
    run_clear(&off);
    run_clear(&r);
    free(flat);
    free(text);
}
END_TEST

/* The seeds as they are: one run inside a line, 002's line 4, a photo caption twice
 * ("Presiden Rusia ... 2020. AFP/MIKHAIL KLIMENTYEVPresiden Rusia ... 2020.": 13 words from
 * "Rusia", the second "Presiden" glued to the credit); the other repeats are between
 * paragraphs. And a paragraph that is itself a copy in a doubled block is not searched: its
 * words count once. */
START_TEST(test_seed_lines_and_copies)
{
    static const char *const seeds[] = {SEED0, SEED1, SEED2, SEED4};
    for (size_t i = 0; i < 4; i++) {
        size_t len;
        char *text = tu_read_file(tu_src(seeds[i]), &len);
        para_run r;
        analyze(&r, NULL, text, len);
        ck_assert_msg(r.dp.nruns == (i == 2), "%s: %zu runs", seeds[i], r.dp.nruns);
        if (i == 2) {
            const nd_word_run *wr = &r.dp.runs[0];
            const nd_para *p = &r.dp.p[wr->para];
            ck_assert_uint_eq(p->first_line, 4);
            ck_assert(wr->a == 1 && wr->b == 17 && wr->len == 13);
            ck_assert_uint_eq(p->ntok, 30);
            const nd_token *t = &r.toks.v[p->tok_first + wr->b];
            ck_assert(memcmp(text + t->src, "Rusia Vladimir", 14) == 0);
        }
        run_clear(&r);
        free(text);
    }
    /* Line 1 holds a paragraph twice, line 2 another; lines 3-4 are lines 1-2 again. */
    seed_lines s = read_seed(SEED0);
    tu_sbuf b = {0};
    for (int k = 0; k < 2; k++) {
        tu_sb_puts(&b, s.v[1]);
        tu_sb_add(&b, " ", 1);
        sb_line(&b, s.v[1]);
        sb_line(&b, s.v[2]);
    }
    para_run r;
    analyze(&r, NULL, b.p, b.n);
    uint32_t x = words_in_lines(&r, 1, 1) / 2, y = words_in_lines(&r, 2, 2);
    ck_assert_uint_eq(r.dp.nblocks, 1);
    expect_block(&r, 0, 1, 2, 3, 4, 2, 1);
    /* One run, in line 1 (its copy in line 3 is inside the block). */
    ck_assert_uint_eq(r.dp.nruns, 1);
    ck_assert_uint_eq(r.dp.p[r.dp.runs[0].para].first_line, 1);
    ck_assert(r.dp.runs[0].a == 0 && r.dp.runs[0].b == x && r.dp.runs[0].len == x);
    /* Words in copies: line 1's second half, lines 3 and 4, each once. */
    ck_assert_uint_eq(r.dp.repeated_words, x + 2 * x + y);
    ck_assert_uint_eq(r.dp.words, 4 * x + 2 * y);
    run_clear(&r);
    free(b.p);
    free_seed(&s);
}
END_TEST

/* ---- generated ---------------------------------------------------------------------------- */

/* A paragraph three times on one line: two runs, both against the first; a word repeated
 * 30 times: one run of 12 (two runs of 12 would need 36 words); 35 times: two. */
START_TEST(test_tripled_and_one_word)
{
    seed_lines s = read_seed(SEED0);
    tu_sbuf b = {0};
    for (int k = 0; k < 3; k++) {
        tu_sb_puts(&b, s.v[3]);
        tu_sb_add(&b, " ", 1);
    }
    para_run r;
    analyze(&r, NULL, b.p, b.n);
    uint32_t x = (uint32_t)r.toks.n / 3;
    ck_assert_uint_eq(r.dp.nruns, 2);
    ck_assert(r.dp.runs[0].a == 0 && r.dp.runs[0].b == x && r.dp.runs[0].len == x);
    ck_assert(r.dp.runs[1].a == 0 && r.dp.runs[1].b == 2 * x && r.dp.runs[1].len == x);
    ck_assert_uint_eq(r.dp.repeated_words, 2 * x);
    run_clear(&r);
    free(b.p);
    free_seed(&s);

    static const size_t reps[] = {23, 24, 30, 35, 36, 48};
    static const uint32_t want[] = {0, 12, 12, 12, 24, 36};
    for (size_t k = 0; k < 6; k++) {
        memset(&b, 0, sizeof b);
        for (size_t i = 0; i < reps[k]; i++)
            tu_sb_puts(&b, "sama ");
        analyze(&r, NULL, b.p, b.n);
        ck_assert_msg(r.dp.repeated_words == want[k], "%zu words: %u repeated, not %u", reps[k],
                      r.dp.repeated_words, want[k]);
        for (size_t i = 0; i < r.dp.nruns; i++)
            ck_assert_uint_le(r.dp.runs[i].a + r.dp.runs[i].len, r.dp.runs[i].b);
        run_clear(&r);
        free(b.p);
    }
}
END_TEST

/* In an article of several long paragraphs (where repeats.c first looks for m - 1
 * consecutive bigrams seen twice), a run of exactly 12 words twice in one line is found, and
 * one of 11 words is not: min_words is 12. */
START_TEST(test_exactly_min_words)
{
    seed_lines s = read_seed(SEED0);
    for (int len = 11; len <= 13; len++) {
        tu_sbuf b = {0};
        sb_line(&b, s.v[1]);
        sb_line(&b, s.v[2]);
        for (int copy = 0; copy < 2; copy++) {
            for (int w = 0; w < len; w++) {
                char wd[32];
                snprintf(wd, sizeof wd, "kata%d ", w);
                tu_sb_puts(&b, wd);
            }
            tu_sb_puts(&b, copy ? "akhir.\n" : "lalu di tengah ada kalimat lain, ");
        }
        sb_line(&b, s.v[3]);
        para_run r;
        analyze(&r, NULL, b.p, b.n);
        ck_assert_uint_eq(r.dp.n, 4);
        ck_assert_msg(r.dp.nruns == (len >= 12), "%d words: %zu runs", len, r.dp.nruns);
        if (len >= 12) {
            ck_assert_uint_eq(r.dp.runs[0].len, (uint32_t)len);
            ck_assert_uint_eq(r.dp.runs[0].para, 2);
        }
        run_clear(&r);
        free(b.p);
    }
    free_seed(&s);
}
END_TEST

/* The rule, word by word, without hashes or tables: at each window start i (from the end of
 * the last copy on), every earlier source j with j + m <= i, earliest first; the longest
 * match of at least m words (no longer than i - j, not past the end) is a run. */
static size_t reference(const int *w, size_t n, size_t m, nd_word_run *out)
{
    size_t nr = 0, skip = 0;
    for (size_t i = 0; i + m <= n && n >= 2 * m; i++) {
        if (i < skip) continue;
        size_t best = 0, src = 0;
        for (size_t j = 0; j + m <= i; j++) {
            size_t most = i - j < n - i ? i - j : n - i, len = 0;
            while (len < most && w[j + len] == w[i + len])
                len++;
            if (len >= m && len > best) best = len, src = j;
        }
        if (best) {
            out[nr].a = (uint32_t)src;
            out[nr].b = (uint32_t)i;
            out[nr].len = (uint32_t)best;
            nr++;
            skip = i + best;
        }
    }
    return nr;
}

START_TEST(test_against_reference)
{
    static const char *const vocab[] = {"ini", "itu", "Itu"}; /* "Itu" is "itu" folded */
    uint64_t rng = 0x5eed5eedu;
    size_t with_runs = 0;
    /* Every other case reuses one scratch, first grown by a paragraph of 5,000 words: what a
     * longer paragraph left in it must not matter. */
    nd_wordruns reused = {0};
    tu_sbuf big = {0};
    for (int i = 0; i < 5000; i++) {
        tu_sb_puts(&big, vocab[rng_next(&rng) % 3]);
        tu_sb_add(&big, " ", 1);
    }
    para_run br;
    prepare(&br, big.p, big.n);
    found bf;
    find_with(&reused, &br, br.th.v, 3, &bf);
    ck_assert_uint_gt(bf.n, 0);
    nd_free(bf.v);
    run_clear(&br);
    free(big.p);
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = 1 + (size_t)(rng_next(&rng) % 60), m = 1 + (size_t)(rng_next(&rng) % 6);
        int w[64];
        tu_sbuf b = {0};
        for (size_t i = 0; i < n; i++) {
            unsigned x = (unsigned)(rng_next(&rng) % 3);
            w[i] = x == 2 ? 1 : (int)x;
            tu_sb_puts(&b, vocab[x]);
            tu_sb_puts(&b, (rng_next(&rng) & 7) ? " " : ", ");
        }
        para_run r;
        prepare(&r, b.p, b.n);
        ck_assert_uint_eq(r.toks.n, n);
        found f;
        if (iter % 2)
            find_with(&reused, &r, r.th.v, (unsigned)m, &f);
        else
            find_all(&r, r.th.v, (unsigned)m, &f);
        nd_word_run want[64];
        size_t nw = reference(w, n, m, want);
        TU_REQUIRE(f.n == nw, "iter %d (n %zu, m %zu): %zu runs, reference %zu", iter, n, m, f.n,
                   nw);
        uint32_t words = 0;
        for (size_t k = 0; k < nw; k++) {
            TU_REQUIRE(f.v[k].a == want[k].a && f.v[k].b == want[k].b && f.v[k].len == want[k].len,
                       "iter %d run %zu: %u,%u,%u; reference %u,%u,%u", iter, k, f.v[k].a, f.v[k].b,
                       f.v[k].len, want[k].a, want[k].b, want[k].len);
            words += want[k].len;
        }
        ck_assert_uint_eq(f.words, words);
        with_runs += nw > 0;
        nd_free(f.v);
        run_clear(&r);
        free(b.p);
    }
    ck_assert_uint_gt(with_runs, 1000); /* the cases are not all trivial */
    nd_wordruns_clear(&reused);
}
END_TEST

/* Every token hash the same (as if all words collided): runs are still exactly those of the
 * words' bytes. */
START_TEST(test_hashes_never_decide)
{
    static const char text[] = "alpha beta gamma delta epsilon zeta eta theta iota kappa "
                               "lambda mu nu xi omicron pi rho sigma tau upsilon "
                               "alpha beta gamma delta epsilon zeta eta theta iota kappa "
                               "lambda mu nu xi omicron pi rho sigma tau upsilon";
    para_run r;
    prepare(&r, text, sizeof text - 1);
    ck_assert_uint_eq(r.toks.n, 40);
    uint64_t th[40];
    for (size_t i = 0; i < 40; i++)
        th[i] = 42;
    found f;
    find_all(&r, th, 5, &f);
    ck_assert_uint_eq(f.n, 1);
    ck_assert(f.v[0].a == 0 && f.v[0].b == 20 && f.v[0].len == 20);
    nd_free(f.v);
    /* 40 different words, all with one hash: no run. */
    tu_sbuf b = {0};
    for (int i = 0; i < 40; i++) {
        char wd[16];
        snprintf(wd, sizeof wd, "w%d ", i);
        tu_sb_puts(&b, wd);
    }
    para_run d;
    prepare(&d, b.p, b.n);
    find_all(&d, th, 5, &f);
    ck_assert_uint_eq(f.n, 0);
    ck_assert_uint_eq(f.words, 0);
    nd_free(f.v);
    run_clear(&d);
    run_clear(&r);
    free(b.p);
}
END_TEST

/* ---- limits ------------------------------------------------------------------------------- */

/* 200,000 random words twice on one line: one run, found in linear time. */
START_TEST(test_long_paragraph)
{
    tu_sbuf b = {0};
    uint64_t rng = 77;
    char *words = NULL;
    size_t nw = 200000;
    tu_sbuf half = {0};
    for (size_t i = 0; i < nw; i++) {
        char wd[16];
        snprintf(wd, sizeof wd, "k%u ", (unsigned)(rng_next(&rng) % 50000));
        tu_sb_puts(&half, wd);
    }
    tu_sb_puts(&b, half.p);
    tu_sb_puts(&b, half.p);
    para_run r;
    analyze(&r, NULL, b.p, b.n);
    ck_assert_uint_eq(r.dp.nruns, 1);
    ck_assert(r.dp.runs[0].a == 0 && r.dp.runs[0].b == nw && r.dp.runs[0].len == nw);
    ck_assert_uint_eq(2 * r.dp.repeated_words, r.dp.words);
    run_clear(&r);
    free(b.p);
    free(half.p);
    free(words);
}
END_TEST

/* A failing allocator: ND_ENOMEM until there is memory, then the same runs; no leak. */
START_TEST(test_oom)
{
    size_t flen;
    char *flat = flatten_seed(SEED1, &flen);
    para_run r;
    prepare(&r, flat, flen);
    long n;
    for (n = 0; n < 1000; n++) {
        nd_wordruns w = {0};
        found f = {0};
        nd_alloc_fail_after(n);
        nd_status st =
            nd_wordruns_find(&w, &r.toks, r.th.v, 0, r.toks.n, 12, &f.v, &f.n, &f.cap, &f.words);
        nd_alloc_fail_after(-1);
        nd_wordruns_clear(&w);
        if (st == ND_OK) {
            ck_assert_uint_eq(f.n, 1);
            ck_assert_uint_eq(f.words, 376);
            nd_free(f.v);
            break;
        }
        ck_assert_int_eq(st, ND_ENOMEM);
        nd_free(f.v);
    }
    ck_assert_int_ge(n, 4);
    ck_assert_int_lt(n, 1000);
    run_clear(&r);
    free(flat);
}
END_TEST

static Suite *wordruns_suite(void)
{
    Suite *s = suite_create("wordruns");
    TCase *tc;

    tc = tcase_create("seeds");
    tcase_add_test(tc, test_seed_001_flattened);
    tcase_add_test(tc, test_seed_lines_and_copies);
    suite_add_tcase(s, tc);

    tc = tcase_create("generated");
    tcase_add_test(tc, test_tripled_and_one_word);
    tcase_add_test(tc, test_exactly_min_words);
    tcase_add_test(tc, test_against_reference);
    tcase_add_test(tc, test_hashes_never_decide);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_long_paragraph);
    tcase_add_test(tc, test_oom);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(wordruns_suite());
}
