/*
 * lsh_dist.h - the article stage's LSH across ranks (neardup/dist.h): band keys sent to the
 * ranks that own them, buckets found there and gathered on rank 0.
 *
 * Each rank computes the band keys of its own documents as pass 1 finishes them
 * (nd_dkeys_add) and keeps no signature. Documents are numbered as rank 0 commits them:
 * rank 0's, then rank 1's, ... (the ranks' counts are exchanged first). Then, a band at a
 * time, every rank sends each (key << 32 | document) entry to the key's owner
 * (nd_dlsh_owner), the owner sorts what it received by key, documents ascending (the
 * ranks' entries arrive in document order, and the sort is stable), keeps the runs of two
 * or more and sends them to rank 0, which sorts them by key again (an owner's entries are
 * its keys' whole buckets, so only their order among owners changes): band by band,
 * exactly the buckets nd_lsh_bucket_all finds for all signatures in one process. Memory
 * per rank and band: 8 bytes per own document sent, 8 per entry owned (twice, to sort).
 * Private to neardup_core.
 */
#ifndef NEARDUP_LSH_DIST_H
#define NEARDUP_LSH_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "cluster.h"
#include "lsh.h"
#include "neardup/dist.h"

/* The band keys of a rank's documents, in commit order: document i's keys are
 * v[i * bands .. i * bands + bands). Initialise to {0}; free with nd_dkeys_clear. */
typedef struct nd_dkeys {
    uint32_t *v;
    size_t n, cap; /* documents, and room for that many */
} nd_dkeys;

/* Appends the p->bands band keys of one signature (p->bands * p->rows values). ND_OK or
 * ND_ENOMEM. */
nd_status nd_dkeys_add(nd_dkeys *k, const uint32_t *sig, const nd_lsh_params *p);
void nd_dkeys_clear(nd_dkeys *k);

/* The rank, of nranks, that owns band `band`'s key `key`: a mix of both, reduced to the
 * range by a multiply (the keys of one band spread over every rank). */
static inline unsigned nd_dlsh_owner(uint32_t key, unsigned band, unsigned nranks)
{
    uint32_t h = (key ^ (band * 0x9e3779b9u)) * 0x85ebca6bu;
    h ^= h >> 16;
    return (unsigned)(((uint64_t)h * nranks) >> 32);
}

/*
 * Every rank of d at once, with its documents' keys k (bands of p): the buckets of every
 * band (see nd_lsh_bands) of all ranks' documents. Rank 0 passes total, its count of all
 * documents (the sum of the ranks' counts, else ND_ECORRUPT), out, and uf (created for
 * total records), in which the members of every bucket are joined; other ranks pass 0 and
 * NULL. ND_OK, ND_EINVAL (2^32 - 1 documents or more), ND_ENOMEM, ND_ECORRUPT, or what the
 * transport returned.
 */
nd_status nd_dlsh_bands(const nd_dist *d, const nd_dkeys *k, const nd_lsh_params *p, size_t total,
                        nd_uf *uf, nd_lsh_bands *out);

#endif
