/*
 * sentences.c - the sentences of long paragraphs, their signatures, band keys and word
 * fingerprints, and the exact test of two sentences (see sentences.h).
 *
 * A sentence reuses what its article already computed: its words' token hashes (the
 * shingler's), and, when it is a whole paragraph, the paragraph's exact key.
 */
#include "sentences.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "lsh.h"
#include "mix.h"
#include "verify.h"
#include "words.h"

/* Does a sentence end in the gap before byte `next` (the first byte of the next token)?
 * Going back over white space (at least one), closing quotes and brackets, we must meet
 * '.', '!', '?' or an ellipsis. */
static int sentence_gap(const char *text, size_t prev, size_t next)
{
    size_t i = next;
    int space = 0;
    if (next >= prev + 2 && text[next - 1] == ' ') {
        /* The common gap, "word ": no quote, bracket or stop before the space. */
        unsigned char c = (unsigned char)text[next - 2];
        if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') || c == ',')
            return 0;
    }
    /* Opening quotes or brackets of the next sentence. */
    for (;;) {
        if (i > prev &&
            (text[i - 1] == '"' || text[i - 1] == '\'' || text[i - 1] == '(' || text[i - 1] == '['))
            i--;
        else if (i >= prev + 3 && (unsigned char)text[i - 3] == 0xe2 &&
                 (unsigned char)text[i - 2] == 0x80 &&
                 ((unsigned char)text[i - 1] == 0x9c || (unsigned char)text[i - 1] == 0x98))
            i -= 3; /* “ or ‘ */
        else if (i >= prev + 2 && (unsigned char)text[i - 2] == 0xc2 &&
                 (unsigned char)text[i - 1] == 0xab)
            i -= 2; /* « */
        else
            break;
    }
    /* (A newline is inside a paragraph only in a block of a hard-wrapped text.) */
    while (i > prev && (text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\r' ||
                        text[i - 1] == '\n')) {
        i--;
        space = 1;
    }
    if (!space) return 0;
    for (;;) {
        if (i > prev && (text[i - 1] == '"' || text[i - 1] == '\'' || text[i - 1] == ')' ||
                         text[i - 1] == ']')) {
            i--;
        } else if (i >= prev + 3 && (unsigned char)text[i - 3] == 0xe2 &&
                   (unsigned char)text[i - 2] == 0x80 &&
                   ((unsigned char)text[i - 1] == 0x9d || (unsigned char)text[i - 1] == 0x99)) {
            i -= 3; /* ” or ’ */
        } else if (i >= prev + 2 && (unsigned char)text[i - 2] == 0xc2 &&
                   (unsigned char)text[i - 1] == 0xbb) {
            i -= 2; /* » */
        } else {
            break;
        }
    }
    if (i > prev && (text[i - 1] == '.' || text[i - 1] == '!' || text[i - 1] == '?')) return 1;
    return i >= prev + 3 && (unsigned char)text[i - 3] == 0xe2 &&
           (unsigned char)text[i - 2] == 0x80 && (unsigned char)text[i - 1] == 0xa6; /* … */
}

/* The LSH band keys of a sentence's signature. */
static void band_keys(const uint32_t *sig, uint32_t *band)
{
    for (unsigned b = 0; b < ND_PARA_BANDS; b++)
        band[b] = nd_lsh_band_key(sig, b, ND_PARA_ROWS);
}

/* The bit of a word in a sentence's 128-bit word map: 7 bits of its token hash, so the
 * same word has the same bit in every sentence (see link.h, nd_para_sketch). */
static inline unsigned map_bit(uint64_t hash)
{
    return (unsigned)(hash >> 48) & 127u;
}

#define WORDS_AHEAD 6u /* dictionary slots prefetched ahead of the word being interned */

static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

nd_status nd_sent_words(const nd_tokens *t, const uint64_t *th, size_t n, nd_words *dict,
                        uint32_t *out, uint64_t bm[2], size_t *count)
{
    uint64_t lo = 0, hi = 0; /* the map, in registers */
    size_t u = 0;
    for (size_t i = 0; i < n && i < WORDS_AHEAD; i++)
        nd_words_prefetch(dict, th[i]);
    for (size_t i = 0; i < n; i++) {
        uint32_t id;
        if (i + WORDS_AHEAD < n) nd_words_prefetch(dict, th[i + WORDS_AHEAD]);
        const nd_token *tk = &t->v[i];
        nd_status st = nd_words_intern(dict, th[i], t->text + tk->off, tk->len, &id);
        if (st != ND_OK) return st;
        unsigned x = map_bit(th[i]);
        uint64_t bit = UINT64_C(1) << (x & 63), upper = -(uint64_t)(x >> 6);
        if (n <= ND_SENT_FP_SMALL && (((hi & upper) | (lo & ~upper)) & bit)) {
            /* Its bit is set: a repeat, or another word with the same bit. */
            size_t k = 0;
            while (k < u && out[k] != id)
                k++;
            if (k < u) continue;
        }
        hi |= bit & upper;
        lo |= bit & ~upper;
        out[u++] = id;
    }
    if (n > ND_SENT_FP_SMALL) { /* long: sorted, then repeats dropped */
        qsort(out, u, sizeof *out, u32_cmp);
        size_t w = 0;
        for (size_t i = 0; i < u; i++)
            if (w == 0 || out[i] != out[w - 1]) out[w++] = out[i];
        u = w;
    }
    bm[0] = lo;
    bm[1] = hi;
    *count = u;
    return ND_OK;
}

/* Appends the sentence of tokens [a, b) of paragraph pi with its key, band keys and words
 * (interned in dict; none when dict is NULL), all of its set of words. */
static nd_status add_sentence(const nd_minhash *mh, const nd_tokens *t, const uint64_t *th,
                              nd_words *dict, nd_doc_paras *d, size_t pi, size_t a, size_t b)
{
    const nd_para *p = &d->p[pi];
    uint32_t sig[ND_PARA_PERMS];
    ND_GROW(d->ns, d->caps, 64, d->s);
    size_t n = b - a;
    assert(n > 0);
    ND_RESERVE(d->wids, d->capwids, d->nwids + n, 1024);
    nd_sentence *se = &d->s[d->ns];
    se->para = (uint32_t)pi;
    se->start = t->v[a].src;
    se->end = b < p->tok_first + p->ntok ? t->v[b].src : p->end;
    se->key = a == p->tok_first && n == p->ntok ? p->key : nd_seq_key(th + a, n);
    nd_minhash_sign(mh, th + a, n, sig);
    band_keys(sig, se->band);
    se->w_off = d->nwids;
    if (!dict) { /* no words wanted */
        se->w_n = 0;
        se->bm[0] = se->bm[1] = 0;
        d->ns++;
        return ND_OK;
    }
    /* The tokens [a, b) as their own list, for nd_sent_words. */
    nd_tokens sub = *t;
    sub.v = t->v + a;
    sub.n = n;
    size_t u;
    nd_status st = nd_sent_words(&sub, th + a, n, dict, d->wids + d->nwids, se->bm, &u);
    if (st != ND_OK) return st;
    se->w_n = (uint32_t)u;
    d->nwids += u;
    d->ns++;
    return ND_OK;
}

nd_status nd_sentences_cut(const nd_para_opts *o, const nd_minhash *mh, nd_words *dict,
                           const char *text, const nd_tokens *t, const uint64_t *th,
                           nd_doc_paras *d)
{
    nd_status st;
    d->ns = 0;
    d->nwids = 0;
    for (size_t pi = 0; pi < d->n; pi++) {
        const nd_para *p = &d->p[pi];
        if (p->is_short) continue;
        size_t first = p->tok_first, last = p->tok_first + p->ntok; /* [first, last) */
        size_t s0 = first, ps = SIZE_MAX, pe = 0; /* [ps, pe): the sentence not yet added */
        for (size_t i = first; i < last; i++) {
            int end = i + 1 == last || (t->v[i + 1].src > t->v[i].src &&
                                        sentence_gap(text, t->v[i].src, t->v[i + 1].src));
            if (!end || (i + 1 - s0 < o->short_words && i + 1 < last))
                continue; /* too short: extends to the next boundary */
            if (i + 1 - s0 < o->short_words && ps != SIZE_MAX) {
                pe = i + 1; /* a short tail joins the sentence before it */
                s0 = i + 1;
                continue;
            }
            if (ps != SIZE_MAX && (st = add_sentence(mh, t, th, dict, d, pi, ps, pe)) != ND_OK)
                return st;
            ps = s0;
            pe = i + 1;
            s0 = i + 1;
        }
        if (ps != SIZE_MAX && (st = add_sentence(mh, t, th, dict, d, pi, ps, pe)) != ND_OK)
            return st;
    }
    return ND_OK;
}

/* ---- the exact test ------------------------------------------------------------------- */

typedef uint32_t v8u32 __attribute__((vector_size(32)));
typedef uint64_t v4u64 __attribute__((vector_size(32)));

/* Whether any lane of a lane mask is set (by pointer: a 32-byte vector argument would have
 * a different ABI in the clones with and without AVX). */
static inline int any8(const v8u32 *m)
{
    v4u64 e = (v4u64)*m;
    return (e[0] | e[1] | e[2] | e[3]) != 0;
}

/* |a & b| for a set b of at most ND_SENT_FP_SMALL ids: each of a against 8 of b at once
 * (the last 8 padded with their own first value, which cannot count twice). Branch-free,
 * unlike a merge of two short lists, whose every step is a coin flip for the branch
 * predictor; and neither set needs to be sorted. */
ND_CLONES("avx2", "default")
static size_t inter_small(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t inter = 0;
    for (size_t c = 0; c < nb; c += 8) {
        v8u32 bv;
        for (unsigned k = 0; k < 8; k++)
            bv[k] = b[c + k < nb ? c + k : c];
        for (size_t i = 0; i < na; i++) {
            v8u32 m = (v8u32)(bv == a[i]);
            inter += any8(&m);
        }
    }
    return inter;
}

int nd_sent_similar(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, double threshold)
{
    if (nb > na) {
        const uint32_t *t = a;
        a = b;
        b = t;
        size_t tn = na;
        na = nb;
        nb = tn;
    }
    /* now nb <= na */
    if ((double)nb < threshold * (double)na * (1.0 - 1e-12)) return 0; /* J <= nb / na */
    if (nb == 0) return nd_verify_passes(0, na, nb, threshold);
    if (nb <= ND_SENT_FP_SMALL)
        return nd_verify_passes(inter_small(a, na, b, nb), na, nb, threshold);
    size_t i = 0, j = 0, inter = 0; /* both sorted: more than ND_SENT_FP_SMALL */
    while (i < na && j < nb) {
        uint32_t x = a[i], y = b[j];
        inter += x == y;
        i += x <= y;
        j += y <= x;
    }
    return nd_verify_passes(inter, na, nb, threshold);
}
