/*
 * lsh.c - banding parameters, the buckets of a band, and article candidates (see lsh.h).
 *
 * nd_lsh_bucket_all first computes every band's key of every document in one pass through
 * the signatures (documents split between the threads), then gives each thread its share of
 * the bands: it sorts a band's keys into buckets and keeps the members of the buckets of two
 * or more (linked in the union-find, shared by the threads, as it goes). Memory is one key
 * per document and band, plus the members of the shared buckets. nd_lsh_bucket_keys starts
 * from keys kept during pass 1 instead (document after document, so a band's keys are read
 * with a stride of `bands` keys) and does the second step alone: the same buckets.
 */
#include "lsh.h"

#include <math.h>
#include <string.h>

#include "radix.h"
#include "threads.h"

/* The chance a pair exactly at the threshold must have of becoming a candidate. */
#define RECALL_AT_T 0.9995

double nd_lsh_probability(double j, unsigned bands, unsigned rows)
{
    return 1.0 - pow(1.0 - pow(j, (double)rows), (double)bands);
}

/* The mass of the candidate probability over [lo, hi] (midpoint rule: plenty for these
 * smooth, monotone curves). */
static double mass(double lo, double hi, unsigned b, unsigned r)
{
    const int steps = 64;
    double h = (hi - lo) / steps, sum = 0.0;
    for (int i = 0; i < steps; i++)
        sum += nd_lsh_probability(lo + (i + 0.5) * h, b, r);
    return sum * h;
}

/*
 * Recall first: verification is exact, so a candidate too many costs one test, a candidate
 * too few is a pair lost. Of the b x r whose chance at J = t is at least RECALL_AT_T (so
 * pairs above t, the more so), the one with the least false-candidate mass below t; when
 * k is too small for any to reach it, the one with the best chance at t.
 */
nd_status nd_lsh_params_for(double t, unsigned k, nd_lsh_params *out)
{
    if (!(t > 0.0 && t <= 1.0) || k == 0) return ND_EINVAL;
    double best_fp = INFINITY, best_p = -1.0;
    nd_lsh_params bp = {1, k}, fallback = {1, k};
    for (unsigned b = 1; b <= k; b++) {
        for (unsigned r = 1; r <= k / b; r++) {
            double p = nd_lsh_probability(t, b, r);
            if (p > best_p) {
                best_p = p;
                fallback = (nd_lsh_params){b, r};
            }
            if (p < RECALL_AT_T) continue;
            double fp = mass(0.0, t, b, r);
            if (fp < best_fp) {
                best_fp = fp;
                bp = (nd_lsh_params){b, r};
            }
        }
    }
    *out = best_fp < INFINITY ? bp : fallback;
    return ND_OK;
}

void nd_lsh_scratch_clear(nd_lsh_scratch *s)
{
    nd_free(s->buf);
    nd_free(s->tmp);
    memset(s, 0, sizeof *s);
}

/* nd_lsh_buckets, with record i's key at keys[i * stride] when idx is NULL (a band of keys
 * kept document after document, nd_lsh_bucket_keys). */
static nd_status buckets(nd_lsh_scratch *s, const uint32_t *keys, size_t stride,
                         const uint32_t *idx, size_t n, uint64_t **out, size_t *nout)
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
        const uint32_t *k = keys;
        for (size_t i = 0; i < n; i++, k += stride)
            s->buf[i] = ((uint64_t)*k << 32) | i;
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

nd_status nd_lsh_buckets(nd_lsh_scratch *s, const uint32_t *keys, const uint32_t *idx, size_t n,
                         uint64_t **out, size_t *nout)
{
    return buckets(s, keys, 1, idx, n, out, nout);
}

void nd_lsh_bands_clear(nd_lsh_bands *b)
{
    for (unsigned i = 0; i < b->nbands; i++) {
        if (b->rec) nd_free(b->rec[i]);
        if (b->start) nd_free(b->start[i]);
    }
    nd_free(b->rec);
    nd_free(b->start);
    nd_free(b->nbuckets);
    memset(b, 0, sizeof *b);
}

/* The work of one thread: first the keys of documents [lo, hi) in every band (from
 * signatures), then the buckets of bands first, first + step, ... */
typedef struct band_job {
    const uint32_t *sigs;
    size_t n, stride, lo, hi;
    nd_lsh_params p;
    unsigned first, step;
    /* band b's key of document i at keys[b * bstep + i * istep]: computed from signatures
     * band after band (bstep n, istep 1), or kept document after document (bstep 1, istep
     * bands; nd_lsh_bucket_keys) */
    const uint32_t *keys;
    size_t bstep, istep;
    uint32_t *fill; /* from signatures: keys, to be computed */
    nd_uf *uf;
    nd_lsh_bands *out;
    nd_status st;
} band_job;

/* Every band's key of documents [lo, hi): one pass through their signatures in memory
 * order (a pass per band, reading 28 bytes of each 512-byte signature, was bound by cache
 * misses). */
static void *band_keys(void *arg)
{
    band_job *j = arg;
    for (size_t i = j->lo; i < j->hi; i++) {
        const uint32_t *sig = j->sigs + i * j->stride;
        for (unsigned b = 0; b < j->p.bands; b++)
            j->fill[(size_t)b * j->n + i] = nd_lsh_band_key(sig, b, j->p.rows);
    }
    return NULL;
}

nd_status nd_lsh_put_band(const uint64_t *e, size_t m, unsigned band, nd_uf *uf, nd_lsh_bands *out)
{
    size_t nb = 0;
    for (size_t i = 0; i < m; i = nd_lsh_bucket_end(e, m, i))
        nb++;
    uint32_t *rec = nd_malloc((m ? m : 1) * sizeof *rec);
    uint32_t *start = nd_malloc((nb + 1) * sizeof *start);
    if (!rec || !start) {
        nd_free(rec);
        nd_free(start);
        return ND_ENOMEM;
    }
    nb = 0;
    for (size_t i = 0; i < m;) {
        size_t k = nd_lsh_bucket_end(e, m, i);
        start[nb++] = (uint32_t)i;
        for (size_t x = i; x < k; x++) {
            rec[x] = (uint32_t)e[x];
            if (uf && x > i) nd_uf_union_shared(uf, rec[i], rec[x]);
        }
        i = k;
    }
    start[nb] = (uint32_t)m;
    out->rec[band] = rec;
    out->start[band] = start;
    out->nbuckets[band] = nb;
    return ND_OK;
}

/* Band `band`'s buckets into j->out (and joined in j->uf). */
static nd_status one_band(band_job *j, unsigned band, nd_lsh_scratch *scr)
{
    uint64_t *e;
    size_t m;
    const uint32_t *k = j->n ? j->keys + band * j->bstep : NULL; /* (kept keys: none at 0) */
    nd_status st = buckets(scr, k, j->istep, NULL, j->n, &e, &m);
    if (st != ND_OK) return st;
    return nd_lsh_put_band(e, m, band, j->uf, j->out);
}

static void *run_bands(void *arg)
{
    band_job *j = arg;
    nd_lsh_scratch scr = {0};
    j->st = ND_OK;
    for (unsigned band = j->first; band < j->p.bands && j->st == ND_OK; band += j->step)
        j->st = one_band(j, band, &scr);
    nd_lsh_scratch_clear(&scr);
    return NULL;
}

/* The buckets of every band into *out (see nd_lsh_bucket_all), on `threads` threads, from
 * the keys (band b's key of document i at keys[b * bstep + i * istep]); with sigs, keys is
 * fill, where the keys of the signatures are computed first (bstep n, istep 1). */
static nd_status bucket_bands(const uint32_t *sigs, size_t stride, uint32_t *fill,
                              const uint32_t *keys, size_t bstep, size_t istep, size_t n,
                              const nd_lsh_params *p, unsigned threads, nd_uf *uf,
                              nd_lsh_bands *out)
{
    if (threads < 1) threads = 1;
    if (threads > p->bands) threads = p->bands;
    nd_lsh_bands b = {0};
    band_job *jobs = nd_calloc(threads, sizeof *jobs);
    b.rec = nd_calloc(p->bands, sizeof *b.rec);
    b.start = nd_calloc(p->bands, sizeof *b.start);
    b.nbuckets = nd_calloc(p->bands, sizeof *b.nbuckets);
    b.nbands = p->bands;
    nd_status st = ND_ENOMEM;
    if (!jobs || !b.rec || !b.start || !b.nbuckets) goto out;
    for (unsigned t = 0; t < threads; t++)
        jobs[t] = (band_job){.sigs = sigs,
                             .n = n,
                             .stride = stride,
                             .lo = n * t / threads,
                             .hi = n * (t + 1) / threads,
                             .p = *p,
                             .first = t,
                             .step = threads,
                             .keys = keys,
                             .bstep = bstep,
                             .istep = istep,
                             .fill = fill,
                             .uf = uf,
                             .out = &b,
                             .st = ND_OK};
    if (sigs) nd_run_threads(band_keys, jobs, sizeof *jobs, threads);
    nd_run_threads(run_bands, jobs, sizeof *jobs, threads);
    st = ND_OK;
    for (unsigned t = 0; t < threads; t++)
        if (jobs[t].st != ND_OK) st = jobs[t].st;
    if (st == ND_OK && uf) nd_uf_recount(uf);
out:
    nd_free(jobs);
    if (st != ND_OK) {
        nd_lsh_bands_clear(&b);
        return st;
    }
    nd_lsh_bands_clear(out);
    *out = b;
    return ND_OK;
}

nd_status nd_lsh_bucket_all(const uint32_t *sigs, size_t n, size_t stride, const nd_lsh_params *p,
                            unsigned threads, nd_uf *uf, nd_lsh_bands *out)
{
    if (n >= UINT32_MAX || p->bands == 0 || p->rows == 0) return ND_EINVAL;
    uint32_t *keys = nd_reallocarray(NULL, (size_t)p->bands * (n ? n : 1), sizeof *keys);
    if (!keys) return ND_ENOMEM;
    nd_status st = bucket_bands(sigs, stride, keys, keys, n, 1, n, p, threads, uf, out);
    nd_free(keys);
    return st;
}

nd_status nd_lsh_bucket_keys(const uint32_t *keys, size_t n, const nd_lsh_params *p,
                             unsigned threads, nd_uf *uf, nd_lsh_bands *out)
{
    if (n >= UINT32_MAX || p->bands == 0 || p->rows == 0) return ND_EINVAL;
    return bucket_bands(NULL, 0, NULL, keys, 1, p->bands, n, p, threads, uf, out);
}
