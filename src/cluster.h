/*
 * cluster.h - verified pairs to groups of near-duplicate documents.
 *
 * Union-find (path halving, union by size) joins the two documents of every verified
 * pair; each connected component of two or more documents is a group. A group's
 * representative is its longest document (most tokens), ties going to the earliest in
 * input order. Groups are sorted by their earliest member, members by input order with the
 * representative first, so the result never depends on hashing or threads.
 */
#ifndef NEARDUP_CLUSTER_H
#define NEARDUP_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "containers.h"
#include "neardup/status.h"

typedef struct nd_uf nd_uf;

nd_status nd_uf_create(size_t n, nd_uf **out);
void nd_uf_free(nd_uf *uf); /* NULL is a no-op */
uint32_t nd_uf_find(nd_uf *uf, uint32_t x);
/* The number of elements in the set whose root (nd_uf_find) is root. */
size_t nd_uf_size(const nd_uf *uf, uint32_t root);
/* Joins the sets of a and b; returns 1 if they were separate, 0 if already joined. */
int nd_uf_union(nd_uf *uf, uint32_t a, uint32_t b);

/* The same for threads sharing one union-find, in a stage where every thread uses only
 * these two: they leave the set sizes stale, and nd_uf_recount (on one thread, after) makes
 * them right again. Which element ends up the root of a set differs from run to run; the
 * sets do not. */
uint32_t nd_uf_find_shared(nd_uf *uf, uint32_t x);
int nd_uf_union_shared(nd_uf *uf, uint32_t a, uint32_t b);
void nd_uf_recount(nd_uf *uf);

/* The groups: members of group g are members[start[g] .. start[g + 1]); the first is
 * the representative. */
typedef struct nd_groups {
    size_t n;          /* number of groups */
    size_t *start;     /* n + 1 offsets into members */
    uint32_t *members; /* document indices */
} nd_groups;

void nd_groups_clear(nd_groups *g);

/* Groups `ndocs` documents joined by `pairs`; length[i] picks the representative.
 * ND_OK or ND_ENOMEM (out untouched). */
nd_status nd_cluster(size_t ndocs, const nd_pair *pairs, size_t npairs, const uint32_t *length,
                     nd_groups *out);

#endif
