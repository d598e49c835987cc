/*
 * test_paragraphs.c - unit tests of the paragraph pass (include/neardup/paragraphs.h):
 * repeated paragraphs inside one article (nd_paragraphs_analyze) and paragraphs shared
 * across articles (through nd_scan, the only public way to run the cross-article pass).
 *
 * Texts go through the same public steps as in a scan: nd_normalize, nd_shingle_hashes
 * (whose scratch argument receives the token hashes the paragraph pass needs) and
 * nd_paragraphs_analyze with a MinHash of ND_PARA_PERMS permutations seeded with
 * ND_PARA_SEED. Expectations are computed independently where they can be: word counts of a
 * line range come from the tokens' byte offsets, not from the paragraph records.
 *
 * Themes: splitting (line and blank-line block modes, CRLF, lines without words, token
 * ranges); the seed articles in data/ with their known repeats (001's doubled block, 002's
 * doubled headlines and "Global" widget line); generated cases (a body doubled with edited
 * words, a block tripled, a single paragraph doubled, short lines repeated, a paragraph
 * repeated far away); shared paragraphs across articles (the quotes 000 and 001 share,
 * boilerplate in six articles, near-duplicate articles left out, sentences that differ in
 * their short tails); limits (a paragraph repeated more than 64 times inside a doubled
 * page); a failing allocator.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neardup/alloc.h"
#include "neardup/minhash.h"
#include "neardup/normalize.h"
#include "neardup/paragraphs.h"
#include "neardup/scan.h"
#include "neardup/shingle.h"
#include "testutil.h"

#define SEED0 "data/000_beebcc9d70568a44.txt"
#define SEED1 "data/001_038cac575548727a.txt"
#define SEED2 "data/002_a894bd07f7f79a4f.txt"
#define SEED4 "data/004_7112fbb0957666e0.txt"

/* ---- helpers -------------------------------------------------------------------------- */

/* s and a newline. */
static void sb_line(tu_sbuf *b, const char *s)
{
    tu_sb_puts(b, s);
    tu_sb_add(b, "\n", 1);
}

/* The lines of a seed article (1-based: v[1] is line 1), without their newlines. */
typedef struct seed_lines {
    char *buf;
    char **v;
    size_t n; /* lines; v[1..n] */
} seed_lines;

static seed_lines read_seed(const char *rel)
{
    seed_lines s;
    size_t len;
    s.buf = tu_read_file(tu_src(rel), &len);
    s.v = calloc(len + 2, sizeof *s.v);
    ck_assert_ptr_nonnull(s.v);
    s.n = 0;
    char *p = s.buf;
    while (p < s.buf + len) {
        char *nl = memchr(p, '\n', (size_t)(s.buf + len - p));
        s.v[++s.n] = p;
        if (!nl) break;
        *nl = '\0';
        p = nl + 1;
    }
    return s;
}

static void free_seed(seed_lines *s)
{
    free(s->buf);
    free(s->v);
}

/* Counts the whitespace-separated words of s. */
static size_t ws_words(const char *s)
{
    size_t n = 0;
    int in = 0;
    for (; *s; s++) {
        int sp = *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n';
        n += !sp && !in;
        in = !sp;
    }
    return n;
}

/* s with its whitespace-separated word number `idx` (0-based) replaced by `repl`. */
static char *replace_word(const char *s, size_t idx, const char *repl)
{
    tu_sbuf b = {0};
    size_t w = 0, i = 0, len = strlen(s);
    int done = 0;
    while (i < len) {
        if (s[i] == ' ') {
            tu_sb_add(&b, s + i, 1);
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && s[j] != ' ')
            j++;
        if (w == idx) {
            tu_sb_puts(&b, repl);
            done = 1;
        } else {
            tu_sb_add(&b, s + i, j - i);
        }
        w++;
        i = j;
    }
    ck_assert_msg(done, "the line has no word %zu", idx);
    return b.p;
}

/* One text analysed: its tokens, token hashes and paragraph findings. */
typedef struct para_run {
    const char *text;
    size_t len;
    nd_tokens toks;
    nd_u64s th; /* token hashes (nd_shingle_hashes' scratch) */
    nd_u64s sh;
    nd_minhash *mh;
    nd_doc_paras dp;
} para_run;

/* Tokenises text and hashes its tokens, as a scan does; dp stays empty. */
static void prepare(para_run *r, const char *text, size_t len)
{
    memset(r, 0, sizeof *r);
    r->text = text;
    r->len = len;
    nd_normalizer *nz = NULL;
    ck_assert_int_eq(nd_normalizer_create(&nz), ND_OK);
    nd_tokens_init(&r->toks);
    ck_assert_int_eq(nd_normalize(nz, text, len, &r->toks, NULL), ND_OK);
    nd_normalizer_free(nz);
    if (r->toks.n > 0) {
        ck_assert_int_eq(nd_shingle_hashes(&r->toks, 0, r->toks.n, 5, &r->th, &r->sh), ND_OK);
        /* (It fills the buffer, not its count.) */
        ck_assert_uint_ge(r->th.cap, r->toks.n);
        const nd_token *t = &r->toks.v[r->toks.n - 1];
        ck_assert_uint_eq(r->th.v[r->toks.n - 1], nd_token_hash(r->toks.text + t->off, t->len));
    }
    ck_assert_int_eq(nd_minhash_create(ND_PARA_PERMS, ND_PARA_SEED, &r->mh), ND_OK);
}

static nd_status run_analyze(para_run *r, const nd_para_opts *o, nd_doc_paras *dp)
{
    return nd_paragraphs_analyze(o, r->mh, r->text, r->len, &r->toks, r->th.v, dp);
}

/* prepare + nd_paragraphs_analyze with options o (NULL: the defaults). */
static void analyze(para_run *r, const nd_para_opts *o, const char *text, size_t len)
{
    nd_para_opts def;
    if (!o) {
        nd_para_opts_init(&def);
        o = &def;
    }
    prepare(r, text, len);
    ck_assert_int_eq(run_analyze(r, o, &r->dp), ND_OK);
}

static void run_clear(para_run *r)
{
    nd_doc_paras_clear(&r->dp);
    nd_tokens_clear(&r->toks);
    nd_u64s_clear(&r->th);
    nd_u64s_clear(&r->sh);
    nd_minhash_free(r->mh);
    memset(r, 0, sizeof *r);
}

/* 1-based line of byte `off` of text. */
static uint32_t line_of(const char *text, size_t off)
{
    uint32_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += text[i] == '\n';
    return line;
}

/* Words (tokens) of lines first..last, from the tokens' byte offsets. */
static uint32_t words_in_lines(const para_run *r, uint32_t first, uint32_t last)
{
    uint32_t n = 0;
    for (size_t i = 0; i < r->toks.n; i++) {
        uint32_t l = line_of(r->text, r->toks.v[i].src);
        n += l >= first && l <= last;
    }
    return n;
}

/* Does paragraph i's text begin with `prefix`? */
static int para_starts(const para_run *r, size_t i, const char *prefix)
{
    const nd_para *p = &r->dp.p[i];
    size_t n = strlen(prefix);
    return p->end - p->start >= n && memcmp(r->text + p->start, prefix, n) == 0;
}

/* Asserts block k of the run: lines af..al repeat as bf..bl, np paragraphs. */
static void expect_block(const para_run *r, size_t k, uint32_t af, uint32_t al, uint32_t bf,
                         uint32_t bl, uint32_t np, int identical)
{
    ck_assert_uint_gt(r->dp.nblocks, k);
    const nd_block_repeat *b = &r->dp.blocks[k];
    ck_assert_msg(b->a_first == af && b->a_last == al && b->b_first == bf && b->b_last == bl,
                  "block %zu: lines %u-%u as %u-%u, expected %u-%u as %u-%u", k, b->a_first,
                  b->a_last, b->b_first, b->b_last, af, al, bf, bl);
    ck_assert_uint_eq(b->nparas, np);
    ck_assert_int_eq(b->identical, identical);
    ck_assert_uint_eq(b->words, words_in_lines(r, bf, bl));
}

/* A sorted, unique copy of v[0..n) (malloc'd; its size in *out_n). */
static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Asserts that two lists of block repeats are the same, field by field (not memcmp: the
 * struct has padding). */
static void same_blocks(const nd_block_repeat *x, const nd_block_repeat *y, size_t n)
{
    for (size_t k = 0; k < n; k++)
        ck_assert_msg(x[k].a_first == y[k].a_first && x[k].a_last == y[k].a_last &&
                          x[k].b_first == y[k].b_first && x[k].b_last == y[k].b_last &&
                          x[k].nparas == y[k].nparas && x[k].words == y[k].words &&
                          x[k].identical == y[k].identical,
                      "block %zu differs", k);
}

/* Sorts v[0..n) and drops repeats; returns the new length. */
static size_t sort_unique(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, u64_cmp);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || v[i] != v[w - 1]) v[w++] = v[i];
    return w;
}

/* Asserts that sentence k's fingerprints are the top 16 bits of its words' hashes, without
 * repeats, sorted when the sentence has more than ND_SENT_FP_SMALL words. */
static void check_fingerprints(const para_run *r, const nd_doc_paras *dp, size_t k)
{
    const nd_sentence *se = &dp->s[k];
    size_t a = 0, b;
    while (a < r->toks.n && r->toks.v[a].src < se->start)
        a++;
    for (b = a; b < r->toks.n && r->toks.v[b].src < se->end; b++)
        ;
    ck_assert_uint_ge(b - a, 1);
    size_t n = b - a, w;
    uint64_t *fp = malloc(n * sizeof *fp);
    ck_assert_ptr_nonnull(fp);
    for (size_t i = 0; i < n; i++) {
        const nd_token *t = &r->toks.v[a + i];
        fp[i] = nd_token_hash(r->toks.text + t->off, t->len) >> 48;
    }
    w = sort_unique(fp, n);
    ck_assert_uint_eq(se->fp_n, w);
    ck_assert_uint_le(se->fp_off + se->fp_n, dp->nfps);
    uint64_t *got = malloc(w * sizeof *got);
    ck_assert_ptr_nonnull(got);
    for (size_t i = 0; i < w; i++) {
        got[i] = dp->fps[se->fp_off + i];
        if (n > ND_SENT_FP_SMALL && i > 0) ck_assert_uint_lt(got[i - 1], got[i]);
    }
    ck_assert_uint_eq(sort_unique(got, w), w);
    for (size_t i = 0; i < w; i++)
        ck_assert_uint_eq(got[i], fp[i]);
    free(got);
    free(fp);
}

static void same_shorts(const nd_short_repeat *x, const nd_short_repeat *y, size_t n)
{
    for (size_t k = 0; k < n; k++)
        ck_assert_msg(x[k].first_line == y[k].first_line && x[k].count == y[k].count &&
                          x[k].para == y[k].para,
                      "short repeat %zu differs", k);
}

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
        check_fingerprints(&r, &r.dp, k);
    }
    ck_assert_uint_eq(r.dp.s[4].end, r.dp.p[2].end);
    ck_assert_uint_eq(r.dp.s[0].start, 0);
    run_clear(&r);
}
END_TEST

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
    /* The same sentences, with the same keys, band keys and fingerprints. */
    ck_assert_uint_eq(dp.ns, fresh.dp.ns);
    for (size_t i = 0; i < dp.ns; i++) {
        ck_assert_uint_eq(dp.s[i].para, fresh.dp.s[i].para);
        ck_assert_uint_eq(dp.s[i].start, fresh.dp.s[i].start);
        ck_assert_uint_eq(dp.s[i].end, fresh.dp.s[i].end);
        ck_assert_uint_eq(dp.s[i].key, fresh.dp.s[i].key);
        ck_assert_mem_eq(dp.s[i].band, fresh.dp.s[i].band, sizeof dp.s[i].band);
        ck_assert_uint_eq(dp.s[i].fp_n, fresh.dp.s[i].fp_n);
        ck_assert_mem_eq(dp.fps + dp.s[i].fp_off, fresh.dp.fps + fresh.dp.s[i].fp_off,
                         dp.s[i].fp_n * sizeof *dp.fps);
        check_fingerprints(&b, &dp, i);
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

/* A short tail joins the sentence before it (paragraphs.h), so two sentences that differ
 * only in their tails are not identical: with the tails (two bigrams each) their bigram
 * Jaccard is 19/23 = 0.83, so the paragraph is shared, near-identical. */
#define TAIL_SENTENCE                                                                              \
    "Presiden itu membacakan pernyataan panjang di depan para wartawan istana pada hari "          \
    "Jumat pagi setelah rapat kabinet yang berlangsung tertutup."

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

/* ---- suite ------------------------------------------------------------------------------ */

/* ---- matching primitives ------------------------------------------------------------------ */

static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* A sorted set of n distinct 16-bit values drawn from [0, range). */
static size_t random_fp_set(uint64_t *rng, size_t n, unsigned range, uint16_t *out)
{
    size_t u = 0;
    for (size_t k = 0; k < n; k++) {
        uint16_t x = (uint16_t)(rng_next(rng) % range);
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

/* Shuffles a set small enough to be kept unsorted (see nd_sent_fingerprints). */
static void shuffle_small(uint64_t *rng, uint16_t *v, size_t n)
{
    if (n > ND_SENT_FP_SMALL) return;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_next(rng) % i);
        uint16_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* nd_sent_similar (vector path up to ND_SENT_FP_SMALL values, merge above) against a plain
 * count, on random sets of 0 to 100 values from small ranges (many common values), those
 * of up to ND_SENT_FP_SMALL shuffled, and at the exact threshold boundary. */
START_TEST(test_sent_similar)
{
    uint64_t rng = 0x9e3779b97f4a7c15u;
    uint16_t a[128], b[128];
    for (int iter = 0; iter < 20000; iter++) {
        unsigned range = 8 + (unsigned)(rng_next(&rng) % 200);
        size_t na = random_fp_set(&rng, rng_next(&rng) % 101, range, a);
        size_t nb = random_fp_set(&rng, rng_next(&rng) % 101, range, b);
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
    /* 4 of 5: exactly 0.8 passes, one value fewer in common does not. */
    const uint16_t x[] = {1, 2, 3, 4, 5}, y[] = {1, 2, 3, 4}, z[] = {1, 2, 3, 9};
    ck_assert(nd_sent_similar(x, 5, y, 4, 0.8));
    ck_assert(nd_sent_similar(y, 4, x, 5, 0.8));
    ck_assert(!nd_sent_similar(x, 5, z, 4, 0.8));
}
END_TEST

/* nd_sent_fingerprints: top 16 bits without repeats, in first-occurrence order up to
 * ND_SENT_FP_SMALL hashes, sorted beyond, capped at ND_SENT_FP_MAX. */
START_TEST(test_sent_fingerprints)
{
    uint64_t v[ND_SENT_FP_MAX + 100];
    uint16_t out[ND_SENT_FP_MAX];
    uint64_t rng = 12345;
    for (size_t i = 0; i < ND_SENT_FP_MAX + 100; i++)
        v[i] = rng_next(&rng);
    v[5] = v[2]; /* repeated words, within and across blocks of 16 */
    v[15] = v[0];
    v[16] = v[3];
    v[40] = v[17];
    v[63] = v[33];
    for (size_t len = 1; len <= ND_SENT_FP_SMALL + 8; len++) {
        uint64_t bm[2] = {7, 7}, want_bm[2] = {0, 0};
        size_t n = nd_sent_fingerprints(v, len, out, bm), want = 0;
        for (size_t i = 0; i < len; i++) {
            int seen = 0;
            for (size_t j = 0; j < i; j++)
                seen |= (v[j] >> 48) == (v[i] >> 48);
            if (seen) continue;
            if (len <= ND_SENT_FP_SMALL) ck_assert_uint_eq(out[want], (uint16_t)(v[i] >> 48));
            want++;
        }
        ck_assert_uint_eq(n, want);
        for (size_t i = 1; len > ND_SENT_FP_SMALL && i < n; i++)
            ck_assert_uint_lt(out[i - 1], out[i]);
        for (size_t i = 0; i < len; i++) {
            int found = 0;
            for (size_t j = 0; j < n; j++)
                found |= out[j] == (uint16_t)(v[i] >> 48);
            ck_assert(found);
            want_bm[(v[i] >> 54) & 1] |= UINT64_C(1) << ((v[i] >> 48) & 63);
        }
        ck_assert_uint_eq(bm[0], want_bm[0]); /* the map of exactly these fingerprints */
        ck_assert_uint_eq(bm[1], want_bm[1]);
    }
    uint64_t bm[2];
    size_t n = nd_sent_fingerprints(v, ND_SENT_FP_MAX + 100, out, bm);
    ck_assert_uint_le(n, ND_SENT_FP_MAX);
    ck_assert_uint_gt(n, ND_SENT_FP_MAX / 2);
}
END_TEST

/* Prefix filtering must not miss a near-identical pair however common its bigrams are:
 * articles of paragraphs drawn from a six-word vocabulary (every bigram occurs everywhere),
 * ending with a copy of an earlier paragraph with one word changed, are checked against the
 * exact bigram Jaccard computed here. */
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

static Suite *paragraphs_suite(void)
{
    Suite *s = suite_create("paragraphs");
    TCase *tc = tcase_create("split");
    tcase_add_test(tc, test_split_lines);
    tcase_add_test(tc, test_split_blocks);
    tcase_add_test(tc, test_split_empty);
    tcase_add_test(tc, test_sentences);
    tcase_add_test(tc, test_sent_similar);
    tcase_add_test(tc, test_sent_fingerprints);
    suite_add_tcase(s, tc);

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

    tc = tcase_create("shared");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_shared_seeds);
    tcase_add_test(tc, test_shared_boilerplate);
    tcase_add_test(tc, test_shared_not_within_group);
    tcase_add_test(tc, test_shared_tail_not_identical);
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
    return tu_run_suite(paragraphs_suite());
}
