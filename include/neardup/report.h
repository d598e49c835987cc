/*
 * report.h - a scan result as text for people, JSON for programs, TSV for pipelines.
 *
 * All three are deterministic: they print only what is in the result, in its (sorted)
 * order, with fixed-precision numbers; no timings, pointers or hash-table order.
 * The JSON schema (version ND_JSON_SCHEMA) is described in README.md. Every string in
 * the JSON report is valid UTF-8 (bytes that are not become U+FFFD); the text and TSV
 * reports escape control characters and such bytes as \xNN instead, so they can be
 * recovered. Parts of the scan not asked for (opts.parts) are null in JSON and absent from
 * the text and TSV reports.
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
    ND_REPORT_TSV
} nd_report_format;

/* Parses "text", "json" or "tsv". ND_OK or ND_EINVAL. */
ND_API nd_status nd_report_format_parse(const char *name, nd_report_format *out);

/* Writes the report of `res` to `f` and flushes it. ND_OK, or ND_EIO when a write failed
 * (now or before the call: the stream's error indicator is checked); errno then says why
 * (ENOSPC, EBADF, EPIPE, ...; EIO when stdio did not say). */
ND_API nd_status nd_report_write(const nd_scan_result *res, nd_report_format fmt, FILE *f);

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
