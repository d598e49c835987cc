/*
 * cmd_restore.c - `neardup restore OUTDIR DEST`: the input of a clean rebuilt, byte for
 * byte (nd_restore, clean.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "neardup/clean.h"
#include "neardup/neardup.h"
#include "scan_args.h"

static void usage(FILE *f)
{
    fputs("Usage: neardup restore [OPTIONS] OUTDIR DEST\n"
          "Rebuild the input of 'neardup clean -o OUTDIR' under DEST, byte for byte: each\n"
          "file of OUTDIR/kept/ with what OUTDIR/removed.jsonl says was removed from it put\n"
          "back, at the same relative path (files removed whole come back too).\n"
          "\n"
          "Options:\n"
          "      --force        write into a non-empty DEST (files of the same path are\n"
          "                     replaced)\n"
          "  -q, --quiet        no warnings (errors are still printed)\n"
          "  -h, --help         show this help and exit\n"
          "  -V, --version      show the version and exit\n"
          "\n"
          "Exit status: 0 restored; 2 usage error, or OUTDIR cannot be restored (nothing is\n"
          "written to DEST then).\n",
          f);
}

enum { OPT_FORCE = 256 };

static const struct option longopts[] = {
    {"force", no_argument, NULL, OPT_FORCE},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

int nd_cmd_restore(int argc, char **argv)
{
    int c, force = 0;
    scan_args dc; /* only for its diagnostics callback */
    nd_scan_args_init(&dc, "restore");
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return ND_EXIT_OK;
        case 'V':
            printf("neardup %s\n", nd_version());
            return ND_EXIT_OK;
        case 'q':
            dc.quiet = 1;
            break;
        case OPT_FORCE:
            force = 1;
            break;
        case ':':
            return nd_cli_usage_error("restore", "option '%s' needs a value", argv[optind - 1]);
        default:
            return nd_cli_usage_error("restore", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return nd_cli_usage_error("restore", "expected OUTDIR and DEST, got %d argument%s",
                                  argc - optind, argc - optind == 1 ? "" : "s");
    nd_status st = nd_restore(argv[optind], argv[optind + 1], force, nd_scan_on_diag, &dc);
    if (st != ND_OK) {
        if (st == ND_EINVAL) /* the message said why */
            nd_cli_error("restore stopped; nothing was written to %s", argv[optind + 1]);
        else
            nd_cli_error("restore stopped (%s); nothing was written to %s",
                         st == ND_EIO ? "a read or a write failed" : nd_status_str(st),
                         argv[optind + 1]);
        return ND_EXIT_ERROR;
    }
    return ND_EXIT_OK;
}
