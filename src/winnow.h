/*
 * winnow.h - winnowing: a document's fingerprints for finding the texts it contains.
 *
 * Of a document's shingle hashes in text order, every window of w consecutive ones selects
 * its smallest (the rightmost of equal ones), and the selected hashes are its fingerprints
 * (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for document
 * fingerprinting", SIGMOD 2003). The choice depends only on the window's content, so two
 * documents that share a run of at least w shingles (w + n - 1 words for n-word shingles)
 * share a fingerprint, however the rest of them differ; a copy cut from a document shares
 * nearly all its fingerprints with it. About 2 / (w + 1) of the shingles are selected.
 * Private to neardup_core.
 */
#ifndef NEARDUP_WINNOW_H
#define NEARDUP_WINNOW_H

#include <stddef.h>
#include <stdint.h>

#define ND_WINNOW_W 16u /* window: a shared run of 16 shingles (20 words) is always found */

#define ND_WINNOW_MAXW 64u

/* The fingerprints of h[0..n) (shingle hashes in text order) with window w, 1 <= w <=
 * ND_WINNOW_MAXW: the upper
 * 32 bits of each selected hash, in text order, into out (room for n; a text shorter than
 * w selects its smallest once). Returns how many. */
size_t nd_winnow(const uint64_t *h, size_t n, unsigned w, uint32_t *out);

/* Sorts a[0..n) and removes repeats in place; returns the new length. */
size_t nd_u32_sort_unique(uint32_t *a, size_t n);

#endif
