/*
 * fuzz_json_scan.c - the JSON object scanner on arbitrary bytes (json_scan.h), against
 * cJSON.
 *
 * Invariants: a scan accepted by neardup is accepted by cJSON too (cJSON is the more
 * lenient: anything valid per RFC 8259 parses there, but for a lone surrogate escape such
 * as \ude00, which cJSON refuses), and the "text" and "id" it finds are
 * cJSON's top-level "text" and "id" (the last of repeated keys, as cJSON's array of
 * children ends with it): same type, and a string decodes to cJSON's bytes up to cJSON's
 * first NUL (cJSON ends a string at \u0000; neardup keeps the NUL). Every value span lies
 * inside the input, a string span starts and ends with a quote and decodes to no more
 * bytes than it has, and an object or array span is itself valid: wrapped as {"v": SPAN} it
 * scans again. A rejected scan names an offset inside the input (or its end).
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "json_scan.h"

/* cJSON's last top-level child named key (cJSON_GetObjectItem returns the first). */
static const cJSON *last_item(const cJSON *root, const char *key)
{
    const cJSON *hit = NULL;
    for (const cJSON *c = root->child; c; c = c->next)
        if (c->string && strcmp(c->string, key) == 0) hit = c;
    return hit;
}

/* Whether s holds an escaped surrogate (\uD800 .. \uDFFF): grammatical JSON (RFC 8259,
 * section 8.2) that cJSON refuses when it is not part of a pair. */
static int has_surrogate_escape(const char *s, size_t size)
{
    for (size_t i = 0; i + 3 < size; i++)
        if (s[i] == '\\' && s[i + 1] == 'u' && (s[i + 2] | 0x20) == 'd' &&
            strchr("89abcdefABCDEF", s[i + 3]) && s[i + 3] != '\0')
            return 1;
    return 0;
}

static void check_against_cjson(const char *s, size_t size, const nd_json_field *f)
{
    cJSON *root = cJSON_ParseWithLengthOpts(s, size, NULL, 0);
    if (!root && has_surrogate_escape(s, size)) return; /* cJSON's one strictness */
    FZ_CHECK(root != NULL, "neardup accepted what cJSON rejects (%zu bytes)", size);
    for (int k = 0; k < 2; k++) {
        const cJSON *c = last_item(root, f[k].key);
        if (f[k].type == ND_JSON_NONE) {
            /* An escaped key cJSON decodes may match where a NUL-truncated one did not. */
            continue;
        }
        FZ_CHECK(c != NULL, "field %s found by neardup only", f[k].key);
        if (f[k].type == ND_JSON_STRING) {
            FZ_CHECK(cJSON_IsString(c), "field %s: a string for neardup only", f[k].key);
            char *out = malloc(f[k].len);
            FZ_CHECK(out != NULL, "out of memory");
            size_t n = nd_json_string(s + f[k].off, f[k].len, out);
            size_t cn = strlen(c->valuestring);
            size_t upto = memchr(out, '\0', n) ? (size_t)((char *)memchr(out, '\0', n) - out) : n;
            FZ_CHECK(upto == cn && memcmp(out, c->valuestring, cn) == 0,
                     "field %s decodes differently from cJSON", f[k].key);
            free(out);
        } else if (f[k].type == ND_JSON_NUMBER) {
            FZ_CHECK(cJSON_IsNumber(c), "field %s: a number for neardup only", f[k].key);
        }
    }
    cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    nd_json_field f[2] = {{"text", 4, ND_JSON_NONE, 0, 0}, {"id", 2, ND_JSON_NONE, 0, 0}};
    nd_json_error err = ND_JSON_OK;
    size_t at = 0;
    if (nd_json_scan(s, size, f, 2, &err, &at) != ND_OK) {
        FZ_CHECK(err != ND_JSON_OK && at <= size, "error %d at %zu of %zu", err, at, size);
        return 0;
    }
    for (int k = 0; k < 2; k++) {
        if (f[k].type == ND_JSON_NONE) continue;
        FZ_CHECK(f[k].off < size && f[k].len > 0 && f[k].len <= size - f[k].off,
                 "field %d span %zu+%zu of %zu", k, f[k].off, f[k].len, size);
        if (f[k].type == ND_JSON_STRING) {
            FZ_CHECK(f[k].len >= 2 && s[f[k].off] == '"' && s[f[k].off + f[k].len - 1] == '"',
                     "field %d: a string span without its quotes", k);
        } else if (f[k].type == ND_JSON_OBJECT || f[k].type == ND_JSON_ARRAY) {
            char *w = malloc(f[k].len + 8);
            FZ_CHECK(w != NULL, "out of memory");
            memcpy(w, "{\"v\":", 5);
            memcpy(w + 5, s + f[k].off, f[k].len);
            w[5 + f[k].len] = '}';
            nd_json_field v = {"v", 1, ND_JSON_NONE, 0, 0};
            FZ_CHECK(nd_json_scan(w, f[k].len + 6, &v, 1, &err, &at) == ND_OK &&
                         v.type == f[k].type && v.off == 5 && v.len == f[k].len,
                     "field %d: its value does not scan again", k);
            free(w);
        }
    }
    check_against_cjson(s, size, f);
    return 0;
}
