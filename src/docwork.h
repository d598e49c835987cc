/*
 * docwork.h - batches of records and the work done on each document of a batch.
 *
 * A batch holds about ND_BATCH_BYTES of raw records, copied in by the reading thread, and
 * receives what a worker makes of them: in ND_MODE_SIGN (pass 1) each document's id,
 * checksum, signature, internal repeats, sentences and (when asked) repetition measures; in
 * ND_MODE_SET (pass 2) its exact shingle set and a snippet; in ND_MODE_TEXT the snippets of given
 * byte ranges of its text. A worker (one per thread) touches nothing but the batch and its own
 * state, so batches can be processed on any thread; pipeline.h runs them and hands them back in
 * order. Private to neardup_core.
 */
#ifndef NEARDUP_DOCWORK_H
#define NEARDUP_DOCWORK_H

#include <stddef.h>
#include <stdint.h>

#include "containers.h"
#include "index_code.h"
#include "link.h"
#include "metrics.h"
#include "minhash.h"
#include "neardup/input.h"
#include "neardup/result.h"
#include "normalize.h"
#include "paras.h"
#include "repeats.h"
#include "words.h"

#define ND_BATCH_BYTES ((size_t)1 << 20)
#define ND_BATCH_ITEMS 1024u
#define ND_SNIPPET_BYTES 100u

/* ND_MODE_INDEX is ND_MODE_SIGN plus, for an archive index (index_ext.h), each document's
 * record (index_code.h) and snippet. */
enum { ND_MODE_SIGN, ND_MODE_SET, ND_MODE_TEXT, ND_MODE_INDEX };

/* An exact shingle set (pass 2): sorted, unique. */
typedef struct nd_set {
    uint64_t *v;
    size_t n;
} nd_set;

/* ND_MODE_TEXT: a byte range of an item's text whose snippet goes to slot `slot`. */
typedef struct nd_text_req {
    size_t start, len, slot;
    size_t snip; /* offset + 1 into batch->strs, once cut */
} nd_text_req;

/* One record of a batch, and what the worker made of it. Offsets "+ 1" are 0 for none. */
typedef struct nd_item {
    nd_record_kind kind;
    unsigned char json;
    unsigned char format;      /* the record's format and CSV columns, which nd_decode */
    uint32_t text_col, id_col; /* needs besides the bytes (see nd_record) */
    size_t data, len;          /* raw bytes in batch->bytes */
    const char *path;          /* borrowed from the reader (a source's path: lives with it) */
    size_t path_str;           /* offset + 1 into batch->strs: a copy of the path of an error or
                                  note record, whose path the reader frees at its next record */
    uint32_t source;
    uint64_t line, offset;
    nd_status status; /* reader's or the worker's */
    size_t msg;       /* offset + 1 into batch->strs */
    uint64_t diag_line, diag_offset;
    /* results */
    size_t id; /* offset into batch->strs */
    size_t id_len;
    uint32_t ntokens;
    uint64_t sum;   /* XXH3 of the record (pass 1), or the one to check (pass 2, text) */
    uint32_t doc;   /* pass 2, text: the document */
    nd_set set;     /* pass 2: the exact shingle set (owned until taken) */
    size_t snippet; /* pass 2: offset + 1 into batch->strs */
    /* paragraph pass: ranges in the batch's arrays */
    size_t prec_first, prec_n, blk_first, blk_n, sh_first, sh_n, run_first, run_n;
    uint32_t words, rwords;
    unsigned char wrapped;   /* read by block as hard-wrapped (ND_PARA_AUTO) */
    nd_doc_metrics metrics;  /* pass 1 with ND_PART_METRICS: the repetition measures */
    size_t req_first, req_n; /* ND_MODE_TEXT: its ranges in batch->reqs */
    size_t cfp_first, cfp_n; /* pass 1 with containment: its fingerprints in batch->cfps */
    size_t rec_off, rec_len; /* ND_MODE_INDEX: its record in batch->recs */
    /* pass 1: the value of the keep rule's field (nd_decode_opts.keep_field) */
    nd_field_kind keep_kind;
    double keep_num;
    size_t keep_str; /* ND_FIELD_STRING: offset into batch->strs */
    size_t keep_len;
} nd_item;

/* Whether a pass-1 item becomes a document when committed (else a warning or a skip). */
static inline int nd_item_is_doc(const nd_item *it)
{
    return it->kind != ND_REC_NOTE && it->kind != ND_REC_ERROR && it->status == ND_OK;
}

/* A sentence's sketch and band keys, as the batch holds them (w_off relative to wids). */
typedef struct nd_psent {
    nd_para_sketch sk;
    uint32_t band[ND_PARA_BANDS];
} nd_psent;

typedef struct nd_batch {
    int mode;
    nd_item *items;
    size_t n, cap;
    nd_arena bytes;
    nd_arena strs;
    uint32_t *sigs; /* ND_BATCH_ITEMS * k */
    nd_para_rec *precs;
    nd_psent *psent; /* the records' sketches and band keys */
    size_t nprecs, capprecs;
    uint32_t *wids; /* the sentences' word ids, in the batch's dictionary */
    size_t nwids, capwids;
    nd_words *words; /* the words of the batch's sentences (words.h) */
    nd_block_repeat *blocks;
    size_t *block_txt; /* offset + 1 into strs */
    size_t nblocks, capblocks;
    nd_short_line *shorts;
    size_t *short_txt;
    size_t nshorts, capshorts;
    nd_run_repeat *runs;
    size_t *run_txt; /* offset + 1 into strs */
    size_t nruns, capruns;
    size_t *short_loff; /* per short line: its copies' lines at short_lines[short_loff[i]] */
    size_t capshort_loff;
    uint32_t *short_lines;
    size_t nshort_lines, capshort_lines;
    nd_text_req *reqs;
    size_t nreqs, capreqs;
    uint32_t *cfps; /* the documents' winnowing fingerprints (winnow.h), sorted per document */
    size_t ncfps, capcfps;
    nd_bytes recs;   /* ND_MODE_INDEX: the documents' records, back to back */
    int done;        /* processed (guarded by the pipeline's mutex) */
    nd_status fatal; /* ND_ENOMEM inside a worker */
} nd_batch;

/* A new empty batch for signatures of k values. ND_OK or ND_ENOMEM. */
nd_status nd_batch_create(unsigned k, nd_batch **out);
/* Empties b for reuse in `mode` (frees the sets its items still own). */
void nd_batch_reset(nd_batch *b, int mode);
void nd_batch_free(nd_batch *b); /* NULL is a no-op */
/* Empties b and frees what only pass 1 fills (sentences, their word ids, repeats,
 * fingerprints, index records), keeping the items, texts and signatures' room that every
 * pass reuses. */
void nd_batch_trim(nd_batch *b);
/* True when b takes no more records. */
int nd_batch_full(const nd_batch *b);
/* Copies a record into b; doc and sum: pass 2's document and its pass-1 checksum. */
nd_status nd_batch_add(nd_batch *b, const nd_record *rec, uint32_t doc, uint64_t sum);
/* ND_MODE_TEXT: asks for the snippet of bytes [start, start + len) of the last item's text. */
nd_status nd_batch_add_req(nd_batch *b, size_t start, size_t len, size_t slot);

/* One thread's tools and scratch. */
typedef struct nd_worker {
    nd_normalizer *nz;
    nd_decoder *dec;
    nd_tokens toks;
    nd_u64s scratch, sh;
    const nd_minhash *mh;  /* article signatures */
    const nd_minhash *pmh; /* sentence signatures */
    const nd_scan_opts *opts;
    nd_doc_paras dp;
    nd_repeats_scratch *rs;
    nd_metrics_scratch *ms;
    nd_rec_scratch rsc; /* ND_MODE_INDEX: encoding records */
    nd_rec_sent *rsent;
    size_t caprsent;
} nd_worker;

/* Readies w to work with opts, mh and pmh (borrowed, must outlive w). ND_OK or ND_ENOMEM
 * (w is then cleared). */
nd_status nd_worker_init(nd_worker *w, const nd_scan_opts *opts, const nd_minhash *mh,
                         const nd_minhash *pmh);
void nd_worker_clear(nd_worker *w); /* frees what w owns and zeroes it */

/* Processes every item of b in its mode; a failure (ND_ENOMEM) lands in b->fatal. */
void nd_process_batch(nd_worker *w, nd_batch *b);

/* Appends a one-line snippet of text[0..len) to a: white-space runs become one space, at
 * most ND_SNIPPET_BYTES bytes cut at a character boundary, "..." when cut; *out is its
 * offset + 1. ND_OK or ND_ENOMEM. */
nd_status nd_make_snippet(nd_arena *a, const char *text, size_t len, size_t *out);

#endif
