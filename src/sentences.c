/*
 * sentences.c - the sentences of long paragraphs, their signatures, band keys and word
 * fingerprints, and the exact test of two sentences (see sentences.h).
 *
 * A sentence reuses what its article already computed: its words' token hashes (the
 * shingler's), and, when it is a whole paragraph, the paragraph's exact key.
 */
#include "sentences.h"

#include <assert.h>
#include <string.h>

#include "lsh.h"
#include "mix.h"
#include "verify.h"

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
    while (i > prev && (text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\r')) {
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

/* The LSH band keys of a signature: each band's ND_PARA_ROWS values hashed to 32 bits. */
/* The LSH band keys of a sentence's signature. */
static void band_keys(const uint32_t *sig, uint32_t *band)
{
    for (unsigned b = 0; b < ND_PARA_BANDS; b++)
        band[b] = nd_lsh_band_key(sig, b, ND_PARA_ROWS);
}

typedef uint16_t v16u16 __attribute__((vector_size(32)));
typedef uint64_t v4u64 __attribute__((vector_size(32)));

/* Whether any lane of a 16-bit lane mask is set (by pointer: a 32-byte vector argument
 * would have a different ABI in the clones with and without AVX). */
static inline int any16(const v16u16 *m)
{
    v4u64 e = (v4u64)*m;
    return (e[0] | e[1] | e[2] | e[3]) != 0;
}

/* The fingerprint map of fp[0..n) (see nd_para_sketch). */
static void fingerprint_map(const uint16_t *fp, size_t n, uint64_t bm[2])
{
    uint64_t lo = 0, hi = 0; /* in registers: no store-to-load chain through bm[] */
    for (size_t i = 0; i < n; i++) {
        uint64_t bit = UINT64_C(1) << (fp[i] & 63), upper = -(uint64_t)((fp[i] >> 6) & 1);
        hi |= bit & upper;
        lo |= bit & ~upper;
    }
    bm[0] = lo;
    bm[1] = hi;
}

/* Up to ND_SENT_FP_SMALL fingerprints without repeats, in first-occurrence order. A
 * 128-bit map of those kept (bit x & 127) answers "new" for most; only when x's bit is set
 * already (a repeat, or about one word in ten) are the kept ones searched. */
static size_t fingerprints_small(const uint64_t *hashes, size_t n, uint16_t *out, uint64_t bm[2])
{
    uint64_t lo = 0, hi = 0; /* the map, in registers */
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t x = (uint16_t)(hashes[i] >> 48);
        uint64_t bit = UINT64_C(1) << (x & 63), upper = -(uint64_t)((x >> 6) & 1);
        if (((hi & upper) | (lo & ~upper)) & bit) {
            size_t k = 0;
            while (k < u && out[k] != x)
                k++;
            if (k < u) continue;
        }
        hi |= bit & upper;
        lo |= bit & ~upper;
        out[u++] = x;
    }
    bm[0] = lo; /* the kept ones' map is the sentence's */
    bm[1] = hi;
    return u;
}

size_t nd_sent_fingerprints(const uint64_t *hashes, size_t n, uint16_t *out, uint64_t bm[2])
{
    if (n <= ND_SENT_FP_SMALL) return fingerprints_small(hashes, n, out, bm);
    if (n > ND_SENT_FP_MAX) n = ND_SENT_FP_MAX;
    size_t u = 0;
    for (size_t k = 0; k < n; k++) {
        /* insertion sort as they come, dropping repeats: a sentence has a few dozen */
        uint16_t x = (uint16_t)(hashes[k] >> 48);
        size_t j = u;
        while (j > 0 && out[j - 1] > x) {
            out[j] = out[j - 1];
            j--;
        }
        if (j > 0 && out[j - 1] == x) {
            /* a repeat: undo the shift */
            for (; j < u; j++)
                out[j] = out[j + 1];
            continue;
        }
        out[j] = x;
        u++;
    }
    fingerprint_map(out, u, bm);
    return u;
}

/* Appends the sentence of tokens [a, b) of paragraph pi with its key, band keys and
 * fingerprints, all of its set of words (token hashes). */
static nd_status add_sentence(const nd_minhash *mh, const nd_tokens *t, const uint64_t *th,
                              nd_doc_paras *d, size_t pi, size_t a, size_t b)
{
    const nd_para *p = &d->p[pi];
    uint32_t sig[ND_PARA_PERMS];
    ND_GROW(d->ns, d->caps, 64, d->s);
    size_t n = b - a;
    size_t nf = n < ND_SENT_FP_MAX ? n : ND_SENT_FP_MAX;
    ND_RESERVE(d->fps, d->capfps, d->nfps + nf, 1024);
    assert(n > 0 && nf <= n);
    nd_sentence *se = &d->s[d->ns++];
    se->para = (uint32_t)pi;
    se->start = t->v[a].src;
    se->end = b < p->tok_first + p->ntok ? t->v[b].src : p->end;
    se->key = a == p->tok_first && n == p->ntok ? p->key : nd_seq_key(th + a, n);
    nd_minhash_sign(mh, th + a, n, sig);
    band_keys(sig, se->band);
    se->fp_off = d->nfps;
    se->fp_n = (uint32_t)nd_sent_fingerprints(th + a, n, d->fps + d->nfps, se->bm);
    d->nfps += se->fp_n;
    return ND_OK;
}

nd_status nd_sentences_cut(const nd_para_opts *o, const nd_minhash *mh, const char *text,
                           const nd_tokens *t, const uint64_t *th, nd_doc_paras *d)
{
    nd_status st;
    d->ns = 0;
    d->nfps = 0;
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
            if (ps != SIZE_MAX && (st = add_sentence(mh, t, th, d, pi, ps, pe)) != ND_OK) return st;
            ps = s0;
            pe = i + 1;
            s0 = i + 1;
        }
        if (ps != SIZE_MAX && (st = add_sentence(mh, t, th, d, pi, ps, pe)) != ND_OK) return st;
    }
    return ND_OK;
}

/* ---- the exact test ------------------------------------------------------------------- */

/* |a & b| for a set b of at most ND_SENT_FP_SMALL values: each of a against 16 of b at
 * once (the last 16 padded with their own first value, which cannot count twice).
 * Branch-free, unlike a merge of two short lists, whose every step is a coin flip for the
 * branch predictor; and neither set needs to be sorted. */
ND_CLONES("avx2", "default")
static size_t inter_small(const uint16_t *a, size_t na, const uint16_t *b, size_t nb)
{
    size_t inter = 0;
    for (size_t c = 0; c < nb; c += 16) {
        v16u16 bv;
        for (unsigned k = 0; k < 16; k++)
            bv[k] = b[c + k < nb ? c + k : c];
        for (size_t i = 0; i < na; i++) {
            v16u16 m = (v16u16)(bv == a[i]);
            inter += any16(&m);
        }
    }
    return inter;
}

int nd_sent_similar(const uint16_t *a, size_t na, const uint16_t *b, size_t nb, double threshold)
{
    if (nb > na) {
        const uint16_t *t = a;
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
        uint16_t x = a[i], y = b[j];
        inter += x == y;
        i += x <= y;
        j += y <= x;
    }
    return nd_verify_passes(inter, na, nb, threshold);
}

/* One stable counting pass: src[0..n) into dst by the `bits` bits at `shift`; count has
 * 2^bits entries. */
