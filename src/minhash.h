/*
 * minhash.h - MinHash signatures of shingle sets.
 *
 * Signature value i of a set S is min over x in S of h_i(x), where h_i is a bijection on
 * 32-bit words: h_i(x) = ((fold(x) ^ s_i) * a_i), xor-shifted, times c_i (a_i, c_i odd).
 * The parameters come from a fixed seed through splitmix64, so a signature is the same on
 * every run, thread count and machine (a known-answer test pins it). The kernel is written
 * with GCC vector extensions and compiled for AVX2 and a portable baseline, chosen at run
 * time; both give identical values.
 *
 * Pr[sig_a[i] == sig_b[i]] = J(A, B), so the share of equal positions estimates Jaccard.
 */
#ifndef NEARDUP_MINHASH_H
#define NEARDUP_MINHASH_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/options.h"
#include "neardup/status.h"

#define ND_MINHASH_SEED UINT64_C(0x6e656172647570) /* "neardup" */

typedef struct nd_minhash nd_minhash;

/* Creates the k permutations (1 <= k <= ND_PERMS_MAX) from `seed`.
 * ND_OK, ND_EINVAL (bad k) or ND_ENOMEM; *out untouched on failure. */
nd_status nd_minhash_create(unsigned k, uint64_t seed, nd_minhash **out);
void nd_minhash_free(nd_minhash *mh); /* NULL is a no-op */
unsigned nd_minhash_k(const nd_minhash *mh);

/* Fills sig[0..k) with the signature of the n shingle hashes (repeats and order do not
 * matter). An empty set gives all UINT32_MAX. Thread-safe: mh is only read. */
void nd_minhash_sign(const nd_minhash *mh, const uint64_t *shingles, size_t n, uint32_t *sig);

/* Share of equal positions of two k-value signatures: an estimate of Jaccard. */
double nd_minhash_estimate(const uint32_t *a, const uint32_t *b, unsigned k);

#endif
