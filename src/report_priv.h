/*
 * report_priv.h - what the report writers share (report.c: JSON, TSV, the field writer;
 * report_text.c: the text report; report_html.c: the HTML report).
 *
 * Counting helpers over a result, the text/TSV field writer, byte sizes for people, and the
 * folding of a run of single-line doubled blocks that the text and HTML reports both show
 * as one finding. Private to neardup_core.
 */
#ifndef NEARDUP_REPORT_PRIV_H
#define NEARDUP_REPORT_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "neardup/report.h"

/* Writes s[0..len) as a text/TSV field (see nd_report_write_field). */
void nd_rep_put_bytes(FILE *f, const char *s, size_t len);
/* The same for a NUL-terminated string. */
void nd_rep_put_field(FILE *f, const char *s);

/* Whether r is a clean's result; whether that clean removed member mb. */
int nd_rep_cleaned(const nd_scan_result *r);
int nd_rep_removed(const nd_scan_result *r, const nd_member *mb);
/* Documents that could go: the members the keep rule does not keep (size - 1 per group,
 * unless members chain: see nd_member). */
size_t nd_rep_duplicates(const nd_scan_result *r);
/* Bytes of those documents' records. */
uint64_t nd_rep_duplicate_bytes(const nd_scan_result *r);
/* Bytes of every document's record. */
uint64_t nd_rep_bytes_read(const nd_scan_result *r);
/* Articles with doubled blocks / with repeated short lines; boilerplate entries. */
size_t nd_rep_count_blocks(const nd_scan_result *r);
size_t nd_rep_count_shorts(const nd_scan_result *r);
size_t nd_rep_count_boilerplate(const nd_scan_result *r);
/* Words in the later copies of every article's repeats. */
uint64_t nd_rep_repeated_words(const nd_scan_result *r);
/* part / whole, 0 when whole is 0. */
double nd_rep_share(uint32_t part, uint32_t whole);

/* "1 document" / "2 documents". */
const char *nd_rep_plural(size_t n, const char *one, const char *many);
/* A byte count for people: "512 bytes", "31.4 kB", "258.5 MB", "1.2 GB" (powers of 1000),
 * into buf (at least 32 bytes). Returns buf. */
const char *nd_rep_size(uint64_t bytes, char *buf, size_t cap);

/* The limit in force for fmt: opts->limit, or the format's default; SIZE_MAX for "all". */
size_t nd_rep_limit(const nd_report_opts *opts, nd_report_format fmt);

/* Indices into an nd_scan_result's sorted arrays, largest first, of at most `n` entries:
 * groups by size, shared paragraphs by articles (ties by their order in the result).
 * Fills out[0..k) and returns k. */
size_t nd_rep_biggest_groups(const nd_scan_result *r, size_t *out, size_t n);
size_t nd_rep_widest_shared(const nd_scan_result *r, size_t *out, size_t n);

/*
 * A fold: blocks [first, first + n) of an article's repeats that are a run of single-line
 * doubles (each one paragraph on one line, repeated once further down, before the next one
 * starts: a list of headlines printed twice). n == 1 when block `first` is not in such a
 * run of at least ND_FOLD_MIN. `headlines`: every line is short (at most 16 words) so it
 * reads as a title; `identical`: every pair identical. `short_line`: the index of a
 * repeated short line of the article whose first occurrence falls inside the run (a label
 * printed with each headline, like "Global"), or SIZE_MAX.
 */
#define ND_FOLD_MIN 3u
typedef struct nd_fold {
    size_t first, n;
    uint32_t line_first, line_last; /* lines the run spans */
    int headlines, identical;
    size_t short_line;
} nd_fold;

/* The fold that starts at block b of rp. */
void nd_rep_fold(const nd_doc_repeats *rp, size_t b, nd_fold *out);
/* Whether short line k of rp is named by one of its folds (so it is not listed again). */
int nd_rep_short_folded(const nd_doc_repeats *rp, size_t k);

/* The text and HTML writers. */
void nd_rep_write_text(const nd_scan_result *r, size_t limit, FILE *f);
nd_status nd_rep_write_html(const nd_scan_result *r, size_t limit, FILE *f);

#endif
