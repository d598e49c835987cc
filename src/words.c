/*
 * words.c - the word dictionary (see words.h).
 *
 * Open addressing with linear probing over a power-of-two table of 16-byte slots (the id,
 * a tag of 24 hash bits and the length, and the word's first 8 bytes), kept at most half
 * full; a word's bytes live back to back in one buffer, named by offset, with its 64-bit
 * hash and length by id. A word of up to 8 bytes is decided on its slot alone (same length,
 * same bytes); a longer one also compares the rest of its bytes. The lookup is inline (words.h); a
 * new word takes the out-of-line nd_words_add. A word is found only by a probe that compares its
 * bytes, so a word that was never interned is never mistaken for one that was, whatever the hashes.
 */
#include "words.h"

#include <assert.h>
#include <string.h>

#include "containers.h"

#define EMPTY UINT32_MAX

typedef nd_words_slot slot;
typedef nd_words_entry entry;

nd_status nd_words_create(nd_words **out)
{
    nd_words *d = nd_calloc(1, sizeof *d);
    if (!d) return ND_ENOMEM;
    size_t slots = 1024;
    d->tab = nd_reallocarray(NULL, slots, sizeof *d->tab);
    if (!d->tab) {
        nd_free(d);
        return ND_ENOMEM;
    }
    for (size_t i = 0; i < slots; i++)
        d->tab[i].id = EMPTY;
    d->mask = slots - 1;
    *out = d;
    return ND_OK;
}

void nd_words_free(nd_words *d)
{
    if (!d) return;
    nd_free(d->tab);
    nd_free(d->e);
    nd_free(d->bytes);
    nd_free(d);
}

void nd_words_reset(nd_words *d)
{
    if (d->n)
        for (size_t i = 0; i <= d->mask; i++)
            d->tab[i].id = EMPTY;
    d->n = 0;
    d->blen = 0;
}

/* Doubles the table (when it would become more than half full). */
static nd_status grow_table(nd_words *d)
{
    size_t slots = 2 * (d->mask + 1);
    slot *t = nd_reallocarray(NULL, slots, sizeof *t);
    if (!t) return ND_ENOMEM;
    for (size_t i = 0; i < slots; i++)
        t[i].id = EMPTY;
    for (size_t i = 0; i <= d->mask; i++) {
        if (d->tab[i].id == EMPTY) continue;
        size_t h = (size_t)d->e[d->tab[i].id].hash & (slots - 1);
        while (t[h].id != EMPTY)
            h = (h + 1) & (slots - 1);
        t[h] = d->tab[i];
    }
    nd_free(d->tab);
    d->tab = t;
    d->mask = slots - 1;
    return ND_OK;
}

nd_status nd_words_add(nd_words *d, uint64_t hash, uint64_t head, const char *w, uint32_t len,
                       uint32_t *id)
{
    if (d->n >= UINT32_MAX - 1) return ND_EINVAL;
    if (2 * (d->n + 1) > d->mask + 1 && grow_table(d) != ND_OK) return ND_ENOMEM;
    size_t h = (size_t)hash & d->mask;
    while (d->tab[h].id != EMPTY)
        h = (h + 1) & d->mask;
    ND_GROW(d->n, d->cap, 1024, d->e);
    /* (8 bytes of slack: a word read back is read 8 bytes at a time.) */
    ND_RESERVE(d->bytes, d->bcap, d->blen + len + 1 + 8, 4096);
    memcpy(d->bytes + d->blen, w, len);
    d->bytes[d->blen + len] = '\0';
    d->e[d->n].off = d->blen;
    d->e[d->n].hash = hash;
    d->e[d->n].len = len;
    d->blen += (size_t)len + 1;
    d->tab[h].head = head;
    d->tab[h].tag = nd_words_tag(hash, len);
    d->tab[h].id = (uint32_t)d->n;
    *id = (uint32_t)d->n++;
    return ND_OK;
}

size_t nd_words_count(const nd_words *d)
{
    return d->n;
}

const char *nd_words_get(const nd_words *d, uint32_t id, uint32_t *len, uint64_t *hash)
{
    assert(id < d->n);
    const entry *e = &d->e[id];
    *len = e->len;
    if (hash) *hash = e->hash;
    return d->bytes + e->off;
}
