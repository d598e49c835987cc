/*
 * metrics.c - the Gopher repetition measures of one article (see metrics.h).
 *
 * Lines and paragraphs: each piece is hashed (XXH3) into an open-addressing table that holds
 * the pieces seen so far; a hit is a duplicate only if the bytes are the same.
 *
 * Word n-grams: a hash per window is built up one word at a time, from the 2-grams to the
 * 10-grams (g_n[i] = mix(g_(n-1)[i], th[i + n - 1]), in place), so each n costs one step per
 * word. For n = 2, 3, 4 a table counts every n-gram (its first position and its count) and
 * the most frequent one, the earliest of a tie, gives the measure; for n = 5 .. 10 a table
 * holds the n-grams remembered by the walk that datatrove's find_all_duplicate makes. An
 * n-gram found in a table is the same only if its words are, byte for byte.
 *
 * Each measure is an integer over an integer, divided once in double precision: the same
 * double as Python's true division of the same integers (both exact below 2^53, the quotient
 * correctly rounded).
 */
#include "metrics.h"

#include <string.h>

#include "containers.h"
#include "mix.h"
#include "xxh.h"

#define EMPTY UINT32_MAX

const char *nd_gopher_name(unsigned i)
{
    static const char *const names[ND_GOPHER_N] = {
        "dup_line_frac",
        "dup_para_frac",
        "dup_line_char_frac",
        "dup_para_char_frac",
        "top_2_gram",
        "top_3_gram",
        "top_4_gram",
        "duplicated_5_n_grams",
        "duplicated_6_n_grams",
        "duplicated_7_n_grams",
        "duplicated_8_n_grams",
        "duplicated_9_n_grams",
        "duplicated_10_n_grams",
    };
    return i < ND_GOPHER_N ? names[i] : NULL;
}

/* A piece of the text (a line or paragraph) in the table of pieces seen. */
typedef struct piece {
    uint64_t hash;
    uint32_t start, len; /* len EMPTY: a free slot */
} piece;

/* An n-gram in a table: its hash, first position and count (first EMPTY: a free slot). */
typedef struct gram {
    uint64_t hash;
    uint32_t first, count;
} gram;

struct nd_metrics_scratch {
    piece *pieces;
    size_t pcap;
    gram *grams;
    size_t gcap;
    uint64_t *g;  /* the window hashes of the current n */
    uint32_t *cp; /* characters of each word */
    size_t wcap;  /* room in g and cp */
};

nd_status nd_metrics_scratch_create(nd_metrics_scratch **out)
{
    nd_metrics_scratch *s = nd_calloc(1, sizeof *s);
    if (!s) return ND_ENOMEM;
    *out = s;
    return ND_OK;
}

void nd_metrics_scratch_free(nd_metrics_scratch *s)
{
    if (!s) return;
    nd_free(s->pieces);
    nd_free(s->grams);
    nd_free(s->g);
    nd_free(s->cp);
    nd_free(s);
}

/* The smallest power of two >= 2 * n (at least 16). */
static size_t table_size(size_t n)
{
    size_t c = 16;
    while (c < 2 * n)
        c *= 2;
    return c;
}

/* Characters (code points) of valid UTF-8 s[0..n): its bytes less its continuation bytes
 * (10xxxxxx), counted 8 at a time in byte lanes (x & ~(x << 1) keeps bit 7 of a byte whose
 * bit 6 is clear, in whatever order the bytes were loaded), emptied every 255 words. */
static uint64_t chars(const char *s, size_t n)
{
    const uint64_t high = UINT64_C(0x8080808080808080), m = UINT64_C(0x00ff00ff00ff00ff);
    uint64_t cont = 0;
    size_t i = 0;
    while (i + 8 <= n) {
        uint64_t lanes = 0;
        for (unsigned k = 0; k < 255 && i + 8 <= n; k++, i += 8) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            lanes += (x & ~(x << 1) & high) >> 7;
        }
        lanes = (lanes & m) + ((lanes >> 8) & m);
        cont += (lanes * UINT64_C(0x0001000100010001)) >> 48;
    }
    for (; i < n; i++)
        cont += ((unsigned char)s[i] & 0xc0) == 0x80;
    return n - cont;
}

/* ---- lines and paragraphs ---------------------------------------------------------------- */

/* The duplicate pieces of one split, counted as they come. */
typedef struct dups {
    const char *text;
    piece *t;
    size_t mask;
    uint32_t pieces, dup;
    uint64_t dup_chars;
} dups;

/* Takes piece text[start, start + len): a duplicate if the same bytes came before. */
static void take_piece(dups *d, size_t start, size_t len)
{
    uint64_t h = XXH3_64bits(d->text + start, len);
    size_t s = (size_t)h & d->mask;
    d->pieces++;
    while (d->t[s].len != EMPTY) {
        const piece *p = &d->t[s];
        if (p->hash == h && p->len == len &&
            memcmp(d->text + p->start, d->text + start, len) == 0) {
            d->dup++;
            d->dup_chars += chars(d->text + start, len);
            return;
        }
        s = (s + 1) & d->mask;
    }
    d->t[s].hash = h;
    d->t[s].start = (uint32_t)start;
    d->t[s].len = (uint32_t)len;
}

/* An empty table for up to n pieces. */
static nd_status pieces_table(nd_metrics_scratch *s, size_t n, const char *text, dups *d)
{
    size_t size = table_size(n);
    ND_RESERVE(s->pieces, s->pcap, size, 64);
    for (size_t i = 0; i < size; i++)
        s->pieces[i].len = EMPTY;
    memset(d, 0, sizeof *d);
    d->text = text;
    d->t = s->pieces;
    d->mask = size - 1;
    return ND_OK;
}

/* Lines: text[0..len) split at every run of newlines. */
static nd_status lines(nd_metrics_scratch *s, const char *text, size_t len, size_t nl, dups *d)
{
    nd_status st = pieces_table(s, nl + 1, text, d);
    if (st != ND_OK) return st;
    for (size_t pos = 0;;) {
        const char *p = memchr(text + pos, '\n', len - pos);
        size_t end = p ? (size_t)(p - text) : len;
        take_piece(d, pos, end - pos);
        if (!p) break;
        for (pos = end; pos < len && text[pos] == '\n'; pos++)
            ;
    }
    return ND_OK;
}

/* Is the code point at s[i] (of n bytes, i < n) white space as Python's str.isspace says
 * (Unicode White_Space, and U+001C..U+001F)? *size gets its bytes. */
static int py_space_at(const unsigned char *s, size_t i, size_t n, size_t *size)
{
    unsigned c = s[i];
    *size = 1;
    if (c < 0x80) return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20);
    if (c == 0xc2 && i + 1 < n) {
        *size = 2;
        return s[i + 1] == 0x85 || s[i + 1] == 0xa0;
    }
    if ((c == 0xe1 || c == 0xe2 || c == 0xe3) && i + 2 < n) {
        unsigned cp = ((c & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
        *size = 3;
        return cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
               cp == 0x202f || cp == 0x205f || cp == 0x3000;
    }
    return 0;
}

/* Paragraphs: text[0..len) stripped of white space at both ends, split at every run of two
 * or more newlines. */
static nd_status paragraphs(nd_metrics_scratch *s, const char *text, size_t len, size_t nl, dups *d)
{
    const unsigned char *u = (const unsigned char *)text;
    size_t a = 0, b = len, k;
    while (a < b && py_space_at(u, a, b, &k))
        a += k;
    while (b > a) { /* back to the first byte of the last character, then test it */
        size_t c = b - 1;
        while (c > a && (u[c] & 0xc0) == 0x80)
            c--;
        if (!py_space_at(u, c, b, &k)) break;
        b = c;
    }
    nd_status st = pieces_table(s, nl / 2 + 1, text, d);
    if (st != ND_OK) return st;
    size_t start = a;
    for (size_t pos = a; pos < b;) {
        const char *p = memchr(text + pos, '\n', b - pos);
        if (!p) break;
        size_t run = (size_t)(p - text), end = run;
        while (end < b && text[end] == '\n')
            end++;
        if (end - run >= 2) {
            take_piece(d, start, run - start);
            start = end;
        }
        pos = end;
    }
    take_piece(d, start, b - start);
    return ND_OK;
}

/* ---- word n-grams ------------------------------------------------------------------------- */

/* Are the n words from x and from y the same, word for word (hashes first, then bytes)? */
static int same_words(const nd_tokens *t, const uint64_t *th, size_t x, size_t y, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (th[x + k] != th[y + k]) return 0;
        const nd_token *a = &t->v[x + k], *b = &t->v[y + k];
        if (a->len != b->len || memcmp(t->text + a->off, t->text + b->off, a->len) != 0) return 0;
    }
    return 1;
}

/* The slot of the n-gram at i in the table (mask + 1 slots): its own (*found 1) or the free
 * one where it goes (*found 0). */
static size_t gram_slot(const gram *tab, size_t mask, const nd_tokens *t, const uint64_t *th,
                        uint64_t h, size_t i, size_t n, int *found)
{
    size_t s = (size_t)(h >> 16) & mask;
    while (tab[s].first != EMPTY) {
        if (tab[s].hash == h && same_words(t, th, tab[s].first, i, n)) {
            *found = 1;
            return s;
        }
        s = (s + 1) & mask;
    }
    *found = 0;
    return s;
}

/* Characters of the n words from i. */
static uint64_t gram_chars(const uint32_t *cp, size_t i, size_t n)
{
    uint64_t c = 0;
    for (size_t k = 0; k < n; k++)
        c += cp[i + k];
    return c;
}

/* The most frequent n-gram's characters (with n - 1 blanks) times its count; *most gets the
 * count (1: no n-gram occurs twice). The leader is kept as counts grow: counts only grow, so
 * it ends as the n-gram of the highest count, the earliest first of equal ones. */
static uint64_t top_gram(gram *tab, size_t mask, const nd_tokens *t, const uint64_t *th,
                         const uint64_t *g, const uint32_t *cp, size_t nwin, size_t n,
                         uint32_t *most)
{
    uint32_t best = 1, at = 0;
    for (size_t i = 0; i < nwin; i++) {
        int found;
        uint64_t h = nd_fmix64(g[i]);
        size_t s = gram_slot(tab, mask, t, th, h, i, n, &found);
        if (!found) {
            tab[s].hash = h;
            tab[s].first = (uint32_t)i;
            tab[s].count = 1;
            continue;
        }
        uint32_t c = ++tab[s].count;
        if (c > best || (c == best && tab[s].first < at)) {
            best = c;
            at = tab[s].first;
        }
    }
    *most = best;
    return (gram_chars(cp, at, n) + n - 1) * best;
}

/* datatrove's find_all_duplicate: the characters (without blanks) of the n-grams the walk
 * finds again. */
static uint64_t dup_grams(gram *tab, size_t mask, const nd_tokens *t, const uint64_t *th,
                          const uint64_t *g, const uint32_t *cp, size_t nwin, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < nwin;) {
        int found;
        uint64_t h = nd_fmix64(g[i]);
        size_t s = gram_slot(tab, mask, t, th, h, i, n, &found);
        if (found) {
            c += gram_chars(cp, i, n);
            i += n;
        } else {
            tab[s].hash = h;
            tab[s].first = (uint32_t)i;
            tab[s].count = 1;
            i++;
        }
    }
    return c;
}

/* Characters of token i: its bytes less its continuation bytes; up to 8 bytes in one load
 * (tokens have ND_TOKENS_SLACK readable bytes after them). */
static uint32_t token_chars(const nd_tokens *t, size_t i)
{
    const char *p = t->text + t->v[i].off;
    uint32_t len = t->v[i].len;
    if (len > 8) return (uint32_t)chars(p, len);
    unsigned char b[8];
    memcpy(b, p, 8);
    uint32_t cont = 0;
    for (uint32_t k = 0; k < len; k++) /* (unrolled and branch-free at -O2) */
        cont += (b[k] & 0xc0) == 0x80;
    return len - cont;
}

/* The n-gram measures into v (ND_GOPHER_TOP_2_GRAM onwards). No n-gram occurs twice when no
 * (n-1)-gram does: after a top 4-gram seen once, or a first walk over the 5-grams that found
 * nothing again (and so remembered every 5-gram), every longer walk finds nothing either. */
static nd_status gram_measures(nd_metrics_scratch *s, const nd_tokens *t, const uint64_t *th,
                               uint64_t text_chars, double *v)
{
    size_t nw = t->n;
    if (s->wcap < nw) {
        uint64_t *g = nd_reallocarray(s->g, nw, sizeof *g);
        if (!g) return ND_ENOMEM;
        s->g = g;
        uint32_t *cp = nd_reallocarray(s->cp, nw, sizeof *cp);
        if (!cp) return ND_ENOMEM;
        s->cp = cp;
        s->wcap = nw;
    }
    size_t size = table_size(nw);
    ND_RESERVE(s->grams, s->gcap, size, 64);
    for (size_t i = 0; i < nw; i++) {
        s->g[i] = nd_rotl64(th[i], 17); /* (so that "a b" and "b a" differ) */
        s->cp[i] = token_chars(t, i);
    }
    int repeats = 1; /* some (n-1)-gram occurs twice */
    for (size_t n = 2; n <= 10; n++) {
        size_t nwin = nw >= n ? nw - n + 1 : 0;
        uint64_t c = 0;
        if (repeats) {
            for (size_t i = 0; i < nwin; i++)
                s->g[i] = nd_rotl64(s->g[i] ^ th[i + n - 1], 27) * ND_MIX_P2;
            for (size_t i = 0; i < size; i++)
                s->grams[i].first = EMPTY;
        }
        if (n <= 4) {
            uint32_t most = 1;
            if (nwin && repeats)
                c = top_gram(s->grams, size - 1, t, th, s->g, s->cp, nwin, n, &most);
            else if (nwin) /* every n-gram once: the first one */
                c = gram_chars(s->cp, 0, n) + n - 1;
            repeats = most > 1;
            v[ND_GOPHER_TOP_2_GRAM + n - 2] = nwin ? (double)c / (double)text_chars : -1.0;
        } else {
            if (repeats) c = dup_grams(s->grams, size - 1, t, th, s->g, s->cp, nwin, n);
            repeats = c > 0;
            v[ND_GOPHER_DUP_5_GRAMS + n - 5] = (double)c / (double)text_chars;
        }
    }
    return ND_OK;
}

nd_status nd_metrics_compute(nd_metrics_scratch *s, const char *text, size_t len,
                             const nd_tokens *toks, const uint64_t *th,
                             const nd_gopher_opts *gopher, nd_doc_metrics *out)
{
    nd_doc_metrics m;
    memset(&m, 0, sizeof m);
    m.chars = chars(text, len);
    double den = m.chars ? (double)m.chars : 1.0;
    size_t nl = 0;
    for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text))) != NULL; p++)
        nl++;
    dups d;
    nd_status st = lines(s, text, len, nl, &d);
    if (st != ND_OK) return st;
    m.lines = d.pieces;
    m.value[ND_GOPHER_DUP_LINE_FRAC] = (double)d.dup / (double)d.pieces;
    m.value[ND_GOPHER_DUP_LINE_CHAR_FRAC] = (double)d.dup_chars / den;
    if ((st = paragraphs(s, text, len, nl, &d)) != ND_OK) return st;
    m.paragraphs = d.pieces;
    m.value[ND_GOPHER_DUP_PARA_FRAC] = (double)d.dup / (double)d.pieces;
    m.value[ND_GOPHER_DUP_PARA_CHAR_FRAC] = (double)d.dup_chars / den;
    if ((st = gram_measures(s, toks, th, m.chars ? m.chars : 1, m.value)) != ND_OK) return st;
    for (unsigned i = 0; gopher && gopher->enabled && i < ND_GOPHER_N; i++)
        if (gopher->limit[i] >= 0 && m.value[i] > gopher->limit[i]) m.over |= 1u << i;
    *out = m;
    return ND_OK;
}
