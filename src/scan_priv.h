/*
 * scan_priv.h - the private state nd_scan() shares between its pieces (see scan.h).
 *
 * Owns the types: the byte arena, the per-document records kept after pass 1, the result's
 * owned memory (struct nd_scan_priv), the batches and their items, the per-thread worker,
 * the worker pool and the scan state; and the prototypes of the functions one piece calls
 * in another:
 *
 *   scan_batch.c   arena, batches, per-document work, worker pool, in-flight ring
 *   scan_shared.c  the cross-article stage (paragraphs shared across articles)
 *   scan.c         committing results in input order, the passes, verification, groups,
 *                  the result and the public entry points
 *
 * Internal to neardup_core: nothing here is public API, and no other module includes it.
 */
#ifndef NEARDUP_SCAN_PRIV_H
#define NEARDUP_SCAN_PRIV_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "neardup/cluster.h"
#include "neardup/input.h"
#include "neardup/lsh.h"
#include "neardup/minhash.h"
#include "neardup/normalize.h"
#include "neardup/paragraphs.h"
#include "neardup/scan.h"
#include "neardup/shingle.h"
#include "neardup/status.h"

#define MAX_INFLIGHT 16u

/* ---- growable byte arena (offsets stay valid across growth) ------------------------------ */

typedef struct arena {
    char *p;
    size_t len, cap;
} arena;

/* Copies s[0..n) and a NUL to the end of a; *off is where it starts. ND_ENOMEM leaves a as
 * it was. */
nd_status nd_arena_put(arena *a, const char *s, size_t n, size_t *off);
/* Frees a's bytes and zeroes it. */
void nd_arena_clear(arena *a);

/* ---- per-document records -------------------------------------------------------------- */

typedef struct docrec {
    uint64_t id_off; /* into priv->ids */
    uint64_t offset; /* record's byte offset in its source */
    uint64_t line;
    uint64_t sum; /* XXH3 of the record's bytes: detects a file changed between passes */
    uint32_t source;
    uint32_t len; /* record bytes */
    uint32_t ntokens;
    uint32_t snippet; /* offset + 1 into priv->strs, 0 = none */
} docrec;

typedef struct skiprec {
    size_t path_off, msg_off;
    uint64_t line;
    nd_status code;
} skiprec;

typedef struct set {
    uint64_t *v;
    size_t n;
} set;

typedef struct nd_scan_priv nd_scan_priv;
struct nd_scan_priv {
    arena ids;  /* document ids */
    arena strs; /* paths, messages, snippets */
    docrec *docs;
    size_t ndocs, capdocs;
    uint32_t *sigs; /* ndocs * k */
    skiprec *skips;
    size_t nskips, capskips;
    set *sets; /* pass 2: per document, NULL array until needed */
    nd_member *members;
    nd_group *groups;
    /* paragraph pass */
    nd_para_rec *precs; /* sentences of all documents' long paragraphs, in document order */
    uint32_t *pband[ND_PARA_BANDS]; /* their band keys, one array per band */
    nd_para_sketch *psk;            /* their sketches: 32-byte aligned inside psk_mem */
    void *psk_mem;
    size_t nprecs, capprecs;
    nd_doc_repeats *reps;
    size_t nreps, capreps;
    nd_block_repeat *blocks; /* all reps' blocks, back to back */
    size_t *block_txt;       /* offsets into strs, per block */
    size_t nblocks, capblocks;
    nd_short_line *shorts;
    size_t *short_txt;
    size_t nshorts, capshorts;
    nd_shared_para *shared;
    nd_para_place *places;
    size_t *shared_txt;
    const char **block_ptrs;
    uint16_t *fps; /* the sentences' fingerprints (see nd_para_sketch) */
    size_t nfps, capfps;
    nd_pair_sim *pairs;
    nd_doc_info *info;
    const char **sources;
};

/* ---- batches ------------------------------------------------------------------------------ */

/* What a batch's workers do with its documents: sign them (pass 1), build their exact sets
 * (pass 2), or cut the snippets of given byte ranges (shared sentences' texts). */
enum { MODE_SIGN, MODE_SET, MODE_TEXT };

/* MODE_TEXT: a byte range of an item's text whose snippet goes to slot `slot` (an index
 * into the shared sentences). */
typedef struct text_req {
    size_t start, len, slot;
    size_t snip; /* offset + 1 into batch->strs, once cut */
} text_req;

typedef struct item {
    nd_record_kind kind;
    unsigned char json;
    unsigned char format;      /* input wiring: the record's format and CSV columns, */
    uint32_t text_col, id_col; /* which nd_decode needs (see nd_record) */
    size_t data, len; /* raw bytes in batch->bytes */
    const char *path; /* borrowed from the reader (a source's path: lives with it) */
    size_t path_str;  /* offset + 1 into batch->strs: a copy of the path of an error or
                         note record, whose path the reader frees at its next record */
    uint32_t source;
    uint64_t line, offset;
    nd_status status; /* reader's or ours */
    size_t msg;       /* offset + 1 into batch->strs, 0 = none */
    uint64_t diag_line, diag_offset;
    /* results */
    size_t id; /* offset into batch->strs */
    size_t id_len;
    uint32_t ntokens;
    uint64_t sum;
    uint32_t doc;   /* pass 2: the document */
    set set;        /* pass 2: the exact shingle set (owned until committed) */
    size_t snippet; /* pass 2: offset + 1 into batch->strs */
    /* paragraph pass: ranges in the batch's arrays */
    size_t prec_first, prec_n, blk_first, blk_n, sh_first, sh_n;
    uint32_t words, rwords;
    size_t req_first, req_n; /* MODE_TEXT: its ranges in batch->reqs */
} item;

typedef struct batch {
    int mode;
    item *items;
    size_t n, cap;
    arena bytes;
    arena strs;
    uint32_t *sigs; /* BATCH_ITEMS * k */
    nd_para_rec *precs;
    struct psent {
        nd_para_sketch sk; /* fp_off relative to fps */
        uint32_t band[ND_PARA_BANDS];
    } * psent; /* the records' sketches and band keys */
    size_t nprecs, capprecs;
    uint16_t *fps; /* the sentences' fingerprints */
    size_t nfps, capfps;
    nd_block_repeat *blocks;
    size_t *block_txt; /* offset + 1 into strs */
    size_t nblocks, capblocks;
    nd_short_line *shorts;
    size_t *short_txt;
    size_t nshorts, capshorts;
    text_req *reqs;
    size_t nreqs, capreqs;
    int done;
    nd_status fatal; /* ND_ENOMEM inside a worker */
} batch;

/* Frees b and what it owns, including the sets of its items; NULL is a no-op. */
void nd_batch_free(batch *b);
/* True when b takes no more records. */
int nd_batch_full(const batch *b);
/* Copies a record into b (doc and sum: pass 2's document and its pass-1 checksum). */
nd_status nd_batch_add(batch *b, const nd_record *rec, uint32_t doc, uint64_t sum);
/* MODE_TEXT: asks for the snippet of bytes [start, start + len) of the last item's text. */
nd_status nd_batch_add_req(batch *b, size_t start, size_t len, size_t slot);

/* ---- the work on one document ---------------------------------------------------------- */

typedef struct worker {
    nd_normalizer *nz;
    nd_decoder *dec;
    nd_tokens toks;
    nd_u64s scratch, sh;
    const nd_minhash *mh;
    const nd_minhash *pmh; /* paragraph signatures */
    const nd_scan_opts *opts;
    nd_doc_paras dp;
} worker;

/* Readies w to work with opts, mh and pmh (borrowed, must outlive w). */
nd_status nd_worker_init(worker *w, const nd_scan_opts *opts, const nd_minhash *mh,
                         const nd_minhash *pmh);
/* Frees what w owns and zeroes it. */
void nd_worker_clear(worker *w);
/* Appends a one-line snippet of text[0..len) to a; *out is its offset + 1. */
nd_status nd_make_snippet(arena *a, const char *text, size_t len, size_t *out);

/* ---- the worker pool --------------------------------------------------------------------- */

typedef struct pool {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    batch *queue[MAX_INFLIGHT];
    size_t qhead, qlen;
    int stop;
    pthread_t *threads;
    worker *workers;
    unsigned nthreads, started;
} pool;

typedef struct thread_arg {
    pool *p;
    worker *w;
} thread_arg;

/* ---- the scan state ------------------------------------------------------------------------ */

typedef struct scan {
    nd_scan_opts opts;
    nd_scan_result *res;
    nd_scan_priv *priv;
    nd_reader *reader;
    nd_minhash *mh;
    nd_minhash *pmh;
    unsigned k;
    worker inline_worker;
    pool pool;
    thread_arg *targs;
    batch *ring[MAX_INFLIGHT]; /* in-flight batches, oldest at ring_head */
    size_t ring_head, ring_len;
    batch *spare[MAX_INFLIGHT + 1];
    size_t nspare;
    size_t max_inflight;
} scan;

/* Starts n worker threads (none when n <= 1: batches are then processed inline). On failure
 * nd_pool_stop() still cleans up what was started. */
nd_status nd_pool_start(scan *s, unsigned n);
/* Stops and joins the threads, frees the pool; safe after a failed or skipped start. */
void nd_pool_stop(scan *s);
/* A reset batch in the given mode: a spare one, or a new one. */
nd_status nd_get_batch(scan *s, int mode, batch **out);
/* Appends b to the in-flight ring and hands it to the workers (or processes it inline). */
void nd_submit(scan *s, batch *b);
/* Waits for the oldest in-flight batch and removes it from the ring. */
batch *nd_wait_oldest(scan *s);
/* Resets b and keeps it as a spare. */
void nd_recycle(scan *s, batch *b);

/* The cross-article stage (scan_shared.c): paragraphs shared across articles, given the
 * near-duplicate article groups ag; fills res->shared and res->nshared. */
nd_status nd_shared_pass(scan *s, const nd_groups *ag);

/* Reads the snippets of shared sentences back through the workers (scan.c, see there). */
nd_status nd_fetch_texts(scan *s, const uint64_t *req, size_t n);

/* Monotonic wall time in seconds, for the stage timings (--stats). */
static inline double nd_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
