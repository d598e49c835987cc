/*
 * sentences.h - the sentences of an article's long paragraphs, as the cross-article pass
 * compares them.
 *
 * Across articles the unit is the sentence (cut after . ! ? or an ellipsis, optionally
 * followed by closing quotes, then white space): syndicated text is quoted sentence by
 * sentence, with its attribution and neighbours changed, so whole paragraphs rarely match
 * while their sentences do. Two sentences match when their exact keys are equal, or when
 * the Jaccard similarity of their *word* sets is at least the threshold: a quote keeps its
 * words but gains or loses one here and there ("... kata pemimpin Rusia itu" / "...
 * tersebut"), which costs a short sentence two bigrams per change, so bigram sets would
 * miss most quotes. Each sentence gets a MinHash of ND_PARA_PERMS values over its word set,
 * cut into ND_PARA_BANDS band keys of ND_PARA_ROWS rows (nd_lsh_band_key), and the
 * fingerprints of its words that verification compares (link.h). Private to neardup_core.
 */
#ifndef NEARDUP_SENTENCES_H
#define NEARDUP_SENTENCES_H

#include <stddef.h>
#include <stdint.h>

#include "minhash.h"
#include "paras.h"

#define ND_PARA_PERMS 32u
#define ND_PARA_ROWS 4u
#define ND_PARA_SEED UINT64_C(0x70617261677261) /* "paragra" */
#define ND_SENT_FP_MAX 1024u                    /* fingerprints kept per sentence */
#define ND_SENT_FP_SMALL 64u /* up to this many words, fingerprints stay in word order */

/*
 * Cuts every long paragraph of d (nd_paras_split) into sentences of at least short_words
 * words (a shorter piece joins the next sentence, or at the paragraph's end the one
 * before), with their keys, band keys and fingerprints, into d->s and d->fps. mh must have
 * ND_PARA_PERMS permutations (ND_PARA_SEED). ND_OK or ND_ENOMEM.
 */
nd_status nd_sentences_cut(const nd_para_opts *o, const nd_minhash *mh, const char *text,
                           const nd_tokens *toks, const uint64_t *th, nd_doc_paras *d);

/* The fingerprints (top 16 bits) of n word hashes, without repeats, into
 * out[0..min(n, ND_SENT_FP_MAX)), and their 128-bit map (bit fp & 127) into bm; returns how
 * many. Up to ND_SENT_FP_SMALL hashes (most sentences) they stay in first-occurrence order,
 * the map itself telling most new ones from repeats; beyond, they are sorted, for a linear
 * merge. */
size_t nd_sent_fingerprints(const uint64_t *hashes, size_t n, uint16_t *out, uint64_t bm[2]);

/* Exact test of two sentences by their word fingerprints (as nd_sent_fingerprints makes
 * them): Jaccard of the two sets of 16-bit values >= threshold. */
int nd_sent_similar(const uint16_t *a, size_t na, const uint16_t *b, size_t nb, double threshold);

#endif
