/*
 * json_out.h - writing JSON text: string escaping, and the UTF-8 check the reports share.
 *
 * Every string the JSON report writes goes through nd_json_write_string, which always
 * writes valid UTF-8 inside a valid JSON string literal, whatever bytes it is given: ids
 * and paths come from the input and the file system, and neither promises UTF-8.
 */
#ifndef NEARDUP_JSON_OUT_H
#define NEARDUP_JSON_OUT_H

#include <stddef.h>
#include <stdio.h>

/* The replacement character U+FFFD in UTF-8: what JSON shows for bytes that are not UTF-8. */
#define ND_UTF8_REPLACEMENT "\xef\xbf\xbd"

/*
 * Looks at the bytes s[0..len), len >= 1. If they start with a well-formed UTF-8 sequence
 * (Unicode 15, table 3-7: no overlong form, no surrogate, nothing above U+10FFFF), returns
 * its length (1 to 4). Otherwise returns minus the length of the maximal subpart: the
 * longest start of a well-formed sequence found there, or 1 byte when none (Unicode 3.9,
 * "U+FFFD substitution of maximal subparts", which is also what WHATWG's decoder and
 * Python's "replace" error handler do). So a truncated 3-byte sequence counts as one bad
 * unit, and a lone continuation byte or 0xff as one each.
 */
int nd_utf8_seq(const char *s, size_t len);

/*
 * Writes s[0..len) as a JSON string literal (with quotes) to f. '"' and '\\' are escaped,
 * control characters too (\n, \r, \t, \b, \f, else \u00XX: C0, DEL and the C1 range
 * U+0080-U+009F, so no terminal control reaches a terminal). Well-formed UTF-8 passes
 * through; each maximal subpart of a malformed sequence (nd_utf8_seq) becomes one U+FFFD,
 * so the output is always valid UTF-8 and valid JSON (RFC 8259). Returns 0, or -1 if a
 * write failed.
 */
int nd_json_write_string(FILE *f, const char *s, size_t len);

/* Escapes s[0..len) like nd_json_write_string (without the quotes) into out (at most cap
 * bytes incl. NUL); returns the length the full escape needs (like snprintf). */
size_t nd_json_escape(char *out, size_t cap, const char *s, size_t len);

#endif
