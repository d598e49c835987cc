/*
 * test_metrics.c - unit tests of the Gopher repetition measures (src/metrics.h), against
 * values worked out by hand in the comments: duplicate lines and paragraphs (CRLF, leading and
 * trailing newlines, Unicode white space stripped), the most frequent 2-, 3- and 4-grams (a
 * tie goes to the earliest), datatrove's walk over duplicate 5- to 10-grams, a text of fewer
 * words than n; the flags against the published limits and changed ones; every token hash
 * equal (hashes never decide); the scratch reused after a longer text; a failing allocator.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "metrics.h"
#include "neardup/scan.h"
#include "paratest.h"

/* The measures of text with the published limits (flags on). */
static nd_doc_metrics measure_with(nd_metrics_scratch *s, const char *text,
                                   const uint64_t *th_or_null)
{
    para_run r;
    prepare(&r, text, strlen(text));
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.gopher.enabled = 1;
    nd_doc_metrics m;
    ck_assert_int_eq(nd_metrics_compute(s, text, strlen(text), &r.toks,
                                        th_or_null ? th_or_null : r.th.v, &o.gopher, &m),
                     ND_OK);
    run_clear(&r);
    return m;
}

static nd_doc_metrics measure(const char *text)
{
    nd_metrics_scratch *s = NULL;
    ck_assert_int_eq(nd_metrics_scratch_create(&s), ND_OK);
    nd_doc_metrics m = measure_with(s, text, NULL);
    nd_metrics_scratch_free(s);
    return m;
}

#define V(m, i) ((m).value[ND_GOPHER_##i])

/* "a b a b\na b a b\n\nx y\n": 21 characters.
 * Lines (split at runs of newlines): "a b a b", "a b a b", "x y", "" -> 4, one duplicate of 7
 * characters: 1/4 and 7/21. Paragraphs (stripped, split at two or more newlines): "a b a b\na
 * b a b", "x y" -> 2, none twice.
 * Words a b a b a b a b x y. 2-grams: (a b) x4 -> "a b" 3 chars x 4 = 12/21. 3-grams: (a b a)
 * x3 and (b a b) x3, a tie: the earliest, "a b a", 5 x 3 = 15/21. 4-grams: (a b a b) x3 at 0,
 * 2, 4 -> 7 x 3 = 21/21.
 * 5-grams, the walk: 0 ababa new, 1 babab new, 2 ababa again: +5 chars, jump to 7 > 5: 5/21.
 * 6-grams: 0 new, 1 new, 2 ababab again: +6, jump to 8 > 4: 6/21. 7-grams: 0..3 all new: 0. */
START_TEST(test_by_hand)
{
    nd_doc_metrics m = measure("a b a b\na b a b\n\nx y\n");
    ck_assert_uint_eq(m.chars, 21);
    ck_assert_uint_eq(m.lines, 4);
    ck_assert_uint_eq(m.paragraphs, 2);
    ck_assert(V(m, DUP_LINE_FRAC) == 1.0 / 4);
    ck_assert(V(m, DUP_LINE_CHAR_FRAC) == 7.0 / 21);
    ck_assert(V(m, DUP_PARA_FRAC) == 0.0);
    ck_assert(V(m, DUP_PARA_CHAR_FRAC) == 0.0);
    ck_assert(V(m, TOP_2_GRAM) == 12.0 / 21);
    ck_assert(V(m, TOP_3_GRAM) == 15.0 / 21);
    ck_assert(V(m, TOP_4_GRAM) == 1.0);
    ck_assert(V(m, DUP_5_GRAMS) == 5.0 / 21);
    ck_assert(V(m, DUP_6_GRAMS) == 6.0 / 21);
    for (int i = ND_GOPHER_DUP_7_GRAMS; i <= ND_GOPHER_DUP_10_GRAMS; i++)
        ck_assert(m.value[i] == 0.0);
    /* Over the published limits: line characters 0.33 > 0.20, the three top n-grams, the
     * 5- and 6-grams; not the duplicate line fraction 0.25 <= 0.30. */
    uint32_t want = 1u << ND_GOPHER_DUP_LINE_CHAR_FRAC | 1u << ND_GOPHER_TOP_2_GRAM |
                    1u << ND_GOPHER_TOP_3_GRAM | 1u << ND_GOPHER_TOP_4_GRAM |
                    1u << ND_GOPHER_DUP_5_GRAMS | 1u << ND_GOPHER_DUP_6_GRAMS;
    ck_assert_uint_eq(m.over, want);
}
END_TEST

/* Splitting and stripping as Python does. */
START_TEST(test_lines_and_paragraphs)
{
    /* CRLF: lines "x y\r", "x y\r", "" -> one duplicate of 4 characters (the CR counts), of
     * 10. One paragraph (no blank line: "\r\n\r\n" is not two newlines in a row). */
    nd_doc_metrics m = measure("x y\r\nx y\r\n");
    ck_assert_uint_eq(m.chars, 10);
    ck_assert_uint_eq(m.lines, 3);
    ck_assert(V(m, DUP_LINE_FRAC) == 1.0 / 3 && V(m, DUP_LINE_CHAR_FRAC) == 4.0 / 10);
    ck_assert_uint_eq(m.paragraphs, 1);
    /* Leading and trailing newlines make empty lines, and two empty lines are a duplicate of
     * no characters: "", "a", "a", "" -> 2 of 4, 1 character of 6. */
    m = measure("\na\n\na\n");
    ck_assert_uint_eq(m.chars, 6);
    ck_assert_uint_eq(m.lines, 4);
    ck_assert(V(m, DUP_LINE_FRAC) == 0.5 && V(m, DUP_LINE_CHAR_FRAC) == 1.0 / 6);
    /* Paragraphs: stripped first ("a\n\na"), so "a", "a": 1 of 2, 1 character of 6. */
    ck_assert_uint_eq(m.paragraphs, 2);
    ck_assert(V(m, DUP_PARA_FRAC) == 0.5 && V(m, DUP_PARA_CHAR_FRAC) == 1.0 / 6);
    /* Unicode white space at both ends (U+3000, NBSP) is stripped for paragraphs: "a b",
     * "a b" -> 3 characters of 10 (each of U+3000 and NBSP is one). Three newlines split as
     * two do. As lines, U+3000 a b / a b NBSP differ. */
    m = measure("\xe3\x80\x80"
                "a b\n\n\na b\xc2\xa0");
    ck_assert_uint_eq(m.chars, 11);
    ck_assert_uint_eq(m.paragraphs, 2);
    ck_assert(V(m, DUP_PARA_FRAC) == 0.5 && V(m, DUP_PARA_CHAR_FRAC) == 3.0 / 11);
    ck_assert_uint_eq(m.lines, 2);
    ck_assert(V(m, DUP_LINE_FRAC) == 0.0);
    /* A byte-for-byte comparison: case and punctuation count for lines. */
    m = measure("Ya, Tuan.\nya tuan\n");
    ck_assert(V(m, DUP_LINE_FRAC) == 0.0);
}
END_TEST

/* n-grams of normalised words with their characters; texts shorter than n words. */
START_TEST(test_words)
{
    /* One word: no 2-, 3- or 4-gram (-1), no duplicate n-gram (0). */
    nd_doc_metrics m = measure("Hello");
    ck_assert(V(m, TOP_2_GRAM) == -1.0 && V(m, TOP_3_GRAM) == -1.0 && V(m, TOP_4_GRAM) == -1.0);
    ck_assert(V(m, DUP_5_GRAMS) == 0.0 && V(m, DUP_10_GRAMS) == 0.0);
    ck_assert_uint_eq(m.over, 0);
    /* Three words: a 2-gram and a 3-gram, each once (the first), no 4-gram. "Éa, bé: c!" is
     * 10 characters; words "éa" "bé" "c": "éa bé" 5 x 1, "éa bé c" 7 x 1. */
    m = measure("\xc3\x89"
                "a, b\xc3\xa9: c!");
    ck_assert_uint_eq(m.chars, 10);
    ck_assert(V(m, TOP_2_GRAM) == 5.0 / 10 && V(m, TOP_3_GRAM) == 7.0 / 10);
    ck_assert(V(m, TOP_4_GRAM) == -1.0);
    /* Words are case folded and NFKC-normalised: "Dua DUA dua" is one word thrice, and "ﬁ"
     * (U+FB01, one character) is "fi": (dua dua) twice -> "dua dua" 7 x 2 = 14 of 13
     * characters (overlapping occurrences count twice, as in datatrove: above 1). */
    m = measure("Dua DUA dua \xef\xac\x81");
    ck_assert_uint_eq(m.chars, 13);
    ck_assert(V(m, TOP_2_GRAM) == 14.0 / 13);
    /* A tie of 2-grams of different lengths: (a bb) twice from word 0, (c d) twice from word
     * 4: the earliest, "a bb", 4 characters x 2 of 17. */
    m = measure("a bb a bb c d c d");
    ck_assert_uint_eq(m.chars, 17);
    ck_assert(V(m, TOP_2_GRAM) == 8.0 / 17);
    /* Every 2-gram once (no repeat at all): the first 2-gram "satu dua", 8 of 68 characters,
     * the first 4-gram "satu dua tiga empat", 19; no duplicate n-gram. */
    m = measure("satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas");
    ck_assert_uint_eq(m.chars, 68);
    ck_assert(V(m, TOP_2_GRAM) == 8.0 / 68 && V(m, TOP_4_GRAM) == 19.0 / 68);
    ck_assert(V(m, DUP_5_GRAMS) == 0.0);
}
END_TEST

/* Limits changed and turned off. */
START_TEST(test_limits)
{
    static const char text[] = "a b a b\na b a b\n\nx y\n";
    para_run r;
    prepare(&r, text, sizeof text - 1);
    nd_metrics_scratch *s = NULL;
    ck_assert_int_eq(nd_metrics_scratch_create(&s), ND_OK);
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    nd_doc_metrics m;
    /* Off: no flag. */
    ck_assert_int_eq(nd_metrics_compute(s, text, sizeof text - 1, &r.toks, r.th.v, &o.gopher, &m),
                     ND_OK);
    ck_assert_uint_eq(m.over, 0);
    /* A limit equal to the value is not exceeded (0.25); one below it is; one off is not
     * checked. */
    o.gopher.enabled = 1;
    for (int i = 0; i < ND_GOPHER_N; i++)
        o.gopher.limit[i] = -1;
    o.gopher.limit[ND_GOPHER_DUP_LINE_FRAC] = 0.25;
    o.gopher.limit[ND_GOPHER_TOP_4_GRAM] = 0.999;
    ck_assert_int_eq(nd_metrics_compute(s, text, sizeof text - 1, &r.toks, r.th.v, &o.gopher, &m),
                     ND_OK);
    ck_assert_uint_eq(m.over, 1u << ND_GOPHER_TOP_4_GRAM);
    o.gopher.limit[ND_GOPHER_DUP_LINE_FRAC] = 0.2499;
    ck_assert_int_eq(nd_metrics_compute(s, text, sizeof text - 1, &r.toks, r.th.v, &o.gopher, &m),
                     ND_OK);
    ck_assert_uint_eq(m.over, 1u << ND_GOPHER_TOP_4_GRAM | 1u << ND_GOPHER_DUP_LINE_FRAC);
    nd_metrics_scratch_free(s);
    run_clear(&r);
    /* The names, in order. */
    ck_assert_str_eq(nd_gopher_name(ND_GOPHER_DUP_PARA_CHAR_FRAC), "dup_para_char_frac");
    ck_assert_str_eq(nd_gopher_name(ND_GOPHER_TOP_3_GRAM), "top_3_gram");
    ck_assert_str_eq(nd_gopher_name(ND_GOPHER_DUP_10_GRAMS), "duplicated_10_n_grams");
    ck_assert_ptr_null(nd_gopher_name(ND_GOPHER_N));
}
END_TEST

/* All token hashes equal, and a scratch grown by a longer text first: the same values as a
 * fresh computation, on the seeds and on the hand-made text. */
START_TEST(test_hashes_and_reuse)
{
    static const char *const seeds[] = {SEED0, SEED1, SEED2, SEED4};
    nd_metrics_scratch *s = NULL;
    ck_assert_int_eq(nd_metrics_scratch_create(&s), ND_OK);
    for (size_t k = 0; k < 5; k++) {
        size_t len = 0;
        char *text =
            k < 4 ? tu_read_file(tu_src(seeds[k]), &len) : strdup("a b a b\na b a b\n\nx y\n");
        nd_doc_metrics fresh = measure(text), reused = measure_with(s, text, NULL);
        uint64_t *same = calloc(100000, sizeof *same);
        nd_doc_metrics collide = measure_with(s, text, same);
        for (int i = 0; i < ND_GOPHER_N; i++) {
            ck_assert_msg(fresh.value[i] == reused.value[i], "%zu: %s reused", k,
                          nd_gopher_name(i));
            ck_assert_msg(fresh.value[i] == collide.value[i], "%zu: %s with equal hashes", k,
                          nd_gopher_name(i));
        }
        ck_assert_uint_eq(fresh.over, collide.over);
        free(same);
        free(text);
    }
    nd_metrics_scratch_free(s);
}
END_TEST

START_TEST(test_oom)
{
    size_t len;
    char *text = tu_read_file(tu_src(SEED1), &len);
    para_run r;
    prepare(&r, text, len);
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    nd_doc_metrics ref, m;
    nd_metrics_scratch *s = NULL;
    ck_assert_int_eq(nd_metrics_scratch_create(&s), ND_OK);
    ck_assert_int_eq(nd_metrics_compute(s, text, len, &r.toks, r.th.v, &o.gopher, &ref), ND_OK);
    nd_metrics_scratch_free(s);
    s = NULL;
    long n;
    for (n = 0; n < 1000; n++) {
        nd_alloc_fail_after(n);
        nd_status st = nd_metrics_scratch_create(&s);
        if (st == ND_OK) st = nd_metrics_compute(s, text, len, &r.toks, r.th.v, &o.gopher, &m);
        nd_alloc_fail_after(-1);
        nd_metrics_scratch_free(s);
        s = NULL;
        if (st == ND_OK) break;
        ck_assert_int_eq(st, ND_ENOMEM);
    }
    ck_assert_int_ge(n, 3);
    ck_assert_int_lt(n, 1000);
    ck_assert(memcmp(m.value, ref.value, sizeof m.value) == 0);
    run_clear(&r);
    free(text);
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_by_hand);
    tcase_add_test(tc, test_lines_and_paragraphs);
    tcase_add_test(tc, test_words);
    tcase_add_test(tc, test_limits);
    suite_add_tcase(s, tc);
    tc = tcase_create("limits");
    tcase_add_test(tc, test_hashes_and_reuse);
    tcase_add_test(tc, test_oom);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(metrics_suite());
}
