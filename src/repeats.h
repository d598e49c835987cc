/*
 * repeats.h - repeats inside one article: doubled blocks, runs of words repeated inside one
 * paragraph, and repeated short lines.
 *
 * Two long paragraphs of an article are the same when their normalised word sequences are
 * identical (exact key), or near-identical when the Jaccard similarity of their word-bigram
 * sets is at least `threshold`. A run of consecutive paragraphs that appears again later,
 * paragraph for paragraph, is a doubled block: each maximal run is reported once, against
 * its first occurrence (a block tripled is two repeats of its first copy). Inside each long
 * paragraph that is not itself a copy in a block, runs of at least `min_repeat_words` words
 * that appear again are found too (wordruns.h: a page flattened onto one line). A short
 * line seen twice or more is a repeated short line. Private to neardup_core.
 */
#ifndef NEARDUP_REPEATS_H
#define NEARDUP_REPEATS_H

#include <stdint.h>

#include "paras.h"

/* Scratch memory kept from one article to the next (one per thread). */
typedef struct nd_repeats_scratch nd_repeats_scratch;

nd_status nd_repeats_scratch_create(nd_repeats_scratch **out); /* ND_OK or ND_ENOMEM */
void nd_repeats_scratch_free(nd_repeats_scratch *s);           /* NULL is a no-op */

/*
 * Finds the repeats of the article split into d (nd_paras_split; toks its tokens, th their
 * hashes): fills d->blocks, d->nblocks, d->runs, d->nruns, d->repeated_words (the words of
 * both kinds of copies, each word once), d->shorts, d->nshorts. ND_OK or ND_ENOMEM.
 */
nd_status nd_repeats_find(const nd_para_opts *o, const nd_tokens *toks, const uint64_t *th,
                          nd_doc_paras *d, nd_repeats_scratch *s);

#endif
