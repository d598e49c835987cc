/*
 * metrics.h - the Gopher repetition measures of one article (Rae et al. 2021, "Scaling
 * Language Models: Methods, Analysis & Insights from Training Gopher", appendix A, table A1),
 * computed as datatrove's gopher_repetition_filter computes them:
 *
 *   - lines: the text split at every run of newlines (Python re.split("\n+", text): a text
 *     that starts or ends with a newline has an empty first or last line); paragraphs: the
 *     text stripped of white space at both ends (Python's str.strip) and split at every run
 *     of two or more newlines. A line (paragraph) is a duplicate when the same string came
 *     before it; dup_line_frac = duplicate lines / lines, dup_line_char_frac = characters in
 *     duplicate lines / characters of the text (the same for paragraphs). Strings are
 *     compared byte for byte, as they stand (no normalisation, "\r" included).
 *   - words: neardup's tokens (normalize.h: NFKC, case folded, runs of letters, digits and
 *     marks; punctuation is not a word), where datatrove uses a language's word tokenizer. A
 *     word's length is its characters after normalisation.
 *   - top_n_gram (n = 2, 3, 4): the most frequent word n-gram (the earliest of equally
 *     frequent ones), its characters with the n - 1 blanks that join its words, times its
 *     count, over the text's characters; undefined (-1) for a text of fewer than n words.
 *   - duplicated_n_n_grams (n = 5 .. 10): a walk over the word n-grams from the first: an
 *     n-gram seen before adds its characters (without blanks) and the walk jumps past it, n
 *     words on; an unseen one is remembered and the walk moves one word on (the n-grams
 *     jumped over are not remembered). Over the text's characters.
 *
 * Characters are code points. Two n-grams are the same when their words are, word for word
 * (datatrove compares the words joined without a separator, so "ab c" and "a bc" are the same
 * 2-gram there and not here). Hashes only narrow the candidates: lines, paragraphs and words
 * are always compared on their bytes. Private to neardup_core.
 */
#ifndef NEARDUP_METRICS_H
#define NEARDUP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/result.h"
#include "normalize.h"

/* Scratch memory kept from one article to the next (one per thread). */
typedef struct nd_metrics_scratch nd_metrics_scratch;

nd_status nd_metrics_scratch_create(nd_metrics_scratch **out); /* ND_OK or ND_ENOMEM */
void nd_metrics_scratch_free(nd_metrics_scratch *s);           /* NULL is a no-op */

/*
 * The measures of text[0..len) (valid UTF-8, at most 4 GiB), whose tokens are toks with
 * token hashes th, into *out (its `over` flags from gopher when gopher->enabled, else 0).
 * ND_OK or ND_ENOMEM (*out then untouched).
 */
nd_status nd_metrics_compute(nd_metrics_scratch *s, const char *text, size_t len,
                             const nd_tokens *toks, const uint64_t *th,
                             const nd_gopher_opts *gopher, nd_doc_metrics *out);

#endif
