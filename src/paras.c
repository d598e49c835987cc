/*
 * paras.c - an article cut into paragraphs (see paras.h).
 *
 * One walk over the lines: a line's tokens are those whose first byte lies before its end
 * (tokens never span a newline, which separates them), so each paragraph gets its token
 * range without tokenising again. Its exact key is nd_seq_key of its token hashes.
 */
#include "paras.h"

#include <assert.h>
#include <string.h>

#include "mix.h"

void nd_doc_paras_clear(nd_doc_paras *d)
{
    nd_free(d->p);
    nd_free(d->blocks);
    nd_free(d->shorts);
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

static int blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' && s[i] != '\v') return 0;
    return 1;
}

/* The paragraphs with their token ranges. */
static nd_status split(const nd_para_opts *o, const char *text, size_t len, const nd_tokens *t,
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
        if (o->mode == ND_PARA_LINE) {
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
    if (o->mode == ND_PARA_BLOCK && open && ti > b_tok &&
        (st = add_para(d, b_first, b_last, b_start, b_end, b_tok, ti - b_tok)) != ND_OK)
        return st;
    return ND_OK;
}

nd_status nd_paras_split(const nd_para_opts *o, const char *text, size_t len, const nd_tokens *toks,
                         const uint64_t *th, nd_doc_paras *d)
{
    d->n = d->nblocks = d->nshorts = d->nshort_lines = d->ns = d->nwids = 0;
    d->words = d->repeated_words = 0;
    nd_status st = split(o, text, len, toks, d);
    if (st != ND_OK) return st;
    for (size_t i = 0; i < d->n; i++) {
        nd_para *p = &d->p[i];
        p->key = nd_seq_key(th + p->tok_first, p->ntok);
        p->is_short = p->ntok < o->short_words;
        d->words += p->ntok;
    }
    return ND_OK;
}
