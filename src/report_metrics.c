/*
 * report_metrics.c - the repetition measures and Gopher flags in the reports (see
 * report_metrics.h).
 */
#include "report_metrics.h"

#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "neardup/report.h"

/* x as the shortest "%.Ng" that strtod reads back as x (x finite). A decimal of at most 15
 * digits that reads back as x is what "%.15g" prints, trailing zeros dropped (x is within
 * 2^-53 of it, far less than half a unit of its 15th digit), so only 15, 16 and 17 digits
 * need trying. */
static void put_double(FILE *f, double x)
{
    char buf[40];
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, x);
        if (strtod(buf, NULL) == x) break;
    }
    fputs(buf, f);
}

static void put_name(FILE *f, const char *s)
{
    nd_report_write_field(f, s, strlen(s));
}

/* ---- text ---- */

/* Document d as the text report names it: "id", or "id (path:line)" for a JSON Lines
 * record. */
static void put_doc(FILE *f, const nd_scan_result *r, size_t d)
{
    const nd_doc_info *di = &r->docs[d];
    const char *src = r->sources[di->source];
    put_name(f, di->id);
    if (strcmp(di->id, src) != 0) {
        fputs(" (", f);
        put_name(f, src);
        fprintf(f, ":%llu)", (unsigned long long)di->line);
    }
}

void nd_report_text_gopher(const nd_scan_result *r, size_t limit, FILE *f)
{
    const nd_gopher_opts *g = &r->opts.gopher;
    if (!g->enabled || !r->metrics || r->ngopher == 0) return;
    fputs("over the Gopher repetition limits:\n", f);
    size_t shown = 0;
    for (size_t d = 0; d < r->ndocs && shown < limit; d++) {
        const nd_doc_metrics *m = &r->metrics[d];
        if (!m->over) continue;
        shown++;
        fputs("  ", f);
        put_doc(f, r, d);
        fputc(':', f);
        int first = 1;
        for (unsigned i = 0; i < ND_GOPHER_N; i++)
            if (m->over & (1u << i)) {
                fprintf(f, "%s%s %.4f > %.2f", first ? " " : ", ", nd_gopher_name(i), m->value[i],
                        g->limit[i]);
                first = 0;
            }
        fputc('\n', f);
    }
    if (shown < r->ngopher)
        fprintf(f, "  ... and %zu more %s (use --limit 0 or -f json)\n", r->ngopher - shown,
                r->ngopher - shown == 1 ? "article" : "articles");
    fputc('\n', f);
}

void nd_report_text_metrics_summary(const nd_scan_result *r, FILE *f)
{
    if (!(r->opts.parts & ND_PART_METRICS)) return;
    fprintf(f, "; repetition measures of %zu %s", r->ndocs, r->ndocs == 1 ? "article" : "articles");
    if (r->opts.gopher.enabled) fprintf(f, " (%zu over the Gopher limits)", r->ngopher);
}

/* ---- JSON ---- */

void nd_report_json_gopher_options(const nd_scan_result *r, FILE *f)
{
    const nd_gopher_opts *g = &r->opts.gopher;
    if (!g->enabled) {
        fputs(", \"gopher\": null", f);
        return;
    }
    fputs(", \"gopher\": {", f);
    for (unsigned i = 0; i < ND_GOPHER_N; i++) {
        fprintf(f, "%s\"%s\": ", i ? ", " : "", nd_gopher_name(i));
        if (g->limit[i] < 0)
            fputs("null", f);
        else
            put_double(f, g->limit[i]);
    }
    fputc('}', f);
}

/* One document's entry. */
static void json_doc_metrics(const nd_scan_result *r, FILE *f, size_t d)
{
    const nd_doc_metrics *m = &r->metrics[d];
    const nd_doc_info *di = &r->docs[d];
    fputs("{\"id\": ", f);
    nd_json_write_string(f, di->id, strlen(di->id));
    fputs(", \"source\": ", f);
    nd_json_write_string(f, r->sources[di->source], strlen(r->sources[di->source]));
    fprintf(f, ", \"line\": %llu, \"chars\": %llu, \"lines\": %u, \"paragraphs\": %u,\n      ",
            (unsigned long long)di->line, (unsigned long long)m->chars, m->lines, m->paragraphs);
    for (unsigned i = 0; i < ND_GOPHER_N; i++) {
        fprintf(f, "%s\"%s\": ", i == 0 ? "" : i == 7 ? ",\n      " : ", ", nd_gopher_name(i));
        if (m->value[i] < 0)
            fputs("null", f);
        else
            put_double(f, m->value[i]);
    }
    if (!r->opts.gopher.enabled) {
        fputs(", \"gopher\": null}", f);
        return;
    }
    fputs(", \"gopher\": [", f);
    int first = 1;
    for (unsigned i = 0; i < ND_GOPHER_N; i++)
        if (m->over & (1u << i)) {
            fprintf(f, "%s\"%s\"", first ? "" : ", ", nd_gopher_name(i));
            first = 0;
        }
    fputs("]}", f);
}

void nd_report_json_metrics(const nd_scan_result *r, FILE *f)
{
    if (!(r->opts.parts & ND_PART_METRICS)) {
        fputs("  \"metrics\": null,\n", f);
        return;
    }
    fputs("  \"metrics\": [", f);
    for (size_t d = 0; d < r->ndocs; d++) {
        fputs(d ? ",\n    " : "\n    ", f);
        json_doc_metrics(r, f, d);
    }
    fputs(r->ndocs ? "\n  ],\n" : "],\n", f);
}

/* ---- TSV ---- */

void nd_report_tsv_metrics(const nd_scan_result *r, FILE *f)
{
    if (!r->metrics) return;
    for (size_t d = 0; d < r->ndocs; d++) {
        const nd_doc_metrics *m = &r->metrics[d];
        fputs("metrics\t", f);
        put_name(f, r->docs[d].id);
        fprintf(f, "\t%llu\t%u\t%u", (unsigned long long)m->chars, m->lines, m->paragraphs);
        for (unsigned i = 0; i < ND_GOPHER_N; i++) {
            fputc('\t', f);
            if (m->value[i] < 0)
                fputc('-', f);
            else
                put_double(f, m->value[i]);
        }
        if (!r->opts.gopher.enabled) {
            fputs("\t-\n", f);
            continue;
        }
        if (!m->over) {
            fputs("\tok\n", f);
            continue;
        }
        fputc('\t', f);
        int first = 1;
        for (unsigned i = 0; i < ND_GOPHER_N; i++)
            if (m->over & (1u << i)) {
                fprintf(f, "%s%s", first ? "" : ",", nd_gopher_name(i));
                first = 0;
            }
        fputc('\n', f);
    }
}
