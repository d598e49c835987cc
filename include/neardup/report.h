/*
 * report.h - a scan result as text for people, JSON for programs, TSV for pipelines, and a
 * self-contained HTML page to read in a browser.
 *
 * All four are deterministic: they print only what is in the result (and, for HTML, the
 * texts of the documents it shows, read again), in its (sorted) order, with fixed-precision
 * numbers; no timings, pointers or hash-table order. The JSON schema (version
 * ND_JSON_SCHEMA) is described in README.md. JSON and TSV are complete; the text and HTML
 * reports start with a summary and show at most nd_report_opts.limit entries of each
 * section (and of each list inside an entry), saying how many more there are. Every string
 * in the JSON report is valid UTF-8 (bytes that are not become U+FFFD); the text and TSV
 * reports escape control characters and such bytes as \xNN instead, so they can be
 * recovered; the HTML report escapes everything for HTML and shows bad bytes as U+FFFD.
 * Parts of the scan not asked for (opts.parts) are null in JSON and absent from the others.
 */
#ifndef NEARDUP_REPORT_H
#define NEARDUP_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "neardup/scan.h"
#include "neardup/status.h"

#define ND_JSON_SCHEMA 1

typedef enum nd_report_format {
    ND_REPORT_TEXT = 0,
    ND_REPORT_JSON,
    ND_REPORT_TSV,
    ND_REPORT_HTML
} nd_report_format;

/* nd_report_opts.limit: the format's own default (ND_REPORT_TEXT_LIMIT for text,
 * ND_REPORT_HTML_LIMIT for HTML). */
#define ND_REPORT_LIMIT_DEFAULT ((size_t)-1)
#define ND_REPORT_TEXT_LIMIT 20u
#define ND_REPORT_HTML_LIMIT 500u

/* How a report is written. Initialise with nd_report_opts_init. */
typedef struct nd_report_opts {
    size_t limit; /* text and HTML: entries shown per section and per list (members of a
                     group, places of a shared paragraph); 0 = all; ND_REPORT_LIMIT_DEFAULT
                     = the format's default. JSON and TSV are always complete. */
} nd_report_opts;

/* Fills o with the defaults (limit ND_REPORT_LIMIT_DEFAULT). */
ND_API void nd_report_opts_init(nd_report_opts *o);

/* Parses "text", "json", "tsv" or "html". ND_OK or ND_EINVAL. */
ND_API nd_status nd_report_format_parse(const char *name, nd_report_format *out);

/* The format a file name's extension asks for: .txt text, .json json, .tsv tsv, .html and
 * .htm html (in any case). ND_OK, or ND_EINVAL for any other name (*out untouched). */
ND_API nd_status nd_report_format_for_path(const char *path, nd_report_format *out);

/* Writes the report of `res` to `f` with the default options and flushes it. ND_OK, or
 * ND_EIO when a write failed (now or before the call: the stream's error indicator is
 * checked); errno then says why (ENOSPC, EBADF, EPIPE, ...; EIO when stdio did not say).
 * The HTML report also returns ND_ENOMEM. */
ND_API nd_status nd_report_write(const nd_scan_result *res, nd_report_format fmt, FILE *f);

/*
 * nd_report_write with options (opts may be NULL for the defaults). The HTML report reads
 * the documents it shows again from their sources (nd_reader_fetch, each record checked
 * against its checksum) to show their texts side by side with the shared n-grams marked;
 * a document that cannot be read again (standard input, a file that changed or vanished)
 * is shown by its snippet alone, with the reason. Returns as nd_report_write.
 */
ND_API nd_status nd_report_write_opts(const nd_scan_result *res, nd_report_format fmt,
                                      const nd_report_opts *opts, FILE *f);

/*
 * Writes s[0..len) the way the text and TSV reports write a field (an id, a path, a text):
 * backslash, tab, newline and carriage return as \\ \t \n \r; every other control character
 * (C0, DEL, and C1 as its two UTF-8 bytes) and every byte that is not part of well-formed
 * UTF-8 as \xNN, one escape per byte. So a field stays on one line, its bytes can be
 * recovered, and no control sequence or invalid UTF-8 reaches a terminal. For a program's
 * messages that quote paths or input. ND_OK, or ND_EIO when f has a write error.
 */
ND_API nd_status nd_report_write_field(FILE *f, const char *s, size_t len);

#endif
