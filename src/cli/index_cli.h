/*
 * index_cli.h - what `neardup index` (cmd_index.c) and `neardup check` (cmd_check.c) share:
 * the options that shape a run (settings, input, threads, messages), the diagnostics
 * printer, and the messages about an archive.
 */
#ifndef NEARDUP_CLI_INDEX_CLI_H
#define NEARDUP_CLI_INDEX_CLI_H

#include <getopt.h>

#include "neardup/index.h"
#include "neardup/scan.h"

/* Option codes above the short options. */
enum {
    IX_OPT_INPUT_FORMAT = 300,
    IX_OPT_TEXT_FIELD,
    IX_OPT_ID_FIELD,
    IX_OPT_MAX_BYTES,
    IX_OPT_ALLOW_SKIPS,
    IX_OPT_STATS,
    IX_OPT_PARAGRAPHS,
    IX_OPT_SHORT_WORDS,
    IX_OPT_PARA_THRESHOLD,
    IX_OPT_BOILER_DOCS,
    IX_OPT_BOILER_SHARE,
    IX_OPT_PARTS,
    IX_OPT_ALL_PAIRS,
    IX_OPT_FAIL,
    IX_OPT_ADD,
    IX_OPT_ADD_NEW,
    IX_OPT_ONLY_NEW,
    IX_OPT_CHECK,
    IX_OPT_TABLES,
};

/* What a command line asks for. */
typedef struct ix_args {
    const char *cmd; /* "index create", "check", ... for messages */
    nd_scan_opts opts;
    unsigned given;   /* ND_SET_* settings given explicitly */
    int quiet, allow_skips, stats, fail_on_dup, format_set;
    int add, add_new, only_new, check, tables;
    int fmt; /* nd_report_format */
    unsigned shown_existing; /* "already in the archive" warnings printed so far */
} ix_args;

/* Applies option c (value in optarg) to a. Returns -1 to go on, or the exit status of a bad
 * value (its message printed). Knows every option of the table in index_cli.c. */
int ix_apply_option(int c, ix_args *a);

/* The long options every index command and check accept (settings, input, run). */
extern const struct option ix_common_longopts[];
#define IX_COMMON_OPTS 14 /* entries of ix_common_longopts, without the terminator */

/* Prints diagnostics as `scan` does (nd_diag_fn; userdata is the ix_args). At most 10 "id
 * already in the archive" warnings are printed; ix_finish_existing says how many more. */
void ix_on_diag(const nd_diag *d, void *ud);
void ix_finish_existing(const ix_args *a, size_t existing);

/* "neardup: ARCHIVE: MESSAGE" for an archive that failed (status st), with a hint for the
 * settings and missing-file cases. Returns 2. */
int ix_archive_error(const char *path, nd_status st, const char *msg);

/* Opens the archive (writable or not) and applies its settings to a->opts (checking those
 * given). NULL after printing why. */
nd_index *ix_open(const char *path, int writable, ix_args *a);

#endif
