/*
 * normalize.h - UTF-8 text to a stream of normalised word tokens.
 *
 * A token is a maximal run of letters, digits and combining marks (Unicode categories L*,
 * N*, M*) after NFKC normalisation and case folding (utf8proc). Everything else -
 * whitespace, punctuation, typographic quotes and dashes, symbols - separates tokens and
 * vanishes, so `“Negara-negara”` gives the tokens `negara` `negara`.
 *
 * ASCII runs take a fast path (lower-casing is all NFKC + case folding does to ASCII);
 * only runs that contain non-ASCII bytes go through utf8proc. Invalid UTF-8 is reported
 * with its byte offset; nothing is guessed. Runs are cut at ASCII separators before
 * normalising, so the rare compositions across them (`<` + U+0338 -> U+226E) do not
 * happen: the combining mark starts a token of its own.
 *
 * The normaliser owns scratch buffers, so use one per thread.
 */
#ifndef NEARDUP_NORMALIZE_H
#define NEARDUP_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/status.h"

/* One token: its normalised UTF-8 bytes are text[off .. off+len) of the nd_tokens that
 * holds it; `src` is the byte offset of its first byte in the original text. */
typedef struct nd_token {
    uint32_t off;
    uint32_t len;
    uint32_t src;
} nd_token;

/* Bytes that may be read past the end of a token's text (the word dictionary compares 8
 * bytes at a time): text always has this many more allocated than text_len. */
#define ND_TOKENS_SLACK 8u

/* A growable token list. Initialise with nd_tokens_init, release with nd_tokens_clear. */
typedef struct nd_tokens {
    char *text; /* the document lower-cased (ASCII), then the normalised bytes of tokens
                   that held non-ASCII characters; tokens index into it (no NUL) */
    size_t text_len, text_cap;
    nd_token *v;
    size_t n, cap;
} nd_tokens;

void nd_tokens_init(nd_tokens *t);
void nd_tokens_clear(nd_tokens *t); /* frees the buffers; t can be reused after init */

typedef struct nd_normalizer nd_normalizer;

/* Creates a normaliser. Returns ND_OK or ND_ENOMEM; *out is untouched on failure. */
nd_status nd_normalizer_create(nd_normalizer **out);
void nd_normalizer_free(nd_normalizer *nz); /* NULL is a no-op */

/*
 * Tokenises text[0..len) (UTF-8, need not be NUL-terminated; at most 4 GiB) into `out`,
 * replacing its previous contents. Returns ND_OK; ND_EUTF8 with *bad_offset set to the
 * byte offset of the first invalid sequence (out is then empty); or ND_ENOMEM.
 * `bad_offset` may be NULL.
 */
nd_status nd_normalize(nd_normalizer *nz, const char *text, size_t len, nd_tokens *out,
                       size_t *bad_offset);

/* Returns the offset of the first invalid UTF-8 sequence in s[0..len), or len if valid. */
size_t nd_utf8_check(const char *s, size_t len);

#endif
