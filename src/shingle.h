/*
 * shingle.h - word n-gram shingles as 64-bit hashes.
 *
 * Each token is hashed once with XXH3-64; the hash of an n-gram is an order-sensitive
 * combination of its n token hashes followed by a 64-bit finaliser, so shingling costs
 * O(tokens * n) cheap integer operations and no allocation per shingle. A text with fewer
 * than n tokens (but at least one) gives one shingle made of all its tokens; a text with no
 * token gives none.
 */
#ifndef NEARDUP_SHINGLE_H
#define NEARDUP_SHINGLE_H

#include <stddef.h>
#include <stdint.h>

#include "containers.h"
#include "normalize.h"
#include "neardup/options.h"
#include "neardup/status.h"

/* XXH3-64 of the token's bytes: the one place a token is hashed. */
uint64_t nd_token_hash(const char *s, size_t len);

/* Combines `n` consecutive token hashes into one shingle hash. */
uint64_t nd_shingle_combine(const uint64_t *token_hashes, size_t n);

/* Number of shingles a text of `ntokens` tokens has: max(ntokens - n + 1, 1), or 0. */
size_t nd_shingle_count(size_t ntokens, unsigned n);

/*
 * Writes the shingle hashes of tokens t->v[first .. first+count) to `out` (replacing its
 * contents), one per n-gram position, unsorted and with repeats. `scratch` receives the
 * `count` token hashes (scratch->n = count). ND_OK or ND_ENOMEM. 1 <= n <= ND_NGRAM_MAX.
 */
nd_status nd_shingle_hashes(const nd_tokens *t, size_t first, size_t count, unsigned n,
                            nd_u64s *scratch, nd_u64s *out);

/* The shingle hashes of a text whose count token hashes are th[0..count) (as
 * nd_shingle_hashes computes them), into out (replacing its contents): what an archive index
 * (index.h) recomputes from the token hashes it stores. ND_OK or ND_ENOMEM. */
nd_status nd_shingle_from_hashes(const uint64_t *th, size_t count, unsigned n, nd_u64s *out);

/* Sorts a[0..n) ascending and removes repeats in place; returns the new length. */
size_t nd_u64_sort_unique(uint64_t *a, size_t n, nd_u64s *scratch);

#endif
