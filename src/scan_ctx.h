/*
 * scan_ctx.h - the state one nd_scan() call passes to its stages.
 *
 * scan.c owns it: the options in force, the reader (which re-reads documents), the
 * pipeline (which processes them on the workers) and the result being built. The stages
 * (articles.h, shared.h) receive it explicitly and add to the result; they keep their own
 * working memory to themselves. Private to neardup_core.
 */
#ifndef NEARDUP_SCAN_CTX_H
#define NEARDUP_SCAN_CTX_H

#include "neardup/input.h"
#include "neardup/scan.h"
#include "pipeline.h"
#include "builder.h"

typedef struct nd_scan_ext nd_scan_ext; /* index_ext.h */

typedef struct nd_scan_ctx {
    nd_scan_opts opts; /* in force: defaults filled in, threads resolved */
    unsigned k;        /* signature values (opts.perms) */
    nd_reader *reader;
    nd_pipeline *pl;
    nd_scan_result *res;
    nd_scan_ext *ext; /* an archive index's extension (index_ext.h), NULL for a scan */
    /* When nothing after LSH needs signatures (in one process, or on several ranks whose
     * LSH is distributed, lsh_dist.h): the band keys of this rank's documents, and no
     * signature in res; else NULL. */
    struct nd_dkeys *dkeys;
    /* A scan on several ranks whose sentences are linked across them (link_dist.h): on rank
     * 0, the union-find they were joined in, for the cross-article stage (which takes it);
     * else NULL. */
    struct nd_uf *sent_uf;
} nd_scan_ctx;

/* Tells the caller's progress callback, if any, how far phase `ph` is (see options.h). */
static inline void nd_scan_progress(const nd_scan_ctx *c, nd_scan_phase ph, uint64_t docs,
                                    uint64_t docs_total, uint64_t bytes)
{
    if (!c->opts.on_progress) return;
    nd_progress p = {ph, docs, docs_total, bytes};
    c->opts.on_progress(&p, c->opts.userdata);
}

#endif
