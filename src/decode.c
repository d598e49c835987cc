/*
 * decode.c - the decoder: a raw record (a text file, a JSON Lines line) to a document.
 *
 * Runs on worker threads, one decoder per thread; it never touches the reader. A text file
 * is its own text, named by its path. A JSON line is parsed with cJSON; the text and id
 * fields are looked up by name; a missing id falls back to "url", then to "path:line".
 *
 * cJSON allocates through nd_malloc/nd_free (cJSON_InitHooks, set once for the process by
 * the first nd_decoder_create), so the failing-allocator tests reach it; a thread-local flag
 * set by the hook tells a parse that ran out of memory (ND_ENOMEM) from malformed JSON.
 */
#include <assert.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "input_priv.h"
#include "alloc.h"
#include "neardup/input.h"

/* ---- cJSON's allocator -------------------------------------------------------------------- */

static _Thread_local int cjson_oom; /* an allocation by cJSON failed on this thread */

static void *cjson_malloc(size_t n)
{
    void *p = nd_malloc(n);
    if (!p) cjson_oom = 1;
    return p;
}

static void cjson_free(void *p)
{
    nd_free(p);
}

static void cjson_hooks(void)
{
    cJSON_Hooks h = {cjson_malloc, cjson_free};
    cJSON_InitHooks(&h);
}

static pthread_once_t cjson_once = PTHREAD_ONCE_INIT;

/* ---- decoder ---------------------------------------------------------------------------- */

struct nd_decoder {
    char *text_field;
    char *id_field;
    cJSON *root;
    char *idbuf; /* "path:line", numeric and unquoted ids */
    size_t idcap;
    char *tbuf; /* an unquoted CSV field */
    size_t tcap;
    char msg[256];
};

nd_status nd_decoder_create(const nd_decode_opts *opts, nd_decoder **out)
{
    pthread_once(&cjson_once, cjson_hooks);
    nd_decoder *d = nd_calloc(1, sizeof *d);
    if (!d) return ND_ENOMEM;
    const char *tf = opts && opts->text_field ? opts->text_field : "text";
    d->text_field = nd_strndup(tf, strlen(tf));
    if (opts && opts->id_field) d->id_field = nd_strndup(opts->id_field, strlen(opts->id_field));
    if (!d->text_field || (opts && opts->id_field && !d->id_field)) {
        nd_decoder_free(d);
        return ND_ENOMEM;
    }
    *out = d;
    return ND_OK;
}

void nd_decoder_free(nd_decoder *d)
{
    if (!d) return;
    cJSON_Delete(d->root);
    nd_free(d->text_field);
    nd_free(d->id_field);
    nd_free(d->idbuf);
    nd_free(d->tbuf);
    nd_free(d);
}

/* The member `name` of object o; when the name occurs more than once, the last one, as jq
 * and Python's json module take it (cJSON's own lookup returns the first). */
static const cJSON *member(const cJSON *o, const char *name)
{
    const cJSON *found = NULL;
    for (const cJSON *c = o->child; c; c = c->next)
        if (c->string && strcmp(c->string, name) == 0) found = c;
    return found;
}

static nd_status reserve_idbuf(nd_decoder *d, size_t n)
{
    if (n + 1 > d->idcap) {
        char *b = nd_reallocarray(d->idbuf, n + 64, 1);
        if (!b) return ND_ENOMEM;
        d->idbuf = b;
        d->idcap = n + 64;
    }
    return ND_OK;
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

/* Sets d->msg for a line that did not parse; end is where cJSON stopped. */
static void json_error(nd_decoder *d, const nd_record *rec, const char *end)
{
    size_t col = end && end >= rec->data ? (size_t)(end - rec->data) + 1 : 1;
    size_t first = 0, last = rec->len;
    while (first < rec->len && strchr(" \t\r", rec->data[first]))
        first++;
    while (last > first && strchr(" \t\r", rec->data[last - 1]))
        last--;
    /* A line that opens an object but does not close it was cut off. */
    if (first < last && rec->data[first] == '{' && rec->data[last - 1] != '}')
        snprintf(d->msg, sizeof d->msg, "malformed JSON: the line ends early (truncated?)");
    else
        snprintf(d->msg, sizeof d->msg, "malformed JSON near column %zu", col);
}

/* The id of a parsed JSON object: the id field (or "id", then "url"), else "path:line". */
static nd_status json_id(nd_decoder *d, const nd_record *rec, nd_doc *out)
{
    const cJSON *id = NULL;
    if (d->id_field)
        id = member(d->root, d->id_field);
    else {
        id = member(d->root, "id");
        if (!id || !(cJSON_IsString(id) || cJSON_IsNumber(id))) id = member(d->root, "url");
    }
    if (id && cJSON_IsString(id) && id->valuestring && id->valuestring[0]) {
        out->id = id->valuestring;
        out->id_len = strlen(id->valuestring);
        return ND_OK;
    }
    if (!id || !cJSON_IsNumber(id)) return path_line_id(d, rec, out);
    char num[64];
    int k;
    double v = id->valuedouble;
    if (v > -9.2e18 && v < 9.2e18 && v == (double)(long long)v)
        k = snprintf(num, sizeof num, "%lld", (long long)id->valuedouble);
    else
        k = snprintf(num, sizeof num, "%.17g", id->valuedouble);
    if (reserve_idbuf(d, (size_t)k) != ND_OK) return ND_ENOMEM;
    memcpy(d->idbuf, num, (size_t)k + 1);
    out->id = d->idbuf;
    out->id_len = (size_t)k;
    return ND_OK;
}

static nd_status decode_json(nd_decoder *d, const nd_record *rec, nd_doc *out)
{
    const char *end = NULL;
    cjson_oom = 0;
    d->root = cJSON_ParseWithLengthOpts(rec->data, rec->len, &end, 0);
    if (!d->root && cjson_oom) return ND_ENOMEM;
    if (!d->root) {
        json_error(d, rec, end);
        return ND_EJSON;
    }
    if (!cJSON_IsObject(d->root)) {
        snprintf(d->msg, sizeof d->msg, "not a JSON object");
        return ND_EJSON;
    }
    /* Only white space may follow the object: a second object on the line would be lost. */
    for (const char *p = end; p && p < rec->data + rec->len; p++)
        if (!strchr(" \t\r", *p) || *p == '\0') {
            snprintf(d->msg, sizeof d->msg, "malformed JSON: text after the object at column %zu",
                     (size_t)(p - rec->data) + 1);
            return ND_EJSON;
        }
    const cJSON *t = member(d->root, d->text_field);
    if (!t) {
        snprintf(d->msg, sizeof d->msg, "no \"%.200s\" field", d->text_field);
        return ND_EFIELD;
    }
    if (!cJSON_IsString(t) || !t->valuestring) {
        snprintf(d->msg, sizeof d->msg, "the \"%.200s\" field is not a string", d->text_field);
        return ND_EFIELD;
    }
    out->text = t->valuestring;
    out->len = strlen(t->valuestring);
    if (json_id(d, rec, out) != ND_OK) return ND_ENOMEM;
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
    if (n + 1 > *cap) {
        char *b = nd_reallocarray(*buf, n + 64, 1);
        if (!b) return ND_ENOMEM;
        *buf = b;
        *cap = n + 64;
    }
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
    cJSON_Delete(d->root);
    d->root = NULL;
    d->msg[0] = '\0';
    *message = d->msg;
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
