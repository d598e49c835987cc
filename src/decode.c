/*
 * decode.c - the decoder: a raw record (a text file, a JSON Lines line) to a document.
 *
 * Runs on worker threads, one decoder per thread; it never touches the reader. A text file
 * is its own text, named by its path. A JSON line is checked whole by nd_json_scan
 * (json_scan.c), which also finds the text and id fields; only those two strings are
 * unescaped, into buffers the decoder keeps between records. A missing id falls back to
 * "url", then to "path:line".
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input_priv.h"
#include "alloc.h"
#include "json_scan.h"
#include "neardup/input.h"

/* ---- decoder ---------------------------------------------------------------------------- */

struct nd_decoder {
    char *text_field;
    char *id_field;
    char *keep_field; /* NULL: none */
    char *idbuf; /* "path:line", numeric, unquoted and unescaped ids */
    size_t idcap;
    char *tbuf; /* an unescaped JSON string or unquoted CSV field */
    size_t tcap;
    char *kbuf; /* the keep field's string, unescaped */
    size_t kcap;
    char msg[256];
};

nd_status nd_decoder_create(const nd_decode_opts *opts, nd_decoder **out)
{
    nd_decoder *d = nd_calloc(1, sizeof *d);
    if (!d) return ND_ENOMEM;
    const char *tf = opts && opts->text_field ? opts->text_field : "text";
    d->text_field = nd_strndup(tf, strlen(tf));
    if (opts && opts->id_field) d->id_field = nd_strndup(opts->id_field, strlen(opts->id_field));
    if (opts && opts->keep_field)
        d->keep_field = nd_strndup(opts->keep_field, strlen(opts->keep_field));
    if (!d->text_field || (opts && opts->id_field && !d->id_field) ||
        (opts && opts->keep_field && !d->keep_field)) {
        nd_decoder_free(d);
        return ND_ENOMEM;
    }
    *out = d;
    return ND_OK;
}

void nd_decoder_free(nd_decoder *d)
{
    if (!d) return;
    nd_free(d->text_field);
    nd_free(d->id_field);
    nd_free(d->keep_field);
    nd_free(d->idbuf);
    nd_free(d->tbuf);
    nd_free(d->kbuf);
    nd_free(d);
}

/* Room for n bytes and a NUL in *buf. ND_OK or ND_ENOMEM. */
static nd_status reserve(char **buf, size_t *cap, size_t n)
{
    if (n + 1 > *cap) {
        char *b = nd_reallocarray(*buf, n + 64, 1);
        if (!b) return ND_ENOMEM;
        *buf = b;
        *cap = n + 64;
    }
    return ND_OK;
}

static nd_status reserve_idbuf(nd_decoder *d, size_t n)
{
    return reserve(&d->idbuf, &d->idcap, n);
}

/* The id "path:line" in d->idbuf. ND_OK or ND_ENOMEM. */
static nd_status path_line_id(nd_decoder *d, const nd_record *rec, nd_doc *out)
{
    char loc[64];
    int k = snprintf(loc, sizeof loc, ":%llu", (unsigned long long)rec->line);
    size_t pl = strlen(rec->path);
    if (reserve_idbuf(d, pl + (size_t)k) != ND_OK) return ND_ENOMEM;
    memcpy(d->idbuf, rec->path, pl);
    memcpy(d->idbuf + pl, loc, (size_t)k + 1);
    out->id = d->idbuf;
    out->id_len = pl + (size_t)k;
    return ND_OK;
}

/* Sets d->msg for a line nd_json_scan refused. */
static void json_error(nd_decoder *d, nd_json_error err, size_t at)
{
    switch (err) {
    case ND_JSON_TRUNCATED:
        snprintf(d->msg, sizeof d->msg, "malformed JSON: the line ends early (truncated?)");
        break;
    case ND_JSON_NOT_OBJECT:
        snprintf(d->msg, sizeof d->msg, "not a JSON object");
        break;
    case ND_JSON_TRAILING: /* a second object on the line would be lost */
        snprintf(d->msg, sizeof d->msg, "malformed JSON: text after the object at column %zu",
                 at + 1);
        break;
    case ND_JSON_DEEP:
        snprintf(d->msg, sizeof d->msg, "malformed JSON: nested deeper than %u at column %zu",
                 ND_JSON_MAX_DEPTH, at + 1);
        break;
    default:
        snprintf(d->msg, sizeof d->msg, "malformed JSON near column %zu", at + 1);
        break;
    }
}

/* The value of a number the scanner checked, raw[0..len). */
static double json_number(const char *raw, size_t len)
{
    char lit[64];
    size_t n = len < sizeof lit - 1 ? len : sizeof lit - 1;
    memcpy(lit, raw, n);
    lit[n] = '\0';
    return strtod(lit, NULL);
}

/* The id of a JSON object from its scanned fields: the id field (or "id", then "url"),
 * else "path:line". A string id ends at its first NUL (ids are C strings downstream). */
static nd_status json_id(nd_decoder *d, const nd_record *rec, const nd_json_field *idf,
                         const nd_json_field *urlf, nd_doc *out)
{
    const nd_json_field *id = idf;
    if (!d->id_field && id->type != ND_JSON_STRING && id->type != ND_JSON_NUMBER) id = urlf;
    if (id->type == ND_JSON_STRING && id->len > 2) {
        if (reserve_idbuf(d, id->len) != ND_OK) return ND_ENOMEM;
        size_t n = nd_json_string(rec->data + id->off, id->len, d->idbuf);
        d->idbuf[n] = '\0';
        n = strlen(d->idbuf);
        if (n > 0) {
            out->id = d->idbuf;
            out->id_len = n;
            return ND_OK;
        }
    }
    if (id->type != ND_JSON_NUMBER) return path_line_id(d, rec, out);
    /* The number as written would do, but -0, 1e3 and 1.50 name the same id as 0, 1000 and
     * 1.5 in every JSON reader: print its value, as an integer when it is one. */
    char num[64];
    double v = json_number(rec->data + id->off, id->len);
    int k;
    if (v > -9.2e18 && v < 9.2e18 && v == (double)(long long)v)
        k = snprintf(num, sizeof num, "%lld", (long long)v);
    else
        k = snprintf(num, sizeof num, "%.17g", v);
    if (reserve_idbuf(d, (size_t)k) != ND_OK) return ND_ENOMEM;
    memcpy(d->idbuf, num, (size_t)k + 1);
    out->id = d->idbuf;
    out->id_len = (size_t)k;
    return ND_OK;
}

/* The keep rule's field (nd_decode_opts.keep_field): a number or a string, else none. */
static nd_status json_keep(nd_decoder *d, const nd_record *rec, const nd_json_field *k,
                           nd_doc *out)
{
    if (k->type == ND_JSON_NUMBER) {
        out->keep_kind = ND_FIELD_NUMBER;
        out->keep_num = json_number(rec->data + k->off, k->len);
    } else if (k->type == ND_JSON_STRING) {
        if (reserve(&d->kbuf, &d->kcap, k->len) != ND_OK) return ND_ENOMEM;
        out->keep_kind = ND_FIELD_STRING;
        out->keep_len = nd_json_string(rec->data + k->off, k->len, d->kbuf);
        out->keep_str = d->kbuf;
    }
    return ND_OK;
}

/* One JSON Lines record: checked whole by nd_json_scan (no tree is built), then only the
 * text and id strings are unescaped. */
static nd_status decode_json(nd_decoder *d, const nd_record *rec, nd_doc *out)
{
    /* The text, the id, "url" unless --id-field names the id, the keep rule's field. */
    const char *idk = d->id_field ? d->id_field : "id";
    nd_json_field f[4] = {{d->text_field, strlen(d->text_field), ND_JSON_NONE, 0, 0},
                          {idk, strlen(idk), ND_JSON_NONE, 0, 0}};
    nd_json_field none = {NULL, 0, ND_JSON_NONE, 0, 0};
    nd_json_field *url = &none, *keep = &none;
    size_t nf = 2;
    if (!d->id_field) {
        url = &f[nf++];
        *url = (nd_json_field){"url", 3, ND_JSON_NONE, 0, 0};
    }
    if (d->keep_field) {
        keep = &f[nf++];
        *keep = (nd_json_field){d->keep_field, strlen(d->keep_field), ND_JSON_NONE, 0, 0};
    }
    nd_json_error err;
    size_t at;
    if (nd_json_scan(rec->data, rec->len, f, nf, &err, &at) != ND_OK) {
        json_error(d, err, at);
        return ND_EJSON;
    }
    const nd_json_field *t = &f[0];
    if (t->type == ND_JSON_NONE) {
        snprintf(d->msg, sizeof d->msg, "no \"%.200s\" field", d->text_field);
        return ND_EFIELD;
    }
    if (t->type != ND_JSON_STRING) {
        snprintf(d->msg, sizeof d->msg, "the \"%.200s\" field is not a string", d->text_field);
        return ND_EFIELD;
    }
    if (reserve(&d->tbuf, &d->tcap, t->len) != ND_OK) return ND_ENOMEM;
    out->len = nd_json_string(rec->data + t->off, t->len, d->tbuf);
    d->tbuf[out->len] = '\0';
    /* An escaped NUL (\u0000) is no character of the text: it separates words, like the
     * other control characters, rather than ending the text (documents are C strings
     * downstream, as the text of a file with a NUL byte is refused). */
    char *z = d->tbuf, *end = d->tbuf + out->len;
    while ((z = memchr(z, '\0', (size_t)(end - z))) != NULL)
        *z++ = ' ';
    out->text = d->tbuf;
    if (json_id(d, rec, &f[1], url, out) != ND_OK) return ND_ENOMEM;
    if (json_keep(d, rec, keep, out) != ND_OK) return ND_ENOMEM;
    if (out->len == 0) {
        snprintf(d->msg, sizeof d->msg, "the \"%.200s\" field is empty", d->text_field);
        return ND_EEMPTY;
    }
    return ND_OK;
}

/* ---- CSV / TSV rows, WARC records ---------------------------------------------------------- */

/* The offset of the first byte of s[0..n) that is not valid UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or n. */
static size_t utf8_bad_at(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k = c >= 0xc2 && c <= 0xdf   ? 2
                   : c >= 0xe0 && c <= 0xef ? 3
                   : c >= 0xf0 && c <= 0xf4 ? 4
                                            : 0;
        if (!k || i + k > n) return i;
        unsigned lo = 0x80, hi = 0xbf;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
        if (p[i + 1] < lo || p[i + 1] > hi) return i;
        for (size_t j = 2; j < k; j++)
            if ((p[i + j] & 0xc0) != 0x80) return i;
        i += k;
    }
    return n;
}

/* Field f[0..n) of a row without its quotes (a doubled quote is one), in *buf (grown as
 * needed) unless it is not quoted: then in place. ND_OK or ND_ENOMEM. */
static nd_status unquote(const char *f, size_t n, int quoted, char **buf, size_t *cap,
                         const char **out, size_t *len)
{
    if (!quoted) {
        *out = f;
        *len = n;
        return ND_OK;
    }
    if (reserve(buf, cap, n) != ND_OK) return ND_ENOMEM;
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        if (f[i] == '"') {
            if (i + 1 < n && f[i + 1] == '"')
                i++;
            else
                continue; /* the closing quote (what follows it was refused by the reader) */
        }
        (*buf)[k++] = f[i];
    }
    *out = *buf;
    *len = k;
    return ND_OK;
}

static nd_status decode_csv(nd_decoder *d, const nd_record *rec, nd_doc *out)
{
    char delim = rec->format == ND_INPUT_TSV ? '\t' : ',';
    size_t b, e;
    int q;
    if (rec->text_col == ND_NO_COLUMN ||
        !nd_csv_field(rec->data, rec->len, delim, rec->text_col, &b, &e, &q)) {
        snprintf(d->msg, sizeof d->msg,
                 "the row has %u field%s, but the text is in column %u (of the header)",
                 nd_csv_nfields(rec->data, rec->len, delim),
                 nd_csv_nfields(rec->data, rec->len, delim) == 1 ? "" : "s", rec->text_col + 1);
        return ND_EFIELD;
    }
    if (unquote(rec->data + b, e - b, q, &d->tbuf, &d->tcap, &out->text, &out->len) != ND_OK)
        return ND_ENOMEM;
    nd_status st = ND_OK;
    if (rec->id_col != ND_NO_COLUMN &&
        nd_csv_field(rec->data, rec->len, delim, rec->id_col, &b, &e, &q) && e > b + 2 * q)
        st = unquote(rec->data + b, e - b, q, &d->idbuf, &d->idcap, &out->id, &out->id_len);
    else
        st = path_line_id(d, rec, out);
    if (st != ND_OK) return st;
    size_t bad = utf8_bad_at(out->text, out->len);
    if (bad < out->len) {
        snprintf(d->msg, sizeof d->msg,
                 "invalid UTF-8 at byte %zu of the text (column %u); skipped", bad,
                 rec->text_col + 1);
        return ND_EUTF8;
    }
    if (out->len == 0) {
        snprintf(d->msg, sizeof d->msg, "the text (column %u) is empty", rec->text_col + 1);
        return ND_EEMPTY;
    }
    return ND_OK;
}

/* A header value without the angle brackets WARC/1.0 put around URIs. */
static const char *unbracket(const char *v, size_t *n)
{
    if (*n >= 2 && v[0] == '<' && v[*n - 1] == '>') {
        *n -= 2;
        return v + 1;
    }
    return v;
}

static nd_status decode_warc(nd_decoder *d, const nd_record *rec, nd_doc *out)
{
    size_t hlen = nd_warc_header_len(rec->data, rec->len), n;
    const char *v = nd_warc_header(rec->data, hlen, "WARC-Target-URI", &n);
    if (!v || !n) v = nd_warc_header(rec->data, hlen, "WARC-Record-ID", &n);
    if (v && n) {
        out->id = unbracket(v, &n);
        out->id_len = n;
    } else if (path_line_id(d, rec, out) != ND_OK) {
        return ND_ENOMEM;
    }
    out->text = rec->data + hlen;
    out->len = rec->len - hlen;
    size_t bad = utf8_bad_at(out->text, out->len);
    if (bad < out->len) {
        snprintf(d->msg, sizeof d->msg,
                 "WARC record at byte %llu: invalid UTF-8 at byte %zu of its block; skipped",
                 (unsigned long long)rec->offset, bad);
        return ND_EUTF8;
    }
    if (out->len == 0) {
        snprintf(d->msg, sizeof d->msg, "WARC record at byte %llu: empty block",
                 (unsigned long long)rec->offset);
        return ND_EEMPTY;
    }
    return ND_OK;
}

nd_status nd_decode(nd_decoder *d, const nd_record *rec, nd_doc *out, const char **message)
{
    d->msg[0] = '\0';
    *message = d->msg;
    out->keep_kind = ND_FIELD_NONE;
    out->keep_num = 0;
    out->keep_str = NULL;
    out->keep_len = 0;
    assert(rec->kind == ND_REC_DOC && (rec->data || rec->len == 0));
    int format = rec->format != ND_INPUT_AUTO ? rec->format
                 : rec->json                  ? ND_INPUT_JSONL
                                              : ND_INPUT_TXT;
    switch (format) {
    case ND_INPUT_JSONL:
        return decode_json(d, rec, out);
    case ND_INPUT_CSV:
    case ND_INPUT_TSV:
        return decode_csv(d, rec, out);
    case ND_INPUT_WARC:
        return decode_warc(d, rec, out);
    default:
        break;
    }
    out->id = rec->path;
    out->id_len = strlen(rec->path);
    out->text = rec->data;
    out->len = rec->len;
    if (rec->len == 0) {
        snprintf(d->msg, sizeof d->msg, "empty file");
        return ND_EEMPTY;
    }
    return ND_OK;
}
