/*
 * scan.h - the whole pipeline over a set of paths: nd_scan().
 *
 *   read -> decode -> normalise -> shingle -> MinHash -> LSH -> verify -> cluster
 *                                  \-> paragraphs: repeats inside an article, and sentences
 *                                      shared across articles
 *
 * Pass 1 streams every document once and keeps its signature (4 * perms bytes), its id and
 * where it came from. LSH turns the signatures into candidate pairs; pass 2 reads again
 * just the candidate documents, builds their exact shingle sets and verifies the
 * candidates; union-find makes the groups. The paragraph pass runs on the same workers in
 * pass 1: each article's internal repeats are found there, and the sentences of its long
 * paragraphs are kept as small records (exact key, band keys of a 32-value MinHash of their
 * word set, word fingerprints) that are linked across articles after the groups are made.
 * What it asks for is in options.h; what it finds, in result.h.
 */
#ifndef NEARDUP_SCAN_H
#define NEARDUP_SCAN_H

#include <stddef.h>

#include "neardup/options.h"
#include "neardup/result.h"
#include "neardup/status.h"

/*
 * Runs the pipeline over paths[0..npaths). On ND_OK *out is a result to free with
 * nd_scan_result_free. Bad input is never a failure: it is reported through on_diag and
 * listed in skipped. Failures: ND_EINVAL (an option out of range, no path), ND_ENOMEM,
 * ND_EIO (a document vanished between the passes), ND_ECHANGED (an input changed during
 * the run).
 */
ND_API nd_status nd_scan(const nd_scan_opts *opts, const char *const *paths, size_t npaths,
                         nd_scan_result **out);

#endif
