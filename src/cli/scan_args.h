/*
 * scan_args.h - the scan's command-line options, shared by the commands that run a scan
 * (scan; clean, which takes every scan option and adds its own).
 *
 * cmd_scan.c owns the option table, its parsing, the diagnostics callback and the end of a
 * run (report, skip summary, exit status); a command that adds options puts its own after
 * nd_scan_longopts() in one getopt_long table and hands the scan's to nd_scan_option.
 */
#ifndef NEARDUP_CLI_SCAN_ARGS_H
#define NEARDUP_CLI_SCAN_ARGS_H

#include <getopt.h>

#include "neardup/report.h"
#include "neardup/scan.h"

/* The scan's short options (after a leading ':' in the getopt string). */
#define ND_SCAN_SHORTOPTS "n:k:t:b:f:qj:hV"

typedef struct diag_ctx {
    int quiet;
} diag_ctx;

/* What the command line asks for. */
typedef struct scan_args {
    nd_scan_opts opts;
    nd_report_format fmt;
    diag_ctx dc;
    int fail_on_dup, allow_skips, stats;
    const char *cmd; /* the command, for "Try 'neardup CMD --help'." */
} scan_args;

/* The scan's long options, ended by an entry of NULL name. */
const struct option *nd_scan_longopts(void);
/* Applies scan option c (from the table above; its value in optarg) to a. Returns -1 to
 * go on, or the exit status after a bad value (its message printed). */
int nd_scan_option(int c, scan_args *a);
/* The diagnostics callback (userdata: a diag_ctx): "neardup: [warning: ]PATH[:LINE]: ...". */
void nd_scan_on_diag(const nd_diag *d, void *ud);
/* The end of a run: stats, the report on stdout, the skip summary on stderr; returns the
 * exit status (0, 1 with fail_on_dup and something found, 2). */
int nd_scan_finish(const scan_args *a, const nd_scan_result *res);
/* Whether standard output can take the report. */
int nd_scan_stdout_writable(void);

#endif
