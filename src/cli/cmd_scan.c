/*
 * cmd_scan.c - `neardup scan`: find near-duplicate groups and print a report.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "mpi_cli.h"
#include "output.h"
#include "progress.h"
#include "neardup/neardup.h"
#include "neardup/report.h"
#include "neardup/scan.h"
#include "scan_args.h"

static void usage(FILE *f)
{
    fputs("Usage: neardup scan [OPTIONS] PATH...\n"
          "Find groups of near-duplicate articles and print a report on stdout.\n"
          "\n"
          "PATH is a .txt file (one article), a .jsonl file (one JSON object per line),\n"
          "a .csv or .tsv file (a header row, one article per row), a .warc or .wet file\n"
          "(WARC conversion and text resource records), any of these compressed (.gz,\n"
          ".zst), a directory (read recursively in sorted order: its files of these\n"
          "types), or - for standard input (JSON Lines if it starts with '{', WARC if\n"
          "with 'WARC/', else one article; compressed input is recognised).\n"
          "\n"
          "Similarity:\n"
          "  -n, --ngram N           words per shingle, 1-64 (default 5)\n"
          "  -k, --perms K           MinHash permutations, 1-1024 (default 128)\n"
          "  -t, --threshold T       Jaccard threshold, above 0 and at most 1 (default 0.8)\n"
          "  -b, --bands B           LSH bands, 1-K (default: derived from T and K)\n"
          "      --containment C     also group a pair when the smaller set is contained in\n"
          "                          the other at C or more, above 0 and at most 1 (e.g. 0.9:\n"
          "                          truncated reprints); default off\n"
          "      --verify MODE       exact (default): exact Jaccard of the shingle sets;\n"
          "                          estimate: trust the signatures (faster, approximate)\n"
          "Paragraphs (repeats inside an article, paragraphs shared across articles):\n"
          "      --paragraphs MODE   auto (default): by block for a hard-wrapped document,\n"
          "                          by line for every other (see README); line: every\n"
          "                          non-empty line is a paragraph; block: blank-line\n"
          "                          separated blocks\n"
          "      --short-words N     paragraphs of fewer words are short lines, 1-1000\n"
          "                          (default 4): counted, never a doubled block\n"
          "      --para-threshold T  Jaccard for near-identical paragraphs (word bigrams)\n"
          "                          and shared sentences (words); default 0.8\n"
          "      --min-repeat-words N  a run of N or more words seen again in the same\n"
          "                          paragraph is a doubled block (a page flattened onto\n"
          "                          one line), 0-1000, 0 = off (default 12)\n"
          "      --boilerplate-docs N   a paragraph in >= N articles is boilerplate (default 5)\n"
          "      --boilerplate-share F  ... or in >= this share of all articles (default off)\n"
          "      --parts LIST        what to look for, comma-separated from groups, blocks,\n"
          "                          short, shared (all: these four, the default) and\n"
          "                          metrics (the Gopher repetition measures of each\n"
          "                          article)\n"
          "      --gopher            flag articles over Gopher's repetition limits (adds\n"
          "                          metrics; the limits are in the README)\n"
          "      --gopher-limits LIST  change limits, NAME=VALUE or NAME=off, comma-\n"
          "                          separated (e.g. dup_line_frac=0.25,top_2_gram=off);\n"
          "                          implies --gopher\n"
          "Input:\n"
          "      --input-format F    auto (default: by extension, per file), txt, jsonl,\n"
          "                          csv, tsv or warc (every file read as F)\n"
          "      --text-field NAME   JSON field or CSV column with the article text\n"
          "                          (default text; CSV: else the only long-text column)\n"
          "      --id-field NAME     JSON field or CSV column with its name (default id,\n"
          "                          then url)\n"
          "      --max-bytes N       skip documents or lines longer than N bytes\n"
          "                          (K/M/G suffixes; default 16M)\n"
          "Output:\n"
          "  -f, --format F          text (default), json, tsv (one record per line, its type\n"
          "                          first: group, member, pair, block, run, short, shared or\n"
          "                          metrics; see README) or html (one self-contained page)\n"
          "  -o, --output FILE       write the report to FILE (atomically: a temporary file in\n"
          "                          its directory, then renamed); the format comes from its\n"
          "                          extension (.txt .json .tsv .html) unless -f is given;\n"
          "                          - is standard output\n"
          "      --limit N           text and HTML: show at most N entries per section and per\n"
          "                          list (default 20 for text, 500 for HTML; 0 = all); JSON\n"
          "                          and TSV are always complete\n"
          "      --all-pairs         list every pair of each group at the threshold (quadratic\n"
          "                          in a group's size), not only those that joined it\n"
          "  -q, --quiet             no warnings and no automatic progress (errors are still\n"
          "                          printed)\n"
          "      --stats             print stage timings and counts on stderr\n"
          "Run:\n"
          "  -j, --threads N         worker threads, 0 = one per CPU (default 0)\n"
          "      --progress          show progress on stderr (by default only when stderr is\n"
          "                          a terminal): one line, redrawn a few times a second\n"
          "      --no-progress       never show progress\n"
          "      --fail-on-duplicates  exit 1 when a group or a doubled block is found\n"
          "      --allow-skips       skipped input does not by itself make the exit status 2\n"
          "  -h, --help              show this help and exit\n"
          "  -V, --version           show the version and exit\n"
          "\n"
          "Exit status: 0 ok (with or without duplicates); 1 duplicates found and\n"
          "--fail-on-duplicates given; 2 usage error, fatal error, report not written, no\n"
          "document read at all, or any input skipped (unreadable path, empty or binary\n"
          "file, invalid UTF-8, malformed JSON line, ...) unless --allow-skips. 2 wins over 1.\n",
          f);
}

/* "neardup: [warning: ]PATH[:LINE| : byte N]: MESSAGE" on stderr; the path and the message
 * (which may quote the input) with control characters and invalid UTF-8 escaped. */
static void on_diag(const nd_diag *d, void *ud)
{
    scan_args *a = ud;
    if (d->level == ND_DIAG_WARNING && a->quiet) return;
    nd_cli_progress_clear(&a->prog);
    fputs(d->level == ND_DIAG_WARNING ? "neardup: warning: " : "neardup: ", stderr);
    nd_cli_put(stderr, d->path);
    if (d->level != ND_DIAG_WARNING && d->line != ND_NO_LINE)
        fprintf(stderr, ":%llu: ", (unsigned long long)d->line);
    else if (d->level != ND_DIAG_WARNING && d->offset != ND_NO_OFFSET)
        fprintf(stderr, ": byte %llu: ", (unsigned long long)d->offset);
    else
        fputs(": ", stderr);
    nd_cli_put(stderr, d->message);
    fputc('\n', stderr);
}

/* The scan's progress, drawn on the line that progress.h keeps. */
static void on_progress(const nd_progress *p, void *ud)
{
    scan_args *a = ud;
    nd_cli_progress_draw(&a->prog, p);
}

enum {
    OPT_VERIFY = 256,
    OPT_INPUT_FORMAT,
    OPT_TEXT_FIELD,
    OPT_ID_FIELD,
    OPT_MAX_BYTES,
    OPT_FAIL,
    OPT_ALLOW_SKIPS,
    OPT_STATS,
    OPT_PARAGRAPHS,
    OPT_SHORT_WORDS,
    OPT_PARA_THRESHOLD,
    OPT_BOILER_DOCS,
    OPT_BOILER_SHARE,
    OPT_PARTS,
    OPT_ALL_PAIRS,
    OPT_MIN_REPEAT,
    OPT_GOPHER,
    OPT_GOPHER_LIMITS,
    OPT_CONTAINMENT,
    OPT_LIMIT,
    OPT_PROGRESS,
    OPT_NO_PROGRESS,
};

static const struct option longopts[] = {
    {"ngram", required_argument, NULL, 'n'},
    {"perms", required_argument, NULL, 'k'},
    {"threshold", required_argument, NULL, 't'},
    {"bands", required_argument, NULL, 'b'},
    {"verify", required_argument, NULL, OPT_VERIFY},
    {"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
    {"text-field", required_argument, NULL, OPT_TEXT_FIELD},
    {"id-field", required_argument, NULL, OPT_ID_FIELD},
    {"max-bytes", required_argument, NULL, OPT_MAX_BYTES},
    {"format", required_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"stats", no_argument, NULL, OPT_STATS},
    {"threads", required_argument, NULL, 'j'},
    {"fail-on-duplicates", no_argument, NULL, OPT_FAIL},
    {"allow-skips", no_argument, NULL, OPT_ALLOW_SKIPS},
    {"paragraphs", required_argument, NULL, OPT_PARAGRAPHS},
    {"short-words", required_argument, NULL, OPT_SHORT_WORDS},
    {"para-threshold", required_argument, NULL, OPT_PARA_THRESHOLD},
    {"boilerplate-docs", required_argument, NULL, OPT_BOILER_DOCS},
    {"boilerplate-share", required_argument, NULL, OPT_BOILER_SHARE},
    {"parts", required_argument, NULL, OPT_PARTS},
    {"all-pairs", no_argument, NULL, OPT_ALL_PAIRS},
    {"min-repeat-words", required_argument, NULL, OPT_MIN_REPEAT},
    {"gopher", no_argument, NULL, OPT_GOPHER},
    {"gopher-limits", required_argument, NULL, OPT_GOPHER_LIMITS},
    {"containment", required_argument, NULL, OPT_CONTAINMENT},
    {"output", required_argument, NULL, 'o'},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* "groups,blocks" -> bits; 0 on a bad name. */
static unsigned parse_parts(const char *s)
{
    unsigned bits = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n == 6 && strncmp(s, "groups", n) == 0)
            bits |= ND_PART_GROUPS;
        else if (n == 6 && strncmp(s, "blocks", n) == 0)
            bits |= ND_PART_BLOCKS;
        else if (n == 5 && strncmp(s, "short", n) == 0)
            bits |= ND_PART_SHORT;
        else if (n == 6 && strncmp(s, "shared", n) == 0)
            bits |= ND_PART_SHARED;
        else if (n == 7 && strncmp(s, "metrics", n) == 0)
            bits |= ND_PART_METRICS;
        else if (n == 3 && strncmp(s, "all", n) == 0)
            bits |= ND_PART_ALL;
        else
            return 0;
        s += n;
        if (*s == ',') s++;
    }
    return bits;
}

static void print_stats(const nd_scan_result *r)
{
    const nd_scan_stats *s = &r->stats;
    double total = s->t_pass1 + s->t_lsh + s->t_pass2 + s->t_verify + s->t_contain +
                   s->t_cluster + s->t_shared;
    fprintf(stderr,
            "neardup: stats: docs %zu, bytes %llu, threads %u, candidates %zu, capped buckets "
            "%zu, refetched %zu, pairs %zu, groups %zu, paragraphs %zu, shared %zu\n"
            "neardup: stats: pass1 %.3fs, lsh %.3fs, pass2 %.3fs, verify %.3fs, cluster %.3fs, "
            "shared %.3fs (link %.3fs, texts %.3fs), total %.3fs (%.1f MB/s)\n",
            r->ndocs, (unsigned long long)s->bytes, s->threads, s->candidates, s->capped_buckets,
            s->refetched, r->npairs, r->ngroups, s->paragraphs, r->nshared, s->t_pass1, s->t_lsh,
            s->t_pass2, s->t_verify, s->t_cluster, s->t_shared, s->t_link, s->t_texts, total,
            total > 0 ? (double)s->bytes / 1e6 / total : 0.0);
    if (r->opts.containment > 0.0)
        fprintf(stderr, "neardup: stats: containment %.3fs, candidates %zu\n", s->t_contain,
                s->contain_candidates);
    if (s->input.warc_records) {
        fprintf(stderr, "neardup: stats: WARC records %llu, articles %llu, skipped:",
                (unsigned long long)s->input.warc_records, (unsigned long long)s->input.warc_docs);
        for (int t = 0; t < ND_WARC_NTYPES; t++)
            if (s->input.warc_skipped[t])
                fprintf(stderr, " %s %llu", nd_warc_type_name((nd_warc_type)t),
                        (unsigned long long)s->input.warc_skipped[t]);
        fputc('\n', stderr);
    }
}

/* After a bad option value (the message is printed already): the usage hint, status 2. */
static int bad_value(const scan_args *a)
{
    fprintf(stderr, "Try 'neardup %s --help'.\n", a->cmd);
    return ND_EXIT_ERROR;
}

/* What --fail-on-duplicates reacts to: article groups and doubled blocks (of paragraphs,
 * or runs of words inside one). */
static int found_something(const nd_scan_result *r)
{
    if ((r->opts.parts & ND_PART_GROUPS) && r->ngroups > 0) return 1;
    if (r->opts.parts & ND_PART_BLOCKS)
        for (size_t i = 0; i < r->nrepeats; i++)
            if (r->repeats[i].nblocks > 0 || r->repeats[i].nruns > 0) return 1;
    return 0;
}

/* Whether standard output can take the report (main holds a closed one read-only). */
static int stdout_writable(void)
{
    int fl = fcntl(STDOUT_FILENO, F_GETFL);
    return fl != -1 && (fl & O_ACCMODE) != O_RDONLY;
}

/* The exit status once the report is written (wst, with errno werr): 2 for a failed
 * write, for a run that read no document at all (even with --allow-skips: there was
 * nothing to compare), or for skipped input without --allow-skips; 1 when
 * --fail-on-duplicates finds something; else 0. Reports a failed write. */
static int exit_status(const nd_scan_result *r, nd_status wst, int werr, int allow_skips,
                       int fail_on_dup)
{
    if (wst != ND_OK) return nd_cli_write_error("the report", werr);
    if (r->ndocs == 0 || (r->nskipped > 0 && !allow_skips)) return ND_EXIT_ERROR;
    if (fail_on_dup && found_something(r)) return ND_EXIT_FOUND;
    return ND_EXIT_OK;
}

/* Applies --gopher-limits LIST: NAME=VALUE (a number from 0 to 1) or NAME=off, comma-separated,
 * names as nd_gopher_name gives them. 0, or the exit status of a bad list (its message
 * printed for a->cmd). */
static int gopher_limits(const scan_args *a, const char *list, nd_gopher_opts *g)
{
    g->enabled = 1;
    for (const char *s = list; *s;) {
        size_t n = strcspn(s, ","), eq = strcspn(s, "=");
        unsigned i = 0;
        while (i < ND_GOPHER_N && !(eq < n && strlen(nd_gopher_name(i)) == eq &&
                                    strncmp(s, nd_gopher_name(i), eq) == 0))
            i++;
        if (i == ND_GOPHER_N)
            return nd_cli_usage_error(a->cmd,
                                      "--gopher-limits: '%.*s' is not NAME=VALUE with a "
                                      "measure's name (see --help)",
                                      (int)n, s);
        char value[32];
        size_t vl = n - eq - 1;
        if (vl >= sizeof value)
            return nd_cli_usage_error(a->cmd, "--gopher-limits: the value of '%.*s' is too long",
                                      (int)eq, s);
        memcpy(value, s + eq + 1, vl);
        value[vl] = '\0';
        if (strcmp(value, "off") == 0)
            g->limit[i] = -1.0;
        else if (nd_arg_double("--gopher-limits", value, 0.0, 1.0, 0, &g->limit[i]))
            return bad_value(a);
        s += n;
        if (*s == ',') s++;
    }
    return 0;
}
/* Applies a paragraph option c (its value in optarg) to a. Returns -1 to go on, or the exit
 * status of a bad value (its message printed). */
static int para_option(int c, scan_args *a)
{
    unsigned long u;
    switch (c) {
    case OPT_PARAGRAPHS:
        if (nd_arg_para_mode(a->cmd, optarg, &a->opts.para.mode)) return ND_EXIT_ERROR;
        break;
    case OPT_SHORT_WORDS:
        if (nd_arg_uint("--short-words", optarg, 1, 1000, &u)) return bad_value(a);
        a->opts.para.short_words = (unsigned)u;
        break;
    case OPT_PARA_THRESHOLD:
        if (nd_arg_double("--para-threshold", optarg, 0.0, 1.0, 1, &a->opts.para.threshold))
            return bad_value(a);
        break;
    case OPT_MIN_REPEAT:
        if (nd_arg_uint("--min-repeat-words", optarg, 0, 1000, &u)) return bad_value(a);
        a->opts.para.min_repeat_words = (unsigned)u;
        break;
    case OPT_GOPHER:
        a->opts.gopher.enabled = 1;
        break;
    case OPT_GOPHER_LIMITS: {
        int rc = gopher_limits(a, optarg, &a->opts.gopher);
        if (rc) return rc;
        break;
    }
    case OPT_BOILER_DOCS:
        if (nd_arg_uint("--boilerplate-docs", optarg, 2, 1000000000, &u)) return bad_value(a);
        a->opts.boilerplate_docs = u;
        break;
    case OPT_BOILER_SHARE:
        if (nd_arg_double("--boilerplate-share", optarg, 0.0, 1.0, 1, &a->opts.boilerplate_share))
            return bad_value(a);
        break;
    case OPT_PARTS:
        if (!(a->opts.parts = parse_parts(optarg)))
            return nd_cli_usage_error(
                a->cmd, "--parts takes groups, blocks, short, shared, all or metrics, not '%s'",
                optarg);
        break;
    default:
        assert(!"an option without a case");
        return ND_EXIT_ERROR;
    }
    return -1;
}

/* Applies option c (its value in optarg) to a, as para_option does. */
static int apply_option(int c, scan_args *a)
{
    unsigned long u;
    switch (c) {
    case 'n':
        if (nd_arg_uint("--ngram", optarg, 1, ND_NGRAM_MAX, &u)) return bad_value(a);
        a->opts.ngram = (unsigned)u;
        break;
    case 'k':
        if (nd_arg_uint("--perms", optarg, 1, ND_PERMS_MAX, &u)) return bad_value(a);
        a->opts.perms = (unsigned)u;
        break;
    case 't':
        if (nd_arg_double("--threshold", optarg, 0.0, 1.0, 1, &a->opts.threshold))
            return bad_value(a);
        break;
    case 'b':
        if (nd_arg_uint("--bands", optarg, 1, ND_PERMS_MAX, &u)) return bad_value(a);
        a->opts.bands = (unsigned)u;
        break;
    case OPT_ALL_PAIRS:
        a->opts.all_pairs = 1;
        break;
    case OPT_CONTAINMENT:
        if (nd_arg_double("--containment", optarg, 0.0, 1.0, 1, &a->opts.containment))
            return bad_value(a);
        break;
    case OPT_VERIFY:
        if (strcmp(optarg, "exact") == 0)
            a->opts.verify_estimate = 0;
        else if (strcmp(optarg, "estimate") == 0)
            a->opts.verify_estimate = 1;
        else
            return nd_cli_usage_error(a->cmd, "--verify takes exact or estimate, not '%s'", optarg);
        break;
    case OPT_INPUT_FORMAT:
        if (nd_arg_input_format(a->cmd, optarg, &a->opts.input.format)) return ND_EXIT_ERROR;
        break;
    case OPT_TEXT_FIELD: /* a JSON field (decoder), a CSV column (reader) */
        a->opts.decode.text_field = a->opts.input.text_field = optarg;
        break;
    case OPT_ID_FIELD:
        a->opts.decode.id_field = a->opts.input.id_field = optarg;
        break;
    case OPT_MAX_BYTES:
        if (nd_arg_size("--max-bytes", optarg, (size_t)1 << 30, &a->opts.input.max_doc_bytes))
            return bad_value(a);
        break;
    case 'f':
        if (nd_report_format_parse(optarg, &a->fmt) != ND_OK)
            return nd_cli_usage_error(a->cmd, "--format takes text, json, tsv or html, not '%s'",
                                      optarg);
        a->fmt_given = 1;
        break;
    case 'o':
        if (!*optarg) return nd_cli_usage_error(a->cmd, "--output takes a file name");
        a->output = strcmp(optarg, "-") == 0 ? NULL : optarg; /* -o -: standard output */
        break;
    case OPT_LIMIT:
        if (nd_arg_uint("--limit", optarg, 0, 1000000000, &u)) return bad_value(a);
        a->ropts.limit = u;
        break;
    case OPT_PROGRESS:
        a->progress = 1;
        break;
    case OPT_NO_PROGRESS:
        a->progress = 0;
        break;
    case 'q':
        a->quiet = 1;
        break;
    case OPT_STATS:
        a->stats = 1;
        break;
    case 'j':
        if (nd_arg_uint("--threads", optarg, 0, 256, &u)) return bad_value(a);
        a->opts.threads = (unsigned)u;
        break;
    case OPT_FAIL:
        a->fail_on_dup = 1;
        break;
    case OPT_ALLOW_SKIPS:
        a->allow_skips = 1;
        break;
    default:
        return para_option(c, a);
    }
    return -1;
}

/* Parses argv into a. Returns -1 when the scan should run, or the exit status: 0 after
 * --help or --version, 2 after a usage error (its message printed). */
static int parse_args(int argc, char **argv, scan_args *a)
{
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":" ND_SCAN_SHORTOPTS, longopts, NULL)) != -1) {
        int rc;
        switch (c) {
        case 'h':
            usage(stdout); /* (as in main.c: say why a write inside it failed) */
            return ferror(stdout) ? nd_cli_write_error("to standard output", errno) : ND_EXIT_OK;
        case 'V':
            printf("neardup %s\n", nd_version());
            return ND_EXIT_OK;
        case ':':
            return nd_cli_usage_error("scan", "option '%s' needs a value", argv[optind - 1]);
        case '?':
            return nd_cli_usage_error("scan", "unknown option '%s'", argv[optind - 1]);
        default:
            if ((rc = apply_option(c, a)) >= 0) return rc;
        }
    }
    if (optind >= argc)
        return nd_cli_usage_error("scan", "no PATH given (use - for standard input)");
    return nd_scan_args_check(a);
}

int nd_cmd_scan(int argc, char **argv)
{
    scan_args a;
    nd_scan_args_init(&a, "scan");
    a.opts.drop_signatures = 1; /* the report does not show them */
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc;
    const char *const *paths = (const char *const *)(argv + optind);
    size_t npaths = (size_t)(argc - optind);
    const nd_dist *dist = nd_cli_mpi_dist();
    if (dist) { /* several MPI ranks: pass 1 shared, rank 0 reports (neardup/dist.h) */
        for (size_t i = 0; i < npaths; i++)
            if (strcmp(paths[i], "-") == 0)
                return dist->rank ? ND_EXIT_ERROR
                                  : nd_cli_usage_error("scan",
                                                       "standard input cannot be read by %u MPI "
                                                       "ranks (run one, or name files)",
                                                       dist->nranks);
        a.opts.dist = dist;
    }
    /* With ranks, -o's temporary file is made after the scan: an abort kills rank 0 at
     * once, and would leave it behind. */
    const char *output = a.output;
    if (dist) a.output = NULL;
    if (dist && dist->rank > 0) {
        a.opts.on_diag = NULL; /* (rank 0 reports every diagnostic, in input order) */
    } else if ((rc = nd_scan_begin(&a, paths, npaths)) >= 0) {
        return rc;
    }
    nd_scan_result *res = NULL;
    nd_status st = nd_scan(&a.opts, paths, npaths, &res);
    if (st == ND_EINVAL && dist) { /* every rank stops here: no abort needed */
        if (dist->rank == 0)
            nd_cli_error("the input cannot be shared by %u MPI ranks: a pipe or device is "
                         "among the paths (run one rank)",
                         dist->nranks);
        nd_scan_result_free(res);
        return ND_EXIT_ERROR;
    }
    if (st != ND_OK && dist) {
        if (dist->rank == 0) {
            nd_cli_progress_clear(&a.prog);
            nd_cli_output_abort(&a.out);
        }
        char msg[200];
        snprintf(msg, sizeof msg, "scan failed: %s", nd_status_str(st));
        nd_cli_mpi_abort(ND_EXIT_ERROR, msg);
    }
    if (st != ND_OK) return nd_scan_fail(&a, "scan failed", st);
    if (dist && dist->rank == 0 && (a.output = output) &&
        nd_cli_output_open(&a.out, a.output) != 0) {
        nd_cli_error("cannot write the report to %s: %s", a.output, strerror(errno));
        rc = ND_EXIT_ERROR;
    } else {
        rc = dist && dist->rank > 0 ? ND_EXIT_OK : nd_scan_finish(&a, res);
    }
    nd_scan_result_free(res);
    nd_cli_mpi_stats(a.stats);
    return rc;
}

/* ---- shared with the other commands that run a scan (scan_args.h) ---------------------- */

void nd_scan_args_init(scan_args *a, const char *cmd)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->fmt = ND_REPORT_TEXT;
    a->progress = -1;
    nd_scan_opts_init(&a->opts);
    nd_report_opts_init(&a->ropts);
}

const struct option *nd_scan_longopts(void)
{
    return longopts;
}

int nd_scan_option(int c, scan_args *a)
{
    return apply_option(c, a);
}

void nd_scan_on_diag(const nd_diag *d, void *ud)
{
    on_diag(d, ud);
}

int nd_scan_args_check(scan_args *a)
{
    if (a->opts.bands > a->opts.perms)
        return nd_cli_usage_error(a->cmd, "--bands (%u) cannot exceed --perms (%u)",
                                  a->opts.bands, a->opts.perms);
    if (a->output && !a->fmt_given && nd_report_format_for_path(a->output, &a->fmt) != ND_OK)
        a->fmt = ND_REPORT_TEXT;
    return -1;
}

int nd_scan_begin(scan_args *a, const char *const *paths, size_t npaths)
{
    if (!a->output && !stdout_writable()) /* closed (`>&-`): fail before the scan, not after */
        return nd_cli_write_error("the report", EBADF);
    if (a->output && nd_cli_output_open(&a->out, a->output) != 0) {
        nd_cli_error("cannot write the report to %s: %s", a->output, strerror(errno));
        return ND_EXIT_ERROR;
    }
    int show = a->progress == 1 || (a->progress == -1 && !a->quiet && nd_cli_progress_auto());
    nd_cli_progress_init(&a->prog, show, paths, npaths);
    a->opts.on_diag = on_diag;
    a->opts.on_progress = show ? on_progress : NULL;
    a->opts.userdata = a;
    return -1;
}

int nd_scan_fail(scan_args *a, const char *what, nd_status st)
{
    nd_cli_progress_clear(&a->prog);
    nd_cli_output_abort(&a->out);
    nd_cli_error("%s: %s", what, nd_status_str(st));
    return ND_EXIT_ERROR;
}

/* Writes the report to standard output or, with -o, into the temporary file and renames it
 * into place. ND_OK; else the failure with *err its errno. */
static nd_status write_report(scan_args *a, const nd_scan_result *res, int *err)
{
    if (!a->output) {
        nd_status st = nd_report_write_opts(res, a->fmt, &a->ropts, stdout);
        *err = errno;
        return st;
    }
    nd_status st = nd_report_write_opts(res, a->fmt, &a->ropts, a->out.f);
    *err = errno;
    if (st != ND_OK) return st;
    if (nd_cli_output_commit(&a->out) != 0) {
        *err = errno;
        return ND_EIO;
    }
    return ND_OK;
}

int nd_scan_finish(scan_args *a, const nd_scan_result *res)
{
    int rc, werr = 0;
    nd_cli_progress_clear(&a->prog);
    if (a->stats) print_stats(res);
    nd_status wst = write_report(a, res, &werr);
    nd_cli_output_abort(&a->out); /* after a failure: the temporary file goes; else a no-op */
    if (wst == ND_ENOMEM) {
        nd_cli_error("cannot write the report: out of memory");
        return ND_EXIT_ERROR;
    }
    if (wst != ND_OK && a->output) {
        nd_cli_error("cannot write the report to %s: %s", a->output, strerror(werr ? werr : EIO));
        rc = ND_EXIT_ERROR;
    } else {
        rc = exit_status(res, wst, werr, a->allow_skips, a->fail_on_dup);
    }
    if (res->nskipped > 0 && !a->quiet)
        fprintf(stderr, "neardup: %zu input%s skipped (see above)%s\n", res->nskipped,
                res->nskipped == 1 ? "" : "s",
                a->allow_skips || res->ndocs == 0
                    ? ""
                    : "; exit status 2 (use --allow-skips to accept skips)");
    if (res->ndocs == 0) nd_cli_error("no document was read; exit status 2");
    return rc;
}
