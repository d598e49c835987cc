/*
 * report_text.c - the text report: a summary a person reads first, then the details.
 *
 * Layout: the counts on one line; the summary (bytes read and the bytes that could go, the
 * biggest groups, the most widespread shared paragraphs); then one section per part asked
 * for (groups, doubled blocks, repeated short lines, shared paragraphs, the articles over
 * the Gopher limits), each showing at most `limit` entries, and each list inside an entry
 * (members of a group, blocks of an article, places of a paragraph) at most `limit` items,
 * with a line saying how many more there are ("... and 312 more groups (use --limit 0 or
 * -f json)"); last, the options that produced it. Findings that tell one story are folded into one line: a run of single-line
 * doubles is "15 headlines each printed twice (lines 43-115)", and a repeated short line
 * that is part of that run (a label printed with every headline) is named there instead of
 * in the short-line section. The JSON and TSV reports stay complete.
 *
 * Strings from the input go through nd_rep_put_field (control characters and bytes that
 * are not UTF-8 as \xNN).
 */
#include <stdint.h>
#include <string.h>

#include "neardup/clean.h"
#include "neardup/report.h"
#include "report_metrics.h"
#include "report_priv.h"

#define SUMMARY_TOP 3u /* biggest groups, widest shared paragraphs in the summary */

/* "id" for text files (the id is the path), "id (path:line)" for JSON Lines records. */
static void put_doc(FILE *f, const nd_scan_result *r, uint32_t d)
{
    const nd_doc_info *di = &r->docs[d];
    const char *src = r->sources[di->source];
    nd_rep_put_field(f, di->id);
    if (strcmp(di->id, src) != 0) {
        fputs(" (", f);
        nd_rep_put_field(f, src);
        fprintf(f, ":%llu)", (unsigned long long)di->line);
    }
}

static void put_lines(FILE *f, uint32_t a, uint32_t b)
{
    if (a == b)
        fprintf(f, "line %u", a);
    else
        fprintf(f, "lines %u-%u", a, b);
}

/* "INDENT... and N more WHAT (use --limit 0 or -f json)" when shown < total. */
static void put_more(FILE *f, const char *indent, size_t shown, size_t total, const char *one,
                     const char *many)
{
    if (shown >= total) return;
    size_t more = total - shown;
    fprintf(f, "%s... and %zu more %s (use --limit 0 or -f json)\n", indent, more,
            nd_rep_plural(more, one, many));
}

/* The counts line: what was read, and how much each part found. */
static void write_counts(const nd_scan_result *r, FILE *f)
{
    size_t dups = nd_rep_duplicates(r), nb = nd_rep_count_blocks(r);
    size_t nread = r->ndocs - r->narchived; /* a check's archived documents come last */
    fprintf(f, "%zu %s read, %zu skipped", nread, nd_rep_plural(nread, "document", "documents"),
            r->nskipped);
    if (r->archive)
        fprintf(f, "; checked against %zu archived %s (%zu in this report)", r->archive_docs,
                nd_rep_plural(r->archive_docs, "document", "documents"), r->narchived);
    if (r->opts.parts & ND_PART_GROUPS)
        fprintf(f, "; %zu %s of near-duplicates (%zu %s could go)", r->ngroups,
                nd_rep_plural(r->ngroups, "group", "groups"), dups,
                nd_rep_plural(dups, "document", "documents"));
    if (r->opts.parts & ND_PART_BLOCKS)
        fprintf(f, "; %zu with doubled blocks (%zu doubled %s)", nb, r->ndoubled,
                nd_rep_plural(r->ndoubled, "body", "bodies"));
    if (r->opts.parts & ND_PART_SHORT)
        fprintf(f, "; %zu with repeated short lines", nd_rep_count_shorts(r));
    if (r->opts.parts & ND_PART_SHARED)
        fprintf(f, "; %zu shared %s (%zu boilerplate)", r->nshared,
                nd_rep_plural(r->nshared, "paragraph", "paragraphs"), nd_rep_count_boilerplate(r));
    nd_report_text_metrics_summary(r, f);
    fputc('\n', f);
}

/* The summary under the counts: bytes, what could go, the biggest findings. */
static void write_summary(const nd_scan_result *r, FILE *f)
{
    char b1[32], b2[32];
    uint64_t read = nd_rep_bytes_read(r);
    fprintf(f, "  read: %s in %zu %s\n", nd_rep_size(read, b1, sizeof b1), (r->ndocs - r->narchived),
            nd_rep_plural((r->ndocs - r->narchived), "document", "documents"));
    if (r->opts.parts & ND_PART_GROUPS) {
        size_t dups = nd_rep_duplicates(r);
        uint64_t gone = nd_rep_duplicate_bytes(r);
        /* A clean that removed groups says what went; a scan, what could. */
        const char *went = nd_rep_cleaned(r) && (r->clean.remove & ND_REMOVE_GROUPS)
                               ? "removed"
                               : "could go";
        if (dups)
            fprintf(f,
                    "  %s: %zu %s, %s (%.1f%% of the bytes read): the group members "
                    "the keep rule does not keep\n",
                    went, dups, nd_rep_plural(dups, "document", "documents"),
                    nd_rep_size(gone, b2, sizeof b2),
                    read ? 100.0 * (double)gone / (double)read : 0.0);
        else
            fprintf(f, "  %s: no document (no near-duplicate group)\n", went);
        size_t top[SUMMARY_TOP];
        size_t k = nd_rep_biggest_groups(r, top, SUMMARY_TOP);
        if (k) fputs("  biggest groups:\n", f);
        for (size_t i = 0; i < k; i++) {
            const nd_group *gr = &r->groups[top[i]];
            fprintf(f, "    group %zu: %zu documents like ", top[i] + 1, gr->nmembers);
            put_doc(f, r, gr->members[0].doc);
            fputc('\n', f);
        }
    }
    if ((r->opts.parts & ND_PART_BLOCKS) && nd_rep_count_blocks(r)) {
        uint64_t w = nd_rep_repeated_words(r);
        size_t nb = nd_rep_count_blocks(r);
        fprintf(f, "  doubled blocks: %llu %s in later copies, in %zu %s\n", (unsigned long long)w,
                w == 1 ? "word" : "words", nb, nd_rep_plural(nb, "article", "articles"));
    }
    if ((r->opts.parts & ND_PART_SHARED) && r->nshared) {
        size_t top[SUMMARY_TOP];
        size_t k = nd_rep_widest_shared(r, top, SUMMARY_TOP);
        fprintf(f, "  most widespread shared paragraphs:\n");
        for (size_t i = 0; i < k; i++) {
            const nd_shared_para *sp = &r->shared[top[i]];
            fprintf(f, "    %s in %u articles: \"", sp->boilerplate ? "boilerplate" : "passage",
                    sp->ndocs);
            nd_rep_put_field(f, sp->text);
            fputs("\"\n", f);
        }
    }
    fputc('\n', f);
}

static void write_groups(const nd_scan_result *r, size_t limit, FILE *f)
{
    size_t shown = r->ngroups < limit ? r->ngroups : limit;
    for (size_t g = 0; g < shown; g++) {
        const nd_group *gr = &r->groups[g];
        fprintf(f, "group %zu: %zu documents", g + 1, gr->nmembers);
        if (r->archive) { /* a check: how many members are archived */
            size_t old = 0;
            for (size_t m = 0; m < gr->nmembers; m++)
                old += r->docs[gr->members[m].doc].archived != 0;
            fprintf(f, " (%zu new, %zu archived)", gr->nmembers - old, old);
        }
        fputc('\n', f);
        size_t nm = gr->nmembers < limit ? gr->nmembers : limit;
        for (size_t m = 0; m < nm; m++) {
            const nd_member *mb = &gr->members[m];
            fputs(m == 0 ? "  * " : "    ", f);
            put_doc(f, r, mb->doc);
            fputs("  [", f);
            if (r->archive) fputs(r->docs[mb->doc].archived ? "archived, " : "new, ", f);
            if (m == 0)
                fprintf(f, "representative, %u words", r->docs[mb->doc].ntokens);
            else if (mb->containment < 0)
                fprintf(f, "jaccard %.4f (estimated), %u words", mb->jaccard,
                        r->docs[mb->doc].ntokens);
            else
                fprintf(f, "jaccard %.4f, containment %.4f, %u words%s", mb->jaccard,
                        mb->containment, r->docs[mb->doc].ntokens,
                        nd_rep_contained(r, mb) ? ", contained in the representative" : "");
            fputs(!nd_rep_cleaned(r)          ? "]\n"
                  : nd_rep_removed(r, mb) ? ", removed]\n"
                                          : ", kept]\n",
                  f);
            fputs("      ", f);
            nd_rep_put_field(f, mb->snippet);
            fputc('\n', f);
        }
        put_more(f, "    ", nm, gr->nmembers, "member", "members");
        fputc('\n', f);
    }
    if (shown < r->ngroups) {
        put_more(f, "", shown, r->ngroups, "group", "groups");
        fputc('\n', f);
    }
}

/* What a clean did, in the report's last line. */
static void write_clean(const nd_scan_result *r, FILE *f)
{
    const nd_clean_summary *c = &r->clean;
    fprintf(f, "cleaned: %zu %s and %zu line %s removed (%llu bytes)", c->docs_removed,
            nd_rep_plural(c->docs_removed, "document", "documents"), c->ranges_removed,
            nd_rep_plural(c->ranges_removed, "range", "ranges"),
            (unsigned long long)c->bytes_removed);
    if (c->invalid_dropped)
        fprintf(f, ", %zu skipped %s moved", c->invalid_dropped,
                nd_rep_plural(c->invalid_dropped, "input", "inputs"));
    if (c->invalid_copied)
        fprintf(f, ", %zu skipped %s kept as %s", c->invalid_copied,
                nd_rep_plural(c->invalid_copied, "input", "inputs"),
                nd_rep_plural(c->invalid_copied, "it was", "they were"));
    fprintf(f, "; %zu %s written to kept/\n", c->files_written,
            nd_rep_plural(c->files_written, "file", "files"));
}

/* One finding of an article's doubled blocks: a block, or a fold of single-line doubles. */
static void write_fold(const nd_doc_repeats *rp, const nd_fold *fd, FILE *f)
{
    const nd_block_repeat *bl = &rp->blocks[fd->first];
    if (fd->n == 1) {
        fputs("    ", f);
        put_lines(f, bl->a_first, bl->a_last);
        fputs(bl->a_first == bl->a_last ? " repeats as " : " repeat as ", f);
        put_lines(f, bl->b_first, bl->b_last);
        fprintf(f, " (%u paragraph%s, %s)\n", bl->nparas, bl->nparas == 1 ? "" : "s",
                bl->identical ? "identical" : "near-identical");
    } else {
        fprintf(f, "    %zu %s each printed twice (lines %u-%u%s)", fd->n,
                fd->headlines ? "headlines" : "lines", fd->line_first, fd->line_last,
                fd->identical ? "" : ", some near-identical");
        if (fd->short_line != SIZE_MAX) {
            const nd_short_line *sl = &rp->shorts[fd->short_line];
            fputs(", with \"", f);
            nd_rep_put_field(f, sl->text);
            fprintf(f, "\" x%u among them", sl->count);
        }
        fputc('\n', f);
    }
    fputs("      ", f);
    nd_rep_put_field(f, rp->block_text[fd->first]);
    fputc('\n', f);
}

/* "    line L: words A-B repeat as words C-D (N words)" and the run's text, for at most
 * limit runs; *shown counts those written. */
static void write_runs(const nd_doc_repeats *rp, size_t limit, size_t *shown, FILE *f)
{
    for (size_t k = 0; k < rp->nruns && *shown < limit; k++, (*shown)++) {
        const nd_run_repeat *ru = &rp->runs[k];
        fprintf(f, "    line %u: words %u-%u repeat as words %u-%u (%u words)\n      ", ru->line,
                ru->a_first, ru->a_last, ru->b_first, ru->b_last, ru->words);
        nd_rep_put_field(f, rp->run_text[k]);
        fputc('\n', f);
    }
}

static void write_blocks(const nd_scan_result *r, size_t limit, FILE *f)
{
    size_t total = nd_rep_count_blocks(r), shown = 0;
    if (!total) return;
    fprintf(f, "doubled blocks:\n");
    for (size_t i = 0; i < r->nrepeats && shown < limit; i++) {
        const nd_doc_repeats *rp = &r->repeats[i];
        if (!rp->nblocks && !rp->nruns) continue;
        shown++;
        fputs("  ", f);
        put_doc(f, r, rp->doc);
        fprintf(f, ": %.1f%% of its words are repeats%s\n",
                100.0 * nd_rep_share(rp->repeated_words, rp->words),
                rp->doubled ? " (doubled body)" : "");
        size_t nf = 0, nfolds = 0;
        nd_fold fd;
        for (size_t b = 0; b < rp->nblocks; b += fd.n, nfolds++)
            nd_rep_fold(rp, b, &fd);
        for (size_t b = 0; b < rp->nblocks && nf < limit; b += fd.n, nf++) {
            nd_rep_fold(rp, b, &fd);
            write_fold(rp, &fd, f);
        }
        write_runs(rp, limit, &nf, f);
        put_more(f, "    ", nf, nfolds + rp->nruns, "repeat", "repeats");
    }
    put_more(f, "  ", shown, total, "article", "articles");
    fputc('\n', f);
}

static void write_shorts(const nd_scan_result *r, size_t limit, FILE *f)
{
    size_t total = 0, shown = 0;
    for (size_t i = 0; i < r->nrepeats; i++) {
        const nd_doc_repeats *rp = &r->repeats[i];
        for (size_t k = 0; k < rp->nshort; k++)
            if (!(r->opts.parts & ND_PART_BLOCKS) || !nd_rep_short_folded(rp, k)) {
                total++;
                break;
            }
    }
    if (!total) return;
    fprintf(f, "repeated short lines:\n");
    for (size_t i = 0; i < r->nrepeats && shown < limit; i++) {
        const nd_doc_repeats *rp = &r->repeats[i];
        size_t n = 0, listed = 0;
        for (size_t k = 0; k < rp->nshort; k++) {
            if ((r->opts.parts & ND_PART_BLOCKS) && nd_rep_short_folded(rp, k)) continue;
            n++;
            if (listed >= limit) continue;
            if (!listed) {
                fputs("  ", f);
                put_doc(f, r, rp->doc);
                fputs(":", f);
            }
            fputs(listed ? ", \"" : " \"", f);
            nd_rep_put_field(f, rp->shorts[k].text);
            fprintf(f, "\" x%u (line %u)", rp->shorts[k].count, rp->shorts[k].first_line);
            listed++;
        }
        if (!n) continue;
        if (n > listed) fprintf(f, " and %zu more", n - listed);
        fputc('\n', f);
        shown++;
    }
    put_more(f, "  ", shown, total, "article", "articles");
    fputc('\n', f);
}

static void write_shared(const nd_scan_result *r, size_t limit, FILE *f)
{
    if (!r->nshared) return;
    fprintf(f, "shared paragraphs:\n");
    size_t shown = r->nshared < limit ? r->nshared : limit;
    for (size_t i = 0; i < shown; i++) {
        const nd_shared_para *sp = &r->shared[i];
        fprintf(f, "  %s in %u articles (%s):", sp->boilerplate ? "boilerplate" : "passage",
                sp->ndocs, sp->identical ? "identical" : "near-identical");
        size_t np = sp->nplaces < limit ? sp->nplaces : limit;
        for (size_t k = 0; k < np; k++) {
            fputs(k ? ", " : " ", f);
            const nd_doc_info *di = &r->docs[sp->places[k].doc];
            nd_rep_put_field(f, di->id);
            fprintf(f, ":%u", sp->places[k].line);
            if (di->archived) fputs(" (archived)", f);
        }
        if (np < sp->nplaces) fprintf(f, " and %zu more", sp->nplaces - np);
        fputs("\n      ", f);
        nd_rep_put_field(f, sp->text);
        fputc('\n', f);
    }
    put_more(f, "  ", shown, r->nshared, "shared paragraph", "shared paragraphs");
    fputc('\n', f);
}

/* The paragraph mode as the last line says it. */
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

void nd_rep_write_text(const nd_scan_result *r, size_t limit, FILE *f)
{
    unsigned parts = r->opts.parts;
    write_counts(r, f);
    write_summary(r, f);
    if (parts & ND_PART_GROUPS) write_groups(r, limit, f);
    if (parts & ND_PART_BLOCKS) write_blocks(r, limit, f);
    if (parts & ND_PART_SHORT) write_shorts(r, limit, f);
    if (parts & ND_PART_SHARED) write_shared(r, limit, f);
    nd_report_text_gopher(r, limit, f);
    char contain[48] = "";
    if (r->opts.containment > 0)
        snprintf(contain, sizeof contain, " or containment >= %.2f", r->opts.containment);
    fprintf(f,
            "(%u-word shingles, %u permutations, jaccard >= %.2f%s, %u bands x %u rows, %s "
            "verification; ",
            r->opts.ngram, r->opts.perms, r->opts.threshold, contain, r->lsh.bands, r->lsh.rows,
            r->opts.verify_estimate ? "estimated" : "exact");
    put_para_mode(r, f);
    fprintf(f, ", short below %u words, paragraph jaccard >= %.2f)\n", r->opts.para.short_words,
            r->opts.para.threshold);
    if (nd_rep_cleaned(r)) write_clean(r, f);
}
