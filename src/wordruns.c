/*
 * wordruns.c - runs of words repeated inside one paragraph (see wordruns.h).
 *
 * One pass over the paragraph's windows of m = min_words words, in order. Each window has a
 * rolling hash of its token hashes, cyclic polynomial hashing (buzhash: H_i = XOR over k of
 * rotl(th[i + k], m - 1 - k), and H_(i+1) = rotl(H_i, 1) ^ rotl(th[i], m) ^ th[i + m], three
 * operations a word; the token hashes are XXH3 values, random enough to need no finaliser);
 * an open-addressing table keeps, per hash, its earliest window and a
 * chain of the later ones in text order. At window i the earlier windows j of the same hash
 * with j + m <= i are candidates, earliest first: each is compared with i word by word (a
 * token hash tells two words apart, only their bytes tell that they are the same), and
 * extended while the words agree, up to where the copy would reach its source (i - j words)
 * or the paragraph's end. The longest match of at least m words (the earliest of equal
 * ones) is a run; windows inside its copy are not looked up again, only added to the table,
 * so a text repeated k times gives k - 1 runs against its first occurrence. At most
 * MAX_CHAIN candidates are compared per window, which keeps the pass linear: a window that
 * starts no run costs at most MAX_CHAIN * m word comparisons, and the candidates of one
 * that does cost at most MAX_CHAIN times the run they find, whose words are then skipped.
 */
#include "wordruns.h"

#include <string.h>

#include "mix.h"

#define MAX_CHAIN 64u
#define NONE UINT32_MAX

void nd_wordruns_clear(nd_wordruns *w)
{
    nd_free(w->key);
    nd_free(w->first);
    nd_free(w->last);
    nd_free(w->next);
    memset(w, 0, sizeof *w);
}

/* Room for a table of at least 2 * nwin slots (a power of two: *size, emptied) and nwin
 * chain links. The scratch may be larger, from a longer paragraph before. */
static nd_status reserve(nd_wordruns *w, size_t nwin, size_t *size)
{
    size_t cap = 64;
    while (cap < 2 * nwin)
        cap *= 2;
    *size = cap;
    if (cap > w->cap) {
        uint64_t *k = nd_reallocarray(w->key, cap, sizeof *k);
        if (!k) return ND_ENOMEM;
        w->key = k;
        uint32_t *f = nd_reallocarray(w->first, cap, sizeof *f);
        if (!f) return ND_ENOMEM;
        w->first = f;
        uint32_t *l = nd_reallocarray(w->last, cap, sizeof *l);
        if (!l) return ND_ENOMEM;
        w->last = l;
        w->cap = cap;
    }
    ND_RESERVE(w->next, w->next_cap, nwin, 1024);
    memset(w->first, 0xff, cap * sizeof *w->first);
    return ND_OK;
}

/* Are tokens x and y the same word? Their hashes first (different hashes: different
 * words), then their normalised bytes, which decide. */
static inline int same_word(const nd_tokens *t, const uint64_t *th, size_t x, size_t y)
{
    if (th[x] != th[y]) return 0;
    const nd_token *a = &t->v[x], *b = &t->v[y];
    return a->len == b->len && memcmp(t->text + a->off, t->text + b->off, a->len) == 0;
}

/* The table slot of key: its own, or the empty one where it goes. */
static inline size_t slot_of(const nd_wordruns *w, size_t mask, uint64_t key)
{
    size_t s = (size_t)(key >> 20) & mask;
    while (w->first[s] != NONE && w->key[s] != key)
        s = (s + 1) & mask;
    return s;
}

/* The longest match of at least m words between window i and an earlier window of slot s:
 * its length (0 for none) and source in *src. Tokens are offsets from `base`. */
static size_t best_match(const nd_wordruns *w, size_t s, const nd_tokens *t, const uint64_t *th,
                         size_t base, size_t n, size_t m, size_t i, size_t *src)
{
    size_t best = 0;
    unsigned steps = 0;
    for (uint32_t j = w->first[s]; j != NONE && j + m <= i && steps < MAX_CHAIN;
         j = w->next[j], steps++) {
        size_t most = i - j < n - i ? i - j : n - i, len = 0;
        while (len < most && same_word(t, th, base + j + len, base + i + len))
            len++;
        if (len >= m && len > best) {
            best = len;
            *src = j;
            if (len == most) break; /* no later source can do better than the earliest */
        }
    }
    return best;
}

nd_status nd_wordruns_find(nd_wordruns *w, const nd_tokens *t, const uint64_t *th, size_t first,
                           size_t n, unsigned min_words, nd_word_run **out, size_t *nout,
                           size_t *cap, uint32_t *words)
{
    size_t m = min_words;
    *words = 0;
    if (m == 0 || n < 2 * m || n >= NONE) return ND_OK;
    size_t nwin = n - m + 1;
    size_t size;
    nd_status st = reserve(w, nwin, &size);
    if (st != ND_OK) return st;
    size_t mask = size - 1;
    const uint64_t *h = th + first;
    unsigned rot = (unsigned)(m % 64); /* the rotation of the word that leaves the window */
    uint64_t key = 0;                  /* the hash of the current window */
    for (size_t k = 0; k < m; k++)
        key = nd_rotl64(key, 1) ^ h[k];
    size_t skip = 0; /* windows before it lie in a reported copy: not looked up */
    for (size_t i = 0; i < nwin; i++) {
        if (i > 0)
            key = nd_rotl64(key, 1) ^ (rot ? nd_rotl64(h[i - 1], rot) : h[i - 1]) ^ h[i + m - 1];
        size_t s = slot_of(w, mask, key), src = 0;
        if (i >= skip && w->first[s] != NONE) {
            size_t len = best_match(w, s, t, th, first, n, m, i, &src);
            if (len) {
                ND_GROW(*nout, *cap, 8, *out);
                nd_word_run *r = &(*out)[(*nout)++];
                r->para = 0;
                r->a = (uint32_t)src;
                r->b = (uint32_t)i;
                r->len = (uint32_t)len;
                *words += (uint32_t)len;
                skip = i + len;
            }
        }
        w->next[i] = NONE;
        if (w->first[s] == NONE) {
            w->key[s] = key;
            w->first[s] = (uint32_t)i;
        } else {
            w->next[w->last[s]] = (uint32_t)i;
        }
        w->last[s] = (uint32_t)i;
    }
    return ND_OK;
}
