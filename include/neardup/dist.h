/*
 * dist.h - a scan's pass 1 split across processes (ranks), over the caller's transport.
 *
 * With nd_scan_opts.dist set and nranks > 1, every rank calls nd_scan with the same options
 * and paths. Rank 0 lists the input (directories expanded, sizes taken) and sends the list
 * to the others; each rank takes a contiguous share of the input's bytes in input order
 * (whole files; a large plain JSON Lines file is cut at line starts) and runs pass 1 on it.
 * Rank 0 then takes the other ranks' output in rank order and commits it as its own, so
 * documents, word ids, diagnostics and the report are those of a single process; the later
 * stages run on rank 0 alone, which reads candidate records again by path: every rank must
 * see the same files at the same paths (a shared filesystem). Only rank 0's result is the
 * scan's; another rank's nd_scan returns ND_OK with an empty result once its output is sent.
 * Standard input and pipes cannot be shared (ND_EINVAL with nranks > 1).
 *
 * The library makes no MPI call: the caller's send and recv move bytes, in order, between
 * two ranks (blocking, like MPI_Send / MPI_Recv; a message's size is always known to its
 * receiver). A rank that cannot read its share (a listed file missing or changed there)
 * calls on_fail, then nd_scan returns ND_EIO.
 */
#ifndef NEARDUP_DIST_H
#define NEARDUP_DIST_H

#include <stddef.h>

#include "neardup/status.h"

typedef struct nd_dist {
    unsigned rank, nranks; /* this process, and how many take part (1: a plain scan) */
    void *ud;              /* passed to the callbacks */
    /* Sends p[0..n) to rank `to`: ND_OK, or a failure that ends the scan. */
    nd_status (*send)(void *ud, unsigned to, const void *p, size_t n);
    /* Receives exactly n bytes from rank `from` into p: ND_OK, or a failure. */
    nd_status (*recv)(void *ud, unsigned from, void *p, size_t n);
    /* This rank cannot read its share: `path` and what went wrong (may be NULL). */
    void (*on_fail)(void *ud, const char *path, const char *message);
    size_t min_split; /* a JSON Lines file is cut only from this size up; 0: 1 MiB */
    /* Every rank at once (a collective, like MPI_Alltoallv): sends rank r the scount[r]
     * bytes of send that follow those of ranks < r, and receives from rank r its rcount[r]
     * bytes into recv, after those of ranks < r (the rank's own block is copied). Every
     * rank's rcount[r] equals rank r's scount for it. NULL: the article stage is not
     * distributed. ND_OK, or a failure that ends the scan. */
    nd_status (*alltoallv)(void *ud, const void *send, const size_t *scount, void *recv,
                           const size_t *rcount);
    /* NULL, or ND_DIST_STAGES counters to which the library adds the bytes this rank sends
     * to the others, per stage. */
    unsigned long long *bytes;
    /* The paragraph pass's sentences linked across ranks: the bytes of a sub-round's entries
     * per rank (0: 16 MiB). */
    size_t round_bytes;
} nd_dist;

/* The stages of nd_dist.bytes. */
enum {
    ND_DIST_LIST,      /* the input's list (rank 0) */
    ND_DIST_BATCHES,   /* pass 1's batches (ranks > 0) */
    ND_DIST_KEYS,      /* band keys to the ranks that own them */
    ND_DIST_BUCKETS,   /* the owners' buckets to rank 0 */
    ND_DIST_WORDS,     /* sentences' words to their owners, and their ids back */
    ND_DIST_SENTENCES, /* sentence entries (exact keys, band keys) to their owners */
    ND_DIST_PAIRS,     /* sentence joins to rank 0, and which records represent their keys */
    ND_DIST_STAGES
};

#endif
