/*
 * minhash.c - MinHash signatures (see minhash.h).
 *
 * Permutation i maps a 64-bit shingle hash x to
 *     y = fold(x) ^ s_i;  y *= a_i;  y ^= y >> 15;  y *= c_i        (all mod 2^32)
 * where fold(x) = low32(x) ^ high32(x) and a_i, c_i are odd: each step is a bijection of
 * 32-bit words, so h_i is a permutation, and the two multiplications with an xor-shift
 * between them carry every input bit into the high bits that decide the minimum.
 * s_i, a_i, c_i come from splitmix64 (Steele, Lea, Flood 2014) seeded with `seed`.
 *
 * The kernel walks the shingles once and keeps all k minima in vector registers: 16 lanes
 * of 32 bits per vector. It is written with GCC vector extensions and cloned for AVX-512,
 * AVX2 and the x86-64 baseline (target_clones, resolved once at load time); every clone
 * computes the same integers, so signatures do not depend on the machine.
 */
#include "neardup/minhash.h"

#include <string.h>

#include "neardup/alloc.h"
#include "mix.h"

#define LANES 16u
typedef uint32_t vu32 __attribute__((vector_size(LANES * sizeof(uint32_t))));

struct nd_minhash {
    unsigned k;
    unsigned nvec; /* ceil(k / LANES) */
    vu32 *s, *a, *c;
    void *mem;
};

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

nd_status nd_minhash_create(unsigned k, uint64_t seed, nd_minhash **out)
{
    if (k == 0 || k > ND_PERMS_MAX) return ND_EINVAL;
    nd_minhash *mh = nd_calloc(1, sizeof *mh);
    if (!mh) return ND_ENOMEM;
    mh->k = k;
    mh->nvec = (k + LANES - 1) / LANES;
    /* Three parameter arrays, 64-byte aligned inside one block. */
    size_t bytes = 3 * (size_t)mh->nvec * sizeof(vu32) + 64;
    mh->mem = nd_calloc(1, bytes);
    if (!mh->mem) {
        nd_free(mh);
        return ND_ENOMEM;
    }
    uintptr_t base = ((uintptr_t)mh->mem + 63) & ~(uintptr_t)63;
    mh->s = (vu32 *)base;
    mh->a = mh->s + mh->nvec;
    mh->c = mh->a + mh->nvec;
    uint64_t st = seed;
    for (unsigned i = 0; i < mh->nvec * LANES; i++) {
        unsigned v = i / LANES, l = i % LANES;
        mh->s[v][l] = (uint32_t)splitmix64(&st);
        mh->a[v][l] = (uint32_t)splitmix64(&st) | 1u;
        mh->c[v][l] = (uint32_t)splitmix64(&st) | 1u;
    }
    *out = mh;
    return ND_OK;
}

void nd_minhash_free(nd_minhash *mh)
{
    if (!mh) return;
    nd_free(mh->mem);
    nd_free(mh);
}

unsigned nd_minhash_k(const nd_minhash *mh)
{
    return mh->k;
}

/* One permutation step for one vector of lanes: the new minimum of acc and h(xb). */
#define STEP(acc, xb, sv, av, cv)                                                                  \
    do {                                                                                           \
        vu32 y_ = ((xb) ^ (sv)) * (av);                                                            \
        y_ ^= y_ >> 15;                                                                            \
        y_ *= (cv);                                                                                \
        vu32 lt_ = (vu32)(y_ < (acc));                                                             \
        (acc) = (y_ & lt_) | ((acc) & ~lt_);                                                       \
    } while (0)

/*
 * The minima of nvec vectors over n shingles: the hot loop of signing. Four vectors (64
 * permutations) at a time, then two, then one, so their minima and parameters stay in
 * registers while the shingles stream past and independent vectors overlap; the shingles
 * (a few KB) stay in L1 between the rounds.
 */
ND_CLONES("avx512f", "avx2", "default")
static void sign_kernel(const vu32 *s, const vu32 *a, const vu32 *c, unsigned nvec,
                        const uint64_t *x, size_t n, vu32 *acc)
{
    const vu32 ones = (vu32){0} - 1u;
    unsigned v = 0;
    for (; v + 4 <= nvec; v += 4) {
        const vu32 s0 = s[v], s1 = s[v + 1], s2 = s[v + 2], s3 = s[v + 3];
        const vu32 a0 = a[v], a1 = a[v + 1], a2 = a[v + 2], a3 = a[v + 3];
        const vu32 c0 = c[v], c1 = c[v + 1], c2 = c[v + 2], c3 = c[v + 3];
        vu32 m0 = ones, m1 = ones, m2 = ones, m3 = ones;
        for (size_t i = 0; i < n; i++) {
            uint32_t f = (uint32_t)x[i] ^ (uint32_t)(x[i] >> 32);
            vu32 xb = (vu32){0} + f;
            STEP(m0, xb, s0, a0, c0);
            STEP(m1, xb, s1, a1, c1);
            STEP(m2, xb, s2, a2, c2);
            STEP(m3, xb, s3, a3, c3);
        }
        acc[v] = m0;
        acc[v + 1] = m1;
        acc[v + 2] = m2;
        acc[v + 3] = m3;
    }
    for (; v + 2 <= nvec; v += 2) { /* 32 permutations: the paragraph pass's sentences */
        const vu32 s0 = s[v], s1 = s[v + 1], a0 = a[v], a1 = a[v + 1], c0 = c[v], c1 = c[v + 1];
        vu32 m0 = ones, m1 = ones;
        for (size_t i = 0; i < n; i++) {
            uint32_t f = (uint32_t)x[i] ^ (uint32_t)(x[i] >> 32);
            vu32 xb = (vu32){0} + f;
            STEP(m0, xb, s0, a0, c0);
            STEP(m1, xb, s1, a1, c1);
        }
        acc[v] = m0;
        acc[v + 1] = m1;
    }
    for (; v < nvec; v++) {
        const vu32 s0 = s[v], a0 = a[v], c0 = c[v];
        vu32 m0 = ones;
        for (size_t i = 0; i < n; i++) {
            uint32_t f = (uint32_t)x[i] ^ (uint32_t)(x[i] >> 32);
            vu32 xb = (vu32){0} + f;
            STEP(m0, xb, s0, a0, c0);
        }
        acc[v] = m0;
    }
}

void nd_minhash_sign(const nd_minhash *mh, const uint64_t *shingles, size_t n, uint32_t *sig)
{
    vu32 acc[ND_PERMS_MAX / LANES];
    sign_kernel(mh->s, mh->a, mh->c, mh->nvec, shingles, n, acc);
    memcpy(sig, acc, mh->k * sizeof *sig);
}

double nd_minhash_estimate(const uint32_t *a, const uint32_t *b, unsigned k)
{
    unsigned eq = 0;
    for (unsigned i = 0; i < k; i++)
        eq += a[i] == b[i];
    return k ? (double)eq / (double)k : 0.0;
}
