/*
 * test_paras.c - unit tests of splitting an article into paragraphs (src/paras.h): line and
 * blank-line block modes, CRLF, lines without words, token ranges; the hard-wrap rule of
 * ND_PARA_AUTO on the seeds as they are and wrapped here (greedy, by characters), and on
 * texts that break one of its tests each.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "paratest.h"
#include "shingle.h"

/* ---- splitting -------------------------------------------------------------------------- */

START_TEST(test_split_lines)
{
    /* Line 1: 4 words; 2: empty; 3: blanks; 4, 5: punctuation only; 6: CRLF; 7: one word;
     * 8: a last line without a newline. */
    static const char text[] = "First line has words.\n"
                               "\n"
                               "   \t\n"
                               "---\n"
                               "... !!! \"\"\n"
                               "Second line, here\r\n"
                               "third\n"
                               "the end of it all";
    para_run r;
    analyze(&r, NULL, text, sizeof text - 1);
    ck_assert_uint_eq(r.toks.n, 4 + 3 + 1 + 5);
    ck_assert_uint_eq(r.dp.n, 4);
    static const uint32_t line[] = {1, 6, 7, 8}, ntok[] = {4, 3, 1, 5}, first[] = {0, 4, 7, 8};
    static const char *const starts[] = {"First line", "Second line", "third", "the end"};
    for (size_t i = 0; i < 4; i++) {
        const nd_para *p = &r.dp.p[i];
        ck_assert_uint_eq(p->first_line, line[i]);
        ck_assert_uint_eq(p->last_line, line[i]);
        ck_assert_uint_eq(p->tok_first, first[i]);
        ck_assert_uint_eq(p->ntok, ntok[i]);
        ck_assert_msg(para_starts(&r, i, starts[i]), "paragraph %zu starts elsewhere", i);
        /* The byte range is the line (without its newline) and holds its tokens. */
        ck_assert_uint_eq(line_of(text, p->start), line[i]);
        ck_assert(p->start == 0 || text[p->start - 1] == '\n');
        ck_assert(p->end == sizeof text - 1 || text[p->end] == '\n');
        for (uint32_t t = p->tok_first; t < p->tok_first + p->ntok; t++)
            ck_assert(r.toks.v[t].src >= p->start && r.toks.v[t].src < p->end);
        /* Short: fewer than 4 words. */
        ck_assert_int_eq(p->is_short, ntok[i] < 4);
    }
    ck_assert_uint_eq(r.dp.words, r.toks.n);
    ck_assert_uint_eq(r.dp.nblocks, 0);
    ck_assert_uint_eq(r.dp.nshorts, 0);
    ck_assert_uint_eq(r.dp.repeated_words, 0);
    run_clear(&r);
}
END_TEST

START_TEST(test_split_blocks)
{
    /* Blocks: lines 1-2; 5 (CRLF, then a blank CRLF line); 7 has no word: no paragraph;
     * 9-11 with a punctuation-only line inside; 13-14 at the end, no final newline. */
    static const char text[] = "Para one line one\n"
                               "still para one\n"
                               "\n"
                               "  \n"
                               "Para two\r\n"
                               "\r\n"
                               "-- * --\n"
                               "\n"
                               "block three a\n"
                               "***\n"
                               "block three b\n"
                               "\t\n"
                               "last block a\n"
                               "last block b";
    nd_para_opts o;
    nd_para_opts_init(&o);
    o.mode = ND_PARA_BLOCK;
    para_run r;
    analyze(&r, &o, text, sizeof text - 1);
    ck_assert_uint_eq(r.toks.n, 7 + 2 + 6 + 6);
    ck_assert_uint_eq(r.dp.n, 4);
    static const uint32_t fl[] = {1, 5, 9, 13}, ll[] = {2, 5, 11, 14};
    static const uint32_t first[] = {0, 7, 9, 15}, ntok[] = {7, 2, 6, 6};
    static const char *const starts[] = {"Para one", "Para two", "block three a", "last block"};
    for (size_t i = 0; i < 4; i++) {
        const nd_para *p = &r.dp.p[i];
        ck_assert_msg(p->first_line == fl[i] && p->last_line == ll[i],
                      "block %zu: lines %u-%u, expected %u-%u", i, p->first_line, p->last_line,
                      fl[i], ll[i]);
        ck_assert_uint_eq(p->tok_first, first[i]);
        ck_assert_uint_eq(p->ntok, ntok[i]);
        ck_assert_msg(para_starts(&r, i, starts[i]), "block %zu starts elsewhere", i);
        ck_assert_uint_eq(line_of(text, p->start), fl[i]);
        ck_assert_uint_eq(line_of(text, p->end), ll[i]);
    }
    ck_assert(memcmp(text + r.dp.p[2].end - 7, "three b", 7) == 0);
    ck_assert_uint_eq(r.dp.p[3].end, sizeof text - 1);
    ck_assert_uint_eq(r.dp.words, r.toks.n);
    run_clear(&r);

    /* The same text by line: every line with a word is a paragraph. */
    analyze(&r, NULL, text, sizeof text - 1);
    ck_assert_uint_eq(r.dp.n, 7);
    static const uint32_t lines[] = {1, 2, 5, 9, 11, 13, 14};
    for (size_t i = 0; i < 7; i++)
        ck_assert_uint_eq(r.dp.p[i].first_line, lines[i]);
    run_clear(&r);
}
END_TEST

START_TEST(test_split_empty)
{
    static const char *const texts[] = {"", "\n\n\n", "  \r\n\t\n", "--- !!! ...\n?"};
    for (int mode = 0; mode < 2; mode++)
        for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
            nd_para_opts o;
            nd_para_opts_init(&o);
            o.mode = mode ? ND_PARA_BLOCK : ND_PARA_LINE;
            o.want_sentences = 1;
            para_run r;
            analyze(&r, &o, texts[i], strlen(texts[i]));
            ck_assert_uint_eq(r.dp.n, 0);
            ck_assert_uint_eq(r.dp.nblocks, 0);
            ck_assert_uint_eq(r.dp.nshorts, 0);
            ck_assert_uint_eq(r.dp.ns, 0);
            ck_assert_uint_eq(r.dp.words, 0);
            run_clear(&r);
        }
}
END_TEST

/* A long paragraph cut into sentences: after . ! ? or an ellipsis (closing quotes may
 * follow), before white space; a piece shorter than short_words joins the next one, a
 * short tail the one before it. */

/* Line breaks: "\n", "\r\n" and a lone "\r" (old Mac text) each end a line; a file with
 * CR-only line ends is not one paragraph. */
START_TEST(test_split_cr)
{
    static const char *const texts[] = {
        "Line one has words\rLine two has words\r\rLine four has words\r",
        "Line one has words\r\nLine two has words\r\n\r\nLine four has words\r\n",
        "Line one has words\nLine two has words\r\rLine four has words",
    };
    for (size_t i = 0; i < 3; i++) {
        para_run r;
        analyze(&r, NULL, texts[i], strlen(texts[i]));
        ck_assert_msg(r.dp.n == 3, "text %zu: %zu paragraphs", i, r.dp.n);
        static const uint32_t line[] = {1, 2, 4};
        for (size_t k = 0; k < 3; k++) {
            ck_assert_uint_eq(r.dp.p[k].first_line, line[k]);
            ck_assert_uint_eq(r.dp.p[k].ntok, 4);
            const char *p = texts[i] + r.dp.p[k].start;
            size_t n = r.dp.p[k].end - r.dp.p[k].start;
            /* A paragraph's range holds its line, never a lone CR (CRLF's CR may end it). */
            ck_assert(n >= 18 && memcmp(p, "Line ", 5) == 0);
            ck_assert(memchr(p, '\r', n) == NULL ||
                      (p[n - 1] == '\r' && texts[i][r.dp.p[k].end] == '\n'));
        }
        run_clear(&r);
    }
    size_t next;
    ck_assert_uint_eq(nd_line_end("a\rb", 3, 0, &next), 1);
    ck_assert_uint_eq(next, 2);
    ck_assert_uint_eq(nd_line_end("a\r\nb", 4, 0, &next), 2);
    ck_assert_uint_eq(next, 3);
    ck_assert_uint_eq(nd_line_end("ab\r", 3, 0, &next), 2);
    ck_assert_uint_eq(next, 3);
    ck_assert_uint_eq(nd_line_end("ab", 2, 0, &next), 2);
    ck_assert_uint_eq(next, 2);
}
END_TEST

/* ---- hard-wrapped text ------------------------------------------------------------------ */

/* Characters (code points) of s[0..n). */
static size_t nchars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

/* The seed `rel` wrapped greedily at `width` characters (a word longer than the width gets a
 * line of its own), each of its non-empty lines a paragraph; paragraphs separated by a
 * blank line when `blank`; lines ended by `nl`. Malloc'd; *nlines gets its line count. */
static char *wrap_seed(const char *rel, size_t width, int blank, const char *nl, size_t *nlines)
{
    seed_lines s = read_seed(rel);
    tu_sbuf b = {0};
    size_t lines = 0;
    for (size_t i = 1; i <= s.n; i++) {
        const char *p = s.v[i];
        if (ws_words(p) == 0) continue;
        if (b.n && blank) {
            tu_sb_puts(&b, nl);
            lines++;
        }
        size_t col = 0;
        while (*p) {
            while (*p == ' ' || *p == '\t' || *p == '\r')
                p++;
            size_t w = strcspn(p, " \t\r");
            if (w == 0) break;
            size_t wc = nchars(p, w);
            if (col > 0 && col + 1 + wc > width) {
                tu_sb_puts(&b, nl);
                lines++;
                col = 0;
            }
            if (col > 0) tu_sb_add(&b, " ", 1), col++;
            tu_sb_add(&b, p, w);
            col += wc;
            p += w;
        }
        tu_sb_puts(&b, nl);
        lines++;
    }
    free_seed(&s);
    if (nlines) *nlines = lines;
    return b.p;
}

static int wrapped(const char *text)
{
    return nd_paras_hard_wrapped(text, strlen(text));
}

static const char *const all_seeds[] = {SEED0, SEED1, SEED2, SEED4};

/* The seeds as they are (scraped: one paragraph per line) are not hard-wrapped; wrapped at
 * 90 characters with blank lines between paragraphs they are, and at other widths, and
 * with CRLF line ends. Without the blank lines they are not: block mode would make the
 * whole text one paragraph. */
START_TEST(test_wrap_seeds)
{
    for (size_t i = 0; i < 4; i++) {
        size_t len;
        char *text = tu_read_file(tu_src(all_seeds[i]), &len);
        ck_assert_msg(!nd_paras_hard_wrapped(text, len), "%s as it is", all_seeds[i]);
        free(text);
        static const size_t widths[] = {90, 72, 100, 60, 150};
        for (size_t k = 0; k < 5; k++) {
            char *w = wrap_seed(all_seeds[i], widths[k], 1, "\n", NULL);
            ck_assert_msg(wrapped(w), "%s wrapped at %zu", all_seeds[i], widths[k]);
            free(w);
        }
        /* Over 200 characters wide: not taken for a wrap (a scraped text of short lines). */
        char *w = wrap_seed(all_seeds[i], 250, 1, "\n", NULL);
        ck_assert_msg(!wrapped(w), "%s wrapped at 250", all_seeds[i]);
        free(w);
        w = wrap_seed(all_seeds[i], 90, 1, "\r\n", NULL);
        ck_assert_msg(wrapped(w), "%s wrapped at 90 with CRLF", all_seeds[i]);
        free(w);
        w = wrap_seed(all_seeds[i], 90, 0, "\n", NULL);
        ck_assert_msg(!wrapped(w), "%s wrapped without blank lines", all_seeds[i]);
        free(w);
    }
}
END_TEST

/* Texts that break one test of the rule each, next to one that passes them all. */
START_TEST(test_wrap_rule)
{
    /* Passes: four filled lines of prose, no sentence end at a line end. */
    static const char prose[] = "The minister said on Friday that the talks with the union would\n"
                                "go on next week, after a first round that ended without any\n"
                                "agreement on wages, hours or the pension plan that both sides\n"
                                "want to change before the end of the year, and a second one.\n"
                                "\n"
                                "A new paragraph.\n";
    ck_assert(wrapped(prose));
    /* Two inner lines only: too little to decide. */
    ck_assert(!wrapped("The minister said on Friday that the talks with the union would\n"
                       "go on next week, after a first round that ended without any\n"
                       "agreement on wages.\n"));
    /* Narrower than 40 characters. */
    ck_assert(!wrapped("The minister said on Friday\nthat the talks with the\n"
                       "union would go on next\nweek, after a first round\nthat ended.\n"));
    /* An inner line over 200 characters. */
    tu_sbuf b = {0};
    tu_sb_puts(&b, prose);
    tu_sb_puts(&b, "\nThe minister said on Friday that the talks with the union would\n");
    for (int i = 0; i < 20; i++)
        tu_sb_puts(&b, "go on and on ");
    tu_sb_puts(&b, "\nnext week.\n");
    ck_assert(!wrapped(b.p));
    free(b.p);
    /* Every inner line ends a sentence (scraped text without blank lines), though all are
     * filled (60 characters each); and with closing quotes after the stop. */
    static const char sentences[] = "The minister said on Friday that the talks would go on soon.\n"
                                    "A first round ended without any agreement on wages or hours.\n"
                                    "Both sides want to change the pension plan before next year.\n"
                                    "The union said it would call a strike if nothing was agreed.\n"
                                    "The end.\n";
    ck_assert(!wrapped(sentences));
    ck_assert(
        !wrapped("\u201cThe minister said on Friday that talks would go on soon.\u201d\n"
                 "\u201cA first round ended without agreement on wages or hours!\u201d\n"
                 "\u201cBoth sides want to change the pension plan before 2021?\u201d\n"
                 "\u201cThe union said it would call a strike if nothing is agreed\u2026\u201d\n"
                 "The end.\n"));
    /* The same lines with one word less at the end of each: the rule holds. */
    ck_assert(wrapped("The minister said on Friday that the talks would go on soon\n"
                      "A first round ended without any agreement on wages or hours\n"
                      "Both sides want to change the pension plan before next year\n"
                      "The union said it would call a strike if nothing was agreed\n"
                      "The end.\n"));
    /* Not filled: a list whose next item would have fitted on the line before. */
    ck_assert(!wrapped("Apples from the orchards of the northern valley\n"
                       "Pears from the south\n"
                       "Oranges shipped in from the coast by the morning boat\n"
                       "Plums\n"
                       "Grapes from the hills above the old town walls\n"));
    /* A table: columns aligned with runs of blanks. */
    ck_assert(!wrapped("LIVE CATTLE    93983    up   1088  21225 total for the week\n"
                       "FEEDER CATTLE  16232    up     86   2106 total for the week\n"
                       "LIVE HOGS      30364    dn      1   5401 total for the week\n"
                       "PORK BELLIES   11663    dn    191   4362 total for the week\n"
                       "CME TOTAL     152242    up    982  33094\n"));
    /* A table of numbers and dots, without blank runs: too few letters. */
    ck_assert(!wrapped("Net free reserves.............644 vs.....1,337 and\n"
                       "Bank borrowings...............680 vs.......425 and\n"
                       "Including seasonal loans.......81 vs........56 and\n"
                       "Including extended loans......299 vs.......265 and\n"
                       "Excess reserves.............1,025 vs.....1,497\n"));
}
END_TEST

/* nd_line_profile (8 bytes at a time) against a byte-by-byte count, on random lines of every
 * length from 0 to 40 over an alphabet of letters, digits, blanks, tabs, dots and two- to
 * four-byte characters, with runs of blanks across the 8-byte boundaries. */
START_TEST(test_line_profile)
{
    static const char *const atoms[] = {"a",
                                        "Z",
                                        "7",
                                        " ",
                                        " ",
                                        "  ",
                                        "\t",
                                        ".",
                                        "-",
                                        "\xc3\xa9",
                                        "\xe2\x80\x9c",
                                        "\xf0\x9f\x98\x80"};
    uint64_t rng = 0x9e3779b97f4a7c15u;
    char buf[64];
    for (int iter = 0; iter < 20000; iter++) {
        size_t want = (size_t)(rng_next(&rng) % 41), n = 0;
        while (n < want) {
            const char *a = atoms[rng_next(&rng) % (sizeof atoms / sizeof *atoms)];
            size_t al = strlen(a);
            if (n + al > sizeof buf) break;
            memcpy(buf + n, a, al);
            n += al;
        }
        size_t width = 0, visible = 0, letters = 0, run = 0;
        int aligned = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)buf[i];
            int blank = c == ' ' || c == '\t';
            run = c == ' ' ? run + 1 : 0;
            aligned |= c == '\t' || run >= 3;
            if ((c & 0xc0) == 0x80) continue;
            width++;
            visible += !blank;
            letters += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0xc0;
        }
        nd_line_prof p;
        nd_line_profile(buf, n, &p);
        TU_REQUIRE(p.width == width && p.visible == visible && p.letters == letters &&
                       p.aligned == aligned,
                   "'%.*s': width %zu/%zu visible %zu/%zu letters %zu/%zu aligned %d/%d", (int)n,
                   buf, p.width, width, p.visible, visible, p.letters, letters, p.aligned, aligned);
    }
}
END_TEST

/* ND_PARA_AUTO cuts a wrapped seed into the same paragraphs as the seed by line (their
 * words), one per blank-line block, and says so; the seed itself by line. */
START_TEST(test_wrap_split)
{
    nd_para_opts o;
    nd_para_opts_init(&o);
    ck_assert_int_eq(o.mode, ND_PARA_AUTO); /* the default */
    for (size_t i = 0; i < 4; i++) {
        size_t len, wlen;
        char *text = tu_read_file(tu_src(all_seeds[i]), &len);
        char *w = wrap_seed(all_seeds[i], 90, 1, "\n", NULL);
        wlen = strlen(w);
        para_run a, b;
        analyze(&a, &o, text, len);
        analyze(&b, &o, w, wlen);
        ck_assert_int_eq(a.dp.wrapped, 0);
        ck_assert_int_eq(b.dp.wrapped, 1);
        ck_assert_uint_eq(a.dp.n, b.dp.n);
        ck_assert_uint_eq(a.dp.words, b.dp.words);
        for (size_t k = 0; k < a.dp.n; k++) {
            ck_assert_uint_eq(a.dp.p[k].first_line, a.dp.p[k].last_line);
            ck_assert_uint_eq(a.dp.p[k].ntok, b.dp.p[k].ntok);
            ck_assert_uint_eq(a.dp.p[k].key, b.dp.p[k].key);
            ck_assert_uint_eq(line_of(w, b.dp.p[k].start), b.dp.p[k].first_line);
        }
        /* The same blocks and short lines, at the wrapped lines. */
        ck_assert_uint_eq(a.dp.nblocks, b.dp.nblocks);
        ck_assert_uint_eq(a.dp.nshorts, b.dp.nshorts);
        ck_assert_uint_eq(a.dp.repeated_words, b.dp.repeated_words);
        run_clear(&a);
        run_clear(&b);
        /* Forced by line, the wrapped text has a paragraph per line with a word. */
        nd_para_opts lo = o;
        lo.mode = ND_PARA_LINE;
        analyze(&b, &lo, w, wlen);
        ck_assert_int_eq(b.dp.wrapped, 0);
        ck_assert_uint_gt(b.dp.n, a.dp.n);
        run_clear(&b);
        free(text);
        free(w);
    }
}
END_TEST

static Suite *paras_suite(void)
{
    Suite *s = suite_create("paras");
    TCase *tc;

    tc = tcase_create("split");
    tcase_add_test(tc, test_split_lines);
    tcase_add_test(tc, test_split_blocks);
    tcase_add_test(tc, test_split_empty);
    tcase_add_test(tc, test_split_cr);
    suite_add_tcase(s, tc);

    tc = tcase_create("wrapped");
    tcase_add_test(tc, test_wrap_seeds);
    tcase_add_test(tc, test_wrap_rule);
    tcase_add_test(tc, test_line_profile);
    tcase_add_test(tc, test_wrap_split);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(paras_suite());
}
