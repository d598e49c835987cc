/*
 * report_metrics.h - the repetition measures (ND_PART_METRICS) and the Gopher flags in the
 * text, JSON and TSV reports: the part of the report module (report.c calls these) that
 * writes nd_scan_result.metrics. Private to neardup_core.
 *
 * Measures are written as the shortest decimal that reads back as the same double (as
 * Python's repr does), so a consumer gets exactly the value neardup computed.
 */
#ifndef NEARDUP_REPORT_METRICS_H
#define NEARDUP_REPORT_METRICS_H

#include <stdio.h>

#include "neardup/result.h"

/* Text: the articles over the Gopher limits (at most limit of them, then how many more),
 * each with the measures above their limits, and a blank line after; nothing without
 * opts.gopher.enabled or when none is over. */
void nd_report_text_gopher(const nd_scan_result *r, size_t limit, FILE *f);
/* Text: the summary's part ("; N articles measured (M over the Gopher limits)"), or nothing
 * without ND_PART_METRICS. */
void nd_report_text_metrics_summary(const nd_scan_result *r, FILE *f);

/* JSON: `, "gopher": {limits}` (or null) for "options", without a newline. */
void nd_report_json_gopher_options(const nd_scan_result *r, FILE *f);
/* JSON: the line `  "metrics": [...],` (or null) of the top-level object. */
void nd_report_json_metrics(const nd_scan_result *r, FILE *f);

/* TSV: one "metrics" record per document. */
void nd_report_tsv_metrics(const nd_scan_result *r, FILE *f);

#endif
