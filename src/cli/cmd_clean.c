/*
 * cmd_clean.c - `neardup clean`: the scan, then the cleaned batch and everything removed
 * written under OUTDIR (nd_clean, clean.h), and the scan's report on stdout.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "index_cli.h"
#include "neardup/clean.h"
#include "neardup/neardup.h"
#include "scan_args.h"

static void usage(FILE *f)
{
    fputs("Usage: neardup clean [OPTIONS] -o OUTDIR PATH...\n"
          "Remove near-duplicate articles and repeated paragraphs: write what is kept to\n"
          "OUTDIR/kept/ (one file per input file, in its format, at its relative path) and\n"
          "everything removed to OUTDIR/removed.jsonl, and print the scan's report on stdout.\n"
          "'neardup restore OUTDIR DEST' gives the input back, byte for byte.\n"
          "\n"
          "Clean:\n"
          "  -o, --output OUTDIR     where to write; it must not exist, or be empty\n"
          "      --report FILE       write the report to FILE (atomically), not stdout; its\n"
          "                          format from its extension unless -f is given\n"
          "      --remove LIST       what to remove, comma-separated: groups (all but the kept\n"
          "                          article of each group), blocks (later copies of doubled\n"
          "                          blocks), short (later copies of repeated short lines),\n"
          "                          boilerplate (every copy), or all (default groups,blocks,\n"
          "                          of those --parts looks for)\n"
          "      --keep RULE         which article of a group is kept: longest (default),\n"
          "                          first or last in input order\n"
          "      --keep-by FIELD:min|max  the one with the smallest (largest) value of a JSON\n"
          "                          field: numbers by value, strings byte-wise (ISO dates\n"
          "                          sort in time order); articles without it come last\n"
          "                          An article is removed only as a near-duplicate of one\n"
          "                          that is kept: a group whose members chain keeps several.\n"
          "      --drop-invalid      move input the scan skips to removed.jsonl (default: copy\n"
          "                          it to kept/ unchanged, with a warning)\n"
          "      --force             write into a non-empty OUTDIR (its kept/ and\n"
          "                          removed.jsonl are replaced)\n"
          "      --index ARCHIVE     check the batch against an archive index ('neardup\n"
          "                          index', only read): an article that duplicates an\n"
          "                          archived one is removed too; the settings are the\n"
          "                          archive's (given ones must be the same)\n"
          "Every option of 'neardup scan' applies as well (see 'neardup scan --help').\n"
          "  -h, --help              show this help and exit\n"
          "  -V, --version           show the version and exit\n"
          "\n"
          "Exit status: as for scan: 0 ok; 1 duplicates found and --fail-on-duplicates\n"
          "given; 2 usage error, fatal error (nothing is written then), or any input skipped\n"
          "unless --allow-skips (the output is written: skipped input is copied or moved).\n"
          "2 wins over 1.\n",
          f);
}

enum {
    OPT_OUTPUT = 'o',
    OPT_REPORT = 511,
    OPT_REMOVE = 512,
    OPT_KEEP,
    OPT_KEEP_BY,
    OPT_DROP_INVALID,
    OPT_FORCE,
    OPT_INDEX,
};

static const struct option clean_longopts[] = {
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"report", required_argument, NULL, OPT_REPORT},
    {"remove", required_argument, NULL, OPT_REMOVE},
    {"keep", required_argument, NULL, OPT_KEEP},
    {"keep-by", required_argument, NULL, OPT_KEEP_BY},
    {"drop-invalid", no_argument, NULL, OPT_DROP_INVALID},
    {"force", no_argument, NULL, OPT_FORCE},
    {"index", required_argument, NULL, OPT_INDEX},
};

#define NCLEAN (sizeof clean_longopts / sizeof *clean_longopts)
#define MAX_OPTS 96

typedef struct clean_args {
    scan_args s;
    nd_clean_opts c;
    int remove_given; /* --remove was given (else: the default, less the parts not scanned) */
    const char *outdir;
    const char *index; /* --index ARCHIVE */
    char keep_field[512];
} clean_args;

/* "groups,blocks" -> ND_REMOVE_* bits; 0 on a bad name. */
static unsigned parse_remove(const char *s)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"groups", ND_REMOVE_GROUPS},
                 {"blocks", ND_REMOVE_BLOCKS},
                 {"short", ND_REMOVE_SHORT},
                 {"boilerplate", ND_REMOVE_BOILERPLATE},
                 {"all", ND_REMOVE_ALL}};
    unsigned bits = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (strlen(names[i].name) == n && strncmp(s, names[i].name, n) == 0) bit = names[i].bit;
        if (!bit) return 0;
        bits |= bit;
        s += n;
        if (*s == ',') s++;
    }
    return bits;
}

/* Applies a clean option; -1 to go on, or the exit status of a bad value. */
static int clean_option(int c, clean_args *a)
{
    switch (c) {
    case OPT_OUTPUT: /* clean's -o is OUTDIR; the report's file is --report */
        a->outdir = optarg;
        break;
    case OPT_REPORT:
        if (!*optarg) return nd_cli_usage_error("clean", "--report takes a file name");
        a->s.output = strcmp(optarg, "-") == 0 ? NULL : optarg;
        break;
    case OPT_REMOVE:
        a->remove_given = 1;
        if (!(a->c.remove = parse_remove(optarg)))
            return nd_cli_usage_error(
                "clean", "--remove takes groups, blocks, short, boilerplate or all, not '%s'",
                optarg);
        break;
    case OPT_KEEP:
        if (strcmp(optarg, "longest") == 0)
            a->s.opts.keep = ND_KEEP_LONGEST;
        else if (strcmp(optarg, "first") == 0)
            a->s.opts.keep = ND_KEEP_FIRST;
        else if (strcmp(optarg, "last") == 0)
            a->s.opts.keep = ND_KEEP_LAST;
        else
            return nd_cli_usage_error("clean", "--keep takes longest, first or last, not '%s'",
                                      optarg);
        a->s.opts.decode.keep_field = NULL;
        break;
    case OPT_KEEP_BY: {
        const char *colon = strrchr(optarg, ':');
        size_t n = colon ? (size_t)(colon - optarg) : 0;
        if (!colon || n == 0 || n >= sizeof a->keep_field ||
            (strcmp(colon + 1, "min") != 0 && strcmp(colon + 1, "max") != 0))
            return nd_cli_usage_error("clean", "--keep-by takes FIELD:min or FIELD:max, not '%s'",
                                      optarg);
        memcpy(a->keep_field, optarg, n);
        a->keep_field[n] = '\0';
        a->s.opts.decode.keep_field = a->keep_field;
        a->s.opts.keep = strcmp(colon + 1, "min") == 0 ? ND_KEEP_FIELD_MIN : ND_KEEP_FIELD_MAX;
        break;
    }
    case OPT_DROP_INVALID:
        a->c.drop_invalid = 1;
        break;
    case OPT_INDEX:
        if (!*optarg) return nd_cli_usage_error("clean", "--index takes an archive's path");
        a->index = optarg;
        break;
    case OPT_FORCE:
        a->c.force = 1;
        break;
    default:
        return nd_scan_option(c, &a->s);
    }
    return -1;
}

/* Parses argv into a; -1 to run, else the exit status (as cmd_scan.c's parse_args). */
static int parse_args(int argc, char **argv, clean_args *a)
{
    struct option opts[MAX_OPTS];
    size_t n = 0;
    for (const struct option *o = nd_scan_longopts(); o->name; o++) {
        assert(n + NCLEAN + 1 < MAX_OPTS);
        if (strcmp(o->name, "output") != 0) opts[n++] = *o; /* clean's own -o */
    }
    memcpy(opts + n, clean_longopts, sizeof clean_longopts);
    n += NCLEAN;
    memset(&opts[n], 0, sizeof opts[n]);
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":" ND_SCAN_SHORTOPTS, opts, NULL)) != -1) {
        int rc;
        switch (c) {
        case 'h':
            usage(stdout);
            return ND_EXIT_OK;
        case 'V':
            printf("neardup %s\n", nd_version());
            return ND_EXIT_OK;
        case ':':
            return nd_cli_usage_error("clean", "option '%s' needs a value", argv[optind - 1]);
        case '?':
            return nd_cli_usage_error("clean", "unknown option '%s'", argv[optind - 1]);
        default:
            if ((rc = clean_option(c, a)) >= 0) return rc;
        }
    }
    if (!a->outdir) return nd_cli_usage_error("clean", "no output directory given (-o OUTDIR)");
    if (optind >= argc)
        return nd_cli_usage_error("clean", "no PATH given (use - for standard input)");
    int rc = nd_scan_args_check(&a->s);
    if (rc >= 0) return rc;
    static const struct {
        unsigned remove, part;
        const char *name, *part_name;
    } needs[] = {{ND_REMOVE_GROUPS, ND_PART_GROUPS, "groups", "groups"},
                 {ND_REMOVE_BLOCKS, ND_PART_BLOCKS, "blocks", "blocks"},
                 {ND_REMOVE_SHORT, ND_PART_SHORT, "short", "short"},
                 {ND_REMOVE_BOILERPLATE, ND_PART_SHARED, "boilerplate", "shared"}};
    for (size_t i = 0; i < sizeof needs / sizeof *needs; i++) {
        if (!(a->c.remove & needs[i].remove) || (a->s.opts.parts & needs[i].part)) continue;
        if (!a->remove_given) { /* the default: only what the scan looks for */
            a->c.remove &= ~needs[i].remove;
            continue;
        }
        return nd_cli_usage_error("clean", "--remove %s needs --parts to include %s", needs[i].name,
                                  needs[i].part_name);
    }
    return -1;
}

int nd_cmd_clean(int argc, char **argv)
{
    clean_args a;
    memset(&a, 0, sizeof a);
    nd_scan_args_init(&a.s, "clean");
    a.s.opts.drop_signatures = 1; /* neither the report nor the kept files show them */
    nd_clean_opts_init(&a.c);
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc;
    const char *const *paths = (const char *const *)(argv + optind);
    size_t npaths = (size_t)(argc - optind);
    if ((rc = nd_scan_begin(&a.s, paths, npaths)) >= 0) return rc;

    nd_index *ix = NULL;
    if (a.index) { /* settings that differ from the defaults were given: the archive's? */
        nd_scan_opts d;
        nd_scan_opts_init(&d);
        const nd_scan_opts *o = &a.s.opts;
        unsigned given = (o->ngram != d.ngram ? ND_SET_NGRAM : 0) |
                         (o->perms != d.perms ? ND_SET_PERMS : 0) |
                         (o->threshold != d.threshold ? ND_SET_THRESHOLD : 0) |
                         (o->bands != d.bands ? ND_SET_BANDS : 0) |
                         (o->para.mode != d.para.mode ? ND_SET_PARAGRAPHS : 0) |
                         (o->para.short_words != d.para.short_words ? ND_SET_SHORT_WORDS : 0);
        char why[ND_INDEX_MSG_MAX];
        nd_status ost = nd_index_open(a.index, 0, &ix, why);
        if (ost == ND_OK && (ost = nd_index_use_settings(ix, &a.s.opts, given)) != ND_OK)
            snprintf(why, sizeof why, "%s", nd_index_errmsg(ix));
        if (ost != ND_OK) {
            nd_index_close(ix);
            nd_cli_output_abort(&a.s.out);
            return ix_archive_error(a.index, ost, why);
        }
        a.c.index = ix;
    }
    nd_scan_result *res = NULL;
    nd_status st = nd_clean(&a.s.opts, &a.c, a.outdir, paths, npaths, &res);
    nd_index_close(ix);
    if (st != ND_OK) {
        nd_cli_progress_clear(&a.s.prog);
        nd_cli_output_abort(&a.s.out);
        if (st == ND_EINVAL) /* the message said why */
            nd_cli_error("clean stopped; nothing was written to %s", a.outdir);
        else
            nd_cli_error("clean stopped (%s); nothing was written to %s",
                         st == ND_EIO ? "a read or a write failed" : nd_status_str(st), a.outdir);
        return ND_EXIT_ERROR;
    }
    rc = nd_scan_finish(&a.s, res);
    if (a.s.stats)
        fprintf(stderr, "neardup: stats: clean: read again and written in %.3fs\n",
                res->clean.t_write);
    nd_scan_result_free(res);
    return rc;
}
