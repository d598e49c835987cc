/*
 * contain.c - containment candidates from shared fingerprints (see contain.h).
 *
 * The (fingerprint, document) entries are radix-sorted by fingerprint (stable, so each
 * fingerprint's documents stay in input order). For each fingerprint, its documents are
 * reduced to the first ND_CONTAIN_PER_ROOT of each component of `joined`, and pairs of
 * those in different components are emitted as (a << 32 | b); a sort of the pairs then
 * counts, for each, how many fingerprints its two documents share. The pairs are sorted in
 * two stable radix passes (by b, then by a).
 */
#include "contain.h"

#include <math.h>
#include <string.h>

#include "radix.h"

typedef struct pairbuf {
    uint64_t *v;
    size_t n, cap;
} pairbuf;

static nd_status emit(pairbuf *p, uint32_t a, uint32_t b)
{
    ND_GROW(p->n, p->cap, 4096, p->v);
    p->v[p->n++] = (uint64_t)a << 32 | b; /* a < b: the lists are in input order */
    return ND_OK;
}

/* One fingerprint's kept documents, in input order, each with the ordinal of its component
 * among the fingerprint's components (0 for the first met). */
typedef struct rep {
    uint32_t doc, comp;
} rep;

/* The pairs of one fingerprint's kept documents reps[0..k) of ncomp components: those in
 * different components, all of them up to ND_CONTAIN_ALL components, else only those with
 * a document of the first ND_CONTAIN_FIRST components (linear in k). */
static nd_status emit_run(pairbuf *p, const rep *reps, size_t k, uint32_t ncomp)
{
    int all = ncomp <= ND_CONTAIN_ALL;
    for (size_t i = 0; i < k; i++) {
        if (!all && reps[i].comp >= ND_CONTAIN_FIRST) continue;
        for (size_t j = i + 1; j < k; j++) {
            if (reps[j].comp == reps[i].comp) continue;
            /* both among the first: emitted once, here */
            if (emit(p, reps[i].doc, reps[j].doc) != ND_OK) return ND_ENOMEM;
        }
        if (all) continue;
        for (size_t j = 0; j < i; j++) /* earlier documents of later components */
            if (reps[j].comp >= ND_CONTAIN_FIRST && emit(p, reps[j].doc, reps[i].doc) != ND_OK)
                return ND_ENOMEM;
    }
    return ND_OK;
}

/* Sorts v[0..n) as 64-bit integers: two stable passes on 32 bits each. */
static nd_status sort64(uint64_t *v, size_t n)
{
    uint64_t *tmp = nd_reallocarray(NULL, n ? n : 1, sizeof *tmp);
    if (!tmp) return ND_ENOMEM;
    for (size_t i = 0; i < n; i++) /* low half first: swap the halves */
        v[i] = v[i] << 32 | v[i] >> 32;
    nd_radix_sort(v, NULL, NULL, n, v, tmp); /* into tmp (it returns its last argument) */
    for (size_t i = 0; i < n; i++)
        tmp[i] = tmp[i] << 32 | tmp[i] >> 32;
    nd_radix_sort(tmp, NULL, NULL, n, tmp, v); /* back into v */
    nd_free(tmp);
    return ND_OK;
}

nd_status nd_contain_candidates(uint64_t *fp, size_t n, size_t ndocs, nd_uf *joined, double share,
                                nd_pair **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    uint64_t *sorted = NULL;
    uint32_t *nfp = nd_calloc(ndocs ? ndocs : 1, sizeof *nfp);
    uint32_t *stamp = nd_calloc(ndocs ? ndocs : 1, sizeof *stamp); /* the run, per root */
    uint32_t *seen = nd_calloc(ndocs ? ndocs : 1, sizeof *seen);   /* its documents kept */
    uint32_t *ord = nd_calloc(ndocs ? ndocs : 1, sizeof *ord);     /* its ordinal */
    rep *reps = NULL;
    size_t capreps = 0;
    pairbuf p = {0};
    nd_status st = ND_ENOMEM;
    if (!nfp || !stamp || !seen || !ord || !(sorted = nd_reallocarray(NULL, n ? n : 1, sizeof *sorted))) goto out;
    nd_radix_sort(fp, NULL, NULL, n, fp, sorted);
    for (size_t i = 0; i < n; i++)
        nfp[(uint32_t)sorted[i]]++;
    st = ND_OK;
    uint32_t run = 0;
    for (size_t i = 0, j; i < n && st == ND_OK; i = j) {
        for (j = i + 1; j < n && sorted[j] >> 32 == sorted[i] >> 32; j++)
            ;
        if (j - i < 2) continue;
        run++;
        size_t k = 0;
        uint32_t ncomp = 0;
        for (size_t x = i; x < j; x++) {
            uint32_t d = (uint32_t)sorted[x], r = nd_uf_find(joined, d);
            if (stamp[r] != run) {
                stamp[r] = run;
                seen[r] = 0;
                ord[r] = ncomp++;
            }
            if (seen[r] == ND_CONTAIN_PER_ROOT) continue;
            seen[r]++;
            if (k == capreps) {
                rep *v = nd_grow_array(reps, &capreps, k + 1, sizeof *v, 64);
                if (!v) {
                    st = ND_ENOMEM;
                    break;
                }
                reps = v;
            }
            reps[k++] = (rep){d, ord[r]};
        }
        if (st == ND_OK && ncomp >= 2) st = emit_run(&p, reps, k, ncomp);
    }
    if (st != ND_OK || (st = sort64(p.v, p.n)) != ND_OK) goto out;
    /* Count each pair's shared fingerprints; keep those that reach the share. */
    size_t kept = 0;
    for (size_t i = 0, j; i < p.n; i = j) {
        for (j = i + 1; j < p.n && p.v[j] == p.v[i]; j++)
            ;
        uint32_t a = (uint32_t)(p.v[i] >> 32), b = (uint32_t)p.v[i];
        uint32_t small = nfp[a] < nfp[b] ? nfp[a] : nfp[b];
        double need = ceil(share * (double)small);
        if ((double)(j - i) >= (need < 1.0 ? 1.0 : need)) p.v[kept++] = p.v[i];
    }
    nd_pair *c = nd_reallocarray(NULL, kept ? kept : 1, sizeof *c);
    if (!c) {
        st = ND_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < kept; i++)
        c[i] = (nd_pair){(uint32_t)(p.v[i] >> 32), (uint32_t)p.v[i]};
    *out = c;
    *nout = kept;
out:
    nd_free(sorted);
    nd_free(nfp);
    nd_free(stamp);
    nd_free(seen);
    nd_free(ord);
    nd_free(reps);
    nd_free(p.v);
    return st;
}
