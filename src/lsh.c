/*
 * lsh.c - banding signatures into candidate pairs (see lsh.h).
 *
 * For each band in turn, every used document's band key goes into one uthash table whose
 * entries come from a pool sized for all documents (no allocation per document); documents
 * sharing a key are chained through an index array. Then each bucket of two or more
 * documents emits its pairs - all of them up to the cap, else each member with the first.
 * The table and pool are reused for the next band, so memory is O(documents), not
 * O(documents x bands). Pairs from all bands are sorted and de-duplicated at the end.
 */
#include "neardup/lsh.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xxh.h"

#include "ht.h"
#include "threads.h"

#define W_FP 0.01
#define W_FN 0.99

double nd_lsh_probability(double j, unsigned bands, unsigned rows)
{
    return 1.0 - pow(1.0 - pow(j, (double)rows), (double)bands);
}

/* Midpoint rule over [lo, hi]: plenty for these smooth, monotone curves. */
static double mass(double lo, double hi, unsigned b, unsigned r, int fn)
{
    const int steps = 64;
    double h = (hi - lo) / steps, sum = 0.0;
    for (int i = 0; i < steps; i++) {
        double p = nd_lsh_probability(lo + (i + 0.5) * h, b, r);
        sum += fn ? 1.0 - p : p;
    }
    return sum * h;
}

nd_status nd_lsh_params_for(double t, unsigned k, nd_lsh_params *out)
{
    if (!(t > 0.0 && t <= 1.0) || k == 0) return ND_EINVAL;
    double best = INFINITY;
    nd_lsh_params bp = {1, k};
    for (unsigned b = 1; b <= k; b++) {
        for (unsigned r = 1; r <= k / b; r++) {
            double e = W_FP * mass(0.0, t, b, r, 0) + W_FN * mass(t, 1.0, b, r, 1);
            if (e < best) {
                best = e;
                bp.bands = b;
                bp.rows = r;
            }
        }
    }
    *out = bp;
    return ND_OK;
}

void nd_pairs_clear(nd_pairs *p)
{
    nd_free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

nd_status nd_pairs_push(nd_pairs *p, uint32_t a, uint32_t b)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        nd_pair *v = nd_reallocarray(p->v, cap, sizeof *v);
        if (!v) return ND_ENOMEM;
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n].a = a < b ? a : b;
    p->v[p->n].b = a < b ? b : a;
    p->n++;
    return ND_OK;
}

static int pair_cmp(const void *x, const void *y)
{
    const nd_pair *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

nd_status nd_pairs_sort_unique(nd_pairs *p)
{
    if (p->n < 2) return ND_OK;
    qsort(p->v, p->n, sizeof *p->v, pair_cmp);
    size_t w = 1;
    for (size_t i = 1; i < p->n; i++)
        if (p->v[i].a != p->v[w - 1].a || p->v[i].b != p->v[w - 1].b) p->v[w++] = p->v[i];
    p->n = w;
    return ND_OK;
}

uint64_t nd_lsh_band_key(const uint32_t *sig, unsigned band, unsigned rows)
{
    return XXH3_64bits_withSeed(sig + (size_t)band * rows, rows * sizeof *sig, band);
}

typedef struct bucket {
    uint64_t key;
    uint32_t first, last, count;
    unsigned char oom;
    UT_hash_handle hh;
} bucket;

/* Emits the pairs of one bucket whose members are chained through next[]. */
static nd_status emit_bucket(const bucket *bk, const uint32_t *next, size_t cap, nd_pairs *out)
{
    if (bk->count > cap) {
        for (uint32_t m = next[bk->first]; m != UINT32_MAX; m = next[m])
            if (nd_pairs_push(out, bk->first, m) != ND_OK) return ND_ENOMEM;
        return ND_OK;
    }
    for (uint32_t x = bk->first; x != UINT32_MAX; x = next[x])
        for (uint32_t y = next[x]; y != UINT32_MAX; y = next[y])
            if (nd_pairs_push(out, x, y) != ND_OK) return ND_ENOMEM;
    return ND_OK;
}

/* The work of one thread: bands first, first + step, ... into its own pairs. */
typedef struct band_job {
    const uint32_t *sigs;
    size_t ndocs, stride, cap;
    const unsigned char *use;
    nd_lsh_params p;
    unsigned first, step;
    nd_pairs out;
    size_t capped;
    nd_status st;
} band_job;

static void *run_bands(void *arg)
{
    band_job *j = arg;
    size_t n = j->ndocs;
    bucket *pool = nd_calloc(n ? n : 1, sizeof *pool);
    uint32_t *next = nd_calloc(n ? n : 1, sizeof *next);
    j->st = ND_OK;
    if (!pool || !next) {
        j->st = ND_ENOMEM;
        goto out;
    }
    for (unsigned band = j->first; band < j->p.bands; band += j->step) {
        bucket *table = NULL;
        size_t used = 0;
        for (size_t i = 0; i < n; i++) {
            if (j->use && !j->use[i]) continue;
            uint64_t key = nd_lsh_band_key(j->sigs + i * j->stride, band, j->p.rows);
            bucket *bk;
            next[i] = UINT32_MAX;
            HASH_FIND(hh, table, &key, sizeof key, bk);
            if (bk) {
                next[bk->last] = (uint32_t)i;
                bk->last = (uint32_t)i;
                bk->count++;
                continue;
            }
            bk = &pool[used++];
            bk->key = key;
            bk->first = bk->last = (uint32_t)i;
            bk->count = 1;
            bk->oom = 0;
            HASH_ADD(hh, table, key, sizeof key, bk);
            if (bk->oom) {
                HASH_CLEAR(hh, table);
                j->st = ND_ENOMEM;
                goto out;
            }
        }
        /* Buckets in pool order = order of their first document: deterministic. */
        for (size_t b = 0; b < used && j->st == ND_OK; b++) {
            if (pool[b].count < 2) continue;
            if (pool[b].count > j->cap) j->capped++;
            j->st = emit_bucket(&pool[b], next, j->cap, &j->out);
        }
        HASH_CLEAR(hh, table);
        if (j->st != ND_OK) goto out;
    }
out:
    nd_free(pool);
    nd_free(next);
    return NULL;
}

nd_status nd_lsh_candidates(const uint32_t *sigs, size_t ndocs, size_t stride,
                            const unsigned char *use, const nd_lsh_params *p, size_t bucket_cap,
                            nd_pairs *out, size_t *capped)
{
    return nd_lsh_candidates_mt(sigs, ndocs, stride, use, p, bucket_cap, 1, out, capped);
}

nd_status nd_lsh_candidates_mt(const uint32_t *sigs, size_t ndocs, size_t stride,
                               const unsigned char *use, const nd_lsh_params *p, size_t bucket_cap,
                               unsigned threads, nd_pairs *out, size_t *capped)
{
    if (ndocs >= UINT32_MAX || p->bands == 0 || p->rows == 0) return ND_EINVAL;
    if (threads < 1) threads = 1;
    if (threads > p->bands) threads = p->bands;
    band_job *jobs = nd_calloc(threads, sizeof *jobs);
    nd_status st = ND_OK;
    if (!jobs) {
        st = ND_ENOMEM;
        goto out;
    }
    for (unsigned t = 0; t < threads; t++) {
        band_job *j = &jobs[t];
        j->sigs = sigs;
        j->ndocs = ndocs;
        j->stride = stride;
        j->cap = bucket_cap ? bucket_cap : ND_LSH_BUCKET_CAP;
        j->use = use;
        j->p = *p;
        j->first = t;
        j->step = threads;
    }
    nd_run_threads(run_bands, jobs, sizeof *jobs, threads);
    size_t total = 0, ncapped = 0;
    for (unsigned t = 0; t < threads; t++) {
        if (jobs[t].st != ND_OK) st = jobs[t].st;
        total += jobs[t].out.n;
        ncapped += jobs[t].capped;
    }
    if (st != ND_OK) goto out;
    if (out->cap - out->n < total) {
        nd_pair *v = nd_reallocarray(out->v, out->n + total, sizeof *v);
        if (!v) {
            st = ND_ENOMEM;
            goto out;
        }
        out->v = v;
        out->cap = out->n + total;
    }
    for (unsigned t = 0; t < threads; t++) {
        if (jobs[t].out.n) memcpy(out->v + out->n, jobs[t].out.v, jobs[t].out.n * sizeof *out->v);
        out->n += jobs[t].out.n;
    }
    st = nd_pairs_sort_unique(out);
    if (st == ND_OK && capped) *capped = ncapped;
out:
    if (jobs)
        for (unsigned t = 0; t < threads; t++)
            nd_pairs_clear(&jobs[t].out);
    nd_free(jobs);
    return st;
}
