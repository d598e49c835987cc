/*
 * wordruns.h - runs of words repeated inside one paragraph.
 *
 * A scraper that flattens a page onto one line turns a doubled body into one paragraph that
 * holds the same few hundred words twice; between paragraphs (repeats.h) nothing repeats.
 * Here a *repeated run* is a sequence of at least `min_words` words of a paragraph that
 * appears again later in the same paragraph, the two occurrences not overlapping. Each is
 * reported once, against its earliest occurrence; a run three times is two repeats of the
 * first. Words are tokens (normalize.h): two are the same when their normalised bytes are;
 * hashes only narrow the candidates. Private to neardup_core.
 */
#ifndef NEARDUP_WORDRUNS_H
#define NEARDUP_WORDRUNS_H

#include <stddef.h>
#include <stdint.h>

#include "containers.h"
#include "normalize.h"

/* A repeated run: words [a, a + len) of a paragraph again as [b, b + len), a + len <= b
 * (offsets from the paragraph's first word). */
typedef struct nd_word_run {
    uint32_t para; /* the paragraph (set by the caller) */
    uint32_t a, b, len;
} nd_word_run;

/* Scratch memory kept from one paragraph to the next (one per thread). */
typedef struct nd_wordruns {
    uint64_t *key; /* open-addressing table of window hashes: key, first and last position */
    uint32_t *first, *last;
    size_t cap;
    uint32_t *next; /* the next later window with the same hash, per window */
    size_t next_cap;
} nd_wordruns;

void nd_wordruns_clear(nd_wordruns *w); /* frees the scratch; zero it again to reuse */

/*
 * Finds the repeated runs of at least min_words (>= 1) words among the tokens
 * t->v[first .. first + n) (token hashes th[first ..]), appending them to *out (count *nout,
 * capacity *cap; their para left 0) in the order of their copies. Returns the words in the
 * copies, which never overlap, in *words. Linear in n: each window of min_words words is
 * hashed once (a rolling hash of its token hashes) and compared, word by word on their
 * bytes, with at most 64 earlier windows of the same hash. ND_OK or ND_ENOMEM.
 */
nd_status nd_wordruns_find(nd_wordruns *w, const nd_tokens *t, const uint64_t *th, size_t first,
                           size_t n, unsigned min_words, nd_word_run **out, size_t *nout,
                           size_t *cap, uint32_t *words);

#endif
