/*
 * removed.h - removed.jsonl: one JSON object per line for each byte range clean removed
 * from an input file, written by clean and read back by restore.
 *
 * An entry, keys in this order (README.md, "removed.jsonl", is the reference):
 *   kind      "duplicate", "repeat", "short", "boilerplate" or "invalid"
 *   source    the input path as the scan read it ("<stdin>" for standard input)
 *   path      the file's path under kept/ and under restore's destination (path_base64
 *             instead when it is not UTF-8)
 *   line      the input file's line where the removed bytes start (1-based)
 *   offset    their byte offset in the input file
 *   id        the document's id (null for invalid input)
 *   lines     [first, last]: the lines of the article's text removed (repeat, short,
 *             boilerplate only)
 *   reason    an object saying why (see README.md)
 *   bytes     the removed bytes, exactly, as a JSON string when they are UTF-8 without a
 *             NUL; else bytes_base64, the same bytes in base64 (RFC 4648, with padding)
 * Entries of one file are consecutive, in increasing offset order, files in input order,
 * so restore merges them with the kept files in one pass. Strings that only inform (source,
 * id, the reason's texts) are written as the report writes JSON strings (U+FFFD for bytes
 * that are not UTF-8); path and bytes are lossless. Private to neardup_core.
 */
#ifndef NEARDUP_REMOVED_H
#define NEARDUP_REMOVED_H

#include <stddef.h>
#include <stdint.h>

#include "outdir.h"

/* What an entry says besides its bytes. */
typedef struct nd_removed_entry {
    const char *kind;
    const char *source;
    const char *path;
    uint64_t line, offset;
    const char *id;       /* NULL: null */
    uint32_t first, last; /* article lines; first == 0: no "lines" key */
    const char *reason;   /* the reason, already a JSON object ("{...}") */
} nd_removed_entry;

/* Whether s[0..n) can be written as a JSON string and read back as the same bytes: valid
 * UTF-8 without a NUL byte. */
int nd_removed_is_text(const char *s, size_t n);
/* The same for bytes that come in chunks: the length of the longest prefix of s[0..n) that
 * is text, *bad set when a byte after it makes the whole not text; with more (more bytes
 * follow), a UTF-8 sequence cut short at the end is left for the next chunk, not bad. */
size_t nd_removed_text_prefix(const char *s, size_t n, int more, int *bad);

/* Writes the entry up to its bytes (`"bytes": "` or `"bytes_base64": "`, as text says) to
 * f; the bytes follow with nd_removed_put, the end with nd_removed_end. ND_OK, ND_EIO with
 * a message, or ND_ENOMEM. */
nd_status nd_removed_begin(nd_ofile *f, const nd_removed_entry *e, int text, const nd_say *say);

/* The state of a base64 encoding across chunks. */
typedef struct nd_b64 {
    unsigned char rest[3];
    size_t nrest;
} nd_b64;

/* Appends p[0..n) of the entry's bytes, escaped (text) or in base64 (carrying partial
 * groups in *b). ND_OK or ND_EIO with a message. */
nd_status nd_removed_put(nd_ofile *f, int text, nd_b64 *b, const char *p, size_t n,
                         const nd_say *say);
/* Ends the entry (the last base64 group, the closing quote, brace and line break). */
nd_status nd_removed_end(nd_ofile *f, int text, nd_b64 *b, const nd_say *say);

/* Appends s[0..n) as a JSON string literal (with quotes) to f, lossy as the report is for
 * bytes that are not UTF-8. */
nd_status nd_removed_info_string(nd_ofile *f, const char *s, size_t n, const nd_say *say);
/* The same into a buffer out of cap bytes; returns the length needed (like snprintf). */
size_t nd_removed_info_escape(char *out, size_t cap, const char *s, size_t n);

/* One entry as restore reads it: where its bytes go, and the bytes. */
typedef struct nd_removed_read {
    char *path; /* decoded, NUL-terminated (owned by the caller after the call) */
    uint64_t offset;
    char *bytes; /* decoded (owned by the caller) */
    size_t nbytes;
} nd_removed_read;

/*
 * Parses one line of removed.jsonl (s[0..n)) into *out: its path (or path_base64), offset
 * and bytes (or bytes_base64); other keys are not looked at. ND_OK; ND_EJSON (not an
 * entry: the message says what is wrong); ND_ENOMEM. On failure *out is zeroed.
 */
nd_status nd_removed_parse(const char *s, size_t n, nd_removed_read *out, const char **why);

/* Base64 (RFC 4648, padded) of s[0..n) decoded into out (room for 3 * n / 4 bytes);
 * *out_len its length. 0, or -1 when s is not canonical base64. */
int nd_base64_decode(const char *s, size_t n, unsigned char *out, size_t *out_len);

#endif
