/*
 * pipeline.h - passes over records: batches handed to worker threads and committed in
 * input order.
 *
 * The calling thread adds records to a pass; they are copied into batches (docwork.h) of
 * about ND_BATCH_BYTES, which the workers process in any order and on any thread; the
 * pass commits finished batches strictly in the order they were filled, through the
 * caller's commit function, on the calling thread. So documents get their indices, and
 * diagnostics their order, from the input alone - never from thread timing. With one
 * thread, batches are processed inline, with no worker. Private to neardup_core.
 */
#ifndef NEARDUP_PIPELINE_H
#define NEARDUP_PIPELINE_H

#include "docwork.h"

typedef struct nd_pipeline nd_pipeline;

/* Starts `threads` workers (none when threads <= 1) set up for opts, mh and pmh (borrowed:
 * they must outlive the pipeline), for signatures of k values. ND_OK or ND_ENOMEM. */
nd_status nd_pipeline_create(const nd_scan_opts *opts, const nd_minhash *mh, const nd_minhash *pmh,
                             unsigned k, unsigned threads, nd_pipeline **out);
/* Stops and joins the workers and frees everything; NULL is a no-op. */
void nd_pipeline_free(nd_pipeline *pl);

/* Between passes (none in flight): trims the batches kept for reuse (nd_batch_trim), so
 * what pass 1 grew in them (sentences, their word ids) is not held through the stages
 * after it, while a later pass still reuses their items and texts' room. */
void nd_pipeline_trim(nd_pipeline *pl);

/* Takes a processed batch, in order: ND_OK, or a failure that ends the pass. */
typedef nd_status (*nd_commit_fn)(void *ctx, nd_batch *b);

/* One pass: initialise with nd_pass_begin, add records, end with nd_pass_end. */
typedef struct nd_pass {
    nd_pipeline *pl;
    int mode; /* ND_MODE_* */
    nd_commit_fn commit;
    void *ctx;
    nd_batch *cur; /* the batch being filled, or NULL */
} nd_pass;

void nd_pass_begin(nd_pass *p, nd_pipeline *pl, int mode, nd_commit_fn commit, void *ctx);
/* Copies a record into the pass (doc, sum: see nd_batch_add). A full batch is handed to the
 * workers first, committing finished ones as the ring of batches in flight fills up.
 * ND_OK, ND_ENOMEM or what a commit returned. */
nd_status nd_pass_add(nd_pass *p, const nd_record *rec, uint32_t doc, uint64_t sum);
/* ND_MODE_TEXT: a snippet of bytes [start, start + len) of the record added last. */
nd_status nd_pass_add_req(nd_pass *p, size_t start, size_t len, size_t slot);
/* After st == ND_OK, hands over the last batch and commits everything in flight; after an
 * error, drops what was not committed. Returns the first failure, or ND_OK. */
nd_status nd_pass_end(nd_pass *p, nd_status st);

#endif
