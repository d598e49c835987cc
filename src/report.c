/*
 * report.c - text, JSON and TSV reports of a scan result (see report.h).
 *
 * Everything printed comes from the result in its stored (sorted) order; numbers use fixed
 * precision, so the same result always gives the same bytes.
 */
#include "neardup/report.h"

#include <string.h>

#include "json_out.h"

nd_status nd_report_format_parse(const char *name, nd_report_format *out)
{
    if (strcmp(name, "text") == 0)
        *out = ND_REPORT_TEXT;
    else if (strcmp(name, "json") == 0)
        *out = ND_REPORT_JSON;
    else if (strcmp(name, "tsv") == 0)
        *out = ND_REPORT_TSV;
    else
        return ND_EINVAL;
    return ND_OK;
}

/* Writes s with tabs, newlines, carriage returns and backslashes escaped (\t \n \r \\),
 * so one field stays one field on one line. */
static void put_field(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\t': fputs("\\t", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\\': fputs("\\\\", f); break;
        default: fputc(*s, f);
        }
    }
}

static size_t duplicates(const nd_scan_result *r)
{
    size_t n = 0;
    for (size_t g = 0; g < r->ngroups; g++)
        n += r->groups[g].nmembers - 1;
    return n;
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* "id" for text files (the id is the path), "id (path:line)" for JSON Lines records. */
static void put_doc(FILE *f, const nd_scan_result *r, uint32_t d)
{
    const nd_doc_info *di = &r->docs[d];
    const char *src = r->sources[di->source];
    put_field(f, di->id);
    if (strcmp(di->id, src) != 0) {
        fputs(" (", f);
        put_field(f, src);
        fprintf(f, ":%llu)", (unsigned long long)di->line);
    }
}

static void write_text(const nd_scan_result *r, FILE *f)
{
    for (size_t g = 0; g < r->ngroups; g++) {
        const nd_group *gr = &r->groups[g];
        fprintf(f, "group %zu: %zu documents\n", g + 1, gr->nmembers);
        for (size_t m = 0; m < gr->nmembers; m++) {
            const nd_member *mb = &gr->members[m];
            fputs(m == 0 ? "  * " : "    ", f);
            put_doc(f, r, mb->doc);
            if (m == 0)
                fprintf(f, "  [representative, %u words]\n", r->docs[mb->doc].ntokens);
            else
                fprintf(f, "  [jaccard %.4f, containment %.4f, %u words]\n", mb->jaccard,
                        mb->containment, r->docs[mb->doc].ntokens);
            fputs("      ", f);
            put_field(f, mb->snippet);
            fputc('\n', f);
        }
        fputc('\n', f);
    }
    size_t dups = duplicates(r);
    fprintf(f, "%zu %s read, %zu skipped; %zu %s of near-duplicates (%zu %s could go); "
               "%zu-word shingles, %u permutations, jaccard >= %.2f, %u bands x %u rows, %s "
               "verification\n",
            r->ndocs, plural(r->ndocs, "document", "documents"), r->nskipped, r->ngroups,
            plural(r->ngroups, "group", "groups"), dups,
            plural(dups, "document", "documents"), (size_t)r->opts.ngram, r->opts.perms,
            r->opts.threshold, r->lsh.bands, r->lsh.rows,
            r->opts.verify_estimate ? "estimated" : "exact");
}

static void json_str(FILE *f, const char *s)
{
    nd_json_write_string(f, s, strlen(s));
}

static void json_num(FILE *f, double x)
{
    if (x < 0)
        fputs("null", f);
    else
        fprintf(f, "%.4f", x);
}

static void write_json(const nd_scan_result *r, FILE *f)
{
    fprintf(f, "{\n  \"tool\": \"neardup\",\n  \"version\": \"%s\",\n  \"schema\": %d,\n",
            NEARDUP_VERSION, ND_JSON_SCHEMA);
    fprintf(f, "  \"options\": {\"ngram\": %u, \"perms\": %u, \"threshold\": %.4f, "
               "\"bands\": %u, \"rows\": %u, \"verify\": \"%s\"},\n",
            r->opts.ngram, r->opts.perms, r->opts.threshold, r->lsh.bands, r->lsh.rows,
            r->opts.verify_estimate ? "estimate" : "exact");
    fprintf(f, "  \"summary\": {\"documents\": %zu, \"skipped\": %zu, \"groups\": %zu, "
               "\"duplicates\": %zu, \"pairs\": %zu},\n",
            r->ndocs, r->nskipped, r->ngroups, duplicates(r), r->npairs);
    fputs("  \"groups\": [", f);
    for (size_t g = 0; g < r->ngroups; g++) {
        const nd_group *gr = &r->groups[g];
        fputs(g ? ",\n    {" : "\n    {", f);
        fputs("\"representative\": ", f);
        json_str(f, r->docs[gr->members[0].doc].id);
        fprintf(f, ", \"size\": %zu, \"members\": [", gr->nmembers);
        for (size_t m = 0; m < gr->nmembers; m++) {
            const nd_member *mb = &gr->members[m];
            const nd_doc_info *di = &r->docs[mb->doc];
            fputs(m ? ",\n      {" : "\n      {", f);
            fputs("\"id\": ", f);
            json_str(f, di->id);
            fputs(", \"source\": ", f);
            json_str(f, r->sources[di->source]);
            fprintf(f, ", \"line\": %llu, \"words\": %u, \"jaccard\": ",
                    (unsigned long long)di->line, di->ntokens);
            json_num(f, mb->jaccard);
            fputs(", \"containment\": ", f);
            json_num(f, mb->containment);
            fputc('}', f);
        }
        fputs("\n    ]}", f);
    }
    fputs(r->ngroups ? "\n  ],\n" : "],\n", f);
    fputs("  \"pairs\": [", f);
    for (size_t i = 0; i < r->npairs; i++) {
        const nd_pair_sim *p = &r->pairs[i];
        fputs(i ? ",\n    {" : "\n    {", f);
        fputs("\"a\": ", f);
        json_str(f, r->docs[p->a].id);
        fputs(", \"b\": ", f);
        json_str(f, r->docs[p->b].id);
        fputs(", \"jaccard\": ", f);
        json_num(f, p->jaccard);
        fputs(", \"containment_a\": ", f);
        json_num(f, p->contain_a);
        fputs(", \"containment_b\": ", f);
        json_num(f, p->contain_b);
        fputc('}', f);
    }
    fputs(r->npairs ? "\n  ],\n" : "],\n", f);
    fputs("  \"skipped\": [", f);
    for (size_t i = 0; i < r->nskipped; i++) {
        const nd_skip *sk = &r->skipped[i];
        fputs(i ? ",\n    {" : "\n    {", f);
        fputs("\"source\": ", f);
        json_str(f, sk->path);
        if (sk->line)
            fprintf(f, ", \"line\": %llu", (unsigned long long)sk->line);
        else
            fputs(", \"line\": null", f);
        fputs(", \"error\": ", f);
        json_str(f, nd_status_str(sk->code));
        fputs(", \"message\": ", f);
        json_str(f, sk->message);
        fputc('}', f);
    }
    fputs(r->nskipped ? "\n  ]\n}\n" : "]\n}\n", f);
}

static void write_tsv(const nd_scan_result *r, FILE *f)
{
    for (size_t i = 0; i < r->npairs; i++) {
        const nd_pair_sim *p = &r->pairs[i];
        put_field(f, r->docs[p->a].id);
        fputc('\t', f);
        put_field(f, r->docs[p->b].id);
        fprintf(f, "\t%.4f", p->jaccard);
        if (p->contain_a < 0)
            fputs("\t-\t-\n", f);
        else
            fprintf(f, "\t%.4f\t%.4f\n", p->contain_a, p->contain_b);
    }
}

nd_status nd_report_write(const nd_scan_result *res, nd_report_format fmt, FILE *f)
{
    switch (fmt) {
    case ND_REPORT_TEXT: write_text(res, f); break;
    case ND_REPORT_JSON: write_json(res, f); break;
    case ND_REPORT_TSV: write_tsv(res, f); break;
    }
    return fflush(f) == 0 && !ferror(f) ? ND_OK : ND_EIO;
}
