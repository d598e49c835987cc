/*
 * verify.c - exact Jaccard and containment of sorted shingle sets (see verify.h).
 */
#include "neardup/verify.h"

nd_sim nd_verify_exact(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    size_t i = 0, j = 0, inter = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else {
            inter++;
            i++;
            j++;
        }
    }
    nd_sim s;
    size_t uni = na + nb - inter;
    s.inter = inter;
    s.jaccard = uni ? (double)inter / (double)uni : 1.0;
    s.contain_a = na ? (double)inter / (double)na : 0.0;
    s.contain_b = nb ? (double)inter / (double)nb : 0.0;
    return s;
}

int nd_verify_passes(size_t inter, size_t na, size_t nb, double t)
{
    size_t uni = na + nb - inter;
    if (uni == 0) return 1;
    /* inter / uni >= t, with a tolerance of one part in 2^40 for t's binary rounding
     * (0.8 is stored as 0.8000000000000000444): a pair at exactly 4/5 passes. */
    return (double)inter >= t * (double)uni * (1.0 - 1.0 / 1099511627776.0);
}
