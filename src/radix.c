/*
 * radix.c - stable radix sort of 64-bit entries by their upper 32 bits (see radix.h).
 */
#include "radix.h"

#include <assert.h>
#include <string.h>

/* One stable counting pass: src[0..n) into dst by the `bits` bits at `shift`; count has
 * 2^bits entries. */
static void radix_pass(const uint64_t *src, uint64_t *dst, size_t n, unsigned shift, unsigned bits,
                       uint32_t *count)
{
    uint32_t mask = (1u << bits) - 1;
    memset(count, 0, ((size_t)mask + 1) * sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[(src[i] >> shift) & mask]++;
    uint32_t sum = 0;
    for (size_t b = 0; b <= mask; b++) {
        uint32_t c = count[b];
        count[b] = sum;
        sum += c;
    }
    for (size_t i = 0; i < n; i++)
        dst[count[(src[i] >> shift) & mask]++] = src[i];
}

/* The entry i of a sort's input: a[i], or (hi[idx[i]] << 32 | idx[i]) when a is NULL. */
static inline uint64_t entry_at(const uint64_t *a, const uint32_t *hi, const uint32_t *idx,
                                size_t i)
{
    return a ? a[i] : ((uint64_t)hi[idx[i]] << 32) | idx[i];
}

/* Inlined into its two callers so that entry_at's branch on `a` is resolved once. */
static inline __attribute__((always_inline)) void partition(const uint64_t *a, const uint32_t *hi,
                                                            const uint32_t *idx, size_t n,
                                                            uint64_t *tmp,
                                                            uint32_t start[ND_RADIX_PARTS + 1])
{
    uint32_t count[ND_RADIX_PARTS];
    assert(n < UINT32_MAX);
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++)
        count[entry_at(a, hi, idx, i) >> 53]++;
    start[0] = 0;
    for (size_t b = 0; b < ND_RADIX_PARTS; b++)
        start[b + 1] = start[b] + count[b];
    memcpy(count, start, sizeof count);
    for (size_t i = 0; i < n; i++) {
        uint64_t e = entry_at(a, hi, idx, i);
        tmp[count[e >> 53]++] = e;
    }
}

void nd_radix_partition(const uint64_t *a, const uint32_t *hi, const uint32_t *idx, size_t n,
                        uint64_t *tmp, uint32_t start[ND_RADIX_PARTS + 1])
{
    if (a)
        partition(a, NULL, NULL, n, tmp, start);
    else
        partition(NULL, hi, idx, n, tmp, start);
}

void nd_radix_finish(uint64_t *tmp, uint64_t *room, const uint32_t start[ND_RADIX_PARTS + 1],
                     size_t b)
{
    uint32_t count[ND_RADIX_PARTS];
    size_t m = start[b + 1] - start[b];
    if (m == 0) return; /* (room may be NULL then: no pointer arithmetic on it) */
    uint64_t *p = tmp + start[b], *q = room + start[b];
    if (m <= 16) {
        for (size_t i = 1; i < m; i++) {
            uint64_t x = p[i];
            size_t j = i;
            for (; j > 0 && (p[j - 1] >> 32) > (x >> 32); j--)
                p[j] = p[j - 1];
            p[j] = x;
        }
        return;
    }
    /* The top 11 bits are equal in a partition: the other 21 of the key in two passes. */
    radix_pass(p, q, m, 32, 11, count);
    radix_pass(q, p, m, 43, 10, count);
}

uint64_t *nd_radix_sort(const uint64_t *a, const uint32_t *hi, const uint32_t *idx, size_t n,
                        uint64_t *room, uint64_t *tmp)
{
    uint32_t start[ND_RADIX_PARTS + 1];
    nd_radix_partition(a, hi, idx, n, tmp, start);
    for (size_t b = 0; b < ND_RADIX_PARTS; b++)
        nd_radix_finish(tmp, room, start, b);
    return tmp;
}
