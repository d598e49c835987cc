/*
 * lsh.h - locality-sensitive hashing of MinHash signatures: the one banding mechanism of
 * articles and sentences.
 *
 * A signature of k values is cut into b bands of r rows (b * r <= k). Two signatures
 * become a candidate pair when all r rows of at least one band agree, which happens with
 * probability 1 - (1 - J^r)^b for Jaccard similarity J (Leskovec, Rajaraman, Ullman,
 * "Mining of Massive Datasets", ch. 3.4).
 *
 * b and r are chosen for a threshold t by minimising the weighted error mass
 *     w_fp * integral_0^t P(j) dj  +  w_fn * integral_t^1 (1 - P(j)) dj
 * as datasketch and the MMDS book do. Because every candidate is verified afterwards, a
 * false positive only costs one verification while a false negative loses a duplicate, so
 * w_fn = 0.99 and w_fp = 0.01.
 *
 * A band's rows are hashed to a 32-bit band key (nd_lsh_band_key). The buckets of a band
 * are found by sorting (key << 32 | index) entries (radix.h) and keeping the runs of two
 * or more equal keys (nd_lsh_buckets): no hash table, no allocation per record, and the
 * records of a bucket come in index order, so everything built from them is
 * deterministic. Two unrelated keys can collide in 32 bits; that only adds a candidate,
 * which verification rejects. Clients decide which pairs of a bucket to look at: articles
 * (articles.c) walk each bucket against the components already joined, sentences (link.c)
 * take the pairs of small buckets and a chain through large ones. Private to neardup_core.
 */
#ifndef NEARDUP_LSH_H
#define NEARDUP_LSH_H

#include <stddef.h>
#include <stdint.h>

#include "cluster.h"
#include "containers.h"
#include "neardup/options.h"
#include "neardup/status.h"

/* Probability that a pair with Jaccard j becomes a candidate with b bands of r rows. */
double nd_lsh_probability(double j, unsigned bands, unsigned rows);

/* The b x r (b * r <= k) for threshold t, recall first: the fewest false candidates among
 * those that make a pair at exactly t a candidate with probability >= 0.9995 (lsh.c).
 * ND_OK or ND_EINVAL (t outside (0, 1], k == 0). */
nd_status nd_lsh_params_for(double threshold, unsigned k, nd_lsh_params *out);

/* The 32-bit key of band `band` of a signature: its `rows` values, sig[band * rows ..],
 * mixed with the band number (multiply-xorshift rounds). Pinned by a known-answer test:
 * an index on disk stores these keys. */
static inline uint32_t nd_lsh_band_key(const uint32_t *sig, unsigned band, unsigned rows)
{
    uint64_t x = (uint64_t)(band + 1) * UINT64_C(0x9e3779b97f4a7c15);
    const uint32_t *v = sig + (size_t)band * rows;
    for (unsigned r = 0; r < rows; r++) {
        x = (x ^ v[r]) * UINT64_C(0xff51afd7ed558ccd);
        x ^= x >> 32;
    }
    return (uint32_t)(x >> 32);
}

/* Scratch for sorting the entries of one band: reuse it across bands; free with
 * nd_lsh_scratch_clear. Initialise to {0}. */
typedef struct nd_lsh_scratch {
    uint64_t *buf, *tmp;
    size_t cap;
} nd_lsh_scratch;

void nd_lsh_scratch_clear(nd_lsh_scratch *s);

/*
 * The buckets of one band: entries (key << 32 | record) for the n records idx[0..n)
 * (idx NULL: records 0..n-1, which must then be the indices of keys), keys[record] their
 * band keys, sorted by key with records in the order given, and only the runs of two or
 * more equal keys kept. *out (in s, valid until its next use) receives them, *nout how
 * many. ND_OK or ND_ENOMEM.
 */
nd_status nd_lsh_buckets(nd_lsh_scratch *s, const uint32_t *keys, const uint32_t *idx, size_t n,
                         uint64_t **out, size_t *nout);

/* The end of the bucket starting at entry i of e[0..n) (see nd_lsh_buckets). */
static inline size_t nd_lsh_bucket_end(const uint64_t *e, size_t n, size_t i)
{
    size_t j = i + 1;
    while (j < n && (e[j] >> 32) == (e[i] >> 32))
        j++;
    return j;
}

/* The buckets of every band of a set of signatures: band b's buckets of two or more
 * records, bucket after bucket, are rec[b][start[b][i] .. start[b][i + 1]) for i <
 * nbuckets[b], records ascending. Initialise to {0}; free with nd_lsh_bands_clear. */
typedef struct nd_lsh_bands {
    unsigned nbands;
    uint32_t **rec;
    uint32_t **start;
    size_t *nbuckets;
} nd_lsh_bands;

void nd_lsh_bands_clear(nd_lsh_bands *b);

/* Band `band` of out from its sorted entries e[0..m) (nd_lsh_buckets' runs of two or more,
 * or the same gathered from several ranks): its records and bucket starts; when uf is not
 * NULL, each bucket's members joined in it (nd_uf_union_shared). ND_OK or ND_ENOMEM. */
nd_status nd_lsh_put_band(const uint64_t *e, size_t m, unsigned band, nd_uf *uf, nd_lsh_bands *out);

/*
 * The buckets (see nd_lsh_bands) of every band of the n signatures sigs[i * stride ..
 * i * stride + bands * rows), into out; when uf (created for n records) is not NULL, the
 * members of every bucket are also joined in it, so its components are the connected
 * components of "shares a bucket". `threads` threads share the bands; the result does not
 * depend on their number. Time and memory are linear in n per band whatever the bucket
 * sizes. ND_OK, ND_EINVAL (n >= 2^32 - 1, no band or row) or ND_ENOMEM.
 */
nd_status nd_lsh_bucket_all(const uint32_t *sigs, size_t n, size_t stride, const nd_lsh_params *p,
                            unsigned threads, nd_uf *uf, nd_lsh_bands *out);

/*
 * The same buckets (and the same union-find) as nd_lsh_bucket_all from the band keys the
 * n documents' signatures would give, kept instead of them (nd_dkeys, lsh_dist.h): document
 * i's p->bands keys are keys[i * p->bands ..], nd_lsh_band_key of each band in turn. It
 * allocates no key array of its own. ND_OK, ND_EINVAL (as nd_lsh_bucket_all) or ND_ENOMEM.
 */
nd_status nd_lsh_bucket_keys(const uint32_t *keys, size_t n, const nd_lsh_params *p,
                             unsigned threads, nd_uf *uf, nd_lsh_bands *out);

#endif
