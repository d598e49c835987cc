/*
 * verify.h - exact similarity of two shingle sets.
 *
 * Sets are sorted arrays of unique 64-bit shingle hashes (nd_u64_sort_unique); one linear
 * merge counts the intersection. Jaccard = |A n B| / |A u B|; containment of A in B =
 * |A n B| / |A|, which stays high when A is a truncated copy of B.
 */
#ifndef NEARDUP_VERIFY_H
#define NEARDUP_VERIFY_H

#include <stddef.h>
#include <stdint.h>

typedef struct nd_sim {
    double jaccard;   /* |A n B| / |A u B|; 1 for two empty sets */
    double contain_a; /* |A n B| / |A| (0 if A is empty) */
    double contain_b; /* |A n B| / |B| */
    size_t inter;     /* |A n B| */
} nd_sim;

/* Exact similarity of two sorted, unique sets. */
nd_sim nd_verify_exact(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);

/* Whether jaccard inter / (na + nb - inter) >= t, with a tolerance of one part in 2^40 for
 * t's binary rounding (0.8 is stored as 0.8000000000000000444): a pair exactly at the
 * threshold is never lost to rounding. Inline: the sentence pass calls it per candidate. */
static inline int nd_verify_passes(size_t inter, size_t na, size_t nb, double t)
{
    size_t uni = na + nb - inter;
    if (uni == 0) return 1;
    return (double)inter >= t * (double)uni * (1.0 - 1.0 / 1099511627776.0);
}

#endif
