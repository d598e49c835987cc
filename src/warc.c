/*
 * warc.c - WARC files (ISO 28500, WARC/1.0 and WARC/1.1), such as Common Crawl's WET
 * files, cut into records.
 *
 * A record is a version line ("WARC/1.0"), header fields ("Name: value", CRLF), a blank
 * line, a block of exactly Content-Length bytes, and two CRLFs. `conversion` records (WET:
 * the text extracted from a page) and `resource` records whose Content-Type is text/...
 * are articles: the record, from its version line to the end of its block, is passed on,
 * and the decoder takes the block as the text and WARC-Target-URI (else WARC-Record-ID) as
 * the id. Every other type (warcinfo, response, request, metadata, revisit, continuation,
 * other resources) is skipped without a message and counted by type (nd_reader_counts);
 * its block is read past in chunks, never held.
 *
 * A record whose header has no Content-Length, or whose block is not followed by the blank
 * line and then "WARC/" (or the end of the file) - a wrong Content-Length - is reported with
 * its byte offset, and reading resynchronises at the next line that starts with "WARC/".
 * Offsets are in the decompressed stream (a .warc.gz is usually one gzip member per record).
 * LF-only line ends are accepted as well as CRLF.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "input_priv.h"

#define HEADER_MAX ((size_t)64 << 10) /* a header block longer than this is not one */

/* ---- header fields ----------------------------------------------------------------------- */

size_t nd_warc_header_len(const char *rec, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (rec[i] != '\n') continue;
        if (rec[i + 1] == '\n') return i + 2;
        if (i + 2 < n && rec[i + 1] == '\r' && rec[i + 2] == '\n') return i + 3;
    }
    return 0;
}

const char *nd_warc_header(const char *h, size_t n, const char *name, size_t *len)
{
    size_t m = strlen(name);
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(h + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - h) : n;
        if (end - i > m && h[i + m] == ':' && strncasecmp(h + i, name, m) == 0) {
            size_t b = i + m + 1, e = end;
            while (b < e && (h[b] == ' ' || h[b] == '\t'))
                b++;
            while (e > b && (h[e - 1] == ' ' || h[e - 1] == '\t' || h[e - 1] == '\r'))
                e--;
            *len = e - b;
            return h + b;
        }
        i = end + 1;
    }
    return NULL;
}

static const char *const type_names[ND_WARC_NTYPES] = {
    "warcinfo", "response", "request", "metadata", "revisit", "resource", "continuation", "other"};

const char *nd_warc_type_name(nd_warc_type t)
{
    return (unsigned)t < ND_WARC_NTYPES ? type_names[t] : "other";
}

void nd_reader_counts(const nd_reader *r, nd_input_counts *out)
{
    *out = r->counts;
}

/* The counted type of a WARC-Type value. */
static nd_warc_type type_of(const char *v, size_t n)
{
    for (int t = 0; t < ND_WARC_OTHER; t++)
        if (strlen(type_names[t]) == n && strncasecmp(v, type_names[t], n) == 0)
            return (nd_warc_type)t;
    return ND_WARC_OTHER;
}

/* ---- moving through the buffer ------------------------------------------------------------- */

/* Moves r->pos to `to`, counting the lines it passes. */
static void advance(nd_reader *r, size_t to)
{
    assert(to >= r->pos && to <= r->len);
    for (const char *p = r->buf + r->pos, *e = r->buf + to; (p = memchr(p, '\n', (size_t)(e - p)));
         p++)
        r->line++;
    r->pos = to;
}

/* Makes at least n bytes available at r->pos (fewer at the end). -2 out of memory, else 0. */
static int need(nd_reader *r, size_t n)
{
    while (r->len - r->pos < n && !r->eof)
        if (nd_rd_fill(r) == -2) return -2;
    return 0;
}

/* Skips n bytes from r->pos, reading on as needed. 1 if the file ended first, -2 out of
 * memory, else 0. */
static int skip(nd_reader *r, uint64_t n)
{
    while (n > 0) {
        if (r->pos == r->len) {
            if (r->eof) return 1;
            if (nd_rd_fill(r) == -2) return -2;
            continue;
        }
        size_t k = r->len - r->pos < n ? r->len - r->pos : (size_t)n;
        advance(r, r->pos + k);
        n -= k;
    }
    return 0;
}

/* Moves to the next line that starts with "WARC/" after r->pos (or to the end). -2 out of
 * memory, else 0. */
static int resync(nd_reader *r)
{
    if (r->pos < r->len) advance(r, r->pos + 1);
    for (;;) {
        for (size_t i = r->pos; i + 6 <= r->len; i++)
            if (r->buf[i] == '\n' && memcmp(r->buf + i + 1, "WARC/", 5) == 0) {
                advance(r, i + 1);
                return 0;
            }
        if (r->eof) {
            advance(r, r->len);
            return 0;
        }
        if (r->len - r->pos > 6) advance(r, r->len - 6); /* keep a possible "\nWARC" */
        if (nd_rd_fill(r) == -2) return -2;
    }
}

/* After a block: the record's end (CRLF CRLF, or LF LF) then "WARC/" or the end of the file.
 * 1 and r->pos past the end mark when so; 0 when not (r->pos unchanged); -2 no memory. */
static int record_end(nd_reader *r)
{
    if (need(r, 4 + 5) == -2) return -2;
    const char *p = r->buf + r->pos;
    size_t have = r->len - r->pos, mark = 0;
    if (have >= 4 && memcmp(p, "\r\n\r\n", 4) == 0)
        mark = 4;
    else if (have >= 2 && memcmp(p, "\n\n", 2) == 0)
        mark = 2;
    if (!mark) return 0;
    size_t i = mark;
    while (i < have && (p[i] == '\r' || p[i] == '\n')) /* extra blank lines are tolerated */
        i++;
    if (i == have && r->eof) {
        advance(r, r->pos + i);
        return 1;
    }
    if (have - i >= 5 && memcmp(p + i, "WARC/", 5) == 0) {
        advance(r, r->pos + i);
        return 1;
    }
    return 0;
}

/* ---- records -------------------------------------------------------------------------------- */

/* An error about the record at stream offset `at`, message r->msg (already set); reading
 * goes on at the next "WARC/" line. ND_OK or ND_ENOMEM. */
static nd_status bad_record(nd_reader *r, nd_record *out, uint64_t at, nd_status st)
{
    if (resync(r) == -2) return ND_ENOMEM;
    nd_rd_error(r, out, r->src[r->cur].path, r->cur, ND_NO_LINE, at, st, ND_REC_ERROR);
    return ND_OK;
}

/* Finds the header block of the record at r->pos: *hlen its length. ND_OK; ND_END at the
 * end of the file; ND_EFORMAT (r->msg set) for a header that is not one; ND_ENOMEM. */
static nd_status read_header(nd_reader *r, size_t *hlen)
{
    for (;;) { /* blank lines between records are tolerated */
        if (need(r, 2) == -2) return ND_ENOMEM;
        if (r->pos < r->len && (r->buf[r->pos] == '\n' || r->buf[r->pos] == '\r'))
            advance(r, r->pos + 1);
        else
            break;
    }
    if (r->pos == r->len) return ND_END;
    if (need(r, 5) == -2) return ND_ENOMEM;
    if (r->len - r->pos < 5 || memcmp(r->buf + r->pos, "WARC/", 5) != 0) {
        snprintf(r->msg, sizeof r->msg, "not a WARC record (no \"WARC/\" version line here)");
        return ND_EFORMAT;
    }
    for (;;) {
        size_t have = r->len - r->pos;
        *hlen = nd_warc_header_len(r->buf + r->pos, have < HEADER_MAX ? have : HEADER_MAX);
        if (*hlen) return ND_OK;
        if (have >= HEADER_MAX || r->eof) {
            snprintf(r->msg, sizeof r->msg, "WARC header without an end (no blank line %s)",
                     r->eof ? "before the end of the file" : "within 64 KiB");
            return ND_EFORMAT;
        }
        if (nd_rd_fill(r) == -2) return ND_ENOMEM;
    }
}

/* Reads the fields the reader needs from header h[0..n): Content-Length into *clen (ND_OK),
 * or ND_EFORMAT with r->msg set; *doc whether the record is an article, *type its type. */
static nd_status parse_header(nd_reader *r, const char *h, size_t n, uint64_t *clen, int *doc,
                              nd_warc_type *type)
{
    size_t vl, tl, cl;
    const char *v = nd_warc_header(h, n, "Content-Length", &vl);
    const char *t = nd_warc_header(h, n, "WARC-Type", &tl);
    const char *ct = nd_warc_header(h, n, "Content-Type", &cl);
    if (!v) {
        snprintf(r->msg, sizeof r->msg,
                 "WARC record without a Content-Length header; skipped, reading on at the next "
                 "WARC/ line");
        return ND_EFORMAT;
    }
    char num[24];
    char *end;
    if (vl == 0 || vl >= sizeof num || strspn(v, "0123456789") < vl) {
        snprintf(r->msg, sizeof r->msg,
                 "WARC record with a bad Content-Length \"%.*s\"; skipped, reading on at the next "
                 "WARC/ line",
                 (int)(vl > 40 ? 40 : vl), v);
        return ND_EFORMAT;
    }
    memcpy(num, v, vl);
    num[vl] = '\0';
    *clen = strtoull(num, &end, 10);
    if (!t) {
        snprintf(r->msg, sizeof r->msg, "WARC record without a WARC-Type header; skipped");
        *type = ND_WARC_OTHER;
        *doc = 0;
        return ND_EFIELD; /* the record can be skipped: its length is known */
    }
    *type = type_of(t, tl);
    int text = ct && cl >= 5 && strncasecmp(ct, "text/", 5) == 0;
    *doc =
        (tl == 10 && strncasecmp(t, "conversion", 10) == 0) || (*type == ND_WARC_RESOURCE && text);
    return ND_OK;
}

nd_status nd_rd_next_warc(nd_reader *r, nd_record *out)
{
    assert(r->mode == MODE_WARC);
    const char *path = r->src[r->cur].path;
    for (;;) {
        size_t hlen;
        nd_status st = read_header(r, &hlen);
        if (st == ND_ENOMEM) return st;
        if (st == ND_END || (st != ND_OK && r->eof && r->in.status != ND_OK)) {
            if (r->in.status == ND_OK) return ND_END;
            nd_rd_stream_error(r, out);
            return ND_OK;
        }
        uint64_t at = r->base + r->pos, line = r->line, clen = 0;
        if (st != ND_OK) return bad_record(r, out, at, st);
        int doc = 0;
        nd_warc_type type = ND_WARC_OTHER;
        st = parse_header(r, r->buf + r->pos, hlen, &clen, &doc, &type);
        if (st == ND_EFORMAT) return bad_record(r, out, at, st);
        nd_status missing = st; /* ND_EFIELD: no WARC-Type, skipped after its block */
        r->counts.warc_records++;
        /* A record within the limit is read whole (with its end mark: reading more after
         * it would move the buffer under it); a longer one is read past in chunks. */
        size_t start = r->pos;
        uint64_t start_base = r->base;
        int held = 0;
        if (clen <= r->opts.max_doc_bytes - hlen && hlen <= r->opts.max_doc_bytes) {
            if (need(r, hlen + (size_t)clen + 4 + 5) == -2) return ND_ENOMEM;
            held = r->len - r->pos >= hlen + clen;
        }
        if (held) {
            advance(r, r->pos + hlen + (size_t)clen);
        } else if (skip(r, hlen + clen) == -2) {
            return ND_ENOMEM;
        }
        int end = record_end(r);
        if (end == -2) return ND_ENOMEM;
        if (!end) {
            if (r->eof && r->in.status != ND_OK) {
                nd_rd_stream_error(r, out);
                return ND_OK;
            }
            snprintf(r->msg, sizeof r->msg,
                     "WARC record whose Content-Length (%llu) does not end it (no blank line and "
                     "WARC/ after its block%s); skipped, reading on at the next WARC/ line",
                     (unsigned long long)clen,
                     r->eof && r->pos == r->len ? ": the file ends first" : "");
            if (r->base == start_base) { /* still in the buffer: a wrong length may hide the */
                r->line = line;          /* next record inside this one */
                r->pos = start;
            }
            return bad_record(r, out, at, ND_EFORMAT);
        }
        if (missing != ND_OK) {
            nd_rd_error(r, out, path, r->cur, ND_NO_LINE, at, ND_EFORMAT, ND_REC_ERROR);
            return ND_OK;
        }
        if (doc && !held) {
            snprintf(r->msg, sizeof r->msg,
                     "WARC record longer than the %zu-byte limit (--max-bytes); skipped",
                     r->opts.max_doc_bytes);
            nd_rd_error(r, out, path, r->cur, ND_NO_LINE, at, ND_ETOOBIG, ND_REC_ERROR);
            return ND_OK;
        }
        if (!doc) {
            r->counts.warc_skipped[type]++;
            continue;
        }
        r->counts.warc_docs++;
        nd_rd_doc(r, out, start, hlen + (size_t)clen, line);
        assert(r->base == start_base);
        return ND_OK;
    }
}
