/*
 * cluster.c - union-find groups with a representative (see cluster.h).
 */
#include "cluster.h"

#include <string.h>

#include "alloc.h"

struct nd_uf {
    uint32_t *parent;
    uint32_t *size;
    size_t n;
};

nd_status nd_uf_create(size_t n, nd_uf **out)
{
    if (n >= UINT32_MAX) return ND_EINVAL;
    nd_uf *uf = nd_calloc(1, sizeof *uf);
    if (!uf) return ND_ENOMEM;
    uf->parent = nd_malloc((n ? n : 1) * sizeof *uf->parent);
    uf->size = nd_malloc((n ? n : 1) * sizeof *uf->size);
    if (!uf->parent || !uf->size) {
        nd_uf_free(uf);
        return ND_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        uf->parent[i] = (uint32_t)i;
        uf->size[i] = 1;
    }
    uf->n = n;
    *out = uf;
    return ND_OK;
}

void nd_uf_free(nd_uf *uf)
{
    if (!uf) return;
    nd_free(uf->parent);
    nd_free(uf->size);
    nd_free(uf);
}

uint32_t nd_uf_find(nd_uf *uf, uint32_t x)
{
    while (uf->parent[x] != x) {
        uf->parent[x] = uf->parent[uf->parent[x]]; /* path halving */
        x = uf->parent[x];
    }
    return x;
}

size_t nd_uf_size(const nd_uf *uf, uint32_t root)
{
    return uf->size[root];
}

int nd_uf_union(nd_uf *uf, uint32_t a, uint32_t b)
{
    a = nd_uf_find(uf, a);
    b = nd_uf_find(uf, b);
    if (a == b) return 0;
    if (uf->size[a] < uf->size[b]) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    uf->parent[b] = a;
    uf->size[a] += uf->size[b];
    return 1;
}

/* The shared operations: every parent is read and written atomically. A root is linked
 * under another by compare-and-swap, and only ever under a root of smaller index, so no
 * cycle can form; path halving stores an ancestor, which stays an ancestor whatever other
 * threads do (roots are linked, never unlinked). */
uint32_t nd_uf_find_shared(nd_uf *uf, uint32_t x)
{
    for (;;) {
        uint32_t p = __atomic_load_n(&uf->parent[x], __ATOMIC_RELAXED);
        if (p == x) return x;
        uint32_t g = __atomic_load_n(&uf->parent[p], __ATOMIC_RELAXED);
        if (g != p) __atomic_store_n(&uf->parent[x], g, __ATOMIC_RELAXED);
        x = g;
    }
}

int nd_uf_union_shared(nd_uf *uf, uint32_t a, uint32_t b)
{
    for (;;) {
        a = nd_uf_find_shared(uf, a);
        b = nd_uf_find_shared(uf, b);
        if (a == b) return 0;
        if (a < b) {
            uint32_t t = a;
            a = b;
            b = t;
        }
        uint32_t expect = a; /* a is still a root: link it under b */
        if (__atomic_compare_exchange_n(&uf->parent[a], &expect, b, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return 1;
    }
}

void nd_uf_recount(nd_uf *uf)
{
    for (size_t i = 0; i < uf->n; i++)
        uf->size[i] = 0;
    for (size_t i = 0; i < uf->n; i++)
        uf->size[nd_uf_find(uf, (uint32_t)i)]++;
}

void nd_groups_clear(nd_groups *g)
{
    nd_free(g->start);
    nd_free(g->members);
    memset(g, 0, sizeof *g);
}

nd_status nd_cluster(size_t ndocs, const nd_pair *pairs, size_t npairs, const uint32_t *length,
                     nd_groups *out)
{
    nd_uf *uf = NULL;
    uint32_t *gid = NULL; /* root -> group number + 1, 0 = none yet */
    nd_groups g = {0};
    nd_status st = nd_uf_create(ndocs, &uf);
    if (st != ND_OK) return st;
    for (size_t i = 0; i < npairs; i++)
        nd_uf_union(uf, pairs[i].a, pairs[i].b);
    gid = nd_calloc(ndocs ? ndocs : 1, sizeof *gid);
    if (!gid) goto nomem;
    /* Number groups in order of their earliest member; count members. */
    size_t ngroups = 0, nmembers = 0;
    for (size_t i = 0; i < ndocs; i++) {
        uint32_t r = nd_uf_find(uf, (uint32_t)i);
        if (uf->size[r] < 2) continue;
        if (!gid[r]) gid[r] = (uint32_t)++ngroups;
        nmembers++;
    }
    g.n = ngroups;
    g.start = nd_calloc(ngroups + 1, sizeof *g.start);
    g.members = nd_malloc((nmembers ? nmembers : 1) * sizeof *g.members);
    if (!g.start || !g.members) goto nomem;
    for (size_t i = 0; i < ndocs; i++) {
        uint32_t r = nd_uf_find(uf, (uint32_t)i);
        if (uf->size[r] >= 2) g.start[gid[r]]++;
    }
    for (size_t k = 1; k <= ngroups; k++)
        g.start[k] += g.start[k - 1];
    /* Fill in input order, so members are sorted; then move the longest to the front. */
    size_t *fill = nd_malloc((ngroups ? ngroups : 1) * sizeof *fill);
    if (!fill) goto nomem;
    memcpy(fill, g.start, ngroups * sizeof *fill);
    for (size_t i = 0; i < ndocs; i++) {
        uint32_t r = nd_uf_find(uf, (uint32_t)i);
        if (uf->size[r] >= 2) g.members[fill[gid[r] - 1]++] = (uint32_t)i;
    }
    nd_free(fill);
    for (size_t k = 0; k < ngroups; k++) {
        size_t best = g.start[k];
        for (size_t m = g.start[k] + 1; m < g.start[k + 1]; m++)
            if (length[g.members[m]] > length[g.members[best]]) best = m;
        uint32_t rep = g.members[best];
        memmove(&g.members[g.start[k] + 1], &g.members[g.start[k]],
                (best - g.start[k]) * sizeof *g.members);
        g.members[g.start[k]] = rep;
    }
    nd_free(gid);
    nd_uf_free(uf);
    *out = g;
    return ND_OK;
nomem:
    nd_free(gid);
    nd_uf_free(uf);
    nd_groups_clear(&g);
    return ND_ENOMEM;
}
