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
 * cut into ND_PARA_BANDS band keys of ND_PARA_ROWS rows (nd_lsh_band_key), which only
 * narrow the candidates, and the ids of its words in a dictionary that tells words apart by
 * their bytes (words.h), on which a match is decided: no hash of any width decides that two
 * sentences share a word. Private to neardup_core.
 */
#ifndef NEARDUP_SENTENCES_H
#define NEARDUP_SENTENCES_H

#include <stddef.h>
#include <stdint.h>

#include "minhash.h"
#include "paras.h"
#include "words.h"

#define ND_PARA_PERMS 32u
#define ND_PARA_ROWS 4u
#define ND_PARA_SEED UINT64_C(0x70617261677261) /* "paragra" */
#define ND_SENT_FP_SMALL 64u /* up to this many words, their ids stay in word order */

/*
 * Cuts every long paragraph of d (nd_paras_split) into sentences of at least short_words
 * words (a shorter piece joins the next sentence, or at the paragraph's end the one
 * before), with their keys, band keys and word ids (words interned in dict), into d->s and
 * d->wids. With dict NULL (no cross-article stage will compare them: an index add) the
 * sentences get no words (w_n 0, an empty map), which saves a third of the cutting.
 * mh must have ND_PARA_PERMS permutations (ND_PARA_SEED). ND_OK or ND_ENOMEM.
 */
nd_status nd_sentences_cut(const nd_para_opts *o, const nd_minhash *mh, nd_words *dict,
                           const char *text, const nd_tokens *toks, const uint64_t *th,
                           nd_doc_paras *d);

/*
 * The words of a sentence: its n tokens t->v[0..n) (hashes th[0..n)) interned in dict, their
 * ids without repeats into out[0..*count) (room for n), and their 128-bit map (one of 128
 * bits per word, from its hash) into bm. Up to ND_SENT_FP_SMALL words (most sentences) the
 * ids stay in first-occurrence order, the map telling most new words from repeats; beyond,
 * they are sorted, for a linear merge. ND_OK or what nd_words_intern returned.
 */
nd_status nd_sent_words(const nd_tokens *t, const uint64_t *th, size_t n, nd_words *dict,
                        uint32_t *out, uint64_t bm[2], size_t *count);

/* Exact test of two sentences by their words (ids of one dictionary, as nd_sent_words makes
 * them): Jaccard of the two word sets >= threshold. Ids stand for words exactly, so this is
 * decided on the words themselves. */
int nd_sent_similar(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, double threshold);

#endif
