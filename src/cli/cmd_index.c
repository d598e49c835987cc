/*
 * cmd_index.c - `neardup index create|add|info ARCHIVE`: make an archive index, add batches
 * to it, say what it holds.
 */
#include <errno.h>
#include <getopt.h>
#include <time.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "index_cli.h"
#include "neardup/neardup.h"

static void usage(FILE *f)
{
    fputs("Usage: neardup index create ARCHIVE [SETTINGS]\n"
          "       neardup index add ARCHIVE [OPTIONS] PATH...\n"
          "       neardup index info ARCHIVE [--check] [--tables]\n"
          "Keep an archive's documents in an index (one SQLite file), to check new batches\n"
          "against it with 'neardup check'.\n"
          "\n"
          "create: a new, empty index with these settings, fixed for its life:\n"
          "  -n, --ngram N           words per shingle, 1-64 (default 5)\n"
          "  -k, --perms K           MinHash permutations, 1-1024 (default 128)\n"
          "  -t, --threshold T       Jaccard threshold, above 0 and at most 1 (default 0.8)\n"
          "  -b, --bands B           LSH bands, 1-K (default: derived from T and K)\n"
          "      --paragraphs MODE   auto (default: by block when hard-wrapped), line or block\n"
          "      --short-words N     paragraphs of fewer words hold no sentence (default 4)\n"
          "add: adds every document of PATH... (read as 'neardup scan' reads them) in one\n"
          "transaction; a document whose id is in the archive already is reported and not\n"
          "added. Settings given must be the index's.\n"
          "      --only-new          add only documents that are not near-duplicates of\n"
          "                          archived ones or of earlier documents of the batch\n"
          "      --input-format F, --text-field NAME, --id-field NAME, --max-bytes N\n"
          "                          read the input as 'neardup scan' does\n"
          "  -j, --threads N         worker threads, 0 = one per CPU (default 0)\n"
          "  -q, --quiet             no warnings (errors are still printed)\n"
          "      --allow-skips       skipped input does not by itself make the exit status 2\n"
          "      --stats             say how long the add took, on stderr\n"
          "info: the settings, schema version, documents, size on disk and bytes per document.\n"
          "      --check             also read every page, record and map chunk (slow on a big\n"
          "                          archive): exit 2 if anything is damaged\n"
          "      --tables            also the bytes of each table (reads every page)\n"
          "  -h, --help              show this help and exit\n"
          "  -V, --version           show the version and exit\n"
          "\n"
          "Exit status: 0 ok; 2 usage error, a missing, damaged or foreign archive, settings\n"
          "that differ from the archive's, or (add) any input skipped unless --allow-skips.\n",
          f);
}

/* Parses argv (from the subcommand's name on) with the options in `longopts`. Returns -1 to
 * run, or the exit status (help, version, usage error). */
static int parse(int argc, char **argv, const struct option *longopts, const char *shortopts,
                 ix_args *a)
{
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        int rc;
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("neardup %s\n", nd_version());
            return 0;
        case ':':
            return nd_cli_usage_error(a->cmd, "option '%s' needs a value", argv[optind - 1]);
        case '?':
            return nd_cli_usage_error(a->cmd, "unknown option '%s'", argv[optind - 1]);
        default:
            if ((rc = ix_apply_option(c, a)) >= 0) return rc;
        }
    }
    if (optind >= argc) return nd_cli_usage_error(a->cmd, "no ARCHIVE given");
    return -1;
}

static const struct option create_opts[] = {
    {"ngram", required_argument, NULL, 'n'},
    {"perms", required_argument, NULL, 'k'},
    {"threshold", required_argument, NULL, 't'},
    {"bands", required_argument, NULL, 'b'},
    {"paragraphs", required_argument, NULL, IX_OPT_PARAGRAPHS},
    {"short-words", required_argument, NULL, IX_OPT_SHORT_WORDS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int cmd_create(int argc, char **argv, ix_args *a)
{
    int rc = parse(argc, argv, create_opts, ":n:k:t:b:hV", a);
    if (rc >= 0) return rc;
    if (optind + 1 != argc) return nd_cli_usage_error(a->cmd, "create takes one ARCHIVE");
    if (a->opts.bands > a->opts.perms)
        return nd_cli_usage_error(a->cmd, "--bands (%u) cannot exceed --perms (%u)", a->opts.bands,
                                  a->opts.perms);
    char why[ND_INDEX_MSG_MAX];
    nd_status st = nd_index_create(argv[optind], &a->opts, why);
    if (st != ND_OK) return ix_archive_error(argv[optind], st, why);
    return 0;
}

static int cmd_add(int argc, char **argv, ix_args *a)
{
    struct option opts[IX_COMMON_OPTS + 4];
    memcpy(opts, ix_common_longopts, IX_COMMON_OPTS * sizeof *opts);
    opts[IX_COMMON_OPTS] = (struct option){"only-new", no_argument, NULL, IX_OPT_ONLY_NEW};
    opts[IX_COMMON_OPTS + 1] = (struct option){"help", no_argument, NULL, 'h'};
    opts[IX_COMMON_OPTS + 2] = (struct option){"version", no_argument, NULL, 'V'};
    opts[IX_COMMON_OPTS + 3] = (struct option){NULL, 0, NULL, 0};
    int rc = parse(argc, argv, opts, ":n:k:t:b:j:qhV", a);
    if (rc >= 0) return rc;
    if (optind + 1 >= argc)
        return nd_cli_usage_error(a->cmd, "no PATH given (use - for standard input)");
    const char *path = argv[optind];
    nd_index *ix = ix_open(path, 1, a);
    if (!ix) return 2;
    a->opts.on_diag = ix_on_diag;
    a->opts.userdata = a;
    nd_index_add_stats s;
    nd_status st = nd_index_add(ix, &a->opts, (const char *const *)(argv + optind + 1),
                                (size_t)(argc - optind - 1), a->only_new, &s);
    if (st != ND_OK) {
        rc = ix_archive_error(path, st, nd_index_errmsg(ix));
        nd_cli_error("%s: nothing was added", path);
        nd_index_close(ix);
        return rc;
    }
    struct timespec c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &c0);
    nd_index_close(ix); /* the last connection: the log is folded into the file */
    clock_gettime(CLOCK_MONOTONIC, &c1);
    if (a->stats)
        fprintf(stderr,
                "neardup: stats: read %zu, added %zu; scan %.3fs, write %.3fs, commit %.3fs, "
                "close %.3fs\n",
                s.read, s.added, s.t_scan, s.t_write, s.t_commit,
                (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) * 1e-9);
    ix_finish_existing(a, s.existing);
    printf("%zu document%s added", s.added, s.added == 1 ? "" : "s");
    if (s.existing) printf(", %zu already in the archive", s.existing);
    if (a->only_new) printf(", %zu near-duplicate%s not added", s.duplicates,
                            s.duplicates == 1 ? "" : "s");
    printf("; the archive holds %llu\n", (unsigned long long)s.documents);
    rc = 0;
    if (s.read == 0 || (s.skipped > 0 && !a->allow_skips)) rc = 2;
    if (s.skipped > 0 && !a->quiet)
        fprintf(stderr, "neardup: %zu input%s skipped (see above)%s\n", s.skipped,
                s.skipped == 1 ? "" : "s",
                a->allow_skips || s.read == 0 ? "" : "; exit status 2 (use --allow-skips to accept skips)");
    if (s.read == 0) nd_cli_error("no document was read; exit status 2");
    return rc;
}

/* 1234567 as "1,234,567". */
static const char *grouped(unsigned long long x, char *buf)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", x), w = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) buf[w++] = ',';
        buf[w++] = tmp[i];
    }
    buf[w] = '\0';
    return buf;
}

static const struct option info_opts[] = {
    {"check", no_argument, NULL, IX_OPT_CHECK},
    {"tables", no_argument, NULL, IX_OPT_TABLES},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int cmd_info(int argc, char **argv, ix_args *a)
{
    int rc = parse(argc, argv, info_opts, ":hV", a);
    if (rc >= 0) return rc;
    if (optind + 1 != argc) return nd_cli_usage_error(a->cmd, "info takes one ARCHIVE");
    const char *path = argv[optind];
    nd_index *ix = ix_open(path, 0, a);
    if (!ix) return 2;
    nd_index_info in;
    nd_status st = nd_index_info_get(ix, a->tables, &in);
    if (st != ND_OK) {
        rc = ix_archive_error(path, st, nd_index_errmsg(ix));
        nd_index_close(ix);
        return rc;
    }
    const nd_index_settings *s = &in.settings;
    char b1[32], b2[32];
    printf("archive: ");
    nd_cli_put(stdout, path);
    printf("\nschema: %d\n", in.schema);
    printf("settings: %u-word shingles, %u permutations, jaccard >= %.2f, %u bands x %u rows; "
           "paragraphs %s, short below %u words\n",
           s->ngram, s->perms, s->threshold, s->bands, s->rows,
           s->para_mode == ND_PARA_BLOCK  ? "by blank-line block"
           : s->para_mode == ND_PARA_AUTO ? "auto"
                                          : "by line",
           s->short_words);
    printf("documents: %s in %llu add%s\n", grouped(in.documents, b1),
           (unsigned long long)in.adds, in.adds == 1 ? "" : "s");
    printf("size on disk: %s bytes", grouped(in.file_bytes + in.wal_bytes, b1));
    if (in.documents)
        printf(" (%s bytes per document)", grouped((in.file_bytes + in.wal_bytes) / in.documents, b2));
    printf("\n");
    printf("map runs: ids %u, bands %u, sentences %u\n", in.runs[0], in.runs[1], in.runs[2]);
    if (a->tables) {
        uint64_t n = in.documents ? in.documents : 1;
        printf("tables: documents %llu, band keys %llu, sentence keys %llu, ids %llu, free %llu "
               "bytes per document\n",
               (unsigned long long)(in.docs_bytes / n), (unsigned long long)(in.bands_bytes / n),
               (unsigned long long)(in.sents_bytes / n), (unsigned long long)(in.ids_bytes / n),
               (unsigned long long)(in.free_bytes / n));
    }
    printf("created: %s by neardup %s\n", in.created, in.version);
    if (a->check) {
        st = nd_index_verify(ix);
        if (st != ND_OK) {
            rc = ix_archive_error(path, st, nd_index_errmsg(ix));
            nd_index_close(ix);
            return rc;
        }
        printf("check: ok (every page, record and map chunk read)\n");
    }
    nd_index_close(ix);
    return 0;
}

int nd_cmd_index(int argc, char **argv)
{
    ix_args a;
    memset(&a, 0, sizeof a);
    nd_scan_opts_init(&a.opts);
    if (argc < 2) return nd_cli_usage_error("index", "missing subcommand (create, add or info)");
    const char *sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(sub, "-V") == 0 || strcmp(sub, "--version") == 0) {
        printf("neardup %s\n", nd_version());
        return 0;
    }
    a.cmd = "index";
    if (strcmp(sub, "create") == 0) return cmd_create(argc - 1, argv + 1, &a);
    if (strcmp(sub, "add") == 0) return cmd_add(argc - 1, argv + 1, &a);
    if (strcmp(sub, "info") == 0) return cmd_info(argc - 1, argv + 1, &a);
    return nd_cli_usage_error("index", "unknown subcommand '%s' (create, add or info)", sub);
}
