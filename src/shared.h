/*
 * shared.h - the cross-article stage of nd_scan(): paragraphs shared across articles.
 *
 * From the sentences pass 1 kept (a link.h store) and the near-duplicate article groups:
 * link similar sentences, group them, drop the groups that one article group already
 * explains, merge groups with the same places (a paragraph shared whole is one entry, not
 * one per sentence), classify them (identical, boilerplate) and read each one's first text
 * for the report. Fills the result's shared entries. Private to neardup_core.
 */
#ifndef NEARDUP_SHARED_H
#define NEARDUP_SHARED_H

#include "cluster.h"
#include "link.h"
#include "scan_ctx.h"

/* Runs the stage over the sentences in `store` (whose band keys, sketches and fingerprints
 * it frees once linked, keeping the records) given the article groups `ag`. ND_OK,
 * ND_ENOMEM, ND_EIO or ND_ECHANGED (a document could not be read again). */
nd_status nd_shared_find(nd_scan_ctx *c, nd_sent_store *store, const nd_groups *ag);

#endif
