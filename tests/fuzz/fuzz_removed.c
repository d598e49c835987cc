/*
 * fuzz_removed.c - restore's reader of removed.jsonl (nd_removed_parse, removed.h) on
 * arbitrary bytes as one line, and the exact string decoding it rests on
 * (nd_json_string_exact, json_scan.h) on the same bytes as a raw JSON string.
 *
 * Invariants of nd_removed_parse: ND_OK or ND_EJSON (with a reason, and nothing left
 * allocated); it accepts only what nd_json_scan accepts as one object. What it accepts has a
 * NUL-terminated path without a NUL inside and NUL-terminated bytes; cJSON reads the same
 * path, offset and bytes where they are plain members (bytes up to cJSON's first NUL); and
 * the entry written back by clean's writer (nd_removed_begin, put in chunks, end) parses
 * to the same path, offset and bytes, whichever of the string and base64 forms it takes.
 *
 * Invariants of nd_json_string_exact on the bytes: it accepts just what nd_json_scan
 * accepts as the value of {"v":BYTES} (a whole string), less a lone surrogate escape; it
 * then decodes as nd_json_string; else it names an offset inside the bytes.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "json_scan.h"
#include "outdir.h"
#include "removed.h"

/* Whether s holds an escaped surrogate (\uD800 .. \uDFFF), which cJSON refuses alone. */
static int has_surrogate_escape(const char *s, size_t size)
{
    for (size_t i = 0; i + 3 < size; i++)
        if (s[i] == '\\' && s[i + 1] == 'u' && (s[i + 2] | 0x20) == 'd' &&
            strchr("89abcdefABCDEF", s[i + 3]) && s[i + 3] != '\0')
            return 1;
    return 0;
}

/* cJSON's last top-level child named key. */
static const cJSON *last_item(const cJSON *root, const char *key)
{
    const cJSON *hit = NULL;
    for (const cJSON *c = root->child; c; c = c->next)
        if (c->string && strcmp(c->string, key) == 0) hit = c;
    return hit;
}

static void check_against_cjson(const char *s, size_t size, const nd_removed_read *e)
{
    /* cJSON ends a key at an escaped NUL ("path\u0000x" is "path" to it) */
    for (size_t i = 0; i + 6 <= size; i++)
        if (memcmp(s + i, "\\u0000", 6) == 0) return;
    cJSON *root = cJSON_ParseWithLengthOpts(s, size, NULL, 0);
    if (!root && has_surrogate_escape(s, size)) return; /* cJSON's one strictness */
    FZ_CHECK(root != NULL, "an entry cJSON rejects (%zu bytes)", size);
    const cJSON *p = last_item(root, "path"), *o = last_item(root, "offset");
    const cJSON *b = last_item(root, "bytes");
    if (p)
        FZ_CHECK(cJSON_IsString(p) && strcmp(p->valuestring, e->path) == 0,
                 "path '%s' is not cJSON's", e->path);
    FZ_CHECK(o && cJSON_IsNumber(o), "an offset cJSON does not find");
    if (e->offset < (1ull << 53))
        FZ_CHECK(o->valuedouble == (double)e->offset, "offset %llu is not cJSON's",
                 (unsigned long long)e->offset);
    if (b && cJSON_IsString(b)) {
        size_t cn = strlen(b->valuestring);
        size_t upto = memchr(e->bytes, '\0', e->nbytes)
                          ? (size_t)((char *)memchr(e->bytes, '\0', e->nbytes) - e->bytes)
                          : e->nbytes;
        FZ_CHECK(upto == cn && memcmp(e->bytes, b->valuestring, cn) == 0, "bytes are not cJSON's");
    }
    cJSON_Delete(root);
}

/* The entry written as clean writes it (its bytes put in chunks of chunk bytes), read back. */
static void check_round_trip(const nd_removed_read *e, size_t chunk)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/e.jsonl", fz_dir());
    remove(path); /* nd_ofile_create makes a new file */
    nd_ofile f;
    FZ_CHECK(nd_ofile_create(&f, path, NULL, NULL) == ND_OK, "nd_ofile_create");
    nd_removed_entry w = {"repeat", "src", e->path, 1, e->offset, "id", 0, 0, "{}"};
    int text = nd_removed_is_text(e->bytes, e->nbytes);
    nd_b64 b64 = {{0}, 0};
    FZ_CHECK(nd_removed_begin(&f, &w, text, NULL) == ND_OK, "nd_removed_begin");
    for (size_t i = 0; i < e->nbytes; i += chunk) {
        size_t k = e->nbytes - i < chunk ? e->nbytes - i : chunk;
        FZ_CHECK(nd_removed_put(&f, text, &b64, e->bytes + i, k, NULL) == ND_OK, "put");
    }
    FZ_CHECK(nd_removed_end(&f, text, &b64, NULL) == ND_OK, "nd_removed_end");
    FZ_CHECK(nd_ofile_close(&f, NULL) == ND_OK, "nd_ofile_close");

    FILE *in = fopen(path, "rb");
    FZ_CHECK(in != NULL, "cannot read %s", path);
    FZ_CHECK(fseek(in, 0, SEEK_END) == 0, "fseek");
    long size = ftell(in);
    FZ_CHECK(size > 0 && fseek(in, 0, SEEK_SET) == 0, "an entry of %ld bytes", size);
    char *line = malloc((size_t)size);
    FZ_CHECK(line != NULL, "out of memory");
    size_t n = fread(line, 1, (size_t)size, in);
    fclose(in);
    FZ_CHECK(n == (size_t)size && line[n - 1] == '\n', "an entry of %zu bytes", n);
    nd_removed_read r;
    const char *why = NULL;
    FZ_CHECK(nd_removed_parse(line, n - 1, &r, &why) == ND_OK, "written, then refused: %s",
             why ? why : "");
    FZ_CHECK(strcmp(r.path, e->path) == 0 && r.offset == e->offset && r.nbytes == e->nbytes &&
                 memcmp(r.bytes, e->bytes, e->nbytes) == 0,
             "written, then read back differently");
    free(r.path);
    free(r.bytes);
    free(line);
}

static void check_parse(const char *s, size_t size)
{
    nd_removed_read e;
    const char *why = NULL;
    nd_status st = nd_removed_parse(s, size, &e, &why);
    nd_json_field none;
    nd_json_error err = ND_JSON_OK;
    size_t at = 0;
    int scans = nd_json_scan(s, size, &none, 0, &err, &at) == ND_OK;
    if (st != ND_OK) {
        FZ_CHECK(st == ND_EJSON, "status %d", (int)st);
        FZ_CHECK(why && *why, "refused without a reason");
        FZ_CHECK(!e.path && !e.bytes && e.nbytes == 0 && e.offset == 0, "refused, not zeroed");
        return;
    }
    FZ_CHECK(scans, "an entry nd_json_scan refuses (error %d at %zu)", (int)err, at);
    FZ_CHECK(e.path && e.bytes, "no path or bytes");
    FZ_CHECK(e.bytes[e.nbytes] == '\0', "bytes not NUL-terminated");
    FZ_CHECK(strlen(e.path) <= size, "a path longer than the line");
    FZ_CHECK(e.nbytes <= size, "more bytes than the line");
    check_against_cjson(s, size, &e);
    check_round_trip(&e, 1 + size % 7);
    free(e.path);
    free(e.bytes);
}

static void check_exact(const char *s, size_t size)
{
    char *doc = malloc(size + 6), *a = malloc(size + 1), *b = malloc(size + 1);
    FZ_CHECK(doc && a && b, "out of memory");
    memcpy(doc, "{\"v\":", 5);
    memcpy(doc + 5, s, size);
    doc[size + 5] = '}';
    nd_json_field f = {"v", 1, ND_JSON_NONE, 0, 0};
    nd_json_error err;
    size_t at = (size_t)-1, n = (size_t)-1;
    int scans = nd_json_scan(doc, size + 6, &f, 1, &err, &at) == ND_OK &&
                f.type == ND_JSON_STRING && f.off == 5 && f.len == size;
    at = (size_t)-1;
    if (nd_json_string_exact(s, size, b, &n, &at) == ND_OK) {
        FZ_CHECK(scans, "exact accepts a string nd_json_scan refuses");
        size_t dn = nd_json_string(s, size, a);
        FZ_CHECK(dn == n && memcmp(a, b, n) == 0, "exact decodes differently");
    } else {
        FZ_CHECK(!scans || has_surrogate_escape(s, size), "exact refuses a good string");
        FZ_CHECK(n == (size_t)-1, "refused, and a length set");
        FZ_CHECK(at < size || (size == 0 && at == 0), "refused at %zu of %zu", at, size);
    }
    free(doc), free(a), free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* exact-size heap copies, so that ASan sees a read past the end */
    char *s = malloc(size ? size : 1);
    FZ_CHECK(s != NULL, "out of memory");
    memcpy(s, data, size);
    check_parse(s, size);
    check_exact(s, size);
    free(s);
    fz_clean();
    return 0;
}
