/*
 * test_sentences.c - unit tests of the sentences of long paragraphs (src/sentences.h): how
 * they are cut, their word ids (checked against the words compared as bytes here, and the
 * word map against token hashes computed here), and the exact test of two word-id sets
 * against a plain count.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "paratest.h"
#include "shingle.h"

START_TEST(test_sentences)
{
    static const char text[] =
        "Ini kalimat pertama yang cukup panjang. \xe2\x80\x9cIni kalimat kedua juga panjang,"
        "\xe2\x80\x9d katanya. Ok ya. Kalimat ketiga di sini ada! Dan yang keempat berakhir "
        "dengan elipsis\xe2\x80\xa6 Lalu ekor.\n"
        "Pendek saja.\n"
        "Angka 3.5 persen tidak memotong kalimat ini sama sekali\n";
    nd_para_opts o;
    nd_para_opts_init(&o);
    o.want_sentences = 1;
    para_run r;
    analyze(&r, &o, text, sizeof text - 1);
    ck_assert_uint_eq(r.dp.n, 3);
    /* Each sentence runs from its first word to the next sentence's first word (so an
     * opening quote of the next one ends this one) or to the end of its paragraph. */
    static const char *const want[] = {
        "Ini kalimat pertama yang cukup panjang. \xe2\x80\x9c",
        "Ini kalimat kedua juga panjang,\xe2\x80\x9d katanya. ",
        "Ok ya. Kalimat ketiga di sini ada! ", /* "Ok ya." is too short alone */
        "Dan yang keempat berakhir dengan elipsis\xe2\x80\xa6 Lalu ekor.", /* short tail */
        "Angka 3.5 persen tidak memotong kalimat ini sama sekali",
    };
    static const uint32_t para[] = {0, 0, 0, 0, 2};
    /* "Pendek saja." has two words: a short line, no sentence. */
    ck_assert_uint_eq(r.dp.ns, 5);
    for (size_t k = 0; k < 5; k++) {
        const nd_sentence *se = &r.dp.s[k];
        ck_assert_uint_eq(se->para, para[k]);
        size_t wl = strlen(want[k]);
        ck_assert_msg(se->end - se->start == wl && memcmp(text + se->start, want[k], wl) == 0,
                      "sentence %zu is '%.*s'", k, (int)(se->end - se->start), text + se->start);
        check_words(&r, &r.dp, k);
    }
    ck_assert_uint_eq(r.dp.s[4].end, r.dp.p[2].end);
    ck_assert_uint_eq(r.dp.s[0].start, 0);
    run_clear(&r);
}
END_TEST

/* In a block of a hard-wrapped text a sentence may end at a line end: the line break (LF
 * or CRLF) is the white space after its stop, as a blank is. */
START_TEST(test_sentences_wrapped)
{
    static const char *const texts[] = {
        "Ini kalimat pertama yang cukup panjang.\nIni kalimat kedua yang juga\npanjang, "
        "katanya. Lalu kalimat ketiga\u201d\n\u201cdan keempat yang berakhir di sini.\n",
        "Ini kalimat pertama yang cukup panjang.\r\nIni kalimat kedua yang juga\r\npanjang, "
        "katanya. Lalu kalimat ketiga\u201d\r\n\u201cdan keempat yang berakhir di sini.\r\n",
    };
    for (size_t i = 0; i < 2; i++) {
        nd_para_opts o;
        nd_para_opts_init(&o);
        o.want_sentences = 1;
        o.mode = ND_PARA_BLOCK;
        para_run r;
        analyze(&r, &o, texts[i], strlen(texts[i]));
        ck_assert_uint_eq(r.dp.n, 1);
        ck_assert_uint_eq(r.dp.ns, 3);
        static const char *const first[] = {"Ini kalimat pertama", "Ini kalimat kedua",
                                            "Lalu kalimat ketiga"};
        for (size_t k = 0; k < 3; k++)
            ck_assert_msg(strncmp(texts[i] + r.dp.s[k].start, first[k], strlen(first[k])) == 0,
                          "text %zu: sentence %zu starts at '%.20s'", i, k,
                          texts[i] + r.dp.s[k].start);
        run_clear(&r);
    }
}
END_TEST

/* ---- matching primitives ------------------------------------------------------------------ */

/* A sorted set of n distinct ids drawn from [0, range). */
static size_t random_set(uint64_t *rng, size_t n, unsigned range, uint32_t *out)
{
    size_t u = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t x = (uint32_t)(rng_next(rng) % range);
        size_t j = 0;
        while (j < u && out[j] < x)
            j++;
        if (j < u && out[j] == x) continue;
        memmove(out + j + 1, out + j, (u - j) * sizeof *out);
        out[j] = x;
        u++;
    }
    return u;
}

/* Shuffles a set small enough to be kept unsorted (see nd_sent_words). */
static void shuffle_small(uint64_t *rng, uint32_t *v, size_t n)
{
    if (n > ND_SENT_FP_SMALL) return;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_next(rng) % i);
        uint32_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* nd_sent_similar (vector path up to ND_SENT_FP_SMALL ids, merge above) against a plain
 * count, on random sets of 0 to 100 ids from small ranges (many common ids), those of up to
 * ND_SENT_FP_SMALL shuffled, ids large and small, and at the exact threshold boundary. */
START_TEST(test_sent_similar)
{
    uint64_t rng = 0x9e3779b97f4a7c15u;
    uint32_t a[128], b[128];
    for (int iter = 0; iter < 20000; iter++) {
        unsigned range = 8 + (unsigned)(rng_next(&rng) % 200);
        size_t na = random_set(&rng, rng_next(&rng) % 101, range, a);
        size_t nb = random_set(&rng, rng_next(&rng) % 101, range, b);
        uint32_t high = iter % 2 ? 0 : 0xfffff000u; /* ids beyond 16 bits too */
        for (size_t i = 0; i < na; i++)
            a[i] += high;
        for (size_t i = 0; i < nb; i++)
            b[i] += high;
        shuffle_small(&rng, a, na);
        shuffle_small(&rng, b, nb);
        size_t inter = 0;
        for (size_t i = 0; i < na; i++)
            for (size_t j = 0; j < nb; j++)
                inter += a[i] == b[j];
        double t = (double)(rng_next(&rng) % 101) / 100.0;
        size_t uni = na + nb - inter;
        int want = uni == 0 || (double)inter >= t * (double)uni * (1.0 - 1e-12);
        ck_assert_msg(nd_sent_similar(a, na, b, nb, t) == want, "na %zu nb %zu inter %zu t %.2f",
                      na, nb, inter, t);
    }
    /* 4 of 5: exactly 0.8 passes, one id fewer in common does not. */
    const uint32_t x[] = {1, 2, 3, 4, 5}, y[] = {1, 2, 3, 4}, z[] = {1, 2, 3, 9};
    ck_assert(nd_sent_similar(x, 5, y, 4, 0.8));
    ck_assert(nd_sent_similar(y, 4, x, 5, 0.8));
    ck_assert(!nd_sent_similar(x, 5, z, 4, 0.8));
    /* Ids that agree on their low 16 bits are different words. */
    const uint32_t p[] = {1, 2, 3, 4, 0x10005}, q[] = {1, 2, 3, 4, 0x20005};
    ck_assert(!nd_sent_similar(p, 5, q, 5, 0.8));
}
END_TEST

/* nd_sent_words on sentences of every length from 1 to ND_SENT_FP_SMALL + 8 words, and one
 * of 3,000 words (no cap: a long sentence keeps all its words), with repeated words within
 * and across blocks of 8: checked by check_words against the words compared as bytes. */
START_TEST(test_sent_words)
{
    tu_sbuf text = {0};
    nd_para_opts o;
    nd_para_opts_init(&o);
    o.want_sentences = 1;
    o.short_words = 1;
    static const unsigned lens[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 33, 63, 64, 65, 66, 72, 3000};
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
        /* One paragraph, one sentence: words w0..., some repeated. */
        text.n = 0;
        for (unsigned i = 0; i < lens[li]; i++) {
            char w[32];
            unsigned x = i % 7 == 5 ? i / 2 : i; /* a repeat now and then */
            if (i == 15) x = 0;
            if (i == 40) x = 17;
            snprintf(w, sizeof w, "%sw%u", i ? " " : "", x);
            tu_sb_puts(&text, w);
        }
        tu_sb_puts(&text, ".\n");
        para_run r;
        analyze(&r, &o, text.p, text.n);
        ck_assert_uint_eq(r.dp.ns, 1);
        check_words(&r, &r.dp, 0);
        if (lens[li] == 3000) ck_assert_uint_gt(r.dp.s[0].w_n, 2000);
        run_clear(&r);
    }
    free(text.p);
}
END_TEST

/* Without a dictionary (an index add, which stores no sentence words) the sentences are cut
 * the same, with the same keys and band keys, and get no words. */
START_TEST(test_sentences_no_words)
{
    static const char text[] =
        "Ini kalimat pertama yang cukup panjang. Ini kalimat kedua juga panjang, katanya. "
        "Kalimat ketiga di sini ada!\nPendek saja.\nAngka 3.5 persen tidak memotong kalimat ini "
        "sama sekali\n";
    nd_para_opts o;
    nd_para_opts_init(&o);
    o.want_sentences = 1;
    para_run r;
    analyze(&r, &o, text, sizeof text - 1);
    ck_assert_uint_eq(r.dp.ns, 4);
    nd_doc_paras bare;
    memset(&bare, 0, sizeof bare);
    ck_assert_int_eq(nd_paras_split(&o, r.text, r.len, &r.toks, r.th.v, &bare), ND_OK);
    ck_assert_int_eq(nd_sentences_cut(&o, r.mh, NULL, r.text, &r.toks, r.th.v, &bare), ND_OK);
    ck_assert_uint_eq(bare.ns, r.dp.ns);
    ck_assert_uint_eq(bare.nwids, 0);
    for (size_t k = 0; k < bare.ns; k++) {
        const nd_sentence *a = &r.dp.s[k], *b = &bare.s[k];
        ck_assert_uint_gt(a->w_n, 0);
        ck_assert_uint_eq(b->w_n, 0);
        ck_assert(b->bm[0] == 0 && b->bm[1] == 0);
        ck_assert_uint_eq(a->para, b->para);
        ck_assert_uint_eq(a->start, b->start);
        ck_assert_uint_eq(a->end, b->end);
        ck_assert(a->key == b->key);
        ck_assert_mem_eq(a->band, b->band, sizeof a->band);
    }
    nd_doc_paras_clear(&bare);
    run_clear(&r);
}
END_TEST

/* Prefix filtering must not miss a near-identical pair however common its bigrams are:
 * articles of paragraphs drawn from a six-word vocabulary (every bigram occurs everywhere),
 * ending with a copy of an earlier paragraph with one word changed, are checked against the
 * exact bigram Jaccard computed here. */

static Suite *sentences_suite(void)
{
    Suite *s = suite_create("sentences");
    TCase *tc;

    tc = tcase_create("core");
    tcase_add_test(tc, test_sentences);
    tcase_add_test(tc, test_sentences_wrapped);
    tcase_add_test(tc, test_sent_similar);
    tcase_add_test(tc, test_sent_words);
    tcase_add_test(tc, test_sentences_no_words);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(sentences_suite());
}
