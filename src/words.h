/*
 * words.h - a dictionary of words: each distinct word (its bytes) gets a small id.
 *
 * Sentences are compared on their words exactly (sentences.h): a hash may narrow the search
 * but never decides that two words are the same. The dictionary looks a word up by its
 * 64-bit token hash (which the shingler computes anyway) and then compares the bytes, so
 * two different words that collide in 64 bits still get different ids, and an id stands for
 * exactly one word. Ids are handed out 0, 1, 2, ... in order of first interning.
 *
 * Used at two levels: a worker interns the words of a batch's sentences in the batch's own
 * dictionary (no sharing between threads); the committing thread then interns each batch's
 * words, in input order, in the run's dictionary, so run-wide ids are the same on every run.
 * Private to neardup_core.
 */
#ifndef NEARDUP_WORDS_H
#define NEARDUP_WORDS_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "neardup/status.h"

typedef struct nd_words nd_words;

/* The layout, for the inline lookup below; use the functions, not the fields. */
typedef struct nd_words_slot {
    uint64_t head; /* the word's first 8 bytes (zero past its end) */
    uint32_t id;   /* UINT32_MAX: a free slot */
    uint32_t tag;  /* nd_words_tag: 24 bits of the hash and the length (up to 255) */
} nd_words_slot;

/* A slot's tag: bits 40..63 of the hash, and the length (255 for 255 and longer). A slot
 * with the same tag and head holds the same word when the length is at most 8 (same length,
 * same bytes); a longer word's other bytes are compared too. */
static inline uint32_t nd_words_tag(uint64_t hash, uint32_t len)
{
    return (uint32_t)(hash >> 40) << 8 | (len < 255 ? len : 255);
}

typedef struct nd_words_entry {
    uint64_t off; /* into bytes */
    uint64_t hash;
    uint32_t len;
} nd_words_entry;

struct nd_words {
    nd_words_slot *tab;
    size_t mask;       /* slots - 1 */
    nd_words_entry *e; /* by id */
    size_t n, cap;
    char *bytes; /* the words back to back (an nd_arena's p, len, cap) */
    size_t blen, bcap;
};

nd_status nd_words_create(nd_words **out); /* ND_OK or ND_ENOMEM */
void nd_words_free(nd_words *d);           /* NULL is a no-op */
/* Forgets every word, keeping the memory for reuse. */
void nd_words_reset(nd_words *d);

/* Starts loading the slot where a word of this hash would be (a lookup soon to come). */
static inline void nd_words_prefetch(const nd_words *d, uint64_t hash)
{
    __builtin_prefetch(&d->tab[(size_t)hash & d->mask]);
}

/* Interns a word known to be new (the slow half of nd_words_intern). */
nd_status nd_words_add(nd_words *d, uint64_t hash, uint64_t head, const char *w, uint32_t len,
                       uint32_t *id);

/* The first 8 bytes of w[0..len), zero past len, as one integer: read as 8 bytes at once,
 * so w must have 8 readable bytes (ND_TOKENS_SLACK after a token's text). */
static inline uint64_t nd_words_head(const char *w, uint32_t len)
{
    uint64_t x;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&x, w, 8);
    if (len < 8) x &= (UINT64_C(1) << (8 * len)) - 1;
#else
    x = 0;
    for (uint32_t i = 0; i < len && i < 8; i++)
        x |= (uint64_t)(unsigned char)w[i] << (8 * i);
#endif
    return x;
}

/* The id of the word w[0..len) whose token hash is `hash` (nd_token_hash of the same bytes),
 * interning it if it is new. ND_OK, ND_EINVAL (2^32 - 1 words) or ND_ENOMEM (d unchanged).
 * Inline: it runs once per word of every sentence. */
static inline nd_status nd_words_intern(nd_words *d, uint64_t hash, const char *w, uint32_t len,
                                        uint32_t *id)
{
    uint64_t head = nd_words_head(w, len);
    uint32_t tag = nd_words_tag(hash, len);
    for (size_t h = (size_t)hash & d->mask; d->tab[h].id != UINT32_MAX; h = (h + 1) & d->mask) {
        const nd_words_slot *s = &d->tab[h];
        if (s->tag != tag || s->head != head) continue;
        if (len > 8) { /* the rest of the bytes */
            const nd_words_entry *e = &d->e[s->id];
            if (e->len != len) continue;
            const char *x = d->bytes + e->off;
            uint32_t i = 8;
            while (i < len && x[i] == w[i])
                i++;
            if (i < len) continue;
        }
        *id = s->id;
        return ND_OK;
    }
    return nd_words_add(d, hash, head, w, len, id);
}

/* How many words d holds (ids are 0 .. count - 1). */
size_t nd_words_count(const nd_words *d);

/* Word `id`: its bytes (not NUL-terminated, valid until d changes) and length, and its
 * hash. */
const char *nd_words_get(const nd_words *d, uint32_t id, uint32_t *len, uint64_t *hash);

#endif
