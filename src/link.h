/*
 * link.h - sentences linked across articles: which sentences of different documents are
 * the same or near-identical, and the groups they make.
 *
 * Every document's sentences (sentences.h) are kept in one store, in document order, as
 * small records: what the report needs (nd_para_rec), what testing a candidate pair needs
 * (nd_para_sketch, plus the word ids it points to) and the LSH band keys, one array per
 * band. Word ids are run-wide: the store holds the run's word dictionary (words.h), into
 * which each batch's words are interned, in input order, as the batch is committed.
 * nd_link_sentences joins in a union-find the records with equal exact keys and the candidate pairs
 * (records of different documents in one band bucket, lsh.h) that verify; nd_link_groups turns its
 * components into groups spanning two or more documents. Private to neardup_core.
 */
#ifndef NEARDUP_LINK_H
#define NEARDUP_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "cluster.h"
#include "paras.h"
#include "words.h"

/* A sentence of some document, as kept for the cross-article pass: what the report needs
 * (24 bytes) ... */
typedef struct nd_para_rec {
    uint64_t key;   /* exact key */
    uint32_t doc;   /* its document */
    uint32_t line;  /* first line of its paragraph */
    uint32_t start; /* byte range of the sentence in the document's text */
    uint32_t len;
} nd_para_rec;

/* ... and what testing a candidate pair needs, in 32 bytes: its document, its word ids (see
 * nd_sent_words) at w_off in the store's id array, and a 128-bit map of its words (one bit
 * per word, from its hash: the same word sets the same bit everywhere). A word of x whose bit
 * y's map lacks is not in y, so |x & y| <= n_x - popcount(bm_x & ~bm_y): most candidates
 * are rejected on these 32 bytes without reading an id; the others are decided on the ids.
 */
typedef struct nd_para_sketch {
    uint64_t bm[2];
    uint64_t w_off;
    uint32_t doc;
    uint32_t w_n;
} nd_para_sketch;

/* The sentences of all documents. Initialise to {0}; free with nd_sent_store_clear. The
 * first nsk records have band keys, sketches and ids (all of them in one process; on rank 0
 * of a distributed link, its own: link_dist.h). */
typedef struct nd_sent_store {
    nd_para_rec *recs;
    size_t n, cap;
    uint32_t *band[ND_PARA_BANDS]; /* band b of record i at band[b][i]: read band by band */
    nd_para_sketch *sk;            /* 32-byte aligned inside sk_mem: one cache line each */
    void *sk_mem;
    size_t nsk, capsk;
    uint32_t *wids; /* the word ids the sketches point into (run-wide ids, see words.h) */
    size_t nwids, capwids;
    nd_words *words; /* the run's word dictionary (created on first use) */
} nd_sent_store;

/* Interns the words of a batch's dictionary `local` in the run's dictionary: map[i] (room
 * for nd_words_count(local)) receives the run-wide id of local word i. ND_OK, ND_EINVAL or
 * ND_ENOMEM. */
nd_status nd_sent_store_map_words(nd_sent_store *s, const nd_words *local, uint32_t *map);
/* Appends the record r with its band keys `band`, sketch `sk` (its w_off ignored, its doc
 * replaced by r->doc) and word ids wids[0..sk->w_n) of a batch's dictionary, turned into
 * run-wide ids through map (from nd_sent_store_map_words); before any record added alone.
 * ND_OK or ND_ENOMEM. */
nd_status nd_sent_store_add(nd_sent_store *s, const nd_para_rec *r, const uint32_t *band,
                            const nd_para_sketch *sk, const uint32_t *wids, const uint32_t *map);
/* Appends the record r alone (no sketch: another rank's, linked there). ND_OK or ND_ENOMEM. */
nd_status nd_sent_store_add_rec(nd_sent_store *s, const nd_para_rec *r);
/* Frees the band keys, sketches and word ids (what linking needs), keeping the records. */
void nd_sent_store_drop_sketches(nd_sent_store *s);
void nd_sent_store_clear(nd_sent_store *s); /* frees everything and zeroes s */

/* Groups of sentences shared by two or more documents: members of group g are
 * recs[member[start[g] .. start[g+1])], in record order; groups sorted by their first
 * member. identical[g] is 1 when all members have the same exact key. */
typedef struct nd_para_groups {
    size_t n;
    size_t *start;
    uint32_t *member;
    unsigned char *identical;
    uint32_t *ndocs; /* distinct documents in each group */
} nd_para_groups;

void nd_para_groups_clear(nd_para_groups *g);

/*
 * Joins in uf (created for s->n) the records with equal exact keys, and the pairs of
 * records of different documents that share an LSH band bucket and whose word Jaccard is at
 * least `threshold`; records with equal exact keys are joined only if their words pass too
 * (a 64-bit key collision never joins two sentences). A bucket of at most 32 records yields all its
 * pairs; in a larger one each record is paired with the bucket's first record and its predecessor,
 * so the work stays linear even for boilerplate in thousands of articles. `threads` threads
 * share the exact keys and the bands, and join in uf as they go, so a candidate pair
 * already joined is not verified again. ND_OK, ND_EINVAL (2^32 - 1 records or more) or
 * ND_ENOMEM.
 */
nd_status nd_link_sentences(const nd_sent_store *s, double threshold, unsigned threads, nd_uf *uf);

/* The components of uf (as nd_link_sentences left it) that span two or more documents.
 * ND_OK or ND_ENOMEM. */
nd_status nd_link_groups(const nd_para_rec *recs, size_t n, nd_uf *uf, nd_para_groups *out);

#endif
