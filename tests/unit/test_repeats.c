/*
 * test_repeats.c - unit tests of the repeats inside one article (src/repeats.h): the seed
 * articles in data/ with their known repeats (001's doubled block, 002's doubled headlines
 * and "Global" widget line); generated cases (a body doubled with edited words, a block
 * tripled, a single paragraph doubled, short lines repeated, a paragraph repeated far away,
 * near copies over a six-word vocabulary); limits (a paragraph repeated more than 64 times
 * inside a doubled page); a failing allocator. Expectations are computed independently
 * where they can be: word counts of a line range come from the tokens' byte offsets.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "paratest.h"
#include "shingle.h"

/* ---- the seed articles -------------------------------------------------------------------- */

START_TEST(test_seed_001_doubled_block)
{
    size_t len;
    char *text = tu_read_file(tu_src(SEED1), &len);
    para_run r;
    analyze(&r, NULL, text, len);
    /* One block: lines 7-16 again as 17-26, ten paragraphs, identical. */
    ck_assert_uint_eq(r.dp.nblocks, 1);
    expect_block(&r, 0, 7, 16, 17, 26, 10, 1);
    /* The short line "A" three times from line 3; nothing else repeats. */
    ck_assert_uint_eq(r.dp.nshorts, 1);
    ck_assert_uint_eq(r.dp.shorts[0].first_line, 3);
    ck_assert_uint_eq(r.dp.shorts[0].count, 3);
    ck_assert(para_starts(&r, r.dp.shorts[0].para, "A"));
    ck_assert_uint_eq(r.dp.p[r.dp.shorts[0].para].ntok, 1);
    /* A doubled body: the copy is 47% of the words. */
    ck_assert_uint_eq(r.dp.words, r.toks.n);
    ck_assert_uint_eq(r.dp.repeated_words, words_in_lines(&r, 17, 26));
    double share = (double)r.dp.repeated_words / (double)r.dp.words;
    ck_assert_msg(share > 0.46 && share < 0.48, "repeated share %.4f", share);
    ck_assert_double_ge(share, 0.4); /* doubled_share */
    run_clear(&r);
    free(text);
}
END_TEST

START_TEST(test_seed_002_doubled_headlines)
{
    size_t len;
    char *text = tu_read_file(tu_src(SEED2), &len);
    para_run r;
    analyze(&r, NULL, text, len);
    /* Fifteen headlines, each repeated two lines later ("Global" between them is short and
     * does not join them into one block). */
    ck_assert_uint_eq(r.dp.nblocks, 15);
    uint32_t words = 0;
    for (uint32_t k = 0; k < 15; k++) {
        uint32_t a = 43 + 5 * k;
        expect_block(&r, k, a, a, a + 2, a + 2, 1, 1);
        words += words_in_lines(&r, a + 2, a + 2);
    }
    /* No block is made of short lines: every line of every block is a long paragraph. */
    for (size_t k = 0; k < r.dp.nblocks; k++)
        for (size_t i = 0; i < r.dp.n; i++) {
            const nd_para *p = &r.dp.p[i];
            const nd_block_repeat *b = &r.dp.blocks[k];
            if ((p->first_line >= b->a_first && p->first_line <= b->a_last) ||
                (p->first_line >= b->b_first && p->first_line <= b->b_last))
                ck_assert_msg(!p->is_short, "short line %u in block %zu", p->first_line, k);
        }
    /* "Global" fifteen times, first at line 47; the only repeated short line. */
    ck_assert_uint_eq(r.dp.nshorts, 1);
    ck_assert_uint_eq(r.dp.shorts[0].first_line, 47);
    ck_assert_uint_eq(r.dp.shorts[0].count, 15);
    ck_assert(para_starts(&r, r.dp.shorts[0].para, "Global"));
    /* Not a doubled body: about a fifth of the words. */
    ck_assert_uint_eq(r.dp.repeated_words, words);
    double share = (double)r.dp.repeated_words / (double)r.dp.words;
    ck_assert_msg(share > 0.2 && share < 0.4, "repeated share %.4f", share);
    run_clear(&r);
    free(text);
}
END_TEST

/* Seeds 000 and 004 have no internal repeat at all. */
START_TEST(test_seed_no_repeats)
{
    static const char *const seeds[] = {SEED0, SEED4};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *text = tu_read_file(tu_src(seeds[i]), &len);
        para_run r;
        analyze(&r, NULL, text, len);
        ck_assert_uint_gt(r.dp.n, 10);
        ck_assert_uint_eq(r.dp.nblocks, 0);
        ck_assert_uint_eq(r.dp.nshorts, 0);
        ck_assert_uint_eq(r.dp.repeated_words, 0);
        run_clear(&r);
        free(text);
    }
}
END_TEST

/* nd_doc_paras reused across documents gives what a fresh one gives. */
START_TEST(test_reuse)
{
    size_t l1, l2;
    char *t1 = tu_read_file(tu_src(SEED1), &l1);
    char *t2 = tu_read_file(tu_src(SEED2), &l2);
    nd_para_opts o;
    nd_para_opts_init(&o);
    o.want_sentences = 1;
    para_run fresh, a, b;
    analyze(&fresh, &o, t1, l1);
    prepare(&a, t2, l2);
    prepare(&b, t1, l1);
    nd_doc_paras dp = {0};
    ck_assert_int_eq(run_analyze(&a, &o, &dp), ND_OK);
    ck_assert_uint_eq(dp.nblocks, 15);
    ck_assert_int_eq(run_analyze(&b, &o, &dp), ND_OK);
    ck_assert_uint_eq(dp.n, fresh.dp.n);
    ck_assert_uint_eq(dp.nblocks, 1);
    same_blocks(dp.blocks, fresh.dp.blocks, 1);
    ck_assert_uint_eq(dp.nshorts, 1);
    same_shorts(dp.shorts, fresh.dp.shorts, 1);
    ck_assert_uint_eq(dp.words, fresh.dp.words);
    ck_assert_uint_eq(dp.repeated_words, fresh.dp.repeated_words);
    /* The same sentences, with the same keys, band keys and words. */
    ck_assert_uint_eq(dp.ns, fresh.dp.ns);
    for (size_t i = 0; i < dp.ns; i++) {
        ck_assert_uint_eq(dp.s[i].para, fresh.dp.s[i].para);
        ck_assert_uint_eq(dp.s[i].start, fresh.dp.s[i].start);
        ck_assert_uint_eq(dp.s[i].end, fresh.dp.s[i].end);
        ck_assert_uint_eq(dp.s[i].key, fresh.dp.s[i].key);
        ck_assert_mem_eq(dp.s[i].band, fresh.dp.s[i].band, sizeof dp.s[i].band);
        ck_assert_uint_eq(dp.s[i].w_n, fresh.dp.s[i].w_n);
        ck_assert_mem_eq(dp.wids + dp.s[i].w_off, fresh.dp.wids + fresh.dp.s[i].w_off,
                         dp.s[i].w_n * sizeof *dp.wids);
        check_words(&b, &dp, i);
    }
    nd_doc_paras_clear(&dp);
    run_clear(&a);
    run_clear(&b);
    run_clear(&fresh);
    free(t1);
    free(t2);
}
END_TEST

/* ---- generated cases -------------------------------------------------------------------- */

/* Long paragraphs of seed 000 (18 to 39 words each). */
static const unsigned body_lines[] = {1, 2, 3, 4, 5, 9, 12, 13};

START_TEST(test_body_doubled_edited)
{
    seed_lines s = read_seed(SEED0);
    tu_sbuf b = {0};
    for (size_t i = 0; i < 8; i++) {
        ck_assert_uint_ge(ws_words(s.v[body_lines[i]]), 20);
        sb_line(&b, s.v[body_lines[i]]);
    }
    /* The copy with one word changed in each of paragraphs 1, 4 and 7. */
    for (size_t i = 0; i < 8; i++) {
        char *line = NULL;
        if (i == 0 || i == 3 || i == 6) line = replace_word(s.v[body_lines[i]], 4 + i, "qzxvedit");
        sb_line(&b, line ? line : s.v[body_lines[i]]);
        free(line);
    }
    para_run r;
    analyze(&r, NULL, b.p, b.n);
    ck_assert_uint_eq(r.dp.n, 16);
    ck_assert_uint_eq(r.dp.nblocks, 1);
    expect_block(&r, 0, 1, 8, 9, 16, 8, 0); /* near-identical */
    ck_assert_uint_eq(r.dp.nshorts, 0);
    ck_assert_uint_eq(r.dp.repeated_words, words_in_lines(&r, 9, 16));
    ck_assert_uint_eq(2 * r.dp.repeated_words, r.dp.words);
    run_clear(&r);

    /* Unedited: the same block, identical. */
    free(b.p);
    memset(&b, 0, sizeof b);
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < 8; i++)
            sb_line(&b, s.v[body_lines[i]]);
    analyze(&r, NULL, b.p, b.n);
    ck_assert_uint_eq(r.dp.nblocks, 1);
    expect_block(&r, 0, 1, 8, 9, 16, 8, 1);
    run_clear(&r);
    free(b.p);
    free_seed(&s);
}
END_TEST

/* A paragraph of the copy changed too much (every third word) splits the block in two. */
START_TEST(test_body_doubled_one_rewritten)
{
    seed_lines s = read_seed(SEED0);
    tu_sbuf b = {0};
    for (size_t i = 0; i < 8; i++)
        sb_line(&b, s.v[body_lines[i]]);
    for (size_t i = 0; i < 8; i++) {
        if (i != 4) {
            sb_line(&b, s.v[body_lines[i]]);
            continue;
        }
        char *line = strdup(s.v[body_lines[i]]);
        size_t nw = ws_words(line);
        for (size_t w = 1; w < nw; w += 3) {
            char *next = replace_word(line, w, "lain");
            free(line);
            line = next;
        }
        sb_line(&b, line);
        free(line);
    }
    para_run r;
    analyze(&r, NULL, b.p, b.n);
    ck_assert_uint_eq(r.dp.nblocks, 2);
    expect_block(&r, 0, 1, 4, 9, 12, 4, 1);
    expect_block(&r, 1, 6, 8, 14, 16, 3, 1);
    ck_assert_uint_eq(r.dp.repeated_words, words_in_lines(&r, 9, 12) + words_in_lines(&r, 14, 16));
    run_clear(&r);
    free(b.p);
    free_seed(&s);
}
END_TEST

START_TEST(test_block_tripled)
{
    seed_lines s = read_seed(SEED0);
    tu_sbuf b = {0};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 3; i <= 5; i++)
            sb_line(&b, s.v[i]);
    para_run r;
    analyze(&r, NULL, b.p, b.n);
    /* Lines 1-3 repeat as 4-6 and as 7-9: two copies of the first occurrence, and no
     * third report of 4-6 as 7-9. */
    ck_assert_uint_eq(r.dp.nblocks, 2);
    expect_block(&r, 0, 1, 3, 4, 6, 3, 1);
    expect_block(&r, 1, 1, 3, 7, 9, 3, 1);
    ck_assert_uint_eq(r.dp.repeated_words, words_in_lines(&r, 4, 9));
    run_clear(&r);

    /* With a different paragraph before, between and after the copies. */
    free(b.p);
    memset(&b, 0, sizeof b);
    sb_line(&b, s.v[9]);
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 3; i <= 5; i++)
            sb_line(&b, s.v[i]);
        sb_line(&b, s.v[12 + k]);
    }
    analyze(&r, NULL, b.p, b.n);
    ck_assert_uint_eq(r.dp.nblocks, 2);
    expect_block(&r, 0, 2, 4, 6, 8, 3, 1);
    expect_block(&r, 1, 2, 4, 10, 12, 3, 1);
    run_clear(&r);
    free(b.p);
    free_seed(&s);
}
END_TEST

START_TEST(test_single_paragraph_doubled)
{
    seed_lines s = read_seed(SEED0);
    tu_sbuf b = {0};
    sb_line(&b, s.v[13]);
    sb_line(&b, s.v[13]);
    para_run r;
    analyze(&r, NULL, b.p, b.n);
    ck_assert_uint_eq(r.dp.nblocks, 1);
    expect_block(&r, 0, 1, 1, 2, 2, 1, 1);
    ck_assert_uint_eq(2 * r.dp.repeated_words, r.dp.words);
    run_clear(&r);

    /* Between other paragraphs; and the same text in block mode. */
    free(b.p);
    memset(&b, 0, sizeof b);
    sb_line(&b, s.v[1]);
    sb_line(&b, s.v[13]);
    sb_line(&b, s.v[13]);
    sb_line(&b, s.v[2]);
    analyze(&r, NULL, b.p, b.n);
    ck_assert_uint_eq(r.dp.nblocks, 1);
    expect_block(&r, 0, 2, 2, 3, 3, 1, 1);
    run_clear(&r);
    nd_para_opts o;
    nd_para_opts_init(&o);
    o.mode = ND_PARA_BLOCK;
    free(b.p);
    memset(&b, 0, sizeof b);
    tu_sb_puts(&b, "Judul\n\n");
    sb_line(&b, s.v[13]);
    tu_sb_puts(&b, "\n");
    sb_line(&b, s.v[13]);
    analyze(&r, &o, b.p, b.n);
    ck_assert_uint_eq(r.dp.n, 3);
    ck_assert_uint_eq(r.dp.nblocks, 1);
    expect_block(&r, 0, 3, 3, 5, 5, 1, 1);
    run_clear(&r);
    free(b.p);
    free_seed(&s);
}
END_TEST

START_TEST(test_short_lines_repeated)
{
    seed_lines s = read_seed(SEED0);
    tu_sbuf b = {0};
    sb_line(&b, "A");              /* 1 */
    sb_line(&b, "A");              /* 2 */
    sb_line(&b, "Global");         /* 3 */
    sb_line(&b, s.v[1]);           /* 4 */
    sb_line(&b, "Baca juga");      /* 5 */
    sb_line(&b, "Global");         /* 6 */
    sb_line(&b, s.v[2]);           /* 7 */
    sb_line(&b, "Baca juga:");     /* 8: the same words */
    sb_line(&b, "Global");         /* 9 */
    sb_line(&b, s.v[3]);           /* 10 */
    sb_line(&b, "A");              /* 11 */
    sb_line(&b, "GLOBAL");         /* 12: the same after case folding */
    sb_line(&b, "A");              /* 13 */
    sb_line(&b, "Baca  juga");     /* 14 */
    sb_line(&b, "Baca juga lagi"); /* 15: three words, still short, once */
    para_run r;
    analyze(&r, NULL, b.p, b.n);
    ck_assert_uint_eq(r.dp.n, 15);
    ck_assert_uint_eq(r.dp.nblocks, 0);
    ck_assert_uint_eq(r.dp.repeated_words, 0);
    /* In order of first occurrence. */
    ck_assert_uint_eq(r.dp.nshorts, 3);
    static const uint32_t first[] = {1, 3, 5}, count[] = {4, 4, 3};
    static const char *const what[] = {"A", "Global", "Baca juga"};
    for (size_t k = 0; k < 3; k++) {
        ck_assert_uint_eq(r.dp.shorts[k].first_line, first[k]);
        ck_assert_uint_eq(r.dp.shorts[k].count, count[k]);
        ck_assert(para_starts(&r, r.dp.shorts[k].para, what[k]));
    }
    run_clear(&r);

    /* The same run of short lines repeated many times makes no block either. */
    free(b.p);
    memset(&b, 0, sizeof b);
    sb_line(&b, s.v[1]);
    for (size_t k = 0; k < 10; k++) {
        sb_line(&b, "Global");
        sb_line(&b, "A");
        sb_line(&b, "Baca juga");
    }
    sb_line(&b, s.v[2]);
    analyze(&r, NULL, b.p, b.n);
    ck_assert_uint_eq(r.dp.nblocks, 0);
    ck_assert_uint_eq(r.dp.repeated_words, 0);
    ck_assert_uint_eq(r.dp.nshorts, 3);
    ck_assert_uint_eq(r.dp.shorts[0].first_line, 2);
    ck_assert_uint_eq(r.dp.shorts[0].count, 10);
    ck_assert_uint_eq(r.dp.shorts[2].first_line, 4);
    run_clear(&r);

    /* With short_words 1 nothing is short: "Baca juga" becomes a paragraph like any. */
    nd_para_opts o;
    nd_para_opts_init(&o);
    o.short_words = 1;
    analyze(&r, &o, b.p, b.n);
    ck_assert_uint_eq(r.dp.nshorts, 0);
    ck_assert_uint_gt(r.dp.nblocks, 0);
    ck_assert_uint_eq(r.dp.blocks[0].a_first, 2);
    run_clear(&r);
    free(b.p);
    free_seed(&s);
}
END_TEST

START_TEST(test_paragraph_repeated_far)
{
    seed_lines s = read_seed(SEED0);
    tu_sbuf b = {0};
    static const unsigned order[] = {1, 2, 3, 4, 5, 9, 12, 2, 13};
    for (size_t i = 0; i < 9; i++)
        sb_line(&b, s.v[order[i]]);
    para_run r;
    analyze(&r, NULL, b.p, b.n);
    ck_assert_uint_eq(r.dp.nblocks, 1);
    expect_block(&r, 0, 2, 2, 8, 8, 1, 1);
    ck_assert_uint_eq(r.dp.repeated_words, words_in_lines(&r, 8, 8));
    run_clear(&r);

    /* Two non-adjacent paragraphs repeated next to each other: one block of two. */
    free(b.p);
    memset(&b, 0, sizeof b);
    static const unsigned order2[] = {1, 2, 3, 4, 5, 9, 2, 3, 13};
    for (size_t i = 0; i < 9; i++)
        sb_line(&b, s.v[order2[i]]);
    analyze(&r, NULL, b.p, b.n);
    ck_assert_uint_eq(r.dp.nblocks, 1);
    expect_block(&r, 0, 2, 3, 7, 8, 2, 1);
    run_clear(&r);
    free(b.p);
    free_seed(&s);
}
END_TEST

/* ---- limits --------------------------------------------------------------------------- */

/* A live blog: 70 paragraphs of made-up words, each followed by the same 5-word widget line
 * (long enough to be a paragraph), and the whole page doubled. The page is one block, lines
 * 1-140 again as 141-280. A paragraph that occurs more than 64 times is matched by its key
 * while blocks are extended, and not reported on its own (140 one-line repeats of a widget
 * would drown the finding), so the block is the only report. More than 64 occurrences of
 * one paragraph must not break the block. */
START_TEST(test_doubled_body_frequent_line)
{
    tu_sbuf b = {0};
    for (int copy = 0; copy < 2; copy++) {
        uint32_t x = 12345; /* the same words again */
        for (int p = 0; p < 70; p++) {
            for (int w = 0; w < 30; w++) {
                x = x * 1664525u + 1013904223u;
                char word[32];
                snprintf(word, sizeof word, "%s%c%u", w ? " " : "", 'b' + (x >> 28) % 20,
                         (x >> 8) % 100000u);
                tu_sb_puts(&b, word);
            }
            tu_sb_puts(&b, "\nSCROLL TO CONTINUE WITH CONTENT\n");
        }
    }
    para_run r;
    analyze(&r, NULL, b.p, b.n);
    ck_assert_uint_eq(r.dp.n, 280);
    ck_assert_uint_ge(r.dp.nblocks, 1);
    expect_block(&r, 0, 1, 140, 141, 280, 140, 1);
    ck_assert_uint_eq(r.dp.nblocks, 1);
    ck_assert_uint_eq(r.dp.repeated_words, words_in_lines(&r, 141, 280));
    run_clear(&r);
    free(b.p);
}
END_TEST

/* ---- out of memory ---------------------------------------------------------------------- */

static void oom_case(const char *rel, nd_para_mode mode)
{
    size_t len;
    char *text = tu_read_file(tu_src(rel), &len);
    nd_para_opts o;
    nd_para_opts_init(&o);
    o.mode = mode;
    o.want_sentences = 1;
    para_run ref;
    analyze(&ref, &o, text, len);
    long n;
    for (n = 0; n < 100000; n++) {
        nd_doc_paras dp = {0};
        nd_alloc_fail_after(n);
        nd_status st = run_analyze(&ref, &o, &dp);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            ck_assert_uint_eq(dp.n, ref.dp.n);
            ck_assert_uint_eq(dp.nblocks, ref.dp.nblocks);
            same_blocks(dp.blocks, ref.dp.blocks, dp.nblocks);
            ck_assert_uint_eq(dp.nshorts, ref.dp.nshorts);
            same_shorts(dp.shorts, ref.dp.shorts, dp.nshorts);
            ck_assert_uint_eq(dp.ns, ref.dp.ns);
            ck_assert_uint_eq(dp.words, ref.dp.words);
            ck_assert_uint_eq(dp.repeated_words, ref.dp.repeated_words);
            nd_doc_paras_clear(&dp);
            break;
        }
        ck_assert_msg(st == ND_ENOMEM, "n=%ld: %s", n, nd_status_str(st));
        nd_doc_paras_clear(&dp);
    }
    ck_assert_int_ge(n, 5);
    ck_assert_int_lt(n, 100000);
    run_clear(&ref);
    free(text);
}

START_TEST(test_oom_analyze)
{
    oom_case(SEED1, ND_PARA_LINE);
    oom_case(SEED2, ND_PARA_LINE);
    oom_case(SEED4, ND_PARA_BLOCK);
}
END_TEST

START_TEST(test_near_copy_common_words)
{
    static const char *const words[] = {"sa", "dua", "tiga", "empat", "lima", "enam"};
    uint64_t rng = 0x1234567u;
    nd_para_opts o;
    nd_para_opts_init(&o);
    int found_some = 0;
    for (int iter = 0; iter < 300; iter++) {
        char text[8192];
        size_t len = 0;
        unsigned npara = 3 + (unsigned)(rng_next(&rng) % 8);
        unsigned src = (unsigned)(rng_next(&rng) % npara);
        unsigned nw[16], w[16][40];
        for (unsigned p = 0; p < npara; p++) {
            nw[p] = 12 + (unsigned)(rng_next(&rng) % 20);
            for (unsigned k = 0; k < nw[p]; k++) {
                w[p][k] = (unsigned)(rng_next(&rng) % 6);
                len += (size_t)sprintf(text + len, "%s%s", k ? " " : "", words[w[p][k]]);
            }
            text[len++] = '\n';
        }
        /* The copy of paragraph src, one word changed. */
        unsigned change = (unsigned)(rng_next(&rng) % nw[src]);
        for (unsigned k = 0; k < nw[src]; k++) {
            unsigned x = k == change ? (w[src][k] + 1) % 6 : w[src][k];
            len += (size_t)sprintf(text + len, "%s%s", k ? " " : "", words[x]);
        }
        text[len++] = '\n';
        text[len] = '\0';
        para_run r;
        analyze(&r, &o, text, len);
        /* Exact bigram Jaccard of the copy and its source, over token hashes. */
        const nd_para *pc = &r.dp.p[npara], *ps = &r.dp.p[src];
        size_t na = pc->ntok - 1, nb = ps->ntok - 1, inter = 0;
        uint64_t sa[40], sb[40];
        for (size_t k = 0; k < na; k++)
            sa[k] = nd_shingle_combine(r.th.v + pc->tok_first + k, 2);
        for (size_t k = 0; k < nb; k++)
            sb[k] = nd_shingle_combine(r.th.v + ps->tok_first + k, 2);
        na = sort_unique(sa, na);
        nb = sort_unique(sb, nb);
        for (size_t i = 0, j = 0; i < na && j < nb;) {
            if (sa[i] < sb[j])
                i++;
            else if (sa[i] > sb[j])
                j++;
            else
                inter++, i++, j++;
        }
        if ((double)inter >= 0.8 * (double)(na + nb - inter) * (1.0 - 1e-12)) {
            /* Some block must end at the copy's line. */
            found_some = 1;
            int ok = 0;
            for (size_t k = 0; k < r.dp.nblocks; k++)
                ok |= r.dp.blocks[k].b_last == npara + 1;
            ck_assert_msg(ok, "iteration %d: the copy of line %u (J >= 0.8) was missed", iter,
                          src + 1);
        }
        run_clear(&r);
    }
    ck_assert(found_some);
}
END_TEST

static Suite *repeats_suite(void)
{
    Suite *s = suite_create("repeats");
    TCase *tc;

    tc = tcase_create("seeds");
    tcase_add_test(tc, test_seed_001_doubled_block);
    tcase_add_test(tc, test_seed_002_doubled_headlines);
    tcase_add_test(tc, test_seed_no_repeats);
    tcase_add_test(tc, test_reuse);
    suite_add_tcase(s, tc);

    tc = tcase_create("generated");
    tcase_add_test(tc, test_body_doubled_edited);
    tcase_add_test(tc, test_body_doubled_one_rewritten);
    tcase_add_test(tc, test_block_tripled);
    tcase_add_test(tc, test_single_paragraph_doubled);
    tcase_add_test(tc, test_short_lines_repeated);
    tcase_add_test(tc, test_paragraph_repeated_far);
    tcase_add_test(tc, test_near_copy_common_words);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_doubled_body_frequent_line);
    suite_add_tcase(s, tc);

    tc = tcase_create("oom");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_oom_analyze);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(repeats_suite());
}
