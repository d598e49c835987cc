/*
 * paragraphs.c - repeated paragraphs inside one article and across articles (see
 * paragraphs.h).
 *
 * Inside an article: paragraphs are split by line (or blank-line block) and mapped to the
 * article's tokens through the tokens' byte offsets, so the text is tokenised only once.
 * Every pair of long paragraphs is compared (exact key first, then the exact Jaccard of
 * their bigram sets, skipping pairs whose sizes alone rule it out); above MAX_PAIRWISE long
 * paragraphs only pairs that share an exact key or an LSH band are compared. Matches lie
 * on diagonals of the paragraph x paragraph matrix: a maximal diagonal run (x..x+L-1 ->
 * y..y+L-1, x+L-1 < y) is a repeated block. Runs are taken by source position and length,
 * and a run whose source is itself a reported copy, or whose copy is already reported, is
 * dropped, so a block tripled is reported as two copies of its first occurrence.
 *
 * Across articles: exact keys are grouped by sorting; near-identical paragraphs by MinHash
 * LSH, where a band key is the band's four 16-bit signature values packed into one
 * integer. Each band is sorted; a run of equal keys of at most SMALL_BUCKET records yields
 * all its pairs, a longer one (boilerplate in thousands of articles) pairs each member
 * with the run's first member and its predecessor, so the work stays linear. Pairs whose
 * signature estimate is far below the threshold are dropped; the caller verifies the rest
 * exactly; union-find joins what matches. A group is kept when it spans two or more
 * articles.
 */
#include "neardup/paragraphs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "neardup/alloc.h"
#include "grow.h"
#include "neardup/cluster.h"
#include "neardup/verify.h"

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
    nd_u64s_clear(&d->ssets);
    nd_u64s_clear(&d->sets);
    nd_u64s_clear(&d->tmp);
    nd_free(d->set_off);
    nd_free(d->match);
    memset(d, 0, sizeof *d);
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

/* Exact key, bigram set and signature of every paragraph. */
static nd_status features(const nd_para_opts *o, const nd_minhash *mh, const uint64_t *th,
                          nd_doc_paras *d)
{
    if (d->set_cap < d->n + 1) {
        size_t *so = nd_reallocarray(d->set_off, d->n + 1, sizeof *so);
        if (!so) return ND_ENOMEM;
        d->set_off = so;
        d->set_cap = d->n + 1;
    }
    d->sets.n = 0;
    uint32_t sig[ND_PARA_PERMS];
    for (size_t i = 0; i < d->n; i++) {
        nd_para *p = &d->p[i];
        const uint64_t *h = th + p->tok_first;
        p->key = nd_shingle_combine(h, p->ntok);
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
                out[k] = nd_shingle_combine(h + k, 2);
        /* Unsorted, with repeats: MinHash does not care, and most paragraphs never need
         * their exact set (same_para sorts it on first use). */
        d->sets.n += nb;
        p->nbigrams = (uint32_t)nb;
        p->sorted = 0;
        nd_minhash_sign(mh, out, nb, sig);
        for (unsigned k = 0; k < ND_PARA_PERMS; k++)
            p->sig[k] = (uint16_t)sig[k];
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
        if (i > prev && strchr("\"')]", text[i - 1]) && text[i - 1] != '\0') {
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

/* Appends the sentence of tokens [a, b) of paragraph pi with its key, bigrams, signature. */
static nd_status add_sentence(const nd_minhash *mh, const nd_tokens *t, const uint64_t *th,
                              nd_doc_paras *d, size_t pi, size_t a, size_t b)
{
    const nd_para *p = &d->p[pi];
    uint32_t sig[ND_PARA_PERMS];
    if (d->ns == d->caps) {
        size_t c = d->caps ? d->caps * 2 : 64;
        nd_sentence *v = nd_reallocarray(d->s, c, sizeof *v);
        if (!v) return ND_ENOMEM;
        d->s = v;
        d->caps = c;
    }
    size_t n = b - a, nb = n > 1 ? n - 1 : 1;
    if (nd_u64s_reserve(&d->ssets, d->ssets.n + nb) != ND_OK) return ND_ENOMEM;
    nd_sentence *se = &d->s[d->ns++];
    se->para = (uint32_t)pi;
    se->start = t->v[a].src;
    se->end = b < p->tok_first + p->ntok ? t->v[b].src : p->end;
    se->key = nd_shingle_combine(th + a, n);
    uint64_t *bg = d->ssets.v + d->ssets.n;
    if (n >= 2 && !p->sorted) /* its bigrams are a run of its paragraph's (still in order) */
        memcpy(bg, d->sets.v + d->set_off[pi] + (a - p->tok_first), nb * sizeof *bg);
    else if (n == 1)
        bg[0] = nd_shingle_combine(th + a, 1);
    else
        for (size_t k = 0; k + 1 < n; k++)
            bg[k] = nd_shingle_combine(th + a + k, 2);
    se->set_off = d->ssets.n; /* unsorted, with repeats: MinHash does not care */
    se->set_n = (uint32_t)nb;
    d->ssets.n += nb;
    if (a == p->tok_first && b == p->tok_first + p->ntok) {
        memcpy(se->sig, p->sig, sizeof se->sig); /* the whole paragraph: same multiset */
        return ND_OK;
    }
    nd_minhash_sign(mh, bg, nb, sig);
    for (unsigned k = 0; k < ND_PARA_PERMS; k++)
        se->sig[k] = (uint16_t)sig[k];
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
    d->ssets.n = 0;
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
    return (x[0] > y[0]) - (x[0] < y[0]) ? (x[0] > y[0]) - (x[0] < y[0])
                                         : (x[1] > y[1]) - (x[1] < y[1]);
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

static nd_status doubled_blocks(const nd_para_opts *o, nd_doc_paras *d)
{
    /* Positions of long paragraphs. */
    size_t nl = 0;
    for (size_t i = 0; i < d->n; i++)
        nl += !d->p[i].is_short;
    if (nl < 2 || nl >= (1u << 21))
        return ND_OK; /* (over two million lines: not searched for blocks) */
    if (d->match_cap < nl) {
        uint32_t *m = nd_reallocarray(d->match, nl, sizeof *m);
        if (!m) return ND_ENOMEM;
        d->match = m;
        d->match_cap = nl;
    }
    uint32_t *L = d->match; /* L[x] = paragraph index of long paragraph x */
    nl = 0;
    for (size_t i = 0; i < d->n; i++)
        if (!d->p[i].is_short) L[nl++] = (uint32_t)i;

    nd_u64s m = {0};
    nd_status st = ND_OK;
    {
        /* Candidates: equal exact key, or equal band of the signature. Per pass, a table
         * holds one slot per distinct key with its latest paragraph, and prev[] chains the
         * earlier ones, so each paragraph is compared with at most MAX_CHAIN earlier ones
         * (the most recent first) and the work stays linear. A paragraph whose exact key
         * occurs more than MAX_CHAIN times ("SCROLL TO CONTINUE" between every paragraph)
         * takes part only through key equality when runs are extended. */
        size_t tsz = 16;
        while (tsz < 2 * nl)
            tsz *= 2;
        uint64_t *tkey = nd_malloc(tsz * sizeof *tkey);
        uint32_t *tlast = nd_malloc(tsz * sizeof *tlast);
        uint32_t *tcount = nd_malloc(tsz * sizeof *tcount);
        uint32_t *prev = nd_malloc(nl * sizeof *prev);
        unsigned char *freq = nd_calloc(nl, 1);
        if (!tkey || !tlast || !tcount || !prev || !freq) {
            st = ND_ENOMEM;
            goto cand_out;
        }
        for (unsigned pass = 0; pass <= ND_PARA_BANDS && st == ND_OK; pass++) {
            /* pass 0: exact keys (also finds the frequent ones); then the bands */
            memset(tlast, 0xff, tsz * sizeof *tlast);
            for (size_t y = 0; y < nl && st == ND_OK; y++) {
                const nd_para *p = &d->p[L[y]];
                if (freq[y]) continue;
                uint64_t key = p->key;
                if (pass > 0) {
                    unsigned band = pass - 1;
                    key = 0;
                    for (unsigned r = 0; r < ND_PARA_ROWS; r++)
                        key = (key << 16) | p->sig[band * ND_PARA_ROWS + r];
                    key = key * UINT64_C(0x9e3779b97f4a7c15) + band;
                }
                size_t h = (size_t)(key >> 32) & (tsz - 1);
                while (tlast[h] != UINT32_MAX && tkey[h] != key)
                    h = (h + 1) & (tsz - 1);
                prev[y] = tlast[h];
                if (tlast[h] == UINT32_MAX) {
                    tkey[h] = key;
                    tcount[h] = 0;
                }
                tlast[h] = (uint32_t)y;
                tcount[h]++;
                unsigned steps = 0;
                for (uint32_t x = prev[y]; x != UINT32_MAX && steps < MAX_CHAIN;
                     x = prev[x], steps++) {
                    if (freq[x]) continue;
                    int k = same_para(o, d, L[x], L[y]);
                    if (!k) continue;
                    if (nd_u64s_reserve(&m, m.n + 1) != ND_OK) {
                        st = ND_ENOMEM;
                        break;
                    }
                    m.v[m.n++] = ((uint64_t)x << 33) | ((uint64_t)y << 1) | (uint64_t)(k == 2);
                }
            }
            if (pass == 0 && st == ND_OK) {
                /* Frequent exact keys: drop their pairs, mark their paragraphs. */
                for (size_t y = 0; y < nl; y++) {
                    uint64_t key = d->p[L[y]].key;
                    size_t h = (size_t)(key >> 32) & (tsz - 1);
                    while (tlast[h] != UINT32_MAX && tkey[h] != key)
                        h = (h + 1) & (tsz - 1);
                    freq[y] = tlast[h] != UINT32_MAX && tcount[h] > MAX_CHAIN;
                }
                size_t w = 0;
                for (size_t i = 0; i < m.n; i++)
                    if (!freq[m.v[i] >> 33] && !freq[(m.v[i] >> 1) & 0xffffffffu])
                        m.v[w++] = m.v[i];
                m.n = w;
            }
        }
    cand_out:
        nd_free(tkey);
        nd_free(tlast);
        nd_free(tcount);
        nd_free(prev);
        if (st != ND_OK) {
            nd_free(freq);
            goto out;
        }
        if (m.n) qsort(m.v, m.n, sizeof *m.v, u64_cmp);
        size_t w = 0;
        for (size_t i = 0; i < m.n; i++)
            if (w == 0 || m.v[i] != m.v[w - 1]) m.v[w++] = m.v[i];
        m.n = w;
        nd_free(freq);
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
    if (st == ND_OK) st = features(o, mh, th, out);
    /* Sentences first: they copy their bigrams from the paragraphs' sets, which
     * doubled_blocks sorts (in place) when it needs them. */
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

/* LSD radix sort of (key, value) pairs by key: 16-bit digits; tmp holds 2 * n values and
 * count 65536. */
static void sort_kv(uint64_t *kv, size_t n, unsigned key_bits, uint64_t *tmp, size_t *count)
{
    uint64_t *src = kv, *dst = tmp;
    for (unsigned shift = 0; shift < key_bits; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(src[2 * i] >> shift) & 0xffff]++;
        size_t sum = 0;
        for (size_t b = 0; b < 65536; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t at = count[(src[2 * i] >> shift) & 0xffff]++;
            dst[2 * at] = src[2 * i];
            dst[2 * at + 1] = src[2 * i + 1];
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != kv) memcpy(kv, src, n * 2 * sizeof *kv);
}

#define SMALL_BUCKET 32u

int nd_sent_similar(const uint16_t *a, size_t na, const uint16_t *b, size_t nb, double threshold)
{
    size_t i = 0, j = 0, inter = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else
            inter++, i++, j++;
    }
    return nd_verify_passes(inter, na, nb, threshold);
}

static unsigned sig_equal(const nd_para_rec *a, const nd_para_rec *b)
{
    unsigned eq = 0;
    for (unsigned k = 0; k < ND_PARA_PERMS; k++)
        eq += a->sig[k] == b->sig[k];
    return eq;
}

typedef struct band_ctx {
    const nd_para_rec *recs;
    const uint32_t *reps; /* one record per exact key */
    size_t nreps;
    unsigned min_eq; /* estimates below this are not near-identical */
    unsigned acc_eq; /* estimates at or above this are */
    unsigned first, step;
    nd_pairs acc; /* near-identical by the estimate */
    nd_pairs out; /* just below: for exact verification */
    nd_status st;
} band_ctx;

/* Sorts a candidate pair of records into acc or out by its signature estimate. */
static nd_status consider(band_ctx *c, uint32_t a, uint32_t b)
{
    if (c->recs[a].doc == c->recs[b].doc) return ND_OK;
    unsigned eq = sig_equal(&c->recs[a], &c->recs[b]);
    if (eq >= c->acc_eq) return nd_pairs_push(&c->acc, a, b);
    if (eq >= c->min_eq) return nd_pairs_push(&c->out, a, b);
    return ND_OK;
}

/* LSD radix sort of 64-bit values by their upper 32 bits (two 16-bit passes); tmp holds
 * n values and count 65536. Stable, so equal keys keep the order of their low bits'
 * insertion. */
static void sort_hi32(uint64_t *a, size_t n, uint64_t *tmp, size_t *count)
{
    uint64_t *src = a, *dst = tmp;
    for (unsigned shift = 32; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & 0xffff]++;
        size_t sum = 0;
        for (size_t b = 0; b < 65536; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 0xffff]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    /* two passes: the result is back in a */
}

static void *band_worker(void *arg)
{
    band_ctx *c = arg;
    /* Entries are (32-bit band key << 32 | record): 8 bytes, two radix passes. Keys of
     * different bands that collide in 32 bits only cost a signature comparison. */
    uint64_t *kv = nd_malloc((c->nreps ? c->nreps : 1) * sizeof *kv);
    uint64_t *tmp = nd_malloc((c->nreps ? c->nreps : 1) * sizeof *tmp);
    size_t *count = nd_malloc(65536 * sizeof *count);
    c->st = ND_OK;
    if (!kv || !tmp || !count) {
        nd_free(kv);
        nd_free(tmp);
        nd_free(count);
        c->st = ND_ENOMEM;
        return NULL;
    }
    for (unsigned band = c->first; band < ND_PARA_BANDS; band += c->step) {
        /* reps are in record order: this walk is sequential. */
        for (size_t i = 0; i < c->nreps; i++) {
            const nd_para_rec *r = &c->recs[c->reps[i]];
            uint64_t key = 0;
            for (unsigned k = 0; k < ND_PARA_ROWS; k++)
                key = (key << 16) | r->sig[band * ND_PARA_ROWS + k];
            key = (key * UINT64_C(0x9e3779b97f4a7c15)) >> 32;
            kv[i] = (key << 32) | c->reps[i];
        }
        sort_hi32(kv, c->nreps, tmp, count);
#define KEY(i) (kv[(i)] >> 32)
#define REC(i) ((uint32_t)kv[(i)])
        for (size_t i = 0; i < c->nreps && c->st == ND_OK;) {
            size_t j = i + 1;
            while (j < c->nreps && KEY(j) == KEY(i))
                j++;
            uint32_t f = REC(i);
            if (j - i <= SMALL_BUCKET) {
                /* A small bucket: every pair. */
                for (size_t x = i; x < j && c->st == ND_OK; x++)
                    for (size_t y = x + 1; y < j && c->st == ND_OK; y++)
                        c->st = consider(c, REC(x), REC(y));
                i = j;
                continue;
            }
            for (size_t m = i + 1; m < j && c->st == ND_OK; m++) {
                uint32_t a = REC(m), prev = REC(m - 1);
                c->st = consider(c, a, f);
                if (c->st == ND_OK && prev != f) c->st = consider(c, a, prev);
            }
            i = j;
        }
        if (c->st != ND_OK) break;
    }
#undef KEY
#undef REC
    nd_free(kv);
    nd_free(tmp);
    nd_free(count);
    return NULL;
}

nd_status nd_para_link(const nd_para_rec *recs, size_t n, double threshold, unsigned threads,
                       nd_uf *uf, nd_pairs *near)
{
    nd_status st = ND_ENOMEM;
    uint64_t *kv = NULL;
    uint32_t *reps = NULL;
    band_ctx *ctx = NULL;
    pthread_t *tid = NULL;
    if (n >= UINT32_MAX) return ND_EINVAL;
    /* Exact keys: sort (key, index); join runs; keep one representative per key. */
    kv = nd_malloc((n ? n : 1) * 2 * sizeof *kv);
    reps = nd_malloc((n ? n : 1) * sizeof *reps);
    {
        uint64_t *tmp = nd_malloc((n ? n : 1) * 2 * sizeof *tmp);
        size_t *count = nd_malloc(65536 * sizeof *count);
        if (!kv || !reps || !tmp || !count) {
            nd_free(tmp);
            nd_free(count);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            kv[2 * i] = recs[i].key;
            kv[2 * i + 1] = i;
        }
        sort_kv(kv, n, 64, tmp, count);
        nd_free(tmp);
        nd_free(count);
    }
    /* One representative per key (its first record: the sort is stable), listed in record
     * order so the band passes read the records sequentially. reps doubles as a flag
     * array first. */
    memset(reps, 0, (n ? n : 1) * sizeof *reps);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && kv[2 * j] == kv[2 * i]) {
            nd_uf_union(uf, (uint32_t)kv[2 * i + 1], (uint32_t)kv[2 * j + 1]);
            j++;
        }
        reps[kv[2 * i + 1]] = 1;
        i = j;
    }
    size_t nreps = 0;
    for (size_t i = 0; i < n; i++)
        if (reps[i]) reps[nreps++] = (uint32_t)i;
    nd_free(kv);
    kv = NULL;
    if (threads < 1) threads = 1;
    if (threads > ND_PARA_BANDS) threads = ND_PARA_BANDS;
    st = ND_ENOMEM;
    ctx = nd_calloc(threads, sizeof *ctx);
    tid = nd_calloc(threads, sizeof *tid);
    if (!ctx || !tid) goto out;
    double loose = threshold - ND_PARA_VERIFY_BAND;
    unsigned min_eq = loose > 0 ? (unsigned)(loose * ND_PARA_PERMS) : 0;
    double acc = threshold * ND_PARA_PERMS * (1.0 - 1e-12);
    unsigned acc_eq = (unsigned)acc + ((double)(unsigned)acc < acc);
    for (unsigned t = 0; t < threads; t++) {
        ctx[t].recs = recs;
        ctx[t].reps = reps;
        ctx[t].nreps = nreps;
        ctx[t].min_eq = min_eq;
        ctx[t].acc_eq = acc_eq;
        ctx[t].first = t;
        ctx[t].step = threads;
        ctx[t].st = ND_OK;
    }
    unsigned started = 0;
    for (unsigned t = 1; t < threads; t++) {
        if (pthread_create(&tid[t], NULL, band_worker, &ctx[t]) != 0) {
            ctx[t].st = ND_ENOMEM;
            break;
        }
        started = t;
    }
    band_worker(&ctx[0]);
    for (unsigned t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    st = ND_OK;
    for (unsigned t = 0; t < threads && st == ND_OK; t++) {
        if (ctx[t].st != ND_OK) {
            st = ctx[t].st;
            break;
        }
        for (size_t i = 0; i < ctx[t].acc.n; i++)
            nd_uf_union(uf, ctx[t].acc.v[i].a, ctx[t].acc.v[i].b);
        for (size_t i = 0; i < ctx[t].out.n && st == ND_OK; i++)
            st = nd_pairs_push(near, ctx[t].out.v[i].a, ctx[t].out.v[i].b);
    }
out:
    if (ctx)
        for (unsigned t = 0; t < threads; t++) {
            nd_pairs_clear(&ctx[t].out);
            nd_pairs_clear(&ctx[t].acc);
        }
    nd_free(ctx);
    nd_free(tid);
    nd_free(kv);
    nd_free(reps);
    return st;
}

nd_status nd_para_group(const nd_para_rec *recs, size_t n, nd_uf *uf, nd_para_groups *out)
{
    nd_status st = ND_ENOMEM;
    uint32_t *gid = NULL, *cnt = NULL, *lastdoc = NULL;
    nd_para_groups g = {0};
    gid = nd_calloc(n ? n : 1, sizeof *gid);
    cnt = nd_calloc(n ? n : 1, sizeof *cnt);
    lastdoc = nd_malloc((n ? n : 1) * sizeof *lastdoc);
    if (!gid || !cnt || !lastdoc) goto out;
    for (size_t i = 0; i < n; i++)
        lastdoc[i] = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = nd_uf_find(uf, (uint32_t)i);
        if (lastdoc[r] != recs[i].doc) {
            cnt[r]++; /* distinct documents: records arrive grouped by document */
            lastdoc[r] = recs[i].doc;
        }
    }
    size_t ng = 0, nm = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = nd_uf_find(uf, (uint32_t)i);
        if (cnt[r] < 2) continue;
        if (!gid[r]) gid[r] = (uint32_t)++ng;
        nm++;
    }
    g.n = ng;
    g.start = nd_calloc(ng + 1, sizeof *g.start);
    g.member = nd_malloc((nm ? nm : 1) * sizeof *g.member);
    g.identical = nd_malloc(ng ? ng : 1);
    g.ndocs = nd_malloc((ng ? ng : 1) * sizeof *g.ndocs);
    if (!g.start || !g.member || !g.identical || !g.ndocs) goto out;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = nd_uf_find(uf, (uint32_t)i);
        if (cnt[r] >= 2) {
            g.start[gid[r]]++;
            g.ndocs[gid[r] - 1] = cnt[r];
        }
    }
    for (size_t k = 1; k <= ng; k++)
        g.start[k] += g.start[k - 1];
    memset(g.identical, 1, ng ? ng : 1);
    {
        size_t *fill = nd_malloc((ng ? ng : 1) * sizeof *fill);
        if (!fill) goto out;
        memcpy(fill, g.start, ng * sizeof *fill);
        for (size_t i = 0; i < n; i++) {
            uint32_t r = nd_uf_find(uf, (uint32_t)i);
            if (cnt[r] < 2) continue;
            size_t k = gid[r] - 1;
            if (fill[k] > g.start[k] && recs[g.member[g.start[k]]].key != recs[i].key)
                g.identical[k] = 0;
            g.member[fill[k]++] = (uint32_t)i;
        }
        nd_free(fill);
    }
    *out = g;
    memset(&g, 0, sizeof g);
    st = ND_OK;
out:
    nd_free(gid);
    nd_free(cnt);
    nd_free(lastdoc);
    nd_para_groups_clear(&g);
    return st;
}
