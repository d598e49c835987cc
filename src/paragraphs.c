/*
 * paragraphs.c - repeated paragraphs inside one article and across articles (see
 * paragraphs.h).
 *
 * Inside an article: paragraphs are split by line (or blank-line block) and mapped to the
 * article's tokens through the tokens' byte offsets, so the text is tokenised only once.
 * Candidate pairs of long paragraphs are those with equal exact keys and those whose
 * prefixes share a bigram (prefix filtering: the smallest n - ceil(t n) + 1 of a set's n
 * bigram hashes; two sets with Jaccard >= t share the smallest element of their
 * intersection in both prefixes), each verified exactly once. Chains are cut at MAX_CHAIN
 * earlier paragraphs per key, so the work stays linear. Matches lie on diagonals of the
 * paragraph x paragraph matrix: a maximal diagonal run (x..x+L-1 -> y..y+L-1, x+L-1 < y)
 * is a repeated block. Runs are taken by source position and length, and a run whose
 * source is itself a reported copy, or whose copy is already reported, is dropped, so a
 * block tripled is reported as two copies of its first occurrence.
 *
 * Across articles: exact keys are grouped by sorting; sentences with near-identical word
 * sets by MinHash LSH, whose band keys the workers compute in pass 1. Each band is sorted; a run of
 * equal keys of at most SMALL_BUCKET records yields all its pairs, a longer one (boilerplate in
 * thousands of articles) pairs each member with the run's first member and its
 * predecessor, so the work stays linear. Every candidate is verified exactly on the
 * sentences' fingerprints, with the records prefetched ahead (the candidates are in random
 * order, and a cache miss costs more than the check); union-find joins what matches. A
 * group is kept when it spans two or more articles.
 */
#include "neardup/paragraphs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "neardup/alloc.h"
#include "grow.h"
#include "mix.h"
#include "neardup/cluster.h"
#include "neardup/verify.h"
#include "threads.h"

#define MAX_CHAIN 64u

void nd_para_opts_init(nd_para_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = ND_PARA_LINE;
    o->short_words = 4;
    o->threshold = 0.8;
    o->doubled_share = 0.4;
}

void nd_doc_paras_clear(nd_doc_paras *d)
{
    nd_free(d->p);
    nd_free(d->blocks);
    nd_free(d->shorts);
    nd_free(d->s);
    nd_free(d->fps);
    nd_u64s_clear(&d->sets);
    nd_u64s_clear(&d->tmp);
    nd_u64s_clear(&d->pre);
    nd_u64s_clear(&d->cnt);
    nd_free(d->set_off);
    nd_free(d->match);
    nd_free(d->tkey);
    nd_free(d->tval);
    memset(d, 0, sizeof *d);
}

/* The hash of the word bigram (h0, h1): nd_shingle_combine(h, 2), inlined. */
static inline uint64_t bigram(uint64_t h0, uint64_t h1)
{
    const uint64_t h[2] = {h0, h1};
    return nd_mix_combine(h, 2);
}

static nd_status add_para(nd_doc_paras *d, uint32_t first_line, uint32_t last_line, size_t start,
                          size_t end, size_t tok_first, size_t ntok)
{
    ND_GROW(d->n, d->cap, 64, d->p);
    nd_para *p = &d->p[d->n++];
    memset(p, 0, sizeof *p);
    p->first_line = first_line;
    p->last_line = last_line;
    p->start = (uint32_t)start;
    p->end = (uint32_t)end;
    p->tok_first = (uint32_t)tok_first;
    p->ntok = (uint32_t)ntok;
    return ND_OK;
}

static int blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' && s[i] != '\v') return 0;
    return 1;
}

/* Paragraphs with their token ranges. */
static nd_status split(const nd_para_opts *o, const char *text, size_t len, const nd_tokens *t,
                       nd_doc_paras *d)
{
    size_t ti = 0, pos = 0;
    uint32_t line = 1;
    /* Block state (ND_PARA_BLOCK). */
    int open = 0;
    uint32_t b_first = 0, b_last = 0;
    size_t b_start = 0, b_end = 0, b_tok = 0;
    nd_status st;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t t0 = ti;
        while (ti < t->n && t->v[ti].src < end)
            ti++;
        if (o->mode == ND_PARA_LINE) {
            if (ti > t0 && (st = add_para(d, line, line, pos, end, t0, ti - t0)) != ND_OK)
                return st;
        } else if (blank_line(text + pos, end - pos)) {
            if (open && ti > b_tok &&
                (st = add_para(d, b_first, b_last, b_start, b_end, b_tok, t0 - b_tok)) != ND_OK)
                return st;
            open = 0;
        } else {
            if (!open) {
                open = 1;
                b_first = line;
                b_start = pos;
                b_tok = t0;
            }
            b_last = line;
            b_end = end;
        }
        pos = end + 1;
        line++;
    }
    if (o->mode == ND_PARA_BLOCK && open && ti > b_tok &&
        (st = add_para(d, b_first, b_last, b_start, b_end, b_tok, ti - b_tok)) != ND_OK)
        return st;
    return ND_OK;
}

/* Exact key and bigram multiset of every paragraph (bigrams of long ones only). */
static nd_status features(const nd_para_opts *o, const uint64_t *th, nd_doc_paras *d)
{
    if (d->set_cap < d->n + 1) {
        size_t *so = nd_reallocarray(d->set_off, d->n + 1, sizeof *so);
        if (!so) return ND_ENOMEM;
        d->set_off = so;
        d->set_cap = d->n + 1;
    }
    d->sets.n = 0;
    for (size_t i = 0; i < d->n; i++) {
        nd_para *p = &d->p[i];
        const uint64_t *h = th + p->tok_first;
        p->key = nd_seq_key(h, p->ntok);
        p->is_short = p->ntok < o->short_words;
        d->words += p->ntok;
        d->set_off[i] = d->sets.n;
        if (p->is_short) continue;
        size_t nb = p->ntok > 1 ? p->ntok - 1 : 1;
        if (nd_u64s_reserve(&d->sets, d->sets.n + nb) != ND_OK) return ND_ENOMEM;
        uint64_t *out = d->sets.v + d->sets.n;
        if (p->ntok == 1)
            out[0] = nd_shingle_combine(h, 1);
        else
            for (size_t k = 0; k + 1 < p->ntok; k++)
                out[k] = bigram(h[k], h[k + 1]);
        /* Unsorted, with repeats: most paragraphs never need their exact set (sort_set
         * sorts it on first use). */
        d->sets.n += nb;
        p->nbigrams = (uint32_t)nb;
        p->sorted = 0;
    }
    d->set_off[d->n] = d->sets.n;
    return ND_OK;
}

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
static void band_keys(const uint32_t *sig, uint32_t *band)
{
    for (unsigned b = 0; b < ND_PARA_BANDS; b++) {
        uint64_t x = (uint64_t)(b + 1) * UINT64_C(0x9e3779b97f4a7c15);
        for (unsigned r = 0; r < ND_PARA_ROWS; r++) {
            x = (x ^ sig[b * ND_PARA_ROWS + r]) * UINT64_C(0xff51afd7ed558ccd);
            x ^= x >> 32;
        }
        band[b] = (uint32_t)(x >> 32);
    }
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
    if (d->capfps - d->nfps < nf) {
        size_t c = d->capfps ? d->capfps : 1024;
        while (c - d->nfps < nf)
            c *= 2;
        uint16_t *v = nd_reallocarray(d->fps, c, sizeof *v);
        if (!v) return ND_ENOMEM;
        d->fps = v;
        d->capfps = c;
    }
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

/* Cuts every long paragraph into sentences of at least short_words words (a shorter piece
 * joins the next sentence, or at the paragraph's end the one before) with their keys,
 * bigrams and signatures. */
static nd_status sentences(const nd_para_opts *o, const nd_minhash *mh, const char *text,
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

static int key_cmp(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* Short lines that occur more than once. */
static nd_status short_repeats(nd_doc_paras *d)
{
    size_t ns = 0;
    for (size_t i = 0; i < d->n; i++)
        ns += d->p[i].is_short;
    if (ns < 2) return ND_OK;
    /* (key, index) pairs sorted: runs are repeats, in order of first occurrence within. */
    if (nd_u64s_reserve(&d->tmp, 2 * ns) != ND_OK) return ND_ENOMEM;
    uint64_t *kv = d->tmp.v;
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->p[i].is_short) {
            kv[2 * k] = d->p[i].key;
            kv[2 * k + 1] = i;
            k++;
        }
    if (ns) qsort(kv, ns, 2 * sizeof *kv, key_cmp);
    size_t first_new = d->nshorts;
    for (size_t i = 0; i < ns;) {
        size_t j = i + 1;
        while (j < ns && kv[2 * j] == kv[2 * i])
            j++;
        if (j - i >= 2) {
            ND_GROW(d->nshorts, d->capshorts, 8, d->shorts);
            nd_short_repeat *r = &d->shorts[d->nshorts++];
            r->para = (uint32_t)kv[2 * i + 1];
            r->first_line = d->p[r->para].first_line;
            r->count = (uint32_t)(j - i);
        }
        i = j;
    }
    /* Report them in order of first occurrence. */
    for (size_t a = first_new + 1; a < d->nshorts; a++) {
        nd_short_repeat x = d->shorts[a];
        size_t b = a;
        while (b > first_new && d->shorts[b - 1].para > x.para) {
            d->shorts[b] = d->shorts[b - 1];
            b--;
        }
        d->shorts[b] = x;
    }
    return ND_OK;
}

/* Match state of long paragraphs x < y (positions in the list of long paragraphs):
 * 0 none, 1 near-identical, 2 identical. Stored as a sorted array of (x << 33 | y << 1 |
 * identical) for binary search. */
/* Sorts paragraph i's bigram set and removes repeats, once. */
static void sort_set(nd_doc_paras *d, size_t i)
{
    nd_para *p = &d->p[i];
    if (p->sorted) return;
    /* Without scratch memory the set is still sorted (insertion sort), just slower. */
    p->nbigrams = (uint32_t)nd_u64_sort_unique(d->sets.v + d->set_off[i], p->nbigrams, &d->tmp);
    p->sorted = 1;
}

static int same_para(const nd_para_opts *o, nd_doc_paras *d, size_t a, size_t b)
{
    const nd_para *p = &d->p[a], *q = &d->p[b];
    if (p->key == q->key) return 2;
    sort_set(d, a);
    sort_set(d, b);
    size_t na = p->nbigrams, nb = q->nbigrams;
    size_t lo = na < nb ? na : nb, hi = na < nb ? nb : na;
    if ((double)lo < o->threshold * (double)hi * (1.0 - 1e-12)) return 0; /* J <= lo / hi */
    nd_sim s = nd_verify_exact(d->sets.v + d->set_off[a], na, d->sets.v + d->set_off[b], nb);
    return nd_verify_passes(s.inter, na, nb, o->threshold) ? 1 : 0;
}

static int lookup(const uint64_t *m, size_t n, uint64_t x, uint64_t y)
{
    uint64_t key = (x << 33) | (y << 1);
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((m[mid] & ~UINT64_C(1)) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && (m[lo] & ~UINT64_C(1)) == key) return (int)(m[lo] & 1) + 1;
    return 0;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Match state of long paragraphs x < y during run building: a verified pair, or two
 * paragraphs with the same exact key (how frequent paragraphs match). */
static int match_at(const nd_doc_paras *d, const uint32_t *L, const uint64_t *m, size_t n,
                    uint64_t x, uint64_t y)
{
    int k = lookup(m, n, x, y);
    if (k) return k;
    return d->p[L[x]].key == d->p[L[y]].key ? 2 : 0;
}

/* The prefix of long paragraph i: its smallest distinct bigram hashes, as many as prefix
 * filtering at threshold t needs, into out (room for plen(...) values); returns how many. */
static size_t plen(double t, size_t n)
{
    size_t need = (size_t)ceil(t * (double)n * (1.0 - 1e-12));
    size_t p = need < n ? n - need + 1 : 1;
    return p < n ? p : n;
}

typedef struct ordtok {
    uint64_t order; /* occurrences in the document (saturated) << 56 | hash >> 8 */
    uint64_t hash;
} ordtok;

static int ordtok_cmp(const void *a, const void *b)
{
    const ordtok *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return (x->hash > y->hash) - (x->hash < y->hash);
}

/*
 * The shareable part of the prefix of long paragraph i at threshold t, into *out (valid
 * until the next call); returns its length, often 0.
 *
 * Bigrams are ordered by (occurrences in the document, hash), with occurrences read from
 * cnt, a counting array indexed by hash bits that can only over-count: any fixed order is
 * a valid one for prefix filtering, and this one puts a paragraph's own bigrams first. A
 * bigram counted once occurs only here, so it cannot be shared: when the prefix holds only
 * such bigrams, the paragraph has no partner at all and nothing needs doing, which is the
 * common case. With repeats the bigram count is an upper bound of the distinct one, and a
 * longer prefix is still a correct one.
 */
static size_t prefix_of(nd_doc_paras *d, size_t i, double t, const uint8_t *cnt, size_t mask,
                        const uint64_t **out)
{
    const nd_para *para = &d->p[i];
    const uint64_t *v = d->sets.v + d->set_off[i];
    size_t n = para->nbigrams, want = plen(t, n), own = 0;
    for (size_t k = 0; k < n; k++)
        own += cnt[v[k] & mask] == 1;
    if (own >= want) return 0;
    ordtok *o = (ordtok *)d->pre.v;
    size_t c = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned f = cnt[v[k] & mask];
        if (f < 2) continue;
        o[c].order = ((uint64_t)f << 56) | (v[k] >> 8);
        o[c].hash = v[k];
        c++;
    }
    qsort(o, c, sizeof *o, ordtok_cmp);
    uint64_t *pre = d->pre.v;
    size_t u = 0;
    for (size_t k = 0; k < c && u < want - own; k++)
        if (u == 0 || o[k].hash != pre[u - 1]) pre[u++] = o[k].hash; /* (u <= k: in place) */
    *out = pre;
    return u;
}

/* Slot of key in the open-addressing table (tcap a power of two): its own or a free one. */
static size_t slot(const nd_doc_paras *d, uint64_t key)
{
    size_t h = (size_t)(key >> 32) & (d->tcap - 1);
    while (d->tval[h] != UINT32_MAX && d->tkey[h] != key)
        h = (h + 1) & (d->tcap - 1);
    return h;
}

/* Records the candidate pair (x, y) of long paragraphs if they match. */
static nd_status try_pair(const nd_para_opts *o, nd_doc_paras *d, const uint32_t *L, uint32_t x,
                          uint32_t y, nd_u64s *m)
{
    int k = same_para(o, d, L[x], L[y]);
    if (!k) return ND_OK;
    if (nd_u64s_reserve(m, m->n + 1) != ND_OK) return ND_ENOMEM;
    m->v[m->n++] = ((uint64_t)x << 33) | ((uint64_t)y << 1) | (uint64_t)(k == 2);
    return ND_OK;
}

static nd_status doubled_blocks(const nd_para_opts *o, nd_doc_paras *d)
{
    /* Positions of long paragraphs, and how many prefix bigrams they may have. */
    size_t nl = 0, np = 0, maxb = 0, nbig = 0;
    for (size_t i = 0; i < d->n; i++)
        if (!d->p[i].is_short) {
            size_t nb = d->p[i].nbigrams;
            nl++;
            np += plen(o->threshold, nb);
            nbig += nb;
            maxb = nb > maxb ? nb : maxb;
        }
    if (nl < 2 || nl >= (1u << 21))
        return ND_OK; /* (over two million lines: not searched for blocks) */
    /* Scratch: L, prev, stamp, freq (nl each); entry paragraph and chain (np each); the
     * table (tcap slots of key, value and count). */
    size_t need = 4 * nl + 2 * np;
    if (d->match_cap < need) {
        uint32_t *v = nd_reallocarray(d->match, need, sizeof *v);
        if (!v) return ND_ENOMEM;
        d->match = v;
        d->match_cap = need;
    }
    size_t tsz = 16;
    while (tsz < 2 * nl || tsz < 2 * np)
        tsz *= 2;
    if (d->tcap < tsz) {
        uint64_t *k = nd_reallocarray(d->tkey, tsz, sizeof *k);
        if (k) d->tkey = k;
        uint32_t *v = k ? nd_reallocarray(d->tval, tsz, 2 * sizeof *v) : NULL;
        if (!v) return ND_ENOMEM;
        d->tval = v;
        d->tcap = tsz;
    } else {
        tsz = d->tcap;
    }
    size_t csz = 1024;
    while (csz < 8 * nbig && csz < ((size_t)1 << 22))
        csz *= 2;
    if (nd_u64s_reserve(&d->pre, 2 * maxb) != ND_OK || nd_u64s_reserve(&d->cnt, csz / 8) != ND_OK)
        return ND_ENOMEM;
    uint32_t *L = d->match; /* L[x] = paragraph index of long paragraph x */
    uint32_t *prev = L + nl, *stamp = prev + nl, *freq = stamp + nl;
    uint32_t *epara = freq + nl, *eprev = epara + np;
    uint32_t *tcount = d->tval + tsz;
    nl = 0;
    for (size_t i = 0; i < d->n; i++)
        if (!d->p[i].is_short) L[nl++] = (uint32_t)i;

    nd_u64s m = {0};
    nd_status st = ND_OK;
    /* Exact keys. The table holds one slot per distinct key with its latest paragraph,
     * and prev[] chains the earlier ones, so each paragraph is compared with at most
     * MAX_CHAIN earlier ones (the most recent first). A paragraph whose exact key occurs
     * more than MAX_CHAIN times ("SCROLL TO CONTINUE" between every paragraph) takes part
     * only through key equality when runs are extended. */
    memset(d->tval, 0xff, tsz * sizeof *d->tval);
    for (uint32_t y = 0; y < nl && st == ND_OK; y++) {
        uint64_t key = d->p[L[y]].key;
        size_t h = slot(d, key);
        prev[y] = d->tval[h];
        if (d->tval[h] == UINT32_MAX) {
            d->tkey[h] = key;
            tcount[h] = 0;
        }
        d->tval[h] = y;
        tcount[h]++;
        unsigned steps = 0;
        for (uint32_t x = prev[y]; x != UINT32_MAX && steps < MAX_CHAIN && st == ND_OK;
             x = prev[x], steps++)
            st = try_pair(o, d, L, x, y, &m);
    }
    for (size_t y = 0; y < nl && st == ND_OK; y++)
        freq[y] = tcount[slot(d, d->p[L[y]].key)] > MAX_CHAIN;
    if (st == ND_OK) {
        /* Frequent exact keys: drop their pairs. */
        size_t w = 0;
        for (size_t i = 0; i < m.n; i++)
            if (!freq[m.v[i] >> 33] && !freq[(m.v[i] >> 1) & 0xffffffffu]) m.v[w++] = m.v[i];
        m.n = w;
    }
    /* Near-identical ones: paragraphs whose prefixes share a bigram, each pair once. The
     * bigrams' occurrences are counted in d->cnt (bytes, saturating) for prefix_of. */
    uint8_t *cnt = (uint8_t *)d->cnt.v;
    memset(cnt, 0, csz);
    for (size_t y = 0; y < nl; y++) {
        const uint64_t *v = d->sets.v + d->set_off[L[y]];
        for (size_t k = 0, nb = d->p[L[y]].nbigrams; k < nb; k++) {
            uint8_t *c = &cnt[v[k] & (csz - 1)];
            *c += *c < 255;
        }
    }
    memset(d->tval, 0xff, tsz * sizeof *d->tval);
    memset(stamp, 0xff, nl * sizeof *stamp);
    size_t ne = 0;
    for (uint32_t y = 0; y < nl && st == ND_OK; y++) {
        if (freq[y]) continue;
        const nd_para *py = &d->p[L[y]];
        const uint64_t *tok;
        size_t pn = prefix_of(d, L[y], o->threshold, cnt, csz - 1, &tok);
        for (size_t k = 0; k < pn && st == ND_OK; k++) {
            size_t h = slot(d, tok[k]);
            uint32_t head = d->tval[h];
            unsigned steps = 0;
            for (uint32_t e = head; e != UINT32_MAX && steps < MAX_CHAIN && st == ND_OK;
                 e = eprev[e], steps++) {
                uint32_t x = epara[e];
                if (stamp[x] == y || d->p[L[x]].key == py->key) continue;
                stamp[x] = y;
                st = try_pair(o, d, L, x, y, &m);
            }
            if (head == UINT32_MAX) d->tkey[h] = tok[k];
            epara[ne] = y;
            eprev[ne] = head;
            d->tval[h] = (uint32_t)ne++;
        }
    }
    if (st != ND_OK) goto out;
    if (m.n) qsort(m.v, m.n, sizeof *m.v, u64_cmp);
    {
        size_t w = 0;
        for (size_t i = 0; i < m.n; i++)
            if (w == 0 || m.v[i] != m.v[w - 1]) m.v[w++] = m.v[i];
        m.n = w;
    }
    if (m.n == 0) goto out;
    /* Maximal diagonal runs, in order of source position then length. */
    {
        nd_u64s runs = {0}; /* x << 40 | (1023 - min(len,1023)) << 30 ... packed below */
        unsigned char *covered = nd_calloc(nl, 1);
        if (!covered) {
            st = ND_ENOMEM;
            goto out;
        }
        /* Each run: (x, len, y) packed as x << 42 | (2^21 - 1 - len) << 21 | y. */
        for (size_t i = 0; i < m.n; i++) {
            uint64_t x = m.v[i] >> 33, y = (m.v[i] >> 1) & 0xffffffffu;
            if (x > 0 && match_at(d, L, m.v, m.n, x - 1, y - 1))
                continue; /* not the start of its diagonal run */
            uint64_t len = 1;
            while (x + len < y && y + len < nl && match_at(d, L, m.v, m.n, x + len, y + len))
                len++;
            if (nd_u64s_reserve(&runs, runs.n + 1) != ND_OK) {
                nd_free(covered);
                nd_u64s_clear(&runs);
                st = ND_ENOMEM;
                goto out;
            }
            runs.v[runs.n++] = (x << 42) | (((UINT64_C(1) << 21) - 1 - len) << 21) | y;
        }
        if (runs.n) qsort(runs.v, runs.n, sizeof *runs.v, u64_cmp);
        for (size_t i = 0; i < runs.n && st == ND_OK; i++) {
            uint64_t x = runs.v[i] >> 42;
            uint64_t len = (UINT64_C(1) << 21) - 1 - ((runs.v[i] >> 21) & 0x1fffff);
            uint64_t y = runs.v[i] & 0x1fffff;
            int src_copy = 1, dst_done = 1;
            for (uint64_t t = 0; t < len; t++) {
                src_copy &= covered[x + t];
                dst_done &= covered[y + t];
            }
            if (src_copy || dst_done) continue;
            if (d->nblocks == d->capblocks) {
                size_t c = d->capblocks ? d->capblocks * 2 : 8;
                nd_block_repeat *v = nd_reallocarray(d->blocks, c, sizeof *v);
                if (!v) {
                    st = ND_ENOMEM;
                    break;
                }
                d->blocks = v;
                d->capblocks = c;
            }
            nd_block_repeat *b = &d->blocks[d->nblocks++];
            b->a_first = d->p[L[x]].first_line;
            b->a_last = d->p[L[x + len - 1]].last_line;
            b->b_first = d->p[L[y]].first_line;
            b->b_last = d->p[L[y + len - 1]].last_line;
            b->nparas = (uint32_t)len;
            b->words = 0;
            b->identical = 1;
            for (uint64_t t = 0; t < len; t++) {
                b->identical &= match_at(d, L, m.v, m.n, x + t, y + t) == 2;
                if (!covered[y + t]) b->words += d->p[L[y + t]].ntok;
                covered[y + t] = 1;
            }
            d->repeated_words += b->words;
        }
        nd_free(covered);
        nd_u64s_clear(&runs);
    }
out:
    nd_u64s_clear(&m);
    return st;
}

nd_status nd_paragraphs_analyze(const nd_para_opts *o, const nd_minhash *mh, const char *text,
                                size_t len, const nd_tokens *toks, const uint64_t *th,
                                nd_doc_paras *out)
{
    out->n = out->nblocks = out->nshorts = out->ns = 0;
    out->words = out->repeated_words = 0;
    nd_status st = split(o, text, len, toks, out);
    if (st == ND_OK) st = features(o, th, out);
    if (st == ND_OK && o->want_sentences) st = sentences(o, mh, text, toks, th, out);
    if (st == ND_OK) st = short_repeats(out);
    if (st == ND_OK) st = doubled_blocks(o, out);
    return st;
}

/* ---- across articles ------------------------------------------------------------------------ */

void nd_para_groups_clear(nd_para_groups *g)
{
    nd_free(g->start);
    nd_free(g->member);
    nd_free(g->identical);
    nd_free(g->ndocs);
    memset(g, 0, sizeof *g);
}

#define SMALL_BUCKET 32u
#define AHEAD 16u /* entries or candidates prefetched ahead of the one being handled */

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
static void radix_pass(const uint64_t *src, uint64_t *dst, size_t n, unsigned shift, unsigned bits,
                       uint32_t *count)
{
    uint32_t mask = (1u << bits) - 1;
    memset(count, 0, ((size_t)mask + 1) * sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[(src[i] >> shift) & mask]++;
    uint32_t sum = 0;
    for (size_t b = 0; b <= mask; b++) {
        uint32_t c = count[b];
        count[b] = sum;
        sum += c;
    }
    for (size_t i = 0; i < n; i++)
        dst[count[(src[i] >> shift) & mask]++] = src[i];
}

/* The entry i of a sort's input: a[i], or (hi[idx[i]] << 32 | idx[i]) when a is NULL. */
static inline uint64_t entry_at(const uint64_t *a, const uint32_t *hi, const uint32_t *idx,
                                size_t i)
{
    return a ? a[i] : ((uint64_t)hi[idx[i]] << 32) | idx[i];
}

/* The first pass of a stable radix sort by the entries' upper 32 bits: the entries into
 * tmp, in 2048 partitions by their top 11 bits; partition b is tmp[start[b] ..
 * start[b + 1]). The input is a[0..n) (n < 2^32), or when a is NULL the entries built
 * from hi and idx. */
static inline __attribute__((always_inline)) void
partition_entries(const uint64_t *a, const uint32_t *hi, const uint32_t *idx, size_t n,
                  uint64_t *tmp, uint32_t start[2049])
{
    uint32_t count[2048];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++)
        count[entry_at(a, hi, idx, i) >> 53]++;
    start[0] = 0;
    for (size_t b = 0; b < 2048; b++)
        start[b + 1] = start[b] + count[b];
    memcpy(count, start, sizeof count);
    for (size_t i = 0; i < n; i++) {
        uint64_t e = entry_at(a, hi, idx, i);
        tmp[count[e >> 53]++] = e;
    }
}

/* Sorts partition b of tmp (a few thousand values, in cache) by its other 21 bits in two
 * passes through room, the same places of an array of n. */
static void finish_partition(uint64_t *tmp, uint64_t *room, const uint32_t start[2049], size_t b)
{
    uint32_t count[2048];
    size_t m = start[b + 1] - start[b];
    if (m == 0) return; /* (room may be NULL then: no pointer arithmetic on it) */
    uint64_t *p = tmp + start[b], *q = room + start[b];
    if (m <= 16) {
        for (size_t i = 1; i < m; i++) {
            uint64_t x = p[i];
            size_t j = i;
            for (; j > 0 && (p[j - 1] >> 32) > (x >> 32); j--)
                p[j] = p[j - 1];
            p[j] = x;
        }
        return;
    }
    radix_pass(p, q, m, 32, 11, count);
    radix_pass(q, p, m, 43, 10, count);
}

/* Stable radix sort by the entries' upper 32 bits: one pass on the top 11 bits, then each
 * partition in cache. Only the first pass goes through memory at random, where an LSD
 * sort makes three. The input is as partition_entries takes it; room holds n entries;
 * returns tmp, sorted. */
static inline __attribute__((always_inline)) uint64_t *sort_entries(const uint64_t *a,
                                                                    const uint32_t *hi,
                                                                    const uint32_t *idx, size_t n,
                                                                    uint64_t *room, uint64_t *tmp)
{
    uint32_t start[2049];
    partition_entries(a, hi, idx, n, tmp, start);
    for (size_t b = 0; b < 2048; b++)
        finish_partition(tmp, room, start, b);
    return tmp;
}

/* a[0..n) sorted by the upper 32 bits, stably; a is scratch; returns tmp. */
static uint64_t *sort_hi32(uint64_t *a, size_t n, uint64_t *tmp)
{
    return sort_entries(a, NULL, NULL, n, a, tmp);
}

/* The entries (hi[idx[i]] << 32 | idx[i]) for i < n, sorted by hi, in idx order within a
 * key; room and tmp hold n entries each; returns tmp. */
static uint64_t *sort_gathered(const uint32_t *hi, const uint32_t *idx, size_t n, uint64_t *room,
                               uint64_t *tmp)
{
    return sort_entries(NULL, hi, idx, n, room, tmp);
}

/* A pair of sentences the fingerprint maps did not rule out, with what verifying it
 * reads. */
typedef struct cand {
    const uint16_t *fa, *fb;
    uint32_t a, b;
    uint32_t na, nb;
} cand;

typedef struct band_ctx {
    const nd_para_input *in;
    const uint32_t *reps; /* one record per exact key, in record order */
    size_t nreps;
    double threshold;
    const uint16_t *need; /* need[s]: least intersection passing for set sizes summing to s */
    unsigned first, step;
    cand *cand; /* one band's candidate pairs */
    size_t ncand, capcand;
    nd_uf *uf; /* shared by the threads: joins what verifies */
    nd_status st;
} band_ctx;

/* Appends the candidate pair of records a and b. */
static nd_status push_cand(band_ctx *c, uint32_t a, uint32_t b)
{
    if (c->ncand == c->capcand) {
        size_t cap = c->capcand ? c->capcand * 2 : 4096;
        cand *v = nd_reallocarray(c->cand, cap, sizeof *v);
        if (!v) return ND_ENOMEM;
        c->cand = v;
        c->capcand = cap;
    }
    const nd_para_sketch *x = &c->in->sk[a], *y = &c->in->sk[b];
    cand *k = &c->cand[c->ncand++];
    k->fa = c->in->fps + x->fp_off;
    k->fb = c->in->fps + y->fp_off;
    k->a = a;
    k->b = b;
    k->na = x->fp_n;
    k->nb = y->fp_n;
    return ND_OK;
}

/* A bucket member as the pair test reads it. */
typedef struct member {
    uint64_t bm0, bm1;
    uint32_t n, doc;
} member;

/* Whether x and y, of different documents, may reach the threshold: their fingerprint maps
 * bound their intersection (see nd_para_sketch), and need[n_x + n_y] is the least
 * intersection that passes. */
static inline int may_match(const member *x, const member *y, const uint16_t *need)
{
    size_t ox = (size_t)__builtin_popcountll(x->bm0 & ~y->bm0) +
                (size_t)__builtin_popcountll(x->bm1 & ~y->bm1);
    size_t oy = (size_t)__builtin_popcountll(y->bm0 & ~x->bm0) +
                (size_t)__builtin_popcountll(y->bm1 & ~x->bm1);
    size_t ix = x->n - ox, iy = y->n - oy;
    return x->doc != y->doc && (ix < iy ? ix : iy) >= need[x->n + y->n];
}

static inline void load_member(const nd_para_sketch *k, member *m)
{
    m->bm0 = k->bm[0];
    m->bm1 = k->bm[1];
    m->n = k->fp_n;
    m->doc = k->doc;
}

/* The candidate pairs of one band, from its entries kv[0..n) sorted by band key: every
 * pair of a small bucket, and in a large one each record with the bucket's first and its
 * predecessor, less those the fingerprint maps rule out. Buckets of one record are dropped
 * before any sketch is read; the others' sketches are prefetched AHEAD entries ahead. */
ND_CLONES("popcnt", "default")
static nd_status band_candidates(band_ctx *c, uint64_t *kv, size_t n)
{
#define KEY(i) (kv[(i)] >> 32)
#define REC(i) ((uint32_t)kv[(i)])
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && KEY(j) == KEY(i))
            j++;
        if (j - i > 1)
            for (size_t x = i; x < j; x++)
                kv[m++] = kv[x];
        i = j;
    }
    const nd_para_sketch *sk = c->in->sk;
    const uint16_t *need = c->need;
    member mb[SMALL_BUCKET];
    nd_status st = ND_OK;
    c->ncand = 0;
    size_t pf = 0;
    for (size_t i = 0; i < m && st == ND_OK;) {
        size_t j = i + 1;
        while (j < m && KEY(j) == KEY(i))
            j++;
        for (; pf < m && pf < j + AHEAD; pf++)
            __builtin_prefetch(&sk[REC(pf)]);
        if (j - i <= SMALL_BUCKET) {
            for (size_t x = 0; x < j - i; x++)
                load_member(&sk[REC(i + x)], &mb[x]);
            for (size_t x = 0; x < j - i && st == ND_OK; x++)
                for (size_t y = x + 1; y < j - i && st == ND_OK; y++)
                    if (may_match(&mb[x], &mb[y], need)) st = push_cand(c, REC(i + x), REC(i + y));
        } else {
            member first, prev, cur;
            load_member(&sk[REC(i)], &first);
            prev = first;
            for (size_t y = i + 1; y < j && st == ND_OK; y++) {
                load_member(&sk[REC(y)], &cur);
                if (may_match(&first, &cur, need)) st = push_cand(c, REC(i), REC(y));
                if (st == ND_OK && y - 1 > i && may_match(&prev, &cur, need))
                    st = push_cand(c, REC(y - 1), REC(y));
                prev = cur;
            }
        }
        i = j;
    }
#undef KEY
#undef REC
    return st;
}

/* Verifies the candidates of c->cand into c->yes, prefetching their fingerprints AHEAD
 * candidates in advance (they come in random order). */
static nd_status verify_candidates(band_ctx *c)
{
    const cand *v = c->cand;
    size_t n = c->ncand;
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n) {
            __builtin_prefetch(v[i + AHEAD].fa);
            __builtin_prefetch(v[i + AHEAD].fb);
        }
        if (nd_uf_find_shared(c->uf, v[i].a) == nd_uf_find_shared(c->uf, v[i].b))
            continue; /* joined already: its verdict cannot change a group */
        if (nd_sent_similar(v[i].fa, v[i].na, v[i].fb, v[i].nb, c->threshold))
            nd_uf_union_shared(c->uf, v[i].a, v[i].b);
    }
    return ND_OK;
}

static void *band_worker(void *arg)
{
    band_ctx *c = arg;
    /* Entries are (32-bit band key << 32 | record): 8 bytes. */
    size_t n = c->nreps ? c->nreps : 1;
    uint64_t *buf = nd_malloc(n * sizeof *buf);
    uint64_t *tmp = nd_malloc(n * sizeof *tmp);
    c->st = buf && tmp ? ND_OK : ND_ENOMEM;
    for (unsigned band = c->first; band < ND_PARA_BANDS && c->st == ND_OK; band += c->step) {
        uint64_t *kv = sort_gathered(c->in->band[band], c->reps, c->nreps, buf, tmp);
        c->st = band_candidates(c, kv, c->nreps);
        if (c->st == ND_OK) c->st = verify_candidates(c);
    }
    nd_free(buf);
    nd_free(tmp);
    return NULL;
}

/* One thread's share of the exact keys: the partitions first, first + step, ... */
typedef struct exact_ctx {
    const nd_para_rec *recs;
    uint64_t *kv, *room;   /* entries (high 32 bits of the key << 32 | record), partitioned */
    const uint32_t *start; /* the partitions' bounds */
    unsigned char *rep;    /* rep[i] = 1: record i is the first of its key */
    unsigned first, step;
    nd_uf *uf; /* shared by the threads */
} exact_ctx;

static void *exact_worker(void *arg)
{
    exact_ctx *c = arg;
    for (size_t b = c->first; b < 2048; b += c->step) {
        finish_partition(c->kv, c->room, c->start, b);
        uint64_t *kv = c->kv + c->start[b];
        size_t n = c->start[b + 1] - c->start[b];
        for (size_t i = 0; i < n;) {
            size_t j = i + 1;
            while (j < n && (kv[j] >> 32) == (kv[i] >> 32))
                j++;
            /* In a run, records are in record order (the sort is stable): each key's first
             * record is its representative, the others join it and are crossed out
             * (record field UINT32_MAX, which no record has). */
            for (size_t x = i; x < j; x++) {
                uint32_t rx = (uint32_t)kv[x];
                if (rx == UINT32_MAX) continue;
                c->rep[rx] = 1;
                for (size_t y = x + 1; y < j; y++) {
                    uint32_t ry = (uint32_t)kv[y];
                    if (ry != UINT32_MAX && c->recs[ry].key == c->recs[rx].key) {
                        nd_uf_union_shared(c->uf, rx, ry);
                        kv[y] |= UINT32_MAX;
                    }
                }
            }
            i = j;
        }
    }
    return NULL;
}

/* Joins the records with equal exact keys, sorting them on `threads` threads; fills reps
 * with one record per key (its first), in record order, and returns how many, or SIZE_MAX
 * without memory. */
static size_t exact_keys(const nd_para_rec *recs, size_t n, unsigned threads, nd_uf *uf,
                         uint32_t *reps)
{
    uint64_t *buf = nd_malloc((n ? n : 1) * sizeof *buf);
    uint64_t *kv = nd_malloc((n ? n : 1) * sizeof *kv);
    unsigned char *rep = nd_calloc(n ? n : 1, 1);
    exact_ctx ctx[ND_PARA_BANDS];
    uint32_t start[2049];
    size_t nreps = SIZE_MAX;
    if (!buf || !kv || !rep) goto out;
    for (size_t i = 0; i < n; i++)
        buf[i] = (recs[i].key & ~UINT64_C(0xffffffff)) | i;
    partition_entries(buf, NULL, NULL, n, kv, start);
    for (unsigned t = 0; t < threads; t++)
        ctx[t] = (exact_ctx){.recs = recs,
                             .kv = kv,
                             .room = buf,
                             .start = start,
                             .rep = rep,
                             .first = t,
                             .step = threads,
                             .uf = uf};
    nd_run_threads(exact_worker, ctx, sizeof *ctx, threads);
    nreps = 0;
    for (size_t i = 0; i < n; i++)
        if (rep[i]) reps[nreps++] = (uint32_t)i;
out:
    nd_free(buf);
    nd_free(kv);
    nd_free(rep);
    return nreps;
}

nd_status nd_para_link(const nd_para_input *in, double threshold, unsigned threads, nd_uf *uf)
{
    size_t n = in->n;
    if (n >= UINT32_MAX) return ND_EINVAL;
    if (threads < 1) threads = 1;
    if (threads > ND_PARA_BANDS) threads = ND_PARA_BANDS;
    uint16_t need[2 * ND_SENT_FP_MAX + 1];
    uint32_t *reps = nd_malloc((n ? n : 1) * sizeof *reps);
    band_ctx ctx[ND_PARA_BANDS];
    nd_status st = ND_ENOMEM;
    size_t nreps;
    memset(ctx, 0, sizeof ctx);
    if (!reps || (nreps = exact_keys(in->recs, n, threads, uf, reps)) == SIZE_MAX) goto out;
    for (size_t sum = 0; sum <= 2 * ND_SENT_FP_MAX; sum++) {
        size_t i = 0;
        while (i <= sum / 2 && !nd_verify_passes(i, sum - i, i, threshold))
            i++;
        need[sum] = (uint16_t)i;
    }
    for (unsigned t = 0; t < threads; t++)
        ctx[t] = (band_ctx){.in = in,
                            .reps = reps,
                            .nreps = nreps,
                            .threshold = threshold,
                            .need = need,
                            .first = t,
                            .step = threads,
                            .uf = uf,
                            .st = ND_OK};
    nd_run_threads(band_worker, ctx, sizeof *ctx, threads);
    nd_uf_recount(uf);
    st = ND_OK;
    for (unsigned t = 0; t < threads && st == ND_OK; t++)
        st = ctx[t].st;
out:
    for (unsigned t = 0; t < threads; t++)
        nd_free(ctx[t].cand);
    nd_free(reps);
    return st;
}

nd_status nd_para_group(const nd_para_rec *recs, size_t n, nd_uf *uf, nd_para_groups *out)
{
    nd_status st = ND_ENOMEM;
    nd_para_groups g = {0};
    uint32_t *first = NULL; /* root -> its component's first record + 1, 0 = not seen */
    uint64_t *ent = NULL, *tmp = NULL;
    size_t ne = 0, cap = 0;
    first = nd_calloc(n ? n : 1, sizeof *first);
    if (!first) goto out;
    /* Records of components of two or more, as (first record << 32 | record), in record
     * order; a singleton is passed over reading only its own parent and size. */
    for (size_t i = 0; i < n; i++) {
        uint32_t r = nd_uf_find(uf, (uint32_t)i);
        if (r == i && nd_uf_size(uf, r) == 1) continue;
        if (!first[r]) first[r] = (uint32_t)i + 1;
        if (ne == cap) {
            size_t c = cap ? cap * 2 : 4096;
            uint64_t *v = nd_reallocarray(ent, c, sizeof *v);
            if (!v) goto out;
            ent = v;
            cap = c;
        }
        ent[ne++] = ((uint64_t)(first[r] - 1) << 32) | i;
    }
    nd_free(first);
    first = NULL;
    /* Sorted by first record (stable: members stay in record order), runs are the
     * components, in order of their first record. */
    tmp = nd_malloc((ne ? ne : 1) * sizeof *tmp);
    if (!tmp) goto out;
    const uint64_t *kv = sort_hi32(ent, ne, tmp);
    /* Keep those spanning two or more documents (records are grouped by document). */
    g.start = nd_malloc((ne / 2 + 1) * sizeof *g.start);
    g.member = nd_malloc((ne ? ne : 1) * sizeof *g.member);
    g.identical = nd_malloc(ne / 2 + 1);
    g.ndocs = nd_malloc((ne / 2 + 1) * sizeof *g.ndocs);
    if (!g.start || !g.member || !g.identical || !g.ndocs) goto out;
    size_t ng = 0, nm = 0;
    g.start[0] = 0;
    for (size_t i = 0; i < ne;) {
        size_t j = i + 1;
        while (j < ne && (kv[j] >> 32) == (kv[i] >> 32))
            j++;
        const nd_para_rec *f = &recs[(uint32_t)kv[i]];
        uint32_t ndocs = 1;
        unsigned char identical = 1;
        for (size_t m = i + 1; m < j; m++) {
            const nd_para_rec *r = &recs[(uint32_t)kv[m]];
            ndocs += r->doc != recs[(uint32_t)kv[m - 1]].doc;
            identical &= r->key == f->key;
        }
        if (ndocs >= 2) {
            for (size_t m = i; m < j; m++)
                g.member[nm++] = (uint32_t)kv[m];
            g.identical[ng] = identical;
            g.ndocs[ng] = ndocs;
            g.start[++ng] = nm;
        }
        i = j;
    }
    g.n = ng;
    *out = g;
    memset(&g, 0, sizeof g);
    st = ND_OK;
out:
    nd_free(first);
    nd_free(ent);
    nd_free(tmp);
    nd_para_groups_clear(&g);
    return st;
}
