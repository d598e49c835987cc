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
#include "neardup/neardup.h"
#include "neardup/report.h"
#include "neardup/scan.h"

static void usage(FILE *f)
{
    fputs("Usage: neardup scan [OPTIONS] PATH...\n"
          "Find groups of near-duplicate articles and print a report on stdout.\n"
          "\n"
          "PATH is a .txt file (one article), a .jsonl file (one JSON object per line), a\n"
          "directory (read recursively in sorted order: its .txt and .jsonl files), or - for\n"
          "standard input (JSON Lines if it starts with '{', else one article).\n"
          "\n"
          "Similarity:\n"
          "  -n, --ngram N           words per shingle, 1-64 (default 5)\n"
          "  -k, --perms K           MinHash permutations, 1-1024 (default 128)\n"
          "  -t, --threshold T       Jaccard threshold, above 0 and at most 1 (default 0.8)\n"
          "  -b, --bands B           LSH bands, 1-K (default: derived from T and K)\n"
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
          "                          paragraph is a doubled block (a page flattened onto one\n"
          "                          line), 0-1000, 0 = off (default 12)\n"
          "      --boilerplate-docs N   a paragraph in >= N articles is boilerplate (default 5)\n"
          "      --boilerplate-share F  ... or in >= this share of all articles (default off)\n"
          "      --parts LIST        what to look for, comma-separated from groups, blocks,\n"
          "                          short, shared (all: these four, the default) and\n"
          "                          metrics (the Gopher repetition measures of each article)\n"
          "      --gopher            flag articles over Gopher's repetition limits (adds\n"
          "                          metrics; the limits are in the README)\n"
          "      --gopher-limits LIST  change limits, NAME=VALUE or NAME=off, comma-separated\n"
          "                          (e.g. dup_line_frac=0.25,top_2_gram=off); implies --gopher\n"
          "Input:\n"
          "      --input-format F    auto (default: .jsonl is JSON Lines, others one article),\n"
          "                          txt or jsonl\n"
          "      --text-field NAME   JSON field with the article text (default text)\n"
          "      --id-field NAME     JSON field with its name (default id, then url)\n"
          "      --max-bytes N       skip documents or lines longer than N bytes\n"
          "                          (K/M/G suffixes; default 16M)\n"
          "Output:\n"
          "  -f, --format F          text (default), json or tsv (one record per line, its\n"
          "                          type first: pair, block, run, short or shared; see\n"
          "                          README)\n"
          "      --all-pairs         list every pair of each group at the threshold (quadratic\n"
          "                          in a group's size), not only those that joined it\n"
          "  -q, --quiet             no warnings (errors are still printed)\n"
          "      --stats             print stage timings and counts on stderr\n"
          "Run:\n"
          "  -j, --threads N         worker threads, 0 = one per CPU (default 0)\n"
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

typedef struct diag_ctx {
    int quiet;
} diag_ctx;

/* "neardup: [warning: ]PATH[:LINE| : byte N]: MESSAGE" on stderr; the path and the message
 * (which may quote the input) with control characters and invalid UTF-8 escaped. */
static void on_diag(const nd_diag *d, void *ud)
{
    const diag_ctx *c = ud;
    if (d->level == ND_DIAG_WARNING && c->quiet) return;
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
    double total = s->t_pass1 + s->t_lsh + s->t_pass2 + s->t_verify + s->t_cluster + s->t_shared;
    fprintf(stderr,
            "neardup: stats: docs %zu, bytes %llu, threads %u, candidates %zu, capped buckets "
            "%zu, refetched %zu, pairs %zu, groups %zu, paragraphs %zu, shared %zu\n"
            "neardup: stats: pass1 %.3fs, lsh %.3fs, pass2 %.3fs, verify %.3fs, cluster %.3fs, "
            "shared %.3fs (link %.3fs, texts %.3fs), total %.3fs (%.1f MB/s)\n",
            r->ndocs, (unsigned long long)s->bytes, s->threads, s->candidates, s->capped_buckets,
            s->refetched, r->npairs, r->ngroups, s->paragraphs, r->nshared, s->t_pass1, s->t_lsh,
            s->t_pass2, s->t_verify, s->t_cluster, s->t_shared, s->t_link, s->t_texts, total,
            total > 0 ? (double)s->bytes / 1e6 / total : 0.0);
}

/* After a bad option value (the message is printed already): the usage hint, status 2. */
static int bad_value(void)
{
    fputs("Try 'neardup scan --help'.\n", stderr);
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

/* What the command line asks for. */
typedef struct scan_args {
    nd_scan_opts opts;
    nd_report_format fmt;
    diag_ctx dc;
    int fail_on_dup, allow_skips, stats;
} scan_args;

/* Applies --gopher-limits LIST: NAME=VALUE (a number from 0 to 1) or NAME=off, comma-separated,
 * names as nd_gopher_name gives them. 0, or the exit status of a bad list (its message
 * printed). */
static int gopher_limits(const char *list, nd_gopher_opts *g)
{
    g->enabled = 1;
    for (const char *s = list; *s;) {
        size_t n = strcspn(s, ","), eq = strcspn(s, "=");
        unsigned i = 0;
        while (i < ND_GOPHER_N && !(eq < n && strlen(nd_gopher_name(i)) == eq &&
                                    strncmp(s, nd_gopher_name(i), eq) == 0))
            i++;
        if (i == ND_GOPHER_N)
            return nd_cli_usage_error("scan",
                                      "--gopher-limits: '%.*s' is not NAME=VALUE with a "
                                      "measure's name (see --help)",
                                      (int)n, s);
        char value[32];
        size_t vl = n - eq - 1;
        if (vl >= sizeof value)
            return nd_cli_usage_error("scan", "--gopher-limits: the value of '%.*s' is too long",
                                      (int)eq, s);
        memcpy(value, s + eq + 1, vl);
        value[vl] = '\0';
        if (strcmp(value, "off") == 0)
            g->limit[i] = -1.0;
        else if (nd_arg_double("--gopher-limits", value, 0.0, 1.0, 0, &g->limit[i]))
            return bad_value();
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
        if (strcmp(optarg, "auto") == 0)
            a->opts.para.mode = ND_PARA_AUTO;
        else if (strcmp(optarg, "line") == 0)
            a->opts.para.mode = ND_PARA_LINE;
        else if (strcmp(optarg, "block") == 0)
            a->opts.para.mode = ND_PARA_BLOCK;
        else
            return nd_cli_usage_error("scan", "--paragraphs takes auto, line or block, not '%s'",
                                      optarg);
        break;
    case OPT_SHORT_WORDS:
        if (nd_arg_uint("--short-words", optarg, 1, 1000, &u)) return bad_value();
        a->opts.para.short_words = (unsigned)u;
        break;
    case OPT_PARA_THRESHOLD:
        if (nd_arg_double("--para-threshold", optarg, 0.0, 1.0, 1, &a->opts.para.threshold))
            return bad_value();
        break;
    case OPT_MIN_REPEAT:
        if (nd_arg_uint("--min-repeat-words", optarg, 0, 1000, &u)) return bad_value();
        a->opts.para.min_repeat_words = (unsigned)u;
        break;
    case OPT_GOPHER:
        a->opts.gopher.enabled = 1;
        break;
    case OPT_GOPHER_LIMITS: {
        int rc = gopher_limits(optarg, &a->opts.gopher);
        if (rc) return rc;
        break;
    }
    case OPT_BOILER_DOCS:
        if (nd_arg_uint("--boilerplate-docs", optarg, 2, 1000000000, &u)) return bad_value();
        a->opts.boilerplate_docs = u;
        break;
    case OPT_BOILER_SHARE:
        if (nd_arg_double("--boilerplate-share", optarg, 0.0, 1.0, 1, &a->opts.boilerplate_share))
            return bad_value();
        break;
    case OPT_PARTS:
        if (!(a->opts.parts = parse_parts(optarg)))
            return nd_cli_usage_error(
                "scan", "--parts takes groups, blocks, short, shared, all or metrics, not '%s'",
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
        if (nd_arg_uint("--ngram", optarg, 1, ND_NGRAM_MAX, &u)) return bad_value();
        a->opts.ngram = (unsigned)u;
        break;
    case 'k':
        if (nd_arg_uint("--perms", optarg, 1, ND_PERMS_MAX, &u)) return bad_value();
        a->opts.perms = (unsigned)u;
        break;
    case 't':
        if (nd_arg_double("--threshold", optarg, 0.0, 1.0, 1, &a->opts.threshold))
            return bad_value();
        break;
    case 'b':
        if (nd_arg_uint("--bands", optarg, 1, ND_PERMS_MAX, &u)) return bad_value();
        a->opts.bands = (unsigned)u;
        break;
    case OPT_ALL_PAIRS:
        a->opts.all_pairs = 1;
        break;
    case OPT_VERIFY:
        if (strcmp(optarg, "exact") == 0)
            a->opts.verify_estimate = 0;
        else if (strcmp(optarg, "estimate") == 0)
            a->opts.verify_estimate = 1;
        else
            return nd_cli_usage_error("scan", "--verify takes exact or estimate, not '%s'", optarg);
        break;
    case OPT_INPUT_FORMAT:
        if (strcmp(optarg, "auto") == 0)
            a->opts.input.format = ND_INPUT_AUTO;
        else if (strcmp(optarg, "txt") == 0)
            a->opts.input.format = ND_INPUT_TXT;
        else if (strcmp(optarg, "jsonl") == 0)
            a->opts.input.format = ND_INPUT_JSONL;
        else
            return nd_cli_usage_error("scan", "--input-format takes auto, txt or jsonl, not '%s'",
                                      optarg);
        break;
    case OPT_TEXT_FIELD:
        a->opts.decode.text_field = optarg;
        break;
    case OPT_ID_FIELD:
        a->opts.decode.id_field = optarg;
        break;
    case OPT_MAX_BYTES:
        if (nd_arg_size("--max-bytes", optarg, (size_t)1 << 30, &a->opts.input.max_doc_bytes))
            return bad_value();
        break;
    case 'f':
        if (nd_report_format_parse(optarg, &a->fmt) != ND_OK)
            return nd_cli_usage_error("scan", "--format takes text, json or tsv, not '%s'", optarg);
        break;
    case 'q':
        a->dc.quiet = 1;
        break;
    case OPT_STATS:
        a->stats = 1;
        break;
    case 'j':
        if (nd_arg_uint("--threads", optarg, 0, 256, &u)) return bad_value();
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

/* Parses argv into a (a->opts initialised first). Returns -1 when the scan should run, or
 * the exit status: 0 after --help or --version, 2 after a usage error (its message printed). */
static int parse_args(int argc, char **argv, scan_args *a)
{
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":n:k:t:b:f:qj:hV", longopts, NULL)) != -1) {
        int rc;
        switch (c) {
        case 'h':
            usage(stdout);
            return ND_EXIT_OK;
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
    if (a->opts.bands > a->opts.perms)
        return nd_cli_usage_error("scan", "--bands (%u) cannot exceed --perms (%u)", a->opts.bands,
                                  a->opts.perms);
    return -1;
}

int nd_cmd_scan(int argc, char **argv)
{
    scan_args a = {.fmt = ND_REPORT_TEXT};
    nd_scan_opts_init(&a.opts);
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc;
    if (!stdout_writable()) /* closed (`>&-`): fail before the scan, not after it */
        return nd_cli_write_error("the report", EBADF);
    a.opts.on_diag = on_diag;
    a.opts.userdata = &a.dc;

    nd_scan_result *res = NULL;
    nd_status st =
        nd_scan(&a.opts, (const char *const *)(argv + optind), (size_t)(argc - optind), &res);
    if (st != ND_OK) {
        nd_cli_error("scan failed: %s", nd_status_str(st));
        return ND_EXIT_ERROR;
    }
    if (a.stats) print_stats(res);
    nd_status wst = nd_report_write(res, a.fmt, stdout);
    rc = exit_status(res, wst, errno, a.allow_skips, a.fail_on_dup);
    if (res->nskipped > 0 && !a.dc.quiet)
        fprintf(stderr, "neardup: %zu input%s skipped (see above)%s\n", res->nskipped,
                res->nskipped == 1 ? "" : "s",
                a.allow_skips || res->ndocs == 0
                    ? ""
                    : "; exit status 2 (use --allow-skips to accept skips)");
    if (res->ndocs == 0) nd_cli_error("no document was read; exit status 2");
    nd_scan_result_free(res);
    return rc;
}
