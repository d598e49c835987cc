/*
 * json_scan.h - reading fields out of one JSON object, without building a tree.
 *
 * A JSON Lines record is one object, of which neardup needs one or two fields (the text,
 * the id). nd_json_scan checks the whole line against RFC 8259 (one object, white space
 * around it, strings with valid escapes, numbers in JSON's form, nesting at most
 * ND_JSON_MAX_DEPTH deep) in one pass, and notes where the values of the keys it was asked
 * for are: the raw byte span of each, so a string is decoded only if it is wanted
 * (nd_json_string) and a caller can rewrite a value in place, leaving every other byte of
 * the line as it was. When a key occurs more than once, the last occurrence wins, as in jq
 * and Python. Nothing is allocated; the scanner keeps no state between calls. Bytes that
 * are not valid UTF-8 are passed through in strings (the text is checked later, where its
 * errors are reported by offset). Private to neardup_core.
 */
#ifndef NEARDUP_JSON_SCAN_H
#define NEARDUP_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/status.h"

#define ND_JSON_MAX_DEPTH 1000u

typedef enum nd_json_type {
    ND_JSON_NONE = 0, /* the key was not found */
    ND_JSON_STRING,
    ND_JSON_NUMBER,
    ND_JSON_OBJECT,
    ND_JSON_ARRAY,
    ND_JSON_TRUE,
    ND_JSON_FALSE,
    ND_JSON_NULL
} nd_json_type;

/* A key to look for (in: key, key_len) and where its value is (out). */
typedef struct nd_json_field {
    const char *key;
    size_t key_len;
    nd_json_type type; /* ND_JSON_NONE when absent */
    size_t off, len;   /* the value's raw bytes: s[off .. off + len), quotes included */
} nd_json_field;

/* What went wrong, when nd_json_scan returns ND_EJSON. */
typedef enum nd_json_error {
    ND_JSON_OK = 0,
    ND_JSON_SYNTAX,     /* not JSON at `at` */
    ND_JSON_NOT_OBJECT, /* valid JSON, but not an object */
    ND_JSON_TRAILING,   /* an object, then more than white space at `at` */
    ND_JSON_TRUNCATED,  /* the text ends inside the object */
    ND_JSON_DEEP        /* nested deeper than ND_JSON_MAX_DEPTH at `at` */
} nd_json_error;

/*
 * Scans s[0..len) as one JSON object and fills fields[0..n) with the top-level values of
 * their keys (keys compared after decoding their escapes). ND_OK, or ND_EJSON with *err
 * and *at (the byte offset of the problem) set.
 */
nd_status nd_json_scan(const char *s, size_t len, nd_json_field *fields, size_t n,
                       nd_json_error *err, size_t *at);

/*
 * Decodes the JSON string whose raw bytes (with its quotes) are raw[0..len), as
 * nd_json_scan found it, into out (room for len bytes, which always suffices), UTF-8 for
 * the \u escapes (a surrogate pair as one code point, a lone surrogate as U+FFFD, \u0000 as
 * a NUL byte); returns the decoded length.
 */
size_t nd_json_string(const char *raw, size_t len, char *out);

#endif
