/*
 * radix.h - a stable sort of 64-bit entries by their upper 32 bits.
 *
 * The banding of articles and of sentences (lsh.c), the exact keys of sentences and their
 * grouping (link.c) all sort entries (key << 32 | index) by key with the indices of a key
 * kept in order. A radix sort does it in O(n): one counting pass on the top 11 bits goes
 * through memory and leaves 2048 partitions; each partition (a few thousand entries at
 * most, in cache) is then finished by two passes on the remaining 21 bits, or insertion
 * sort when small. Only the first pass touches memory at random, where a plain LSD sort of
 * 32 bits makes three. Private to neardup_core.
 */
#ifndef NEARDUP_RADIX_H
#define NEARDUP_RADIX_H

#include <stddef.h>
#include <stdint.h>

#define ND_RADIX_PARTS 2048u

/* The first pass: the n entries (n < 2^32) into tmp, partitioned by their top 11 bits;
 * partition b is tmp[start[b] .. start[b + 1]). The entries are a[i], or, when a is NULL,
 * (hi[idx[i]] << 32 | idx[i]), built on the fly (so the caller needs no array of them). */
void nd_radix_partition(const uint64_t *a, const uint32_t *hi, const uint32_t *idx, size_t n,
                        uint64_t *tmp, uint32_t start[ND_RADIX_PARTS + 1]);

/* The second step for partition b: sorts tmp[start[b] .. start[b + 1]) by the upper 32 bits,
 * stably, using the same places of room as scratch. */
void nd_radix_finish(uint64_t *tmp, uint64_t *room, const uint32_t start[ND_RADIX_PARTS + 1],
                     size_t b);

/* Both steps: the entries (as for nd_radix_partition) sorted into tmp; room holds n
 * entries of scratch (it may be a, which is then overwritten). Returns tmp. */
uint64_t *nd_radix_sort(const uint64_t *a, const uint32_t *hi, const uint32_t *idx, size_t n,
                        uint64_t *room, uint64_t *tmp);

#endif
