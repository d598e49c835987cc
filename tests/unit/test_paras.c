/*
 * test_paras.c - unit tests of splitting an article into paragraphs (src/paras.h): line and
 * blank-line block modes, CRLF, lines without words, token ranges.
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
    return s;
}

int main(void)
{
    return tu_run_suite(paras_suite());
}
