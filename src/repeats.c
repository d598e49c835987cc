/*
 * repeats.c - doubled blocks and repeated short lines inside one article (see repeats.h).
 *
 * Candidate pairs of long paragraphs are those with equal exact keys and those whose
 * prefixes share a bigram (prefix filtering: the smallest n - ceil(t n) + 1 of a set's n
 * bigram hashes, in any fixed order of bigrams; two sets with Jaccard >= t share the
 * smallest element of their intersection in both prefixes, Chaudhuri et al. 2006), each
 * verified exactly once. Chains are cut at MAX_CHAIN earlier paragraphs per key, so the
 * work stays linear. Matches lie on diagonals of the paragraph x paragraph matrix: a
 * maximal diagonal run (x..x+L-1 -> y..y+L-1, x+L-1 < y) is a repeated block. Runs are
 * taken by source position and length, and a run whose source is itself a reported copy,
 * or whose copy is already reported, is dropped, so a block tripled is reported as two
 * copies of its first occurrence.
 *
 * The steps of doubled_blocks: long paragraphs and scratch (prepare), exact-key candidates,
 * prefix candidates, then the diagonal runs and the blocks they make.
 */
#include "repeats.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"
#include "shingle.h"
#include "verify.h"

#define MAX_CHAIN 64u

struct nd_repeats_scratch {
    nd_u64s sets;          /* bigram multisets of the long paragraphs, back to back */
    size_t *set_off;       /* paragraph i's at sets.v[set_off[i] ..] */
    uint32_t *nbig;        /* its bigrams (distinct once sorted) */
    unsigned char *sorted; /* its set is sorted and unique */
    size_t pcap;           /* room in set_off, nbig and sorted */
    nd_u64s tmp;
    nd_u64s pre;     /* a paragraph's prefix */
    nd_u64s cnt;     /* bigram occurrence counts (bytes) */
    uint32_t *match; /* scratch for block detection: 4 arrays of nl and 2 of np */
    size_t match_cap;
    uint64_t *tkey; /* open-addressing table: keys, then values and counts */
    uint32_t *tval;
    size_t tcap;
};

nd_status nd_repeats_scratch_create(nd_repeats_scratch **out)
{
    nd_repeats_scratch *s = nd_calloc(1, sizeof *s);
    if (!s) return ND_ENOMEM;
    *out = s;
    return ND_OK;
}

void nd_repeats_scratch_free(nd_repeats_scratch *s)
{
    if (!s) return;
    nd_u64s_clear(&s->sets);
    nd_free(s->set_off);
    nd_free(s->nbig);
    nd_free(s->sorted);
    nd_u64s_clear(&s->tmp);
    nd_u64s_clear(&s->pre);
    nd_u64s_clear(&s->cnt);
    nd_free(s->match);
    nd_free(s->tkey);
    nd_free(s->tval);
    nd_free(s);
}

/* ---- repeated short lines ------------------------------------------------------------ */

static int key_cmp(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* Short lines that occur more than once, in order of first occurrence. */
static nd_status short_repeats(nd_doc_paras *d, nd_repeats_scratch *s)
{
    size_t ns = 0;
    for (size_t i = 0; i < d->n; i++)
        ns += d->p[i].is_short;
    if (ns < 2) return ND_OK;
    /* (key, index) pairs sorted: runs are repeats, in order of first occurrence within. */
    if (nd_u64s_reserve(&s->tmp, 2 * ns) != ND_OK) return ND_ENOMEM;
    uint64_t *kv = s->tmp.v;
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->p[i].is_short) {
            kv[2 * k] = d->p[i].key;
            kv[2 * k + 1] = i;
            k++;
        }
    qsort(kv, ns, 2 * sizeof *kv, key_cmp);
    for (size_t i = 0; i < ns;) {
        size_t j = i + 1;
        while (j < ns && kv[2 * j] == kv[2 * i])
            j++;
        if (j - i >= 2) {
            ND_GROW(d->nshorts, d->capshorts, 8, d->shorts);
            ND_RESERVE(d->short_lines, d->capshort_lines, d->nshort_lines + (j - i), 64);
            nd_short_repeat *r = &d->shorts[d->nshorts++];
            r->para = (uint32_t)kv[2 * i + 1];
            r->first_line = d->p[r->para].first_line;
            r->count = (uint32_t)(j - i);
            r->lines_off = (uint32_t)d->nshort_lines;
            for (size_t k2 = i; k2 < j; k2++) /* indices ascending within a run of equal keys */
                d->short_lines[d->nshort_lines++] = d->p[kv[2 * k2 + 1]].first_line;
        }
        i = j;
    }
    for (size_t a = 1; a < d->nshorts; a++) { /* by first occurrence */
        nd_short_repeat x = d->shorts[a];
        size_t b = a;
        while (b > 0 && d->shorts[b - 1].para > x.para) {
            d->shorts[b] = d->shorts[b - 1];
            b--;
        }
        d->shorts[b] = x;
    }
    return ND_OK;
}

/* ---- bigram sets of long paragraphs ---------------------------------------------------- */

/* The hash of the word bigram (h0, h1): nd_shingle_combine(h, 2), inlined. */
static inline uint64_t bigram(uint64_t h0, uint64_t h1)
{
    const uint64_t h[2] = {h0, h1};
    return nd_mix_combine(h, 2);
}

/* The bigram multiset of every long paragraph (a one-word paragraph: its word), unsorted:
 * most paragraphs never need their exact set (sort_set sorts it on first use). */
static nd_status bigram_sets(const uint64_t *th, const nd_doc_paras *d, nd_repeats_scratch *s)
{
    if (s->pcap < d->n + 1) {
        size_t c = d->n + 1;
        size_t *so = nd_reallocarray(s->set_off, c, sizeof *so);
        if (!so) return ND_ENOMEM;
        s->set_off = so;
        uint32_t *nb = nd_reallocarray(s->nbig, c, sizeof *nb);
        if (!nb) return ND_ENOMEM;
        s->nbig = nb;
        unsigned char *so2 = nd_reallocarray(s->sorted, c, 1);
        if (!so2) return ND_ENOMEM;
        s->sorted = so2;
        s->pcap = c;
    }
    s->sets.n = 0;
    for (size_t i = 0; i < d->n; i++) {
        const nd_para *p = &d->p[i];
        s->set_off[i] = s->sets.n;
        s->nbig[i] = 0;
        s->sorted[i] = 0;
        if (p->is_short) continue;
        const uint64_t *h = th + p->tok_first;
        size_t nb = p->ntok > 1 ? p->ntok - 1 : 1;
        if (nd_u64s_reserve(&s->sets, s->sets.n + nb) != ND_OK) return ND_ENOMEM;
        uint64_t *out = s->sets.v + s->sets.n;
        if (p->ntok == 1)
            out[0] = nd_shingle_combine(h, 1);
        else
            for (size_t k = 0; k + 1 < p->ntok; k++)
                out[k] = bigram(h[k], h[k + 1]);
        s->sets.n += nb;
        s->nbig[i] = (uint32_t)nb;
    }
    s->set_off[d->n] = s->sets.n;
    return ND_OK;
}

/* Sorts paragraph i's bigram set and removes repeats, once. */
static void sort_set(nd_repeats_scratch *s, size_t i)
{
    if (s->sorted[i]) return;
    /* Without scratch memory the set is still sorted (insertion sort), just slower. */
    s->nbig[i] = (uint32_t)nd_u64_sort_unique(s->sets.v + s->set_off[i], s->nbig[i], &s->tmp);
    s->sorted[i] = 1;
}

/* Whether paragraphs a and b match: 0 no, 1 near-identical, 2 identical. */
static int same_para(const nd_para_opts *o, const nd_doc_paras *d, nd_repeats_scratch *s, size_t a,
                     size_t b)
{
    if (d->p[a].key == d->p[b].key) return 2;
    sort_set(s, a);
    sort_set(s, b);
    size_t na = s->nbig[a], nb = s->nbig[b];
    size_t lo = na < nb ? na : nb, hi = na < nb ? nb : na;
    if ((double)lo < o->threshold * (double)hi * (1.0 - 1e-12)) return 0; /* J <= lo / hi */
    nd_sim sim = nd_verify_exact(s->sets.v + s->set_off[a], na, s->sets.v + s->set_off[b], nb);
    return nd_verify_passes(sim.inter, na, nb, o->threshold) ? 1 : 0;
}

/* ---- doubled blocks -------------------------------------------------------------------- */

/* The long paragraphs and the scratch of one article's block search. Matches of long
 * paragraphs x < y (positions in L) are kept in a sorted array of (x << 33 | y << 1 |
 * identical), searched by binary search. */
typedef struct blocks {
    const nd_para_opts *o;
    nd_doc_paras *d;
    nd_repeats_scratch *s;
    uint32_t *L; /* L[x] = paragraph index of long paragraph x */
    size_t nl;   /* long paragraphs */
    uint32_t *prev, *stamp, *freq, *epara, *eprev, *tcount;
    size_t np;   /* prefix bigrams, at most */
    size_t tsz;  /* table slots (a power of two) */
    size_t csz;  /* bigram counters (a power of two) */
    nd_u64s m;   /* matches */
    size_t maxb; /* most bigrams of one paragraph */
} blocks;

/* The prefix length prefix filtering needs for a set of n at threshold t. */
static size_t plen(double t, size_t n)
{
    size_t need = (size_t)ceil(t * (double)n * (1.0 - 1e-12));
    size_t p = need < n ? n - need + 1 : 1;
    return p < n ? p : n;
}

/* Slot of key in the open-addressing table (tsz a power of two): its own or a free one. */
static size_t slot(const blocks *b, uint64_t key)
{
    size_t h = (size_t)(key >> 32) & (b->tsz - 1);
    while (b->s->tval[h] != UINT32_MAX && b->s->tkey[h] != key)
        h = (h + 1) & (b->tsz - 1);
    return h;
}

/* The long paragraphs, and scratch sized for them. 1 when there is nothing to search. */
static nd_status prepare(blocks *b, int *none)
{
    nd_doc_paras *d = b->d;
    nd_repeats_scratch *s = b->s;
    size_t nl = 0, np = 0, nbig = 0;
    *none = 1;
    for (size_t i = 0; i < d->n; i++)
        if (!d->p[i].is_short) {
            size_t nb = s->nbig[i];
            nl++;
            np += plen(b->o->threshold, nb);
            nbig += nb;
            b->maxb = nb > b->maxb ? nb : b->maxb;
        }
    if (nl < 2 || nl >= (1u << 21)) return ND_OK; /* (over two million lines: not searched) */
    *none = 0;
    ND_RESERVE(s->match, s->match_cap, 4 * nl + 2 * np, 1024);
    size_t tsz = 16;
    while (tsz < 2 * nl || tsz < 2 * np)
        tsz *= 2;
    if (s->tcap < tsz) {
        uint64_t *k = nd_reallocarray(s->tkey, tsz, sizeof *k);
        if (!k) return ND_ENOMEM;
        s->tkey = k;
        uint32_t *v = nd_reallocarray(s->tval, tsz, 2 * sizeof *v);
        if (!v) return ND_ENOMEM;
        s->tval = v;
        s->tcap = tsz;
    }
    b->tsz = s->tcap;
    b->csz = 1024;
    while (b->csz < 8 * nbig && b->csz < ((size_t)1 << 22))
        b->csz *= 2;
    if (nd_u64s_reserve(&s->pre, 2 * b->maxb) != ND_OK ||
        nd_u64s_reserve(&s->cnt, b->csz / 8) != ND_OK)
        return ND_ENOMEM;
    b->L = s->match;
    b->prev = b->L + nl;
    b->stamp = b->prev + nl;
    b->freq = b->stamp + nl;
    b->epara = b->freq + nl;
    b->eprev = b->epara + np;
    b->tcount = s->tval + b->tsz;
    b->nl = nl;
    b->np = np;
    nl = 0;
    for (size_t i = 0; i < d->n; i++)
        if (!d->p[i].is_short) b->L[nl++] = (uint32_t)i;
    return ND_OK;
}

/* Records the pair (x, y) of long paragraphs if they match. */
static nd_status try_pair(blocks *b, uint32_t x, uint32_t y)
{
    int k = same_para(b->o, b->d, b->s, b->L[x], b->L[y]);
    if (!k) return ND_OK;
    if (nd_u64s_reserve(&b->m, b->m.n + 1) != ND_OK) return ND_ENOMEM;
    b->m.v[b->m.n++] = ((uint64_t)x << 33) | ((uint64_t)y << 1) | (uint64_t)(k == 2);
    return ND_OK;
}

/* Exact keys. The table holds one slot per distinct key with its latest paragraph, and
 * prev[] chains the earlier ones, so each paragraph is compared with at most MAX_CHAIN
 * earlier ones (the most recent first). A paragraph whose exact key occurs more than
 * MAX_CHAIN times ("SCROLL TO CONTINUE" between every paragraph) is marked frequent: it
 * takes part only through key equality when runs are extended, and its pairs are dropped. */
static nd_status exact_candidates(blocks *b)
{
    nd_repeats_scratch *s = b->s;
    nd_status st = ND_OK;
    memset(s->tval, 0xff, b->tsz * sizeof *s->tval);
    for (uint32_t y = 0; y < b->nl && st == ND_OK; y++) {
        uint64_t key = b->d->p[b->L[y]].key;
        size_t h = slot(b, key);
        b->prev[y] = s->tval[h];
        if (s->tval[h] == UINT32_MAX) {
            s->tkey[h] = key;
            b->tcount[h] = 0;
        }
        s->tval[h] = y;
        b->tcount[h]++;
        unsigned steps = 0;
        for (uint32_t x = b->prev[y]; x != UINT32_MAX && steps < MAX_CHAIN && st == ND_OK;
             x = b->prev[x], steps++)
            st = try_pair(b, x, y);
    }
    if (st != ND_OK) return st;
    for (size_t y = 0; y < b->nl; y++)
        b->freq[y] = b->tcount[slot(b, b->d->p[b->L[y]].key)] > MAX_CHAIN;
    size_t w = 0;
    for (size_t i = 0; i < b->m.n; i++)
        if (!b->freq[b->m.v[i] >> 33] && !b->freq[(b->m.v[i] >> 1) & 0xffffffffu])
            b->m.v[w++] = b->m.v[i];
    b->m.n = w;
    return ND_OK;
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
 * The shareable part of the prefix of paragraph i at threshold t, into *out (valid until
 * the next call); returns its length, often 0.
 *
 * Bigrams are ordered by (occurrences in the document, hash), with occurrences read from
 * cnt, a counting array indexed by hash bits that can only over-count: any fixed order is
 * a valid one for prefix filtering, and this one puts a paragraph's own bigrams first. A
 * bigram counted once occurs only here, so it cannot be shared: when the prefix holds only
 * such bigrams, the paragraph has no partner at all and nothing needs doing, which is the
 * common case. With repeats the bigram count is an upper bound of the distinct one, and a
 * longer prefix is still a correct one.
 */
static size_t prefix_of(blocks *b, size_t i, const uint8_t *cnt, const uint64_t **out)
{
    nd_repeats_scratch *s = b->s;
    const uint64_t *v = s->sets.v + s->set_off[i];
    size_t mask = b->csz - 1, n = s->nbig[i], want = plen(b->o->threshold, n), own = 0;
    for (size_t k = 0; k < n; k++)
        own += cnt[v[k] & mask] == 1;
    if (own >= want) return 0;
    ordtok *o = (ordtok *)s->pre.v;
    size_t c = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned f = cnt[v[k] & mask];
        if (f < 2) continue;
        o[c].order = ((uint64_t)f << 56) | (v[k] >> 8);
        o[c].hash = v[k];
        c++;
    }
    qsort(o, c, sizeof *o, ordtok_cmp);
    uint64_t *pre = s->pre.v;
    size_t u = 0;
    for (size_t k = 0; k < c && u < want - own; k++)
        if (u == 0 || o[k].hash != pre[u - 1]) pre[u++] = o[k].hash; /* (u <= k: in place) */
    *out = pre;
    return u;
}

/* Near-identical paragraphs: those whose prefixes share a bigram, each pair once. The
 * bigrams' occurrences are counted first (bytes, saturating) for prefix_of. */
static nd_status prefix_candidates(blocks *b)
{
    nd_repeats_scratch *s = b->s;
    uint8_t *cnt = (uint8_t *)s->cnt.v;
    memset(cnt, 0, b->csz);
    for (size_t y = 0; y < b->nl; y++) {
        const uint64_t *v = s->sets.v + s->set_off[b->L[y]];
        for (size_t k = 0, nb = s->nbig[b->L[y]]; k < nb; k++) {
            uint8_t *c = &cnt[v[k] & (b->csz - 1)];
            *c += *c < 255;
        }
    }
    memset(s->tval, 0xff, b->tsz * sizeof *s->tval);
    memset(b->stamp, 0xff, b->nl * sizeof *b->stamp);
    size_t ne = 0;
    nd_status st = ND_OK;
    for (uint32_t y = 0; y < b->nl && st == ND_OK; y++) {
        if (b->freq[y]) continue;
        uint64_t ykey = b->d->p[b->L[y]].key;
        const uint64_t *tok;
        size_t pn = prefix_of(b, b->L[y], cnt, &tok);
        for (size_t k = 0; k < pn && st == ND_OK; k++) {
            size_t h = slot(b, tok[k]);
            uint32_t head = s->tval[h];
            unsigned steps = 0;
            for (uint32_t e = head; e != UINT32_MAX && steps < MAX_CHAIN && st == ND_OK;
                 e = b->eprev[e], steps++) {
                uint32_t x = b->epara[e];
                if (b->stamp[x] == y || b->d->p[b->L[x]].key == ykey) continue;
                b->stamp[x] = y;
                st = try_pair(b, x, y);
            }
            if (head == UINT32_MAX) s->tkey[h] = tok[k];
            assert(ne < b->np);
            b->epara[ne] = y;
            b->eprev[ne] = head;
            s->tval[h] = (uint32_t)ne++;
        }
    }
    return st;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The match of long paragraphs x < y: 0 none, 1 near-identical, 2 identical; a verified
 * pair, or two paragraphs with the same exact key (how frequent paragraphs match). */
static int match_at(const blocks *b, uint64_t x, uint64_t y)
{
    const uint64_t *m = b->m.v, key = (x << 33) | (y << 1);
    size_t lo = 0, hi = b->m.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((m[mid] & ~UINT64_C(1)) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < b->m.n && (m[lo] & ~UINT64_C(1)) == key) return (int)(m[lo] & 1) + 1;
    return b->d->p[b->L[x]].key == b->d->p[b->L[y]].key ? 2 : 0;
}

/* The maximal diagonal runs of the matches, each packed as x << 42 | (2^21 - 1 - len) << 21
 * | y, so that sorting orders them by source position, then longest first. */
static nd_status diagonal_runs(const blocks *b, nd_u64s *runs)
{
    for (size_t i = 0; i < b->m.n; i++) {
        uint64_t x = b->m.v[i] >> 33, y = (b->m.v[i] >> 1) & 0xffffffffu;
        if (x > 0 && match_at(b, x - 1, y - 1)) continue; /* not the start of its run */
        uint64_t len = 1;
        while (x + len < y && y + len < b->nl && match_at(b, x + len, y + len))
            len++;
        if (nd_u64s_reserve(runs, runs->n + 1) != ND_OK) return ND_ENOMEM;
        runs->v[runs->n++] = (x << 42) | (((UINT64_C(1) << 21) - 1 - len) << 21) | y;
    }
    if (runs->n) qsort(runs->v, runs->n, sizeof *runs->v, u64_cmp);
    return ND_OK;
}

/* The blocks: each run in order, unless its source is itself a reported copy or its copy
 * is already reported (covered[] marks the reported copies). */
static nd_status take_runs(const blocks *b, const nd_u64s *runs, unsigned char *covered)
{
    nd_doc_paras *d = b->d;
    const uint32_t *L = b->L;
    for (size_t i = 0; i < runs->n; i++) {
        uint64_t x = runs->v[i] >> 42;
        uint64_t len = (UINT64_C(1) << 21) - 1 - ((runs->v[i] >> 21) & 0x1fffff);
        uint64_t y = runs->v[i] & 0x1fffff;
        int src_copy = 1, dst_done = 1;
        for (uint64_t t = 0; t < len; t++) {
            src_copy &= covered[x + t];
            dst_done &= covered[y + t];
        }
        if (src_copy || dst_done) continue;
        ND_GROW(d->nblocks, d->capblocks, 8, d->blocks);
        nd_block_repeat *r = &d->blocks[d->nblocks++];
        r->a_first = d->p[L[x]].first_line;
        r->a_last = d->p[L[x + len - 1]].last_line;
        r->b_first = d->p[L[y]].first_line;
        r->b_last = d->p[L[y + len - 1]].last_line;
        r->nparas = (uint32_t)len;
        r->words = 0;
        r->identical = 1;
        for (uint64_t t = 0; t < len; t++) {
            r->identical &= match_at(b, x + t, y + t) == 2;
            if (!covered[y + t]) r->words += d->p[L[y + t]].ntok;
            covered[y + t] = 1;
        }
        d->repeated_words += r->words;
    }
    return ND_OK;
}

static nd_status doubled_blocks(const nd_para_opts *o, nd_doc_paras *d, nd_repeats_scratch *s)
{
    blocks b;
    memset(&b, 0, sizeof b);
    b.o = o;
    b.d = d;
    b.s = s;
    int none;
    nd_status st = prepare(&b, &none);
    if (st != ND_OK || none) return st;
    if ((st = exact_candidates(&b)) == ND_OK) st = prefix_candidates(&b);
    if (st == ND_OK && b.m.n) {
        qsort(b.m.v, b.m.n, sizeof *b.m.v, u64_cmp);
        size_t w = 0;
        for (size_t i = 0; i < b.m.n; i++)
            if (w == 0 || b.m.v[i] != b.m.v[w - 1]) b.m.v[w++] = b.m.v[i];
        b.m.n = w;
        nd_u64s runs = {0};
        unsigned char *covered = nd_calloc(b.nl, 1);
        st = covered ? diagonal_runs(&b, &runs) : ND_ENOMEM;
        if (st == ND_OK) st = take_runs(&b, &runs, covered);
        nd_free(covered);
        nd_u64s_clear(&runs);
    }
    nd_u64s_clear(&b.m);
    return st;
}

nd_status nd_repeats_find(const nd_para_opts *o, const uint64_t *th, nd_doc_paras *d,
                          nd_repeats_scratch *s)
{
    d->nblocks = d->nshorts = d->nshort_lines = 0;
    d->repeated_words = 0;
    nd_status st = bigram_sets(th, d, s);
    if (st == ND_OK) st = short_repeats(d, s);
    if (st == ND_OK) st = doubled_blocks(o, d, s);
    return st;
}
