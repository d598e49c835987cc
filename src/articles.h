/*
 * articles.h - the article stage of nd_scan(): near-duplicate documents and their groups.
 *
 * From the signatures pass 1 kept: LSH candidate pairs (lsh.h), pass 2 (the candidates read
 * again and their exact shingle sets built on the workers), verification, union-find
 * groups (cluster.h) with each member's similarity to the representative. Fills the
 * result's groups and pairs, the members' snippets and the stage timings. Private to
 * neardup_core.
 */
#ifndef NEARDUP_ARTICLES_H
#define NEARDUP_ARTICLES_H

#include "cluster.h"
#include "scan_ctx.h"

/* Runs the stage; *groups receives the groups as document indices (the shared stage needs
 * them), to free with nd_groups_clear. ND_OK, ND_ENOMEM, ND_EIO or ND_ECHANGED (a document
 * could not be read again as pass 1 read it). */
nd_status nd_articles_group(nd_scan_ctx *c, nd_groups *groups);

#endif
