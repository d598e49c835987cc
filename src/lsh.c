/*
 * lsh.c - banding parameters, the buckets of a band, and article candidates (see lsh.h).
 *
 * nd_lsh_candidates gives each thread its share of the bands; a thread computes its band's
 * keys for every used document, sorts them into buckets and emits the pairs of each bucket
 * into its own list; the lists are joined, sorted and de-duplicated at the end. Memory is
 * O(documents) per thread, not O(documents x bands).
 */
#include "lsh.h"

#include <math.h>
#include <string.h>

#include "radix.h"
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

void nd_lsh_scratch_clear(nd_lsh_scratch *s)
{
    nd_free(s->buf);
    nd_free(s->tmp);
    memset(s, 0, sizeof *s);
}

nd_status nd_lsh_buckets(nd_lsh_scratch *s, const uint32_t *keys, const uint32_t *idx, size_t n,
                         uint64_t **out, size_t *nout)
{
    if (n >= UINT32_MAX) return ND_EINVAL;
    if (n > s->cap) {
        uint64_t *b = nd_reallocarray(s->buf, n, sizeof *b);
        if (!b) return ND_ENOMEM;
        s->buf = b;
        uint64_t *t = nd_reallocarray(s->tmp, n, sizeof *t);
        if (!t) return ND_ENOMEM;
        s->tmp = t;
        s->cap = n;
    }
    *nout = 0;
    *out = s->tmp;
    if (n == 0) return ND_OK;
    uint64_t *e;
    if (idx) {
        e = nd_radix_sort(NULL, keys, idx, n, s->buf, s->tmp);
    } else {
        for (size_t i = 0; i < n; i++)
            s->buf[i] = ((uint64_t)keys[i] << 32) | i;
        e = nd_radix_sort(s->buf, NULL, NULL, n, s->buf, s->tmp);
    }
    /* Keep the buckets of two or more, in place. */
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        size_t j = nd_lsh_bucket_end(e, n, i);
        if (j - i > 1)
            for (size_t x = i; x < j; x++)
                e[m++] = e[x];
        i = j;
    }
    *out = e;
    *nout = m;
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

/* The pairs of the bucket e[0..m): all of them, or each member with the first. */
static nd_status emit_bucket(band_job *j, const uint64_t *e, size_t m)
{
    if (m > j->cap) {
        j->capped++;
        for (size_t y = 1; y < m; y++)
            if (nd_pairs_push(&j->out, (uint32_t)e[0], (uint32_t)e[y]) != ND_OK) return ND_ENOMEM;
        return ND_OK;
    }
    for (size_t x = 0; x < m; x++)
        for (size_t y = x + 1; y < m; y++)
            if (nd_pairs_push(&j->out, (uint32_t)e[x], (uint32_t)e[y]) != ND_OK) return ND_ENOMEM;
    return ND_OK;
}

static void *run_bands(void *arg)
{
    band_job *j = arg;
    size_t n = j->ndocs, nused = 0;
    nd_lsh_scratch scr = {0};
    uint32_t *keys = nd_malloc((n ? n : 1) * sizeof *keys);
    uint32_t *idx = j->use ? nd_malloc((n ? n : 1) * sizeof *idx) : NULL;
    j->st = keys && (idx || !j->use) ? ND_OK : ND_ENOMEM;
    if (j->st != ND_OK) goto out;
    for (size_t i = 0; i < n; i++)
        if (j->use && j->use[i]) idx[nused++] = (uint32_t)i;
    for (unsigned band = j->first; band < j->p.bands && j->st == ND_OK; band += j->step) {
        for (size_t i = 0; i < n; i++)
            keys[i] = nd_lsh_band_key(j->sigs + i * j->stride, band, j->p.rows);
        uint64_t *e;
        size_t m;
        j->st = nd_lsh_buckets(&scr, keys, idx, j->use ? nused : n, &e, &m);
        for (size_t i = 0; i < m && j->st == ND_OK;) {
            size_t k = nd_lsh_bucket_end(e, m, i);
            j->st = emit_bucket(j, e + i, k - i);
            i = k;
        }
    }
out:
    nd_lsh_scratch_clear(&scr);
    nd_free(keys);
    nd_free(idx);
    return NULL;
}

nd_status nd_lsh_candidates(const uint32_t *sigs, size_t ndocs, size_t stride,
                            const unsigned char *use, const nd_lsh_params *p, size_t bucket_cap,
                            unsigned threads, nd_pairs *out, size_t *capped)
{
    if (ndocs >= UINT32_MAX || p->bands == 0 || p->rows == 0) return ND_EINVAL;
    if (threads < 1) threads = 1;
    if (threads > p->bands) threads = p->bands;
    band_job *jobs = nd_calloc(threads, sizeof *jobs);
    if (!jobs) return ND_ENOMEM;
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
    nd_status st = ND_OK;
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
    for (unsigned t = 0; t < threads; t++)
        nd_pairs_clear(&jobs[t].out);
    nd_free(jobs);
    return st;
}
