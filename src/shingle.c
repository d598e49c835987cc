/*
 * shingle.c - word n-gram shingle hashes (see shingle.h).
 *
 * Token hash: XXH3-64 of the normalised token bytes. Shingle hash of tokens t1..tn:
 *     g = n * P1;  for each ti: g = rotl(g ^ h(ti), 27) * P2;   then the murmur3 fmix64.
 * Rotation plus multiplication makes the combination depend on order ("a b" != "b a"),
 * and fmix64 spreads every input bit over the output, which MinHash relies on.
 *
 * nd_u64_sort_unique is an LSD radix sort (8 passes of 8 bits) for sets large enough to pay
 * for it, insertion sort below that: shingle hashes are uniform, so radix wins early.
 */
#include "shingle.h"

#include <string.h>

#include "mix.h"
#include "xxh.h"

#include "alloc.h"

#define P1 ND_MIX_P1
#define P2 ND_MIX_P2

uint64_t nd_token_hash(const char *s, size_t len)
{
    return XXH3_64bits(s, len);
}

uint64_t nd_shingle_combine(const uint64_t *h, size_t n)
{
    return nd_mix_combine(h, n);
}

size_t nd_shingle_count(size_t ntokens, unsigned n)
{
    if (ntokens == 0) return 0;
    return ntokens >= n ? ntokens - n + 1 : 1;
}

nd_status nd_shingle_hashes(const nd_tokens *t, size_t first, size_t count, unsigned n,
                            nd_u64s *scratch, nd_u64s *out)
{
    out->n = 0;
    if (count == 0) return ND_OK;
    if (nd_u64s_reserve(scratch, count) != ND_OK) return ND_ENOMEM;
    uint64_t *th = scratch->v;
    for (size_t i = 0; i < count; i++) {
        const nd_token *tk = &t->v[first + i];
        th[i] = nd_token_hash(t->text + tk->off, tk->len);
    }
    scratch->n = count;
    return nd_shingle_from_hashes(th, count, n, out);
}

nd_status nd_shingle_from_hashes(const uint64_t *th, size_t count, unsigned n, nd_u64s *out)
{
    size_t ns = nd_shingle_count(count, n);
    out->n = 0;
    if (ns == 0) return ND_OK;
    if (nd_u64s_reserve(out, ns) != ND_OK) return ND_ENOMEM;
    size_t w = count >= n ? n : count;
    if (w == 5) { /* the default, unrolled */
        for (size_t i = 0; i < ns; i++) {
            uint64_t g = 5 * P1;
            g = nd_rotl64(g ^ th[i], 27) * P2;
            g = nd_rotl64(g ^ th[i + 1], 27) * P2;
            g = nd_rotl64(g ^ th[i + 2], 27) * P2;
            g = nd_rotl64(g ^ th[i + 3], 27) * P2;
            g = nd_rotl64(g ^ th[i + 4], 27) * P2;
            out->v[i] = nd_fmix64(g);
        }
    } else {
        for (size_t i = 0; i < ns; i++)
            out->v[i] = nd_shingle_combine(th + i, w);
    }
    out->n = ns;
    return ND_OK;
}

size_t nd_u64_sort_unique(uint64_t *a, size_t n, nd_u64s *scratch)
{
    if (n < 2) return n;
    if (n <= 64 || nd_u64s_reserve(scratch, n) != ND_OK) {
        /* Insertion sort: small sets, or no memory for the radix buffer (still correct). */
        for (size_t i = 1; i < n; i++) {
            uint64_t x = a[i];
            size_t j = i;
            while (j > 0 && a[j - 1] > x) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
    } else {
        uint64_t *src = a, *dst = scratch->v;
        size_t count[8][256];
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            for (unsigned p = 0; p < 8; p++)
                count[p][(src[i] >> (8 * p)) & 0xff]++;
        for (unsigned p = 0; p < 8; p++) {
            size_t sum = 0;
            for (unsigned b = 0; b < 256; b++) {
                size_t c = count[p][b];
                count[p][b] = sum;
                sum += c;
            }
            for (size_t i = 0; i < n; i++)
                dst[count[p][(src[i] >> (8 * p)) & 0xff]++] = src[i];
            uint64_t *tmp = src;
            src = dst;
            dst = tmp;
        }
        /* 8 passes: the sorted data is back in `a`. */
    }
    size_t w = 1;
    for (size_t i = 1; i < n; i++)
        if (a[i] != a[w - 1]) a[w++] = a[i];
    return w;
}
