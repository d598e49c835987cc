/*
 * share.h - pass 1 split across ranks (neardup/dist.h): the shares, and pass 1's output on
 * the wire.
 *
 * nd_share_reader lists the input on rank 0 (input_share.h), sends the list to every other
 * rank, and gives each rank a reader over its share: the input's bytes cut into nranks
 * contiguous ranges in input order; a file goes whole to the rank where it starts, except
 * a plain JSON Lines file of at least min_split bytes, whose lines go to the rank whose range
 * they start in. A rank other than 0 keeps its finished pass-1 batches in an unlinked
 * temporary file (nd_share_keep, in input order) and sends them with its sources and counts
 * (nd_share_send); rank 0 takes each rank's in turn (nd_share_take), adds their sources to
 * its reader and hands every batch to the same commit as its own. Batches travel as their
 * arrays' bytes: every rank runs the same binary on the same architecture.
 * Private to neardup_core.
 */
#ifndef NEARDUP_SHARE_H
#define NEARDUP_SHARE_H

#include <stdio.h>

#include "docwork.h"
#include "input_share.h"
#include "lsh_dist.h"
#include "neardup/dist.h"
#include "pipeline.h"

/* The parts of rank `rank` of `nranks` (the rule above) appended to *parts (capacity
 * *cap; free with nd_free). ND_OK or ND_ENOMEM. */
nd_status nd_share_parts(const nd_leaves *l, unsigned rank, unsigned nranks, uint64_t min_split,
                         nd_part **parts, size_t *nparts, size_t *cap);

/* Every rank: the list made and shared, and the rank's reader over its share. ND_OK;
 * ND_EINVAL (a stream with nranks > 1), ND_ENOMEM, ND_ECORRUPT (a list that does not
 * parse), or what the transport returned. */
nd_status nd_share_reader(const nd_dist *d, const nd_reader_opts *opts, const char *const *paths,
                          size_t npaths, nd_reader **out);

/* A rank's kept output. Initialise to {0}; release with nd_share_out_clear. */
typedef struct nd_share_out {
    FILE *f; /* the batches: each its length (8 bytes) and its bytes */
    nd_bytes buf;
    uint64_t nbatches;
    unsigned k;
    /* Not NULL: the LSH is distributed (lsh_dist.h): the band keys (of lsh) of each
     * document appended here, and the batches kept without their signatures. */
    nd_dkeys *keys;
    const nd_lsh_params *lsh;
    /* Not 0: the sentences are linked across ranks (link_dist.h) and stay here: the batches
     * kept with their sentence records only (no sketches, ids or words). */
    int no_sketches;
} nd_share_out;

/* An nd_commit_fn (ctx: an nd_share_out) that keeps a batch. */
nd_status nd_share_keep(void *ctx, nd_batch *b);
/* Rank > 0: its sources and counts (from r), then its batches, to rank 0. */
nd_status nd_share_send(const nd_dist *d, nd_share_out *o, const nd_reader *r);
void nd_share_out_clear(nd_share_out *o);

/* Rank 0: ranks 1 .. nranks - 1 in order: their sources added to r, each batch of theirs
 * (signatures of k values; none when sigs is 0, as nd_share_out.keys sends them; sentence
 * sketches, ids and words only when sketches is 1, else the batch's psent is left unset)
 * handed to commit(ctx, batch). ND_OK, what commit or the transport returned, ND_ENOMEM,
 * ND_ECORRUPT. */
nd_status nd_share_take(const nd_dist *d, nd_reader *r, unsigned k, int sigs, int sketches,
                        nd_commit_fn commit, void *ctx);

#endif
