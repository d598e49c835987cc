/*
 * link.c - linking sentences across articles, and their groups (see link.h).
 *
 * Exact keys are grouped by sorting (radix.h), partition by partition on the threads; each
 * key's first record represents it in the bands. Near-identical sentences come from MinHash
 * LSH, whose band keys the workers computed in pass 1: each band is sorted into buckets
 * (lsh.h); a bucket of at most ND_LINK_SMALL_BUCKET records yields all its pairs, a longer one
 * (boilerplate in thousands of articles) pairs each member with the bucket's first and its
 * predecessor, so the work stays linear. Every candidate is tested exactly on the
 * sentences' fingerprints, with the records prefetched ahead (the candidates are in random
 * order, and a cache miss costs more than the test); union-find joins what matches, shared
 * by the threads, so a pair already joined is not tested. A group is kept when it spans two
 * or more articles.
 */
#include "link.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "link_rule.h"
#include "lsh.h"
#include "mix.h"
#include "radix.h"
#include "sentences.h"
#include "threads.h"
#include "verify.h"

#define AHEAD 16u /* entries or candidates prefetched ahead of the one being handled */

/* ---- the store ------------------------------------------------------------------------ */

static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

nd_status nd_sent_store_map_words(nd_sent_store *s, const nd_words *local, uint32_t *map)
{
    if (!s->words && nd_words_create(&s->words) != ND_OK) return ND_ENOMEM;
    size_t n = nd_words_count(local);
    for (size_t i = 0; i < n; i++) {
        uint32_t len;
        uint64_t hash;
        const char *w = nd_words_get(local, (uint32_t)i, &len, &hash);
        nd_status st = nd_words_intern(s->words, hash, w, len, &map[i]);
        if (st != ND_OK) return st;
    }
    return ND_OK;
}

nd_status nd_sent_store_add_rec(nd_sent_store *s, const nd_para_rec *r)
{
    if (s->n == s->cap) {
        size_t cap = s->cap;
        void *p = nd_grow_array(s->recs, &cap, s->n + 1, sizeof *s->recs, 4096);
        if (!p) return ND_ENOMEM;
        s->recs = p;
        s->cap = cap;
    }
    s->recs[s->n++] = *r;
    return ND_OK;
}

nd_status nd_sent_store_add(nd_sent_store *s, const nd_para_rec *r, const uint32_t *band,
                            const nd_para_sketch *sk, const uint32_t *wids, const uint32_t *map)
{
    assert(s->nsk == s->n);
    if (s->nsk == s->capsk) {
        size_t cap = s->capsk ? 2 * s->capsk : 4096;
        for (size_t q = 0; q < ND_PARA_BANDS; q++) {
            uint32_t *bv = nd_reallocarray(s->band[q], cap, sizeof *bv);
            if (!bv) return ND_ENOMEM;
            s->band[q] = bv;
        }
        /* Sketches are read 32 bytes at a time: keep them in one cache line each. */
        if (cap > SIZE_MAX / sizeof *s->sk) return ND_ENOMEM;
        void *mem = nd_realloc_align64(s->sk_mem, s->nsk * sizeof *s->sk, cap * sizeof *s->sk);
        if (!mem) return ND_ENOMEM;
        s->sk_mem = mem;
        s->sk = nd_align64(mem);
        s->capsk = cap;
    }
    ND_RESERVE(s->wids, s->capwids, s->nwids + sk->w_n, 65536);
    size_t i = s->nsk;
    for (size_t q = 0; q < ND_PARA_BANDS; q++)
        s->band[q][i] = band[q];
    nd_para_sketch *k = &s->sk[i];
    *k = *sk;
    k->doc = r->doc;
    k->w_off = s->nwids;
    uint32_t *out = s->wids + s->nwids;
    for (uint32_t j = 0; j < sk->w_n; j++)
        out[j] = map[wids[j]];
    /* Long sentences keep their ids sorted (for a merge): sorted again in run-wide ids. */
    if (sk->w_n > ND_SENT_FP_SMALL) qsort(out, sk->w_n, sizeof *out, u32_cmp);
    nd_status st = nd_sent_store_add_rec(s, r);
    if (st != ND_OK) return st;
    s->nwids += sk->w_n;
    s->nsk++;
    return ND_OK;
}

void nd_sent_store_drop_sketches(nd_sent_store *s)
{
    nd_free(s->sk_mem);
    s->sk_mem = NULL;
    s->sk = NULL;
    s->nsk = s->capsk = 0;
    for (size_t b = 0; b < ND_PARA_BANDS; b++) {
        nd_free(s->band[b]);
        s->band[b] = NULL;
    }
    nd_free(s->wids);
    s->wids = NULL;
    s->nwids = s->capwids = 0;
}

void nd_sent_store_clear(nd_sent_store *s)
{
    nd_sent_store_drop_sketches(s);
    nd_free(s->recs);
    nd_words_free(s->words);
    memset(s, 0, sizeof *s);
}

void nd_para_groups_clear(nd_para_groups *g)
{
    nd_free(g->start);
    nd_free(g->member);
    nd_free(g->identical);
    nd_free(g->ndocs);
    memset(g, 0, sizeof *g);
}

/* ---- linking -------------------------------------------------------------------------- */

void nd_link_need(double t, uint32_t *need)
{
    for (size_t sum = 0; sum <= ND_LINK_NEED_MAX; sum++) {
        size_t i = 0;
        while (i <= sum / 2 && !nd_verify_passes(i, sum - i, i, t))
            i++;
        need[sum] = (uint32_t)i;
    }
}

typedef struct cand {
    const uint32_t *fa, *fb;
    uint32_t a, b;
    uint32_t na, nb;
} cand;

typedef struct band_ctx {
    const nd_sent_store *in;
    const uint32_t *reps; /* one record per exact key, in record order */
    size_t nreps;
    double threshold;
    const uint32_t *need; /* need[s]: least intersection passing for set sizes summing to s
                             (see nd_link_need) */
    unsigned first, step;
    cand *cand; /* one band's candidate pairs */
    size_t ncand, capcand;
    nd_uf *uf; /* shared by the threads: joins what verifies */
    nd_status st;
} band_ctx;

/* Appends the candidate pair of records a and b. */
static nd_status push_cand(band_ctx *c, uint32_t a, uint32_t b)
{
    ND_GROW(c->ncand, c->capcand, 4096, c->cand);
    const nd_para_sketch *x = &c->in->sk[a], *y = &c->in->sk[b];
    cand *k = &c->cand[c->ncand++];
    k->fa = c->in->wids + x->w_off;
    k->fb = c->in->wids + y->w_off;
    k->a = a;
    k->b = b;
    k->na = x->w_n;
    k->nb = y->w_n;
    return ND_OK;
}

static inline void load_member(const nd_para_sketch *k, nd_link_member *m)
{
    m->bm0 = k->bm[0];
    m->bm1 = k->bm[1];
    m->n = k->w_n;
    m->doc = k->doc;
}

/* One bucket of a band, as nd_link_bucket reads it: entries kv[0..n). */
typedef struct bucket {
    band_ctx *c;
    const uint64_t *kv;
} bucket;

static inline void bucket_load(void *ctx, size_t i, nd_link_member *m)
{
    const bucket *k = ctx;
    load_member(&k->c->in->sk[(uint32_t)k->kv[i]], m);
}

static inline nd_status bucket_push(void *ctx, size_t x, size_t y)
{
    const bucket *k = ctx;
    return push_cand(k->c, (uint32_t)k->kv[x], (uint32_t)k->kv[y]);
}

/* The candidate pairs of one band, from its buckets kv[0..m) (nd_lsh_buckets): every pair
 * of a small bucket, and in a large one each record with the bucket's first and its
 * predecessor, less those the fingerprint maps rule out. The sketches are prefetched AHEAD
 * entries ahead. */
ND_CLONES("popcnt", "default")
static nd_status band_candidates(band_ctx *c, const uint64_t *kv, size_t m)
{
#define KEY(i) (kv[(i)] >> 32)
#define REC(i) ((uint32_t)kv[(i)])
    const nd_para_sketch *sk = c->in->sk;
    const uint32_t *need = c->need;
    nd_status st = ND_OK;
    c->ncand = 0;
    size_t pf = 0;
    for (size_t i = 0; i < m && st == ND_OK;) {
        size_t j = i + 1;
        while (j < m && KEY(j) == KEY(i))
            j++;
        for (; pf < m && pf < j + AHEAD; pf++)
            __builtin_prefetch(&sk[REC(pf)]);
        bucket k = {c, kv + i};
        st = nd_link_bucket(j - i, need, c->threshold, bucket_load, bucket_push, &k);
        i = j;
    }
#undef KEY
#undef REC
    return st;
}

/* Verifies the candidates of c->cand, joining in c->uf those that pass, prefetching their
 * fingerprints AHEAD candidates in advance (they come in random order). */
static void verify_candidates(band_ctx *c)
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
}

static void *band_worker(void *arg)
{
    band_ctx *c = arg;
    nd_lsh_scratch scr = {0};
    c->st = ND_OK;
    for (unsigned band = c->first; band < ND_PARA_BANDS && c->st == ND_OK; band += c->step) {
        uint64_t *kv;
        size_t m;
        c->st = nd_lsh_buckets(&scr, c->in->band[band], c->reps, c->nreps, &kv, &m);
        if (c->st == ND_OK) c->st = band_candidates(c, kv, m);
        if (c->st == ND_OK) verify_candidates(c);
    }
    nd_lsh_scratch_clear(&scr);
    return NULL;
}

/* One thread's share of the exact keys: the partitions first, first + step, ... */
typedef struct exact_ctx {
    const nd_sent_store *in;
    const nd_para_rec *recs;
    double threshold;
    uint64_t *kv, *room;   /* entries (high 32 bits of the key << 32 | record), partitioned */
    const uint32_t *start; /* the partitions' bounds (ND_RADIX_PARTS + 1) */
    unsigned char *rep;    /* rep[i] = 1: record i is the first of its key */
    unsigned first, step;
    nd_uf *uf; /* shared by the threads */
} exact_ctx;

/* A run of one exact key's high bits, as nd_link_exact_run reads it: entries kv[0..n). */
typedef struct run {
    exact_ctx *c;
    uint64_t *kv;
} run;

static int run_live(void *ctx, size_t i)
{
    return (uint32_t)((run *)ctx)->kv[i] != UINT32_MAX;
}

static void run_rep(void *ctx, size_t x)
{
    run *k = ctx;
    k->c->rep[(uint32_t)k->kv[x]] = 1;
}

/* Whether y has x's whole key and words; joined if so. */
static int run_joins(void *ctx, size_t x, size_t y)
{
    run *k = ctx;
    const exact_ctx *c = k->c;
    uint32_t rx = (uint32_t)k->kv[x], ry = (uint32_t)k->kv[y];
    if (c->recs[ry].key != c->recs[rx].key) return 0;
    const nd_para_sketch *sx = &c->in->sk[rx], *sy = &c->in->sk[ry];
    if (!nd_sent_similar(c->in->wids + sx->w_off, sx->w_n, c->in->wids + sy->w_off, sy->w_n,
                         c->threshold))
        return 0;
    nd_uf_union_shared(c->uf, rx, ry);
    return 1;
}

static void run_cross(void *ctx, size_t y)
{
    ((run *)ctx)->kv[y] |= UINT32_MAX;
}

static void *exact_worker(void *arg)
{
    exact_ctx *c = arg;
    for (size_t b = c->first; b < ND_RADIX_PARTS; b += c->step) {
        nd_radix_finish(c->kv, c->room, c->start, b);
        uint64_t *kv = c->kv + c->start[b];
        size_t n = c->start[b + 1] - c->start[b];
        for (size_t i = 0; i < n;) {
            size_t j = i + 1;
            while (j < n && (kv[j] >> 32) == (kv[i] >> 32))
                j++;
            /* In a run, records are in record order (the sort is stable): the exact rule
             * (link_rule.h), records crossed out with record field UINT32_MAX (which no
             * record has). */
            run k = {c, kv + i};
            nd_link_exact_run(j - i, run_live, run_rep, run_joins, run_cross, &k);
            i = j;
        }
    }
    return NULL;
}

/* Joins the records with equal exact keys, sorting them on `threads` threads; fills reps
 * with one record per key (its first), in record order, and returns how many, or SIZE_MAX
 * without memory. */
static size_t exact_keys(const nd_sent_store *in, double threshold, unsigned threads, nd_uf *uf,
                         uint32_t *reps)
{
    const nd_para_rec *recs = in->recs;
    size_t n = in->n;
    uint64_t *buf = nd_malloc((n ? n : 1) * sizeof *buf);
    uint64_t *kv = nd_malloc((n ? n : 1) * sizeof *kv);
    unsigned char *rep = nd_calloc(n ? n : 1, 1);
    exact_ctx ctx[ND_PARA_BANDS];
    uint32_t start[ND_RADIX_PARTS + 1];
    size_t nreps = SIZE_MAX;
    if (!buf || !kv || !rep) goto out;
    for (size_t i = 0; i < n; i++)
        buf[i] = (recs[i].key & ~UINT64_C(0xffffffff)) | i;
    nd_radix_partition(buf, NULL, NULL, n, kv, start);
    for (unsigned t = 0; t < threads; t++)
        ctx[t] = (exact_ctx){.in = in,
                             .threshold = threshold,
                             .recs = recs,
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

nd_status nd_link_sentences(const nd_sent_store *in, double threshold, unsigned threads, nd_uf *uf)
{
    size_t n = in->n;
    if (n >= UINT32_MAX) return ND_EINVAL;
    if (threads < 1) threads = 1;
    if (threads > ND_PARA_BANDS) threads = ND_PARA_BANDS;
    static_assert(ND_LINK_NEED_MAX < 65536, "need table on the stack");
    uint32_t need[ND_LINK_NEED_MAX + 1];
    uint32_t *reps = nd_malloc((n ? n : 1) * sizeof *reps);
    band_ctx ctx[ND_PARA_BANDS];
    nd_status st = ND_ENOMEM;
    size_t nreps;
    memset(ctx, 0, sizeof ctx);
    if (!reps || (nreps = exact_keys(in, threshold, threads, uf, reps)) == SIZE_MAX) goto out;
    nd_link_need(threshold, need);
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

nd_status nd_link_groups(const nd_para_rec *recs, size_t n, nd_uf *uf, nd_para_groups *out)
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
            uint64_t *v = nd_grow_array(ent, &cap, ne + 1, sizeof *v, 4096);
            if (!v) goto out;
            ent = v;
        }
        ent[ne++] = ((uint64_t)(first[r] - 1) << 32) | i;
    }
    nd_free(first);
    first = NULL;
    /* Sorted by first record (stable: members stay in record order), runs are the
     * components, in order of their first record. */
    tmp = nd_malloc((ne ? ne : 1) * sizeof *tmp);
    if (!tmp) goto out;
    const uint64_t *kv = nd_radix_sort(ent, NULL, NULL, ne, ent, tmp);
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
