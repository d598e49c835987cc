/*
 * fuzz_normalize.c - the normaliser and the UTF-8 check on arbitrary bytes (normalize.h),
 * and the shingles of what comes out (shingle.h).
 *
 * Invariants: nd_utf8_check agrees with a reference validator written from RFC 3629
 * (fz_utf8_check); nd_normalize fails with ND_EUTF8 exactly when the text is invalid, at
 * that first bad offset and with no tokens, and succeeds otherwise; every token is
 * non-empty, within the token text, valid UTF-8, has no ASCII byte other than a lowercase
 * letter or a digit, and starts inside the input, not before the token before it; a token whose
 * source bytes are ASCII is exactly those bytes lower-cased; normalising again with the same
 * (reused) normaliser gives the same tokens; the text gives nd_shingle_count shingles.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "normalize.h"
#include "shingle.h"

/* What a token may hold of ASCII: lowercase letters and digits. */
static int ascii_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A byte that belongs to a segment (is not an ASCII separator). */
static int segment_byte(unsigned char c)
{
    return c >= 0x80 || ascii_word_byte(c) || (c >= 'A' && c <= 'Z');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t ref = fz_utf8_check(data, size);
    size_t chk = nd_utf8_check(text, size);
    FZ_CHECK(chk == ref, "nd_utf8_check says %zu, the reference %zu (of %zu bytes)", chk, ref,
             size);

    nd_normalizer *nz = NULL;
    FZ_CHECK(nd_normalizer_create(&nz) == ND_OK, "nd_normalizer_create");
    nd_tokens t, t2;
    nd_tokens_init(&t);
    nd_tokens_init(&t2);
    size_t bad = (size_t)-1;
    nd_status st = nd_normalize(nz, text, size, &t, &bad);
    if (ref < size) {
        FZ_CHECK(st == ND_EUTF8, "invalid UTF-8 at %zu, but nd_normalize returned %d", ref,
                 (int)st);
        FZ_CHECK(bad == ref, "invalid UTF-8 at %zu reported at %zu", ref, bad);
        FZ_CHECK(t.n == 0, "%zu tokens from invalid text", t.n);
        goto out;
    }
    FZ_CHECK(st == ND_OK, "valid UTF-8, but nd_normalize returned %d", (int)st);

    for (size_t i = 0; i < t.n; i++) {
        const nd_token *k = &t.v[i];
        FZ_CHECK(k->len > 0, "token %zu is empty", i);
        FZ_CHECK(k->off <= t.text_len && k->len <= t.text_len - k->off,
                 "token %zu [%u, +%u) outside the token text (%zu bytes)", i, k->off, k->len,
                 t.text_len);
        FZ_CHECK(k->src < size, "token %zu starts at source byte %u of %zu", i, k->src, size);
        /* Not strictly: one character can make two tokens (NFKC: "½" is "1⁄2"). */
        FZ_CHECK(i == 0 || k->src >= t.v[i - 1].src, "token %zu starts at %u, before %u", i, k->src,
                 t.v[i - 1].src);
        const unsigned char *tb = (const unsigned char *)t.text + k->off;
        FZ_CHECK(fz_utf8_check(tb, k->len) == k->len, "token %zu is not valid UTF-8", i);
        for (size_t j = 0; j < k->len; j++)
            FZ_CHECK(tb[j] >= 0x80 || ascii_word_byte(tb[j]),
                     "token %zu holds the ASCII byte 0x%02x", i, tb[j]);
        FZ_CHECK(segment_byte(data[k->src]),
                 "token %zu starts at source byte %u, an ASCII separator (0x%02x)", i, k->src,
                 data[k->src]);
    }

    /* Every segment (a run between ASCII separators) of ASCII letters and digits is one
     * token as it stands, lower-cased, starting where the segment starts (the fast path).
     * Tokens come in source order, so one walk pairs them. Segments with non-ASCII bytes
     * are left to utf8proc: NFKC may split or join them ("x⒬" is "x(q)"). */
    size_t ti = 0;
    for (size_t at = 0; at < size;) {
        if (!segment_byte(data[at])) {
            at++;
            continue;
        }
        size_t end = at;
        int ascii = 1;
        while (end < size && segment_byte(data[end])) {
            ascii &= data[end] < 0x80;
            end++;
        }
        while (ti < t.n && t.v[ti].src < at)
            ti++;
        if (ascii) {
            FZ_CHECK(ti < t.n && t.v[ti].src == at, "no token for the ASCII word at %zu", at);
            const nd_token *k = &t.v[ti];
            FZ_CHECK(k->len == end - at, "token at %zu: %u bytes for a %zu-byte ASCII word", at,
                     k->len, end - at);
            for (size_t j = 0; j < k->len; j++) {
                unsigned char c = data[at + j];
                unsigned char lc = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
                FZ_CHECK(lc == (unsigned char)t.text[k->off + j],
                         "token at %zu: byte %zu is 0x%02x for source 0x%02x", at, j,
                         (unsigned char)t.text[k->off + j], c);
            }
        }
        at = end;
    }

    /* The same normaliser again: the same tokens (scratch buffers reused). */
    FZ_CHECK(nd_normalize(nz, text, size, &t2, NULL) == ND_OK, "second nd_normalize");
    FZ_CHECK(t2.n == t.n && t2.text_len == t.text_len, "second run: %zu tokens, first %zu", t2.n,
             t.n);
    FZ_CHECK(t.n == 0 || memcmp(t2.v, t.v, t.n * sizeof *t.v) == 0, "second run: other tokens");
    FZ_CHECK(t.text_len == 0 || memcmp(t2.text, t.text, t.text_len) == 0,
             "second run: other token text");

    /* Shingles of every n-gram size the CLI allows at the small end. */
    nd_u64s scratch = {0}, sh = {0};
    unsigned n = 1 + (unsigned)(size % 7);
    FZ_CHECK(nd_shingle_hashes(&t, 0, t.n, n, &scratch, &sh) == ND_OK, "nd_shingle_hashes");
    FZ_CHECK(sh.n == nd_shingle_count(t.n, n), "%zu shingles of %zu tokens (n = %u)", sh.n, t.n, n);
    nd_u64s_clear(&scratch);
    nd_u64s_clear(&sh);
out:
    nd_tokens_clear(&t);
    nd_tokens_clear(&t2);
    nd_normalizer_free(nz);
    return 0;
}
