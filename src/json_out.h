/*
 * json_out.h - writing JSON text: string escaping and fixed-precision numbers.
 */
#ifndef NEARDUP_JSON_OUT_H
#define NEARDUP_JSON_OUT_H

#include <stddef.h>
#include <stdio.h>

/* Writes s[0..len) as a JSON string literal (with quotes) to f. Control characters are
 * escaped (\n, \t, \u00XX), as are '"' and '\\'; other bytes pass through (the input is
 * valid UTF-8). Returns 0, or -1 if a write failed. */
int nd_json_write_string(FILE *f, const char *s, size_t len);

/* Escapes s[0..len) into out (at most cap bytes incl. NUL); returns the length the full
 * escape needs (like snprintf). */
size_t nd_json_escape(char *out, size_t cap, const char *s, size_t len);

#endif
