/*
 * report.c - the report entry points (see report.h), the JSON and TSV reports, and what
 * the writers share (report_priv.h); the text report is in report_text.c, HTML in
 * report_html.c.
 *
 * Everything printed comes from the result in its stored (sorted) order; numbers use fixed
 * precision, so the same result always gives the same bytes. Strings from the input (ids,
 * paths, texts, messages, field names) go through one writer per format: put_bytes for text
 * and TSV (control characters and bytes that are not UTF-8 as \xNN), nd_json_write_string
 * for JSON (always valid UTF-8), the HTML escaper in report_html.c. A part of the scan not
 * asked for (opts.parts) is left out of the text, TSV and HTML reports and is null in JSON. The result of a check against an
 * archive index (res->archive set, index.h) names each document new or archived: in the
 * text report's groups and places (report_text.c), as JSON keys ("archive", "archived",
 * "a_archived", "b_archived") and as a last TSV field of pair and shared records; a scan's
 * report is unchanged.
 */
#include "neardup/clean.h"
#include "neardup/neardup.h"
#include "neardup/report.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include <stdint.h>
#include <strings.h>

#include "json_out.h"
#include "report_metrics.h"
#include "report_priv.h"

nd_status nd_report_format_parse(const char *name, nd_report_format *out)
{
    if (strcmp(name, "text") == 0)
        *out = ND_REPORT_TEXT;
    else if (strcmp(name, "json") == 0)
        *out = ND_REPORT_JSON;
    else if (strcmp(name, "tsv") == 0)
        *out = ND_REPORT_TSV;
    else if (strcmp(name, "html") == 0)
        *out = ND_REPORT_HTML;
    else
        return ND_EINVAL;
    return ND_OK;
}

nd_status nd_report_format_for_path(const char *path, nd_report_format *out)
{
    static const struct {
        const char *ext;
        nd_report_format fmt;
    } exts[] = {{".txt", ND_REPORT_TEXT},
                {".json", ND_REPORT_JSON},
                {".tsv", ND_REPORT_TSV},
                {".html", ND_REPORT_HTML},
                {".htm", ND_REPORT_HTML}};
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t m = strlen(exts[i].ext);
        if (n > m && path[n - m - 1] != '/' && strcasecmp(path + n - m, exts[i].ext) == 0) {
            *out = exts[i].fmt;
            return ND_OK;
        }
    }
    return ND_EINVAL;
}

void nd_report_opts_init(nd_report_opts *o)
{
    memset(o, 0, sizeof *o);
    o->limit = ND_REPORT_LIMIT_DEFAULT;
}

size_t nd_rep_limit(const nd_report_opts *opts, nd_report_format fmt)
{
    size_t lim = opts ? opts->limit : ND_REPORT_LIMIT_DEFAULT;
    if (lim == ND_REPORT_LIMIT_DEFAULT)
        lim = fmt == ND_REPORT_HTML ? ND_REPORT_HTML_LIMIT : ND_REPORT_TEXT_LIMIT;
    return lim == 0 ? SIZE_MAX : lim;
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
void nd_rep_put_bytes(FILE *f, const char *s, size_t len)
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

void nd_rep_put_field(FILE *f, const char *s)
{
    nd_rep_put_bytes(f, s, strlen(s));
}

static void put_field(FILE *f, const char *s)
{
    nd_rep_put_bytes(f, s, strlen(s));
}

nd_status nd_report_write_field(FILE *f, const char *s, size_t len)
{
    nd_rep_put_bytes(f, s, len);
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

int nd_rep_cleaned(const nd_scan_result *r)
{
    return r->clean.cleaned;
}

int nd_rep_contained(const nd_scan_result *r, const nd_member *mb)
{
    double c = r->opts.containment;
    return c > 0.0 && mb->containment >= 0 && mb->jaccard < r->opts.threshold &&
           mb->containment >= c;
}

char nd_rep_pair_contained(const nd_scan_result *r, const nd_pair_sim *p)
{
    double c = r->opts.containment;
    if (c <= 0.0 || p->contain_a < 0) return 0;
    int a = p->contain_a >= c, b = p->contain_b >= c;
    if (a && b) return p->contain_a <= p->contain_b ? 'b' : 'a'; /* the bigger share: the smaller set */
    return a ? 'a' : b ? 'b' : 0;
}

int nd_rep_removed(const nd_scan_result *r, const nd_member *mb)
{
    return nd_rep_cleaned(r) && (r->clean.remove & ND_REMOVE_GROUPS) && !mb->kept;
}

/* The members the keep rule does not keep: what could go (what a clean removes). */
size_t nd_rep_duplicates(const nd_scan_result *r)
{
    size_t n = 0;
    for (size_t g = 0; g < r->ngroups; g++)
        n += r->groups[g].nmembers - r->groups[g].nkept;
    return n;
}

uint64_t nd_rep_duplicate_bytes(const nd_scan_result *r)
{
    uint64_t n = 0;
    for (size_t g = 0; g < r->ngroups; g++)
        for (size_t m = 0; m < r->groups[g].nmembers; m++)
            if (!r->groups[g].members[m].kept) n += r->docs[r->groups[g].members[m].doc].length;
    return n;
}

uint64_t nd_rep_bytes_read(const nd_scan_result *r)
{
    uint64_t n = 0;
    for (size_t d = 0; d < r->ndocs; d++)
        n += r->docs[d].length;
    return n;
}

const char *nd_rep_plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Documents read from the input (a check's archived documents come after them). */
static size_t docs_read(const nd_scan_result *r)
{
    return r->ndocs - r->narchived;
}

/* "new" or "archived": how a check names document d. */
static const char *age(const nd_scan_result *r, uint32_t d)
{
    return r->docs[d].archived ? "archived" : "new";
}

size_t nd_rep_count_blocks(const nd_scan_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nrepeats; i++)
        n += r->repeats[i].nblocks > 0 || r->repeats[i].nruns > 0;
    return n;
}

size_t nd_rep_count_shorts(const nd_scan_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nrepeats; i++)
        n += r->repeats[i].nshort > 0;
    return n;
}

size_t nd_rep_count_boilerplate(const nd_scan_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nshared; i++)
        n += r->shared[i].boilerplate != 0;
    return n;
}

uint64_t nd_rep_repeated_words(const nd_scan_result *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < r->nrepeats; i++)
        if (r->repeats[i].nblocks) n += r->repeats[i].repeated_words;
    return n;
}

double nd_rep_share(uint32_t part, uint32_t whole)
{
    return whole ? (double)part / (double)whole : 0.0;
}

const char *nd_rep_size(uint64_t bytes, char *buf, size_t cap)
{
    static const char *const units[] = {"kB", "MB", "GB", "TB"};
    if (bytes < 1000) {
        snprintf(buf, cap, "%llu %s", (unsigned long long)bytes, bytes == 1 ? "byte" : "bytes");
        return buf;
    }
    double v = (double)bytes / 1000.0;
    size_t u = 0;
    while (v >= 999.95 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1000.0;
        u++;
    }
    snprintf(buf, cap, "%.1f %s", v, units[u]);
    return buf;
}

/* Inserts index i into out[0..*k) (at most n), kept largest key first; ties keep the
 * earlier index first because indices arrive in increasing order. */
static void top_insert(size_t *out, size_t *k, size_t n, size_t i, uint64_t *keys, uint64_t key)
{
    size_t j = *k < n ? (*k)++ : n;
    if (j == n && (n == 0 || keys[n - 1] >= key)) return;
    if (j == n) j = n - 1;
    while (j > 0 && keys[j - 1] < key) {
        out[j] = out[j - 1];
        keys[j] = keys[j - 1];
        j--;
    }
    out[j] = i;
    keys[j] = key;
}

#define TOP_MAX 16u

size_t nd_rep_biggest_groups(const nd_scan_result *r, size_t *out, size_t n)
{
    uint64_t keys[TOP_MAX];
    size_t k = 0;
    if (n > TOP_MAX) n = TOP_MAX;
    for (size_t g = 0; g < r->ngroups; g++)
        top_insert(out, &k, n, g, keys, r->groups[g].nmembers);
    return k;
}

size_t nd_rep_widest_shared(const nd_scan_result *r, size_t *out, size_t n)
{
    uint64_t keys[TOP_MAX];
    size_t k = 0;
    if (n > TOP_MAX) n = TOP_MAX;
    for (size_t i = 0; i < r->nshared; i++)
        top_insert(out, &k, n, i, keys, r->shared[i].ndocs);
    return k;
}

/* A block that is one paragraph on one line, repeated as one line. */
static int single_line(const nd_block_repeat *b)
{
    return b->nparas == 1 && b->a_first == b->a_last && b->b_first == b->b_last;
}

void nd_rep_fold(const nd_doc_repeats *rp, size_t b, nd_fold *out)
{
    size_t e = b + 1;
    if (single_line(&rp->blocks[b]))
        while (e < rp->nblocks && single_line(&rp->blocks[e]) &&
               rp->blocks[e].a_first > rp->blocks[e - 1].b_first)
            e++;
    if (e - b < ND_FOLD_MIN) e = b + 1;
    memset(out, 0, sizeof *out);
    out->first = b;
    out->n = e - b;
    out->line_first = rp->blocks[b].a_first;
    out->line_last = rp->blocks[e - 1].b_last;
    out->headlines = out->identical = 1;
    for (size_t i = b; i < e; i++) {
        if (rp->blocks[i].words > 16) out->headlines = 0;
        if (!rp->blocks[i].identical) out->identical = 0;
    }
    out->short_line = SIZE_MAX;
    if (out->n < ND_FOLD_MIN) return;
    for (size_t k = 0; k < rp->nshort; k++)
        if (rp->shorts[k].first_line > out->line_first &&
            rp->shorts[k].first_line < out->line_last && rp->shorts[k].count >= out->n - 1) {
            out->short_line = k;
            break;
        }
}

int nd_rep_short_folded(const nd_doc_repeats *rp, size_t k)
{
    nd_fold fd;
    for (size_t b = 0; b < rp->nblocks; b += fd.n) {
        nd_rep_fold(rp, b, &fd);
        if (fd.short_line == k) return 1;
    }
    return 0;
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
    static const char *const para_modes[] = {"line", "block", "auto"};
    const nd_scan_opts *o = &r->opts;
    fprintf(f,
            "  \"options\": {\"ngram\": %u, \"perms\": %u, \"threshold\": %.4f, \"bands\": %u, "
            "\"rows\": %u, \"verify\": \"%s\", \"containment\": ",
            o->ngram, o->perms, o->threshold, r->lsh.bands, r->lsh.rows,
            o->verify_estimate ? "estimate" : "exact");
    json_num(f, o->containment > 0 ? o->containment : -1.0);
    fputs(",\n    \"parts\": [", f);
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
    assert((unsigned)o->para.mode < 3);
    fprintf(f, ",\n    \"input_format\": \"%s\", \"text_field\": ",
            nd_input_format_name(o->input.format));
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
    fprintf(f, "  \"summary\": {\"documents\": %zu, \"skipped\": %zu, \"warnings\": %zu",
            docs_read(r), r->nskipped, r->nwarnings);
    json_count(f, ", ", "groups", r->ngroups, parts, ND_PART_GROUPS);
    json_count(f, ", ", "duplicates", nd_rep_duplicates(r), parts, ND_PART_GROUPS);
    json_count(f, ", ", "pairs", r->npairs, parts, ND_PART_GROUPS);
    json_count(f, ",\n    ", "doubled_block_articles", nd_rep_count_blocks(r), parts,
               ND_PART_BLOCKS);
    json_count(f, ", ", "doubled_bodies", r->ndoubled, parts, ND_PART_BLOCKS);
    json_count(f, ", ", "short_repeat_articles", nd_rep_count_shorts(r), parts, ND_PART_SHORT);
    json_count(f, ",\n    ", "shared_paragraphs", r->nshared, parts, ND_PART_SHARED);
    json_count(f, ", ", "boilerplate_paragraphs", nd_rep_count_boilerplate(r), parts,
               ND_PART_SHARED);
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
    if (r->archive) fprintf(f, ", \"archived\": %s", di->archived ? "true" : "false");
}

/* A clean's members: "kept", and for a removed one the kept member it duplicates. */
static void json_fate(const nd_scan_result *r, FILE *f, const nd_member *mb)
{
    if (!nd_rep_removed(r, mb)) {
        fputs(", \"kept\": true", f);
        return;
    }
    fputs(", \"kept\": false, \"duplicate_of\": ", f);
    json_str(f, r->docs[mb->dup_of].id);
    fputs(", \"duplicate_jaccard\": ", f);
    json_num(f, mb->dup_jaccard);
    fputs(", \"duplicate_containment\": ", f);
    json_num(f, mb->dup_containment);
}

/* What a clean did ("clean", only in a clean's report). */
static void json_clean(const nd_scan_result *r, FILE *f)
{
    static const char *const names[] = {"groups", "blocks", "short", "boilerplate"};
    const nd_clean_summary *c = &r->clean;
    fputs("  \"clean\": {\"remove\": [", f);
    for (unsigned i = 0, first = 1; i < 4; i++)
        if (c->remove & (1u << i)) {
            fprintf(f, "%s\"%s\"", first ? "" : ", ", names[i]);
            first = 0;
        }
    static const char *const keep[] = {"longest", "first", "last", "min", "max"};
    const nd_scan_opts *o = &r->opts;
    fputs("], \"keep\": ", f);
    if (o->keep == ND_KEEP_FIELD_MIN || o->keep == ND_KEEP_FIELD_MAX) {
        fputs("{\"field\": ", f);
        json_str(f, o->decode.keep_field ? o->decode.keep_field : "");
        fprintf(f, ", \"order\": \"%s\"}", keep[o->keep]);
    } else {
        fprintf(f, "\"%s\"", keep[(unsigned)o->keep < 3 ? o->keep : 0]);
    }
    fprintf(f,
            ", \"documents_removed\": %zu, \"ranges_removed\": %zu,\n    "
            "\"bytes_removed\": %llu, \"invalid_moved\": %zu, \"invalid_kept\": %zu, "
            "\"files_written\": %zu, \"files_removed\": %zu},\n",
            c->docs_removed, c->ranges_removed, (unsigned long long)c->bytes_removed,
            c->invalid_dropped, c->invalid_copied, c->files_written, c->files_removed);
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
            fputs(nd_rep_contained(r, mb) ? ", \"contained\": true" : ", \"contained\": false",
                  f);
            if (nd_rep_cleaned(r)) json_fate(r, f, mb);
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
        char side = nd_rep_pair_contained(r, p);
        if (side)
            fprintf(f, ", \"contained\": \"%c\"", side);
        else
            fputs(", \"contained\": null", f);
        if (r->archive)
            fprintf(f, ", \"a_archived\": %s, \"b_archived\": %s",
                    r->docs[p->a].archived ? "true" : "false",
                    r->docs[p->b].archived ? "true" : "false");
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
                rp->repeated_words, nd_rep_share(rp->repeated_words, rp->words),
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
            fprintf(f, ", \"line\": %u", sp->places[k].line);
            if (r->archive)
                fputs(r->docs[sp->places[k].doc].archived ? ", \"archived\": true" : ", \"archived\": false", f);
            fputc('}', f);
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
    if (r->archive) {
        fputs("  \"archive\": {\"path\": ", f);
        json_str(f, r->archive);
        fprintf(f, ", \"documents\": %zu, \"in_report\": %zu},\n", r->archive_docs, r->narchived);
    }
    json_summary(r, f);
    if (nd_rep_cleaned(r)) json_clean(r, f);
    json_groups(r, f);
    write_json_paragraphs(r, f);
    nd_report_json_metrics(r, f);
    json_diags(f, "skipped", r->skipped, r->nskipped, 1);
    fputs(",\n", f);
    json_diags(f, "warnings", r->warnings, r->nwarnings, 0);
    fputs("\n}\n", f);
}

/* The group and member records: `group N SIZE REPRESENTATIVE`, then one `member N keep|drop
 * ID JACCARD CONTAINMENT WORDS` per member (what the keep rule keeps, and what could go:
 * what `neardup clean` removes), so that `awk -F'\t' '$1 == "member" && $3 == "drop"' | cut -f4` lists the ids to
 * drop. */
static void write_tsv_groups(const nd_scan_result *r, FILE *f)
{
    for (size_t g = 0; g < r->ngroups; g++) {
        const nd_group *gr = &r->groups[g];
        fputs("group\t", f);
        put_uint(f, g + 1, '\t');
        put_uint(f, gr->nmembers, '\t');
        put_field(f, r->docs[gr->members[0].doc].id);
        fputc('\n', f);
        for (size_t m = 0; m < gr->nmembers; m++) {
            const nd_member *mb = &gr->members[m];
            fputs("member\t", f);
            put_uint(f, g + 1, '\t');
            fputs(mb->kept ? "keep\t" : "drop\t", f);
            put_field(f, r->docs[mb->doc].id);
            fprintf(f, "\t%.4f\t", mb->jaccard);
            if (mb->containment < 0)
                fputs("-\t", f);
            else
                fprintf(f, "%.4f\t", mb->containment);
            put_uint(f, r->docs[mb->doc].ntokens, '\n');
        }
    }
}

static void write_tsv(const nd_scan_result *r, FILE *f)
{
    unsigned parts = r->opts.parts;
    if (parts & ND_PART_GROUPS) write_tsv_groups(r, f);
    for (size_t i = 0; i < r->npairs && (parts & ND_PART_GROUPS); i++) {
        const nd_pair_sim *p = &r->pairs[i];
        fputs("pair\t", f);
        put_field(f, r->docs[p->a].id);
        fputc('\t', f);
        put_field(f, r->docs[p->b].id);
        fprintf(f, "\t%.4f", p->jaccard);
        if (p->contain_a < 0)
            fputs("\t-\t-", f);
        else
            fprintf(f, "\t%.4f\t%.4f", p->contain_a, p->contain_b);
        if (r->archive) fprintf(f, "\t%s\t%s", age(r, p->a), age(r, p->b));
        fputc('\n', f);
    }
    for (size_t g = 0; g < r->ngroups && nd_rep_cleaned(r) && (parts & ND_PART_GROUPS); g++)
        for (size_t m = 0; m < r->groups[g].nmembers; m++) {
            const nd_member *mb = &r->groups[g].members[m];
            if (!nd_rep_removed(r, mb)) continue;
            fputs("removed\t", f);
            put_field(f, r->docs[mb->doc].id);
            fputc('\t', f);
            put_field(f, r->docs[mb->dup_of].id);
            fprintf(f, "\t%.4f\t%.4f\n", mb->dup_jaccard, mb->dup_containment);
        }
    for (size_t i = 0; i < r->nrepeats; i++) {
        const nd_doc_repeats *rp = &r->repeats[i];
        for (size_t b = 0; b < rp->nblocks && (parts & ND_PART_BLOCKS); b++) {
            const nd_block_repeat *bl = &rp->blocks[b];
            fputs("block\t", f);
            put_field(f, r->docs[rp->doc].id);
            fprintf(f, "\t%u-%u\t%u-%u\t%u\t%s\t%u\t%.4f\n", bl->a_first, bl->a_last, bl->b_first,
                    bl->b_last, bl->nparas, bl->identical ? "identical" : "near", bl->words,
                    nd_rep_share(rp->repeated_words, rp->words));
        }
        for (size_t k = 0; k < rp->nruns && (parts & ND_PART_BLOCKS); k++) {
            const nd_run_repeat *ru = &rp->runs[k];
            fputs("run\t", f);
            put_field(f, r->docs[rp->doc].id);
            fprintf(f, "\t%u\t%u-%u\t%u-%u\t%u\t%.4f\n", ru->line, ru->a_first, ru->a_last,
                    ru->b_first, ru->b_last, ru->words, nd_rep_share(rp->repeated_words, rp->words));
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
            if (!r->archive) {
                put_uint(f, sp->places[k].line, '\n');
                continue;
            }
            put_uint(f, sp->places[k].line, '\t');
            fputs(age(r, sp->places[k].doc), f);
            fputc('\n', f);
        }
    }
    nd_report_tsv_metrics(r, f);
}

nd_status nd_report_write(const nd_scan_result *res, nd_report_format fmt, FILE *f)
{
    return nd_report_write_opts(res, fmt, NULL, f);
}

nd_status nd_report_write_opts(const nd_scan_result *res, nd_report_format fmt,
                               const nd_report_opts *opts, FILE *f)
{
    nd_status st = ND_OK;
    errno = 0; /* a failed write sets it; stdio's successful calls leave it alone */
    switch (fmt) {
    case ND_REPORT_TEXT:
        nd_rep_write_text(res, nd_rep_limit(opts, fmt), f);
        break;
    case ND_REPORT_HTML:
        st = nd_rep_write_html(res, nd_rep_limit(opts, fmt), f);
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
    if (st != ND_OK && !ferror(f)) return st;
    if (!ferror(f)) return ND_OK;
    errno = err ? err : EIO;
    return ND_EIO;
}
