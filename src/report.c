/*
 * report.c - text, JSON and TSV reports of a scan result (see report.h).
 *
 * Everything printed comes from the result in its stored (sorted) order; numbers use fixed
 * precision, so the same result always gives the same bytes. Strings from the input (ids,
 * paths, texts, messages, field names) go through one writer per format: put_bytes for text
 * and TSV (control characters and bytes that are not UTF-8 as \xNN), nd_json_write_string
 * for JSON (always valid UTF-8). A part of the scan not asked for (opts.parts) is left out
 * of the text and TSV reports and is null in JSON.
 */
#include "neardup/neardup.h"
#include "neardup/report.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "json_out.h"
#include "report_metrics.h"

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

/* Writes byte c of a field as an escape: \t \n \r \\ or \xNN. */
static void put_escape(FILE *f, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
    switch (c) {
    case '\t':
        fputs("\\t", f);
        return;
    case '\n':
        fputs("\\n", f);
        return;
    case '\r':
        fputs("\\r", f);
        return;
    case '\\':
        fputs("\\\\", f);
        return;
    default:
        fwrite(e, 1, sizeof e, f);
    }
}

/* Writes s[0..len) with tabs, newlines, carriage returns and backslashes escaped (\t \n \r
 * \\), other control characters (C0, DEL, and C1 as its two bytes) and every byte that is
 * not part of well-formed UTF-8 as \xNN: one field stays one field on one line, the bytes
 * can be recovered, and no escape sequence or invalid UTF-8 reaches a terminal. Printable
 * ASCII and well-formed UTF-8 are written in runs. */
static void put_bytes(FILE *f, const char *s, size_t len)
{
    size_t run = 0, i = 0; /* s[run..i) is written as it is */
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            i++;
            continue;
        }
        int n = c >= 0x80 ? nd_utf8_seq(s + i, len - i) : 1;
        if (n > 1 && (c != 0xc2 || (unsigned char)s[i + 1] >= 0xa0)) {
            i += (size_t)n;
            continue;
        }
        if (i > run) fwrite(s + run, 1, i - run, f);
        size_t bad = n < 0 ? (size_t)-n : (size_t)n;
        for (size_t k = 0; k < bad; k++)
            put_escape(f, (unsigned char)s[i + k]);
        i += bad;
        run = i;
    }
    if (len > run) fwrite(s + run, 1, len - run, f);
}

static void put_field(FILE *f, const char *s)
{
    put_bytes(f, s, strlen(s));
}

nd_status nd_report_write_field(FILE *f, const char *s, size_t len)
{
    put_bytes(f, s, len);
    return ferror(f) ? ND_EIO : ND_OK;
}

/* Writes x in decimal, then the byte `after` (what fprintf "%zu" would, for the report's
 * hundreds of thousands of shared rows). */
static void put_uint(FILE *f, size_t x, char after)
{
    char buf[24];
    size_t i = sizeof buf;
    buf[--i] = after;
    do
        buf[--i] = (char)('0' + x % 10);
    while ((x /= 10) != 0);
    fwrite(buf + i, 1, sizeof buf - i, f);
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

/* Articles with doubled blocks: of paragraphs, or runs of words inside one. */
static size_t count_blocks(const nd_scan_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nrepeats; i++)
        n += r->repeats[i].nblocks > 0 || r->repeats[i].nruns > 0;
    return n;
}

static size_t count_shorts(const nd_scan_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nrepeats; i++)
        n += r->repeats[i].nshort > 0;
    return n;
}

static size_t count_boilerplate(const nd_scan_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nshared; i++)
        n += r->shared[i].boilerplate != 0;
    return n;
}

static void put_lines(FILE *f, uint32_t a, uint32_t b)
{
    if (a == b)
        fprintf(f, "line %u", a);
    else
        fprintf(f, "lines %u-%u", a, b);
}

static double share(uint32_t part, uint32_t whole)
{
    return whole ? (double)part / (double)whole : 0.0;
}

/* "    line L: words A-B repeat as words C-D (N words)" and the run's text. */
static void write_text_runs(const nd_doc_repeats *rp, FILE *f)
{
    for (size_t k = 0; k < rp->nruns; k++) {
        const nd_run_repeat *ru = &rp->runs[k];
        fprintf(f, "    line %u: words %u-%u repeat as words %u-%u (%u words)\n      ", ru->line,
                ru->a_first, ru->a_last, ru->b_first, ru->b_last, ru->words);
        put_field(f, rp->run_text[k]);
        fputc('\n', f);
    }
}

static void write_text_paragraphs(const nd_scan_result *r, FILE *f)
{
    unsigned parts = r->opts.parts;
    if ((parts & ND_PART_BLOCKS) && count_blocks(r)) {
        fprintf(f, "doubled blocks:\n");
        for (size_t i = 0; i < r->nrepeats; i++) {
            const nd_doc_repeats *rp = &r->repeats[i];
            if (!rp->nblocks && !rp->nruns) continue;
            fputs("  ", f);
            put_doc(f, r, rp->doc);
            fprintf(f, ": %.1f%% of its words are repeats%s\n",
                    100.0 * share(rp->repeated_words, rp->words),
                    rp->doubled ? " (doubled body)" : "");
            for (size_t b = 0; b < rp->nblocks; b++) {
                const nd_block_repeat *bl = &rp->blocks[b];
                fputs("    ", f);
                put_lines(f, bl->a_first, bl->a_last);
                fputs(bl->a_first == bl->a_last ? " repeats as " : " repeat as ", f);
                put_lines(f, bl->b_first, bl->b_last);
                fprintf(f, " (%u paragraph%s, %s)\n", bl->nparas, bl->nparas == 1 ? "" : "s",
                        bl->identical ? "identical" : "near-identical");
                fputs("      ", f);
                put_field(f, rp->block_text[b]);
                fputc('\n', f);
            }
            write_text_runs(rp, f);
        }
        fputc('\n', f);
    }
    if ((parts & ND_PART_SHORT) && count_shorts(r)) {
        fprintf(f, "repeated short lines:\n");
        for (size_t i = 0; i < r->nrepeats; i++) {
            const nd_doc_repeats *rp = &r->repeats[i];
            if (!rp->nshort) continue;
            fputs("  ", f);
            put_doc(f, r, rp->doc);
            fputs(":", f);
            for (size_t k = 0; k < rp->nshort; k++) {
                fputs(k ? ", \"" : " \"", f);
                put_field(f, rp->shorts[k].text);
                fprintf(f, "\" x%u (line %u)", rp->shorts[k].count, rp->shorts[k].first_line);
            }
            fputc('\n', f);
        }
        fputc('\n', f);
    }
    if ((parts & ND_PART_SHARED) && r->nshared) {
        fprintf(f, "shared paragraphs:\n");
        for (size_t i = 0; i < r->nshared; i++) {
            const nd_shared_para *sp = &r->shared[i];
            fprintf(f, "  %s in %u articles (%s):", sp->boilerplate ? "boilerplate" : "passage",
                    sp->ndocs, sp->identical ? "identical" : "near-identical");
            for (size_t k = 0; k < sp->nplaces; k++) {
                fputs(k ? ", " : " ", f);
                const nd_doc_info *di = &r->docs[sp->places[k].doc];
                put_field(f, di->id);
                fprintf(f, ":%u", sp->places[k].line);
            }
            fputs("\n      ", f);
            put_field(f, sp->text);
            fputc('\n', f);
        }
        fputc('\n', f);
    }
}

/* The paragraph mode as the text report's last line says it. */
static void put_para_mode(const nd_scan_result *r, FILE *f)
{
    switch (r->opts.para.mode) {
    case ND_PARA_LINE:
        fputs("paragraphs by line", f);
        return;
    case ND_PARA_BLOCK:
        fputs("paragraphs by blank-line block", f);
        return;
    case ND_PARA_AUTO:
        fputs("paragraphs auto", f);
        if (r->opts.parts & (ND_PART_BLOCKS | ND_PART_SHORT | ND_PART_SHARED))
            fprintf(f, " (%zu hard-wrapped by block)", r->nwrapped);
        return;
    }
}

static void write_text(const nd_scan_result *r, FILE *f)
{
    for (size_t g = 0; g < r->ngroups && (r->opts.parts & ND_PART_GROUPS); g++) {
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
    write_text_paragraphs(r, f);
    nd_report_text_gopher(r, f);
    size_t dups = duplicates(r);
    fprintf(f, "%zu %s read, %zu skipped", r->ndocs, plural(r->ndocs, "document", "documents"),
            r->nskipped);
    if (r->opts.parts & ND_PART_GROUPS)
        fprintf(f, "; %zu %s of near-duplicates (%zu %s could go)", r->ngroups,
                plural(r->ngroups, "group", "groups"), dups, plural(dups, "document", "documents"));
    if (r->opts.parts & ND_PART_BLOCKS)
        fprintf(f, "; %zu with doubled blocks (%zu doubled %s)", count_blocks(r), r->ndoubled,
                plural(r->ndoubled, "body", "bodies"));
    if (r->opts.parts & ND_PART_SHORT)
        fprintf(f, "; %zu with repeated short lines", count_shorts(r));
    if (r->opts.parts & ND_PART_SHARED)
        fprintf(f, "; %zu shared %s (%zu boilerplate)", r->nshared,
                plural(r->nshared, "paragraph", "paragraphs"), count_boilerplate(r));
    nd_report_text_metrics_summary(r, f);
    fprintf(f,
            "\n(%u-word shingles, %u permutations, jaccard >= %.2f, %u bands x %u rows, %s "
            "verification; ",
            r->opts.ngram, r->opts.perms, r->opts.threshold, r->lsh.bands, r->lsh.rows,
            r->opts.verify_estimate ? "estimated" : "exact");
    put_para_mode(r, f);
    fprintf(f, ", short below %u words, paragraph jaccard >= %.2f)\n", r->opts.para.short_words,
            r->opts.para.threshold);
}

static void json_str(FILE *f, const char *s)
{
    nd_json_write_string(f, s, strlen(s));
}

/* A similarity with 4 decimals; null when not computed (negative) or not finite. */
static void json_num(FILE *f, double x)
{
    if (x < 0 || !isfinite(x))
        fputs("null", f);
    else
        fprintf(f, "%.4f", x);
}

/* sep, then `"key": n`, or `"key": null` when the part that counts it was not asked for. */
static void json_count(FILE *f, const char *sep, const char *key, size_t n, unsigned parts,
                       unsigned part)
{
    if (parts & part)
        fprintf(f, "%s\"%s\": %zu", sep, key, n);
    else
        fprintf(f, "%s\"%s\": null", sep, key);
}

_Static_assert(ND_PART_GROUPS == 1u && ND_PART_BLOCKS == 2u && ND_PART_SHORT == 4u &&
                   ND_PART_SHARED == 8u && ND_PART_METRICS == 16u,
               "json_options names the parts by bit");

static void json_options(const nd_scan_result *r, FILE *f)
{
    static const char *const part_names[] = {"groups", "blocks", "short", "shared", "metrics"};
    static const char *const formats[] = {"auto", "txt", "jsonl"};
    static const char *const para_modes[] = {"line", "block", "auto"};
    const nd_scan_opts *o = &r->opts;
    fprintf(f,
            "  \"options\": {\"ngram\": %u, \"perms\": %u, \"threshold\": %.4f, \"bands\": %u, "
            "\"rows\": %u, \"verify\": \"%s\",\n    \"parts\": [",
            o->ngram, o->perms, o->threshold, r->lsh.bands, r->lsh.rows,
            o->verify_estimate ? "estimate" : "exact");
    int first = 1;
    for (unsigned i = 0; i < 5; i++)
        if (o->parts & (1u << i)) {
            fprintf(f, "%s\"%s\"", first ? "" : ", ", part_names[i]);
            first = 0;
        }
    fprintf(f,
            "], \"paragraphs\": \"%s\", \"short_words\": %u,\n    \"paragraph_threshold\": %.4f, "
            "\"doubled_share\": %.4f, \"min_repeat_words\": %u, \"boilerplate_docs\": %zu, "
            "\"boilerplate_share\": ",
            para_modes[o->para.mode], o->para.short_words, o->para.threshold, o->para.doubled_share,
            o->para.min_repeat_words, o->boilerplate_docs);
    json_num(f, o->boilerplate_share > 0 ? o->boilerplate_share : -1.0);
    assert((unsigned)o->input.format < 3 && (unsigned)o->para.mode < 3);
    fprintf(f, ",\n    \"input_format\": \"%s\", \"text_field\": ", formats[o->input.format]);
    json_str(f, o->decode.text_field ? o->decode.text_field : "text");
    fputs(", \"id_fields\": [", f);
    if (o->decode.id_field)
        json_str(f, o->decode.id_field);
    else
        fputs("\"id\", \"url\"", f);
    fprintf(f, "], \"max_bytes\": %zu",
            o->input.max_doc_bytes ? o->input.max_doc_bytes : ND_MAX_DOC_BYTES);
    nd_report_json_gopher_options(r, f);
    fputs("},\n", f);
}

static void json_summary(const nd_scan_result *r, FILE *f)
{
    unsigned parts = r->opts.parts;
    fprintf(f, "  \"summary\": {\"documents\": %zu, \"skipped\": %zu, \"warnings\": %zu", r->ndocs,
            r->nskipped, r->nwarnings);
    json_count(f, ", ", "groups", r->ngroups, parts, ND_PART_GROUPS);
    json_count(f, ", ", "duplicates", duplicates(r), parts, ND_PART_GROUPS);
    json_count(f, ", ", "pairs", r->npairs, parts, ND_PART_GROUPS);
    json_count(f, ",\n    ", "doubled_block_articles", count_blocks(r), parts, ND_PART_BLOCKS);
    json_count(f, ", ", "doubled_bodies", r->ndoubled, parts, ND_PART_BLOCKS);
    json_count(f, ", ", "short_repeat_articles", count_shorts(r), parts, ND_PART_SHORT);
    json_count(f, ",\n    ", "shared_paragraphs", r->nshared, parts, ND_PART_SHARED);
    json_count(f, ", ", "boilerplate_paragraphs", count_boilerplate(r), parts, ND_PART_SHARED);
    json_count(f, ",\n    ", "hard_wrapped", r->nwrapped, parts,
               ND_PART_BLOCKS | ND_PART_SHORT | ND_PART_SHARED);
    json_count(f, ", ", "gopher_flagged", r->ngopher, r->opts.gopher.enabled ? 1u : 0u, 1u);
    fputs("},\n", f);
}

/* The "id", "source" and "line" of document d. */
static void json_doc(const nd_scan_result *r, FILE *f, uint32_t d)
{
    const nd_doc_info *di = &r->docs[d];
    fputs("\"id\": ", f);
    json_str(f, di->id);
    fputs(", \"source\": ", f);
    json_str(f, r->sources[di->source]);
    fprintf(f, ", \"line\": %llu", (unsigned long long)di->line);
}

/* "groups" and "pairs": null unless groups were asked for. */
static void json_groups(const nd_scan_result *r, FILE *f)
{
    if (!(r->opts.parts & ND_PART_GROUPS)) {
        fputs("  \"groups\": null,\n  \"pairs\": null,\n", f);
        return;
    }
    fputs("  \"groups\": [", f);
    for (size_t g = 0; g < r->ngroups; g++) {
        const nd_group *gr = &r->groups[g];
        fputs(g ? ",\n    {" : "\n    {", f);
        fputs("\"representative\": ", f);
        json_str(f, r->docs[gr->members[0].doc].id);
        fprintf(f, ", \"size\": %zu, \"members\": [", gr->nmembers);
        for (size_t m = 0; m < gr->nmembers; m++) {
            const nd_member *mb = &gr->members[m];
            fputs(m ? ",\n      {" : "\n      {", f);
            json_doc(r, f, mb->doc);
            fprintf(f, ", \"words\": %u, \"jaccard\": ", r->docs[mb->doc].ntokens);
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
}

/* The "runs" of an article of "repeats" (null unless blocks were asked for). */
static void json_runs(FILE *f, const nd_doc_repeats *rp, unsigned parts)
{
    if (!(parts & ND_PART_BLOCKS)) {
        fputs(", \"runs\": null", f);
        return;
    }
    fputs(",\n      \"runs\": [", f);
    for (size_t k = 0; k < rp->nruns; k++) {
        const nd_run_repeat *ru = &rp->runs[k];
        fprintf(f,
                "%s{\"line\": %u, \"word_range\": [%u, %u], \"repeated_as\": [%u, %u], "
                "\"words\": %u, \"text\": ",
                k ? ",\n        " : "\n        ", ru->line, ru->a_first, ru->a_last, ru->b_first,
                ru->b_last, ru->words);
        json_str(f, rp->run_text[k]);
        fputc('}', f);
    }
    fputs(rp->nruns ? "\n      ]" : "]", f);
}

/* One article of "repeats": its doubled blocks (null unless asked for, and so are the
 * counts they make) and its short lines (null unless asked for). */
static void json_repeat(const nd_scan_result *r, FILE *f, const nd_doc_repeats *rp)
{
    unsigned parts = r->opts.parts;
    json_doc(r, f, rp->doc);
    fprintf(f, ", \"words\": %u", rp->words);
    if (parts & ND_PART_BLOCKS)
        fprintf(f,
                ", \"repeated_words\": %u, \"repeated_share\": %.4f, \"doubled\": %s,\n"
                "      \"blocks\": [",
                rp->repeated_words, share(rp->repeated_words, rp->words),
                rp->doubled ? "true" : "false");
    else
        fputs(", \"repeated_words\": null, \"repeated_share\": null, \"doubled\": null,\n"
              "      \"blocks\": null",
              f);
    for (size_t b = 0; b < rp->nblocks && (parts & ND_PART_BLOCKS); b++) {
        const nd_block_repeat *bl = &rp->blocks[b];
        fprintf(f,
                "%s{\"lines\": [%u, %u], \"repeated_as\": [%u, %u], \"paragraphs\": %u, "
                "\"identical\": %s, \"words\": %u, \"text\": ",
                b ? ",\n        " : "\n        ", bl->a_first, bl->a_last, bl->b_first, bl->b_last,
                bl->nparas, bl->identical ? "true" : "false", bl->words);
        json_str(f, rp->block_text[b]);
        fputc('}', f);
    }
    if (parts & ND_PART_BLOCKS) fputs(rp->nblocks ? "\n      ]" : "]", f);
    json_runs(f, rp, parts);
    if (!(parts & ND_PART_SHORT)) {
        fputs(",\n      \"short_lines\": null}", f);
        return;
    }
    fputs(",\n      \"short_lines\": [", f);
    for (size_t k = 0; k < rp->nshort; k++) {
        fprintf(f, "%s{\"line\": %u, \"count\": %u, \"text\": ", k ? ",\n        " : "\n        ",
                rp->shorts[k].first_line, rp->shorts[k].count);
        json_str(f, rp->shorts[k].text);
        fputc('}', f);
    }
    fputs(rp->nshort ? "\n      ]}" : "]}", f);
}

/* "repeats" (null unless blocks or short lines were asked for) and "shared" (null unless
 * shared paragraphs were). */
static void write_json_paragraphs(const nd_scan_result *r, FILE *f)
{
    unsigned parts = r->opts.parts;
    if (parts & (ND_PART_BLOCKS | ND_PART_SHORT)) {
        fputs("  \"repeats\": [", f);
        int first = 1;
        for (size_t i = 0; i < r->nrepeats; i++) {
            fputs(first ? "\n    {" : ",\n    {", f);
            first = 0;
            json_repeat(r, f, &r->repeats[i]);
        }
        fputs(first ? "],\n" : "\n  ],\n", f);
    } else {
        fputs("  \"repeats\": null,\n", f);
    }
    if (!(parts & ND_PART_SHARED)) {
        fputs("  \"shared\": null,\n", f);
        return;
    }
    fputs("  \"shared\": [", f);
    for (size_t i = 0; i < r->nshared; i++) {
        const nd_shared_para *sp = &r->shared[i];
        fprintf(f, "%s{\"kind\": \"%s\", \"documents\": %u, \"identical\": %s, \"text\": ",
                i ? ",\n    " : "\n    ", sp->boilerplate ? "boilerplate" : "passage", sp->ndocs,
                sp->identical ? "true" : "false");
        json_str(f, sp->text);
        fputs(", \"places\": [", f);
        for (size_t k = 0; k < sp->nplaces; k++) {
            fputs(k ? ", {\"id\": " : "{\"id\": ", f);
            json_str(f, r->docs[sp->places[k].doc].id);
            fprintf(f, ", \"line\": %u}", sp->places[k].line);
        }
        fputs("]}", f);
    }
    fputs(r->nshared ? "\n  ],\n" : "],\n", f);
}

/* "skipped" (with each error's name) or "warnings" (without). */
static void json_diags(FILE *f, const char *key, const nd_skip *v, size_t n, int errors)
{
    fprintf(f, "  \"%s\": [", key);
    for (size_t i = 0; i < n; i++) {
        const nd_skip *sk = &v[i];
        fputs(i ? ",\n    {" : "\n    {", f);
        fputs("\"source\": ", f);
        json_str(f, sk->path);
        if (sk->line != ND_NO_LINE)
            fprintf(f, ", \"line\": %llu", (unsigned long long)sk->line);
        else
            fputs(", \"line\": null", f);
        if (errors) {
            fputs(", \"error\": ", f);
            json_str(f, nd_status_str(sk->code));
        }
        fputs(", \"message\": ", f);
        json_str(f, sk->message);
        fputc('}', f);
    }
    fputs(n ? "\n  ]" : "]", f);
}

static void write_json(const nd_scan_result *r, FILE *f)
{
    fputs("{\n  \"tool\": \"neardup\",\n  \"version\": ", f);
    json_str(f, nd_version());
    fprintf(f, ",\n  \"schema\": %d,\n", ND_JSON_SCHEMA);
    json_options(r, f);
    json_summary(r, f);
    json_groups(r, f);
    write_json_paragraphs(r, f);
    nd_report_json_metrics(r, f);
    json_diags(f, "skipped", r->skipped, r->nskipped, 1);
    fputs(",\n", f);
    json_diags(f, "warnings", r->warnings, r->nwarnings, 0);
    fputs("\n}\n", f);
}

static void write_tsv(const nd_scan_result *r, FILE *f)
{
    unsigned parts = r->opts.parts;
    for (size_t i = 0; i < r->npairs && (parts & ND_PART_GROUPS); i++) {
        const nd_pair_sim *p = &r->pairs[i];
        fputs("pair\t", f);
        put_field(f, r->docs[p->a].id);
        fputc('\t', f);
        put_field(f, r->docs[p->b].id);
        fprintf(f, "\t%.4f", p->jaccard);
        if (p->contain_a < 0)
            fputs("\t-\t-\n", f);
        else
            fprintf(f, "\t%.4f\t%.4f\n", p->contain_a, p->contain_b);
    }
    for (size_t i = 0; i < r->nrepeats; i++) {
        const nd_doc_repeats *rp = &r->repeats[i];
        for (size_t b = 0; b < rp->nblocks && (parts & ND_PART_BLOCKS); b++) {
            const nd_block_repeat *bl = &rp->blocks[b];
            fputs("block\t", f);
            put_field(f, r->docs[rp->doc].id);
            fprintf(f, "\t%u-%u\t%u-%u\t%u\t%s\t%u\t%.4f\n", bl->a_first, bl->a_last, bl->b_first,
                    bl->b_last, bl->nparas, bl->identical ? "identical" : "near", bl->words,
                    share(rp->repeated_words, rp->words));
        }
        for (size_t k = 0; k < rp->nruns && (parts & ND_PART_BLOCKS); k++) {
            const nd_run_repeat *ru = &rp->runs[k];
            fputs("run\t", f);
            put_field(f, r->docs[rp->doc].id);
            fprintf(f, "\t%u\t%u-%u\t%u-%u\t%u\t%.4f\n", ru->line, ru->a_first, ru->a_last,
                    ru->b_first, ru->b_last, ru->words, share(rp->repeated_words, rp->words));
        }
        for (size_t k = 0; k < rp->nshort && (parts & ND_PART_SHORT); k++) {
            fputs("short\t", f);
            put_field(f, r->docs[rp->doc].id);
            fprintf(f, "\t%u\t%u\t", rp->shorts[k].first_line, rp->shorts[k].count);
            put_field(f, rp->shorts[k].text);
            fputc('\n', f);
        }
    }
    for (size_t i = 0; i < r->nshared && (parts & ND_PART_SHARED); i++) {
        const nd_shared_para *sp = &r->shared[i];
        for (size_t k = 0; k < sp->nplaces; k++) {
            fputs("shared\t", f);
            put_uint(f, i + 1, '\t');
            fputs(sp->boilerplate ? "boilerplate\t" : "passage\t", f);
            put_uint(f, sp->ndocs, '\t');
            put_field(f, r->docs[sp->places[k].doc].id);
            fputc('\t', f);
            put_uint(f, sp->places[k].line, '\n');
        }
    }
    nd_report_tsv_metrics(r, f);
}

nd_status nd_report_write(const nd_scan_result *res, nd_report_format fmt, FILE *f)
{
    errno = 0; /* a failed write sets it; stdio's successful calls leave it alone */
    switch (fmt) {
    case ND_REPORT_TEXT:
        write_text(res, f);
        break;
    case ND_REPORT_JSON:
        write_json(res, f);
        break;
    case ND_REPORT_TSV:
        write_tsv(res, f);
        break;
    }
    int err = errno;
    if (fflush(f) != 0) err = errno; /* the write just tried again: its reason is current */
    if (!ferror(f)) return ND_OK;
    errno = err ? err : EIO;
    return ND_EIO;
}
