/*
 * normalize.c - UTF-8 text to normalised word tokens (see normalize.h).
 *
 * The text is cut at ASCII separators (every ASCII byte that is not a letter or digit)
 * into segments. A segment of ASCII letters and digits is a token as it stands, lower-cased:
 * NFKC and case folding change nothing else in ASCII. A segment that holds a non-ASCII byte
 * is validated, decomposed with compatibility mappings, case folded and recomposed by
 * utf8proc (NFKC_Casefold, also dropping default-ignorable code points such as the soft
 * hyphen), then cut into tokens by Unicode category: L*, N* and M* are word characters,
 * everything else separates. Cutting at ASCII separators first is safe because NFKC never
 * composes across them.
 *
 * Invariants: tokens are non-empty; t->text holds exactly the tokens' bytes; token offsets
 * fit in 32 bits because documents are limited to well under 4 GiB by the reader.
 */
#include "neardup/normalize.h"

#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

#include "neardup/alloc.h"

struct nd_normalizer {
    utf8proc_int32_t *cp; /* code point scratch for one segment */
    size_t cp_cap;
};

/* Byte classes: 0 separator, 1 ASCII letter/digit, 2 non-ASCII (lead or continuation). */
static const unsigned char byte_class[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
#define R16(b) [b] = 2, [b + 1] = 2, [b + 2] = 2, [b + 3] = 2, [b + 4] = 2, [b + 5] = 2,      \
               [b + 6] = 2, [b + 7] = 2, [b + 8] = 2, [b + 9] = 2, [b + 10] = 2, [b + 11] = 2, \
               [b + 12] = 2, [b + 13] = 2, [b + 14] = 2, [b + 15] = 2
    R16(0x80), R16(0x90), R16(0xa0), R16(0xb0), R16(0xc0), R16(0xd0), R16(0xe0), R16(0xf0),
#undef R16
};

#define NFKC_CF                                                                              \
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
    if (!nz)
        return ND_ENOMEM;
    *out = nz;
    return ND_OK;
}

void nd_normalizer_free(nd_normalizer *nz)
{
    if (!nz)
        return;
    nd_free(nz->cp);
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
        if (len - i < n || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k < n; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
        i += n;
    }
    return len;
}

static nd_status reserve_text(nd_tokens *t, size_t more)
{
    if (t->text_cap - t->text_len >= more)
        return ND_OK;
    size_t cap = t->text_cap ? t->text_cap : 4096;
    while (cap - t->text_len < more)
        cap *= 2;
    char *p = nd_reallocarray(t->text, cap, 1);
    if (!p)
        return ND_ENOMEM;
    t->text = p;
    t->text_cap = cap;
    return ND_OK;
}

static nd_status push_token(nd_tokens *t, size_t off, size_t len, size_t src)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 512;
        nd_token *v = nd_reallocarray(t->v, cap, sizeof *v);
        if (!v)
            return ND_ENOMEM;
        t->v = v;
        t->cap = cap;
    }
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
        if (n < 0)
            return n == UTF8PROC_ERROR_NOMEM ? ND_ENOMEM : ND_EUTF8;
        if ((size_t)n <= nz->cp_cap)
            break;
        size_t cap = nz->cp_cap ? nz->cp_cap : 256;
        while (cap < (size_t)n)
            cap *= 2;
        utf8proc_int32_t *p = nd_reallocarray(nz->cp, cap, sizeof *p);
        if (!p)
            return ND_ENOMEM;
        nz->cp = p;
        nz->cp_cap = cap;
    }
    n = utf8proc_normalize_utf32(nz->cp, n, NFKC_CF);
    if (n < 0)
        return ND_EUTF8;
    /* At most 4 bytes per code point. */
    nd_status st = reserve_text(t, (size_t)n * 4);
    if (st != ND_OK)
        return st;
    size_t start = SIZE_MAX;
    for (utf8proc_ssize_t i = 0; i <= n; i++) {
        int word = i < n && is_word_cp(nz->cp[i]);
        if (word) {
            if (start == SIZE_MAX)
                start = t->text_len;
            t->text_len += (size_t)utf8proc_encode_char(nz->cp[i],
                                                       (utf8proc_uint8_t *)t->text + t->text_len);
        } else if (start != SIZE_MAX) {
            if ((st = push_token(t, start, t->text_len - start, src)) != ND_OK)
                return st;
            start = SIZE_MAX;
        }
    }
    return ND_OK;
}

nd_status nd_normalize(nd_normalizer *nz, const char *text, size_t len, nd_tokens *t,
                       size_t *bad_offset)
{
    const unsigned char *s = (const unsigned char *)text;
    nd_status st = ND_OK;
    t->n = 0;
    t->text_len = 0;
    size_t i = 0;
    while (i < len) {
        if (byte_class[s[i]] == 0) {
            i++;
            continue;
        }
        /* A segment: letters, digits and non-ASCII bytes up to the next ASCII separator. */
        size_t j = i;
        int ascii = 1;
        while (j < len && byte_class[s[j]] != 0) {
            ascii &= byte_class[s[j]] == 1;
            j++;
        }
        if (ascii) {
            if ((st = reserve_text(t, j - i)) != ND_OK)
                goto fail;
            char *d = t->text + t->text_len;
            for (size_t k = i; k < j; k++)
                d[k - i] = (char)(s[k] | ((s[k] >= 'A' && s[k] <= 'Z') ? 0x20 : 0));
            if ((st = push_token(t, t->text_len, j - i, i)) != ND_OK)
                goto fail;
            t->text_len += j - i;
        } else {
            size_t bad = nd_utf8_check(text + i, j - i);
            if (bad != j - i) {
                if (bad_offset)
                    *bad_offset = i + bad;
                st = ND_EUTF8;
                goto fail;
            }
            if ((st = slow_segment(nz, text + i, j - i, i, t)) != ND_OK)
                goto fail;
        }
        i = j;
    }
    return ND_OK;
fail:
    t->n = 0;
    t->text_len = 0;
    return st;
}
