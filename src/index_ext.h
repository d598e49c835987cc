/*
 * index_ext.h - what an archive index (index.h) adds to a scan: the hooks nd_scan_run calls,
 * and what they hand to the stages.
 *
 * `index add` and `check` run the scan's own pipeline (pass 1 on the workers, committed in
 * input order; the article and shared stages), with an extension:
 *   - pass 1 can also encode every document's record (index_code.h: its token hashes and
 *     sentences) and snippet on the workers, and cut sentences when shared paragraphs are not
 *     asked for; on_doc receives each document with them, on the calling thread, in input
 *     order (index add streams them into a spool, check keeps them to verify with);
 *   - after pass 1, after_pass1 looks the batch up in the archive: it appends the archived
 *     documents it verified to the result (after the batch: builder.h) and fills `edges`
 *     (verified near-duplicate pairs, batch document first) and `srecs`/`sjoin` (archived
 *     sentences, each joined with the batch sentences it matched);
 *   - the article stage (articles.c) adds `edges` to its union-find like pairs it verified
 *     itself, and asks load_set for the exact set of any group member it did not read again;
 *   - the shared stage (shared.c) appends `srecs` to the sentence records it groups, joined
 *     as `sjoin` says, so a sentence shared with archived articles becomes a shared paragraph
 *     whose places include them.
 * A plain scan has no extension (NULL) and runs exactly as before. Private to neardup_core.
 */
#ifndef NEARDUP_INDEX_EXT_H
#define NEARDUP_INDEX_EXT_H

#include <stddef.h>
#include <stdint.h>

#include "containers.h"
#include "docwork.h"
#include "link.h"
#include "neardup/result.h"
#include "scan_ctx.h"

#define ND_EXT_RECORDS 1u   /* pass 1 encodes each document's record and snippet */
#define ND_EXT_SENTENCES 2u /* pass 1 cuts sentences even without ND_PART_SHARED */
#define ND_EXT_NO_STAGES 4u /* no article or shared stage after pass 1 */

/* What pass 1 made of one document, for on_doc; borrowed for the call. */
typedef struct nd_ext_doc {
    const unsigned char *rec; /* its record (ND_EXT_RECORDS), rec_len bytes */
    size_t rec_len;
    const char *snippet;      /* the start of its text on one line (ND_EXT_RECORDS) */
    const nd_para_rec *sents; /* its sentences, in text order (their doc field is 0) ... */
    const nd_psent *psent;    /* ... and their band keys */
    size_t nsents;
} nd_ext_doc;

struct nd_scan_ext {
    unsigned flags; /* ND_EXT_* */
    unsigned rows;  /* with opts.bands: the archive's rows per band (its banding may not be
                       perms / bands when it was chosen for the threshold); 0: perms / bands */
    void *ud;       /* passed to the hooks */
    /* Pass 1: document `doc` (its index in the result) was committed. May be NULL. */
    nd_status (*on_doc)(void *ud, nd_scan_ctx *c, uint32_t doc, const nd_ext_doc *d);
    /* After pass 1, before the stages; store holds the batch's sentences when shared
     * paragraphs are asked for (else it is empty). Sets nbatch and may append archived
     * documents and fill the lists below. May be NULL. */
    nd_status (*after_pass1)(void *ud, nd_scan_ctx *c, const nd_sent_store *store);
    /* The exact shingle set of document `doc` (batch or archived) into *out, malloc'd with
     * nd_malloc; the article stage frees it. */
    nd_status (*load_set)(void *ud, uint32_t doc, nd_set *out);
    uint32_t nbatch;           /* the input's documents (the rest are archived) */
    const nd_pair_sim *edges;  /* verified pairs (batch document, archived document) */
    size_t nedges;
    const nd_para_rec *srecs;  /* archived sentences (doc = the archived document's index),
                                  sorted by (doc, line) */
    size_t nsrecs;
    const nd_pair *sjoin;      /* (index into srecs, batch sentence = index into the store) */
    size_t nsjoin;
};

/* nd_scan (scan.h) with an extension (NULL: nd_scan itself). */
nd_status nd_scan_run(const nd_scan_opts *opts, const char *const *paths, size_t npaths,
                      nd_scan_ext *ext, nd_scan_result **out);
/* nd_scan_run that hands its reader back as nd_scan_keep_reader (scan_reader.h) does. */
nd_status nd_scan_run_reader(const nd_scan_opts *opts, const char *const *paths, size_t npaths,
                             nd_scan_ext *ext, nd_scan_result **out, nd_reader **reader);

#endif
