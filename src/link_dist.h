/*
 * link_dist.h - the sentences linked across ranks (neardup/dist.h): every rank keeps its
 * own sentences, and their words, exact keys and band keys go all-to-all to the ranks that
 * own them, which link them there and send rank 0 the joins.
 *
 * Records and documents are numbered as rank 0 commits them: rank 0's, then rank 1's, ...
 * (the ranks' counts are exchanged first). Then:
 *   1. words: each distinct word of a rank's dictionary goes to the rank that owns its hash,
 *      which interns it (its bytes decide) and returns its id; the run-wide id is the
 *      owner's id * nranks + owner, and the store's ids are renumbered (long sets sorted
 *      again). Only id equality matters to nd_sent_similar.
 *   2. exact keys: every record (key, record, ids) goes to the key's owner, which applies
 *      the exact rule (link_rule.h) to each key's records in record order, sends rank 0 the
 *      joins, and tells each rank which of its records represent their keys;
 *   3. bands: for each band, each representative (band key, record, word map, size,
 *      document, ids) goes to the owner of (band, key), which sorts by key (records
 *      ascending), takes each bucket's candidate pairs (link_rule.h), verifies them, and
 *      sends rank 0 those that join two components of what it has joined so far in the
 *      round (a spanning forest: the components are those of every verified pair).
 * Rank 0 joins what it receives in one union-find: its components are those
 * nd_link_sentences finds in one process. Steps 2 and 3 run in sub-rounds by key hash when a
 * rank's entries would pass round_bytes, so memory per rank is its store plus about twice
 * that. Private to neardup_core.
 */
#ifndef NEARDUP_LINK_DIST_H
#define NEARDUP_LINK_DIST_H

#include <stddef.h>

#include "cluster.h"
#include "link.h"
#include "neardup/dist.h"

#define ND_DLINK_ROUND_BYTES ((size_t)16 << 20) /* a sub-round's entries per rank */

/*
 * Every rank of d at once, with its own sentences s: records s->recs[0..s->nsk) with their
 * sketches (documents numbered from 0 on this rank; ndocs: how many documents it has). The
 * store's dictionary is freed and its ids renumbered. Rank 0 passes total, the number of
 * records of all ranks (else ND_ECORRUPT), and uf, created for at least that many, in which
 * the linked records are joined; other ranks pass 0 and NULL. round_bytes: a sub-round's
 * bytes (0: ND_DLINK_ROUND_BYTES). ND_OK, ND_EINVAL (no alltoallv, 2^32 - 1 records,
 * documents or words or more), ND_ENOMEM, ND_ECORRUPT, or what the transport returned.
 */
nd_status nd_dlink_sentences(const nd_dist *d, nd_sent_store *s, size_t ndocs, double threshold,
                             size_t round_bytes, size_t total, nd_uf *uf);

#endif
