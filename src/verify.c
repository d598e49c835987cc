/*
 * verify.c - exact Jaccard and containment of sorted shingle sets (see verify.h).
 */
#include "verify.h"

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
