/*
 * cmd_check.c - `neardup check ARCHIVE PATH...`: a batch checked against an archive index,
 * reported as `scan` reports, with the archived documents it involves named as such.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "index_cli.h"
#include "neardup/neardup.h"
#include "neardup/report.h"

static void usage(FILE *f)
{
    fputs("Usage: neardup check ARCHIVE [OPTIONS] PATH...\n"
          "Check a batch against an archive index ('neardup index'): the report of 'neardup\n"
          "scan' on the batch, plus the archived documents it duplicates or shares sentences\n"
          "with, each named as archived. The archive is only read, unless --add or --add-new.\n"
          "\n"
          "Settings (-n, -k, -t, -b, --paragraphs, --short-words) are the archive's; given,\n"
          "they must be the same. Paragraphs and the report:\n"
          "      --para-threshold T  Jaccard of near-identical sentences (default 0.8)\n"
          "      --boilerplate-docs N   a paragraph in >= N articles, archived ones counted,\n"
          "                          is boilerplate (default 5)\n"
          "      --boilerplate-share F  ... or in >= this share of the batch (default off)\n"
          "      --parts LIST        groups, blocks, short, shared or all (default all)\n"
          "      --all-pairs         every pair of each group at the threshold\n"
          "  -f, --format F          text (default), json, tsv or html\n"
          "Input: --input-format F, --text-field NAME, --id-field NAME, --max-bytes N as scan.\n"
          "Run:\n"
          "      --add               then add the batch to the archive (as 'index add')\n"
          "      --add-new           then add only the documents that duplicate nothing\n"
          "  -j, --threads N         worker threads, 0 = one per CPU (default 0)\n"
          "  -q, --quiet             no warnings (errors are still printed)\n"
          "      --stats             print stage timings and counts on stderr\n"
          "      --fail-on-duplicates  exit 1 when a new document is in a group of near-\n"
          "                          duplicates (archived or new) or has a doubled block\n"
          "      --allow-skips       skipped input does not by itself make the exit status 2\n"
          "  -h, --help              show this help and exit\n"
          "  -V, --version           show the version and exit\n"
          "\n"
          "Exit status: 0 ok (with or without duplicates); 1 duplicates found and\n"
          "--fail-on-duplicates given; 2 usage error, a missing, damaged or foreign archive,\n"
          "settings that differ from the archive's, fatal error, or any input skipped\n"
          "unless --allow-skips. 2 wins over 1.\n",
          f);
}

/* What --fail-on-duplicates reacts to: a group (every group of a check has a new member)
 * and a doubled block (only new documents have blocks). */
static int found_something(const nd_scan_result *r)
{
    if ((r->opts.parts & ND_PART_GROUPS) && r->ngroups > 0) return 1;
    if (r->opts.parts & ND_PART_BLOCKS)
        for (size_t i = 0; i < r->nrepeats; i++)
            if (r->repeats[i].nblocks > 0) return 1;
    return 0;
}

static void print_stats(const nd_scan_result *r)
{
    const nd_scan_stats *s = &r->stats;
    fprintf(stderr,
            "neardup: stats: docs %zu, archived %zu (of %zu), threads %u, candidates %zu, pairs "
            "%zu, groups %zu, shared %zu\n"
            "neardup: stats: pass1 %.3fs, lsh %.3fs, pass2 %.3fs, verify %.3fs, cluster %.3fs, "
            "shared %.3fs\n",
            r->ndocs - r->narchived, r->narchived, r->archive_docs, s->threads, s->candidates,
            r->npairs, r->ngroups, r->nshared, s->t_pass1, s->t_lsh, s->t_pass2, s->t_verify,
            s->t_cluster, s->t_shared);
}

int nd_cmd_check(int argc, char **argv)
{
    ix_args a;
    memset(&a, 0, sizeof a);
    nd_scan_opts_init(&a.opts);
    a.cmd = "check";
    a.fmt = ND_REPORT_TEXT;
    struct option opts[IX_COMMON_OPTS + 12];
    memcpy(opts, ix_common_longopts, IX_COMMON_OPTS * sizeof *opts);
    struct option *o = opts + IX_COMMON_OPTS;
    *o++ = (struct option){"para-threshold", required_argument, NULL, IX_OPT_PARA_THRESHOLD};
    *o++ = (struct option){"boilerplate-docs", required_argument, NULL, IX_OPT_BOILER_DOCS};
    *o++ = (struct option){"boilerplate-share", required_argument, NULL, IX_OPT_BOILER_SHARE};
    *o++ = (struct option){"parts", required_argument, NULL, IX_OPT_PARTS};
    *o++ = (struct option){"all-pairs", no_argument, NULL, IX_OPT_ALL_PAIRS};
    *o++ = (struct option){"format", required_argument, NULL, 'f'};
    *o++ = (struct option){"fail-on-duplicates", no_argument, NULL, IX_OPT_FAIL};
    *o++ = (struct option){"add", no_argument, NULL, IX_OPT_ADD};
    *o++ = (struct option){"add-new", no_argument, NULL, IX_OPT_ADD_NEW};
    *o++ = (struct option){"help", no_argument, NULL, 'h'};
    *o++ = (struct option){"version", no_argument, NULL, 'V'};
    *o = (struct option){NULL, 0, NULL, 0};
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":n:k:t:b:f:qj:hV", opts, NULL)) != -1) {
        int rc;
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("neardup %s\n", nd_version());
            return 0;
        case ':':
            return nd_cli_usage_error("check", "option '%s' needs a value", argv[optind - 1]);
        case '?':
            return nd_cli_usage_error("check", "unknown option '%s'", argv[optind - 1]);
        default:
            if ((rc = ix_apply_option(c, &a)) >= 0) return rc;
        }
    }
    if (optind >= argc) return nd_cli_usage_error("check", "no ARCHIVE given");
    if (optind + 1 >= argc)
        return nd_cli_usage_error("check", "no PATH given (use - for standard input)");
    if (a.add && a.add_new)
        return nd_cli_usage_error("check", "--add and --add-new exclude each other");
    int fl = fcntl(STDOUT_FILENO, F_GETFL);
    if (fl == -1 || (fl & O_ACCMODE) == O_RDONLY) return nd_cli_write_error("the report", EBADF);
    const char *path = argv[optind];
    int write = a.add || a.add_new;
    nd_index *ix = ix_open(path, write, &a);
    if (!ix) return 2;
    a.opts.on_diag = ix_on_diag;
    a.opts.userdata = &a;
    nd_scan_result *res = NULL;
    nd_index_add_stats s;
    nd_status st = nd_check(ix, &a.opts, (const char *const *)(argv + optind + 1),
                            (size_t)(argc - optind - 1),
                            a.add ? ND_CHECK_ADD : a.add_new ? ND_CHECK_ADD_NEW : ND_CHECK_ONLY, &s,
                            &res);
    if (st != ND_OK) {
        int rc = ix_archive_error(path, st, nd_index_errmsg(ix));
        if (write) nd_cli_error("%s: nothing was added", path);
        nd_index_close(ix);
        return rc;
    }
    nd_index_close(ix);
    if (a.stats) print_stats(res);
    nd_status wst = nd_report_write(res, (nd_report_format)a.fmt, stdout);
    int werr = errno;
    ix_finish_existing(&a, s.existing);
    size_t nread = res->ndocs - res->narchived;
    int rc = 0;
    if (wst != ND_OK)
        rc = nd_cli_write_error("the report", werr);
    else if (nread == 0 || (res->nskipped > 0 && !a.allow_skips))
        rc = 2;
    else if (a.fail_on_dup && found_something(res))
        rc = 1;
    if (write && !a.quiet) {
        fprintf(stderr, "neardup: %zu document%s added", s.added, s.added == 1 ? "" : "s");
        if (s.existing) fprintf(stderr, ", %zu already in the archive", s.existing);
        if (a.add_new) fprintf(stderr, ", %zu with duplicates not added", s.duplicates);
        fprintf(stderr, "; the archive holds %llu\n", (unsigned long long)s.documents);
    }
    if (res->nskipped > 0 && !a.quiet)
        fprintf(stderr, "neardup: %zu input%s skipped (see above)%s\n", res->nskipped,
                res->nskipped == 1 ? "" : "s",
                a.allow_skips || nread == 0 ? ""
                                            : "; exit status 2 (use --allow-skips to accept skips)");
    if (nread == 0) nd_cli_error("no document was read; exit status 2");
    nd_scan_result_free(res);
    return rc;
}
