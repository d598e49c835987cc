/*
 * lsh_dist.c - the article stage's LSH across ranks (see lsh_dist.h).
 *
 * Every exchange is two collectives of the transport: each rank's byte counts for every
 * other rank (8 bytes each), then the bytes. Per band: the keys to their owners, then the
 * owners' buckets to rank 0 (the others' counts for rank 0 are 0). Buffers are reused
 * across bands and grow to the largest band's need.
 */
#include "lsh_dist.h"

#include <string.h>

#include "radix.h"

nd_status nd_dkeys_add(nd_dkeys *k, const uint32_t *sig, const nd_lsh_params *p)
{
    if (k->n == k->cap) {
        size_t cap = k->cap;
        uint32_t *v = nd_grow_array(k->v, &cap, k->n + 1, (size_t)p->bands * sizeof *v, 1024);
        if (!v) return ND_ENOMEM;
        k->v = v;
        k->cap = cap;
    }
    uint32_t *o = k->v + k->n * p->bands;
    for (unsigned b = 0; b < p->bands; b++)
        o[b] = nd_lsh_band_key(sig, b, p->rows);
    k->n++;
    return ND_OK;
}

void nd_dkeys_clear(nd_dkeys *k)
{
    nd_free(k->v);
    memset(k, 0, sizeof *k);
}

/* The state of the exchanges: per rank, bytes to send and to receive, and their counts on
 * the wire. */
typedef struct xch {
    const nd_dist *d;
    size_t *sc, *rc, *eight;
    uint64_t *cs, *cr;
} xch;

/* Room for n entries in *p (capacity *cap). */
static nd_status room(uint64_t **p, size_t *cap, size_t n)
{
    if (n <= *cap) return ND_OK;
    uint64_t *q = nd_reallocarray(*p, n, sizeof *q);
    if (!q) return ND_ENOMEM;
    *p = q;
    *cap = n;
    return ND_OK;
}

/* Sends rank r the x->sc[r] bytes of s after those of ranks < r; the entries received, in
 * rank order, into *r (capacity *rcap entries, grown), *rn their count. */
static nd_status exchange(xch *x, const void *s, uint64_t **r, size_t *rcap, size_t *rn,
                          unsigned stage)
{
    const nd_dist *d = x->d;
    unsigned n = d->nranks;
    for (unsigned i = 0; i < n; i++)
        x->cs[i] = x->sc[i];
    nd_status st = d->alltoallv(d->ud, x->cs, x->eight, x->cr, x->eight);
    if (st != ND_OK) return st;
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        if (x->cr[i] % sizeof **r || x->cr[i] > SIZE_MAX / 4 - total) return ND_ECORRUPT;
        x->rc[i] = (size_t)x->cr[i];
        total += x->cr[i];
    }
    *rn = (size_t)total / sizeof **r;
    if ((st = room(r, rcap, *rn ? *rn : 1)) != ND_OK) return st;
    if ((st = d->alltoallv(d->ud, s, x->sc, *r, x->rc)) != ND_OK) return st;
    if (d->bytes)
        for (unsigned i = 0; i < n; i++)
            if (i != d->rank) d->bytes[stage] += x->sc[i] + sizeof *x->cs;
    return ND_OK;
}

/* The runs of two or more equal keys of the sorted e[0..n), kept in place: how many. */
static size_t keep_runs(uint64_t *e, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        size_t j = nd_lsh_bucket_end(e, n, i);
        if (j - i > 1)
            for (size_t x = i; x < j; x++)
                e[m++] = e[x];
        i = j;
    }
    return m;
}

nd_status nd_dlsh_bands(const nd_dist *d, const nd_dkeys *k, const nd_lsh_params *p, size_t total,
                        nd_uf *uf, nd_lsh_bands *out)
{
    unsigned n = d->nranks, me = d->rank, nb = p->bands;
    if (nb == 0 || p->rows == 0 || !d->alltoallv) return ND_EINVAL;
    xch x = {d,
             nd_calloc(n, sizeof(size_t)),
             nd_calloc(n, sizeof(size_t)),
             nd_calloc(n, sizeof(size_t)),
             nd_calloc(n, sizeof(uint64_t)),
             nd_calloc(n, sizeof(uint64_t))};
    size_t *pos = nd_calloc(n, sizeof *pos);
    uint64_t *send = NULL, *recv = NULL, *tmp = NULL;
    size_t rcap = 0, tcap = 0, m;
    nd_lsh_bands b = {0};
    nd_status st = ND_ENOMEM;
    if (!x.sc || !x.rc || !x.eight || !x.cs || !x.cr || !pos) goto out;
    if (me == 0) {
        b.rec = nd_calloc(nb, sizeof *b.rec);
        b.start = nd_calloc(nb, sizeof *b.start);
        b.nbuckets = nd_calloc(nb, sizeof *b.nbuckets);
        b.nbands = nb;
        if (!b.rec || !b.start || !b.nbuckets) goto out;
    }
    /* The ranks' counts of documents: where this rank's are numbered from. */
    for (unsigned r = 0; r < n; r++) {
        x.eight[r] = sizeof(uint64_t);
        x.cs[r] = k->n;
    }
    if ((st = d->alltoallv(d->ud, x.cs, x.eight, x.cr, x.eight)) != ND_OK) goto out;
    if (d->bytes) d->bytes[ND_DIST_KEYS] += (uint64_t)(n - 1) * sizeof(uint64_t);
    uint64_t base = 0, all = 0;
    for (unsigned r = 0; r < n; r++) {
        if (r == me) base = all;
        all += x.cr[r];
        if (x.cr[r] >= UINT32_MAX || all >= UINT32_MAX) {
            st = ND_EINVAL;
            goto out;
        }
    }
    if (me == 0 && all != total) {
        st = ND_ECORRUPT;
        goto out;
    }
    send = nd_malloc((k->n ? k->n : 1) * sizeof *send);
    if (!send) {
        st = ND_ENOMEM;
        goto out;
    }
    for (unsigned band = 0; band < nb; band++) {
        /* This rank's entries grouped by owner, documents ascending within each. */
        memset(x.sc, 0, n * sizeof *x.sc);
        for (size_t i = 0; i < k->n; i++)
            x.sc[nd_dlsh_owner(k->v[i * nb + band], band, n)] += sizeof *send;
        size_t at = 0;
        for (unsigned r = 0; r < n; r++) {
            pos[r] = at;
            at += x.sc[r] / sizeof *send;
        }
        for (size_t i = 0; i < k->n; i++) {
            uint32_t key = k->v[i * nb + band];
            send[pos[nd_dlsh_owner(key, band, n)]++] = (uint64_t)key << 32 | (base + i);
        }
        if ((st = exchange(&x, send, &recv, &rcap, &m, ND_DIST_KEYS)) != ND_OK) goto out;
        /* Owned: in rank order, so documents ascending; sorted by key, stably. */
        if ((st = room(&tmp, &tcap, m ? m : 1)) != ND_OK) goto out;
        uint64_t *e = m ? nd_radix_sort(recv, NULL, NULL, m, recv, tmp) : tmp;
        m = keep_runs(e, m);
        memset(x.sc, 0, n * sizeof *x.sc);
        x.sc[0] = m * sizeof *e;
        /* (e is tmp: the buckets received go to recv) */
        if ((st = exchange(&x, e, &recv, &rcap, &m, ND_DIST_BUCKETS)) != ND_OK) goto out;
        if (me != 0) continue;
        /* Rank 0: each owner's buckets are whole and sorted; sorted by key among them. */
        if ((st = room(&tmp, &tcap, m ? m : 1)) != ND_OK) goto out;
        e = m ? nd_radix_sort(recv, NULL, NULL, m, recv, tmp) : tmp;
        if ((st = nd_lsh_put_band(e, m, band, uf, &b)) != ND_OK) goto out;
    }
    if (uf) nd_uf_recount(uf);
    st = ND_OK;
out:
    nd_free(x.sc);
    nd_free(x.rc);
    nd_free(x.eight);
    nd_free(x.cs);
    nd_free(x.cr);
    nd_free(pos);
    nd_free(send);
    nd_free(recv);
    nd_free(tmp);
    if (st != ND_OK) {
        nd_lsh_bands_clear(&b);
        return st;
    }
    if (me == 0) {
        nd_lsh_bands_clear(out);
        *out = b;
    }
    return ND_OK;
}
