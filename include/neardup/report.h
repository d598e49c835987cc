/*
 * report.h - a scan result as text for people, JSON for programs, TSV for pipelines.
 *
 * All three are deterministic: they print only what is in the result, in its (sorted)
 * order, with fixed-precision numbers; no timings, pointers or hash-table order.
 * The JSON schema (version ND_JSON_SCHEMA) is described in README.md. Parts of the scan not
 * asked for (opts.parts) are null in JSON and absent from the text and TSV reports.
 */
#ifndef NEARDUP_REPORT_H
#define NEARDUP_REPORT_H

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
nd_status nd_report_format_parse(const char *name, nd_report_format *out);

/* Writes the report of `res` to `f`. ND_OK or ND_EIO (a write failed). */
nd_status nd_report_write(const nd_scan_result *res, nd_report_format fmt, FILE *f);

#endif
