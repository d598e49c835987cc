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

#include "neardup/alloc.h"
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
    char *idbuf; /* "path:line" and numeric ids */
    size_t idcap;
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

nd_status nd_decode(nd_decoder *d, const nd_record *rec, nd_doc *out, const char **message)
{
    cJSON_Delete(d->root);
    d->root = NULL;
    d->msg[0] = '\0';
    *message = d->msg;
    assert(rec->kind == ND_REC_DOC && (rec->data || rec->len == 0));
    if (!rec->json) {
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
    const char *end = NULL;
    cjson_oom = 0;
    d->root = cJSON_ParseWithLengthOpts(rec->data, rec->len, &end, 0);
    if (!d->root && cjson_oom) return ND_ENOMEM;
    if (!d->root) {
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
    } else if (id && cJSON_IsNumber(id)) {
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
    } else {
        char loc[64];
        int k = snprintf(loc, sizeof loc, ":%llu", (unsigned long long)rec->line);
        size_t pl = strlen(rec->path);
        if (reserve_idbuf(d, pl + (size_t)k) != ND_OK) return ND_ENOMEM;
        memcpy(d->idbuf, rec->path, pl);
        memcpy(d->idbuf + pl, loc, (size_t)k + 1);
        out->id = d->idbuf;
        out->id_len = pl + (size_t)k;
    }
    if (out->len == 0) {
        snprintf(d->msg, sizeof d->msg, "the \"%.200s\" field is empty", d->text_field);
        return ND_EEMPTY;
    }
    return ND_OK;
}
