/*
 * link_rule.h - the rules that link sentences, shared by the one-process link (link.c) and
 * the link across ranks (link_dist.c), so both find the same components.
 *
 * A bucket member is read as its 128-bit word map, its word count and its document; two
 * members of different documents may match when their maps leave room for the least
 * intersection that passes (nd_link_need). A band bucket of at most ND_LINK_SMALL_BUCKET
 * members yields every pair; a larger one pairs each member with the first and with its
 * predecessor (nd_link_bucket). A run of records with one exact key, in record order: each
 * record not crossed out represents the key, and a later one whose words pass joins it and
 * is crossed out (nd_link_exact_run). Private to neardup_core.
 */
#ifndef NEARDUP_LINK_RULE_H
#define NEARDUP_LINK_RULE_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/status.h"

#define ND_LINK_SMALL_BUCKET 32u
#define ND_LINK_NEED_MAX 4096u /* sums of set sizes whose least passing intersection is tabled */

/* A bucket member as the pair test reads it. */
typedef struct nd_link_member {
    uint64_t bm0, bm1;
    uint32_t n, doc;
} nd_link_member;

/* need[s] (s <= ND_LINK_NEED_MAX): the least intersection of two sets whose sizes sum to s
 * that passes the threshold t. */
void nd_link_need(double t, uint32_t *need);

/* need[s], tabled up to ND_LINK_NEED_MAX, beyond it a lower bound (safe for a filter). */
static inline size_t nd_link_need_of(const uint32_t *need, size_t s, double t)
{
    if (s <= ND_LINK_NEED_MAX) return need[s];
    return (size_t)(t * (double)s / (1.0 + t) * (1.0 - 1e-9));
}

/* Whether x and y, of different documents, may reach the threshold: their word maps bound
 * their intersection (see nd_para_sketch in link.h). */
static inline int nd_link_may_match(const nd_link_member *x, const nd_link_member *y,
                                    const uint32_t *need, double t)
{
    size_t ox = (size_t)__builtin_popcountll(x->bm0 & ~y->bm0) +
                (size_t)__builtin_popcountll(x->bm1 & ~y->bm1);
    size_t oy = (size_t)__builtin_popcountll(y->bm0 & ~x->bm0) +
                (size_t)__builtin_popcountll(y->bm1 & ~x->bm1);
    size_t ix = x->n - ox, iy = y->n - oy;
    return x->doc != y->doc && (ix < iy ? ix : iy) >= nd_link_need_of(need, (size_t)x->n + y->n, t);
}

/* The candidate pairs of one bucket of n members (load(ctx, i, m) reads member i): every
 * pair (x < y) of a small bucket, else (0, y) and (y - 1, y) for each y, less those
 * nd_link_may_match rules out; push(ctx, x, y) takes each, in that order. ND_OK or what
 * push returned. */
static inline nd_status nd_link_bucket(size_t n, const uint32_t *need, double t,
                                       void (*load)(void *ctx, size_t i, nd_link_member *m),
                                       nd_status (*push)(void *ctx, size_t x, size_t y), void *ctx)
{
    nd_status st = ND_OK;
    if (n <= ND_LINK_SMALL_BUCKET) {
        nd_link_member mb[ND_LINK_SMALL_BUCKET];
        for (size_t x = 0; x < n; x++)
            load(ctx, x, &mb[x]);
        for (size_t x = 0; x < n && st == ND_OK; x++)
            for (size_t y = x + 1; y < n && st == ND_OK; y++)
                if (nd_link_may_match(&mb[x], &mb[y], need, t)) st = push(ctx, x, y);
        return st;
    }
    nd_link_member first, prev, cur;
    load(ctx, 0, &first);
    prev = first;
    for (size_t y = 1; y < n && st == ND_OK; y++) {
        load(ctx, y, &cur);
        if (nd_link_may_match(&first, &cur, need, t)) st = push(ctx, 0, y);
        if (st == ND_OK && y > 1 && nd_link_may_match(&prev, &cur, need, t))
            st = push(ctx, y - 1, y);
        prev = cur;
    }
    return st;
}

/* The exact-key rule over a run of n records of one 64-bit key, in record order: live(ctx,
 * i) tells whether i is not crossed out yet; rep(ctx, x) marks x a representative;
 * joins(ctx, x, y) tests whether y has x's key and words (and if so joins them); cross(ctx,
 * y) crosses y out. */
static inline void nd_link_exact_run(size_t n, int (*live)(void *ctx, size_t i),
                                     void (*rep)(void *ctx, size_t x),
                                     int (*joins)(void *ctx, size_t x, size_t y),
                                     void (*cross)(void *ctx, size_t y), void *ctx)
{
    for (size_t x = 0; x < n; x++) {
        if (!live(ctx, x)) continue;
        rep(ctx, x);
        for (size_t y = x + 1; y < n; y++)
            if (live(ctx, y) && joins(ctx, x, y)) cross(ctx, y);
    }
}

#endif
