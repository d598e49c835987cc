/*
 * contain.h - candidate pairs for containment: documents that share many winnowing
 * fingerprints (winnow.h).
 *
 * A truncated reprint (the first half of a wire story, a page cut at a paywall) is almost
 * wholly contained in its original while their Jaccard is far below the threshold, so the
 * MinHash bands do not bring them together. Its fingerprints are nearly all among the
 * original's: the documents that share a fingerprint are listed together, and a pair that
 * shares a large enough share of the smaller one's fingerprints is a candidate, to be
 * verified exactly. Documents already joined (the same component of `joined`) are not
 * paired, and each fingerprint's list keeps only the first ND_CONTAIN_PER_ROOT documents of
 * each component, so a group of a thousand copies costs what a few do. (Several, not one:
 * a copy of a group's later member shares some fingerprints with an earlier member too,
 * and counting those against the earlier one would split the later one's count.)
 * Private to neardup_core.
 */
#ifndef NEARDUP_CONTAIN_H
#define NEARDUP_CONTAIN_H

#include <stddef.h>
#include <stdint.h>

#include "cluster.h"
#include "containers.h"
#include "neardup/status.h"

#define ND_CONTAIN_PER_ROOT 8u /* documents kept per component and fingerprint */
#define ND_CONTAIN_ALL 32u     /* a fingerprint in up to this many components: every pair */
#define ND_CONTAIN_FIRST 8u    /* ... in more: each with those of the first this many */

/*
 * The candidate pairs (a < b, sorted) of ndocs documents whose fingerprints are fp[0..n)
 * ((fingerprint << 32 | document), unique per document; the array is reused as scratch and
 * its contents are lost): pairs of documents of different components of `joined` that
 * share at least max(1, share * min(fingerprints of a, of b)) fingerprints. *out is
 * allocated (nd_free). ND_OK or ND_ENOMEM.
 */
nd_status nd_contain_candidates(uint64_t *fp, size_t n, size_t ndocs, nd_uf *joined, double share,
                                nd_pair **out, size_t *nout);

#endif
