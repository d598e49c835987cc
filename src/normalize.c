/*
 * normalize.c - UTF-8 text to normalised word tokens (see normalize.h).
 *
 * The text is cut at ASCII separators (every ASCII byte that is not a letter or digit)
 * into segments. A segment of ASCII letters and digits is a token as it stands, lower-cased:
 * NFKC and case folding change nothing else in ASCII. A segment that holds a non-ASCII byte
 * is validated, decomposed with compatibility mappings, case folded and recomposed by
 * utf8proc (NFKC_Casefold, also dropping default-ignorable code points such as the soft
 * hyphen), then cut into tokens by Unicode category: L*, N* and M* are word characters,
 * everything else separates. Cutting at ASCII separators first is safe for text: NFKC
 * composes across an ASCII byte only for `<`, `=`, `>` + U+0338, which stay apart here.
 *
 * Invariants: tokens are non-empty; t->text holds exactly the tokens' bytes; token offsets
 * fit in 32 bits because documents are limited to well under 4 GiB by the reader.
 */
#include "normalize.h"

#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

#include "containers.h"

struct nd_normalizer {
    utf8proc_int32_t *cp; /* code point scratch for one segment */
    size_t cp_cap;
    uint32_t *runs; /* offsets of the word runs of the original segment */
    size_t runs_cap;
};

#define NFKC_CF                                                                                    \
    (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE)

void nd_tokens_init(nd_tokens *t)
{
    memset(t, 0, sizeof *t);
}

void nd_tokens_clear(nd_tokens *t)
{
    nd_free(t->text);
    nd_free(t->v);
    memset(t, 0, sizeof *t);
}

nd_status nd_normalizer_create(nd_normalizer **out)
{
    nd_normalizer *nz = nd_calloc(1, sizeof *nz);
    if (!nz) return ND_ENOMEM;
    *out = nz;
    return ND_OK;
}

void nd_normalizer_free(nd_normalizer *nz)
{
    if (!nz) return;
    nd_free(nz->cp);
    nd_free(nz->runs);
    nd_free(nz);
}

size_t nd_utf8_check(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
        if (c >= 0xc2 && c <= 0xdf)
            n = 2;
        else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            if (c == 0xe0)
                lo = 0xa0; /* no overlong forms */
            else if (c == 0xed)
                hi = 0x9f; /* no surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f; /* nothing above U+10FFFF */
        } else
            return i;
        if (len - i < n || s[i + 1] < lo || s[i + 1] > hi) return i;
        for (size_t k = 2; k < n; k++)
            if ((s[i + k] & 0xc0) != 0x80) return i;
        i += n;
    }
    return len;
}

static nd_status reserve_text(nd_tokens *t, size_t more)
{
    if (more > SIZE_MAX - t->text_len - ND_TOKENS_SLACK) return ND_ENOMEM;
    ND_RESERVE(t->text, t->text_cap, t->text_len + more + ND_TOKENS_SLACK, 4096);
    return ND_OK;
}

static nd_status push_token(nd_tokens *t, size_t off, size_t len, size_t src)
{
    ND_GROW(t->n, t->cap, 512, t->v);
    t->v[t->n].off = (uint32_t)off;
    t->v[t->n].len = (uint32_t)len;
    t->v[t->n].src = (uint32_t)src;
    t->n++;
    return ND_OK;
}

static int is_word_cp(utf8proc_int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

/* NFKC_Casefold of one segment s[0..len) (valid UTF-8) and its tokens; src is the
 * segment's offset in the document. */
static nd_status slow_segment(nd_normalizer *nz, const char *s, size_t len, size_t src,
                              nd_tokens *t)
{
    const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t n;
    for (;;) {
        n = utf8proc_decompose(u, (utf8proc_ssize_t)len, nz->cp, (utf8proc_ssize_t)nz->cp_cap,
                               NFKC_CF);
        if (n < 0) return n == UTF8PROC_ERROR_NOMEM ? ND_ENOMEM : ND_EUTF8;
        if ((size_t)n <= nz->cp_cap) break;
        ND_RESERVE(nz->cp, nz->cp_cap, (size_t)n, 256);
    }
    n = utf8proc_normalize_utf32(nz->cp, n, NFKC_CF);
    if (n < 0) return ND_EUTF8;
    /* Where the word runs start in the original bytes: the k-th token takes the k-th run's
     * offset (normalisation rarely merges or splits runs; when it does, the later tokens
     * keep the last run's offset, still inside the segment). */
    size_t nruns = 0;
    {
        utf8proc_ssize_t i = 0;
        int in_word = 0;
        while (i < (utf8proc_ssize_t)len) {
            utf8proc_int32_t c;
            utf8proc_ssize_t k = utf8proc_iterate(u + i, (utf8proc_ssize_t)len - i, &c);
            if (k <= 0) return ND_EUTF8;
            int w = is_word_cp(c);
            if (w && !in_word) {
                ND_GROW(nruns, nz->runs_cap, 16, nz->runs);
                nz->runs[nruns++] = (uint32_t)(src + (size_t)i);
            }
            in_word = w;
            i += k;
        }
    }
    size_t ntok = 0;
    /* At most 4 bytes per code point. */
    nd_status st = reserve_text(t, (size_t)n * 4);
    if (st != ND_OK) return st;
    size_t start = SIZE_MAX;
    for (utf8proc_ssize_t i = 0; i <= n; i++) {
        int word = i < n && is_word_cp(nz->cp[i]);
        if (word) {
            if (start == SIZE_MAX) start = t->text_len;
            t->text_len +=
                (size_t)utf8proc_encode_char(nz->cp[i], (utf8proc_uint8_t *)t->text + t->text_len);
        } else if (start != SIZE_MAX) {
            size_t at = nruns ? nz->runs[ntok < nruns ? ntok : nruns - 1] : src;
            if ((st = push_token(t, start, t->text_len - start, at)) != ND_OK) return st;
            ntok++;
            start = SIZE_MAX;
        }
    }
    return ND_OK;
}

/*
 * Classifies the 64 bytes at p: returns the mask of word bytes (ASCII letters and digits,
 * and every non-ASCII byte, which the slow path sorts out), sets *na to the mask of
 * non-ASCII bytes, and writes the 64 bytes lower-cased (ASCII only) to out.
 */
#if defined(__SSE2__)
#include <emmintrin.h>
static inline uint64_t classify64(const unsigned char *p, unsigned char *out, uint64_t *na)
{
    uint64_t m = 0, n = 0;
    const __m128i case_bit = _mm_set1_epi8(0x20);
    for (int k = 0; k < 4; k++) {
        __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        /* x in [lo, lo + width) as one signed compare: shift lo to -128 first. */
        __m128i alpha = _mm_cmplt_epi8(
            _mm_add_epi8(_mm_or_si128(c, case_bit), _mm_set1_epi8((char)(0x80 - 'a'))),
            _mm_set1_epi8((char)(0x80 + 26)));
        __m128i upper = _mm_cmplt_epi8(_mm_add_epi8(c, _mm_set1_epi8((char)(0x80 - 'A'))),
                                       _mm_set1_epi8((char)(0x80 + 26)));
        __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(c, _mm_set1_epi8((char)(0x80 - '0'))),
                                       _mm_set1_epi8((char)(0x80 + 10)));
        __m128i high = _mm_cmplt_epi8(c, _mm_setzero_si128());
        __m128i word = _mm_or_si128(_mm_or_si128(alpha, digit), high);
        _mm_storeu_si128((__m128i *)(void *)(out + 16 * k),
                         _mm_or_si128(c, _mm_and_si128(upper, case_bit)));
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(word) << (16 * k);
        n |= (uint64_t)(unsigned)_mm_movemask_epi8(c) << (16 * k);
    }
    *na = n;
    return m;
}
#else
static inline uint64_t classify64(const unsigned char *p, unsigned char *out, uint64_t *na)
{
    uint64_t m = 0, n = 0;
    for (unsigned i = 0; i < 64; i++) {
        unsigned char c = p[i];
        int word = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
        m |= (uint64_t)word << i;
        n |= (uint64_t)(c >= 0x80) << i;
        out[i] = (unsigned char)(c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0));
    }
    *na = n;
    return m;
}
#endif

/*
 * The fast path works on 64-byte blocks: classify64 gives a bit mask of word bytes, and
 * the edges of that mask (m ^ (m << 1 | carry)) are where tokens start and end, so tokens
 * come out of a few bit operations per token instead of a branch per byte. t->text first
 * receives the whole document lower-cased, so an ASCII token is just a span of it at its
 * own offset; tokens of segments that hold non-ASCII bytes are appended behind the
 * document by slow_segment().
 */
nd_status nd_normalize(nd_normalizer *nz, const char *text, size_t len, nd_tokens *t,
                       size_t *bad_offset)
{
    const unsigned char *s = (const unsigned char *)text;
    nd_status st;
    t->n = 0;
    t->text_len = 0;
    if ((st = reserve_text(t, len + 64)) != ND_OK) return st;
    t->text_len = len;
    unsigned char *low = (unsigned char *)t->text;
    size_t start = 0;          /* start of the open token */
    size_t last_na = SIZE_MAX; /* last non-ASCII byte before the current block */
    uint64_t carry = 0;        /* was the byte before the block a word byte? */
    for (size_t base = 0; base < len + 1; base += 64) {
        uint64_t m, na;
        if (base + 64 <= len) {
            m = classify64(s + base, low + base, &na);
        } else {
            /* The tail (and one byte past the end, so the last token closes): pad with
             * separators. */
            unsigned char tmp[64], lo[64];
            size_t rest = len > base ? len - base : 0;
            memset(tmp, ' ', sizeof tmp);
            if (rest) memcpy(tmp, s + base, rest);
            m = classify64(tmp, lo, &na);
            low = (unsigned char *)t->text; /* slow segments may have moved it */
            if (rest) memcpy(low + base, lo, rest);
        }
        uint64_t edges = m ^ ((m << 1) | carry);
        carry = m >> 63;
        while (edges) {
            unsigned i = (unsigned)__builtin_ctzll(edges);
            edges &= edges - 1;
            size_t pos = base + i;
            if ((m >> i) & 1) {
                start = pos;
                continue;
            }
            /* A token [start, pos): ASCII unless a non-ASCII byte lies inside. */
            uint64_t before = i ? na & (~UINT64_C(0) >> (64 - i)) : 0;
            size_t lastn = before ? base + 63 - (unsigned)__builtin_clzll(before) : last_na;
            if (lastn == SIZE_MAX || lastn < start) {
                if ((st = push_token(t, start, pos - start, start)) != ND_OK) goto fail;
                continue;
            }
            size_t bad = nd_utf8_check(text + start, pos - start);
            if (bad != pos - start) {
                if (bad_offset) *bad_offset = start + bad;
                st = ND_EUTF8;
                goto fail;
            }
            if ((st = slow_segment(nz, text + start, pos - start, start, t)) != ND_OK) goto fail;
            low = (unsigned char *)t->text;
        }
        if (na) last_na = base + 63 - (unsigned)__builtin_clzll(na);
    }
    return ND_OK;
fail:
    t->n = 0;
    t->text_len = 0;
    return st;
}
