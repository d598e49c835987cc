/*
 * json_span.h - reading one raw JSON object in place: where a member's value lies, and
 * what a string's escapes decode to, byte offset by byte offset.
 *
 * clean (clean.h) repairs a JSON Lines record by cutting lines out of its text field
 * without touching anything else, so it needs the byte span of that field's string in the
 * raw line and the raw offsets at which the decoded lines start; restore reads
 * removed.jsonl with the same functions. No tree is built and nothing is allocated: each
 * function reads only s[0..len) and writes only its outputs, whatever the bytes, so they
 * are safe on hostile input (nd_json_member is the entry point for a fuzzer).
 *
 * The syntax accepted is JSON (RFC 8259) as cJSON reads it, which is what decoded the
 * record in the first place: white space is any byte up to 0x20, a string may hold raw
 * control bytes, a scalar is a run of number characters or true/false/null, a leading
 * UTF-8 byte-order mark is skipped. Private to neardup_core.
 */
#ifndef NEARDUP_JSON_SPAN_H
#define NEARDUP_JSON_SPAN_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/status.h"

#define ND_JSON_SPAN_DEPTH 1000 /* nesting, as cJSON's limit */

/* Which of several members of the same name nd_json_member finds. */
enum { ND_JSON_FIRST = 0, ND_JSON_LAST = 1 };

/* A member's value in the raw object: s[start..end); for a string, the bytes between its
 * quotes, still escaped. */
typedef struct nd_json_span {
    size_t start, end;
    int is_string;
} nd_json_span;

/*
 * Finds the top-level member named key[0..key_len) of the JSON object s[0..len) (white
 * space may surround it; nothing else may follow it). Member names compare after their
 * escapes are decoded, up to an escaped NUL, as cJSON compares them; `which` picks the
 * first or the last member of that name. ND_OK with *out set; ND_EFIELD when there is no
 * such member; ND_EJSON when s is not one well-formed object (or nests deeper than
 * ND_JSON_SPAN_DEPTH). *out is untouched unless ND_OK.
 */
nd_status nd_json_member(const char *s, size_t len, const char *key, size_t key_len, int which,
                         nd_json_span *out);

/*
 * Decodes the body s[0..n) of a JSON string (the bytes between its quotes) into out, which
 * has room for n bytes (a decoded string is never longer than its escaped form);
 * *out_len receives the decoded length. With stop_at_nul, decoding ends at an escaped NUL
 * (\u0000), where a C string (cJSON's) ends. *stop (may be NULL) receives the raw offset
 * where decoding ended: n, or that escape's offset. ND_OK or ND_EJSON (an unknown escape,
 * a \u with fewer than 4 characters, a lone surrogate, an unescaped quote, a backslash at
 * the end). As cJSON, a \u whose 4 characters are not all hex digits is U+0000.
 */
nd_status nd_json_unescape(const char *s, size_t n, int stop_at_nul, char *out, size_t *out_len,
                           size_t *stop);

/*
 * The raw offsets in the string body s[0..n) at which decoded lines start: for each of
 * lines[0..k) (1-based line numbers, ascending), raw[i] receives the offset of its first
 * escape unit. Lines break as nd_line_end (paras.h) breaks decoded text: after a LF
 * (written \n or \u000a, a CRLF's included) or a lone CR. Line 1 starts at 0; line L + 1
 * right after the unit that ends line L; a line past the last one maps to where the
 * decoded text ends (n, or an escaped NUL, as nd_json_unescape with stop_at_nul).
 * ND_OK or ND_EJSON (as nd_json_unescape).
 */
nd_status nd_json_line_starts(const char *s, size_t n, const uint32_t *lines, size_t k,
                              size_t *raw);

#endif
