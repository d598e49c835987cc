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
#include "minhash.h"

#include <string.h>

#include "alloc.h"
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

/* Unsigned minima with signed compares: x86 has a signed 32-bit vector compare at every
 * level (pcmpgtd) but an unsigned one only from SSE4.1/AVX-512, so the kernels keep every
 * value with its sign bit flipped (x ^ 2^31 orders as signed the way x does as unsigned)
 * and flip it back at the end. */
#define SIGN_BIT 0x80000000u

/* One permutation step for one vector of lanes: the new minimum of acc and h(xb). V is the
 * vector type (unsigned lanes), S its signed twin. */
#define STEP(V, S, acc, xb, sv, av, cv)                                                            \
    do {                                                                                           \
        V y_ = ((xb) ^ (sv)) * (av);                                                               \
        y_ ^= y_ >> 15;                                                                            \
        y_ *= (cv);                                                                                \
        S b_ = (S)(y_ ^ SIGN_BIT);                                                                 \
        S lt_ = b_ < (S)(acc);                                                                     \
        (acc) = (V)((b_ & lt_) | ((S)(acc) & ~lt_));                                               \
    } while (0)

/*
 * The minima of nvec vectors of type V over n shingles: the hot loop of signing. Four
 * vectors at a time, then two, then one, so their minima and parameters stay in registers
 * while the shingles stream past and independent vectors overlap; the shingles (a few KB)
 * stay in L1 between the rounds. acc receives the minima sign-flipped (see SIGN_BIT).
 */
#define SIGN_KERNEL(NAME, V, S)                                                                    \
    static void NAME(const V *s, const V *a, const V *c, unsigned nvec, const uint64_t *x,         \
                     size_t n, V *acc)                                                             \
    {                                                                                              \
        const V top = (V){0} + (SIGN_BIT - 1u); /* UINT32_MAX, sign-flipped */                     \
        unsigned v = 0;                                                                            \
        for (; v + 4 <= nvec; v += 4) {                                                            \
            const V s0 = s[v], s1 = s[v + 1], s2 = s[v + 2], s3 = s[v + 3];                        \
            const V a0 = a[v], a1 = a[v + 1], a2 = a[v + 2], a3 = a[v + 3];                        \
            const V c0 = c[v], c1 = c[v + 1], c2 = c[v + 2], c3 = c[v + 3];                        \
            V m0 = top, m1 = top, m2 = top, m3 = top;                                              \
            for (size_t i = 0; i < n; i++) {                                                       \
                V xb = (V){0} + ((uint32_t)x[i] ^ (uint32_t)(x[i] >> 32));                         \
                STEP(V, S, m0, xb, s0, a0, c0);                                                    \
                STEP(V, S, m1, xb, s1, a1, c1);                                                    \
                STEP(V, S, m2, xb, s2, a2, c2);                                                    \
                STEP(V, S, m3, xb, s3, a3, c3);                                                    \
            }                                                                                      \
            acc[v] = m0, acc[v + 1] = m1, acc[v + 2] = m2, acc[v + 3] = m3;                        \
        }                                                                                          \
        for (; v + 2 <= nvec; v += 2) {                                                            \
            const V s0 = s[v], s1 = s[v + 1], a0 = a[v], a1 = a[v + 1], c0 = c[v], c1 = c[v + 1];  \
            V m0 = top, m1 = top;                                                                  \
            for (size_t i = 0; i < n; i++) {                                                       \
                V xb = (V){0} + ((uint32_t)x[i] ^ (uint32_t)(x[i] >> 32));                         \
                STEP(V, S, m0, xb, s0, a0, c0);                                                    \
                STEP(V, S, m1, xb, s1, a1, c1);                                                    \
            }                                                                                      \
            acc[v] = m0, acc[v + 1] = m1;                                                          \
        }                                                                                          \
        for (; v < nvec; v++) {                                                                    \
            const V s0 = s[v], a0 = a[v], c0 = c[v];                                               \
            V m0 = top;                                                                            \
            for (size_t i = 0; i < n; i++) {                                                       \
                V xb = (V){0} + ((uint32_t)x[i] ^ (uint32_t)(x[i] >> 32));                         \
                STEP(V, S, m0, xb, s0, a0, c0);                                                    \
            }                                                                                      \
            acc[v] = m0;                                                                           \
        }                                                                                          \
    }

/* 16 lanes where AVX-512 holds them in one register; 8 lanes (one AVX2 register, two SSE2
 * ones) elsewhere: GCC splits a 16-lane vector badly without AVX-512 (it spilled every
 * step to the stack, 5x slower on an AVX2 machine). Both compute the same integers. */
typedef uint32_t vu32x8 __attribute__((vector_size(32)));
typedef int32_t vs32x8 __attribute__((vector_size(32)));
typedef int32_t vs32 __attribute__((vector_size(LANES * sizeof(int32_t))));

/* clang-format off */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && defined(__linux__)
#define HAVE_AVX512_KERNEL 1
__attribute__((target("avx512f"))) SIGN_KERNEL(sign_kernel16, vu32, vs32)
#endif
ND_CLONES("avx2", "default") SIGN_KERNEL(sign_kernel8, vu32x8, vs32x8)
/* clang-format on */

void nd_minhash_sign(const nd_minhash *mh, const uint64_t *shingles, size_t n, uint32_t *sig)
{
    vu32 acc[ND_PERMS_MAX / LANES];
#ifdef HAVE_AVX512_KERNEL
    if (__builtin_cpu_supports("avx512f"))
        sign_kernel16(mh->s, mh->a, mh->c, mh->nvec, shingles, n, acc);
    else
#endif
        sign_kernel8((const vu32x8 *)mh->s, (const vu32x8 *)mh->a, (const vu32x8 *)mh->c,
                     2 * mh->nvec, shingles, n, (vu32x8 *)acc);
    for (unsigned v = 0; v < mh->nvec; v++)
        acc[v] ^= SIGN_BIT;
    memcpy(sig, acc, mh->k * sizeof *sig);
}

double nd_minhash_estimate(const uint32_t *a, const uint32_t *b, unsigned k)
{
    unsigned eq = 0;
    for (unsigned i = 0; i < k; i++)
        eq += a[i] == b[i];
    return k ? (double)eq / (double)k : 0.0;
}
