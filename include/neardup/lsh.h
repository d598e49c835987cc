/*
 * lsh.h - locality-sensitive hashing of MinHash signatures into candidate pairs.
 *
 * A signature of k values is cut into b bands of r rows (b * r <= k). Two documents become
 * a candidate pair when all r rows of at least one band agree, which happens with
 * probability 1 - (1 - J^r)^b for Jaccard similarity J (Leskovec, Rajaraman, Ullman,
 * "Mining of Massive Datasets", ch. 3.4).
 *
 * b and r are chosen for a threshold t by minimising the weighted error mass
 *     w_fp * integral_0^t P(j) dj  +  w_fn * integral_t^1 (1 - P(j)) dj
 * as datasketch and the MMDS book do. Because every candidate is verified afterwards, a
 * false positive only costs one verification while a false negative loses a duplicate, so
 * w_fn = 0.99 and w_fp = 0.01.
 *
 * Buckets live in a uthash table keyed by the 64-bit band key, one band at a time, with
 * entries from a pool (no allocation per document). A bucket of more than `bucket_cap`
 * documents (10,000 copies of one article) yields only the pairs of each member with the
 * bucket's first member, so time stays linear; the groups are still complete.
 */
#ifndef NEARDUP_LSH_H
#define NEARDUP_LSH_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/status.h"

#define ND_LSH_BUCKET_CAP 128u

typedef struct nd_lsh_params {
    unsigned bands;
    unsigned rows;
} nd_lsh_params;

/* Probability that a pair with Jaccard j becomes a candidate with b bands of r rows. */
double nd_lsh_probability(double j, unsigned bands, unsigned rows);

/* The b x r (b * r <= k) that minimises the weighted error mass for threshold t.
 * ND_OK or ND_EINVAL (t outside (0, 1], k == 0). */
nd_status nd_lsh_params_for(double threshold, unsigned k, nd_lsh_params *out);

/* A pair of document indices, a < b. */
typedef struct nd_pair {
    uint32_t a, b;
} nd_pair;

typedef struct nd_pairs {
    nd_pair *v;
    size_t n, cap;
} nd_pairs;

void nd_pairs_clear(nd_pairs *p); /* frees the array */
nd_status nd_pairs_push(nd_pairs *p, uint32_t a, uint32_t b);
/* Sorts pairs by (a, b) and removes repeats. ND_OK or ND_ENOMEM. */
nd_status nd_pairs_sort_unique(nd_pairs *p);

/* The 64-bit key of band `band` of a signature (its r rows hashed with XXH3, seeded by
 * the band number). Exposed so an index on disk can store band keys. */
uint64_t nd_lsh_band_key(const uint32_t *sig, unsigned band, unsigned rows);

/*
 * Appends to `out` every candidate pair among the `ndocs` signatures sigs[i * stride ..
 * i * stride + bands * rows) whose `use[i]` is non-zero (use may be NULL: all), then sorts
 * and de-duplicates `out`. bucket_cap 0 means ND_LSH_BUCKET_CAP. *capped (may be NULL)
 * receives the number of buckets that exceeded the cap. ND_OK or ND_ENOMEM.
 */
nd_status nd_lsh_candidates(const uint32_t *sigs, size_t ndocs, size_t stride,
                            const unsigned char *use, const nd_lsh_params *p, size_t bucket_cap,
                            nd_pairs *out, size_t *capped);

/* The same, with the bands shared among `threads` threads (the calling one included).
 * The result does not depend on the thread count. */
nd_status nd_lsh_candidates_mt(const uint32_t *sigs, size_t ndocs, size_t stride,
                               const unsigned char *use, const nd_lsh_params *p, size_t bucket_cap,
                               unsigned threads, nd_pairs *out, size_t *capped);

#endif
