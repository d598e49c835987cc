/*
 * json_scan.h - reading fields out of one JSON object, without building a tree.
 *
 * A JSON Lines record is one object, of which neardup needs one or two fields (the text,
 * the id). nd_json_scan checks the whole line against RFC 8259 (one object, white space
 * around it, strings with valid escapes, numbers in JSON's form, nesting at most
 * ND_JSON_MAX_DEPTH deep) in one pass, and notes where the values of the keys it was asked
 * for are: the raw byte span of each, so a string is decoded only if it is wanted
 * (nd_json_string) and a caller can rewrite a value in place, leaving every other byte of
 * the line as it was, cutting whole decoded lines out of it if need be
 * (nd_json_string_lines). When a key occurs more than once, the last occurrence wins, as in
 * jq and Python. Nothing is allocated; the scanner keeps no state between calls. Bytes that
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

/*
 * nd_json_string, checked, for restore, which must write the bytes a string says or none:
 * raw[0..len) may be any bytes. It must be one JSON string as nd_json_scan accepts it
 * (quotes at both ends, no raw quote or control byte inside, escapes as RFC 8259 lists
 * them), and hold no lone surrogate escape (which nd_json_string replaces with U+FFFD).
 * Then ND_OK, out (room for len bytes) holding the same bytes nd_json_string gives, *out_len
 * their length. Else ND_EJSON with *at (unless NULL) the offset in raw of the first byte
 * that is wrong (the backslash of a bad escape); out then holds some bytes, *out_len is
 * untouched. Bytes that are not UTF-8 pass through, as in nd_json_string.
 */
nd_status nd_json_string_exact(const char *raw, size_t len, char *out, size_t *out_len, size_t *at);

/*
 * Where lines of the decoded text of the JSON string raw[0..len) start in raw (the string
 * with its quotes, as nd_json_scan found it), so that lines can be cut out of the raw string
 * without decoding it: for each of lines[0..k) (1-based line numbers, ascending; repeats
 * allowed), out[i] receives the offset in raw of the first escape unit (a raw byte, or an
 * escape such as \n or \u00e9) of that line. Lines break as nd_line_end (paras.h) breaks
 * the decoded text: after a LF (\n or \u000a; a CRLF's LF included) or a lone CR (\r or
 * \u000d not followed by a LF). Every other unit is no break, an escaped NUL (\u0000)
 * included: the decoder reads it as a space, so the text goes on after it. Line 1 (and a
 * line 0) starts at 1, after the opening quote; line L + 1 right after the unit that ends
 * line L; a line past the last one at len - 1, the closing quote. So the bytes
 * raw[out[i] .. out[j]), quoted, decode to exactly lines lines[i] .. lines[j] - 1 of the
 * text, with their line breaks.
 */
void nd_json_string_lines(const char *raw, size_t len, const uint32_t *lines, size_t k,
                          size_t *out);

#endif
