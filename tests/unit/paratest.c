/*
 * paratest.c - helpers shared by the unit tests of the paragraph pass (test_paras,
 * test_sentences, test_repeats, test_shared): seed articles by line, word edits, a text run
 * through the paragraph pass as a scan runs it, and checks of what came out.
 */
#include "paratest.h"

#include <stdlib.h>
#include <string.h>

#include "shingle.h"

/* s and a newline. */
void sb_line(tu_sbuf *b, const char *s)
{
    tu_sb_puts(b, s);
    tu_sb_add(b, "\n", 1);
}

seed_lines read_seed(const char *rel)
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

void free_seed(seed_lines *s)
{
    free(s->buf);
    free(s->v);
}

/* Counts the whitespace-separated words of s. */
size_t ws_words(const char *s)
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
char *replace_word(const char *s, size_t idx, const char *repl)
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

/* Tokenises text and hashes its tokens, as a scan does; dp stays empty. */
void prepare(para_run *r, const char *text, size_t len)
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
    ck_assert_int_eq(nd_words_create(&r->words), ND_OK);
}

nd_status run_analyze(para_run *r, const nd_para_opts *o, nd_doc_paras *dp)
{
    nd_repeats_scratch *rs = NULL;
    nd_status st = nd_repeats_scratch_create(&rs);
    if (st == ND_OK) st = nd_paras_split(o, r->text, r->len, &r->toks, r->th.v, dp);
    if (st == ND_OK && o->want_sentences)
        st = nd_sentences_cut(o, r->mh, r->words, r->text, &r->toks, r->th.v, dp);
    if (st == ND_OK) st = nd_repeats_find(o, r->th.v, dp, rs);
    nd_repeats_scratch_free(rs);
    return st;
}

/* prepare + run_analyze with options o (NULL: the defaults). */
void analyze(para_run *r, const nd_para_opts *o, const char *text, size_t len)
{
    nd_para_opts def;
    if (!o) {
        nd_para_opts_init(&def);
        o = &def;
    }
    prepare(r, text, len);
    ck_assert_int_eq(run_analyze(r, o, &r->dp), ND_OK);
}

void run_clear(para_run *r)
{
    nd_doc_paras_clear(&r->dp);
    nd_tokens_clear(&r->toks);
    nd_u64s_clear(&r->th);
    nd_u64s_clear(&r->sh);
    nd_minhash_free(r->mh);
    nd_words_free(r->words);
    memset(r, 0, sizeof *r);
}

/* 1-based line of byte `off` of text. */
uint32_t line_of(const char *text, size_t off)
{
    uint32_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += text[i] == '\n';
    return line;
}

/* Words (tokens) of lines first..last, from the tokens' byte offsets. */
uint32_t words_in_lines(const para_run *r, uint32_t first, uint32_t last)
{
    uint32_t n = 0;
    for (size_t i = 0; i < r->toks.n; i++) {
        uint32_t l = line_of(r->text, r->toks.v[i].src);
        n += l >= first && l <= last;
    }
    return n;
}

/* Does paragraph i's text begin with `prefix`? */
int para_starts(const para_run *r, size_t i, const char *prefix)
{
    const nd_para *p = &r->dp.p[i];
    size_t n = strlen(prefix);
    return p->end - p->start >= n && memcmp(r->text + p->start, prefix, n) == 0;
}

/* Asserts block k of the run: lines af..al repeat as bf..bl, np paragraphs. */
void expect_block(const para_run *r, size_t k, uint32_t af, uint32_t al, uint32_t bf, uint32_t bl,
                  uint32_t np, int identical)
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
int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Asserts that two lists of block repeats are the same, field by field (not memcmp: the
 * struct has padding). */
void same_blocks(const nd_block_repeat *x, const nd_block_repeat *y, size_t n)
{
    for (size_t k = 0; k < n; k++)
        ck_assert_msg(x[k].a_first == y[k].a_first && x[k].a_last == y[k].a_last &&
                          x[k].b_first == y[k].b_first && x[k].b_last == y[k].b_last &&
                          x[k].nparas == y[k].nparas && x[k].words == y[k].words &&
                          x[k].identical == y[k].identical,
                      "block %zu differs", k);
}

/* Sorts v[0..n) and drops repeats; returns the new length. */
size_t sort_unique(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, u64_cmp);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || v[i] != v[w - 1]) v[w++] = v[i];
    return w;
}

/* Asserts that sentence k's fingerprints are the top 16 bits of its words' hashes, without
 * repeats, sorted when the sentence has more than ND_SENT_FP_SMALL words. */
void check_words(const para_run *r, const nd_doc_paras *dp, size_t k)
{
    const nd_sentence *se = &dp->s[k];
    size_t a = 0, b;
    while (a < r->toks.n && r->toks.v[a].src < se->start)
        a++;
    for (b = a; b < r->toks.n && r->toks.v[b].src < se->end; b++)
        ;
    ck_assert_uint_ge(b - a, 1);
    /* Its distinct words, in first-occurrence order, compared as bytes. */
    size_t n = b - a, w = 0;
    const nd_token **first = malloc(n * sizeof *first);
    ck_assert_ptr_nonnull(first);
    uint64_t bm[2] = {0, 0};
    for (size_t i = a; i < b; i++) {
        const nd_token *t = &r->toks.v[i];
        int seen = 0;
        for (size_t j = 0; j < w && !seen; j++)
            seen = first[j]->len == t->len &&
                   memcmp(r->toks.text + first[j]->off, r->toks.text + t->off, t->len) == 0;
        unsigned bit = (unsigned)(nd_token_hash(r->toks.text + t->off, t->len) >> 48) & 127u;
        bm[bit >> 6] |= UINT64_C(1) << (bit & 63);
        if (!seen) first[w++] = t;
    }
    ck_assert_uint_eq(se->w_n, w);
    ck_assert_uint_le(se->w_off + se->w_n, dp->nwids);
    ck_assert_uint_eq(se->bm[0], bm[0]);
    ck_assert_uint_eq(se->bm[1], bm[1]);
    const uint32_t *ids = dp->wids + se->w_off;
    for (size_t i = 0; i < w; i++) {
        if (n > ND_SENT_FP_SMALL && i > 0) ck_assert_uint_lt(ids[i - 1], ids[i]);
        uint32_t len;
        const char *word = nd_words_get(r->words, ids[i], &len, NULL);
        /* In order for short sentences; for long ones, some distinct word of the sentence. */
        int found = 0;
        for (size_t j = 0; j < w && !found; j++) {
            if (n <= ND_SENT_FP_SMALL && j != i) continue;
            found = first[j]->len == len && memcmp(r->toks.text + first[j]->off, word, len) == 0;
        }
        TU_REQUIRE(found, "sentence %zu: id %zu (%u) is not its word", k, i, ids[i]);
    }
    free(first);
}

void same_shorts(const nd_short_repeat *x, const nd_short_repeat *y, size_t n)
{
    for (size_t k = 0; k < n; k++)
        ck_assert_msg(x[k].first_line == y[k].first_line && x[k].count == y[k].count &&
                          x[k].para == y[k].para,
                      "short repeat %zu differs", k);
}

uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}
