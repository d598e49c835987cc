/*
 * paras.c - an article cut into paragraphs (see paras.h).
 *
 * One walk over the lines: a line's tokens are those whose first byte lies before its end
 * (tokens never span a newline, which separates them), so each paragraph gets its token
 * range without tokenising again. Its exact key is nd_seq_key of its token hashes.
 *
 * ND_PARA_AUTO first asks nd_paras_hard_wrapped: up to two more walks over the lines, of
 * which the first looks only at the ends of lines and stops most scraped text (whose lines
 * end sentences, or are over 800 bytes).
 */
#include "paras.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "mix.h"

void nd_doc_paras_clear(nd_doc_paras *d)
{
    nd_free(d->p);
    nd_free(d->blocks);
    nd_free(d->shorts);
    nd_free(d->runs);
    nd_free(d->short_lines);
    nd_free(d->s);
    nd_free(d->wids);
    memset(d, 0, sizeof *d);
}

static nd_status add_para(nd_doc_paras *d, uint32_t first_line, uint32_t last_line, size_t start,
                          size_t end, size_t tok_first, size_t ntok)
{
    assert(start <= end && ntok > 0);
    ND_GROW(d->n, d->cap, 64, d->p);
    nd_para *p = &d->p[d->n++];
    memset(p, 0, sizeof *p);
    p->first_line = first_line;
    p->last_line = last_line;
    p->start = (uint32_t)start;
    p->end = (uint32_t)end;
    p->tok_first = (uint32_t)tok_first;
    p->ntok = (uint32_t)ntok;
    return ND_OK;
}

size_t nd_line_end(const char *text, size_t len, size_t pos, size_t *next)
{
    assert(pos < len);
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - text) : len;
    /* A lone CR before it (one followed by the newline is CRLF's). */
    const char *cr = memchr(text + pos, '\r', end - pos);
    if (cr && (size_t)(cr - text) + 1 < end) {
        *next = (size_t)(cr - text) + 1;
        return (size_t)(cr - text);
    }
    if (cr && !nl) { /* a CR ending the text, after no newline */
        *next = len;
        return (size_t)(cr - text);
    }
    *next = nl ? end + 1 : len;
    return end;
}

static int blank_byte(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!blank_byte(s[i])) return 0;
    return 1;
}

/* ---- hard-wrapped text ----------------------------------------------------------------- */

/* The limits of the rule (see nd_paras_hard_wrapped). */
#define WRAP_MIN_INNER 3u   /* inner lines needed to decide */
#define WRAP_MIN_WIDTH 40u  /* the widest inner line, in characters: at least */
#define WRAP_MAX_WIDTH 200u /* ... and at most */

/* Characters (code points) of valid UTF-8 s[0..n). */
static size_t chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

/* Does the line s[0..n) (trailing white space trimmed, n > 0) end a sentence: . ! ? or an
 * ellipsis, then optionally closing quotes or brackets? */
static int ends_sentence(const char *s, size_t n)
{
    for (;;) {
        unsigned char c = (unsigned char)s[n - 1];
        if (c == '"' || c == '\'' || c == ')' || c == ']') {
            n--;
        } else if (n >= 3 && (unsigned char)s[n - 3] == 0xe2 && (unsigned char)s[n - 2] == 0x80 &&
                   (c == 0x9d || c == 0x99)) {
            n -= 3; /* ” or ’ */
        } else if (n >= 2 && (unsigned char)s[n - 2] == 0xc2 && c == 0xbb) {
            n -= 2; /* » */
        } else {
            break;
        }
        if (n == 0) return 0;
    }
    char c = s[n - 1];
    if (c == '.' || c == '!' || c == '?') return 1;
    return n >= 3 && (unsigned char)s[n - 3] == 0xe2 && (unsigned char)s[n - 2] == 0x80 &&
           (unsigned char)c == 0xa6; /* … */
}

/* One inner line: a non-blank line followed by a non-blank line (the same block). */
typedef struct inner_line {
    const char *s;    /* its text, white space trimmed at both ends */
    size_t n;         /* its bytes */
    size_t indent;    /* the blanks trimmed before it */
    const char *next; /* the next line, leading white space skipped */
    size_t next_n;
} inner_line;

/* Calls fn(&line, ctx) for every inner line of text[0..len) while fn returns 0; returns
 * what fn returned last (0 when every inner line was seen). */
static int each_inner(const char *text, size_t len, int (*fn)(const inner_line *, void *),
                      void *ctx)
{
    const char *prev = NULL; /* the previous line when it was not blank */
    size_t prev_n = 0, prev_indent = 0;
    for (size_t pos = 0, next; pos < len; pos = next) {
        size_t end = nd_line_end(text, len, pos, &next);
        const char *s = text + pos;
        size_t n = end - pos;
        size_t indent = 0;
        while (indent < n && blank_byte(s[indent]))
            indent++;
        s += indent;
        n -= indent;
        while (n > 0 && blank_byte(s[n - 1]))
            n--;
        if (n == 0) {
            prev = NULL;
            continue;
        }
        if (prev) {
            inner_line l = {prev, prev_n, prev_indent, s, n};
            int r = fn(&l, ctx);
            if (r) return r;
        }
        prev = s;
        prev_n = n;
        prev_indent = indent;
    }
    return 0;
}

/* What the walks learn. */
typedef struct wrap_stats {
    size_t inner, ends, aligned, letters, visible;
    size_t width; /* of the widest inner line, in characters */
    /* need[k]: inner lines that, with a blank and their next line's first word, would be k
     * characters wide (k capped at WRAP_MAX_WIDTH + 1): filled for a wrap width W < k */
    uint32_t need[WRAP_MAX_WIDTH + 2];
} wrap_stats;

/* First walk, which looks only at the ends of lines: sentence ends; 1 (stop) at a line too
 * wide in any encoding (over 4 bytes per character). Scraped text stops here. */
static int inner_ends(const inner_line *l, void *ctx)
{
    wrap_stats *w = ctx;
    if (l->indent + l->n > 4 * WRAP_MAX_WIDTH) return 1;
    w->inner++;
    w->ends += ends_sentence(l->s, l->n);
    return 0;
}

/* ---- the bytes of a line, 8 at a time ---- */

#define B_ONES UINT64_C(0x0101010101010101)
#define B_HIGH UINT64_C(0x8080808080808080)
#define B_LOW7 UINT64_C(0x7f7f7f7f7f7f7f7f)

/* 0x80 in each byte of x that is below n (n <= 0x80; bytes from 0x80 up never are). The
 * sum cannot carry into the next byte: (x & 0x7f) + 0x80 - n <= 0xff. */
static inline uint64_t bytes_below(uint64_t x, unsigned n)
{
    return ~(((x & B_LOW7) + (0x80u - n) * B_ONES) | x) & B_HIGH;
}

/* 0x80 in each byte of x that equals c (exact: no borrow between bytes). */
static inline uint64_t bytes_equal(uint64_t x, unsigned c)
{
    uint64_t y = x ^ (c * B_ONES);
    return ~(((y & B_LOW7) + B_LOW7) | y) & B_HIGH;
}

/* s[0..8) as a little-endian word: byte k at bits 8k..8k+7, whatever the machine, so that
 * shifting left by 8 moves a byte's flag onto the next byte's. */
static inline uint64_t load_le64(const char *s)
{
    uint64_t x;
    memcpy(&x, s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

/* The sum of the 8 bytes of x (each at most 255: the sum fits 16 bits). */
static inline size_t byte_sum(uint64_t x)
{
    const uint64_t m = UINT64_C(0x00ff00ff00ff00ff);
    x = (x & m) + ((x >> 8) & m);
    return (size_t)((x * UINT64_C(0x0001000100010001)) >> 48);
}

void nd_line_profile(const char *s, size_t n, nd_line_prof *out)
{
    size_t cont = 0, letters = 0, blanks = 0, i = 0;
    uint64_t prev = 0; /* the blank flags of the previous 8 bytes */
    int aligned = 0;
    while (i + 8 <= n) {
        /* Per-byte counters of continuation bytes, letters and blanks, emptied every 255
         * words, before a byte can overflow. */
        uint64_t n_cont = 0, n_alpha = 0, n_blank = 0;
        for (unsigned k = 0; k < 255 && i + 8 <= n; k++, i += 8) {
            uint64_t x = load_le64(s + i);
            uint64_t c = x & ~(x << 1) & B_HIGH;   /* 10xxxxxx: continuation bytes */
            uint64_t lead = x & (x << 1) & B_HIGH; /* 11xxxxxx: the first of a non-ASCII one */
            uint64_t lc = x | 0x20 * B_ONES;
            uint64_t alpha = bytes_below(lc, 'z' + 1) & ~bytes_below(lc, 'a');
            uint64_t sp = bytes_equal(x, ' '), tab = bytes_equal(x, '\t');
            n_cont += c >> 7;
            n_alpha += (alpha | lead) >> 7;
            n_blank += (sp | tab) >> 7;
            /* Three blanks in a row: inside these 8 bytes, or starting in the previous 8
             * (w holds the previous two bytes' flags, then these). */
            uint64_t w = (sp << 16) | (prev >> 48), w3 = w & (w << 8) & (w << 16);
            aligned |= (tab | (sp & (sp << 8) & (sp << 16)) | (w3 & UINT64_C(0x80800000))) != 0;
            prev = sp;
        }
        cont += byte_sum(n_cont);
        letters += byte_sum(n_alpha);
        blanks += byte_sum(n_blank);
    }
    size_t width = i - cont;
    unsigned run = (unsigned)((prev >> 63) + ((prev >> 63) & (prev >> 55))); /* blanks before */
    for (; i < n; i++) {
        unsigned c = (unsigned char)s[i], lc = c | 0x20;
        run = c == ' ' ? run + 1 : 0;
        aligned |= c == '\t' || run >= 3;
        width += (c & 0xc0) != 0x80;
        letters += (lc >= 'a' && lc <= 'z') || c >= 0xc0;
        blanks += c == ' ' || c == '\t';
    }
    out->width = width;
    out->letters = letters;
    out->visible = width - blanks;
    out->aligned = aligned;
}

/* Second walk: widths, alignment, letters, and what each line needs to be filled; 1 (stop)
 * at a line too wide. */
static int inner_stats(const inner_line *l, void *ctx)
{
    wrap_stats *w = ctx;
    nd_line_prof p;
    nd_line_profile(l->s, l->n, &p);
    size_t width = l->indent + p.width;
    if (width > WRAP_MAX_WIDTH) return 1;
    w->width = width > w->width ? width : w->width;
    w->aligned += p.aligned;
    w->letters += p.letters;
    w->visible += p.visible;
    size_t word = 0;
    while (word < l->next_n && !blank_byte(l->next[word]))
        word++;
    size_t need = width + 1 + chars(l->next, word);
    w->need[need > WRAP_MAX_WIDTH + 1 ? WRAP_MAX_WIDTH + 1 : need]++;
    return 0;
}

int nd_paras_hard_wrapped(const char *text, size_t len)
{
    wrap_stats w;
    memset(&w, 0, offsetof(wrap_stats, need));
    if (each_inner(text, len, inner_ends, &w) || w.inner < WRAP_MIN_INNER || 2 * w.ends >= w.inner)
        return 0;
    memset(w.need, 0, sizeof w.need);
    if (each_inner(text, len, inner_stats, &w) || w.width < WRAP_MIN_WIDTH ||
        10 * w.aligned > w.inner || 10 * w.letters < 6 * w.visible)
        return 0;
    size_t filled = 0; /* need > W */
    for (size_t k = w.width + 1; k <= WRAP_MAX_WIDTH + 1; k++)
        filled += w.need[k];
    return 10 * filled >= 8 * w.inner;
}

/* The paragraphs with their token ranges (mode: ND_PARA_LINE or ND_PARA_BLOCK). */
static nd_status split(nd_para_mode mode, const char *text, size_t len, const nd_tokens *t,
                       nd_doc_paras *d)
{
    size_t ti = 0, pos = 0;
    uint32_t line = 1;
    /* The block being gathered (ND_PARA_BLOCK). */
    int open = 0;
    uint32_t b_first = 0, b_last = 0;
    size_t b_start = 0, b_end = 0, b_tok = 0;
    nd_status st;
    while (pos < len) {
        size_t next, end = nd_line_end(text, len, pos, &next);
        size_t t0 = ti;
        while (ti < t->n && t->v[ti].src < end)
            ti++;
        if (mode == ND_PARA_LINE) {
            if (ti > t0 && (st = add_para(d, line, line, pos, end, t0, ti - t0)) != ND_OK)
                return st;
        } else if (blank_line(text + pos, end - pos)) {
            if (open && ti > b_tok &&
                (st = add_para(d, b_first, b_last, b_start, b_end, b_tok, t0 - b_tok)) != ND_OK)
                return st;
            open = 0;
        } else {
            if (!open) {
                open = 1;
                b_first = line;
                b_start = pos;
                b_tok = t0;
            }
            b_last = line;
            b_end = end;
        }
        pos = next;
        line++;
    }
    if (mode == ND_PARA_BLOCK && open && ti > b_tok &&
        (st = add_para(d, b_first, b_last, b_start, b_end, b_tok, ti - b_tok)) != ND_OK)
        return st;
    return ND_OK;
}

nd_status nd_paras_split(const nd_para_opts *o, const char *text, size_t len, const nd_tokens *toks,
                         const uint64_t *th, nd_doc_paras *d)
{
    d->n = d->nblocks = d->nshorts = d->nruns = d->nshort_lines = d->ns = d->nwids = 0;
    d->words = d->repeated_words = 0;
    nd_para_mode mode = o->mode;
    d->wrapped = 0;
    if (mode == ND_PARA_AUTO) {
        d->wrapped = (unsigned char)nd_paras_hard_wrapped(text, len);
        mode = d->wrapped ? ND_PARA_BLOCK : ND_PARA_LINE;
    }
    nd_status st = split(mode, text, len, toks, d);
    if (st != ND_OK) return st;
    for (size_t i = 0; i < d->n; i++) {
        nd_para *p = &d->p[i];
        p->key = nd_seq_key(th + p->tok_first, p->ntok);
        p->is_short = p->ntok < o->short_words;
        d->words += p->ntok;
    }
    return ND_OK;
}
