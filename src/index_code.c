/*
 * index_code.c - document records and map chunks of an archive index (see index_code.h).
 *
 * Both are bit streams, least significant bit first, then a 32-bit little-endian checksum.
 * Three codes:
 *   - Rice(x, k): q = x >> k as q one-bits and a zero, then the k low bits of x. A q of 32 or
 *     more is written as 32 one-bits and x in 64 bits (an escape: such gaps are rare, and
 *     a malicious or damaged value cannot make the decoder loop for long).
 *   - Exp-Golomb(x): v = x + 1 of N bits: N - 1 as one-bits and a zero, then the N - 1 low
 *     bits of v (its top bit is implicit). For the small counts and deltas.
 *   - fixed(x, w): the w low bits of x.
 * The Rice parameter of a sorted list is chosen from its mean gap, k = floor(log2(mean)),
 * which for gaps of uniformly spread values costs about k + 2 bits a value (Golomb, "Run-
 * length encodings", 1966; Witten, Moffat, Bell, "Managing Gigabytes", ch. 3).
 */
#include "index_code.h"

#include <assert.h>
#include <string.h>

#include "xxh.h"

void nd_bytes_clear(nd_bytes *b)
{
    nd_free(b->p);
    memset(b, 0, sizeof *b);
}

void nd_rec_scratch_clear(nd_rec_scratch *s)
{
    nd_u64s_clear(&s->sorted);
    nd_u64s_clear(&s->tmp);
}

void nd_rec_clear(nd_rec *r)
{
    nd_free(r->th);
    nd_free(r->s);
    nd_free(r->distinct);
    memset(r, 0, sizeof *r);
}

/* Number of bits of x (0 for 0). */
static unsigned bitlen(uint64_t x)
{
    return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}

/* ---- the bit writer ------------------------------------------------------------------- */

/* The writer appends to out, whose room the encoder reserved up front (bitw_open), so a
 * write is a shift, an or and, every 32 bits, one 4-byte store. */
typedef struct bitw {
    nd_bytes *out;
    unsigned char *p; /* the next byte */
    uint64_t acc;     /* bits not yet stored, the next one lowest */
    unsigned nacc;    /* < 32 between calls */
} bitw;

/* Readies w to append at most `room` bytes to out. ND_OK or ND_ENOMEM. */
static inline __attribute__((always_inline)) nd_status bitw_open(bitw *w, nd_bytes *out, size_t room)
{
    if (out->len + room + 8 > out->cap) {
        size_t cap = out->cap;
        unsigned char *p = nd_grow_array(out->p, &cap, out->len + room + 8, 1, 4096);
        if (!p) return ND_ENOMEM;
        out->p = p;
        out->cap = cap;
    }
    w->out = out;
    w->p = out->p + out->len;
    w->acc = 0;
    w->nacc = 0;
    return ND_OK;
}

/* Writes the n (<= 32) low bits of v. */
static inline __attribute__((always_inline)) void put32(bitw *w, uint64_t v, unsigned n)
{
    assert(n <= 32 && w->nacc < 32);
    w->acc |= (v & ((UINT64_C(1) << n) - 1)) << w->nacc;
    w->nacc += n;
    if (w->nacc >= 32) {
        uint32_t word = (uint32_t)w->acc;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        memcpy(w->p, &word, 4); /* one store (a loop of byte stores was a fifth of encoding) */
#else
        for (unsigned i = 0; i < 4; i++)
            w->p[i] = (unsigned char)(word >> (8 * i));
#endif
        w->p += 4;
        w->acc >>= 32;
        w->nacc -= 32;
    }
}

static inline __attribute__((always_inline)) void put_bits(bitw *w, uint64_t v, unsigned n)
{
    if (n > 32) {
        put32(w, v, 32);
        put32(w, v >> 32, n - 32);
    } else {
        put32(w, v, n);
    }
}

/* At most 12 bytes. */
static inline __attribute__((always_inline)) void put_rice(bitw *w, uint64_t x, unsigned k)
{
    uint64_t q = x >> k;
    if (q >= 32) {
        put32(w, 0xffffffffu, 32);
        put_bits(w, x, 64);
        return;
    }
    put32(w, (UINT64_C(1) << q) - 1, (unsigned)q + 1); /* q ones, a zero */
    put_bits(w, x, k);
}

/* At most 16 bytes (8 for x < 2^32). */
static inline __attribute__((always_inline)) void put_eg(bitw *w, uint64_t x)
{
    assert(x < UINT64_MAX);
    uint64_t v = x + 1;
    unsigned n = bitlen(v);
    put_bits(w, (UINT64_C(1) << (n - 1)) - 1, n); /* n - 1 ones, a zero */
    put_bits(w, v, n - 1);
}

/* Stores the last bits (zero-padded to a byte) and the checksum of out[start..). */
static inline __attribute__((always_inline)) nd_status bitw_finish(bitw *w, size_t start)
{
    while (w->nacc > 0) {
        *w->p++ = (unsigned char)w->acc;
        w->acc >>= 8;
        w->nacc = w->nacc > 8 ? w->nacc - 8 : 0;
    }
    nd_bytes *o = w->out;
    o->len = (size_t)(w->p - o->p);
    assert(o->len + 4 <= o->cap);
    uint32_t sum = (uint32_t)XXH3_64bits(o->p + start, o->len - start);
    for (unsigned i = 0; i < 4; i++)
        o->p[o->len++] = (unsigned char)(sum >> (8 * i));
    return ND_OK;
}

/* ---- the bit reader ------------------------------------------------------------------- */

typedef struct bitr {
    const unsigned char *p;
    size_t len, pos; /* bytes, and those loaded into acc */
    uint64_t acc;
    unsigned nacc;
    int bad; /* read past the end */
} bitr;

/* The next n (<= 32) bits. */
static inline uint64_t get32(bitr *r, unsigned n)
{
    assert(n <= 32);
    if (r->nacc < n && r->pos + 4 <= r->len) {
        const unsigned char *q = r->p + r->pos;
        uint64_t word = (uint64_t)q[0] | (uint64_t)q[1] << 8 | (uint64_t)q[2] << 16 |
                        (uint64_t)q[3] << 24;
        r->acc |= word << r->nacc;
        r->nacc += 32;
        r->pos += 4;
    }
    while (r->nacc < n) {
        if (r->pos < r->len)
            r->acc |= (uint64_t)r->p[r->pos++] << r->nacc;
        else
            r->bad = 1;
        r->nacc += 8;
    }
    uint64_t v = r->acc & ((UINT64_C(1) << n) - 1);
    r->acc >>= n;
    r->nacc -= n;
    return v;
}

static uint64_t get_bits(bitr *r, unsigned n)
{
    if (n > 32) {
        uint64_t lo = get32(r, 32);
        return lo | get32(r, n - 32) << 32;
    }
    return get32(r, n);
}

/* Counts one-bits up to the first zero (read too), at most `max` of them. */
static unsigned get_ones(bitr *r, unsigned max)
{
    unsigned q = 0;
    for (;;) {
        if (r->nacc == 0) {
            if (r->pos >= r->len) {
                r->bad = 1;
                return q;
            }
            r->acc = r->p[r->pos++];
            r->nacc = 8;
        }
        unsigned t = (unsigned)__builtin_ctzll(~r->acc); /* ones at the bottom */
        if (t > r->nacc) t = r->nacc;
        if (q + t >= max) {
            unsigned take = max - q;
            r->acc >>= take;
            r->nacc -= take;
            return max;
        }
        q += t;
        r->acc >>= t;
        r->nacc -= t;
        if (r->nacc) { /* the zero */
            r->acc >>= 1;
            r->nacc--;
            return q;
        }
    }
}

static uint64_t get_rice(bitr *r, unsigned k)
{
    unsigned q = get_ones(r, 32);
    if (q == 32) return get_bits(r, 64);
    return (uint64_t)q << k | get_bits(r, k);
}

static uint64_t get_eg(bitr *r)
{
    unsigned n = get_ones(r, 64) + 1;
    if (n > 64) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = (UINT64_C(1) << (n - 1)) | get_bits(r, n - 1);
    return v - 1;
}

/* Checks the trailing checksum of p[0..len) and readies r over the bytes before it. */
static nd_status bitr_open(bitr *r, const void *p, size_t len)
{
    memset(r, 0, sizeof *r);
    if (len < 5) return ND_ECORRUPT;
    const unsigned char *b = p;
    uint32_t want = (uint32_t)b[len - 4] | (uint32_t)b[len - 3] << 8 | (uint32_t)b[len - 2] << 16 |
                    (uint32_t)b[len - 1] << 24;
    if ((uint32_t)XXH3_64bits(b, len - 4) != want) return ND_ECORRUPT;
    r->p = b;
    r->len = len - 4;
    return ND_OK;
}

/* Whether r read everything: no byte left, only the zero padding of the last one. */
static int bitr_done(const bitr *r)
{
    return !r->bad && r->pos == r->len && r->nacc < 8 && r->acc == 0;
}

/* The Rice parameter for n sorted values up to max. */
static unsigned rice_k(uint64_t max, size_t n)
{
    uint64_t mean = n ? max / n : 0;
    unsigned k = bitlen(mean);
    return k ? k - 1 : 0;
}

/* ---- document records ------------------------------------------------------------------- */

/* Sorts a[0..n) of uniformly spread 64-bit values (hashes) with their ids: one counting pass
 * on the top 8 bits into out[], then insertion sort of each bucket (about n / 256 values).
 * count is scratch of 257 entries. */
static void sort_spread(const uint64_t *a, const uint32_t *id, size_t n, uint64_t *out,
                        uint32_t *out_id, size_t count[257])
{
    memset(count, 0, 257 * sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[(a[i] >> 56) + 1]++;
    for (unsigned b = 0; b < 256; b++)
        count[b + 1] += count[b];
    for (size_t i = 0; i < n; i++) {
        size_t j = count[a[i] >> 56]++;
        out[j] = a[i];
        out_id[j] = id[i];
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t x = out[i];
        uint32_t y = out_id[i];
        size_t j = i;
        while (j > 0 && out[j - 1] > x) {
            out[j] = out[j - 1];
            out_id[j] = out_id[j - 1];
            j--;
        }
        out[j] = x;
        out_id[j] = y;
    }
}

/* Reserves room for n values in an nd_u64s viewed as `words` 64-bit words. */
static nd_status reserve_words(nd_u64s *a, size_t words)
{
    return nd_u64s_reserve(a, words ? words : 1);
}

nd_status nd_rec_encode(const uint64_t *th, size_t ntok, const nd_rec_sent *s, size_t ns,
                        nd_rec_scratch *scratch, nd_bytes *out)
{
    /* Distinct hashes in order of first occurrence, through an open-addressing table of
     * (hash, id) with room for twice as many: tok[i] = the id of token i. Then the distinct
     * values sorted, and rank[id] = the place of id's value among them. */
    size_t tsize = 64;
    while (tsize < 2 * ntok)
        tsize *= 2;
    /* scratch->sorted: table keys (tsize), then distinct (ntok), then sorted (ntok);
     * scratch->tmp: table ids, tok, ids, sorted ids, rank (32-bit each, packed in pairs). */
    if (reserve_words(&scratch->sorted, tsize + 2 * ntok) != ND_OK ||
        reserve_words(&scratch->tmp, (tsize + 4 * ntok) / 2 + 4) != ND_OK)
        return ND_ENOMEM;
    uint64_t *key = scratch->sorted.v, *dist = key + tsize, *sorted = dist + ntok;
    uint32_t *tid = (uint32_t *)scratch->tmp.v, *tok = tid + tsize, *ids = tok + ntok,
             *sids = ids + ntok, *rank = sids + ntok;
    memset(tid, 0xff, tsize * sizeof *tid);
    size_t nd = 0;
    for (size_t i = 0; i < ntok; i++) {
        uint64_t h = th[i];
        size_t j = (size_t)(h * UINT64_C(0x9e3779b97f4a7c15) >> 20) & (tsize - 1);
        while (tid[j] != UINT32_MAX && key[j] != h)
            j = (j + 1) & (tsize - 1);
        if (tid[j] == UINT32_MAX) {
            key[j] = h;
            tid[j] = (uint32_t)nd;
            dist[nd] = h;
            ids[nd] = (uint32_t)nd;
            nd++;
        }
        tok[i] = tid[j];
    }
    size_t count[257];
    sort_spread(dist, ids, nd, sorted, sids, count);
    for (size_t r = 0; r < nd; r++)
        rank[sids[r]] = (uint32_t)r;
    scratch->sorted.n = nd; /* (for the tests: the distinct count) */

    unsigned iw = nd > 1 ? bitlen(nd - 1) : 0;
    size_t start = out->len;
    bitw w;
    if (bitw_open(&w, out, 64 + 12 * nd + 4 * ntok + 24 * ns) != ND_OK) return ND_ENOMEM;
    put_eg(&w, ntok);
    put_eg(&w, nd);
    unsigned k = rice_k(nd ? sorted[nd - 1] : 0, nd);
    put32(&w, k, 6);
    uint64_t prev = 0;
    for (size_t i = 0; i < nd; i++) {
        put_rice(&w, sorted[i] - prev, k);
        prev = sorted[i];
    }
    for (size_t i = 0; i < ntok && iw; i++)
        put32(&w, rank[tok[i]], iw);
    put_eg(&w, ns);
    uint32_t line = 0, end = 0;
    for (size_t i = 0; i < ns; i++) {
        assert(s[i].line >= line && s[i].first >= end && s[i].ntok > 0);
        assert((size_t)s[i].first + s[i].ntok <= ntok);
        put_eg(&w, s[i].line - line);
        put_eg(&w, s[i].first - end);
        put_eg(&w, s[i].ntok - 1);
        line = s[i].line;
        end = s[i].first + s[i].ntok;
    }
    return bitw_finish(&w, start);
}

nd_status nd_rec_decode(const void *p, size_t len, nd_rec *r)
{
    bitr br;
    if (bitr_open(&br, p, len) != ND_OK) return ND_ECORRUPT;
    uint64_t ntok = get_eg(&br), nd = get_eg(&br);
    unsigned iw = nd > 1 ? bitlen(nd - 1) : 0;
    /* Bound the counts by what the bytes can hold before allocating for them. */
    if (br.bad || nd > ntok || (ntok && !nd) || nd > (uint64_t)len * 8 ||
        ntok > (iw ? (uint64_t)len * 8 / iw : UINT64_C(1) << 30))
        return ND_ECORRUPT;
    unsigned k = (unsigned)get32(&br, 6);
    if (nd > r->capd) {
        size_t cap = r->capd;
        uint64_t *v = nd_grow_array(r->distinct, &cap, (size_t)nd, sizeof *v, 256);
        if (!v) return ND_ENOMEM;
        r->distinct = v;
        r->capd = cap;
    }
    if (ntok > r->capth) {
        size_t cap = r->capth;
        uint64_t *v = nd_grow_array(r->th, &cap, (size_t)ntok, sizeof *v, 256);
        if (!v) return ND_ENOMEM;
        r->th = v;
        r->capth = cap;
    }
    uint64_t prev = 0;
    for (size_t i = 0; i < nd; i++) {
        uint64_t g = get_rice(&br, k);
        if (i > 0 && g == 0) return ND_ECORRUPT; /* distinct values ascend */
        prev += g;
        r->distinct[i] = prev;
    }
    for (size_t i = 0; i < ntok; i++) {
        uint64_t x = iw ? get32(&br, iw) : 0;
        if (x >= nd) return ND_ECORRUPT;
        r->th[i] = r->distinct[x];
    }
    r->ntok = (size_t)ntok;
    uint64_t ns = get_eg(&br);
    if (br.bad || ns > ntok) return ND_ECORRUPT;
    if (ns > r->caps) {
        size_t cap = r->caps;
        nd_rec_sent *v = nd_grow_array(r->s, &cap, (size_t)ns, sizeof *v, 64);
        if (!v) return ND_ENOMEM;
        r->s = v;
        r->caps = cap;
    }
    uint64_t line = 0, end = 0;
    for (size_t i = 0; i < ns; i++) {
        line += get_eg(&br);
        uint64_t first = end + get_eg(&br);
        uint64_t n = get_eg(&br) + 1;
        if (br.bad || line > UINT32_MAX || first + n > ntok) return ND_ECORRUPT;
        r->s[i] = (nd_rec_sent){(uint32_t)line, (uint32_t)first, (uint32_t)n};
        end = first + n;
    }
    r->ns = (size_t)ns;
    /* Only the zero padding of the last 32-bit word may be left. */
    return bitr_done(&br) ? ND_OK : ND_ECORRUPT;
}

/* ---- map chunks -------------------------------------------------------------------------- */

nd_status nd_chunk_encode(const nd_kentry *e, size_t n, nd_bytes *out)
{
    assert(n >= 1);
    uint32_t maxdoc = 0;
    for (size_t i = 0; i < n; i++) {
        assert(i == 0 || e[i].key > e[i - 1].key ||
               (e[i].key == e[i - 1].key && e[i].doc > e[i - 1].doc));
        if (e[i].doc > maxdoc) maxdoc = e[i].doc;
    }
    size_t start = out->len;
    bitw w;
    if (bitw_open(&w, out, 32 + 16 * n) != ND_OK) return ND_ENOMEM;
    unsigned k = rice_k(e[n - 1].key - e[0].key, n);
    unsigned dw = bitlen(maxdoc);
    put_eg(&w, n);
    put32(&w, k, 6);
    put32(&w, dw, 6);
    uint64_t prev = e[0].key;
    for (size_t i = 0; i < n; i++) {
        put_rice(&w, e[i].key - prev, k);
        put32(&w, e[i].doc, dw);
        prev = e[i].key;
    }
    return bitw_finish(&w, start);
}

nd_status nd_chunk_decode(const void *p, size_t len, uint64_t first, nd_kentry **out, size_t *n,
                          size_t *cap)
{
    bitr br;
    if (bitr_open(&br, p, len) != ND_OK) return ND_ECORRUPT;
    uint64_t m = get_eg(&br);
    unsigned k = (unsigned)get32(&br, 6), dw = (unsigned)get32(&br, 6);
    if (br.bad || m == 0 || m > (uint64_t)len * 8 || dw > 32) return ND_ECORRUPT;
    if (m > *cap) {
        size_t c = *cap;
        nd_kentry *v = nd_grow_array(*out, &c, (size_t)m, sizeof *v, 512);
        if (!v) return ND_ENOMEM;
        *out = v;
        *cap = c;
    }
    nd_kentry *e = *out;
    uint64_t key = first;
    for (size_t i = 0; i < m; i++) {
        uint64_t g = get_rice(&br, k);
        uint32_t doc = (uint32_t)get32(&br, dw);
        if (i > 0 && g == 0 && doc <= e[i - 1].doc) return ND_ECORRUPT;
        key += g;
        e[i].key = key;
        e[i].doc = doc;
    }
    if (!bitr_done(&br)) return ND_ECORRUPT;
    *n = (size_t)m;
    return ND_OK;
}
