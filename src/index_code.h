/*
 * index_code.h - the byte formats of an archive index (index.h): a document's record and
 * a chunk of a key map. Pure functions over buffers; no SQLite here.
 *
 * A *document record* keeps what exact verification needs, so the archived files are never
 * read again: the document's token hashes, in order, from which its exact word n-gram
 * shingle set is computed the way a scan computes it (nd_shingle_from_hashes), and its
 * sentences (token ranges and the line of their paragraph), whose word sets are compared
 * with a new batch's sentences. The token hashes are stored as their sorted distinct values
 * (Rice-coded gaps: about log2(2^64 / distinct) + 2 bits each) and, for each token, the
 * index of its value in that list (ceil(log2(distinct)) bits): 2,272 bytes for an article
 * of 425 tokens (253 distinct) of the benchmark, where its sorted 5-gram set alone would take
 * 2,991 bytes Rice-coded and 3,368 bytes raw.
 *
 * A *map chunk* holds a run of (key, doc) entries sorted by key then doc, unique: keys as
 * Rice-coded gaps from the chunk's first key (which its row stores), docs in a fixed width.
 *
 * Both end with a 32-bit checksum of everything before it (the low half of XXH3-64), so a
 * damaged record is reported (ND_ECORRUPT), never decoded into wrong data. Private to
 * neardup_core.
 */
#ifndef NEARDUP_INDEX_CODE_H
#define NEARDUP_INDEX_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "containers.h"
#include "neardup/status.h"

/* A growable byte buffer. Initialise to {0}; free with nd_bytes_clear. */
typedef struct nd_bytes {
    unsigned char *p;
    size_t len, cap;
} nd_bytes;

void nd_bytes_clear(nd_bytes *b);

/* One sentence of a document record: tokens [first, first + ntok) of the document, in the
 * paragraph whose first line is `line`. */
typedef struct nd_rec_sent {
    uint32_t line;
    uint32_t first;
    uint32_t ntok;
} nd_rec_sent;

/* Scratch for encoding a record (one per thread). Initialise to {0}; free with
 * nd_rec_scratch_clear. */
typedef struct nd_rec_scratch {
    nd_u64s sorted; /* distinct token hashes */
    nd_u64s tmp;
} nd_rec_scratch;

void nd_rec_scratch_clear(nd_rec_scratch *s);

/* Appends the record of a document of ntok tokens with hashes th[0..ntok) and sentences
 * s[0..ns) (each inside [0, ntok), in text order) to out. ND_OK or ND_ENOMEM (out may then
 * hold part of it: truncate it back to its old length). */
nd_status nd_rec_encode(const uint64_t *th, size_t ntok, const nd_rec_sent *s, size_t ns,
                        nd_rec_scratch *scratch, nd_bytes *out);

/* A decoded record. Initialise to {0}; reuse across calls; free with nd_rec_clear. */
typedef struct nd_rec {
    uint64_t *th; /* token hashes, in text order */
    size_t ntok, capth;
    nd_rec_sent *s;
    size_t ns, caps;
    uint64_t *distinct; /* scratch: the sorted distinct hashes */
    size_t capd;
} nd_rec;

void nd_rec_clear(nd_rec *r);

/* Decodes the record p[0..len) into r. ND_OK, ND_ECORRUPT (bad checksum or a malformed
 * record) or ND_ENOMEM. */
nd_status nd_rec_decode(const void *p, size_t len, nd_rec *r);

/* ---- map chunks ----------------------------------------------------------------------- */

/* An entry of a key map: (key, doc). Entries are ordered by key, then doc. */
typedef struct nd_kentry {
    uint64_t key;
    uint32_t doc;
} nd_kentry;

/* Appends the chunk of e[0..n) (sorted, unique, n >= 1; e[0].key is the chunk's first key)
 * to out. ND_OK or ND_ENOMEM. */
nd_status nd_chunk_encode(const nd_kentry *e, size_t n, nd_bytes *out);

/* Decodes the chunk p[0..len) whose first key is `first` into *out (grown as needed, its
 * capacity in *cap) and *n. ND_OK, ND_ECORRUPT or ND_ENOMEM. */
nd_status nd_chunk_decode(const void *p, size_t len, uint64_t first, nd_kentry **out, size_t *n,
                          size_t *cap);

#endif
