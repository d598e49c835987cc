/*
 * mix.h - private helpers shared by shingle.c, paras.c, repeats.c and sentences.c: the combination
 * of token hashes into a shingle hash (inlined where it runs per bigram), the exact key of a word
 * sequence, and the target_clones attribute for kernels built for several x86-64 levels.
 */
#ifndef NEARDUP_MIX_H
#define NEARDUP_MIX_H

#include <stddef.h>
#include <stdint.h>

#define ND_MIX_P1 UINT64_C(0x9e3779b97f4a7c15)
#define ND_MIX_P2 UINT64_C(0xc2b2ae3d27d4eb4f)

static inline uint64_t nd_rotl64(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64u - r));
}

/* The murmur3 finaliser. */
static inline uint64_t nd_fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    k ^= k >> 33;
    k *= UINT64_C(0xc4ceb9fe1a85ec53);
    k ^= k >> 33;
    return k;
}

/* nd_shingle_combine (see shingle.c), inline. */
static inline uint64_t nd_mix_combine(const uint64_t *h, size_t n)
{
    uint64_t g = (uint64_t)n * ND_MIX_P1;
    for (size_t i = 0; i < n; i++)
        g = nd_rotl64(g ^ h[i], 27) * ND_MIX_P2;
    return nd_fmix64(g);
}

/* The exact key of a word sequence (a paragraph's or a sentence's): as order-sensitive as
 * nd_mix_combine, but four independent lanes (word i in lane i % 4) so that the
 * multiplications overlap instead of forming one chain. */
static inline uint64_t nd_seq_key(const uint64_t *h, size_t n)
{
    uint64_t g0 = (uint64_t)n * ND_MIX_P1, g1 = g0 ^ ND_MIX_P2, g2 = g0 + ND_MIX_P1,
             g3 = g0 + ND_MIX_P2;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        g0 = nd_rotl64(g0 ^ h[i], 27) * ND_MIX_P2;
        g1 = nd_rotl64(g1 ^ h[i + 1], 27) * ND_MIX_P2;
        g2 = nd_rotl64(g2 ^ h[i + 2], 27) * ND_MIX_P2;
        g3 = nd_rotl64(g3 ^ h[i + 3], 27) * ND_MIX_P2;
    }
    for (; i < n; i++)
        g0 = nd_rotl64(g0 ^ h[i], 27) * ND_MIX_P2;
    g0 = nd_rotl64(g0 ^ g1, 27) * ND_MIX_P2;
    g0 = nd_rotl64(g0 ^ g2, 27) * ND_MIX_P2;
    g0 = nd_rotl64(g0 ^ g3, 27) * ND_MIX_P2;
    return nd_fmix64(g0);
}

/* ND_CLONES("avx2", "default"): compile a function once per listed target, picked at load
 * time; every clone must compute the same integers. A no-op where unsupported. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && defined(__linux__)
#define ND_CLONES(...) __attribute__((target_clones(__VA_ARGS__)))
#else
#define ND_CLONES(...)
#endif

#endif
